/* Shared by vnet and vnet-validate: error messages and reading a
 * definition file ("-" = stdin). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "proto/proto.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

int cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

int cli_read_input(const char *path, char **ret)
{
    _cleanup_fclose_ FILE *f = streq(path, "-") ? NULL : fopen(path, "re");
    FILE *in = streq(path, "-") ? stdin : f;
    if (!in)
        return cli_error("cannot read '%s': %s", path, strerror(errno));
    strbuf b = STRBUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0) {
        if (memchr(chunk, '\0', n)) {
            strbuf_free(&b);
            return cli_error("cannot read '%s': it contains NUL bytes (not an XML file)", path);
        }
        strbuf_addn(&b, chunk, n);
        if (b.len > PROTO_MAX_MSG) {
            strbuf_free(&b);
            return cli_error("cannot read '%s': larger than %d bytes", path, PROTO_MAX_MSG);
        }
    }
    if (ferror(in)) {
        strbuf_free(&b);
        return cli_error("cannot read '%s': %s", path, strerror(errno));
    }
    *ret = strbuf_take(&b);
    return 0;
}

/* vnet-validate: the XML part of `vnet validate` (which execs it).
 *   vnet-validate [--format] FILE...   ("-" = stdin)
 * Checks each definition with the conf layer, as the daemon would, and with
 * --format prints it normalized (as dumpxml shows it). Exit 1 if any fails.
 * A separate program so that vnet does not load libxml2 at every start. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "conf/netdef.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static int validate_one(const char *path, netdef **ret, verr *err)
{
    if (!streq(path, "-"))
        return netdef_parse_file(path, ret, err);
    _cleanup_free_ char *xml = NULL;
    if (cli_read_input(path, &xml) < 0)
        return -2; /* already printed */
    return netdef_parse_string(xml, "<stdin>", ret, err);
}

int main(int argc, char **argv)
{
    bool format = false;
    int rc = 0, first = 1;
    if (argc > 1 && streq(argv[1], "--format")) {
        format = true;
        first = 2;
    }
    for (int i = first; i < argc; i++) {
        verr err = VERR_INIT;
        _cleanup_(netdef_freep) netdef *def = NULL;
        int r = validate_one(argv[i], &def, &err);
        if (r < 0) {
            rc = 1;
            if (r == -1)
                cli_error("%s", err.msg);
            continue;
        }
        if (format) {
            _cleanup_free_ char *xml = netdef_format(def, 0);
            fputs(xml, stdout);
            size_t n = strlen(xml);
            if (n > 0 && xml[n - 1] != '\n')
                fputc('\n', stdout);
        }
    }
    return rc;
}

/* The lean `vnet`: what it needs is the socket, JSON and tables, so it is
 * linked without libxml2 (and the ICU, libstdc++ and liblzma libxml2 pulls
 * in), whose loading and relocation were most of the cost of a short command
 * such as `vnet list`. Commands that parse or query XML on the client side
 * run the full client, vnet-full, with the same command line: the one next
 * to this program (a build tree), else the installed one in
 * LIBEXECDIR/vnet. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "config.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

int cli_run_full(void)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            _cleanup_free_ char *sibling = xasprintf("%.*s/vnet-full", (int)(slash - self), self);
            if (access(sibling, X_OK) == 0)
                execv(sibling, cli_argv);
        }
    }
    const char *installed = VNET_LIBEXECDIR "/vnet/vnet-full";
    execv(installed, cli_argv);
    return cli_error("cannot run %s (needed for this command): %s", installed, strerror(errno));
}

int cmd_validate(const cli_ctx *ctx, const args *a)
{
    return cli_run_full();
}

int cmd_edit(const cli_ctx *ctx, const args *a)
{
    return cli_run_full();
}

int cmd_import_libvirt(const cli_ctx *ctx, const args *a)
{
    return cli_run_full();
}

int cmd_import_ovn(const cli_ctx *ctx, const args *a)
{
    return cli_run_full();
}

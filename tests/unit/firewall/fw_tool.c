/* Test helper for the datapath test: drives the firewall layer from a shell
 * script (run inside a namespace the script made).
 *   fw-tool plan|apply|remove|counters NETWORK.xml
 *   fw-tool table-apply|table-remove|forwards-add|forwards-del NETWORK.xml
 *     (the libnftnl paths: the table via the private namespace; the
 *     definition's forwards as elements of the live table)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "firewall/firewall.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static int run(const char *cmd, const netdef *def, verr *err)
{
    if (streq(cmd, "plan") || streq(cmd, "apply")) {
        _cleanup_free_ char *plan = fw_plan_network(def, err);
        if (!plan)
            return -1;
        if (streq(cmd, "plan"))
            return fputs(plan, stdout) < 0 ? -1 : 0;
        return fw_apply(plan, err);
    }
    if (streq(cmd, "table-apply"))
        return fw_table_apply(def, err);
    if (streq(cmd, "table-remove"))
        return fw_table_remove(def, err);
    if (streq(cmd, "forwards-add") || streq(cmd, "forwards-del"))
        return fw_forwards_apply(def, def->port_forwards, def->n_port_forwards,
                                 streq(cmd, "forwards-add"), err);
    if (streq(cmd, "remove")) {
        if (!def->bridge_name)
            return verr_set(err, VERR_INVALID, "no bridge name");
        _cleanup_free_ char *rm = fw_plan_remove(def->bridge_name);
        return fw_apply(rm, err);
    }
    if (streq(cmd, "counters")) {
        _cleanup_free_ fw_forward_stats *st = xcalloc(def->n_port_forwards + 1, sizeof(*st));
        if (fw_forward_counters(def, st, err) < 0)
            return -1;
        for (size_t i = 0; i < def->n_port_forwards; i++)
            printf("%zu %llu %llu\n", i, (unsigned long long)st[i].packets,
                   (unsigned long long)st[i].bytes);
        return 0;
    }
    return verr_set(err, VERR_INVALID, "unknown command '%s'", cmd);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s plan|apply|remove|counters|table-apply|table-remove|forwards-add|"
                        "forwards-del NETWORK.xml\n", argv[0]);
        return 2;
    }
    netdef *def = NULL;
    verr err = VERR_INIT;
    int r = netdef_parse_file(argv[2], &def, &err);
    /* FW_TOOL_REPEAT=N: run the command N times, print the mean time per run
     * (a measurement aid for bench/, not used by tests). */
    const char *rep = getenv("FW_TOOL_REPEAT");
    int n = rep ? atoi(rep) : 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; r == 0 && i < (n > 0 ? n : 1); i++)
        r = run(argv[1], def, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rep && r == 0)
        fprintf(stderr, "%s: %.3f ms per run (%d runs)\n", argv[1],
                ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) / n, n);
    if (r < 0)
        fprintf(stderr, "fw-tool: %s\n", err.msg);
    netdef_freep(&def);
    return r < 0 ? 1 : 0;
}

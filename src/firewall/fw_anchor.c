/* The NAT anchor: keeps established NAT and port-forward connections alive
 * while a network's table is missing (a deleted table) and until vnetd has
 * restored it.
 *
 * Why they died: the kernel keeps each connection's NAT binding in conntrack,
 * but applies it only from a NAT hook, and NAT hooks exist only while some
 * nat chain does. With vnet's tables gone there was none, so a reply from the
 * upstream reached the host untranslated, and the host answered it with a
 * RST, ending the connection even though the rules were back ~30 ms later.
 * Nor is the binding enough without conntrack itself: a network namespace
 * runs conntrack only while some rule uses it (a ct, nat or masquerade
 * expression). With the tables gone, packets went untracked.
 *
 * The anchor is one table with a nat chain at each NAT hook, holding a
 * single rule that uses conntrack and matches almost nothing (untracked
 * packets, counted). It translates nothing itself, so it decides nothing for
 * new connections. A `nft flush ruleset` removes it too; vnetd puts it back in
 * the same repair as the network's table (fw_anchor_open is an atomic
 * replace). It is not an owner table ("flags owner" would keep it through a
 * flush, but nft 1.0.6 lists such a table as broken JSON). Its name cannot
 * clash with a network's table ("vnet-" + bridge). */
#include <nftables/libnftables.h>
#include <string.h>

#include "firewall/firewall.h"
#include "firewall/fw_internal.h"
#include "util/strbuf.h"

#define FW_ANCHOR_TABLE "vnetd_nat_anchor"

static struct nft_ctx *anchor_ctx;
static bool anchor_open;

static int anchor_run(const char *cmd, verr *err)
{
    if (!anchor_ctx) {
        anchor_ctx = nft_ctx_new(NFT_CTX_DEFAULT);
        if (!anchor_ctx)
            return verr_set(err, VERR_SYSTEM, "nftables: cannot create a libnftables context");
        nft_ctx_buffer_output(anchor_ctx);
        nft_ctx_buffer_error(anchor_ctx);
    }
    int r = nft_run_cmd_from_buffer(anchor_ctx, cmd);
    const char *text = nft_ctx_get_error_buffer(anchor_ctx);
    nft_ctx_get_output_buffer(anchor_ctx);
    if (r == 0)
        return 0;
    size_t n = text ? strlen(text) : 0;
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
        n--;
    return verr_set(err, VERR_SYSTEM, "nftables: the NAT anchor table: %.*s", (int)n,
                    text ? text : "");
}

bool fw_anchor_is_table(const char *table)
{
    return strcmp(table, FW_ANCHOR_TABLE) == 0;
}

bool fw_anchor_is_open(void)
{
    return anchor_open;
}

#define ANCHOR_SCRIPT                                                                              \
    "table inet " FW_ANCHOR_TABLE " {\n"                                                           \
    "  chain pre { type nat hook prerouting priority -100; policy accept;\n"                       \
    "    ct state untracked counter\n"                                                             \
    "  }\n"                                                                                        \
    "  chain out { type nat hook output priority -100; policy accept; }\n"                         \
    "  chain in { type nat hook input priority 100; policy accept; }\n"                            \
    "  chain post { type nat hook postrouting priority 100; policy accept; }\n"                    \
    "}\n"

/* (dstnat is -100, srcnat 100.) A libnftnl batch like a network's table
 * when vnetd has its private namespace: libnftables on the host reads every
 * table's rules first, which made each of 1,000 repairs after a flush cost
 * O(all rules) (fw_nftnl.c). */
int fw_anchor_open(verr *err)
{
    int r = fw_nftnl_apply_script(FW_ANCHOR_TABLE, ANCHOR_SCRIPT, err);
    if (r == -2)
        r = anchor_run("add table inet " FW_ANCHOR_TABLE "\n"
                       "delete table inet " FW_ANCHOR_TABLE "\n" ANCHOR_SCRIPT,
                       err);
    if (r < 0)
        return verr_is_set(err) ? -1 : verr_set(err, VERR_SYSTEM, "nftables: the NAT anchor table");
    anchor_open = true;
    return 0;
}

bool fw_anchor_present(void)
{
    return fw_table_present(FW_ANCHOR_TABLE) != 0; /* (unknown counts as present) */
}

void fw_anchor_close(bool remove)
{
    if (remove) { /* also one left by an earlier vnetd */
        verr err = VERR_INIT;
        anchor_run("delete table inet " FW_ANCHOR_TABLE, &err);
    }
    anchor_open = false;
    if (anchor_ctx)
        nft_ctx_free(anchor_ctx);
    anchor_ctx = NULL;
}

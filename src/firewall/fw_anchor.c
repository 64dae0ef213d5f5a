/* The NAT anchor: keeps established NAT and port-forward connections alive
 * while a network's table is missing (`nft flush ruleset`, a deleted table)
 * and until vnetd has restored it.
 *
 * Why they died: the kernel keeps each connection's NAT binding in conntrack,
 * but applies it only from a NAT hook, and NAT hooks exist only while some
 * nat chain does. With vnet's tables gone there is none, so a reply from the
 * upstream reached the host untranslated, and the host answered it with a
 * RST, ending the connection even though the rules were back ~30 ms later.
 *
 * Nor is the binding enough without conntrack itself: a network namespace
 * runs conntrack only while some rule uses it (a ct, nat or masquerade
 * expression). With the tables gone, packets went untracked.
 *
 * The anchor is one table with a nat chain at each NAT hook, holding a
 * single rule that uses conntrack and matches almost nothing (untracked
 * packets, counted). It is created with `flags owner` through a libnftables
 * context kept open for as long as it is wanted: the kernel lets only that
 * netlink socket change or delete it, and a `flush ruleset` from another
 * program skips it. It translates nothing itself, so it decides nothing for
 * new connections; it goes away when its socket is
 * closed (fw_anchor_close, or vnetd's exit). Its name cannot clash with a
 * network's table ("vnet-" + bridge). */
#include <nftables/libnftables.h>
#include <string.h>

#include "firewall/firewall.h"
#include "util/strbuf.h"

#define FW_ANCHOR_TABLE "vnetd_nat_anchor"

static struct nft_ctx *anchor_ctx;

static int anchor_run(const char *cmd, verr *err)
{
    if (nft_run_cmd_from_buffer(anchor_ctx, cmd) == 0)
        return 0;
    const char *text = nft_ctx_get_error_buffer(anchor_ctx);
    size_t n = text ? strlen(text) : 0;
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
        n--;
    return verr_set(err, VERR_SYSTEM, "nftables: creating the NAT anchor table failed: %.*s",
                    (int)n, text ? text : "");
}

bool fw_anchor_is_open(void)
{
    return anchor_ctx != NULL;
}

int fw_anchor_open(verr *err)
{
    if (anchor_ctx)
        return 0;
    anchor_ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!anchor_ctx)
        return verr_set(err, VERR_SYSTEM, "nftables: cannot create a libnftables context");
    nft_ctx_buffer_output(anchor_ctx);
    nft_ctx_buffer_error(anchor_ctx);
    /* the owner flag is refused in the same batch as the chains (nft 1.0.6),
     * and so are priority names here: dstnat is -100, srcnat 100 */
    if (anchor_run("add table inet " FW_ANCHOR_TABLE " { flags owner; }", err) < 0 ||
        anchor_run("add chain inet " FW_ANCHOR_TABLE
                   " pre { type nat hook prerouting priority -100; policy accept; }\n"
                   "add rule inet " FW_ANCHOR_TABLE " pre ct state untracked counter\n"
                   "add chain inet " FW_ANCHOR_TABLE
                   " out { type nat hook output priority -100; policy accept; }\n"
                   "add chain inet " FW_ANCHOR_TABLE
                   " in { type nat hook input priority 100; policy accept; }\n"
                   "add chain inet " FW_ANCHOR_TABLE
                   " post { type nat hook postrouting priority 100; policy accept; }\n",
                   err) < 0) {
        fw_anchor_close();
        return -1;
    }
    return 0;
}

void fw_anchor_close(void)
{
    if (anchor_ctx)
        nft_ctx_free(anchor_ctx); /* the kernel drops an owner table with its socket */
    anchor_ctx = NULL;
}

/* The NAT anchor: keeps established NAT and port-forward connections alive
 * while a network's table is missing (a deleted table, a flushed ruleset)
 * and until vnetd has restored it.
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
 * new connections.
 *
 * It is an owner table (`flags owner`), made through a libnftables context
 * whose netlink socket vnetd keeps open for its whole life: the kernel skips
 * owned tables in `nft flush ruleset`, and refuses (EPERM) any change to one
 * that does not come through the owning socket, so no other program can
 * remove it. When vnetd exits (or is killed) the kernel deletes it with the
 * socket; the networks that keep running still have their own tables, whose
 * nat chains keep their connections translated, and the next vnetd makes a
 * new anchor when it adopts them. (nft 1.0.6 cannot list a table with exactly
 * one flag as JSON: a use-after-free in its output code. vnetd's ruleset
 * reader, fw_listing.c, never asks it to.)
 *
 * Ownership cannot be added to or dropped from an existing table, so the
 * anchor is not replaced atomically: any old one (an earlier vnetd's without
 * the flag) is deleted first, then the owned one is created. A kernel without
 * owner tables (before 5.12) gets the anchor without the flag; then a flush
 * takes it too and vnetd puts it back with the network's table (see
 * fw_anchor_is_owned). Its name cannot clash with a network's table
 * ("vnet-" + bridge). */
#include <nftables/libnftables.h>
#include <string.h>

#include "firewall/firewall.h"
#include "util/strbuf.h"

#define FW_ANCHOR_TABLE "vnetd_nat_anchor"

/* dstnat is -100, srcnat 100 */
#define FW_ANCHOR_BODY                                                                             \
    "  chain pre { type nat hook prerouting priority -100; policy accept;\n"                       \
    "    ct state untracked counter\n"                                                             \
    "  }\n"                                                                                        \
    "  chain out { type nat hook output priority -100; policy accept; }\n"                         \
    "  chain in { type nat hook input priority 100; policy accept; }\n"                            \
    "  chain post { type nat hook postrouting priority 100; policy accept; }\n"

static struct nft_ctx *anchor_ctx;
static bool anchor_open;
static bool anchor_owned;

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
    /* the first line of nft's message: the rest repeats the command */
    size_t n = text ? strcspn(text, "\n") : 0;
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

bool fw_anchor_is_owned(void)
{
    return anchor_open && anchor_owned;
}

int fw_anchor_open(verr *err)
{
    if (anchor_open && anchor_owned)
        return 0; /* nobody else can have changed it */
    if (!anchor_open) {
        verr derr = VERR_INIT; /* an earlier vnetd's, if any; absent is fine */
        anchor_run("delete table inet " FW_ANCHOR_TABLE, &derr);
        if (anchor_run("table inet " FW_ANCHOR_TABLE " { flags owner;\n" FW_ANCHOR_BODY "}\n",
                       &derr) == 0) {
            anchor_open = anchor_owned = true;
            return 0;
        }
    }
    /* no owner tables here, or this is a repair of an unowned one: replace */
    if (anchor_run("add table inet " FW_ANCHOR_TABLE "\n"
                   "delete table inet " FW_ANCHOR_TABLE "\n"
                   "table inet " FW_ANCHOR_TABLE " {\n" FW_ANCHOR_BODY "}\n",
                   err) < 0)
        return -1;
    anchor_open = true;
    anchor_owned = false;
    return 0;
}

void fw_anchor_close(bool remove)
{
    if (remove) { /* also one left by an earlier vnetd */
        verr err = VERR_INIT;
        anchor_run("delete table inet " FW_ANCHOR_TABLE, &err);
    }
    anchor_open = anchor_owned = false;
    if (anchor_ctx) /* closes the socket: the kernel deletes an owned anchor */
        nft_ctx_free(anchor_ctx);
    anchor_ctx = NULL;
}

bool fw_anchor_present(void)
{
    return fw_table_present(FW_ANCHOR_TABLE) != 0; /* (unknown counts as present) */
}

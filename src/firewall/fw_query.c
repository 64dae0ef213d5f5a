/* Cheap questions to nf_tables, asked over netlink directly.
 *
 * Through libnftables even "list tables" first fills its cache with every
 * rule of every table on the host: seconds once a host has a few thousand
 * rules. "Is nf_tables there?" and "does this table exist?" need one netlink
 * round trip each, so they are asked with libmnl.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "firewall/firewall.h"
#include "firewall/fw_internal.h"

/* Send one nf_tables request (family inet) and wait for its answer.
 * 0: the kernel answered with data or an ack; -errno: it refused. */
/* One socket for the process's life: closing a netfilter netlink socket
 * waits for an RCU grace period (~13 ms measured), which made every
 * "does this table exist?" of a repair cost that much. */
static struct mnl_socket *ask_sock;

void fw_query_close(void)
{
    if (ask_sock)
        mnl_socket_close(ask_sock);
    ask_sock = NULL;
}

static int nft_ask(uint16_t msg, const char *table, verr *err)
{
    if (!ask_sock) {
        struct mnl_socket *s = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
        if (!s)
            return verr_errno(err, errno, "nftables: opening a netlink socket");
        if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
            int e = errno;
            mnl_socket_close(s);
            return verr_errno(err, e, "nftables: binding a netlink socket");
        }
        ask_sock = s;
    }
    struct mnl_socket *nl = ask_sock;
    int r = 0;
    char buf[8192];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | msg;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    static uint32_t seq;
    if (!seq)
        seq = (uint32_t)time(NULL);
    nlh->nlmsg_seq = ++seq;
    struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
    g->nfgen_family = table ? NFPROTO_INET : AF_UNSPEC;
    g->version = NFNETLINK_V0;
    g->res_id = 0;
    if (table)
        mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
        r = -errno;
        verr_errno(err, errno, "nftables: sending a request");
        goto out;
    }
    unsigned portid = mnl_socket_get_portid(nl);
    for (int reads = 0; reads < 16; reads++) {
        ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = -errno;
            verr_errno(err, errno, "nftables: reading the answer");
            goto out;
        }
        int cb = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, NULL, NULL);
        if (cb < 0) { /* the kernel's error (ENOENT, EPROTONOSUPPORT, ...) */
            r = -errno;
            goto out;
        }
        if (cb == MNL_CB_STOP)
            goto out;
    }
out:
    if (r < 0 && r != -ENOENT && r != -EPROTONOSUPPORT && r != -EAFNOSUPPORT)
        fw_query_close(); /* a socket in an unknown state: start over next time */
    return r;
}

int fw_available(verr *err)
{
    int r = nft_ask(NFT_MSG_GETGEN, NULL, err);
    if (r < 0 && !verr_is_set(err))
        verr_errno(err, -r, "the kernel's nf_tables does not answer (is the nf_tables module "
                            "available?)");
    return r < 0 ? -1 : 0;
}

int fw_table_exists(const netdef *def, verr *err)
{
    char table[FW_TABLE_NAME_MAX];
    if (!def->bridge_name)
        return verr_set(err, VERR_INVALID, "network '%s': no bridge name", def->name);
    verr e = VERR_INIT;
    int r = nft_ask(NFT_MSG_GETTABLE, fw_table_name(def, table, sizeof(table)), &e);
    if (r == 0)
        return 1;
    if (r == -ENOENT)
        return 0;
    if (verr_is_set(&e)) {
        if (err)
            *err = e;
        return -1;
    }
    return verr_errno(err, -r, "nftables: asking for table inet %s", table);
}

typedef struct tables_ctx {
    bool foreign;
} tables_ctx;

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
    tables_ctx *c = data;
    const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(*g))
    {
        if (mnl_attr_get_type(a) != NFTA_TABLE_NAME ||
            mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
            continue;
        if (g->nfgen_family != NFPROTO_INET || !fw_table_name_is_ours(mnl_attr_get_str(a)))
            c->foreign = true;
    }
    return MNL_CB_OK;
}

int fw_foreign_tables_present(verr *err)
{
    struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
    if (!nl)
        return verr_errno(err, errno, "nftables: opening a netlink socket");
    int r = 0;
    tables_ctx c = {0};
    char buf[16384];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nlh->nlmsg_seq = (uint32_t)time(NULL);
    struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
    g->nfgen_family = AF_UNSPEC;
    g->version = NFNETLINK_V0;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
        mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
        r = verr_errno(err, errno, "nftables: asking for the tables");
        goto out;
    }
    unsigned portid = mnl_socket_get_portid(nl);
    for (int reads = 0; reads < 4096; reads++) {
        ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = verr_errno(err, errno, "nftables: reading the tables");
            goto out;
        }
        int cb = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, table_cb, &c);
        if (cb < 0) {
            r = verr_errno(err, errno, "nftables: listing the tables");
            goto out;
        }
        if (cb == MNL_CB_STOP)
            break;
    }
    r = c.foreign ? 1 : 0;
out:
    mnl_socket_close(nl);
    return r;
}

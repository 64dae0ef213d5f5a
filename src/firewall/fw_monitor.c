/* Watching nftables for changes to vnet's tables made by someone else.
 *
 * The kernel multicasts every committed nftables transaction to the
 * NFNLGRP_NFTABLES group: one message per changed object (each names its
 * table in attribute 1, whatever the object), then NFT_MSG_NEWGEN naming the
 * process that committed it. We collect the vnet-* tables a transaction
 * touched and report them unless the committer is this process; a change to
 * any other table (Docker's, firewalld's, ...) is reported once as "". The
 * netdev-family vnet-* tables (bandwidth limits) are vnet's and not reported.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "firewall/firewall.h"
#include "firewall/fw_internal.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

#define FW_MONITOR_MAX_TABLES 64

/* Tables touched by the transaction being read (deduplicated). */
typedef struct touched {
    char names[FW_MONITOR_MAX_TABLES][FW_TABLE_NAME_MAX];
    size_t n;
    bool overflow;
    bool foreign; /* a table not of vnet's was touched */
} touched;

int fw_monitor_open(verr *err)
{
    _cleanup_close_ int fd =
        socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_NETFILTER);
    if (fd < 0)
        return verr_errno(err, errno, "nftables events: opening a netlink socket");
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    int group = NFNLGRP_NFTABLES;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
        return verr_errno(err, errno, "nftables events: subscribing");
    /* Applying a table with thousands of forwards makes thousands of events
     * at once (one per element); without room for them the socket overruns
     * (ENOBUFS), and lost events mean re-checking every network. The memory
     * is only used while events wait to be read. */
    int rcvbuf = 32 * 1024 * 1024;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    return TAKE_FD(fd);
}

static void touched_add(touched *t, int family, const char *name)
{
    if (family == NFPROTO_NETDEV && fw_table_name_is_ours(name))
        return; /* an earlier vnet's <bandwidth> limit: vnet's, not foreign */
    if (family == NFPROTO_INET && fw_anchor_is_table(name))
        return; /* vnetd's NAT anchor: neither foreign nor a network's table */
    if (family != NFPROTO_INET || !fw_table_name_is_ours(name)) {
        t->foreign = true;
        return;
    }
    for (size_t i = 0; i < t->n; i++)
        if (streq(t->names[i], name))
            return;
    if (t->n == FW_MONITOR_MAX_TABLES) {
        t->overflow = true;
        return;
    }
    snprintf(t->names[t->n++], FW_TABLE_NAME_MAX, "%s", name);
}

/* The committing process of a NEWGEN message, 0 if not given. */
static uint32_t gen_pid(const struct nlmsghdr *nlh)
{
    struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
    {
        if (mnl_attr_get_type(a) == NFTA_GEN_PROC_PID &&
            mnl_attr_validate(a, MNL_TYPE_U32) == 0)
            return ntohl(mnl_attr_get_u32(a));
    }
    return 0;
}

static void handle_msg(const struct nlmsghdr *nlh, touched *t, fw_monitor_cb cb, void *userdata)
{
    if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
        nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nfgenmsg)))
        return;
    int type = NFNL_MSG_TYPE(nlh->nlmsg_type);
    if (type == NFT_MSG_NEWGEN) {
        if (gen_pid(nlh) != (uint32_t)getpid()) {
            for (size_t i = 0; i < t->n; i++)
                cb(t->names[i], userdata);
            if (t->overflow)
                cb(NULL, userdata);
            if (t->foreign)
                cb("", userdata);
        }
        t->n = 0;
        t->overflow = false;
        t->foreign = false;
        return;
    }
    const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
    /* NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE,
     * NFTA_SET_ELEM_LIST_TABLE, NFTA_OBJ_TABLE, NFTA_FLOWTABLE_TABLE: all 1. */
    struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
    {
        if (mnl_attr_get_type(a) == 1 && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
            touched_add(t, g->nfgen_family, mnl_attr_get_str(a));
            break;
        }
    }
}

int fw_monitor_drain(int fd, fw_monitor_cb cb, void *userdata)
{
    static touched t; /* a transaction's messages may span reads */
    static char buf[65536]; /* MNL_SOCKET_BUFFER_SIZE is not a constant expression */
    for (int reads = 0; reads < 256; reads++) {
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == ENOBUFS) { /* events were lost: recheck everything */
            t.n = 0;
            t.overflow = false;
            t.foreign = false;
            cb(NULL, userdata);
            continue;
        }
        if (n <= 0)
            return 0;
        int len = (int)n;
        for (const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
             nlh = mnl_nlmsg_next(nlh, &len))
            handle_msg(nlh, &t, cb, userdata);
    }
    return 0;
}

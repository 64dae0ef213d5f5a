/* nftrace: which rule dropped a packet. The kernel multicasts a trace event
 * to NFNLGRP_NFTRACE for every chain and rule verdict met by a packet whose
 * nftrace flag is set (doctor's probe sets it in a table of its own). A drop
 * is a rule event with verdict NF_DROP, or a policy event with policy drop;
 * a reject reaches us as a drop too. */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "firewall/firewall.h"

int fw_trace_open(verr *err)
{
    struct mnl_socket *s = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (!s)
        return verr_errno(err, errno, "nftrace: opening a netlink socket");
    int group = NFNLGRP_NFTRACE;
    if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0 ||
        mnl_socket_setsockopt(s, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
        int e = errno;
        mnl_socket_close(s);
        return verr_errno(err, e, "nftrace: subscribing");
    }
    /* The fd outlives the mnl wrapper: keep the socket, free the struct. */
    int fd = dup(mnl_socket_get_fd(s));
    mnl_socket_close(s);
    if (fd < 0)
        return verr_errno(err, errno, "nftrace: dup");
    return fd;
}

static const char *family_name(int f)
{
    switch (f) {
    case NFPROTO_IPV4:
        return "ip";
    case NFPROTO_IPV6:
        return "ip6";
    case NFPROTO_INET:
        return "inet";
    case NFPROTO_BRIDGE:
        return "bridge";
    case NFPROTO_NETDEV:
        return "netdev";
    default:
        return "?";
    }
}

static int verdict_code(const struct nlattr *nest)
{
    const struct nlattr *a;
    mnl_attr_for_each_nested(a, nest)
    {
        if (mnl_attr_get_type(a) == NFTA_VERDICT_CODE && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
            return (int)ntohl(mnl_attr_get_u32(a));
    }
    return -100;
}

/* The packets being followed: a packet's first trace event carries its IP
 * header (later ones only its trace id), so ids are collected from the
 * events whose header names our destination. */
typedef struct trace_filter {
    uint32_t daddr; /* network byte order */
    uint32_t ids[16];
    size_t n_ids;
} trace_filter;

static bool trace_ours(trace_filter *f, const struct nlmsghdr *nlh)
{
    const struct nlattr *a;
    uint32_t id = 0;
    const uint8_t *hdr = NULL;
    size_t hdr_len = 0;
    mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
    {
        if (mnl_attr_get_type(a) == NFTA_TRACE_ID && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
            id = mnl_attr_get_u32(a);
        if (mnl_attr_get_type(a) == NFTA_TRACE_NETWORK_HEADER) {
            hdr = mnl_attr_get_payload(a);
            hdr_len = mnl_attr_get_payload_len(a);
        }
    }
    for (size_t i = 0; i < f->n_ids; i++)
        if (f->ids[i] == id)
            return true;
    uint32_t dst;
    if (!hdr || hdr_len < 20 || (hdr[0] >> 4) != 4)
        return false;
    memcpy(&dst, hdr + 16, 4);
    if (dst != f->daddr)
        return false;
    if (f->n_ids < sizeof(f->ids) / sizeof(f->ids[0]))
        f->ids[f->n_ids++] = id;
    return true;
}

void fw_trace_drain(int fd)
{
    char buf[8192];
    for (int i = 0; i < 1024; i++)
        if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno != EINTR && errno != ENOBUFS)
            return;
}

/* 1 when this trace message is a drop (ret filled), 0 for another trace
 * event, -1 when it is not a trace event. */
static int trace_drop(const struct nlmsghdr *nlh, fw_trace_drop *ret)
{
    if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
        NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_TRACE)
        return -1;
    const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
    fw_trace_drop d = {0};
    int type = 0, code = -100, policy = -100;
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(*g))
    {
        switch (mnl_attr_get_type(a)) {
        case NFTA_TRACE_TABLE:
            snprintf(d.table, sizeof(d.table), "%s", mnl_attr_get_str(a));
            break;
        case NFTA_TRACE_CHAIN:
            snprintf(d.chain, sizeof(d.chain), "%s", mnl_attr_get_str(a));
            break;
        case NFTA_TRACE_RULE_HANDLE:
            if (mnl_attr_validate(a, MNL_TYPE_U64) == 0)
                d.handle = be64toh(mnl_attr_get_u64(a));
            break;
        case NFTA_TRACE_TYPE:
            if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
                type = (int)ntohl(mnl_attr_get_u32(a));
            break;
        case NFTA_TRACE_VERDICT:
            code = verdict_code(a);
            break;
        case NFTA_TRACE_POLICY:
            if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
                policy = (int)ntohl(mnl_attr_get_u32(a));
            break;
        default:
            break;
        }
    }
    snprintf(d.family, sizeof(d.family), "%s", family_name(g->nfgen_family));
    if (type == NFT_TRACETYPE_RULE && code == NF_DROP) {
        *ret = d;
        return 1;
    }
    if (type == NFT_TRACETYPE_POLICY && policy == NF_DROP) {
        d.policy = true;
        *ret = d;
        return 1;
    }
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int fw_trace_wait_drop(int fd, uint32_t daddr, int timeout_ms, int settle_ms, fw_trace_drop *ret,
                       bool *ret_seen, verr *err)
{
    static char buf[65536] __attribute__((aligned(8)));
    trace_filter filter = {.daddr = daddr};
    long long deadline = now_ms() + timeout_ms;
    *ret_seen = false;
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR || errno == ENOBUFS))
            continue;
        if (n < 0)
            return verr_errno(err, errno, "nftrace: reading");
        int len = (int)n;
        for (const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
             nlh = mnl_nlmsg_next(nlh, &len)) {
            if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
                NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_TRACE || !trace_ours(&filter, nlh))
                continue;
            int t = trace_drop(nlh, ret);
            if (t == 1) {
                *ret_seen = true;
                return 1;
            }
            if (t == 0 && !*ret_seen) { /* the packet is on its way: wait settle_ms more */
                *ret_seen = true;
                deadline = now_ms() + settle_ms;
            }
        }
    }
}

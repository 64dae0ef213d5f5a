/* Is a host port taken by a local process? Asked of the kernel through
 * NETLINK_SOCK_DIAG (inet_diag): TCP sockets in LISTEN state and unconnected
 * UDP sockets, IPv4 and IPv6, in the caller's network namespace. No /proc
 * parsing, no subprocess.
 *
 * A port forward on host address A (or on every host address) steals the
 * traffic of a socket bound to A, to the wildcard address, or (for "every
 * address") to any non-loopback address: forwards for every address leave
 * 127.0.0.0/8 and ::1 alone. An IPv6 wildcard socket without IPV6_V6ONLY also
 * takes IPv4 traffic, so it counts for IPv4 forwards too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netdev/netdev.h"
#include "netdev/nl.h"

/* TCP states as the kernel numbers them (include/net/tcp_states.h). */
#define SD_TCP_ESTABLISHED 1
#define SD_TCP_CLOSE 7
#define SD_TCP_LISTEN 10

typedef struct sd_query {
    int proto;             /* IPPROTO_TCP / IPPROTO_UDP */
    int family;            /* family of the forward (AF_INET / AF_INET6) */
    const vnet_addr *addr; /* NULL: every host address */
    unsigned start, end;   /* host port range */
    bool found;
    char *what;
    size_t what_len;
} sd_query;

static void sockdiag_close(nlsock **s)
{
    nlsock_free(*s);
}

static bool addr_is_any(const vnet_addr *a)
{
    static const uint8_t zero[16];
    return memcmp(a->bytes, zero, a->family == AF_INET ? 4 : 16) == 0;
}

static bool addr_is_loopback(const vnet_addr *a)
{
    if (a->family == AF_INET)
        return a->bytes[0] == 127;
    return IN6_IS_ADDR_LOOPBACK(&a->v6);
}

/* The socket's local address as the forward's family sees it: a v4-mapped
 * IPv6 address counts as IPv4, the IPv6 wildcard as both (unless v6only).
 * false if the socket cannot receive the forward's family at all. */
static bool sock_addr_for_family(int sock_family, const uint32_t src[4], bool v6only, int family,
                                 vnet_addr *ret)
{
    memset(ret, 0, sizeof(*ret));
    if (sock_family == AF_INET) {
        if (family != AF_INET)
            return false;
        ret->family = AF_INET;
        memcpy(ret->bytes, src, 4);
        return true;
    }
    struct in6_addr a6;
    memcpy(&a6, src, 16);
    if (family == AF_INET6) {
        if (IN6_IS_ADDR_V4MAPPED(&a6))
            return false;
        ret->family = AF_INET6;
        ret->v6 = a6;
        return true;
    }
    ret->family = AF_INET;
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
        memcpy(ret->bytes, &a6.s6_addr[12], 4);
        return true;
    }
    return IN6_IS_ADDR_UNSPECIFIED(&a6) && !v6only; /* dual-stack wildcard: 0.0.0.0 */
}

static bool addr_conflicts(const sd_query *q, const vnet_addr *sock)
{
    if (addr_is_any(sock))
        return true;
    if (q->addr)
        return vnet_addr_equal(q->addr, sock);
    return !addr_is_loopback(sock);
}

static int sockdiag_cb(const struct nlmsghdr *nlh, void *data)
{
    sd_query *q = data;
    const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
    if (q->found || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
        return MNL_CB_OK;
    unsigned port = ntohs(m->id.idiag_sport);
    if (port < q->start || port > q->end)
        return MNL_CB_OK;
    if (q->proto == IPPROTO_UDP && m->id.idiag_dport != 0)
        return MNL_CB_OK; /* a connected UDP socket is a client, not a server */
    bool v6only = false;
    const struct nlattr *attr;
    mnl_attr_for_each(attr, nlh, sizeof(*m))
    {
        if (mnl_attr_get_type(attr) == INET_DIAG_SKV6ONLY && mnl_attr_get_payload_len(attr) >= 1)
            v6only = *(const uint8_t *)mnl_attr_get_payload(attr) != 0;
    }
    vnet_addr sock;
    if (!sock_addr_for_family(m->idiag_family, m->id.idiag_src, v6only, q->family, &sock) ||
        !addr_conflicts(q, &sock))
        return MNL_CB_OK;
    char a[VNET_ADDR_STRLEN], shown[VNET_ADDR_STRLEN];
    vnet_addr raw = {.family = m->idiag_family};
    memcpy(raw.bytes, m->id.idiag_src, m->idiag_family == AF_INET ? 4 : 16);
    vnet_addr_str(&raw, a);
    snprintf(shown, sizeof(shown), m->idiag_family == AF_INET6 ? "[%s]" : "%s", a);
    snprintf(q->what, q->what_len, "%s %s:%u",
             q->proto == IPPROTO_TCP ? "listening on" : "bound to", shown, port);
    q->found = true;
    return MNL_CB_OK;
}

/* Dump one (socket family, protocol) and run sockdiag_cb on every socket,
 * through the shared request loop (util/nlsock.c). */
static int sockdiag_dump(nlsock *s, int sock_family, sd_query *q, verr *err)
{
    char buf[NL_REQ_SIZE];
    memset(buf, 0, sizeof(buf));
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    struct inet_diag_req_v2 *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
    req->sdiag_family = (uint8_t)sock_family;
    req->sdiag_protocol = (uint8_t)q->proto;
    req->idiag_states = q->proto == IPPROTO_TCP ? 1u << SD_TCP_LISTEN
                                                : (1u << SD_TCP_CLOSE) | (1u << SD_TCP_ESTABLISHED);
    nl_error e;
    int r = nlsock_talk(s, nlh, true, sockdiag_cb, q, &e);
    if (r == -ENOENT) /* protocol's diag module absent: no such sockets */
        return 0;
    if (r < 0)
        return nl_verr(err, &e, "sock_diag: socket dump");
    return 0;
}

int netdev_port_in_use(int proto, int family, const vnet_addr *addr, unsigned port_start,
                       unsigned port_end, char *ret_what, size_t len, verr *err)
{
    if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
        return verr_set(err, VERR_INVALID, "sock_diag: protocol %d is not tcp or udp", proto);
    if (addr && vnet_addr_is_set(addr))
        family = addr->family;
    else
        addr = NULL;
    if (family != AF_INET && family != AF_INET6)
        return verr_set(err, VERR_INVALID, "sock_diag: address family %d is not IPv4 or IPv6",
                        family);
    char what[128] = "";
    sd_query q = {.proto = proto,
                  .family = family,
                  .addr = addr,
                  .start = port_start,
                  .end = port_end ? port_end : port_start,
                  .what = what,
                  .what_len = sizeof(what)};
    __attribute__((cleanup(sockdiag_close))) nlsock *s = nlsock_new(NETLINK_SOCK_DIAG);
    /* IPv4 forwards: IPv4 sockets and IPv6 ones that take IPv4 too. */
    const int families[2] = {family, family == AF_INET ? AF_INET6 : 0};
    for (int i = 0; i < 2 && families[i] && !q.found; i++)
        if (sockdiag_dump(s, families[i], &q, err) < 0)
            return -1;
    if (!q.found)
        return 0;
    if (ret_what && len)
        snprintf(ret_what, len, "%s", what);
    return 1;
}

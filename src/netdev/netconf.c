/* Forwarding settings and the uplink, for drift watching and diagnosis:
 * rtnetlink netconf events (a change of net.ipv4.ip_forward or
 * net.ipv6.conf.*.forwarding is multicast to RTNLGRP_IPV4_NETCONF /
 * RTNLGRP_IPV6_NETCONF at once, so it is repaired in milliseconds, not at the
 * next periodic check), and the interface of the default route.
 */
#include <errno.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netdev/nl.h"
#include "util/cleanup.h"

#define NETCONF_READS_MAX 64

int netdev_netconf_open(verr *err)
{
    _cleanup_close_ int fd =
        socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return verr_errno(err, errno, "opening the rtnetlink netconf socket");
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return verr_errno(err, errno, "binding the rtnetlink netconf socket");
    static const int groups[] = {RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF};
    for (size_t i = 0; i < ARRAY_SIZE(groups); i++)
        if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i], sizeof(groups[i])) < 0)
            return verr_errno(err, errno, "subscribing to rtnetlink netconf events");
    return TAKE_FD(fd);
}

typedef struct netconf_ctx {
    netdev_netconf_cb cb;
    void *userdata;
    int calls;
} netconf_ctx;

static int netconf_attr(const struct nlattr *a, void *data)
{
    const struct nlattr **tb = data;
    int type = mnl_attr_get_type(a);
    if (type <= NETCONFA_MAX && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
        tb[type] = a;
    return MNL_CB_OK;
}

static int netconf_msg(const struct nlmsghdr *nlh, void *data)
{
    netconf_ctx *c = data;
    if (nlh->nlmsg_type != RTM_NEWNETCONF ||
        mnl_nlmsg_get_payload_len(nlh) < sizeof(struct netconfmsg))
        return MNL_CB_OK;
    const struct netconfmsg *ncm = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *tb[NETCONFA_MAX + 1] = {0};
    mnl_attr_parse(nlh, sizeof(*ncm), netconf_attr, tb);
    if (!tb[NETCONFA_IFINDEX] || !tb[NETCONFA_FORWARDING])
        return MNL_CB_OK;
    int ifindex = (int)mnl_attr_get_u32(tb[NETCONFA_IFINDEX]);
    int fwd = (int)mnl_attr_get_u32(tb[NETCONFA_FORWARDING]);
    c->cb(ncm->ncm_family, ifindex, fwd, c->userdata);
    c->calls++;
    return MNL_CB_OK;
}

int netdev_netconf_drain(int fd, netdev_netconf_cb cb, void *userdata)
{
    static char buf[16384] __attribute__((aligned(8)));
    netconf_ctx c = {.cb = cb, .userdata = userdata};
    for (int reads = 0; reads < NETCONF_READS_MAX; reads++) {
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == ENOBUFS) { /* lost: have everything rechecked */
            cb(AF_UNSPEC, 0, -1, userdata);
            c.calls++;
            continue;
        }
        if (n <= 0)
            break;
        mnl_cb_run(buf, (size_t)n, 0, 0, netconf_msg, &c);
    }
    return c.calls;
}

int netdev_default_route_dev(int family, char *buf, size_t len, verr *err)
{
    _cleanup_free_ nl_route *list = NULL;
    size_t n = 0;
    if (nl_route_list(family, &list, &n, err) < 0)
        return -1;
    const nl_route *best = NULL;
    for (size_t i = 0; i < n; i++) {
        const nl_route *r = &list[i];
        if (r->dst_len != 0 || r->oif <= 0 || r->type != RTN_UNICAST)
            continue;
        if (!best || r->metric < best->metric)
            best = r;
    }
    char name[IF_NAMESIZE];
    if (!best || !if_indextoname((unsigned)best->oif, name))
        return 0;
    snprintf(buf, len, "%s", name);
    return 1;
}

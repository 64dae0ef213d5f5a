/* Link, address and route events for the daemon's drift detection. */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netdev/nl.h"
#include "util/cleanup.h"

#define MONITOR_RECV_SIZE 32768
#define MONITOR_EINTR_MAX 100
/* Return to the event loop after this many reads even if more is queued. */
#define MONITOR_READS_MAX 256

int netdev_monitor_open(verr *err)
{
    _cleanup_close_ int fd =
        socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return verr_errno(err, errno, "opening the rtnetlink monitor socket");
    struct sockaddr_nl sa = {
        .nl_family = AF_NETLINK,
        .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE |
                     RTMGRP_IPV6_ROUTE,
    };
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return verr_errno(err, errno, "subscribing to rtnetlink link, address and route events");
    /* A bigger queue makes overruns (and full rechecks) rarer during bursts. */
    int size = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    return TAKE_FD(fd);
}

typedef struct monitor_ctx {
    netdev_monitor_cb cb;
    netdev_member_cb member_cb;
    void *userdata;
    int calls;
} monitor_ctx;

/* Did our own request cause this notification? The kernel puts the
 * requester's port in it (address changes; link changes carry port 0). */
static bool is_own(const struct nlmsghdr *nlh)
{
    uint32_t own = netdev_own_portid();
    return own != 0 && nlh->nlmsg_pid == own;
}

static netdev_port_cb port_cb;
static void *port_cb_data;

void netdev_monitor_set_port_cb(netdev_port_cb cb, void *userdata)
{
    port_cb = cb;
    port_cb_data = userdata;
}

/* AF_BRIDGE messages speak about bridge ports (RTM_DELLINK there means "left the
 * bridge", not "deleted"); only the AF_UNSPEC ones are about the link itself.
 * A port's RTM_NEWLINK goes to the port callback. */
static void monitor_link(const struct nlmsghdr *nlh, monitor_ctx *c)
{
    netdev_link link;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
        return;
    if (ifi->ifi_family == AF_BRIDGE) {
        netdev_port port;
        if (port_cb && nlh->nlmsg_type == RTM_NEWLINK && netdev_port_parse(nlh, &port) == 0)
            port_cb(&port, port_cb_data);
        if (c->member_cb && nl_link_parse(nlh, &link) == 0 && link.master > 0)
            c->member_cb(link.name, link.master, nlh->nlmsg_type == RTM_NEWLINK, c->userdata);
        return;
    }
    if (nl_link_parse(nlh, &link) < 0)
        return;
    if (nlh->nlmsg_type == RTM_DELLINK || !link.up) {
        c->cb(link.name, link.ifindex, true, is_own(nlh), c->userdata);
        c->calls++;
    }
}

static void monitor_addr(const struct nlmsghdr *nlh, monitor_ctx *c)
{
    if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifaddrmsg))
        return;
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    char name[IF_NAMESIZE] = "";
    if (!if_indextoname(ifa->ifa_index, name))
        name[0] = '\0'; /* the link is gone too; its RTM_DELLINK says so */
    c->cb(name, (int)ifa->ifa_index, false, is_own(nlh), c->userdata);
    c->calls++;
}

static int route_oif_cb(const struct nlattr *a, void *data)
{
    if (mnl_attr_get_type(a) == RTA_OIF && mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
        *(uint32_t *)data = mnl_attr_get_u32(a);
    return MNL_CB_OK;
}

/* A route of the main table removed from a link: recheck that link, as for an
 * address (the kernel also removes the routes of a link set down; the link
 * event says so first). */
static void monitor_route(const struct nlmsghdr *nlh, monitor_ctx *c)
{
    if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct rtmsg))
        return;
    const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
    if (rtm->rtm_table != RT_TABLE_MAIN)
        return;
    uint32_t oif = 0;
    mnl_attr_parse(nlh, sizeof(*rtm), route_oif_cb, &oif);
    char name[IF_NAMESIZE] = "";
    if (oif == 0 || !if_indextoname(oif, name))
        return;
    c->cb(name, (int)oif, false, is_own(nlh), c->userdata);
    c->calls++;
}

static int monitor_msg_cb(const struct nlmsghdr *nlh, void *data)
{
    monitor_ctx *c = data;
    switch (nlh->nlmsg_type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
        monitor_link(nlh, c);
        break;
    case RTM_DELADDR:
        monitor_addr(nlh, c);
        break;
    case RTM_DELROUTE:
        monitor_route(nlh, c);
        break;
    default:
        break;
    }
    return MNL_CB_OK;
}

int netdev_monitor_drain(int fd, netdev_monitor_cb cb, void *userdata)
{
    return netdev_monitor_drain_ports(fd, cb, NULL, userdata);
}

int netdev_monitor_drain_ports(int fd, netdev_monitor_cb cb, netdev_member_cb member_cb,
                               void *userdata)
{
    static char buf[MONITOR_RECV_SIZE] __attribute__((aligned(8)));
    monitor_ctx c = {.cb = cb, .member_cb = member_cb, .userdata = userdata};
    int eintr = 0;
    for (int reads = 0; reads < MONITOR_READS_MAX; reads++) {
        struct sockaddr_nl from = {0};
        socklen_t fromlen = sizeof(from);
        ssize_t n =
            recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return c.calls;
            if (errno == EINTR && ++eintr < MONITOR_EINTR_MAX)
                continue;
            if (errno == ENOBUFS) { /* events were lost: have everything rechecked */
                cb(NULL, 0, true, false, userdata);
                c.calls++;
                continue;
            }
            return -1;
        }
        if (from.nl_pid != 0) /* only the kernel speaks on these groups */
            continue;
        mnl_cb_run(buf, (size_t)n, 0, 0, monitor_msg_cb, &c);
    }
    return c.calls;
}

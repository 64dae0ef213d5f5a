/* Link events for learning guests' interfaces: every link that changes
 * (created, enslaved to a bridge, renamed), with its MAC and master. */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "netdev/netdev.h"
#include "netdev/nl.h"
#include "util/cleanup.h"

#define PORTWATCH_RECV_SIZE 32768
#define PORTWATCH_READS_MAX 64

int netdev_portwatch_open(verr *err)
{
    _cleanup_close_ int fd =
        socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return verr_errno(err, errno, "opening an rtnetlink socket for port interfaces");
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK};
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return verr_errno(err, errno, "subscribing to rtnetlink link events");
    return TAKE_FD(fd);
}

typedef struct watch_ctx {
    netdev_portwatch_cb cb;
    void *userdata;
} watch_ctx;

/* Both the link's own messages and the bridge-port ones (AF_BRIDGE, sent when
 * a port joins a bridge) carry the name, MAC and master. */
static int watch_msg_cb(const struct nlmsghdr *nlh, void *data)
{
    watch_ctx *c = data;
    netdev_link link;
    if (nlh->nlmsg_type == RTM_NEWLINK && nl_link_parse(nlh, &link) == 0)
        c->cb(&link, c->userdata);
    return MNL_CB_OK;
}

int netdev_portwatch_drain(int fd, netdev_portwatch_cb cb, void *userdata)
{
    static char buf[PORTWATCH_RECV_SIZE] __attribute__((aligned(8)));
    watch_ctx c = {.cb = cb, .userdata = userdata};
    for (int reads = 0; reads < PORTWATCH_READS_MAX; reads++) {
        struct sockaddr_nl from = {0};
        socklen_t fromlen = sizeof(from);
        ssize_t n =
            recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == ENOBUFS) { /* events lost: look at everything */
            cb(NULL, userdata);
            continue;
        }
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        if (from.nl_pid == 0)
            mnl_cb_run(buf, (size_t)n, 0, 0, watch_msg_cb, &c);
    }
    return 0;
}

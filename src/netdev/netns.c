/* Private network namespaces for doctor's probe: made without a process
 * (unshare, then straight back), entered and left around the few calls made
 * inside, and gone once their fd is closed. vnetd is single-threaded, so
 * switching its own namespace for a moment is safe; the cached rtnetlink
 * socket is dropped on each switch so that it is reopened in the namespace
 * in force. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "netdev/netdev.h"
#include "util/cleanup.h"

static int current_netns(verr *err)
{
    int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return verr_errno(err, errno, "opening this network namespace");
    return fd;
}

int netdev_netns_new(verr *err)
{
    _cleanup_close_ int host = current_netns(err);
    if (host < 0)
        return -1;
    netdev_close();
    if (unshare(CLONE_NEWNET) < 0)
        return verr_errno(err, errno, "creating a network namespace");
    int fd = current_netns(err);
    if (setns(host, CLONE_NEWNET) < 0) {
        /* cannot happen with the fd we just opened; do not stay in the wrong one */
        abort();
    }
    return fd;
}

int netdev_netns_enter(int nsfd, verr *err)
{
    int host = current_netns(err);
    if (host < 0)
        return -1;
    netdev_close();
    if (setns(nsfd, CLONE_NEWNET) < 0) {
        int e = errno;
        close(host);
        return verr_errno(err, e, "entering a network namespace");
    }
    return host;
}

void netdev_netns_leave(int host)
{
    netdev_close();
    if (setns(host, CLONE_NEWNET) < 0)
        abort();
    close(host);
}

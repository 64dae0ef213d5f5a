/* rtnetlink requests: message headers, the socket netdev talks on (the
 * daemon's own, or a process-wide default), and errors as verr. The
 * request/reply loop itself is util/nlsock.c, shared with firewall/.
 */
#include "netdev/nl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "conf/netdef.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

/* The socket netdev uses: the one the caller handed over (the daemon owns
 * its own, netdev_use_socket), or else a process-wide one of netdev's. */
static nlsock *nl_used;
static nlsock *nl_own;

void netdev_use_socket(nlsock *s)
{
    nl_used = s;
}

static nlsock *nl_socket(void)
{
    if (nl_used)
        return nl_used;
    if (!nl_own)
        nl_own = nlsock_new(NETLINK_ROUTE);
    return nl_own;
}

uint32_t netdev_own_portid(void)
{
    return nlsock_portid(nl_socket());
}

void netdev_close(void)
{
    nlsock_reset(nl_used); /* (the caller's: closed, not freed) */
    nlsock_free(nl_own);
    nl_own = NULL;
}

struct nlmsghdr *nl_msg_start(char *buf, uint16_t type, uint16_t flags, size_t hdr_len,
                              void **ret_hdr)
{
    memset(buf, 0, NL_REQ_SIZE);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    void *hdr = mnl_nlmsg_put_extra_header(nlh, hdr_len);
    if (ret_hdr)
        *ret_hdr = hdr;
    return nlh;
}

int nl_talk(struct nlmsghdr *req, mnl_cb_t cb, void *data, nl_error *ret_err)
{
    /* NLM_F_DUMP shares bits with NLM_F_EXCL/REPLACE: only a GET can be a dump. */
    bool dump = (req->nlmsg_type & 3) == 2 && (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
    return nlsock_talk(nl_socket(), req, dump, cb, data, ret_err);
}

int nl_verr(verr *err, const nl_error *e, const char *fmt, ...)
{
    if (!err)
        return -1;
    char head[VERR_MSG_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof(head), fmt, ap);
    va_end(ap);
    snprintf(err->msg, sizeof(err->msg), "%s: %s", head, e->msg[0] ? e->msg : strerror(e->code));
    err->kind = e->code == EEXIST ? VERR_EXISTS : e->code == ENODEV ? VERR_NOT_FOUND : VERR_SYSTEM;
    err->sys_errno = e->code;
    return -1;
}

/* conf/'s one rule for interface names (netdef_ifname_problem): a name it
 * refuses never reaches the kernel ('%' would even make it a template). */
int nl_ifname_check(const char *name, verr *err)
{
    char buf[48];
    const char *why = netdef_ifname_problem(name, buf);
    if (why)
        return verr_set(err, VERR_INVALID, "interface name '%s' %s", name ? name : "", why);
    return 0;
}

int nl_ifindex(const char *name, verr *err)
{
    netdev_link link;
    int r = netdev_link_get(name, &link, err);
    if (r < 0)
        return -1;
    if (r == 0)
        return verr_set(err, VERR_NOT_FOUND, "interface '%s' does not exist", name);
    return link.ifindex;
}

size_t nl_addr_len(int family)
{
    return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

int nl_attr_addr(const struct nlattr *attr, int family, vnet_addr *ret)
{
    size_t len = nl_addr_len(family);
    if (!attr || len == 0 || mnl_attr_get_payload_len(attr) != len)
        return -1;
    memset(ret, 0, sizeof(*ret));
    ret->family = family;
    memcpy(ret->bytes, mnl_attr_get_payload(attr), len);
    return 0;
}

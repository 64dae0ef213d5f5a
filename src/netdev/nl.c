/* The cached rtnetlink socket and the request/reply loop.
 *
 * One socket per process, opened on first use and reopened after fork() (the
 * child gets a fresh port id instead of sharing the parent's). Every request
 * carries a new sequence number and asks for an ack, so a reply is always
 * matched to its request. The kernel's extended ack (NETLINK_EXT_ACK) gives
 * errors a human text, which nl_verr() puts into the verr.
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

#define NL_RECV_SIZE 32768
/* Give up after this many consecutive EINTRs rather than spin forever. */
#define NL_EINTR_MAX 100

static struct mnl_socket *nl_sock;
static pid_t nl_sock_pid;
static uint32_t nl_seq;

static void nl_sock_drop(void)
{
    if (nl_sock)
        mnl_socket_close(nl_sock);
    nl_sock = NULL;
}

void netdev_close(void)
{
    nl_sock_drop();
}

/* Options that only improve errors or filtering: failure to set them is not fatal. */
static void nl_sock_options(struct mnl_socket *s)
{
    int one = 1;
    mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof(one));
    mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof(one));
    mnl_socket_setsockopt(s, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
    /* The kernel answers synchronously; this only guards against a bug hanging the daemon. */
    struct timeval tv = {.tv_sec = 30};
    setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* The process's socket; a socket inherited over fork() is closed and replaced. */
static struct mnl_socket *nl_socket(void)
{
    if (nl_sock && nl_sock_pid == getpid())
        return nl_sock;
    nl_sock_drop();
    struct mnl_socket *s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!s)
        return NULL;
    if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
        int saved = errno;
        mnl_socket_close(s);
        errno = saved;
        return NULL;
    }
    nl_sock_options(s);
    nl_sock = s;
    nl_sock_pid = getpid();
    if (nl_seq == 0)
        nl_seq = (uint32_t)time(NULL);
    return s;
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

typedef struct talk_ctx {
    mnl_cb_t cb;
    void *data;
    nl_error *e;
    bool kernel_error; /* the failure is the kernel's answer: the socket is still in sync */
} talk_ctx;

static int talk_data_cb(const struct nlmsghdr *nlh, void *data)
{
    talk_ctx *c = data;
    return c->cb ? c->cb(nlh, c->data) : MNL_CB_OK;
}

static int talk_ext_attr_cb(const struct nlattr *attr, void *data)
{
    nl_error *e = data;
    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
        mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
        snprintf(e->msg, sizeof(e->msg), "%s", mnl_attr_get_str(attr));
    return MNL_CB_OK;
}

/* Record a kernel error code and the extended-ack TLVs that follow `off` bytes of payload. */
static int talk_kernel_error(talk_ctx *c, const struct nlmsghdr *nlh, int code, size_t off)
{
    c->e->code = code < 0 ? -code : code;
    if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && mnl_nlmsg_size(MNL_ALIGN(off)) <= nlh->nlmsg_len)
        mnl_attr_parse(nlh, off, talk_ext_attr_cb, c->e);
    c->kernel_error = true;
    errno = c->e->code;
    return MNL_CB_ERROR;
}

static int talk_error_cb(const struct nlmsghdr *nlh, void *data)
{
    talk_ctx *c = data;
    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nlmsgerr))) {
        errno = EBADMSG;
        return MNL_CB_ERROR;
    }
    const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
    if (err->error == 0)
        return MNL_CB_STOP; /* the ack */
    size_t off = sizeof(*err);
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && err->msg.nlmsg_len >= sizeof(struct nlmsghdr))
        off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
    return talk_kernel_error(c, nlh, err->error, off);
}

/* A dump ends with NLMSG_DONE, which carries an error code when the dump failed midway. */
static int talk_done_cb(const struct nlmsghdr *nlh, void *data)
{
    talk_ctx *c = data;
    if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
        int code;
        memcpy(&code, mnl_nlmsg_get_payload(nlh), sizeof(code));
        if (code < 0)
            return talk_kernel_error(c, nlh, code, sizeof(int));
    }
    return MNL_CB_STOP;
}

static int nl_send(struct mnl_socket *s, const struct nlmsghdr *req)
{
    for (int i = 0; i < NL_EINTR_MAX; i++) {
        if (mnl_socket_sendto(s, req, req->nlmsg_len) >= 0)
            return 0;
        if (errno != EINTR)
            return -errno;
    }
    return -EINTR;
}

static ssize_t nl_recv(struct mnl_socket *s, void *buf, size_t len)
{
    for (int i = 0; i < NL_EINTR_MAX; i++) {
        ssize_t n = mnl_socket_recvfrom(s, buf, len);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return -errno;
    }
    return -EINTR;
}

int nl_talk(struct nlmsghdr *req, mnl_cb_t cb, void *data, nl_error *ret_err)
{
    static char buf[NL_RECV_SIZE] __attribute__((aligned(8)));
    static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
        [NLMSG_ERROR] = talk_error_cb,
        [NLMSG_DONE] = talk_done_cb,
    };
    memset(ret_err, 0, sizeof(*ret_err));
    struct mnl_socket *s = nl_socket();
    if (!s) {
        ret_err->code = errno ? errno : EIO;
        return -ret_err->code;
    }
    /* NLM_F_DUMP shares bits with NLM_F_EXCL/REPLACE: only a GET can be a dump. */
    bool dump = (req->nlmsg_type & 3) == 2 && (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
    if (!dump)
        req->nlmsg_flags |= NLM_F_ACK;
    if (++nl_seq == 0)
        nl_seq = 1;
    req->nlmsg_seq = nl_seq;
    unsigned portid = mnl_socket_get_portid(s);

    talk_ctx ctx = {.cb = cb, .data = data, .e = ret_err};
    int r = nl_send(s, req);
    int ret = r < 0 ? r : MNL_CB_OK;
    while (ret > 0) {
        ssize_t n = nl_recv(s, buf, sizeof(buf));
        if (n < 0) {
            ret = (int)n;
            break;
        }
        errno = 0;
        ret = mnl_cb_run2(buf, (size_t)n, req->nlmsg_seq, portid, talk_data_cb, &ctx, ctl,
                          ARRAY_SIZE(ctl));
        if (ret < 0)
            ret = errno ? -errno : -EPROTO;
    }
    if (ret == 0)
        return 0;
    if (!ctx.kernel_error) {
        /* Replies may still be queued: start over with a fresh socket next time. */
        ret_err->code = -ret;
        nl_sock_drop();
    }
    return -ret_err->code;
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

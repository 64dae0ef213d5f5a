/* The netlink request/reply loop shared by every netlink user (nlsock.h). */
#include "util/nlsock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/strbuf.h"

#define NL_RECV_SIZE 32768
/* Give up after this many consecutive EINTRs rather than spin forever. */
#define NL_EINTR_MAX 100

struct nlsock {
    int bus;
    struct mnl_socket *sock;
    pid_t pid; /* the process that opened sock */
    uint32_t seq;
};

nlsock *nlsock_new(int bus)
{
    nlsock *s = xcalloc(1, sizeof(*s));
    s->bus = bus;
    return s;
}

static void nlsock_drop(nlsock *s)
{
    if (s->sock)
        mnl_socket_close(s->sock);
    s->sock = NULL;
}

void nlsock_reset(nlsock *s)
{
    if (s)
        nlsock_drop(s);
}

void nlsock_free(nlsock *s)
{
    if (!s)
        return;
    nlsock_drop(s);
    free(s);
}

uint32_t nlsock_portid(const nlsock *s)
{
    return s && s->sock && s->pid == getpid() ? mnl_socket_get_portid(s->sock) : 0;
}

/* Options that only improve errors or filtering: failure to set them is not fatal. */
static void nlsock_options(struct mnl_socket *s)
{
    int one = 1;
    mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof(one));
    mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof(one));
    mnl_socket_setsockopt(s, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
    /* The kernel answers synchronously; this only guards against a bug hanging the daemon. */
    struct timeval tv = {.tv_sec = 30};
    setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* The open socket; one inherited over fork() is closed and replaced. */
static struct mnl_socket *nlsock_get(nlsock *sk)
{
    if (sk->sock && sk->pid == getpid())
        return sk->sock;
    nlsock_drop(sk);
    struct mnl_socket *s = mnl_socket_open2(sk->bus, SOCK_CLOEXEC);
    if (!s)
        return NULL;
    if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
        int saved = errno;
        mnl_socket_close(s);
        errno = saved;
        return NULL;
    }
    nlsock_options(s);
    sk->sock = s;
    sk->pid = getpid();
    if (sk->seq == 0)
        sk->seq = (uint32_t)time(NULL);
    return s;
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

int nlsock_talk(nlsock *sk, struct nlmsghdr *req, bool dump, mnl_cb_t cb, void *data,
                nl_error *ret_err)
{
    static char buf[NL_RECV_SIZE] __attribute__((aligned(8)));
    static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
        [NLMSG_ERROR] = talk_error_cb,
        [NLMSG_DONE] = talk_done_cb,
    };
    memset(ret_err, 0, sizeof(*ret_err));
    struct mnl_socket *s = nlsock_get(sk);
    if (!s) {
        ret_err->code = errno ? errno : EIO;
        return -ret_err->code;
    }
    if (!dump)
        req->nlmsg_flags |= NLM_F_ACK;
    if (++sk->seq == 0)
        sk->seq = 1;
    req->nlmsg_seq = sk->seq;
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
        nlsock_drop(sk);
    }
    return -ret_err->code;
}

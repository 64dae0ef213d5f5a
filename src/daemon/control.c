/* The control socket: one request per connection. The peer is not trusted:
 * its credentials decide which ops it may run and what it may cost (limits.c:
 * request and reply sizes, connections per uid and in total), its request is
 * bounded in time (PROTO_REQUEST_TIMEOUT_MS), a reply it stops taking gets it
 * dropped, and anything malformed gets an error reply while the daemon
 * carries on. Root's connections are served before other users'. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "proto/proto.h"
#include "proto/proto_ops.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

typedef struct conn {
    vnetd *daemon;
    int fd;
    uid_t uid;
    pid_t pid;
    strbuf in;
    char *out;
    size_t out_len, out_off;
    size_t out_counted; /* reply bytes charged to limits (non-root) */
    sd_event_source *io;
    sd_event_source *timer;
    bool discard; /* request refused: read and drop the rest before closing */
    bool parked;  /* a non-root request waiting for the next slot (limits_user_busy) */
    bool in_eof;
    op_waiter *waiter; /* its request's work goes on (control_wait) */
    struct conn *next, *prev;
} conn;

/* The caller of a request whose reply comes when its work is done: a
 * control connection, or a libvirt RPC call (rpc_dispatch.c). It outlives its
 * caller (deliver NULL then): the work's completion frees it. */
struct op_waiter {
    control_deliver_fn deliver;
    void *owner;
    char *op;
    json_t *ok; /* the reply on success */
};

op_waiter *control_waiter_new(const char *op, control_deliver_fn deliver, void *owner)
{
    op_waiter *w = xcalloc(1, sizeof(*w));
    w->op = xstrdup(op ? op : "?");
    w->deliver = deliver;
    w->owner = owner;
    return w;
}

void control_waiter_detach(op_waiter *w)
{
    if (w)
        w->deliver = NULL;
}

void control_waiter_free(op_waiter *w)
{
    if (!w)
        return;
    json_decref(w->ok);
    free(w->op);
    free(w);
}

static json_t *pending_reply(void)
{
    static json_t *pending;
    if (!pending)
        pending = json_object(); /* a marker, never sent */
    return pending;
}

bool control_is_pending(const json_t *reply)
{
    return reply == pending_reply();
}

static void conn_free(conn *c)
{
    control_waiter_detach(c->waiter);
    if (c->prev)
        c->prev->next = c->next;
    else
        c->daemon->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    sd_event_source_disable_unref(c->io);
    sd_event_source_disable_unref(c->timer);
    limits_reply_done(&c->daemon->limits, c->uid, c->out_counted);
    limits_conn_closed(&c->daemon->limits, c->uid);
    if (c->fd >= 0)
        close(c->fd);
    strbuf_free(&c->in);
    free(c->out);
    free(c);
}

json_t *control_dispatch(vnetd *d, json_t *req, uid_t peer_uid)
{
    verr err = VERR_INIT;
    const char *op = json_string_value(json_object_get(req, "op"));
    /* Every request is checked against the protocol's field table once,
     * here; handlers read well-formed fields. */
    if (proto_validate(req, NULL, &err) < 0)
        return proto_reply_error(&err);
    const op_def *def = ops_find(op);
    if (!def) {
        verr_set(&err, VERR_INVALID, "unknown operation '%s'", op);
        return proto_reply_error(&err);
    }
    if (!def->read_only && peer_uid != 0) {
        verr_set(&err, VERR_SYSTEM,
                 "access denied: operation '%s' needs root privileges (caller uid %u)", op,
                 (unsigned)peer_uid);
        err.sys_errno = EPERM;
        return proto_reply_error(&err);
    }
    if (!def->read_only) { /* a network being started changes only when it is up */
        const char *name = json_string_value(json_object_get(req, "name"));
        if (name)
            repairing_settle(registry_find(d, name)); /* (repairing.c) */
        if (name && starting_check_busy(registry_find(d, name), &err) < 0)
            return proto_reply_error(&err);
    }
    json_t *reply = def->fn(d, req, &err);
    if (!def->read_only) /* before the reply: the caller may look at the ruleset next */
        supervise_anchor_sync(d);
    if (control_is_pending(reply))
        return reply;
    if (!reply) {
        if (!verr_is_set(&err))
            verr_set(&err, VERR_INTERNAL, "operation '%s' failed without a message", op);
        if (!def->read_only)
            log_warn("%s: %s", op, err.msg);
        return proto_reply_error(&err);
    }
    return reply;
}

static int conn_io(sd_event_source *s, int fd, uint32_t revents, void *userdata);
static void conn_reply(conn *c, json_t *reply);

json_t *control_wait(vnetd *d, json_t *ok)
{
    op_waiter *w = d->waiter;
    d->waiter = NULL;
    w->ok = ok;
    return pending_reply();
}

void control_waiter_done(vnetd *d, void *waiter, const verr *err)
{
    op_waiter *w = waiter;
    supervise_anchor_sync(d); /* before the reply, as control_dispatch does */
    json_t *reply = TAKE_PTR(w->ok);
    if (err) {
        log_warn("%s: %s", w->op, err->msg);
        json_decref(reply);
        reply = proto_reply_error(err);
    }
    if (w->deliver)
        w->deliver(w->owner, reply);
    else
        json_decref(reply);
    control_waiter_free(w);
}

/* A control connection's reply, once its work is done. */
static void conn_deliver(void *owner, json_t *reply)
{
    conn *c = owner;
    c->waiter = NULL;
    conn_reply(c, reply);
    sd_event_source_set_enabled(c->io, SD_EVENT_ON);
}

static void conn_arm_timer(conn *c, int ms)
{
    uint64_t now;
    sd_event_now(c->daemon->event, CLOCK_MONOTONIC, &now);
    sd_event_source_set_time(c->timer, now + (uint64_t)ms * 1000);
    sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
}

/* A reply the limits refuse becomes a short error saying why. */
static void conn_bound_reply(conn *c)
{
    const char *why = limits_reply_admit(&c->daemon->limits, c->uid, c->out_len);
    if (why) {
        verr err = VERR_INIT;
        verr_set(&err, VERR_INVALID, "%s (%zu bytes)", why, c->out_len);
        json_t *small = proto_reply_error(&err);
        free(c->out);
        c->out = proto_dump(small, &c->out_len);
        json_decref(small);
    }
    c->out_counted = c->out_len;
    limits_reply_queued(&c->daemon->limits, c->uid, c->out_counted);
}

/* Switch the connection to sending `reply` (consumed). */
static void conn_reply(conn *c, json_t *reply)
{
    c->out = proto_dump(reply, &c->out_len);
    json_decref(reply);
    conn_bound_reply(c);
    c->out_off = 0;
    strbuf_free(&c->in);
    sd_event_source_set_io_events(c->io, EPOLLOUT | (c->discard ? EPOLLIN : 0));
    /* A fresh deadline for the reply to be taken. */
    conn_arm_timer(c, LIMITS_REPLY_STALL_MS);
}

static void conn_reply_error(conn *c, const verr *err)
{
    conn_reply(c, proto_reply_error(err));
}

/* A request for an event stream hands the connection over to ops_events.c;
 * true when it did (c is freed then). */
static bool conn_start_stream(conn *c, json_t *req)
{
    verr err = VERR_INIT;
    /* A second fd for the stream's own io source (one per fd in epoll). */
    int fd = fcntl(c->fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0) {
        verr_errno(&err, errno, "starting an event stream");
        conn_reply_error(c, &err);
        return false;
    }
    if (ops_events_start(c->daemon, req, fd, c->uid, &err) < 0) {
        close(fd);
        conn_reply_error(c, &err);
        return false;
    }
    conn_free(c);
    return true;
}

/* true when the connection was handed over (and c freed). */
static bool conn_handle_request(conn *c)
{
    verr err = VERR_INIT;
    json_t *req = NULL;
    /* no work for a caller whose share of reply memory is used up */
    const char *why = limits_reply_admit(&c->daemon->limits, c->uid, 0);
    if (why) {
        verr_set(&err, VERR_INVALID, "%s", why);
        conn_reply_error(c, &err);
        return false;
    }
    if (proto_parse_request(strbuf_str(&c->in), c->in.len, &req, &err) < 0) {
        conn_reply_error(c, &err);
        return false;
    }
    if (ops_events_is_stream(req)) {
        if (proto_validate(req, NULL, &err) < 0) {
            json_decref(req);
            conn_reply_error(c, &err);
            return false;
        }
        bool handed = conn_start_stream(c, req);
        json_decref(req);
        return handed;
    }
    long long t0 = proto_now_ms();
    op_waiter *w =
        control_waiter_new(json_string_value(json_object_get(req, "op")), conn_deliver, c);
    c->daemon->waiter = w;
    json_t *reply = control_dispatch(c->daemon, req, c->uid);
    if (c->daemon->waiter == w) { /* not taken: the reply is there */
        c->daemon->waiter = NULL;
        control_waiter_free(w);
    } else if (control_is_pending(reply)) { /* it comes with control_waiter_done */
        json_decref(req);
        c->waiter = w;
        sd_event_source_set_enabled(c->io, SD_EVENT_OFF);
        sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
        return false;
    }
    if (c->daemon->verbose)
        log_debug("op %s from uid %u pid %d: %s in %lld ms",
                  json_string_value(json_object_get(req, "op")), (unsigned)c->uid, (int)c->pid,
                  json_is_true(json_object_get(reply, "ok")) ? "ok" : "error", proto_now_ms() - t0);
    json_decref(req);
    conn_reply(c, reply);
    return false;
}

/* Drop input after a refused request. Closing a unix socket with unread data
 * makes the peer's read fail (ECONNRESET) before it sees our reply. */
static void conn_discard_input(conn *c)
{
    char sink[16384];
    for (;;) {
        ssize_t n = read(c->fd, sink, sizeof(sink));
        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            c->in_eof = true;
        return;
    }
}

static long long mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int conns_resume(sd_event_source *s, uint64_t usec, void *userdata)
{
    vnetd *d = userdata;
    d->limits.user_resume = sd_event_source_disable_unref(d->limits.user_resume);
    for (conn *c = d->conns; c; c = c->next)
        if (c->parked) {
            c->parked = false;
            sd_event_source_set_enabled(c->io, SD_EVENT_ON); /* its EOF is still readable */
        }
    return 0;
}

/* Other users' requests have had their share of this slot: this one waits
 * (its whole request is read; the fd stays readable at EOF) for the next. */
static bool conn_park(conn *c)
{
    vnetd *d = c->daemon;
    long long now = mono_us();
    if (c->uid == 0 || !limits_user_busy(&d->limits, now))
        return false;
    if (!d->limits.user_resume &&
        sd_event_add_time(d->event, &d->limits.user_resume, CLOCK_MONOTONIC,
                          (uint64_t)limits_user_next_slot(now), 0, conns_resume, d) < 0)
        return false;
    c->parked = true;
    sd_event_source_set_enabled(c->io, SD_EVENT_OFF);
    return true;
}

static int conn_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    conn *c = userdata;
    verr err = VERR_INIT;
    if (!c->out) {
        int r = proto_read_some(fd, &c->in, limits_request_max(c->uid), &err);
        if (r < 0) {
            if (err.sys_errno) { /* the peer went away */
                conn_free(c);
                return 0;
            }
            verr_prefix(&err, "request refused");
            c->discard = true;
            conn_reply_error(c, &err);
        } else if (r == 1) {
            if (conn_park(c))
                return 0;
            vnetd *d = c->daemon;
            uid_t uid = c->uid;
            long long t0 = mono_us();
            bool handed = conn_handle_request(c); /* (c is freed when handed over) */
            if (uid != 0)
                limits_user_worked(&d->limits, t0, mono_us() - t0);
            if (handed || c->waiter) /* handed over (c freed), or its reply comes later */
                return 0;
        } else {
            return 0;
        }
    }
    if (c->discard && !c->in_eof)
        conn_discard_input(c);
    if (c->out_off < c->out_len) {
        size_t before = c->out_off;
        int r = proto_write_some(fd, c->out, c->out_len, &c->out_off, &err);
        if (r < 0) {
            log_debug("control: %s", err.msg);
            conn_free(c);
            return 0;
        }
        if (r == 0) {
            if (c->out_off > before) /* it still reads: a fresh stall deadline */
                conn_arm_timer(c, LIMITS_REPLY_STALL_MS);
            return 0;
        }
    }
    if (!c->discard || c->in_eof)
        conn_free(c);
    else
        sd_event_source_set_io_events(c->io, EPOLLIN);
    return 0;
}

static int conn_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
    conn *c = userdata;
    if (c->out) { /* the peer does not take its reply */
        conn_free(c);
        return 0;
    }
    verr err = VERR_INIT;
    verr_set(&err, VERR_INVALID, "request refused: not received within %d ms",
             PROTO_REQUEST_TIMEOUT_MS);
    conn_reply_error(c, &err);
    /* Try to send it right away; the io source finishes otherwise. */
    return conn_io(c->io, c->fd, EPOLLOUT, c);
}

static size_t conns_of_uid(vnetd *d, uid_t uid)
{
    size_t n = 0;
    for (conn *c = d->conns; c; c = c->next)
        n += c->uid == uid;
    return n;
}

/* Keep a new connection: root's are served first (and tried at once), other
 * users' after the daemon's own work such as repairs. */
static void conn_new(vnetd *d, int fd, const struct ucred *cred)
{
    conn *c = xcalloc(1, sizeof(*c));
    c->daemon = d;
    c->fd = fd;
    c->uid = cred->uid;
    c->pid = cred->pid;
    c->next = d->conns;
    if (d->conns)
        d->conns->prev = c;
    d->conns = c;
    limits_conn_opened(&d->limits, c->uid);
    uint64_t now;
    sd_event_now(d->event, CLOCK_MONOTONIC, &now);
    if (sd_event_add_io(d->event, &c->io, fd, EPOLLIN, conn_io, c) < 0 ||
        sd_event_add_time(d->event, &c->timer, CLOCK_MONOTONIC,
                          now + (uint64_t)PROTO_REQUEST_TIMEOUT_MS * 1000, 0, conn_timeout,
                          c) < 0) {
        conn_free(c);
        return;
    }
    sd_event_source_set_priority(c->io, c->uid == 0 ? SD_EVENT_PRIORITY_IMPORTANT : 10);
    if (c->uid == 0) /* a small request is usually already there */
        conn_io(c->io, fd, EPOLLIN, c);
}

static int accept_resume(sd_event_source *s, uint64_t usec, void *userdata)
{
    vnetd *d = userdata;
    d->limits.accept_pause = sd_event_source_disable_unref(d->limits.accept_pause);
    sd_event_source_set_enabled(d->listen_src, SD_EVENT_ON);
    return 0;
}

/* Out of descriptors and nothing to shed with: stop accepting for 100 ms. */
static void accept_pause(vnetd *d)
{
    uint64_t now;
    sd_event_now(d->event, CLOCK_MONOTONIC, &now);
    if (d->limits.accept_pause ||
        sd_event_add_time(d->event, &d->limits.accept_pause, CLOCK_MONOTONIC, now + 100000, 0,
                          accept_resume, d) < 0)
        return;
    sd_event_source_set_enabled(d->listen_src, SD_EVENT_OFF);
}

static int control_accept(sd_event_source *s, int lfd, uint32_t revents, void *userdata)
{
    vnetd *d = userdata;
    for (int i = 0; i < LIMITS_ACCEPT_BATCH; i++) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) {
                if (!limits_shed_one(&d->limits, lfd))
                    accept_pause(d);
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                log_warn("control socket: accept: %s", strerror(errno));
            return 0;
        }
        struct ucred cred;
        socklen_t len = sizeof(cred);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
            close(fd);
            continue;
        }
        const char *why = limits_admit(&d->limits, cred.uid, conns_of_uid(d, cred.uid));
        if (why) {
            limits_log_refused(&d->limits, cred.uid, why);
            close(fd);
            continue;
        }
        conn_new(d, fd, &cred);
    }
    return 0;
}

int control_listen(vnetd *d, verr *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    const char *path = d->paths.socket_path;
    if (strlen(path) >= sizeof(sa.sun_path))
        return verr_set(err, VERR_INVALID, "control socket path %s is too long", path);
    strcpy(sa.sun_path, path);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return verr_errno(err, errno, "creating the control socket");
    /* We hold the daemon lock, so a socket file left here is stale. */
    if (unlink(path) < 0 && errno != ENOENT)
        return verr_errno(err, errno, "removing stale socket %s", path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return verr_errno(err, errno, "binding the control socket %s", path);
    if (chmod(path, 0666) < 0)
        return verr_errno(err, errno, "chmod %s", path);
    if (listen(fd, SOMAXCONN) < 0)
        return verr_errno(err, errno, "listening on %s", path);
    int r = sd_event_add_io(d->event, &d->listen_src, fd, EPOLLIN, control_accept, d);
    if (r < 0)
        return verr_errno(err, -r, "watching the control socket");
    d->listen_fd = TAKE_FD(fd);
    return 0;
}

void control_close(vnetd *d)
{
    ops_events_close_all(d);
    while (d->conns)
        conn_free(d->conns);
    d->listen_src = sd_event_source_disable_unref(d->listen_src);
    limits_close(&d->limits);
    if (d->listen_fd >= 0) {
        close(d->listen_fd);
        d->listen_fd = -1;
    }
}

/* The libvirt RPC sockets. Each client is a non-blocking stream of framed
 * messages: a bad length closes that client only; a bad program, procedure or
 * body gets an error reply; replies and events queue per client up to
 * RPC_OUT_MAX, beyond which a client that does not read is dropped. Keepalive
 * follows libvirtd: once a client asks for the keepalive feature, a client
 * silent for `interval` seconds is pinged, and dropped after `count`
 * unanswered pings. Lifecycle events from the daemon's event bus are pushed to
 * every client that registered for them. */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/events.h"
#include "daemon/rpc_server.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

typedef struct outbuf {
    uint8_t *data;
    size_t len, off;
    struct outbuf *next;
} outbuf;

typedef struct rpc_callback {
    int id;
    int event_id; /* RPC_EVENT_* */
    bool any;
    uint8_t uuid[16];
} rpc_callback;

typedef struct rpc_listener {
    struct rpc_server *srv;
    int fd;
    bool read_only;
    char *path;
    sd_event_source *src;
} rpc_listener;

struct rpc_client {
    struct rpc_server *srv;
    int fd;
    uid_t uid;
    pid_t pid;
    bool read_only;
    uint8_t lenbuf[RPC_LEN_SIZE];
    uint8_t *in;
    size_t in_have, in_need; /* in_need 0: reading the length word */
    outbuf *out_head, *out_tail;
    size_t out_bytes;
    bool want_out; /* EPOLLOUT asked for: a reply did not fit in the socket */
    bool in_io;    /* inside client_io: queued replies go out when it ends */
    uint8_t *pend; /* read but not handled yet (the per-wakeup bound was reached) */
    size_t pend_len;
    sd_event_source *resume; /* handles `pend` on a later loop iteration */
    sd_event_source *io, *ka_timer, *open_timer;
    sd_event_source *reaper; /* set once the client is dropped: frees it from the loop */
    bool ka_enabled;
    unsigned ka_unanswered;
    rpc_callback *cbs;
    size_t n_cbs;
    int next_cb_id;
    const rpc_header *call;   /* the call being dispatched (rpc_client_reply_later) */
    struct rpc_later *laters; /* calls whose replies come later */
    struct rpc_client *next, *prev;
};

/* A call answered when its work is done (a start waiting for dnsmasq). It
 * outlives its client (c NULL then). */
struct rpc_later {
    rpc_client *c;
    rpc_header h;
    struct rpc_later *next, *prev;
};

#define RPC_READ_CHUNK 65536

typedef struct rpc_server {
    vnetd *daemon;
    uint8_t chunk[RPC_READ_CHUNK]; /* what one read() takes from a client */
    rpc_listener listeners[2];
    rpc_client *clients;
    size_t n_clients, n_unprivileged;
    int event_sub;
    unsigned ka_interval, ka_count;
} rpc_server;

static rpc_server *server_of(vnetd *d)
{
    return d->rpc;
}

vnetd *rpc_client_daemon(rpc_client *c)
{
    return c->srv->daemon;
}

bool rpc_client_read_only(rpc_client *c)
{
    return c->read_only;
}

void rpc_error_set(rpc_error *err, int code, int domain, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(err->message);
    if (vasprintf(&err->message, fmt, ap) < 0)
        err->message = NULL;
    va_end(ap);
    err->code = code;
    err->domain = domain;
}

/* ---- clients ---- */

static void client_free(rpc_client *c)
{
    rpc_server *s = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->n_clients--;
    if (c->uid != 0)
        s->n_unprivileged--;
    sd_event_source_disable_unref(c->io);
    sd_event_source_disable_unref(c->ka_timer);
    sd_event_source_disable_unref(c->open_timer);
    sd_event_source_disable_unref(c->resume);
    free(c->pend);
    sd_event_source_disable_unref(c->reaper);
    if (c->fd >= 0)
        close(c->fd);
    free(c->in);
    while (c->out_head) {
        outbuf *o = c->out_head;
        c->out_head = o->next;
        free(o->data);
        free(o);
    }
    free(c->cbs);
    for (rpc_later *l = c->laters; l; l = l->next)
        l->c = NULL;
    free(c);
}

static int client_reap(sd_event_source *s, void *userdata)
{
    client_free(userdata);
    return 0;
}

/* Drop a client. It is freed from the event loop, not here: the caller may be
 * in the middle of that client's call (an event queued to it overflowed). */
static void client_drop(rpc_client *c, const char *why)
{
    if (c->reaper)
        return;
    log_debug("libvirt client pid %d uid %u: %s; closing it", (int)c->pid, (unsigned)c->uid, why);
    sd_event_source_set_enabled(c->io, SD_EVENT_OFF);
    sd_event_source_set_enabled(c->ka_timer, SD_EVENT_OFF);
    sd_event_source_set_enabled(c->open_timer, SD_EVENT_OFF);
    sd_event_source_set_enabled(c->resume, SD_EVENT_OFF);
    if (sd_event_add_defer(c->srv->daemon->event, &c->reaper, client_reap, c) < 0)
        client_free(c); /* cannot defer (out of memory): nobody uses it after this */
}

static bool client_dropped(const rpc_client *c)
{
    return c->reaper != NULL;
}

static bool client_write(rpc_client *c);

/* Queue a built message (consumed). false when the client was dropped. */
static bool client_queue(rpc_client *c, uint8_t *data, size_t len)
{
    if (client_dropped(c)) {
        free(data);
        return false;
    }
    if (c->out_bytes + len > RPC_OUT_MAX) {
        free(data);
        client_drop(c, "it does not read its replies");
        return false;
    }
    outbuf *o = xcalloc(1, sizeof(*o));
    o->data = data;
    o->len = len;
    if (c->out_tail)
        c->out_tail->next = o;
    else
        c->out_head = o;
    c->out_tail = o;
    c->out_bytes += len;
    /* a reply goes out when its call is done (client_io); an event at once */
    return c->in_io || client_write(c);
}

static bool client_send(rpc_client *c, const rpc_header *h, rpc_body_fn body, const void *arg)
{
    size_t len;
    uint8_t *msg = rpc_message_build(h, body, arg, &len);
    if (!msg) {
        rpc_error e = {RPC_ERR_RPC, RPC_FROM_RPC, (char *)"reply too large to send"};
        rpc_header eh = *h;
        eh.status = RPC_ERROR;
        msg = rpc_message_build(&eh, rpc_xdr_error, &e, &len);
        if (!msg)
            return true;
    }
    return client_queue(c, msg, len);
}

static bool client_send_error(rpc_client *c, const rpc_header *call, rpc_error *e)
{
    rpc_header h = *call;
    h.type = RPC_REPLY;
    h.status = RPC_ERROR;
    if (!e->message)
        e->message = xstrdup("unknown error");
    bool ok = client_send(c, &h, rpc_xdr_error, e);
    free(e->message);
    e->message = NULL;
    return ok;
}

static bool client_keepalive(rpc_client *c, uint32_t proc)
{
    rpc_header h = {RPC_PROGRAM_KEEPALIVE, RPC_VERSION, (int32_t)proc, RPC_MESSAGE, 0, RPC_OK};
    return client_send(c, &h, NULL, NULL);
}

static bool client_call(rpc_client *c, const rpc_header *h, const uint8_t *body, size_t len)
{
    rpc_error e = {0};
    const rpc_proc_info *p = rpc_proc_find(h->proc);
    log_debug("libvirt client pid %d: procedure %d (%s)", (int)c->pid, h->proc,
              p ? p->name : "not implemented");
    if (!p) {
        rpc_error_set(&e, RPC_ERR_NO_SUPPORT, RPC_FROM_RPC,
                      "this function is not supported by the connection driver: "
                      "procedure %d is not implemented by vnetd",
                      h->proc);
        return client_send_error(c, h, &e);
    }
    if (c->read_only && !p->read_only) {
        rpc_error_set(&e, RPC_ERR_OPERATION_DENIED, RPC_FROM_NETWORK,
                      "operation forbidden: read only access prevents %s", p->name);
        return client_send_error(c, h, &e);
    }
    rpc_args a;
    if (!rpc_args_decode(p->args, body, len, &a)) {
        rpc_args_free(&a);
        rpc_error_set(&e, RPC_ERR_RPC, RPC_FROM_RPC,
                      "Unable to decode message payload of %s (%zu bytes)", p->name, len);
        return client_send_error(c, h, &e);
    }
    json_t *res = NULL;
    rpc_body_fn enc = NULL;
    c->call = h;
    int r = rpc_dispatch_call(c, p, &a, &res, &enc, &e);
    c->call = NULL;
    if (r < 0) {
        rpc_args_free(&a);
        return client_send_error(c, h, &e);
    }
    if (r == 2) { /* its reply comes with rpc_later_done */
        rpc_args_free(&a);
        return true;
    }
    rpc_header rh = *h;
    rh.type = RPC_REPLY;
    rh.status = RPC_OK;
    rpc_call_ctx ctx = {c, &a};
    bool ok = client_send(c, &rh, enc, r == 1 ? (const void *)&ctx : res);
    json_decref(res);
    rpc_args_free(&a);
    return ok;
}

rpc_later *rpc_client_reply_later(rpc_client *c)
{
    rpc_later *l = xcalloc(1, sizeof(*l));
    l->c = c;
    l->h = *c->call;
    l->next = c->laters;
    if (c->laters)
        c->laters->prev = l;
    c->laters = l;
    return l;
}

static void later_unlink(rpc_later *l)
{
    rpc_client *c = l->c;
    if (!c)
        return;
    if (l->prev)
        l->prev->next = l->next;
    else
        c->laters = l->next;
    if (l->next)
        l->next->prev = l->prev;
}

void rpc_later_cancel(rpc_later *l)
{
    later_unlink(l);
    free(l);
}

void rpc_later_done(rpc_later *l, json_t *res, rpc_body_fn enc, rpc_error *err)
{
    rpc_client *c = l->c;
    later_unlink(l);
    if (c && err && err->message) {
        client_send_error(c, &l->h, err);
    } else if (c && !client_dropped(c)) {
        rpc_header rh = l->h;
        rh.type = RPC_REPLY;
        rh.status = RPC_OK;
        client_send(c, &rh, enc, res);
    }
    if (err) {
        free(err->message);
        err->message = NULL;
    }
    free(l);
}

/* One whole message in c->in. false when the client was dropped. */
static bool client_message(rpc_client *c)
{
    rpc_header h;
    if (rpc_header_decode(c->in, c->in_need, &h) < 0)
        return false;
    const uint8_t *body = c->in + RPC_LEN_SIZE + RPC_HEADER_SIZE;
    size_t len = c->in_need - RPC_LEN_SIZE - RPC_HEADER_SIZE;
    c->ka_unanswered = 0;
    if (h.prog == RPC_PROGRAM_KEEPALIVE && h.vers == RPC_VERSION) {
        if (h.type == RPC_MESSAGE && h.proc == RPC_KEEPALIVE_PING)
            return client_keepalive(c, RPC_KEEPALIVE_PONG);
        return true; /* PONG: the client is alive */
    }
    if (h.type == 4 /* VIR_NET_CALL_WITH_FDS */) {
        rpc_error e = {0};
        rpc_error_set(&e, RPC_ERR_RPC, RPC_FROM_RPC,
                      "file descriptor passing is not supported by vnetd");
        return client_send_error(c, &h, &e);
    }
    if (h.type != RPC_CALL) {
        log_debug("libvirt client pid %d: ignoring message type %u", (int)c->pid, h.type);
        return true;
    }
    if (h.prog != RPC_PROGRAM_REMOTE || h.vers != RPC_VERSION) {
        rpc_error e = {0};
        rpc_error_set(&e, RPC_ERR_RPC, RPC_FROM_RPC, "cannot find program %u version %u", h.prog,
                      h.vers);
        return client_send_error(c, &h, &e);
    }
    return client_call(c, &h, body, len);
}

#define RPC_CALLS_PER_WAKEUP 16

/* Take up to n bytes read from the client into the message being assembled,
 * handling each whole message, until *budget messages were handled. Returns
 * the bytes taken, or -1 when the client was dropped. */
static ssize_t client_feed(rpc_client *c, const uint8_t *data, size_t n, int *budget)
{
    size_t used = 0;
    while (used<n && * budget> 0) {
        size_t take;
        if (c->in_need == 0) {
            take = MIN(n - used, RPC_LEN_SIZE - c->in_have);
            memcpy(c->lenbuf + c->in_have, data + used, take);
            c->in_have += take;
            if (c->in_have == RPC_LEN_SIZE) {
                int64_t total = rpc_frame_length(c->lenbuf);
                if (total < 0) {
                    client_drop(c, "bad message length");
                    return -1;
                }
                c->in_need = (size_t)total;
                c->in = xmalloc(c->in_need);
                memcpy(c->in, c->lenbuf, RPC_LEN_SIZE);
            }
        } else {
            take = MIN(n - used, c->in_need - c->in_have);
            memcpy(c->in + c->in_have, data + used, take);
            c->in_have += take;
        }
        used += take;
        if (c->in_need == 0 || c->in_have < c->in_need)
            continue;
        bool alive = client_message(c);
        free(c->in);
        c->in = NULL;
        c->in_have = c->in_need = 0;
        (*budget)--;
        if (!alive)
            return -1;
    }
    return (ssize_t)used;
}

/* Keep what was read but not handled, for the next loop iteration. */
static void client_keep(rpc_client *c, const uint8_t *data, size_t n)
{
    uint8_t *p = xmalloc(n);
    memcpy(p, data, n);
    free(c->pend);
    c->pend = p;
    c->pend_len = n;
    sd_event_source_set_enabled(c->resume, SD_EVENT_ONESHOT);
}

/* Handle what is there: what an earlier wakeup left, then what the socket
 * holds (one read() for the usual small call), at most RPC_CALLS_PER_WAKEUP
 * calls, so that one busy client cannot starve the others; the rest waits for
 * the next loop iteration. false when the client was dropped. */
static bool client_read(rpc_client *c)
{
    int budget = RPC_CALLS_PER_WAKEUP;
    if (c->pend_len) {
        _cleanup_free_ uint8_t *pend = TAKE_PTR(c->pend);
        size_t len = c->pend_len;
        c->pend_len = 0;
        ssize_t used = client_feed(c, pend, len, &budget);
        if (used < 0)
            return false;
        if ((size_t)used < len) {
            client_keep(c, pend + used, len - (size_t)used);
            return true;
        }
    }
    uint8_t *chunk = c->srv->chunk;
    while (budget > 0) {
        ssize_t n = read(c->fd, chunk, RPC_READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (n <= 0) {
            client_drop(c, n == 0 ? "end of stream" : strerror(errno));
            return false;
        }
        ssize_t used = client_feed(c, chunk, (size_t)n, &budget);
        if (used < 0)
            return false;
        if (used < n) {
            client_keep(c, chunk + used, (size_t)(n - used));
            return true;
        }
        if (n < RPC_READ_CHUNK)
            return true; /* drained: level-triggered epoll says when there is more */
    }
    return true;
}

/* Send what is queued; ask for EPOLLOUT only while something is left (no
 * epoll_ctl per call in the usual case). false when the client was dropped. */
static bool client_write(rpc_client *c)
{
    while (c->out_head) {
        outbuf *o = c->out_head;
        ssize_t n = write(c->fd, o->data + o->off, o->len - o->off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!c->want_out)
                sd_event_source_set_io_events(c->io, EPOLLIN | EPOLLOUT);
            c->want_out = true;
            return true;
        }
        if (n < 0) {
            client_drop(c, strerror(errno));
            return false;
        }
        o->off += (size_t)n;
        if (o->off < o->len)
            continue;
        c->out_head = o->next;
        if (!c->out_head)
            c->out_tail = NULL;
        c->out_bytes -= o->len;
        free(o->data);
        free(o);
    }
    if (c->want_out)
        sd_event_source_set_io_events(c->io, EPOLLIN);
    c->want_out = false;
    return true;
}

static void client_take_calls(rpc_client *c)
{
    c->in_io = true;
    bool alive = client_read(c);
    c->in_io = false;
    if (alive && c->out_head)
        client_write(c);
}

static int client_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    rpc_client *c = userdata;
    if ((revents & EPOLLOUT) && !client_write(c))
        return 0;
    if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
        client_take_calls(c);
    return 0;
}

/* Calls read on an earlier wakeup and left for fairness. */
static int client_resume(sd_event_source *s, void *userdata)
{
    client_take_calls(userdata);
    return 0;
}

static int client_ka_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
    rpc_client *c = userdata;
    rpc_server *srv = c->srv;
    if (c->ka_unanswered >= srv->ka_count) {
        client_drop(c, "no answer to keepalive");
        return 0;
    }
    c->ka_unanswered++;
    if (!client_keepalive(c, RPC_KEEPALIVE_PING))
        return 0;
    sd_event_source_set_time(s, usec + (uint64_t)srv->ka_interval * 1000000ULL);
    sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
    return 0;
}

void rpc_client_enable_keepalive(rpc_client *c)
{
    if (c->ka_enabled || c->srv->ka_interval == 0)
        return;
    c->ka_enabled = true;
    uint64_t now;
    sd_event_now(c->srv->daemon->event, CLOCK_MONOTONIC, &now);
    sd_event_add_time(c->srv->daemon->event, &c->ka_timer, CLOCK_MONOTONIC,
                      now + (uint64_t)c->srv->ka_interval * 1000000ULL, 0, client_ka_tick, c);
}

static int client_open_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
    client_drop(userdata, "it did not open the connection in time");
    return 0;
}

void rpc_client_opened(rpc_client *c)
{
    c->open_timer = sd_event_source_disable_unref(c->open_timer);
}

int rpc_client_add_callback(rpc_client *c, int event_id, const uint8_t *uuid)
{
    rpc_callback *cb = xarray_push(&c->cbs, &c->n_cbs, sizeof(*c->cbs));
    cb->id = c->next_cb_id++;
    cb->event_id = event_id;
    cb->any = uuid == NULL;
    if (uuid)
        memcpy(cb->uuid, uuid, 16);
    return cb->id;
}

bool rpc_client_remove_callback(rpc_client *c, int id)
{
    for (size_t i = 0; i < c->n_cbs; i++) {
        if (c->cbs[i].id == id) {
            memmove(&c->cbs[i], &c->cbs[i + 1], (c->n_cbs - i - 1) * sizeof(*c->cbs));
            c->n_cbs--;
            return true;
        }
    }
    return false;
}

/* ---- events ---- */

typedef struct lifecycle_msg {
    int32_t callback;
    rpc_network net;
    int32_t event, detail;
} lifecycle_msg;

static bool xdr_lifecycle(XDR *x, const void *arg)
{
    lifecycle_msg m = *(const lifecycle_msg *)arg;
    return xdr_int(x, &m.callback) && rpc_xdr_network(x, &m.net) && xdr_int(x, &m.event) &&
           xdr_int(x, &m.detail);
}

/* remote_network_event_callback_metadata_change_msg */
typedef struct metadata_msg {
    int32_t callback;
    rpc_network net;
    int32_t type;
    char *uri;
} metadata_msg;

static bool xdr_metadata_change(XDR *x, const void *arg)
{
    metadata_msg m = *(const metadata_msg *)arg;
    return xdr_int(x, &m.callback) && rpc_xdr_network(x, &m.net) && xdr_int(x, &m.type) &&
           rpc_xdr_string_opt(x, &m.uri);
}

/* Send one event message to every callback of event_id that wants network uuid. */
static void push_event(rpc_server *s, int event_id, const uint8_t uuid[16], int32_t proc,
                       rpc_body_fn body, int32_t *callback_field, const void *msg)
{
    rpc_header h = {RPC_PROGRAM_REMOTE, RPC_VERSION, proc, RPC_MESSAGE, 0, RPC_OK};
    for (rpc_client *c = s->clients, *next; c; c = next) {
        next = c->next;
        for (size_t i = 0; i < c->n_cbs; i++) {
            if (c->cbs[i].event_id != event_id ||
                (!c->cbs[i].any && memcmp(c->cbs[i].uuid, uuid, 16) != 0))
                continue;
            *callback_field = c->cbs[i].id;
            if (!client_send(c, &h, body, msg))
                break; /* dropped */
        }
    }
}

static void on_event(vnetd *d, const vnet_event *ev, void *userdata)
{
    rpc_server *s = userdata;
    /* VIR_NETWORK_EVENT_* + 1. A drift repair brought the network's host side
     * back up: subscribers hear it as STARTED, so they re-read its state. */
    static const int lifecycle[VNET_EV__MAX] = {[VNET_EV_DEFINED] = 1,
                                                [VNET_EV_UNDEFINED] = 2,
                                                [VNET_EV_STARTED] = 3,
                                                [VNET_EV_STOPPED] = 4,
                                                [VNET_EV_REPAIRED] = 3};
    if (ev->type >= VNET_EV__MAX || !ev->network)
        return;
    const char *md = json_string_value(json_object_get(ev->data, "metadata"));
    if (ev->type == VNET_EV_UPDATED && md) {
        metadata_msg m = {.net = {.name = (char *)ev->network},
                          .type = streq(md, "description") ? 0
                                  : streq(md, "title")     ? 1
                                                           : 2,
                          .uri = (char *)json_string_value(json_object_get(ev->data, "uri"))};
        memcpy(m.net.uuid, ev->uuid, 16);
        push_event(s, RPC_EVENT_METADATA_CHANGE, ev->uuid, 446, xdr_metadata_change, &m.callback,
                   &m);
        return;
    }
    if (!lifecycle[ev->type])
        return;
    lifecycle_msg m = {.net = {.name = (char *)ev->network}, .event = lifecycle[ev->type] - 1};
    memcpy(m.net.uuid, ev->uuid, 16);
    push_event(s, RPC_EVENT_LIFECYCLE, ev->uuid, 315, xdr_lifecycle, &m.callback, &m);
}

/* ---- listeners ---- */

static int listener_accept(sd_event_source *src, int lfd, uint32_t revents, void *userdata)
{
    rpc_listener *l = userdata;
    rpc_server *s = l->srv;
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                log_warn("libvirt socket %s: accept: %s", l->path, strerror(errno));
            return 0;
        }
        struct ucred cred;
        socklen_t len = sizeof(cred);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
            close(fd);
            continue;
        }
        if (s->n_clients >= RPC_MAX_CLIENTS ||
            (cred.uid != 0 && s->n_unprivileged >= RPC_MAX_UNPRIVILEGED)) {
            log_warn("libvirt socket: too many clients (%zu, %zu of them not root); refusing "
                     "pid %d",
                     s->n_clients, s->n_unprivileged, (int)cred.pid);
            close(fd);
            continue;
        }
        rpc_client *c = xcalloc(1, sizeof(*c));
        c->srv = s;
        c->fd = fd;
        c->uid = cred.uid;
        c->pid = cred.pid;
        c->read_only = l->read_only;
        c->next = s->clients;
        if (s->clients)
            s->clients->prev = c;
        s->clients = c;
        s->n_clients++;
        if (c->uid != 0)
            s->n_unprivileged++;
        uint64_t now;
        sd_event_now(s->daemon->event, CLOCK_MONOTONIC, &now);
        if (sd_event_add_io(s->daemon->event, &c->io, fd, EPOLLIN, client_io, c) < 0 ||
            sd_event_add_time(s->daemon->event, &c->open_timer, CLOCK_MONOTONIC,
                              now + RPC_OPEN_TIMEOUT_S * 1000000ULL, 0, client_open_timeout,
                              c) < 0 ||
            sd_event_add_defer(s->daemon->event, &c->resume, client_resume, c) < 0 ||
            sd_event_source_set_enabled(c->resume, SD_EVENT_OFF) < 0)
            client_free(c);
    }
}

/* A socket file at path: 1 a live listener holds it, 0 absent or stale
 * (removed), -1 error (not a socket, cannot remove). */
static int path_check(const char *path, verr *err)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : verr_errno(err, errno, "checking %s", path);
    if (!S_ISSOCK(st.st_mode))
        return verr_set(err, VERR_BUSY, "%s exists and is not a socket; not touching it", path);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
        return 1;
    if (unlink(path) < 0 && errno != ENOENT)
        return verr_errno(err, errno, "removing stale socket %s", path);
    return 0;
}

static int listener_open(rpc_server *s, rpc_listener *l, const char *path, bool ro, gid_t gid,
                         verr *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return verr_set(err, VERR_INVALID, "libvirt socket path %s is too long", path);
    int live = path_check(path, err);
    if (live < 0)
        return -1;
    if (live > 0) {
        log_err("libvirt socket %s is held by a running daemon (libvirt's virtnetworkd or "
                "libvirtd?); vnetd leaves it alone and does not serve it. Stop that daemon "
                "(see README, 'Using vnet with libvirt') or pick another directory with "
                "--libvirt-sockets DIR",
                path);
        return 0;
    }
    strcpy(sa.sun_path, path);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return verr_errno(err, errno, "creating libvirt socket");
    mode_t old = umask(0177);
    int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (r < 0)
        return verr_errno(err, errno, "binding libvirt socket %s", path);
    mode_t mode = ro ? 0666 : (gid != (gid_t)-1 ? 0660 : 0600);
    if ((!ro && gid != (gid_t)-1 && chown(path, 0, gid) < 0) || chmod(path, mode) < 0)
        return verr_errno(err, errno, "setting the owner and mode of %s", path);
    if (listen(fd, SOMAXCONN) < 0)
        return verr_errno(err, errno, "listening on %s", path);
    l->srv = s;
    l->read_only = ro;
    l->path = xstrdup(path);
    r = sd_event_add_io(s->daemon->event, &l->src, fd, EPOLLIN, listener_accept, l);
    if (r < 0)
        return verr_errno(err, -r, "watching %s", path);
    l->fd = TAKE_FD(fd);
    log_info("libvirt %s socket %s", ro ? "read-only" : "read-write", path);
    return 0;
}

int rpc_server_start(vnetd *d, const rpc_opts *o, verr *err)
{
    if (!o->enabled)
        return 0;
    gid_t gid = (gid_t)-1;
    if (o->group) {
        struct group *g = getgrnam(o->group);
        if (!g)
            return verr_set(err, VERR_INVALID, "--libvirt-group: no group named '%s'", o->group);
        gid = g->gr_gid;
    }
    /* default: beside vnet's runtime directory (RUNSTATEDIR/libvirt) */
    _cleanup_free_ char *rundir = xstrdup(d->paths.run_dir);
    char *slash = strrchr(rundir, '/');
    if (slash)
        *slash = '\0';
    _cleanup_free_ char *dir = o->dir ? xstrdup(o->dir) : xasprintf("%s/libvirt", rundir);
    if (store_mkdir_p(dir, 0755, err) < 0)
        return -1;
    rpc_server *s = xcalloc(1, sizeof(*s));
    s->daemon = d;
    s->listeners[0].fd = s->listeners[1].fd = -1;
    s->ka_interval = o->ka_interval;
    s->ka_count = o->ka_count;
    d->rpc = s;
    _cleanup_free_ char *rw = xasprintf("%s/virtnetworkd-sock", dir);
    _cleanup_free_ char *ro = xasprintf("%s/virtnetworkd-sock-ro", dir);
    if (listener_open(s, &s->listeners[0], rw, false, gid, err) < 0 ||
        listener_open(s, &s->listeners[1], ro, true, gid, err) < 0)
        return -1;
    s->event_sub = events_subscribe(d, on_event, s);
    return 0;
}

void rpc_server_stop(vnetd *d)
{
    rpc_server *s = server_of(d);
    if (!s)
        return;
    while (s->clients)
        client_free(s->clients);
    for (size_t i = 0; i < 2; i++) {
        rpc_listener *l = &s->listeners[i];
        sd_event_source_disable_unref(l->src);
        if (l->fd >= 0) {
            close(l->fd);
            unlink(l->path);
        }
        free(l->path);
    }
    if (s->event_sub > 0)
        events_unsubscribe(d, s->event_sub);
    free(s);
    d->rpc = NULL;
}

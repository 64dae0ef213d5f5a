/* `vnet events`: a control connection that asks for op "events" is not
 * answered once and closed. It gets {"ok": true} and then one JSON line per
 * event on the bus (events.c), filtered by network when it asked for one,
 * until the peer goes away.
 *
 * A stream never blocks the daemon: lines queue in memory and go out when the
 * socket takes them; a peer that stops reading and lets more than
 * EVSTREAM_MAX_QUEUE bytes pile up is disconnected.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "proto/proto.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

#define EVSTREAM_MAX_QUEUE (4 * 1024 * 1024)
#define EVSTREAM_MAX_STREAMS 64
#define EVSTREAM_MAX_PER_USER 8 /* per non-root uid; all of them together get half */

typedef struct evstream {
    vnetd *daemon;
    int fd;
    int sub_id;
    char *network; /* only this network's events; NULL for all */
    uid_t uid;
    sd_event_source *io;
    strbuf out;
    size_t out_off;
    struct evstream *next, *prev;
} evstream;

static void evstream_free(evstream *s)
{
    vnetd *d = s->daemon;
    if (s->prev)
        s->prev->next = s->next;
    else
        d->streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    if (s->sub_id > 0)
        events_unsubscribe(d, s->sub_id);
    sd_event_source_disable_unref(s->io);
    if (s->fd >= 0)
        close(s->fd);
    strbuf_free(&s->out);
    free(s->network);
    free(s);
}

/* Write what the socket takes; 0 when all is out or the rest must wait, -1
 * when the peer is gone (the stream is freed then). */
static int evstream_flush(evstream *s)
{
    while (s->out_off < s->out.len) {
        ssize_t n = write(s->fd, s->out.s + s->out_off, s->out.len - s->out_off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            evstream_free(s);
            return -1;
        }
        s->out_off += (size_t)n;
    }
    if (s->out_off == s->out.len) {
        strbuf_reset(&s->out);
        s->out_off = 0;
    }
    sd_event_source_set_io_events(s->io, s->out.len ? EPOLLOUT | EPOLLHUP : EPOLLHUP);
    return 0;
}

static void evstream_queue(evstream *s, json_t *line)
{
    size_t len;
    _cleanup_free_ char *text = proto_dump(line, &len);
    if (s->out.len - s->out_off + len > EVSTREAM_MAX_QUEUE) {
        log_warn("events: a subscriber (uid %u) does not read its events; disconnecting it",
                 (unsigned)s->uid);
        evstream_free(s);
        return;
    }
    strbuf_addn(&s->out, text, len);
    strbuf_addc(&s->out, '\n');
    evstream_flush(s);
}

static void evstream_on_event(vnetd *d, const vnet_event *ev, void *userdata)
{
    evstream *s = userdata;
    if (s->network && (!ev->network || !streq(ev->network, s->network)))
        return;
    json_t *line = events_to_json(ev);
    evstream_queue(s, line);
    json_decref(line);
}

static int evstream_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
    evstream *s = userdata;
    if (revents & (EPOLLHUP | EPOLLERR)) {
        evstream_free(s);
        return 0;
    }
    evstream_flush(s);
    return 0;
}

bool ops_events_is_stream(const json_t *req)
{
    const char *op = json_string_value(json_object_get(req, "op"));
    return op && streq(op, "events");
}

int ops_events_start(vnetd *d, const json_t *req, int fd, uid_t uid, verr *err)
{
    const char *network = proto_get_str_opt(req, "network");
    if (network && !registry_get(d, network, err))
        return -1;
    size_t n = 0, n_user = 0, n_uid = 0;
    for (evstream *s = d->streams; s; s = s->next) {
        n++;
        n_user += s->uid != 0;
        n_uid += s->uid == uid;
    }
    if (n >= EVSTREAM_MAX_STREAMS)
        return verr_set(err, VERR_BUSY, "too many event streams open (at most %d)",
                        EVSTREAM_MAX_STREAMS);
    /* as for connections (limits.h): other users never take root's streams */
    if (uid != 0 && (n_user >= EVSTREAM_MAX_STREAMS / 2 || n_uid >= EVSTREAM_MAX_PER_USER))
        return verr_set(err, VERR_BUSY, "too many event streams open by unprivileged users");
    evstream *s = xcalloc(1, sizeof(*s));
    s->daemon = d;
    s->fd = fd;
    s->uid = uid;
    s->network = network ? xstrdup(network) : NULL;
    s->next = d->streams;
    if (d->streams)
        d->streams->prev = s;
    d->streams = s;
    int r = sd_event_add_io(d->event, &s->io, fd, EPOLLHUP, evstream_io, s);
    if (r < 0) {
        s->fd = -1; /* the caller keeps the fd to send its error */
        evstream_free(s);
        return verr_errno(err, -r, "watching an event stream");
    }
    s->sub_id = events_subscribe(d, evstream_on_event, s);
    json_t *hello = proto_reply_ok();
    evstream_queue(s, hello);
    json_decref(hello);
    return 0;
}

void ops_events_close_all(vnetd *d)
{
    while (d->streams)
        evstream_free(d->streams);
}

/* `vnet events` (virsh: net-event): print the daemon's events as they
 * happen. Lifecycle events read as virsh prints them
 * ("event 'lifecycle' for network lab: Started"); vnet's own events
 * (repaired, repair-failed, finding, dnsmasq-restarted, updated) follow the
 * same pattern with their sentence. --json prints each event's JSON object on
 * a line of its own.
 *
 * As `events` it streams every event type until --timeout or Ctrl-C; as
 * `net-event` it behaves like virsh: --event TYPE (or --all) is required, and
 * it stops after the first event unless --loop is given.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "proto/proto.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static volatile sig_atomic_t events_interrupted;

static void events_on_signal(int sig)
{
    events_interrupted = 1;
}

/* Event names the daemon sends, and the virsh word of the lifecycle ones. */
static const struct {
    const char *name;
    const char *lifecycle; /* NULL: not a lifecycle event */
} event_names[] = {
    {"defined", "Defined"}, {"undefined", "Undefined"},  {"started", "Started"},
    {"stopped", "Stopped"}, {"repaired", NULL},          {"repair-failed", NULL},
    {"finding", NULL},      {"dnsmasq-restarted", NULL}, {"updated", NULL},
};

typedef struct events_opts {
    const char *only; /* "lifecycle", one event name, or NULL for all */
    bool loop, json, timestamp;
    long long deadline_ms; /* 0: none */
    unsigned count;
} events_opts;

static const char *lifecycle_word(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(event_names); i++)
        if (streq(event_names[i].name, name))
            return event_names[i].lifecycle;
    return NULL;
}

static bool event_known(const char *name)
{
    if (streq(name, "lifecycle"))
        return true;
    for (size_t i = 0; i < ARRAY_SIZE(event_names); i++)
        if (streq(event_names[i].name, name))
            return true;
    return false;
}

static bool event_wanted(const events_opts *o, const char *name)
{
    if (!o->only)
        return true;
    if (streq(o->only, "lifecycle"))
        return lifecycle_word(name) != NULL;
    return streq(o->only, name);
}

/* virsh's timestamp: "2026-10-07 12:47:14.828+0000". */
static void print_timestamp(double t)
{
    time_t secs = (time_t)t;
    struct tm tm;
    gmtime_r(&secs, &tm);
    char buf[64];
    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
    printf("%s.%03d+0000: ", buf, (int)((t - (double)secs) * 1000));
}

static void print_event(const events_opts *o, json_t *ev, const char *line)
{
    if (o->json) {
        printf("%s\n", line);
        return;
    }
    const char *name = json_string_value(json_object_get(ev, "event"));
    const char *net = json_string_value(json_object_get(ev, "network"));
    const char *detail = json_string_value(json_object_get(ev, "detail"));
    const char *word = lifecycle_word(name);
    if (o->timestamp)
        print_timestamp(json_number_value(json_object_get(ev, "time")));
    if (word)
        printf("event 'lifecycle' for network %s: %s\n", net ? net : "?", word);
    else if (net)
        printf("event '%s' for network %s: %s\n", name, net, detail ? detail : "");
    else
        printf("event '%s' for the host: %s\n", name, detail ? detail : "");
}

/* Handle one line from the daemon; returns 1 when done (one-shot). */
static int handle_line(events_opts *o, const char *line, bool *first)
{
    json_error_t jerr;
    _cleanup_(json_decrefp) json_t *ev = json_loads(line, 0, &jerr);
    if (!json_is_object(ev))
        return cli_error("the vnet daemon sent a malformed event: %s", jerr.text);
    if (*first) { /* the reply to the request */
        *first = false;
        if (!json_is_true(json_object_get(ev, "ok"))) {
            const char *msg = json_string_value(json_object_get(ev, "error"));
            return cli_error("%s", msg ? msg : "the vnet daemon refused the event stream");
        }
        return 0;
    }
    const char *name = json_string_value(json_object_get(ev, "event"));
    if (!name || !event_wanted(o, name))
        return 0;
    print_event(o, ev, line);
    fflush(stdout);
    o->count++;
    return o->loop ? 0 : 1;
}

/* Read lines until done, timeout, interruption or the daemon leaving.
 * 1 done, 2 timed out, 3 interrupted, -1 error. */
static int events_read(int fd, events_opts *o)
{
    strbuf buf = STRBUF_INIT;
    bool first = true;
    int rc = -1;
    for (;;) {
        int wait = -1;
        if (o->deadline_ms) {
            long long left = o->deadline_ms - proto_now_ms();
            if (left <= 0) {
                rc = 2;
                break;
            }
            wait = left > INT_MAX ? INT_MAX : (int)left;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll(&p, 1, wait);
        if (events_interrupted) {
            rc = 3;
            break;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            continue;
        char chunk[8192];
        ssize_t got = read(fd, chunk, sizeof(chunk));
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0) {
            /* an error reply is the last thing sent, without a newline */
            if (buf.len > 0 && handle_line(o, buf.s, &first) < 0)
                break;
            cli_error("the vnet daemon closed the event stream");
            break;
        }
        strbuf_addn(&buf, chunk, (size_t)got);
        char *nl;
        int r = 0;
        while (r == 0 && (nl = memchr(buf.s, '\n', buf.len))) {
            *nl = '\0';
            r = handle_line(o, buf.s, &first);
            size_t used = (size_t)(nl - buf.s) + 1;
            memmove(buf.s, buf.s + used, buf.len - used + 1);
            buf.len -= used;
        }
        if (r != 0) {
            rc = r < 0 ? -1 : 1;
            break;
        }
    }
    strbuf_free(&buf);
    return rc;
}

static int events_parse_opts(const cli_ctx *ctx, const args *a, events_opts *o)
{
    bool virsh = ctx->invoked_as && streq(ctx->invoked_as, "net-event");
    o->json = args_has(a, "json");
    o->timestamp = args_has(a, "timestamp");
    o->loop = !virsh || args_has(a, "loop");
    o->only = args_get(a, "event");
    if (o->only && !event_known(o->only))
        return cli_error("unknown event type %s", o->only);
    if (o->only && args_has(a, "all"))
        return cli_error("--event and --all cannot be used together");
    if (virsh && !o->only && !args_has(a, "all"))
        return cli_error("either --list or --event <type> is required");
    const char *t = args_get(a, "timeout");
    if (t) {
        char *end;
        errno = 0;
        long v = strtol(t, &end, 10);
        if (errno || *end || end == t || v <= 0 || v > INT_MAX / 1000)
            return cli_error("invalid timeout '%s': a number of seconds greater than 0", t);
        o->deadline_ms = proto_now_ms() + v * 1000LL;
    }
    return 0;
}

int cmd_events(const cli_ctx *ctx, const args *a)
{
    if (args_has(a, "list")) {
        printf("lifecycle\n");
        for (size_t i = 0; i < ARRAY_SIZE(event_names); i++)
            if (!event_names[i].lifecycle)
                printf("%s\n", event_names[i].name);
        return 0;
    }
    events_opts o = {0};
    if (events_parse_opts(ctx, a, &o) < 0)
        return -1;
    json_t *req = proto_request("events");
    const char *net = args_get(a, "network");
    if (net)
        json_object_set_new(req, "network", json_string(net));
    verr err = VERR_INIT;
    _cleanup_close_ int fd = proto_open_stream(ctx->socket_path, req, 10000, &err);
    json_decref(req);
    if (fd < 0)
        return cli_error("%s", err.msg);
    struct sigaction sa = {.sa_handler = events_on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int r = events_read(fd, &o);
    if (r < 0)
        return -1;
    if (!o.json) {
        if (r == 2)
            printf("event loop timed out\n");
        else if (r == 3)
            printf("event loop interrupted\n");
        printf("events received: %u\n", o.count);
    }
    bool virsh = ctx->invoked_as && streq(ctx->invoked_as, "net-event");
    return virsh && o.count == 0 ? -1 : 0;
}

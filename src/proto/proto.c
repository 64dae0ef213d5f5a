#include "proto/proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"

long long proto_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

json_t *proto_reply_ok(void)
{
    json_t *r = json_object();
    json_object_set_new(r, "ok", json_true());
    return r;
}

json_t *proto_reply_error(const verr *err)
{
    json_t *r = json_object();
    const char *msg = err && err->msg[0] ? err->msg : "unknown error";
    json_object_set_new(r, "ok", json_false());
    json_object_set_new(r, "error", json_string(msg));
    json_object_set_new(r, "kind", json_string(verr_kind_name(err ? err->kind : VERR_INTERNAL)));
    return r;
}

json_t *proto_request(const char *op)
{
    json_t *r = json_object();
    json_object_set_new(r, "op", json_string(op));
    return r;
}

verr_kind proto_kind_from_name(const char *name)
{
    if (!name)
        return VERR_INTERNAL;
    for (int k = VERR_INTERNAL; k <= VERR_UNSUPPORTED; k++)
        if (streq(verr_kind_name((verr_kind)k), name))
            return (verr_kind)k;
    return VERR_INTERNAL;
}

const char *proto_get_str(const json_t *msg, const char *field, verr *err)
{
    const char *s = json_string_value(json_object_get(msg, field));
    if (!s)
        verr_set(err, VERR_INVALID, "request field '%s' is missing or not a string", field);
    return s;
}

const char *proto_get_str_opt(const json_t *msg, const char *field)
{
    return json_string_value(json_object_get(msg, field));
}

bool proto_get_bool(const json_t *msg, const char *field, bool dflt)
{
    json_t *v = json_object_get(msg, field);
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

long long proto_get_int(const json_t *msg, const char *field, long long dflt)
{
    json_t *v = json_object_get(msg, field);
    return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

char *proto_dump(const json_t *msg, size_t *ret_len)
{
    char *s = json_dumps(msg, JSON_COMPACT);
    if (!s)
        s = xstrdup("{}");
    if (ret_len)
        *ret_len = strlen(s);
    return s;
}

/* Parse a JSON object from untrusted bytes; `what` names it in messages. */
static int proto_parse_object(const char *buf, size_t len, const char *what, json_t **ret,
                              verr *err)
{
    json_error_t jerr;
    json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        return verr_set(err, VERR_INVALID, "malformed %s: %s (line %d, column %d)", what, jerr.text,
                        jerr.line, jerr.column);
    if (!json_is_object(j)) {
        json_decref(j);
        return verr_set(err, VERR_INVALID, "malformed %s: not a JSON object", what);
    }
    *ret = j;
    return 0;
}

int proto_parse_request(const char *buf, size_t len, json_t **ret, verr *err)
{
    json_t *j;
    if (proto_parse_object(buf, len, "request", &j, err) < 0)
        return -1;
    if (!json_is_string(json_object_get(j, "op"))) {
        json_decref(j);
        return verr_set(err, VERR_INVALID,
                        "malformed request: field 'op' is missing or not a string");
    }
    *ret = j;
    return 0;
}

int proto_parse_reply(const char *buf, size_t len, json_t **ret, verr *err)
{
    json_t *j;
    if (proto_parse_object(buf, len, "reply from the vnet daemon", &j, err) < 0)
        return -1;
    if (!json_is_boolean(json_object_get(j, "ok"))) {
        json_decref(j);
        return verr_set(err, VERR_INTERNAL,
                        "malformed reply from the vnet daemon: field 'ok' is missing");
    }
    *ret = j;
    return 0;
}

int proto_read_some(int fd, strbuf *buf, size_t max, verr *err)
{
    char chunk[16384];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return verr_errno(err, errno, "reading from the control socket");
        }
        if (n == 0)
            return 1;
        if (buf->len + (size_t)n > max)
            return verr_set(err, VERR_INVALID, "message too large (more than %zu bytes)", max);
        strbuf_addn(buf, chunk, (size_t)n);
    }
}

int proto_write_some(int fd, const char *data, size_t len, size_t *off, verr *err)
{
    while (*off < len) {
        ssize_t n = send(fd, data + *off, len - *off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return verr_errno(err, errno, "writing to the control socket");
        }
        *off += (size_t)n;
    }
    return 1;
}

/* Wait until fd is ready for `events` or the deadline passes. */
static int proto_wait(int fd, short events, long long deadline_ms, const char *what, verr *err)
{
    for (;;) {
        long long left = deadline_ms - proto_now_ms();
        if (left <= 0)
            return verr_set(err, VERR_SYSTEM, "timed out %s", what);
        struct pollfd pfd = {.fd = fd, .events = events};
        int r = poll(&pfd, 1, left > 1000000 ? 1000000 : (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return verr_errno(err, errno, "poll");
        if (r > 0)
            return 0;
    }
}

int proto_read_all(int fd, size_t max, long long deadline_ms, char **ret, size_t *ret_len,
                   verr *err)
{
    strbuf buf = STRBUF_INIT;
    for (;;) {
        int r = proto_read_some(fd, &buf, max, err);
        if (r < 0)
            goto fail;
        if (r == 1)
            break;
        if (proto_wait(fd, POLLIN, deadline_ms, "waiting for the vnet daemon's reply", err) < 0)
            goto fail;
    }
    if (ret_len)
        *ret_len = buf.len;
    *ret = strbuf_take(&buf);
    return 0;
fail:
    strbuf_free(&buf);
    return -1;
}

int proto_write_all(int fd, const char *data, size_t len, long long deadline_ms, verr *err)
{
    size_t off = 0;
    for (;;) {
        int r = proto_write_some(fd, data, len, &off, err);
        if (r != 0)
            return r < 0 ? -1 : 0;
        if (proto_wait(fd, POLLOUT, deadline_ms, "sending to the vnet daemon", err) < 0)
            return -1;
    }
}

/* Connect (non-blocking, bounded by the deadline). */
static int proto_connect(const char *socket_path, long long deadline_ms, verr *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(socket_path) >= sizeof(sa.sun_path))
        return verr_set(err, VERR_INVALID,
                        "failed to connect to the vnet daemon at %s: path too long", socket_path);
    strcpy(sa.sun_path, socket_path);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return verr_errno(err, errno, "socket");
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        if (e == EINPROGRESS || e == EAGAIN) {
            /* Unix sockets rarely get here (listen backlog full): wait, then check. */
            socklen_t sl = sizeof(e);
            if (proto_wait(fd, POLLOUT, deadline_ms, "connecting to the vnet daemon", err) < 0)
                return -1;
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0)
                e = errno;
        }
        if (e != 0 && e != EINPROGRESS && e != EAGAIN)
            return verr_set(err, VERR_SYSTEM,
                            "failed to connect to the vnet daemon at %s: %s (is vnetd running?)",
                            socket_path, strerror(e));
    }
    return TAKE_FD(fd);
}

int proto_call_full(const char *socket_path, json_t *req, int timeout_ms, bool keep_errors,
                    json_t **ret_reply, verr *err)
{
    long long deadline = proto_now_ms() + timeout_ms;
    _cleanup_close_ int fd = proto_connect(socket_path, deadline, err);
    if (fd < 0)
        return -1;
    size_t len;
    _cleanup_free_ char *text = proto_dump(req, &len);
    if (len > PROTO_MAX_MSG)
        return verr_set(err, VERR_INVALID, "request too large (more than %d bytes)", PROTO_MAX_MSG);
    if (proto_write_all(fd, text, len, deadline, err) < 0)
        return verr_prefix(err, "sending request to the vnet daemon at %s", socket_path);
    if (shutdown(fd, SHUT_WR) < 0)
        return verr_errno(err, errno, "shutdown");
    _cleanup_free_ char *rbuf = NULL;
    size_t rlen = 0;
    if (proto_read_all(fd, PROTO_MAX_MSG, deadline, &rbuf, &rlen, err) < 0)
        return -1;
    if (rlen == 0)
        return verr_set(err, VERR_SYSTEM,
                        "the vnet daemon at %s closed the connection without a reply", socket_path);
    json_t *reply;
    if (proto_parse_reply(rbuf, rlen, &reply, err) < 0)
        return -1;
    if (!keep_errors && !json_is_true(json_object_get(reply, "ok"))) {
        const char *msg = json_string_value(json_object_get(reply, "error"));
        verr_set(err, proto_kind_from_name(json_string_value(json_object_get(reply, "kind"))), "%s",
                 msg ? msg : "the vnet daemon reported an unspecified error");
        json_decref(reply);
        return -1;
    }
    *ret_reply = reply;
    return 0;
}

int proto_open_stream(const char *socket_path, json_t *req, int timeout_ms, verr *err)
{
    long long deadline = proto_now_ms() + timeout_ms;
    _cleanup_close_ int fd = proto_connect(socket_path, deadline, err);
    if (fd < 0)
        return -1;
    size_t len;
    _cleanup_free_ char *text = proto_dump(req, &len);
    if (proto_write_all(fd, text, len, deadline, err) < 0)
        return verr_prefix(err, "sending request to the vnet daemon at %s", socket_path);
    if (shutdown(fd, SHUT_WR) < 0)
        return verr_errno(err, errno, "shutdown");
    return TAKE_FD(fd);
}

int proto_call(const char *socket_path, json_t *req, json_t **ret_reply, verr *err)
{
    return proto_call_full(socket_path, req, PROTO_CALL_TIMEOUT_MS, false, ret_reply, err);
}

/* OVSDB JSON-RPC client: framing (a stream of JSON values, no delimiters),
 * request/reply matching, echo answers, update queueing. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ovn/ovsdb.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

#define OVSDB_MAX_MESSAGE (64u << 20)

struct ovsdb {
    int fd;
    int timeout_ms;
    char *remote;
    uint64_t next_id;
    char *buf; /* received, not yet parsed */
    size_t len, cap;
    json_t *updates; /* queued "update" params */
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ovsdb_connect(const char *remote, int timeout_ms, ovsdb **ret, verr *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strncmp(remote, "unix:", 5) != 0)
        return verr_set(err, VERR_UNSUPPORTED, "OVSDB remote '%s': only unix:PATH is supported",
                        remote);
    const char *path = remote + 5;
    if (strlen(path) >= sizeof(sa.sun_path))
        return verr_set(err, VERR_INVALID, "OVSDB remote '%s': path too long", remote);
    strcpy(sa.sun_path, path);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return verr_errno(err, errno, "OVSDB %s: socket", remote);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return verr_errno(err, errno, "OVSDB %s: cannot connect", remote);
    ovsdb *c = xcalloc(1, sizeof(*c));
    c->fd = TAKE_FD(fd);
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
    c->remote = xstrdup(remote);
    c->next_id = 1;
    c->updates = json_array();
    *ret = c;
    return 0;
}

void ovsdb_close(ovsdb *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    free(c->remote);
    free(c->buf);
    json_decref(c->updates);
    free(c);
}

int ovsdb_fd(const ovsdb *c)
{
    return c->fd;
}

const char *ovsdb_remote(const ovsdb *c)
{
    return c->remote;
}

static int send_json(ovsdb *c, json_t *msg, verr *err)
{
    _cleanup_free_ char *text = json_dumps(msg, JSON_COMPACT);
    if (!text)
        return verr_set(err, VERR_INTERNAL, "OVSDB %s: cannot encode request", c->remote);
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t n = send(c->fd, text + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return verr_errno(err, errno, "OVSDB %s: send", c->remote);
        off += (size_t)n;
    }
    return 0;
}

/* One complete JSON value from the buffer, or NULL (need more data). */
static int take_message(ovsdb *c, json_t **msg, verr *err)
{
    *msg = NULL;
    size_t skip = 0;
    while (skip < c->len && strchr(" \t\r\n", c->buf[skip]))
        skip++;
    if (skip == c->len) {
        c->len = 0;
        return 0;
    }
    json_error_t je;
    json_t *v = json_loadb(c->buf + skip, c->len - skip, JSON_DISABLE_EOF_CHECK, &je);
    if (!v) {
        if (json_error_code(&je) == json_error_premature_end_of_input)
            return 0;
        return verr_set(err, VERR_SYSTEM, "OVSDB %s: malformed message: %s", c->remote, je.text);
    }
    size_t used = skip + (size_t)je.position;
    memmove(c->buf, c->buf + used, c->len - used);
    c->len -= used;
    *msg = v;
    return 0;
}

static int read_some(ovsdb *c, int wait_ms, verr *err)
{
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    int r = poll(&p, 1, wait_ms);
    if (r < 0 && errno == EINTR)
        return 0;
    if (r < 0)
        return verr_errno(err, errno, "OVSDB %s: poll", c->remote);
    if (r == 0)
        return 1; /* nothing */
    if (c->cap - c->len < 65536) {
        if (c->cap > OVSDB_MAX_MESSAGE)
            return verr_set(err, VERR_SYSTEM, "OVSDB %s: message too large", c->remote);
        c->cap = c->cap ? c->cap * 2 : 131072;
        c->buf = realloc(c->buf, c->cap);
        if (!c->buf)
            abort();
    }
    ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n < 0)
        return verr_errno(err, errno, "OVSDB %s: recv", c->remote);
    if (n == 0)
        return verr_set(err, VERR_SYSTEM, "OVSDB %s: connection closed by the server", c->remote);
    c->len += (size_t)n;
    return 0;
}

/* Handle a message that is not the awaited reply. */
static int handle_other(ovsdb *c, json_t *msg, verr *err)
{
    const char *method = json_string_value(json_object_get(msg, "method"));
    if (!method)
        return 0; /* a stale reply */
    if (streq(method, "echo")) {
        json_t *reply = json_pack("{sOsOsn}", "id", json_object_get(msg, "id"), "result",
                                  json_object_get(msg, "params"), "error");
        int r = send_json(c, reply, err);
        json_decref(reply);
        return r;
    }
    if (streq(method, "update"))
        json_array_append(c->updates, json_object_get(msg, "params"));
    return 0;
}

/* Process every complete message in the buffer; stop at the reply to id
 * (returned in *reply) when id is non-zero. */
static int drain(ovsdb *c, uint64_t id, json_t **reply, verr *err)
{
    for (;;) {
        json_t *msg;
        if (take_message(c, &msg, err) < 0)
            return -1;
        if (!msg)
            return 0;
        json_t *mid = json_object_get(msg, "id");
        if (id && json_is_integer(mid) && (uint64_t)json_integer_value(mid) == id &&
            !json_object_get(msg, "method")) {
            *reply = msg;
            return 0;
        }
        int r = handle_other(c, msg, err);
        json_decref(msg);
        if (r < 0)
            return -1;
    }
}

int ovsdb_call(ovsdb *c, const char *method, json_t *params, json_t **result, verr *err)
{
    uint64_t id = c->next_id++;
    json_t *req = json_pack("{sssosI}", "method", method, "params", params, "id", (json_int_t)id);
    int r = send_json(c, req, err);
    json_decref(req);
    if (r < 0)
        return -1;
    int64_t deadline = now_ms() + c->timeout_ms;
    json_t *reply = NULL;
    while (!reply) {
        if (drain(c, id, &reply, err) < 0)
            return -1;
        if (reply)
            break;
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return verr_set(err, VERR_SYSTEM, "OVSDB %s: no reply to '%s' within %d ms", c->remote,
                            method, c->timeout_ms);
        if (read_some(c, (int)left, err) < 0)
            return -1;
    }
    json_t *e = json_object_get(reply, "error");
    if (e && !json_is_null(e)) {
        _cleanup_free_ char *text = json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
        json_decref(reply);
        return verr_set(err, VERR_SYSTEM, "OVSDB %s: '%s' failed: %s", c->remote, method, text);
    }
    if (result)
        *result = json_incref(json_object_get(reply, "result"));
    json_decref(reply);
    return 0;
}

static int op_error(ovsdb *c, json_t *results, json_t *ops, verr *err)
{
    size_t i;
    json_t *res;
    json_array_foreach(results, i, res)
    {
        const char *e = json_string_value(json_object_get(res, "error"));
        if (!e)
            continue;
        const char *details = json_string_value(json_object_get(res, "details"));
        const char *op = json_string_value(json_object_get(json_array_get(ops, i), "op"));
        return verr_set(err, streq(e, "timed out") ? VERR_BUSY : VERR_SYSTEM,
                        "OVSDB %s: transaction failed at operation %zu (%s): %s%s%s", c->remote, i,
                        op ? op : "?", e, details ? ": " : "", details ? details : "");
    }
    return 0;
}

int ovsdb_transact(ovsdb *c, const char *db, json_t *ops, json_t **results, verr *err)
{
    json_t *params = json_array();
    json_array_append_new(params, json_string(db));
    size_t i;
    json_t *op;
    json_array_foreach(ops, i, op) json_array_append(params, op);
    json_t *res = NULL;
    if (ovsdb_call(c, "transact", params, &res, err) < 0) {
        json_decref(ops);
        return -1;
    }
    int r = op_error(c, res, ops, err);
    json_decref(ops);
    if (r < 0 || !results)
        json_decref(res);
    else
        *results = res;
    return r;
}

int ovsdb_select(ovsdb *c, const char *db, const char *table, json_t *where, json_t *columns,
                 json_t **rows, verr *err)
{
    json_t *op = json_pack("{ssssso}", "op", "select", "table", table, "where",
                           where ? where : json_array());
    if (columns)
        json_object_set_new(op, "columns", columns);
    json_t *results = NULL;
    if (ovsdb_transact(c, db, json_pack("[o]", op), &results, err) < 0)
        return -1;
    *rows = json_incref(json_object_get(json_array_get(results, 0), "rows"));
    json_decref(results);
    if (!*rows)
        return verr_set(err, VERR_SYSTEM, "OVSDB %s: select on %s returned no rows member",
                        c->remote, table);
    return 0;
}

int ovsdb_monitor(ovsdb *c, const char *db, const char *id, json_t *requests, json_t **initial,
                  verr *err)
{
    return ovsdb_call(c, "monitor", json_pack("[sso]", db, id, requests), initial, err);
}

int ovsdb_pump(ovsdb *c, verr *err)
{
    for (;;) {
        int r = read_some(c, 0, err);
        if (r < 0)
            return -1;
        if (drain(c, 0, NULL, err) < 0)
            return -1;
        if (r == 1)
            return 0;
    }
}

json_t *ovsdb_take_updates(ovsdb *c)
{
    if (json_array_size(c->updates) == 0)
        return NULL;
    json_t *u = c->updates;
    c->updates = json_array();
    return u;
}

json_t *ovsdb_map(json_t *pairs)
{
    json_t *arr = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(pairs, k, v) json_array_append_new(arr, json_pack("[sO]", k, v));
    json_decref(pairs);
    return json_pack("[so]", "map", arr);
}

json_t *ovsdb_set(json_t *array)
{
    return json_pack("[so]", "set", array);
}

json_t *ovsdb_uuid(const char *uuid)
{
    return json_pack("[ss]", "uuid", uuid);
}

json_t *ovsdb_named(const char *name)
{
    return json_pack("[ss]", "named-uuid", name);
}

json_t *ovsdb_cond(const char *column, const char *function, json_t *value)
{
    return json_pack("[sso]", column, function, value);
}

const char *ovsdb_row_uuid(json_t *row)
{
    json_t *u = json_object_get(row, "_uuid");
    return json_string_value(json_array_get(u, 1));
}

const char *ovsdb_map_get(json_t *map_value, const char *key)
{
    if (!json_is_array(map_value) ||
        !streq(json_string_value(json_array_get(map_value, 0)) ?: "", "map"))
        return NULL;
    size_t i;
    json_t *pair;
    json_array_foreach(json_array_get(map_value, 1), i, pair)
    {
        const char *k = json_string_value(json_array_get(pair, 0));
        if (k && streq(k, key))
            return json_string_value(json_array_get(pair, 1));
    }
    return NULL;
}

json_t *ovsdb_set_members(json_t *v)
{
    json_t *out = json_array();
    if (json_is_array(v) && json_string_value(json_array_get(v, 0)) &&
        streq(json_string_value(json_array_get(v, 0)), "set")) {
        size_t i;
        json_t *m;
        json_array_foreach(json_array_get(v, 1), i, m) json_array_append(out, m);
    } else if (v) {
        json_array_append(out, v);
    }
    return out;
}

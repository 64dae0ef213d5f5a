/* Control-socket transport shared by the CLI (client) and vnetd (server).
 *
 * One request per connection (see docs/protocol.md; the fields of each
 * operation are in proto_ops.h): the client writes one
 * JSON object and shuts down its write side; the server replies with one JSON
 * object and closes. Replies are {"ok": true, ...} or
 * {"ok": false, "error": MESSAGE, "kind": VERR-KIND-NAME}.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"
#include "util/strbuf.h"

#define PROTO_MAX_MSG (32 * 1024 * 1024)       /* requests and replies larger than this are refused */
#define PROTO_CALL_TIMEOUT_MS (300 * 1000) /* client deadline for the whole round trip */
#define PROTO_REQUEST_TIMEOUT_MS 5000      /* server: how long a client may take to send */

/* ---- client ---- */

/* Send `req` to the daemon at socket_path and wait (at most PROTO_CALL_TIMEOUT_MS)
 * for its reply. Returns 0 with *ret_reply set (caller json_decref()s) when the
 * daemon answered {"ok": true}. Returns -1 and fills err otherwise:
 *   - cannot connect: "failed to connect to the vnet daemon at PATH: REASON (is vnetd running?)"
 *     (kind VERR_SYSTEM);
 *   - {"ok": false}: the daemon's "error" text unchanged, kind from its "kind";
 *   - timeout, oversized or malformed reply: a message saying so.
 * `req` is not consumed. */
int proto_call(const char *socket_path, json_t *req, json_t **ret_reply, verr *err);
/* Same, with an explicit deadline; ret_reply receives the reply even when it
 * is {"ok": false} if keep_errors is true (then only transport errors return -1). */
int proto_call_full(const char *socket_path, json_t *req, int timeout_ms, bool keep_errors,
                    json_t **ret_reply, verr *err);

/* Streams (op "events"): connect, send `req` (not consumed) and shut down
 * the write side; the daemon then sends newline-separated JSON objects, the
 * first being the reply. Returns the (non-blocking) fd to read them from. */
int proto_open_stream(const char *socket_path, json_t *req, int timeout_ms, verr *err);

/* ---- message builders ---- */

/* {"ok": true} — add fields with json_object_set_new(). */
json_t *proto_reply_ok(void);
/* {"ok": false, "error": err->msg, "kind": verr_kind_name(err->kind)} */
json_t *proto_reply_error(const verr *err);
/* Build a request {"op": op}. */
json_t *proto_request(const char *op);
/* Map a kind name ("not-found", ...) back to verr_kind; unknown names give VERR_INTERNAL. */
verr_kind proto_kind_from_name(const char *name);

/* Field accessors for handlers: a required string field (VERR_INVALID
 * "request field 'F' is missing or not a string" when absent), an optional
 * string (NULL when absent/null), a bool with a default, an int with a default. */
const char *proto_get_str(const json_t *msg, const char *field, verr *err);
const char *proto_get_str_opt(const json_t *msg, const char *field);
bool proto_get_bool(const json_t *msg, const char *field, bool dflt);
long long proto_get_int(const json_t *msg, const char *field, long long dflt);

/* ---- framing (both sides) ---- */

/* Serialize compactly; returns malloc'd text (length in *ret_len). Never NULL. */
char *proto_dump(const json_t *msg, size_t *ret_len);
/* Parse one request: must be a JSON object with a string "op". VERR_INVALID
 * with a message naming the problem otherwise. */
int proto_parse_request(const char *buf, size_t len, json_t **ret, verr *err);
/* Parse one reply: a JSON object with a boolean "ok". */
int proto_parse_reply(const char *buf, size_t len, json_t **ret, verr *err);

/* Non-blocking read step for an event loop: read what is available on fd into
 * buf. Returns 1 at end of stream (peer shut down its write side), 0 when more
 * may come (EAGAIN), -1 on error or when buf would exceed `max` bytes
 * ("request too large (more than N bytes)", VERR_INVALID). */
int proto_read_some(int fd, strbuf *buf, size_t max, verr *err);
/* Non-blocking write step: write from data+*off; returns 1 when everything is
 * written, 0 on EAGAIN (wait for POLLOUT), -1 on error (EPIPE etc.). */
int proto_write_some(int fd, const char *data, size_t len, size_t *off, verr *err);

/* Blocking helpers with an absolute deadline (CLOCK_MONOTONIC ms, from
 * proto_now_ms()); fd may be blocking or not. */
long long proto_now_ms(void);
int proto_read_all(int fd, size_t max, long long deadline_ms, char **ret, size_t *ret_len,
                   verr *err);
int proto_write_all(int fd, const char *data, size_t len, long long deadline_ms, verr *err);

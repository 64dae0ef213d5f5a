/* vnetd's libvirt front door: the virtnetworkd sockets, client connections,
 * keepalive and event pushing (rpc_server.c), and the procedures mapped onto
 * the daemon's JSON operations (rpc_dispatch.c). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon/daemon.h"
#include "rpc/rpc.h"

/* Connections beyond RPC_MAX_CLIENTS are closed at once; peers other than
 * root get at most half of them, so root (virtqemud) always finds room. */
#define RPC_MAX_CLIENTS 256
#define RPC_MAX_UNPRIVILEGED (RPC_MAX_CLIENTS / 2)
/* A client must open its connection (CONNECT_OPEN) within this many seconds. */
#define RPC_OPEN_TIMEOUT_S 30
/* Replies and events queued for a client that does not read, before it is dropped. */
#define RPC_OUT_MAX (64u * 1024u * 1024u)
/* libvirtd's keepalive_interval (seconds) and keepalive_count defaults. */
#define RPC_KEEPALIVE_INTERVAL 5
#define RPC_KEEPALIVE_COUNT 5

typedef struct rpc_opts {
    bool enabled;
    const char *dir;   /* NULL: ROOT/run/libvirt */
    const char *group; /* group for the read-write socket, NULL: root only */
    unsigned ka_interval, ka_count;
} rpc_opts;

typedef struct rpc_client rpc_client;

/* Listen on DIR/virtnetworkd-sock and DIR/virtnetworkd-sock-ro. A path held by
 * a live listener is left alone (logged); the other socket still opens. Fails
 * only on setup errors (bad group, directory). */
int rpc_server_start(vnetd *d, const rpc_opts *o, verr *err);
void rpc_server_stop(vnetd *d);

/* For the dispatcher. */
vnetd *rpc_client_daemon(rpc_client *c);
bool rpc_client_read_only(rpc_client *c);
void rpc_client_enable_keepalive(rpc_client *c);
/* The client opened its connection (CONNECT_OPEN): no handshake deadline any more. */
void rpc_client_opened(rpc_client *c);
/* libvirt's network event IDs vnet pushes. */
enum { RPC_EVENT_LIFECYCLE = 0, RPC_EVENT_METADATA_CHANGE = 1 };
/* Register a callback for event_id (uuid NULL: every network); returns its id. */
int rpc_client_add_callback(rpc_client *c, int event_id, const uint8_t *uuid_or_null);
bool rpc_client_remove_callback(rpc_client *c, int id);

/* A call whose reply comes later (rpc_dispatch_call returned 2): taken while
 * it is dispatched; rpc_later_done sends the reply (res/enc as for a
 * dispatch, a JSON result) or the error (err->message set, freed), then
 * frees l. When the client went away meanwhile nothing is sent. */
typedef struct rpc_later rpc_later;
rpc_later *rpc_client_reply_later(rpc_client *c);
void rpc_later_done(rpc_later *l, json_t *res, rpc_body_fn enc, rpc_error *err);
/* The reply was sent the usual way after all: forget l. */
void rpc_later_cancel(rpc_later *l);

/* A call as a direct encoder sees it (rpc_dispatch_call returning 1). */
typedef struct rpc_call_ctx {
    rpc_client *client;
    const rpc_args *args;
} rpc_call_ctx;

/* rpc_dispatch.c: run one call. On success *ret_res (may be NULL for void)
 * and *ret_enc (NULL for an empty body) describe the reply body; on failure
 * err is filled (message malloc'd). Returns 1 (and *ret_res NULL) for a call
 * whose encoder writes the reply straight from the daemon's state: pass it
 * an rpc_call_ctx of the call. Returns 2 when the reply comes later
 * (rpc_later). */
int rpc_dispatch_call(rpc_client *c, const rpc_proc_info *p, const rpc_args *a, json_t **ret_res,
                      rpc_body_fn *ret_enc, rpc_error *err);
void rpc_error_set(rpc_error *err, int code, int domain, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A small OVSDB client (RFC 7047 JSON-RPC) over a unix socket, with jansson.
 *
 * Calls are synchronous with a deadline: ovsdb_call() sends one request and
 * reads until the reply with its id arrives, answering the server's "echo"
 * probes and queueing "update" notifications (from ovsdb_monitor) for
 * ovsdb_take_updates(). Library code: no logging, errors in verr. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "util/error.h"

typedef struct ovsdb ovsdb;

/* remote: "unix:/path". timeout_ms bounds every call (0: 5000). */
int ovsdb_connect(const char *remote, int timeout_ms, ovsdb **ret, verr *err);
void ovsdb_close(ovsdb *c);
static inline void ovsdb_closep(ovsdb **c)
{
    if (*c)
        ovsdb_close(*c);
}
int ovsdb_fd(const ovsdb *c);
const char *ovsdb_remote(const ovsdb *c);

/* One JSON-RPC call; params is stolen; *result (new reference) on success.
 * A JSON-RPC error becomes VERR_SYSTEM with the server's error text. */
int ovsdb_call(ovsdb *c, const char *method, json_t *params, json_t **result, verr *err);

/* "transact" on database db with the array ops (stolen). Fails (VERR_BUSY
 * when a "wait" timed out or an operation's condition failed, VERR_SYSTEM
 * otherwise) when any operation reported an error; *results optional. */
int ovsdb_transact(ovsdb *c, const char *db, json_t *ops, json_t **results, verr *err);

/* "select" rows of table matching where (stolen; NULL = all) with the given
 * columns (stolen; NULL = all): *rows is the array of rows. */
int ovsdb_select(ovsdb *c, const char *db, const char *table, json_t *where, json_t *columns,
                 json_t **rows, verr *err);

/* "monitor" tables (requests: {"Table": {"columns": [...]}, ...}, stolen)
 * under id; *initial is the first table-updates object. */
int ovsdb_monitor(ovsdb *c, const char *db, const char *id, json_t *requests, json_t **initial,
                  verr *err);
/* Read what the socket holds without blocking (answering echo, queueing
 * updates). -1 with VERR_SYSTEM when the connection closed. */
int ovsdb_pump(ovsdb *c, verr *err);
/* Queued update notifications' params ([id, table-updates]) as an array,
 * emptied; NULL when none. */
json_t *ovsdb_take_updates(ovsdb *c);

/* Helpers to build OVSDB values. */
json_t *ovsdb_map(json_t *pairs_object); /* {"k": "v"} -> ["map", [["k","v"]]] (stolen) */
json_t *ovsdb_set(json_t *array);        /* [a, b] -> ["set", [a, b]] (stolen) */
json_t *ovsdb_uuid(const char *uuid);    /* ["uuid", "…"] */
json_t *ovsdb_named(const char *name);   /* ["named-uuid", "…"] */
/* Condition [column, function, value] (value stolen). */
json_t *ovsdb_cond(const char *column, const char *function, json_t *value);
/* The uuid string of a row's "_uuid" column, or NULL. */
const char *ovsdb_row_uuid(json_t *row);
/* A string-to-string map column's value for key, or NULL. */
const char *ovsdb_map_get(json_t *map_value, const char *key);
/* Members of a set column (atoms in a ["set", [...]] or a single atom) into
 * a new JSON array. */
json_t *ovsdb_set_members(json_t *set_value);

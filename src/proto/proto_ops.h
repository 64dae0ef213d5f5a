/* The control protocol's schema: one field table per operation (docs/protocol.md).
 *
 * The CLI builds requests through it (proto_set_*: a field the table does not
 * list, or a value of the wrong type or out of range, is refused before
 * anything is sent) and vnetd validates every request against it once, in
 * dispatch (proto_validate), before any handler runs. Handlers then read
 * fields with the proto_get_* accessors knowing they are well-formed.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "util/error.h"

typedef enum {
    PROTO_STR,     /* JSON string */
    PROTO_BOOL,    /* JSON true/false */
    PROTO_INT,     /* JSON integer within [min, max] */
    PROTO_IPPROTO, /* "tcp" or "udp" (proto_ipproto_parse) */
} proto_type;

typedef struct proto_field {
    const char *name;
    proto_type type;
    bool required;
    long long min, max; /* PROTO_INT only */
} proto_field;

typedef struct proto_op {
    const char *name;
    const proto_field *fields; /* ends with a {NULL} entry */
} proto_op;

/* The operation named `name`, NULL when there is none. */
const proto_op *proto_op_find(const char *name);
/* Every operation, for documentation and tests; *ret_n gets the count. */
const proto_op *proto_ops_all(size_t *ret_n);
/* One field of an operation, NULL when the op has no such field. */
const proto_field *proto_op_field(const proto_op *op, const char *field);

/* Check a request: "op" names a known operation, every field is one the op
 * lists, with the right type and range, and the required ones are present.
 * VERR_INVALID naming the field otherwise. *ret_op (optional) gets the op. */
int proto_validate(const json_t *req, const proto_op **ret_op, verr *err);

/* Request builders for clients: set a field after checking it against the
 * op's table (req must come from proto_request). -1 with err on a field the
 * op does not have, or a value it would refuse. */
int proto_set_str(json_t *req, const char *field, const char *value, verr *err);
int proto_set_bool(json_t *req, const char *field, bool value, verr *err);
int proto_set_int(json_t *req, const char *field, long long value, verr *err);

/* "tcp" -> IPPROTO_TCP, "udp" -> IPPROTO_UDP; -1 with err otherwise. The
 * wire's and the CLI's --proto, by conf/'s rule (netdef_proto_from_name). */
int proto_ipproto_parse(const char *s, verr *err);
/* The IPPROTO_* of a validated PROTO_IPPROTO field (0 when absent). */
int proto_get_ipproto(const json_t *msg, const char *field);

/* The control protocol's field tables, and the checks both sides run on them. */
#include "proto/proto_ops.h"

#include <limits.h>
#include <netinet/in.h>
#include <string.h>

#include "conf/netdef.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

#define PORT_MIN 1
#define PORT_MAX 65535

#define F_NAME                                                                                     \
    {                                                                                              \
        "name", PROTO_STR, true, 0, 0                                                              \
    }
#define F_END                                                                                      \
    {                                                                                              \
        NULL, PROTO_STR, false, 0, 0                                                               \
    }

static const proto_field f_none[] = {F_END};
static const proto_field f_name[] = {F_NAME, F_END};
static const proto_field f_list[] = {{"rows", PROTO_BOOL, false, 0, 0}, F_END};
static const proto_field f_lookup[] = {
    {"name", PROTO_STR, false, 0, 0},
    {"uuid", PROTO_STR, false, 0, 0},
    F_END,
};
static const proto_field f_dumpxml[] = {F_NAME, {"inactive", PROTO_BOOL, false, 0, 0}, F_END};
static const proto_field f_leases[] = {F_NAME, {"mac", PROTO_STR, false, 0, 0}, F_END};
static const proto_field f_definition[] = {
    {"xml", PROTO_STR, true, 0, 0},
    {"source", PROTO_STR, false, 0, 0},
    F_END,
};
static const proto_field f_autostart[] = {F_NAME, {"enable", PROTO_BOOL, false, 0, 0}, F_END};
static const proto_field f_update[] = {
    F_NAME,
    {"command", PROTO_STR, true, 0, 0},
    {"section", PROTO_STR, true, 0, 0},
    {"xml", PROTO_STR, true, 0, 0},
    {"parent_index", PROTO_INT, false, -1, INT_MAX},
    {"live", PROTO_BOOL, false, 0, 0},
    {"config", PROTO_BOOL, false, 0, 0},
    F_END,
};
static const proto_field f_forward_add[] = {
    F_NAME,
    {"proto", PROTO_IPPROTO, true, 0, 0},
    {"port", PROTO_INT, true, PORT_MIN, PORT_MAX},
    {"port_end", PROTO_INT, false, PORT_MIN, PORT_MAX},
    {"address", PROTO_STR, false, 0, 0},
    {"to_addr", PROTO_STR, true, 0, 0},
    {"to_port", PROTO_INT, false, PORT_MIN, PORT_MAX},
    F_END,
};
static const proto_field f_name_opt[] = {{"name", PROTO_STR, false, 0, 0}, F_END};
static const proto_field f_events[] = {{"network", PROTO_STR, false, 0, 0}, F_END};
static const proto_field f_forward_del[] = {
    F_NAME,
    {"proto", PROTO_IPPROTO, true, 0, 0},
    {"port", PROTO_INT, true, PORT_MIN, PORT_MAX},
    {"address", PROTO_STR, false, 0, 0},
    F_END,
};
static const proto_field f_port[] = {F_NAME, {"uuid", PROTO_STR, true, 0, 0}, F_END};
static const proto_field f_port_create[] = {
    F_NAME,
    {"xml", PROTO_STR, true, 0, 0},
    {"source", PROTO_STR, false, 0, 0},
    {"reclaim", PROTO_BOOL, false, 0, 0},
    F_END,
};
static const proto_field f_metadata_get[] = {
    F_NAME,
    {"type", PROTO_STR, true, 0, 0},
    {"uri", PROTO_STR, false, 0, 0},
    {"config", PROTO_BOOL, false, 0, 0},
    F_END,
};
static const proto_field f_metadata_set[] = {
    F_NAME,
    {"type", PROTO_STR, true, 0, 0},
    {"value", PROTO_STR, false, 0, 0},
    {"key", PROTO_STR, false, 0, 0},
    {"uri", PROTO_STR, false, 0, 0},
    {"live", PROTO_BOOL, false, 0, 0},
    {"config", PROTO_BOOL, false, 0, 0},
    F_END,
};

/* uplink-*: a host NIC into a bridge (cmd_uplink.c, ops_uplink.c) */
static const proto_field f_uplink_bridge[] = {{"bridge", PROTO_STR, true, 0, 0}, F_END};
static const proto_field f_uplink_attach[] = {
    {"bridge", PROTO_STR, true, 0, 0},
    {"nic", PROTO_STR, true, 0, 0},
    {"confirm_within", PROTO_INT, false, 1, 86400},
    F_END,
};

static const proto_op ops[] = {
    {"ping", f_none},
    {"list", f_list},
    {"info", f_name},
    {"lookup", f_lookup},
    {"dumpxml", f_dumpxml},
    {"dhcp-leases", f_leases},
    {"forward-list", f_name},
    {"doctor", f_name_opt},
    {"doctor-probe", f_name_opt},
    {"doctor-fix", f_name_opt},
    {"events", f_events},
    {"define", f_definition},
    {"undefine", f_name},
    {"create", f_definition},
    {"start", f_name},
    {"destroy", f_name},
    {"autostart", f_autostart},
    {"reload", f_none},
    {"update", f_update},
    {"forward-add", f_forward_add},
    {"forward-del", f_forward_del},
    {"uplink-list", f_none},
    {"uplink-attach", f_uplink_attach},
    {"uplink-confirm", f_uplink_bridge},
    {"uplink-detach", f_uplink_bridge},
    {"port-list", f_name},
    {"port-dumpxml", f_port},
    {"port-create", f_port_create},
    {"port-delete", f_port},
    {"metadata-get", f_metadata_get},
    {"metadata-set", f_metadata_set},
};

const proto_op *proto_op_find(const char *name)
{
    for (size_t i = 0; name && i < ARRAY_SIZE(ops); i++)
        if (streq(ops[i].name, name))
            return &ops[i];
    return NULL;
}

const proto_op *proto_ops_all(size_t *ret_n)
{
    *ret_n = ARRAY_SIZE(ops);
    return ops;
}

const proto_field *proto_op_field(const proto_op *op, const char *field)
{
    for (const proto_field *f = op->fields; f->name; f++)
        if (streq(f->name, field))
            return f;
    return NULL;
}

int proto_ipproto_parse(const char *s, verr *err)
{
    int proto = netdef_proto_from_name(s); /* conf/'s one rule for protocol names */
    if (proto >= 0)
        return proto;
    return verr_set(err, VERR_INVALID, "protocol must be 'tcp' or 'udp', not '%s'", s ? s : "");
}

int proto_get_ipproto(const json_t *msg, const char *field)
{
    int p = proto_ipproto_parse(json_string_value(json_object_get(msg, field)), NULL);
    return p < 0 ? 0 : p;
}

static const char *type_name(proto_type t)
{
    switch (t) {
    case PROTO_STR:
        return "a string";
    case PROTO_BOOL:
        return "true or false";
    case PROTO_INT:
        return "an integer";
    case PROTO_IPPROTO:
        return "\"tcp\" or \"udp\"";
    }
    return "?";
}

/* One field's value against its table entry. */
static int check_value(const proto_op *op, const proto_field *f, const json_t *v, verr *err)
{
    bool ok = false;
    switch (f->type) {
    case PROTO_STR:
        ok = json_is_string(v);
        break;
    case PROTO_BOOL:
        ok = json_is_boolean(v);
        break;
    case PROTO_INT:
        ok = json_is_integer(v);
        if (ok && (json_integer_value(v) < f->min || json_integer_value(v) > f->max))
            return verr_set(err, VERR_INVALID,
                            "request field '%s' of '%s' is out of range: %lld (allowed: %lld to "
                            "%lld)",
                            f->name, op->name, (long long)json_integer_value(v), f->min, f->max);
        break;
    case PROTO_IPPROTO:
        ok = json_is_string(v);
        if (ok && proto_ipproto_parse(json_string_value(v), err) < 0)
            return verr_prefix(err, "request field '%s' of '%s'", f->name, op->name);
        break;
    }
    if (!ok)
        return verr_set(err, VERR_INVALID, "request field '%s' of '%s' must be %s", f->name,
                        op->name, type_name(f->type));
    return 0;
}

int proto_validate(const json_t *req, const proto_op **ret_op, verr *err)
{
    const char *name = json_string_value(json_object_get(req, "op"));
    const proto_op *op = proto_op_find(name);
    if (!op)
        return verr_set(err, VERR_INVALID, "unknown operation '%s'", name ? name : "");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)req, key, v)
    {
        if (streq(key, "op"))
            continue;
        const proto_field *f = proto_op_field(op, key);
        if (!f)
            return verr_set(err, VERR_INVALID, "operation '%s' has no field '%s'", op->name, key);
        if (json_is_null(v) && !f->required)
            continue; /* null = absent */
        if (check_value(op, f, v, err) < 0)
            return -1;
    }
    for (const proto_field *f = op->fields; f->name; f++)
        if (f->required && !json_object_get(req, f->name))
            return verr_set(err, VERR_INVALID, "request field '%s' of '%s' is missing", f->name,
                            op->name);
    if (ret_op)
        *ret_op = op;
    return 0;
}

/* Check and set one field of a request being built; takes v. */
static int set_checked(json_t *req, const char *field, json_t *v, verr *err)
{
    const proto_op *op = proto_op_find(json_string_value(json_object_get(req, "op")));
    const proto_field *f = op ? proto_op_field(op, field) : NULL;
    int r = 0;
    if (!f)
        r = verr_set(err, VERR_INTERNAL, "operation '%s' has no field '%s'", op ? op->name : "?",
                     field);
    else if (check_value(op, f, v, err) < 0)
        r = -1;
    else
        json_object_set(req, field, v);
    json_decref(v);
    return r;
}

int proto_set_str(json_t *req, const char *field, const char *value, verr *err)
{
    return set_checked(req, field, json_string(value ? value : ""), err);
}

int proto_set_bool(json_t *req, const char *field, bool value, verr *err)
{
    return set_checked(req, field, json_boolean(value), err);
}

int proto_set_int(json_t *req, const char *field, long long value, verr *err)
{
    return set_checked(req, field, json_integer(value), err);
}

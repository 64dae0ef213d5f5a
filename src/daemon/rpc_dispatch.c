/* libvirt procedures mapped onto the daemon's operations. Each call builds
 * the same JSON request the `vnet` CLI sends and runs it through
 * control_dispatch(), so both front doors share every check and every event;
 * vnet's error kinds become libvirt's error codes. A handler returns its
 * result as JSON; an encoder from the table below writes it as the
 * procedure's XDR reply. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/netdef.h"
#include "daemon/rpc_encode.h"
#include "daemon/rpc_server.h"
#include "proto/proto.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

#define LIBVIRT_COMPAT_VERSION 9000000ULL /* the libvirt release whose protocol vnet answers */
#define UID_NOBODY 65534

typedef json_t *(*handler_fn)(rpc_client *c, const rpc_args *a, rpc_error *err);

/* ---- errors ---- */

static int code_for_kind(verr_kind kind, int not_found_code, bool xml_input)
{
    switch (kind) {
    case VERR_NOT_FOUND:
        return not_found_code;
    case VERR_INVALID:
        return xml_input ? RPC_ERR_XML_ERROR : RPC_ERR_INVALID_ARG;
    case VERR_EXISTS:
        return RPC_ERR_OPERATION_FAILED;
    case VERR_BUSY:
        return RPC_ERR_OPERATION_INVALID;
    case VERR_SYSTEM:
        return RPC_ERR_SYSTEM_ERROR;
    case VERR_UNSUPPORTED:
        return RPC_ERR_CONFIG_UNSUPPORTED;
    default:
        return RPC_ERR_INTERNAL_ERROR;
    }
}

/* Run a JSON request (consumed) as the daemon's own op. NULL with err set
 * when the op failed. */
static void reply_to_error(json_t *reply, int not_found_code, bool xml_input, rpc_error *err);

static json_t *run_op(rpc_client *c, json_t *req, int not_found_code, bool xml_input,
                      rpc_error *err)
{
    vnetd *d = rpc_client_daemon(c);
    json_t *reply = control_dispatch(d, req, rpc_client_read_only(c) ? UID_NOBODY : 0);
    json_decref(req);
    if (json_is_true(json_object_get(reply, "ok")))
        return reply;
    reply_to_error(reply, not_found_code, xml_input, err);
    return NULL;
}

/* A failed op's reply (consumed) as libvirt's error. */
static void reply_to_error(json_t *reply, int not_found_code, bool xml_input, rpc_error *err)
{
    const char *msg = json_string_value(json_object_get(reply, "error"));
    verr_kind kind = proto_kind_from_name(json_string_value(json_object_get(reply, "kind")));
    int code = code_for_kind(kind, not_found_code, xml_input);
    /* vnet's messages already carry libvirt's prefixes ("Network not found: ...",
     * "Requested operation is not valid: ..."); others get the code's prefix. */
    if (msg && strncmp(msg, "internal error: ", 16) == 0)
        code = RPC_ERR_INTERNAL_ERROR; /* libvirt's own internal errors (port allocation) */
    if (code == RPC_ERR_XML_ERROR && msg && strstr(msg, "malformed XML"))
        code = RPC_ERR_XML_DETAIL; /* a syntax error: libvirt prints the parser's text alone */
    if (code == RPC_ERR_XML_ERROR && msg && strncmp(msg, "XML error", 9) != 0)
        rpc_error_set(err, code, RPC_FROM_NETWORK, "XML error: %s", msg);
    else
        rpc_error_set(err, code, RPC_FROM_NETWORK, "%s", msg ? msg : "operation failed");
    json_decref(reply);
}

/* A handler's result meaning "the reply comes later" (rpc_later). */
static json_t *pending_result(void)
{
    static json_t *pending;
    if (!pending)
        pending = json_object(); /* a marker, never sent */
    return pending;
}

static json_t *net_op(rpc_client *c, const char *op, const char *name, rpc_error *err)
{
    json_t *req = proto_request(op);
    json_object_set_new(req, "name", json_string(name));
    return run_op(c, req, RPC_ERR_NO_NETWORK, false, err);
}

static json_t *result_int(long long v)
{
    return json_pack("{sI}", "v", (json_int_t)v);
}

static json_t *result_str(const char *s)
{
    return json_pack("{ss}", "v", s);
}

/* {"name", "uuid"} of a network by name (after define/create). */
static json_t *lookup_name(rpc_client *c, const char *name, rpc_error *err)
{
    json_t *r = net_op(c, "lookup", name, err);
    if (!r)
        return NULL;
    json_t *o =
        json_pack("{sOsO}", "name", json_object_get(r, "name"), "uuid", json_object_get(r, "uuid"));
    json_decref(r);
    return o;
}

/* ---- connection ---- */

static json_t *h_void(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    return NULL;
}

/* Only the network driver lives here: another driver's URI (qemu:///system
 * sent to the wrong socket) is refused as virtnetworkd refuses it. */
static json_t *h_open(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    if (a->str && *a->str && strncmp(a->str, "network:", 8) != 0) {
        rpc_error_set(err, 5 /* VIR_ERR_NO_CONNECT */, 0, "no connection driver available for %s",
                      a->str);
        return NULL;
    }
    rpc_client_opened(c);
    return NULL;
}

static json_t *h_get_type(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    return result_str("network");
}

static json_t *h_version(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    return result_int((long long)LIBVIRT_COMPAT_VERSION);
}

static json_t *h_hostname(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    char host[256] = "";
    gethostname(host, sizeof(host) - 1);
    return result_str(host);
}

static json_t *h_uri(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    return result_str("network:///system");
}

static json_t *h_true(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    return result_int(1);
}

/* libvirt's VIR_DRV_FEATURE_* numbers vnet supports. */
enum {
    FEATURE_TYPED_PARAM_STRING = 8,
    FEATURE_PROGRAM_KEEPALIVE = 10,
    FEATURE_REMOTE_EVENT_CALLBACK = 14,
    FEATURE_REMOTE_CLOSE_CALLBACK = 15,
    FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER = 16,
};

static json_t *h_supports_feature(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    switch (a->i1) {
    case FEATURE_PROGRAM_KEEPALIVE:
        rpc_client_enable_keepalive(c);
        return result_int(1);
    case FEATURE_TYPED_PARAM_STRING:
    case FEATURE_REMOTE_EVENT_CALLBACK:
    case FEATURE_REMOTE_CLOSE_CALLBACK:
    case FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER:
        return result_int(1);
    default:
        return result_int(0);
    }
}

static json_t *h_auth_list(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    return json_pack("{s[i]}", "v", 0 /* REMOTE_AUTH_NONE */);
}

/* ---- networks ---- */

static json_t *list_networks(rpc_client *c, rpc_error *err)
{
    json_t *r = run_op(c, proto_request("list"), RPC_ERR_NO_NETWORK, false, err);
    if (!r)
        return NULL;
    json_t *nets = json_incref(json_object_get(r, "networks"));
    json_decref(r);
    return nets;
}

/* VIR_CONNECT_LIST_NETWORKS_* */
static bool net_matches(bool active, bool persistent, bool autostart, uint32_t flags)
{
    if ((flags & 3) && !((flags & 1 && !active) || (flags & 2 && active)))
        return false;
    if ((flags & 12) && !((flags & 4 && persistent) || (flags & 8 && !persistent)))
        return false;
    if ((flags & 48) && !((flags & 16 && autostart) || (flags & 32 && !autostart)))
        return false;
    return true;
}

/* CONNECT_LIST_ALL_NETWORKS, the most frequent call of every libvirt client:
 * written straight from the registry into the reply (no JSON, no UUID text),
 * nothing to check and no side effects. ret is the count of matches; the
 * networks themselves only when the client asked for them. */
static bool direct_list_all(XDR *x, const void *arg)
{
    const rpc_call_ctx *ctx = arg;
    const vnetd *d = rpc_client_daemon(ctx->client);
    const rpc_args *a = ctx->args;
    uint32_t count = 0;
    for (size_t i = 0; i < d->n_nets; i++) {
        const vnet_net *n = d->nets[i];
        count += net_matches(net_active(n), net_persistent(n), n->autostart, a->flags);
    }
    uint32_t n_out = a->i1 ? count : 0;
    if (!xdr_u_int(x, &n_out))
        return false;
    for (size_t i = 0; n_out && i < d->n_nets; i++) {
        const vnet_net *n = d->nets[i];
        if (!net_matches(net_active(n), net_persistent(n), n->autostart, a->flags))
            continue;
        rpc_network net = {.name = n->name};
        memcpy(net.uuid, n->uuid, 16);
        if (!rpc_xdr_network(x, &net))
            return false;
    }
    return xdr_u_int(x, &count);
}

/* Names or count of active (want_active) or inactive networks. */
static json_t *names(rpc_client *c, bool want_active, int max, bool count, rpc_error *err)
{
    json_t *nets = list_networks(c, err);
    if (!nets)
        return NULL;
    json_t *out = json_array();
    size_t i;
    json_t *n;
    json_array_foreach(nets, i, n)
    {
        if (json_is_true(json_object_get(n, "active")) == want_active &&
            (count || (int)json_array_size(out) < max))
            json_array_append(out, json_object_get(n, "name"));
    }
    json_decref(nets);
    json_t *r = count ? result_int((long long)json_array_size(out)) : json_pack("{sO}", "v", out);
    json_decref(out);
    return r;
}

static json_t *h_num_active(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    return names(c, true, 0, true, err);
}

static json_t *h_num_defined(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    return names(c, false, 0, true, err);
}

static json_t *h_list_active(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    return names(c, true, a->i1, false, err);
}

static json_t *h_list_defined(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    return names(c, false, a->i1, false, err);
}

/* LOOKUP_BY_NAME, after listing the call clients make most: straight from the
 * registry, by name only as libvirt's (the JSON op would build, check and
 * answer a request per call). */
static json_t *h_lookup_name(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    const vnet_net *n = registry_find(rpc_client_daemon(c), a->str);
    if (!n) {
        rpc_error_set(err, RPC_ERR_NO_NETWORK, RPC_FROM_NETWORK,
                      "Network not found: no network with matching name '%s'", a->str);
        return NULL;
    }
    char ubuf[37];
    return json_pack("{ssss}", "name", n->name, "uuid", netdef_uuid_str(net_current(n), ubuf));
}

static json_t *h_lookup_uuid(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    char ubuf[37];
    netdef tmp = {.uuid = {0}};
    memcpy(tmp.uuid, a->uuid, 16);
    json_t *req = proto_request("lookup");
    json_object_set_new(req, "uuid", json_string(netdef_uuid_str(&tmp, ubuf)));
    json_t *r = run_op(c, req, RPC_ERR_NO_NETWORK, false, err);
    if (!r)
        return NULL;
    json_t *o =
        json_pack("{sOsO}", "name", json_object_get(r, "name"), "uuid", json_object_get(r, "uuid"));
    json_decref(r);
    return o;
}

static json_t *def_request(const char *op, const char *xml)
{
    json_t *req = proto_request(op);
    json_object_set_new(req, "xml", json_string(xml));
    json_object_set_new(req, "source", json_string("(network_definition)"));
    return req;
}

static json_t *define_or_create(rpc_client *c, const char *op, const char *xml, rpc_error *err)
{
    json_t *r = run_op(c, def_request(op, xml), RPC_ERR_NO_NETWORK, true, err);
    if (!r)
        return NULL;
    _cleanup_free_ char *name = xstrdup(json_string_value(json_object_get(r, "name")));
    json_decref(r);
    return lookup_name(c, name, err);
}

/* Run req (consumed) as an op whose work may go on after it returns (start,
 * create, destroy: they wait for dnsmasq's readiness or exit without holding
 * up the daemon): then its reply comes through deliver (owner: the call's
 * rpc_later) and this returns pending_result(). Otherwise the reply, now. */
static json_t *run_op_later(rpc_client *c, json_t *req, control_deliver_fn deliver)
{
    vnetd *d = rpc_client_daemon(c);
    rpc_later *later = rpc_client_reply_later(c);
    op_waiter *w =
        control_waiter_new(json_string_value(json_object_get(req, "op")), deliver, later);
    d->waiter = w;
    json_t *reply = control_dispatch(d, req, rpc_client_read_only(c) ? UID_NOBODY : 0);
    json_decref(req);
    if (control_is_pending(reply))
        return pending_result(); /* d->waiter was taken */
    d->waiter = NULL;
    control_waiter_free(w);
    rpc_later_cancel(later); /* the reply is sent now */
    return reply;
}

/* create's result: the network as enc_network writes it ({"name", "uuid"}). */
static json_t *created_network(json_t *reply)
{
    json_t *o = json_pack("{sOsO}", "name", json_object_get(reply, "name"), "uuid",
                          json_object_get(reply, "uuid"));
    json_decref(reply);
    return o;
}

/* networkCreateXML's reply once the start is done (dnsmasq serves, or it failed). */
static void create_delivered(void *owner, json_t *reply)
{
    rpc_error e = {0};
    if (json_is_true(json_object_get(reply, "ok"))) {
        json_t *res = created_network(reply);
        rpc_later_done(owner, res, enc_network, NULL);
        json_decref(res);
        return;
    }
    reply_to_error(reply, RPC_ERR_NO_NETWORK, false, &e);
    rpc_later_done(owner, NULL, NULL, &e);
}

/* VIR_NETWORK_DEFINE_VALIDATE / VIR_NETWORK_CREATE_VALIDATE (1): vnet's parser
 * validates every definition fully already; other flags are refused. */
static bool check_flags(uint32_t flags, uint32_t allowed, rpc_error *err)
{
    if (flags & ~allowed) {
        rpc_error_set(err, RPC_ERR_INVALID_ARG, RPC_FROM_NETWORK,
                      "invalid argument: unsupported flags (0x%x)", flags & ~allowed);
        return false;
    }
    return true;
}

static json_t *h_define(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    return check_flags(a->flags, 1, err) ? define_or_create(c, "define", a->str, err) : NULL;
}

/* networkCreateXML(Flags) (virsh net-create): replies when the network's
 * dnsmasq serves, or with the start's error; the daemon serves others meanwhile. */
static json_t *h_create_xml(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    if (!check_flags(a->flags, 1, err))
        return NULL;
    json_t *reply = run_op_later(c, def_request("create", a->str), create_delivered);
    if (reply == pending_result())
        return reply;
    if (json_is_true(json_object_get(reply, "ok")))
        return created_network(reply);
    reply_to_error(reply, RPC_ERR_NO_NETWORK, true, err);
    return NULL;
}

static json_t *void_op(rpc_client *c, const char *op, const rpc_args *a, rpc_error *err)
{
    json_t *r = net_op(c, op, a->net.name, err);
    if (!r)
        return NULL;
    json_decref(r);
    return json_object(); /* empty body */
}

/* networkCreate's or networkDestroy's reply once the start or stop is done
 * (dnsmasq serves or has exited, or it failed). */
static void void_delivered(void *owner, json_t *reply)
{
    rpc_error e = {0};
    if (json_is_true(json_object_get(reply, "ok")))
        json_decref(reply);
    else
        reply_to_error(reply, RPC_ERR_NO_NETWORK, false, &e);
    rpc_later_done(owner, NULL, NULL, &e);
}

/* A start or stop by name whose reply may come later (void_delivered). */
static json_t *void_op_later(rpc_client *c, const char *op, const rpc_args *a, rpc_error *err)
{
    json_t *req = proto_request(op);
    json_object_set_new(req, "name", json_string(a->net.name));
    json_t *reply = run_op_later(c, req, void_delivered);
    if (reply == pending_result())
        return reply;
    if (json_is_true(json_object_get(reply, "ok"))) {
        json_decref(reply);
        return json_object(); /* empty body */
    }
    reply_to_error(reply, RPC_ERR_NO_NETWORK, false, err);
    return NULL;
}

/* networkCreate (virsh net-start): as the control socket's start, the reply
 * waits for dnsmasq without holding up the daemon (starting.c). */
static json_t *h_create(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    return void_op_later(c, "start", a, err);
}

/* networkDestroy (virsh net-destroy): the reply comes once dnsmasq has exited
 * and the network is down (stopping.c); others are served meanwhile. */
static json_t *h_destroy(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    return void_op_later(c, "destroy", a, err);
}

static json_t *h_undefine(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    return void_op(c, "undefine", a, err);
}

static json_t *h_xml_desc(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    if (!check_flags(a->flags, 1 /* VIR_NETWORK_XML_INACTIVE */, err))
        return NULL;
    json_t *req = proto_request("dumpxml");
    json_object_set_new(req, "name", json_string(a->net.name));
    json_object_set_new(req, "inactive", json_boolean(a->flags & 1));
    json_t *r = run_op(c, req, RPC_ERR_NO_NETWORK, false, err);
    if (!r)
        return NULL;
    json_t *o = json_pack("{sO}", "v", json_object_get(r, "xml"));
    json_decref(r);
    return o;
}

/* A field of `vnet info`'s summary. */
static json_t *info_field(rpc_client *c, const rpc_args *a, const char *field, rpc_error *err)
{
    json_t *r = net_op(c, "info", a->net.name, err);
    if (!r)
        return NULL;
    json_t *v = json_incref(json_object_get(json_object_get(r, "network"), field));
    json_decref(r);
    return v;
}

static json_t *bool_result(json_t *v)
{
    if (!v)
        return NULL;
    json_t *r = result_int(json_is_true(v));
    json_decref(v);
    return r;
}

static json_t *h_get_autostart(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    return bool_result(info_field(c, a, "autostart", err));
}

static json_t *h_is_active(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    return bool_result(info_field(c, a, "active", err));
}

static json_t *h_is_persistent(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    return bool_result(info_field(c, a, "persistent", err));
}

static json_t *h_bridge_name(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    json_t *v = info_field(c, a, "bridge", err);
    if (!v)
        return NULL;
    if (!json_is_string(v)) {
        json_decref(v);
        rpc_error_set(err, RPC_ERR_INTERNAL_ERROR, RPC_FROM_NETWORK,
                      "internal error: network '%s' does not have a bridge name.", a->net.name);
        return NULL;
    }
    json_t *r = json_pack("{sO}", "v", v);
    json_decref(v);
    return r;
}

static json_t *h_set_autostart(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    json_t *req = proto_request("autostart");
    json_object_set_new(req, "name", json_string(a->net.name));
    json_object_set_new(req, "enable", json_boolean(a->i1 != 0));
    json_t *r = run_op(c, req, RPC_ERR_NO_NETWORK, false, err);
    json_decref(r);
    return r ? json_object() : NULL;
}

static const char *const update_commands[] = {NULL, "modify", "delete", "add-last", "add-first"};
static const char *const update_sections[] = {
    NULL,           "bridge",        "domain",   "ip",
    "ip-dhcp-host", "ip-dhcp-range", "forward",  "forward-interface",
    "forward-pf",   "portgroup",     "dns-host", "dns-txt",
    "dns-srv"};

static json_t *h_update(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    if (!check_flags(a->flags, 3, err))
        return NULL;
    if (a->u1 == 0 || a->u1 >= ARRAY_SIZE(update_commands) || a->u2 == 0 ||
        a->u2 >= ARRAY_SIZE(update_sections)) {
        rpc_error_set(err, RPC_ERR_INVALID_ARG, RPC_FROM_NETWORK,
                      "invalid argument: unknown update command %u or section %u", a->u1, a->u2);
        return NULL;
    }
    json_t *req = proto_request("update");
    json_object_set_new(req, "name", json_string(a->net.name));
    json_object_set_new(req, "command", json_string(update_commands[a->u1]));
    json_object_set_new(req, "section", json_string(update_sections[a->u2]));
    json_object_set_new(req, "xml", json_string(a->str));
    json_object_set_new(req, "parent_index", json_integer(a->i1));
    json_object_set_new(req, "live", json_boolean(a->flags & 1));
    json_object_set_new(req, "config", json_boolean(a->flags & 2));
    /* a live change that restarts dnsmasq replies once the new one serves */
    json_t *reply = run_op_later(c, req, void_delivered);
    if (reply == pending_result())
        return reply;
    if (json_is_true(json_object_get(reply, "ok"))) {
        json_decref(reply);
        return json_object();
    }
    reply_to_error(reply, RPC_ERR_NO_NETWORK, true, err);
    return NULL;
}

static json_t *h_leases(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    json_t *br = info_field(c, a, "bridge", err);
    if (!br)
        return NULL;
    json_t *req = proto_request("dhcp-leases");
    json_object_set_new(req, "name", json_string(a->net.name));
    if (a->mac)
        json_object_set_new(req, "mac", json_string(a->mac));
    json_t *r = run_op(c, req, RPC_ERR_NO_NETWORK, false, err);
    if (!r) {
        json_decref(br);
        return NULL;
    }
    json_t *leases = json_object_get(r, "leases");
    json_t *o = json_pack("{sIsO}", "ret", (json_int_t)json_array_size(leases), "iface", br);
    json_object_set_new(o, "leases", a->i1 ? json_incref(leases) : json_array());
    json_decref(r);
    json_decref(br);
    return o;
}

/* ---- metadata (libvirt >= 9.7 clients: virsh net-desc, net-metadata, net-list --title) ---- */

static const char *const md_types[] = {"description", "title", "element"};

static json_t *md_request(const char *op, const rpc_args *a, rpc_error *err)
{
    if (a->i1 < 0 || a->i1 > 2) {
        rpc_error_set(err, RPC_ERR_INVALID_ARG, RPC_FROM_NETWORK,
                      "invalid argument: unknown metadata type %d", a->i1);
        return NULL;
    }
    json_t *req = proto_request(op);
    json_object_set_new(req, "name", json_string(a->net.name));
    json_object_set_new(req, "type", json_string(md_types[a->i1]));
    if (a->uri)
        json_object_set_new(req, "uri", json_string(a->uri));
    return req;
}

static json_t *h_md_get(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    if (!check_flags(a->flags, 3, err))
        return NULL;
    json_t *req = md_request("metadata-get", a, err);
    if (!req)
        return NULL;
    json_object_set_new(req, "config", json_boolean(a->flags & 2));
    json_t *r = run_op(c, req, RPC_ERR_NO_NETWORK_METADATA, false, err);
    if (!r)
        return NULL;
    json_t *o = json_pack("{sO}", "v", json_object_get(r, "value"));
    json_decref(r);
    return o;
}

static json_t *h_md_set(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    if (!check_flags(a->flags, 3, err))
        return NULL;
    json_t *req = md_request("metadata-set", a, err);
    if (!req)
        return NULL;
    if (a->str) /* absent: remove */
        json_object_set_new(req, "value", json_string(a->str));
    if (a->key)
        json_object_set_new(req, "key", json_string(a->key));
    json_object_set_new(req, "live", json_boolean(a->flags & 1));
    json_object_set_new(req, "config", json_boolean(a->flags & 2));
    json_t *r = run_op(c, req, RPC_ERR_NO_NETWORK, true, err);
    json_decref(r);
    return r ? json_object() : NULL;
}

/* ---- events ---- */

static json_t *h_event_register(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    if (a->i1 != RPC_EVENT_LIFECYCLE && a->i1 != RPC_EVENT_METADATA_CHANGE) {
        rpc_error_set(err, RPC_ERR_INVALID_ARG, RPC_FROM_NETWORK,
                      "invalid argument: unsupported event ID %d", a->i1);
        return NULL;
    }
    return result_int(rpc_client_add_callback(c, a->i1, a->has_net ? a->net.uuid : NULL));
}

static json_t *h_event_deregister(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    if (!rpc_client_remove_callback(c, a->i1)) {
        rpc_error_set(err, RPC_ERR_INVALID_ARG, RPC_FROM_NETWORK,
                      "invalid argument: callback %d not registered", a->i1);
        return NULL;
    }
    return json_object();
}

/* ---- ports ---- */

static json_t *port_op(rpc_client *c, const char *op, const rpc_network *net, const uint8_t *uuid,
                       rpc_error *err)
{
    json_t *req = proto_request(op);
    json_object_set_new(req, "name", json_string(net->name));
    if (uuid) {
        char ubuf[37];
        netdef tmp = {.uuid = {0}};
        memcpy(tmp.uuid, uuid, 16);
        json_object_set_new(req, "uuid", json_string(netdef_uuid_str(&tmp, ubuf)));
    }
    return run_op(c, req, strcmp(op, "port-list") ? RPC_ERR_NO_NETWORK_PORT : RPC_ERR_NO_NETWORK,
                  false, err);
}

/* {"net": {name, uuid}, "uuid": port uuid} */
static json_t *port_ref(rpc_client *c, const char *netname, const char *port_uuid, rpc_error *err)
{
    json_t *net = lookup_name(c, netname, err);
    if (!net)
        return NULL;
    return json_pack("{soss}", "net", net, "uuid", port_uuid);
}

static json_t *h_port_list(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    json_t *net = lookup_name(c, a->net.name, err);
    json_t *r = net ? port_op(c, "port-list", &a->net, NULL, err) : NULL;
    if (!r) {
        json_decref(net);
        return NULL;
    }
    json_t *ports = json_object_get(r, "ports");
    json_t *out = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(ports, i, p)
    {
        json_array_append_new(out,
                              json_pack("{sOsO}", "net", net, "uuid", json_object_get(p, "uuid")));
    }
    json_t *o = json_pack("{sI}", "ret", (json_int_t)json_array_size(out));
    json_object_set_new(o, "ports", a->i1 ? out : json_array());
    if (!a->i1)
        json_decref(out);
    json_decref(r);
    json_decref(net);
    return o;
}

static json_t *h_port_lookup(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    json_t *r = port_op(c, "port-dumpxml", &a->net, a->uuid, err);
    if (!r)
        return NULL;
    json_t *o = port_ref(c, a->net.name, json_string_value(json_object_get(r, "uuid")), err);
    json_decref(r);
    return o;
}

static json_t *h_port_create(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    if (!check_flags(a->flags, 3 /* RECLAIM | VALIDATE */, err))
        return NULL;
    json_t *req = proto_request("port-create");
    json_object_set_new(req, "name", json_string(a->net.name));
    json_object_set_new(req, "xml", json_string(a->str));
    json_object_set_new(req, "reclaim", json_boolean(a->flags & 1));
    json_t *r = run_op(c, req, RPC_ERR_NO_NETWORK, true, err);
    if (!r)
        return NULL;
    json_t *o = port_ref(c, a->net.name, json_string_value(json_object_get(r, "uuid")), err);
    json_decref(r);
    return o;
}

static json_t *h_port_xml(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    json_t *r = port_op(c, "port-dumpxml", &a->port.net, a->port.uuid, err);
    if (!r)
        return NULL;
    json_t *o = json_pack("{sO}", "v", json_object_get(r, "xml"));
    json_decref(r);
    return o;
}

static json_t *h_port_delete(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    json_t *r = port_op(c, "port-delete", &a->port.net, a->port.uuid, err);
    json_decref(r);
    return r ? json_object() : NULL;
}

/* Bandwidth parameters, as libvirt's network driver reports them: those of
 * the port's <bandwidth> (its own, or its portgroup's, which the hypervisor
 * applies on its device; none without one), whatever nparams the client sent
 * (the API allocates the list). Changing them is refused: vnet does not
 * re-shape a plugged port. */
static json_t *h_port_get_params(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    json_t *r = port_op(c, "port-dumpxml", &a->port.net, a->port.uuid, err);
    if (!r)
        return NULL;
    json_t *params = json_incref(json_object_get(r, "bandwidth"));
    json_decref(r);
    return json_pack("{sosi}", "params", params, "nparams", (int)json_array_size(params));
}

static json_t *h_port_set_params(rpc_client *c, const rpc_args *a, rpc_error *err)
{
    json_t *r = port_op(c, "port-dumpxml", &a->port.net, a->port.uuid, err);
    if (!r)
        return NULL;
    json_decref(r);
    for (uint32_t i = 0; i < a->n_params; i++) {
        const rpc_param *tp = &a->params[i];
        bool zero = (tp->type == RPC_PARAM_UINT && tp->v.ui == 0) ||
                    (tp->type == RPC_PARAM_ULLONG && tp->v.ul == 0) ||
                    (tp->type == RPC_PARAM_INT && tp->v.i == 0);
        if (zero)
            continue;
        rpc_error_set(err, RPC_ERR_NO_SUPPORT, RPC_FROM_NETWORK,
                      "this function is not supported by the connection driver: "
                      "vnet does not shape port bandwidth (parameter '%s')",
                      tp->field);
        return NULL;
    }
    return json_object();
}

/* ---- table ---- */

typedef struct proc_impl {
    int32_t proc;
    handler_fn fn; /* NULL: enc writes the reply from the call (rpc_call_ctx) */
    rpc_body_fn enc;
} proc_impl;

static const proc_impl impls[] = {
    {1, h_open, NULL},
    {2, h_void, NULL},
    {3, h_get_type, enc_string},
    {4, h_version, enc_uhyper},
    {36, h_list_defined, enc_names},
    {38, h_list_active, enc_names},
    {39, h_create, NULL},
    {40, h_create_xml, enc_network},
    {41, h_define, enc_network},
    {42, h_destroy, NULL},
    {43, h_xml_desc, enc_string},
    {44, h_get_autostart, enc_int},
    {45, h_bridge_name, enc_string},
    {46, h_lookup_name, enc_network},
    {47, h_lookup_uuid, enc_network},
    {48, h_set_autostart, NULL},
    {49, h_undefine, NULL},
    {50, h_num_defined, enc_int},
    {52, h_num_active, enc_int},
    {59, h_hostname, enc_string},
    {60, h_supports_feature, enc_int},
    {66, h_auth_list, enc_int_list},
    {110, h_uri, enc_string},
    {149, h_true, enc_int},
    {152, h_is_active, enc_int},
    {153, h_is_persistent, enc_int},
    {157, h_version, enc_uhyper},
    {283, NULL, direct_list_all},
    {291, h_update, NULL},
    {313, h_event_register, enc_int},
    {314, h_event_deregister, NULL},
    {341, h_leases, enc_leases},
    {360, h_void, NULL},
    {361, h_void, NULL},
    {404, h_port_list, enc_port_list},
    {405, h_port_lookup, enc_port},
    {406, h_port_create, enc_port},
    {407, h_port_get_params, enc_params},
    {408, h_port_set_params, NULL},
    {409, h_port_xml, enc_string},
    {410, h_port_delete, NULL},
    {419, h_void, NULL},
    {432, h_define, enc_network},
    {437, h_create_xml, enc_network},
    {444, h_md_set, NULL},
    {445, h_md_get, enc_string},
};

int rpc_dispatch_call(rpc_client *c, const rpc_proc_info *p, const rpc_args *a, json_t **ret_res,
                      rpc_body_fn *ret_enc, rpc_error *err)
{
    for (size_t i = 0; i < ARRAY_SIZE(impls); i++) {
        if (impls[i].proc != p->proc)
            continue;
        if (!impls[i].fn) {
            *ret_res = NULL;
            *ret_enc = impls[i].enc;
            return 1;
        }
        json_t *res = impls[i].fn(c, a, err);
        if (!res && err->message)
            return -1;
        if (res == pending_result())
            return 2;
        *ret_res = res;
        *ret_enc = impls[i].enc;
        return 0;
    }
    rpc_error_set(err, RPC_ERR_NO_SUPPORT, RPC_FROM_RPC,
                  "this function is not supported by the connection driver: %s", p->name);
    return -1;
}

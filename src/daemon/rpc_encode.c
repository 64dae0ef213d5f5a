/* Reply bodies: the JSON results of the handlers written as libvirt's XDR
 * layouts (remote_protocol.x): networks, lists with their count, DHCP leases,
 * ports and typed parameters. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "conf/netdef.h"
#include "daemon/rpc_encode.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static bool json_network(const json_t *o, rpc_network *n)
{
    n->name = (char *)json_string_value(json_object_get(o, "name"));
    const char *u = json_string_value(json_object_get(o, "uuid"));
    return n->name && u && netdef_uuid_parse(u, n->uuid) == 0;
}

bool enc_int(XDR *x, const void *arg)
{
    int32_t v = (int32_t)json_integer_value(json_object_get(arg, "v"));
    return xdr_int(x, &v);
}

bool enc_uhyper(XDR *x, const void *arg)
{
    uint64_t v = (uint64_t)json_integer_value(json_object_get(arg, "v"));
    return xdr_uint64_t(x, &v);
}

bool enc_string(XDR *x, const void *arg)
{
    char *s = (char *)json_string_value(json_object_get(arg, "v"));
    return rpc_xdr_string(x, &s);
}

bool enc_network(XDR *x, const void *arg)
{
    rpc_network n;
    return json_network(arg, &n) && rpc_xdr_network(x, &n);
}

bool enc_int_list(XDR *x, const void *arg)
{
    json_t *arr = json_object_get(arg, "v");
    uint32_t n = (uint32_t)json_array_size(arr);
    if (!xdr_u_int(x, &n))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        int32_t v = (int32_t)json_integer_value(json_array_get(arr, i));
        if (!xdr_int(x, &v))
            return false;
    }
    return true;
}

bool enc_names(XDR *x, const void *arg)
{
    json_t *arr = json_object_get(arg, "v");
    uint32_t n = (uint32_t)json_array_size(arr);
    if (!xdr_u_int(x, &n))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        char *s = (char *)json_string_value(json_array_get(arr, i));
        if (!rpc_xdr_string(x, &s))
            return false;
    }
    return true;
}

/* nets<> then the unsigned count */
static bool json_port(const json_t *o, rpc_port *p)
{
    const char *u = json_string_value(json_object_get(o, "uuid"));
    return json_network(json_object_get(o, "net"), &p->net) && u &&
           netdef_uuid_parse(u, p->uuid) == 0;
}

bool enc_port(XDR *x, const void *arg)
{
    rpc_port p;
    return json_port(arg, &p) && rpc_xdr_port(x, &p);
}

bool enc_port_list(XDR *x, const void *arg)
{
    json_t *arr = json_object_get(arg, "ports");
    uint32_t n = (uint32_t)json_array_size(arr);
    uint32_t ret = (uint32_t)json_integer_value(json_object_get(arg, "ret"));
    if (!xdr_u_int(x, &n))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        rpc_port p;
        if (!json_port(json_array_get(arr, i), &p) || !rpc_xdr_port(x, &p))
            return false;
    }
    return xdr_u_int(x, &ret);
}

/* remote_network_dhcp_lease: iface, hyper expirytime, int type, mac?, iaid?,
 * ipaddr, uint prefix, hostname?, clientid? — then the unsigned count. */
bool enc_leases(XDR *x, const void *arg)
{
    json_t *arr = json_object_get(arg, "leases");
    uint32_t n = (uint32_t)json_array_size(arr);
    uint32_t ret = (uint32_t)json_integer_value(json_object_get(arg, "ret"));
    char *iface = (char *)json_string_value(json_object_get(arg, "iface"));
    if (!xdr_u_int(x, &n))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        json_t *l = json_array_get(arr, i);
        int64_t expiry = json_integer_value(json_object_get(l, "expiry"));
        const char *type = json_string_value(json_object_get(l, "type"));
        int32_t t = type && streq(type, "ipv6") ? 1 : 0;
        char *mac = (char *)json_string_value(json_object_get(l, "mac"));
        json_t *iaid_j = json_object_get(l, "iaid");
        _cleanup_free_ char *iaid = json_is_integer(iaid_j)
                                        ? xasprintf("%lld", (long long)json_integer_value(iaid_j))
                                        : NULL;
        char *ip = (char *)json_string_value(json_object_get(l, "ip"));
        uint32_t prefix = (uint32_t)json_integer_value(json_object_get(l, "prefix"));
        char *host = (char *)json_string_value(json_object_get(l, "hostname"));
        char *cid = (char *)json_string_value(json_object_get(l, "client_id"));
        char *empty = (char *)"";
        if (!rpc_xdr_string(x, iface ? &iface : &empty) || !xdr_int64_t(x, &expiry) ||
            !xdr_int(x, &t) || !rpc_xdr_string_opt(x, &mac) || !rpc_xdr_string_opt(x, &iaid) ||
            !rpc_xdr_string(x, ip ? &ip : &empty) || !xdr_u_int(x, &prefix) ||
            !rpc_xdr_string_opt(x, &host) || !rpc_xdr_string_opt(x, &cid))
            return false;
    }
    return xdr_u_int(x, &ret);
}

/* typed params<> then int nparams (remote_network_port_get_parameters_ret) */
bool enc_params(XDR *x, const void *arg)
{
    json_t *arr = json_object_get(arg, "params");
    uint32_t n = (uint32_t)json_array_size(arr);
    int32_t np = (int32_t)json_integer_value(json_object_get(arg, "nparams"));
    if (!xdr_u_int(x, &n))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        json_t *p = json_array_get(arr, i);
        rpc_param tp = {.field = (char *)json_string_value(json_object_get(p, "field")),
                        .type = RPC_PARAM_UINT,
                        .v.ui = (uint32_t)json_integer_value(json_object_get(p, "value"))};
        if (!tp.field || !rpc_xdr_param(x, &tp))
            return false;
    }
    return xdr_int(x, &np);
}

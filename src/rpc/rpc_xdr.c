/* XDR encodings of libvirt's value types and of the procedure arguments vnet
 * decodes. Decoders check every count against the bytes left before
 * allocating, so a hostile length cannot make us allocate more than the
 * message itself. */
#include <stdlib.h>
#include <string.h>

#include "rpc/rpc.h"

/* Bytes left in a memory stream (xdrmem keeps the count in x_handy). */
static size_t xdr_left(XDR *x)
{
    return x->x_handy;
}

bool rpc_xdr_int(XDR *x, int32_t *v)
{
    return xdr_int(x, v);
}

bool rpc_xdr_uint(XDR *x, uint32_t *v)
{
    return xdr_u_int(x, v);
}

bool rpc_xdr_string(XDR *x, char **s)
{
    if (x->x_op == XDR_DECODE) {
        u_int pos = XDR_GETPOS(x);
        uint32_t n;
        if (!xdr_u_int(x, &n) || n > RPC_STRING_MAX || ((n + 3) & ~3u) > xdr_left(x))
            return false;
        XDR_SETPOS(x, pos);
        *s = NULL;
    }
    if (x->x_op == XDR_ENCODE && !*s)
        return false;
    return xdr_string(x, s, RPC_STRING_MAX);
}

bool rpc_xdr_string_opt(XDR *x, char **s)
{
    bool_t present = x->x_op == XDR_ENCODE ? *s != NULL : FALSE;
    if (!xdr_bool(x, &present))
        return false;
    if (!present) {
        if (x->x_op == XDR_DECODE)
            *s = NULL;
        return true;
    }
    return rpc_xdr_string(x, s);
}

bool rpc_xdr_uuid(XDR *x, uint8_t uuid[16])
{
    return xdr_opaque(x, (char *)uuid, 16);
}

bool rpc_xdr_network(XDR *x, rpc_network *n)
{
    return rpc_xdr_string(x, &n->name) && rpc_xdr_uuid(x, n->uuid);
}

bool rpc_xdr_network_opt(XDR *x, rpc_network **n)
{
    bool_t present = x->x_op == XDR_ENCODE ? *n != NULL : FALSE;
    if (!xdr_bool(x, &present))
        return false;
    if (!present) {
        if (x->x_op == XDR_DECODE)
            *n = NULL;
        return true;
    }
    if (x->x_op == XDR_DECODE)
        *n = calloc(1, sizeof(**n));
    return *n && rpc_xdr_network(x, *n);
}

bool rpc_xdr_port(XDR *x, rpc_port *p)
{
    return rpc_xdr_network(x, &p->net) && rpc_xdr_uuid(x, p->uuid);
}

bool rpc_xdr_param(XDR *x, rpc_param *p)
{
    if (!rpc_xdr_string(x, &p->field) || !xdr_int(x, &p->type))
        return false;
    switch (p->type) {
    case RPC_PARAM_INT:
        return xdr_int(x, &p->v.i);
    case RPC_PARAM_UINT:
        return xdr_u_int(x, &p->v.ui);
    case RPC_PARAM_LLONG:
        return xdr_int64_t(x, &p->v.l);
    case RPC_PARAM_ULLONG:
        return xdr_uint64_t(x, &p->v.ul);
    case RPC_PARAM_DOUBLE:
        return xdr_double(x, &p->v.d);
    case RPC_PARAM_BOOLEAN:
        return xdr_int(x, &p->v.b);
    case RPC_PARAM_STRING:
        return rpc_xdr_string(x, &p->v.s);
    default:
        return false;
    }
}

void rpc_network_clear(rpc_network *n)
{
    free(n->name);
    n->name = NULL;
}

void rpc_params_free(rpc_param *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++) {
        free(p[i].field);
        if (p[i].type == RPC_PARAM_STRING)
            free(p[i].v.s);
    }
    free(p);
}

static bool decode_params(XDR *x, rpc_args *a)
{
    uint32_t n;
    /* each parameter takes at least 12 bytes (empty field, type, int) */
    if (!xdr_u_int(x, &n) || n > RPC_PARAMS_MAX || (size_t)n * 12 > xdr_left(x))
        return false;
    a->params = calloc(n ? n : 1, sizeof(*a->params));
    if (!a->params)
        return false;
    a->n_params = n;
    for (uint32_t i = 0; i < n; i++) {
        a->params[i].type = 0;
        if (!rpc_xdr_param(x, &a->params[i]))
            return false;
    }
    return true;
}

static bool decode_layout(XDR *x, rpc_args_layout layout, rpc_args *a)
{
    switch (layout) {
    case RPC_ARGS_NONE:
        return true;
    case RPC_ARGS_OPEN:
        return rpc_xdr_string_opt(x, &a->str) && xdr_u_int(x, &a->flags);
    case RPC_ARGS_INT:
        return xdr_int(x, &a->i1);
    case RPC_ARGS_NAME:
    case RPC_ARGS_XML:
        return rpc_xdr_string(x, &a->str);
    case RPC_ARGS_UUID:
        return rpc_xdr_uuid(x, a->uuid);
    case RPC_ARGS_XML_FLAGS:
        return rpc_xdr_string(x, &a->str) && xdr_u_int(x, &a->flags);
    case RPC_ARGS_NET:
        return (a->has_net = rpc_xdr_network(x, &a->net));
    case RPC_ARGS_NET_FLAGS:
        return (a->has_net = rpc_xdr_network(x, &a->net)) && xdr_u_int(x, &a->flags);
    case RPC_ARGS_NET_INT:
        return (a->has_net = rpc_xdr_network(x, &a->net)) && xdr_int(x, &a->i1);
    case RPC_ARGS_LIST:
        return xdr_int(x, &a->i1) && xdr_u_int(x, &a->flags);
    case RPC_ARGS_UPDATE:
        return (a->has_net = rpc_xdr_network(x, &a->net)) && xdr_u_int(x, &a->u1) &&
               xdr_u_int(x, &a->u2) && xdr_int(x, &a->i1) && rpc_xdr_string(x, &a->str) &&
               xdr_u_int(x, &a->flags);
    case RPC_ARGS_LEASES:
        return (a->has_net = rpc_xdr_network(x, &a->net)) && rpc_xdr_string_opt(x, &a->mac) &&
               xdr_int(x, &a->i1) && xdr_u_int(x, &a->flags);
    case RPC_ARGS_EVENT_REG: {
        rpc_network *n = NULL;
        bool ok = xdr_int(x, &a->i1) && rpc_xdr_network_opt(x, &n);
        if (n) {
            a->net = *n;
            a->has_net = true;
            free(n);
        }
        return ok;
    }
    case RPC_ARGS_PARAMS:
        return decode_params(x, a) && xdr_u_int(x, &a->flags);
    case RPC_ARGS_NET_LIST:
        return (a->has_net = rpc_xdr_network(x, &a->net)) && xdr_int(x, &a->i1) &&
               xdr_u_int(x, &a->flags);
    case RPC_ARGS_NET_UUID:
        return (a->has_net = rpc_xdr_network(x, &a->net)) && rpc_xdr_uuid(x, a->uuid);
    case RPC_ARGS_NET_XML:
        return (a->has_net = rpc_xdr_network(x, &a->net)) && rpc_xdr_string(x, &a->str) &&
               xdr_u_int(x, &a->flags);
    case RPC_ARGS_PORT_FLAGS:
        return rpc_xdr_port(x, &a->port) && xdr_u_int(x, &a->flags);
    case RPC_ARGS_PORT_PARAMS:
        return rpc_xdr_port(x, &a->port) && decode_params(x, a) && xdr_u_int(x, &a->flags);
    case RPC_ARGS_PORT_NPARAMS:
        return rpc_xdr_port(x, &a->port) && xdr_int(x, &a->i1) && xdr_u_int(x, &a->flags);
    case RPC_ARGS_MD_GET:
        return (a->has_net = rpc_xdr_network(x, &a->net)) && xdr_int(x, &a->i1) &&
               rpc_xdr_string_opt(x, &a->uri) && xdr_u_int(x, &a->flags);
    case RPC_ARGS_MD_SET:
        return (a->has_net = rpc_xdr_network(x, &a->net)) && xdr_int(x, &a->i1) &&
               rpc_xdr_string_opt(x, &a->str) && rpc_xdr_string_opt(x, &a->key) &&
               rpc_xdr_string_opt(x, &a->uri) && xdr_u_int(x, &a->flags);
    }
    return false;
}

bool rpc_args_decode(rpc_args_layout layout, const uint8_t *body, size_t len, rpc_args *ret)
{
    memset(ret, 0, sizeof(*ret));
    if (len > RPC_MESSAGE_MAX)
        return false;
    XDR x;
    xdrmem_create(&x, (char *)body, (u_int)len, XDR_DECODE);
    bool ok = decode_layout(&x, layout, ret) && XDR_GETPOS(&x) == len;
    xdr_destroy(&x);
    return ok;
}

void rpc_args_free(rpc_args *a)
{
    rpc_network_clear(&a->net);
    rpc_network_clear(&a->port.net);
    free(a->str);
    free(a->mac);
    free(a->key);
    free(a->uri);
    rpc_params_free(a->params, a->n_params);
    memset(a, 0, sizeof(*a));
}

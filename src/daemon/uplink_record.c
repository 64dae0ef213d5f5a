/* The persisted record of one uplink attachment, as JSON. */
#include <stdio.h>
#include <string.h>

#include "daemon/uplink.h"
#include "util/strbuf.h"

static void put_addr(json_t *o, const char *key, const vnet_addr *a)
{
    char buf[VNET_ADDR_STRLEN];
    if (vnet_addr_is_set(a))
        json_object_set_new(o, key, json_string(vnet_addr_str(a, buf)));
}

static json_t *lifetime_json(uint32_t v)
{
    return v == UPLINK_FOREVER ? json_string("forever") : json_integer(v);
}

static json_t *addr_json(const uplink_addr *a)
{
    json_t *o = json_object();
    put_addr(o, "address", &a->addr);
    json_object_set_new(o, "prefix", json_integer(a->prefix));
    put_addr(o, "peer", &a->peer);
    put_addr(o, "broadcast", &a->brd);
    json_object_set_new(o, "scope", json_integer(a->scope));
    json_object_set_new(o, "flags", json_integer(a->flags));
    json_object_set_new(o, "preferred", lifetime_json(a->preferred));
    json_object_set_new(o, "valid", lifetime_json(a->valid));
    if (a->label[0])
        json_object_set_new(o, "label", json_string(a->label));
    return o;
}

static json_t *route_json(const uplink_route *r)
{
    json_t *o = json_object();
    put_addr(o, "dst", &r->dst);
    json_object_set_new(o, "prefix", json_integer(r->prefix));
    put_addr(o, "gateway", &r->gateway);
    put_addr(o, "prefsrc", &r->prefsrc);
    json_object_set_new(o, "metric", json_integer(r->metric));
    json_object_set_new(o, "protocol", json_integer(r->protocol));
    json_object_set_new(o, "scope", json_integer(r->scope));
    json_object_set_new(o, "type", json_integer(r->type));
    json_object_set_new(o, "flags", json_integer(r->flags));
    return o;
}

json_t *uplink_record_to_json(const uplink_record *r)
{
    char mac[18];
    json_t *o = json_object();
    json_object_set_new(o, "nic", json_string(r->nic));
    json_object_set_new(o, "bridge", json_string(r->bridge));
    json_object_set_new(o, "state", json_string(r->confirmed ? "attached" : "trial"));
    json_object_set_new(o, "confirm_within", json_integer(r->confirm_within));
    json_object_set_new(o, "mac", json_string(vnet_mac_str(r->cfg.mac, mac)));
    json_object_set_new(o, "mtu", json_integer(r->cfg.mtu));
    json_t *addrs = json_array(), *routes = json_array();
    for (size_t i = 0; i < r->cfg.n_addrs; i++)
        json_array_append_new(addrs, addr_json(&r->cfg.addrs[i]));
    for (size_t i = 0; i < r->cfg.n_routes; i++)
        json_array_append_new(routes, route_json(&r->cfg.routes[i]));
    json_object_set_new(o, "addresses", addrs);
    json_object_set_new(o, "routes", routes);
    return o;
}

/* ---------------------------------------------------------------- parsing */

typedef struct rd {
    verr *err;
    const char *where; /* "address 2", "route 1", "record" */
    int failed;
} rd;

static int rd_fail(rd *x, const char *key, const char *what)
{
    if (!x->failed)
        verr_set(x->err, VERR_INVALID, "%s: field '%s' %s", x->where, key, what);
    x->failed = -1;
    return -1;
}

static long long rd_int(rd *x, json_t *o, const char *key, long long max)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
        return rd_fail(x, key, "is missing or out of range"), 0;
    return json_integer_value(v);
}

static void rd_addr(rd *x, json_t *o, const char *key, bool required, vnet_addr *ret)
{
    json_t *v = json_object_get(o, key);
    memset(ret, 0, sizeof(*ret));
    if (!v && !required)
        return;
    if (!json_is_string(v) || vnet_addr_parse(json_string_value(v), ret) < 0)
        rd_fail(x, key, "is not an IP address");
}

static uint32_t rd_lifetime(rd *x, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (json_is_string(v) && streq(json_string_value(v), "forever"))
        return UPLINK_FOREVER;
    return (uint32_t)rd_int(x, o, key, UPLINK_FOREVER - 1);
}

static void rd_one_addr(rd *x, json_t *o, uplink_addr *a)
{
    rd_addr(x, o, "address", true, &a->addr);
    a->prefix = (unsigned)rd_int(x, o, "prefix", 128);
    rd_addr(x, o, "peer", false, &a->peer);
    rd_addr(x, o, "broadcast", false, &a->brd);
    a->scope = (uint8_t)rd_int(x, o, "scope", 255);
    a->flags = (uint32_t)rd_int(x, o, "flags", UINT32_MAX);
    a->preferred = rd_lifetime(x, o, "preferred");
    a->valid = rd_lifetime(x, o, "valid");
    json_t *l = json_object_get(o, "label");
    if (json_is_string(l))
        snprintf(a->label, sizeof(a->label), "%s", json_string_value(l));
}

static void rd_one_route(rd *x, json_t *o, uplink_route *r)
{
    rd_addr(x, o, "dst", true, &r->dst);
    r->prefix = (unsigned)rd_int(x, o, "prefix", 128);
    rd_addr(x, o, "gateway", false, &r->gateway);
    rd_addr(x, o, "prefsrc", false, &r->prefsrc);
    r->metric = (uint32_t)rd_int(x, o, "metric", UINT32_MAX);
    r->protocol = (uint8_t)rd_int(x, o, "protocol", 255);
    r->scope = (uint8_t)rd_int(x, o, "scope", 255);
    r->type = (uint8_t)rd_int(x, o, "type", 255);
    r->flags = (uint32_t)rd_int(x, o, "flags", UINT32_MAX);
}

static int rd_name(rd *x, json_t *j, const char *key, char *ret)
{
    json_t *v = json_object_get(j, key);
    if (!json_is_string(v) || strlen(json_string_value(v)) == 0 ||
        strlen(json_string_value(v)) >= IF_NAMESIZE)
        return rd_fail(x, key, "is not an interface name");
    strcpy(ret, json_string_value(v));
    return 0;
}

static void rd_lists(rd *x, json_t *j, uplink_config *c)
{
    json_t *addrs = json_object_get(j, "addresses"), *routes = json_object_get(j, "routes"), *v;
    size_t i;
    char where[32];
    if (!json_is_array(addrs) || !json_is_array(routes)) {
        rd_fail(x, "addresses", "or 'routes' is not an array");
        return;
    }
    x->where = where;
    json_array_foreach(addrs, i, v)
    {
        snprintf(where, sizeof(where), "address %zu", i + 1);
        uplink_addr a = {{0}};
        rd_one_addr(x, v, &a);
        *(uplink_addr *)xarray_push(&c->addrs, &c->n_addrs, sizeof(a)) = a;
    }
    json_array_foreach(routes, i, v)
    {
        snprintf(where, sizeof(where), "route %zu", i + 1);
        uplink_route r = {{0}};
        rd_one_route(x, v, &r);
        *(uplink_route *)xarray_push(&c->routes, &c->n_routes, sizeof(r)) = r;
    }
    x->where = "record";
}

int uplink_record_from_json(json_t *j, uplink_record *ret, verr *err)
{
    rd x = {.err = err, .where = "record"};
    uplink_record r = {.confirm_within = 0};
    if (!json_is_object(j))
        return verr_set(err, VERR_INVALID, "record: not a JSON object");
    rd_name(&x, j, "nic", r.nic);
    rd_name(&x, j, "bridge", r.bridge);
    json_t *state = json_object_get(j, "state");
    if (!json_is_string(state) ||
        (!streq(json_string_value(state), "trial") && !streq(json_string_value(state), "attached")))
        rd_fail(&x, "state", "is not 'trial' or 'attached'");
    else
        r.confirmed = streq(json_string_value(state), "attached");
    r.confirm_within = (unsigned)rd_int(&x, j, "confirm_within", 86400);
    json_t *mac = json_object_get(j, "mac");
    if (!json_is_string(mac) || vnet_mac_parse(json_string_value(mac), r.cfg.mac) < 0)
        rd_fail(&x, "mac", "is not a MAC address");
    r.cfg.mtu = (unsigned)rd_int(&x, j, "mtu", 65535);
    if (!x.failed)
        rd_lists(&x, j, &r.cfg);
    if (x.failed) {
        uplink_config_free(&r.cfg);
        return -1;
    }
    *ret = r;
    return 0;
}

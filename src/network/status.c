#include "network/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "firewall/firewall.h"
#include "store/store.h"
#include "util/strbuf.h"

#define STATUS_VERSION 1

static json_t *strv_to_json(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static void strv_push(char ***v, size_t *n, const char *s)
{
    *(char **)xarray_push(v, n, sizeof(char *)) = xstrdup(s);
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static bool strv_equal(char *const *a, size_t na, char *const *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (!streq(a[i], b[i]))
            return false;
    return true;
}

/* {"devs": [...]} for direct modes, {"pcis": [...]} for hostdev, {} for a host bridge. */
static json_t *pool_to_json(const net_run *run, const netdef *def)
{
    json_t *pool = json_object();
    if (def->forward_mode == NETDEF_FWD_HOSTDEV)
        json_object_set_new(pool, "pcis", strv_to_json(run->pool_pcis, run->n_pool_pcis));
    else if (run->n_pool_devs || !(def->forward_mode == NETDEF_FWD_BRIDGE && def->bridge_name))
        json_object_set_new(pool, "devs", strv_to_json(run->pool_devs, run->n_pool_devs));
    return pool;
}

static void pool_from_json(const json_t *pool, net_run *run)
{
    if (!json_is_object(pool))
        return;
    run->pool = true;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(pool, "devs"), i, v)
    {
        if (json_is_string(v))
            strv_push(&run->pool_devs, &run->n_pool_devs, json_string_value(v));
    }
    json_array_foreach(json_object_get(pool, "pcis"), i, v)
    {
        if (json_is_string(v))
            strv_push(&run->pool_pcis, &run->n_pool_pcis, json_string_value(v));
    }
}

/* {"sum": KB/s, "classes": [{"class_id", "mac", "floor"}]} */
static json_t *floors_to_json(const net_run *run)
{
    json_t *a = json_array();
    for (size_t i = 0; i < run->n_floors; i++) {
        char mac[18];
        const netbw_floor *f = &run->floors[i];
        json_array_append_new(a,
                              json_pack("{sIsssI}", "class_id", (json_int_t)f->class_id, "mac",
                                        vnet_mac_str(f->mac, mac), "floor", (json_int_t)f->floor));
    }
    return json_pack("{sIso}", "sum", (json_int_t)netbw_floor_sum(run->floors, run->n_floors),
                     "classes", a);
}

static void floors_from_json(const json_t *o, net_run *run)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(o, "classes"), i, v)
    {
        netbw_floor f = {.class_id = (unsigned)json_integer_value(json_object_get(v, "class_id")),
                         .floor = (uint64_t)json_integer_value(json_object_get(v, "floor"))};
        const char *mac = json_string_value(json_object_get(v, "mac"));
        if (!mac || vnet_mac_parse(mac, f.mac) < 0 || f.class_id < NETBW_CLASS_MIN ||
            f.class_id > NETBW_CLASS_MAX || !f.floor)
            continue;
        *(netbw_floor *)xarray_push(&run->floors, &run->n_floors, sizeof(f)) = f;
    }
}

json_t *net_run_to_json(const net_run *run, const network_env *env, const netdef *def)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_integer(STATUS_VERSION));
    json_object_set_new(o, "bridge", json_string(run->bridge[0] ? run->bridge : def->bridge_name));
    json_object_set_new(o, "bridge_created", json_boolean(run->bridge_created));

    json_t *addrs = json_array();
    for (size_t i = 0; i < def->n_ips; i++) {
        char buf[VNET_ADDR_STRLEN];
        char *s = xasprintf("%s/%u", vnet_addr_str(&def->ips[i].address, buf), def->ips[i].prefix);
        json_array_append_new(addrs, json_string(s));
        free(s);
    }
    json_object_set_new(o, "addresses", addrs);

    if (run->firewall) {
        char table[64];
        char *t = xasprintf("inet %s", fw_table_name(def, table, sizeof(table)));
        json_object_set_new(o, "firewall_table", json_string(t));
        if (run->fw_digest[0])
            json_object_set_new(o, "firewall_digest", json_string(run->fw_digest));
        free(t);
    } else {
        json_object_set_new(o, "firewall_table", json_null());
    }

    if (run->dnsmasq_files) {
        json_t *d = json_object();
        char *conf = store_dnsmasq_path(env->paths, def->name, "conf");
        json_object_set_new(d, "pid", json_integer(run->dnsmasq_pid));
        json_object_set_new(d, "conf", json_string(conf));
        json_object_set_new(o, "dnsmasq", d);
        free(conf);
    } else {
        json_object_set_new(o, "dnsmasq", json_null());
    }

    json_t *sys = json_array();
    for (size_t i = 0; i < run->n_sysctls; i++)
        json_array_append_new(sys, json_string(run->sysctls[i]));
    json_object_set_new(o, "sysctls_enabled", sys);
    if (run->pool)
        json_object_set_new(o, "pool", pool_to_json(run, def));
    if (run->n_floors)
        json_object_set_new(o, "floor", floors_to_json(run));
    json_object_set_new(o, "updated", json_integer((json_int_t)time(NULL)));
    return o;
}

void net_run_from_json(const json_t *status, net_run *run)
{
    memset(run, 0, sizeof(*run));
    if (!json_is_object(status))
        return;
    const char *bridge = json_string_value(json_object_get(status, "bridge"));
    if (bridge)
        snprintf(run->bridge, sizeof(run->bridge), "%s", bridge);
    run->bridge_created = json_is_true(json_object_get(status, "bridge_created"));
    run->firewall = json_is_string(json_object_get(status, "firewall_table"));
    const char *digest = json_string_value(json_object_get(status, "firewall_digest"));
    if (digest)
        snprintf(run->fw_digest, sizeof(run->fw_digest), "%s", digest);
    json_t *d = json_object_get(status, "dnsmasq");
    if (json_is_object(d)) {
        run->dnsmasq_files = true;
        run->dnsmasq_pid = (pid_t)json_integer_value(json_object_get(d, "pid"));
    }
    json_t *sys = json_object_get(status, "sysctls_enabled");
    size_t i;
    json_t *v;
    json_array_foreach(sys, i, v)
    {
        if (json_is_string(v))
            net_run_note_sysctl(run, json_string_value(v));
    }
    pool_from_json(json_object_get(status, "pool"), run);
    floors_from_json(json_object_get(status, "floor"), run);
}

void net_run_note_sysctl(net_run *run, const char *path)
{
    char **slot = xarray_push(&run->sysctls, &run->n_sysctls, sizeof(char *));
    *slot = xstrdup(path);
}

void net_run_copy(net_run *dst, const net_run *src)
{
    *dst = *src;
    dst->sysctls = NULL;
    dst->n_sysctls = 0;
    for (size_t i = 0; i < src->n_sysctls; i++)
        net_run_note_sysctl(dst, src->sysctls[i]);
    dst->pool_devs = NULL;
    dst->n_pool_devs = 0;
    dst->pool_pcis = NULL;
    dst->n_pool_pcis = 0;
    for (size_t i = 0; i < src->n_pool_devs; i++)
        strv_push(&dst->pool_devs, &dst->n_pool_devs, src->pool_devs[i]);
    for (size_t i = 0; i < src->n_pool_pcis; i++)
        strv_push(&dst->pool_pcis, &dst->n_pool_pcis, src->pool_pcis[i]);
    dst->floors = NULL;
    dst->n_floors = 0;
    for (size_t i = 0; i < src->n_floors; i++)
        *(netbw_floor *)xarray_push(&dst->floors, &dst->n_floors, sizeof(netbw_floor)) =
            src->floors[i];
}

static bool floors_equal(const net_run *a, const net_run *b)
{
    if (a->n_floors != b->n_floors)
        return false;
    for (size_t i = 0; i < a->n_floors; i++) {
        const netbw_floor *x = &a->floors[i], *y = &b->floors[i];
        if (x->class_id != y->class_id || x->floor != y->floor || memcmp(x->mac, y->mac, 6))
            return false;
    }
    return true;
}

bool net_run_equal(const net_run *a, const net_run *b)
{
    if (!streq(a->bridge, b->bridge) || a->bridge_created != b->bridge_created ||
        a->firewall != b->firewall || !streq(a->fw_digest, b->fw_digest) ||
        a->dnsmasq_files != b->dnsmasq_files || a->dnsmasq_pid != b->dnsmasq_pid ||
        a->n_sysctls != b->n_sysctls || a->pool != b->pool ||
        !strv_equal(a->pool_devs, a->n_pool_devs, b->pool_devs, b->n_pool_devs) ||
        !strv_equal(a->pool_pcis, a->n_pool_pcis, b->pool_pcis, b->n_pool_pcis) ||
        !floors_equal(a, b))
        return false;
    for (size_t i = 0; i < a->n_sysctls; i++)
        if (!streq(a->sysctls[i], b->sysctls[i]))
            return false;
    return true;
}

void net_run_clear(net_run *run)
{
    for (size_t i = 0; i < run->n_sysctls; i++)
        free(run->sysctls[i]);
    free(run->sysctls);
    strv_free(run->pool_devs, run->n_pool_devs);
    strv_free(run->pool_pcis, run->n_pool_pcis);
    free(run->floors);
    memset(run, 0, sizeof(*run));
}

char *net_pidfile_path(const vnet_paths *paths, const char *name)
{
    return xasprintf("%s/%s.pid", paths->run_dir, name);
}

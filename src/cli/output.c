#include "cli/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/table.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static bool quiet;

void output_set_quiet(bool q)
{
    quiet = q;
}

/* Field accessors that tolerate a missing or mistyped field. */
static const char *get_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool get_bool(json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

static long long get_int(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static const char *yes_no(bool b)
{
    return b ? "yes" : "no";
}

/* What the list shows of one network, from a network summary or from a row
 * of `list` with "rows" (docs/protocol.md). */
typedef struct list_entry {
    const char *name, *uuid, *title;
    bool active, persistent, autostart;
} list_entry;

static const char *str_or_null(json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* false: neither a summary nor a row */
static bool list_entry_of(json_t *n, list_entry *e)
{
    if (json_is_object(n)) {
        *e = (list_entry){get_str(n, "name"),        get_str(n, "uuid"),
                          get_str(n, "title"),       get_bool(n, "active"),
                          get_bool(n, "persistent"), get_bool(n, "autostart")};
        return true;
    }
    if (!json_is_array(n) || json_array_size(n) < 6)
        return false;
    *e = (list_entry){str_or_null(json_array_get(n, 0)),  str_or_null(json_array_get(n, 1)),
                      str_or_null(json_array_get(n, 5)),  json_is_true(json_array_get(n, 2)),
                      json_is_true(json_array_get(n, 3)), json_is_true(json_array_get(n, 4))};
    return true;
}

static bool list_wants(const list_entry *e, const output_list_opts *o)
{
    if (o->inactive && !o->all && e->active)
        return false;
    if (!o->inactive && !o->all && !e->active)
        return false;
    if (o->persistent != o->transient && e->persistent != o->persistent)
        return false;
    if (o->autostart != o->no_autostart && e->autostart != o->autostart)
        return false;
    return true;
}

json_t *output_list_filter(json_t *networks, const output_list_opts *o)
{
    json_t *out = json_array();
    size_t i;
    json_t *n;
    list_entry e;
    json_array_foreach(networks, i, n)
    {
        if (list_entry_of(n, &e) && list_wants(&e, o))
            json_array_append(out, n);
    }
    return out;
}

static void list_line(strbuf *b, const list_entry *e, const output_list_opts *o)
{
    _cleanup_free_ char *name = table_escape(e->name);
    _cleanup_free_ char *uuid = table_escape(e->uuid);
    if (o->name && o->uuid)
        strbuf_addf(b, "%-36s  %s\n", uuid, name);
    else
        strbuf_addf(b, "%s\n", o->uuid ? uuid : name);
}

char *output_list(json_t *networks, const output_list_opts *o)
{
    static const char *headers[] = {"Name", "State", "Autostart", "Persistent", "Title"};
    _cleanup_(table_freep) table *t = table_new(o->title ? 5 : 4, headers);
    strbuf lines = STRBUF_INIT;
    size_t i;
    json_t *n;
    list_entry e;
    json_array_foreach(networks, i, n)
    {
        if (!list_entry_of(n, &e) || !list_wants(&e, o))
            continue;
        if (o->name || o->uuid) {
            list_line(&lines, &e, o);
            continue;
        }
        const char *row[] = {e.name, e.active ? "active" : "inactive", yes_no(e.autostart),
                             yes_no(e.persistent), e.title ? e.title : ""};
        table_add_row(t, row);
    }
    if (o->name || o->uuid)
        return strbuf_take(&lines);
    return table_format(t, !quiet);
}

char *output_info(json_t *n)
{
    strbuf b = STRBUF_INIT;
    const char *bridge = get_str(n, "bridge");
    const char *lines[][2] = {
        {"Name:", get_str(n, "name")},
        {"UUID:", get_str(n, "uuid")},
        {"Active:", yes_no(get_bool(n, "active"))},
        {"Persistent:", yes_no(get_bool(n, "persistent"))},
        {"Autostart:", yes_no(get_bool(n, "autostart"))},
        {"Bridge:", bridge && *bridge ? bridge : NULL},
        {"Bridge state:", get_str(n, "bridge_state")}, /* host bridges only (vnet) */
    };
    for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
        if (!lines[i][1])
            continue; /* no bridge (e.g. a macvtap pool): no line, as virsh */
        _cleanup_free_ char *v = table_escape(lines[i][1]);
        strbuf_addf(&b, "%-15s %s\n", lines[i][0], v);
    }
    /* only when it matters: drift repairs are being paced */
    json_t *rep = json_object_get(n, "repair");
    if (get_bool(rep, "throttled"))
        strbuf_addf(&b,
                    "%-15s throttled: something keeps changing it; next repair within %lld ms\n",
                    "Repairs:", (long long)json_integer_value(json_object_get(rep, "backoff_ms")));
    return strbuf_take(&b);
}

const char *output_expiry(long long epoch, char *buf, size_t size)
{
    if (epoch == 0) {
        snprintf(buf, size, "never");
        return buf;
    }
    time_t t = (time_t)epoch;
    struct tm tm;
    if (!localtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        snprintf(buf, size, "%lld", epoch);
    return buf;
}

static int cmp_field(json_t *a, json_t *b, const char *key)
{
    const char *sa = get_str(a, key), *sb = get_str(b, key);
    return strcasecmp(sa ? sa : "", sb ? sb : "");
}

/* By MAC as virsh does; ties (a guest with v4 and v6 leases) by type, then IP,
 * so the order never depends on qsort's instability. */
static int cmp_lease(const void *pa, const void *pb)
{
    json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    int r = cmp_field(a, b, "mac");
    if (r == 0)
        r = cmp_field(a, b, "type");
    if (r == 0)
        r = cmp_field(a, b, "ip");
    return r;
}

json_t *output_leases_select(json_t *leases, const char *mac)
{
    size_t n = 0, i;
    json_t *l;
    _cleanup_free_ json_t **v = xcalloc(json_array_size(leases) + 1, sizeof(json_t *));
    json_array_foreach(leases, i, l)
    {
        const char *m = get_str(l, "mac");
        if (json_is_object(l) && (!mac || (m && strcasecmp(m, mac) == 0)))
            v[n++] = l;
    }
    qsort(v, n, sizeof(json_t *), cmp_lease);
    json_t *out = json_array();
    for (i = 0; i < n; i++)
        json_array_append(out, v[i]);
    return out;
}

static char *lease_ip(json_t *l)
{
    const char *ip = get_str(l, "ip");
    if (!ip || !*ip)
        return NULL;
    json_t *p = json_object_get(l, "prefix");
    if (!json_is_integer(p))
        return xstrdup(ip);
    return xasprintf("%s/%lld", ip, (long long)json_integer_value(p));
}

static const char *dash_if_empty(const char *s)
{
    return s && *s ? s : "-";
}

char *output_leases(json_t *leases, const char *mac)
{
    static const char *headers[] = {"Expiry Time", "MAC address", "Protocol",
                                    "IP address",  "Hostname",    "Client ID or DUID"};
    _cleanup_(table_freep) table *t = table_new(6, headers);
    json_t *sel = output_leases_select(leases, mac);
    size_t i;
    json_t *l;
    json_array_foreach(sel, i, l)
    {
        char expiry[64];
        json_t *e = json_object_get(l, "expiry");
        _cleanup_free_ char *ip = lease_ip(l);
        const char *row[] = {
            json_is_integer(e) ? output_expiry(get_int(l, "expiry"), expiry, sizeof(expiry)) : "-",
            dash_if_empty(get_str(l, "mac")),
            dash_if_empty(get_str(l, "type")),
            dash_if_empty(ip),
            dash_if_empty(get_str(l, "hostname")),
            dash_if_empty(get_str(l, "client_id"))};
        table_add_row(t, row);
    }
    json_decref(sel);
    return table_format(t, !quiet);
}

/* "8080" or "8080-8089"; a missing or zero end means a single port. */
static char *port_text(long long start, long long end)
{
    if (start <= 0)
        return xstrdup("-");
    if (end <= start)
        return xasprintf("%lld", start);
    return xasprintf("%lld-%lld", start, end);
}

static void add_forward_row(table *t, json_t *f)
{
    long long port = get_int(f, "port"), port_end = get_int(f, "port_end");
    long long to_port = get_int(f, "to_port"), to_end = get_int(f, "to_port_end");
    if (to_port <= 0) { /* the guest port is the host port */
        to_port = port;
        to_end = port_end;
    } else if (to_end <= 0 && port_end > port) {
        to_end = to_port + (port_end - port);
    }
    const char *addr = get_str(f, "address");
    _cleanup_free_ char *hp = port_text(port, port_end);
    _cleanup_free_ char *gp = port_text(to_port, to_end);
    _cleanup_free_ char *packets = xasprintf("%lld", get_int(f, "packets"));
    _cleanup_free_ char *bytes = xasprintf("%lld", get_int(f, "bytes"));
    const char *row[] = {dash_if_empty(get_str(f, "proto")),
                         addr && *addr ? addr : "*",
                         hp,
                         dash_if_empty(get_str(f, "to_addr")),
                         gp,
                         packets,
                         bytes};
    table_add_row(t, row);
}

char *output_forwards(json_t *forwards)
{
    static const char *headers[] = {"Proto",         "Host address",  "Host port(s)",
                                    "Guest address", "Guest port(s)", "Packets",
                                    "Bytes"};
    _cleanup_(table_freep) table *t = table_new(7, headers);
    size_t i;
    json_t *f;
    json_array_foreach(forwards, i, f)
    {
        if (json_is_object(f))
            add_forward_row(t, f);
    }
    return table_format(t, !quiet);
}

char *output_json(json_t *value)
{
    char *s = json_dumps(value, JSON_INDENT(2) | JSON_ENCODE_ANY);
    char *out = xasprintf("%s\n", s ? s : "null");
    free(s);
    return out;
}

/* vnetd's OVN state: options, the chassis configuration in the local
 * Open_vSwitch table, and one NB monitor per active OVN network. A monitor
 * update that deletes a row carrying the network's vnet-network tag (someone
 * removed vnet's switch, router, DHCP options or a port) asks the reconciler
 * for a repair; the repair re-creates the objects and the ports' logical
 * switch ports. */
#include <string.h>
#include <time.h>

#include "daemon/events.h"
#include "daemon/ovn_daemon.h"
#include "daemon/ports.h"
#include "ovn/ovn_nb.h"
#include "ovn/ovn_network.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

typedef struct ovn_watch {
    vnetd *d;
    char *network;
    ovsdb *c;               /* NULL while disconnected */
    sd_event_source *src;   /* the connection's io */
    sd_event_source *timer; /* pending repair or reconnect */
} ovn_watch;

typedef struct ovn_state {
    ovn_opts opts;
    int sub;
    ovn_watch **w;
    size_t n;
} ovn_state;


const ovn_opts *ovn_daemon_opts(vnetd *d)
{
    return d->ovn ? &d->ovn->opts : NULL;
}

const char *ovn_daemon_bridge(vnetd *d)
{
    return d->ovn && d->ovn->opts.bridge ? d->ovn->opts.bridge : "br-int";
}

/* ---- chassis ---- */

static int chassis_configure(const ovn_opts *o, verr *err)
{
    json_t *kv = json_pack("{ssss}", "system-id", o->chassis, "ovn-encap-type",
                           o->encap_type ? o->encap_type : "geneve");
    if (o->encap_ip)
        json_object_set_new(kv, "ovn-encap-ip", json_string(o->encap_ip));
    if (o->sb)
        json_object_set_new(kv, "ovn-remote", json_string(o->sb));
    if (o->mappings)
        json_object_set_new(kv, "ovn-bridge-mappings", json_string(o->mappings));
    json_object_set_new(kv, "ovn-bridge", json_string(o->bridge ? o->bridge : "br-int"));
    json_t *keys = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(kv, k, v) json_array_append_new(keys, json_string(k));
    /* replace those keys, keep every other external_id */
    json_t *mut = json_pack("[[sso][sso]]", "external_ids", "delete", ovsdb_set(keys),
                            "external_ids", "insert", ovsdb_map(kv));
    json_t *ops = json_pack("[{sssss[]so}]", "op", "mutate", "table", "Open_vSwitch", "where",
                            "mutations", mut);
    _cleanup_(ovsdb_closep) ovsdb *c = NULL;
    if (ovsdb_connect(o->ovs_db, 5000, &c, err) < 0) {
        json_decref(ops);
        return verr_prefix(err, "configuring the OVN chassis");
    }
    if (ovsdb_transact(c, "Open_vSwitch", ops, NULL, err) < 0)
        return verr_prefix(err, "configuring the OVN chassis");
    return 0;
}

/* ---- NB monitors ---- */

#define OVN_REPAIR_DELAY_USEC (200ULL * 1000ULL)      /* coalesce a burst of deletions */
#define OVN_RECONNECT_USEC (2ULL * 1000ULL * 1000ULL) /* NB connection lost: retry */

static void watch_free(ovn_watch *w)
{
    sd_event_source_disable_unref(w->src);
    sd_event_source_disable_unref(w->timer);
    ovsdb_close(w->c);
    free(w->network);
    free(w);
}

static void watch_drop(vnetd *d, const char *network)
{
    ovn_state *s = d->ovn;
    for (size_t i = 0; i < s->n; i++) {
        if (!streq(s->w[i]->network, network))
            continue;
        watch_free(s->w[i]);
        memmove(&s->w[i], &s->w[i + 1], (s->n - i - 1) * sizeof(*s->w));
        s->n--;
        return;
    }
}

/* Did an update delete one of the network's rows? */
static bool deletes_ours(json_t *updates, const char *network)
{
    size_t i;
    json_t *params;
    json_array_foreach(updates, i, params)
    {
        const char *table;
        json_t *rows;
        json_object_foreach(json_array_get(params, 1), table, rows)
        {
            const char *uuid;
            json_t *ch;
            json_object_foreach(rows, uuid, ch)
            {
                json_t *old = json_object_get(ch, "old");
                if (!old || json_object_get(ch, "new"))
                    continue;
                const char *n = ovsdb_map_get(json_object_get(old, "external_ids"), "vnet-network");
                if (n && streq(n, network))
                    return true;
            }
        }
    }
    return false;
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata);

static void watch_schedule(ovn_watch *w, uint64_t delay)
{
    if (w->timer)
        return;
    int r =
        sd_event_add_time_relative(w->d->event, &w->timer, CLOCK_MONOTONIC, delay, 0, on_timer, w);
    if (r < 0)
        log_warn("network '%s': cannot arm the OVN repair timer: %s", w->network, strerror(-r));
}

static void watch_disconnect(ovn_watch *w)
{
    w->src = sd_event_source_disable_unref(w->src);
    ovsdb_close(w->c);
    w->c = NULL;
}

static int on_nb(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
    ovn_watch *w = userdata;
    verr e = VERR_INIT;
    int r = ovsdb_pump(w->c, &e);
    json_t *updates = ovsdb_take_updates(w->c);
    if (updates && deletes_ours(updates, w->network))
        watch_schedule(w, OVN_REPAIR_DELAY_USEC);
    json_decref(updates);
    if (r < 0) {
        log_warn("network '%s': OVN NB monitor lost (retrying): %s", w->network, e.msg);
        watch_disconnect(w);
        watch_schedule(w, OVN_RECONNECT_USEC);
    }
    return 0;
}

static int watch_connect(ovn_watch *w, const netdef *def, verr *e)
{
    json_t *req = json_object();
    static const char *const tables[] = {"Logical_Switch",
                                         "Logical_Switch_Port",
                                         "DHCP_Options",
                                         "DNS",
                                         "Logical_Router",
                                         "Logical_Router_Port",
                                         "NAT",
                                         "Gateway_Chassis",
                                         "Logical_Router_Static_Route",
                                         "Load_Balancer"};
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
        json_object_set_new(req, tables[i],
                            json_pack("{s[s]s{sbsbsbsb}}", "columns", "external_ids", "select",
                                      "initial", 0, "insert", 0, "delete", 1, "modify", 0));
    json_t *initial = NULL;
    int r = ovn_network_connect(def, &w->c, e);
    if (r == 0)
        r = ovsdb_monitor(w->c, OVN_NB_DB, "vnet", req, &initial, e);
    else
        json_decref(req);
    json_decref(initial);
    if (r == 0) {
        r = sd_event_add_io(w->d->event, &w->src, ovsdb_fd(w->c), EPOLLIN, on_nb, w);
        if (r < 0)
            verr_errno(e, -r, "watching the NB connection");
    }
    if (r < 0)
        watch_disconnect(w);
    return r < 0 ? -1 : 0;
}

/* Repair the network (re-creating what is missing) and this host's logical
 * switch ports: another host may have re-created the network first, the
 * ports are ours alone. */
static void watch_repair(vnetd *d, const char *name)
{
    vnet_net *net = registry_find(d, name);
    if (!net || !net_active(net) || !netdef_is_ovn(net->live))
        return;
    reconcile_repair_now(d, net, "vnet's objects were deleted from the OVN NB database");
    net = registry_find(d, name);
    if (net && net_active(net))
        ports_resync(d, net);
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
    ovn_watch *w = userdata;
    vnetd *d = w->d;
    w->timer = sd_event_source_disable_unref(w->timer);
    vnet_net *net = registry_find(d, w->network);
    if (!net || !net_active(net))
        return 0;
    if (!w->c) {
        verr e = VERR_INIT;
        if (watch_connect(w, net->live, &e) < 0) {
            watch_schedule(w, OVN_RECONNECT_USEC);
            return 0;
        }
        log_info("network '%s': OVN NB monitor reconnected", w->network);
    }
    _cleanup_free_ char *name = xstrdup(w->network); /* w may go during the repair */
    watch_repair(d, name);
    return 0;
}

static void watch_ensure(vnetd *d, vnet_net *net)
{
    ovn_state *s = d->ovn;
    for (size_t i = 0; i < s->n; i++)
        if (streq(s->w[i]->network, net->name))
            return;
    verr e = VERR_INIT;
    ovn_watch *w = xcalloc(1, sizeof(*w));
    w->d = d;
    w->network = xstrdup(net->name);
    *(ovn_watch **)xarray_push(&s->w, &s->n, sizeof(*s->w)) = w;
    if (watch_connect(w, net->live, &e) < 0) {
        log_warn("network '%s': no OVN NB monitor yet (retrying): %s", net->name, e.msg);
        watch_schedule(w, OVN_RECONNECT_USEC);
    }
}

static void on_event(vnetd *d, const vnet_event *ev, void *userdata)
{
    if (!ev->network)
        return;
    vnet_net *net = registry_find(d, ev->network);
    bool ovn_active = net && net_active(net) && netdef_is_ovn(net->live);
    if (ovn_active && (ev->type == VNET_EV_STARTED || ev->type == VNET_EV_REPAIRED ||
                       ev->type == VNET_EV_REPAIR_FAILED))
        watch_ensure(d, net);
    else if (!ovn_active || ev->type == VNET_EV_STOPPED) /* (sent before the state changes) */
        watch_drop(d, ev->network);
}

static char *dup_opt(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

int ovn_daemon_setup(vnetd *d, const ovn_opts *o, verr *err)
{
    ovn_state *s = xcalloc(1, sizeof(*s));
    d->ovn = s;
    s->opts = (ovn_opts){dup_opt(o->ovs_db),   dup_opt(o->sb),      dup_opt(o->encap_type),
                         dup_opt(o->encap_ip), dup_opt(o->chassis), dup_opt(o->bridge),
                         dup_opt(o->mappings)};
    s->sub = events_subscribe(d, on_event, NULL);
    if (o->chassis && !o->ovs_db)
        return verr_set(err, VERR_INVALID, "--ovn-chassis needs --ovs-db unix:PATH");
    /* --ovs-db alone is fine: Open vSwitch host bridges are asked there */
    if (o->chassis) {
        if (chassis_configure(o, err) < 0)
            return -1;
        log_info("OVN chassis '%s' configured in %s", o->chassis, o->ovs_db);
    }
    /* networks adopted at startup */
    for (size_t i = 0; i < d->n_nets; i++)
        if (net_active(d->nets[i]) && netdef_is_ovn(d->nets[i]->live))
            watch_ensure(d, d->nets[i]);
    return 0;
}

void ovn_daemon_close(vnetd *d)
{
    ovn_state *s = d->ovn;
    if (!s)
        return;
    if (s->sub > 0)
        events_unsubscribe(d, s->sub);
    for (size_t i = 0; i < s->n; i++)
        watch_free(s->w[i]);
    free(s->w);
    free((char *)s->opts.ovs_db);
    free((char *)s->opts.sb);
    free((char *)s->opts.encap_type);
    free((char *)s->opts.encap_ip);
    free((char *)s->opts.chassis);
    free((char *)s->opts.bridge);
    free((char *)s->opts.mappings);
    free(s);
    d->ovn = NULL;
}

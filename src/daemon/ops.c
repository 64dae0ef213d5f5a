/* Request ops: one function each, reply built from the in-memory registry.
 * A handler returns the reply object, or NULL with err set. */
#include <string.h>

#include "config.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/ovn_daemon.h"
#include "daemon/uplink.h"
#include "network/pool.h"
#include "daemon/ops_metadata.h"
#include "daemon/ports.h"
#include "proto/proto.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

static json_t *net_summary(const vnet_net *n, bool with_title)
{
    char ubuf[37];
    const netdef *def = net_current(n);
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(n->name));
    json_object_set_new(o, "uuid", json_string(netdef_uuid_str(def, ubuf)));
    json_object_set_new(o, "active", json_boolean(net_active(n)));
    json_object_set_new(o, "persistent", json_boolean(net_persistent(n)));
    json_object_set_new(o, "autostart", json_boolean(n->autostart));
    const char *br = net_bridge(n);
    if (netdef_is_ovn(def) && n->daemon) /* where its guests plug, as libvirt's OVS networks */
        br = ovn_daemon_bridge(n->daemon);
    json_object_set_new(o, "bridge", br ? json_string(br) : json_null());
    if (net_active(n))
        json_object_set_new(o, "repair", reconcile_repair_state(n));
    if (with_title && def->title)
        json_object_set_new(o, "title", json_string(def->title));
    json_t *problem = n->daemon ? reload_problem_of(n->daemon, n->name) : NULL;
    if (problem)
        json_object_set(o, "problem", problem);
    return o;
}

static json_t *op_ping(vnetd *d, json_t *req, verr *err)
{
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "version", json_string(VNET_VERSION));
    return r;
}

/* Every definition file with a problem, as an array (file, line, error). */
static json_t *problems_array(vnetd *d)
{
    json_t *arr = json_array();
    const char *name;
    json_t *p;
    json_object_foreach(d->def_problems, name, p)
    {
        json_t *o = json_deep_copy(p);
        json_object_set_new(o, "network", json_string(name));
        json_array_append_new(arr, o);
    }
    return arr;
}

/* [name, uuid, active, persistent, autostart, title or null]: what a table
 * of networks shows, in a fraction of a summary's size and parsing. */
static json_t *net_row(const vnet_net *n)
{
    char ubuf[37];
    const netdef *def = net_current(n);
    json_t *row = json_array();
    json_array_append_new(row, json_string(n->name));
    json_array_append_new(row, json_string(netdef_uuid_str(def, ubuf)));
    json_array_append_new(row, json_boolean(net_active(n)));
    json_array_append_new(row, json_boolean(net_persistent(n)));
    json_array_append_new(row, json_boolean(n->autostart));
    json_array_append_new(row, def->title ? json_string(def->title) : json_null());
    return row;
}

static json_t *op_list(vnetd *d, json_t *req, verr *err)
{
    bool rows = proto_get_bool(req, "rows", false);
    json_t *arr = json_array();
    for (size_t i = 0; i < d->n_nets; i++)
        json_array_append_new(arr, rows ? net_row(d->nets[i]) : net_summary(d->nets[i], true));
    json_t *r = proto_reply_ok();
    json_object_set_new(r, rows ? "rows" : "networks", arr);
    json_object_set_new(r, "problems", problems_array(d));
    return r;
}

static json_t *op_reload(vnetd *d, json_t *req, verr *err)
{
    json_t *summary = reload_definitions(d, err);
    if (!summary)
        return NULL;
    json_t *r = proto_reply_ok();
    json_object_update(r, summary);
    json_decref(summary);
    json_object_set_new(r, "problems", problems_array(d));
    return r;
}

static json_t *op_info(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    if (!n)
        return NULL;
    json_t *summary = net_summary(n, false);
    ops_info_details(d, n, summary);
    const char *br = net_bridge(n);
    if (!netdef_is_managed_bridge(net_current(n)) && br) {
        /* a host bridge vnet does not own: say whether it can take guests */
        char why[160];
        const char *state = network_bridge_state(br, why, sizeof(why));
        json_object_set_new(summary, "bridge_state", json_string(state ? state : "unknown"));
    }
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "network", summary);
    return r;
}

static json_t *op_lookup(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str_opt(req, "name");
    const char *uuid = proto_get_str_opt(req, "uuid");
    vnet_net *n;
    if (name) {
        /* by name only: virsh net-uuid takes a name, not a UUID */
        n = registry_find(d, name);
        if (!n)
            verr_set(err, VERR_NOT_FOUND, "Network not found: no network with matching name '%s'",
                     name);
    } else if (uuid) {
        uint8_t u[16];
        n = netdef_uuid_parse(uuid, u) == 0 ? registry_find_uuid(d, u) : NULL;
        if (!n)
            verr_set(err, VERR_NOT_FOUND, "Network not found: no network with matching uuid '%s'",
                     uuid);
    } else {
        verr_set(err, VERR_INVALID, "request field 'name' or 'uuid' is required");
        return NULL;
    }
    if (!n)
        return NULL;
    char ubuf[37];
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "name", json_string(n->name));
    json_object_set_new(r, "uuid", json_string(netdef_uuid_str(net_current(n), ubuf)));
    return r;
}

/* Parse a definition from a request and fill in what it leaves out (uuid,
 * MAC, bridge), checking it against the other networks. */
static netdef *parse_request_def(vnetd *d, json_t *req, vnet_net **ret_existing, verr *err)
{
    const char *xml = proto_get_str(req, "xml", err);
    if (!xml)
        return NULL;
    const char *source = proto_get_str_opt(req, "source");
    _cleanup_(netdef_freep) netdef *def = NULL;
    if (netdef_parse_string(xml, source ? source : "<request>", &def, err) < 0)
        return NULL;
    vnet_net *existing = registry_find(d, def->name);
    if (existing && def->has_uuid && memcmp(def->uuid, existing->uuid, 16) != 0) {
        char ubuf[37];
        netdef tmp = {.uuid = {0}};
        memcpy(tmp.uuid, existing->uuid, 16);
        verr_set(err, VERR_EXISTS, "operation failed: network '%s' already exists with uuid %s",
                 def->name, netdef_uuid_str(&tmp, ubuf));
        return NULL;
    }
    if (registry_fill_def(d, def, existing, err) < 0 ||
        registry_check_conflicts(d, def, true, err) < 0)
        return NULL;
    *ret_existing = existing;
    return TAKE_PTR(def);
}

/* Before the saved definition of an active network changes, its status file
 * must hold the running definition itself instead of referring to the saved
 * one: in this order, a crash in between cannot make the old running network
 * look as if it ran the new definition. */
int ops_detach_live(vnetd *d, vnet_net *n, verr *err)
{
    if (!n || !n->live || !n->live_is_config)
        return 0;
    n->live_is_config = false;
    if (registry_save_status(d, n, err) < 0) {
        n->live_is_config = true;
        return -1;
    }
    return 0;
}

static json_t *op_define(vnetd *d, json_t *req, verr *err)
{
    vnet_net *n = NULL;
    _cleanup_(netdef_freep) netdef *def = parse_request_def(d, req, &n, err);
    if (!def)
        return NULL;
    repairing_settle(n);
    if (starting_check_busy(n, err) < 0)
        return NULL;
    _cleanup_free_ char *warnings = netdef_warnings(def);
    if (ops_detach_live(d, n, err) < 0 || registry_save_config(d, def, err) < 0)
        return NULL;
    if (!n) {
        n = registry_add(d, def->name);
        memcpy(n->uuid, def->uuid, 16);
    } else if (!n->config && n->live) {
        /* A transient network becomes persistent: its status file says so. */
        n->config = TAKE_PTR(def);
        verr e = VERR_INIT;
        if (registry_save_status(d, n, &e) < 0)
            log_warn("%s", e.msg);
    }
    if (def) {
        netdef_free(n->config);
        n->config = TAKE_PTR(def);
    }
    log_info("network '%s' defined", n->name);
    events_emit_net(d, VNET_EV_DEFINED, n->name, n->uuid, NULL);
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "name", json_string(n->name));
    if (warnings)
        json_object_set_new(r, "warnings", json_string(warnings));
    return r;
}

/* Undefine: the saved definition and autostart link go. An active network
 * keeps running on its live definition, now transient (gone once destroyed),
 * as libvirt's network driver does. */
static json_t *op_undefine(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    if (!n)
        return NULL;
    if (!net_persistent(n)) {
        verr_set(err, VERR_BUSY,
                 "Requested operation is not valid: cannot undefine transient network");
        return NULL;
    }
    if (net_active(n)) {
        /* the status file must hold the live definition before the saved one goes */
        netdef *config = n->config;
        bool was_config = n->live_is_config;
        n->config = NULL;
        n->live_is_config = false;
        if (registry_save_status(d, n, err) < 0) {
            n->config = config;
            n->live_is_config = was_config;
            return NULL;
        }
        n->config = config;
    }
    if (store_delete_definition(&d->paths, n->name, err) < 0)
        return NULL;
    if (!net_active(n)) /* a running one keeps them until it stops (transient then) */
        network_forget_leases(&d->env, n->name);
    log_info("network '%s' undefined%s", n->name,
             net_active(n) ? " (it keeps running, transient)" : "");
    events_emit_net(d, VNET_EV_UNDEFINED, n->name, n->uuid, NULL);
    if (!net_active(n)) {
        registry_remove(d, n);
        return proto_reply_ok();
    }
    netdef_free(n->config);
    n->config = NULL;
    n->autostart = false;
    return proto_reply_ok();
}

static json_t *op_create(vnetd *d, json_t *req, verr *err)
{
    vnet_net *n = NULL;
    _cleanup_(netdef_freep) netdef *def = parse_request_def(d, req, &n, err);
    if (!def)
        return NULL;
    repairing_settle(n);
    if (starting_check_busy(n, err) < 0)
        return NULL;
    if (n && net_active(n)) {
        verr_set(err, VERR_BUSY, "Requested operation is not valid: network '%s' is already active",
                 n->name);
        return NULL;
    }
    bool added = false;
    if (!n) {
        n = registry_add(d, def->name);
        memcpy(n->uuid, def->uuid, 16);
        added = true;
    }
    char ubuf[37];
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "name", json_string(n->name));
    json_object_set_new(r, "uuid", json_string(netdef_uuid_str(def, ubuf)));
    /* An inactive persistent network of that name starts with this definition
     * as its live one and keeps its saved config. */
    int s = d->waiter ? starting_begin(d, n, def, added, control_waiter_done, d->waiter, err)
                      : registry_start(d, n, def, err);
    if (s < 0) {
        json_decref(r);
        if (added)
            registry_remove(d, n);
        return NULL;
    }
    return s == 1 ? control_wait(d, r) : r;
}

static json_t *op_start(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    if (!n)
        return NULL;
    if (net_active(n)) {
        verr_set(err, VERR_BUSY, "Requested operation is not valid: network '%s' is already active",
                 n->name);
        return NULL;
    }
    if (!d->waiter)
        return registry_start(d, n, n->config, err) < 0 ? NULL : proto_reply_ok();
    int s = starting_begin(d, n, n->config, false, control_waiter_done, d->waiter, err);
    if (s < 0)
        return NULL;
    return s == 1 ? control_wait(d, proto_reply_ok()) : proto_reply_ok();
}

static json_t *op_destroy(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    if (!n)
        return NULL;
    if (!net_active(n)) {
        verr_set(err, VERR_BUSY, "Requested operation is not valid: network '%s' is not active",
                 n->name);
        return NULL;
    }
    if (!d->waiter)
        return registry_stop(d, n, err) < 0 ? NULL : proto_reply_ok();
    /* the reply comes when dnsmasq has exited and the rest is removed */
    int s = stopping_begin(d, n, control_waiter_done, d->waiter, err);
    if (s < 0)
        return NULL;
    return s == 1 ? control_wait(d, proto_reply_ok()) : proto_reply_ok();
}

static json_t *op_autostart(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    if (!n)
        return NULL;
    bool enable = proto_get_bool(req, "enable", true);
    if (!net_persistent(n)) {
        verr_set(err, VERR_BUSY,
                 "Requested operation is not valid: cannot set autostart for transient network");
        return NULL;
    }
    if (store_autostart_set(&d->paths, n->name, enable, err) < 0)
        return NULL;
    n->autostart = enable;
    return proto_reply_ok();
}

static json_t *op_dumpxml(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    if (!n)
        return NULL;
    bool inactive = proto_get_bool(req, "inactive", false);
    const netdef *def = (inactive && n->config) ? n->config : net_current(n);
    _cleanup_free_ char *xml = netdef_format(def, def == n->live ? 0 : NETDEF_FORMAT_INACTIVE);
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "xml", json_string(xml));
    return r;
}

static const op_def op_table[] = {
    {"ping", op_ping, true},
    {"list", op_list, true},
    {"info", op_info, true},
    {"lookup", op_lookup, true},
    {"dumpxml", op_dumpxml, true},
    {"dhcp-leases", op_dhcp_leases, true},
    {"forward-list", op_forward_list, true},
    {"doctor", op_doctor, true},
    {"doctor-probe", op_doctor_probe, false},
    {"doctor-fix", op_doctor_fix, false},
    {"define", op_define, false},
    {"undefine", op_undefine, false},
    {"create", op_create, false},
    {"start", op_start, false},
    {"destroy", op_destroy, false},
    {"autostart", op_autostart, false},
    {"reload", op_reload, false},
    {"update", op_update, false},
    {"forward-add", op_forward_add, false},
    {"forward-del", op_forward_del, false},
    {"uplink-list", op_uplink_list, true},
    {"uplink-attach", op_uplink_attach, false},
    {"uplink-confirm", op_uplink_confirm, false},
    {"uplink-detach", op_uplink_detach, false},
};

const op_def *ops_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(op_table); i++)
        if (streq(op_table[i].name, name))
            return &op_table[i];
    const op_def *o = ports_ops_find(name);
    return o ? o : metadata_ops_find(name);
}

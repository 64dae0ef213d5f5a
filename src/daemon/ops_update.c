/* Ops that edit or inspect a network's details: dhcp-leases, net-update and
 * port forwards. Edits are made on copies and committed only when every step
 * (saving the file, changing the live network) worked. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "daemon/daemon.h"
#include "dnsmasq/dnsmasq.h"
#include "firewall/firewall.h"
#include "netdev/netdev.h"
#include "proto/proto.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

/* ---- dhcp-leases ---- */

static int lease_cmp(const void *a, const void *b)
{
    const dnsmasq_lease *x = a, *y = b;
    int r = strcasecmp(x->mac, y->mac);
    return r ? r : strcmp(x->ip, y->ip);
}

/* Prefix of the <ip> whose subnet holds the lease; the first <ip> of the
 * family otherwise; the full length when the network has none. */
static unsigned lease_prefix(const netdef *def, const dnsmasq_lease *l)
{
    vnet_addr a;
    if (vnet_addr_parse_family(l->ip, l->family, &a) < 0)
        return vnet_addr_bits(l->family);
    const netdef_ip *first = NULL;
    for (size_t i = 0; i < def->n_ips; i++) {
        const netdef_ip *ip = &def->ips[i];
        if (ip->family != l->family)
            continue;
        if (vnet_addr_in_subnet(&a, &ip->address, ip->prefix))
            return ip->prefix;
        if (!first)
            first = ip;
    }
    return first ? first->prefix : vnet_addr_bits(l->family);
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

json_t *op_dhcp_leases(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    if (!n)
        return NULL;
    const char *mac = proto_get_str_opt(req, "mac");
    _cleanup_free_ char *path = store_dnsmasq_path(&d->paths, n->name, "leases");
    _cleanup_free_ dnsmasq_lease *leases = NULL;
    size_t nl = 0;
    if (dnsmasq_leases_read(path, &leases, &nl, err) < 0)
        return NULL;
    if (nl > 1)
        qsort(leases, nl, sizeof(*leases), lease_cmp);
    const netdef *def = net_current(n);
    time_t now = time(NULL);
    json_t *arr = json_array();
    for (size_t i = 0; i < nl; i++) {
        const dnsmasq_lease *l = &leases[i];
        if (l->expiry != 0 && l->expiry < now)
            continue;
        if (mac && strcasecmp(mac, l->mac) != 0)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "expiry", json_integer(l->expiry));
        json_object_set_new(o, "mac", str_or_null(l->mac));
        json_object_set_new(o, "type", json_string(l->family == AF_INET6 ? "ipv6" : "ipv4"));
        json_object_set_new(o, "ip", json_string(l->ip));
        json_object_set_new(o, "prefix", json_integer(lease_prefix(def, l)));
        json_object_set_new(o, "hostname", str_or_null(l->hostname));
        json_object_set_new(o, "client_id", str_or_null(l->client_id));
        if (l->family == AF_INET6)
            json_object_set_new(o, "iaid", json_integer(l->iaid));
        json_array_append_new(arr, o);
    }
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "leases", arr);
    return r;
}

/* ---- applying a changed live definition ---- */

/* Commit a new live definition and status for an active network. */
static void commit_live(vnetd *d, vnet_net *net, netdef *newlive, json_t *newstatus)
{
    netdef_free(net->live);
    net->live = newlive;
    if (newstatus) {
        json_decref(net->status);
        net->status = newstatus;
    }
    verr e = VERR_INIT;
    if (registry_save_status(d, net, &e) < 0)
        log_err("%s", e.msg);
}

/* Bring the running network to `def` after a net-update of `section`: hosts
 * sections only rewrite the hosts files and SIGHUP dnsmasq; the others
 * re-apply the firewall table (one atomic replace) and restart dnsmasq with
 * the new configuration; network_adopt() then checks everything else.
 * Limitation: changes to bridge attributes or addresses of a running network
 * are not applied beyond what adopt repairs (add missing); restart for those. */
static int apply_live(vnetd *d, vnet_net *net, const netdef *def, netdef_section section,
                      json_t **ret_status, verr *err)
{
    *ret_status = NULL;
    if (section == NETDEF_SECTION_IP_DHCP_HOST || section == NETDEF_SECTION_DNS_HOST)
        return network_reload_hosts(&d->env, def, net->status, err);
    if (fw_wanted(def) && fw_table_apply(def, err) < 0)
        return verr_prefix(err, "updating the firewall of network '%s'", net->name);
    supervise_unwatch(net);
    pid_t pid = network_status_dnsmasq_pid(net->status);
    if (pid > 0 && dnsmasq_stop(pid, err) < 0) {
        supervise_watch_dnsmasq(d, net);
        return verr_prefix(err, "restarting dnsmasq of network '%s'", net->name);
    }
    int r = network_adopt(&d->env, def, net->status, ret_status, NULL, err);
    supervise_flush_links(d);
    return r;
}

/* ---- update ---- */

json_t *op_update(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    if (!n)
        return NULL;
    const char *cmd_s = proto_get_str(req, "command", err);
    const char *sec_s = cmd_s ? proto_get_str(req, "section", err) : NULL;
    const char *xml = sec_s ? proto_get_str(req, "xml", err) : NULL;
    if (!xml)
        return NULL;
    int cmd = netdef_update_cmd_from_string(cmd_s);
    int section = netdef_section_from_string(sec_s);
    if (cmd < 0) {
        verr_set(err, VERR_INVALID, "unknown update command '%s'", cmd_s);
        return NULL;
    }
    if (section < 0) {
        verr_set(err, VERR_INVALID, "unknown section '%s'", sec_s);
        return NULL;
    }
    int parent = (int)proto_get_int(req, "parent_index", -1);
    bool live = proto_get_bool(req, "live", false);
    bool config = proto_get_bool(req, "config", false);
    if (!live && !config) {
        live = net_active(n);
        config = !live;
    }
    if (live && !net_active(n)) {
        verr_set(err, VERR_BUSY, "Requested operation is not valid: network '%s' is not active",
                 n->name);
        return NULL;
    }
    if (config && !net_persistent(n)) {
        verr_set(err, VERR_BUSY,
                 "Requested operation is not valid: cannot change persistent config of a "
                 "transient network");
        return NULL;
    }

    _cleanup_(netdef_freep) netdef *newconf = config ? netdef_dup(n->config) : NULL;
    _cleanup_(netdef_freep) netdef *newlive = live ? netdef_dup(n->live) : NULL;
    if (newconf && netdef_update(newconf, cmd, section, parent, xml, err) < 0)
        return NULL;
    if (newlive && netdef_update(newlive, cmd, section, parent, xml, err) < 0)
        return NULL;
    json_t *newstatus = NULL;
    if (newlive && apply_live(d, n, newlive, section, &newstatus, err) < 0) {
        /* Put the running network back to its previous definition. */
        verr e = VERR_INIT;
        json_t *st = NULL;
        if (apply_live(d, n, n->live, section, &st, &e) < 0)
            log_err("%s", e.msg);
        else if (st)
            commit_live(d, n, netdef_dup(n->live), st);
        supervise_watch_dnsmasq(d, n);
        return NULL;
    }
    if (newconf && registry_save_config(d, newconf, err) < 0) {
        json_decref(newstatus);
        return NULL; /* (a live change already made stays; the message says why) */
    }
    if ((!newconf || !newlive) && n->live_is_config) {
        /* changed one of the two only: the status file must hold the live one */
        n->live_is_config = false;
        if (!newlive && n->live) {
            verr e = VERR_INIT;
            if (registry_save_status(d, n, &e) < 0)
                log_err("%s", e.msg);
        }
    }
    if (newconf) {
        netdef_free(n->config);
        n->config = TAKE_PTR(newconf);
    }
    if (newlive) {
        commit_live(d, n, TAKE_PTR(newlive), newstatus);
        supervise_watch_dnsmasq(d, n);
    }
    log_info("network '%s' updated (%s %s)", n->name, cmd_s, sec_s);
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "live", json_boolean(live));
    json_object_set_new(r, "config", json_boolean(config));
    return r;
}

/* ---- port forwards ---- */

static int parse_proto(const char *s, verr *err)
{
    int proto = netdef_proto_from_name(s);
    if (proto < 0)
        return verr_set(err, VERR_INVALID, "protocol must be 'tcp' or 'udp', not '%s'", s ? s : "");
    return proto;
}

static int parse_addr_opt(const char *s, const char *what, vnet_addr *ret, verr *err)
{
    memset(ret, 0, sizeof(*ret));
    if (strempty(s))
        return 0;
    if (vnet_addr_parse(s, ret) < 0)
        return verr_set(err, VERR_INVALID, "invalid %s '%s'", what, s);
    return 0;
}

static int parse_port(json_t *req, const char *field, bool required, unsigned *ret, verr *err)
{
    long long v = proto_get_int(req, field, -1);
    if (v < 0 && !required) {
        *ret = 0;
        return 0;
    }
    if (v < 1 || v > 65535)
        return verr_set(err, VERR_INVALID, "%s must be a port number 1-65535", field);
    *ret = (unsigned)v;
    return 0;
}

/* Does `o` claim a host port of `pf` (netdef_pf_clash)? *ret_port gets the
 * first shared port and *ret_k the range of `o` holding it. */
static bool forwards_overlap(const netdef_port_forward *o, const netdef_port_forward *pf,
                             unsigned *ret_port, size_t *ret_k)
{
    for (size_t k = 0; k < o->n_ranges; k++)
        for (size_t j = 0; j < pf->n_ranges; j++) {
            if (!netdef_pf_clash(o, k, pf, j))
                continue;
            const netdef_pf_range *a = &o->ranges[k], *b = &pf->ranges[j];
            *ret_port = a->start > b->start ? a->start : b->start;
            *ret_k = k;
            return true;
        }
    return false;
}

/* Refuse a forward whose host ports one of def's forwards already takes:
 * "host port tcp/8080 is already forwarded by network 'web' to 192.168.100.10:80". */
static int forward_conflict(const netdef *def, const netdef_port_forward *pf, verr *err)
{
    for (size_t i = 0; i < def->n_port_forwards; i++) {
        const netdef_port_forward *o = &def->port_forwards[i];
        unsigned port;
        size_t k;
        if (!forwards_overlap(o, pf, &port, &k))
            continue;
        const netdef_pf_range *r = &o->ranges[k];
        char g[VNET_ADDR_STRLEN], a[VNET_ADDR_STRLEN];
        unsigned to = (r->to ? r->to : r->start) + (port - r->start);
        bool v6 = o->guest.family == AF_INET6;
        const vnet_addr *host = vnet_addr_is_set(&o->address) ? &o->address : &pf->address;
        return verr_set(err, VERR_EXISTS,
                        "host port %s/%u%s%s is already forwarded by network '%s' to %s%s%s:%u",
                        netdef_proto_name(pf->proto), port, vnet_addr_is_set(host) ? " on " : "",
                        vnet_addr_is_set(host) ? vnet_addr_str(host, a) : "", def->name,
                        v6 ? "[" : "", vnet_addr_str(&o->guest, g), v6 ? "]" : "", to);
    }
    return 0;
}

/* Check pf against every definition the daemon holds (saved and running, of
 * every network: a port is claimed by a definition, active or not). */
static int forward_conflict_any(vnetd *d, const netdef_port_forward *pf, verr *err)
{
    for (size_t i = 0; i < d->n_nets; i++) {
        const vnet_net *o = d->nets[i];
        if ((o->config && forward_conflict(o->config, pf, err) < 0) ||
            (o->live && forward_conflict(o->live, pf, err) < 0))
            return -1;
    }
    return 0;
}

int forwards_check_conflicts(vnetd *d, const netdef *def, verr *err)
{
    for (size_t i = 0; i < d->n_nets; i++) {
        const vnet_net *o = d->nets[i];
        if (streq(o->name, def->name))
            continue;
        for (size_t k = 0; k < def->n_port_forwards; k++) {
            const netdef_port_forward *pf = &def->port_forwards[k];
            if ((o->config && forward_conflict(o->config, pf, err) < 0) ||
                (o->live && forward_conflict(o->live, pf, err) < 0))
                return verr_prefix(err, "network '%s'", def->name);
        }
    }
    return 0;
}

/* Refuse host ports a local process holds (in the daemon's namespace). */
static int forward_port_free(const netdef_port_forward *pf, verr *err)
{
    for (size_t k = 0; k < pf->n_ranges; k++) {
        char what[128];
        const netdef_pf_range *r = &pf->ranges[k];
        int used = netdev_port_in_use(pf->proto, pf->guest.family, &pf->address, r->start, r->end,
                                      what, sizeof(what), err);
        if (used < 0)
            return verr_prefix(err, "checking whether host port %s/%u is free",
                               netdef_proto_name(pf->proto), r->start);
        if (used > 0 && r->end > r->start)
            return verr_set(err, VERR_BUSY,
                            "host ports %s/%u-%u are already in use by a local process (%s)",
                            netdef_proto_name(pf->proto), r->start, r->end, what);
        if (used > 0)
            return verr_set(err, VERR_BUSY,
                            "host port %s/%u is already in use by a local process (%s)",
                            netdef_proto_name(pf->proto), r->start, what);
    }
    return 0;
}

void forwards_forget_connections(const netdef *def)
{
    verr e = VERR_INIT;
    unsigned n = 0;
    if (!def || def->n_port_forwards == 0)
        return;
    if (fw_conntrack_forget_all(def, &n, &e) < 0)
        log_warn("network '%s': %s", def->name, e.msg);
    else if (n)
        log_info("network '%s': %u port-forwarded connection(s) dropped", def->name, n);
}

/* route_localnet on the bridge follows whether a forward on 127.0.0.1 exists. */
static int forward_set_localnet(const netdef *def, bool on, verr *err)
{
    _cleanup_free_ char *path = xasprintf("net/ipv4/conf/%s/route_localnet", def->bridge_name);
    return netdev_sysctl_write(path, on ? "1" : "0", err);
}

/* Change the live table for forwards being added or removed: map-element
 * changes only, all in one transaction (no rule depends on which forwards
 * exist). A first loopback forward switches route_localnet on before its
 * elements go in; removing the last one switches it off afterwards. */
static int forward_apply_live(const netdef *oldlive, const netdef *newlive,
                              const netdef_port_forward *pfs, size_t n, bool add, verr *err)
{
    if (!fw_wanted(newlive) || n == 0)
        return 0;
    bool localnet = fw_needs_route_localnet(newlive);
    bool localnet_changes = localnet != fw_needs_route_localnet(oldlive);
    if (localnet_changes && localnet && forward_set_localnet(newlive, true, err) < 0)
        return -1;
    int r = fw_forwards_apply(oldlive, pfs, n, add, err);
    if (r == 0 && localnet_changes && !localnet) {
        verr e = VERR_INIT;
        if (forward_set_localnet(newlive, false, &e) < 0)
            log_warn("%s", e.msg);
    }
    return r;
}

/* Commit a forward change: apply it to the live table, save the config
 * (a durable journal line, see forward_journal.c), then record both in memory. If the
 * save fails the live change is undone, so a failure leaves the definition
 * and the ruleset as they were. Takes newconf and newlive on success. */
static int forward_commit(vnetd *d, vnet_net *n, netdef *newconf, netdef *newlive,
                          const netdef_port_forward *pfs, size_t npf, bool add,
                          const char *journal_line, verr *err)
{
    if (newlive && forward_apply_live(n->live, newlive, pfs, npf, add, err) < 0)
        return verr_prefix(err, "%s the port forward in network '%s'", add ? "adding" : "removing",
                           n->name);
    if (newconf && forward_journal_save(d, newconf, journal_line, err) < 0) {
        if (newlive) {
            verr e = VERR_INIT;
            if (forward_apply_live(newlive, n->live, pfs, npf, !add, &e) < 0)
                log_err("%s", e.msg);
        }
        return -1;
    }
    if (!newconf || !newlive)
        n->live_is_config = false; /* changed one of the two only */
    if (newconf) {
        netdef_free(n->config);
        n->config = newconf;
    }
    if (newlive)
        commit_live(d, n, newlive, NULL);
    return 0;
}

/* An edited definition passes conf/'s rules (the same netdef_validate as at
 * define) before anything is saved or applied. */
static int forward_defs_valid(const vnet_net *n, netdef *const defs[2], const char *op, verr *err)
{
    const netdef *orig[2] = {n->config, n->live};
    _cleanup_free_ char *what = xasprintf("%s in network '%s'", op, n->name);
    for (int i = 0; i < 2; i++)
        if (defs[i] && netdef_validate_edit(orig[i], defs[i], what, err) < 0)
            return -1;
    return 0;
}

/* A definition must stay loadable: its XML (saved file, status file, the
 * in-memory copies) is read back with conf/'s size limit. Refuse a forward
 * that would take it past that limit. The saved definition is checked when it
 * is written (registry_save_config); a transient network's live one is
 * checked here. */
static int forward_def_fits(const vnet_net *n, netdef *const defs[2], verr *err)
{
    if (defs[0] || !defs[1])
        return 0;
    _cleanup_free_ char *xml = netdef_format(defs[1], 0);
    if (strlen(xml) > NETDEF_XML_MAX)
        return verr_set(err, VERR_UNSUPPORTED,
                        "network '%s': with this forward its definition would be larger "
                        "than %d bytes (%zu forwards); forward port ranges instead of "
                        "single ports",
                        n->name, NETDEF_XML_MAX, defs[1]->n_port_forwards);
    return 0;
}

json_t *op_forward_add(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    if (!n)
        return NULL;
    netdef_pf_range range = {0};
    netdef_port_forward pf = {.ranges = &range, .n_ranges = 1};
    const char *to_addr = proto_get_str(req, "to_addr", err);
    if (!to_addr)
        return NULL;
    if ((pf.proto = parse_proto(proto_get_str_opt(req, "proto"), err)) < 0 ||
        parse_addr_opt(proto_get_str_opt(req, "address"), "host address", &pf.address, err) < 0 ||
        parse_addr_opt(to_addr, "guest address", &pf.guest, err) < 0 ||
        parse_port(req, "port", true, &range.start, err) < 0 ||
        parse_port(req, "port_end", false, &range.end, err) < 0 ||
        parse_port(req, "to_port", false, &range.to, err) < 0)
        return NULL;
    if (!vnet_addr_is_set(&pf.guest)) {
        verr_set(err, VERR_INVALID, "a guest address is required");
        return NULL;
    }
    if (range.end == 0)
        range.end = range.start;
    _cleanup_free_ char *line = NULL;
    netdef *defs[2] = {n->config ? netdef_dup(n->config) : NULL,
                       n->live ? netdef_dup(n->live) : NULL};
    if (forward_conflict_any(d, &pf, err) < 0)
        goto fail;
    for (int i = 0; i < 2; i++)
        if (defs[i])
            netdef_forward_append(defs[i], &pf, 0);
    if (forward_defs_valid(n, defs, "forward-add", err) < 0 || forward_port_free(&pf, err) < 0 ||
        forward_def_fits(n, defs, err) < 0)
        goto fail;
    line = netdef_forward_journal_add(&pf);
    if (forward_commit(d, n, defs[0], defs[1], &pf, 1, true, line, err) < 0)
        goto fail;
    if (net_active(n)) /* (defs now belong to n) */
        forward_ct_forget(n->name, &pf, true);
    log_info("network '%s': forward %s %u added", n->name, netdef_proto_name(pf.proto), range.start);
    hairpin_sync(d, n); /* the first forward: guests may now reach their own */
    return proto_reply_ok();
fail:
    netdef_free(defs[0]);
    netdef_free(defs[1]);
    return NULL;
}

static void pf_list_free(netdef_port_forward *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i].ranges);
    free(list);
}

json_t *op_forward_del(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    if (!n)
        return NULL;
    int proto = 0;
    vnet_addr addr;
    unsigned port = 0;
    if ((proto = parse_proto(proto_get_str_opt(req, "proto"), err)) < 0 ||
        parse_addr_opt(proto_get_str_opt(req, "address"), "host address", &addr, err) < 0 ||
        parse_port(req, "port", true, &port, err) < 0)
        return NULL;
    _cleanup_free_ char *line = NULL;
    netdef *defs[2] = {n->config ? netdef_dup(n->config) : NULL,
                       n->live ? netdef_dup(n->live) : NULL};
    netdef_port_forward *removed[2] = {NULL, NULL};
    size_t n_removed[2] = {0, 0};
    json_t *reply = NULL;
    for (int i = 0; i < 2; i++)
        if (defs[i])
            netdef_forward_remove(defs[i], proto, &addr, port, &removed[i], &n_removed[i]);
    if (n_removed[0] + n_removed[1] == 0) {
        char abuf[VNET_ADDR_STRLEN];
        verr_set(err, VERR_NOT_FOUND, "network '%s' has no %s port forward from %s%sport %u",
                 n->name, netdef_proto_name(proto),
                 vnet_addr_is_set(&addr) ? vnet_addr_str(&addr, abuf) : "",
                 vnet_addr_is_set(&addr) ? " " : "", port);
        goto out;
    }
    /* The live table holds what the live definition had: nothing to change
     * there when the forward was only in the saved one. */
    if (defs[1] && n_removed[1] == 0) {
        netdef_free(defs[1]);
        defs[1] = NULL;
    }
    if (forward_defs_valid(n, defs, "forward-del", err) < 0)
        goto out;
    line = netdef_forward_journal_del(proto, &addr, port);
    if (forward_commit(d, n, defs[0], defs[1], removed[1], n_removed[1], false, line, err) < 0)
        goto out;
    defs[0] = defs[1] = NULL;
    for (size_t i = 0; i < n_removed[1]; i++)
        forward_ct_forget(n->name, &removed[1][i], false);
    log_info("network '%s': forward %s %u removed", n->name, netdef_proto_name(proto), port);
    reply = proto_reply_ok();
out:
    netdef_free(defs[0]);
    netdef_free(defs[1]);
    pf_list_free(removed[0], n_removed[0]);
    pf_list_free(removed[1], n_removed[1]);
    return reply;
}

json_t *op_forward_list(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    if (!n)
        return NULL;
    const netdef *def = net_current(n);
    size_t n_ranges = 0, slot = 0;
    for (size_t i = 0; i < def->n_port_forwards; i++)
        n_ranges += def->port_forwards[i].n_ranges;
    _cleanup_free_ fw_forward_stats *stats = xcalloc(n_ranges + 1, sizeof(*stats));
    if (net_active(n) && fw_wanted(def)) {
        verr e = VERR_INIT;
        if (fw_forward_range_counters(def, stats, &e) < 0)
            log_debug("forward counters of '%s': %s", n->name, e.msg);
    }
    json_t *arr = json_array();
    char abuf[VNET_ADDR_STRLEN];
    for (size_t i = 0; i < def->n_port_forwards; i++) {
        const netdef_port_forward *pf = &def->port_forwards[i];
        for (size_t k = 0; k < pf->n_ranges; k++) {
            const netdef_pf_range *r = &pf->ranges[k];
            unsigned to = r->to ? r->to : r->start;
            json_t *o = json_object();
            json_object_set_new(o, "proto", json_string(netdef_proto_name(pf->proto)));
            json_object_set_new(o, "address",
                                vnet_addr_is_set(&pf->address)
                                    ? json_string(vnet_addr_str(&pf->address, abuf))
                                    : json_null());
            json_object_set_new(o, "port", json_integer(r->start));
            json_object_set_new(o, "port_end", json_integer(r->end));
            json_object_set_new(o, "to_addr", json_string(vnet_addr_str(&pf->guest, abuf)));
            json_object_set_new(o, "to_port", json_integer(to));
            json_object_set_new(o, "to_port_end", json_integer(to + (r->end - r->start)));
            const fw_forward_stats *st = &stats[slot++];
            json_object_set_new(o, "packets", json_integer((json_int_t)st->packets));
            json_object_set_new(o, "bytes", json_integer((json_int_t)st->bytes));
            json_object_set_new(o, "connections", json_integer((json_int_t)st->connections));
            json_array_append_new(arr, o);
        }
    }
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "forwards", arr);
    return r;
}

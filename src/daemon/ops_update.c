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
    if (fw_wanted(def)) {
        _cleanup_free_ char *script = fw_plan_network(def, err);
        if (!script || fw_apply(script, err) < 0)
            return verr_prefix(err, "updating the firewall of network '%s'", net->name);
    }
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

    _cleanup_(netdef_freep) netdef *newconf = config ? netdef_copy(n->config) : NULL;
    _cleanup_(netdef_freep) netdef *newlive = live ? netdef_copy(n->live) : NULL;
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
            commit_live(d, n, netdef_copy(n->live), st);
        supervise_watch_dnsmasq(d, n);
        return NULL;
    }
    if (newconf && registry_save_config(d, newconf, err) < 0) {
        json_decref(newstatus);
        return NULL; /* (a live change already made stays; the message says why) */
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
    if (s && streq(s, "tcp"))
        return IPPROTO_TCP;
    if (s && streq(s, "udp"))
        return IPPROTO_UDP;
    return verr_set(err, VERR_INVALID, "protocol must be 'tcp' or 'udp', not '%s'", s ? s : "");
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

static bool addr_overlaps(const vnet_addr *a, const vnet_addr *b)
{
    return !vnet_addr_is_set(a) || !vnet_addr_is_set(b) || vnet_addr_equal(a, b);
}

static const char *proto_str(int proto)
{
    return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* Refuse a forward whose host ports overlap one the definition already has. */
static int forward_conflict(const netdef *def, const netdef_port_forward *pf, verr *err)
{
    const netdef_pf_range *r = &pf->ranges[0];
    for (size_t i = 0; i < def->n_port_forwards; i++) {
        const netdef_port_forward *o = &def->port_forwards[i];
        if (o->proto != pf->proto || !addr_overlaps(&o->address, &pf->address))
            continue;
        for (size_t k = 0; k < o->n_ranges; k++)
            if (o->ranges[k].start <= r->end && r->start <= o->ranges[k].end)
                return verr_set(err, VERR_EXISTS, "network '%s' already forwards %s port %u",
                                def->name, proto_str(pf->proto), o->ranges[k].start);
    }
    return 0;
}

/* Change the live table for a forward being added or removed. A loopback
 * forward that switches route_localnet on or off needs the whole table
 * re-planned; otherwise one map-element change does it. */
static int forward_apply_live(const netdef *oldlive, const netdef *newlive,
                              const netdef_port_forward *pf, bool add, verr *err)
{
    if (!fw_wanted(newlive))
        return 0;
    _cleanup_free_ char *script = NULL;
    bool localnet = fw_needs_route_localnet(newlive);
    if (localnet != fw_needs_route_localnet(oldlive)) {
        if (localnet) {
            _cleanup_free_ char *path =
                xasprintf("net/ipv4/conf/%s/route_localnet", newlive->bridge_name);
            if (netdev_sysctl_write(path, "1", err) < 0)
                return -1;
        }
        script = fw_plan_network(newlive, err);
    } else {
        script =
            add ? fw_plan_forward_add(oldlive, pf, err) : fw_plan_forward_del(oldlive, pf, err);
    }
    if (!script)
        return -1;
    return fw_apply(script, err);
}

static void pf_append(netdef *def, const netdef_port_forward *pf)
{
    netdef_port_forward *slot =
        xarray_push(&def->port_forwards, &def->n_port_forwards, sizeof(*slot));
    *slot = *pf;
    slot->ranges = xmalloc(sizeof(*slot->ranges));
    slot->ranges[0] = pf->ranges[0];
    slot->n_ranges = 1;
}

/* Commit a forward change: save the config, apply to and record the live network. */
static int forward_commit(vnetd *d, vnet_net *n, netdef *newconf, netdef *newlive,
                          const netdef_port_forward *pf, bool add, verr *err)
{
    if (newlive && forward_apply_live(n->live, newlive, pf, add, err) < 0)
        return verr_prefix(err, "%s the port forward in network '%s'", add ? "adding" : "removing",
                           n->name);
    if (newconf && registry_save_config(d, newconf, err) < 0) {
        if (newlive) {
            verr e = VERR_INIT;
            if (forward_apply_live(newlive, n->live, pf, !add, &e) < 0)
                log_err("%s", e.msg);
        }
        return -1;
    }
    if (newconf) {
        netdef_free(n->config);
        n->config = newconf;
    }
    if (newlive)
        commit_live(d, n, newlive, NULL);
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
    netdef *defs[2] = {n->config ? netdef_copy(n->config) : NULL,
                       n->live ? netdef_copy(n->live) : NULL};
    for (int i = 0; i < 2; i++) {
        if (defs[i] &&
            (fw_forward_check(defs[i], &pf, err) < 0 || forward_conflict(defs[i], &pf, err) < 0))
            goto fail;
        if (defs[i])
            pf_append(defs[i], &pf);
    }
    if (forward_commit(d, n, defs[0], defs[1], &pf, true, err) < 0)
        goto fail;
    log_info("network '%s': forward %s %u added", n->name, proto_str(pf.proto), range.start);
    return proto_reply_ok();
fail:
    netdef_free(defs[0]);
    netdef_free(defs[1]);
    return NULL;
}

/* Remove the range starting at `port` (proto, host address) from def; the
 * removed forward (one range) is copied to *ret (caller frees ret->ranges).
 * 1 removed, 0 not there. */
static int pf_remove(netdef *def, int proto, const vnet_addr *addr, unsigned port,
                     netdef_port_forward *ret)
{
    for (size_t i = 0; i < def->n_port_forwards; i++) {
        netdef_port_forward *o = &def->port_forwards[i];
        if (o->proto != proto || !vnet_addr_equal(&o->address, addr))
            continue;
        for (size_t k = 0; k < o->n_ranges; k++) {
            if (o->ranges[k].start != port)
                continue;
            *ret = *o;
            ret->ranges = xmalloc(sizeof(*ret->ranges));
            ret->ranges[0] = o->ranges[k];
            ret->n_ranges = 1;
            memmove(o->ranges + k, o->ranges + k + 1, (o->n_ranges - k - 1) * sizeof(*o->ranges));
            if (--o->n_ranges == 0) {
                free(o->ranges);
                memmove(o, o + 1, (def->n_port_forwards - i - 1) * sizeof(*o));
                def->n_port_forwards--;
            }
            return 1;
        }
    }
    return 0;
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
    netdef *defs[2] = {n->config ? netdef_copy(n->config) : NULL,
                       n->live ? netdef_copy(n->live) : NULL};
    netdef_port_forward removed[2] = {{0}, {0}};
    bool found = false;
    for (int i = 0; i < 2; i++)
        if (defs[i] && pf_remove(defs[i], proto, &addr, port, &removed[i]) > 0)
            found = true;
    json_t *reply = NULL;
    if (!found) {
        char abuf[VNET_ADDR_STRLEN];
        verr_set(err, VERR_NOT_FOUND, "network '%s' has no %s port forward from %s%sport %u",
                 n->name, proto_str(proto),
                 vnet_addr_is_set(&addr) ? vnet_addr_str(&addr, abuf) : "",
                 vnet_addr_is_set(&addr) ? " " : "", port);
    } else {
        /* The live table holds what the live definition had (when it had it). */
        netdef *newlive = defs[1];
        if (newlive && removed[1].n_ranges == 0) {
            commit_live(d, n, newlive, NULL);
            defs[1] = newlive = NULL;
        }
        if (forward_commit(d, n, defs[0], newlive, &removed[1], false, err) == 0) {
            defs[0] = defs[1] = NULL;
            log_info("network '%s': forward %s %u removed", n->name, proto_str(proto), port);
            reply = proto_reply_ok();
        }
    }
    netdef_free(defs[0]);
    netdef_free(defs[1]);
    free(removed[0].ranges);
    free(removed[1].ranges);
    return reply;
}

json_t *op_forward_list(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    if (!n)
        return NULL;
    const netdef *def = net_current(n);
    _cleanup_free_ fw_forward_stats *stats = xcalloc(def->n_port_forwards + 1, sizeof(*stats));
    if (net_active(n) && fw_wanted(def)) {
        verr e = VERR_INIT;
        if (fw_forward_counters(def, stats, &e) < 0)
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
            json_object_set_new(o, "proto", json_string(proto_str(pf->proto)));
            json_object_set_new(o, "address",
                                vnet_addr_is_set(&pf->address)
                                    ? json_string(vnet_addr_str(&pf->address, abuf))
                                    : json_null());
            json_object_set_new(o, "port", json_integer(r->start));
            json_object_set_new(o, "port_end", json_integer(r->end));
            json_object_set_new(o, "to_addr", json_string(vnet_addr_str(&pf->guest, abuf)));
            json_object_set_new(o, "to_port", json_integer(to));
            json_object_set_new(o, "to_port_end", json_integer(to + (r->end - r->start)));
            json_object_set_new(o, "packets", json_integer((json_int_t)stats[i].packets));
            json_object_set_new(o, "bytes", json_integer((json_int_t)stats[i].bytes));
            json_array_append_new(arr, o);
        }
    }
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "forwards", arr);
    return r;
}

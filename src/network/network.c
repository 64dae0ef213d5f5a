/* Start, stop and adopt one network.
 *
 * Start is a sequence of steps; each step that changes the host records what
 * it did in a `net_run` record, and on failure rollback() undoes exactly those
 * steps in reverse. The same record, serialized as JSON, is the network's
 * status: stop and adopt are driven by it, not re-derived from the definition.
 */
#include "network/network.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dnsmasq/dnsmasq.h"
#include "firewall/firewall.h"
#include "netdev/netdev.h"
#include "network/status.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

/* What this module does for each forward mode. */
static bool mode_supported(netdef_forward_mode m)
{
    return m == NETDEF_FWD_NONE || m == NETDEF_FWD_NAT || m == NETDEF_FWD_ROUTE ||
           m == NETDEF_FWD_OPEN;
}

static bool mode_forwards(netdef_forward_mode m)
{
    return m == NETDEF_FWD_NAT || m == NETDEF_FWD_ROUTE || m == NETDEF_FWD_OPEN;
}

static bool def_has_family(const netdef *def, int family)
{
    for (size_t i = 0; i < def->n_ips; i++)
        if (def->ips[i].family == family)
            return true;
    return false;
}

static void bridge_opts_from_def(const netdef *def, netdev_bridge_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->name = def->bridge_name;
    o->has_mac = def->has_mac;
    memcpy(o->mac, def->mac, sizeof(o->mac));
    o->mtu = def->mtu;
    o->stp = def->stp != VT_NO;
    o->delay_ms = def->has_delay ? def->delay * 1000 : 0;
}

/* Preconditions that must hold before anything is touched. */
static int start_preflight(const network_env *env, const netdef *def, verr *err)
{
    if (!mode_supported(def->forward_mode))
        return verr_set(err, VERR_UNSUPPORTED,
                        "forward mode '%s' is not supported by vnet (supported: nat, route, "
                        "open, and isolated networks without <forward>)",
                        netdef_forward_mode_name(def->forward_mode));
    if (strempty(def->bridge_name))
        return verr_set(err, VERR_INVALID, "the definition has no bridge name");

    netdev_link link;
    int r = netdev_link_get(def->bridge_name, &link, err);
    if (r < 0)
        return -1;
    if (r > 0)
        return verr_set(err, VERR_BUSY,
                        "bridge name '%s' is already taken by an existing device (%s)",
                        def->bridge_name, link.kind[0] ? link.kind : "unknown kind");

    for (size_t i = 0; i < def->n_ips; i++) {
        const netdef_ip *ip = &def->ips[i];
        char what[256] = "";
        r = netdev_subnet_conflict(&ip->address, ip->prefix, def->bridge_name, what, sizeof(what),
                                   err);
        if (r < 0)
            return -1;
        if (r > 0)
            return verr_set(err, VERR_BUSY, "%s", what);
    }

    if (dnsmasq_needed(def) && access(env->dnsmasq_bin, X_OK) < 0)
        return verr_errno(err, errno,
                          "dnsmasq is needed for DHCP/DNS but '%s' cannot be run (install the "
                          "dnsmasq-base package)",
                          env->dnsmasq_bin);
    if (fw_wanted(def) && fw_available(err) < 0)
        return verr_prefix(err, "nftables is not available");
    return 0;
}

/* The bridge's per-interface IPv6 settings: IPv6 only when the network has
 * IPv6 (or ipv6='yes'), and never autoconfigure from guests' adverts. */
static int bridge_ipv6_sysctls(const netdef *def, verr *err)
{
    bool v6 = def_has_family(def, AF_INET6) || def->ipv6 == VT_YES;
    char path[128];
    snprintf(path, sizeof(path), "net/ipv6/conf/%s/disable_ipv6", def->bridge_name);
    if (netdev_sysctl_write(path, v6 ? "0" : "1", err) < 0)
        return -1;
    if (!v6)
        return 0;
    snprintf(path, sizeof(path), "net/ipv6/conf/%s/accept_ra", def->bridge_name);
    if (netdev_sysctl_write(path, "0", err) < 0)
        return -1;
    snprintf(path, sizeof(path), "net/ipv6/conf/%s/autoconf", def->bridge_name);
    return netdev_sysctl_write(path, "0", err);
}

static int bridge_addresses(const netdef *def, verr *err)
{
    for (size_t i = 0; i < def->n_ips; i++) {
        const netdef_ip *ip = &def->ips[i];
        if (netdev_addr_add(def->bridge_name, &ip->address, ip->prefix, err) < 0)
            return -1;
    }
    return 0;
}

/* Turn on forwarding for nat/route/open networks (unless the host keeps it
 * in its own hands); 1 if anything changed. */
static int forwarding_sysctls(const network_env *env, const netdef *def, net_run *run, verr *err)
{
    if (!mode_forwards(def->forward_mode))
        return 0;
    static const struct {
        int family;
        const char *path;
    } knobs[] = {{AF_INET, "net/ipv4/ip_forward"}, {AF_INET6, "net/ipv6/conf/all/forwarding"}};
    int changed = 0;
    for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
        if (!def_has_family(def, knobs[i].family) || env->forwarding_hands_off)
            continue;
        char cur[16] = "";
        if (netdev_sysctl_read(knobs[i].path, cur, sizeof(cur), err) < 0)
            return -1;
        if (streq(cur, "1"))
            continue;
        if (netdev_sysctl_write(knobs[i].path, "1", err) < 0)
            return -1;
        if (run)
            net_run_note_sysctl(run, knobs[i].path);
        changed = 1;
    }
    if (fw_needs_route_localnet(def)) {
        char path[128];
        snprintf(path, sizeof(path), "net/ipv4/conf/%s/route_localnet", def->bridge_name);
        if (netdev_sysctl_write(path, "1", err) < 0)
            return -1;
    }
    return changed;
}

/* libnftnl batches: no read of the host's ruleset (fw_nftnl.c). */
static int firewall_apply(const netdef *def, verr *err)
{
    return fw_table_apply(def, err);
}

static int firewall_remove(const netdef *def, verr *err)
{
    if (!def->bridge_name)
        return 0; /* no bridge, no table */
    return fw_table_remove(def, err);
}

static int static_routes(const netdef *def, verr *err)
{
    for (size_t i = 0; i < def->n_routes; i++) {
        const netdef_route *rt = &def->routes[i];
        if (netdev_route_add(&rt->address, rt->prefix, &rt->gateway, def->bridge_name,
                             rt->has_metric ? rt->metric : 0, err) < 0)
            return verr_prefix(err, "static route");
    }
    return 0;
}

/* Write the dnsmasq config, hosts files; world-readable, since dnsmasq
 * re-reads the hosts files after dropping privileges. */
static int dnsmasq_write_files(const network_env *env, const netdef *def, bool conf_too, verr *err)
{
    _cleanup_free_ char *pidfile = net_pidfile_path(env->paths, def->name);
    _cleanup_free_ char *servers = dnsmasq_servers_path(env->paths->dnsmasq_dir);
    dnsmasq_plan_opts opts = {
        .state_dir = env->paths->dnsmasq_dir,
        .pid_file = pidfile,
        .libvirt_compat = false,
        .fast_dhcp = true,
        .servers_file = servers,
    };
    /* vnetd keeps the servers file current; make sure it exists (e.g. a
     * network started before the daemon's first write, or by a test). */
    if (conf_too && dnsmasq_uses_servers_file(def) &&
        dnsmasq_servers_update(DNSMASQ_RESOLV_CONF, servers, true, NULL, err) < 0)
        return verr_prefix(err, "writing the upstream DNS servers file");
    dnsmasq_plan plan = {0};
    if (dnsmasq_plan_build(def, &opts, &plan, err) < 0)
        return -1;
    static const char *const exts[] = {"conf", "hostsfile", "addnhosts"};
    const char *texts[] = {plan.conf, plan.hostsfile, plan.addnhosts};
    int r = 0;
    for (size_t i = conf_too ? 0 : 1; i < ARRAY_SIZE(exts) && r == 0; i++) {
        _cleanup_free_ char *path = store_dnsmasq_path(env->paths, def->name, exts[i]);
        r = store_write_runtime(path, texts[i], strlen(texts[i]), 0644, err);
    }
    dnsmasq_plan_free(&plan);
    return r;
}

static void dnsmasq_remove_files(const network_env *env, const netdef *def)
{
    static const char *const exts[] = {"conf", "hostsfile", "addnhosts", "leases"};
    for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
        _cleanup_free_ char *path = store_dnsmasq_path(env->paths, def->name, exts[i]);
        store_unlink(path, NULL);
    }
    _cleanup_free_ char *pidfile = net_pidfile_path(env->paths, def->name);
    store_unlink(pidfile, NULL);
}

static int dnsmasq_launch(const network_env *env, const netdef *def, pid_t *ret_pid, verr *err)
{
    if (dnsmasq_write_files(env, def, true, err) < 0)
        return -1;
    _cleanup_free_ char *conf = store_dnsmasq_path(env->paths, def->name, "conf");
    _cleanup_free_ char *pidfile = net_pidfile_path(env->paths, def->name);
    store_unlink(pidfile, NULL);
    return dnsmasq_spawn(env->dnsmasq_bin, conf, pidfile, ret_pid, err);
}

/* Undo what a failed start did, newest first. Errors here are logged: the
 * start's own error is what the user needs to see. */
static void start_rollback(const network_env *env, const netdef *def, const net_run *run)
{
    verr e = VERR_INIT;
    if (run->dnsmasq_pid > 0 && dnsmasq_stop(run->dnsmasq_pid, &e) < 0)
        log_warn("rollback of '%s': %s", def->name, e.msg);
    if (run->dnsmasq_files)
        dnsmasq_remove_files(env, def);
    if (run->firewall && firewall_remove(def, &e) < 0)
        log_warn("rollback of '%s': removing firewall: %s", def->name, e.msg);
    if (run->bridge_created && netdev_link_delete_background(def->bridge_name, &e) < 0)
        log_warn("rollback of '%s': deleting bridge: %s", def->name, e.msg);
}

int network_start(const network_env *env, const netdef *def, json_t **ret_status, verr *err)
{
    net_run run = {0};

    if (start_preflight(env, def, err) < 0)
        goto fail_early;

    netdev_bridge_opts bo;
    bridge_opts_from_def(def, &bo);
    if (netdev_bridge_create(&bo, err) < 0) /* the message names the bridge */
        goto fail_early;
    run.bridge_created = true;

    if (bridge_ipv6_sysctls(def, err) < 0 || bridge_addresses(def, err) < 0 ||
        netdev_link_set_up(def->bridge_name, true, err) < 0) {
        verr_prefix(err, "configuring bridge '%s'", def->bridge_name);
        goto fail;
    }
    if (forwarding_sysctls(env, def, &run, err) < 0) {
        verr_prefix(err, "enabling forwarding");
        goto fail;
    }
    if (fw_wanted(def)) {
        run.firewall = true; /* a failed apply changes nothing, removing is harmless */
        if (firewall_apply(def, err) < 0) {
            verr_prefix(err, "installing firewall rules");
            goto fail;
        }
    }
    if (static_routes(def, err) < 0)
        goto fail;
    if (dnsmasq_needed(def)) {
        run.dnsmasq_files = true;
        if (dnsmasq_launch(env, def, &run.dnsmasq_pid, err) < 0) {
            verr_prefix(err, "starting dnsmasq");
            goto fail;
        }
    }

    *ret_status = net_run_to_json(&run, env, def);
    net_run_clear(&run);
    return 0;

fail:
    start_rollback(env, def, &run);
fail_early:
    net_run_clear(&run);
    return verr_prefix(err, "starting network '%s'", def->name);
}

int network_stop(const network_env *env, const netdef *def, const json_t *status, verr *err)
{
    net_run run = {0};
    net_run_from_json(status, &run);
    const char *bridge = network_status_bridge(status);
    if (!bridge)
        bridge = def->bridge_name;
    verr first = VERR_INIT;
    verr e = VERR_INIT;

    if (run.dnsmasq_pid > 0) {
        _cleanup_free_ char *conf = store_dnsmasq_path(env->paths, def->name, "conf");
        if (dnsmasq_is_ours(run.dnsmasq_pid, conf) && dnsmasq_stop(run.dnsmasq_pid, &e) < 0 &&
            !verr_is_set(&first))
            first = e;
    }
    if (run.dnsmasq_files)
        dnsmasq_remove_files(env, def);
    if (run.firewall && firewall_remove(def, &e) < 0 && !verr_is_set(&first)) {
        verr_prefix(&e, "removing firewall rules");
        first = e;
    }
    if (run.bridge_created && bridge) {
        if (netdev_link_delete_background(bridge, &e) < 0 && !verr_is_set(&first)) {
            verr_prefix(&e, "deleting bridge '%s'", bridge);
            first = e;
        }
    }
    net_run_clear(&run);
    if (verr_is_set(&first)) {
        if (err)
            *err = first;
        return verr_prefix(err, "stopping network '%s'", def->name);
    }
    return 0;
}

/* Bridge present, up and addressed; re-created if someone deleted it
 * (*ret_recreated then says so: dnsmasq must start over on the new device). */
static int adopt_bridge(const netdef *def, net_run *run, bool *repaired, bool *ret_recreated,
                        verr *err)
{
    netdev_link link;
    int r = netdev_link_get(def->bridge_name, &link, err);
    if (r < 0)
        return -1;
    if (r > 0 && !streq(link.kind, "bridge"))
        return verr_set(err, VERR_BUSY, "'%s' exists but is not a bridge (%s)", def->bridge_name,
                        link.kind[0] ? link.kind : "unknown kind");
    bool up = r > 0 && link.up;
    if (r == 0) {
        netdev_bridge_opts bo;
        bridge_opts_from_def(def, &bo);
        if (netdev_bridge_create(&bo, err) < 0 || bridge_ipv6_sysctls(def, err) < 0)
            return -1;
        run->bridge_created = true;
        *repaired = true;
        *ret_recreated = true;
        log_warn("network '%s': bridge %s was missing, re-created", def->name, def->bridge_name);
    }
    for (size_t i = 0; i < def->n_ips; i++) {
        const netdef_ip *ip = &def->ips[i];
        int has = netdev_addr_has(def->bridge_name, &ip->address, ip->prefix, err);
        if (has < 0)
            return -1;
        if (has == 0) {
            if (netdev_addr_add(def->bridge_name, &ip->address, ip->prefix, err) < 0)
                return -1;
            *repaired = true;
        }
    }
    if (!up) {
        if (netdev_link_set_up(def->bridge_name, true, err) < 0)
            return -1;
        *repaired = true;
    }
    return 0;
}

static int adopt_firewall(const netdef *def, net_run *run, bool *repaired, verr *err)
{
    if (!fw_wanted(def))
        return 0;
    int r = fw_table_exists(def, err);
    if (r < 0)
        return -1;
    if (r == 0) {
        if (firewall_apply(def, err) < 0)
            return -1;
        *repaired = true;
        log_warn("network '%s': firewall table was missing, re-installed", def->name);
    }
    run->firewall = true;
    return 0;
}

/* dnsmasq running with our config; restarted when it is gone, or when the
 * bridge was re-created (dnsmasq's DHCP state belongs to the old device). */
static int adopt_dnsmasq(const network_env *env, const netdef *def, net_run *run, bool restart,
                         bool *repaired, verr *err)
{
    if (!dnsmasq_needed(def))
        return 0;
    _cleanup_free_ char *conf = store_dnsmasq_path(env->paths, def->name, "conf");
    run->dnsmasq_files = true;
    bool alive = run->dnsmasq_pid > 0 && dnsmasq_is_ours(run->dnsmasq_pid, conf);
    if (alive && !restart)
        return 0;
    if (alive) {
        if (dnsmasq_stop(run->dnsmasq_pid, err) < 0)
            return verr_prefix(err, "restarting dnsmasq");
        run->dnsmasq_pid = 0;
    }
    if (run->dnsmasq_pid > 0)
        log_warn("network '%s': dnsmasq (pid %d) is gone, restarting it", def->name,
                 (int)run->dnsmasq_pid);
    run->dnsmasq_pid = 0;
    if (dnsmasq_launch(env, def, &run->dnsmasq_pid, err) < 0)
        return verr_prefix(err, "restarting dnsmasq");
    *repaired = true;
    return 0;
}

int network_adopt(const network_env *env, const netdef *def, const json_t *status,
                  json_t **ret_status, bool *ret_repaired, verr *err)
{
    net_run run = {0};
    bool repaired = false, recreated = false;
    int r = 0;
    net_run_from_json(status, &run);

    if (!mode_supported(def->forward_mode))
        r = verr_set(err, VERR_UNSUPPORTED, "forward mode '%s' is not supported by vnet",
                     netdef_forward_mode_name(def->forward_mode));
    if (r == 0)
        r = adopt_bridge(def, &run, &repaired, &recreated, err);
    if (r == 0) {
        r = forwarding_sysctls(env, def, NULL, err);
        if (r > 0) {
            repaired = true;
            log_warn("network '%s': forwarding had been switched off, switched it on",
                     def->name);
            r = 0;
        }
    }
    if (r == 0)
        r = adopt_firewall(def, &run, &repaired, err);
    if (r == 0)
        r = static_routes(def, err);
    if (r == 0)
        r = adopt_dnsmasq(env, def, &run, recreated, &repaired, err);
    if (r < 0) {
        net_run_clear(&run);
        return verr_prefix(err, "repairing network '%s'", def->name);
    }
    *ret_status = net_run_to_json(&run, env, def);
    if (ret_repaired)
        *ret_repaired = repaired;
    net_run_clear(&run);
    return 0;
}

int network_repair_firewall(const network_env *env, const netdef *def, verr *err)
{
    if (!fw_wanted(def))
        return 0;
    if (firewall_apply(def, err) < 0)
        return verr_prefix(err, "restoring the firewall of '%s'", def->name);
    return 0;
}

int network_reload_hosts(const network_env *env, const netdef *def, const json_t *status,
                         verr *err)
{
    if (!dnsmasq_needed(def))
        return 0;
    if (dnsmasq_write_files(env, def, false, err) < 0)
        return verr_prefix(err, "updating hosts files of '%s'", def->name);
    pid_t pid = network_status_dnsmasq_pid(status);
    if (pid > 0 && dnsmasq_reload(pid, err) < 0)
        return verr_prefix(err, "reloading dnsmasq of '%s'", def->name);
    return 0;
}

/* Start, stop and adopt one network.
 *
 * Start is a sequence of steps; each step that changes the host records what
 * it did in a `net_run` record, and on failure rollback() undoes exactly those
 * steps in reverse. The same record, serialized as JSON, is the network's
 * status: stop and adopt are driven by it, not re-derived from the definition.
 */
#include "network/network.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dnsmasq/dnsmasq.h"
#include "firewall/firewall.h"
#include "netdev/netdev.h"
#include "network/bandwidth.h"
#include "network/pool.h"
#include "network/status.h"
#include "ovn/ovn_network.h"
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
    /* macTableManager='libvirt': as libvirt, the bridge filters by VLAN (ports
     * then get learning and flooding off, and fdb entries for their MACs) */
    o->vlan_filtering = def->mac_table_manager && streq(def->mac_table_manager, "libvirt");
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
    if (network_bandwidth_check(def, err) < 0)
        return -1;

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

/* The bridge's per-interface IPv6 settings, as libvirt sets them: IPv6 only
 * when the network has IPv6 addresses (ipv6='yes' alone is about guests), and
 * never autoconfigure from guests' adverts, whether IPv6 is on or not. */
static int bridge_ipv6_sysctls(const netdef *def, verr *err)
{
    bool v6 = def_has_family(def, AF_INET6);
    char path[128];
    snprintf(path, sizeof(path), "net/ipv6/conf/%s/disable_ipv6", def->bridge_name);
    if (netdev_sysctl_write(path, v6 ? "0" : "1", err) < 0)
        return -1;
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

/* ROOT/run/vnet/NAME.creating names a bridge between its creation and its
 * mark (the kernel ignores IFLA_IFALIAS in the creating request, so these are
 * two requests): a crash in between leaves a bridge the sweep can still tell
 * is ours. */
char *network_creating_path(const network_env *env, const char *name)
{
    return xasprintf("%s/%s.creating", env->paths->run_dir, name);
}

/* Create the bridge and mark it "vnet:NAME". *ret_created says whether a
 * bridge now exists that rollback must delete. */
static int bridge_create_marked(const network_env *env, const netdef *def, bool *ret_created,
                                verr *err)
{
    *ret_created = false;
    _cleanup_free_ char *journal = network_creating_path(env, def->name);
    if (store_write_runtime(journal, def->bridge_name, strlen(def->bridge_name), 0644, err) < 0)
        return -1;
    netdev_bridge_opts bo;
    bridge_opts_from_def(def, &bo);
    if (netdev_bridge_create(&bo, err) < 0) { /* the message names the bridge */
        store_unlink(journal, NULL);
        return -1;
    }
    *ret_created = true;
    _cleanup_free_ char *mark = network_bridge_mark(def->name);
    if (netdev_link_set_alias(def->bridge_name, mark, err) < 0)
        return -1; /* rollback deletes the bridge, then the journal */
    return store_unlink(journal, err);
}

char *network_bridge_mark(const char *name)
{
    return xasprintf("vnet:%s", name);
}

/* Apply the network's table and record the kernel's digest of it. */
static int firewall_apply(const netdef *def, net_run *run, verr *err)
{
    /* libnftnl batches (fw_nftnl.c); the digest comes with the compiled table */
    return fw_table_apply_digest(def, run ? run->fw_digest : NULL, err) < 0 ? -1 : 0;
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
                             netdef_route_metric(rt), err) < 0)
            return verr_prefix(err, "static route");
    }
    return 0;
}

static bool route_wanted(const netdef *def, const netdev_route *r)
{
    for (size_t i = 0; i < def->n_routes; i++) {
        const netdef_route *rt = &def->routes[i];
        if (rt->prefix == r->prefix && vnet_addr_equal(&rt->address, &r->dst) &&
            (!vnet_addr_is_set(&rt->gateway) || vnet_addr_equal(&rt->gateway, &r->gateway)))
            return true;
    }
    /* the subnet route of an address, as adopt_subnet_routes puts it back */
    for (size_t i = 0; i < def->n_ips; i++) {
        const netdef_ip *ip = &def->ips[i];
        vnet_addr net;
        if (ip->family != AF_INET || vnet_addr_is_set(&r->gateway) || ip->prefix != r->prefix)
            continue;
        vnet_addr_network(&ip->address, ip->prefix, &net);
        if (vnet_addr_equal(&net, &r->dst))
            return true;
    }
    return false;
}

/* Static routes through the bridge that the definition does not have (left
 * by an earlier definition, or added by hand) are removed. */
static int static_routes_drop_extra(const netdef *def, bool *repaired, verr *err)
{
    _cleanup_free_ netdev_route *routes = NULL;
    size_t n = 0;
    if (netdev_route_list_static(def->bridge_name, &routes, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (route_wanted(def, &routes[i]))
            continue;
        char d[VNET_ADDR_STRLEN];
        log_warn("network '%s': removing route %s/%u via %s (not in the definition)", def->name,
                 vnet_addr_str(&routes[i].dst, d), routes[i].prefix, def->bridge_name);
        const vnet_addr *gw = vnet_addr_is_set(&routes[i].gateway) ? &routes[i].gateway : NULL;
        if (netdev_route_del(&routes[i].dst, routes[i].prefix, gw, def->bridge_name,
                             routes[i].metric, err) < 0)
            return -1;
        *repaired = true;
    }
    return 0;
}

/* The files of a network's dnsmasq in DNSMASQ_DIR, by extension: the plan's
 * conf, hostsfile and addnhosts. */
static const char *const dnsmasq_exts[] = {"conf", "hostsfile", "addnhosts"};

/* Plan def's dnsmasq files with the options vnetd runs dnsmasq with (the
 * same for writing them and for checking them). */
static int dnsmasq_plan_of(const network_env *env, const netdef *def, dnsmasq_plan *ret, verr *err)
{
    _cleanup_free_ char *pidfile = net_pidfile_path(env->paths, def->name);
    _cleanup_free_ char *servers = dnsmasq_servers_path(env->paths->dnsmasq_dir);
    dnsmasq_plan_opts opts = {
        .state_dir = env->paths->dnsmasq_dir,
        .pid_file = pidfile,
        .libvirt_compat = false,
        .fast_dhcp = true,
        .servers_file = servers,
        .user = env->dnsmasq_user,
    };
    *ret = (dnsmasq_plan){0};
    return dnsmasq_plan_build(def, &opts, ret, err);
}

/* Write the dnsmasq config, hosts files; world-readable, since dnsmasq
 * re-reads the hosts files after dropping privileges. */
static int dnsmasq_write_files(const network_env *env, const netdef *def, bool conf_too, verr *err)
{
    /* vnetd keeps the servers file current; make sure it exists (e.g. a
     * network started before the daemon's first write, or by a test). */
    if (conf_too && dnsmasq_uses_servers_file(def)) {
        _cleanup_free_ char *servers = dnsmasq_servers_path(env->paths->dnsmasq_dir);
        if (dnsmasq_servers_update(DNSMASQ_RESOLV_CONF, servers, true, NULL, err) < 0)
            return verr_prefix(err, "writing the upstream DNS servers file");
    }
    dnsmasq_plan plan;
    if (dnsmasq_plan_of(env, def, &plan, err) < 0)
        return -1;
    const char *texts[] = {plan.conf, plan.hostsfile, plan.addnhosts};
    int r = 0;
    for (size_t i = conf_too ? 0 : 1; i < ARRAY_SIZE(dnsmasq_exts) && r == 0; i++) {
        _cleanup_free_ char *path = store_dnsmasq_path(env->paths, def->name, dnsmasq_exts[i]);
        r = store_write_runtime(path, texts[i], strlen(texts[i]), 0644, err);
    }
    dnsmasq_plan_free(&plan);
    return r;
}

/* Everything but the leases: like libvirt, a network keeps its guests' leases
 * across destroy and start (so no address is handed out twice) until it is
 * undefined (network_forget_leases). */
static void dnsmasq_remove_files(const network_env *env, const netdef *def)
{
    for (size_t i = 0; i < ARRAY_SIZE(dnsmasq_exts); i++) {
        _cleanup_free_ char *path = store_dnsmasq_path(env->paths, def->name, dnsmasq_exts[i]);
        store_unlink(path, NULL);
    }
    _cleanup_free_ char *pidfile = net_pidfile_path(env->paths, def->name);
    store_unlink(pidfile, NULL);
}

int network_reattach_ports(const netdef *def, char *const *ports, size_t n, unsigned *ret_count,
                           verr *err)
{
    *ret_count = 0;
    if (!def->bridge_name || !netdef_is_managed_bridge(def))
        return 0;
    for (size_t i = 0; i < n; i++) {
        netdev_link link;
        int found = netdev_link_get(ports[i], &link, err);
        if (found < 0)
            return -1;
        if (found == 0 || link.master != 0 || streq(ports[i], def->bridge_name))
            continue;
        if (netdev_link_set_master(ports[i], def->bridge_name, err) < 0)
            return verr_prefix(err, "putting port %s back on %s", ports[i], def->bridge_name);
        (*ret_count)++;
    }
    return 0;
}

void network_forget_leases(const network_env *env, const char *name)
{
    _cleanup_free_ char *path = store_dnsmasq_path(env->paths, name, "leases");
    store_unlink(path, NULL);
}

/* Write dnsmasq's files and launch it (see network_start_begin). */
int network_dnsmasq_begin(const network_env *env, const netdef *def, dnsmasq_launch *l, verr *err)
{
    if (dnsmasq_write_files(env, def, true, err) < 0)
        return -1;
    _cleanup_free_ char *conf = store_dnsmasq_path(env->paths, def->name, "conf");
    _cleanup_free_ char *pidfile = net_pidfile_path(env->paths, def->name);
    store_unlink(pidfile, NULL);
    return dnsmasq_launch_begin(env->dnsmasq_bin, conf, l, err);
}

int network_dnsmasq_end(const network_env *env, const netdef *def, dnsmasq_launch *l, pid_t *ret_pid,
                       verr *err)
{
    _cleanup_free_ char *conf = store_dnsmasq_path(env->paths, def->name, "conf");
    _cleanup_free_ char *pidfile = net_pidfile_path(env->paths, def->name);
    return dnsmasq_launch_end(l, env->dnsmasq_bin, conf, pidfile, ret_pid, err);
}

void network_dnsmasq_kill(const network_env *env, const netdef *def, dnsmasq_launch *l)
{
    _cleanup_free_ char *conf = store_dnsmasq_path(env->paths, def->name, "conf");
    _cleanup_free_ char *pidfile = net_pidfile_path(env->paths, def->name);
    dnsmasq_launch_kill(l, conf, pidfile);
}

/* Launch dnsmasq and wait for it (adoption and live updates). */
static int dnsmasq_launch_now(const network_env *env, const netdef *def, pid_t *ret_pid, verr *err)
{
    dnsmasq_launch l;
    if (network_dnsmasq_begin(env, def, &l, err) < 0)
        return -1;
    if (!dnsmasq_launch_wait(&l, DNSMASQ_SPAWN_TIMEOUT_MS)) {
        network_dnsmasq_kill(env, def, &l);
        return verr_set(err, VERR_SYSTEM, "%s did not finish within %d ms; killed it",
                        env->dnsmasq_bin, DNSMASQ_SPAWN_TIMEOUT_MS);
    }
    return network_dnsmasq_end(env, def, &l, ret_pid, err);
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
    network_bandwidth_remove(def);
    _cleanup_free_ char *journal = network_creating_path(env, def->name);
    store_unlink(journal, NULL);
}

int network_start_begin(const network_env *env, const netdef *def, network_starting *st, verr *err)
{
    *st = (network_starting){.launch = DNSMASQ_LAUNCH_INIT};
    net_run *run = &st->run;
    snprintf(run->bridge, sizeof(run->bridge), "%s", def->bridge_name ? def->bridge_name : "");

    if (netdef_is_ovn(def)) { /* nothing on the host: an empty run-state */
        if (ovn_network_start(def, env->ovn_host, err) < 0)
            return -1;
        memset(run, 0, sizeof(*run));
        return 0;
    }
    if (!netdef_is_managed_bridge(def))
        return network_pool_start(env, def, run, err); /* creates nothing */
    if (start_preflight(env, def, err) < 0)
        goto fail_early;

    if (bridge_create_marked(env, def, &run->bridge_created, err) < 0) {
        if (run->bridge_created)
            goto fail;
        goto fail_early;
    }

    /* Up first, then the addresses: each address then comes with its routes in
     * one burst of netlink events, which wakes every running dnsmasq (they
     * all listen for address and route changes) once instead of twice. */
    if (bridge_ipv6_sysctls(def, err) < 0 || netdev_link_set_up(def->bridge_name, true, err) < 0 ||
        bridge_addresses(def, err) < 0) {
        verr_prefix(err, "configuring bridge '%s'", def->bridge_name);
        goto fail;
    }
    if (forwarding_sysctls(env, def, run, err) < 0) {
        verr_prefix(err, "enabling forwarding");
        goto fail;
    }
    if (fw_wanted(def)) {
        run->firewall = true; /* a failed apply changes nothing, removing is harmless */
        if (firewall_apply(def, run, err) < 0) {
            verr_prefix(err, "installing firewall rules");
            goto fail;
        }
    }
    if (static_routes(def, err) < 0)
        goto fail;
    if (network_bandwidth_apply(def, err) < 0) /* the bridge's removal undoes it */
        goto fail;
    if (dnsmasq_needed(def)) {
        run->dnsmasq_files = true;
        if (network_dnsmasq_begin(env, def, &st->launch, err) < 0) {
            verr_prefix(err, "starting dnsmasq");
            goto fail;
        }
        return 1;
    }
    return 0;

fail:
    start_rollback(env, def, run);
fail_early:
    net_run_clear(run);
    return verr_prefix(err, "starting network '%s'", def->name);
}

int network_start_finish(const network_env *env, const netdef *def, network_starting *st,
                         net_run *ret_run, verr *err)
{
    if (network_dnsmasq_end(env, def, &st->launch, &st->run.dnsmasq_pid, err) < 0) {
        verr_prefix(err, "starting dnsmasq");
        start_rollback(env, def, &st->run);
        net_run_clear(&st->run);
        return verr_prefix(err, "starting network '%s'", def->name);
    }
    *ret_run = st->run; /* (takes its sysctls) */
    st->run = (net_run){0};
    return 0;
}

void network_start_cancel(const network_env *env, const netdef *def, network_starting *st)
{
    network_dnsmasq_kill(env, def, &st->launch);
    start_rollback(env, def, &st->run);
    net_run_clear(&st->run);
}

int network_start(const network_env *env, const netdef *def, net_run *ret_run, verr *err)
{
    network_starting st;
    int r = network_start_begin(env, def, &st, err);
    if (r <= 0) {
        if (r == 0)
            *ret_run = st.run;
        return r;
    }
    if (!dnsmasq_launch_wait(&st.launch, DNSMASQ_SPAWN_TIMEOUT_MS)) {
        network_start_cancel(env, def, &st);
        verr_set(err, VERR_SYSTEM, "%s did not finish within %d ms; killed it", env->dnsmasq_bin,
                 DNSMASQ_SPAWN_TIMEOUT_MS);
        verr_prefix(err, "starting dnsmasq");
        return verr_prefix(err, "starting network '%s'", def->name);
    }
    return network_start_finish(env, def, &st, ret_run, err);
}

bool network_stop_begin(const network_env *env, const netdef *def, const net_run *run,
                       network_stopping *st)
{
    *st = (network_stopping){.dnsmasq_pidfd = -1, .err = VERR_INIT};
    if (netdef_is_ovn(def) || run->dnsmasq_pid <= 0)
        return 0;
    _cleanup_free_ char *conf = store_dnsmasq_path(env->paths, def->name, "conf");
    if (!dnsmasq_is_ours(run->dnsmasq_pid, conf))
        return 0;
    /* a failure is remembered; the rest of the stop still runs */
    int r = dnsmasq_stop_begin(run->dnsmasq_pid, &st->dnsmasq_pidfd, &st->err);
    st->dnsmasq_pid = r > 0 ? run->dnsmasq_pid : 0;
    return r > 0;
}

void network_stop_kill(network_stopping *st)
{
    if (st->dnsmasq_pidfd < 0 || st->killed)
        return;
    st->killed = true;
    verr e = VERR_INIT;
    if (dnsmasq_stop_kill(st->dnsmasq_pid, st->dnsmasq_pidfd, &e) < 0 && !verr_is_set(&st->err))
        st->err = e;
}

/* Wait for a stopped dnsmasq (poll on its pidfd) for up to timeout_ms. */
bool network_stop_wait(const network_stopping *st, int timeout_ms)
{
    if (st->dnsmasq_pidfd < 0)
        return true;
    struct pollfd p = {.fd = st->dnsmasq_pidfd, .events = POLLIN};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long spent = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        int r = poll(&p, 1, spent >= timeout_ms ? 0 : (int)(timeout_ms - spent));
        if (r > 0)
            return true;
        if (r == 0 || errno != EINTR)
            return false;
    }
}

/* dnsmasq is gone, or was given up on (then it is the stop's first error). */
static void stop_dnsmasq_end(network_stopping *st, bool gone, verr *first)
{
    if (st->dnsmasq_pidfd >= 0 && !gone) {
        if (!verr_is_set(first))
            verr_set(first, VERR_SYSTEM, "dnsmasq (pid %d) did not exit after SIGKILL",
                     (int)st->dnsmasq_pid);
        close(st->dnsmasq_pidfd);
    } else {
        dnsmasq_stop_end(st->dnsmasq_pidfd);
    }
    st->dnsmasq_pidfd = -1;
}

int network_stop_finish(const network_env *env, const netdef *def, const net_run *runp,
                        network_stopping *st, bool dnsmasq_gone, verr *err)
{
    verr first = st->err;
    stop_dnsmasq_end(st, dnsmasq_gone, &first);
    if (netdef_is_ovn(def))
        return ovn_network_stop(def, env->ovn_host, err);
    net_run run;
    net_run_copy(&run, runp);
    const char *bridge = run.bridge[0] ? run.bridge : def->bridge_name;
    verr e = VERR_INIT;

    if (run.dnsmasq_files)
        dnsmasq_remove_files(env, def);
    if (netdef_is_managed_bridge(def))
        network_bandwidth_remove(def);
    else
        network_pool_stop(def);
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

bool network_stop_wait_all(network_stopping *st)
{
    if (!st->killed && network_stop_wait(st, DNSMASQ_STOP_TERM_TIMEOUT_MS))
        return true;
    network_stop_kill(st);
    return network_stop_wait(st, DNSMASQ_STOP_KILL_TIMEOUT_MS);
}

int network_stop(const network_env *env, const netdef *def, const net_run *run, verr *err)
{
    network_stopping st;
    bool gone = !network_stop_begin(env, def, run, &st) || network_stop_wait_all(&st);
    return network_stop_finish(env, def, run, &st, gone, err);
}

/* The subnet route the kernel made with each IPv4 address, if someone removed
 * it (the address itself still there): put it back. */
static int adopt_subnet_routes(const netdef *def, bool *repaired, verr *err)
{
    for (size_t i = 0; i < def->n_ips; i++) {
        const netdef_ip *ip = &def->ips[i];
        if (ip->family != AF_INET)
            continue;
        vnet_addr net;
        vnet_addr_network(&ip->address, ip->prefix, &net);
        int has = netdev_route_has(&net, ip->prefix, def->bridge_name, err);
        if (has < 0)
            return -1;
        if (has == 0) {
            if (netdev_route_add(&net, ip->prefix, NULL, def->bridge_name, 0, err) < 0)
                return -1;
            *repaired = true;
        }
    }
    return 0;
}

/* Addresses on the bridge that the definition does not have (link-local
 * ones aside) are removed: the kernel holds what the definition says. */
static int bridge_drop_extra_addresses(const netdef *def, bool *repaired, verr *err)
{
    _cleanup_free_ netdev_addr *addrs = NULL;
    size_t n = 0;
    if (netdev_addr_list(def->bridge_name, &addrs, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (addrs[i].link_local)
            continue;
        bool wanted = false;
        for (size_t k = 0; k < def->n_ips && !wanted; k++)
            wanted = vnet_addr_equal(&def->ips[k].address, &addrs[i].addr) &&
                     def->ips[k].prefix == addrs[i].prefix;
        if (wanted)
            continue;
        char buf[VNET_ADDR_STRLEN];
        log_warn("network '%s': removing address %s/%u from %s (not in the definition)",
                 def->name, vnet_addr_str(&addrs[i].addr, buf), addrs[i].prefix,
                 def->bridge_name);
        if (netdev_addr_del(def->bridge_name, &addrs[i].addr, addrs[i].prefix, err) < 0)
            return -1;
        *repaired = true;
    }
    return 0;
}

/* Bridge present, marked, up and addressed; re-created if someone deleted it
 * (*ret_recreated then says so: dnsmasq must start over on the new device). */
static int adopt_bridge(const network_env *env, const netdef *def, net_run *run, bool *repaired,
                        bool *ret_recreated, verr *err)
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
        bool created;
        if (bridge_create_marked(env, def, &created, err) < 0 || bridge_ipv6_sysctls(def, err) < 0)
            return -1;
        run->bridge_created = true;
        *repaired = true;
        *ret_recreated = true;
        log_warn("network '%s': bridge %s was missing, re-created", def->name, def->bridge_name);
    } else {
        _cleanup_free_ char *mark = network_bridge_mark(def->name);
        if (!streq(link.alias, mark) && netdev_link_set_alias(def->bridge_name, mark, err) < 0)
            return -1;
        if (link.master != 0) { /* a network's bridge is nobody's port */
            log_warn("network '%s': %s had been made a port of another device, detaching it",
                     def->name, def->bridge_name);
            if (netdev_link_set_master(def->bridge_name, NULL, err) < 0)
                return -1;
            *repaired = true;
        }
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
    if (bridge_drop_extra_addresses(def, repaired, err) < 0)
        return -1;
    if (!up) {
        if (netdev_link_set_up(def->bridge_name, true, err) < 0)
            return -1;
        *repaired = true;
    }
    return adopt_subnet_routes(def, repaired, err);
}

/* The table as the kernel holds it must be the one vnet last installed (its
 * digest is in the status): otherwise it is replaced, in one transaction, by
 * the plan of the running definition. This finds a table deleted or edited by
 * another program, and map elements (forwards) added or removed by a vnetd
 * that died before it could record the change. */
static int adopt_firewall(const netdef *def, net_run *run, bool *repaired, verr *err)
{
    if (!fw_wanted(def))
        return 0;
    char now[FW_DIGEST_LEN] = "";
    int r = fw_table_digest(def, now, err);
    if (r < 0)
        return -1;
    run->firewall = true;
    if (r > 0 && run->fw_digest[0] && streq(now, run->fw_digest))
        return 0;
    if (firewall_apply(def, run, err) < 0)
        return -1;
    if (r > 0 && streq(now, run->fw_digest))
        return 0; /* (status without a digest, table as planned) */
    *repaired = true;
    log_warn("network '%s': firewall table was %s, re-installed", def->name,
             r == 0 ? "missing" : "not as vnet left it");
    return 0;
}

/* Does each dnsmasq file hold what the plan says? */
static int dnsmasq_files_check(const network_env *env, const netdef *def, bool *ret_conf_ok,
                               bool *ret_hosts_ok, verr *err)
{
    dnsmasq_plan plan;
    if (dnsmasq_plan_of(env, def, &plan, err) < 0)
        return -1;
    const char *texts[] = {plan.conf, plan.hostsfile, plan.addnhosts};
    bool same[3];
    for (size_t i = 0; i < ARRAY_SIZE(dnsmasq_exts); i++) {
        _cleanup_free_ char *path = store_dnsmasq_path(env->paths, def->name, dnsmasq_exts[i]);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        same[i] = store_read_file(path, &text, &len, NULL) > 0 && streq(text, texts[i]);
    }
    dnsmasq_plan_free(&plan);
    *ret_conf_ok = same[0];
    *ret_hosts_ok = same[1] && same[2];
    return 0;
}

/* The status names no live dnsmasq: look for one running this network's
 * config (a vnetd that died after starting it and before recording it). With
 * `keep`, the first one found is adopted; every other one is stopped, since
 * two would fight over the bridge's DHCP and DNS ports. */
static int adopt_dnsmasq_by_conf(const network_env *env, const netdef *def, net_run *run,
                                 bool keep, verr *err)
{
    _cleanup_free_ dnsmasq_proc *procs = NULL;
    size_t n = 0;
    if (dnsmasq_find_all(env->paths->dnsmasq_dir, &procs, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!streq(procs[i].name, def->name))
            continue;
        if (keep) {
            log_info("network '%s': adopting dnsmasq pid %d, found by its config", def->name,
                     (int)procs[i].pid);
            run->dnsmasq_pid = procs[i].pid;
            keep = false;
        } else if (dnsmasq_stop(procs[i].pid, err) < 0) {
            return -1;
        }
    }
    return 0;
}

/* dnsmasq running with our config, and the config as planned; restarted when
 * it is gone, when its config differs, or when the bridge was re-created
 * (dnsmasq's DHCP state belongs to the old device). Hosts files that differ
 * are rewritten and re-read (SIGHUP). */
static int adopt_dnsmasq(const network_env *env, const netdef *def, net_run *run, bool restart,
                         bool *repaired, network_adopting *a, verr *err)
{
    if (!dnsmasq_needed(def))
        return 0;
    _cleanup_free_ char *conf = store_dnsmasq_path(env->paths, def->name, "conf");
    run->dnsmasq_files = true;
    bool conf_ok, hosts_ok;
    if (dnsmasq_files_check(env, def, &conf_ok, &hosts_ok, err) < 0)
        return -1;
    bool alive = run->dnsmasq_pid > 0 && dnsmasq_is_ours(run->dnsmasq_pid, conf);
    if (!alive && adopt_dnsmasq_by_conf(env, def, run, conf_ok && !restart, err) < 0)
        return -1;
    if (run->dnsmasq_pid > 0 && !alive && dnsmasq_is_ours(run->dnsmasq_pid, conf)) {
        alive = true; /* found by its config: a start or restart the status missed */
        *repaired = true;
    }
    if (alive && !restart && conf_ok) {
        if (hosts_ok)
            return 0;
        if (dnsmasq_write_files(env, def, false, err) < 0 ||
            dnsmasq_reload(run->dnsmasq_pid, err) < 0)
            return verr_prefix(err, "updating dnsmasq's hosts files");
        *repaired = true;
        return 0;
    }
    if (alive) {
        if (!conf_ok)
            log_warn("network '%s': dnsmasq's config is not as planned, restarting it",
                     def->name);
        if (a) { /* the caller waits for its exit (network_adopt_relaunch) */
            *repaired = true;
            if (network_stop_begin(env, def, run, &a->stop)) {
                run->dnsmasq_pid = 0;
                return 2;
            }
            if (verr_is_set(&a->stop.err)) {
                *err = a->stop.err;
                return verr_prefix(err, "restarting dnsmasq");
            }
        } else if (dnsmasq_stop(run->dnsmasq_pid, err) < 0) {
            return verr_prefix(err, "restarting dnsmasq");
        }
        run->dnsmasq_pid = 0;
    }
    if (run->dnsmasq_pid > 0)
        log_warn("network '%s': dnsmasq (pid %d) is gone, restarting it", def->name,
                 (int)run->dnsmasq_pid);
    run->dnsmasq_pid = 0;
    *repaired = true;
    if (a) { /* the caller waits for it (network_adopt_finish) */
        if (network_dnsmasq_begin(env, def, &a->launch, err) < 0)
            return verr_prefix(err, "restarting dnsmasq");
        return 1;
    }
    if (dnsmasq_launch_now(env, def, &run->dnsmasq_pid, err) < 0)
        return verr_prefix(err, "restarting dnsmasq");
    return 0;
}

int network_adopt(const network_env *env, const netdef *def, const net_run *old,
                  net_run *ret_run, bool *ret_repaired, verr *err)
{
    return network_adopt_begin(env, def, old, ret_run, ret_repaired, NULL, err);
}

int network_adopt_relaunch(const network_env *env, const netdef *def, network_adopting *a,
                           bool dnsmasq_gone, verr *err)
{
    if (!dnsmasq_gone) {
        close(a->stop.dnsmasq_pidfd);
        a->stop.dnsmasq_pidfd = -1;
        verr_set(err, VERR_SYSTEM, "dnsmasq (pid %d) did not exit after SIGKILL",
                 (int)a->stop.dnsmasq_pid);
    } else {
        dnsmasq_stop_end(a->stop.dnsmasq_pidfd);
        a->stop.dnsmasq_pidfd = -1;
        if (network_dnsmasq_begin(env, def, &a->launch, err) == 0)
            return 1;
    }
    verr_prefix(err, "restarting dnsmasq");
    return verr_prefix(err, "repairing network '%s'", def->name);
}

int network_adopt_finish(const network_env *env, const netdef *def, network_adopting *a,
                         net_run *run, verr *err)
{
    if (network_dnsmasq_end(env, def, &a->launch, &run->dnsmasq_pid, err) < 0) {
        verr_prefix(err, "restarting dnsmasq");
        return verr_prefix(err, "repairing network '%s'", def->name);
    }
    return 0;
}

int network_adopt_begin(const network_env *env, const netdef *def, const net_run *old,
                        net_run *ret_run, bool *ret_repaired, network_adopting *a, verr *err)
{
    if (a)
        *a = (network_adopting){.stop = {.dnsmasq_pidfd = -1}, .launch = DNSMASQ_LAUNCH_INIT};
    net_run run;
    bool repaired = false, recreated = false;
    int r = 0;
    if (netdef_is_ovn(def)) {
        if (ovn_network_adopt(def, env->ovn_host, ret_repaired, err) < 0)
            return -1;
        memset(ret_run, 0, sizeof(*ret_run));
        return 0;
    }
    net_run_copy(&run, old);
    if (def->bridge_name)
        snprintf(run.bridge, sizeof(run.bridge), "%s", def->bridge_name);

    if (!netdef_is_managed_bridge(def)) { /* nothing of ours on the host to check */
        *ret_run = run;
        if (ret_repaired)
            *ret_repaired = false;
        return 0;
    }
    if (!mode_supported(def->forward_mode))
        r = verr_set(err, VERR_UNSUPPORTED, "forward mode '%s' is not supported by vnet",
                     netdef_forward_mode_name(def->forward_mode));
    if (r == 0)
        r = adopt_bridge(env, def, &run, &repaired, &recreated, err);
    if (r == 0) {
        r = forwarding_sysctls(env, def, NULL, err);
        if (r > 0) {
            repaired = true;
            log_warn("network '%s': forwarding had been switched off, switched it on", def->name);
            r = 0;
        }
    }
    if (r == 0)
        r = adopt_firewall(def, &run, &repaired, err);
    if (r == 0)
        r = static_routes(def, err);
    if (r == 0)
        r = static_routes_drop_extra(def, &repaired, err);
    if (r == 0)
        r = network_bandwidth_apply_floors(def, run.floors, run.n_floors, err);
    if (r == 0)
        r = adopt_dnsmasq(env, def, &run, recreated, &repaired, a, err);
    if (r < 0) {
        net_run_clear(&run);
        return verr_prefix(err, "repairing network '%s'", def->name);
    }
    *ret_run = run; /* (takes its sysctls) */
    if (ret_repaired)
        *ret_repaired = repaired;
    return r;
}

int network_adopt_firewall(const network_env *env, const netdef *def, const net_run *old,
                           net_run *ret_run, bool *ret_repaired, verr *err)
{
    if (netdef_is_ovn(def) || !netdef_is_managed_bridge(def) || !mode_supported(def->forward_mode))
        return network_adopt(env, def, old, ret_run, ret_repaired, err);
    net_run run;
    bool repaired = false;
    net_run_copy(&run, old);
    if (adopt_firewall(def, &run, &repaired, err) < 0) {
        net_run_clear(&run);
        return verr_prefix(err, "repairing the firewall of network '%s'", def->name);
    }
    *ret_run = run;
    if (ret_repaired)
        *ret_repaired = repaired;
    return 0;
}

int network_reload_hosts(const network_env *env, const netdef *def, const net_run *run,
                         verr *err)
{
    if (netdef_is_ovn(def))
        return 0; /* no dnsmasq: OVN's native DHCP */
    if (!dnsmasq_needed(def))
        return 0;
    if (dnsmasq_write_files(env, def, false, err) < 0)
        return verr_prefix(err, "updating hosts files of '%s'", def->name);
    pid_t pid = run->dnsmasq_pid;
    if (pid > 0 && dnsmasq_reload(pid, err) < 0)
        return verr_prefix(err, "reloading dnsmasq of '%s'", def->name);
    return 0;
}

/* Changes to a running network: a live net-update, port forwards added or
 * removed, and the conntrack clean-up that goes with them. The daemon decides
 * what the new definition is; this file changes the host to match it and
 * returns the updated status (with the new table digest, so the next check
 * does not take vnet's own change for drift). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dnsmasq/dnsmasq.h"
#include "firewall/firewall.h"
#include "netdev/netdev.h"
#include "network/network.h"
#include "network/status.h"
#include "ovn/ovn_network.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

/* The run-state with the digest of the table as the kernel holds it now. */
static int run_refresh_digest(const netdef *def, const net_run *run, net_run *ret_run, verr *err)
{
    net_run r;
    net_run_copy(&r, run);
    r.fw_digest[0] = '\0';
    if (fw_wanted(def) && fw_table_digest(def, r.fw_digest, err) < 0) {
        net_run_clear(&r);
        return -1;
    }
    *ret_run = r;
    return 0;
}

int network_update_live(const network_env *env, const netdef *def, netdef_section section,
                        const net_run *run, net_run *ret_run, verr *err)
{
    if (netdef_is_ovn(def)) { /* DHCP options, DNS records, router: rows in the NB */
        if (ovn_network_update(def, env->ovn_host, err) < 0)
            return verr_prefix(err, "updating network '%s'", def->name);
        net_run_copy(ret_run, run);
        return 0;
    }
    if (section == NETDEF_SECTION_IP_DHCP_HOST || section == NETDEF_SECTION_DNS_HOST) {
        if (network_reload_hosts(env, def, run, err) < 0)
            return -1;
        net_run_copy(ret_run, run);
        return 0;
    }
    if (fw_wanted(def) && fw_table_apply(def, err) < 0) /* libnftnl batches (fw_nftnl.c) */
        return verr_prefix(err, "updating the firewall of network '%s'", def->name);
    net_run st;
    if (run_refresh_digest(def, run, &st, err) < 0)
        return -1;
    if (st.dnsmasq_pid > 0 && dnsmasq_stop(st.dnsmasq_pid, err) < 0) {
        net_run_clear(&st);
        return verr_prefix(err, "restarting dnsmasq of network '%s'", def->name);
    }
    /* adopt restarts dnsmasq with the new config and checks everything else */
    int r = network_adopt(env, def, &st, ret_run, NULL, err);
    net_run_clear(&st);
    return r;
}

static bool update_restarts_dnsmasq(const netdef *def, netdef_section section)
{
    return !netdef_is_ovn(def) && section != NETDEF_SECTION_IP_DHCP_HOST &&
           section != NETDEF_SECTION_DNS_HOST;
}

int network_update_live_begin(const network_env *env, const netdef *def, netdef_section section,
                              const net_run *run, network_updating *u, net_run *ret_run,
                              verr *err)
{
    *u = (network_updating){.stop = {.dnsmasq_pidfd = -1}, .launch = DNSMASQ_LAUNCH_INIT};
    if (!update_restarts_dnsmasq(def, section))
        return network_update_live(env, def, section, run, ret_run, err);
    if (fw_wanted(def) && fw_table_apply(def, err) < 0)
        return verr_prefix(err, "updating the firewall of network '%s'", def->name);
    if (run_refresh_digest(def, run, &u->run, err) < 0)
        return -1;
    if (network_stop_begin(env, def, &u->run, &u->stop))
        return 1;
    return network_update_live_relaunch(env, def, u, true, ret_run, err);
}

int network_update_live_relaunch(const network_env *env, const netdef *def, network_updating *u,
                                 bool dnsmasq_gone, net_run *ret_run, verr *err)
{
    verr first = u->stop.err;
    if (u->stop.dnsmasq_pidfd >= 0 && !dnsmasq_gone && !verr_is_set(&first))
        verr_set(&first, VERR_SYSTEM, "dnsmasq (pid %d) did not exit after SIGKILL",
                 (int)u->stop.dnsmasq_pid);
    if (dnsmasq_gone)
        dnsmasq_stop_end(u->stop.dnsmasq_pidfd);
    else if (u->stop.dnsmasq_pidfd >= 0)
        close(u->stop.dnsmasq_pidfd);
    u->stop.dnsmasq_pidfd = -1;
    if (verr_is_set(&first)) {
        *err = first;
        net_run_clear(&u->run);
        return verr_prefix(err, "restarting dnsmasq of network '%s'", def->name);
    }
    u->run.dnsmasq_pid = 0;
    if (dnsmasq_needed(def)) {
        u->run.dnsmasq_files = true;
        if (network_dnsmasq_begin(env, def, &u->launch, err) < 0) {
            net_run_clear(&u->run);
            return verr_prefix(err, "restarting dnsmasq of network '%s'", def->name);
        }
        return 1;
    }
    int r = network_adopt(env, def, &u->run, ret_run, NULL, err);
    net_run_clear(&u->run);
    return r;
}

int network_update_live_finish(const network_env *env, const netdef *def, network_updating *u,
                               net_run *ret_run, verr *err)
{
    int r = network_dnsmasq_end(env, def, &u->launch, &u->run.dnsmasq_pid, err);
    if (r < 0) {
        verr_prefix(err, "restarting dnsmasq of network '%s'", def->name);
    } else {
        /* adopt finds the new dnsmasq serving and checks everything else */
        r = network_adopt(env, def, &u->run, ret_run, NULL, err);
    }
    net_run_clear(&u->run);
    return r;
}

void network_update_live_cancel(const network_env *env, const netdef *def, network_updating *u)
{
    if (u->stop.dnsmasq_pidfd >= 0) {
        network_stop_kill(&u->stop);
        if (network_stop_wait(&u->stop, DNSMASQ_STOP_KILL_TIMEOUT_MS))
            dnsmasq_stop_end(u->stop.dnsmasq_pidfd);
        else
            close(u->stop.dnsmasq_pidfd);
        u->stop.dnsmasq_pidfd = -1;
    }
    if (u->launch.pidfd >= 0)
        network_dnsmasq_kill(env, def, &u->launch);
    net_run_clear(&u->run);
}

/* route_localnet on the bridge follows whether a forward on 127.0.0.1 exists. */
static int forward_set_localnet(const netdef *def, bool on, verr *err)
{
    _cleanup_free_ char *path = xasprintf("net/ipv4/conf/%s/route_localnet", def->bridge_name);
    return netdev_sysctl_write(path, on ? "1" : "0", err);
}

static int forwards_apply(const netdef *oldlive, const netdef *newlive,
                          const netdef_port_forward *pfs, size_t n, bool add, verr *err)
{
    bool localnet = fw_needs_route_localnet(newlive);
    bool localnet_changes = localnet != fw_needs_route_localnet(oldlive);
    if (localnet_changes && localnet && forward_set_localnet(newlive, true, err) < 0)
        return -1;
    /* map-element changes only, one libnftnl transaction (fw_nftnl.c) */
    int r = fw_forwards_apply(oldlive, pfs, n, add, err);
    if (r == 0 && localnet_changes && !localnet) {
        verr e = VERR_INIT;
        if (forward_set_localnet(newlive, false, &e) < 0)
            log_warn("%s", e.msg);
    }
    return r;
}

int network_forwards_change(const network_env *env, const netdef *oldlive, const netdef *newlive,
                            const netdef_port_forward *pfs, size_t n, bool add, const net_run *run,
                            net_run *ret_run, verr *err)
{
    if (netdef_is_ovn(newlive)) { /* load balancers in the NB; nothing on the host */
        if (n && ovn_network_update(newlive, env->ovn_host, err) < 0)
            return -1;
        net_run_copy(ret_run, run);
        return 0;
    }
    if (!fw_wanted(newlive) || n == 0) {
        net_run_copy(ret_run, run);
        return 0;
    }
    if (forwards_apply(oldlive, newlive, pfs, n, add, err) < 0)
        return -1;
    if (run_refresh_digest(newlive, run, ret_run, err) < 0) {
        verr e = VERR_INIT;
        if (forwards_apply(newlive, oldlive, pfs, n, !add, &e) < 0)
            log_err("%s", e.msg);
        return -1;
    }
    return 0;
}

/* Conntrack clean-up for forward changes, done before the reply. Dropping
 * the stale entries of a new forward's port (so a stream already knocking is
 * DNATed at once) and a removed forward's connections (so its flows stop)
 * walks the kernel's whole conntrack table: ~10-15 ms even when it holds
 * little. Both are promises of the command ("reaches the guest right after
 * forward-add", "stops when forward-del returns"); deferring them after the
 * reply broke exactly those promises. */
void network_forward_forget(const char *net, const netdef_port_forward *pf)
{
    verr e = VERR_INIT;
    unsigned n = 0;
    if (fw_conntrack_forget(pf, &n, &e) < 0)
        log_warn("network '%s': %s", net, e.msg);
    else if (n)
        log_info("network '%s': %u connection(s) of the removed forward dropped", net, n);
}

void network_forward_forget_stale(const char *net, const netdef_port_forward *pf)
{
    verr e = VERR_INIT;
    unsigned n = 0;
    if (fw_conntrack_forget_stale(pf, &n, &e) < 0)
        log_warn("network '%s': %s", net, e.msg);
    else if (n)
        log_info("network '%s': %u earlier connection(s) to the new forward's port dropped", net,
                 n);
}

void network_forwards_forget_all(const netdef *def)
{
    verr e = VERR_INIT;
    unsigned n = 0;
    if (!def || def->n_port_forwards == 0 || netdef_is_ovn(def)) /* (OVN's conntrack) */
        return;
    if (fw_conntrack_forget_all(def, &n, &e) < 0)
        log_warn("network '%s': %s", def->name, e.msg);
    else if (n)
        log_info("network '%s': %u port-forwarded connection(s) dropped", def->name, n);
}

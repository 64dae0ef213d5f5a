/* Networks that do not own a bridge (see pool.h). */
#include "network/pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netdev/netdev.h"
#include "netdev/sriov.h"
#include "network/bandwidth.h"
#include "network/status.h"
#include "ovn/ovsdb.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static const char *sysfs_of(const network_env *env)
{
    return env->sysfs_root && *env->sysfs_root ? env->sysfs_root : "/sys";
}

/* A <pf>'s virtual functions: interface names (direct) or PCI addresses (hostdev). */
static void pool_push(net_run *run, bool hostdev, const char *s)
{
    if (hostdev)
        *(char **)xarray_push(&run->pool_pcis, &run->n_pool_pcis, sizeof(char *)) = xstrdup(s);
    else
        *(char **)xarray_push(&run->pool_devs, &run->n_pool_devs, sizeof(char *)) = xstrdup(s);
}

static int pool_expand_pf(const network_env *env, const netdef *def, const char *pf, net_run *run,
                          verr *err)
{
    _cleanup_free_ netdev_vf *vfs = NULL;
    size_t n = 0;
    if (netdev_sriov_vfs(sysfs_of(env), pf, &vfs, &n, err) < 0)
        return -1;
    if (n == 0)
        return verr_set(err, VERR_INVALID, "%s has no SR-IOV virtual functions", pf);
    bool hostdev = def->forward_mode == NETDEF_FWD_HOSTDEV;
    for (size_t i = 0; i < n; i++)
        if (hostdev || vfs[i].ifname[0])
            pool_push(run, hostdev, hostdev ? vfs[i].pci : vfs[i].ifname);
    if (run->n_pool_devs + run->n_pool_pcis == 0)
        return verr_set(err, VERR_INVALID,
                        "the virtual functions of %s have no network interfaces (bound to "
                        "another driver?)",
                        pf);
    return 0;
}

static int pool_direct_devs(const netdef *def, net_run *run, verr *err)
{
    if (def->n_forward_ifaces == 0)
        return verr_set(err, VERR_INVALID,
                        "network '%s' uses a direct mode, but has no forward dev and no interface "
                        "pool",
                        def->name);
    for (size_t i = 0; i < def->n_forward_ifaces; i++) {
        netdev_link l;
        int r = netdev_link_get(def->forward_ifaces[i], &l, err);
        if (r < 0)
            return -1;
        if (r == 0)
            return verr_set(err, VERR_NOT_FOUND, "interface '%s' of the pool does not exist",
                            def->forward_ifaces[i]);
        pool_push(run, false, def->forward_ifaces[i]);
    }
    return 0;
}

static int pool_pci_list(const network_env *env, const netdef *def, net_run *run, verr *err)
{
    _cleanup_free_ netplug_pci *pcis = NULL;
    size_t n = netdef_forward_pcis(def, &pcis);
    char buf[16];
    if (n == 0)
        return verr_set(err, VERR_INVALID,
                        "network '%s' uses mode hostdev, but has no <pf> and no <address>",
                        def->name);
    for (size_t i = 0; i < n; i++) {
        netplug_pci_str(&pcis[i], buf);
        if (!netdev_pci_exists(sysfs_of(env), buf))
            return verr_set(err, VERR_NOT_FOUND, "PCI device %s of the pool does not exist", buf);
        pool_push(run, true, buf);
    }
    return 0;
}

/* Interface names for direct modes, PCI addresses for hostdev, nothing for a host bridge. */
static int pool_resolve(const network_env *env, const netdef *def, net_run *run, verr *err)
{
    const char *pf = netdef_forward_pf(def);
    bool hostdev = def->forward_mode == NETDEF_FWD_HOSTDEV;
    run->pool = true;
    if (def->forward_mode == NETDEF_FWD_BRIDGE && def->bridge_name) {
        snprintf(run->bridge, sizeof(run->bridge), "%s", def->bridge_name);
        return 0;
    }
    if (pf)
        return pool_expand_pf(env, def, pf, run, err);
    return hostdev ? pool_pci_list(env, def, run, err) : pool_direct_devs(def, run, err);
}

/* What libvirt does to a host bridge at start: its <bandwidth>, and VLAN
 * filtering for macTableManager='libvirt'. Undone by network_pool_stop. */
static int host_bridge_start(const netdef *def, verr *err)
{
    if (def->forward_mode != NETDEF_FWD_BRIDGE || !def->bridge_name)
        return 0;
    if (def->mac_table_manager && streq(def->mac_table_manager, "libvirt") &&
        netdev_bridge_set_vlan_filtering(def->bridge_name, true, err) < 0)
        return -1;
    if (network_bandwidth_apply(def, err) < 0) {
        network_bandwidth_clear(def);
        return -1;
    }
    return 0;
}

void network_pool_stop(const netdef *def)
{
    if (def->forward_mode == NETDEF_FWD_BRIDGE && def->bridge_name)
        network_bandwidth_clear(def);
}

int network_pool_start(const network_env *env, const netdef *def, net_run *ret_run, verr *err)
{
    net_run run = {0};
    if (network_bandwidth_check(def, err) < 0 || pool_resolve(env, def, &run, err) < 0 ||
        host_bridge_start(def, err) < 0) {
        net_run_clear(&run);
        return verr_prefix(err, "starting network '%s'", def->name);
    }
    *ret_run = run;
    return 0;
}

/* A Linux bridge (or an Open vSwitch bridge of the kernel datapath, whose
 * device is of kind "openvswitch"), judged by its kernel link. */
static const char *kernel_bridge_state(const char *name, char *ret_why, size_t len)
{
    netdev_link l;
    int r = netdev_link_get(name, &l, NULL);
    if (r < 0) {
        snprintf(ret_why, len, "the state of bridge '%s' cannot be read", name);
        return NULL;
    }
    if (r == 0) {
        snprintf(ret_why, len, "bridge '%s' does not exist", name);
        return "missing";
    }
    if (!streq(l.kind, "bridge") && !streq(l.kind, "openvswitch")) {
        snprintf(ret_why, len, "'%s' is not a bridge (%s)", name, l.kind[0] ? l.kind : "no kind");
        return "not a bridge";
    }
    if (!l.up) {
        snprintf(ret_why, len, "bridge '%s' is down", name);
        return "down";
    }
    ret_why[0] = '\0';
    return "up";
}

const char *network_ovs_db(const char *configured)
{
    static const char *const defaults[] = {"unix:/run/openvswitch/db.sock",
                                           "unix:/var/run/openvswitch/db.sock"};
    if (configured && *configured)
        return configured;
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        if (access(defaults[i] + strlen("unix:"), F_OK) == 0)
            return defaults[i];
    return defaults[0];
}

/* 1 when the Open_vSwitch database has a Bridge row named name (its
 * datapath_type into ret_dp: "" for the default, the kernel's), 0 when not. */
static int ovs_find_bridge(const char *remote, const char *name, char *ret_dp, size_t dp_len,
                           verr *err)
{
    _cleanup_(ovsdb_closep) ovsdb *c = NULL;
    json_t *rows = NULL;
    if (ovsdb_connect(remote, NETWORK_OVS_TIMEOUT_MS, &c, err) < 0 ||
        ovsdb_select(c, "Open_vSwitch", "Bridge", json_pack("[[sss]]", "name", "==", name),
                     json_pack("[ss]", "name", "datapath_type"), &rows, err) < 0)
        return -1;
    json_t *row = json_array_get(rows, 0);
    const char *dp = json_string_value(json_object_get(row, "datapath_type"));
    snprintf(ret_dp, dp_len, "%s", dp ? dp : "");
    json_decref(rows);
    return row != NULL;
}

/* An Open vSwitch bridge: its Bridge row, then its device. With the kernel
 * datapath the device is of kind "openvswitch"; with the userspace (netdev)
 * datapath ovs-vswitchd makes it a tap ("tun"). */
static const char *ovs_bridge_state(const char *ovs_db, const char *name, char *ret_why, size_t len)
{
    verr e = VERR_INIT;
    char dp[32];
    int has = ovs_find_bridge(network_ovs_db(ovs_db), name, dp, sizeof(dp), &e);
    if (has < 0) {
        snprintf(ret_why, len, "cannot ask Open vSwitch about bridge '%s': %s", name, e.msg);
        return NULL;
    }
    netdev_link l;
    int r = netdev_link_get(name, &l, NULL);
    if (r < 0) {
        snprintf(ret_why, len, "the state of bridge '%s' cannot be read", name);
        return NULL;
    }
    if (!has && r > 0) {
        snprintf(ret_why, len, "'%s' is not an Open vSwitch bridge (%s)", name,
                 streq(l.kind, "bridge") ? "a Linux bridge"
                 : l.kind[0]             ? l.kind
                                         : "no kind");
        return "not a bridge";
    }
    if (!has) {
        snprintf(ret_why, len, "Open vSwitch has no bridge '%s'", name);
        return "missing";
    }
    if (r == 0) {
        if (streq(dp, "netdev"))
            snprintf(ret_why, len,
                     "Open vSwitch bridge '%s' has no device (is ovs-vswitchd running?)", name);
        else /* the kernel's datapath also needs its openvswitch module */
            snprintf(ret_why, len,
                     "Open vSwitch bridge '%s' has no device (is ovs-vswitchd running? its "
                     "datapath is the kernel's, which needs the openvswitch module; "
                     "datapath_type=netdev does not)",
                     name);
        return "down";
    }
    if (!streq(l.kind, "openvswitch") && !streq(l.kind, "tun")) {
        snprintf(ret_why, len, "'%s' is an Open vSwitch bridge, but its device is a %s link", name,
                 l.kind[0] ? l.kind : "kind-less");
        return "not a bridge";
    }
    if (!l.up) {
        snprintf(ret_why, len, "Open vSwitch bridge '%s' is down", name);
        return "down";
    }
    ret_why[0] = '\0';
    return "up";
}

const char *network_bridge_state(const char *ovs_db, bool ovs, const char *name, char *ret_why,
                                 size_t len)
{
    if (ovs)
        return ovs_bridge_state(ovs_db, name, ret_why, len);
    return kernel_bridge_state(name, ret_why, len);
}

/* Ports' inbound floors (see ports_floor.h). */
#include "daemon/ports_floor.h"

#include <string.h>

#include "conf/netbw.h"
#include "network/bandwidth.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

/* Make run (a copy, then taken) the network's run-state and save its status. */
static void commit_run(vnetd *d, vnet_net *net, net_run *run)
{
    net_run_clear(&net->run);
    net->run = *run;
    verr e = VERR_INIT;
    if (registry_save_status(d, net, &e) < 0)
        log_warn("%s", e.msg);
}

int ports_floor_plug(vnetd *d, vnet_net *net, netport *port, verr *err)
{
    uint64_t floor = netport_inbound_floor(port);
    if (!floor) {
        port->class_id = 0;
        return 0;
    }
    net_run run;
    net_run_copy(&run, &net->run);
    unsigned id;
    if (network_bandwidth_plug(net->live, &run, port->mac, floor, port->class_id, &id, err) < 0) {
        net_run_clear(&run);
        return -1;
    }
    port->class_id = id;
    commit_run(d, net, &run);
    char mac[18];
    log_info("network '%s': port %s has inbound floor %llu kB/s in class 1:%x (floors: %llu of "
             "%llu kB/s)",
             net->name, vnet_mac_str(port->mac, mac), (unsigned long long)floor, id,
             (unsigned long long)netbw_floor_sum(net->run.floors, net->run.n_floors),
             (unsigned long long)(netbw_inbound_average(net->live)));
    return 0;
}

void ports_floor_unplug(vnetd *d, vnet_net *net, netport *port)
{
    if (!port->class_id || !net || !net_active(net) || !netdef_is_managed_bridge(net->live))
        return;
    net_run run;
    net_run_copy(&run, &net->run);
    verr e = VERR_INIT;
    if (network_bandwidth_unplug(net->live, &run, port->class_id, &e) < 0)
        log_warn("network '%s': %s", net->name, e.msg);
    commit_run(d, net, &run);
}

/* The ports with a floor, in the order their classes are given: those that
 * had a class first (so they keep it), then the others. */
static size_t floor_order(netport *const *ports, size_t n, netport **ret)
{
    size_t k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++)
            if (netport_inbound_floor(ports[i]) && (pass == 0) == (ports[i]->class_id != 0))
                ret[k++] = ports[i];
    return k;
}

int ports_floor_check_start(const netdef *def, netport *const *ports, size_t n, verr *err)
{
    _cleanup_free_ netport **order = xcalloc(n + 1, sizeof(*order));
    size_t k = floor_order(ports, n, order);
    _cleanup_free_ netbw_floor *floors = xcalloc(k + 1, sizeof(*floors));
    for (size_t i = 0; i < k; i++) {
        unsigned id;
        uint64_t floor = netport_inbound_floor(order[i]);
        if (netbw_floor_plug(def, floors, i, order[i]->mac, floor, order[i]->class_id, &id, err) <
            0) {
            verr_prefix(err,
                        "network '%s' keeps ports with an inbound floor, and this "
                        "definition cannot guarantee them (delete those ports, or give the "
                        "network the <bandwidth> they need)",
                        def->name);
            err->kind = VERR_BUSY;
            return -1;
        }
        floors[i] = (netbw_floor){.class_id = id, .floor = floor};
    }
    return 0;
}

/* Plug port's floor into run (no host change); false when it no longer fits. */
static bool sync_one(vnet_net *net, net_run *run, netport *port, bool *changed)
{
    unsigned id;
    verr e = VERR_INIT;
    char mac[18];
    if (netbw_floor_plug(net->live, run->floors, run->n_floors, port->mac,
                         netport_inbound_floor(port), port->class_id, &id, &e) < 0) {
        log_warn("network '%s': the port of %s gets no guaranteed bandwidth: %s", net->name,
                 vnet_mac_str(port->mac, mac), e.msg);
        *changed |= port->class_id != 0;
        port->class_id = 0;
        return false;
    }
    netbw_floor *f = xarray_push(&run->floors, &run->n_floors, sizeof(*f));
    *f = (netbw_floor){.class_id = id, .floor = netport_inbound_floor(port)};
    memcpy(f->mac, port->mac, 6);
    *changed |= port->class_id != id;
    port->class_id = id;
    return true;
}

bool ports_floor_sync(vnetd *d, vnet_net *net, netport *const *ports, size_t n)
{
    if (!net_active(net) || !netdef_is_managed_bridge(net->live))
        return false;
    net_run run;
    net_run_copy(&run, &net->run);
    free(run.floors);
    run.floors = NULL;
    run.n_floors = 0;
    bool changed = false;
    _cleanup_free_ netport **order = xcalloc(n + 1, sizeof(*order));
    size_t k = floor_order(ports, n, order);
    for (size_t i = 0; i < k; i++)
        sync_one(net, &run, order[i], &changed);
    if (run.n_floors == 0 && net->run.n_floors == 0) {
        net_run_clear(&run);
        return changed;
    }
    verr e = VERR_INIT;
    if (network_bandwidth_apply_floors(net->live, run.floors, run.n_floors, &e) < 0)
        log_warn("network '%s': %s", net->name, e.msg);
    if (net_run_equal(&run, &net->run))
        net_run_clear(&run);
    else
        commit_run(d, net, &run);
    return changed;
}

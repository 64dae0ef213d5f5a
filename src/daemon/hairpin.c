/* Hairpin mode on the bridge ports of networks with port forwards, where
 * br_netfilter is active: then a guest reaching its own forward through a
 * host address gets its packet, DNATed back to it, bridged to the port it
 * came from, which the bridge only allows in hairpin mode (see
 * netdev/hairpin.c). Without br_netfilter the packet is routed and nothing is
 * needed, so ports are left alone: hairpin mode also sends a guest's own
 * broadcasts back to it. Ports are set when the network starts or is adopted
 * or repaired, when a forward is added, and as guests' ports join the bridge
 * (link events); cleared when the network's last forward is removed. */
#include <net/if.h>

#include "daemon/daemon.h"
#include "netdev/netdev.h"
#include "util/log.h"

static bool wants_hairpin(const vnet_net *n)
{
    return net_active(n) && n->live->bridge_name && netdef_is_managed_bridge(n->live) &&
           n->live->n_port_forwards > 0;
}

void hairpin_sync(vnetd *d, vnet_net *n)
{
    if (!wants_hairpin(n) || !netdev_br_netfilter_active())
        return;
    verr err = VERR_INIT;
    int changed = netdev_bridge_hairpin_ports(n->live->bridge_name, true, &err);
    if (changed < 0)
        log_warn("network '%s': %s (a guest cannot reach its own forwards)", n->name, err.msg);
    else if (changed > 0)
        log_debug("network '%s': hairpin mode on %d port(s) of %s", n->name, changed,
                  n->live->bridge_name);
}

/* The last forward is gone: no guest needs hairpin mode any more (and it
 * would echo their broadcasts back). Cleared whether br_netfilter is active
 * now or not: it may have been when the ports were set. */
void hairpin_clear(vnetd *d, vnet_net *n)
{
    if (!net_active(n) || !n->live->bridge_name || !netdef_is_managed_bridge(n->live) ||
        n->live->n_port_forwards > 0)
        return;
    verr err = VERR_INIT;
    int changed = netdev_bridge_hairpin_ports(n->live->bridge_name, false, &err);
    if (changed < 0)
        log_warn("network '%s': clearing hairpin mode: %s", n->name, err.msg);
    else if (changed > 0)
        log_debug("network '%s': hairpin mode off on %d port(s) of %s", n->name, changed,
                  n->live->bridge_name);
}

static void port_event(const netdev_port *p, void *userdata)
{
    vnetd *d = userdata;
    if (p->hairpin)
        return;
    for (size_t i = 0; i < d->n_nets; i++) {
        vnet_net *n = d->nets[i];
        if (!wants_hairpin(n) || (int)if_nametoindex(n->live->bridge_name) != p->master)
            continue;
        if (!netdev_br_netfilter_active())
            return;
        verr err = VERR_INIT;
        if (netdev_port_set_hairpin(p->ifindex, true, &err) < 0)
            log_warn("network '%s': %s (a guest cannot reach its own forwards)", n->name, err.msg);
        return;
    }
}

void hairpin_setup(vnetd *d)
{
    netdev_monitor_set_port_cb(port_event, d);
}

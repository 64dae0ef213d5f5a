/* A network's <bandwidth>, planned for this host (see netbw.h). */
#include "conf/netbw.h"

#include <string.h>

#include "conf/netdef_priv.h"

#define KB 1000ULL  /* libvirt's rates: kilobytes per second */
#define KIB 1024ULL /* libvirt's bursts: kibibytes */

static int refuse(verr *err, const netdef *def, unsigned line, const char *elem, const char *why)
{
    netdef_err(err, netdef_source(def), line, elem, NULL, "cannot be applied: %s", why);
    err->kind = VERR_UNSUPPORTED;
    return -1;
}

static int plan_checks(const netdef *def, const struct netdef_extra *x, verr *err)
{
    /* a portgroup's <bandwidth> travels with each of its ports, for the
     * hypervisor to apply on the port's device, as libvirt's; a 'floor' would
     * need a class per port on the network's bridge */
    for (size_t i = 0; i < x->n_portgroups; i++)
        if (x->portgroups[i].bandwidth.present && x->portgroups[i].bandwidth.in.floor)
            return refuse(err, def, x->portgroups[i].line, "inbound",
                          "'floor' guarantees bandwidth to ports, and needs a class per port on "
                          "the network's bridge, which vnet does not make");
    const netdef_bandwidth *bw = &x->bandwidth;
    if (!bw->present)
        return 0;
    /* a host bridge (mode bridge with a bridge name) is shaped too, as libvirt does */
    bool host_bridge = def->forward_mode == NETDEF_FWD_BRIDGE && def->bridge_name;
    if (!netdef_is_managed_bridge(def) && !host_bridge)
        return refuse(err, def, x->line_bandwidth, "bandwidth",
                      "a network-wide <bandwidth> applies to a bridge, and this network has none");
    if (bw->in.floor)
        return refuse(err, def, x->line_bandwidth, "inbound",
                      "'floor' guarantees bandwidth to ports, and needs a class per port on the "
                      "network's bridge, which vnet does not make");
    return 0;
}

int netbw_plan_network(const netdef *def, netbw_plan *ret, verr *err)
{
    const struct netdef_extra *x = def->extra;
    memset(ret, 0, sizeof(*ret));
    if (!x)
        return 0;
    if (plan_checks(def, x, err) < 0)
        return -1;
    const netdef_bandwidth *bw = &x->bandwidth;
    if (bw->present && bw->in.average) {
        ret->egress = true;
        ret->egress_rate = bw->in.average * KB;
        ret->egress_ceil = (bw->in.peak > bw->in.average ? bw->in.peak : bw->in.average) * KB;
        ret->egress_burst = bw->in.burst * KIB;
    }
    if (bw->present && bw->out.average) {
        ret->ingress = true;
        ret->ingress_rate = bw->out.average * KB;
        ret->ingress_ceil = (bw->out.peak > bw->out.average ? bw->out.peak : bw->out.average) * KB;
        /* as libvirt's policer: no burst given means the average's worth */
        ret->ingress_burst = (bw->out.burst ? bw->out.burst : bw->out.average) * KIB;
    }
    return 0;
}

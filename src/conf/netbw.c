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
     * hypervisor to apply on the port's device, as libvirt's; its 'floor'
     * is the network's to plan when a port is created (netbw_floor_plug) */
    const netdef_bandwidth *bw = &x->bandwidth;
    if (!bw->present)
        return 0;
    /* a host bridge (mode bridge with a bridge name) is shaped too, as libvirt does */
    bool host_bridge = def->forward_mode == NETDEF_FWD_BRIDGE && def->bridge_name;
    if (!netdef_is_managed_bridge(def) && !host_bridge)
        return refuse(err, def, x->line_bandwidth, "bandwidth",
                      "a network-wide <bandwidth> applies to a bridge, and this network has none");
    if (bw->in.floor) /* libvirt: "floor attribute isn't supported for network's bandwidth yet" */
        return refuse(err, def, x->line_bandwidth, "inbound",
                      "'floor' guarantees bandwidth to ports: it belongs in a port's or a "
                      "portgroup's <bandwidth>, not in the network's own");
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

/* ---- ports' floors ---- */

int netbw_floor_check(const netdef *def, const uint8_t mac[6], verr *err)
{
    char m[18];
    vnet_mac_str(mac, m);
    if (!netdef_is_managed_bridge(def)) {
        verr_set(err, VERR_UNSUPPORTED,
                 "Invalid use of 'floor' on interface with MAC address %s - 'floor' is only "
                 "supported for interface type 'network' with forward type 'nat', 'route', "
                 "'open' or none (network '%s' has forward mode '%s')",
                 m, def->name, netdef_forward_mode_name(def->forward_mode));
        return -1;
    }
    const netdef_bandwidth *bw = def->extra ? &def->extra->bandwidth : NULL;
    if (!bw || !bw->present || !bw->in.average) {
        verr_set(err, VERR_UNSUPPORTED,
                 "Invalid use of 'floor' on interface with MAC address %s - network '%s' has no "
                 "inbound QoS set (an <inbound average=...> in its <bandwidth>)",
                 m, def->name);
        return -1;
    }
    return 0;
}

uint64_t netbw_floor_sum(const netbw_floor *floors, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += floors[i].floor;
    return sum;
}

static bool class_used(const netbw_floor *floors, size_t n, unsigned id)
{
    for (size_t i = 0; i < n; i++)
        if (floors[i].class_id == id)
            return true;
    return false;
}

int netbw_floor_plug(const netdef *def, const netbw_floor *floors, size_t n, const uint8_t mac[6],
                     uint64_t floor, unsigned want, unsigned *ret_id, verr *err)
{
    if (netbw_floor_check(def, mac, err) < 0)
        return -1;
    uint64_t average = def->extra->bandwidth.in.average;
    uint64_t sum = netbw_floor_sum(floors, n) + floor;
    char m[18];
    if (sum > average)
        return verr_set(err, VERR_BUSY,
                        "Cannot plug '%s' interface into '%s' because new combined inbound "
                        "floor=%llu would overcommit inbound average=%llu on network '%s'",
                        vnet_mac_str(mac, m), def->bridge_name, (unsigned long long)sum,
                        (unsigned long long)average, def->name);
    unsigned id = want;
    if (id < NETBW_CLASS_MIN || id > NETBW_CLASS_MAX || class_used(floors, n, id))
        for (id = NETBW_CLASS_MIN; id <= NETBW_CLASS_MAX && class_used(floors, n, id); id++)
            ;
    if (id > NETBW_CLASS_MAX)
        return verr_set(err, VERR_BUSY,
                        "network '%s' has no free class for the floor of '%s' (%u ports hold "
                        "floors)",
                        def->name, vnet_mac_str(mac, m), NETBW_CLASS_MAX - NETBW_CLASS_MIN + 1);
    *ret_id = id;
    return 0;
}

uint64_t netbw_default_rate(const netbw_plan *p, uint64_t floor_sum)
{
    uint64_t floors = floor_sum * KB;
    return p->egress_rate > floors + KB ? p->egress_rate - floors : KB;
}

uint64_t netbw_floor_rate(uint64_t floor)
{
    return floor * KB;
}

uint64_t netbw_inbound_average(const netdef *def)
{
    const netdef_bandwidth *bw = def->extra ? &def->extra->bandwidth : NULL;
    return bw && bw->present ? bw->in.average : 0;
}

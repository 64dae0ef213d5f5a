/* A network's <bandwidth> on its bridge (see bandwidth.h). */
#include "network/bandwidth.h"

#include <stdlib.h>

#include "conf/netbw.h"
#include "firewall/firewall.h"
#include "firewall/fw_bandwidth.h"
#include "netdev/tc.h"
#include "util/cleanup.h"

int network_bandwidth_check(const netdef *def, verr *err)
{
    netbw_plan p;
    return netbw_plan_network(def, &p, err);
}

static int apply_ingress(const netdef *def, const netbw_plan *p, verr *err)
{
    _cleanup_free_ char *script =
        p->ingress ? fw_plan_bandwidth(def->bridge_name, p->ingress_rate, p->ingress_burst)
                   : fw_plan_bandwidth_remove(def->bridge_name);
    if (!script)
        return verr_set(err, VERR_INVALID, "bridge name '%s' cannot be used in a rule",
                        def->bridge_name);
    return fw_apply(script, err);
}

int network_bandwidth_apply(const netdef *def, verr *err)
{
    netbw_plan p;
    if (netbw_plan_network(def, &p, err) < 0)
        return -1;
    if (!p.egress && !p.ingress)
        return 0;
    if (p.egress) {
        netdev_htb h = {.rate = p.egress_rate, .ceil = p.egress_ceil, .burst = p.egress_burst};
        if (netdev_htb_set(def->bridge_name, &h, err) < 0)
            return verr_prefix(err, "applying <bandwidth><inbound>");
    }
    if (apply_ingress(def, &p, err) < 0)
        return verr_prefix(err, "applying <bandwidth><outbound>");
    return 0;
}

void network_bandwidth_clear(const netdef *def)
{
    netbw_plan p;
    if (netbw_plan_network(def, &p, NULL) < 0)
        return;
    if (p.egress)
        netdev_qdisc_clear(def->bridge_name, NULL);
    network_bandwidth_remove(def);
}

void network_bandwidth_remove(const netdef *def)
{
    netbw_plan p;
    if (netbw_plan_network(def, &p, NULL) < 0 || !p.ingress)
        return;
    _cleanup_free_ char *script = fw_plan_bandwidth_remove(def->bridge_name);
    if (script)
        fw_apply(script, NULL);
}

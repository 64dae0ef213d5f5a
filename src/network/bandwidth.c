/* A network's <bandwidth> on its bridge (see bandwidth.h). */
#include "network/bandwidth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/netbw.h"
#include "netdev/netdev.h"
#include "netdev/tc.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

int network_bandwidth_check(const netdef *def, verr *err)
{
    netbw_plan p;
    return netbw_plan_network(def, &p, err);
}

const char *network_bandwidth_ifb_name(const char *bridge, char *buf, size_t len)
{
    if (strlen(bridge) + 4 < IF_NAMESIZE) {
        snprintf(buf, len, "ifb-%s", bridge);
        return buf;
    }
    uint32_t h = 2166136261u; /* FNV-1a: a long bridge name in 8 hex digits */
    for (const char *c = bridge; *c; c++)
        h = (h ^ (uint8_t)*c) * 16777619u;
    snprintf(buf, len, "ifb-%08x", h);
    return buf;
}

static char *ifb_alias(const char *bridge)
{
    return xasprintf(NETWORK_IFB_ALIAS "%s", bridge);
}

/* The network's ifb exists, is ours (kind and alias) and is up. */
static int ifb_ensure(const char *ifb, const char *bridge, verr *err)
{
    _cleanup_free_ char *alias = ifb_alias(bridge);
    netdev_link l;
    int r = netdev_link_get(ifb, &l, err);
    if (r < 0)
        return -1;
    if (r > 0 && (!streq(l.kind, "ifb") || !streq(l.alias, alias)))
        return verr_set(err, VERR_EXISTS,
                        "an interface '%s' exists and is not the ifb device vnet shapes "
                        "'%s' with (kind '%s', alias '%s')",
                        ifb, bridge, l.kind, l.alias);
    if (r == 0 && (netdev_ifb_create(ifb, err) < 0 || netdev_link_set_alias(ifb, alias, err) < 0))
        return -1;
    return netdev_link_set_up(ifb, true, err);
}

/* Delete the ifb device if it is ours. */
static void ifb_delete(const char *ifb, const char *bridge)
{
    _cleanup_free_ char *alias = ifb_alias(bridge);
    netdev_link l;
    if (netdev_link_get(ifb, &l, NULL) > 0 && streq(l.kind, "ifb") && streq(l.alias, alias))
        netdev_link_delete(ifb, NULL);
}

static int apply_outbound(const netdef *def, const netbw_plan *p, verr *err)
{
    char ifb[IF_NAMESIZE];
    network_bandwidth_ifb_name(def->bridge_name, ifb, sizeof(ifb));
    if (!p->ingress) {
        netdev_redirect_clear(def->bridge_name, NULL);
        ifb_delete(ifb, def->bridge_name);
        return 0;
    }
    netdev_htb h = {.rate = p->ingress_rate, .ceil = p->ingress_ceil, .burst = p->ingress_burst};
    if (ifb_ensure(ifb, def->bridge_name, err) < 0 || netdev_htb_set(ifb, &h, err) < 0 ||
        netdev_redirect_set(def->bridge_name, ifb, err) < 0) {
        if (!err || err->kind != VERR_EXISTS) { /* undo, unless the name is someone else's */
            netdev_redirect_clear(def->bridge_name, NULL);
            ifb_delete(ifb, def->bridge_name);
        }
        return -1;
    }
    return 0;
}

/* The bridge's egress as libvirt's hierarchy (tc.h): the network's class,
 * the default class with what the floors leave, a class per floor. */
static int apply_inbound(const netdef *def, const netbw_plan *p, const netbw_floor *floors,
                         size_t n, verr *err)
{
    netdev_htb_tree t = {
        .top = {.rate = p->egress_rate, .ceil = p->egress_ceil, .burst = p->egress_burst}};
    /* without a peak the burst goes at line speed: the children may too */
    uint64_t cburst = p->egress_ceil <= p->egress_rate ? p->egress_burst : 0;
    t.rest = (netdev_htb){.rate = netbw_default_rate(p, netbw_floor_sum(floors, n)),
                          .ceil = p->egress_ceil,
                          .cburst = cburst};
    _cleanup_free_ netdev_htb_leaf *leaves = xcalloc(n + 1, sizeof(*leaves));
    for (size_t i = 0; i < n; i++) {
        leaves[i].id = floors[i].class_id;
        memcpy(leaves[i].mac, floors[i].mac, 6);
        leaves[i].h = (netdev_htb){
            .rate = netbw_floor_rate(floors[i].floor), .ceil = p->egress_ceil, .cburst = cburst};
    }
    t.leaves = leaves;
    t.n_leaves = n;
    return netdev_htb_tree_set(def->bridge_name, &t, err);
}

int network_bandwidth_apply(const netdef *def, verr *err)
{
    return network_bandwidth_apply_floors(def, NULL, 0, err);
}

int network_bandwidth_apply_floors(const netdef *def, const netbw_floor *floors, size_t n,
                                   verr *err)
{
    netbw_plan p;
    if (netbw_plan_network(def, &p, err) < 0)
        return -1;
    if (!p.egress && !p.ingress)
        return 0;
    if (p.egress && apply_inbound(def, &p, floors, n, err) < 0)
        return verr_prefix(err, "applying <bandwidth><inbound>");
    if (apply_outbound(def, &p, err) < 0)
        return verr_prefix(err, "applying <bandwidth><outbound>");
    return 0;
}

int network_bandwidth_plug(const netdef *def, net_run *run, const uint8_t mac[6], uint64_t floor,
                           unsigned want, unsigned *ret_id, verr *err)
{
    unsigned id;
    if (netbw_floor_plug(def, run->floors, run->n_floors, mac, floor, want, &id, err) < 0)
        return -1;
    netbw_floor *f = xarray_push(&run->floors, &run->n_floors, sizeof(*f));
    *f = (netbw_floor){.class_id = id, .floor = floor};
    memcpy(f->mac, mac, 6);
    if (network_bandwidth_apply_floors(def, run->floors, run->n_floors, err) < 0) {
        run->n_floors--; /* back as it was, as far as the kernel lets us */
        network_bandwidth_apply_floors(def, run->floors, run->n_floors, NULL);
        return verr_prefix(err, "giving the port its floor");
    }
    *ret_id = id;
    return 0;
}

int network_bandwidth_unplug(const netdef *def, net_run *run, unsigned class_id, verr *err)
{
    for (size_t i = 0; i < run->n_floors; i++) {
        if (run->floors[i].class_id != class_id)
            continue;
        memmove(&run->floors[i], &run->floors[i + 1],
                (run->n_floors - i - 1) * sizeof(*run->floors));
        run->n_floors--;
        if (network_bandwidth_apply_floors(def, run->floors, run->n_floors, err) < 0)
            return verr_prefix(err, "removing the class of a port's floor");
        return 0;
    }
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
    char ifb[IF_NAMESIZE];
    network_bandwidth_ifb_name(def->bridge_name, ifb, sizeof(ifb));
    netdev_redirect_clear(def->bridge_name, NULL);
    ifb_delete(ifb, def->bridge_name);
}

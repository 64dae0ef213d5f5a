/* Choosing a port's plug (see netplug.h). */
#include "conf/netplug.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/netbw.h"
#include "conf/netdef_priv.h"
#include "util/strbuf.h"

int netplug_pci_parse(const char *s, netplug_pci *ret)
{
    unsigned d, b, sl, f;
    int n = 0;
    if (!s || sscanf(s, "%x:%x:%x.%x%n", &d, &b, &sl, &f, &n) != 4 || s[n] != '\0' || d > 0xffff ||
        b > 0xff || sl > 0x1f || f > 7)
        return -1;
    *ret = (netplug_pci){d, b, sl, f};
    return 0;
}

const char *netplug_pci_str(const netplug_pci *p, char buf[16])
{
    snprintf(buf, 16, "%04x:%02x:%02x.%x", p->domain & 0xffff, p->bus & 0xff, p->slot & 0x1f,
             p->function & 7);
    return buf;
}

const char *netdef_forward_pf(const netdef *def)
{
    return def->extra ? def->extra->forward_pf : NULL;
}

size_t netdef_forward_pcis(const netdef *def, netplug_pci **ret)
{
    size_t n = def->extra ? def->extra->n_addrs : 0;
    *ret = n ? xcalloc(n, sizeof(netplug_pci)) : NULL;
    for (size_t i = 0; i < n; i++) {
        const netdef_pci_addr *a = &def->extra->addrs[i];
        (*ret)[i] = (netplug_pci){a->domain, a->bus, a->slot, a->function};
    }
    return n;
}

const char *netdef_forward_driver(const netdef *def)
{
    return def->extra ? def->extra->forward_driver : NULL;
}

static bool vport_is_ovs(const netdef_vport *vp)
{
    return vp && vp->type && streq(vp->type, "openvswitch");
}

bool netdef_bridge_is_ovs(const netdef *def)
{
    const struct netdef_extra *x = def->extra;
    if (def->forward_mode != NETDEF_FWD_BRIDGE || !def->bridge_name || !x)
        return false;
    if (vport_is_ovs(x->vport))
        return true;
    for (size_t i = 0; i < x->n_portgroups; i++)
        if (vport_is_ovs(x->portgroups[i].vport))
            return true;
    return false;
}

bool netport_is_ovs(const netport *port)
{
    return port->extra && vport_is_ovs(port->extra->vport);
}

static bool is_direct_mode(const netdef *def)
{
    switch (def->forward_mode) {
    case NETDEF_FWD_BRIDGE:
        return def->bridge_name == NULL;
    case NETDEF_FWD_PRIVATE:
    case NETDEF_FWD_VEPA:
    case NETDEF_FWD_PASSTHROUGH:
        return true;
    default:
        return false;
    }
}

/* How many of the ports use device `dev` (direct) or PCI address `pci` (hostdev). */
static size_t uses_dev(const netport *const *ports, size_t n, const char *dev)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (ports[i]->plug == NETPORT_PLUG_DIRECT && ports[i]->dev && streq(ports[i]->dev, dev))
            k++;
    return k;
}

static size_t uses_pci(const netport *const *ports, size_t n, const netplug_pci *p)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (ports[i]->plug == NETPORT_PLUG_HOSTDEV_PCI && ports[i]->pci_domain == p->domain &&
            ports[i]->pci_bus == p->bus && ports[i]->pci_slot == p->slot &&
            ports[i]->pci_function == p->function)
            k++;
    return k;
}

static int exclusive_none(const netdef *def, verr *err)
{
    return verr_set(err, VERR_BUSY,
                    "internal error: network '%s' requires exclusive access to interfaces, but "
                    "none are available",
                    def->name);
}

static int choose_direct(const netdef *def, const netplug_pool *pool, const netport *const *ports,
                         size_t n_ports, netport *port, verr *err)
{
    if (pool->n_devs == 0)
        return verr_set(err, VERR_INVALID,
                        "internal error: network '%s' uses a direct mode, but has no forward dev "
                        "and no interface pool",
                        def->name);
    const char *dev = NULL;
    if (def->forward_mode == NETDEF_FWD_PASSTHROUGH) {
        for (size_t i = 0; i < pool->n_devs && !dev; i++)
            if (uses_dev(ports, n_ports, pool->devs[i]) == 0)
                dev = pool->devs[i];
        if (!dev)
            return exclusive_none(def, err);
    } else {
        /* the least used, the first of equals (libvirt's order) */
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < pool->n_devs; i++) {
            size_t u = uses_dev(ports, n_ports, pool->devs[i]);
            if (u < best) {
                best = u;
                dev = pool->devs[i];
            }
        }
    }
    port->plug = NETPORT_PLUG_DIRECT;
    free(port->dev);
    port->dev = xstrdup(dev);
    free(port->mode);
    port->mode = xstrdup(netdef_forward_mode_name(def->forward_mode));
    return 0;
}

static int choose_hostdev(const netdef *def, const netplug_pool *pool, const netport *const *ports,
                          size_t n_ports, netport *port, verr *err)
{
    for (size_t i = 0; i < pool->n_pcis; i++) {
        const netplug_pci *p = &pool->pcis[i];
        if (uses_pci(ports, n_ports, p))
            continue;
        port->plug = NETPORT_PLUG_HOSTDEV_PCI;
        port->pci_domain = p->domain;
        port->pci_bus = p->bus;
        port->pci_slot = p->slot;
        port->pci_function = p->function;
        port->managed = def->forward_managed;
        free(port->driver);
        port->driver = xstrdup(netdef_forward_driver(def));
        return 0;
    }
    return exclusive_none(def, err);
}

static void choose_bridge(const netdef *def, netport_plug_type type, netport *port)
{
    port->plug = type;
    free(port->bridge);
    port->bridge = xstrdup(def->bridge_name);
    free(port->mac_table_manager);
    port->mac_table_manager = xstrdup(def->mac_table_manager);
}

int netport_choose_plug(const netdef *def, const netplug_pool *pool, const netport *const *ports,
                        size_t n_ports, netport *port, verr *err)
{
    if (netdef_is_managed_bridge(def)) {
        choose_bridge(def, NETPORT_PLUG_NETWORK, port);
        return 0;
    }
    if (def->forward_mode == NETDEF_FWD_HOSTDEV)
        return choose_hostdev(def, pool, ports, n_ports, port, err);
    if (is_direct_mode(def))
        return choose_direct(def, pool, ports, n_ports, port, err);
    if (pool->unusable)
        return verr_set(err, VERR_BUSY, "network '%s' cannot take ports now: %s", def->name,
                        pool->unusable);
    choose_bridge(def, NETPORT_PLUG_BRIDGE, port);
    return 0;
}

/* ---------------------------------------------------------------- reclaim */

static void uuid_text(const uint8_t u[16], char buf[37]);

static bool pool_has_dev(const netplug_pool *pool, const char *dev)
{
    for (size_t i = 0; dev && i < pool->n_devs; i++)
        if (streq(pool->devs[i], dev))
            return true;
    return false;
}

static bool pool_has_pci(const netplug_pool *pool, const netplug_pci *p)
{
    for (size_t i = 0; i < pool->n_pcis; i++)
        if (memcmp(&pool->pcis[i], p, sizeof(*p)) == 0)
            return true;
    return false;
}

static int reclaim_direct(const netdef *def, const netplug_pool *pool, const netport *const *ports,
                          size_t n_ports, const netport *port, verr *err)
{
    char ubuf[37];
    if (!pool_has_dev(pool, port->dev)) {
        uuid_text(port->uuid, ubuf);
        return verr_set(err, VERR_BUSY,
                        "internal error: network '%s' doesn't have dev='%s' in use by network "
                        "port '%s'",
                        def->name, port->dev ? port->dev : "", ubuf);
    }
    if (def->forward_mode == NETDEF_FWD_PASSTHROUGH && uses_dev(ports, n_ports, port->dev))
        return verr_set(err, VERR_BUSY,
                        "internal error: network '%s' claims dev='%s' is already in use by a "
                        "different port",
                        def->name, port->dev);
    return 0;
}

static int reclaim_hostdev(const netdef *def, const netplug_pool *pool, const netport *const *ports,
                           size_t n_ports, const netport *port, verr *err)
{
    netplug_pci p = {port->pci_domain, port->pci_bus, port->pci_slot, port->pci_function};
    char buf[16];
    if (!pool_has_pci(pool, &p))
        return verr_set(err, VERR_BUSY,
                        "internal error: network '%s' doesn't have PCI device %s in use by "
                        "network port",
                        def->name, netplug_pci_str(&p, buf));
    if (def->forward_mode == NETDEF_FWD_HOSTDEV && uses_pci(ports, n_ports, &p))
        return verr_set(err, VERR_BUSY,
                        "internal error: network '%s' claims the PCI device at domain=%u bus=%u "
                        "slot=%u function=%u is already in use by a different network port",
                        def->name, p.domain, p.bus, p.slot, p.function);
    return 0;
}

int netport_check_reclaim(const netdef *def, const netplug_pool *pool, const netport *const *ports,
                          size_t n_ports, const netport *port, verr *err)
{
    switch (port->plug) {
    case NETPORT_PLUG_NONE:
        return verr_set(err, VERR_INVALID,
                        "internal error: Unexpectedly got a network port without a plug");
    case NETPORT_PLUG_NETWORK:
    case NETPORT_PLUG_BRIDGE:
        if (!def->bridge_name)
            return verr_set(err, VERR_INVALID,
                            "internal error: Unexpectedly got a network port without a network "
                            "bridge");
        return 0;
    case NETPORT_PLUG_DIRECT:
        return reclaim_direct(def, pool, ports, n_ports, port, err);
    case NETPORT_PLUG_HOSTDEV_PCI:
        return reclaim_hostdev(def, pool, ports, n_ports, port, err);
    }
    return 0;
}

/* ---------------------------------------------------------------- port settings */

static const netdef_portgroup *find_portgroup(const netdef *def, const char *name)
{
    const struct netdef_extra *x = def->extra;
    for (size_t i = 0; x && i < x->n_portgroups; i++) {
        const netdef_portgroup *pg = &x->portgroups[i];
        if (name ? streq(pg->name, name) : pg->is_default)
            return pg;
    }
    return NULL;
}

static void str_fill(char **dst, const char *src)
{
    if (!*dst && src)
        *dst = xstrdup(src);
}

/* Fill what `dst` lacks from `src` (libvirt's virNetDevVPortProfileMerge3, for
 * the fields vnet keeps). */
static void vport_fill(netdef_vport *dst, const netdef_vport *src)
{
    if (!src)
        return;
    str_fill(&dst->type, src->type);
    str_fill(&dst->instanceid, src->instanceid);
    str_fill(&dst->interfaceid, src->interfaceid);
    str_fill(&dst->profileid, src->profileid);
    if (!dst->has_managerid && src->has_managerid) {
        dst->has_managerid = true;
        dst->managerid = src->managerid;
    }
    if (!dst->has_typeid && src->has_typeid) {
        dst->has_typeid = true;
        dst->typeid = src->typeid;
    }
    if (!dst->has_typeidversion && src->has_typeidversion) {
        dst->has_typeidversion = true;
        dst->typeidversion = src->typeidversion;
    }
}

static void uuid_text(const uint8_t u[16], char buf[37])
{
    snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
             u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
             u[14], u[15]);
}

static int apply_vport(const netdef *def, const netdef_portgroup *pg, netport *port,
                       const uint8_t fresh_uuid[16], verr *err)
{
    struct netport_extra *x = port->extra;
    const netdef_vport *nv = def->extra ? def->extra->vport : NULL;
    const netdef_vport *gv = pg ? pg->vport : NULL;
    if (!x->vport && !nv && !gv)
        return 0;
    if (!x->vport)
        x->vport = xcalloc(1, sizeof(netdef_vport));
    vport_fill(x->vport, gv);
    vport_fill(x->vport, nv);
    bool bridge = port->plug == NETPORT_PLUG_NETWORK || port->plug == NETPORT_PLUG_BRIDGE;
    bool ovs = x->vport->type && streq(x->vport->type, "openvswitch");
    if (bridge && !ovs)
        return verr_set(err, VERR_UNSUPPORTED,
                        "<virtualport type='%s'> not supported for network '%s' which uses a "
                        "bridge device",
                        x->vport->type ? x->vport->type : "", def->name);
    if (ovs && !x->vport->interfaceid) {
        x->vport->interfaceid = xmalloc(37);
        uuid_text(fresh_uuid, x->vport->interfaceid);
    }
    return 0;
}

static void apply_vlan(const netdef *def, const netdef_portgroup *pg, netport *port)
{
    struct netport_extra *x = port->extra;
    const netdef_vlan *v = pg && pg->vlan.n_tags                   ? &pg->vlan
                           : def->extra && def->extra->vlan.n_tags ? &def->extra->vlan
                                                                   : NULL;
    if (x->vlan.n_tags || !v)
        return;
    x->vlan = *v;
    x->vlan.tags = xmalloc(v->n_tags * sizeof(unsigned));
    memcpy(x->vlan.tags, v->tags, v->n_tags * sizeof(unsigned));
}

int netport_apply_network(const netdef *def, netport *port, const uint8_t fresh_uuid[16], verr *err)
{
    const netdef_portgroup *pg = find_portgroup(def, port->group);
    if (!port->extra)
        port->extra = xcalloc(1, sizeof(struct netport_extra));
    if (apply_vport(def, pg, port, fresh_uuid, err) < 0)
        return -1;
    apply_vlan(def, pg, port);
    /* the portgroup's bandwidth travels with the port, for the hypervisor to
     * apply on its device, as libvirt's; a floor is the network's: a class
     * on its bridge (netbw_floor_plug), where the network can have one */
    if (!port->extra->bandwidth.present && pg && pg->bandwidth.present)
        port->extra->bandwidth = pg->bandwidth;
    if (port->extra->bandwidth.in.floor && netbw_floor_check(def, port->mac, err) < 0)
        return -1;
    if (port->trust_guest_rx_filters == VT_ABSENT)
        port->trust_guest_rx_filters = pg && pg->trust_guest_rx_filters
                                           ? pg->trust_guest_rx_filters
                                           : def->trust_guest_rx_filters;
    return 0;
}

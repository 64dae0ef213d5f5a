/* Network ports: allocation (the plug per forward mode), persistence, the
 * port-* operations, and re-attaching guests' interfaces to a bridge that was
 * re-created. An interface belongs to a port when its MAC is the port's MAC or,
 * as libvirt's VM driver makes tap devices, the port's MAC with 0xfe as first
 * byte; the name is learned from rtnetlink link events when the interface
 * joins the network's bridge, and kept with the port. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/netplug.h"
#include "conf/netport.h"
#include "daemon/events.h"
#include "daemon/ovn_daemon.h"
#include "daemon/ports.h"
#include "daemon/ports_floor.h"
#include "netdev/netdev.h"
#include "network/pool.h"
#include "proto/proto.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

static void netport_freep(netport **p)
{
    netport_free(*p);
}

typedef struct vport {
    char *network;
    netport *port;
    char *ifname; /* learned host interface, or NULL */
} vport;

typedef struct ports_state {
    vport *items;
    size_t n;
    int sub;
    int watch_fd; /* rtnetlink link events (netdev_portwatch) */
    sd_event_source *watch;
} ports_state;

static ports_state *state(vnetd *d)
{
    return d->ports;
}

static char *uuid_text(const uint8_t u[16], char buf[37])
{
    netdef tmp = {.uuid = {0}};
    memcpy(tmp.uuid, u, 16);
    return (char *)netdef_uuid_str(&tmp, buf);
}

static char *port_dir(vnetd *d, const char *network)
{
    return xasprintf("%s/ports/%s", d->paths.data_dir, network);
}

static char *port_path(vnetd *d, const vport *p)
{
    char ubuf[37];
    return xasprintf("%s/ports/%s/%s.json", d->paths.data_dir, p->network,
                     uuid_text(p->port->uuid, ubuf));
}

static int port_save(vnetd *d, const vport *p, verr *err)
{
    _cleanup_free_ char *dir = port_dir(d, p->network);
    if (store_mkdir_p(dir, 0755, err) < 0)
        return -1;
    _cleanup_free_ char *xml = netport_format(p->port);
    json_t *o = json_pack("{ssss}", "network", p->network, "xml", xml);
    if (p->ifname)
        json_object_set_new(o, "ifname", json_string(p->ifname));
    _cleanup_free_ char *text = json_dumps(o, JSON_INDENT(2));
    json_decref(o);
    _cleanup_free_ char *path = port_path(d, p);
    return store_write_atomic(path, text, strlen(text), 0644, err);
}

static void vport_clear(vport *p)
{
    free(p->network);
    netport_free(p->port);
    free(p->ifname);
}

static void port_remove(vnetd *d, size_t i)
{
    ports_state *s = state(d);
    _cleanup_free_ char *path = port_path(d, &s->items[i]);
    verr e = VERR_INIT;
    if (store_unlink(path, &e) < 0)
        log_warn("%s", e.msg);
    vport_clear(&s->items[i]);
    memmove(&s->items[i], &s->items[i + 1], (s->n - i - 1) * sizeof(*s->items));
    s->n--;
}

static vport *port_find(vnetd *d, const char *network, const uint8_t uuid[16])
{
    ports_state *s = state(d);
    for (size_t i = 0; i < s->n; i++)
        if (memcmp(s->items[i].port->uuid, uuid, 16) == 0 &&
            (!network || streq(s->items[i].network, network)))
            return &s->items[i];
    return NULL;
}

/* ---- interfaces ---- */

static bool mac_matches(const uint8_t link_mac[6], const uint8_t port_mac[6])
{
    return memcmp(link_mac + 1, port_mac + 1, 5) == 0 &&
           (link_mac[0] == port_mac[0] || link_mac[0] == 0xfe);
}

/* Port p's interface among links: its MAC is the port's MAC or, as libvirt
 * names tap devices, that MAC with 0xfe as first byte. With on_master (learning)
 * only a link enslaved to that bridge counts. Without (re-attaching): the
 * learned interface, else a tap-style MAC only, since a link with the guest's
 * very MAC elsewhere may be the guest's own end of a veth pair. */
static const netdev_link *port_link(const vport *p, const netdev_link *links, size_t n,
                                    int on_master)
{
    const netdev_link *found = NULL;
    for (size_t i = 0; i < n; i++) {
        const netdev_link *l = &links[i];
        if (streq(l->kind, "bridge") || !mac_matches(l->mac, p->port->mac))
            continue;
        if (on_master > 0) {
            if (l->master == on_master)
                return l;
            continue;
        }
        if (p->ifname && streq(l->name, p->ifname))
            return l;
        if (!found && l->mac[0] == 0xfe && p->port->mac[0] != 0xfe)
            found = l;
    }
    return found;
}

static const netdev_link *link_by_name(const netdev_link *links, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (streq(links[i].name, name))
            return &links[i];
    return NULL;
}

/* Record the interfaces now on their network's bridge. */
static void ports_learn(vnetd *d)
{
    ports_state *s = state(d);
    if (!s || s->n == 0)
        return;
    _cleanup_free_ netdev_link *links = NULL;
    size_t nl = 0;
    if (netdev_link_list(&links, &nl, NULL) < 0)
        return;
    for (size_t i = 0; i < s->n; i++) {
        vport *p = &s->items[i];
        vnet_net *net = registry_find(d, p->network);
        const netdev_link *br =
            net && net_active(net) ? link_by_name(links, nl, net_bridge(net)) : NULL;
        const netdev_link *l = br ? port_link(p, links, nl, br->ifindex) : NULL;
        if (!l || (p->ifname && streq(p->ifname, l->name)))
            continue;
        free(p->ifname);
        p->ifname = xstrdup(l->name);
        log_info("network '%s': port interface %s learned", p->network, l->name);
        verr e = VERR_INIT;
        if (port_save(d, p, &e) < 0)
            log_warn("%s", e.msg);
    }
}

/* Put the network's port interfaces back on its (new) bridge. */
static void ports_reattach(vnetd *d, vnet_net *net)
{
    ports_state *s = state(d);
    if (netdef_is_ovn(net->live)) { /* no bridge: re-create missing logical switch ports */
        _cleanup_free_ netport **mine = xcalloc(s->n + 1, sizeof(*mine));
        size_t n = 0;
        for (size_t i = 0; i < s->n; i++)
            if (streq(s->items[i].network, net->name))
                mine[n++] = s->items[i].port;
        ovn_ports_resync(d, net, mine, n);
        return;
    }
    const char *br = net_bridge(net);
    if (!s || !br || !netdef_is_managed_bridge(net->live))
        return;
    /* no port of this network: no dump of every link of the host (which at
     * 1,000 bridges made each start and each repair cost O(N)) */
    bool any = false;
    for (size_t i = 0; i < s->n && !any; i++)
        any = streq(s->items[i].network, net->name);
    if (!any)
        return;
    _cleanup_free_ netdev_link *links = NULL;
    size_t nl = 0;
    verr e = VERR_INIT;
    if (netdev_link_list(&links, &nl, &e) < 0) {
        log_warn("network '%s': re-attaching port interfaces: %s", net->name, e.msg);
        return;
    }
    netdev_link brl;
    if (netdev_link_get(br, &brl, NULL) != 1)
        return;
    for (size_t i = 0; i < s->n; i++) {
        vport *p = &s->items[i];
        if (!streq(p->network, net->name))
            continue;
        const netdev_link *l = port_link(p, links, nl, 0);
        if (!l || l->master == brl.ifindex)
            continue;
        verr_clear(&e);
        if (netdev_link_set_master(l->name, br, &e) < 0 ||
            netdev_link_set_up(l->name, true, &e) < 0)
            log_warn("network '%s': re-attaching %s: %s", net->name, l->name, e.msg);
        else
            log_info("network '%s': re-attached port interface %s to %s", net->name, l->name, br);
    }
}

/* The ports of network `name` (caller frees the array). */
static netport **ports_of(vnetd *d, const char *name, size_t *ret_n)
{
    ports_state *s = state(d);
    netport **mine = xcalloc(s->n + 1, sizeof(*mine));
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        if (streq(s->items[i].network, name))
            mine[n++] = s->items[i].port;
    *ret_n = n;
    return mine;
}

/* Rebuild the network's floor classes from its ports; save the ports whose
 * class id changed. */
static void floors_resync(vnetd *d, vnet_net *net)
{
    ports_state *s = state(d);
    size_t n;
    _cleanup_free_ netport **mine = ports_of(d, net->name, &n);
    if (!ports_floor_sync(d, net, mine, n))
        return;
    for (size_t i = 0; i < s->n; i++) {
        verr e = VERR_INIT;
        if (streq(s->items[i].network, net->name) && port_save(d, &s->items[i], &e) < 0)
            log_warn("%s", e.msg);
    }
}

int ports_check_start(vnetd *d, const vnet_net *net, const netdef *def, verr *err)
{
    if (!state(d)) /* (autostart, before the saved ports are loaded) */
        return 0;
    size_t n;
    _cleanup_free_ netport **mine = ports_of(d, net->name, &n);
    return ports_floor_check_start(def, mine, n, err);
}

void ports_resync(vnetd *d, vnet_net *net)
{
    ports_reattach(d, net);
}

static void on_event(vnetd *d, const vnet_event *ev, void *userdata)
{
    if (!ev->network)
        return;
    if (ev->type == VNET_EV_UNDEFINED) {
        ports_state *s = state(d);
        for (size_t i = s->n; i-- > 0;)
            if (streq(s->items[i].network, ev->network))
                port_remove(d, i);
        return;
    }
    if (ev->type != VNET_EV_STARTED && ev->type != VNET_EV_REPAIRED)
        return;
    vnet_net *net = registry_find(d, ev->network);
    if (net && net_active(net))
        ports_reattach(d, net);
    if (net && net_active(net) && ev->type == VNET_EV_STARTED)
        floors_resync(d, net);
}

/* A link changed: learn it if it carries a port's MAC and sits on a bridge
 * (link NULL: events were lost, look at every link). */
static void on_link(const netdev_link *link, void *userdata)
{
    vnetd *d = userdata;
    ports_state *s = state(d);
    bool wanted = link == NULL;
    for (size_t i = 0; !wanted && i < s->n; i++)
        wanted = link->master != 0 && mac_matches(link->mac, s->items[i].port->mac) &&
                 !(s->items[i].ifname && streq(s->items[i].ifname, link->name));
    if (wanted)
        ports_learn(d);
}

static int on_watch(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
    netdev_portwatch_drain(fd, on_link, userdata);
    return 0;
}

/* ---- the plug ---- */

/* The plug of a new port, as libvirt's networkAllocatePort chooses it: from
 * the pool the network's start recorded, given the ports it already has (a
 * device is used while a port holds it), then what the port takes from its
 * network (portgroup, virtualport, VLAN). With reclaim (a VM that kept its
 * plug across a restart), the plug is checked instead, as libvirt's
 * networkNotifyPort. */
static int allocate_plug(vnetd *d, const vnet_net *net, netport *port, bool reclaim, verr *err)
{
    ports_state *s = state(d);
    _cleanup_free_ const netport **others = xcalloc(s->n + 1, sizeof(*others));
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        if (streq(s->items[i].network, net->name))
            others[n++] = s->items[i].port;
    netplug_pool pool;
    const ovn_opts *o = ovn_daemon_opts(d);
    /* an Open vSwitch bridge when the network or the port says so */
    bool ovs = netdef_bridge_is_ovs(net->live) || netport_is_ovs(port);
    network_pool_from_run(&net->run, o ? o->ovs_db : NULL, ovs, &pool);
    int r = reclaim ? netport_check_reclaim(net->live, &pool, others, n, port, err)
                    : netport_choose_plug(net->live, &pool, others, n, port, err);
    network_pool_clear(&pool);
    if (r < 0 || reclaim)
        return r;
    uint8_t fresh[16];
    if (registry_random_bytes(fresh, sizeof(fresh), err) < 0)
        return -1;
    fresh[6] = (fresh[6] & 0x0f) | 0x40; /* a version 4 UUID, as libvirt's virUUIDGenerate */
    fresh[8] = (fresh[8] & 0x3f) | 0x80;
    return netport_apply_network(net->live, port, fresh, err);
}

/* ---- operations ---- */

/* The plug in short, for `vnet port-list`: "network virbr0", "bridge br0",
 * "direct eth1 vepa", "hostdev-pci 0000:03:10.0" (NULL without a plug). */
static char *plug_summary(const netport *p)
{
    netplug_pci pci = {p->pci_domain, p->pci_bus, p->pci_slot, p->pci_function};
    char buf[16];
    switch (p->plug) {
    case NETPORT_PLUG_NETWORK:
        return xasprintf("network %s", p->bridge ? p->bridge : "");
    case NETPORT_PLUG_BRIDGE:
        return xasprintf("bridge %s", p->bridge ? p->bridge : "");
    case NETPORT_PLUG_DIRECT:
        return xasprintf("direct %s %s", p->dev ? p->dev : "", p->mode ? p->mode : "");
    case NETPORT_PLUG_HOSTDEV_PCI:
        return xasprintf("hostdev-pci %s", netplug_pci_str(&pci, buf));
    default:
        return NULL;
    }
}

static json_t *port_reply(const vport *p)
{
    char ubuf[37], mbuf[18];
    _cleanup_free_ char *xml = netport_format(p->port);
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "uuid", json_string(uuid_text(p->port->uuid, ubuf)));
    json_object_set_new(r, "mac", json_string(vnet_mac_str(p->port->mac, mbuf)));
    json_object_set_new(r, "owner",
                        p->port->owner_name ? json_string(p->port->owner_name) : json_null());
    json_object_set_new(r, "ifname", p->ifname ? json_string(p->ifname) : json_null());
    _cleanup_free_ char *plug = plug_summary(p->port);
    json_object_set_new(r, "plug", plug ? json_string(plug) : json_null());
    const char *bw_names[NETPORT_N_BW_PARAMS];
    uint64_t bw[NETPORT_N_BW_PARAMS];
    size_t n_bw = netport_bandwidth_params(p->port, bw_names, bw);
    json_t *bwa = json_array();
    for (size_t i = 0; i < n_bw; i++)
        json_array_append_new(
            bwa, json_pack("{sssI}", "field", bw_names[i], "value", (json_int_t)bw[i]));
    json_object_set_new(r, "bandwidth", bwa);
    json_object_set_new(r, "xml", json_string(xml));
    return r;
}

static json_t *op_port_create(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *net = name ? registry_get(d, name, err) : NULL;
    const char *xml = net ? proto_get_str(req, "xml", err) : NULL;
    if (!xml)
        return NULL;
    if (!net_active(net)) {
        verr_set(err, VERR_BUSY, "Requested operation is not valid: network '%s' is not active",
                 net->name);
        return NULL;
    }
    const char *source = proto_get_str_opt(req, "source");
    _cleanup_(netport_freep) netport *port = NULL;
    if (netport_parse_string(xml, source ? source : "(networkport_definition)", &port, err) < 0)
        return NULL;
    char ubuf[37];
    if (port_find(d, NULL, port->uuid)) {
        verr_set(err, VERR_EXISTS, "operation failed: network port with UUID %s already exists",
                 uuid_text(port->uuid, ubuf));
        return NULL;
    }
    bool reclaim = proto_get_bool(req, "reclaim", false);
    if (reclaim && port->plug == NETPORT_PLUG_NONE) {
        verr_set(err, VERR_INVALID, "internal error: Port reclaim requested but plug type is none");
        return NULL;
    }
    if (netdef_is_ovn(net->live)) {
        if (ovn_port_plug(d, net, port, err) < 0) /* the logical switch port */
            return NULL;
    } else if (allocate_plug(d, net, port, reclaim, err) < 0 ||
               ports_floor_plug(d, net, port, err) < 0) {
        return NULL;
    }
    ports_state *s = state(d);
    vport *p = xarray_push(&s->items, &s->n, sizeof(*s->items));
    p->network = xstrdup(net->name);
    p->port = TAKE_PTR(port);
    if (port_save(d, p, err) < 0) {
        ports_floor_unplug(d, net, p->port);
        vport_clear(p);
        s->n--;
        return NULL;
    }
    log_info("network '%s': port %s created for %s", net->name, uuid_text(p->port->uuid, ubuf),
             p->port->owner_name ? p->port->owner_name : "(no owner)");
    return port_reply(p);
}

static vport *port_from_req(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    const char *uuid = name ? proto_get_str(req, "uuid", err) : NULL;
    if (!uuid || !registry_get(d, name, err))
        return NULL;
    uint8_t u[16];
    vport *p = netdef_uuid_parse(uuid, u) == 0 ? port_find(d, name, u) : NULL;
    if (!p)
        verr_set(err, VERR_NOT_FOUND,
                 "network port not found: no network port with matching uuid '%s'", uuid);
    return p;
}

static json_t *op_port_dumpxml(vnetd *d, json_t *req, verr *err)
{
    vport *p = port_from_req(d, req, err);
    return p ? port_reply(p) : NULL;
}

static json_t *op_port_delete(vnetd *d, json_t *req, verr *err)
{
    vport *p = port_from_req(d, req, err);
    if (!p)
        return NULL;
    vnet_net *net = registry_find(d, p->network);
    if (net && net_active(net) && netdef_is_ovn(net->live) &&
        ovn_port_unplug(d, net, p->port, err) < 0)
        return NULL; /* the NB database is unreachable: the port stays */
    /* its floor goes back to the network */
    ports_floor_unplug(d, net, p->port);
    char ubuf[37];
    log_info("network '%s': port %s deleted", p->network, uuid_text(p->port->uuid, ubuf));
    port_remove(d, (size_t)(p - state(d)->items));
    return proto_reply_ok();
}

static json_t *op_port_list(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    if (!name || !registry_get(d, name, err))
        return NULL;
    ports_learn(d);
    ports_state *s = state(d);
    json_t *arr = json_array();
    for (size_t i = 0; i < s->n; i++) {
        if (!streq(s->items[i].network, name))
            continue;
        json_t *o = port_reply(&s->items[i]);
        json_object_del(o, "ok");
        json_object_del(o, "xml");
        json_array_append_new(arr, o);
    }
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "ports", arr);
    return r;
}

static const op_def port_ops[] = {
    {"port-list", op_port_list, true},
    {"port-dumpxml", op_port_dumpxml, true},
    {"port-create", op_port_create, false},
    {"port-delete", op_port_delete, false},
};

const op_def *ports_ops_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(port_ops); i++)
        if (streq(port_ops[i].name, name))
            return &port_ops[i];
    return NULL;
}

/* ---- load ---- */

static void load_file(vnetd *d, const char *network, const char *path)
{
    _cleanup_free_ char *text = NULL;
    size_t len;
    verr e = VERR_INIT;
    if (store_read_file(path, &text, &len, &e) <= 0)
        return;
    json_t *o = json_loads(text, 0, NULL);
    const char *xml = json_string_value(json_object_get(o, "xml"));
    netport *port = NULL;
    if (!xml || netport_parse_string(xml, path, &port, &e) < 0) {
        log_warn("ignoring saved port %s: %s", path, xml ? e.msg : "not a port record");
        json_decref(o);
        return;
    }
    ports_state *s = state(d);
    vport *p = xarray_push(&s->items, &s->n, sizeof(*s->items));
    p->network = xstrdup(network);
    p->port = port;
    p->ifname = xstrdup(json_string_value(json_object_get(o, "ifname")));
    json_decref(o);
}

static void load_network(vnetd *d, const char *network)
{
    _cleanup_free_ char *dir = port_dir(d, network);
    DIR *dh = opendir(dir);
    if (!dh)
        return;
    struct dirent *de;
    while ((de = readdir(dh))) {
        size_t l = strlen(de->d_name);
        if (l < 6 || !streq(de->d_name + l - 5, ".json"))
            continue;
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, de->d_name);
        load_file(d, network, path);
    }
    closedir(dh);
}

int ports_setup(vnetd *d, verr *err)
{
    ports_state *s = xcalloc(1, sizeof(*s));
    s->watch_fd = -1;
    d->ports = s;
    _cleanup_free_ char *root = xasprintf("%s/ports", d->paths.data_dir);
    DIR *dh = opendir(root);
    if (dh) {
        struct dirent *de;
        while ((de = readdir(dh)))
            if (de->d_name[0] != '.')
                load_network(d, de->d_name);
        closedir(dh);
    }
    s->sub = events_subscribe(d, on_event, NULL);
    s->watch_fd = netdev_portwatch_open(err);
    if (s->watch_fd < 0)
        return -1;
    int r = sd_event_add_io(d->event, &s->watch, s->watch_fd, EPOLLIN, on_watch, d);
    if (r < 0)
        return verr_errno(err, -r, "watching link events for ports");
    ports_learn(d);
    /* Networks already running (adopted at startup) get their interfaces back. */
    for (size_t i = 0; i < d->n_nets; i++)
        if (net_active(d->nets[i])) {
            ports_reattach(d, d->nets[i]);
            floors_resync(d, d->nets[i]); /* the saved ports' floors, as they were */
        }
    return 0;
}

void ports_close(vnetd *d)
{
    ports_state *s = state(d);
    if (!s)
        return;
    sd_event_source_disable_unref(s->watch);
    if (s->watch_fd >= 0)
        close(s->watch_fd);
    if (s->sub > 0)
        events_unsubscribe(d, s->sub);
    for (size_t i = 0; i < s->n; i++)
        vport_clear(&s->items[i]);
    free(s->items);
    free(s);
    d->ports = NULL;
}

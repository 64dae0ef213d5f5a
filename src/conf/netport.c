/* Network port XML (<networkport>): parse and format as libvirt 9.9 does,
 * reusing the vlan / virtualport / bandwidth pieces of the network model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/netdef_priv.h"
#include "conf/netport.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static const char *const plug_names[] = {
    [NETPORT_PLUG_NONE] = "none",
    [NETPORT_PLUG_NETWORK] = "network",
    [NETPORT_PLUG_BRIDGE] = "bridge",
    [NETPORT_PLUG_DIRECT] = "direct",
    [NETPORT_PLUG_HOSTDEV_PCI] = "hostdev-pci",
};

void netport_free(netport *p)
{
    if (!p)
        return;
    free(p->owner_name);
    free(p->group);
    free(p->bridge);
    free(p->mac_table_manager);
    free(p->dev);
    free(p->mode);
    free(p->driver);
    if (p->extra) {
        netdef_vlan_clear(&p->extra->vlan);
        netdef_vport_free(p->extra->vport);
        free(p->extra);
    }
    free(p);
}

static int uuid_text(const nd_ctx *c, xmlNodePtr n, uint8_t out[16])
{
    _cleanup_free_ char *s = nd_text(n);
    if (netdef_uuid_parse(s, out) < 0)
        return nd_node_err(c, n, NULL, "'%s' is not a UUID", s);
    return 0;
}

static int parse_owner(const nd_ctx *c, xmlNodePtr n, netport *p)
{
    bool have_uuid = false;
    for (xmlNodePtr ch = n->children; ch; ch = ch->next) {
        if (nd_is(ch, "name") && !p->owner_name) {
            p->owner_name = nd_text(ch);
        } else if (nd_is(ch, "uuid") && !have_uuid) {
            if (uuid_text(c, ch, p->owner_uuid) < 0)
                return -1;
            have_uuid = true;
        }
    }
    if (!p->owner_name)
        return nd_node_err(c, n, NULL, "missing <name>");
    if (!have_uuid)
        return nd_node_err(c, n, NULL, "missing <uuid>");
    return 0;
}

static int parse_pci(const nd_ctx *c, xmlNodePtr n, netport *p)
{
    static const char *const names[] = {"domain", "bus", "slot", "function"};
    static const unsigned long long max[] = {0xffff, 0xff, 0x1f, 7};
    unsigned *out[] = {&p->pci_domain, &p->pci_bus, &p->pci_slot, &p->pci_function};

    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        unsigned long long v = 0;
        bool present;
        if (nd_prop_uint(c, n, names[i], max[i], &present, &v) < 0)
            return -1;
        if (!present && i != 0)
            return nd_node_err(c, n, names[i], "missing");
        *out[i] = (unsigned)v;
    }
    return 0;
}

static int parse_plug_hostdev(const nd_ctx *c, xmlNodePtr n, netport *p)
{
    bool have_addr = false;
    if (nd_prop_tristate(c, n, "managed", &p->managed) < 0)
        return -1;
    for (xmlNodePtr ch = n->children; ch; ch = ch->next) {
        if (nd_is(ch, "driver") && !p->driver) {
            p->driver = nd_prop(ch, "name");
            if (p->driver && !streq(p->driver, "kvm") && !streq(p->driver, "vfio"))
                return nd_node_err(c, ch, "name", "unknown driver '%s'", p->driver);
        } else if (nd_is(ch, "address") && !have_addr) {
            if (parse_pci(c, ch, p) < 0)
                return -1;
            have_addr = true;
        }
    }
    if (!have_addr)
        return nd_node_err(c, n, NULL, "missing <address>");
    return 0;
}

static int parse_plug(const nd_ctx *c, xmlNodePtr n, netport *p)
{
    _cleanup_free_ char *type = nd_prop(n, "type");
    size_t i;

    if (!type)
        return nd_node_err(c, n, "type", "missing");
    for (i = 1; i < ARRAY_SIZE(plug_names); i++)
        if (streq(type, plug_names[i]))
            break;
    if (i == ARRAY_SIZE(plug_names))
        return nd_node_err(c, n, "type", "unknown plug type '%s'", type);
    p->plug = (netport_plug_type)i;
    switch (p->plug) {
    case NETPORT_PLUG_NETWORK:
    case NETPORT_PLUG_BRIDGE:
        p->bridge = nd_prop(n, "bridge");
        if (!p->bridge)
            return nd_node_err(c, n, "bridge", "missing");
        p->mac_table_manager = nd_prop(n, "macTableManager");
        if (p->mac_table_manager && !streq(p->mac_table_manager, "kernel") &&
            !streq(p->mac_table_manager, "libvirt"))
            return nd_node_err(c, n, "macTableManager", "'%s' is not 'kernel' or 'libvirt'",
                               p->mac_table_manager);
        return 0;
    case NETPORT_PLUG_DIRECT:
        p->dev = nd_prop(n, "dev");
        p->mode = nd_prop(n, "mode");
        if (!p->dev)
            return nd_node_err(c, n, "dev", "missing");
        if (!p->mode)
            return nd_node_err(c, n, "mode", "missing");
        if (!streq(p->mode, "vepa") && !streq(p->mode, "private") && !streq(p->mode, "bridge") &&
            !streq(p->mode, "passthrough"))
            return nd_node_err(c, n, "mode", "unknown macvtap mode '%s'", p->mode);
        return 0;
    case NETPORT_PLUG_HOSTDEV_PCI:
        return parse_plug_hostdev(c, n, p);
    case NETPORT_PLUG_NONE:
        break;
    }
    return 0;
}

static int parse_child(const nd_ctx *c, xmlNodePtr ch, netport *p, bool *have_uuid, bool *have_mac)
{
    struct netport_extra *x = p->extra;

    if (nd_is(ch, "uuid") && !*have_uuid) {
        *have_uuid = true;
        return uuid_text(c, ch, p->uuid);
    }
    if (nd_is(ch, "owner"))
        return parse_owner(c, ch, p);
    if (nd_is(ch, "group") && !p->group) {
        p->group = nd_text(ch);
        return 0;
    }
    if (nd_is(ch, "mac") && !*have_mac) {
        _cleanup_free_ char *m = nd_prop(ch, "address");
        *have_mac = true;
        if (!m || vnet_mac_parse(m, p->mac) < 0)
            return nd_node_err(c, ch, "address", "missing or not a MAC address");
        return 0;
    }
    if (nd_is(ch, "virtualport") && !x->vport)
        return nd_parse_vport(c, ch, &x->vport);
    if (nd_is(ch, "bandwidth") && !x->bandwidth.present) {
        unsigned long long id;
        bool present;
        if (nd_prop_uint(c, ch, "classID", UINT32_MAX, &present, &id) < 0)
            return -1;
        p->class_id = present ? (unsigned)id : 0;
        return nd_parse_bandwidth(c, ch, &x->bandwidth);
    }
    if (nd_is(ch, "vlan") && !x->vlan.n_tags)
        return nd_parse_vlan(c, ch, &x->vlan);
    if (nd_is(ch, "port"))
        return nd_prop_tristate(c, ch, "isolated", &p->isolated);
    if (nd_is(ch, "rxfilters"))
        return nd_prop_tristate(c, ch, "trustGuest", &p->trust_guest_rx_filters);
    if (nd_is(ch, "plug") && p->plug == NETPORT_PLUG_NONE)
        return parse_plug(c, ch, p);
    return 0;
}

static int parse_port(const nd_ctx *c, xmlNodePtr root, netport *p)
{
    bool have_uuid = false, have_mac = false;

    if (root->ns || !streq((const char *)root->name, "networkport"))
        return nd_node_err(c, root, NULL, "the root element must be <networkport>");
    for (xmlNodePtr ch = root->children; ch; ch = ch->next)
        if (parse_child(c, ch, p, &have_uuid, &have_mac) < 0)
            return -1;
    if (!have_uuid)
        return nd_node_err(c, root, NULL, "missing <uuid>");
    if (!p->owner_name)
        return nd_node_err(c, root, NULL, "missing <owner>");
    if (!have_mac)
        return nd_node_err(c, root, NULL, "missing <mac>");
    return 0;
}

int netport_parse_string(const char *xml, const char *source, netport **ret, verr *err)
{
    nd_ctx c = {.source = source ? source : "<networkport>", .err = err};
    xmlDocPtr doc = nd_read_doc(xml, strlen(xml), c.source, err);
    netport *p;
    int r;

    if (!doc)
        return -1;
    p = xcalloc(1, sizeof(*p));
    p->extra = xcalloc(1, sizeof(*p->extra));
    r = parse_port(&c, xmlDocGetRootElement(doc), p);
    xmlFreeDoc(doc);
    if (r < 0) {
        netport_free(p);
        return -1;
    }
    *ret = p;
    return 0;
}

static void fmt_uuid(strbuf *b, const char *indent, const uint8_t u[16])
{
    netdef tmp = {0};
    char buf[37];
    memcpy(tmp.uuid, u, 16);
    strbuf_addf(b, "%s<uuid>%s</uuid>\n", indent, netdef_uuid_str(&tmp, buf));
}

static void fmt_plug(strbuf *b, const netport *p)
{
    if (p->plug == NETPORT_PLUG_NONE)
        return;
    strbuf_addf(b, "  <plug type='%s'", plug_names[p->plug]);
    switch (p->plug) {
    case NETPORT_PLUG_NETWORK:
    case NETPORT_PLUG_BRIDGE:
        nd_attr(b, "bridge", p->bridge);
        nd_attr(b, "macTableManager", p->mac_table_manager);
        strbuf_add(b, "/>\n");
        break;
    case NETPORT_PLUG_DIRECT:
        nd_attr(b, "dev", p->dev);
        nd_attr(b, "mode", p->mode);
        strbuf_add(b, "/>\n");
        break;
    case NETPORT_PLUG_HOSTDEV_PCI:
        if (p->managed)
            nd_attr(b, "managed", p->managed == VT_YES ? "yes" : "no");
        strbuf_add(b, ">\n");
        if (p->driver)
            strbuf_addf(b, "    <driver name='%s'/>\n", p->driver);
        strbuf_addf(b,
                    "    <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n",
                    p->pci_domain, p->pci_bus, p->pci_slot, p->pci_function);
        strbuf_add(b, "  </plug>\n");
        break;
    case NETPORT_PLUG_NONE:
        break;
    }
}

char *netport_format(const netport *p)
{
    strbuf b = STRBUF_INIT;
    char mac[18];

    strbuf_add(&b, "<networkport>\n");
    fmt_uuid(&b, "  ", p->uuid);
    strbuf_add(&b, "  <owner>\n    <name>");
    nd_esc(&b, p->owner_name ? p->owner_name : "");
    strbuf_add(&b, "</name>\n");
    fmt_uuid(&b, "    ", p->owner_uuid);
    strbuf_add(&b, "  </owner>\n");
    if (p->group) {
        strbuf_add(&b, "  <group>");
        nd_esc(&b, p->group);
        strbuf_add(&b, "</group>\n");
    }
    strbuf_addf(&b, "  <mac address='%s'/>\n", vnet_mac_str(p->mac, mac));
    if (p->extra) {
        nd_fmt_vport(&b, 2, p->extra->vport);
        nd_fmt_bandwidth(&b, 2, &p->extra->bandwidth, p->class_id);
        nd_fmt_vlan(&b, 2, &p->extra->vlan);
    }
    if (p->isolated)
        strbuf_addf(&b, "  <port isolated='%s'/>\n", p->isolated == VT_YES ? "yes" : "no");
    if (p->trust_guest_rx_filters)
        strbuf_addf(&b, "  <rxfilters trustGuest='%s'/>\n",
                    p->trust_guest_rx_filters == VT_YES ? "yes" : "no");
    fmt_plug(&b, p);
    strbuf_add(&b, "</networkport>\n");
    return strbuf_take(&b);
}

void netport_set_ovs_interfaceid(netport *p, const char *interfaceid)
{
    if (!p->extra)
        p->extra = xcalloc(1, sizeof(*p->extra));
    netdef_vport_free(p->extra->vport);
    p->extra->vport = xcalloc(1, sizeof(*p->extra->vport));
    p->extra->vport->type = xstrdup("openvswitch");
    p->extra->vport->interfaceid = xstrdup(interfaceid);
}

size_t netport_bandwidth_params(const netport *port, const char *names[NETPORT_N_BW_PARAMS],
                                uint64_t values[NETPORT_N_BW_PARAMS])
{
    const netdef_bandwidth *b = port->extra ? &port->extra->bandwidth : NULL;
    size_t n = 0;
#define BW_PARAM(name, v) (names[n] = (name), values[n++] = (v))
    if (b && b->present && b->in.present) {
        BW_PARAM("inbound.average", b->in.average);
        BW_PARAM("inbound.peak", b->in.peak);
        BW_PARAM("inbound.floor", b->in.floor);
        BW_PARAM("inbound.burst", b->in.burst);
    }
    if (b && b->present && b->out.present) {
        BW_PARAM("outbound.average", b->out.average);
        BW_PARAM("outbound.peak", b->out.peak);
        BW_PARAM("outbound.burst", b->out.burst);
    }
#undef BW_PARAM
    return n;
}

uint64_t netport_inbound_floor(const netport *port)
{
    const netdef_bandwidth *b = port->extra ? &port->extra->bandwidth : NULL;
    return b && b->present && b->in.present ? b->in.floor : 0;
}

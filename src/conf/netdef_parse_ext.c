/* Parsing the libvirt features vnet carries through without acting on them
 * (portgroups, <vlan>, <virtualport>, <bandwidth>) and vnet's own
 * <vnet:portForward> extension. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "conf/netdef_priv.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static bool is_vnet(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           streq((const char *)n->ns->href, NETDEF_VNET_NS) && streq((const char *)n->name, name);
}

static int uuid_prop(const nd_ctx *c, xmlNodePtr n, const char *name, char **ret)
{
    _cleanup_free_ char *v = nd_prop(n, name);
    netdef tmp = {0};
    char buf[37];

    if (!v)
        return 0;
    if (netdef_uuid_parse(v, tmp.uuid) < 0)
        return nd_node_err(c, n, name, "'%s' is not a UUID", v);
    *ret = xstrdup(netdef_uuid_str(&tmp, buf));
    return 0;
}

static int vport_params(const nd_ctx *c, xmlNodePtr p, netdef_vport *vp)
{
    unsigned long long v;

    if (nd_prop_uint(c, p, "managerid", 255, &vp->has_managerid, &v) < 0)
        return -1;
    vp->managerid = (unsigned)v;
    if (nd_prop_uint(c, p, "typeid", 0xffffff, &vp->has_typeid, &v) < 0)
        return -1;
    vp->typeid = (unsigned)v;
    if (nd_prop_uint(c, p, "typeidversion", 255, &vp->has_typeidversion, &v) < 0)
        return -1;
    vp->typeidversion = (unsigned)v;
    if (uuid_prop(c, p, "instanceid", &vp->instanceid) < 0 ||
        uuid_prop(c, p, "interfaceid", &vp->interfaceid) < 0)
        return -1;
    vp->profileid = nd_prop(p, "profileid");
    if (vp->profileid && strlen(vp->profileid) >= 40)
        return nd_node_err(c, p, "profileid", "longer than 39 characters");
    return 0;
}

int nd_parse_vport(const nd_ctx *c, xmlNodePtr n, netdef_vport **ret)
{
    netdef_vport *vp = xcalloc(1, sizeof(*vp));
    static const char *const types[] = {"802.1Qbg", "802.1Qbh", "openvswitch", "midonet"};
    bool known = false;

    vp->type = nd_prop(n, "type");
    for (size_t i = 0; vp->type && i < ARRAY_SIZE(types); i++)
        known |= streq(vp->type, types[i]);
    if (vp->type && !known) {
        nd_node_err(c, n, "type", "unknown virtualport type '%s'", vp->type);
        netdef_vport_free(vp);
        return -1;
    }
    for (xmlNodePtr ch = n->children; ch; ch = ch->next) {
        if (nd_is(ch, "parameters")) {
            if (vport_params(c, ch, vp) < 0) {
                netdef_vport_free(vp);
                return -1;
            }
            break;
        }
    }
    *ret = vp;
    return 0;
}

static int vlan_tag(const nd_ctx *c, xmlNodePtr t, netdef_vlan *v)
{
    _cleanup_free_ char *native = nd_prop(t, "nativeMode");
    unsigned long long id;
    bool p;

    if (nd_prop_uint(c, t, "id", 4095, &p, &id) < 0)
        return -1;
    if (!p)
        return nd_node_err(c, t, "id", "missing");
    if (native) {
        if (v->native_mode)
            return nd_node_err(c, t, "nativeMode", "only one tag can be native");
        if (streq(native, "tagged"))
            v->native_mode = NETDEF_VLAN_NATIVE_TAGGED;
        else if (streq(native, "untagged"))
            v->native_mode = NETDEF_VLAN_NATIVE_UNTAGGED;
        else
            return nd_node_err(c, t, "nativeMode", "'%s' is not 'tagged' or 'untagged'", native);
        v->native_tag = (unsigned)id;
    }
    *(unsigned *)xarray_push(&v->tags, &v->n_tags, sizeof(unsigned)) = (unsigned)id;
    return 0;
}

int nd_parse_vlan(const nd_ctx *c, xmlNodePtr n, netdef_vlan *ret)
{
    netdef_vlan v = {0};
    _cleanup_free_ char *trunk = nd_prop(n, "trunk");

    for (xmlNodePtr ch = n->children; ch; ch = ch->next) {
        if (nd_is(ch, "tag") && vlan_tag(c, ch, &v) < 0) {
            netdef_vlan_clear(&v);
            return -1;
        }
    }
    if (v.n_tags == 0) {
        netdef_vlan_clear(&v);
        return nd_node_err(c, n, NULL, "needs at least one <tag id='N'/>");
    }
    if (trunk && !streq(trunk, "yes") && !streq(trunk, "no")) {
        nd_node_err(c, n, "trunk", "'%s' is not 'yes' or 'no'", trunk);
        netdef_vlan_clear(&v);
        return -1;
    }
    if (v.n_tags > 1 && trunk && streq(trunk, "no")) {
        netdef_vlan_clear(&v);
        return nd_node_err(c, n, "trunk", "must be 'yes' with more than one tag");
    }
    v.trunk = v.n_tags > 1 || (trunk && streq(trunk, "yes"));
    *ret = v;
    return 0;
}

static int bw_rate(const nd_ctx *c, xmlNodePtr n, bool inbound, netdef_rate *r)
{
    static const char *const names[] = {"average", "peak", "burst", "floor"};
    uint64_t *vals[] = {&r->average, &r->peak, &r->burst, &r->floor};

    if (r->present)
        return nd_node_err(c, n, NULL, "only one <%s> is allowed", (const char *)n->name);
    r->present = true;
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        unsigned long long v = 0;
        bool p;
        if (nd_prop_uint(c, n, names[i], UINT64_MAX, &p, &v) < 0)
            return -1;
        if (p && i == 3 && !inbound)
            return nd_node_err(c, n, "floor", "only allowed in <inbound>");
        *vals[i] = v;
    }
    if (!r->average && !r->floor)
        return nd_node_err(c, n, "average", "missing (average or floor is required)");
    return 0;
}

int nd_parse_bandwidth(const nd_ctx *c, xmlNodePtr n, netdef_bandwidth *ret)
{
    netdef_bandwidth bw = {.present = true};
    for (xmlNodePtr ch = n->children; ch; ch = ch->next) {
        if (nd_is(ch, "inbound") && bw_rate(c, ch, true, &bw.in) < 0)
            return -1;
        if (nd_is(ch, "outbound") && bw_rate(c, ch, false, &bw.out) < 0)
            return -1;
    }
    *ret = bw;
    return 0;
}

int nd_parse_portgroup(const nd_ctx *c, xmlNodePtr n, netdef_portgroup *pg)
{
    vtristate def;

    memset(pg, 0, sizeof(*pg));
    pg->line = nd_line(n);
    pg->name = nd_prop(n, "name");
    if (!pg->name)
        return nd_node_err(c, n, "name", "missing");
    if (nd_prop_tristate(c, n, "default", &def) < 0 ||
        nd_prop_tristate(c, n, "trustGuestRxFilters", &pg->trust_guest_rx_filters) < 0)
        return -1;
    pg->is_default = def == VT_YES;
    for (xmlNodePtr ch = n->children; ch; ch = ch->next) {
        int r = 0;
        if (nd_is(ch, "vlan") && !pg->vlan.n_tags)
            r = nd_parse_vlan(c, ch, &pg->vlan);
        else if (nd_is(ch, "virtualport") && !pg->vport)
            r = nd_parse_vport(c, ch, &pg->vport);
        else if (nd_is(ch, "bandwidth") && !pg->bandwidth.present)
            r = nd_parse_bandwidth(c, ch, &pg->bandwidth);
        if (r < 0)
            return -1;
    }
    return 0;
}

/* ----------------------------------------------------------- port forwards */

static int pf_range(const nd_ctx *c, xmlNodePtr n, netdef_port_forward *pf)
{
    netdef_pf_range r = {.line = nd_line(n)};
    unsigned long long v;
    bool p;

    if (nd_prop_uint(c, n, "start", UINT16_MAX, &p, &v) < 0)
        return -1;
    if (!p)
        return nd_node_err(c, n, "start", "missing");
    r.start = r.end = (unsigned)v;
    if (nd_prop_uint(c, n, "end", UINT16_MAX, &p, &v) < 0)
        return -1;
    if (p)
        r.end = (unsigned)v;
    if (nd_prop_uint(c, n, "to", UINT16_MAX, &p, &v) < 0)
        return -1;
    if (p)
        r.to = (unsigned)v;
    if (p && r.to == 0)
        return nd_node_err(c, n, "to", "port 0 is not allowed (must be 1..65535)");
    *(netdef_pf_range *)xarray_push(&pf->ranges, &pf->n_ranges, sizeof(r)) = r;
    return 0;
}

int nd_parse_port_forward(const nd_ctx *c, xmlNodePtr n, netdef_port_forward *pf)
{
    _cleanup_free_ char *proto = nd_prop(n, "proto");
    _cleanup_free_ char *guest = nd_prop(n, "guest");

    memset(pf, 0, sizeof(*pf));
    pf->line = nd_line(n);
    if (!proto)
        return nd_node_err(c, n, "proto", "missing");
    if (streq(proto, "tcp"))
        pf->proto = IPPROTO_TCP;
    else if (streq(proto, "udp"))
        pf->proto = IPPROTO_UDP;
    else
        return nd_node_err(c, n, "proto", "'%s' is not 'tcp' or 'udp'", proto);
    if (!guest)
        return nd_node_err(c, n, "guest", "missing");
    if (nd_prop_addr(c, n, "address", 0, &pf->address) < 0 ||
        nd_prop_addr(c, n, "guest", 0, &pf->guest) < 0)
        return -1;
    for (xmlNodePtr ch = n->children; ch; ch = ch->next) {
        if (is_vnet(ch, "range")) {
            if (pf_range(c, ch, pf) < 0)
                return -1;
        } else if (ch->type == XML_ELEMENT_NODE) {
            return nd_node_err(c, ch, NULL, "unexpected element in <vnet:portForward>");
        }
    }
    if (pf->n_ranges == 0)
        return nd_node_err(c, n, NULL, "needs at least one <vnet:range start='PORT'/>");
    return 0;
}

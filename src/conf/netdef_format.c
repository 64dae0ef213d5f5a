/* Formatting the model as libvirt 9.9 does: 2-space indent, single quotes,
 * libvirt's attribute order and defaults, empty <ip> as "<ip ...>" newline
 * "</ip>". Nothing is invented: no uuid, MAC or bridge name unless set. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "conf/netdef_priv.h"
#include "util/strbuf.h"

static void ind(strbuf *b, int n)
{
    for (int i = 0; i < n; i++)
        strbuf_addc(b, ' ');
}

/* Escape as libvirt does; inside attributes also line breaks and tabs, which
 * XML would otherwise turn into spaces on the next read. */
static void esc_mode(strbuf *b, const char *s, bool in_attr)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            strbuf_add(b, "&lt;");
            break;
        case '>':
            strbuf_add(b, "&gt;");
            break;
        case '&':
            strbuf_add(b, "&amp;");
            break;
        case '\'':
            strbuf_add(b, "&apos;");
            break;
        case '"':
            strbuf_add(b, "&quot;");
            break;
        case '\r': /* a raw CR would be read back as a line feed */
            strbuf_add(b, "&#13;");
            break;
        case '\n':
        case '\t':
            if (in_attr)
                strbuf_addf(b, "&#%d;", *s);
            else
                strbuf_addc(b, *s);
            break;
        default:
            strbuf_addc(b, *s);
        }
    }
}

void nd_esc(strbuf *b, const char *s)
{
    esc_mode(b, s, false);
}

/* " name='value'" with value escaped; nothing when value is NULL. */
void nd_attr(strbuf *b, const char *name, const char *value)
{
    if (!value)
        return;
    strbuf_addf(b, " %s='", name);
    esc_mode(b, value, true);
    strbuf_addc(b, '\'');
}

static void attr_addr(strbuf *b, const char *name, const vnet_addr *a)
{
    char buf[VNET_ADDR_STRLEN];
    if (vnet_addr_is_set(a))
        nd_attr(b, name, vnet_addr_str(a, buf));
}

static const char *tri(vtristate t)
{
    return t == VT_YES ? "yes" : "no";
}

static void text_elem(strbuf *b, int n, const char *name, const char *value)
{
    if (!value)
        return;
    ind(b, n);
    strbuf_addf(b, "<%s>", name);
    nd_esc(b, value);
    strbuf_addf(b, "</%s>\n", name);
}

/* Metadata was serialized at parse time, indented for this position. */
static void fmt_metadata(strbuf *b, int n, const char *xml)
{
    ind(b, n);
    strbuf_add(b, xml);
    strbuf_addc(b, '\n');
}

/* ---------------------------------------------------------------- forward */

static void fmt_nat(strbuf *b, int n, const netdef *def)
{
    const netdef_nat *nat = &def->nat;
    bool addr = vnet_addr_is_set(&nat->addr_start) || vnet_addr_is_set(&nat->addr_end);
    bool port = nat->port_start || nat->port_end;

    if (!addr && !port && !nat->ipv6)
        return;
    ind(b, n);
    strbuf_add(b, "<nat");
    if (nat->ipv6)
        nd_attr(b, "ipv6", tri(nat->ipv6));
    if (!addr && !port) {
        strbuf_add(b, "/>\n");
        return;
    }
    strbuf_add(b, ">\n");
    if (vnet_addr_is_set(&nat->addr_start)) {
        ind(b, n + 2);
        strbuf_add(b, "<address");
        attr_addr(b, "start", &nat->addr_start);
        attr_addr(b, "end", &nat->addr_end);
        strbuf_add(b, "/>\n");
    }
    if (port) {
        ind(b, n + 2);
        strbuf_addf(b, "<port start='%u'", nat->port_start);
        if (nat->port_end)
            strbuf_addf(b, " end='%u'", nat->port_end);
        strbuf_add(b, "/>\n");
    }
    ind(b, n);
    strbuf_add(b, "</nat>\n");
}

static bool forward_is_short(const netdef *def)
{
    const struct netdef_extra *x = def->extra;
    const netdef_nat *nat = &def->nat;
    return !(def->n_forward_ifaces || (x && (x->n_addrs || x->forward_pf || x->forward_driver)) ||
             vnet_addr_is_set(&nat->addr_start) || vnet_addr_is_set(&nat->addr_end) ||
             nat->port_start || nat->port_end || nat->ipv6);
}

static void fmt_forward(strbuf *b, int n, const netdef *def, unsigned flags)
{
    const struct netdef_extra *x = def->extra;
    const char *pf = x ? x->forward_pf : NULL;
    bool shrt = forward_is_short(def);

    if (!def->has_forward && def->forward_mode == NETDEF_FWD_NONE)
        return;
    ind(b, n);
    strbuf_add(b, "<forward");
    if (!pf)
        nd_attr(b, "dev", def->n_forward_ifaces ? def->forward_ifaces[0] : def->forward_dev);
    nd_attr(b, "mode", netdef_forward_mode_name(def->forward_mode));
    if (def->forward_mode == NETDEF_FWD_HOSTDEV)
        nd_attr(b, "managed", def->forward_managed == VT_YES ? "yes" : "no");
    strbuf_add(b, shrt ? "/>\n" : ">\n");
    if (shrt)
        return;
    if (x && x->forward_driver) {
        ind(b, n + 2);
        strbuf_add(b, "<driver");
        nd_attr(b, "name", x->forward_driver);
        strbuf_add(b, "/>\n");
    }
    if (def->forward_mode == NETDEF_FWD_NAT)
        fmt_nat(b, n + 2, def);
    if (pf) {
        ind(b, n + 2);
        strbuf_add(b, "<pf");
        nd_attr(b, "dev", pf);
        strbuf_add(b, "/>\n");
    }
    if (!pf || !(flags & NETDEF_FORMAT_INACTIVE)) {
        for (size_t i = 0; i < def->n_forward_ifaces; i++) {
            ind(b, n + 2);
            strbuf_add(b, "<interface");
            nd_attr(b, "dev", def->forward_ifaces[i]);
            strbuf_add(b, "/>\n");
        }
        for (size_t i = 0; x && i < x->n_addrs; i++) {
            const netdef_pci_addr *a = &x->addrs[i];
            ind(b, n + 2);
            strbuf_addf(b,
                        "<address type='pci' domain='0x%04x' bus='0x%02x' slot='0x%02x' "
                        "function='0x%x'/>\n",
                        a->domain, a->bus, a->slot, a->function);
        }
    }
    ind(b, n);
    strbuf_add(b, "</forward>\n");
}

/* ------------------------------------------------------ bridge, mac, ... */

static void fmt_bridge(strbuf *b, int n, const netdef *def)
{
    bool l3 = netdef_is_managed_bridge(def);

    if (!l3 && !def->bridge_name && !def->mac_table_manager)
        return;
    ind(b, n);
    strbuf_add(b, "<bridge");
    nd_attr(b, "name", def->bridge_name);
    nd_attr(b, "zone", def->zone);
    if (l3)
        strbuf_addf(b, " stp='%s' delay='%u'", def->stp == VT_NO ? "off" : "on", def->delay);
    nd_attr(b, "macTableManager", def->mac_table_manager);
    strbuf_add(b, "/>\n");
}

static void fmt_domain(strbuf *b, int n, const netdef *def)
{
    if (!def->domain)
        return;
    ind(b, n);
    strbuf_add(b, "<domain");
    nd_attr(b, "name", def->domain);
    if (def->domain_local_only)
        nd_attr(b, "localOnly", tri(def->domain_local_only));
    if (def->domain_register)
        nd_attr(b, "register", tri(def->domain_register));
    strbuf_add(b, "/>\n");
}

/* -------------------------------------------------------------------- dns */

static void fmt_srv(strbuf *b, int n, const netdef_dns_srv *s)
{
    if (!s->service || !s->protocol)
        return;
    ind(b, n);
    strbuf_add(b, "<srv");
    nd_attr(b, "service", s->service);
    nd_attr(b, "protocol", s->protocol);
    nd_attr(b, "domain", s->domain);
    nd_attr(b, "target", s->target);
    if (s->has_port && s->port)
        strbuf_addf(b, " port='%u'", s->port);
    if (s->has_priority && s->priority)
        strbuf_addf(b, " priority='%u'", s->priority);
    if (s->has_weight && s->weight)
        strbuf_addf(b, " weight='%u'", s->weight);
    strbuf_add(b, "/>\n");
}

static void fmt_dns(strbuf *b, int n, const netdef_dns *d)
{
    bool records = d->n_forwarders || d->n_hosts || d->n_srvs || d->n_txts;

    if (!d->enable && !d->forward_plain_names && !records)
        return;
    ind(b, n);
    strbuf_add(b, "<dns");
    if (d->enable)
        nd_attr(b, "enable", tri(d->enable));
    if (d->forward_plain_names)
        nd_attr(b, "forwardPlainNames", tri(d->forward_plain_names));
    if (!records) {
        strbuf_add(b, "/>\n");
        return;
    }
    strbuf_add(b, ">\n");
    for (size_t i = 0; i < d->n_forwarders; i++) {
        ind(b, n + 2);
        strbuf_add(b, "<forwarder");
        nd_attr(b, "domain", d->forwarders[i].domain);
        nd_attr(b, "addr", d->forwarders[i].addr);
        strbuf_add(b, "/>\n");
    }
    for (size_t i = 0; i < d->n_txts; i++) {
        ind(b, n + 2);
        strbuf_add(b, "<txt");
        nd_attr(b, "name", d->txts[i].name);
        nd_attr(b, "value", d->txts[i].value ? d->txts[i].value : "");
        strbuf_add(b, "/>\n");
    }
    for (size_t i = 0; i < d->n_srvs; i++)
        fmt_srv(b, n + 2, &d->srvs[i]);
    for (size_t i = 0; i < d->n_hosts; i++) {
        ind(b, n + 2);
        strbuf_add(b, "<host");
        attr_addr(b, "ip", &d->hosts[i].ip);
        strbuf_add(b, ">\n");
        for (size_t j = 0; j < d->hosts[i].n_hostnames; j++)
            text_elem(b, n + 4, "hostname", d->hosts[i].hostnames[j]);
        ind(b, n + 2);
        strbuf_add(b, "</host>\n");
    }
    ind(b, n);
    strbuf_add(b, "</dns>\n");
}

/* --------------------------------------------------------- vlan, vport, bw */

void nd_fmt_vlan(strbuf *b, int n, const netdef_vlan *v)
{
    static const char *const native[] = {"", "tagged", "untagged"};
    if (!v->n_tags)
        return;
    ind(b, n);
    strbuf_addf(b, "<vlan%s>\n", v->trunk ? " trunk='yes'" : "");
    bool native_done = false; /* one native tag, even when its id is listed twice */
    for (size_t i = 0; i < v->n_tags; i++) {
        ind(b, n + 2);
        if (v->native_mode && v->native_tag == v->tags[i] && !native_done) {
            strbuf_addf(b, "<tag id='%u' nativeMode='%s'/>\n", v->tags[i], native[v->native_mode]);
            native_done = true;
        } else
            strbuf_addf(b, "<tag id='%u'/>\n", v->tags[i]);
    }
    ind(b, n);
    strbuf_add(b, "</vlan>\n");
}

void nd_fmt_vport(strbuf *b, int n, const netdef_vport *vp)
{
    bool params;

    if (!vp)
        return;
    params = vp->has_managerid || vp->has_typeid || vp->has_typeidversion || vp->instanceid ||
             vp->interfaceid || vp->profileid;
    if (!params && !vp->type)
        return;
    ind(b, n);
    strbuf_add(b, "<virtualport");
    nd_attr(b, "type", vp->type);
    if (!params) {
        strbuf_add(b, "/>\n");
        return;
    }
    strbuf_add(b, ">\n");
    ind(b, n + 2);
    strbuf_add(b, "<parameters");
    if (vp->has_managerid)
        strbuf_addf(b, " managerid='%u'", vp->managerid);
    if (vp->has_typeid)
        strbuf_addf(b, " typeid='%u'", vp->typeid);
    if (vp->has_typeidversion)
        strbuf_addf(b, " typeidversion='%u'", vp->typeidversion);
    nd_attr(b, "instanceid", vp->instanceid);
    nd_attr(b, "interfaceid", vp->interfaceid);
    nd_attr(b, "profileid", vp->profileid);
    strbuf_add(b, "/>\n");
    ind(b, n);
    strbuf_add(b, "</virtualport>\n");
}

static void fmt_rate(strbuf *b, int n, const char *name, const netdef_rate *r)
{
    if (!r->present)
        return;
    ind(b, n);
    strbuf_addf(b, "<%s", name);
    if (r->average)
        strbuf_addf(b, " average='%" PRIu64 "'", r->average);
    if (r->peak)
        strbuf_addf(b, " peak='%" PRIu64 "'", r->peak);
    if (r->floor)
        strbuf_addf(b, " floor='%" PRIu64 "'", r->floor);
    if (r->burst)
        strbuf_addf(b, " burst='%" PRIu64 "'", r->burst);
    strbuf_add(b, "/>\n");
}

void nd_fmt_bandwidth(strbuf *b, int n, const netdef_bandwidth *bw, unsigned class_id)
{
    if (!bw->present || (!bw->in.present && !bw->out.present))
        return;
    ind(b, n);
    if (class_id)
        strbuf_addf(b, "<bandwidth classID='%u'>\n", class_id);
    else
        strbuf_add(b, "<bandwidth>\n");
    fmt_rate(b, n + 2, "inbound", &bw->in);
    fmt_rate(b, n + 2, "outbound", &bw->out);
    ind(b, n);
    strbuf_add(b, "</bandwidth>\n");
}

void nd_fmt_portgroup(strbuf *b, int n, const netdef_portgroup *pg)
{
    ind(b, n);
    strbuf_add(b, "<portgroup");
    nd_attr(b, "name", pg->name);
    if (pg->is_default)
        strbuf_add(b, " default='yes'");
    if (pg->trust_guest_rx_filters)
        nd_attr(b, "trustGuestRxFilters", tri(pg->trust_guest_rx_filters));
    strbuf_add(b, ">\n");
    nd_fmt_vlan(b, n + 2, &pg->vlan);
    nd_fmt_vport(b, n + 2, pg->vport);
    nd_fmt_bandwidth(b, n + 2, &pg->bandwidth, 0);
    ind(b, n);
    strbuf_add(b, "</portgroup>\n");
}

/* --------------------------------------------------------------------- ip */

static void fmt_lease(strbuf *b, int n, const netdef_lease *l)
{
    static const char *const units[] = {"minutes", "seconds", "minutes", "hours"};
    ind(b, n);
    if (l->expiry)
        strbuf_addf(b, "<lease expiry='%" PRIu64 "' unit='%s'/>\n", l->expiry, units[l->unit]);
    else
        strbuf_add(b, "<lease expiry='0'/>\n");
}

static void fmt_dhcp_host(strbuf *b, int n, const netdef_dhcp_host *h)
{
    ind(b, n);
    strbuf_add(b, "<host");
    nd_attr(b, "mac", h->mac);
    nd_attr(b, "id", h->id);
    nd_attr(b, "name", h->name);
    attr_addr(b, "ip", &h->ip);
    if (!h->lease.present) {
        strbuf_add(b, "/>\n");
        return;
    }
    strbuf_add(b, ">\n");
    fmt_lease(b, n + 2, &h->lease);
    ind(b, n);
    strbuf_add(b, "</host>\n");
}

static void fmt_dhcp(strbuf *b, int n, const netdef_ip *ip)
{
    if (!ip->n_ranges && !ip->n_hosts)
        return; /* as libvirt: <bootp> alone is not kept */
    ind(b, n);
    strbuf_add(b, "<dhcp>\n");
    for (size_t i = 0; i < ip->n_ranges; i++) {
        const netdef_dhcp_range *r = &ip->ranges[i];
        ind(b, n + 2);
        strbuf_add(b, "<range");
        attr_addr(b, "start", &r->start);
        attr_addr(b, "end", &r->end);
        if (r->lease.present) {
            strbuf_add(b, ">\n");
            fmt_lease(b, n + 4, &r->lease);
            ind(b, n + 2);
            strbuf_add(b, "</range>\n");
        } else {
            strbuf_add(b, "/>\n");
        }
    }
    for (size_t i = 0; i < ip->n_hosts; i++)
        fmt_dhcp_host(b, n + 2, &ip->hosts[i]);
    if (ip->bootp_file) {
        ind(b, n + 2);
        strbuf_add(b, "<bootp");
        nd_attr(b, "file", ip->bootp_file);
        nd_attr(b, "server", ip->bootp_server);
        strbuf_add(b, "/>\n");
    }
    ind(b, n);
    strbuf_add(b, "</dhcp>\n");
}

static void fmt_ip(strbuf *b, int n, const netdef_ip *ip)
{
    ind(b, n);
    strbuf_add(b, "<ip");
    if (ip->family_written)
        nd_attr(b, "family", ip->family == AF_INET6 ? "ipv6" : "ipv4");
    attr_addr(b, "address", &ip->address);
    if (ip->has_netmask) {
        vnet_addr mask;
        vnet_prefix_to_netmask(AF_INET, ip->prefix, &mask);
        attr_addr(b, "netmask", &mask);
    }
    if (ip->has_prefix && ip->prefix > 0)
        strbuf_addf(b, " prefix='%u'", ip->prefix);
    if (ip->local_ptr)
        nd_attr(b, "localPtr", tri(ip->local_ptr));
    strbuf_add(b, ">\n");
    if (ip->tftp_root) {
        ind(b, n + 2);
        strbuf_add(b, "<tftp");
        nd_attr(b, "root", ip->tftp_root);
        strbuf_add(b, "/>\n");
    }
    fmt_dhcp(b, n + 2, ip);
    ind(b, n);
    strbuf_add(b, "</ip>\n");
}

static void fmt_route(strbuf *b, int n, const netdef_route *r)
{
    ind(b, n);
    strbuf_add(b, "<route");
    if (r->family_written)
        nd_attr(b, "family", r->family == AF_INET6 ? "ipv6" : "ipv4");
    attr_addr(b, "address", &r->address);
    if (r->has_netmask) {
        vnet_addr mask;
        vnet_prefix_to_netmask(AF_INET, r->prefix, &mask);
        attr_addr(b, "netmask", &mask);
    }
    if (r->has_prefix)
        strbuf_addf(b, " prefix='%u'", r->prefix);
    attr_addr(b, "gateway", &r->gateway);
    if (r->has_metric && r->metric > 0)
        strbuf_addf(b, " metric='%u'", r->metric);
    strbuf_add(b, "/>\n");
}

/* ----------------------------------------------------------- namespaces */

static void fmt_dnsmasq(strbuf *b, int n, const netdef *def)
{
    if (!def->n_dnsmasq_options)
        return;
    ind(b, n);
    strbuf_add(b, "<dnsmasq:options>\n");
    for (size_t i = 0; i < def->n_dnsmasq_options; i++) {
        ind(b, n + 2);
        strbuf_add(b, "<dnsmasq:option");
        nd_attr(b, "value", def->dnsmasq_options[i]);
        strbuf_add(b, "/>\n");
    }
    ind(b, n);
    strbuf_add(b, "</dnsmasq:options>\n");
}

static void fmt_port_forwards(strbuf *b, int n, const netdef *def)
{
    for (size_t i = 0; i < def->n_port_forwards; i++) {
        const netdef_port_forward *pf = &def->port_forwards[i];
        ind(b, n);
        strbuf_add(b, "<vnet:portForward");
        nd_attr(b, "proto", netdef_proto_name(pf->proto));
        attr_addr(b, "address", &pf->address);
        attr_addr(b, "guest", &pf->guest);
        strbuf_add(b, ">\n");
        for (size_t j = 0; j < pf->n_ranges; j++) {
            const netdef_pf_range *r = &pf->ranges[j];
            ind(b, n + 2);
            strbuf_addf(b, "<vnet:range start='%u'", r->start);
            if (r->end != r->start)
                strbuf_addf(b, " end='%u'", r->end);
            if (r->to)
                strbuf_addf(b, " to='%u'", r->to);
            strbuf_add(b, "/>\n");
        }
        ind(b, n);
        strbuf_add(b, "</vnet:portForward>\n");
    }
}

static void fmt_root_open(strbuf *b, const netdef *def, unsigned flags)
{
    strbuf_add(b, "<network");
    if (def->n_dnsmasq_options)
        nd_attr(b, "xmlns:dnsmasq", NETDEF_DNSMASQ_NS);
    if (def->n_port_forwards)
        nd_attr(b, "xmlns:vnet", NETDEF_VNET_NS);
    if (!(flags & NETDEF_FORMAT_INACTIVE) && def->connections > 0)
        strbuf_addf(b, " connections='%" PRIu64 "'", def->connections);
    if (def->ipv6 == VT_YES)
        strbuf_add(b, " ipv6='yes'");
    if (def->trust_guest_rx_filters)
        nd_attr(b, "trustGuestRxFilters", tri(def->trust_guest_rx_filters));
    strbuf_add(b, ">\n");
}

char *netdef_format(const netdef *def, unsigned flags)
{
    const struct netdef_extra *x = def->extra;
    strbuf b = STRBUF_INIT;
    char buf[37];

    fmt_root_open(&b, def, flags);
    text_elem(&b, 2, "name", def->name);
    if (def->has_uuid)
        text_elem(&b, 2, "uuid", netdef_uuid_str(def, buf));
    text_elem(&b, 2, "title", def->title);
    text_elem(&b, 2, "description", def->description);
    if (def->metadata_xml)
        fmt_metadata(&b, 2, def->metadata_xml);
    fmt_forward(&b, 2, def, flags);
    fmt_bridge(&b, 2, def);
    if (def->mtu)
        strbuf_addf(&b, "  <mtu size='%u'/>\n", def->mtu);
    if (def->has_mac) {
        char mac[18];
        strbuf_addf(&b, "  <mac address='%s'/>\n", vnet_mac_str(def->mac, mac));
    }
    fmt_domain(&b, 2, def);
    fmt_dns(&b, 2, &def->dns);
    if (x) {
        nd_fmt_vlan(&b, 2, &x->vlan);
        nd_fmt_bandwidth(&b, 2, &x->bandwidth, 0);
    }
    if (def->port_isolated)
        strbuf_addf(&b, "  <port isolated='%s'/>\n", tri(def->port_isolated));
    for (size_t i = 0; i < def->n_ips; i++)
        fmt_ip(&b, 2, &def->ips[i]);
    for (size_t i = 0; i < def->n_routes; i++)
        fmt_route(&b, 2, &def->routes[i]);
    if (x) {
        nd_fmt_vport(&b, 2, x->vport);
        for (size_t i = 0; i < x->n_portgroups; i++)
            nd_fmt_portgroup(&b, 2, &x->portgroups[i]);
    }
    fmt_dnsmasq(&b, 2, def);
    fmt_port_forwards(&b, 2, def);
    strbuf_add(&b, "</network>\n");
    return strbuf_take(&b);
}

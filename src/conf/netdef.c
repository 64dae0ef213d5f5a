/* The definition model: freeing, copying, small helpers and the built-in
 * default network. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/netdef_priv.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static const char *const forward_mode_names[] = {
    [NETDEF_FWD_NONE] = "none",       [NETDEF_FWD_NAT] = "nat",
    [NETDEF_FWD_ROUTE] = "route",     [NETDEF_FWD_OPEN] = "open",
    [NETDEF_FWD_BRIDGE] = "bridge",   [NETDEF_FWD_PRIVATE] = "private",
    [NETDEF_FWD_VEPA] = "vepa",       [NETDEF_FWD_PASSTHROUGH] = "passthrough",
    [NETDEF_FWD_HOSTDEV] = "hostdev",
};

const char *netdef_forward_mode_name(netdef_forward_mode m)
{
    if ((unsigned)m >= ARRAY_SIZE(forward_mode_names))
        return "unknown";
    return forward_mode_names[m];
}

int64_t netdef_lease_seconds(const netdef_lease *l)
{
    if (!l->present)
        return -1;
    switch (l->unit) {
    case NETDEF_UNIT_SECONDS:
        return (int64_t)l->expiry;
    case NETDEF_UNIT_HOURS:
        return (int64_t)l->expiry * 3600;
    case NETDEF_UNIT_ABSENT:
    case NETDEF_UNIT_MINUTES:
    default:
        return (int64_t)l->expiry * 60;
    }
}

int netdef_err(verr *err, const char *source, unsigned line, const char *elem, const char *attr,
               const char *fmt, ...)
{
    strbuf b = STRBUF_INIT;
    va_list ap;

    strbuf_add(&b, source ? source : "<network>");
    if (line)
        strbuf_addf(&b, ":%u", line);
    strbuf_addf(&b, ": <%s>", elem);
    if (attr)
        strbuf_addf(&b, " attribute '%s'", attr);
    strbuf_add(&b, ": ");
    va_start(ap, fmt);
    strbuf_vaddf(&b, fmt, ap);
    va_end(ap);
    /* values quoted in messages may hold line breaks: keep one line */
    for (char *p = b.s; p && *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = *p == '\n' ? ' ' : '?';
    verr_set(err, VERR_INVALID, "%s", strbuf_str(&b));
    strbuf_free(&b);
    return -1;
}

struct netdef_extra *netdef_extra_get(netdef *def)
{
    if (!def->extra)
        def->extra = xcalloc(1, sizeof(*def->extra));
    return def->extra;
}

const char *netdef_source(const netdef *def)
{
    return def->extra && def->extra->source ? def->extra->source : "<network>";
}

void netdef_strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void netdef_dhcp_host_clear(netdef_dhcp_host *h)
{
    free(h->mac);
    free(h->id);
    free(h->name);
    memset(h, 0, sizeof(*h));
}

void netdef_ip_clear(netdef_ip *ip)
{
    free(ip->tftp_root);
    free(ip->ranges);
    for (size_t i = 0; i < ip->n_hosts; i++)
        netdef_dhcp_host_clear(&ip->hosts[i]);
    free(ip->hosts);
    free(ip->bootp_file);
    free(ip->bootp_server);
    memset(ip, 0, sizeof(*ip));
}

void netdef_dns_host_clear(netdef_dns_host *h)
{
    netdef_strv_free(h->hostnames, h->n_hostnames);
    memset(h, 0, sizeof(*h));
}

void netdef_dns_txt_clear(netdef_dns_txt *t)
{
    free(t->name);
    free(t->value);
    memset(t, 0, sizeof(*t));
}

void netdef_dns_srv_clear(netdef_dns_srv *s)
{
    free(s->service);
    free(s->protocol);
    free(s->domain);
    free(s->target);
    memset(s, 0, sizeof(*s));
}

static void dns_clear(netdef_dns *d)
{
    for (size_t i = 0; i < d->n_forwarders; i++) {
        free(d->forwarders[i].addr);
        free(d->forwarders[i].domain);
    }
    free(d->forwarders);
    for (size_t i = 0; i < d->n_hosts; i++)
        netdef_dns_host_clear(&d->hosts[i]);
    free(d->hosts);
    for (size_t i = 0; i < d->n_txts; i++)
        netdef_dns_txt_clear(&d->txts[i]);
    free(d->txts);
    for (size_t i = 0; i < d->n_srvs; i++)
        netdef_dns_srv_clear(&d->srvs[i]);
    free(d->srvs);
    memset(d, 0, sizeof(*d));
}

void netdef_vport_free(netdef_vport *vp)
{
    if (!vp)
        return;
    free(vp->type);
    free(vp->instanceid);
    free(vp->interfaceid);
    free(vp->profileid);
    free(vp);
}

void netdef_vlan_clear(netdef_vlan *v)
{
    free(v->tags);
    memset(v, 0, sizeof(*v));
}

void netdef_portgroup_clear(netdef_portgroup *pg)
{
    free(pg->name);
    netdef_vlan_clear(&pg->vlan);
    netdef_vport_free(pg->vport);
    memset(pg, 0, sizeof(*pg));
}

void netdef_port_forward_clear(netdef_port_forward *pf)
{
    free(pf->ranges);
    memset(pf, 0, sizeof(*pf));
}

static void extra_free(struct netdef_extra *x)
{
    if (!x)
        return;
    free(x->source);
    free(x->forward_driver);
    free(x->forward_pf);
    free(x->addrs);
    netdef_vport_free(x->vport);
    netdef_vlan_clear(&x->vlan);
    for (size_t i = 0; i < x->n_portgroups; i++)
        netdef_portgroup_clear(&x->portgroups[i]);
    free(x->portgroups);
    free(x);
}

void netdef_free(netdef *def)
{
    if (!def)
        return;
    free(def->name);
    free(def->title);
    free(def->description);
    free(def->metadata_xml);
    free(def->bridge_name);
    free(def->mac_table_manager);
    free(def->zone);
    free(def->domain);
    free(def->forward_dev);
    netdef_strv_free(def->forward_ifaces, def->n_forward_ifaces);
    for (size_t i = 0; i < def->n_ips; i++)
        netdef_ip_clear(&def->ips[i]);
    free(def->ips);
    free(def->routes);
    dns_clear(&def->dns);
    netdef_strv_free(def->dnsmasq_options, def->n_dnsmasq_options);
    for (size_t i = 0; i < def->n_port_forwards; i++)
        netdef_port_forward_clear(&def->port_forwards[i]);
    free(def->port_forwards);
    nd_ovn_clear(&def->ovn);
    extra_free(def->extra);
    free(def);
}

/* Line numbers only mean something for the text a definition was read
 * from; an edited copy forgets them. */
void netdef_forget_lines(netdef *def)
{
    struct netdef_extra *x = def->extra;

    for (size_t i = 0; i < def->n_ips; i++) {
        netdef_ip *ip = &def->ips[i];
        ip->line = 0;
        for (size_t j = 0; j < ip->n_ranges; j++)
            ip->ranges[j].line = 0;
        for (size_t j = 0; j < ip->n_hosts; j++)
            ip->hosts[j].line = 0;
    }
    for (size_t i = 0; i < def->n_routes; i++)
        def->routes[i].line = 0;
    for (size_t i = 0; i < def->dns.n_forwarders; i++)
        def->dns.forwarders[i].line = 0;
    for (size_t i = 0; i < def->dns.n_hosts; i++)
        def->dns.hosts[i].line = 0;
    for (size_t i = 0; i < def->dns.n_txts; i++)
        def->dns.txts[i].line = 0;
    for (size_t i = 0; i < def->dns.n_srvs; i++)
        def->dns.srvs[i].line = 0;
    for (size_t i = 0; i < def->n_port_forwards; i++) {
        def->port_forwards[i].line = 0;
        for (size_t j = 0; j < def->port_forwards[i].n_ranges; j++)
            def->port_forwards[i].ranges[j].line = 0;
    }
    if (!x)
        return;
    x->line_network = x->line_name = x->line_uuid = x->line_bridge = x->line_mac = 0;
    x->line_mtu = x->line_domain = x->line_forward = x->line_dns = x->line_vlan = 0;
    x->line_bandwidth = x->line_dnsmasq = 0;
    for (size_t i = 0; i < x->n_addrs; i++)
        x->addrs[i].line = 0;
    for (size_t i = 0; i < x->n_portgroups; i++)
        x->portgroups[i].line = 0;
}

bool netdef_is_managed_bridge(const netdef *def)
{
    switch (def->forward_mode) {
    case NETDEF_FWD_NONE:
    case NETDEF_FWD_NAT:
    case NETDEF_FWD_ROUTE:
    case NETDEF_FWD_OPEN:
        return true;
    default:
        return false;
    }
}

/* DHCP is on for an <ip> when it has ranges or static hosts (an empty
 * <dhcp/> does nothing, as in libvirt). */
const netdef_ip *netdef_dhcp_ip(const netdef *def, int family)
{
    for (size_t i = 0; i < def->n_ips; i++) {
        const netdef_ip *ip = &def->ips[i];
        if (ip->family == family && (ip->n_ranges || ip->n_hosts))
            return ip;
    }
    return NULL;
}

const char *netdef_uuid_str(const netdef *def, char buf[37])
{
    /* by hand, not snprintf: listing networks formats one per network */
    static const char hex[] = "0123456789abcdef";
    const uint8_t *u = def->uuid;
    char *p = buf;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[u[i] >> 4];
        *p++ = hex[u[i] & 15];
    }
    *p = '\0';
    return buf;
}

/* Classful default for IPv4 addresses without prefix or netmask (libvirt's
 * rule), /64 for IPv6. */
unsigned netdef_ip_effective_prefix(const netdef_ip *ip)
{
    if (ip->has_prefix)
        return ip->prefix;
    if (ip->has_netmask)
        return ip->prefix;
    if (ip->address.family == AF_INET6)
        return 64;
    if (ip->address.family == AF_INET) {
        uint8_t first = ip->address.bytes[0];
        if (first < 128)
            return 8;
        if (first < 192)
            return 16;
        if (first < 224)
            return 24;
    }
    return 0;
}

/* libvirt's default network, with one deliberate difference: STP is off.
 * With STP on, the kernel holds every new port out of forwarding for twice
 * its 2 s minimum forward delay, so each guest waits ~4 s for its first DHCP
 * reply. A NAT bridge whose ports are guests' taps has no loop for STP to
 * break; a definition that asks for stp='on' still gets it. */
static const char builtin_default_xml[] =
    "<network>\n"
    "  <name>default</name>\n"
    "  <forward mode='nat'/>\n"
    "  <bridge name='virbr0' stp='off' delay='0'/>\n"
    "  <ip address='192.168.122.1' netmask='255.255.255.0'>\n"
    "    <dhcp>\n"
    "      <range start='192.168.122.2' end='192.168.122.254'/>\n"
    "    </dhcp>\n"
    "  </ip>\n"
    "</network>\n";

const char *netdef_builtin_default_xml(void)
{
    return builtin_default_xml;
}

netdef *netdef_builtin_default(void)
{
    netdef *def = NULL;
    verr err = VERR_INIT;

    if (netdef_parse_string(builtin_default_xml, "<builtin default>", &def, &err) < 0)
        abort(); /* a bug: the built-in text is fixed */
    return def;
}

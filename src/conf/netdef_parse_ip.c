/* Parsing the addressing part of a network: <ip> (with <dhcp> and <tftp>),
 * <route> and <dns>. Element parsers fill a zeroed struct and leave it
 * zeroed on failure, so net-update can use them on a single element. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conf/netdef_priv.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static int parse_family(const nd_ctx *c, xmlNodePtr n, int *family, bool *written)
{
    _cleanup_free_ char *f = nd_prop(n, "family");
    *written = f != NULL;
    if (!f || streq(f, "ipv4"))
        *family = AF_INET;
    else if (streq(f, "ipv6"))
        *family = AF_INET6;
    else
        return nd_node_err(c, n, "family", "unknown family '%s' (expected 'ipv4' or 'ipv6')", f);
    return 0;
}

/* address + netmask|prefix, shared by <ip> and <route>. */
static int parse_subnet(const nd_ctx *c, xmlNodePtr n, int family, vnet_addr *addr,
                        unsigned *prefix, bool *has_prefix, bool *has_netmask)
{
    _cleanup_free_ char *a = nd_prop(n, "address");
    unsigned long long p;
    vnet_addr mask;

    if (!a)
        return nd_node_err(c, n, "address", "missing");
    if (vnet_addr_parse_family(a, family, addr) < 0)
        return nd_node_err(c, n, "address", "'%s' is not a valid %s address%s", a,
                           family == AF_INET ? "IPv4" : "IPv6",
                           family == AF_INET ? " (use family='ipv6' for IPv6)" : "");
    if (nd_prop_addr(c, n, "netmask", 0, &mask) < 0)
        return -1;
    if (vnet_addr_is_set(&mask)) {
        int mp;
        if (family != AF_INET)
            return nd_node_err(c, n, "netmask", "not allowed for IPv6 (use prefix)");
        if (mask.family != AF_INET || (mp = vnet_netmask_to_prefix(&mask)) < 0)
            return nd_node_err(c, n, "netmask", "not a contiguous IPv4 netmask");
        *has_netmask = true;
        *prefix = (unsigned)mp;
    }
    if (nd_prop_uint(c, n, "prefix", vnet_addr_bits(family), has_prefix, &p) < 0)
        return -1;
    if (*has_prefix) {
        if (*has_netmask)
            return nd_node_err(c, n, "prefix", "cannot be used together with netmask");
        *prefix = (unsigned)p;
    }
    return 0;
}

static int parse_lease(const nd_ctx *c, xmlNodePtr n, netdef_lease *ret)
{
    _cleanup_free_ char *unit = nd_prop(n, "unit");
    unsigned long long v;
    bool p;

    if (nd_prop_uint(c, n, "expiry", UINT32_MAX, &p, &v) < 0)
        return -1;
    if (!p)
        return nd_node_err(c, n, "expiry", "missing");
    ret->present = true;
    ret->expiry = v;
    if (!unit)
        ret->unit = NETDEF_UNIT_ABSENT;
    else if (streq(unit, "seconds"))
        ret->unit = NETDEF_UNIT_SECONDS;
    else if (streq(unit, "minutes"))
        ret->unit = NETDEF_UNIT_MINUTES;
    else if (streq(unit, "hours"))
        ret->unit = NETDEF_UNIT_HOURS;
    else
        return nd_node_err(c, n, "unit", "'%s' is not seconds, minutes or hours", unit);
    return 0;
}

static int parse_lease_child(const nd_ctx *c, xmlNodePtr n, netdef_lease *ret)
{
    for (xmlNodePtr ch = n->children; ch; ch = ch->next)
        if (nd_is(ch, "lease"))
            return parse_lease(c, ch, ret);
    return 0;
}

int nd_parse_dhcp_range(const nd_ctx *c, xmlNodePtr n, netdef_dhcp_range *ret)
{
    netdef_dhcp_range r = {.line = nd_line(n)};
    _cleanup_free_ char *s = nd_prop(n, "start");
    _cleanup_free_ char *e = nd_prop(n, "end");

    if (!s)
        return nd_node_err(c, n, "start", "missing");
    if (!e)
        return nd_node_err(c, n, "end", "missing");
    if (nd_prop_addr(c, n, "start", 0, &r.start) < 0 || nd_prop_addr(c, n, "end", 0, &r.end) < 0)
        return -1;
    if (parse_lease_child(c, n, &r.lease) < 0)
        return -1;
    *ret = r;
    return 0;
}

static int check_host_attrs(const nd_ctx *c, xmlNodePtr n, int family, bool partial,
                            const netdef_dhcp_host *h)
{
    if (h->mac && family == AF_INET6)
        return nd_node_err(c, n, "mac", "not allowed in an IPv6 static host (use id or name)");
    if (h->id && strspn(h->id, "0123456789abcdefABCDEF:") != strlen(h->id))
        return nd_node_err(c, n, "id", "'%s' is not a hex DUID/client id", h->id);
    if (h->name &&
        !((h->name[0] >= 'a' && h->name[0] <= 'z') || (h->name[0] >= 'A' && h->name[0] <= 'Z')))
        return nd_node_err(c, n, "name", "'%s' must start with a letter", h->name);
    if (partial) {
        if (!h->mac && !h->name && !vnet_addr_is_set(&h->ip) && !h->id)
            return nd_node_err(c, n, NULL, "at least one of mac, name or ip is needed");
        return 0;
    }
    if (family == AF_INET6 && !h->id && !h->name)
        return nd_node_err(c, n, NULL, "an IPv6 static host needs an id or a name");
    if (family == AF_INET && !h->mac && !h->name)
        return nd_node_err(c, n, NULL, "an IPv4 static host needs a mac or a name");
    if (!vnet_addr_is_set(&h->ip))
        return nd_node_err(c, n, "ip", "missing");
    return 0;
}

int nd_parse_dhcp_host(const nd_ctx *c, xmlNodePtr n, int family, bool partial,
                       netdef_dhcp_host *ret)
{
    netdef_dhcp_host h = {.line = nd_line(n)};
    _cleanup_free_ char *mac = nd_prop(n, "mac");

    if (mac) {
        uint8_t m[6];
        char buf[18];
        if (vnet_mac_parse(mac, m) < 0)
            return nd_node_err(c, n, "mac", "'%s' is not a MAC address", mac);
        h.mac = xstrdup(vnet_mac_str(m, buf));
    }
    h.id = nd_prop(n, "id");
    h.name = nd_prop(n, "name");
    if (nd_prop_addr(c, n, "ip", 0, &h.ip) < 0 || check_host_attrs(c, n, family, partial, &h) < 0 ||
        parse_lease_child(c, n, &h.lease) < 0) {
        netdef_dhcp_host_clear(&h);
        return -1;
    }
    *ret = h;
    return 0;
}

static int parse_dhcp(const nd_ctx *c, xmlNodePtr n, netdef_ip *ip)
{
    ip->has_dhcp = true;
    for (xmlNodePtr ch = n->children; ch; ch = ch->next) {
        if (nd_is(ch, "range")) {
            netdef_dhcp_range r;
            if (nd_parse_dhcp_range(c, ch, &r) < 0)
                return -1;
            *(netdef_dhcp_range *)xarray_push(&ip->ranges, &ip->n_ranges, sizeof(r)) = r;
        } else if (nd_is(ch, "host")) {
            netdef_dhcp_host h;
            if (nd_parse_dhcp_host(c, ch, ip->family, false, &h) < 0)
                return -1;
            *(netdef_dhcp_host *)xarray_push(&ip->hosts, &ip->n_hosts, sizeof(h)) = h;
        } else if (nd_is(ch, "bootp")) {
            vnet_addr server;
            char buf[VNET_ADDR_STRLEN];
            if (ip->family != AF_INET)
                return nd_node_err(c, ch, NULL, "only allowed for IPv4");
            if (ip->bootp_file)
                continue;
            ip->bootp_file = nd_prop(ch, "file");
            if (!ip->bootp_file)
                return nd_node_err(c, ch, "file", "missing");
            if (nd_prop_addr(c, ch, "server", AF_INET, &server) < 0)
                return -1;
            if (vnet_addr_is_set(&server))
                ip->bootp_server = xstrdup(vnet_addr_str(&server, buf));
        }
    }
    return 0;
}

static int parse_ip_children(const nd_ctx *c, xmlNodePtr n, netdef_ip *ip)
{
    bool seen_dhcp = false;
    for (xmlNodePtr ch = n->children; ch; ch = ch->next) {
        if (nd_is(ch, "tftp")) {
            if (ip->family != AF_INET)
                return nd_node_err(c, ch, NULL, "only allowed for IPv4");
            if (ip->tftp_root)
                continue;
            ip->tftp_root = nd_prop(ch, "root");
            if (!ip->tftp_root)
                return nd_node_err(c, ch, "root", "missing");
        } else if (nd_is(ch, "dhcp") && !seen_dhcp) {
            seen_dhcp = true;
            if (parse_dhcp(c, ch, ip) < 0)
                return -1;
        }
    }
    return 0;
}

int nd_parse_ip(const nd_ctx *c, xmlNodePtr n, netdef_ip *ret)
{
    netdef_ip ip = {.line = nd_line(n)};

    if (parse_family(c, n, &ip.family, &ip.family_written) < 0 ||
        parse_subnet(c, n, ip.family, &ip.address, &ip.prefix, &ip.has_prefix, &ip.has_netmask) <
            0 ||
        nd_prop_tristate(c, n, "localPtr", &ip.local_ptr) < 0 || parse_ip_children(c, n, &ip) < 0) {
        netdef_ip_clear(&ip);
        return -1;
    }
    ip.prefix = netdef_ip_effective_prefix(&ip);
    *ret = ip;
    return 0;
}

int nd_parse_route(const nd_ctx *c, xmlNodePtr n, netdef_route *ret)
{
    netdef_route r = {.line = nd_line(n)};
    _cleanup_free_ char *gw = nd_prop(n, "gateway");
    unsigned long long metric;

    if (parse_family(c, n, &r.family, &r.family_written) < 0 ||
        parse_subnet(c, n, r.family, &r.address, &r.prefix, &r.has_prefix, &r.has_netmask) < 0)
        return -1;
    if (!gw)
        return nd_node_err(c, n, "gateway", "missing");
    if (nd_prop_addr(c, n, "gateway", r.family, &r.gateway) < 0)
        return -1;
    if (nd_prop_uint(c, n, "metric", UINT32_MAX, &r.has_metric, &metric) < 0)
        return -1;
    r.metric = (unsigned)metric;
    if (!r.has_prefix && !r.has_netmask) {
        netdef_ip tmp = {.address = r.address};
        r.prefix = netdef_ip_effective_prefix(&tmp);
    }
    *ret = r;
    return 0;
}

/* ------------------------------------------------------------------- dns */

int nd_parse_dns_host(const nd_ctx *c, xmlNodePtr n, bool partial, netdef_dns_host *ret)
{
    netdef_dns_host h = {.line = nd_line(n)};

    if (nd_prop_addr(c, n, "ip", 0, &h.ip) < 0)
        return -1;
    for (xmlNodePtr ch = n->children; ch; ch = ch->next) {
        if (!nd_is(ch, "hostname"))
            continue;
        char *name = nd_text(ch);
        if (!*name) {
            free(name);
            netdef_dns_host_clear(&h);
            return nd_node_err(c, ch, NULL, "empty hostname");
        }
        *(char **)xarray_push(&h.hostnames, &h.n_hostnames, sizeof(char *)) = name;
    }
    if (!vnet_addr_is_set(&h.ip) && h.n_hostnames == 0) {
        netdef_dns_host_clear(&h);
        return nd_node_err(c, n, NULL, "needs an ip attribute and <hostname> elements");
    }
    if (!partial && !vnet_addr_is_set(&h.ip)) {
        netdef_dns_host_clear(&h);
        return nd_node_err(c, n, "ip", "missing");
    }
    if (!partial && h.n_hostnames == 0) {
        netdef_dns_host_clear(&h);
        return nd_node_err(c, n, NULL, "missing <hostname>");
    }
    *ret = h;
    return 0;
}

int nd_parse_dns_txt(const nd_ctx *c, xmlNodePtr n, bool partial, netdef_dns_txt *ret)
{
    netdef_dns_txt t = {.line = nd_line(n)};

    t.name = nd_prop(n, "name");
    t.value = nd_prop(n, "value");
    if (!t.name) {
        netdef_dns_txt_clear(&t);
        return nd_node_err(c, n, "name", "missing");
    }
    if (strchr(t.name, ' ')) {
        nd_node_err(c, n, "name", "'%s' contains a space", t.name);
        netdef_dns_txt_clear(&t);
        return -1;
    }
    if (!t.value && !partial) {
        netdef_dns_txt_clear(&t);
        return nd_node_err(c, n, "value", "missing");
    }
    *ret = t;
    return 0;
}

#define SRV_SERVICE_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+/*"
#define SRV_PROTOCOL_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
#define SRV_SERVICE_MAX (512 - 30)

static int srv_numbers(const nd_ctx *c, xmlNodePtr n, netdef_dns_srv *s)
{
    static const char *const names[] = {"port", "priority", "weight"};
    bool *has[] = {&s->has_port, &s->has_priority, &s->has_weight};
    unsigned *val[] = {&s->port, &s->priority, &s->weight};

    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        unsigned long long v;
        if (nd_prop_uint(c, n, names[i], 65535, has[i], &v) < 0)
            return -1;
        if (!*has[i])
            continue;
        if (!s->target)
            return nd_node_err(c, n, names[i], "not allowed without a target");
        if (i == 0 && v < 1)
            return nd_node_err(c, n, "port", "must be 1..65535");
        *val[i] = (unsigned)v;
    }
    return 0;
}

static int srv_check(const nd_ctx *c, xmlNodePtr n, bool partial, const netdef_dns_srv *s)
{
    if (!s->service && !partial)
        return nd_node_err(c, n, "service", "missing");
    if (s->service && strlen(s->service) > SRV_SERVICE_MAX)
        return nd_node_err(c, n, "service", "longer than %d bytes", SRV_SERVICE_MAX);
    if (s->service && strspn(s->service, SRV_SERVICE_CHARS) != strlen(s->service))
        return nd_node_err(c, n, "service", "'%s' has an invalid character", s->service);
    if (!s->protocol && !partial)
        return nd_node_err(c, n, "protocol", "missing");
    if (s->protocol && strspn(s->protocol, SRV_PROTOCOL_CHARS) != strlen(s->protocol))
        return nd_node_err(c, n, "protocol", "'%s' has an invalid character", s->protocol);
    return 0;
}

int nd_parse_dns_srv(const nd_ctx *c, xmlNodePtr n, bool partial, netdef_dns_srv *ret)
{
    netdef_dns_srv s = {.line = nd_line(n)};

    s.service = nd_prop(n, "service");
    s.protocol = nd_prop(n, "protocol");
    s.domain = nd_prop(n, "domain");
    s.target = nd_prop(n, "target");
    if (srv_check(c, n, partial, &s) < 0 || srv_numbers(c, n, &s) < 0) {
        netdef_dns_srv_clear(&s);
        return -1;
    }
    *ret = s;
    return 0;
}

static int parse_forwarder(const nd_ctx *c, xmlNodePtr n, netdef_dns_forwarder *ret)
{
    vnet_addr a;
    char buf[VNET_ADDR_STRLEN];

    if (nd_prop_addr(c, n, "addr", 0, &a) < 0)
        return -1;
    ret->domain = nd_prop(n, "domain");
    if (vnet_addr_is_set(&a))
        ret->addr = xstrdup(vnet_addr_str(&a, buf));
    ret->line = nd_line(n);
    if (!ret->addr && !ret->domain)
        return nd_node_err(c, n, NULL, "needs addr or domain (or both)");
    return 0;
}

int nd_parse_dns(const nd_ctx *c, xmlNodePtr n, netdef_dns *d)
{
    if (nd_prop_tristate(c, n, "enable", &d->enable) < 0 ||
        nd_prop_tristate(c, n, "forwardPlainNames", &d->forward_plain_names) < 0)
        return -1;
    for (xmlNodePtr ch = n->children; ch; ch = ch->next) {
        if (nd_is(ch, "forwarder")) {
            netdef_dns_forwarder *f = xarray_push(&d->forwarders, &d->n_forwarders, sizeof(*f));
            if (parse_forwarder(c, ch, f) < 0)
                return -1;
        } else if (nd_is(ch, "host")) {
            netdef_dns_host h;
            if (nd_parse_dns_host(c, ch, false, &h) < 0)
                return -1;
            *(netdef_dns_host *)xarray_push(&d->hosts, &d->n_hosts, sizeof(h)) = h;
        } else if (nd_is(ch, "txt")) {
            netdef_dns_txt t;
            if (nd_parse_dns_txt(c, ch, false, &t) < 0)
                return -1;
            *(netdef_dns_txt *)xarray_push(&d->txts, &d->n_txts, sizeof(t)) = t;
        } else if (nd_is(ch, "srv")) {
            netdef_dns_srv s;
            if (nd_parse_dns_srv(c, ch, false, &s) < 0)
                return -1;
            *(netdef_dns_srv *)xarray_push(&d->srvs, &d->n_srvs, sizeof(s)) = s;
        }
    }
    return 0;
}

/* Validation of a parsed (or edited) definition.
 *
 * Two levels: what libvirt 9.9 refuses while parsing (netdef_validate_libvirt,
 * kept apart so libvirt's own test corpus reads the same), and on top of it
 * what libvirt refuses at define time plus what would break dnsmasq or the
 * firewall even where libvirt lets it through: values that would inject
 * dnsmasq options, DHCP ranges and hosts outside their subnet, duplicates,
 * bad port forwards. Messages: "SOURCE:LINE: <element> attribute 'x': ...". */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/netdef_priv.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

typedef struct vctx {
    const netdef *def;
    verr *err;
} vctx;

static int fail(const vctx *v, unsigned line, const char *elem, const char *attr, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));
static int fail(const vctx *v, unsigned line, const char *elem, const char *attr, const char *fmt,
                ...)
{
    char msg[VERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return netdef_err(v->err, netdef_source(v->def), line, elem, attr, "%s", msg);
}

static unsigned xline(const netdef *def, size_t off)
{
    if (!def->extra)
        return 0;
    return *(const unsigned *)((const char *)def->extra + off);
}
#define XLINE(def, field) xline(def, offsetof(struct netdef_extra, field))

static const char *astr(const vnet_addr *a, char *buf)
{
    return vnet_addr_str(a, buf);
}

/* ================================================ libvirt's parse-time checks */

static int lv_forward(const vctx *v)
{
    const netdef *def = v->def;
    const struct netdef_extra *x = def->extra;
    unsigned line = XLINE(def, line_forward);
    const char *mode = netdef_forward_mode_name(def->forward_mode);

    for (size_t i = 0; i < def->n_forward_ifaces; i++)
        for (size_t j = 0; j < i; j++)
            if (streq(def->forward_ifaces[i], def->forward_ifaces[j]))
                return fail(v, line, "forward", NULL, "interface '%s' is listed more than once",
                            def->forward_ifaces[i]);
    for (size_t i = 0; x && i < x->n_addrs; i++)
        for (size_t j = 0; j < i; j++)
            if (!memcmp(&x->addrs[i], &x->addrs[j], offsetof(netdef_pci_addr, line)))
                return fail(v, x->addrs[i].line, "address", NULL,
                            "PCI device %04x:%02x:%02x.%x is listed more than once",
                            x->addrs[i].domain, x->addrs[i].bus, x->addrs[i].slot,
                            x->addrs[i].function);
    switch (def->forward_mode) {
    case NETDEF_FWD_NAT:
    case NETDEF_FWD_ROUTE:
    case NETDEF_FWD_OPEN:
        if (def->n_ips == 0)
            return fail(v, line, "forward", "mode", "'%s' needs at least one <ip> address", mode);
        if (def->forward_mode == NETDEF_FWD_OPEN && def->n_forward_ifaces)
            return fail(v, line, "forward", "dev", "not allowed with mode 'open'");
        break;
    case NETDEF_FWD_PRIVATE:
    case NETDEF_FWD_VEPA:
    case NETDEF_FWD_PASSTHROUGH:
    case NETDEF_FWD_HOSTDEV:
        if (def->bridge_name)
            return fail(v, XLINE(def, line_bridge), "bridge", "name", "not allowed in mode '%s'",
                        mode);
        if (def->mac_table_manager)
            return fail(v, XLINE(def, line_bridge), "bridge", "macTableManager",
                        "not allowed in mode '%s'", mode);
        /* fall through */
    case NETDEF_FWD_BRIDGE:
        if (def->zone)
            return fail(v, XLINE(def, line_bridge), "bridge", "zone", "not allowed in mode '%s'",
                        mode);
        if (def->stp != VT_ABSENT || def->delay)
            return fail(v, XLINE(def, line_bridge), "bridge", def->stp ? "stp" : "delay",
                        "only allowed in modes nat, route, open and isolated, not '%s'", mode);
        if (def->bridge_name && (def->n_forward_ifaces || (x && x->forward_pf)))
            return fail(v, line, "forward", NULL,
                        "mode '%s' takes a bridge name or a forward dev, not both", mode);
        break;
    case NETDEF_FWD_NONE:
        break;
    }
    return 0;
}

static int lv_portgroups(const vctx *v)
{
    const struct netdef_extra *x = v->def->extra;
    const netdef_portgroup *dflt = NULL;

    for (size_t i = 0; x && i < x->n_portgroups; i++) {
        const netdef_portgroup *pg = &x->portgroups[i];
        if (pg->is_default) {
            if (dflt)
                return fail(v, pg->line, "portgroup", "default",
                            "'%s' and '%s' are both default; only one may be", dflt->name,
                            pg->name);
            dflt = pg;
        }
        for (size_t j = 0; j < i; j++)
            if (streq(x->portgroups[j].name, pg->name))
                return fail(v, pg->line, "portgroup", "name", "'%s' is used twice", pg->name);
    }
    return 0;
}

static int lv_range(const vctx *v, const netdef_ip *ip, const netdef_dhcp_range *r)
{
    char a[VNET_ADDR_STRLEN], b[VNET_ADDR_STRLEN], n[VNET_ADDR_STRLEN];

    if (r->start.family != ip->family || r->end.family != ip->family)
        return fail(v, r->line, "range", NULL, "address family differs from its <ip>");
    if (!vnet_addr_in_subnet(&r->start, &ip->address, ip->prefix) ||
        !vnet_addr_in_subnet(&r->end, &ip->address, ip->prefix))
        return fail(v, r->line, "range", NULL, "%s - %s is not inside network %s/%u",
                    astr(&r->start, a), astr(&r->end, b), astr(&ip->address, n), ip->prefix);
    if (vnet_addr_cmp(&r->start, &r->end) > 0)
        return fail(v, r->line, "range", NULL, "%s - %s is reversed (start > end)",
                    astr(&r->start, a), astr(&r->end, b));
    if (ip->family == AF_INET && vnet_addr_range_size(&r->start, &r->end) > 65535)
        return fail(v, r->line, "range", NULL, "%s - %s is too large (more than 65535)",
                    astr(&r->start, a), astr(&r->end, b));
    /* libvirt: an IPv6 range may differ in its last 16 bits only */
    if (ip->family == AF_INET6 && memcmp(r->start.bytes, r->end.bytes, 14) != 0)
        return fail(v, r->line, "range", NULL,
                    "%s - %s is too large (more than 65535 addresses: only the last 16 bits "
                    "may differ)",
                    astr(&r->start, a), astr(&r->end, b));
    return 0;
}

static int lv_lease(const vctx *v, unsigned line, const netdef_lease *l)
{
    int64_t s = netdef_lease_seconds(l);
    if (s > 0 && s < 120)
        return fail(v, line, "lease", "expiry", "%" PRIu64 " %s is shorter than 2 minutes",
                    l->expiry, l->unit == NETDEF_UNIT_SECONDS ? "seconds" : "minutes");
    return 0;
}

static int lv_ips(const vctx *v)
{
    const netdef *def = v->def;
    for (size_t i = 0; i < def->n_ips; i++) {
        const netdef_ip *ip = &def->ips[i];
        for (size_t j = 0; j < ip->n_ranges; j++) {
            if (lv_range(v, ip, &ip->ranges[j]) < 0 ||
                lv_lease(v, ip->ranges[j].line, &ip->ranges[j].lease) < 0)
                return -1;
        }
        for (size_t j = 0; j < ip->n_hosts; j++)
            if (lv_lease(v, ip->hosts[j].line, &ip->hosts[j].lease) < 0)
                return -1;
    }
    return 0;
}

/* A static route's gateway must be on one of the network's subnets. */
static int lv_routes(const vctx *v)
{
    const netdef *def = v->def;
    char a[VNET_ADDR_STRLEN];

    for (size_t i = 0; i < def->n_routes; i++) {
        const netdef_route *r = &def->routes[i];
        bool ok = false;
        for (size_t j = 0; j < def->n_ips && !ok; j++)
            ok = vnet_addr_in_subnet(&r->gateway, &def->ips[j].address, def->ips[j].prefix);
        if (!ok)
            return fail(v, r->line, "route", "gateway",
                        "%s is not reachable: it is on none of the network's <ip> subnets",
                        astr(&r->gateway, a));
    }
    return 0;
}

int netdef_validate_libvirt(const netdef *def, verr *err)
{
    vctx v = {.def = def, .err = err};
    const netdef_dns *d = &def->dns;

    if (!def->name || !*def->name)
        return fail(&v, XLINE(def, line_network), "network", NULL, "missing <name>");
    if (strchr(def->name, '/'))
        return fail(&v, XLINE(def, line_name), "name", NULL, "'%s' contains '/'", def->name);
    if (def->has_mac && vnet_mac_is_multicast(def->mac))
        return fail(&v, XLINE(def, line_mac), "mac", "address",
                    "a multicast MAC cannot be a bridge address");
    if (d->enable == VT_NO && (d->n_forwarders || d->n_hosts || d->n_srvs || d->n_txts))
        return fail(&v, XLINE(def, line_dns), "dns", "enable",
                    "DNS records or forwarders are not allowed when enable='no'");
    if (def->title && strchr(def->title, '\n'))
        return fail(&v, XLINE(def, line_network), "title", NULL, "must be a single line");
    if (def->mtu && !netdef_is_managed_bridge(def))
        return fail(&v, XLINE(def, line_mtu), "mtu", NULL,
                    "only allowed in modes nat, route, open and isolated, not '%s'",
                    netdef_forward_mode_name(def->forward_mode));
    if (lv_forward(&v) < 0 || lv_portgroups(&v) < 0 || lv_ips(&v) < 0 || lv_routes(&v) < 0)
        return -1;
    return 0;
}

/* ============================================== vnet's checks (strict level) */

/* Characters a value may hold before it reaches a dnsmasq config line or an
 * nft rule; anything else (newline, space, comma, quotes...) is refused. */
#define HOST_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._"

static bool only(const char *s, const char *chars)
{
    return *s && strspn(s, chars) == strlen(s);
}

static bool has_ctrl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

static int check_hostname(const vctx *v, unsigned line, const char *elem, const char *attr,
                          const char *s)
{
    if (!s)
        return 0;
    if (!only(s, HOST_CHARS) || strlen(s) > 253)
        return fail(v, line, elem, attr,
                    "'%s' is not a valid DNS name (letters, digits, '-', '.', '_' only)", s);
    return 0;
}

/* An interface name: the one rule, netdef_ifname_problem(). */
static int check_ifname(const vctx *v, unsigned line, const char *elem, const char *attr,
                        const char *s)
{
    char buf[48];
    const char *why = netdef_ifname_problem(s, buf);
    if (why)
        return fail(v, line, elem, attr, "'%s' is not a valid interface name: it %s", s, why);
    return 0;
}

static int check_bridge_name(const vctx *v, const char *s)
{
    char tmp[64];
    const char *pct = strstr(s, "%d");
    unsigned line = XLINE(v->def, line_bridge);

    /* a "virbr%d" style template is filled in at define time */
    if (pct && strlen(s) < sizeof(tmp) && !strstr(pct + 2, "%") && !memchr(s, '%', pct - s)) {
        snprintf(tmp, sizeof(tmp), "%.*s0%s", (int)(pct - s), s, pct + 2);
        if (tmp[0] == '0' && tmp[1] == 0)
            return fail(v, line, "bridge", "name", "template has no fixed part");
        char buf[48];
        const char *why = netdef_ifname_problem(tmp, buf);
        if (why)
            return fail(v, line, "bridge", "name",
                        "'%s' is not a valid interface name template: a name made from it %s", s,
                        why);
        return 0;
    }
    return check_ifname(v, line, "bridge", "name", s);
}

static int check_top(const vctx *v)
{
    const netdef *def = v->def;
    unsigned nl = XLINE(def, line_name);

    if (has_ctrl(def->name))
        return fail(v, nl, "name", NULL, "'%s' contains a line break or control character",
                    def->name);
    if (strlen(def->name) > 200)
        return fail(v, nl, "name", NULL, "longer than 200 characters");
    if (def->name[0] == '.')
        return fail(v, nl, "name", NULL, "'%s' must not start with '.'", def->name);
    if (def->title && has_ctrl(def->title))
        return fail(v, XLINE(def, line_network), "title", NULL, "must be a single line");
    if (def->bridge_name && check_bridge_name(v, def->bridge_name) < 0)
        return -1;
    if (def->zone && !only(def->zone, HOST_CHARS))
        return fail(v, XLINE(def, line_bridge), "bridge", "zone", "'%s' is not a valid zone name",
                    def->zone);
    if (def->has_delay && def->delay > NETDEF_STP_DELAY_MAX)
        return fail(v, XLINE(def, line_bridge), "bridge", "delay",
                    "%u seconds is more than the largest delay, %u", def->delay,
                    NETDEF_STP_DELAY_MAX);
    if (def->mtu && (def->mtu < 68 || def->mtu > 65535))
        return fail(v, XLINE(def, line_mtu), "mtu", "size", "%u is not in 68..65535", def->mtu);
    if (check_hostname(v, XLINE(def, line_domain), "domain", "name", def->domain) < 0)
        return -1;
    if (def->domain_register == VT_YES && def->domain_local_only != VT_YES)
        return fail(v, XLINE(def, line_domain), "domain", "register",
                    "register='yes' needs localOnly='yes'");
    if (def->forward_dev &&
        check_ifname(v, XLINE(def, line_forward), "forward", "dev", def->forward_dev) < 0)
        return -1;
    for (size_t i = 0; i < def->n_forward_ifaces; i++)
        if (check_ifname(v, XLINE(def, line_forward), "interface", "dev", def->forward_ifaces[i]) <
            0)
            return -1;
    for (size_t i = 0; i < def->n_dnsmasq_options; i++)
        if (has_ctrl(def->dnsmasq_options[i]))
            return fail(v, XLINE(def, line_dnsmasq), "dnsmasq:option", "value",
                        "must be a single line");
    return 0;
}

static bool vlan_allowed(const netdef *def)
{
    const struct netdef_extra *x = def->extra;
    if (def->forward_mode == NETDEF_FWD_HOSTDEV || def->forward_mode == NETDEF_FWD_PASSTHROUGH)
        return true;
    return def->forward_mode == NETDEF_FWD_BRIDGE && x && x->vport && x->vport->type &&
           streq(x->vport->type, "openvswitch");
}

/* Who may carry a <vlan>, as libvirt's networkValidate: the network's own
 * needs vlan_allowed(), unless a default portgroup decides for every port; a
 * portgroup that gets a vlan (its own or the network's) needs its own
 * openvswitch virtualport in bridge mode, or, without a virtualport of its
 * own, a network that allows vlans. */
static int check_vlans(const vctx *v)
{
    const netdef *def = v->def;
    const struct netdef_extra *x = def->extra;
    if (!x)
        return 0;
    bool allowed = vlan_allowed(def), used = x->vlan.n_tags > 0, has_default = false;
    for (size_t i = 0; i < x->n_portgroups; i++) {
        const netdef_portgroup *pg = &x->portgroups[i];
        has_default = has_default || pg->is_default;
        if (!used && !pg->vlan.n_tags)
            continue;
        bool ok = pg->vport ? def->forward_mode == NETDEF_FWD_BRIDGE && pg->vport->type &&
                                  streq(pg->vport->type, "openvswitch")
                            : allowed;
        if (!ok)
            return fail(v, pg->line, "portgroup", NULL,
                        "'%s' gets a <vlan>, which needs an openvswitch virtualport in mode "
                        "bridge (its own, or the network's when it has none), or modes hostdev "
                        "and passthrough",
                        pg->name);
    }
    if (used && !allowed && !has_default)
        return fail(v, x->line_vlan, "vlan", NULL,
                    "only allowed in modes hostdev and passthrough, or bridge with an "
                    "openvswitch virtualport");
    return 0;
}

/* Bridge and pass-through modes have no addresses or services of ours. */
static int check_mode_features(const vctx *v)
{
    const netdef *def = v->def;
    const struct netdef_extra *x = def->extra;
    const netdef_dns *d = &def->dns;
    const char *mode = def->forward_mode == NETDEF_FWD_NONE
                           ? "isolated"
                           : netdef_forward_mode_name(def->forward_mode);

    if (def->extra && def->extra->n_addrs && def->forward_mode != NETDEF_FWD_HOSTDEV)
        return fail(v, def->extra->addrs[0].line, "address", NULL,
                    "PCI addresses are only allowed in mode 'hostdev', not '%s'", mode);
    if (x && x->bandwidth.present &&
        (def->forward_mode == NETDEF_FWD_PASSTHROUGH || def->forward_mode == NETDEF_FWD_PRIVATE ||
         def->forward_mode == NETDEF_FWD_HOSTDEV))
        return fail(v, x->line_bandwidth, "bandwidth", NULL, "not allowed in mode '%s'", mode);
    if (check_vlans(v) < 0)
        return -1;
    if (def->n_port_forwards && def->forward_mode != NETDEF_FWD_NAT &&
        def->forward_mode != NETDEF_FWD_ROUTE)
        return fail(v, def->port_forwards[0].line, "vnet:portForward", NULL,
                    "port forwards need forward mode 'nat' or 'route', not '%s'", mode);
    if (netdef_is_managed_bridge(def))
        return 0;
    if (def->has_mac)
        return fail(v, XLINE(def, line_mac), "mac", NULL, "not allowed in mode '%s'", mode);
    if (def->n_ips)
        return fail(v, def->ips[0].line, "ip", NULL, "not allowed in mode '%s'", mode);
    if (def->n_routes)
        return fail(v, def->routes[0].line, "route", NULL, "not allowed in mode '%s'", mode);
    if (def->domain)
        return fail(v, XLINE(def, line_domain), "domain", NULL, "not allowed in mode '%s'", mode);
    if (d->n_forwarders || d->n_hosts || d->n_srvs || d->n_txts || d->enable ||
        d->forward_plain_names)
        return fail(v, XLINE(def, line_dns), "dns", NULL, "not allowed in mode '%s'", mode);
    return 0;
}

static int check_nat(const vctx *v)
{
    const netdef_nat *nat = &v->def->nat;
    unsigned line = XLINE(v->def, line_forward);

    if (vnet_addr_is_set(&nat->addr_end) && vnet_addr_cmp(&nat->addr_start, &nat->addr_end) > 0)
        return fail(v, line, "address", "end", "NAT address range is reversed (start > end)");
    if (nat->port_end && nat->port_start > nat->port_end)
        return fail(v, line, "port", "end", "NAT port range is reversed (start > end)");
    return 0;
}

static int check_dns(const vctx *v)
{
    const netdef_dns *d = &v->def->dns;

    for (size_t i = 0; i < d->n_forwarders; i++)
        if (check_hostname(v, d->forwarders[i].line, "forwarder", "domain",
                           d->forwarders[i].domain) < 0)
            return -1;
    for (size_t i = 0; i < d->n_hosts; i++)
        for (size_t j = 0; j < d->hosts[i].n_hostnames; j++)
            if (check_hostname(v, d->hosts[i].line, "hostname", NULL, d->hosts[i].hostnames[j]) < 0)
                return -1;
    for (size_t i = 0; i < d->n_txts; i++) {
        const netdef_dns_txt *t = &d->txts[i];
        if (check_hostname(v, t->line, "txt", "name", t->name) < 0)
            return -1;
        if (t->value && has_ctrl(t->value))
            return fail(v, t->line, "txt", "value", "must be a single line");
    }
    for (size_t i = 0; i < d->n_srvs; i++) {
        const netdef_dns_srv *s = &d->srvs[i];
        if (check_hostname(v, s->line, "srv", "domain", s->domain) < 0 ||
            check_hostname(v, s->line, "srv", "target", s->target) < 0)
            return -1;
    }
    return 0;
}

/* A network's subnet must be one guests can use: not multicast, loopback or
 * the "this network" block (0.0.0.0/8, ::/128). NULL when fine. */
static const char *subnet_kind_refused(const netdef_ip *ip)
{
    const uint8_t *b = ip->address.bytes;
    if (ip->family == AF_INET) {
        if (b[0] >= 224 && b[0] <= 239)
            return "multicast";
        if (b[0] >= 240)
            return "reserved (240.0.0.0/4)";
        if (b[0] == 127)
            return "loopback";
        if (b[0] == 0)
            return "\"this network\" (0.0.0.0/8)";
        return NULL;
    }
    if (b[0] == 0xff)
        return "multicast";
    if (IN6_IS_ADDR_LOOPBACK(&ip->address.v6) || IN6_IS_ADDR_UNSPECIFIED(&ip->address.v6))
        return "loopback or unspecified";
    return NULL;
}

static int check_ip_address(const vctx *v, const netdef_ip *ip)
{
    char a[VNET_ADDR_STRLEN];
    vnet_addr net, last;

    if (ip->prefix == 0)
        return fail(v, ip->line, "ip", "prefix",
                    "%s has no prefix or netmask and is not a class A/B/C address",
                    astr(&ip->address, a));
    const char *kind = subnet_kind_refused(ip);
    if (kind)
        return fail(v, ip->line, "ip", "address", "%s is a %s address, not usable for a network",
                    astr(&ip->address, a), kind);
    if (ip->family == AF_INET && ip->prefix > 30)
        return fail(v, ip->line, "ip", "prefix", "/%u leaves no room for guests", ip->prefix);
    if (ip->family == AF_INET6 && ip->prefix > 126)
        return fail(v, ip->line, "ip", "prefix", "/%u leaves no room for guests", ip->prefix);
    /* The subnet's first address is accepted as the bridge's, as libvirt
     * does (its docs' IPv6 examples use it); the IPv4 broadcast is not. */
    vnet_addr_network(&ip->address, ip->prefix, &net);
    vnet_addr_last(&ip->address, ip->prefix, &last);
    if (ip->family == AF_INET && vnet_addr_equal(&last, &ip->address))
        return fail(v, ip->line, "ip", "address",
                    "%s is the broadcast address of /%u, not a host address", astr(&ip->address, a),
                    ip->prefix);
    if (ip->tftp_root && (has_ctrl(ip->tftp_root) || strchr(ip->tftp_root, ',')))
        return fail(v, ip->line, "tftp", "root", "must be a path without ',' or line breaks");
    if (ip->bootp_file && (has_ctrl(ip->bootp_file) || strpbrk(ip->bootp_file, ", ")))
        return fail(v, ip->line, "bootp", "file", "must not contain ',', spaces or line breaks");
    return 0;
}

/* The subnet's network and (IPv4) broadcast addresses are never a guest's. */
static bool is_net_or_bcast(const netdef_ip *ip, const vnet_addr *x)
{
    vnet_addr net, last;
    vnet_addr_network(&ip->address, ip->prefix, &net);
    vnet_addr_last(&ip->address, ip->prefix, &last);
    return vnet_addr_equal(x, &net) || (ip->family == AF_INET && vnet_addr_equal(x, &last));
}

static bool range_has(const netdef_dhcp_range *r, const vnet_addr *x)
{
    return vnet_addr_cmp(&r->start, x) <= 0 && vnet_addr_cmp(x, &r->end) <= 0;
}

static int check_ranges(const vctx *v, const netdef_ip *ip)
{
    char a[VNET_ADDR_STRLEN], b[VNET_ADDR_STRLEN], c[VNET_ADDR_STRLEN], d[VNET_ADDR_STRLEN];
    vnet_addr net, last;

    vnet_addr_network(&ip->address, ip->prefix, &net);
    vnet_addr_last(&ip->address, ip->prefix, &last);
    for (size_t i = 0; i < ip->n_ranges; i++) {
        const netdef_dhcp_range *r = &ip->ranges[i];
        if (range_has(r, &net) || (ip->family == AF_INET && range_has(r, &last)))
            return fail(v, r->line, "range", NULL,
                        "%s - %s includes the subnet's network or broadcast address",
                        astr(&r->start, a), astr(&r->end, b));
        if (range_has(r, &ip->address))
            return fail(v, r->line, "range", NULL, "%s - %s includes the bridge's own address %s",
                        astr(&r->start, a), astr(&r->end, b), astr(&ip->address, c));
        for (size_t j = 0; j < i; j++) {
            const netdef_dhcp_range *o = &ip->ranges[j];
            if (vnet_addr_cmp(&r->start, &o->end) <= 0 && vnet_addr_cmp(&o->start, &r->end) <= 0)
                return fail(v, r->line, "range", NULL, "%s - %s overlaps range %s - %s",
                            astr(&r->start, a), astr(&r->end, b), astr(&o->start, c),
                            astr(&o->end, d));
        }
    }
    return 0;
}

static int check_host(const vctx *v, const netdef_ip *ip, size_t i)
{
    const netdef_dhcp_host *h = &ip->hosts[i];
    char a[VNET_ADDR_STRLEN];

    if (h->ip.family != ip->family)
        return fail(v, h->line, "host", "ip", "%s is not an %s address", astr(&h->ip, a),
                    ip->family == AF_INET ? "IPv4" : "IPv6");
    /* outside the subnet: accepted as libvirt does, with a warning (netdef_warnings) */
    bool inside = vnet_addr_in_subnet(&h->ip, &ip->address, ip->prefix);
    if (inside && (is_net_or_bcast(ip, &h->ip) || vnet_addr_equal(&h->ip, &ip->address)))
        return fail(v, h->line, "host", "ip",
                    "%s is the bridge's own address or the subnet's network or broadcast address",
                    astr(&h->ip, a));
    if (check_hostname(v, h->line, "host", "name", h->name) < 0)
        return -1;
    for (size_t j = 0; j < i; j++) {
        const netdef_dhcp_host *o = &ip->hosts[j];
        if (h->mac && o->mac && streq(h->mac, o->mac))
            return fail(v, h->line, "host", "mac", "%s is used by two hosts", h->mac);
        if (h->id && o->id && streq(h->id, o->id))
            return fail(v, h->line, "host", "id", "%s is used by two hosts", h->id);
        if (vnet_addr_equal(&h->ip, &o->ip))
            return fail(v, h->line, "host", "ip", "%s is given to two hosts", astr(&h->ip, a));
    }
    return 0;
}

static int check_ips(const vctx *v)
{
    const netdef *def = v->def;
    const netdef_ip *dhcp4 = NULL, *dhcp6 = NULL;

    for (size_t i = 0; i < def->n_ips; i++) {
        const netdef_ip *ip = &def->ips[i];
        if (check_ip_address(v, ip) < 0 || check_ranges(v, ip) < 0)
            return -1;
        for (size_t j = 0; j < ip->n_hosts; j++)
            if (check_host(v, ip, j) < 0)
                return -1;
        if (ip->n_ranges || ip->n_hosts) {
            const netdef_ip **slot = ip->family == AF_INET ? &dhcp4 : &dhcp6;
            if (*slot)
                return fail(v, ip->line, "ip", NULL,
                            "only one %s <ip> may have DHCP (the one on line %u already does)",
                            ip->family == AF_INET ? "IPv4" : "IPv6", (*slot)->line);
            *slot = ip;
        }
        for (size_t j = 0; j < i; j++)
            if (vnet_subnet_overlap(&ip->address, ip->prefix, &def->ips[j].address,
                                    def->ips[j].prefix))
                return fail(v, ip->line, "ip", "address", "subnet overlaps the <ip> on line %u",
                            def->ips[j].line);
    }
    return 0;
}

static int check_routes(const vctx *v)
{
    char a[VNET_ADDR_STRLEN];
    for (size_t i = 0; i < v->def->n_routes; i++) {
        const netdef_route *r = &v->def->routes[i];
        vnet_addr net;
        vnet_addr_network(&r->address, r->prefix, &net);
        if (!vnet_addr_equal(&net, &r->address))
            return fail(v, r->line, "route", "address", "%s has host bits set for /%u",
                        astr(&r->address, a), r->prefix);
    }
    return 0;
}

static bool pf_in_subnet(const netdef *def, const vnet_addr *a)
{
    for (size_t i = 0; i < def->n_ips; i++)
        if (vnet_addr_in_subnet(a, &def->ips[i].address, def->ips[i].prefix))
            return true;
    return false;
}

/* "guest address A is not in any subnet of the network (N/P, ...)" */
static int fail_pf_outside(const vctx *v, const netdef_port_forward *pf)
{
    char a[VNET_ADDR_STRLEN], n[VNET_ADDR_STRLEN];
    strbuf nets = STRBUF_INIT;
    for (size_t i = 0; i < v->def->n_ips; i++) {
        const netdef_ip *ip = &v->def->ips[i];
        vnet_addr net;
        vnet_addr_network(&ip->address, ip->prefix, &net);
        strbuf_addf(&nets, "%s%s/%u", nets.len ? ", " : "", astr(&net, n), ip->prefix);
    }
    fail(v, pf->line, "vnet:portForward", "guest",
         "guest address %s is not in any subnet of the network (%s)", astr(&pf->guest, a),
         nets.len ? nets.s : "none");
    strbuf_free(&nets);
    return -1;
}

static int check_pf_ranges(const vctx *v, const netdef_port_forward *pf)
{
    if (pf->n_ranges == 0)
        return fail(v, pf->line, "vnet:portForward", NULL, "needs a <vnet:range>");
    for (size_t i = 0; i < pf->n_ranges; i++) {
        const netdef_pf_range *r = &pf->ranges[i];
        if (r->start < 1 || r->end < 1 || r->start > 65535 || r->end > 65535)
            return fail(v, r->line, "vnet:range", "start", "ports must be 1..65535");
        if (r->start > r->end)
            return fail(v, r->line, "vnet:range", "end", "%u is below start %u", r->end, r->start);
        if (r->to > 65535 || (r->to && r->to + (r->end - r->start) > 65535))
            return fail(v, r->line, "vnet:range", "to", "guest ports run past 65535");
    }
    return 0;
}

/* One forward on its own: protocol, addresses, ports. */
static int check_pf(const vctx *v, const netdef_port_forward *pf)
{
    const netdef *def = v->def;
    char a[VNET_ADDR_STRLEN];

    if (pf->proto != IPPROTO_TCP && pf->proto != IPPROTO_UDP)
        return fail(v, pf->line, "vnet:portForward", "proto", "must be 'tcp' or 'udp'");
    if (!pf_in_subnet(def, &pf->guest))
        return fail_pf_outside(v, pf);
    for (size_t j = 0; j < def->n_ips; j++)
        if (vnet_addr_equal(&pf->guest, &def->ips[j].address))
            return fail(v, pf->line, "vnet:portForward", "guest",
                        "%s is the network's own address, not a guest", astr(&pf->guest, a));
    if (vnet_addr_is_set(&pf->address) && pf->address.family != pf->guest.family)
        return fail(v, pf->line, "vnet:portForward", "address",
                    "address family differs from the guest address");
    if (pf->address.family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&pf->address.v6))
        return fail(v, pf->line, "vnet:portForward", "address",
                    "the kernel cannot route ::1 to a guest; use 127.0.0.1 or no address");
    return check_pf_ranges(v, pf);
}

/* One host port range of one forward, for the clash search. */
typedef struct pf_slot {
    size_t i, ri; /* forward and range index: document order */
    const netdef_port_forward *pf;
    const netdef_pf_range *r;
} pf_slot;

static int pf_slot_cmp(const void *x, const void *y)
{
    const pf_slot *a = x, *b = y;
    if (a->pf->proto != b->pf->proto)
        return a->pf->proto < b->pf->proto ? -1 : 1;
    if (a->pf->guest.family != b->pf->guest.family)
        return a->pf->guest.family < b->pf->guest.family ? -1 : 1;
    if (a->r->start != b->r->start)
        return a->r->start < b->r->start ? -1 : 1;
    return 0;
}

static bool pf_slot_before(const pf_slot *a, const pf_slot *b)
{
    return a->i < b->i || (a->i == b->i && a->ri < b->ri);
}

/* The first range, in document order, that clashes with an earlier one, or
 * NULL. Sorting by (proto, family, start) means each range is compared only
 * with the ranges that start inside it: O(n log n) for the thousands of
 * forwards a definition may hold, rather than every pair. */
static const pf_slot *pf_first_clash(pf_slot *slots, size_t n)
{
    qsort(slots, n, sizeof(*slots), pf_slot_cmp);
    const pf_slot *first = NULL;
    for (size_t x = 0; x < n; x++)
        for (size_t y = x + 1; y < n && slots[y].pf->proto == slots[x].pf->proto &&
                               slots[y].pf->guest.family == slots[x].pf->guest.family &&
                               slots[y].r->start <= slots[x].r->end;
             y++) {
            if (!netdef_pf_clash(slots[x].pf, slots[x].ri, slots[y].pf, slots[y].ri))
                continue;
            const pf_slot *later = pf_slot_before(&slots[x], &slots[y]) ? &slots[y] : &slots[x];
            if (!first || pf_slot_before(later, first))
                first = later;
        }
    return first;
}

static int check_port_forwards(const vctx *v)
{
    const netdef *def = v->def;

    size_t n_slots = 0;
    for (size_t i = 0; i < def->n_port_forwards; i++)
        n_slots += def->port_forwards[i].n_ranges;
    _cleanup_free_ pf_slot *slots = xcalloc(n_slots ? n_slots : 1, sizeof(*slots));
    size_t k = 0;
    for (size_t i = 0; i < def->n_port_forwards; i++)
        for (size_t ri = 0; ri < def->port_forwards[i].n_ranges; ri++)
            slots[k++] =
                (pf_slot){i, ri, &def->port_forwards[i], &def->port_forwards[i].ranges[ri]};
    const pf_slot *clash = pf_first_clash(slots, n_slots);

    for (size_t i = 0; i < def->n_port_forwards; i++) {
        const netdef_port_forward *pf = &def->port_forwards[i];
        if (check_pf(v, pf) < 0)
            return -1;
        if (clash && clash->i == i)
            return fail(v, clash->r->line, "vnet:range", "start",
                        "host port %u/%s is already forwarded", clash->r->start,
                        netdef_proto_name(pf->proto));
    }
    return 0;
}

/* Port forwards on an OVN network are load balancer VIPs on its router's
 * gateway port: NAT only, on the gateway port's address, one VIP per port. */
#define OVN_FORWARD_PORTS_MAX 1024

static int check_ovn_forwards(const vctx *v)
{
    const netdef *def = v->def;
    char a[VNET_ADDR_STRLEN], e[VNET_ADDR_STRLEN];
    unsigned total = 0;
    for (size_t i = 0; i < def->n_port_forwards; i++) {
        const netdef_port_forward *pf = &def->port_forwards[i];
        if (def->forward_mode != NETDEF_FWD_NAT)
            return fail(v, pf->line, "vnet:portForward", NULL,
                        "port forwards on an OVN network need <forward mode='nat'>");
        if (vnet_addr_is_set(&pf->address) && !vnet_addr_equal(&pf->address, &def->ovn.external))
            return fail(v, pf->line, "vnet:portForward", "address",
                        "%s is not the address of the network's OVN gateway port (%s)",
                        astr(&pf->address, a), astr(&def->ovn.external, e));
        for (size_t j = 0; j < pf->n_ranges; j++)
            total += pf->ranges[j].end - pf->ranges[j].start + 1;
        if (total > OVN_FORWARD_PORTS_MAX)
            return fail(v, pf->line, "vnet:portForward", NULL,
                        "an OVN network forwards at most %d ports (each is a load balancer VIP)",
                        OVN_FORWARD_PORTS_MAX);
    }
    return 0;
}

static bool ovn_has_family(const netdef *def, int family)
{
    for (size_t i = 0; i < def->n_ips; i++)
        if (def->ips[i].family == family)
            return true;
    return false;
}

/* At most one <ip> per family. IPv6 is the router's: guests configure
 * themselves from its router advertisements (SLAAC, so a /64, no DHCPv6),
 * which needs a router (NAT or route) and stays inside the network. */
static int check_ovn_ips(const vctx *v, bool routed)
{
    const netdef *def = v->def;
    bool seen[2] = {false, false};
    for (size_t i = 0; i < def->n_ips; i++) {
        const netdef_ip *ip = &def->ips[i];
        bool v6 = ip->family == AF_INET6;
        if (seen[v6])
            return fail(v, ip->line, "ip", NULL, "OVN networks take one <ip> per address family");
        seen[v6] = true;
        if (!v6)
            continue;
        if (!routed)
            return fail(v, ip->line, "ip", NULL,
                        "IPv6 on an OVN network comes from its router's advertisements: it "
                        "needs <forward mode='nat'> or 'route'");
        if (ip->prefix != 64)
            return fail(v, ip->line, "ip", "prefix",
                        "IPv6 on an OVN network is SLAAC, which needs a /64, not /%u", ip->prefix);
        if (ip->has_dhcp)
            return fail(v, ip->line, "dhcp", NULL,
                        "OVN networks give IPv6 addresses by SLAAC, not DHCPv6");
    }
    return 0;
}

/* <vnet:ovn>: what vnet can build in OVN's northbound database. */
static int check_ovn(const vctx *v)
{
    const netdef *def = v->def;
    const netdef_ovn *o = &def->ovn;
    const char *mode = netdef_forward_mode_name(def->forward_mode);
    bool routed = def->forward_mode == NETDEF_FWD_NAT || def->forward_mode == NETDEF_FWD_ROUTE;
    const char *kind = def->forward_mode == NETDEF_FWD_NAT ? "NAT" : "routed";

    if (!netdef_is_ovn(def))
        return 0;
    if (def->forward_mode != NETDEF_FWD_NONE && !routed)
        return fail(v, o->line, "vnet:ovn", NULL,
                    "OVN networks support no <forward> (isolated) or mode 'nat' or 'route', "
                    "not '%s'",
                    mode);
    if (routed && def->forward_dev)
        return fail(v, XLINE(def, line_forward), "forward", "dev",
                    "an OVN network leaves by its gateway chassis' physnet, not a host "
                    "interface");
    if (routed && !o->gateway_chassis)
        return fail(v, o->line, "vnet:ovn", "gateway-chassis",
                    "missing: a %s OVN network needs the chassis its router leaves by", kind);
    if (routed && !o->external.family)
        return fail(v, o->line, "vnet:ovn", "external",
                    "missing: a %s OVN network needs its router's upstream ADDRESS/PREFIX", kind);
    if (def->forward_mode == NETDEF_FWD_NONE &&
        (o->gateway_chassis || o->external.family || o->external_gw.family || o->physnet))
        return fail(v, o->line, "vnet:ovn", NULL,
                    "gateway-chassis, external, external-gateway and physnet are only "
                    "meaningful with <forward mode='nat'> or 'route'");
    for (size_t i = 0; i < def->n_ips; i++)
        if (o->external.family && def->ips[i].family == AF_INET &&
            vnet_subnet_overlap(&o->external, o->external_prefix, &def->ips[i].address,
                                def->ips[i].prefix))
            return fail(v, o->line, "vnet:ovn", "external", "overlaps the network's own <ip>");
    if (o->external_gw.family &&
        !vnet_addr_in_subnet(&o->external_gw, &o->external, o->external_prefix))
        return fail(v, o->line, "vnet:ovn", "external-gateway", "not inside the external subnet");
    if (check_ovn_ips(v, routed) < 0)
        return -1;
    if (routed && !ovn_has_family(def, AF_INET))
        return fail(v, o->line, "vnet:ovn", NULL, "a %s OVN network needs an IPv4 <ip>", kind);
    if (check_ovn_forwards(v) < 0)
        return -1;
    if (def->extra && def->extra->bandwidth.present)
        return fail(v, XLINE(def, line_bandwidth), "bandwidth", NULL,
                    "an OVN network has no host bridge to shape (OVN QoS is not supported)");
    if (def->n_dnsmasq_options)
        return fail(v, o->line, "vnet:ovn", NULL,
                    "dnsmasq options make no sense on an OVN network (no dnsmasq runs)");
    return 0;
}

int netdef_validate(const netdef *def, verr *err)
{
    vctx v = {.def = def, .err = err};

    if (netdef_validate_libvirt(def, err) < 0)
        return -1;
    if (check_top(&v) < 0 || check_mode_features(&v) < 0 || check_nat(&v) < 0 ||
        check_dns(&v) < 0 || check_ips(&v) < 0 || check_routes(&v) < 0 ||
        check_port_forwards(&v) < 0 || check_ovn(&v) < 0)
        return -1;
    return 0;
}

int netdef_validate_edit(const netdef *orig, netdef *edited, const char *what, verr *err)
{
    bool strict = netdef_validate(orig, NULL) == 0;
    struct netdef_extra *x = netdef_extra_get(edited);
    char *source = x->source;
    vctx v = {.def = edited, .err = err};
    int r;

    netdef_forget_lines(edited);
    x->source = xstrdup(what);
    /* port forwards are vnet's own: always held to its rules */
    if (strict)
        r = netdef_validate(edited, err);
    else
        r = netdef_validate_libvirt(edited, err) < 0 || check_port_forwards(&v) < 0 ? -1 : 0;
    free(x->source);
    x->source = source;
    return r;
}

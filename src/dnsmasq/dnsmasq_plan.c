/* dnsmasq planner: a network definition -> dnsmasq config + hosts files.
 *
 * Pure: no syscalls. The option order follows libvirt's generator so that in
 * libvirt_compat mode the output is byte-for-byte libvirt's (checked by the
 * conformance suite against libvirt's networkxml2confdata). vnet's own mode
 * emits the same options plus the differences listed in
 * tests/data/dnsmasq/README.md (lease file, no-ping, header).
 */
#include "dnsmasq/dnsmasq.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util/cleanup.h"
#include "util/strbuf.h"

typedef struct plan_ctx {
    const netdef *def;
    const dnsmasq_plan_opts *opts;
    verr *err;
    strbuf conf;
    strbuf hosts;
    strbuf addn;
    const netdef_ip *v4dhcp; /* the IPv4 <ip> with ranges or hosts */
    const netdef_ip *v6dhcp; /* the IPv6 <ip> with ranges or hosts */
    uint64_t n_leases;       /* sum of range sizes: dhcp-lease-max */
    bool want_dns;
} plan_ctx;

static bool ip_has_dhcp(const netdef_ip *ip)
{
    return ip->n_ranges > 0 || ip->n_hosts > 0;
}

/* dnsmasq's config is line based: a value with a line break would inject
 * options. The conf layer refuses such input already; this is a second line
 * of defence so a bug there cannot become an injection here. */
static int check_value(plan_ctx *c, const char *what, const char *s)
{
    if (s && strpbrk(s, "\n\r"))
        return verr_set(c->err, VERR_INVALID,
                        "network '%s': %s contains a line break; refusing to write it to the "
                        "dnsmasq configuration",
                        c->def->name, what);
    return 0;
}

/* Characters dnsmasq's config reader treats specially outside quotes: '#'
 * after a space starts a comment, '"' starts a quoted part, '\\' escapes in
 * one, ',' separates fields, whitespace at either end is dropped. */
#define CONF_META "\t#\"\\,"

static bool needs_quotes(const char *s)
{
    size_t n = strlen(s);
    return strpbrk(s, CONF_META) || (n && (s[0] == ' ' || s[n - 1] == ' '));
}

/* Append s as one config-file field dnsmasq cannot misread: unchanged when it
 * holds nothing special (so ordinary output stays as libvirt writes it), else
 * in double quotes, where dnsmasq keeps spaces, '#', ',' and ':' literally and
 * reads \\ and \" as '\' and '"'. Line breaks are refused before this. */
static void add_field(strbuf *b, const char *s)
{
    if (!needs_quotes(s)) {
        strbuf_add(b, s);
        return;
    }
    strbuf_addc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            strbuf_addc(b, '\\');
        strbuf_addc(b, *s);
    }
    strbuf_addc(b, '"');
}

/* Append "KEY=VALUE\n" after checking VALUE; VALUE is one field (a path or
 * a name), quoted when it needs to be. */
static int add_opt(plan_ctx *c, const char *key, const char *value)
{
    if (check_value(c, key, value) < 0)
        return -1;
    strbuf_addf(&c->conf, "%s=", key);
    add_field(&c->conf, value);
    strbuf_addc(&c->conf, '\n');
    return 0;
}

/* libvirt's lease suffix: "infinite", or the number with the unit's first
 * letter (minutes when no unit was written). NULL when no <lease>. */
static const char *lease_suffix(const netdef_lease *l, char buf[32])
{
    if (!l->present)
        return NULL;
    if (l->expiry == 0)
        return "infinite";
    char unit = 'm';
    if (l->unit == NETDEF_UNIT_SECONDS)
        unit = 's';
    else if (l->unit == NETDEF_UNIT_HOURS)
        unit = 'h';
    snprintf(buf, 32, "%" PRIu64 "%c", l->expiry, unit);
    return buf;
}

/* Paths of the files dnsmasq reads. libvirt's test output XML-escapes the
 * network name in these paths (a quirk of its file-name helper); compat mode
 * reproduces that, vnet's mode uses the name as is. */
static char *state_path(plan_ctx *c, const char *ext)
{
    const char *name = c->def->name;
    if (!c->opts->libvirt_compat)
        return xasprintf("%s/%s.%s", c->opts->state_dir, name, ext);
    strbuf b = STRBUF_INIT;
    strbuf_addf(&b, "%s/", c->opts->state_dir);
    for (const char *p = name; *p; p++) {
        switch (*p) {
        case '"':
            strbuf_add(&b, "&quot;");
            break;
        case '\'':
            strbuf_add(&b, "&apos;");
            break;
        case '&':
            strbuf_add(&b, "&amp;");
            break;
        case '<':
            strbuf_add(&b, "&lt;");
            break;
        case '>':
            strbuf_add(&b, "&gt;");
            break;
        default:
            strbuf_addc(&b, *p);
        }
    }
    strbuf_addf(&b, ".%s", ext);
    return strbuf_take(&b);
}

static void plan_header(plan_ctx *c)
{
    const char *name = c->def->name;
    if (c->opts->libvirt_compat) {
        strbuf_addf(&c->conf,
                    "##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n"
                    "##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:\n"
                    "##    virsh net-edit %s\n"
                    "## or other application using the libvirt API.\n"
                    "##\n"
                    "## dnsmasq conf file created by libvirt\n",
                    name);
    } else {
        strbuf_addf(&c->conf,
                    "## Generated by vnet for network '%s'; changes here are overwritten.\n"
                    "## Edit the network instead: vnet net-edit %s\n",
                    name, name);
    }
    strbuf_add(&c->conf, "strict-order\n");
    if (c->opts->user && !c->opts->libvirt_compat) /* a dedicated account, not nobody */
        strbuf_addf(&c->conf, "user=%s\ngroup=%s\n", c->opts->user, c->opts->user);
    if (!c->want_dns)
        strbuf_add(&c->conf, "port=0\n");
}

/* server= lines. no-resolv once any forwarder has an address and no domain:
 * then every unclaimed query has somewhere to go and resolv.conf is unused. */
static int plan_forwarders(plan_ctx *c)
{
    const netdef_dns *dns = &c->def->dns;
    bool no_resolv = false;
    if (!c->want_dns)
        return 0;
    for (size_t i = 0; i < dns->n_forwarders; i++) {
        const netdef_dns_forwarder *f = &dns->forwarders[i];
        if (check_value(c, "DNS forwarder domain", f->domain) < 0 ||
            check_value(c, "DNS forwarder address", f->addr) < 0)
            return -1;
        strbuf_add(&c->conf, "server=");
        if (f->domain)
            strbuf_addf(&c->conf, "/%s/", f->domain);
        if (f->addr) {
            strbuf_addf(&c->conf, "%s\n", f->addr);
            if (!f->domain)
                no_resolv = true;
        } else {
            strbuf_add(&c->conf, "#\n"); /* "do not forward this domain" */
        }
    }
    if (no_resolv) {
        strbuf_add(&c->conf, "no-resolv\n");
    } else if (c->opts->servers_file && dnsmasq_uses_servers_file(c->def)) {
        /* The host's resolvers, from the file vnetd keeps (no inotify here). */
        strbuf_add(&c->conf, "no-resolv\n");
        if (add_opt(c, "servers-file", c->opts->servers_file) < 0)
            return -1;
    }
    return 0;
}

bool dnsmasq_uses_servers_file(const netdef *def)
{
    if (def->dns.enable == VT_NO || def->forward_mode == NETDEF_FWD_NONE)
        return false;
    for (size_t i = 0; i < def->dns.n_forwarders; i++)
        if (def->dns.forwarders[i].addr && !def->dns.forwarders[i].domain)
            return false;
    return true;
}

static int plan_domain(plan_ctx *c)
{
    const netdef *d = c->def;
    if (!d->domain)
        return 0;
    if (check_value(c, "domain name", d->domain) < 0)
        return -1;
    if (d->domain_local_only == VT_YES)
        strbuf_addf(&c->conf, "local=/%s/\n", d->domain);
    strbuf_addf(&c->conf, "domain=%s\nexpand-hosts\n", d->domain);
    return 0;
}

/* The reverse-lookup zone of a subnet ("122.168.192.in-addr.arpa"). Only
 * prefixes on an octet (IPv4) or nibble (IPv6) boundary have one. */
static int ptr_domain(plan_ctx *c, const netdef_ip *ip, strbuf *out)
{
    vnet_addr net;
    bool v4 = ip->family == AF_INET;
    unsigned step = v4 ? 8 : 4;
    if (ip->prefix % step != 0)
        return verr_set(c->err, VERR_UNSUPPORTED,
                        "network '%s': PTR domain for %s network with prefix %u cannot be "
                        "automatically created",
                        c->def->name, v4 ? "IPv4" : "IPv6", ip->prefix);
    vnet_addr_network(&ip->address, ip->prefix, &net);
    for (int i = (int)(ip->prefix / step) - 1; i >= 0; i--) {
        if (v4)
            strbuf_addf(out, "%u.", net.bytes[i]);
        else
            strbuf_addf(out, "%x.", (net.bytes[i / 2] >> (i % 2 ? 0 : 4)) & 0xf);
    }
    strbuf_add(out, v4 ? "in-addr.arpa" : "ip6.arpa");
    return 0;
}

static int plan_local_ptrs(plan_ctx *c)
{
    if (!c->want_dns)
        return 0;
    for (size_t i = 0; i < c->def->n_ips; i++) {
        const netdef_ip *ip = &c->def->ips[i];
        if (ip->local_ptr != VT_YES)
            continue;
        strbuf ptr = STRBUF_INIT;
        if (ptr_domain(c, ip, &ptr) < 0) {
            strbuf_free(&ptr);
            return -1;
        }
        strbuf_addf(&c->conf, "local=/%s/\n", strbuf_str(&ptr));
        strbuf_free(&ptr);
    }
    if (c->def->dns.forward_plain_names == VT_NO)
        strbuf_add(&c->conf, "domain-needed\nlocal=//\n");
    return 0;
}

/* Listen on the bridge only: interface= with bind-dynamic (libvirt) or, in
 * vnet's mode, bind-interfaces (no wildcard socket either way, so no fight
 * with a host resolver on port 53), never on lo. bind-dynamic makes every
 * dnsmasq re-scan all of the host's interfaces on each address event: with N
 * networks, starting one more costs every other dnsmasq a scan of N
 * interfaces (measured: 150 dnsmasq used 0.77 s of CPU for 5 new bridges;
 * bind-interfaces: none). vnet adds the bridge's addresses (without DAD)
 * before dnsmasq starts and restarts dnsmasq when the bridge is re-created,
 * so binding at start is enough. An isolated network gets no default route,
 * no upstream DNS and a zero RA router lifetime. */
static int plan_listen(plan_ctx *c)
{
    const netdef *d = c->def;
    if (c->opts->pid_file && add_opt(c, "pid-file", c->opts->pid_file) < 0)
        return -1;
    strbuf_addf(&c->conf, "except-interface=lo\n%s\n",
                c->opts->libvirt_compat ? "bind-dynamic" : "bind-interfaces");
    if (!d->bridge_name)
        return verr_set(c->err, VERR_INVALID, "network '%s' has no bridge name", d->name);
    if (add_opt(c, "interface", d->bridge_name) < 0)
        return -1;
    if (d->forward_mode == NETDEF_FWD_NONE)
        strbuf_add(&c->conf, "dhcp-option=3\nno-resolv\nra-param=*,0,0\n");
    return 0;
}

static int plan_srv(plan_ctx *c, const netdef_dns_srv *s)
{
    if (!s->service || !s->protocol)
        return verr_set(c->err, VERR_INVALID, "network '%s': DNS SRV record without %s",
                        c->def->name, s->service ? "protocol" : "service");
    if (check_value(c, "SRV service", s->service) < 0 ||
        check_value(c, "SRV protocol", s->protocol) < 0 ||
        check_value(c, "SRV domain", s->domain) < 0 || check_value(c, "SRV target", s->target) < 0)
        return -1;
    strbuf_addf(&c->conf, "srv-host=_%s._%s", s->service, s->protocol);
    if (s->domain)
        strbuf_addf(&c->conf, ".%s", s->domain);
    /* A target "." (RFC 2782: the service is decidedly not available here)
     * is written as libvirt writes it: no target, port, priority or weight. */
    if (s->target && !streq(s->target, ".")) {
        /* Fields are positional: an absent port before a given priority or
         * weight is written as dnsmasq's default, 1. */
        strbuf_addf(&c->conf, ",%s", s->target);
        if (s->port || s->priority || s->weight)
            strbuf_addf(&c->conf, ",%u", s->port ? s->port : 1);
        if (s->priority || s->weight)
            strbuf_addf(&c->conf, ",%u", s->priority);
        if (s->weight)
            strbuf_addf(&c->conf, ",%u", s->weight);
    }
    strbuf_addc(&c->conf, '\n');
    return 0;
}

static int plan_records(plan_ctx *c)
{
    const netdef_dns *dns = &c->def->dns;
    if (!c->want_dns)
        return 0;
    for (size_t i = 0; i < dns->n_txts; i++) {
        if (check_value(c, "TXT record name", dns->txts[i].name) < 0 ||
            check_value(c, "TXT record value", dns->txts[i].value) < 0)
            return -1;
        strbuf_addf(&c->conf, "txt-record=%s,", dns->txts[i].name);
        add_field(&c->conf, dns->txts[i].value ? dns->txts[i].value : "");
        strbuf_addc(&c->conf, '\n');
    }
    for (size_t i = 0; i < dns->n_srvs; i++)
        if (plan_srv(c, &dns->srvs[i]) < 0)
            return -1;
    return 0;
}

/* dnsmasq serves one DHCP definition per family; find them (and emit TFTP,
 * which libvirt writes per IPv4 <ip> in the same pass). */
static int plan_find_dhcp(plan_ctx *c)
{
    for (size_t i = 0; i < c->def->n_ips; i++) {
        const netdef_ip *ip = &c->def->ips[i];
        const netdef_ip **slot = ip->family == AF_INET ? &c->v4dhcp : &c->v6dhcp;
        if (ip_has_dhcp(ip)) {
            if (*slot)
                return verr_set(c->err, VERR_UNSUPPORTED,
                                "network '%s': for %s, multiple DHCP definitions cannot be "
                                "specified",
                                c->def->name, ip->family == AF_INET ? "IPv4" : "IPv6");
            *slot = ip;
        }
        if (ip->family == AF_INET && ip->tftp_root) {
            strbuf_add(&c->conf, "enable-tftp\n");
            if (add_opt(c, "tftp-root", ip->tftp_root) < 0)
                return -1;
        }
    }
    return 0;
}

static void plan_range(plan_ctx *c, const netdef_ip *ip, const netdef_dhcp_range *r)
{
    char s[VNET_ADDR_STRLEN], e[VNET_ADDR_STRLEN], lease[32];
    strbuf_addf(&c->conf, "dhcp-range=%s,%s,", vnet_addr_str(&r->start, s),
                vnet_addr_str(&r->end, e));
    if (ip->family == AF_INET6) {
        strbuf_addf(&c->conf, "%u", ip->prefix);
    } else {
        vnet_addr mask;
        char m[VNET_ADDR_STRLEN];
        vnet_prefix_to_netmask(AF_INET, ip->prefix, &mask);
        strbuf_add(&c->conf, vnet_addr_str(&mask, m));
    }
    const char *suffix = lease_suffix(&r->lease, lease);
    if (suffix)
        strbuf_addf(&c->conf, ",%s", suffix);
    strbuf_addc(&c->conf, '\n');
    uint64_t n = vnet_addr_range_size(&r->start, &r->end);
    c->n_leases = n > INT32_MAX - c->n_leases ? INT32_MAX : c->n_leases + n;
}

/* One dhcp-hostsfile line: "mac,ip[,name][,lease]" (IPv4),
 * "id:DUID[,name],[ip]" or "name,[ip]" (IPv6). Hosts without an address only
 * name a MAC for other purposes and are not written. */
static int plan_host(plan_ctx *c, const netdef_ip *ip, const netdef_dhcp_host *h)
{
    char a[VNET_ADDR_STRLEN], lease[32];
    if (!vnet_addr_is_set(&h->ip))
        return 0;
    if (check_value(c, "DHCP host name", h->name) < 0 || check_value(c, "DHCP host id", h->id) < 0)
        return -1;
    vnet_addr_str(&h->ip, a);
    strbuf *b = &c->hosts;
    if (ip->family == AF_INET6) {
        if (h->id && h->name)
            strbuf_addf(b, "id:%s,%s,[%s]", h->id, h->name, a);
        else if (h->id)
            strbuf_addf(b, "id:%s,[%s]", h->id, a);
        else if (h->name)
            strbuf_addf(b, "%s,[%s]", h->name, a);
        else
            return 0;
    } else if (h->mac && h->name) {
        strbuf_addf(b, "%s,%s,%s", h->mac, a, h->name);
    } else if (h->name) {
        strbuf_addf(b, "%s,%s", h->name, a);
    } else if (h->mac) {
        strbuf_addf(b, "%s,%s", h->mac, a);
    } else {
        return 0;
    }
    const char *suffix = lease_suffix(&h->lease, lease);
    if (suffix)
        strbuf_addf(b, ",%s", suffix);
    strbuf_addc(b, '\n');
    return 0;
}

/* Ranges, static-only marker, hosts file lines and (IPv4) the DHCP policy
 * and boot options for one <ip>. */
static int plan_dhcp_ip(plan_ctx *c, const netdef_ip *ip)
{
    char a[VNET_ADDR_STRLEN];
    for (size_t i = 0; i < ip->n_ranges; i++)
        plan_range(c, ip, &ip->ranges[i]);
    if (ip->n_ranges == 0 && ip->n_hosts > 0) {
        strbuf_addf(&c->conf, "dhcp-range=%s,static", vnet_addr_str(&ip->address, a));
        if (ip->family == AF_INET6)
            strbuf_addf(&c->conf, ",%u", ip->prefix);
        strbuf_addc(&c->conf, '\n');
    }
    for (size_t i = 0; i < ip->n_hosts; i++)
        if (plan_host(c, ip, &ip->hosts[i]) < 0)
            return -1;
    if (ip->family != AF_INET)
        return 0;
    strbuf_add(&c->conf, "dhcp-no-override\ndhcp-authoritative\n");
    if (c->opts->fast_dhcp && !c->opts->libvirt_compat)
        strbuf_add(&c->conf, "no-ping\n");
    if (ip->bootp_file) {
        if (check_value(c, "bootp file", ip->bootp_file) < 0 ||
            check_value(c, "bootp server", ip->bootp_server) < 0)
            return -1;
        strbuf_add(&c->conf, "dhcp-boot=");
        add_field(&c->conf, ip->bootp_file);
        if (ip->bootp_server)
            strbuf_addf(&c->conf, ",,%s", ip->bootp_server);
        strbuf_addc(&c->conf, '\n');
    }
    return 0;
}

/* addn-hosts: "ip<TAB>name<TAB>...\n", one line per <dns><host>. */
static int plan_addnhosts(plan_ctx *c)
{
    const netdef_dns *dns = &c->def->dns;
    for (size_t i = 0; i < dns->n_hosts; i++) {
        const netdef_dns_host *h = &dns->hosts[i];
        char a[VNET_ADDR_STRLEN];
        if (!vnet_addr_is_set(&h->ip) || h->n_hostnames == 0)
            continue;
        strbuf_addf(&c->addn, "%s\t", vnet_addr_str(&h->ip, a));
        for (size_t j = 0; j < h->n_hostnames; j++) {
            if (check_value(c, "DNS host name", h->hostnames[j]) < 0)
                return -1;
            strbuf_addf(&c->addn, "%s\t", h->hostnames[j]);
        }
        strbuf_addc(&c->addn, '\n');
    }
    return 0;
}

/* Everything after the DHCP definitions: limits, the files dnsmasq reads,
 * MTU, router advertisements, then the user's own options verbatim. */
static int plan_tail(plan_ctx *c)
{
    const netdef *d = c->def;
    char a[VNET_ADDR_STRLEN];
    if (c->n_leases > 0)
        strbuf_addf(&c->conf, "dhcp-lease-max=%" PRIu64 "\n", c->n_leases);
    if (c->v4dhcp || c->v6dhcp) {
        _cleanup_free_ char *hosts = state_path(c, "hostsfile");
        if (add_opt(c, "dhcp-hostsfile", hosts) < 0)
            return -1;
        if (!c->opts->libvirt_compat) {
            _cleanup_free_ char *leases = state_path(c, "leases");
            if (add_opt(c, "dhcp-leasefile", leases) < 0)
                return -1;
        }
    }
    if (c->want_dns) {
        _cleanup_free_ char *addn = state_path(c, "addnhosts");
        if (add_opt(c, "addn-hosts", addn) < 0)
            return -1;
    }
    if (d->mtu)
        strbuf_addf(&c->conf, "dhcp-option=option:mtu,%u\n", d->mtu);
    if (c->v6dhcp) {
        strbuf_add(&c->conf, "enable-ra\n");
    } else {
        for (size_t i = 0; i < d->n_ips; i++)
            if (d->ips[i].family == AF_INET6)
                strbuf_addf(&c->conf, "dhcp-range=%s,ra-only\n",
                            vnet_addr_str(&d->ips[i].address, a));
    }
    for (size_t i = 0; i < d->n_dnsmasq_options; i++) {
        if (check_value(c, "dnsmasq:option", d->dnsmasq_options[i]) < 0)
            return -1;
        strbuf_addf(&c->conf, "%s\n", d->dnsmasq_options[i]);
    }
    return 0;
}

static int plan_all(plan_ctx *c)
{
    const char *name = c->def->name;
    if (check_value(c, "network name", name) < 0 ||
        check_value(c, "state directory", c->opts->state_dir) < 0)
        return -1;
    /* The name becomes part of file paths: it must not lead out of state_dir. */
    if (!c->opts->libvirt_compat && (!*name || strchr(name, '/') || name[0] == '.'))
        return verr_set(c->err, VERR_INVALID, "network name '%s' cannot be used in a file name",
                        name);
    plan_header(c);
    if (plan_forwarders(c) < 0 || plan_domain(c) < 0 || plan_local_ptrs(c) < 0 ||
        plan_listen(c) < 0 || plan_records(c) < 0 || plan_find_dhcp(c) < 0)
        return -1;
    if (c->v4dhcp && plan_dhcp_ip(c, c->v4dhcp) < 0)
        return -1;
    if (c->v6dhcp && plan_dhcp_ip(c, c->v6dhcp) < 0)
        return -1;
    if (plan_tail(c) < 0)
        return -1;
    return plan_addnhosts(c);
}

int dnsmasq_plan_build(const netdef *def, const dnsmasq_plan_opts *opts, dnsmasq_plan *ret,
                       verr *err)
{
    if (!def || !def->name || !opts || !opts->state_dir)
        return verr_set(err, VERR_INTERNAL, "dnsmasq plan: missing definition or state directory");
    plan_ctx c = {
        .def = def,
        .opts = opts,
        .err = err,
        .conf = STRBUF_INIT,
        .hosts = STRBUF_INIT,
        .addn = STRBUF_INIT,
        .want_dns = def->dns.enable != VT_NO,
    };
    if (plan_all(&c) < 0) {
        strbuf_free(&c.conf);
        strbuf_free(&c.hosts);
        strbuf_free(&c.addn);
        return -1;
    }
    ret->conf = strbuf_take(&c.conf);
    ret->hostsfile = strbuf_take(&c.hosts);
    ret->addnhosts = strbuf_take(&c.addn);
    return 0;
}

void dnsmasq_plan_free(dnsmasq_plan *p)
{
    if (!p)
        return;
    free(p->conf);
    free(p->hostsfile);
    free(p->addnhosts);
    p->conf = p->hostsfile = p->addnhosts = NULL;
}

/* libvirt starts dnsmasq for any <ip> that wants DHCP or TFTP, or when DNS
 * is on. vnet also starts it for an IPv6 <ip> with DNS off: dnsmasq is what
 * sends router advertisements, and without them IPv6 guests get no route. */
bool dnsmasq_needed(const netdef *def)
{
    if (netdef_is_ovn(def))
        return false; /* OVN networks: OVN's native DHCP and DNS */
    if (def->n_ips == 0)
        return false;
    if (def->dns.enable != VT_NO)
        return true;
    for (size_t i = 0; i < def->n_ips; i++) {
        const netdef_ip *ip = &def->ips[i];
        if (ip_has_dhcp(ip) || ip->tftp_root || ip->family == AF_INET6)
            return true;
    }
    return false;
}

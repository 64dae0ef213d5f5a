/* The planner: a network definition becomes one nft script that replaces the
 * network's table `inet vnet-BRIDGE` in a single transaction.
 *
 * Rules are equivalent in effect to libvirt's per forward mode (see
 * tests/data/firewall/README.md for the rule-by-rule mapping). Interfaces are
 * matched by name (iifname/oifname) so the rules survive the bridge being
 * re-created. Every rule has a counter, for the doctor and for admins.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "firewall/firewall.h"
#include "firewall/fw_internal.h"

/* libvirt's default source-port range for masquerading tcp/udp. */
#define FW_NAT_PORT_MIN 1024
#define FW_NAT_PORT_MAX 65535

typedef struct plan {
    strbuf b;
    const netdef *def;
    const char *br;  /* bridge name */
    const char *dev; /* <forward dev=..> or NULL */
} plan;

/* nft 1.0.6 takes a table name only as an identifier (letters, digits, '/',
 * '-', '_', '.'), never quoted. A bridge name made of letters, digits, '-',
 * '_' and '.' gives "vnet-BRIDGE"; any other (the kernel allows '@', '+',
 * UTF-8, ...) gives "vnet_" and the name with every byte outside letters,
 * digits, '-' and '.' written as "_XX" (hex). The two forms cannot meet, and
 * each is one-to-one, so every bridge has its own table, whatever its name. */
const char *fw_table_name_of(const char *bridge, char *buf, size_t len)
{
    static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
    size_t n = strlen(bridge);
    if (n <= FW_BRIDGE_NAME_MAX && strspn(bridge, plain) == n) {
        snprintf(buf, len, "vnet-%s", bridge);
        return buf;
    }
    strbuf b = STRBUF_INIT;
    strbuf_add(&b, "vnet_");
    for (const unsigned char *p = (const unsigned char *)bridge; *p; p++) {
        if (isascii(*p) && (isalnum(*p) || *p == '-' || *p == '.'))
            strbuf_addc(&b, (char)*p);
        else
            strbuf_addf(&b, "_%02x", *p);
    }
    /* FW_TABLE_NAME_MAX holds any escaped name of FW_BRIDGE_NAME_MAX bytes */
    snprintf(buf, len, "%s", strbuf_str(&b));
    strbuf_free(&b);
    return buf;
}

const char *fw_table_name(const netdef *def, char *buf, size_t len)
{
    return fw_table_name_of(def->bridge_name ? def->bridge_name : "", buf, len);
}

bool fw_table_name_is_ours(const char *table)
{
    return strncmp(table, "vnet-", 5) == 0 || strncmp(table, "vnet_", 5) == 0;
}

bool fw_wanted(const netdef *def)
{
    if (netdef_is_ovn(def))
        return false; /* OVN networks: no host firewall, OVN routes and NATs */
    switch (netdef_mode(def)) {
    case NETDEF_FWD_NONE:
    case NETDEF_FWD_NAT:
    case NETDEF_FWD_ROUTE:
        return true;
    default:
        return false;
    }
}

static void subnet_str(const netdef_ip *ip, char *buf, size_t len)
{
    vnet_addr net;
    char a[VNET_ADDR_STRLEN];
    vnet_addr_network(&ip->address, ip->prefix, &net);
    snprintf(buf, len, "%s/%u", vnet_addr_str(&net, a), ip->prefix);
}

static bool has_family(const netdef *def, int family)
{
    for (size_t i = 0; i < def->n_ips; i++)
        if (def->ips[i].address.family == family)
            return true;
    return false;
}

static bool has_tftp(const netdef *def)
{
    for (size_t i = 0; i < def->n_ips; i++)
        if (def->ips[i].tftp_root)
            return true;
    return false;
}

static bool has_dhcp4(const netdef *def)
{
    for (size_t i = 0; i < def->n_ips; i++)
        if (def->ips[i].address.family == AF_INET && def->ips[i].has_dhcp)
            return true;
    return false;
}

/* Is this <ip> masqueraded (else routed) in this network? */
static bool ip_is_nat(const netdef *def, const netdef_ip *ip)
{
    if (netdef_mode(def) != NETDEF_FWD_NAT)
        return false;
    return ip->address.family == AF_INET || def->nat.ipv6 == VT_YES;
}

/* The table comment names the owner, so `nft list ruleset` explains itself.
 * nft strings cannot contain '"' and table comments are limited to 128 bytes. */
static void add_comment(plan *p)
{
    char name[81];
    size_t n = 0;
    for (const char *s = p->def->name ? p->def->name : "?"; *s && n < 80; s++)
        name[n++] = (*s == '"' || (unsigned char)*s < 0x20 || *s == 0x7f) ? '_' : *s;
    while (n > 0 && ((unsigned char)name[n - 1] & 0xc0) == 0xc0)
        n--; /* do not end on a dangling UTF-8 lead byte */
    name[n] = 0;
    strbuf_addf(&p->b, "\tcomment \"vnet network %s (%s)\"\n", name,
                netdef_forward_mode_name(netdef_mode(p->def)));
}

/* One map or counting set with the forwards' elements (values for the map). */
static void add_forward_object(plan *p, fw_map m, bool is_map)
{
    strbuf_addf(&p->b, "\t%s %s {\n\t\t%s\n\t\tcounter\n", is_map ? "map" : "set",
                is_map ? fw_map_name(m) : fw_count_set_name(m),
                is_map ? fw_map_type(m) : fw_count_set_type(m));
    bool first = true;
    for (size_t i = 0; i < p->def->n_port_forwards; i++) {
        const netdef_port_forward *pf = &p->def->port_forwards[i];
        if (fw_forward_map(pf) != m)
            continue;
        if (first)
            strbuf_add(&p->b, "\t\telements = { ");
        fw_forward_elements(&p->b, pf, is_map, ",\n\t\t\t     ", &first);
    }
    if (!first)
        strbuf_add(&p->b, " }\n");
    strbuf_add(&p->b, "\t}\n");
}

static void add_maps(plan *p)
{
    for (fw_map m = 0; m < FW_MAP_COUNT; m++)
        add_forward_object(p, m, true);
    for (fw_map m = 0; m < FW_MAP_COUNT; m++)
        add_forward_object(p, m, false);
}

static void chain_start(plan *p, const char *name, const char *type, const char *hook,
                        const char *prio)
{
    strbuf_addf(&p->b, "\tchain %s {\n\t\ttype %s hook %s priority %s; policy accept;\n", name,
                type, hook, prio);
}

static void chain_end(plan *p)
{
    strbuf_add(&p->b, "\t}\n");
}

/* Host services the guests need: DHCP, DNS, DHCPv6, TFTP in; replies out.
 * Note: an accept here cannot override a drop in another table (a drop in
 * any base chain wins); these mirror libvirt's INPUT/OUTPUT rules and their
 * counters show whether the traffic arrives. */
static void add_host_chains(plan *p)
{
    bool v6 = has_family(p->def, AF_INET6);
    chain_start(p, "input", "filter", "input", "filter");
    strbuf_addf(&p->b, "\t\tiifname \"%s\" udp dport 67 counter accept\n", p->br);
    strbuf_addf(&p->b, "\t\tiifname \"%s\" meta l4proto { tcp, udp } th dport 53 counter accept\n",
                p->br);
    if (v6)
        strbuf_addf(&p->b, "\t\tiifname \"%s\" udp dport 547 counter accept\n", p->br);
    if (has_tftp(p->def))
        strbuf_addf(&p->b, "\t\tiifname \"%s\" udp dport 69 counter accept\n", p->br);
    chain_end(p);

    chain_start(p, "output", "filter", "output", "filter");
    strbuf_addf(&p->b, "\t\toifname \"%s\" udp dport 68 counter accept\n", p->br);
    strbuf_addf(&p->b, "\t\toifname \"%s\" meta l4proto { tcp, udp } th dport 53 counter accept\n",
                p->br);
    if (v6)
        strbuf_addf(&p->b, "\t\toifname \"%s\" udp dport 546 counter accept\n", p->br);
    chain_end(p);
}

/* " oifname \"DEV\"" / " iifname \"DEV\"" when <forward dev> is set. */
static void dev_match(plan *p, const char *dir)
{
    if (p->dev)
        strbuf_addf(&p->b, " %s \"%s\"", dir, p->dev);
}

static void add_forward_chain(plan *p)
{
    const netdef *def = p->def;
    chain_start(p, "forward", "filter", "forward", "filter");
    strbuf_addf(&p->b, "\t\tiifname \"%s\" oifname \"%s\" counter accept\n", p->br, p->br);
    if (netdef_mode(def) == NETDEF_FWD_NAT || netdef_mode(def) == NETDEF_FWD_ROUTE) {
        for (size_t i = 0; i < def->n_ips; i++) {
            const netdef_ip *ip = &def->ips[i];
            const char *fam = ip->address.family == AF_INET6 ? "ip6" : "ip";
            char net[VNET_ADDR_STRLEN + 8];
            subnet_str(ip, net, sizeof(net));
            strbuf_addf(&p->b, "\t\tiifname \"%s\" %s saddr %s", p->br, fam, net);
            dev_match(p, "oifname");
            strbuf_add(&p->b, " counter accept\n\t\t");
            if (p->dev)
                strbuf_addf(&p->b, "iifname \"%s\" ", p->dev);
            strbuf_addf(&p->b, "oifname \"%s\" %s daddr %s", p->br, fam, net);
            if (ip_is_nat(def, ip))
                strbuf_add(&p->b, " ct state established,related");
            strbuf_add(&p->b, " counter accept\n");
        }
        strbuf_addf(&p->b, "\t\toifname \"%s\" ct status dnat counter accept\n", p->br);
    }
    strbuf_addf(&p->b, "\t\tiifname \"%s\" counter reject\n", p->br);
    strbuf_addf(&p->b, "\t\toifname \"%s\" counter reject\n", p->br);
    chain_end(p);
}

/* DNAT through the port-forward maps, for traffic arriving from outside
 * (prerouting) and from the host itself (output). Loopback destinations are
 * only taken by the per-address map and only from the host: a packet from
 * the wire addressed to 127.0.0.1 is never forwarded. */
static void add_dnat_chain(plan *p, const char *name, const char *hook)
{
    bool out = streq(hook, "output");
    /* nft 1.0.6 accepts the name "dstnat" only for prerouting; it is -100. */
    chain_start(p, name, "nat", hook, out ? "-100" : "dstnat");
    strbuf_addf(&p->b,
                "\t\tfib daddr type local%s dnat ip to ip daddr . meta l4proto . th dport map "
                "@pf4_addr\n",
                out ? "" : " ip daddr != 127.0.0.0/8");
    strbuf_add(&p->b, "\t\tfib daddr type local ip daddr != 127.0.0.0/8 dnat ip to meta l4proto . "
                      "th dport map @pf4_any\n");
    strbuf_add(&p->b, "\t\tfib daddr type local ip6 daddr != ::1 dnat ip6 to ip6 daddr . meta "
                      "l4proto . th dport map @pf6_addr\n");
    strbuf_add(&p->b, "\t\tfib daddr type local ip6 daddr != ::1 dnat ip6 to meta l4proto . th "
                      "dport map @pf6_any\n");
    chain_end(p);
}

/* Traffic counters of the forwards: every packet of a DNATed connection,
 * original direction as it leaves for the bridge (postrouting: from outside,
 * from the host, hairpin alike), replies as they come from it (prerouting),
 * counted in the element of the set its original destination hits. Other
 * packets cost one rule per hook. `ct original proto-dst` needs the protocol
 * known, hence a rule per protocol. */
static void add_count_chains(plan *p)
{
    strbuf_add(&p->b, "\tchain pf_count {\n");
    static const char *const protos[] = {"tcp", "udp"};
    for (int i = 0; i < 2; i++)
        for (fw_map m = 0; m < FW_MAP_COUNT; m++) {
            bool v6 = m == FW_MAP_6ANY || m == FW_MAP_6ADDR;
            bool addr = m == FW_MAP_4ADDR || m == FW_MAP_6ADDR;
            strbuf_addf(&p->b, "\t\tmeta l4proto %s meta nfproto %s ", protos[i],
                        v6 ? "ipv6" : "ipv4");
            if (addr)
                strbuf_addf(&p->b, "ct original %s daddr . ", v6 ? "ip6" : "ip");
            strbuf_addf(&p->b, "meta l4proto . ct original proto-dst @%s\n", fw_count_set_name(m));
        }
    chain_end(p);
    chain_start(p, "pf_count_in", "filter", "prerouting", "filter");
    strbuf_addf(&p->b, "\t\tiifname \"%s\" ct direction reply ct status dnat jump pf_count\n",
                p->br);
    chain_end(p);
}

/* libvirt's masquerade set for one <ip>: multicast/broadcast exempt, tcp/udp
 * with a source-port range, then everything else. */
static void add_masquerade(plan *p, const netdef_ip *ip)
{
    const netdef_nat *nat = &p->def->nat;
    bool v4 = ip->address.family == AF_INET;
    const char *fam = v4 ? "ip" : "ip6";
    char net[VNET_ADDR_STRLEN + 8];
    subnet_str(ip, net, sizeof(net));
    unsigned pmin = nat->port_start ? nat->port_start : FW_NAT_PORT_MIN;
    unsigned pmax = nat->port_end ? nat->port_end : nat->port_start ? pmin : FW_NAT_PORT_MAX;

    const char *exempt[2] = {v4 ? "224.0.0.0/24" : "ff02::/16", v4 ? "255.255.255.255" : NULL};
    for (int i = 0; i < 2 && exempt[i]; i++) {
        strbuf_add(&p->b, "\t\t");
        if (p->dev)
            strbuf_addf(&p->b, "oifname \"%s\" ", p->dev);
        strbuf_addf(&p->b, "%s saddr %s %s daddr %s counter return\n", fam, net, fam, exempt[i]);
    }

    char snat[2 * VNET_ADDR_STRLEN + 2] = "";
    if (v4 && vnet_addr_is_set(&nat->addr_start)) {
        char s[VNET_ADDR_STRLEN], e[VNET_ADDR_STRLEN];
        vnet_addr_str(&nat->addr_start, s);
        if (vnet_addr_is_set(&nat->addr_end) && !vnet_addr_equal(&nat->addr_start, &nat->addr_end))
            snprintf(snat, sizeof(snat), "%s-%s", s, vnet_addr_str(&nat->addr_end, e));
        else
            snprintf(snat, sizeof(snat), "%s", s);
    }
    for (int l4 = 1; l4 >= 0; l4--) {
        strbuf_addf(&p->b, "\t\t%s%s saddr %s %s daddr != %s",
                    l4 ? "meta l4proto { tcp, udp } " : "", fam, net, fam, net);
        dev_match(p, "oifname");
        strbuf_add(&p->b, " counter ");
        if (*snat)
            strbuf_addf(&p->b, "snat ip to %s", snat);
        else
            strbuf_add(&p->b, "masquerade");
        if (l4)
            strbuf_addf(&p->b, "%s:%u-%u", *snat ? "" : " to ", pmin, pmax);
        strbuf_add(&p->b, "\n");
    }
}

static void add_postrouting_nat(plan *p)
{
    const netdef *def = p->def;
    chain_start(p, "postrouting_nat", "nat", "postrouting", "srcnat");
    /* Hairpin: a guest reaching a forward on a host address lands on another
     * guest of the same bridge; masquerade so the reply comes back through
     * the host and is un-NATed (works without br_netfilter). */
    for (size_t i = 0; i < def->n_ips; i++) {
        char net[VNET_ADDR_STRLEN + 8];
        subnet_str(&def->ips[i], net, sizeof(net));
        strbuf_addf(&p->b, "\t\toifname \"%s\" ct status dnat %s saddr %s counter masquerade\n",
                    p->br, def->ips[i].address.family == AF_INET6 ? "ip6" : "ip", net);
    }
    /* Forwards on 127.0.0.1 (route_localnet on the bridge): the guest must
     * answer to the host, not to its own loopback. Present whether or not
     * such a forward exists yet, so adding one stays a map-element change
     * (without route_localnet no 127.0.0.0/8 source reaches the bridge). */
    strbuf_addf(&p->b,
                "\t\toifname \"%s\" ip saddr 127.0.0.0/8 ct status dnat counter masquerade\n",
                p->br);
    for (size_t i = 0; i < def->n_ips; i++)
        if (ip_is_nat(def, &def->ips[i]))
            add_masquerade(p, &def->ips[i]);
    chain_end(p);
}

/* The one filter-type base chain at postrouting: the kernel takes at most
 * 1024 base chains per hook (NAT chains apart), so two per network would cap
 * a host at ~510 networks. Some DHCP clients drop offers whose UDP checksum
 * was left to offload; and the original direction of forwarded connections
 * is counted here (pf_count). */
static void add_postrouting_filter(plan *p, bool dhcp4, bool fwd)
{
    chain_start(p, "postrouting_mangle", "filter", "postrouting", "mangle");
    if (dhcp4)
        strbuf_addf(&p->b,
                    "\t\toifname \"%s\" meta nfproto ipv4 udp dport 68 counter udp checksum set 0\n",
                    p->br);
    if (fwd)
        strbuf_addf(&p->b,
                    "\t\toifname \"%s\" ct direction original ct status dnat jump pf_count\n",
                    p->br);
    chain_end(p);
}

/* The planner writes interface names in double quotes ("1br" is fine);
 * conf/'s one rule (netdef_ifname_valid) keeps out the characters a quoted
 * nft string cannot hold. Port forwards were judged by conf/ too
 * (netdef_validate): the planner does not judge them again. */
static int check_def(const netdef *def, verr *err)
{
    char buf[48];
    const char *why;
    if (!def->bridge_name)
        return verr_set(err, VERR_INVALID, "network '%s': no bridge name to build rules for",
                        def->name);
    if ((why = netdef_ifname_problem(def->bridge_name, buf)))
        return verr_set(err, VERR_INVALID, "network '%s': bridge name '%s' %s", def->name,
                        def->bridge_name, why);
    if (def->forward_dev && (why = netdef_ifname_problem(def->forward_dev, buf)))
        return verr_set(err, VERR_INVALID, "network '%s': forward dev '%s' %s", def->name,
                        def->forward_dev, why);
    if (def->nat.addr_start.family == AF_INET6)
        return verr_set(err, VERR_UNSUPPORTED, "network '%s': <nat><address> must be IPv4",
                        def->name);
    return 0;
}

char *fw_plan_remove(const char *bridge)
{
    char table[FW_TABLE_NAME_MAX];
    fw_table_name_of(bridge, table, sizeof(table));
    return xasprintf("add table inet %s\ndelete table inet %s\n", table, table);
}

char *fw_plan_network(const netdef *def, verr *err)
{
    if (check_def(def, err) < 0)
        return NULL;
    if (!fw_wanted(def))
        return fw_plan_remove(def->bridge_name); /* no rules: make sure no table is left */

    char table[FW_TABLE_NAME_MAX];
    fw_table_name(def, table, sizeof(table));
    plan p = {.b = STRBUF_INIT, .def = def, .br = def->bridge_name, .dev = def->forward_dev};
    bool fwd = fw_forwarding_mode(def);

    strbuf_addf(&p.b, "add table inet %s\ndelete table inet %s\ntable inet %s {\n", table, table,
                table);
    add_comment(&p);
    if (fwd)
        add_maps(&p);
    add_host_chains(&p);
    add_forward_chain(&p);
    if (fwd) {
        add_dnat_chain(&p, "prerouting_nat", "prerouting");
        add_dnat_chain(&p, "output_nat", "output");
        add_postrouting_nat(&p);
        add_count_chains(&p);
    }
    if (has_dhcp4(def) || fwd)
        add_postrouting_filter(&p, has_dhcp4(def), fwd);
    strbuf_add(&p.b, "}\n");
    return strbuf_take(&p.b);
}

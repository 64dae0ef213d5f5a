/* vnet doctor, per network: bridge, dnsmasq and its sockets, forwarding and
 * rp_filter, foreign drops, subnet clashes, MTU, resolver loops, port-forward
 * clashes with local listeners. Each check reads the host as it is now. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/doctor.h"
#include "daemon/ovn_daemon.h"
#include "netdev/netdev.h"
#include "network/pool.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static void check_bridge(vnet_net *n, const netdef *def, json_t *c)
{
    const char *br = def->bridge_name;
    netdev_link link;
    verr err = VERR_INIT;
    int r = netdev_link_get(br, &link, &err);
    if (r <= 0) {
        doctor_addf(c, n->name, "bridge", DOCTOR_BROKEN,
                    "vnet doctor --fix (or vnet destroy + start)", "bridge %s %s", br,
                    r < 0 ? err.msg : "does not exist");
        return;
    }
    if (!link.up) {
        doctor_addf(c, n->name, "bridge", DOCTOR_BROKEN, "vnet doctor --fix", "bridge %s is down",
                    br);
        return;
    }
    strbuf missing = STRBUF_INIT;
    for (size_t i = 0; i < def->n_ips; i++) {
        char a[VNET_ADDR_STRLEN];
        if (netdev_addr_has(br, &def->ips[i].address, def->ips[i].prefix, &err) != 1)
            strbuf_addf(&missing, " %s/%u", vnet_addr_str(&def->ips[i].address, a),
                        def->ips[i].prefix);
    }
    if (missing.len)
        doctor_addf(c, n->name, "bridge", DOCTOR_BROKEN, "vnet doctor --fix",
                    "bridge %s is up but lacks address(es):%s", br, strbuf_str(&missing));
    else
        doctor_addf(c, n->name, "bridge", DOCTOR_OK, NULL,
                    "bridge %s is up (%s), mtu %u, with its %zu address(es)", br,
                    link.running ? "carrier" : "no carrier yet: no port is up", link.mtu,
                    def->n_ips);
    strbuf_free(&missing);
}

/* Is something bound to the DHCP/DNS port on the network's address? */
static bool port_bound(int family, const vnet_addr *addr, unsigned port, char *what, size_t len)
{
    verr err = VERR_INIT;
    return netdev_port_in_use(IPPROTO_UDP, family, addr, port, 0, what, len, &err) == 1;
}

static void check_dnsmasq(vnet_net *n, const netdef *def, json_t *c)
{
    pid_t pid = n->run.dnsmasq_pid;
    if (pid <= 0) {
        doctor_add(c, n->name, "dnsmasq", DOCTOR_OK, "no dnsmasq: the network has no DHCP or DNS",
                   NULL);
        return;
    }
    if (kill(pid, 0) < 0) {
        doctor_addf(c, n->name, "dnsmasq", DOCTOR_BROKEN, "vnet doctor --fix",
                    "dnsmasq (pid %d) is not running", (int)pid);
        return;
    }
    strbuf missing = STRBUF_INIT, seen = STRBUF_INIT;
    for (size_t i = 0; i < def->n_ips; i++) {
        const netdef_ip *ip = &def->ips[i];
        unsigned ports[2] = {53, ip->family == AF_INET ? 67 : 547};
        size_t nports = ip->has_dhcp ? 2 : 1;
        for (size_t k = 0; k < nports; k++) {
            char what[128], a[VNET_ADDR_STRLEN];
            vnet_addr_str(&ip->address, a);
            if (port_bound(ip->family, &ip->address, ports[k], what, sizeof(what)))
                strbuf_addf(&seen, "%s%s", seen.len ? ", " : "", what);
            else
                strbuf_addf(&missing, " %s port %u", a, ports[k]);
        }
    }
    if (missing.len)
        doctor_addf(c, n->name, "dnsmasq", DOCTOR_BROKEN, "vnet doctor --fix (restarts dnsmasq)",
                    "dnsmasq (pid %d) runs but nothing listens on%s", (int)pid,
                    strbuf_str(&missing));
    else
        doctor_addf(c, n->name, "dnsmasq", DOCTOR_OK, NULL, "dnsmasq (pid %d) runs; %s", (int)pid,
                    strbuf_str(&seen));
    strbuf_free(&missing);
    strbuf_free(&seen);
}

static int sysctl_int(const char *path)
{
    char buf[16];
    verr err = VERR_INIT;
    return netdev_sysctl_read(path, buf, sizeof(buf), &err) < 0 ? -1 : atoi(buf);
}

static void check_forwarding(vnetd *d, vnet_net *n, const netdef *def, json_t *c)
{
    netdef_forward_mode m = def->forward_mode;
    bool forwards = m == NETDEF_FWD_NAT || m == NETDEF_FWD_ROUTE || m == NETDEF_FWD_OPEN;
    bool v4 = false, v6 = false;
    for (size_t i = 0; i < def->n_ips; i++) {
        v4 = v4 || def->ips[i].family == AF_INET;
        v6 = v6 || def->ips[i].family == AF_INET6;
    }
    int f4 = sysctl_int("net/ipv4/ip_forward");
    int f6 = sysctl_int("net/ipv6/conf/all/forwarding");
    if (forwards && ((v4 && f4 != 1) || (v6 && f6 != 1)))
        doctor_addf(c, n->name, "forwarding", DOCTOR_BROKEN,
                    d->env.forwarding_hands_off
                        ? "sysctl -w net.ipv4.ip_forward=1 (vnetd leaves it: --forwarding=hands-off)"
                        : "vnet doctor --fix (vnetd switches it on; find what switches it off)",
                    "net.ipv4.ip_forward=%d, net.ipv6.conf.all.forwarding=%d: guests cannot reach "
                    "the outside",
                    f4, f6);
    else
        doctor_addf(c, n->name, "forwarding", DOCTOR_OK, NULL,
                    "net.ipv4.ip_forward=%d, net.ipv6.conf.all.forwarding=%d%s", f4, f6,
                    forwards ? "" : " (this network does not forward)");
    char path[128];
    snprintf(path, sizeof(path), "net/ipv4/conf/%s/rp_filter", def->bridge_name);
    int all = sysctl_int("net/ipv4/conf/all/rp_filter"), br = sysctl_int(path);
    int eff = all > br ? all : br;
    /* strict reverse-path filtering drops guests whose replies route another
     * way (routed networks with asymmetric routes); NAT does not care */
    doctor_addf(
        c, n->name, "rp_filter", eff == 1 && m == NETDEF_FWD_ROUTE ? DOCTOR_WARNING : DOCTOR_OK,
        eff == 1 && m == NETDEF_FWD_ROUTE ? "sysctl -w net.ipv4.conf.all.rp_filter=2 (loose)"
                                          : NULL,
        "rp_filter: all=%d, %s=%d (effective %d: %s)", all, def->bridge_name, br, eff,
        eff == 0   ? "off"
        : eff == 1 ? "strict"
                   : "loose");
}

static void check_findings(vnet_net *n, json_t *c)
{
    size_t cnt = json_array_size(n->findings);
    if (cnt == 0) {
        doctor_add(c, n->name, "foreign drops", DOCTOR_OK,
                   "no other table's rules drop this network's traffic", NULL);
        return;
    }
    size_t i;
    json_t *f;
    json_array_foreach(n->findings, i, f)
    {
        bool certain = json_is_true(json_object_get(f, "certain"));
        doctor_add(c, n->name, "foreign drops", certain ? DOCTOR_BROKEN : DOCTOR_WARNING,
                   json_string_value(json_object_get(f, "detail")),
                   json_string_value(json_object_get(f, "fix")));
    }
}

static void check_subnets(vnet_net *n, const netdef *def, json_t *c)
{
    bool clash = false;
    for (size_t i = 0; i < def->n_ips; i++) {
        char what[256];
        verr err = VERR_INIT;
        int r = netdev_subnet_conflict(&def->ips[i].address, def->ips[i].prefix, def->bridge_name,
                                       what, sizeof(what), &err);
        if (r == 1) {
            clash = true;
            doctor_addf(c, n->name, "subnet", DOCTOR_BROKEN,
                        "give the network another subnet, or remove the other interface's "
                        "address or route",
                        "%s: guests' traffic for it goes astray", what);
        }
    }
    if (!clash)
        doctor_add(c, n->name, "subnet", DOCTOR_OK,
                   "no other interface or route uses the network's subnets", NULL);
}

static void check_mtu(vnet_net *n, const netdef *def, json_t *c)
{
    _cleanup_free_ netdev_link *ports = NULL;
    size_t np = 0;
    netdev_link br;
    verr err = VERR_INIT;
    if (netdev_link_get(def->bridge_name, &br, &err) != 1 ||
        netdev_bridge_ports(def->bridge_name, &ports, &np, &err) <= 0)
        return;
    /* the definition's MTU when it has one, else the bridge's own */
    unsigned want = def->mtu ? def->mtu : br.mtu;
    strbuf odd = STRBUF_INIT;
    if (br.mtu != want)
        strbuf_addf(&odd, "the bridge itself (mtu %u)", br.mtu);
    for (size_t i = 0; i < np; i++)
        if (ports[i].mtu != want)
            strbuf_addf(&odd, "%s%s (mtu %u)", odd.len ? ", " : "", ports[i].name, ports[i].mtu);
    if (odd.len)
        doctor_addf(c, n->name, "mtu", DOCTOR_WARNING,
                    "give every port the same MTU (or set <mtu size=.../> in the definition)",
                    "%s mtu %u; these differ: %s",
                    def->mtu ? "the definition gives" : def->bridge_name, want, strbuf_str(&odd));
    else
        doctor_addf(c, n->name, "mtu", DOCTOR_OK, NULL, "bridge %s and its %zu port(s): mtu %u",
                    def->bridge_name, np, br.mtu);
    strbuf_free(&odd);
}

/* dnsmasq forwards to the resolvers of /etc/resolv.conf (as vnetd and its
 * dnsmasq see it) and to the definition's forwarders: none may be the
 * network's own address. */
static void check_resolver_loop(vnet_net *n, const netdef *def, json_t *c)
{
    if (def->has_dns && def->dns.enable == VT_NO)
        return;
    strbuf loops = STRBUF_INIT;
    _cleanup_fclose_ FILE *f = fopen("/etc/resolv.conf", "re");
    char line[256];
    while (f && fgets(line, sizeof(line), f)) {
        char ns[VNET_ADDR_STRLEN + 1];
        vnet_addr a;
        if (sscanf(line, "nameserver %46s", ns) != 1 || vnet_addr_parse(ns, &a) < 0)
            continue;
        for (size_t i = 0; i < def->n_ips; i++)
            if (vnet_addr_equal(&a, &def->ips[i].address))
                strbuf_addf(&loops, " /etc/resolv.conf names %s", ns);
    }
    for (size_t k = 0; k < def->dns.n_forwarders; k++) {
        vnet_addr a;
        const char *s = def->dns.forwarders[k].addr;
        if (!s || vnet_addr_parse(s, &a) < 0)
            continue;
        for (size_t i = 0; i < def->n_ips; i++)
            if (vnet_addr_equal(&a, &def->ips[i].address))
                strbuf_addf(&loops, " <forwarder addr='%s'/>", s);
    }
    if (loops.len)
        doctor_addf(c, n->name, "resolver loop", DOCTOR_BROKEN,
                    "point the host's resolver (or the forwarder) at an upstream server, not at "
                    "the network's own address",
                    "the network's DNS forwards to itself:%s", strbuf_str(&loops));
    else
        doctor_add(c, n->name, "resolver loop", DOCTOR_OK,
                   "the network's DNS does not forward to itself", NULL);
    strbuf_free(&loops);
}

static void check_forward_listeners(vnet_net *n, const netdef *def, json_t *c)
{
    int clashes = 0;
    for (size_t i = 0; i < def->n_port_forwards; i++) {
        const netdef_port_forward *pf = &def->port_forwards[i];
        const vnet_addr *addr = pf->address.family ? &pf->address : NULL;
        for (size_t k = 0; k < pf->n_ranges; k++) {
            char what[128];
            verr err = VERR_INIT;
            if (netdev_port_in_use(pf->proto, pf->guest.family, addr, pf->ranges[k].start,
                                   pf->ranges[k].end, what, sizeof(what), &err) != 1)
                continue;
            clashes++;
            doctor_addf(c, n->name, "port forwards", DOCTOR_WARNING,
                        "stop the local service or move the forward to another port",
                        "forward %s %u: a local process is %s; the forward takes its traffic",
                        netdef_proto_name(pf->proto), pf->ranges[k].start, what);
        }
    }
    if (!clashes)
        doctor_addf(c, n->name, "port forwards", DOCTOR_OK, NULL,
                    "%zu forward(s), none clashes with a local listener", def->n_port_forwards);
}

/* A host bridge of a bridge-mode network (vnet does not own it): can it
 * take guests? As `vnet info` judges it (network/pool.h). */
static void check_host_bridge(vnetd *d, vnet_net *n, const netdef *def, json_t *c)
{
    const ovn_opts *o = ovn_daemon_opts(d);
    const char *br = def->bridge_name;
    bool ovs = netdef_bridge_is_ovs(def);
    char why[320], fix[200] = "";
    const char *state = network_bridge_state(o ? o->ovs_db : NULL, ovs, br, why, sizeof(why));
    if (state && streq(state, "up")) {
        doctor_addf(c, n->name, "host-bridge", DOCTOR_OK, NULL,
                    "host bridge %s is up%s: ports can be made", br,
                    ovs ? " (an Open vSwitch bridge)" : "");
        return;
    }
    if (!state && ovs)
        snprintf(fix, sizeof(fix), "start Open vSwitch, or give vnetd --ovs-db unix:PATH");
    else if (state && streq(state, "missing"))
        snprintf(fix, sizeof(fix), ovs ? "ovs-vsctl add-br %s" : "create bridge %s", br);
    else if (state && streq(state, "down"))
        snprintf(fix, sizeof(fix),
                 ovs ? "ip link set %s up (with ovs-vswitchd running)" : "ip link set %s up", br);
    else if (state)
        snprintf(fix, sizeof(fix), "point <bridge name='%s'/> at a bridge", br);
    doctor_addf(c, n->name, "host-bridge", DOCTOR_BROKEN, fix[0] ? fix : NULL,
                "%s: ports are refused until it is usable", why);
}

void doctor_check_network(vnetd *d, vnet_net *n, json_t *c, bool probe)
{
    if (!net_active(n)) {
        doctor_add(c, n->name, "state", DOCTOR_OK, "inactive: nothing to check", NULL);
        return;
    }
    const netdef *def = n->live;
    if (netdef_is_ovn(def)) { /* no bridge, firewall or dnsmasq on the host */
        ovn_doctor_network(d, n, c);
        return;
    }
    if (!netdef_is_managed_bridge(def) || !def->bridge_name) {
        doctor_add(c, n->name, "state", DOCTOR_OK,
                   "active; uses a bridge or devices vnet does not manage", NULL);
        if (def->forward_mode == NETDEF_FWD_BRIDGE && def->bridge_name)
            check_host_bridge(d, n, def, c);
        return;
    }
    check_bridge(n, def, c);
    check_dnsmasq(n, def, c);
    check_forwarding(d, n, def, c);
    check_findings(n, c);
    check_subnets(n, def, c);
    check_mtu(n, def, c);
    check_resolver_loop(n, def, c);
    check_forward_listeners(n, def, c);
    if (probe)
        doctor_probe(d, n, c);
    else
        doctor_add(c, n->name, "probe", DOCTOR_OK,
                   "not probed: sending probe packets needs root (run vnet doctor as root)", NULL);
}

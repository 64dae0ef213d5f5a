/* vnet doctor's probe: a real packet from the bridge, traced through every
 * nftables chain, to prove (not just read from the rules) whether guests'
 * traffic gets through, and to name the rule that drops it.
 *
 * A throwaway network namespace with one end of a veth pair, the other end a
 * port of the network's bridge; a table of our own (inet vnet-probe) sets
 * nftrace on what the probe sends; two UDP packets, one to a
 * documentation address (198.51.100.1, port 9, TTL 2 so it dies at the next
 * hop) and one to the network's DNS; trace events name a drop. (The packets
 * reach IP on the bridge itself, so the trace matches the bridge and the
 * probe's own address.) Afterwards the
 * table, the veth pair and the namespace are gone, whatever happened.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/doctor.h"
#include "firewall/firewall.h"
#include "netdev/netdev.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

#define PROBE_WAIT_MS 700   /* for the packet to show up in the trace */
#define PROBE_SETTLE_MS 100 /* after it did, for a drop further on */
#define PROBE_ATTEMPTS 3
#define PROBE_TABLE "vnet-probe"
#define PROBE_TARGET "198.51.100.1" /* TEST-NET-2: never a real host */

typedef struct probe {
    char host_if[IF_NAMESIZE];
    int nsfd, sock, trace_fd;
    bool table;
} probe;

static bool addr_taken(const netdef_ip *ip, const vnet_addr *a, bool avoid_ranges)
{
    if (vnet_addr_equal(a, &ip->address))
        return true;
    for (size_t i = 0; i < ip->n_hosts; i++)
        if (ip->hosts[i].ip.family && vnet_addr_equal(a, &ip->hosts[i].ip))
            return true;
    for (size_t i = 0; avoid_ranges && i < ip->n_ranges; i++)
        if (vnet_addr_cmp(a, &ip->ranges[i].start) >= 0 &&
            vnet_addr_cmp(a, &ip->ranges[i].end) <= 0)
            return true;
    return false;
}

/* The probe's address: high in the subnet, outside the DHCP ranges if it can. */
static int probe_address(const netdef_ip *ip, vnet_addr *ret)
{
    vnet_addr last;
    vnet_addr_last(&ip->address, ip->prefix, &last);
    for (int pass = 0; pass < 2; pass++) {
        vnet_addr a = last;
        for (int i = 0; i < 256; i++) {
            vnet_addr_add(&a, (uint64_t)-1);
            if (!vnet_addr_in_subnet(&a, &ip->address, ip->prefix))
                break;
            vnet_addr net;
            vnet_addr_network(&ip->address, ip->prefix, &net);
            if (vnet_addr_equal(&a, &net))
                break;
            if (!addr_taken(ip, &a, pass == 0)) {
                *ret = a;
                return 0;
            }
        }
    }
    return -1;
}

static void probe_cleanup(probe *p)
{
    verr err = VERR_INIT;
    if (p->table && fw_apply("delete table inet " PROBE_TABLE, &err) < 0)
        log_warn("doctor probe: %s", err.msg);
    if (p->host_if[0] && netdev_link_delete(p->host_if, &err) < 0)
        log_warn("doctor probe: %s", err.msg);
    if (p->sock >= 0)
        close(p->sock);
    if (p->nsfd >= 0)
        close(p->nsfd);
    if (p->trace_fd >= 0)
        close(p->trace_fd);
}

/* Inside the probe namespace: address, links up, default route, a socket. */
static int probe_inside(probe *p, const netdef_ip *ip, const vnet_addr *src, verr *err)
{
    int host = netdev_netns_enter(p->nsfd, err);
    if (host < 0)
        return -1;
    int r = netdev_addr_add("eth0", src, ip->prefix, err);
    if (r == 0)
        r = netdev_link_set_up("eth0", true, err);
    if (r == 0)
        r = netdev_link_set_up("lo", true, err);
    vnet_addr any = {.family = AF_INET};
    if (r == 0)
        r = netdev_route_add(&any, 0, &ip->address, "eth0", 0, err);
    if (r == 0) {
        p->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (p->sock < 0)
            r = verr_errno(err, errno, "probe socket");
    }
    netdev_netns_leave(host);
    return r;
}

static int probe_setup(probe *p, const netdef *def, const netdef_ip *ip, const vnet_addr *src,
                       verr *err)
{
    static unsigned seq;
    char s[VNET_ADDR_STRLEN];
    snprintf(p->host_if, sizeof(p->host_if), "vnprobe%u", (unsigned)(getpid() + seq++) % 100000);
    if ((p->nsfd = netdev_netns_new(err)) < 0)
        return -1;
    if (netdev_veth_create_netns(p->host_if, "eth0", p->nsfd, err) < 0) {
        p->host_if[0] = '\0';
        return -1;
    }
    if (netdev_link_set_master(p->host_if, def->bridge_name, err) < 0 ||
        netdev_link_set_up(p->host_if, true, err) < 0 || probe_inside(p, ip, src, err) < 0)
        return -1;
    _cleanup_free_ char *script =
        xasprintf("table inet " PROBE_TABLE " {\n"
                  "  chain pre {\n"
                  "    type filter hook prerouting priority -350; policy accept;\n"
                  "    iifname \"%s\" ip saddr %s meta nftrace set 1\n"
                  "  }\n"
                  "}\n",
                  def->bridge_name, vnet_addr_str(src, s));
    if (fw_apply(script, err) < 0)
        return -1;
    p->table = true;
    p->trace_fd = fw_trace_open(err);
    return p->trace_fd < 0 ? -1 : 0;
}

static int probe_send_once(probe *p, const vnet_addr *dst, unsigned port, int ttl,
                           fw_trace_drop *ret, bool *seen, verr *err)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    memcpy(&sa.sin_addr, dst->bytes, 4);
    setsockopt(p->sock, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
    /* a DNS query header for "." (harmless to a resolver, noise to others) */
    static const uint8_t payload[] = {0x76, 0x6e, 0x01, 0x00, 0, 1, 0, 0, 0,
                                      0,    0,    0,    0,    0, 2, 0, 1};
    fw_trace_drain(p->trace_fd);
    if (sendto(p->sock, payload, sizeof(payload), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return verr_errno(err, errno, "sending the probe packet");
    return fw_trace_wait_drop(p->trace_fd, sa.sin_addr.s_addr, PROBE_WAIT_MS, PROBE_SETTLE_MS, ret,
                              seen, err);
}

/* Send a datagram and see whether a chain drops it: 1 dropped, 0 passed.
 * A datagram that never shows up in the trace (the new port was not
 * forwarding yet, ARP was retried) is sent again, a few times. */
static int probe_send(probe *p, const vnet_addr *dst, unsigned port, int ttl, fw_trace_drop *ret,
                      verr *err)
{
    for (int attempt = 0; attempt < PROBE_ATTEMPTS; attempt++) {
        bool seen = false;
        int r = probe_send_once(p, dst, port, ttl, ret, &seen, err);
        if (r != 0 || seen)
            return r;
    }
    return verr_set(err, VERR_SYSTEM, "the probe packet never reached nftables (%d attempts)",
                    PROBE_ATTEMPTS);
}

static void probe_report(vnet_net *n, json_t *c, const char *what, const fw_trace_drop *d, int r,
                         const verr *err)
{
    if (r < 0) {
        doctor_addf(c, n->name, "probe", DOCTOR_WARNING, NULL, "%s: not probed: %s", what,
                    err->msg);
        return;
    }
    if (r == 0) {
        doctor_addf(c, n->name, "probe", DOCTOR_OK, NULL,
                    "%s: a probe packet passed every nftables chain", what);
        return;
    }
    char rule[32];
    snprintf(rule, sizeof(rule), "rule %llu", (unsigned long long)d->handle);
    doctor_addf(c, n->name, "probe", DOCTOR_BROKEN,
                "see the foreign drops above for this chain's fix",
                "%s: a probe packet was dropped by table %s %s, chain %s (%s)", what, d->family,
                d->table, d->chain, d->policy ? "policy drop" : rule);
}

void doctor_probe(vnetd *d, vnet_net *n, json_t *c)
{
    const netdef *def = n->live;
    const netdef_ip *ip = NULL;
    for (size_t i = 0; i < def->n_ips && !ip; i++)
        if (def->ips[i].family == AF_INET)
            ip = &def->ips[i];
    netdev_link br;
    verr err = VERR_INIT;
    vnet_addr src;
    if (!ip || probe_address(ip, &src) < 0)
        return; /* IPv4 only; nothing to probe from */
    if (netdev_link_get(def->bridge_name, &br, &err) != 1 || br.stp) {
        doctor_add(c, n->name, "probe", DOCTOR_OK,
                   br.stp ? "not probed: STP on the bridge keeps a new port blocked for seconds"
                          : "not probed: no bridge",
                   NULL);
        return;
    }
    probe p = {.nsfd = -1, .sock = -1, .trace_fd = -1};
    if (probe_setup(&p, def, ip, &src, &err) < 0) {
        /* e.g. no CAP_SYS_ADMIN for a namespace: the other checks still stand */
        doctor_addf(c, n->name, "probe", DOCTOR_OK, NULL, "not probed: %s", err.msg);
        probe_cleanup(&p);
        return;
    }
    netdef_forward_mode m = def->forward_mode;
    fw_trace_drop drop;
    char s[VNET_ADDR_STRLEN];
    vnet_addr_str(&src, s);
    if (m == NETDEF_FWD_NAT || m == NETDEF_FWD_ROUTE || m == NETDEF_FWD_OPEN) {
        vnet_addr dst;
        vnet_addr_parse(PROBE_TARGET, &dst);
        verr_clear(&err);
        int r = probe_send(&p, &dst, 9, 2, &drop, &err);
        _cleanup_free_ char *what = xasprintf("outgoing (%s -> " PROBE_TARGET ")", s);
        probe_report(n, c, what, &drop, r, &err);
    }
    if (n->run.dnsmasq_pid > 0) {
        char a[VNET_ADDR_STRLEN];
        verr_clear(&err);
        int r = probe_send(&p, &ip->address, 53, 64, &drop, &err);
        _cleanup_free_ char *what =
            xasprintf("DNS (%s -> %s:53)", s, vnet_addr_str(&ip->address, a));
        probe_report(n, c, what, &drop, r, &err);
    }
    probe_cleanup(&p);
}

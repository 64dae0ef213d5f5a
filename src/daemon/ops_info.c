/* The rest of `vnet info` after virsh's six lines: what the network is and
 * how it is doing on the host right now (mode, addresses, bridge link state,
 * dnsmasq, ports, forwards, traffic, last repair, foreign-firewall findings). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "netdev/netdev.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static json_t *info_ips(const netdef *def)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < def->n_ips; i++) {
        char a[VNET_ADDR_STRLEN];
        const netdef_ip *ip = &def->ips[i];
        json_array_append_new(
            arr, json_pack("{s:s, s:i, s:s, s:b}", "address", vnet_addr_str(&ip->address, a),
                           "prefix", (int)ip->prefix, "family",
                           ip->family == AF_INET ? "ipv4" : "ipv6", "dhcp", ip->has_dhcp));
    }
    return arr;
}

/* When a process started (unix time), from /proc/PID/stat and the boot time. */
static long long process_start_time(pid_t pid)
{
    _cleanup_free_ char *path = xasprintf("/proc/%d/stat", (int)pid);
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    char buf[1024];
    if (!f || !fgets(buf, sizeof(buf), f))
        return 0;
    const char *p = strrchr(buf, ')');
    unsigned long long start = 0;
    /* after ") ": state is field 3, starttime field 22 */
    if (!p || sscanf(p + 2,
                     "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
                     "%*d %*d %llu",
                     &start) != 1)
        return 0;
    _cleanup_fclose_ FILE *st = fopen("/proc/stat", "re");
    long long btime = 0;
    while (st && fgets(buf, sizeof(buf), st))
        if (sscanf(buf, "btime %lld", &btime) == 1)
            break;
    long hz = sysconf(_SC_CLK_TCK);
    return btime && hz > 0 ? btime + (long long)(start / (unsigned long long)hz) : 0;
}

static json_t *info_dnsmasq(const vnet_net *n)
{
    pid_t pid = n->run.dnsmasq_pid;
    if (pid <= 0)
        return json_null();
    bool alive = kill(pid, 0) == 0;
    json_t *o = json_pack("{s:i, s:b}", "pid", (int)pid, "running", alive);
    long long since = alive ? process_start_time(pid) : 0;
    if (since)
        json_object_set_new(o, "up_since", json_integer(since));
    return o;
}

static json_t *info_link(const char *br)
{
    netdev_link link;
    verr err = VERR_INIT;
    if (!br || netdev_link_get(br, &link, &err) != 1)
        return json_pack("{s:b}", "present", false);
    json_t *o = json_pack("{s:b, s:b, s:b, s:i}", "present", true, "up", link.up, "running",
                          link.running, "mtu", (int)link.mtu);
    netdev_stats st;
    if (netdev_link_stats(br, &st, &err) == 0)
        json_object_set_new(
            o, "counters",
            json_pack("{s:I, s:I, s:I, s:I}", "rx_packets", (json_int_t)st.rx_packets, "rx_bytes",
                      (json_int_t)st.rx_bytes, "tx_packets", (json_int_t)st.tx_packets, "tx_bytes",
                      (json_int_t)st.tx_bytes));
    return o;
}

static json_t *info_ports(const char *br)
{
    json_t *arr = json_array();
    _cleanup_free_ netdev_link *ports = NULL;
    size_t n = 0;
    verr err = VERR_INIT;
    if (br && netdev_bridge_ports(br, &ports, &n, &err) > 0)
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, json_string(ports[i].name));
    return arr;
}

void ops_info_details(vnetd *d, const vnet_net *n, json_t *o)
{
    const netdef *def = net_current(n);
    json_object_set_new(o, "mode", json_string(netdef_forward_mode_name(def->forward_mode)));
    json_object_set_new(o, "ips", info_ips(def));
    json_object_set_new(o, "forwards", json_integer((json_int_t)def->n_port_forwards));
    json_object_set_new(o, "findings", n->findings ? json_deep_copy(n->findings) : json_array());
    if (n->last_repair)
        json_object_set_new(o, "last_repair",
                            json_pack("{s:s, s:I}", "detail", n->last_repair, "time",
                                      (json_int_t)n->last_repair_time));
    if (!net_active(n))
        return;
    const char *br = netdef_is_managed_bridge(def) ? def->bridge_name : NULL;
    json_object_set_new(o, "link", info_link(def->bridge_name));
    json_object_set_new(o, "dnsmasq", info_dnsmasq(n));
    json_object_set_new(o, "ports", info_ports(br ? br : def->bridge_name));
}

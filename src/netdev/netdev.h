/* rtnetlink (libmnl) and sysctls: links, bridges, addresses, routes.
 *
 * Every call is idempotent where the kernel allows: creating what exists with
 * the same settings, or deleting what is already gone, succeeds. Errors carry
 * the kernel's extended-ack message when it sends one.
 * Single-threaded use. Requests go over the socket handed over with
 * netdev_use_socket() (the daemon's), or else a process-wide default one.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"
#include "util/ipaddr.h"

typedef struct netdev_link {
    int ifindex;
    char name[IF_NAMESIZE];
    char kind[32];      /* "bridge", "veth", ... or "" for no IFLA_INFO_KIND */
    bool up;            /* IFF_UP set */
    bool running;       /* IFF_RUNNING / operstate up */
    unsigned mtu;
    uint8_t mac[6];
    int master;         /* ifindex of master, 0 if none */
    char alias[256];    /* IFLA_IFALIAS (IFALIASZ), "" when none */
    /* Bridges only (kind "bridge"): */
    bool stp;           /* STP on */
    unsigned delay_ms;  /* forward delay as the kernel holds it (10 ms steps) */
} netdev_link;

typedef struct netdev_bridge_opts {
    const char *name;
    bool has_mac;
    uint8_t mac[6];
    unsigned mtu;       /* 0 = kernel default */
    bool stp;
    unsigned delay_ms;  /* STP forward delay in ms; kernel minimum 2000 when stp on */
    bool vlan_filtering; /* macTableManager='libvirt': the bridge filters by VLAN */
} netdev_bridge_opts;
/* The kernel keeps the delay in 10 ms steps and, with STP on, within 2..30 s:
 * create/configure clamp to that range when stp is set. */

/* Look up a link by name. 1 found (ret filled), 0 absent, -1 error. */
int netdev_link_get(const char *name, netdev_link *ret, verr *err);
/* Every link of the namespace (malloc'd array). */
int netdev_link_list(netdev_link **ret, size_t *ret_n, verr *err);
/* Create a bridge with the options (fails with VERR_EXISTS if a link of that name exists). */
int netdev_bridge_create(const netdev_bridge_opts *opts, verr *err);
/* Bring an existing bridge to the options (mac, mtu, stp, delay). Idempotent. */
int netdev_bridge_configure(const netdev_bridge_opts *opts, verr *err);
int netdev_link_set_up(const char *name, bool up, verr *err);
/* Set a link's ifalias (IFLA_IFALIAS); "" clears it. vnet marks the bridges it
 * creates with "vnet:NETWORK" so a restart finds them whatever happened. */
int netdev_link_set_alias(const char *name, const char *alias, verr *err);
/* Every link of the namespace (malloc'ed array, caller frees). */
int netdev_link_list(netdev_link **ret, size_t *ret_n, verr *err);
/* Delete a link; absent is success. */
int netdev_link_delete(const char *name, verr *err);
/* Take a link down, free its name (rename to vnetgcIFINDEX) and delete it in
 * a detached thread, so the caller does not wait the kernel's 30-50 ms of
 * device teardown. Absent is success. */
int netdev_link_delete_background(const char *name, verr *err);
/* Create a dummy link / a veth pair (fail with VERR_EXISTS if a name is taken).
 * Mostly for tests and benchmarks. */
int netdev_dummy_create(const char *name, verr *err);
/* An "intermediate functional block" device: shapes what is redirected to it. */
int netdev_ifb_create(const char *name, verr *err);
int netdev_veth_create(const char *name, const char *peer, verr *err);
/* A veth pair whose peer is created in the network namespace netns_fd. */
int netdev_veth_create_netns(const char *name, const char *peer, int netns_fd, verr *err);
/* Turn a bridge's VLAN filtering on or off (macTableManager='libvirt' on a
 * bridge vnet does not create). */
int netdev_bridge_set_vlan_filtering(const char *name, bool on, verr *err);
/* Enslave a link to a bridge; master NULL or "" detaches it. */
int netdev_link_set_master(const char *name, const char *master, verr *err);
/* Talk over `s` (owned by the caller, who frees it after netdev_use_socket(NULL)). */
struct nlsock;
void netdev_use_socket(struct nlsock *s);
/* Close the netlink socket in use (the caller's is closed, not freed): the
 * next call opens one in the network namespace the process is in then (after
 * setns), or, at exit, nothing leaks. */
void netdev_close(void);

/* Addresses on a link. add: present already is success; del: absent is success. */
int netdev_addr_add(const char *ifname, const vnet_addr *addr, unsigned prefix, verr *err);
int netdev_addr_del(const char *ifname, const vnet_addr *addr, unsigned prefix, verr *err);
/* Every address on a link (both families; malloc'ed array, caller frees). */
typedef struct netdev_addr {
    vnet_addr addr;
    unsigned prefix;
    bool link_local; /* scope link or host (fe80::/10 and the like) */
} netdev_addr;
int netdev_addr_list(const char *ifname, netdev_addr **ret, size_t *ret_n, verr *err);
/* 1 if the link has exactly this address/prefix, 0 if not, -1 error. */
int netdev_addr_has(const char *ifname, const vnet_addr *addr, unsigned prefix, verr *err);

/* Routes in the main table (protocol static). gateway/ifname may be NULL (not
 * both); metric 0 = the kernel's default. add: the same route present already is
 * success, a different route with the same destination and metric is VERR_EXISTS;
 * del: absent (or its link gone) is success. */
int netdev_route_add(const vnet_addr *dst, unsigned prefix, const vnet_addr *gateway,
                     const char *ifname, unsigned metric, verr *err);
int netdev_route_del(const vnet_addr *dst, unsigned prefix, const vnet_addr *gateway,
                     const char *ifname, unsigned metric, verr *err);
/* 1 if the main table routes dst/prefix through ifname (no gateway, default
 * metric), 0 if not, -1 on error. */
int netdev_route_has(const vnet_addr *dst, unsigned prefix, const char *ifname, verr *err);

/* The main-table routes of protocol static through a link (both families). */
typedef struct netdev_route {
    vnet_addr dst;
    unsigned prefix;
    vnet_addr gateway; /* family 0 when none */
    unsigned metric;
} netdev_route;
int netdev_route_list_static(const char *ifname, netdev_route **ret, size_t *ret_n, verr *err);

/* Subnet collision check for start: does any address on a link other than
 * `own_ifname` (may be NULL), or any route in the main table not via `own_ifname`,
 * overlap net/prefix? Default routes and the kernel's fe80::/64 and ff00::/8
 * routes (and link-local addresses) are ignored. 1 = collision, and ret_what gets a
 * whole sentence: "192.168.122.0/24 is already in use by interface eth0
 * (192.168.122.5/24)" or "192.168.122.0/24 is already in use by a route to
 * 192.168.0.0/16 via eth0"; 0 = free; -1 error. */
int netdev_subnet_conflict(const vnet_addr *net, unsigned prefix, const char *own_ifname,
                           char *ret_what, size_t what_len, verr *err);

/* Sysctls by /proc/sys relative path, e.g. "net/ipv4/ip_forward" or
 * "net/ipv6/conf/virbr0/disable_ipv6". Values are written/read without newline. */
int netdev_sysctl_write(const char *path, const char *value, verr *err);
int netdev_sysctl_read(const char *path, char *buf, size_t len, verr *err);

/* A netlink socket subscribed to link, address and route changes, for the daemon's
 * drift detection. Returns a non-blocking, close-on-exec fd to poll (close it
 * with close()); netdev_monitor_drain() reads what is pending and calls
 * cb(ifname, ifindex, true, own, userdata) for each link deleted (RTM_DELLINK) or seen
 * without IFF_UP (RTM_NEWLINK), and cb(ifname, ifindex, false, own, userdata) when an
 * address or a main-table route was removed from a link (recheck its addresses and
 * routes; ifname is "" if the link is gone by then). Bridge-port notices (a port joining or leaving a bridge) are
 * not link events and are skipped. If the kernel dropped events (socket overrun),
 * cb(NULL, 0, true, false, userdata) means "recheck everything". One call reads at most
 * 256 datagrams; if more are queued the fd stays readable. Returns the number of
 * callbacks made, or -1 on a socket error (errno set). */
int netdev_monitor_open(verr *err);
/* The port id of this process's request socket (0 before its first request):
 * notifications caused by our own requests carry it. */
uint32_t netdev_own_portid(void);
/* own: the notification carries this process's request-socket port, i.e. our
 * own request caused it (the kernel tags address changes so; link changes it
 * sends with port 0, so for those own is always false). */
typedef void (*netdev_monitor_cb)(const char *ifname, int ifindex, bool gone_or_down, bool own,
                                  void *userdata);
int netdev_monitor_drain(int fd, netdev_monitor_cb cb, void *userdata);
/* The same, and member_cb(port, master_ifindex, joined, userdata) for each
 * interface joining (joined) or leaving a bridge, from the bridge's own notices. */
typedef void (*netdev_member_cb)(const char *port, int master_ifindex, bool joined,
                                 void *userdata);
int netdev_monitor_drain_ports(int fd, netdev_monitor_cb cb, netdev_member_cb member_cb,
                               void *userdata);

/* ---- hairpin.c: bridge ports' hairpin mode ----
 * With br_netfilter active, a packet DNATed to a guest on the bridge it came
 * from is bridged, not routed, to that guest's port; when that is the port it
 * came in on, the bridge drops it unless the port is in hairpin mode. */
typedef struct netdev_port {
    int ifindex;
    int master; /* the bridge's ifindex */
    bool hairpin;
} netdev_port;
/* Does br_netfilter pass this namespace's bridged IPv4 or IPv6 traffic
 * through the IP hooks (net.bridge.bridge-nf-call-ip(6)tables = 1)? */
bool netdev_br_netfilter_active(void);
int netdev_port_set_hairpin(int ifindex, bool on, verr *err);
/* Hairpin mode on (or off) on every port of `bridge` not so already; returns
 * how many ports were changed, or -1 with err. */
int netdev_bridge_hairpin_ports(const char *bridge, bool on, verr *err);
/* Called by netdev_monitor_drain() for each bridge-port notice (a port joined
 * a bridge or its settings changed), whatever drain's own callback is. */
typedef void (*netdev_port_cb)(const netdev_port *port, void *userdata);
void netdev_monitor_set_port_cb(netdev_port_cb cb, void *userdata);

/* Link events for the daemon's network ports: a socket subscribed to link
 * changes; netdev_portwatch_drain() calls cb(link) for every link created or
 * changed (joining a bridge included), cb(NULL) when events were lost. */
int netdev_portwatch_open(verr *err);
typedef void (*netdev_portwatch_cb)(const netdev_link *link, void *userdata);
int netdev_portwatch_drain(int fd, netdev_portwatch_cb cb, void *userdata);

/* Port-forward check: does a local process hold host port(s) port_start..port_end
 * (port_end 0 = port_start) of `proto` (IPPROTO_TCP: a listening socket;
 * IPPROTO_UDP: an unconnected bound socket) that a forward on `addr` would take
 * over? addr NULL (or unset) means every host address of `family` (AF_INET or
 * AF_INET6; ignored when addr is set). A socket counts when it is bound to the
 * wildcard address, to addr, or (addr NULL) to any non-loopback address; an IPv6
 * wildcard socket without IPV6_V6ONLY counts for IPv4 too. Asked of the kernel
 * through NETLINK_SOCK_DIAG in the caller's network namespace.
 * 1 = in use, ret_what gets "listening on 0.0.0.0:8080" / "bound to [::]:53";
 * 0 = free; -1 error. */
int netdev_port_in_use(int proto, int family, const vnet_addr *addr, unsigned port_start,
                       unsigned port_end, char *ret_what, size_t len, verr *err);

/* Forwarding changes (netconf.c): a socket on RTNLGRP_IPV4_NETCONF and
 * RTNLGRP_IPV6_NETCONF. netdev_netconf_drain() calls cb(family, ifindex,
 * forwarding, userdata) for each change that carries the forwarding value;
 * ifindex is NETCONFA_IFINDEX_ALL (-1) for net.ipv4.ip_forward /
 * net.ipv6.conf.all.forwarding, NETCONFA_IFINDEX_DEFAULT (-2) for "default".
 * cb(AF_UNSPEC, 0, -1, ...) means events were lost (recheck). */
typedef void (*netdev_netconf_cb)(int family, int ifindex, int forwarding, void *userdata);
int netdev_netconf_open(verr *err);
int netdev_netconf_drain(int fd, netdev_netconf_cb cb, void *userdata);
/* The interface of the main table's default route (lowest metric) into buf:
 * 1 found, 0 no default route, -1 error. */
int netdev_default_route_dev(int family, char *buf, size_t len, verr *err);

/* A link's traffic counters (stats.c). */
typedef struct netdev_stats {
    uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, rx_dropped, tx_dropped;
} netdev_stats;
int netdev_link_stats(const char *name, netdev_stats *ret, verr *err);
/* The links enslaved to a bridge: 1 (ret/ret_n filled, caller frees ret), 0
 * when the bridge does not exist, -1 error. */
int netdev_bridge_ports(const char *bridge, netdev_link **ret, size_t *ret_n, verr *err);

/* Private network namespaces (netns.c), for doctor's probe. new: a fresh
 * namespace, returned as an fd (it lives while the fd is open); the caller
 * stays where it was. enter: switch into nsfd, returning an fd to give to
 * leave, which switches back. */
int netdev_netns_new(verr *err);
int netdev_netns_enter(int nsfd, verr *err);
void netdev_netns_leave(int host);

/* rtnetlink (libmnl) and sysctls: links, bridges, addresses, routes.
 *
 * Every call is idempotent where the kernel allows: creating what exists with
 * the same settings, or deleting what is already gone, succeeds. Errors carry
 * the kernel's extended-ack message when it sends one.
 * Single-threaded use; one cached netlink socket per process.
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
} netdev_link;

typedef struct netdev_bridge_opts {
    const char *name;
    bool has_mac;
    uint8_t mac[6];
    unsigned mtu;       /* 0 = kernel default */
    bool stp;
    unsigned delay_ms;  /* STP forward delay in ms; kernel minimum 2000 when stp on */
} netdev_bridge_opts;

/* Look up a link by name. 1 found (ret filled), 0 absent, -1 error. */
int netdev_link_get(const char *name, netdev_link *ret, verr *err);
/* Create a bridge with the options (fails with VERR_EXISTS if a link of that name exists). */
int netdev_bridge_create(const netdev_bridge_opts *opts, verr *err);
/* Bring an existing bridge to the options (mac, mtu, stp, delay). Idempotent. */
int netdev_bridge_configure(const netdev_bridge_opts *opts, verr *err);
int netdev_link_set_up(const char *name, bool up, verr *err);
/* Delete a link; absent is success. */
int netdev_link_delete(const char *name, verr *err);

/* Addresses on a link. add: present already is success; del: absent is success. */
int netdev_addr_add(const char *ifname, const vnet_addr *addr, unsigned prefix, verr *err);
int netdev_addr_del(const char *ifname, const vnet_addr *addr, unsigned prefix, verr *err);
/* 1 if the link has exactly this address/prefix, 0 if not, -1 error. */
int netdev_addr_has(const char *ifname, const vnet_addr *addr, unsigned prefix, verr *err);

/* Routes in the main table. gateway/ifname may be NULL; metric 0 = default. */
int netdev_route_add(const vnet_addr *dst, unsigned prefix, const vnet_addr *gateway,
                     const char *ifname, unsigned metric, verr *err);
int netdev_route_del(const vnet_addr *dst, unsigned prefix, const vnet_addr *gateway,
                     const char *ifname, unsigned metric, verr *err);

/* Subnet collision check for start: does any address on a link other than
 * `own_ifname`, or any route in the main table not via `own_ifname`, overlap
 * net/prefix? 1 = collision (ret_what gets e.g. "interface eth0 has 192.168.122.5/24"
 * or "route 192.168.0.0/16 via eth0"), 0 = free, -1 error. */
int netdev_subnet_conflict(const vnet_addr *net, unsigned prefix, const char *own_ifname,
                           char *ret_what, size_t what_len, verr *err);

/* Sysctls by /proc/sys relative path, e.g. "net/ipv4/ip_forward" or
 * "net/ipv6/conf/virbr0/disable_ipv6". Values are written/read without newline. */
int netdev_sysctl_write(const char *path, const char *value, verr *err);
int netdev_sysctl_read(const char *path, char *buf, size_t len, verr *err);

/* A netlink socket subscribed to link and address changes, for the daemon's
 * drift detection. Returns an fd to poll; netdev_monitor_drain() reads what is
 * pending and calls cb(ifname, deleted_or_down, userdata) for each link event. */
int netdev_monitor_open(verr *err);
typedef void (*netdev_monitor_cb)(const char *ifname, int ifindex, bool gone_or_down, void *userdata);
int netdev_monitor_drain(int fd, netdev_monitor_cb cb, void *userdata);

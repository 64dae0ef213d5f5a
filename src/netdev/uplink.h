/* The host's NIC into a bridge and back (rtnetlink): read a NIC's addresses
 * and routes, move them with its MAC onto a new bridge and enslave the NIC
 * (every step undone on failure), and put everything back.
 *
 * What moves: every address of the NIC except IPv6 link-local ones (flags and
 * lifetimes kept), every main-table unicast route through the NIC except the
 * ones the kernel derives from addresses (protocol kernel) or learns from
 * router advertisements (protocol ra), with its gateway, metric, protocol,
 * scope, preferred source and onlink flag. Multipath and nexthop-object routes
 * through the NIC are refused.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/ipaddr.h"

#define UPLINK_FOREVER UINT32_MAX /* an infinite address lifetime */

typedef struct uplink_addr {
    vnet_addr addr; /* IFA_LOCAL (IPv4) or IFA_ADDRESS (IPv6) */
    vnet_addr peer; /* IPv4 point-to-point peer, unset if none */
    vnet_addr brd;  /* IPv4 broadcast, unset if none */
    unsigned prefix;
    uint8_t scope;
    uint32_t flags;     /* IFA_F_* as the kernel reports them */
    uint32_t preferred; /* seconds left, UPLINK_FOREVER = forever */
    uint32_t valid;
    char label[IF_NAMESIZE]; /* IPv4 label, "" = none */
} uplink_addr;

typedef struct uplink_route {
    vnet_addr dst; /* family set even for a default route */
    unsigned prefix;
    vnet_addr gateway; /* unset: on-link */
    vnet_addr prefsrc; /* unset: none */
    uint32_t metric;
    uint8_t protocol, scope, type;
    uint32_t flags; /* rtm_flags; only RTNH_F_ONLINK is carried over */
} uplink_route;

typedef struct uplink_config {
    uint8_t mac[6];
    unsigned mtu;
    uplink_addr *addrs;
    size_t n_addrs;
    uplink_route *routes;
    size_t n_routes;
} uplink_config;

void uplink_config_free(uplink_config *c);

/* Read what would move off `ifname`. 0, or -1 with err (a route that cannot be
 * moved is VERR_UNSUPPORTED). */
int uplink_read(const char *ifname, uplink_config *ret, verr *err);

/* The first address the kernel does not hold as permanent (a DHCP lease, a
 * SLAAC address: someone else renews it), or NULL. */
const uplink_addr *uplink_dynamic_addr(const uplink_config *c);

/* "192.168.1.5/24" (or "a/p peer b" for point-to-point). */
const char *uplink_addr_str(const uplink_addr *a, char *buf, size_t len);
/* "default via 192.168.1.1 metric 100", "10.0.0.0/8 via ... proto static". */
const char *uplink_route_str(const uplink_route *r, char *buf, size_t len);

/* Create `bridge` with the NIC's MAC and MTU (STP off, no forward delay),
 * enslave `nic`, bring the bridge up, add c's addresses and routes on the
 * bridge and take them off the NIC. Any failure undoes every step done so far
 * and leaves the host as it was. */
int uplink_attach(const char *nic, const char *bridge, const uplink_config *c, verr *err);

/* Put the NIC back: c's addresses (with the lifetimes the bridge holds now, if
 * it still has them) and routes onto the NIC, release it from the bridge,
 * delete the bridge. Works from any half-done state (also when the bridge or
 * the NIC is gone); carries on past errors and reports the first. */
int uplink_detach(const char *nic, const char *bridge, const uplink_config *c, verr *err);

/* An attached uplink set down by another program: bring the NIC and the bridge
 * up, and put c's addresses and routes back on the bridge (the kernel drops
 * the routes, and IPv6 addresses, of a link set down); those still there are
 * left as they are. */
int uplink_reup(const char *nic, const char *bridge, const uplink_config *c, verr *err);

/* 1 when `bridge` is a bridge and `nic` is its port, 0 when not, -1 error. */
int uplink_is_attached(const char *nic, const char *bridge, verr *err);

/* Internal to src/netdev: the cached rtnetlink socket, request/reply with
 * extended-ack errors, and dumps of links, addresses and routes as arrays. */
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netdev/netdev.h"
#include "util/nlsock.h"
#include "util/error.h"
#include "util/ipaddr.h"

/* Big enough for any request we build. */
#define NL_REQ_SIZE 4096


/* Start a request in buf (NL_REQ_SIZE bytes): header with type and flags
 * (NLM_F_REQUEST is added) followed by a zeroed family header of hdr_len bytes.
 * ret_hdr gets the family header. Sequence and port are set by nl_talk(). */
struct nlmsghdr *nl_msg_start(char *buf, uint16_t type, uint16_t flags, size_t hdr_len,
                              void **ret_hdr);

/* Send req and read replies until the ack (or NLMSG_DONE for dumps), passing
 * each data message to cb (may be NULL). Returns 0, or -errno with ret_err
 * filled (kernel errno and extended-ack text). */
int nl_talk(struct nlmsghdr *req, mnl_cb_t cb, void *data, nl_error *ret_err);

/* Turn a failed request into a verr: "<context>: <kernel text or strerror>".
 * EEXIST maps to VERR_EXISTS, ENODEV to VERR_NOT_FOUND, the rest to VERR_SYSTEM.
 * Returns -1. */
int nl_verr(verr *err, const nl_error *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Check an interface name with conf/'s one rule (netdef_ifname_problem). */
int nl_ifname_check(const char *name, verr *err);

/* Resolve a link name to its ifindex: >0, or -1 with err (VERR_NOT_FOUND if absent). */
int nl_ifindex(const char *name, verr *err);

/* Fill a netdev_port from an AF_BRIDGE RTM_NEWLINK message (a bridge port).
 * 0, or -1 when it is not one. */
int netdev_port_parse(const struct nlmsghdr *nlh, netdev_port *ret);

/* Fill a netdev_link from an RTM_NEWLINK/RTM_DELLINK message. 0 or -1 (malformed). */
int nl_link_parse(const struct nlmsghdr *nlh, netdev_link *ret);

/* One address as dumped by the kernel. */
typedef struct nl_addr {
    int ifindex;
    unsigned prefix;
    uint8_t scope;
    uint32_t flags;
    vnet_addr addr; /* IFA_LOCAL when present, else IFA_ADDRESS */
} nl_addr;

/* One route of the main table as dumped by the kernel. */
typedef struct nl_route {
    unsigned dst_len;
    uint8_t type, protocol, scope;
    int oif; /* 0 if none (or first nexthop's device for multipath) */
    uint32_t metric;
    vnet_addr dst; /* family set even for the default route */
    vnet_addr gateway;
} nl_route;

/* Dumps into malloc'ed arrays (caller frees). 0 or -1 with err. */
int nl_link_list(netdev_link **ret, size_t *ret_n, verr *err);
/* Only the links whose master is `master` (0: all); callers still check. */
int nl_link_list_master(int master, netdev_link **ret, size_t *ret_n, verr *err);
/* family AF_INET or AF_INET6; ifindex 0 = all links. */
int nl_addr_list(int family, int ifindex, nl_addr **ret, size_t *ret_n, verr *err);
/* Main-table routes of the family. */
int nl_route_list(int family, nl_route **ret, size_t *ret_n, verr *err);
/* Only the routes through link oif (0: all); callers still check r.oif. */
int nl_route_list_oif(int family, int oif, nl_route **ret, size_t *ret_n, verr *err);

/* Address bytes per family (4 or 16), 0 for anything else. */
size_t nl_addr_len(int family);
/* Copy an address attribute of the right length into ret (family set). 0 or -1. */
int nl_attr_addr(const struct nlattr *attr, int family, vnet_addr *ret);

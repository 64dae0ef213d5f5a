/* Traffic control over rtnetlink: an htb root qdisc with one class that
 * shapes everything a link sends (what libvirt's network <bandwidth>
 * <inbound> does to a bridge), and an ingress redirect to an ifb device, so
 * that what a bridge receives is shaped by an htb on the ifb (<outbound>). This kernel has htb but
 * no sfq / fq_codel, so the class keeps the default leaf queue. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

typedef struct netdev_htb {
    uint64_t rate;   /* bytes/s, > 0 */
    uint64_t ceil;   /* bytes/s, >= rate */
    uint64_t burst;  /* bytes sent beyond the rate, at the ceil (at line speed when the
                        ceil is the rate); 0 = htb's default */
    uint64_t cburst; /* the ceil's bucket in bytes; 0 = as `burst` says */
} netdev_htb;

/* Replace the link's root qdisc with "htb 1: default 1" and class 1:1. */
int netdev_htb_set(const char *ifname, const netdev_htb *h, verr *err);
/* 1 when the link's root qdisc is our htb (handle 1:), 0 when not, -1 error.
 * ret_default (optional) gets its default class's minor number. */
int netdev_htb_present(const char *ifname, unsigned *ret_default, verr *err);

/* ---- the hierarchy libvirt makes on a network's bridge for 'floor' ----
 *
 *   qdisc htb 1: default 2
 *     class 1:1   the network: average / peak / burst
 *       class 1:2 the default class, every guest without a floor: rate =
 *                 average minus the floors, ceil = the 1:1's ceil
 *       class 1:N one per port with a floor (N >= 3): rate = floor, ceil =
 *                 the 1:1's ceil; a u32 filter on 1: (prio 2, handle 800::N,
 *                 protocol all) sends frames to the port's MAC there
 *
 * Each class keeps htb's default leaf queue (no sfq on this kernel). */
#define NETDEV_HTB_LEAF_MIN 3u
#define NETDEV_HTB_LEAF_MAX 0xfffu /* a u32 handle's node id has 12 bits */

typedef struct netdev_htb_leaf {
    unsigned id; /* NETDEV_HTB_LEAF_MIN..NETDEV_HTB_LEAF_MAX: class 1:ID, filter 800::ID */
    uint8_t mac[6];
    netdev_htb h;
} netdev_htb_leaf;

typedef struct netdev_htb_tree {
    netdev_htb top;  /* 1:1 */
    netdev_htb rest; /* 1:2 */
    const netdev_htb_leaf *leaves;
    size_t n_leaves;
} netdev_htb_tree;

/* Converge the link's egress to the tree: the root qdisc is made (or
 * re-made, when it is not "htb 1: default 2"), the classes 1:1, 1:2 and the
 * leaves' set, filters that differ re-made, and leaf classes and filters that
 * are not in the tree removed. Idempotent. */
int netdev_htb_tree_set(const char *ifname, const netdev_htb_tree *t, verr *err);

/* A u32 key as the kernel takes it (network byte order). */
typedef struct netdev_u32_key {
    uint32_t val, mask; /* network byte order */
    int32_t off;        /* from the network header */
} netdev_u32_key;
/* The two keys matching destination MAC `mac` at any protocol: the Ethernet
 * header lies before the network header, so its first two bytes are the low
 * half of the word at -16 (libvirt's "match u16 0xAABB 0xffff at -14") and
 * the other four the word at -12 ("match u32 0xCCDDEEFF 0xffffffff at -12").
 * (libvirt also matches ethertype 0x0800, so only IPv4 gets the guarantee;
 * vnet matches every protocol.) */
void netdev_u32_mac_keys(const uint8_t mac[6], netdev_u32_key ret[2]);
/* Remove the link's root qdisc (back to the kernel's default); none is success. */
int netdev_qdisc_clear(const char *ifname, verr *err);

/* Send everything `ifname` receives to the egress of `to` (an ifb device,
 * which shapes it with its own qdisc and hands it back to `ifname`'s receive
 * path): an ingress qdisc with one u32 filter matching all, its action mirred
 * "egress redirect" (what `tc filter add dev IF parent ffff: u32 match u32 0 0
 * action mirred egress redirect dev TO` does). Idempotent: kept when present. */
int netdev_redirect_set(const char *ifname, const char *to, verr *err);
/* 1 when ifname's ingress redirects to `to`, 0 when not, -1 error. */
int netdev_redirect_present(const char *ifname, const char *to, verr *err);
/* Remove ifname's ingress qdisc with its filters; none (or no link) is success. */
int netdev_redirect_clear(const char *ifname, verr *err);

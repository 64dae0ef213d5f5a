/* Traffic control over rtnetlink: an htb root qdisc with one class that
 * shapes everything a link sends (what libvirt's network <bandwidth>
 * <inbound> does to a bridge), and an ingress redirect to an ifb device, so
 * that what a bridge receives is shaped by an htb on the ifb (<outbound>). This kernel has htb but no sfq / fq_codel, so
 * the class keeps the default leaf queue. */
#pragma once

#include <stdint.h>

#include "util/error.h"

typedef struct netdev_htb {
    uint64_t rate;  /* bytes/s, > 0 */
    uint64_t ceil;  /* bytes/s, >= rate */
    uint64_t burst; /* bytes sent beyond the rate, at the ceil (at line speed when the
                       ceil is the rate); 0 = htb's default */
} netdev_htb;

/* Replace the link's root qdisc with "htb 1: default 1" and class 1:1. */
int netdev_htb_set(const char *ifname, const netdev_htb *h, verr *err);
/* 1 when the link's root qdisc is our htb (handle 1:), 0 when not, -1 error. */
int netdev_htb_present(const char *ifname, verr *err);
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

/* Traffic control over rtnetlink: an htb root qdisc with one class that
 * shapes everything a link sends (what libvirt's network <bandwidth>
 * <inbound> does to a bridge). This kernel has htb but no sfq / fq_codel, so
 * the class keeps the default leaf queue. */
#pragma once

#include <stdint.h>

#include "util/error.h"

typedef struct netdev_htb {
    uint64_t rate;  /* bytes/s, > 0 */
    uint64_t ceil;  /* bytes/s, >= rate */
    uint64_t burst; /* bytes at ceil speed beyond the rate; 0 = htb's default */
} netdev_htb;

/* Replace the link's root qdisc with "htb 1: default 1" and class 1:1. */
int netdev_htb_set(const char *ifname, const netdev_htb *h, verr *err);
/* 1 when the link's root qdisc is our htb (handle 1:), 0 when not, -1 error. */
int netdev_htb_present(const char *ifname, verr *err);
/* Remove the link's root qdisc (back to the kernel's default); none is success. */
int netdev_qdisc_clear(const char *ifname, verr *err);

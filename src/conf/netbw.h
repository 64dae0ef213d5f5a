/* A network's <bandwidth>, planned for this host (pure).
 *
 * As libvirt applies it on a network's bridge: <inbound> (into the network,
 * toward the guests) shapes the bridge's egress with an htb class (average =
 * rate, peak = ceil, burst); <outbound> (from the guests) is limited where
 * their traffic enters the host, at the bridge's ingress. libvirt uses the
 * police action there, which this kernel lacks; vnet redirects the bridge's
 * ingress to an ifb device shaped by htb as the other direction (average,
 * peak, burst). What cannot be applied is refused with the
 * reason, never ignored. Units as libvirt's: average/peak/floor in kilobytes
 * per second (1000 bytes), burst in kibibytes (1024 bytes). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "conf/netdef.h"
#include "util/error.h"

typedef struct netbw_plan {
    bool egress;            /* host -> guests: htb class on the bridge */
    uint64_t egress_rate;   /* bytes/s */
    uint64_t egress_ceil;   /* bytes/s (peak, else the rate) */
    uint64_t egress_burst;  /* bytes, 0: htb's default */
    bool ingress;           /* guests -> host: htb on the ifb the bridge's ingress goes to */
    uint64_t ingress_rate;  /* bytes/s */
    uint64_t ingress_ceil;  /* bytes/s (peak, else the rate) */
    uint64_t ingress_burst; /* bytes (libvirt's default: the average's worth) */
} netbw_plan;

/* Plan def's network-wide <bandwidth> (all zero when it has none). Refused
 * (VERR_UNSUPPORTED, with the element and line): floor, a bandwidth on a
 * network without a bridge (macvtap and hostdev pools), a portgroup's floor.
 * (A portgroup's bandwidth goes with its ports, for the hypervisor:
 * netport_apply_network.) */
int netbw_plan_network(const netdef *def, netbw_plan *ret, verr *err);

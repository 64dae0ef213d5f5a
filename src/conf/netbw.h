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
 * per second (1000 bytes), burst in kibibytes (1024 bytes).
 *
 * A port's inbound 'floor' (guaranteed bandwidth toward that guest) is
 * planned here too, as libvirt's networkPlugBandwidth: on a network whose
 * bridge vnet manages and that has an inbound average, each port with a floor
 * gets an htb class of its own (an id from 3 up, the lowest free), the floors
 * together may not exceed the average, and the default class, where every
 * other guest's traffic goes, keeps the average minus the floors. */
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
 * (VERR_UNSUPPORTED, with the element and line): a network-wide floor, a
 * bandwidth on a network without a bridge (macvtap and hostdev pools).
 * (A portgroup's bandwidth goes with its ports, for the hypervisor:
 * netport_apply_network.) */
int netbw_plan_network(const netdef *def, netbw_plan *ret, verr *err);

/* ---- ports' floors ---- */

#define NETBW_CLASS_MIN 3u     /* 1:1 is the network, 1:2 the default class */
#define NETBW_CLASS_MAX 0xfffu /* the filter's handle 800::ID has 12 bits for it */

/* One port's floor, as the network keeps it. */
typedef struct netbw_floor {
    unsigned class_id; /* htb class 1:ID on the bridge */
    uint8_t mac[6];    /* the guest's MAC: frames to it go to the class */
    uint64_t floor;    /* kilobytes/s */
} netbw_floor;

/* Can network def give a port (MAC mac) a floor? Refused, with libvirt's
 * words (VERR_UNSUPPORTED): a network whose bridge is not vnet's (bridge
 * mode, macvtap and hostdev pools), a network without an inbound average. */
int netbw_floor_check(const netdef *def, const uint8_t mac[6], verr *err);
/* The floor's class for a new port with `floor` on def, which has `floors`
 * already: `want` when it is a free id (a port that had one), else the lowest
 * free id from NETBW_CLASS_MIN. Refused (VERR_BUSY) when the floors would
 * exceed the inbound average, naming the MAC, the new sum and the average, or
 * when no id is free. */
int netbw_floor_plug(const netdef *def, const netbw_floor *floors, size_t n, const uint8_t mac[6],
                     uint64_t floor, unsigned want, unsigned *ret_id, verr *err);
uint64_t netbw_floor_sum(const netbw_floor *floors, size_t n); /* kilobytes/s */
/* The default class's rate (bytes/s) on a network planned as p whose ports
 * hold floor_sum kilobytes/s: the average minus the floors, at least 1 kB/s
 * (htb needs a rate; when the floors take the whole average the default
 * class lives on what it borrows). */
uint64_t netbw_default_rate(const netbw_plan *p, uint64_t floor_sum);
/* The network's <inbound average> in kilobytes/s, 0 when none. */
uint64_t netbw_inbound_average(const netdef *def);
/* A floor's rate in bytes/s. */
uint64_t netbw_floor_rate(uint64_t floor);

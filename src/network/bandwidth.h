/* A network's <bandwidth> on its bridge (plan in conf/netbw.h), both
 * directions shaped by htb: <inbound> (toward the guests) on the bridge
 * itself, <outbound> (from the guests) on an ifb device that everything the
 * bridge receives is redirected to ("ifb-BRIDGE", marked by the alias
 * "vnet-ifb:BRIDGE"). The ifb stands in for the police action this kernel
 * lacks, and does better: it queues instead of dropping, and honours a peak. */
#pragma once

#include <net/if.h>
#include <stddef.h>

#include "conf/netbw.h"
#include "conf/netdef.h"
#include "network/network.h"
#include "util/error.h"

#define NETWORK_IFB_ALIAS "vnet-ifb:"

/* Refuse, before anything is created, what cannot be applied. */
int network_bandwidth_check(const netdef *def, verr *err);
/* Apply (or re-apply: idempotent) on the bridge and its ifb; the inbound
 * direction as libvirt's hierarchy (netdev/tc.h): the network's class 1:1,
 * the default class 1:2, and with floors a class and a filter per port. */
int network_bandwidth_apply(const netdef *def, verr *err); /* no floors */
int network_bandwidth_apply_floors(const netdef *def, const netbw_floor *floors, size_t n,
                                   verr *err);
/* A port with an inbound floor on running network def: its class (want if
 * free: a port that had one) checked and planned by netbw_floor_plug, added
 * to run->floors and applied (the default class gives up the floor). On
 * failure run and the bridge are as before. */
int network_bandwidth_plug(const netdef *def, net_run *run, const uint8_t mac[6], uint64_t floor,
                           unsigned want, unsigned *ret_id, verr *err);
/* The port of class_id goes: its class and filter are removed, the default
 * class gets its floor back. No such class is success. */
int network_bandwidth_unplug(const netdef *def, net_run *run, unsigned class_id, verr *err);
/* Remove the ifb device and the bridge's redirect (the bridge's own qdisc goes
 * with the bridge). */
void network_bandwidth_remove(const netdef *def);
/* On a host bridge, which stays: remove its qdisc too. */
void network_bandwidth_clear(const netdef *def);
/* The name of the ifb device shaping what `bridge` receives: "ifb-BRIDGE",
 * or "ifb-" and 8 hex digits of a hash for a name too long for that. */
const char *network_bandwidth_ifb_name(const char *bridge, char *buf, size_t len);

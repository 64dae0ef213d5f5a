/* A network's <bandwidth> on its bridge (plan in conf/netbw.h), both
 * directions shaped by htb: <inbound> (toward the guests) on the bridge
 * itself, <outbound> (from the guests) on an ifb device that everything the
 * bridge receives is redirected to ("ifb-BRIDGE", marked by the alias
 * "vnet-ifb:BRIDGE"). The ifb stands in for the police action this kernel
 * lacks, and does better: it queues instead of dropping, and honours a peak. */
#pragma once

#include <net/if.h>
#include <stddef.h>

#include "conf/netdef.h"
#include "util/error.h"

#define NETWORK_IFB_ALIAS "vnet-ifb:"

/* Refuse, before anything is created, what cannot be applied. */
int network_bandwidth_check(const netdef *def, verr *err);
/* Apply (or re-apply: idempotent) on the bridge and its ifb. */
int network_bandwidth_apply(const netdef *def, verr *err);
/* Remove the ifb device and the bridge's redirect (the bridge's own qdisc goes
 * with the bridge). */
void network_bandwidth_remove(const netdef *def);
/* On a host bridge, which stays: remove its qdisc too. */
void network_bandwidth_clear(const netdef *def);
/* The name of the ifb device shaping what `bridge` receives: "ifb-BRIDGE",
 * or "ifb-" and 8 hex digits of a hash for a name too long for that. */
const char *network_bandwidth_ifb_name(const char *bridge, char *buf, size_t len);

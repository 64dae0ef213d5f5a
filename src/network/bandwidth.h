/* A network's <bandwidth> on its bridge (plan in conf/netbw.h): htb for the
 * guests' inbound traffic, an nftables limit for their outbound traffic. */
#pragma once

#include "conf/netdef.h"
#include "util/error.h"

/* Refuse, before anything is created, what cannot be applied. */
int network_bandwidth_check(const netdef *def, verr *err);
/* Apply (or re-apply: idempotent) on the bridge. */
int network_bandwidth_apply(const netdef *def, verr *err);
/* Remove the outbound limit's table (the qdisc goes with the bridge). */
void network_bandwidth_remove(const netdef *def);
/* On a host bridge, which stays: remove the qdisc too. */
void network_bandwidth_clear(const netdef *def);

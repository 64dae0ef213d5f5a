/* Networks that do not own a bridge: <forward mode='bridge'> onto a host
 * bridge, macvtap pools (bridge, private, vepa, passthrough) and hostdev
 * pools. Start creates nothing on the host, as libvirt's does: it checks the
 * pool (every <interface> exists, a <pf> has virtual functions, every PCI
 * address exists) and records it, expanded, in the status for the ports.
 * Like libvirt, it does shape a host bridge (<bandwidth>) and turn on its
 * VLAN filtering (macTableManager='libvirt'); stop removes the shaping. */
#pragma once

#include "conf/netplug.h"
#include "network/network.h"

int network_pool_start(const network_env *env, const netdef *def, net_run *ret_run, verr *err);
/* The pool a run-state recorded (devs point into run: keep it alive);
 * unusable is set for a host bridge that cannot take ports now. Free with
 * network_pool_clear. */
/* Stop: undo what start did to a host bridge (its bandwidth). */
void network_pool_stop(const netdef *def);
void network_pool_from_run(const net_run *run, netplug_pool *ret);
void network_pool_clear(netplug_pool *pool);
/* A host bridge's state for `vnet info`: "up", "down", "missing", "not a
 * bridge" (NULL on a netlink error); ret_why gets a sentence when not "up". */
const char *network_bridge_state(const char *name, char *ret_why, size_t len);

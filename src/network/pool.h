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
/* Stop: undo what start did to a host bridge (its bandwidth). */
void network_pool_stop(const netdef *def);
/* The pool a run-state recorded (devs point into run: keep it alive);
 * unusable is set for a host bridge that cannot take ports now (judged as
 * network_bridge_state, with ovs_db and ovs). Free with network_pool_clear. */
void network_pool_from_run(const net_run *run, const char *ovs_db, bool ovs, netplug_pool *ret);
void network_pool_clear(netplug_pool *pool);
/* A host bridge's state for `vnet info` and ports: "up", "down", "missing",
 * "not a bridge", or NULL when it cannot be found out; ret_why gets a
 * sentence when not "up". An Open vSwitch bridge (ovs: the network or the
 * port has an openvswitch virtualport, netdef_bridge_is_ovs/netport_is_ovs)
 * is judged by Open vSwitch: its Bridge row in the database at ovs_db (see
 * network_ovs_db), then its device; any other by the kernel link, which must
 * be a bridge. */
const char *network_bridge_state(const char *ovs_db, bool ovs, const char *name, char *ret_why,
                                 size_t len);
/* The local Open_vSwitch database: configured (vnetd --ovs-db) when given,
 * else OVS's default socket, /run/openvswitch/db.sock or
 * /var/run/openvswitch/db.sock, whichever exists (the first if neither). */
const char *network_ovs_db(const char *configured);
#define NETWORK_OVS_TIMEOUT_MS 2000

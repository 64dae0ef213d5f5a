/* Choosing a port's plug: what a network hands to one guest NIC, as libvirt's
 * network driver chooses it (networkAllocatePort). Pure: the host's side (the
 * pool expanded from sysfs, whether a host bridge is usable) comes in as data.
 *
 *   managed bridge (nat/route/open/isolated) -> plug "network" on its bridge
 *   bridge mode with <bridge name>           -> plug "bridge" on that bridge,
 *                                               refused while it is unusable
 *   bridge/private/vepa/passthrough pools    -> plug "direct" (macvtap) on the
 *       least-used device; passthrough takes a device no port uses
 *   hostdev                                  -> plug "hostdev-pci" on a VF no
 *                                               port uses
 *
 * Wiring (a port being created on a running network): fill a netplug_pool from
 * the network's status with network_pool_from_run() (network/pool.h), call
 * netport_choose_plug() with the ports the network already has, then
 * netport_apply_network() with fresh random bytes for an Open vSwitch
 * interfaceid, and network_pool_clear(). src/daemon/ports.c does exactly this
 * for port-create (the `vnet port-create` command and libvirt's
 * virNetworkPortCreateXML); a port's device counts as used while the port
 * exists, so usage is rebuilt from the saved ports when vnetd restarts.
 */
#pragma once

#include <stddef.h>

#include "conf/netdef.h"
#include "conf/netport.h"
#include "util/error.h"

typedef struct netplug_pci {
    unsigned domain, bus, slot, function;
} netplug_pci;

/* A non-managed network's devices, as its start found them. */
typedef struct netplug_pool {
    char **devs; /* direct modes: interface names (a <pf> expanded to its VFs) */
    size_t n_devs;
    netplug_pci *pcis; /* hostdev: PCI addresses (a <pf> expanded to its VFs) */
    size_t n_pcis;
    const char *unusable;   /* bridge mode: why the host bridge cannot take ports, NULL if it can */
    char unusable_buf[320]; /* storage for `unusable`, for fillers that need it */
} netplug_pool;

/* "0000:03:10.2" <-> netplug_pci. parse: 0 or -1. */
int netplug_pci_parse(const char *s, netplug_pci *ret);
const char *netplug_pci_str(const netplug_pci *p, char buf[16]);

/* The definition's <forward> pool, for the host side to expand. */
const char *netdef_forward_pf(const netdef *def); /* <pf dev=..> or NULL */
/* <address type='pci'> entries of a hostdev <forward>; caller frees. */
size_t netdef_forward_pcis(const netdef *def, netplug_pci **ret);
/* <driver name=..> of a hostdev <forward>, NULL for the default. */
const char *netdef_forward_driver(const netdef *def);
/* Whether a bridge-mode network's host bridge is an Open vSwitch bridge: the
 * network, or one of its portgroups, has <virtualport type='openvswitch'>
 * (libvirt then plugs guests with ovs-vsctl, not as Linux bridge ports). */
bool netdef_bridge_is_ovs(const netdef *def);
/* Whether a port asks for <virtualport type='openvswitch'> itself (a
 * domain's <interface> may, on a network that has none). */
bool netport_is_ovs(const netport *port);

/* Fill port's plug (plug, bridge, mac_table_manager, dev, mode, managed,
 * driver, PCI address) for network def with pool, given the ports already
 * allocated on it. Fails (VERR_BUSY) when the host bridge is unusable or no
 * device is free for an exclusive mode, with libvirt's words (libvirt's
 * internal errors keep their "internal error: " prefix); the port is
 * unchanged then. */
int netport_choose_plug(const netdef *def, const netplug_pool *pool, const netport *const *ports,
                        size_t n_ports, netport *port, verr *err);

/* A port that comes back with its plug (libvirt's RECLAIM flag: a VM that
 * was running when the daemon restarted), checked as libvirt's
 * networkNotifyPort: its device must be in the pool, and not be in use by
 * another port in the exclusive modes (passthrough, hostdev). */
int netport_check_reclaim(const netdef *def, const netplug_pool *pool, const netport *const *ports,
                          size_t n_ports, const netport *port, verr *err);

/* What a port takes from its network, as libvirt's networkAllocatePort: its
 * portgroup (port->group, else the default one), the virtualport merged from
 * port, portgroup and network (on a bridge only type 'openvswitch', whose
 * missing interfaceid becomes `fresh_uuid`), the VLAN tags and trustGuestRxFilters
 * of the portgroup, else the network, when the port has none, and the
 * portgroup's <bandwidth> (for the hypervisor to apply; a 'floor' where the
 * network cannot give one is refused by netbw_floor_check: the network then
 * makes the port's class with netbw_floor_plug). */
int netport_apply_network(const netdef *def, netport *port, const uint8_t fresh_uuid[16],
                          verr *err);

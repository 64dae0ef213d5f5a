/* Ports' inbound floors (guaranteed bandwidth toward a guest, libvirt's
 * <inbound floor=...>): each is a class on its network's bridge, planned by
 * conf/netbw.h and made by network/bandwidth.h; the network's run-state (and
 * status file) keeps the floors, the port its class id (<bandwidth
 * classID=...>, as libvirt's port XML). Saved ports are the truth: after a
 * vnetd restart or a network's start the classes are rebuilt from them. */
#pragma once

#include "conf/netport.h"
#include "daemon/daemon.h"

/* A new port (or a reclaimed one) on running network net: when it has a
 * floor, give it its class (the id it names when free, else the lowest free)
 * and save the network's status. Refused, changing nothing: a network that
 * cannot give floors, or floors that would exceed its inbound average. */
int ports_floor_plug(vnetd *d, vnet_net *net, netport *port, verr *err);
/* The port goes: its class and filter go, the floor returns to the default
 * class. Logged, never fails. */
void ports_floor_unplug(vnetd *d, vnet_net *net, netport *port);
/* Before network def starts: the saved ports' floors must fit it (a network
 * that gives floors, their sum within its inbound average); refused
 * (VERR_BUSY) saying which port does not fit and why. */
int ports_floor_check_start(const netdef *def, netport *const *ports, size_t n, verr *err);
/* Rebuild net's floors from its ports (a start, a vnetd restart): ports keep
 * their class ids where they can; a floor that no longer fits (the network's
 * <bandwidth> changed while it was stopped) is logged and left without a
 * class. Returns true when a port's class id changed (the caller saves it). */
bool ports_floor_sync(vnetd *d, vnet_net *net, netport *const *ports, size_t n);

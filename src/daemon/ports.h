/* Network ports (libvirt's virNetworkPort): a guest NIC's claim on an active
 * network, with the plug the VM driver needs. Kept under DATA_DIR/ports/NET/,
 * so they survive vnetd restarts; each port's host interface is learned from
 * the link table (keyed by MAC) and re-attached to the bridge when the
 * network is started again or its bridge is re-created by drift repair. */
#pragma once

#include "daemon/daemon.h"

/* Load saved ports and subscribe to the event bus. */
int ports_setup(vnetd *d, verr *err);
void ports_close(vnetd *d);
/* The port-* JSON operations (NULL when name is not one of them). */
const op_def *ports_ops_find(const char *name);
/* Before net starts with def: its saved ports' floors must fit def. */
int ports_check_start(vnetd *d, const vnet_net *net, const netdef *def, verr *err);
/* Put the network's ports back: interfaces on its bridge, or on an OVN
 * network the logical switch ports. */
void ports_resync(vnetd *d, vnet_net *net);

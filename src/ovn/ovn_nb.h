/* The OVN northbound objects of an OVN-backed network (<vnet:ovn>), kept
 * converged through an OVSDB connection (ovsdb.h).
 *
 * Every row vnet creates carries external_ids vnet-network=NAME,
 * vnet-uuid=UUID and vnet-object=KEY (ls, dhcp, dns, lr, lrp, rtr, or
 * port:LSPNAME); vnet reads, updates and deletes only such rows. Ensuring is
 * idempotent: missing rows are inserted (with their parent references),
 * present ones updated to the definition, so the same call creates a network,
 * adopts it after a restart, and repairs drift. Names:
 *   Logical_Switch      vnet-NAME
 *   Logical_Router      vnet-NAME-lr      (<forward mode='nat'>)
 *   Logical_Router_Port vnet-NAME-lrp     (the guests' gateway, <ip address>)
 *   Logical_Switch_Port vnet-NAME-rtr     (switch side of the router port)
 *   Logical_Switch_Port <port uuid>       (a guest; its iface-id)
 * A guest's address is "MAC IP": a <dhcp><host mac=> entry, else the address
 * this MAC had before on the network (reservations kept on the logical
 * switch's external_ids as vnet-mac-MAC=IP, so a guest moving to another
 * host keeps it), else a free address of the DHCP range picked from a hash of
 * the MAC. */
#pragma once

#include <stdint.h>

#include "conf/netdef.h"
#include "ovn/ovsdb.h"

#define OVN_NB_DB "OVN_Northbound"

/* The logical switch's external_ids key holding the network's definition as
 * the hosts share it (ovn_nb_shared_xml), for `vnet import`. */
#define OVN_NB_DEFINITION_KEY "vnet-definition"
/* The definition without what is each host's own (port forwards, the unused
 * bridge name). malloc'd XML. */
char *ovn_nb_shared_xml(const netdef *def);

/* Create or repair the network's objects. *changed (optional): rows were
 * inserted (drift repaired / first start). host (may be NULL): this host's
 * name, recorded on the logical switch as external_ids vnet-host-HOST=1 so
 * that the network is one logical network shared by every host running it. */
int ovn_nb_ensure(ovsdb *c, const netdef *def, const char *host, bool *changed, verr *err);
/* Delete every row vnet made for the network (ports included). */
int ovn_nb_remove(ovsdb *c, const char *network, verr *err);
/* This host stops using the network: drop its vnet-host mark and remove the
 * network only when no other host's mark is left (host NULL: remove).
 * *removed (optional) says which happened. */
int ovn_nb_release(ovsdb *c, const char *network, const char *host, bool *removed, verr *err);

/* Create or repair a guest's logical switch port named lsp with mac; the
 * network's objects must exist. ip (>= VNET_ADDR_STRLEN) gets the address. */
int ovn_nb_port_ensure(ovsdb *c, const netdef *def, const char *lsp, const uint8_t mac[6], char *ip,
                       verr *err);
/* Delete the guest port (no error when it is gone already). */
int ovn_nb_port_remove(ovsdb *c, const char *network, const char *lsp, verr *err);

/* Is every object of the network present? (the periodic drift check) */
int ovn_nb_check(ovsdb *c, const netdef *def, const char *host, bool *complete, verr *err);

/* The MAC vnet gives the router port / DHCP server of a network. */
void ovn_nb_router_mac(const netdef *def, uint8_t mac[6]);

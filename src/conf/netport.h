/* libvirt's network *port* XML (<networkport>): the record of one guest NIC
 * plugged into a network. Parsed and formatted back as libvirt 9.9 does; vnet
 * keeps it for compatibility (libvirt's virnetworkportxml2xml corpus). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "conf/netdef.h"
#include "util/error.h"

typedef enum {
    NETPORT_PLUG_NONE = 0,
    NETPORT_PLUG_NETWORK,
    NETPORT_PLUG_BRIDGE,
    NETPORT_PLUG_DIRECT,
    NETPORT_PLUG_HOSTDEV_PCI,
} netport_plug_type;

struct netport_extra; /* vlan, virtualport, bandwidth (conf-private) */

typedef struct netport {
    uint8_t uuid[16];
    char *owner_name;
    uint8_t owner_uuid[16];
    char *group; /* portgroup or NULL */
    uint8_t mac[6];
    vtristate trust_guest_rx_filters; /* <rxfilters trustGuest=> */
    vtristate isolated;               /* <port isolated=> */

    netport_plug_type plug;
    char *bridge;            /* network, bridge */
    char *mac_table_manager; /* network, bridge: "kernel" | "libvirt" | NULL */
    char *dev;               /* direct */
    char *mode;              /* direct: vepa | private | bridge | passthrough */
    vtristate managed;       /* hostdev-pci */
    char *driver;            /* hostdev-pci: kvm | vfio | NULL */
    unsigned pci_domain, pci_bus, pci_slot, pci_function; /* hostdev-pci */

    unsigned class_id; /* <bandwidth classID=>: the class of its floor on the bridge, 0 none */
    struct netport_extra *extra;
} netport;

/* Errors: VERR_INVALID, "SOURCE:LINE: <element> attribute 'x': what is wrong". */
int netport_parse_string(const char *xml, const char *source, netport **ret, verr *err);
char *netport_format(const netport *port); /* malloc'd */
/* The port's <bandwidth> as libvirt's port parameters: inbound.average,
 * .peak, .floor, .burst when it has an <inbound>, outbound.average, .peak,
 * .burst when it has an <outbound> (none without a <bandwidth>, as libvirt's
 * networkPortGetParameters). Returns how many were filled. */
#define NETPORT_N_BW_PARAMS 7
size_t netport_bandwidth_params(const netport *port, const char *names[NETPORT_N_BW_PARAMS],
                                uint64_t values[NETPORT_N_BW_PARAMS]);
void netport_free(netport *port);
/* The port's <inbound floor> in kilobytes/s, 0 when none. */
uint64_t netport_inbound_floor(const netport *port);
/* Give the port <virtualport type='openvswitch'><parameters interfaceid=../>
 * (replacing any virtualport): the plug of an OVN network's port. */
void netport_set_ovs_interfaceid(netport *port, const char *interfaceid);

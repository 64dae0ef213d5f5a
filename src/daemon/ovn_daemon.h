/* vnetd's OVN side: the chassis configuration of this host (written to the
 * local Open_vSwitch table), the plug and logical switch port of ports on OVN
 * networks, and the NB monitor that asks for a repair when vnet's objects of
 * an active OVN network are deleted by someone else. */
#pragma once

#include "conf/netport.h"
#include "daemon/daemon.h"

typedef struct ovn_opts {
    const char *ovs_db;     /* --ovs-db unix:PATH: the local Open_vSwitch database */
    const char *sb;         /* --ovn-sb REMOTE: ovn-remote for ovn-controller */
    const char *encap_type; /* --ovn-encap-type (default geneve) */
    const char *encap_ip;   /* --ovn-encap-ip */
    const char *chassis;    /* --ovn-chassis: system-id */
    const char *bridge;     /* --ovn-bridge: the integration bridge (default br-int) */
    const char *mappings;   /* --ovn-bridge-mappings PHYSNET:BRIDGE,...: upstreams here */
} ovn_opts;

/* The same options from a file (ovn_config.c): "key = value" lines, keys as
 * the options' names (ovs-db, ovn-chassis, ...). Fields already set (the
 * command line) are kept; the strings read are kept in *store until
 * ovn_config_free(). A missing file is fine unless required; a bad one is
 * VERR_INVALID naming FILE:LINE, and changes nothing. */
#define OVN_CONFIG_KEYS 7
typedef struct ovn_config {
    char *v[OVN_CONFIG_KEYS];
} ovn_config;
int ovn_config_read(const char *path, bool required, ovn_opts *o, ovn_config *store, verr *err);
void ovn_config_free(ovn_config *store);

/* Remember the options, write the chassis configuration when --ovs-db and
 * --ovn-chassis are given, subscribe to the event bus. */
int ovn_daemon_setup(vnetd *d, const ovn_opts *o, verr *err);
void ovn_daemon_close(vnetd *d);

/* Port p on OVN network net: its plug (the integration bridge and an
 * openvswitch virtualport whose interfaceid is the port's UUID, the logical
 * switch port's name) and its logical switch port. */
int ovn_port_plug(vnetd *d, const vnet_net *net, netport *p, verr *err);
int ovn_port_unplug(vnetd *d, const vnet_net *net, const netport *p, verr *err);
/* Re-create missing logical switch ports of the network's ports (after a
 * start or a repair); ports and n are the network's ports. */
void ovn_ports_resync(vnetd *d, const vnet_net *net, netport *const *ports, size_t n);

/* vnet doctor (ovn_doctor.c): this chassis' settings, registration and
 * tunnels (when vnetd has --ovs-db and --ovn-chassis), and an OVN network's
 * northbound objects and ports. */
void ovn_doctor_host(vnetd *d, const ovn_opts *o, json_t *checks);
void ovn_doctor_network(vnetd *d, vnet_net *n, json_t *checks);
/* The integration bridge OVN ports plug into (--ovn-bridge, default br-int). */
const char *ovn_daemon_bridge(vnetd *d);
/* The options vnetd runs with (NULL before ovn_daemon_setup). */
const ovn_opts *ovn_daemon_opts(vnetd *d);

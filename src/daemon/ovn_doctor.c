/* vnet doctor for OVN: this chassis (the local Open_vSwitch settings vnetd
 * wrote, registration in the southbound database, tunnels) and each active
 * OVN network (NB reachable, vnet's objects complete, logical switch ports
 * bound). */
#include <string.h>

#include "daemon/doctor.h"
#include "daemon/ovn_daemon.h"
#include "netdev/netdev.h"
#include "ovn/ovn_nb.h"
#include "ovn/ovn_network.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static void check_ovs_settings(const ovn_opts *o, ovsdb *c, json_t *checks)
{
    json_t *rows = NULL;
    verr e = VERR_INIT;
    if (ovsdb_select(c, "Open_vSwitch", "Open_vSwitch", NULL, json_pack("[s]", "external_ids"),
                     &rows, &e) < 0) {
        doctor_addf(checks, NULL, "ovn-chassis", DOCTOR_BROKEN, "check --ovs-db", "%s", e.msg);
        return;
    }
    json_t *ids = json_object_get(json_array_get(rows, 0), "external_ids");
    const char *sysid = ovsdb_map_get(ids, "system-id");
    const char *encap = ovsdb_map_get(ids, "ovn-encap-ip");
    if (!sysid || !streq(sysid, o->chassis))
        doctor_addf(checks, NULL, "ovn-chassis", DOCTOR_BROKEN,
                    "restart vnetd (it writes the chassis settings)",
                    "Open_vSwitch system-id is '%s', not '%s'", sysid ? sysid : "(none)",
                    o->chassis);
    else if (o->encap_ip && (!encap || !streq(encap, o->encap_ip)))
        doctor_addf(checks, NULL, "ovn-chassis", DOCTOR_BROKEN,
                    "restart vnetd (it writes the chassis settings)",
                    "ovn-encap-ip is '%s', not '%s'", encap ? encap : "(none)", o->encap_ip);
    else
        doctor_addf(checks, NULL, "ovn-chassis", DOCTOR_OK, NULL, "%s: system-id %s, encap %s",
                    o->ovs_db, sysid, encap ? encap : "(none)");
    json_decref(rows);
}

static void check_tunnels(ovsdb *c, json_t *checks)
{
    json_t *rows = NULL;
    verr e = VERR_INIT;
    json_t *where = json_pack("[[sss]]", "type", "==", "geneve");
    if (ovsdb_select(c, "Open_vSwitch", "Interface", where, json_pack("[ss]", "name", "link_state"),
                     &rows, &e) < 0)
        return;
    size_t n = json_array_size(rows), up = 0, i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *st = json_string_value(json_object_get(r, "link_state"));
        up += st && streq(st, "up");
    }
    if (n == 0)
        doctor_add(checks, NULL, "ovn-tunnels", DOCTOR_WARNING,
                   "no Geneve tunnel: no other chassis known yet",
                   "check the other hosts' --ovn-encap-ip and the underlay");
    else
        doctor_addf(checks, NULL, "ovn-tunnels", up == n ? DOCTOR_OK : DOCTOR_WARNING,
                    up == n ? NULL : "check the underlay between the chassis",
                    "%zu Geneve tunnel(s), %zu up", n, up);
    json_decref(rows);
}

static void check_registered(const ovn_opts *o, json_t *checks)
{
    if (!o->sb || strncmp(o->sb, "unix:", 5) != 0)
        return; /* vnet's client speaks unix: remotes only */
    _cleanup_(ovsdb_closep) ovsdb *c = NULL;
    verr e = VERR_INIT;
    json_t *rows = NULL;
    if (ovsdb_connect(o->sb, 3000, &c, &e) < 0 ||
        ovsdb_select(c, "OVN_Southbound", "Chassis", json_pack("[[sss]]", "name", "==", o->chassis),
                     json_pack("[s]", "name"), &rows, &e) < 0) {
        doctor_addf(checks, NULL, "ovn-registered", DOCTOR_BROKEN, "check --ovn-sb",
                    "southbound database: %s", e.msg);
        return;
    }
    if (json_array_size(rows) == 1)
        doctor_addf(checks, NULL, "ovn-registered", DOCTOR_OK, NULL,
                    "chassis %s is registered in %s", o->chassis, o->sb);
    else
        doctor_addf(checks, NULL, "ovn-registered", DOCTOR_BROKEN,
                    "is ovn-controller running on this host?", "chassis %s is not registered in %s",
                    o->chassis, o->sb);
    json_decref(rows);
}

void ovn_doctor_host(vnetd *d, const ovn_opts *o, json_t *checks)
{
    if (!o || !o->ovs_db || !o->chassis)
        return;
    _cleanup_(ovsdb_closep) ovsdb *c = NULL;
    verr e = VERR_INIT;
    if (ovsdb_connect(o->ovs_db, 3000, &c, &e) < 0) {
        doctor_addf(checks, NULL, "ovn-chassis", DOCTOR_BROKEN, "is ovsdb-server running?", "%s",
                    e.msg);
        return;
    }
    check_ovs_settings(o, c, checks);
    check_tunnels(c, checks);
    check_registered(o, checks);
}

/* What Geneve adds to a guest's frame on the underlay, whose MTU counts
 * from the outer IP header: outer IP (20, IPv6 40) + UDP 8 + Geneve 8 + OVN's
 * option 8 + the inner Ethernet header 14. */
#define GENEVE_OVERHEAD_V4 58
#define GENEVE_OVERHEAD_V6 78

/* The link holding the encap address (the underlay end of the tunnels). */
static int underlay_link(const vnet_addr *encap, netdev_link *ret, verr *err)
{
    _cleanup_free_ netdev_link *links = NULL;
    size_t n = 0;
    if (netdev_link_list(&links, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ netdev_addr *addrs = NULL;
        size_t na = 0;
        if (netdev_addr_list(links[i].name, &addrs, &na, NULL) < 0)
            continue;
        for (size_t j = 0; j < na; j++)
            if (vnet_addr_equal(&addrs[j].addr, encap)) {
                *ret = links[i];
                return 1;
            }
    }
    return 0;
}

/* Guests get the network's <mtu> (else 1400) from OVN's DHCP: with Geneve's
 * overhead their largest frames must fit the underlay's MTU, or packets
 * between chassis are dropped. */
static void check_mtu(vnetd *d, vnet_net *n, json_t *checks)
{
    const ovn_opts *o = ovn_daemon_opts(d);
    unsigned guest = n->live->mtu ? n->live->mtu : 1400;
    vnet_addr encap;
    if (!o || !o->encap_ip || vnet_addr_parse(o->encap_ip, &encap) < 0)
        return; /* no tunnel endpoint known here */
    unsigned overhead = encap.family == AF_INET6 ? GENEVE_OVERHEAD_V6 : GENEVE_OVERHEAD_V4;
    netdev_link link;
    verr e = VERR_INIT;
    int r = underlay_link(&encap, &link, &e);
    if (r < 0) {
        doctor_addf(checks, n->name, "ovn-mtu", DOCTOR_WARNING, NULL, "%s", e.msg);
        return;
    }
    if (r == 0) {
        doctor_addf(checks, n->name, "ovn-mtu", DOCTOR_WARNING,
                    "put --ovn-encap-ip on the underlay (an OVS bridge's internal port)",
                    "no link here holds the encap address %s", o->encap_ip);
        return;
    }
    if (guest + overhead > link.mtu) {
        _cleanup_free_ char *fix =
            link.mtu > overhead
                ? xasprintf("<mtu size='%u'/> in the network, or an underlay MTU of %u",
                            link.mtu - overhead, guest + overhead)
                : xasprintf("an underlay MTU of %u", guest + overhead);
        doctor_addf(checks, n->name, "ovn-mtu", DOCTOR_BROKEN, fix,
                    "guest MTU %u + %u bytes of Geneve exceed the underlay's MTU %u (%s): large "
                    "packets between chassis are dropped",
                    guest, overhead, link.mtu, link.name);
        return;
    }
    doctor_addf(checks, n->name, "ovn-mtu", DOCTOR_OK, NULL,
                "guest MTU %u + %u bytes of Geneve fit the underlay's MTU %u (%s)", guest, overhead,
                link.mtu, link.name);
}

void ovn_doctor_network(vnetd *d, vnet_net *n, json_t *checks)
{
    check_mtu(d, n, checks);
    const netdef *def = n->live;
    _cleanup_(ovsdb_closep) ovsdb *c = NULL;
    verr e = VERR_INIT;
    bool complete = false;
    if (ovn_network_connect(def, &c, &e) < 0 ||
        ovn_nb_check(c, def, d->env.ovn_host, &complete, &e) < 0) {
        doctor_addf(checks, n->name, "ovn-nb", DOCTOR_BROKEN, "check the NB database", "%s", e.msg);
        return;
    }
    if (!complete)
        doctor_add(checks, n->name, "ovn-nb", DOCTOR_BROKEN,
                   "some of vnet's northbound objects are missing", "vnet doctor --fix");
    else
        doctor_addf(checks, n->name, "ovn-nb", DOCTOR_OK, NULL,
                    "logical switch vnet-%s and its objects are in %s", n->name, def->ovn.nb);
    json_t *rows = NULL;
    json_t *where =
        json_pack("[o]", ovsdb_cond("external_ids", "includes",
                                    ovsdb_map(json_pack("{ss}", "vnet-network", n->name))));
    if (ovsdb_select(c, OVN_NB_DB, "Logical_Switch_Port", where,
                     json_pack("[sss]", "name", "up", "external_ids"), &rows, &e) < 0)
        return;
    size_t ports = 0, up = 0, i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *k = ovsdb_map_get(json_object_get(r, "external_ids"), "vnet-object");
        if (!k || strncmp(k, "port:", 5) != 0)
            continue;
        ports++;
        up += json_is_true(json_object_get(r, "up"));
    }
    doctor_addf(checks, n->name, "ovn-ports", DOCTOR_OK, NULL,
                "%zu guest port(s) on all hosts, %zu bound to a chassis", ports, up);
    json_decref(rows);
}

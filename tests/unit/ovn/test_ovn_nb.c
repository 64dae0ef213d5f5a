/* The OVSDB client and the OVN network's northbound objects, against a real
 * ovsdb-server with OVN's NB schema (started by run-with-nb.sh). */
#include <stdlib.h>
#include <string.h>

#include "conf/netdef.h"
#include "ovn/ovn_nb.h"
#include "ovn/ovsdb.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

#include "../testlib.h"

static const char *nat_xml =
    "<network xmlns:vnet='urn:vnet:network:1'>\n"
    "  <name>lab</name><uuid>7b0c1f6e-3d2a-4c55-9a1e-0c1d2e3f4a5b</uuid>\n"
    "  <forward mode='nat'/>\n"
    "  <vnet:ovn nb='unix:/x' gateway-chassis='hostA' external='198.51.100.10/24'\n"
    "            external-gateway='198.51.100.1' physnet='up'/>\n"
    "  <domain name='lab.test'/>\n"
    "  <dns><host ip='10.77.0.9'><hostname>db</hostname></host></dns>\n"
    "  <ip address='10.77.0.1' prefix='24'><dhcp>\n"
    "    <range start='10.77.0.100' end='10.77.0.103'><lease expiry='2' unit='hours'/></range>\n"
    "    <host mac='52:54:00:00:00:99' ip='10.77.0.50'/>\n"
    "  </dhcp></ip>\n"
    "</network>\n";

static const char *iso_xml = "<network xmlns:vnet='urn:vnet:network:1'>\n"
                             "  <name>iso</name><uuid>11111111-2222-3333-4444-555555555555</uuid>\n"
                             "  <vnet:ovn nb='unix:/x'/>\n"
                             "  <ip address='10.78.0.1' prefix='24'><dhcp><range "
                             "start='10.78.0.10' end='10.78.0.20'/></dhcp></ip>\n"
                             "</network>\n";

static const char *fwd_xml =
    "<network xmlns:vnet='urn:vnet:network:1'>\n"
    "  <name>fwd</name><uuid>22222222-3333-4444-5555-666666666666</uuid>\n"
    "  <forward mode='nat'/>\n"
    "  <vnet:ovn nb='unix:/x' gateway-chassis='hostA' external='203.0.113.10/24'/>\n"
    "  <ip address='10.79.0.1' prefix='24'/>\n"
    "  <vnet:portForward proto='tcp' guest='10.79.0.5'>\n"
    "    <vnet:range start='8080' to='80'/><vnet:range start='9000' end='9001' to='7000'/>\n"
    "  </vnet:portForward>\n"
    "  <vnet:portForward proto='udp' address='203.0.113.10' guest='10.79.0.6'>\n"
    "    <vnet:range start='5353'/>\n"
    "  </vnet:portForward>\n"
    "</network>\n";

static const char *fwd_route_xml =
    "<network xmlns:vnet='urn:vnet:network:1'>\n"
    "  <name>fwd</name><uuid>22222222-3333-4444-5555-666666666666</uuid>\n"
    "  <forward mode='route'/>\n"
    "  <vnet:ovn nb='unix:/x' gateway-chassis='hostA' external='203.0.113.10/24'/>\n"
    "  <ip address='10.79.0.1' prefix='24'/>\n"
    "</network>\n";

static json_t *rows(ovsdb *c, const char *table, const char *col, const char *val)
{
    json_t *r = NULL;
    verr e = VERR_INIT;
    json_t *where = col ? json_pack("[[sss]]", col, "==", val) : NULL;
    if (ovsdb_select(c, OVN_NB_DB, table, where, NULL, &r, &e) < 0) {
        fprintf(stderr, "select %s: %s\n", table, e.msg);
        return json_array();
    }
    return r;
}

static size_t count(ovsdb *c, const char *table, const char *col, const char *val)
{
    json_t *r = rows(c, table, col, val);
    size_t n = json_array_size(r);
    json_decref(r);
    return n;
}

static size_t count_vnet(ovsdb *c, const char *table)
{
    json_t *r = rows(c, table, NULL, NULL);
    size_t n = 0, i;
    json_t *row;
    json_array_foreach(
        r, i, row) if (ovsdb_map_get(json_object_get(row, "external_ids"), "vnet-network")) n++;
    json_decref(r);
    return n;
}

static netdef *parse(const char *xml)
{
    netdef *d = NULL;
    verr e = VERR_INIT;
    if (netdef_parse_string(xml, "test", &d, &e) < 0) {
        fprintf(stderr, "parse: %s\n", e.msg);
        exit(2);
    }
    return d;
}

static void test_client_errors(const char *dir)
{
    ovsdb *c = NULL;
    verr e = VERR_INIT;
    _cleanup_free_ char *bad = xasprintf("unix:%s/nothere.sock", dir);
    CHECK(ovsdb_connect(bad, 1000, &c, &e) < 0);
    CHECK(strstr(e.msg, "cannot connect") != NULL);
    verr_clear(&e);
    CHECK(ovsdb_connect("tcp:127.0.0.1:6641", 1000, &c, &e) < 0);
    CHECK(e.kind == VERR_UNSUPPORTED);
}

static void test_client_basics(ovsdb *c)
{
    verr e = VERR_INIT;
    json_t *res = NULL;
    CHECK(ovsdb_call(c, "list_dbs", json_array(), &res, &e) == 0);
    int found = 0;
    size_t i;
    json_t *v;
    json_array_foreach(res, i, v) if (streq(json_string_value(v), OVN_NB_DB)) found = 1;
    CHECK(found);
    json_decref(res);
    /* a failing operation is reported with its index and the server's words */
    json_t *ops =
        json_pack("[{sssss{ss}}]", "op", "insert", "table", "No_Such_Table", "row", "name", "x");
    CHECK(ovsdb_transact(c, OVN_NB_DB, ops, NULL, &e) < 0);
    CHECK(strstr(e.msg, "No_Such_Table") != NULL || strstr(e.msg, "unknown table") != NULL);
    fprintf(stderr, "(expected) %s\n", e.msg);
}

static void test_network(ovsdb *c, const netdef *def)
{
    verr e = VERR_INIT;
    bool changed = false, complete = false;
    /* a row someone else made must survive everything vnet does */
    json_t *ops = json_pack("[{sssss{ss}}]", "op", "insert", "table", "Logical_Switch", "row",
                            "name", "foreign");
    CHECK(ovsdb_transact(c, OVN_NB_DB, ops, NULL, &e) == 0);

    CHECK(ovn_nb_ensure(c, def, "hostA", &changed, &e) == 0);
    if (e.msg[0])
        fprintf(stderr, "%s\n", e.msg);
    CHECK(changed);
    CHECK(count(c, "Logical_Switch", "name", "vnet-lab") == 1);
    CHECK(count(c, "Logical_Router", "name", "vnet-lab-lr") == 1);
    CHECK(count(c, "Logical_Router_Port", "name", "vnet-lab-lrp") == 1);
    CHECK(count(c, "Logical_Switch_Port", "name", "vnet-lab-rtr") == 1);
    CHECK(count(c, "DHCP_Options", "cidr", "10.77.0.0/24") == 1);
    /* the way out: gateway port on hostA, external switch with a localnet port, SNAT, route */
    CHECK(count(c, "Logical_Router_Port", "name", "vnet-lab-gw") == 1);
    CHECK(count(c, "Gateway_Chassis", "chassis_name", "hostA") == 1);
    CHECK(count(c, "Logical_Switch", "name", "vnet-lab-ext") == 1);
    json_t *ln = rows(c, "Logical_Switch_Port", "name", "vnet-lab-ext-localnet");
    CHECK_STR(json_string_value(json_object_get(json_array_get(ln, 0), "type")), "localnet");
    CHECK_STR(ovsdb_map_get(json_object_get(json_array_get(ln, 0), "options"), "network_name"),
              "up");
    json_decref(ln);
    json_t *nat = rows(c, "NAT", "type", "snat");
    CHECK(json_array_size(nat) == 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(nat, 0), "external_ip")),
              "198.51.100.10");
    CHECK_STR(json_string_value(json_object_get(json_array_get(nat, 0), "logical_ip")),
              "10.77.0.0/24");
    json_decref(nat);
    CHECK(count(c, "Logical_Router_Static_Route", "nexthop", "198.51.100.1") == 1);
    json_t *d = rows(c, "DHCP_Options", "cidr", "10.77.0.0/24");
    json_t *opt = json_object_get(json_array_get(d, 0), "options");
    CHECK_STR(ovsdb_map_get(opt, "router"), "10.77.0.1");
    CHECK_STR(ovsdb_map_get(opt, "server_id"), "10.77.0.1");
    CHECK_STR(ovsdb_map_get(opt, "server_mac"), "0a:7b:0c:1f:6e:3d");
    CHECK_STR(ovsdb_map_get(opt, "lease_time"), "7200");
    CHECK_STR(ovsdb_map_get(opt, "mtu"), "1400");
    CHECK_STR(ovsdb_map_get(opt, "domain_name"), "\"lab.test\"");
    json_decref(d);
    json_t *dns = rows(c, "DNS", NULL, NULL);
    CHECK(json_array_size(dns) == 1);
    CHECK_STR(ovsdb_map_get(json_object_get(json_array_get(dns, 0), "records"), "db.lab.test"),
              "10.77.0.9");
    json_decref(dns);
    json_t *ls = rows(c, "Logical_Switch", "name", "vnet-lab");
    json_t *lsr = json_array_get(ls, 0);
    CHECK_STR(ovsdb_map_get(json_object_get(lsr, "external_ids"), "vnet-network"), "lab");
    CHECK_STR(ovsdb_map_get(json_object_get(lsr, "external_ids"), "vnet-uuid"),
              "7b0c1f6e-3d2a-4c55-9a1e-0c1d2e3f4a5b");
    json_t *ports = ovsdb_set_members(json_object_get(lsr, "ports"));
    CHECK(json_array_size(ports) == 1); /* the router port */
    json_decref(ports);
    json_decref(ls);

    /* again: nothing new, nothing duplicated (adoption after a restart) */
    CHECK(ovn_nb_ensure(c, def, "hostA", &changed, &e) == 0);
    CHECK(!changed);
    CHECK(count(c, "Logical_Switch", NULL, NULL) == 3); /* foreign, vnet-lab, vnet-lab-ext */
    CHECK(count(c, "DHCP_Options", NULL, NULL) == 1);
    CHECK(count(c, "Logical_Router_Port", NULL, NULL) == 2);
    CHECK(count(c, "NAT", NULL, NULL) == 1);
    CHECK(count(c, "Gateway_Chassis", NULL, NULL) == 1);
    CHECK(ovn_nb_check(c, def, "hostA", &complete, &e) == 0 && complete);
}

static void test_ports(ovsdb *c, const netdef *def)
{
    verr e = VERR_INIT;
    char ip1[VNET_ADDR_STRLEN] = "", ip2[VNET_ADDR_STRLEN] = "", ip3[VNET_ADDR_STRLEN] = "";
    const uint8_t m1[6] = {0x52, 0x54, 0, 0xaa, 0, 1}, m2[6] = {0x52, 0x54, 0, 0xaa, 0, 2};
    const uint8_t mh[6] = {0x52, 0x54, 0, 0, 0, 0x99};

    CHECK(ovn_nb_port_ensure(c, def, "p1", m1, ip1, &e) == 0);
    CHECK(ovn_nb_port_ensure(c, def, "p2", m2, ip2, &e) == 0);
    if (e.msg[0])
        fprintf(stderr, "%s\n", e.msg);
    CHECK(strncmp(ip1, "10.77.0.10", 10) == 0); /* the range .100-.103 */
    CHECK(strncmp(ip2, "10.77.0.10", 10) == 0);
    CHECK(strcmp(ip1, ip2) != 0);
    json_t *p = rows(c, "Logical_Switch_Port", "name", "p1");
    json_t *pr = json_array_get(p, 0);
    _cleanup_free_ char *want = xasprintf("52:54:00:aa:00:01 %s", ip1);
    json_t *addrs = ovsdb_set_members(json_object_get(pr, "addresses"));
    CHECK_STR(json_string_value(json_array_get(addrs, 0)), want);
    json_decref(addrs);
    json_t *dh = ovsdb_set_members(json_object_get(pr, "dhcpv4_options"));
    CHECK(json_array_size(dh) == 1);
    json_decref(dh);
    json_decref(p);
    /* a static host keeps its address */
    CHECK(ovn_nb_port_ensure(c, def, "ph", mh, ip3, &e) == 0);
    CHECK_STR(ip3, "10.77.0.50");
    /* ensuring a port again changes nothing */
    char again[VNET_ADDR_STRLEN];
    CHECK(ovn_nb_port_ensure(c, def, "p1", m1, again, &e) == 0);
    CHECK_STR(again, ip1);
    CHECK(count(c, "Logical_Switch_Port", "name", "p1") == 1);

    /* a move: deleted (host A), created under another name with the same MAC (host B) */
    CHECK(ovn_nb_port_remove(c, "lab", "p1", &e) == 0);
    CHECK(count(c, "Logical_Switch_Port", "name", "p1") == 0);
    CHECK(ovn_nb_port_remove(c, "lab", "p1", &e) == 0); /* gone already: fine */
    /* another MAC cannot take the moved guest's address meanwhile */
    const uint8_t m3[6] = {0x52, 0x54, 0, 0xaa, 0, 3}, m4[6] = {0x52, 0x54, 0, 0xaa, 0, 4};
    CHECK(ovn_nb_port_ensure(c, def, "p3", m3, ip3, &e) == 0);
    CHECK(strcmp(ip3, ip1) != 0 && strcmp(ip3, ip2) != 0);
    char moved[VNET_ADDR_STRLEN];
    CHECK(ovn_nb_port_ensure(c, def, "p1-on-b", m1, moved, &e) == 0);
    CHECK_STR(moved, ip1);
    /* the range (4 addresses) is now full */
    char none[VNET_ADDR_STRLEN];
    CHECK(ovn_nb_port_ensure(c, def, "p4", m4, none, &e) == 0);
    verr_clear(&e);
    const uint8_t m5[6] = {0x52, 0x54, 0, 0xaa, 0, 5};
    CHECK(ovn_nb_port_ensure(c, def, "p5", m5, none, &e) < 0);
    CHECK(strstr(e.msg, "no free address") != NULL);
    fprintf(stderr, "(expected) %s\n", e.msg);
}

static void test_drift(ovsdb *c, const netdef *def)
{
    verr e = VERR_INIT;
    bool changed = false, complete = true;
    /* someone deletes vnet's switch (its ports go with it) and DHCP options */
    json_t *ops =
        json_pack("[{sssss[[sss]]},{sssss[]}]", "op", "delete", "table", "Logical_Switch", "where",
                  "name", "==", "vnet-lab", "op", "delete", "table", "DHCP_Options", "where");
    CHECK(ovsdb_transact(c, OVN_NB_DB, ops, NULL, &e) == 0);
    CHECK(ovn_nb_check(c, def, "hostA", &complete, &e) == 0);
    CHECK(!complete);
    CHECK(ovn_nb_ensure(c, def, "hostA", &changed, &e) == 0);
    CHECK(changed);
    CHECK(ovn_nb_check(c, def, "hostA", &complete, &e) == 0 && complete);
    CHECK(count(c, "Logical_Switch_Port", "name", "vnet-lab-rtr") == 1);
    CHECK(count(c, "Logical_Router_Port", NULL, NULL) == 2);
    CHECK(count(c, "NAT", NULL, NULL) == 1);
    /* ports are the daemon's to re-create; the switch is back for them */
    char ip[VNET_ADDR_STRLEN];
    const uint8_t m1[6] = {0x52, 0x54, 0, 0xaa, 0, 1};
    CHECK(ovn_nb_port_ensure(c, def, "p1-on-b", m1, ip, &e) == 0);
    CHECK(count(c, "Logical_Switch_Port", "name", "p1-on-b") == 1);
    json_t *ls = rows(c, "Logical_Switch", "name", "vnet-lab");
    json_t *ports = ovsdb_set_members(json_object_get(json_array_get(ls, 0), "ports"));
    CHECK(json_array_size(ports) == 2); /* router port + p1-on-b */
    json_decref(ports);
    json_decref(ls);
}

static void test_isolated_and_remove(ovsdb *c, const netdef *lab, const netdef *iso)
{
    verr e = VERR_INIT;
    bool changed;
    CHECK(ovn_nb_ensure(c, iso, NULL, &changed, &e) == 0);
    json_t *d = rows(c, "DHCP_Options", "cidr", "10.78.0.0/24");
    json_t *opt = json_object_get(json_array_get(d, 0), "options");
    CHECK(ovsdb_map_get(opt, "router") == NULL); /* isolated: no default route */
    CHECK_STR(ovsdb_map_get(opt, "lease_time"), "3600");
    json_decref(d);
    CHECK(count(c, "Logical_Router", NULL, NULL) == 1); /* only lab's */

    /* a second host runs lab too: the first one stopping leaves it in place */
    bool removed = true;
    CHECK(ovn_nb_ensure(c, lab, "hostB", &changed, &e) == 0);
    CHECK(!changed);
    json_t *ls = rows(c, "Logical_Switch", "name", "vnet-lab");
    json_t *ids = json_object_get(json_array_get(ls, 0), "external_ids");
    CHECK_STR(ovsdb_map_get(ids, "vnet-host-hostA"), "1");
    CHECK_STR(ovsdb_map_get(ids, "vnet-host-hostB"), "1");
    json_decref(ls);
    CHECK(ovn_nb_release(c, lab->name, "hostA", &removed, &e) == 0);
    CHECK(!removed);
    CHECK(count(c, "Logical_Switch", "name", "vnet-lab") == 1);
    CHECK(count(c, "Logical_Router", NULL, NULL) == 1);
    ls = rows(c, "Logical_Switch", "name", "vnet-lab");
    ids = json_object_get(json_array_get(ls, 0), "external_ids");
    CHECK(ovsdb_map_get(ids, "vnet-host-hostA") == NULL);
    CHECK(ovsdb_map_get(ids, "vnet-mac-52:54:00:aa:00:01") != NULL); /* reservations stay */
    json_decref(ls);
    /* the last host stopping removes it */
    CHECK(ovn_nb_release(c, lab->name, "hostB", &removed, &e) == 0);
    if (e.msg[0])
        fprintf(stderr, "%s\n", e.msg);
    CHECK(removed);
    CHECK(count(c, "Logical_Switch", "name", "vnet-lab") == 0);
    CHECK(count(c, "Logical_Switch", "name", "vnet-lab-ext") == 0);
    CHECK(count(c, "Logical_Router", NULL, NULL) == 0);
    CHECK(count(c, "NAT", NULL, NULL) == 0);
    CHECK(count(c, "DNS", NULL, NULL) == 0);
    CHECK(count(c, "Logical_Switch", "name", "foreign") == 1);
    CHECK(count(c, "Logical_Switch", "name", "vnet-iso") == 1);
    CHECK(ovn_nb_remove(c, iso->name, &e) == 0);
    CHECK(count_vnet(c, "Logical_Switch") == 0 && count_vnet(c, "DHCP_Options") == 0);
    CHECK(count(c, "Logical_Switch", "name", "foreign") == 1);
    /* a port on a network that is not there */
    char ip[VNET_ADDR_STRLEN];
    const uint8_t m1[6] = {0x52, 0x54, 0, 0xaa, 0, 1};
    verr_clear(&e);
    CHECK(ovn_nb_port_ensure(c, lab, "px", m1, ip, &e) < 0);
    CHECK(e.kind == VERR_NOT_FOUND);
    fprintf(stderr, "(expected) %s\n", e.msg);
}

/* Port forwards are load balancers owned by the host that has them; route
 * mode is the router without SNAT. */
static void test_forwards_and_route(ovsdb *c)
{
    _cleanup_(netdef_freep) netdef *nat = parse(fwd_xml);
    _cleanup_(netdef_freep) netdef *route = parse(fwd_route_xml);
    verr e = VERR_INIT;
    bool removed = false;
    CHECK(ovn_nb_ensure(c, nat, "hostA", NULL, &e) == 0);
    json_t *lb = rows(c, "Load_Balancer", "name", "vnet-fwd-tcp-hostA");
    CHECK(json_array_size(lb) == 1);
    json_t *vips = json_object_get(json_array_get(lb, 0), "vips");
    CHECK_STR(ovsdb_map_get(vips, "203.0.113.10:8080"), "10.79.0.5:80");
    CHECK_STR(ovsdb_map_get(vips, "203.0.113.10:9000"), "10.79.0.5:7000");
    CHECK_STR(ovsdb_map_get(vips, "203.0.113.10:9001"), "10.79.0.5:7001");
    CHECK_STR(json_string_value(json_object_get(json_array_get(lb, 0), "protocol")), "tcp");
    json_decref(lb);
    lb = rows(c, "Load_Balancer", "name", "vnet-fwd-udp-hostA");
    CHECK_STR(ovsdb_map_get(json_object_get(json_array_get(lb, 0), "vips"), "203.0.113.10:5353"),
              "10.79.0.6:5353");
    json_decref(lb);
    json_t *lr = rows(c, "Logical_Router", "name", "vnet-fwd-lr");
    json_t *lbs = ovsdb_set_members(json_object_get(json_array_get(lr, 0), "load_balancer"));
    CHECK(json_array_size(lbs) == 2);
    json_decref(lbs);
    json_decref(lr);
    json_t *sw = rows(c, "Logical_Switch", "name", "vnet-fwd");
    lbs = ovsdb_set_members(json_object_get(json_array_get(sw, 0), "load_balancer"));
    CHECK(json_array_size(lbs) == 2); /* guests reach the forwards too */
    json_decref(lbs);
    json_decref(sw);
    CHECK(count(c, "NAT", "type", "snat") == 1);
    /* the definition the hosts share is on the switch, without the forwards */
    json_t *ls = rows(c, "Logical_Switch", "name", "vnet-fwd");
    const char *xml = ovsdb_map_get(json_object_get(json_array_get(ls, 0), "external_ids"),
                                    OVN_NB_DEFINITION_KEY);
    netdef *shared = NULL;
    CHECK(xml && netdef_parse_string(xml, "nb", &shared, &e) == 0);
    CHECK(shared && streq(shared->name, "fwd") && shared->n_port_forwards == 0 &&
          memcmp(shared->uuid, nat->uuid, sizeof(nat->uuid)) == 0 && !shared->bridge_name);
    netdef_free(shared);
    json_decref(ls);
    /* a second host with the same definition has its own; one without forwards
     * leaves hostA's alone */
    CHECK(ovn_nb_ensure(c, route, "hostB", NULL, &e) == 0);
    CHECK(count(c, "Load_Balancer", "name", "vnet-fwd-tcp-hostA") == 1);
    /* (hostB's definition is routed: its ensure dropped the SNAT) */
    CHECK(count(c, "NAT", "type", "snat") == 0);
    /* hostA's forwards removed: its load balancers go */
    CHECK(ovn_nb_ensure(c, route, "hostA", NULL, &e) == 0);
    CHECK(count(c, "Load_Balancer", NULL, NULL) == 0);
    CHECK(count(c, "Logical_Router", "name", "vnet-fwd-lr") == 1);
    CHECK(count(c, "Logical_Router_Port", "name", "vnet-fwd-gw") == 1);
    /* a host leaving a shared network takes its forwards along */
    CHECK(ovn_nb_ensure(c, nat, "hostA", NULL, &e) == 0);
    CHECK(count(c, "Load_Balancer", NULL, NULL) == 2);
    CHECK(ovn_nb_release(c, "fwd", "hostA", &removed, &e) == 0 && !removed);
    CHECK(count(c, "Load_Balancer", NULL, NULL) == 0);
    CHECK(count(c, "Logical_Switch", "name", "vnet-fwd") == 1);
    CHECK(ovn_nb_release(c, "fwd", "hostB", &removed, &e) == 0 && removed);
    CHECK(count_vnet(c, "Logical_Router") == 0 && count_vnet(c, "Load_Balancer") == 0);
    if (e.msg[0])
        fprintf(stderr, "%s\n", e.msg);
}

/* IPv6: the router port holds the /64 and advertises it (SLAAC). */
static void test_ipv6(ovsdb *c)
{
    _cleanup_(netdef_freep) netdef *six =
        parse("<network xmlns:vnet='urn:vnet:network:1'>\n"
              "  <name>six</name><uuid>33333333-4444-5555-6666-777777777777</uuid>\n"
              "  <forward mode='nat'/>\n"
              "  <vnet:ovn nb='unix:/x' gateway-chassis='hostA' external='203.0.113.20/24'/>\n"
              "  <ip family='ipv6' address='fd00:77::1' prefix='64'/>\n"
              "  <ip address='10.66.0.1' prefix='24'><dhcp><range start='10.66.0.10' "
              "end='10.66.0.20'/></dhcp></ip>\n"
              "</network>\n");
    verr e = VERR_INIT;
    CHECK(ovn_nb_ensure(c, six, "hostA", NULL, &e) == 0);
    json_t *lrp = rows(c, "Logical_Router_Port", "name", "vnet-six-lrp");
    json_t *row = json_array_get(lrp, 0);
    json_t *nets = ovsdb_set_members(json_object_get(row, "networks"));
    CHECK(json_array_size(nets) == 2);
    CHECK_STR(json_string_value(json_array_get(nets, 0)), "10.66.0.1/24");
    CHECK_STR(json_string_value(json_array_get(nets, 1)), "fd00:77::1/64");
    CHECK_STR(ovsdb_map_get(json_object_get(row, "ipv6_ra_configs"), "address_mode"), "slaac");
    json_decref(nets);
    json_decref(lrp);
    /* the DHCPv4 options and NAT are the IPv4 <ip>'s, though it comes second */
    CHECK(count(c, "DHCP_Options", "cidr", "10.66.0.0/24") == 1);
    char ip[VNET_ADDR_STRLEN];
    const uint8_t m[6] = {0x52, 0x54, 0, 0x66, 0, 1};
    CHECK(ovn_nb_port_ensure(c, six, "p6", m, ip, &e) == 0);
    CHECK(strncmp(ip, "10.66.0.", 8) == 0);
    CHECK(ovn_nb_remove(c, "six", &e) == 0);
    CHECK(count_vnet(c, "Logical_Router") == 0);
    if (e.msg[0])
        fprintf(stderr, "%s\n", e.msg);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s unix:NB.sock TMPDIR\n", argv[0]);
        return 2;
    }
    _cleanup_(netdef_freep) netdef *lab = parse(nat_xml);
    _cleanup_(netdef_freep) netdef *iso = parse(iso_xml);
    _cleanup_(ovsdb_closep) ovsdb *c = NULL;
    verr e = VERR_INIT;
    test_client_errors(argv[2]);
    if (ovsdb_connect(argv[1], 5000, &c, &e) < 0) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    test_client_basics(c);
    test_network(c, lab);
    test_ports(c, lab);
    test_drift(c, lab);
    test_isolated_and_remove(c, lab, iso);
    test_forwards_and_route(c);
    test_ipv6(c);
    return testlib_done("ovn-nb");
}

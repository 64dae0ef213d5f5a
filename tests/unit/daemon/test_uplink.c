/* Uplink records (JSON round trip, errors) and the advice printed when
 * another tool owns the NIC. Pure: no host access. */
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>

#include "daemon/uplink.h"
#include "testlib.h"
#include "util/strbuf.h"

static uplink_config sample_config(void)
{
    uplink_config c = {.mac = {0x02, 0x77, 0, 0, 0, 0x10}, .mtu = 1500};
    uplink_addr a4 = {.prefix = 24,
                      .flags = IFA_F_PERMANENT,
                      .preferred = UPLINK_FOREVER,
                      .valid = UPLINK_FOREVER,
                      .label = "eth0"};
    vnet_addr_parse("192.168.1.5", &a4.addr);
    vnet_addr_parse("192.168.1.255", &a4.brd);
    uplink_addr dep = a4;
    vnet_addr_parse("192.168.1.6", &dep.addr);
    dep.flags |= IFA_F_SECONDARY | IFA_F_DEPRECATED;
    dep.preferred = 0;
    snprintf(dep.label, sizeof(dep.label), "eth0:1");
    uplink_addr a6 = {.prefix = 64,
                      .flags = IFA_F_PERMANENT | IFA_F_NODAD,
                      .preferred = 3600,
                      .valid = UPLINK_FOREVER};
    vnet_addr_parse("fd00::5", &a6.addr);
    *(uplink_addr *)xarray_push(&c.addrs, &c.n_addrs, sizeof(a4)) = a4;
    *(uplink_addr *)xarray_push(&c.addrs, &c.n_addrs, sizeof(a4)) = dep;
    *(uplink_addr *)xarray_push(&c.addrs, &c.n_addrs, sizeof(a4)) = a6;
    uplink_route def = {.metric = 100, .protocol = RTPROT_STATIC, .type = RTN_UNICAST};
    vnet_addr_parse("0.0.0.0", &def.dst);
    vnet_addr_parse("192.168.1.1", &def.gateway);
    uplink_route net = {
        .prefix = 8, .protocol = RTPROT_BOOT, .type = RTN_UNICAST, .flags = RTNH_F_ONLINK};
    vnet_addr_parse("10.0.0.0", &net.dst);
    vnet_addr_parse("192.168.1.2", &net.gateway);
    vnet_addr_parse("192.168.1.5", &net.prefsrc);
    *(uplink_route *)xarray_push(&c.routes, &c.n_routes, sizeof(def)) = def;
    *(uplink_route *)xarray_push(&c.routes, &c.n_routes, sizeof(def)) = net;
    return c;
}

static void test_roundtrip(void)
{
    uplink_record r = {
        .nic = "eth0", .bridge = "br0", .confirm_within = 30, .cfg = sample_config()};
    json_t *j = uplink_record_to_json(&r);
    char *text = json_dumps(j, 0);
    json_decref(j);
    json_t *back = json_loads(text, 0, NULL);
    uplink_record got;
    verr err = VERR_INIT;
    CHECK(uplink_record_from_json(back, &got, &err) == 0);
    CHECK_STR(got.nic, "eth0");
    CHECK_STR(got.bridge, "br0");
    CHECK(!got.confirmed && got.confirm_within == 30 && got.cfg.mtu == 1500);
    CHECK(memcmp(got.cfg.mac, r.cfg.mac, 6) == 0);
    CHECK(got.cfg.n_addrs == 3 && got.cfg.n_routes == 2);
    for (size_t i = 0; i < 3 && got.cfg.n_addrs == 3; i++)
        CHECK(memcmp(&got.cfg.addrs[i], &r.cfg.addrs[i], sizeof(uplink_addr)) == 0);
    for (size_t i = 0; i < 2 && got.cfg.n_routes == 2; i++)
        CHECK(memcmp(&got.cfg.routes[i], &r.cfg.routes[i], sizeof(uplink_route)) == 0);
    char buf[160];
    CHECK_STR(uplink_route_str(&got.cfg.routes[1], buf, sizeof(buf)),
              "10.0.0.0/8 via 192.168.1.2 src 192.168.1.5 onlink");
    CHECK_STR(uplink_route_str(&got.cfg.routes[0], buf, sizeof(buf)),
              "default via 192.168.1.1 metric 100");
    json_decref(back);
    free(text);
    uplink_config_free(&got.cfg);
    uplink_config_free(&r.cfg);
}

static void check_bad(const char *json, const char *want)
{
    json_t *j = json_loads(json, 0, NULL);
    uplink_record got;
    verr err = VERR_INIT;
    CHECK(uplink_record_from_json(j, &got, &err) < 0);
    CHECK_STR(err.msg, want);
    json_decref(j);
}

static void test_bad_records(void)
{
    check_bad("{\"bridge\":\"br0\"}", "record: field 'nic' is not an interface name");
    check_bad("{\"nic\":\"eth0\",\"bridge\":\"br0\",\"state\":\"maybe\"}",
              "record: field 'state' is not 'trial' or 'attached'");
    check_bad("{\"nic\":\"eth0\",\"bridge\":\"br0\",\"state\":\"trial\",\"confirm_within\":5,"
              "\"mac\":\"02:00:00:00:00:01\",\"mtu\":1500,\"addresses\":[{\"address\":\"1.2.3.4\","
              "\"prefix\":8,\"scope\":0,\"flags\":128,\"preferred\":\"forever\",\"valid\":"
              "\"forever\"},{\"address\":\"x\"}],\"routes\":[]}",
              "address 2: field 'address' is not an IP address");
}

static void test_advice(void)
{
    uplink_config c = sample_config();
    char *nm = uplink_advice(UPLINK_OWNER_NM, "eth0", "br0", &c);
    CHECK_STR(nm, "NetworkManager manages 'eth0'. Let it build the bridge instead:\n"
                  "  nmcli connection add type bridge ifname br0 con-name br0 bridge.stp no "
                  "bridge.forward-delay 0 ethernet.cloned-mac-address 02:77:00:00:00:10 "
                  "ipv4.method manual ipv4.addresses 192.168.1.5/24,192.168.1.6/24 "
                  "ipv4.gateway 192.168.1.1 ipv4.route-metric 100 "
                  "ipv6.method manual ipv6.addresses fd00::5/64\n"
                  "  nmcli connection add type bridge-slave ifname eth0 con-name br0-port-eth0 "
                  "master br0\n"
                  "  nmcli connection up br0\n");
    free(nm);
    char *nd = uplink_advice(UPLINK_OWNER_NETWORKD, "eth0", "br0", &c);
    CHECK(strstr(nd, "systemd-networkd configures 'eth0'") != NULL);
    CHECK(strstr(nd, "[Match]\n  Name=eth0\n  [Network]\n  Bridge=br0\n") != NULL);
    CHECK(strstr(nd, "  Address=192.168.1.5/24\n  Address=192.168.1.6/24\n  Address=fd00::5/64\n"
                     "  [Route]\n  Gateway=192.168.1.1\n  Metric=100\n") != NULL);
    free(nd);
    c.addrs[0].flags &= ~(uint32_t)IFA_F_PERMANENT; /* a DHCP lease */
    CHECK(uplink_dynamic_addr(&c) == &c.addrs[0]);
    char *dh = uplink_advice(UPLINK_OWNER_DHCP, "eth0", "br0", &c);
    CHECK(strstr(dh, "'eth0' holds a dynamic address 192.168.1.5/24 (a DHCP lease") == dh);
    CHECK(strstr(dh, "  DHCP=ipv4\n") != NULL);
    free(dh);
    uplink_config_free(&c);
}

int main(void)
{
    test_roundtrip();
    test_bad_records();
    test_advice();
    return testlib_done("uplink");
}

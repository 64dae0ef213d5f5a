/* netdev's uplink (read / attach / detach, and the undo of a failed attach),
 * SR-IOV from a sysfs tree, and htb, against the real kernel inside a private
 * network namespace (meson runs this under `unshare -n`). Refuses to run where
 * any interface besides lo exists. */
#include <linux/if_addr.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netdev/netdev.h"
#include "netdev/sriov.h"
#include "netdev/tc.h"
#include "netdev/uplink.h"
#include "tests/unit/testlib.h"
#include "util/strbuf.h"

#define NIC "vnt-eth0"
#define PEER "vnt-peer0"
#define BR "vnt-up0"

static int refuse_unless_isolated(void)
{
    struct if_nameindex *ifs = if_nameindex();
    int bad = 0;
    for (struct if_nameindex *i = ifs; i && i->if_index; i++)
        if (!streq(i->if_name, "lo")) {
            fprintf(stderr, "REFUSING TO RUN: interface '%s' exists here (run under unshare -n)\n",
                    i->if_name);
            bad = 1;
        }
    if (ifs)
        if_freenameindex(ifs);
    return ifs && !bad ? 0 : -1;
}

static void addr(const char *ifname, const char *a, unsigned prefix)
{
    vnet_addr x;
    vnet_addr_parse(a, &x);
    CHECK(netdev_addr_add(ifname, &x, prefix, NULL) == 0);
}

static void setup_nic(void)
{
    CHECK(netdev_veth_create(NIC, PEER, NULL) == 0);
    CHECK(netdev_link_set_up(NIC, true, NULL) == 0);
    CHECK(netdev_link_set_up(PEER, true, NULL) == 0);
    addr(NIC, "192.0.2.10", 24);
    addr(NIC, "fd00:2::10", 64);
    vnet_addr dst, gw;
    vnet_addr_parse("0.0.0.0", &dst);
    vnet_addr_parse("192.0.2.1", &gw);
    CHECK(netdev_route_add(&dst, 0, &gw, NIC, 50, NULL) == 0);
}

static bool same_config(const uplink_config *a, const uplink_config *b)
{
    if (a->n_addrs != b->n_addrs || a->n_routes != b->n_routes)
        return false;
    for (size_t i = 0; i < a->n_addrs; i++)
        if (!vnet_addr_equal(&a->addrs[i].addr, &b->addrs[i].addr) ||
            a->addrs[i].prefix != b->addrs[i].prefix)
            return false;
    for (size_t i = 0; i < a->n_routes; i++)
        if (a->routes[i].metric != b->routes[i].metric ||
            !vnet_addr_equal(&a->routes[i].gateway, &b->routes[i].gateway))
            return false;
    return true;
}

static void test_attach_detach(void)
{
    uplink_config before = {0}, c = {0}, on_br = {0}, after = {0};
    verr err = VERR_INIT;
    CHECK(uplink_read(NIC, &before, &err) == 0);
    CHECK(before.n_addrs == 2 && before.n_routes == 1); /* fe80:: and kernel routes left out */
    CHECK(before.n_routes == 1 && before.routes[0].metric == 50);
    CHECK(uplink_dynamic_addr(&before) == NULL);
    CHECK(uplink_read(NIC, &c, &err) == 0);
    CHECK(uplink_attach(NIC, BR, &c, &err) == 0);
    CHECK(uplink_is_attached(NIC, BR, NULL) == 1);
    CHECK(uplink_read(BR, &on_br, &err) == 0);
    CHECK(same_config(&before, &on_br));
    netdev_link br, nic;
    CHECK(netdev_link_get(BR, &br, NULL) == 1 && netdev_link_get(NIC, &nic, NULL) == 1);
    CHECK(memcmp(br.mac, nic.mac, 6) == 0);
    uplink_config left = {0};
    CHECK(uplink_read(NIC, &left, &err) == 0 && left.n_addrs == 0 && left.n_routes == 0);
    uplink_config_free(&left);
    CHECK(uplink_detach(NIC, BR, &c, &err) == 0);
    CHECK(uplink_is_attached(NIC, BR, NULL) == 0);
    CHECK(uplink_read(NIC, &after, &err) == 0 && same_config(&before, &after));
    uplink_config_free(&before);
    uplink_config_free(&c);
    uplink_config_free(&on_br);
    uplink_config_free(&after);
}

/* A route the kernel refuses on the bridge (its gateway is on no subnet) fails
 * the attach after the bridge, the enslaving and the addresses: all undone. */
static void test_attach_undone(void)
{
    uplink_config before = {0}, c = {0}, after = {0};
    verr err = VERR_INIT;
    CHECK(uplink_read(NIC, &before, &err) == 0);
    CHECK(uplink_read(NIC, &c, &err) == 0);
    uplink_route bad = c.routes[0];
    vnet_addr_parse("10.0.0.0", &bad.dst);
    bad.prefix = 8;
    vnet_addr_parse("198.51.100.1", &bad.gateway);
    *(uplink_route *)xarray_push(&c.routes, &c.n_routes, sizeof(bad)) = bad;
    CHECK(uplink_attach(NIC, BR, &c, &err) < 0);
    CHECK(strstr(err.msg, "(undone)") != NULL);
    fprintf(stderr, "  (expected) %s\n", err.msg);
    netdev_link l;
    CHECK(netdev_link_get(BR, &l, NULL) == 0);
    CHECK(netdev_link_get(NIC, &l, NULL) == 1 && l.master == 0);
    CHECK(uplink_read(NIC, &after, &err) == 0 && same_config(&before, &after));
    uplink_config_free(&before);
    uplink_config_free(&c);
    uplink_config_free(&after);
}

/* A multipath route with a nexthop through the NIC cannot move: refused.
 * One through other links only does not matter. */
static void test_multipath(void)
{
    uplink_config c = {0};
    verr err = VERR_INIT;
    CHECK(system("ip addr add 198.51.100.2/24 dev " PEER) == 0);
    CHECK(system("ip route add 10.8.0.0/16 nexthop via 198.51.100.1 dev " PEER
                 " nexthop via 198.51.100.3 dev " PEER) == 0);
    CHECK(uplink_read(NIC, &c, &err) == 0);
    uplink_config_free(&c);
    CHECK(system("ip route add 10.9.0.0/16 nexthop via 192.0.2.1 dev " NIC
                 " nexthop via 198.51.100.1 dev " PEER) == 0);
    CHECK(uplink_read(NIC, &c, &err) < 0 && err.kind == VERR_UNSUPPORTED);
    CHECK(strstr(err.msg, "the route to 10.9.0.0/16 uses multipath") != NULL);
    CHECK(system("ip route del 10.9.0.0/16 && ip route del 10.8.0.0/16 && "
                 "ip addr del 198.51.100.2/24 dev " PEER) == 0);
}

static void test_sriov(void)
{
    char dir[] = "/tmp/vnet-sysfs-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char *p = xasprintf(
        "mkdir -p %s/class/net/pf0/device %s/class/net/pf1/device "
        "%s/bus/pci/devices/0000:03:10.0/net/pf0v0 "
        "%s/bus/pci/devices/0000:03:10.2 && "
        "ln -s ../../../../bus/pci/devices/0000:03:10.0 %s/class/net/pf0/device/virtfn0 && "
        "ln -s ../../../../bus/pci/devices/0000:03:10.2 %s/class/net/pf0/device/virtfn1",
        dir, dir, dir, dir, dir, dir);
    CHECK(system(p) == 0);
    free(p);
    netdev_vf *vfs = NULL;
    size_t n = 0;
    verr err = VERR_INIT;
    CHECK(netdev_sriov_vfs(dir, "pf0", &vfs, &n, &err) == 0 && n == 2);
    if (n == 2) {
        CHECK_STR(vfs[0].pci, "0000:03:10.0");
        CHECK_STR(vfs[0].ifname, "pf0v0");
        CHECK_STR(vfs[1].pci, "0000:03:10.2");
        CHECK_STR(vfs[1].ifname, "");
    }
    free(vfs);
    CHECK(netdev_sriov_vfs(dir, "pf1", &vfs, &n, &err) == 0 && n == 0);
    CHECK(netdev_sriov_vfs(dir, "nope", &vfs, &n, &err) < 0 && err.kind == VERR_NOT_FOUND);
    CHECK(netdev_pci_exists(dir, "0000:03:10.2") == 1);
    CHECK(netdev_pci_exists(dir, "0000:03:10.3") == 0);
    p = xasprintf("rm -rf %s", dir);
    CHECK(system(p) == 0);
    free(p);
}

static void test_htb(void)
{
    verr err = VERR_INIT;
    netdev_htb h = {.rate = 1250000, .ceil = 2500000, .burst = 65536};
    CHECK(netdev_htb_present(PEER, NULL, &err) == 0);
    CHECK(netdev_htb_set(PEER, &h, &err) == 0);
    CHECK(netdev_htb_present(PEER, NULL, &err) == 1);
    h.rate = 2500000;
    CHECK(netdev_htb_set(PEER, &h, &err) == 0); /* again: the class changes */
    if (err.msg[0])
        fprintf(stderr, "htb again: %s\n", err.msg);
    CHECK(netdev_qdisc_clear(PEER, &err) == 0);
    CHECK(netdev_htb_present(PEER, NULL, &err) == 0);
    CHECK(netdev_qdisc_clear(PEER, &err) == 0); /* none: fine */
    netdev_htb zero = {0};
    CHECK(netdev_htb_set(PEER, &zero, &err) < 0);
}

int main(void)
{
    if (refuse_unless_isolated() < 0)
        return 1;
    setup_nic();
    test_attach_detach();
    test_attach_undone();
    test_multipath();
    test_sriov();
    test_htb();
    netdev_link_delete(NIC, NULL);
    netdev_close();
    return testlib_done("uplink-netdev");
}

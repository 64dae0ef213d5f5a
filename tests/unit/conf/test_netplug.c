/* netport_choose_plug: which plug a new port gets, as libvirt chooses it. */
#include <stdlib.h>
#include <string.h>

#include "../testlib.h"
#include "conf/netplug.h"

static netdef *def_of(const char *xml)
{
    netdef *def = NULL;
    verr err = VERR_INIT;
    if (netdef_parse_string(xml, "<test>", &def, &err) < 0)
        fprintf(stderr, "parse: %s\n", err.msg);
    return def;
}

static netport *port_new(void)
{
    return calloc(1, sizeof(netport));
}

/* Allocate n ports in a row on def/pool; ret_ports keeps them. */
static int alloc_ports(const netdef *def, const netplug_pool *pool, netport **ports, size_t n,
                       verr *err)
{
    for (size_t i = 0; i < n; i++) {
        ports[i] = port_new();
        if (netport_choose_plug(def, pool, (const netport *const *)ports, i, ports[i], err) < 0)
            return (int)i;
    }
    return (int)n;
}

static void free_ports(netport **ports, size_t n)
{
    for (size_t i = 0; i < n; i++)
        netport_free(ports[i]);
}

static void test_managed_and_bridge(void)
{
    netdef *nat = def_of("<network><name>n</name><bridge name='virbr9'/><forward/>"
                         "<ip address='10.9.0.1' prefix='24'/></network>");
    netplug_pool pool = {0};
    netport *p = port_new();
    verr err = VERR_INIT;
    CHECK(netport_choose_plug(nat, &pool, NULL, 0, p, &err) == 0);
    CHECK(p->plug == NETPORT_PLUG_NETWORK);
    CHECK_STR(p->bridge, "virbr9");
    netport_free(p);
    netdef_free(nat);

    netdef *br = def_of("<network><name>lan</name><forward mode='bridge'/>"
                        "<bridge name='br0' macTableManager='libvirt'/></network>");
    p = port_new();
    CHECK(netport_choose_plug(br, &pool, NULL, 0, p, &err) == 0);
    CHECK(p->plug == NETPORT_PLUG_BRIDGE);
    CHECK_STR(p->bridge, "br0");
    CHECK_STR(p->mac_table_manager, "libvirt");
    netport_free(p);
    pool.unusable = "bridge 'br0' does not exist";
    p = port_new();
    CHECK(netport_choose_plug(br, &pool, NULL, 0, p, &err) < 0);
    CHECK_STR(err.msg, "network 'lan' cannot take ports now: bridge 'br0' does not exist");
    CHECK(p->plug == NETPORT_PLUG_NONE);
    netport_free(p);
    netdef_free(br);
}

static void test_direct(void)
{
    char *devs[] = {"eth1", "eth2", "eth3"};
    netplug_pool pool = {.devs = devs, .n_devs = 3};
    netdef *vepa = def_of("<network><name>v</name><forward mode='vepa'>"
                          "<interface dev='eth1'/><interface dev='eth2'/><interface dev='eth3'/>"
                          "</forward></network>");
    netport *ports[7];
    verr err = VERR_INIT;
    CHECK(alloc_ports(vepa, &pool, ports, 7, &err) == 7);
    /* least used, first of equals: 1 2 3 1 2 3 1 */
    const char *want[] = {"eth1", "eth2", "eth3", "eth1", "eth2", "eth3", "eth1"};
    for (size_t i = 0; i < 7; i++) {
        CHECK(ports[i]->plug == NETPORT_PLUG_DIRECT);
        CHECK_STR(ports[i]->dev, want[i]);
        CHECK_STR(ports[i]->mode, "vepa");
    }
    /* a port on eth2 goes: the next one takes eth2 (now least used) */
    netport *gone = ports[1];
    ports[1] = ports[6];
    netport *next = port_new();
    CHECK(netport_choose_plug(vepa, &pool, (const netport *const *)ports, 6, next, &err) == 0);
    CHECK_STR(next->dev, "eth2");
    netport_free(next);
    netport_free(gone);
    free_ports(ports, 6);
    netdef_free(vepa);

    netdef *pt = def_of("<network><name>pt</name><forward mode='passthrough'>"
                        "<interface dev='eth1'/><interface dev='eth2'/></forward></network>");
    pool.n_devs = 2;
    CHECK(alloc_ports(pt, &pool, ports, 3, &err) == 2); /* passthrough: exclusive */
    CHECK_STR(ports[0]->dev, "eth1");
    CHECK_STR(ports[1]->dev, "eth2");
    CHECK_STR(ports[0]->mode, "passthrough");
    CHECK_STR(err.msg, "internal error: network 'pt' requires exclusive access to interfaces, but "
                       "none are available");
    free_ports(ports, 3);
    netplug_pool empty = {0};
    netport *p = port_new();
    CHECK(netport_choose_plug(pt, &empty, NULL, 0, p, &err) < 0);
    CHECK_STR(
        err.msg,
        "internal error: network 'pt' uses a direct mode, but has no forward dev and no interface "
        "pool");
    netport_free(p);
    netdef_free(pt);
}

static void test_hostdev(void)
{
    netplug_pci pcis[2];
    CHECK(netplug_pci_parse("0000:03:10.0", &pcis[0]) == 0);
    CHECK(netplug_pci_parse("0000:03:10.2", &pcis[1]) == 0);
    netplug_pci bad;
    CHECK(netplug_pci_parse("0000:03:10", &bad) < 0);
    CHECK(netplug_pci_parse("0000:03:10.9", &bad) < 0);
    CHECK(netplug_pci_parse("0000:03:10.1x", &bad) < 0);
    char buf[16];
    CHECK_STR(netplug_pci_str(&pcis[1], buf), "0000:03:10.2");
    netplug_pool pool = {.pcis = pcis, .n_pcis = 2};
    netdef *hd = def_of("<network><name>hd</name><forward mode='hostdev' managed='yes'>"
                        "<driver name='vfio'/><pf dev='eth3'/></forward></network>");
    CHECK_STR(netdef_forward_pf(hd), "eth3");
    netport *ports[3];
    verr err = VERR_INIT;
    CHECK(alloc_ports(hd, &pool, ports, 3, &err) == 2);
    CHECK(ports[0]->plug == NETPORT_PLUG_HOSTDEV_PCI && ports[0]->pci_slot == 0x10 &&
          ports[0]->pci_function == 0 && ports[0]->managed == VT_YES);
    CHECK_STR(ports[0]->driver, "vfio");
    CHECK(ports[1]->pci_function == 2);
    CHECK_STR(err.msg, "internal error: network 'hd' requires exclusive access to interfaces, but "
                       "none are available");
    /* reclaim (libvirt's networkNotifyPort): the address must be in the pool and free */
    netport *back = port_new();
    back->plug = NETPORT_PLUG_HOSTDEV_PCI;
    back->pci_bus = 3;
    back->pci_slot = 0x10;
    CHECK(netport_check_reclaim(hd, &pool, (const netport *const *)ports, 2, back, &err) < 0);
    CHECK_STR(err.msg, "internal error: network 'hd' claims the PCI device at domain=0 bus=3 "
                       "slot=16 function=0 is already in use by a different network port");
    CHECK(netport_check_reclaim(hd, &pool, (const netport *const *)ports, 1 /* ports[1] gone */,
                                ports[1], &err) == 0);
    back->pci_function = 5;
    CHECK(netport_check_reclaim(hd, &pool, NULL, 0, back, &err) < 0);
    CHECK_STR(err.msg,
              "internal error: network 'hd' doesn't have PCI device 0000:03:10.5 in use by network "
              "port");
    netport_free(back);
    free_ports(ports, 3);
    netdef_free(hd);

    netdef *ad = def_of("<network><name>ad</name><forward mode='hostdev'>"
                        "<address type='pci' domain='0x0000' bus='0x04' slot='0x00' "
                        "function='0x1'/></forward></network>");
    netplug_pci *list = NULL;
    CHECK(netdef_forward_pcis(ad, &list) == 1);
    CHECK(list && list[0].bus == 4 && list[0].function == 1);
    free(list);
    netdef_free(ad);
}

/* Open vSwitch networks: the port carries the virtualport (interfaceid made
 * up when missing) and its portgroup's VLAN tags, as libvirt's. */
static void test_ovs_portgroups(void)
{
    netdef *ovs = def_of("<network><name>ovs</name><forward mode='bridge'/>"
                         "<bridge name='ovsbr0'/><virtualport type='openvswitch'/>"
                         "<portgroup name='alice' default='yes'><vlan><tag id='10'/></vlan>"
                         "</portgroup>"
                         "<portgroup name='bob'><vlan trunk='yes'><tag id='20'/><tag id='21'/>"
                         "</vlan><virtualport type='openvswitch'><parameters profileid='bobprof'/>"
                         "</virtualport>"
                         "<bandwidth><inbound average='100' burst='10'/></bandwidth>"
                         "</portgroup></network>");
    CHECK(ovs != NULL);
    if (!ovs)
        return;
    CHECK(netdef_bridge_is_ovs(ovs)); /* the network's virtualport */
    netplug_pool pool = {0};
    const uint8_t u[16] = {0xde, 0xad, 0xbe, 0xef, 0, 1, 0x40, 2, 0x80, 3, 4, 5, 6, 7, 8, 9};
    verr err = VERR_INIT;
    netport *p = port_new();
    CHECK(netport_choose_plug(ovs, &pool, NULL, 0, p, &err) == 0);
    CHECK(netport_apply_network(ovs, p, u, &err) == 0);
    char *xml = netport_format(p);
    CHECK(strstr(xml, "<virtualport type='openvswitch'>") != NULL);
    CHECK(strstr(xml, "interfaceid='deadbeef-0001-4002-8003-040506070809'") != NULL);
    CHECK(strstr(xml, "<tag id='10'/>") != NULL); /* the default portgroup's */
    free(xml);
    netport_free(p);

    p = port_new();
    p->group = strdup("bob");
    CHECK(netport_choose_plug(ovs, &pool, NULL, 0, p, &err) == 0);
    CHECK(netport_apply_network(ovs, p, u, &err) == 0);
    xml = netport_format(p);
    CHECK(strstr(xml, "<vlan trunk='yes'>") != NULL && strstr(xml, "<tag id='21'/>") != NULL);
    CHECK(strstr(xml, "profileid='bobprof'") != NULL);
    CHECK(strstr(xml, "<inbound average='100' burst='10'/>") != NULL);
    free(xml);
    netport_free(p);
    netdef_free(ovs);

    netdef *fl = def_of("<network><name>fl</name><forward mode='nat'/><bridge name='vfl0'/>"
                        "<portgroup name='g' default='yes'><bandwidth><inbound average='10' "
                        "floor='5'/></bandwidth></portgroup>"
                        "<ip address='10.3.0.1' prefix='24'/></network>");
    if (fl) { /* a floor needs the network's inbound average */
        p = port_new();
        CHECK(netport_choose_plug(fl, &pool, NULL, 0, p, &err) == 0);
        CHECK(netport_apply_network(fl, p, u, &err) < 0 && err.kind == VERR_UNSUPPORTED);
        CHECK(strstr(err.msg, "Invalid use of 'floor' on interface with MAC address") != NULL);
        CHECK(strstr(err.msg, "network 'fl' has no inbound QoS set") != NULL);
        netport_free(p);
        netdef_free(fl);
    }
    fl = def_of("<network><name>fl</name><forward mode='nat'/><bridge name='vfl0'/>"
                "<bandwidth><inbound average='1250'/></bandwidth>"
                "<portgroup name='g' default='yes'><bandwidth><inbound average='10' "
                "floor='5'/></bandwidth></portgroup>"
                "<ip address='10.3.0.1' prefix='24'/></network>");
    if (fl) { /* with one, the port takes the portgroup's floor (its class comes later) */
        p = port_new();
        CHECK(netport_choose_plug(fl, &pool, NULL, 0, p, &err) == 0);
        CHECK(netport_apply_network(fl, p, u, &err) == 0);
        CHECK(netport_inbound_floor(p) == 5);
        netport_free(p);
        netdef_free(fl);
    }
    fl = def_of("<network><name>fb</name><forward mode='bridge'/><bridge name='br0'/>"
                "<bandwidth><inbound average='1250'/></bandwidth>"
                "<portgroup name='g' default='yes'><bandwidth><inbound average='10' "
                "floor='5'/></bandwidth></portgroup></network>");
    if (fl) { /* a bridge vnet does not manage: no floor, as libvirt */
        p = port_new();
        CHECK(netport_choose_plug(fl, &pool, NULL, 0, p, &err) == 0);
        CHECK(netport_apply_network(fl, p, u, &err) < 0 && err.kind == VERR_UNSUPPORTED);
        CHECK(strstr(err.msg, "'floor' is only supported for interface type 'network' with "
                              "forward type 'nat', 'route', 'open' or none") != NULL);
        netport_free(p);
        netdef_free(fl);
    }

    /* an Open vSwitch bridge by a portgroup's virtualport alone; a Linux
     * bridge without one; never a managed bridge or a macvtap pool */
    const char *kinds[][2] = {
        {"<forward mode='bridge'/><bridge name='b'/><portgroup name='p'><virtualport "
         "type='openvswitch'/></portgroup>",
         "y"},
        {"<forward mode='bridge'/><bridge name='b'/><portgroup name='p'/>", "n"},
        {"<forward mode='bridge'/><bridge name='b'/><virtualport type='802.1Qbh'/>", "n"},
        {"<forward mode='bridge'><interface dev='eth1'/></forward><virtualport "
         "type='openvswitch'/>",
         "n"},
        {"<forward mode='nat'/><bridge name='b'/><ip address='10.4.0.1' prefix='24'/>", "n"},
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        char *text = NULL;
        CHECK(asprintf(&text, "<network><name>k</name>%s</network>", kinds[i][0]) > 0);
        netdef *k = def_of(text);
        CHECK(k != NULL);
        if (k)
            CHECK(netdef_bridge_is_ovs(k) == (kinds[i][1][0] == 'y'));
        netdef_free(k);
        free(text);
    }

    netdef *qbh = def_of("<network><name>q</name><forward mode='bridge'/><bridge name='br1'/>"
                         "<virtualport type='802.1Qbh'><parameters profileid='x'/></virtualport>"
                         "</network>");
    if (qbh) {
        p = port_new();
        CHECK(netport_choose_plug(qbh, &pool, NULL, 0, p, &err) == 0);
        CHECK(netport_apply_network(qbh, p, u, &err) < 0);
        CHECK_STR(err.msg, "<virtualport type='802.1Qbh'> not supported for network 'q' which "
                           "uses a bridge device");
        netport_free(p);
        netdef_free(qbh);
    }
}

int main(void)
{
    test_ovs_portgroups();
    test_managed_and_bridge();
    test_direct();
    test_hostdev();
    return testlib_done("netplug");
}

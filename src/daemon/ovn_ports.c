/* Ports of OVN networks: the plug libvirt's VM driver uses for OVN (bridge
 * br-int, <virtualport type='openvswitch'> with interfaceid), and the logical
 * switch port with the guest's MAC and address. */
#include <string.h>

#include "daemon/ovn_daemon.h"
#include "ovn/ovn_nb.h"
#include "ovn/ovn_network.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"


static void port_lsp_name(const netport *p, char buf[37])
{
    netdef tmp = {.uuid = {0}};
    memcpy(tmp.uuid, p->uuid, 16);
    netdef_uuid_str(&tmp, buf);
}

int ovn_port_plug(vnetd *d, const vnet_net *net, netport *p, verr *err)
{
    char lsp[37], ip[VNET_ADDR_STRLEN];
    port_lsp_name(p, lsp);
    _cleanup_(ovsdb_closep) ovsdb *c = NULL;
    if (ovn_network_connect(net->live, &c, err) < 0 ||
        ovn_nb_port_ensure(c, net->live, lsp, p->mac, ip, err) < 0)
        return -1;
    free(p->bridge);
    free(p->mac_table_manager);
    p->mac_table_manager = NULL;
    p->plug = NETPORT_PLUG_BRIDGE;
    p->bridge = xstrdup(ovn_daemon_bridge(d));
    netport_set_ovs_interfaceid(p, lsp);
    char macs[18];
    log_info("network '%s': logical switch port %s for %s at %s", net->name, lsp,
             vnet_mac_str(p->mac, macs), ip);
    return 0;
}

int ovn_port_unplug(vnetd *d, const vnet_net *net, const netport *p, verr *err)
{
    char lsp[37];
    port_lsp_name(p, lsp);
    _cleanup_(ovsdb_closep) ovsdb *c = NULL;
    if (ovn_network_connect(net->live, &c, err) < 0 ||
        ovn_nb_port_remove(c, net->name, lsp, err) < 0)
        return -1;
    log_info("network '%s': logical switch port %s deleted", net->name, lsp);
    return 0;
}

void ovn_ports_resync(vnetd *d, const vnet_net *net, netport *const *ports, size_t n)
{
    if (n == 0)
        return;
    _cleanup_(ovsdb_closep) ovsdb *c = NULL;
    verr e = VERR_INIT;
    if (ovn_network_connect(net->live, &c, &e) < 0) {
        log_warn("%s", e.msg);
        return;
    }
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        char lsp[37], ip[VNET_ADDR_STRLEN];
        port_lsp_name(ports[i], lsp);
        verr_clear(&e);
        if (ovn_nb_port_ensure(c, net->live, lsp, ports[i]->mac, ip, &e) < 0)
            log_warn("network '%s': %s", net->name, e.msg);
        else
            ok++;
    }
    log_info("network '%s': %zu of %zu logical switch ports ensured", net->name, ok, n);
}

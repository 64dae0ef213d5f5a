/* Who owns a NIC, asked over D-Bus, and what to tell its owner instead.
 *
 * NetworkManager: GetDeviceByIpIface(nic) gives the device; its Managed
 * property says whether NM configures it. systemd-networkd: GetLinkByName(nic)
 * gives the link; its AdministrativeState is "configuring" or "configured"
 * when a .network file matched. A NIC whose owner changes its addresses behind
 * our back (or re-adds them when they vanish) must not be moved by vnet.
 */
#include <linux/if_addr.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "daemon/uplink.h"
#include "util/strbuf.h"

#define BUS_TIMEOUT_USEC (2ULL * 1000000ULL)

static void busp(sd_bus **b)
{
    if (*b)
        sd_bus_flush_close_unref(*b);
}

/* Is the service running? Asked of the bus itself, so that asking never
 * starts it by D-Bus activation (that would start the very tool vnet means to
 * stay clear of). */
static bool name_running(sd_bus *bus, const char *name)
{
    sd_bus_message *reply = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    int has = 0;
    if (sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                           "org.freedesktop.DBus", "NameHasOwner", &e, &reply, "s", name) >= 0)
        sd_bus_message_read(reply, "b", &has);
    sd_bus_message_unref(reply);
    sd_bus_error_free(&e);
    return has != 0;
}

static bool nm_manages(sd_bus *bus, const char *nic)
{
    sd_bus_message *reply = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    const char *path;
    bool managed = false;
    int r = sd_bus_call_method(bus, "org.freedesktop.NetworkManager",
                               "/org/freedesktop/NetworkManager", "org.freedesktop.NetworkManager",
                               "GetDeviceByIpIface", &e, &reply, "s", nic);
    if (r >= 0 && sd_bus_message_read(reply, "o", &path) >= 0) {
        int b = 0;
        sd_bus_error e2 = SD_BUS_ERROR_NULL;
        if (sd_bus_get_property_trivial(bus, "org.freedesktop.NetworkManager", path,
                                        "org.freedesktop.NetworkManager.Device", "Managed", &e2,
                                        'b', &b) >= 0)
            managed = b != 0;
        sd_bus_error_free(&e2);
    }
    sd_bus_message_unref(reply);
    sd_bus_error_free(&e);
    return managed;
}

static bool networkd_configures(sd_bus *bus, const char *nic)
{
    sd_bus_message *reply = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    const char *path;
    int ifindex;
    bool configured = false;
    int r = sd_bus_call_method(bus, "org.freedesktop.network1", "/org/freedesktop/network1",
                               "org.freedesktop.network1.Manager", "GetLinkByName", &e, &reply, "s",
                               nic);
    if (r >= 0 && sd_bus_message_read(reply, "io", &ifindex, &path) >= 0) {
        char *state = NULL;
        sd_bus_error e2 = SD_BUS_ERROR_NULL;
        if (sd_bus_get_property_string(bus, "org.freedesktop.network1", path,
                                       "org.freedesktop.network1.Link", "AdministrativeState", &e2,
                                       &state) >= 0)
            configured = streq(state, "configured") || streq(state, "configuring");
        free(state);
        sd_bus_error_free(&e2);
    }
    sd_bus_message_unref(reply);
    sd_bus_error_free(&e);
    return configured;
}

uplink_owner_kind uplink_owner_ask(const char *nic)
{
    __attribute__((cleanup(busp))) sd_bus *bus = NULL;
    if (sd_bus_open_system(&bus) < 0)
        return UPLINK_OWNER_NONE; /* no system bus: neither tool can be running */
    sd_bus_set_method_call_timeout(bus, BUS_TIMEOUT_USEC);
    if (name_running(bus, "org.freedesktop.NetworkManager") && nm_manages(bus, nic))
        return UPLINK_OWNER_NM;
    if (name_running(bus, "org.freedesktop.network1") && networkd_configures(bus, nic))
        return UPLINK_OWNER_NETWORKD;
    return UPLINK_OWNER_NONE;
}

/* ---------------------------------------------------------------- advice */

static bool has_dynamic(const uplink_config *c, int family)
{
    for (size_t i = 0; i < c->n_addrs; i++)
        if (c->addrs[i].addr.family == family && !(c->addrs[i].flags & IFA_F_PERMANENT))
            return true;
    return false;
}

static const uplink_route *default_route(const uplink_config *c, int family)
{
    for (size_t i = 0; i < c->n_routes; i++)
        if (c->routes[i].prefix == 0 && c->routes[i].dst.family == family &&
            vnet_addr_is_set(&c->routes[i].gateway))
            return &c->routes[i];
    return NULL;
}

static void advice_nm_family(strbuf *b, const uplink_config *c, int family)
{
    const char *v = family == AF_INET ? "ipv4" : "ipv6";
    char buf[128], g[VNET_ADDR_STRLEN];
    if (has_dynamic(c, family)) {
        strbuf_addf(b, " %s.method auto", v);
        return;
    }
    bool any = false;
    for (size_t i = 0; i < c->n_addrs; i++) {
        if (c->addrs[i].addr.family != family)
            continue;
        if (!any)
            strbuf_addf(b, " %s.method manual %s.addresses ", v, v);
        strbuf_addf(b, "%s%s", any ? "," : "", uplink_addr_str(&c->addrs[i], buf, sizeof(buf)));
        any = true;
    }
    if (!any) {
        strbuf_addf(b, " %s.method %s", v, family == AF_INET ? "disabled" : "ignore");
        return;
    }
    const uplink_route *r = default_route(c, family);
    if (r)
        strbuf_addf(b, " %s.gateway %s", v, vnet_addr_str(&r->gateway, g));
    if (r && r->metric)
        strbuf_addf(b, " %s.route-metric %u", v, r->metric);
}

static void advice_nm(strbuf *b, const char *nic, const char *bridge, const uplink_config *c)
{
    char mac[18];
    strbuf_addf(b,
                "NetworkManager manages '%s'. Let it build the bridge instead:\n"
                "  nmcli connection add type bridge ifname %s con-name %s bridge.stp no "
                "bridge.forward-delay 0 ethernet.cloned-mac-address %s",
                nic, bridge, bridge, vnet_mac_str(c->mac, mac));
    advice_nm_family(b, c, AF_INET);
    advice_nm_family(b, c, AF_INET6);
    strbuf_addf(b,
                "\n  nmcli connection add type bridge-slave ifname %s con-name %s-port-%s "
                "master %s\n"
                "  nmcli connection up %s\n",
                nic, bridge, nic, bridge, bridge);
}

static void advice_networkd_network(strbuf *b, const uplink_config *c)
{
    char buf[128], g[VNET_ADDR_STRLEN];
    bool v4 = has_dynamic(c, AF_INET), v6 = has_dynamic(c, AF_INET6);
    if (v4 || v6)
        strbuf_addf(b, "  DHCP=%s\n", v4 && v6 ? "yes" : v4 ? "ipv4" : "ipv6");
    for (size_t i = 0; i < c->n_addrs; i++)
        if (c->addrs[i].flags & IFA_F_PERMANENT)
            strbuf_addf(b, "  Address=%s\n", uplink_addr_str(&c->addrs[i], buf, sizeof(buf)));
    /* Gateways without a metric belong in [Network], the others in a [Route] each. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < c->n_routes; i++) {
            const uplink_route *r = &c->routes[i];
            if (r->prefix != 0 || !vnet_addr_is_set(&r->gateway) || (r->metric != 0) != pass)
                continue;
            if (pass)
                strbuf_addf(b, "  [Route]\n  Gateway=%s\n  Metric=%u\n",
                            vnet_addr_str(&r->gateway, g), r->metric);
            else
                strbuf_addf(b, "  Gateway=%s\n", vnet_addr_str(&r->gateway, g));
        }
}

static void advice_networkd(strbuf *b, const char *nic, const char *bridge, const uplink_config *c,
                            bool owned)
{
    char mac[18];
    if (owned)
        strbuf_addf(b, "systemd-networkd configures '%s'. Let it build the bridge instead:\n", nic);
    strbuf_addf(b,
                "  /etc/systemd/network/25-%s.netdev:\n"
                "  [NetDev]\n  Name=%s\n  Kind=bridge\n  MACAddress=%s\n"
                "  [Bridge]\n  STP=no\n  ForwardDelaySec=0\n\n"
                "  /etc/systemd/network/25-%s-port-%s.network:\n"
                "  [Match]\n  Name=%s\n  [Network]\n  Bridge=%s\n\n"
                "  /etc/systemd/network/25-%s.network:\n"
                "  [Match]\n  Name=%s\n  [Network]\n",
                bridge, bridge, vnet_mac_str(c->mac, mac), bridge, nic, nic, bridge, bridge,
                bridge);
    advice_networkd_network(b, c);
    strbuf_add(b, "  then: networkctl reload\n");
}

char *uplink_advice(uplink_owner_kind owner, const char *nic, const char *bridge,
                    const uplink_config *c)
{
    strbuf b = STRBUF_INIT;
    char buf[128];
    switch (owner) {
    case UPLINK_OWNER_NM:
        advice_nm(&b, nic, bridge, c);
        break;
    case UPLINK_OWNER_NETWORKD:
        advice_networkd(&b, nic, bridge, c, true);
        break;
    case UPLINK_OWNER_DHCP:
    case UPLINK_OWNER_NONE:
        for (size_t i = 0; i < c->n_addrs; i++)
            if (!(c->addrs[i].flags & IFA_F_PERMANENT)) {
                strbuf_addf(&b,
                            "'%s' holds a dynamic address %s (a DHCP lease or SLAAC): its client "
                            "would lose it on the bridge. Give the bridge to the DHCP client "
                            "instead, e.g. with systemd-networkd:\n",
                            nic, uplink_addr_str(&c->addrs[i], buf, sizeof(buf)));
                break;
            }
        advice_networkd(&b, nic, bridge, c, false);
        strbuf_addf(&b,
                    "  or with NetworkManager:\n  nmcli connection add type bridge ifname %s "
                    "con-name %s bridge.stp no ipv4.method auto\n"
                    "  nmcli connection add type bridge-slave ifname %s master %s\n",
                    bridge, bridge, nic, bridge);
        break;
    }
    return strbuf_take(&b);
}

/* --coexist=firewalld: put a network's bridge into a firewalld zone made for
 * vnet (as libvirt does with its "libvirt" zone), through firewalld's D-Bus
 * API on the system bus (sd-bus). The zone accepts what comes from the
 * bridge (guests' DHCP, DNS and forwarded traffic); firewalld keeps ruling
 * everything else. The zone is created once (permanent, then a reload); the
 * bridge's binding is runtime, made again whenever firewalld's rules drop the
 * network's traffic (e.g. after a firewalld restart).
 */
#include <string.h>
#include <systemd/sd-bus.h>

#include "daemon/daemon.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

#define FWD_BUS "org.fedoraproject.FirewallD1"
#define FWD_PATH "/org/fedoraproject/FirewallD1"
#define FWD_CONFIG_PATH "/org/fedoraproject/FirewallD1/config"
#define FWD_IFACE "org.fedoraproject.FirewallD1"
#define FWD_ZONE_IFACE "org.fedoraproject.FirewallD1.zone"
#define FWD_CONFIG_IFACE "org.fedoraproject.FirewallD1.config"
#define VNET_ZONE "vnet"
#define FWD_CALL_TIMEOUT_USEC (3ULL * 1000000ULL) /* the daemon waits at most this long */

static void busp(sd_bus **b)
{
    sd_bus_flush_close_unref(*b);
}

static void msgp(sd_bus_message **m)
{
    sd_bus_message_unref(*m);
}

static int bus_fail(verr *err, int r, sd_bus_error *e, const char *what)
{
    if (e && sd_bus_error_is_set(e))
        verr_set(err, VERR_SYSTEM, "firewalld: %s: %s", what, e->message ? e->message : e->name);
    else
        verr_errno(err, -r, "firewalld: %s", what);
    sd_bus_error_free(e);
    return -1;
}

/* Does firewalld know the vnet zone (permanent configuration)? */
static int zone_exists(sd_bus *bus, verr *err)
{
    sd_bus_error e = SD_BUS_ERROR_NULL;
    _cleanup_(msgp) sd_bus_message *reply = NULL;
    int r = sd_bus_call_method(bus, FWD_BUS, FWD_CONFIG_PATH, FWD_CONFIG_IFACE, "getZoneNames", &e,
                               &reply, "");
    if (r < 0)
        return bus_fail(err, r, &e, "listing zones");
    if ((r = sd_bus_message_enter_container(reply, 'a', "s")) < 0)
        return bus_fail(err, r, NULL, "reading the zone list");
    const char *name;
    while ((r = sd_bus_message_read(reply, "s", &name)) > 0)
        if (streq(name, VNET_ZONE))
            return 1;
    return r < 0 ? bus_fail(err, r, NULL, "reading the zone list") : 0;
}

/* Create the vnet zone (target ACCEPT) and reload so it is in force. */
static int zone_create(sd_bus *bus, verr *err)
{
    sd_bus_error e = SD_BUS_ERROR_NULL;
    _cleanup_(msgp) sd_bus_message *m = NULL;
    int r = sd_bus_message_new_method_call(bus, &m, FWD_BUS, FWD_CONFIG_PATH, FWD_CONFIG_IFACE,
                                           "addZone2");
    if (r >= 0)
        r = sd_bus_message_append(m, "s", VNET_ZONE);
    if (r >= 0)
        r = sd_bus_message_append(m, "a{sv}", 3, "target", "s", "ACCEPT", "short", "s", "vnet",
                                  "description", "s",
                                  "Bridges of vnet's virtual networks: their guests' DHCP, DNS "
                                  "and forwarded traffic is accepted");
    if (r < 0)
        return bus_fail(err, r, NULL, "building the zone");
    if ((r = sd_bus_call(bus, m, 0, &e, NULL)) < 0)
        return bus_fail(err, r, &e, "creating zone '" VNET_ZONE "'");
    if ((r = sd_bus_call_method(bus, FWD_BUS, FWD_PATH, FWD_IFACE, "reload", &e, NULL, "")) < 0)
        return bus_fail(err, r, &e, "reloading");
    return 0;
}

static int bind_interface(sd_bus *bus, const char *bridge, verr *err)
{
    sd_bus_error e = SD_BUS_ERROR_NULL;
    _cleanup_(msgp) sd_bus_message *reply = NULL;
    int r = sd_bus_call_method(bus, FWD_BUS, FWD_PATH, FWD_ZONE_IFACE, "getZoneOfInterface", &e,
                               &reply, "s", bridge);
    if (r < 0)
        return bus_fail(err, r, &e, "asking the zone of the bridge");
    const char *zone = "";
    sd_bus_message_read(reply, "s", &zone);
    if (streq(zone, VNET_ZONE))
        return 0;
    r = sd_bus_call_method(bus, FWD_BUS, FWD_PATH, FWD_ZONE_IFACE, "changeZoneOfInterface", &e,
                           NULL, "ss", VNET_ZONE, bridge);
    if (r < 0)
        return bus_fail(err, r, &e, "putting the bridge into zone '" VNET_ZONE "'");
    return 1;
}

int coexist_firewalld_bind(const char *bridge, verr *err)
{
    _cleanup_(busp) sd_bus *bus = NULL;
    int r = sd_bus_open_system(&bus);
    if (r < 0)
        return verr_errno(err, -r, "firewalld: connecting to the system bus");
    sd_bus_set_method_call_timeout(bus, FWD_CALL_TIMEOUT_USEC);
    r = zone_exists(bus, err);
    if (r == 0)
        r = zone_create(bus, err);
    if (r < 0)
        return -1;
    return bind_interface(bus, bridge, err);
}

int coexist_firewalld_unbind(const char *bridge, verr *err)
{
    _cleanup_(busp) sd_bus *bus = NULL;
    int r = sd_bus_open_system(&bus);
    if (r < 0)
        return verr_errno(err, -r, "firewalld: connecting to the system bus");
    sd_bus_set_method_call_timeout(bus, FWD_CALL_TIMEOUT_USEC);
    sd_bus_error e = SD_BUS_ERROR_NULL;
    r = sd_bus_call_method(bus, FWD_BUS, FWD_PATH, FWD_ZONE_IFACE, "removeInterface", &e, NULL,
                           "ss", VNET_ZONE, bridge);
    return r < 0 ? bus_fail(err, r, &e, "taking the bridge out of zone '" VNET_ZONE "'") : 0;
}

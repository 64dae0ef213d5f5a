/* A stand-in NetworkManager or systemd-networkd on a test's private bus, for
 * the uplink tests: claims one interface name and answers the calls vnetd
 * makes about it (NM: GetDeviceByIpIface + Device.Managed; networkd:
 * GetLinkByName + Link.AdministrativeState). Usage: fake-owner nm|networkd IFNAME
 * (the bus from DBUS_SYSTEM_BUS_ADDRESS). Runs until killed. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>

static const char *ifname;

static int nm_get_device(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
    const char *name;
    int r = sd_bus_message_read(m, "s", &name);
    if (r < 0)
        return r;
    if (strcmp(name, ifname) != 0)
        return sd_bus_error_setf(e, "org.freedesktop.NetworkManager.UnknownDevice",
                                 "No device found for the requested iface.");
    return sd_bus_reply_method_return(m, "o", "/org/freedesktop/NetworkManager/Devices/7");
}

static int nd_get_link(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
    const char *name;
    int r = sd_bus_message_read(m, "s", &name);
    if (r < 0)
        return r;
    if (strcmp(name, ifname) != 0)
        return sd_bus_error_setf(e, "org.freedesktop.network1.NoSuchLink", "Link %s not known",
                                 name);
    return sd_bus_reply_method_return(m, "io", 7, "/org/freedesktop/network1/link/_37");
}

static const sd_bus_vtable nm_manager[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("GetDeviceByIpIface", "s", "o", nm_get_device, 0),
    SD_BUS_VTABLE_END,
};
static const sd_bus_vtable nm_device[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Managed", "b", NULL, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_VTABLE_END,
};
static const sd_bus_vtable nd_manager[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("GetLinkByName", "s", "io", nd_get_link, 0),
    SD_BUS_VTABLE_END,
};

static int nd_state(sd_bus *bus, const char *path, const char *iface, const char *prop,
                    sd_bus_message *reply, void *userdata, sd_bus_error *e)
{
    return sd_bus_message_append(reply, "s", "configured");
}

static const sd_bus_vtable nd_link[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("AdministrativeState", "s", nd_state, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_VTABLE_END,
};

int main(int argc, char **argv)
{
    static int managed = 1;
    sd_bus *bus = NULL;
    if (argc != 3 || (strcmp(argv[1], "nm") != 0 && strcmp(argv[1], "networkd") != 0)) {
        fprintf(stderr, "usage: fake-owner nm|networkd IFNAME\n");
        return 2;
    }
    ifname = argv[2];
    int r = sd_bus_open_system(&bus);
    bool nm = strcmp(argv[1], "nm") == 0;
    if (r >= 0 && nm)
        r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/NetworkManager",
                                     "org.freedesktop.NetworkManager", nm_manager, NULL);
    if (r >= 0 && nm)
        r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/NetworkManager/Devices/7",
                                     "org.freedesktop.NetworkManager.Device", nm_device, &managed);
    if (r >= 0 && !nm)
        r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/network1",
                                     "org.freedesktop.network1.Manager", nd_manager, NULL);
    if (r >= 0 && !nm)
        r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/network1/link/_37",
                                     "org.freedesktop.network1.Link", nd_link, NULL);
    if (r >= 0)
        r = sd_bus_request_name(
            bus, nm ? "org.freedesktop.NetworkManager" : "org.freedesktop.network1", 0);
    if (r < 0) {
        fprintf(stderr, "fake-owner: %s\n", strerror(-r));
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    for (;;) {
        r = sd_bus_process(bus, NULL);
        if (r < 0)
            return 1;
        if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
            return 1;
    }
}

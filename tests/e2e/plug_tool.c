/* Stand-in for a hypervisor asking for a port, until ports have their RPC:
 * prints the plug netport_choose_plug() gives a new port on a running network,
 * from the network's status file (the pool its start recorded) and definition.
 * Usage: plug-tool ROOT NAME [DEV-OR-PCI-IN-USE...]; prints "direct DEV MODE",
 * "bridge BRIDGE", "network BRIDGE" or "hostdev-pci ADDR"; errors on stderr. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/netplug.h"
#include "network/pool.h"
#include "network/status.h"
#include "util/strbuf.h"

static netdef *load_def(const char *root, const char *name, json_t *st)
{
    netdef *def = NULL;
    verr err = VERR_INIT;
    json_t *xml = json_object_get(st, "def");
    int r;
    if (json_is_string(xml)) {
        r = netdef_parse_string(json_string_value(xml), "status", &def, &err);
    } else {
        char *path = xasprintf("%s/etc/vnet/networks/%s.xml", root, name);
        r = netdef_parse_file(path, &def, &err);
        free(path);
    }
    if (r < 0)
        fprintf(stderr, "plug-tool: %s\n", err.msg);
    return r < 0 ? NULL : def;
}

/* Ports already on the network: each argument a device or a PCI address. */
static netport **used_ports(char **args, int n)
{
    netport **ports = calloc((size_t)n + 1, sizeof(netport *));
    for (int i = 0; i < n; i++) {
        ports[i] = calloc(1, sizeof(netport));
        netplug_pci p;
        if (netplug_pci_parse(args[i], &p) == 0) {
            ports[i]->plug = NETPORT_PLUG_HOSTDEV_PCI;
            ports[i]->pci_domain = p.domain;
            ports[i]->pci_bus = p.bus;
            ports[i]->pci_slot = p.slot;
            ports[i]->pci_function = p.function;
        } else {
            ports[i]->plug = NETPORT_PLUG_DIRECT;
            ports[i]->dev = strdup(args[i]);
        }
    }
    return ports;
}

static void print_plug(const netport *p)
{
    char buf[16];
    netplug_pci pci = {p->pci_domain, p->pci_bus, p->pci_slot, p->pci_function};
    switch (p->plug) {
    case NETPORT_PLUG_DIRECT:
        printf("direct %s %s\n", p->dev, p->mode);
        break;
    case NETPORT_PLUG_HOSTDEV_PCI:
        printf("hostdev-pci %s\n", netplug_pci_str(&pci, buf));
        break;
    default:
        printf("%s %s\n", p->plug == NETPORT_PLUG_BRIDGE ? "bridge" : "network", p->bridge);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: plug-tool ROOT NAME [IN-USE...]\n");
        return 2;
    }
    char *path = xasprintf("%s/run/vnet/status/%s.json", argv[1], argv[2]);
    json_t *file = json_load_file(path, 0, NULL);
    free(path);
    json_t *st = json_object_get(file, "status");
    netdef *def = file ? load_def(argv[1], argv[2], file) : NULL;
    if (!def || !st) {
        fprintf(stderr, "plug-tool: network '%s' is not running\n", argv[2]);
        return 1;
    }
    net_run run;
    net_run_from_json(st, &run);
    netplug_pool pool;
    network_pool_from_run(&run, &pool);
    int n = argc - 3;
    netport **used = used_ports(argv + 3, n);
    netport *port = calloc(1, sizeof(netport));
    verr err = VERR_INIT;
    int rc = netport_choose_plug(def, &pool, (const netport *const *)used, (size_t)n, port, &err);
    if (rc < 0)
        fprintf(stderr, "plug-tool: %s\n", err.msg);
    else
        print_plug(port);
    for (int i = 0; i < n; i++)
        netport_free(used[i]);
    free(used);
    netport_free(port);
    network_pool_clear(&pool);
    net_run_clear(&run);
    netdef_free(def);
    json_decref(file);
    return rc < 0 ? 1 : 0;
}

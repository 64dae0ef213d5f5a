/* A stand-in for src/network used by the daemon's unit tests: it touches
 * nothing on the host and logs each call ("start NAME", ...) to the file named
 * by $VNET_STUB_LOG, so the tests can check what vnetd asked for. A network
 * whose <title> is "fail" fails to start; reloading hosts fails when a DHCP
 * host has MAC 52:54:00:00:0f:a1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/network.h"

static void stub_log(const char *what, const netdef *def)
{
    const char *path = getenv("VNET_STUB_LOG");
    if (!path)
        return;
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    fprintf(f, "%s %s\n", what, def->name);
    fclose(f);
}

static json_t *stub_status(const netdef *def)
{
    json_t *j = json_object();
    json_object_set_new(j, "bridge", json_string(def->bridge_name ? def->bridge_name : ""));
    json_object_set_new(j, "stub", json_true());
    return j;
}

int network_start(const network_env *env, const netdef *def, json_t **ret_status, verr *err)
{
    stub_log("start", def);
    if (def->title && strcmp(def->title, "fail") == 0)
        return verr_set(err, VERR_SYSTEM, "starting network '%s': stub: refused", def->name);
    *ret_status = stub_status(def);
    return 0;
}

int network_stop(const network_env *env, const netdef *def, const json_t *status, verr *err)
{
    stub_log("stop", def);
    return 0;
}

int network_reattach_ports(const netdef *def, char *const *ports, size_t n, unsigned *ret_count,
                           verr *err)
{
    *ret_count = 0;
    return 0;
}

void network_forget_leases(const network_env *env, const char *name)
{
}

int network_adopt(const network_env *env, const netdef *def, const json_t *status,
                  json_t **ret_status, bool *ret_repaired, verr *err)
{
    stub_log("adopt", def);
    *ret_status = stub_status(def);
    if (ret_repaired)
        *ret_repaired = false;
    return 0;
}

int network_reload_hosts(const network_env *env, const netdef *def, const json_t *status, verr *err)
{
    stub_log("reload", def);
    for (size_t i = 0; i < def->n_ips; i++)
        for (size_t j = 0; j < def->ips[i].n_hosts; j++)
            if (def->ips[i].hosts[j].mac &&
                strcmp(def->ips[i].hosts[j].mac, "52:54:00:00:0f:a1") == 0)
                return verr_set(err, VERR_SYSTEM, "stub: reload refused");
    return 0;
}

int network_repair_firewall(const network_env *env, const netdef *def, verr *err)
{
    stub_log("repair-firewall", def);
    return 0;
}

pid_t network_status_dnsmasq_pid(const json_t *status)
{
    return 0;
}

const char *network_status_bridge(const json_t *status)
{
    return json_string_value(json_object_get(status, "bridge"));
}

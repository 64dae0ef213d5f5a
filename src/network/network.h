/* Start / adopt / stop one network: orders the steps, undoes on failure.
 *
 * The status (a JSON object, saved by the daemon as the network's status
 * file) records exactly what start created, so stop removes exactly that, and
 * adopt can check each piece after a daemon restart.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "conf/netdef.h"
#include "store/store.h"
#include "util/error.h"

typedef struct network_env {
    const vnet_paths *paths;
    const char *dnsmasq_bin; /* path to dnsmasq */
    /* vnetd --forwarding=hands-off: ip_forward / conf.all.forwarding are the
     * host's; start and adopt leave them (the daemon reports them off) */
    bool forwarding_hands_off;
} network_env;

/* Start: bridge, addresses, sysctls, firewall, routes, dnsmasq. On failure every
 * step done so far is undone and err says which step failed and why. On
 * success *ret_status describes what was created. */
int network_start(const network_env *env, const netdef *def, json_t **ret_status, verr *err);
/* Stop: reverse of start, driven by the status (not by the definition). */
int network_stop(const network_env *env, const netdef *def, const json_t *status, verr *err);
/* After a daemon restart or a drift event: check each piece and repair what is
 * missing without disturbing what works. *ret_status is the updated status;
 * *ret_repaired (optional) says whether anything was changed. */
int network_adopt(const network_env *env, const netdef *def, const json_t *status,
                  json_t **ret_status, bool *ret_repaired, verr *err);
/* Re-install the network's whole firewall table (one atomic transaction),
 * e.g. after another program changed or flushed it. No-op for open networks. */
int network_repair_firewall(const network_env *env, const netdef *def, verr *err);
/* Re-write the DHCP hosts / DNS hosts files and SIGHUP dnsmasq (live update). */
int network_reload_hosts(const network_env *env, const netdef *def, const json_t *status,
                         verr *err);

/* Pieces of the status the daemon needs. */
pid_t network_status_dnsmasq_pid(const json_t *status);
const char *network_status_bridge(const json_t *status);

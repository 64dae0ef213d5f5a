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

/* ---- what vnet leaves on the host, and finding it again (sweep.c) ----
 *
 * Everything a start creates is findable without the status file: the bridge
 * carries the mark "vnet:NAME" in its ifalias (network_bridge_mark), set
 * right after creation, with ROOT/run/vnet/NAME.creating naming the bridge in
 * between; the table is "inet vnet-BRIDGE"; dnsmasq runs with
 * --conf-file=DNSMASQ_DIR/NAME.conf. So after a crash at any point the sweep
 * finds what belongs to no active network and removes it. */
char *network_bridge_mark(const char *name);
char *network_creating_path(const network_env *env, const char *name);

/* One active network, as the sweep must leave it. */
typedef struct network_owned {
    const char *name;
    const char *bridge; /* managed bridge, NULL if none */
    bool table;         /* its vnet-BRIDGE table is wanted */
    pid_t dnsmasq_pid;  /* 0 if none */
} network_owned;
/* Remove every marked bridge, vnet-* table, dnsmasq process and runtime file
 * that belongs to none of the `n` active networks. *ret_removed (optional)
 * gets how many objects went. Failures are logged and the sweep goes on;
 * returns -1 with err set to the first failure. */
int network_sweep(const network_env *env, const network_owned *owned, size_t n,
                  unsigned *ret_removed, verr *err);
/* ---- changes to a running network (live.c) ---- */
/* Bring the running network to `def` after a net-update of `section`: hosts
 * sections only rewrite the hosts files and SIGHUP dnsmasq; the others
 * replace the firewall table (one transaction) and restart dnsmasq with the
 * new configuration; network_adopt() then checks everything else.
 * *ret_status is the new status, or NULL when it did not change.
 * Limitation: bridge attributes of a running network are not changed beyond
 * what adopt repairs; restart for those. */
int network_update_live(const network_env *env, const netdef *def, netdef_section section,
                        const json_t *status, json_t **ret_status, verr *err);
/* Add (add=true) or remove the forwards pfs[0..n) of a running network whose
 * definition goes from oldlive to newlive: map-element changes only, in one
 * transaction; route_localnet follows loopback forwards. *ret_status is the
 * new status (NULL when nothing changed). On failure nothing changed. */
int network_forwards_change(const network_env *env, const netdef *oldlive, const netdef *newlive,
                            const netdef_port_forward *pfs, size_t n, bool add,
                            const json_t *status, json_t **ret_status, verr *err);
/* Conntrack clean-up (logged, never fails): the connections of a removed
 * forward; earlier connections to a new forward's host port; every forwarded
 * connection of a network being stopped. */
void network_forward_forget(const char *net, const netdef_port_forward *pf);
void network_forward_forget_stale(const char *net, const netdef_port_forward *pf);
void network_forwards_forget_all(const netdef *def);
/* Re-write the DHCP hosts / DNS hosts files and SIGHUP dnsmasq (live update). */
int network_reload_hosts(const network_env *env, const netdef *def, const json_t *status,
                         verr *err);

/* Pieces of the status the daemon needs. */
pid_t network_status_dnsmasq_pid(const json_t *status);
const char *network_status_bridge(const json_t *status);

/* Start / adopt / stop one network: orders the steps, undoes on failure.
 *
 * The run-state (net_run) records exactly what start created, so stop removes
 * exactly that, and adopt can check each piece after a daemon restart. The
 * daemon keeps it with the network and saves it in the network's status file
 * through the serializer in status.h.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <sys/types.h>

#include "conf/netbw.h"
#include "conf/netdef.h"
#include "dnsmasq/dnsmasq.h"
#include "firewall/firewall.h"
#include "store/store.h"
#include "util/error.h"

/* What a running network has on the host. */
typedef struct net_run {
    char bridge[IF_NAMESIZE + 1];  /* the bridge it runs on ("" when none) */
    bool bridge_created;           /* we created the bridge (delete it on stop) */
    bool firewall;                 /* the network's nftables table is ours */
    char fw_digest[FW_DIGEST_LEN]; /* the table as last installed (fw_table_digest), "" unknown */
    bool dnsmasq_files;            /* config/hosts files were written */
    pid_t dnsmasq_pid;             /* 0 when no dnsmasq runs */
    char **sysctls;                /* global sysctls switched on for this network */
    size_t n_sysctls;
    /* networks without a bridge of their own (pool.h): the pool as start
     * expanded it. pool is set for them; pool_devs are interface names
     * (direct modes), pool_pcis PCI addresses (hostdev); both empty for a
     * host bridge (then `bridge` names it). */
    bool pool;
    char **pool_devs;
    size_t n_pool_devs;
    char **pool_pcis;
    size_t n_pool_pcis;
    /* the ports' inbound floors (bandwidth.h), each an htb class and a
     * filter on the bridge; the network's floor sum is theirs */
    netbw_floor *floors;
    size_t n_floors;
} net_run;

void net_run_note_sysctl(net_run *run, const char *path);
void net_run_copy(net_run *dst, const net_run *src); /* dst is overwritten */
bool net_run_equal(const net_run *a, const net_run *b);
void net_run_clear(net_run *run);

typedef struct network_env {
    const vnet_paths *paths;
    const char *dnsmasq_bin; /* path to dnsmasq */
    const char *ovn_host;    /* this host's name for OVN networks (the chassis), or NULL */
    const char *sysfs_root;  /* where sysfs is (SR-IOV pools); NULL = /sys */
    const char *dnsmasq_user; /* account dnsmasq drops to (and its group); NULL: its default */
    /* vnetd --forwarding=hands-off: ip_forward / conf.all.forwarding are the
     * host's; start and adopt leave them (the daemon reports them off) */
    bool forwarding_hands_off;
} network_env;

/* Start: bridge, addresses, sysctls, firewall, routes, dnsmasq. On failure every
 * step done so far is undone and err says which step failed and why. On
 * success *ret_run describes what was created. */
int network_start(const network_env *env, const netdef *def, net_run *ret_run, verr *err);
/* (Networks without a bridge of their own go through network_pool_start, pool.h.) */
/* The same in steps, for an event loop that does not wait for dnsmasq:
 * network_start_begin does everything up to launching dnsmasq and returns 0
 * when the network is up (st->run describes it), 1 when dnsmasq was launched
 * (wait until st->launch.pidfd is readable, draining st->launch.out_fd, then
 * call network_start_finish), or -1 with everything undone. finish returns 0
 * with *ret_run, or -1 with everything undone; network_start_cancel gives up
 * on a launched start (a timeout, or vnetd stopping) and undoes it. */
typedef struct network_starting {
    net_run run;
    dnsmasq_launch launch;
} network_starting;
int network_start_begin(const network_env *env, const netdef *def, network_starting *st, verr *err);
int network_start_finish(const network_env *env, const netdef *def, network_starting *st,
                         net_run *ret_run, verr *err);
void network_start_cancel(const network_env *env, const netdef *def, network_starting *st);
/* Stop: reverse of start, driven by the run-state (not by the definition):
 * dnsmasq first (SIGTERM, waiting for it to exit, SIGKILL after
 * DNSMASQ_STOP_TERM_TIMEOUT_MS), then its files, shaping, the firewall table,
 * the bridge. Every step runs; err is the first failure. */
int network_stop(const network_env *env, const netdef *def, const net_run *run, verr *err);
/* The same in steps, for an event loop that does not wait for dnsmasq:
 * network_stop_begin sends dnsmasq SIGTERM and returns true when there is an
 * exit to wait for (st->dnsmasq_pidfd becomes readable), false when not (call
 * finish at once). network_stop_kill sends SIGKILL (after
 * DNSMASQ_STOP_TERM_TIMEOUT_MS); network_stop_finish removes the rest, once
 * dnsmasq is gone (dnsmasq_gone) or given up on (after
 * DNSMASQ_STOP_KILL_TIMEOUT_MS more: an error, the rest still removed).
 * network_stop_wait blocks up to timeout_ms for the exit (true: gone). */
typedef struct network_stopping {
    pid_t dnsmasq_pid;
    int dnsmasq_pidfd; /* -1 when there is nothing to wait for */
    bool killed;       /* SIGKILL sent */
    verr err;          /* the first failure so far */
} network_stopping;
bool network_stop_begin(const network_env *env, const netdef *def, const net_run *run,
                        network_stopping *st);
void network_stop_kill(network_stopping *st);
bool network_stop_wait(const network_stopping *st, int timeout_ms);
/* Wait here for the exit, the blocking way: the SIGTERM grace, then SIGKILL and
 * its grace (what was done already, SIGKILL sent, is not repeated); true when
 * dnsmasq is gone. */
bool network_stop_wait_all(network_stopping *st);
int network_stop_finish(const network_env *env, const netdef *def, const net_run *run,
                        network_stopping *st, bool dnsmasq_gone, verr *err);
/* Put interfaces that were ports of the network's bridge, and now exist with no
 * master (the bridge was deleted and re-created), back on it. *ret_count gets
 * how many. */
int network_reattach_ports(const netdef *def, char *const *ports, size_t n, unsigned *ret_count,
                           verr *err);
/* Delete the network's DHCP lease file (kept by network_stop): when it is
 * undefined, or a transient network stops. */
void network_forget_leases(const network_env *env, const char *name);
/* After a daemon restart, a drift event or on the periodic check: compare each
 * piece with the kernel and converge — create what is missing, remove what is
 * extra, adopt what matches — without disturbing what works. *ret_run is the
 * updated run-state; *ret_repaired (optional) says whether anything changed. */
int network_adopt(const network_env *env, const netdef *def, const net_run *run,
                  net_run *ret_run, bool *ret_repaired, verr *err);
/* The same without waiting for a dnsmasq it (re)starts: with a, everything
 * else is done and *ret_run filled (without a dnsmasq pid) when it returns
 * 2: an old dnsmasq (changed config, re-created bridge) got SIGTERM: wait
 * until a->stop.dnsmasq_pidfd is readable (network_stop_kill(&a->stop) after
 * DNSMASQ_STOP_TERM_TIMEOUT_MS), then network_adopt_relaunch (1, or -1);
 * 1: a new dnsmasq was launched: wait until a->launch.pidfd is readable
 * (draining a->launch.out_fd), then network_adopt_finish fills
 * run->dnsmasq_pid, or fails (-1). Give a launch up with network_dnsmasq_kill. */
typedef struct network_adopting {
    network_stopping stop;
    dnsmasq_launch launch;
} network_adopting;
int network_adopt_begin(const network_env *env, const netdef *def, const net_run *run,
                        net_run *ret_run, bool *ret_repaired, network_adopting *a, verr *err);
int network_adopt_relaunch(const network_env *env, const netdef *def, network_adopting *a,
                           bool dnsmasq_gone, verr *err);
int network_adopt_finish(const network_env *env, const netdef *def, network_adopting *a,
                         net_run *run, verr *err);
/* network_adopt's firewall part only: the nftables table as vnet installed it,
 * for a change the nftables monitor saw, without the bridge, route, sysctl,
 * tc and dnsmasq checks, whose own monitors ask for those (with 1,000
 * networks, a ruleset flush repairs 1,000 tables). */
int network_adopt_firewall(const network_env *env, const netdef *def, const net_run *old,
                           net_run *ret_run, bool *ret_repaired, verr *err);

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
    /* the bridge its <bandwidth> ifb device is named after (a managed
     * bridge or a host bridge of <forward mode='bridge'>), NULL if none */
    const char *shaped;
} network_owned;
/* Remove every marked bridge and ifb device, vnet-* table (inet, and netdev),
 * dnsmasq process and runtime file that belongs to none of the `n` active
 * networks. Unmarked bridges (host bridges, uplink bridges) are never touched. *ret_removed (optional)
 * gets how many objects went. Failures are logged and the sweep goes on;
 * returns -1 with err set to the first failure. */
int network_sweep(const network_env *env, const network_owned *owned, size_t n,
                  unsigned *ret_removed, verr *err);
/* ---- changes to a running network (live.c) ---- */
/* Bring the running network to `def` after a net-update of `section`: hosts
 * sections only rewrite the hosts files and SIGHUP dnsmasq; the others
 * replace the firewall table (one transaction) and restart dnsmasq with the
 * new configuration; network_adopt() then checks everything else.
 * *ret_run is the new run-state.
 * Limitation: bridge attributes of a running network are not changed beyond
 * what adopt repairs; restart for those. */
int network_update_live(const network_env *env, const netdef *def, netdef_section section,
                        const net_run *run, net_run *ret_run, verr *err);
/* The same in steps, for an event loop that does not wait for dnsmasq
 * (sections that restart it): network_update_live_begin replaces the table
 * and sends the old dnsmasq SIGTERM; it returns 0 when all is done (*ret_run;
 * hosts sections, OVN, no dnsmasq to wait for and none needed), 1 when it
 * waits for u->stop.dnsmasq_pidfd (SIGKILL after DNSMASQ_STOP_TERM_TIMEOUT_MS:
 * network_stop_kill(&u->stop)), -1 with err. network_update_live_relaunch
 * then (dnsmasq_gone: it exited) launches the new dnsmasq: 0 done (*ret_run),
 * 1 waiting for u->launch.pidfd (drain u->launch.out_fd), -1. At last
 * network_update_live_finish (0 with *ret_run: adopt checked the rest, or -1).
 * network_update_live_cancel gives up at any stage (its dnsmasq is killed). */
typedef struct network_updating {
    net_run run;           /* the run-state so far */
    network_stopping stop; /* the old dnsmasq going */
    dnsmasq_launch launch; /* the new one getting ready */
} network_updating;
int network_update_live_begin(const network_env *env, const netdef *def, netdef_section section,
                              const net_run *run, network_updating *u, net_run *ret_run,
                              verr *err);
int network_update_live_relaunch(const network_env *env, const netdef *def, network_updating *u,
                                 bool dnsmasq_gone, net_run *ret_run, verr *err);
int network_update_live_finish(const network_env *env, const netdef *def, network_updating *u,
                               net_run *ret_run, verr *err);
void network_update_live_cancel(const network_env *env, const netdef *def, network_updating *u);
/* dnsmasq's files written and dnsmasq launched / the launch's end (its pid) /
 * a launch given up on (network.c, for live.c). */
int network_dnsmasq_begin(const network_env *env, const netdef *def, dnsmasq_launch *l, verr *err);
int network_dnsmasq_end(const network_env *env, const netdef *def, dnsmasq_launch *l,
                        pid_t *ret_pid, verr *err);
void network_dnsmasq_kill(const network_env *env, const netdef *def, dnsmasq_launch *l);
/* Add (add=true) or remove the forwards pfs[0..n) of a running network whose
 * definition goes from oldlive to newlive: map-element changes only, in one
 * transaction; route_localnet follows loopback forwards. *ret_run is the new
 * run-state (with the table's new digest). On failure nothing changed. */
int network_forwards_change(const network_env *env, const netdef *oldlive, const netdef *newlive,
                            const netdef_port_forward *pfs, size_t n, bool add,
                            const net_run *run, net_run *ret_run, verr *err);
/* Conntrack clean-up (logged, never fails): the connections of a removed
 * forward; earlier connections to a new forward's host port; every forwarded
 * connection of a network being stopped. */
void network_forward_forget(const char *net, const netdef_port_forward *pf);
void network_forward_forget_stale(const char *net, const netdef_port_forward *pf);
void network_forwards_forget_all(const netdef *def);
/* Re-write the DHCP hosts / DNS hosts files and SIGHUP dnsmasq (live update). */
int network_reload_hosts(const network_env *env, const netdef *def, const net_run *run,
                         verr *err);

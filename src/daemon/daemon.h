/* vnetd internals: the daemon state shared by its files.
 *
 *   main.c       arguments, setup, event loop, signals, sd_notify
 *   control.c    control socket: accept, peer credentials, framing, dispatch
 *   limits.c     what one client may cost: sizes, connections, descriptors
 *   registry.c   the networks in memory: definitions + live state, lookup
 *   ops.c        one function per request op (define, start, ...)
 *   ops_update.c net-update
 *   ops_forward.c port forwards (add, del, list)
 *   claims.c     host ports claimed by forwards, across networks
 *   ops_leases.c dhcp-leases
 *   reconcile.c  startup (load, seed default, adopt, autostart) and repairs
 *   supervise.c  drift watches: link events, dnsmasq pidfds, the slow timer
 *   health.c     dnsmasq health: process state and a DNS probe, once a second
 *   events.c     event bus: lifecycle, repairs, findings, to every subscriber
 *   foreign.c    other firewalls' drops: findings per network, --coexist fixes
 *   repair_note.c what a repair restored, for its event
 *   ops_events.c event streams (`vnet events`): one JSON line per event
 *   reload.c     re-reading the definitions directory (vnet reload, SIGHUP)
 *   hairpin.c    hairpin mode on bridge ports (a guest reaching its own forward)
 *   forward_journal.c  forward changes saved as journal lines, folded at load
 *   resolv_watch.c  the host's resolv.conf -> dnsmasq servers-file, SIGHUP on change
 *   ops_uplink.c uplink-* requests: a host NIC into a bridge (see uplink.h)
 *   starting.c   starts that wait for dnsmasq as events, not by blocking the loop
 *   stopping.c   stops that wait for dnsmasq's exit as events, the same way
 *   restarting.c net-update's dnsmasq restarts, the same way
 *   repairing.c  one repair (network_adopt); a dnsmasq it restarts, the same way
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "conf/netdef.h"
#include "daemon/limits.h"
#include "firewall/firewall.h"
#include "network/network.h"
#include "store/store.h"
#include "util/error.h"

#define VNETD_AUTOSTART_PARALLEL 32                /* autostarts waiting for dnsmasq at once */
#define VNETD_REPAIR_BURST 5                       /* repairs allowed per network ... */
#define VNETD_REPAIR_WINDOW_MS 60000               /* ... within this window */
#define VNETD_RESCAN_USEC (60ULL * 1000000ULL)     /* safety-net re-adoption period */
#define VNETD_RESCAN_BATCH 4u                      /* networks it checks between other work */
#define VNETD_REPAIR_BACKOFF_MIN_MS 250        /* beyond the burst: first retry delay ... */
#define VNETD_REPAIR_BACKOFF_MAX_MS 3000       /* ... doubling up to this (< 5 s broken) */

struct vnetd;
typedef struct resolv_watch resolv_watch;
typedef struct op_waiter op_waiter;

/* A port of a network's bridge, as link events told (supervise.c). */
typedef struct net_port {
    char *name;
    long long left_ms; /* when it left the bridge (0: on it): left with the bridge's deletion? */
} net_port;

/* --coexist: fixes for other firewalls the host opted into (foreign.c). */
#define VNETD_COEXIST_DOCKER 0x1u    /* accept rules in Docker's DOCKER-USER chain */
#define VNETD_COEXIST_FIREWALLD 0x2u /* bridges into firewalld's "vnet" zone (D-Bus) */
#define VNETD_COEXIST_UFW 0x4u       /* refused: vnet never edits ufw's files */

/* One network known to the daemon. A persistent network has `config`; an
 * active one has `live` and `status`. A transient network is active with no
 * config and is forgotten when destroyed. */
typedef struct vnet_net {
    char *name;
    uint8_t uuid[16];
    netdef *config; /* saved definition, NULL for a transient network */
    netdef *live;   /* definition the network was started with, NULL when inactive */
    net_run run;    /* what the running network has on the host (zero when inactive) */
    bool autostart;

    struct vnetd *daemon;
    sd_event_source *dnsmasq_watch;             /* pidfd io source, NULL when not watched */
    pid_t dnsmasq_watch_pid;                    /* the pid it watches */
    sd_event_source *repair_timer;              /* pending repair (defer or backoff timer), NULL if none */
    char *repair_reason;                        /* why the pending repair was asked for */
    long long repair_times[VNETD_REPAIR_BURST]; /* ms timestamps of recent repairs */
    bool repair_throttled_logged;
    unsigned repair_backoff_ms; /* current delay between repairs beyond the burst, 0 if none */
    int probe_fd;               /* health.c: socket of the DNS probe in flight, 0 if none */
    uint64_t probe_sent_usec;   /* when it was sent (CLOCK_MONOTONIC) */
    uint16_t probe_id;
    unsigned probe_misses; /* unanswered probes in a row */
    pid_t probe_pid;       /* the dnsmasq those count for */
    bool fw_dirty; /* another program changed the network's nftables table */
    bool repair_full;       /* the pending repair checks everything, not only the firewall */
    struct net_port *ports; /* interfaces on its bridge, put back if the bridge is re-created */
    size_t n_ports;
    /* The live definition equals the saved one (started from it, changed only
     * together with it): the status file then refers to the saved definition
     * instead of holding a second copy, which with thousands of port forwards
     * is most of the cost of every change. */
    bool live_is_config;
    uint64_t drift_seen_usec; /* CLOCK_MONOTONIC when the pending repair was asked for */
    char *last_repair;        /* the last repair's sentence (info), NULL if none */
    time_t last_repair_time;
    json_t *findings;         /* current foreign-firewall findings (array), NULL if none */
    /* A start waiting for its dnsmasq (starting.c): the definition it starts
     * with (owned by the job). The network is not active until it is done;
     * requests that would change it meanwhile are refused as busy. */
    struct start_job *starting;
    netdef *starting_def;
    /* A stop waiting for its dnsmasq to exit (stopping.c). The network is
     * active until it is down; requests that would change it are refused as
     * busy, and drift on it is not repaired. */
    struct stop_job *stopping;
    /* A live net-update restarting its dnsmasq (restarting.c), the same way. */
    struct restart_job *restarting;
    /* A repair waiting for the dnsmasq it restarted (repairing.c). */
    struct repair_job *repairing;
} vnet_net;

typedef struct vnetd {
    vnet_paths paths;
    network_env env;
    const char *dnsmasq_bin;
    bool verbose;
    sd_event *event;
    int lock_fd;
    int listen_fd;
    sd_event_source *listen_src;
    int monitor_fd;
    sd_event_source *monitor_src;
    struct nlsock *rtnl;   /* rtnetlink requests (netdev_use_socket) */
    fw_handles *fw;        /* libnftables contexts + nf_tables socket (fw_use_handles) */
    int fw_monitor_fd;     /* nftables change notifications, -1 when unavailable */
    sd_event_source *fw_monitor_src; /* nftables changes by other programs */
    int netconf_fd;                  /* forwarding sysctl changes (rtnetlink netconf) */
    sd_event_source *netconf_src;
    sd_event_source *rescan_timer;
    sd_event_source *rescan_step_src; /* the periodic check's next batch (idle priority) */
    size_t rescan_next;               /* the network it checks next */
    sd_event_source *health_timer; /* health.c */
    size_t health_cursor;          /* the network whose turn to be probed is next */
    size_t health_state_cursor;    /* ... whose process state is read next */
    bool anchor_failed;            /* the NAT anchor could not be made (logged, not retried) */
    bool anchor_swept;             /* an unwanted anchor left by an earlier vnetd was removed */
    sd_event_source *post_src; /* bookkeeping after every event (supervise.c) */
    sd_event_source *foreign_timer; /* pending foreign-firewall scan (foreign.c) */
    unsigned coexist;               /* VNETD_COEXIST_* */
    bool foreign_retry_wanted;      /* a coexist fix failed: scan again soon */
    int foreign_retries;

    struct conn *conns; /* open control connections (freed at exit) */
    limits limits;      /* what clients may cost (limits.c) */

    vnet_net **nets; /* sorted by name */
    size_t n_nets;

    struct evstream *streams; /* `vnet events` connections (ops_events.c) */
    /* Definition files that do not parse or fit: network name -> {"file",
     * "line", "error", "keeps"}; from startup and the last reload. */
    json_t *def_problems;
    json_t *own_writes; /* name -> identity of the definition file vnetd last wrote */
    resolv_watch *resolv; /* resolv_watch.c */
    struct uplink_entry **uplinks; /* host NICs moved into bridges (ops_uplink.c) */
    size_t n_uplinks;

    struct events_sub *subs; /* event bus subscribers (events.c) */
    size_t n_subs;
    int next_sub_id;

    struct rpc_server *rpc;    /* libvirt RPC sockets (rpc_server.c), NULL when off */
    size_t n_starting;         /* starts waiting for their dnsmasq (starting.c) */
    size_t n_stopping;         /* stops waiting for their dnsmasq's exit (stopping.c) */
    /* The caller of the request being dispatched, when it can take its reply
     * later (control socket; NULL for libvirt RPC, which needs it now). */
    struct op_waiter *waiter;
    struct ports_state *ports; /* network ports (ports.c) */
    struct ovn_state *ovn;     /* OVN chassis options and NB monitors (ovn_watch.c) */
} vnetd;

/* ---- registry.c ---- */
vnet_net *registry_find(vnetd *d, const char *name);
vnet_net *registry_find_uuid(vnetd *d, const uint8_t uuid[16]);
/* Lookup for requests by name or UUID: VERR_NOT_FOUND with the virsh message
 * when absent. */
vnet_net *registry_get(vnetd *d, const char *name, verr *err);
/* Add a new (empty) entry; the name must not exist. */
vnet_net *registry_add(vnetd *d, const char *name);
void registry_remove(vnetd *d, vnet_net *net);
void registry_free_all(vnetd *d);
static inline bool net_active(const vnet_net *n)
{
    return n->live != NULL;
}
static inline bool net_persistent(const vnet_net *n)
{
    return n->config != NULL;
}
/* A start, stop or dnsmasq restart of the network waits for dnsmasq: requests
 * that would change it are refused as busy (starting_check_busy), its drift
 * is not repaired and its dnsmasq not probed. */
static inline bool net_busy(const vnet_net *n)
{
    return n->starting || n->stopping || n->restarting || n->repairing;
}
/* The definition to show: live when active, else config. */
const netdef *net_current(const vnet_net *n);
const char *net_bridge(const vnet_net *n);
/* len random bytes from the kernel (getrandom). */
int registry_random_bytes(void *buf, size_t len, verr *err);
/* Fill what a definition may leave out: uuid, MAC, bridge name (lowest free
 * virbrN, or a "%d" template). `self` is the entry being (re)defined, if any. */
int registry_fill_def(vnetd *d, netdef *def, const vnet_net *self, verr *err);
/* Check the definition does not clash with another network: same uuid under
 * another name, or (when check_bridge) the same managed bridge name. */
int registry_check_conflicts(vnetd *d, const netdef *def, bool check_bridge, verr *err);
/* Save a definition file (formatted, inactive) atomically. */
int registry_save_config(vnetd *d, const netdef *def, verr *err);
/* Write the network's status file from live + run (network/status.h). */
int registry_save_status(vnetd *d, vnet_net *net, verr *err);
/* Start the network with `def` (becomes its live definition). On failure the
 * network stays inactive and err says why. */
int registry_start(vnetd *d, vnet_net *net, const netdef *def, verr *err);
/* The rest of a start once the network is up on the host: `live` (taken)
 * becomes its live definition, *run (taken) its run-state; the status file
 * is written (failing that, the network is stopped again). */
int registry_commit_start(vnetd *d, vnet_net *net, netdef *live, bool from_config, net_run *run,
                          verr *err);
/* Stop an active network; a transient one is removed from the registry (net
 * is freed then: do not use it afterwards). */
int registry_stop(vnetd *d, vnet_net *net, verr *err);
/* The rest of a stop once the network is down on the host: its status file
 * goes, the stopped event; a transient network is removed (net freed). */
void registry_commit_stop(vnetd *d, vnet_net *net);

/* ---- starting.c ---- */
/* Start `net` with `def` (copied) without blocking the loop on its dnsmasq.
 * Returns 0 when the network is up already, -1 with err when the start failed
 * (everything undone), 1 when it waits for dnsmasq: then done(d, ud, err) is
 * called once, later, with err NULL when the network is up, or the error
 * (everything undone). remove_on_failure: the entry was added for this start
 * (create of a transient network) and goes when it fails. */
typedef void (*start_done_fn)(vnetd *d, void *ud, const verr *err);
int starting_begin(vnetd *d, vnet_net *net, const netdef *def, bool remove_on_failure,
                   start_done_fn done, void *ud, verr *err);
/* Its definition file changed by hand meanwhile: the status file will hold
 * the running definition itself. */
void starting_forget_config(vnet_net *net);
/* A request naming a network that is starting or stopping is refused
 * (VERR_BUSY). */
int starting_check_busy(const vnet_net *net, verr *err);
/* Give up on every pending start (vnetd stops): each is undone. */
void starting_cancel_all(vnetd *d);
/* Run the loop until no start is pending (boot: autostart networks). */
void starting_wait_all(vnetd *d);

/* ---- stopping.c ---- */
/* Stop the active `net` without blocking the loop on its dnsmasq's exit.
 * Returns 0 when it is down already (a transient net is freed then), -1 with
 * err when the stop failed, 1 when it waits for dnsmasq: then done(d, ud,
 * err) is called once, later, with err NULL when the network is down (net
 * freed if transient) or the error. */
int stopping_begin(vnetd *d, vnet_net *net, start_done_fn done, void *ud, verr *err);
/* vnetd stops: finish every pending stop, waiting (blocking) for dnsmasq. */
void stopping_finish_all(vnetd *d);

/* ---- restarting.c ---- */
/* Apply a live net-update of `section` to the active `net` (newlive and
 * newconf, which may be NULL, are taken) without blocking the loop on its
 * dnsmasq's restart; `what` names the change for the log. Returns 0 when it
 * is done and committed, -1 with err when it failed (the network put back as
 * it was), 1 when it waits for dnsmasq: then done(d, ud, err) is called once,
 * later. */
int restarting_begin(vnetd *d, vnet_net *net, netdef *newlive, netdef *newconf,
                     netdef_section section, const char *what, start_done_fn done, void *ud,
                     verr *err);
/* vnetd stops: finish every pending restart, waiting (blocking) for dnsmasq. */
void restarting_finish_all(vnetd *d);
/* ops_update.c: commit an update (newlive, newconf taken; either may be NULL;
 * *newrun taken with newlive) / put a failed live update back (blocking). */
void ops_update_commit(vnetd *d, vnet_net *n, netdef *newlive, netdef *newconf, net_run *newrun,
                       const char *what);
void ops_update_rollback(vnetd *d, vnet_net *n, netdef_section section, bool config_saved);

/* ---- control.c ---- */
int control_listen(vnetd *d, verr *err);
void control_close(vnetd *d);
/* Handle one parsed request from a peer; returns the reply (never NULL). */
json_t *control_dispatch(vnetd *d, json_t *req, uid_t peer_uid);
/* For an op whose work goes on after it returns (d->waiter set): it returns
 * control_wait(d, ok) -- ok is the reply to send when the work succeeds --
 * and passes control_waiter_done with the waiter (d->waiter, taken here) as
 * the work's completion (start_done_fn). */
json_t *control_wait(vnetd *d, json_t *ok);
void control_waiter_done(vnetd *d, void *waiter, const verr *err);
/* What control_dispatch returns for such a request (never sent). */
bool control_is_pending(const json_t *reply);
/* A caller that can wait (set as d->waiter around control_dispatch): deliver
 * gets the reply (consumed) once the work is done, unless detached (its
 * caller went away). A waiter no op took is freed with control_waiter_free. */
typedef void (*control_deliver_fn)(void *owner, json_t *reply);
op_waiter *control_waiter_new(const char *op, control_deliver_fn deliver, void *owner);
void control_waiter_detach(op_waiter *w);
void control_waiter_free(op_waiter *w);

/* ---- ops.c, ops_update.c, ops_forward.c, ops_leases.c ---- */
typedef json_t *(*op_fn)(vnetd *d, json_t *req, verr *err);
typedef struct op_def {
    const char *name;
    op_fn fn;
    bool read_only; /* allowed for unprivileged peers */
} op_def;
const op_def *ops_find(const char *name);
/* Make an active network's status file hold its running definition (instead of
 * referring to the saved one) before the saved one changes. */
int ops_detach_live(vnetd *d, vnet_net *n, verr *err);
json_t *op_dhcp_leases(vnetd *d, json_t *req, verr *err);
json_t *op_update(vnetd *d, json_t *req, verr *err);
json_t *op_forward_add(vnetd *d, json_t *req, verr *err);
json_t *op_forward_del(vnetd *d, json_t *req, verr *err);
json_t *op_forward_list(vnetd *d, json_t *req, verr *err);
json_t *op_doctor(vnetd *d, json_t *req, verr *err);       /* doctor.c */
json_t *op_doctor_probe(vnetd *d, json_t *req, verr *err); /* doctor.c, root only */
json_t *op_doctor_fix(vnetd *d, json_t *req, verr *err);   /* doctor.c, root only */

/* ---- claims.c ---- */
/* Refuse a definition whose port forwards claim a host port another network's
 * definition (saved or running) already forwards. */
int claims_check_definition(vnetd *d, const netdef *def, verr *err);
/* Refuse a forward of network `owner` whose host ports any definition (of any
 * network, this one included) already forwards. An OVN network's forwards
 * claim ports of its gateway address in OVN, not of this host: they clash only
 * with forwards of OVN networks on the same NB database and address. */
int claims_check_forward(vnetd *d, const netdef *owner, const netdef_port_forward *pf,
                         verr *err);
/* Commit a new live definition (and run-state, when not NULL: taken) of an
 * active network and save its status file. */
void ops_commit_live(vnetd *d, vnet_net *net, netdef *newlive, net_run *newrun);

/* ---- ops_info.c ---- */
/* Add info's details (mode, ips, link, dnsmasq, ports, forwards, counters,
 * last repair, findings) to a network summary object. */
void ops_info_details(vnetd *d, const vnet_net *n, json_t *o);

/* ---- ops_events.c ---- */
/* Is this request the start of an event stream (op "events")? */
bool ops_events_is_stream(const json_t *req);
/* Take over the connection fd for an event stream: {"ok":true} then one JSON
 * line per event. On failure the caller still owns fd and replies with err. */
int ops_events_start(vnetd *d, const json_t *req, int fd, uid_t uid, verr *err);
void ops_events_close_all(vnetd *d);

/* ---- readiness.c ---- */
/* Can vnetd manage networks? Each fails with the cause and its remedy:
 * nftables refused (not root / no CAP_NET_ADMIN / foreign user namespace /
 * module not loaded / no nf_tables in the kernel), state dirs not writable. */
int readiness_nftables(verr *err);
int readiness_state_dirs(const vnet_paths *p, verr *err);
int readiness_check(vnetd *d, verr *err);

/* ---- foreign.c ---- */
/* "docker,firewalld" -> VNETD_COEXIST_* flags; "none" is no flag. */
int foreign_parse_coexist(const char *list, unsigned *ret, verr *err);
void foreign_setup(vnetd *d);
void foreign_close(vnetd *d);
/* Re-analyse the ruleset for every active network soon (coalesced) / now. */
void foreign_request_scan(vnetd *d);
void foreign_scan_now(vnetd *d);

/* ---- coexist_firewalld.c ---- */
/* Put the bridge into firewalld's "vnet" zone (created when missing): 1 when
 * that changed something, 0 when it was there already, -1 with err. */
int coexist_firewalld_bind(const char *bridge, verr *err);
int coexist_firewalld_unbind(const char *bridge, verr *err);

/* ---- repair_note.c ---- */
/* The pieces of a network a repair may restore, looked at before and after. */
typedef struct repair_note {
    bool bridge_present, bridge_up;
    char fwd4[8], fwd6[8];
    pid_t dnsmasq_pid;
} repair_note;
void repair_note_take(const vnet_net *net, repair_note *ret);
/* Emit the repaired event (what drifted, what was restored, how long) and,
 * when dnsmasq's pid changed, dnsmasq-restarted; remember it as last repair. */
void repair_note_emit(vnetd *d, vnet_net *net, const char *reason, const repair_note *before,
                      bool firewall_restored, long long repair_ms, long long since_seen_ms);

/* ---- reconcile.c ---- */
int reconcile_startup(vnetd *d, verr *err);
/* Ask for a repair of an active network (coalesced, rate-limited). */
void reconcile_request_repair(vnetd *d, vnet_net *net, const char *reason);
/* The same for a change to the network's nftables table alone (fw_dirty): the
 * repair restores the firewall only, unless a full one is asked for too. */
void reconcile_request_firewall_repair(vnetd *d, vnet_net *net, const char *reason);
/* {"throttled", "backoff_ms", "pending"}: repair pacing, for `vnet info`. */
json_t *reconcile_repair_state(const vnet_net *net);
/* Re-adopt now (used by the slow timer and by pending repairs); a dnsmasq it
 * restarts is waited for as an event (repairing.c). */
void reconcile_repair_now(vnetd *d, vnet_net *net, const char *reason);
/* ---- repairing.c ---- */
/* One repair now: full (network_adopt, a dnsmasq it restarts awaited as an
 * event) or of the nftables table only (network_adopt_firewall). */
void repairing_run(vnetd *d, vnet_net *net, const char *reason, bool full);
/* A repair of the network waits for its dnsmasq: note that drift was seen
 * meanwhile (one more repair follows); false when none is pending. */
bool repairing_note_again(vnet_net *net, const char *reason);
/* Before a request changes the network (net may be NULL): finish its pending
 * repair, waiting for the dnsmasq (blocking, bounded). */
void repairing_settle(vnet_net *net);
void repairing_settle_all(vnetd *d);
/* Remove what vnet made that belongs to no active network (network_sweep). */
void reconcile_sweep(vnetd *d);

/* ---- health.c ---- */
int health_setup(vnetd *d, verr *err);
void health_close(vnetd *d);
/* Drop the network's probe state (it stopped, or is freed). */
void health_forget(vnet_net *net);

/* ---- reload.c ---- */
/* Re-read every definition file; returns {"added", "changed", "removed":
 * [names], "problems": {name: problem}} or NULL with err (directory unreadable). */
json_t *reload_definitions(vnetd *d, verr *err);
/* Note a definition file's problem (logged) in `problems` under `name`. */
void reload_record_problem(vnetd *d, json_t *problems, const char *name, const char *path,
                           const char *msg);
/* The recorded problem of a network's definition file, or NULL (borrowed). */
json_t *reload_problem_of(vnetd *d, const char *name);
/* Watch the definitions directory for hand edits (see reload.c). */
int reload_watch(vnetd *d, verr *err);
/* Remember the identity of a definition file vnetd just wrote. */
void reload_note_own_write(vnetd *d, const char *name);

/* ---- hairpin.c ---- */
/* Hairpin mode on the network's bridge ports if it has forwards and
 * br_netfilter is active (a guest reaching its own forward); logs failures. */
void hairpin_sync(vnetd *d, vnet_net *net);
/* Hairpin mode off on its bridge ports once the network has no forwards left. */
void hairpin_clear(vnetd *d, vnet_net *net);
/* Watch ports joining bridges (through the link monitor). */
void hairpin_setup(vnetd *d);
/* ---- forward_journal.c ---- */
/* Save newconf after a one-forward change: append `line` (its journal form)
 * to the network's journal, folding the journal into the definition when it
 * is large; line NULL: a full save. */
int forward_journal_save(vnetd *d, const netdef *newconf, const char *line, verr *err);
/* At load: apply the network's journal to def and fold it (save + remove). */
int forward_journal_replay(vnetd *d, netdef *def);

/* ---- resolv_watch.c ---- */
/* Write the servers file and watch resolv.conf (one inotify instance). */
int resolv_watch_setup(vnetd *d, verr *err);
void resolv_watch_close(vnetd *d);

/* ---- supervise.c ---- */
int supervise_setup(vnetd *d, verr *err);
void supervise_close(vnetd *d);
/* (Watching each active network's dnsmasq follows its status by itself, in
 * the post-event step; so does the NAT anchor.) */
/* Open or close the NAT anchor as active networks need it. */
void supervise_anchor_sync(vnetd *d);
/* Learn the ports on the network's bridge (at start and adoption; later joins
 * and leaves come as link events). */
void supervise_scan_ports(vnet_net *net);
void supervise_forget_ports(vnet_net *net);
/* Put the ports that left the bridge when it was deleted (since `since_ms`)
 * back on the re-created one; returns how many. */
unsigned supervise_reattach_ports(vnet_net *net, long long since_ms);

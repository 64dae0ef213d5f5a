/* dnsmasq: plan (definition -> config + hosts files, pure), process, leases. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf/netdef.h"
#include "util/error.h"
#include "util/strbuf.h"

typedef struct dnsmasq_plan_opts {
    const char *state_dir;   /* where NAME.hostsfile / NAME.addnhosts / NAME.leases live */
    const char *pid_file;    /* NULL: no pid-file line */
    bool libvirt_compat;     /* emit exactly libvirt's config (conformance tests) */
    bool fast_dhcp;          /* vnet default: no ping check before offering (no-ping) */
    /* Upstream servers from this file (no-resolv + servers-file=) instead of
     * dnsmasq reading resolv.conf itself; NULL: dnsmasq's default. */
    const char *servers_file;
    const char *user;      /* user= and group= lines (a dedicated account); NULL: none */
} dnsmasq_plan_opts;

typedef struct dnsmasq_plan {
    char *conf;       /* NAME.conf contents */
    char *hostsfile;  /* dhcp-hostsfile contents ("" when empty) */
    char *addnhosts;  /* addn-hosts contents ("" when empty) */
} dnsmasq_plan;

/* Does the network need a dnsmasq at all (any DHCP, TFTP, RA, or DNS enabled)? */
bool dnsmasq_needed(const netdef *def);
int dnsmasq_plan_build(const netdef *def, const dnsmasq_plan_opts *opts, dnsmasq_plan *ret,
                       verr *err);
void dnsmasq_plan_free(dnsmasq_plan *p);
/* Does the planned dnsmasq take its upstream servers from opts->servers_file
 * (DNS on, not isolated, no forwarder without a domain)? Such a dnsmasq is
 * SIGHUPed when the servers file changes. */
bool dnsmasq_uses_servers_file(const netdef *def);

/* The host's resolver configuration, in vnetd's view. */
#define DNSMASQ_RESOLV_CONF "/etc/resolv.conf"
/* The shared servers-file: STATE_DIR/vnet-resolv.servers (caller frees). No
 * network's files collide with it: theirs end in .conf/.hostsfile/... */
char *dnsmasq_servers_path(const char *state_dir);
/* Upstream servers (dnsmasq_servers.c). The servers-file text ("server=ADDR"
 * per usable nameserver line) for a resolv.conf's contents (NULL: none). */
char *dnsmasq_servers_from_resolv(const char *resolv);
/* Re-write servers_path from resolv_path when its contents differ (an absent
 * or unreadable resolv.conf gives no servers). only_if_missing: leave an
 * existing file alone. *ret_changed (may be NULL) says whether it was written. */
int dnsmasq_servers_update(const char *resolv_path, const char *servers_path, bool only_if_missing,
                           bool *ret_changed, verr *err);

/* Start dnsmasq with the config file; returns once it is serving (its
 * daemonizing parent exited 0) with the daemon's pid (read from pid_file).
 * On failure, dnsmasq's own message is in err. */
int dnsmasq_spawn(const char *binary, const char *conf_path, const char *pid_file, pid_t *ret_pid,
                  verr *err);
/* The same in steps, for an event loop: launch dnsmasq without waiting; the
 * launch is over when `pidfd` is readable (its daemonizing parent exited),
 * or after DNSMASQ_SPAWN_TIMEOUT_MS; meanwhile `out_fd` (non-blocking) carries
 * its messages. dnsmasq_launch_end then reaps the parent and checks that the
 * daemon serves (fills *ret_pid) or explains the failure; dnsmasq_launch_kill
 * gives up on a launch (kills the parent and any daemon it left). Either
 * closes the launch. */
#define DNSMASQ_SPAWN_TIMEOUT_MS 5000
typedef struct dnsmasq_launch {
    pid_t pid;  /* the daemonizing parent, 0 when none */
    int pidfd;  /* its pidfd, -1 when none */
    int out_fd; /* its stdout + stderr, -1 when none */
    strbuf out; /* what it wrote so far (bounded) */
} dnsmasq_launch;
#define DNSMASQ_LAUNCH_INIT                                                                        \
    {                                                                                              \
        .pid = 0, .pidfd = -1, .out_fd = -1, .out = STRBUF_INIT                                    \
    }
int dnsmasq_launch_begin(const char *binary, const char *conf_path, dnsmasq_launch *l, verr *err);
/* Block until the launch is over (true) or timeout_ms passed (false). */
bool dnsmasq_launch_wait(dnsmasq_launch *l, int timeout_ms);
/* Take what the parent wrote so far (call when out_fd is readable); false at EOF. */
bool dnsmasq_launch_drain(dnsmasq_launch *l);
int dnsmasq_launch_end(dnsmasq_launch *l, const char *binary, const char *conf_path,
                       const char *pid_file, pid_t *ret_pid, verr *err);
void dnsmasq_launch_kill(dnsmasq_launch *l, const char *conf_path, const char *pid_file);
/* ---- health (dnsmasq_health.c) ---- */
/* The state letter of /proc/PID/stat ('S', 'R', 'T' when stopped...), 0 if gone. */
char dnsmasq_proc_state(pid_t pid);
/* Stopped, traced, zombie or dead: not serving, whatever else it looks like. */
bool dnsmasq_state_unhealthy(char state);
/* A DNS query dnsmasq answers itself (CHAOS TXT version.bind) with this id,
 * into buf; returns its length (0 if buf is too small). */
size_t dnsmasq_probe_query(uint8_t *buf, size_t len, uint16_t id);
/* Is buf a reply (QR set) to the probe with this id? */
bool dnsmasq_probe_reply_ok(const uint8_t *buf, size_t len, uint16_t id);

/* Is `pid` a live dnsmasq running with this config file? */
bool dnsmasq_is_ours(pid_t pid, const char *conf_path);
/* Every process running with a config file DIR/NAME.conf in conf_dir (found
 * through /proc): what vnet started, whoever remembers it. */
typedef struct dnsmasq_proc {
    pid_t pid;
    char name[256]; /* NAME */
} dnsmasq_proc;
int dnsmasq_find_all(const char *conf_dir, dnsmasq_proc **ret, size_t *ret_n, verr *err);
int dnsmasq_reload(pid_t pid, verr *err); /* SIGHUP: re-read hosts files */
/* SIGTERM, wait (bounded) for exit, SIGKILL if needed. Absent is success. */
int dnsmasq_stop(pid_t pid, verr *err);
/* The same in steps, for an event loop: dnsmasq_stop_begin sends SIGTERM and
 * returns 1 with a pidfd that becomes readable when the process is gone (0:
 * it was gone already, no pidfd; -1 with err). After
 * DNSMASQ_STOP_TERM_TIMEOUT_MS, dnsmasq_stop_kill sends SIGKILL; give up
 * DNSMASQ_STOP_KILL_TIMEOUT_MS later. dnsmasq_stop_end reaps (when it is our
 * child) and closes the pidfd. */
#define DNSMASQ_STOP_TERM_TIMEOUT_MS 2000
#define DNSMASQ_STOP_KILL_TIMEOUT_MS 1000
int dnsmasq_stop_begin(pid_t pid, int *ret_pidfd, verr *err);
int dnsmasq_stop_kill(pid_t pid, int pidfd, verr *err);
void dnsmasq_stop_end(int pidfd);
/* Check the binary exists and is runnable; fills version "2.90". */
int dnsmasq_check_binary(const char *binary, char *version, size_t len, verr *err);

typedef struct dnsmasq_lease {
    int64_t expiry;      /* epoch seconds; 0 = infinite */
    int family;          /* AF_INET / AF_INET6 */
    char mac[18];        /* "" for IPv6 leases without one */
    char ip[46];
    char hostname[256];  /* "" when none ("*" in the file) */
    char client_id[256]; /* client id or DUID, "" when none */
    unsigned iaid;       /* IPv6 */
} dnsmasq_lease;

/* Parse a dnsmasq lease file. A missing file is an empty list. */
int dnsmasq_leases_read(const char *path, dnsmasq_lease **ret, size_t *ret_n, verr *err);

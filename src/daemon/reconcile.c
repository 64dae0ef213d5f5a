/* Converging the host to the desired state: at startup (load definitions,
 * seed the default network, adopt what is running, autostart) and when the
 * host drifts (rate-limited repairs through network_adopt). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/uplink.h"
#include "firewall/firewall.h"
#include "network/status.h"
#include "proto/proto.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

static char *seed_marker_path(vnetd *d)
{
    return xasprintf("%s/.default-seeded", d->paths.config_dir);
}

/* Load one saved definition; a definition missing uuid/MAC/bridge (written
 * by hand) gets them assigned and saved back, as define would. */
static void load_definition(vnetd *d, const char *name)
{
    _cleanup_free_ char *path = store_definition_path(&d->paths, name);
    _cleanup_(netdef_freep) netdef *def = NULL;
    verr err = VERR_INIT;
    if (!d->def_problems)
        d->def_problems = json_object();
    if (netdef_parse_file(path, &def, &err) < 0) {
        reload_record_problem(d, d->def_problems, name, path, err.msg);
        return;
    }
    if (!streq(def->name, name)) {
        _cleanup_free_ char *msg = xasprintf("%s: it defines network '%s', not '%s' (the file "
                                             "name must be the network's name)",
                                             path, def->name, name);
        reload_record_problem(d, d->def_problems, name, path, msg);
        return;
    }
    forward_journal_replay(d, def);
    bool complete =
        def->has_uuid && (!netdef_is_managed_bridge(def) ||
                          (def->has_mac && def->bridge_name && !strchr(def->bridge_name, '%')));
    if (registry_fill_def(d, def, NULL, &err) < 0 ||
        registry_check_conflicts(d, def, false, &err) < 0) {
        _cleanup_free_ char *msg = xasprintf("%s: %s", path, err.msg);
        reload_record_problem(d, d->def_problems, name, path, msg);
        return;
    }
    if (registry_check_conflicts(d, def, true, &err) < 0)
        log_warn("%s: %s (starting both at once will fail)", path, err.msg);
    if (!complete && registry_save_config(d, def, &err) < 0)
        log_warn("%s", err.msg);
    vnet_net *n = registry_add(d, name);
    memcpy(n->uuid, def->uuid, 16);
    n->config = TAKE_PTR(def);
    n->autostart = store_autostart_get(&d->paths, name);
}

/* First start on a root: define `default` from the built-in definition and
 * mark it autostart, once (the marker keeps an undefined default undefined). */
static void seed_default(vnetd *d)
{
    _cleanup_free_ char *marker = seed_marker_path(d);
    struct stat st;
    if (stat(marker, &st) == 0)
        return;
    verr err = VERR_INIT;
    if (!registry_find(d, "default")) {
        _cleanup_(netdef_freep) netdef *def = netdef_builtin_default();
        if (registry_fill_def(d, def, NULL, &err) < 0 ||
            registry_check_conflicts(d, def, true, &err) < 0 ||
            registry_save_config(d, def, &err) < 0 ||
            store_autostart_set(&d->paths, "default", true, &err) < 0) {
            log_err("defining the default network: %s", err.msg);
            return;
        }
        vnet_net *n = registry_add(d, "default");
        memcpy(n->uuid, def->uuid, 16);
        n->config = TAKE_PTR(def);
        n->autostart = true;
        log_info("defined the default network (autostart)");
    }
    if (store_write_atomic(marker, "", 0, 0644, &err) < 0)
        log_warn("%s", err.msg);
}

/* Parse a status file into (name, live definition, status, transient). */
static int load_status_file(vnetd *d, const char *name, netdef **ret_def, net_run *ret_run,
                            bool *ret_transient, bool *ret_is_config, verr *err)
{
    _cleanup_free_ char *path = store_status_path(&d->paths, name);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r = store_read_file(path, &text, &len, err);
    if (r <= 0)
        return r < 0 ? -1 : verr_set(err, VERR_NOT_FOUND, "%s vanished", path);
    json_error_t jerr;
    json_t *j = json_loadb(text, len, 0, &jerr);
    if (!j)
        return verr_set(err, VERR_INVALID, "%s:%d: %s", path, jerr.line, jerr.text);
    *ret_is_config = json_is_true(json_object_get(j, "def_is_config"));
    if (*ret_is_config) {
        /* the network runs the saved definition (loaded before the statuses) */
        vnet_net *n = registry_find(d, name);
        *ret_def = n && n->config ? netdef_dup(n->config) : NULL;
        if (!*ret_def) {
            json_decref(j);
            return verr_set(err, VERR_INVALID,
                            "%s: the network runs its saved definition, which is missing", path);
        }
        net_run_from_json(json_object_get(j, "status"), ret_run);
        *ret_transient = false;
        json_decref(j);
        return 0;
    }
    const char *xml = json_string_value(json_object_get(j, "def"));
    _cleanup_free_ char *source = xasprintf("%s (def)", path);
    if (!xml) {
        json_decref(j);
        return verr_set(err, VERR_INVALID, "%s: no live definition ('def')", path);
    }
    if (netdef_parse_string(xml, source, ret_def, err) < 0) {
        json_decref(j);
        return -1;
    }
    net_run_from_json(json_object_get(j, "status"), ret_run);
    *ret_transient = json_is_true(json_object_get(j, "transient"));
    json_decref(j);
    return 0;
}

/* A network that was active when the daemon stopped: take it over, repairing
 * what is missing without disturbing what works. */
static void adopt_active(vnetd *d, const char *name)
{
    verr err = VERR_INIT;
    netdef *def = NULL;
    net_run run = {0};
    bool transient = false, is_config = false;
    if (load_status_file(d, name, &def, &run, &transient, &is_config, &err) < 0) {
        /* The network is not active then: the sweep removes what it left. */
        log_err("network '%s': cannot read its status (%s); taking it as inactive", name,
                err.msg);
        verr_clear(&err);
        if (store_delete_status(&d->paths, name, &err) < 0)
            log_err("%s", err.msg);
        return;
    }
    vnet_net *n = registry_find(d, name);
    json_t *problem = reload_problem_of(d, name);
    if (!n) {
        n = registry_add(d, name);
        memcpy(n->uuid, def->uuid, 16);
        if (!transient && problem) {
            /* its definition file does not load: the running definition is
             * the last good one (kept in memory; the file stays the user's) */
            n->config = netdef_dup(def);
            json_object_set_new(problem, "keeps",
                                json_string("running on its last good definition"));
        } else if (!transient) {
            log_warn("network '%s' is active but has no saved definition; keeping it as "
                     "transient",
                     name);
        }
    }
    n->live = def;
    n->live_is_config = is_config;
    n->run = run;
    net_run newrun;
    bool repaired = false;
    if (network_adopt(&d->env, def, &n->run, &newrun, &repaired, &err) < 0) {
        log_err("%s", err.msg);
    } else {
        net_run_clear(&n->run);
        n->run = newrun;
        if (repaired)
            log_info("network '%s': adopted, repaired what was missing", name);
        else
            log_info("network '%s': adopted", name);
    }
    if (registry_save_status(d, n, &err) < 0)
        log_err("%s", err.msg);
    supervise_scan_ports(n);
    hairpin_sync(d, n);
}

void reconcile_sweep(vnetd *d)
{
    if (d->n_starting > 0) { /* their pieces belong to no active network yet */
        log_debug("sweep: skipped while %zu network(s) start", d->n_starting);
        return;
    }
    _cleanup_free_ network_owned *owned = xcalloc(d->n_nets + 1, sizeof(*owned));
    size_t n = 0;
    for (size_t i = 0; i < d->n_nets; i++) {
        const vnet_net *net = d->nets[i];
        if (!net_active(net))
            continue;
        network_owned *o = &owned[n++];
        o->name = net->name;
        o->bridge = netdef_is_managed_bridge(net->live) ? net->live->bridge_name : NULL;
        o->table = o->bridge && fw_wanted(net->live);
        o->dnsmasq_pid = net->run.dnsmasq_pid;
        o->shaped = net->live->bridge_name; /* managed or host bridge: its <bandwidth> ifb */
    }
    unsigned removed = 0;
    verr err = VERR_INIT;
    if (network_sweep(&d->env, owned, n, &removed, &err) < 0)
        log_err("%s", err.msg);
    if (removed)
        log_info("removed %u leftover object(s) of networks that are not active", removed);
}

static void autostart_done(vnetd *d, void *ud, const verr *err)
{
    if (err)
        log_err("autostart: %s", err->msg);
}

int reconcile_startup(vnetd *d, verr *err)
{
    char **names = NULL;
    size_t n = 0;
    if (store_list_definitions(&d->paths, &names, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        load_definition(d, names[i]);
    store_free_names(names, n);
    seed_default(d);

    if (store_list_status(&d->paths, &names, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        adopt_active(d, names[i]);
    store_free_names(names, n);
    reconcile_sweep(d);

    /* Host NICs into their bridges before networks that may sit on them. */
    uplink_startup(d);
    /* Side by side: each start's dnsmasq gets ready while the next ones are
     * set up; vnetd is ready (listens) once every autostart is done. */
    for (size_t i = 0; i < d->n_nets; i++) {
        vnet_net *net = d->nets[i];
        if (!net->autostart || net_active(net) || !net->config)
            continue;
        /* finish the starts whose dnsmasq is ready (without waiting), and
         * wait while too many are still getting ready */
        while (d->n_starting > 0 && sd_event_run(d->event, 0) > 0)
            ;
        while (d->n_starting >= VNETD_AUTOSTART_PARALLEL)
            if (sd_event_run(d->event, UINT64_MAX) < 0)
                break;
        verr e = VERR_INIT;
        if (starting_begin(d, net, net->config, false, autostart_done, NULL, &e) < 0)
            log_err("autostart: %s", e.msg);
    }
    starting_wait_all(d);
    return 0;
}

/* Repairs beyond VNETD_REPAIR_BURST in a window are paced, never refused: a
 * fight with another tool over the same bridge or table does not spin, and the
 * network is never left broken for more than VNETD_REPAIR_BACKOFF_MAX_MS.
 * Returns the delay before the next repair may run (0: now). */
static bool repair_window_full(const vnet_net *net)
{
    long long oldest = net->repair_times[0];
    for (size_t i = 1; i < VNETD_REPAIR_BURST; i++)
        if (net->repair_times[i] < oldest)
            oldest = net->repair_times[i];
    return oldest != 0 && proto_now_ms() - oldest < VNETD_REPAIR_WINDOW_MS;
}

static unsigned repair_pace(vnet_net *net)
{
    if (!repair_window_full(net)) {
        net->repair_backoff_ms = 0;
        return 0;
    }
    unsigned b = net->repair_backoff_ms ? net->repair_backoff_ms * 2 : VNETD_REPAIR_BACKOFF_MIN_MS;
    net->repair_backoff_ms = b < VNETD_REPAIR_BACKOFF_MAX_MS ? b : VNETD_REPAIR_BACKOFF_MAX_MS;
    return net->repair_backoff_ms;
}

static void repair_record(vnet_net *net)
{
    size_t oldest = 0;
    for (size_t i = 1; i < VNETD_REPAIR_BURST; i++)
        if (net->repair_times[i] < net->repair_times[oldest])
            oldest = i;
    net->repair_times[oldest] = proto_now_ms();
}

static int repair_fired(sd_event_source *s, void *userdata)
{
    vnet_net *net = userdata;
    _cleanup_free_ char *reason = net->repair_reason;
    net->repair_reason = NULL;
    net->repair_timer = sd_event_source_disable_unref(net->repair_timer);
    bool full = net->repair_full;
    net->repair_full = false;
    repair_record(net); /* drift repairs count toward the burst; periodic checks do not */
    repairing_run(net->daemon, net, reason ? reason : "drift", full);
    return 0;
}

static int repair_timer_fired(sd_event_source *s, uint64_t usec, void *userdata)
{
    return repair_fired(s, userdata);
}

/* Say once per throttled episode that repairs are paced: log, event bus, and
 * `vnet info` (net_repair_state). */
static void repair_say_throttled(vnetd *d, vnet_net *net, const char *reason, unsigned delay)
{
    if (net->repair_throttled_logged)
        return;
    net->repair_throttled_logged = true;
    _cleanup_free_ char *what =
        xasprintf("%s; more than %d repairs in %d s (something else keeps changing it): "
                  "repairs are paced, the next in %u ms, later ones up to %.1f s apart",
                  reason, VNETD_REPAIR_BURST, VNETD_REPAIR_WINDOW_MS / 1000, delay,
                  VNETD_REPAIR_BACKOFF_MAX_MS / 1000.0);
    log_warn("network '%s': %s", net->name, what);
    events_emit_net(d, VNET_EV_FINDING, net->name, net->uuid, what);
}

/* Repair as soon as the events now pending are read (a burst of them becomes
 * one repair: the monitors drain their sockets before the defer source runs),
 * or after the pacing delay. */
static void request_repair(vnetd *d, vnet_net *net, const char *reason, bool full)
{
    if (!net_active(net) || repairing_note_again(net, reason) || net_busy(net))
        return;
    if (full)
        net->repair_full = true;
    if (net->repair_timer)
        return;
    unsigned delay = repair_pace(net);
    uint64_t now;
    sd_event_now(d->event, CLOCK_MONOTONIC, &now);
    int r;
    if (delay == 0) {
        net->repair_throttled_logged = false;
        r = sd_event_add_defer(d->event, &net->repair_timer, repair_fired, net);
        if (r >= 0)
            sd_event_source_set_priority(net->repair_timer, SD_EVENT_PRIORITY_NORMAL);
    } else {
        repair_say_throttled(d, net, reason, delay);
        r = sd_event_add_time(d->event, &net->repair_timer, CLOCK_MONOTONIC,
                              now + (uint64_t)delay * 1000, 0, repair_timer_fired, net);
    }
    if (r < 0) {
        reconcile_repair_now(d, net, reason);
        return;
    }
    free(net->repair_reason);
    net->repair_reason = xstrdup(reason);
    net->drift_seen_usec = now;
}

void reconcile_request_repair(vnetd *d, vnet_net *net, const char *reason)
{
    request_repair(d, net, reason, true);
}

void reconcile_request_firewall_repair(vnetd *d, vnet_net *net, const char *reason)
{
    net->fw_dirty = true;
    request_repair(d, net, reason, false);
}

json_t *reconcile_repair_state(const vnet_net *net)
{
    json_t *o = json_object();
    bool throttled = net->repair_backoff_ms > 0 && repair_window_full(net);
    json_object_set_new(o, "throttled", json_boolean(throttled));
    json_object_set_new(o, "backoff_ms", json_integer(throttled ? net->repair_backoff_ms : 0));
    json_object_set_new(o, "pending", json_boolean(net->repair_timer != NULL));
    return o;
}

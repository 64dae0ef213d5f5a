/* One repair of a running network (network_adopt), without blocking the loop
 * on a dnsmasq it restarts.
 *
 * Everything but dnsmasq is repaired at once (kernel calls); a dnsmasq that
 * died or must be restarted is launched and its readiness is an event, as in
 * a start. The repair is then finished: the new run-state committed, ports
 * put back, the repaired event, the status file. Meanwhile the network is not
 * probed or repaired again (net_busy; drift seen meanwhile asks for one more
 * repair afterwards), and a request that would change it first waits for the
 * repair to end (repairing_settle: the request then sees the repaired network,
 * as when repairs blocked; it waits only when someone touches the network
 * under repair).
 */
#include <poll.h>
#include <stdlib.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "firewall/firewall.h"
#include "proto/proto.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

typedef struct repair_job {
    vnetd *d;
    vnet_net *net;
    char *reason;
    repair_note before;
    bool fw_was_dirty;
    bool full; /* everything (network_adopt), or only the firewall (network_adopt_firewall) */
    bool repaired;
    uint64_t t0, seen;
    long long start_ms;
    net_run newrun;
    network_adopting a; /* the old dnsmasq going (stopping), the new one getting ready */
    bool stopping;
    sd_event_source *exit_src, *out_src, *timer;
    char *again; /* drift seen meanwhile: repair once more, for this reason */
} repair_job;

/* After a bridge was re-created: the ports it lost go back on it (those that
 * left since shortly before the drift was seen, not earlier on purpose). */
static bool reattach_ports(vnet_net *net, long long seen_ms)
{
    unsigned count = supervise_reattach_ports(net, seen_ms - 2000);
    if (count)
        log_info("network '%s': put %u port(s) back on bridge %s", net->name, count,
                 net->live->bridge_name);
    return count > 0;
}

/* The repair is over: r 0 (newrun is what the network has now) or -1 (err). */
static void repair_end(repair_job *j, int r, verr *err)
{
    vnetd *d = j->d;
    vnet_net *net = j->net;
    if (r < 0) {
        net_run_clear(&j->newrun);
        log_err("network '%s': %s: %s", net->name, j->reason, err->msg);
        _cleanup_free_ char *what = xasprintf("%s: %s", j->reason, err->msg);
        events_emit_net(d, VNET_EV_REPAIR_FAILED, net->name, net->uuid, what);
    } else {
        bool changed = !net_run_equal(&j->newrun, &net->run);
        net_run_clear(&net->run);
        net->run = j->newrun;
        j->newrun = (net_run){0};
        bool repaired = j->repaired;
        if (j->full)
            repaired |= reattach_ports(net, (long long)(j->seen / 1000));
        if (repaired) {
            long long now_ms = proto_now_ms();
            long long since = (long long)(j->t0 - j->seen) / 1000 + (now_ms - j->start_ms);
            log_info("network '%s': repaired (%s; in %lld ms)", net->name, j->reason, since);
            repair_note_emit(d, net, j->reason, &j->before, j->fw_was_dirty, now_ms - j->start_ms,
                             since);
        }
        verr e = VERR_INIT;
        if (changed && registry_save_status(d, net, &e) < 0)
            log_err("%s", e.msg);
    }
    hairpin_sync(d, net);
}

static void job_unwatch(repair_job *j)
{
    j->exit_src = sd_event_source_disable_unref(j->exit_src);
    j->out_src = sd_event_source_disable_unref(j->out_src);
    j->timer = sd_event_source_disable_unref(j->timer);
}

static void job_free(repair_job *j)
{
    job_unwatch(j);
    net_run_clear(&j->newrun);
    free(j->reason);
    free(j->again);
    free(j);
}

/* The end of the repair, r 0 or -1 (err): *j is freed. */
static void job_close(repair_job *j, int r, verr *err)
{
    vnetd *d = j->d;
    vnet_net *net = j->net;
    job_unwatch(j);
    net->repairing = NULL;
    repair_end(j, r, err);
    _cleanup_free_ char *again = TAKE_PTR(j->again);
    job_free(j);
    if (again)
        reconcile_request_repair(d, net, again);
}

/* The launch is over (finish) or given up on (timeout): end the repair. */
static void job_end(repair_job *j, bool timed_out)
{
    vnetd *d = j->d;
    vnet_net *net = j->net;
    job_unwatch(j);
    verr err = VERR_INIT;
    int r;
    if (timed_out) {
        network_dnsmasq_kill(&d->env, net->live, &j->a.launch);
        verr_set(&err, VERR_SYSTEM, "%s did not finish within %d ms; killed it", d->env.dnsmasq_bin,
                 DNSMASQ_SPAWN_TIMEOUT_MS);
        verr_prefix(&err, "restarting dnsmasq");
        r = verr_prefix(&err, "repairing network '%s'", net->name);
    } else {
        r = network_adopt_finish(&d->env, net->live, &j->a, &j->newrun, &err);
    }
    job_close(j, r, &err);
}

static int job_watch(repair_job *j);
static void repair_wait(repair_job *j);

/* The old dnsmasq exited (or was given up on): launch the new one. */
static void job_relaunch(repair_job *j, bool gone)
{
    job_unwatch(j);
    j->stopping = false;
    verr err = VERR_INIT;
    int r = network_adopt_relaunch(&j->d->env, j->net->live, &j->a, gone, &err);
    if (r == 1 && job_watch(j) >= 0)
        return;
    if (r == 1) { /* cannot watch it: wait here */
        job_end(j, !dnsmasq_launch_wait(&j->a.launch, DNSMASQ_SPAWN_TIMEOUT_MS));
        return;
    }
    job_close(j, -1, &err);
}

static int job_exited(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    repair_job *j = userdata;
    if (j->stopping)
        job_relaunch(j, true);
    else
        job_end(j, false);
    return 0;
}

static int job_output(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    repair_job *j = userdata;
    if (!dnsmasq_launch_drain(&j->a.launch))
        j->out_src = sd_event_source_disable_unref(j->out_src);
    return 0;
}

static int job_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
    repair_job *j = userdata;
    int fd = j->stopping ? j->a.stop.dnsmasq_pidfd : j->a.launch.pidfd;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    bool over = poll(&p, 1, 0) > 0; /* (the loop had not got to it yet) */
    if (!j->stopping) {
        job_end(j, !over);
    } else if (over || j->a.stop.killed) {
        job_relaunch(j, over);
    } else { /* SIGTERM ignored: SIGKILL, and a last while */
        network_stop_kill(&j->a.stop);
        uint64_t now;
        sd_event_now(j->d->event, CLOCK_MONOTONIC, &now);
        sd_event_source_set_time(j->timer, now + DNSMASQ_STOP_KILL_TIMEOUT_MS * 1000ULL);
        sd_event_source_set_enabled(j->timer, SD_EVENT_ONESHOT);
    }
    return 0;
}

static int job_watch(repair_job *j)
{
    sd_event *e = j->d->event;
    uint64_t now;
    sd_event_now(e, CLOCK_MONOTONIC, &now);
    int fd = j->stopping ? j->a.stop.dnsmasq_pidfd : j->a.launch.pidfd;
    int ms = j->stopping ? DNSMASQ_STOP_TERM_TIMEOUT_MS : DNSMASQ_SPAWN_TIMEOUT_MS;
    int r = sd_event_add_io(e, &j->exit_src, fd, EPOLLIN, job_exited, j);
    if (r >= 0 && !j->stopping)
        r = sd_event_add_io(e, &j->out_src, j->a.launch.out_fd, EPOLLIN, job_output, j);
    if (r >= 0)
        r = sd_event_add_time(e, &j->timer, CLOCK_MONOTONIC, now + (uint64_t)ms * 1000, 0,
                              job_timeout, j);
    if (r >= 0)
        r = sd_event_source_set_priority(j->exit_src, SD_EVENT_PRIORITY_NORMAL - 1);
    return r;
}

void repairing_run(vnetd *d, vnet_net *net, const char *reason, bool full)
{
    if (!net_active(net) || net_busy(net)) /* (starting/stopping/restarting/repairing) */
        return;
    repair_job *j = xcalloc(1, sizeof(*j));
    *j = (repair_job){.d = d, .net = net, .reason = xstrdup(reason), .full = full};
    sd_event_now(d->event, CLOCK_MONOTONIC, &j->t0);
    j->start_ms = proto_now_ms();
    j->seen = net->drift_seen_usec ? net->drift_seen_usec : j->t0;
    net->drift_seen_usec = 0;
    repair_note_take(net, &j->before);
    /* adopt compares the table with what vnet installed: a table another
     * program changed (fw_dirty) is restored there */
    j->fw_was_dirty = net->fw_dirty;
    net->fw_dirty = false;
    if (j->fw_was_dirty) {
        verr aerr =
            VERR_INIT; /* a flush took an unowned NAT anchor too: put it back first
                          (once: with 1,000 repairs, libnftables re-read the host each time) */
        if (fw_anchor_is_open() && !fw_anchor_is_owned() && !fw_anchor_present() &&
            fw_anchor_open(&aerr) < 0)
            log_warn("%s", aerr.msg);
    }
    verr err = VERR_INIT;
    /* a repair asked for by the nftables monitor alone checks the table only
     * (no dnsmasq to wait for); the other monitors ask for the rest */
    int r = full ? network_adopt_begin(&d->env, net->live, &net->run, &j->newrun, &j->repaired,
                                       &j->a, &err)
                 : network_adopt_firewall(&d->env, net->live, &net->run, &j->newrun, &j->repaired,
                                          &err);
    if (r <= 0) {
        repair_end(j, r, &err);
        job_free(j);
        return;
    }
    net->repairing = j; /* the old dnsmasq's exit / the new one's readiness is an event */
    j->stopping = r == 2;
    if (job_watch(j) >= 0)
        return;
    job_unwatch(j); /* cannot watch it: wait here */
    repair_wait(j);
}

void reconcile_repair_now(vnetd *d, vnet_net *net, const char *reason)
{
    repairing_run(d, net, reason, true);
}

/* Finish the repair here, waiting (bounded) for the old dnsmasq's exit and
 * the new one's readiness. */
static void repair_wait(repair_job *j)
{
    vnet_net *net = j->net;
    if (j->stopping) {
        job_relaunch(
            j, network_stop_wait_all(&j->a.stop)); /* (watches the launch, or ends the repair) */
        if (!net->repairing)
            return;
        job_unwatch(j);
    }
    job_end(j, !dnsmasq_launch_wait(&j->a.launch, DNSMASQ_SPAWN_TIMEOUT_MS));
}

bool repairing_note_again(vnet_net *net, const char *reason)
{
    repair_job *j = net->repairing;
    if (!j)
        return false;
    if (!j->again)
        j->again = xstrdup(reason);
    return true;
}

void repairing_settle(vnet_net *net)
{
    if (net && net->repairing)
        repair_wait(net->repairing);
}

void repairing_settle_all(vnetd *d)
{
    for (size_t i = 0; i < d->n_nets; i++)
        repairing_settle(d->nets[i]);
}

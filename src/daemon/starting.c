/* Starts that do not block the loop on dnsmasq.
 *
 * A start does everything up to launching dnsmasq at once (bridge, addresses,
 * table, files: quick, kernel calls), then its dnsmasq's readiness is an
 * event: dnsmasq daemonizes, and its parent exits (0: serving, else with the
 * reason on its stderr) once the daemon has bound its sockets. Until then the
 * loop serves everyone else, and other starts run side by side. The network
 * becomes active only when dnsmasq serves; a start that fails or times out is
 * undone step by step as a blocking start would be (network_start_cancel),
 * so nothing stays half-started. Requests that would change a starting
 * network are refused as busy meanwhile (starting_check_busy).
 */
#include <poll.h>
#include <stdlib.h>

#include "daemon/daemon.h"
#include "daemon/ports.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

typedef struct start_job {
    vnetd *d;
    vnet_net *net;
    netdef *def; /* what the network starts with (net->starting_def) */
    bool from_config;
    bool remove_on_failure;
    network_starting st;
    sd_event_source *exit_src; /* dnsmasq's daemonizing parent exited (pidfd) */
    sd_event_source *out_src;  /* its messages */
    sd_event_source *timer;    /* DNSMASQ_SPAWN_TIMEOUT_MS */
    start_done_fn done;
    void *ud;
} start_job;

static void job_unwatch(start_job *j)
{
    j->exit_src = sd_event_source_disable_unref(j->exit_src);
    j->out_src = sd_event_source_disable_unref(j->out_src);
    j->timer = sd_event_source_disable_unref(j->timer);
}

/* The start is over: err NULL when the network is up. */
static void job_end(start_job *j, const verr *err)
{
    vnetd *d = j->d;
    vnet_net *net = j->net;
    job_unwatch(j);
    net->starting = NULL;
    net->starting_def = NULL;
    d->n_starting--;
    netdef_free(j->def);
    if (err && j->remove_on_failure)
        registry_remove(d, net);
    if (j->done)
        j->done(d, j->ud, err);
    free(j);
}

static int job_exited(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    start_job *j = userdata;
    vnetd *d = j->d;
    verr err = VERR_INIT;
    job_unwatch(j); /* before the launch's descriptors are closed */
    net_run run;
    if (network_start_finish(&d->env, j->def, &j->st, &run, &err) < 0) {
        log_warn("%s", err.msg);
        job_end(j, &err);
        return 0;
    }
    netdef *live = TAKE_PTR(j->def);
    j->net->starting_def = NULL;
    if (registry_commit_start(d, j->net, live, j->from_config, &run, &err) < 0) {
        log_warn("%s", err.msg);
        job_end(j, &err);
        return 0;
    }
    job_end(j, NULL);
    return 0;
}

static int job_output(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    start_job *j = userdata;
    if (!dnsmasq_launch_drain(&j->st.launch)) /* EOF: nothing more to read */
        j->out_src = sd_event_source_disable_unref(j->out_src);
    return 0;
}

static int job_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
    start_job *j = userdata;
    vnetd *d = j->d;
    struct pollfd p = {.fd = j->st.launch.pidfd, .events = POLLIN};
    if (poll(&p, 1, 0) > 0) /* it is over, the loop had not got to it yet */
        return job_exited(j->exit_src, p.fd, EPOLLIN, j);
    job_unwatch(j);
    network_start_cancel(&d->env, j->def, &j->st);
    verr err = VERR_INIT;
    verr_set(&err, VERR_SYSTEM, "%s did not finish within %d ms; killed it", d->env.dnsmasq_bin,
             DNSMASQ_SPAWN_TIMEOUT_MS);
    verr_prefix(&err, "starting dnsmasq");
    verr_prefix(&err, "starting network '%s'", j->net->name);
    log_warn("%s", err.msg);
    job_end(j, &err);
    return 0;
}

static int job_watch(start_job *j, verr *err)
{
    sd_event *e = j->d->event;
    uint64_t now;
    sd_event_now(e, CLOCK_MONOTONIC, &now);
    int r = sd_event_add_io(e, &j->exit_src, j->st.launch.pidfd, EPOLLIN, job_exited, j);
    if (r >= 0)
        r = sd_event_add_io(e, &j->out_src, j->st.launch.out_fd, EPOLLIN, job_output, j);
    if (r >= 0)
        r = sd_event_add_time(e, &j->timer, CLOCK_MONOTONIC,
                              now + (uint64_t)DNSMASQ_SPAWN_TIMEOUT_MS * 1000, 0, job_timeout, j);
    if (r < 0)
        return verr_errno(err, -r, "watching dnsmasq's start");
    /* a launch that is over is finished before any timeout is looked at
     * (its output is drained then too) */
    sd_event_source_set_priority(j->exit_src, SD_EVENT_PRIORITY_NORMAL - 1);
    return 0;
}

int starting_begin(vnetd *d, vnet_net *net, const netdef *def, bool remove_on_failure,
                   start_done_fn done, void *ud, verr *err)
{
    bool from_config = net->config && def == net->config;
    if (ports_check_start(d, net, def, err) < 0) /* ports' floors it could not give */
        return -1;
    start_job *j = xcalloc(1, sizeof(*j));
    int r = network_start_begin(&d->env, def, &j->st, err);
    if (r <= 0) {
        if (r == 0)
            r = registry_commit_start(d, net, netdef_dup(def), from_config, &j->st.run, err);
        free(j);
        return r;
    }
    j->d = d;
    j->net = net;
    j->def = netdef_dup(def);
    j->from_config = from_config;
    j->remove_on_failure = remove_on_failure;
    if (job_watch(j, err) < 0) {
        job_unwatch(j);
        network_start_cancel(&d->env, j->def, &j->st);
        netdef_free(j->def);
        free(j);
        return verr_prefix(err, "starting network '%s'", net->name);
    }
    j->done = done;
    j->ud = ud;
    net->starting = j;
    net->starting_def = j->def;
    d->n_starting++;
    return 1;
}

void starting_forget_config(vnet_net *net)
{
    if (net->starting)
        net->starting->from_config = false;
}

int starting_check_busy(const vnet_net *net, verr *err)
{
    if (net && net->stopping)
        return verr_set(err, VERR_BUSY,
                        "Requested operation is not valid: network '%s' is stopping (waiting for "
                        "its dnsmasq to exit); try again when it is inactive",
                        net->name);
    if (net && net->restarting)
        return verr_set(err, VERR_BUSY,
                        "Requested operation is not valid: network '%s' is restarting its dnsmasq "
                        "(net-update); try again when that is done",
                        net->name);
    if (!net || !net->starting)
        return 0;
    return verr_set(err, VERR_BUSY,
                    "Requested operation is not valid: network '%s' is starting (waiting for "
                    "its dnsmasq); try again when it is active",
                    net->name);
}

void starting_cancel_all(vnetd *d)
{
    for (size_t i = 0; i < d->n_nets && d->n_starting > 0;) {
        start_job *j = d->nets[i]->starting;
        if (!j) {
            i++;
            continue;
        }
        bool removes = j->remove_on_failure;
        job_unwatch(j);
        network_start_cancel(&d->env, j->def, &j->st);
        verr err = VERR_INIT;
        verr_set(&err, VERR_SYSTEM, "starting network '%s': vnetd is stopping", j->net->name);
        log_warn("%s; undone", err.msg);
        job_end(j, &err);
        if (!removes)
            i++;
    }
}

void starting_wait_all(vnetd *d)
{
    while (d->n_starting > 0) {
        int r = sd_event_run(d->event, UINT64_MAX);
        if (r < 0 || sd_event_get_state(d->event) == SD_EVENT_FINISHED) {
            starting_cancel_all(d);
            return;
        }
    }
}

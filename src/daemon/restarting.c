/* net-update changes that restart a running network's dnsmasq, without
 * blocking the loop on it.
 *
 * The new table goes in at once; the old dnsmasq gets SIGTERM and its exit
 * is an event (SIGKILL after DNSMASQ_STOP_TERM_TIMEOUT_MS, as in a stop);
 * then the new dnsmasq is launched and its readiness is an event (as in a
 * start); then adopt checks the rest and the update is committed (status
 * file, saved definition) and answered. A failure at any stage puts the
 * network back to its previous definition (ops_update_rollback, blocking:
 * failures only). Meanwhile requests that would change the network are
 * refused as busy and its drift is not repaired (net_busy).
 */
#include <poll.h>
#include <stdlib.h>

#include "daemon/daemon.h"
#include "util/cleanup.h"
#include "util/log.h"

typedef struct restart_job {
    vnetd *d;
    vnet_net *net;
    netdef *newlive, *newconf; /* owned until committed */
    netdef_section section;
    char *what;
    network_updating u;
    bool launching;            /* stage 2: the new dnsmasq is getting ready */
    sd_event_source *exit_src; /* the old dnsmasq exited / the launch is over (pidfd) */
    sd_event_source *out_src;  /* the launch's messages */
    sd_event_source *timer;
    start_done_fn done;
    void *ud;
} restart_job;

static void job_unwatch(restart_job *j)
{
    j->exit_src = sd_event_source_disable_unref(j->exit_src);
    j->out_src = sd_event_source_disable_unref(j->out_src);
    j->timer = sd_event_source_disable_unref(j->timer);
}

/* r: 0 done (*newrun), -1 failed (err). */
static void job_end(restart_job *j, int r, net_run *newrun, verr *err)
{
    vnetd *d = j->d;
    vnet_net *net = j->net;
    job_unwatch(j);
    net->restarting = NULL;
    if (r == 0) {
        ops_update_commit(d, net, TAKE_PTR(j->newlive), TAKE_PTR(j->newconf), newrun, j->what);
    } else { /* (the error is logged with the reply) */
        ops_update_rollback(d, net, j->section, j->newconf != NULL);
    }
    netdef_free(j->newlive);
    netdef_free(j->newconf);
    free(j->what);
    if (j->done)
        j->done(d, j->ud, r == 0 ? NULL : err);
    free(j);
}

static int job_watch(restart_job *j, verr *err);

/* Stage 1 is over: the old dnsmasq exited (or was given up on). */
static void job_relaunch(restart_job *j, bool gone)
{
    vnetd *d = j->d;
    job_unwatch(j);
    net_run newrun = {0};
    verr err = VERR_INIT;
    int r = network_update_live_relaunch(&d->env, j->newlive, &j->u, gone, &newrun, &err);
    if (r == 1) {
        j->launching = true;
        if (job_watch(j, &err) == 0)
            return;
        network_update_live_cancel(&d->env, j->newlive, &j->u);
        r = -1;
    }
    job_end(j, r, &newrun, &err);
}

static void job_finish(restart_job *j)
{
    job_unwatch(j);
    net_run newrun = {0};
    verr err = VERR_INIT;
    int r = network_update_live_finish(&j->d->env, j->newlive, &j->u, &newrun, &err);
    job_end(j, r, &newrun, &err);
}

static int job_event(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    restart_job *j = userdata;
    if (j->launching)
        job_finish(j);
    else
        job_relaunch(j, true);
    return 0;
}

static int job_output(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    restart_job *j = userdata;
    if (!dnsmasq_launch_drain(&j->u.launch))
        j->out_src = sd_event_source_disable_unref(j->out_src);
    return 0;
}

static int job_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
    restart_job *j = userdata;
    vnetd *d = j->d;
    int fd = j->launching ? j->u.launch.pidfd : j->u.stop.dnsmasq_pidfd;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 0) > 0) /* it is over, the loop had not got to it yet */
        return job_event(NULL, fd, EPOLLIN, j);
    if (!j->launching && !j->u.stop.killed) {
        network_stop_kill(&j->u.stop);
        uint64_t now;
        sd_event_now(d->event, CLOCK_MONOTONIC, &now);
        sd_event_source_set_time(j->timer, now + DNSMASQ_STOP_KILL_TIMEOUT_MS * 1000ULL);
        sd_event_source_set_enabled(j->timer, SD_EVENT_ONESHOT);
        return 0;
    }
    if (!j->launching) {
        job_relaunch(j, false);
        return 0;
    }
    job_unwatch(j);
    network_update_live_cancel(&d->env, j->newlive, &j->u);
    verr err = VERR_INIT;
    verr_set(&err, VERR_SYSTEM, "%s did not finish within %d ms; killed it", d->env.dnsmasq_bin,
             DNSMASQ_SPAWN_TIMEOUT_MS);
    verr_prefix(&err, "restarting dnsmasq of network '%s'", j->net->name);
    job_end(j, -1, NULL, &err);
    return 0;
}

static int job_watch(restart_job *j, verr *err)
{
    sd_event *e = j->d->event;
    int fd = j->launching ? j->u.launch.pidfd : j->u.stop.dnsmasq_pidfd;
    int ms = j->launching ? DNSMASQ_SPAWN_TIMEOUT_MS : DNSMASQ_STOP_TERM_TIMEOUT_MS;
    uint64_t now;
    sd_event_now(e, CLOCK_MONOTONIC, &now);
    int r = sd_event_add_io(e, &j->exit_src, fd, EPOLLIN, job_event, j);
    if (r >= 0 && j->launching)
        r = sd_event_add_io(e, &j->out_src, j->u.launch.out_fd, EPOLLIN, job_output, j);
    if (r >= 0)
        r = sd_event_add_time(e, &j->timer, CLOCK_MONOTONIC, now + (uint64_t)ms * 1000, 0,
                              job_timeout, j);
    if (r < 0) {
        job_unwatch(j);
        return verr_errno(err, -r, "watching dnsmasq's restart");
    }
    sd_event_source_set_priority(j->exit_src, SD_EVENT_PRIORITY_NORMAL - 1);
    return 0;
}

int restarting_begin(vnetd *d, vnet_net *net, netdef *newlive, netdef *newconf,
                     netdef_section section, const char *what, start_done_fn done, void *ud,
                     verr *err)
{
    restart_job *j = xcalloc(1, sizeof(*j));
    *j = (restart_job){.d = d,
                       .net = net,
                       .newlive = newlive,
                       .newconf = newconf,
                       .section = section,
                       .what = xstrdup(what)};
    net_run newrun = {0};
    int r = network_update_live_begin(&d->env, newlive, section, &net->run, &j->u, &newrun, err);
    j->launching = j->u.launch.pidfd >= 0; /* (no old dnsmasq to wait for) */
    if (r == 1 && job_watch(j, err) < 0) {
        network_update_live_cancel(&d->env, newlive, &j->u);
        r = -1;
    }
    if (r <= 0) {
        job_end(j, r, &newrun, err);
        return r;
    }
    j->done = done;
    j->ud = ud;
    net->restarting = j;
    return 1;
}

void restarting_finish_all(vnetd *d)
{
    for (size_t i = 0; i < d->n_nets; i++) {
        restart_job *j = d->nets[i]->restarting;
        if (!j)
            continue;
        if (!j->launching) {
            job_relaunch(j, network_stop_wait_all(&j->u.stop));
            j = d->nets[i]->restarting; /* NULL when that ended it */
        }
        if (!j)
            continue;
        if (dnsmasq_launch_wait(&j->u.launch, DNSMASQ_SPAWN_TIMEOUT_MS)) {
            job_finish(j);
        } else {
            job_unwatch(j);
            network_update_live_cancel(&d->env, j->newlive, &j->u);
            verr err = VERR_INIT;
            verr_set(&err, VERR_SYSTEM, "restarting dnsmasq of network '%s': vnetd is stopping",
                     j->net->name);
            job_end(j, -1, NULL, &err);
        }
    }
}

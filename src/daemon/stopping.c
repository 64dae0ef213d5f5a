/* Stops that do not block the loop on dnsmasq.
 *
 * A stop sends the network's dnsmasq SIGTERM, then its exit is an event (the
 * pidfd becomes readable). Only then is the rest removed, in the order a
 * blocking stop removes it (dnsmasq's files, shaping, the firewall table, the
 * bridge: network_stop_finish), the status file deleted and the caller
 * answered. A dnsmasq still there after DNSMASQ_STOP_TERM_TIMEOUT_MS gets
 * SIGKILL; one that outlives that by DNSMASQ_STOP_KILL_TIMEOUT_MS is given up
 * on (an error, the rest removed anyway), as in a blocking stop. Meanwhile the
 * network is still active (it is, until it is down), every other client is
 * served, drift on it is not repaired (health.c, reconcile.c), and requests
 * that would change it are refused as busy (starting_check_busy). A vnetd that
 * dies meanwhile finds the status file at its next start and adopts the
 * network (a destroy the caller never saw succeed did not happen).
 */
#include <poll.h>
#include <stdlib.h>

#include "daemon/daemon.h"
#include "util/cleanup.h"
#include "util/log.h"

typedef struct stop_job {
    vnetd *d;
    vnet_net *net;
    network_stopping st;
    sd_event_source *exit_src; /* dnsmasq exited (pidfd) */
    sd_event_source *timer;    /* SIGKILL, then give up */
    start_done_fn done;
    void *ud;
} stop_job;

static void job_unwatch(stop_job *j)
{
    j->exit_src = sd_event_source_disable_unref(j->exit_src);
    j->timer = sd_event_source_disable_unref(j->timer);
}

/* dnsmasq is gone (or given up on): remove the rest, answer the caller. */
static void job_finish(stop_job *j, bool dnsmasq_gone)
{
    vnetd *d = j->d;
    vnet_net *net = j->net;
    job_unwatch(j);
    verr err = VERR_INIT;
    int r = network_stop_finish(&d->env, net->live, &net->run, &j->st, dnsmasq_gone, &err);
    net->stopping = NULL;
    d->n_stopping--;
    if (r < 0)
        log_warn("%s", err.msg);
    else
        registry_commit_stop(d, net); /* (a transient net is freed) */
    if (j->done)
        j->done(d, j->ud, r < 0 ? &err : NULL);
    free(j);
}

static int job_exited(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    job_finish(userdata, true);
    return 0;
}

static int arm_timer(stop_job *j, int ms)
{
    uint64_t now;
    sd_event_now(j->d->event, CLOCK_MONOTONIC, &now);
    int r = sd_event_source_set_time(j->timer, now + (uint64_t)ms * 1000);
    return r < 0 ? r : sd_event_source_set_enabled(j->timer, SD_EVENT_ONESHOT);
}

static int job_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
    stop_job *j = userdata;
    struct pollfd p = {.fd = j->st.dnsmasq_pidfd, .events = POLLIN};
    if (poll(&p, 1, 0) > 0) { /* it is over, the loop had not got to it yet */
        job_finish(j, true);
        return 0;
    }
    if (j->st.killed) {
        job_finish(j, false);
        return 0;
    }
    log_warn("network '%s': dnsmasq (pid %d) did not exit within %d ms of SIGTERM; killing it",
             j->net->name, (int)j->st.dnsmasq_pid, DNSMASQ_STOP_TERM_TIMEOUT_MS);
    network_stop_kill(&j->st);
    if (arm_timer(j, DNSMASQ_STOP_KILL_TIMEOUT_MS) < 0)
        job_finish(j, network_stop_wait(&j->st, DNSMASQ_STOP_KILL_TIMEOUT_MS));
    return 0;
}

static int job_watch(stop_job *j, verr *err)
{
    sd_event *e = j->d->event;
    int r = sd_event_add_io(e, &j->exit_src, j->st.dnsmasq_pidfd, EPOLLIN, job_exited, j);
    if (r >= 0)
        r = sd_event_add_time(e, &j->timer, CLOCK_MONOTONIC, 0, 0, job_timeout, j);
    if (r >= 0)
        r = arm_timer(j, DNSMASQ_STOP_TERM_TIMEOUT_MS);
    if (r < 0)
        return verr_errno(err, -r, "watching dnsmasq's exit");
    return 0;
}

int stopping_begin(vnetd *d, vnet_net *net, start_done_fn done, void *ud, verr *err)
{
    net->repair_timer = sd_event_source_disable_unref(net->repair_timer);
    stop_job *j = xcalloc(1, sizeof(*j));
    j->d = d;
    j->net = net;
    if (!network_stop_begin(&d->env, net->live, &net->run, &j->st) || job_watch(j, err) < 0) {
        /* nothing to wait for (or no way to watch it): the blocking way */
        job_unwatch(j);
        bool gone = network_stop_wait_all(&j->st);
        int r = network_stop_finish(&d->env, net->live, &net->run, &j->st, gone, err);
        free(j);
        if (r < 0)
            return -1;
        registry_commit_stop(d, net);
        return 0;
    }
    j->done = done;
    j->ud = ud;
    net->stopping = j;
    d->n_stopping++;
    return 1;
}

void stopping_finish_all(vnetd *d)
{
    for (size_t i = 0; i < d->n_nets && d->n_stopping > 0;) {
        stop_job *j = d->nets[i]->stopping;
        if (!j) {
            i++;
            continue;
        }
        bool transient = !net_persistent(j->net);
        job_finish(j, network_stop_wait_all(&j->st));
        if (!transient)
            i++;
    }
}

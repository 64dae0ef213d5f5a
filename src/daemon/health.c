/* dnsmasq health, beyond "has it exited" (the pidfd in supervise.c): once a
 * second, each active network's dnsmasq is checked
 *   - in /proc: stopped (SIGSTOP, state 'T'), traced or a zombie is not
 *     serving DHCP or DNS, however alive its pid looks;
 *   - with a DNS probe to its address on the bridge, which it answers itself
 *     (dnsmasq_health.c): no answer to two probes in a row means its main
 *     loop is wedged.
 * Up to HEALTH_STATES_PER_TICK / HEALTH_PROBES_PER_TICK networks are checked
 * each second, taking turns (see health_fired).
 * Either way it is killed through its pidfd, and the exit starts the usual
 * repair, which starts a new one (paced like every repair: the retries back
 * off, to at most VNETD_REPAIR_BACKOFF_MAX_MS apart, and never stop). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "dnsmasq/dnsmasq.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

#define HEALTH_PERIOD_USEC 1000000ULL /* one check per second */
#define HEALTH_MISSES_MAX 2           /* unanswered probes in a row before a restart */
#define HEALTH_PROBES_PER_TICK 64     /* DNS probes sent per second, networks taking turns */
#define HEALTH_STATES_PER_TICK 128    /* /proc state reads per second, likewise */
#define HEALTH_PROBE_MIN_AGE_USEC 250000ULL /* a probe younger than this is not judged yet */

void health_forget(vnet_net *net)
{
    if (net->probe_fd > 0)
        close(net->probe_fd);
    net->probe_fd = 0;
    net->probe_misses = 0;
    net->probe_pid = 0;
}

/* The address the probe goes to: the first IPv4 address, if DNS is served. */
static const netdef_ip *probe_target(const netdef *def)
{
    if (def->dns.enable == VT_NO || !dnsmasq_needed(def))
        return NULL;
    for (size_t i = 0; i < def->n_ips; i++)
        if (def->ips[i].family == AF_INET)
            return &def->ips[i];
    return NULL;
}

/* Was the last probe answered? Reads what came back (the socket stays for
 * the next probe). */
static bool probe_answered(vnet_net *net)
{
    uint8_t buf[512];
    bool ok = false;
    ssize_t n;
    while ((n = recv(net->probe_fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
        ok = ok || dnsmasq_probe_reply_ok(buf, (size_t)n, net->probe_id);
    net->probe_sent_usec = 0; /* judged */
    return ok;
}

/* Each network's probes go out of one socket (closed by health_forget, when
 * its dnsmasq changes): one flow, whose connection-tracking entry lives on
 * between probes, so a probe passes every network's filter chains but not,
 * as a new flow does, every network's NAT chains (with 1,000 networks, 4,000
 * FIB lookups per probe: the most of an idle vnetd's CPU). */
static void probe_send(vnet_net *net, const netdef_ip *ip)
{
    int fd = net->probe_fd > 0 ? net->probe_fd
                               : socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd <= 0)
        return;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
    sa.sin_addr = ip->address.v4;
    uint8_t q[64];
    net->probe_id = (uint16_t)(net->probe_id * 31u + 7u);
    size_t len = dnsmasq_probe_query(q, sizeof(q), net->probe_id);
    net->probe_fd = fd;
    if (sendto(fd, q, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        net->probe_fd = 0;
    }
}

/* Kill it through the pidfd (no pid reuse race); its exit brings the repair. */
static void restart_dnsmasq(vnetd *d, vnet_net *net, pid_t pid, const char *why)
{
    _cleanup_free_ char *what = xasprintf("dnsmasq (pid %d) %s; restarting it", (int)pid, why);
    log_warn("network '%s': %s", net->name, what);
    events_emit_net(d, VNET_EV_FINDING, net->name, net->uuid, what);
    health_forget(net);
    int pfd = net->dnsmasq_watch ? sd_event_source_get_io_fd(net->dnsmasq_watch) : -1;
    if (pfd < 0 || pidfd_send_signal(pfd, SIGKILL, NULL, 0) < 0)
        reconcile_request_repair(d, net, what);
}

/* The process state, every second for every network (a /proc read); true
 * when the network's dnsmasq is to be probed. */
/* Bookkeeping for every network each second (no system call): true when
 * its dnsmasq is to be checked. */
static bool health_due(vnet_net *net)
{
    pid_t pid = net_active(net) && !net_busy(net) ? net->run.dnsmasq_pid : 0; /* (stopping.c) */
    if (pid <= 0 || net->repair_timer) { /* none, or a repair is due anyway */
        health_forget(net);
        return false;
    }
    if (pid != net->probe_pid) { /* a new dnsmasq: start counting afresh */
        health_forget(net);
        net->probe_pid = pid;
    }
    return true;
}

/* Its process state (a /proc read); false when it was found not serving. */
static bool health_state(vnetd *d, vnet_net *net)
{
    char state = dnsmasq_proc_state(net->probe_pid);
    if (state && dnsmasq_state_unhealthy(state)) {
        char why[48];
        snprintf(why, sizeof(why), "is not running (state %c)", state);
        restart_dnsmasq(d, net, net->probe_pid, why);
        return false;
    }
    return true;
}

static void health_probe(vnetd *d, vnet_net *net, uint64_t now)
{
    bool pending = net->probe_fd > 0 && net->probe_sent_usec;
    if (pending && now - net->probe_sent_usec < HEALTH_PROBE_MIN_AGE_USEC)
        return; /* sent moments ago (the loop was busy): judged at the next turn */
    if (pending)
        net->probe_misses = probe_answered(net) ? 0 : net->probe_misses + 1;
    if (net->probe_misses >= HEALTH_MISSES_MAX) {
        restart_dnsmasq(d, net, net->probe_pid, "does not answer DNS probes");
        return;
    }
    probe_send(net, probe_target(net->live));
    net->probe_sent_usec = now;
}

/* Each second: the process state of up to HEALTH_STATES_PER_TICK networks
 * and a DNS probe for up to HEALTH_PROBES_PER_TICK, networks taking turns
 * (all of them each second up to those numbers). Each probe is a new flow
 * that passes every network's NAT and filter chains: probing all of 1,000
 * networks each second cost the kernel N x N chain runs a second (92% of
 * vnetd's CPU time while 1,000 networks booted), and 1,000 /proc reads a
 * second held clients up too. */
static int health_fired(sd_event_source *s, uint64_t usec, void *userdata)
{
    vnetd *d = userdata;
    size_t n = d->n_nets, states = 0, probes = 0;
    uint64_t now;
    sd_event_now(d->event, CLOCK_MONOTONIC, &now);
    bool *due = xcalloc(n ? n : 1, sizeof(*due));
    for (size_t i = 0; i < n; i++)
        due[i] = health_due(d->nets[i]);
    /* (restart_dnsmasq does not change the registry: the indexes stay valid) */
    size_t first = n ? d->health_state_cursor % n : 0;
    for (size_t k = 0; k < n && states < HEALTH_STATES_PER_TICK; k++) {
        size_t i = (first + k) % n;
        if (!due[i])
            continue;
        due[i] = health_state(d, d->nets[i]);
        states++;
        d->health_state_cursor = (i + 1) % n;
    }
    first = n ? d->health_cursor % n : 0;
    for (size_t k = 0; k < n && probes < HEALTH_PROBES_PER_TICK; k++) {
        size_t i = (first + k) % n;
        if (!due[i] || !probe_target(d->nets[i]->live))
            continue;
        health_probe(d, d->nets[i], now);
        probes++;
        d->health_cursor = (i + 1) % n;
    }
    free(due);
    /* a second from now, not from when it was due: after the loop was busy
     * for a while, the next check still gives the probes just sent time */
    sd_event_source_set_time(s, now + HEALTH_PERIOD_USEC);
    sd_event_source_set_enabled(s, SD_EVENT_ON);
    return 0;
}

int health_setup(vnetd *d, verr *err)
{
    uint64_t now;
    sd_event_now(d->event, CLOCK_MONOTONIC, &now);
    int r = sd_event_add_time(d->event, &d->health_timer, CLOCK_MONOTONIC, now + HEALTH_PERIOD_USEC,
                              50000, health_fired, d);
    if (r < 0)
        return verr_errno(err, -r, "setting up the dnsmasq health check");
    return 0;
}

void health_close(vnetd *d)
{
    d->health_timer = sd_event_source_disable_unref(d->health_timer);
    for (size_t i = 0; i < d->n_nets; i++)
        health_forget(d->nets[i]);
}

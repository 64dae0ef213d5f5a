/* Drift watches: rtnetlink link events, a pidfd per dnsmasq (it daemonizes, so
 * it is not our child and SIGCHLD would not tell us), and a slow timer that
 * re-adopts everything as a safety net. Each one ends in a rate-limited
 * network_adopt of the affected network. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/uplink.h"
#include "firewall/firewall.h"
#include "netdev/netdev.h"
#include "proto/proto.h"
#include "util/log.h"
#include "util/strbuf.h"

/* Is the network's bridge as it should be right now (present, up, with its
 * addresses)? Address notifications name the port of the request that
 * caused them, so our own are recognised; link notifications carry port 0
 * whoever asked (kernel 6.18), so each is checked against the kernel instead:
 * only a difference is drift. Nothing is drained unread. */
static bool bridge_intact(const netdef *def)
{
    netdev_link link;
    if (netdev_link_get(def->bridge_name, &link, NULL) <= 0 || !link.up)
        return false;
    for (size_t i = 0; i < def->n_ips; i++)
        if (netdev_addr_has(def->bridge_name, &def->ips[i].address, def->ips[i].prefix, NULL) != 1)
            return false;
    for (size_t i = 0; i < def->n_ips; i++) {
        const netdef_ip *ip = &def->ips[i];
        if (ip->family != AF_INET)
            continue;
        vnet_addr net;
        vnet_addr_network(&ip->address, ip->prefix, &net);
        if (netdev_route_has(&net, ip->prefix, def->bridge_name, NULL) != 1)
            return false; /* the subnet route (adopt puts it back) */
    }
    return true;
}

static void link_event(const char *ifname, int ifindex, bool gone_or_down, bool own,
                       void *userdata)
{
    vnetd *d = userdata;
    if (own)
        return;
    /* an address or route removed from a link that is gone: its link event says so */
    if (!gone_or_down && strempty(ifname))
        return;
    if (gone_or_down)
        uplink_link_event(d, ifname);
    /* ifname NULL: the kernel dropped events (socket overrun), check every network */
    for (size_t i = 0; i < d->n_nets; i++) {
        vnet_net *n = d->nets[i];
        if (!net_active(n) || !n->live->bridge_name || !netdef_is_managed_bridge(n->live))
            continue;
        if (ifname && !streq(n->live->bridge_name, ifname))
            continue;
        if (ifname && bridge_intact(n->live))
            continue; /* our own change, or one undone already */
        char reason[64 + IF_NAMESIZE];
        if (ifname && !gone_or_down)
            snprintf(reason, sizeof(reason), "an address or route of bridge %s was removed",
                     ifname);
        else if (ifname)
            snprintf(reason, sizeof(reason), "bridge %s was deleted or set down", ifname);
        else
            snprintf(reason, sizeof(reason), "link events were lost");
        if (!n->repair_timer) /* one line per burst of events */
            log_warn("network '%s': %s", n->name, reason);
        reconcile_request_repair(d, n, reason);
    }
}

void supervise_forget_ports(vnet_net *net)
{
    for (size_t i = 0; i < net->n_ports; i++)
        free(net->ports[i].name);
    free(net->ports);
    net->ports = NULL;
    net->n_ports = 0;
}

static void port_add(vnet_net *net, const char *name)
{
    net_port *p = xarray_push(&net->ports, &net->n_ports, sizeof(net_port));
    p->name = xstrdup(name);
    p->left_ms = 0;
}

void supervise_scan_ports(vnet_net *net)
{
    supervise_forget_ports(net);
    if (!net_active(net) || !net->live->bridge_name || !netdef_is_managed_bridge(net->live))
        return;
    netdev_link *links = NULL;
    size_t n = 0;
    verr err = VERR_INIT;
    if (netdev_bridge_ports(net->live->bridge_name, &links, &n, &err) < 0)
        log_debug("network '%s': listing its ports: %s", net->name, err.msg);
    for (size_t i = 0; i < n; i++)
        port_add(net, links[i].name);
    free(links);
}

static vnet_net *net_of_port(vnetd *d, int master, const char *port, size_t *ret_i)
{
    char bridge[IF_NAMESIZE] = "";
    if_indextoname((unsigned)master, bridge); /* "" once the bridge is gone */
    for (size_t i = 0; i < d->n_nets; i++) {
        vnet_net *n = d->nets[i];
        if (!net_active(n) || !n->live->bridge_name)
            continue;
        for (*ret_i = 0; *ret_i < n->n_ports; (*ret_i)++)
            if (streq(n->ports[*ret_i].name, port))
                return n;
        if (streq(n->live->bridge_name, bridge))
            return n;
    }
    return NULL;
}

/* A port joined or left a bridge. Leaving is only noted with its time: a port
 * that left as its bridge was deleted goes back on the re-created bridge. */
static void port_event(const char *port, int master, bool joined, void *userdata)
{
    if (!joined) /* an uplink's NIC taken out of its bridge? */
        uplink_link_event(userdata, port);
    size_t i = 0;
    vnet_net *n = net_of_port(userdata, master, port, &i);
    if (!n)
        return;
    if (i == n->n_ports) {
        if (joined && n->n_ports < 65536)
            port_add(n, port);
        return;
    }
    n->ports[i].left_ms = joined ? 0 : proto_now_ms();
}

unsigned supervise_reattach_ports(vnet_net *net, long long since_ms)
{
    char **names = NULL;
    size_t n = 0;
    for (size_t i = 0; i < net->n_ports; i++)
        if (net->ports[i].left_ms == 0 || net->ports[i].left_ms >= since_ms)
            *(char **)xarray_push(&names, &n, sizeof(char *)) = net->ports[i].name;
    unsigned count = 0;
    verr err = VERR_INIT;
    if (network_reattach_ports(net->live, names, n, &count, &err) < 0)
        log_err("network '%s': %s", net->name, err.msg);
    free(names);
    return count;
}

static int monitor_ready(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    netdev_monitor_drain_ports(fd, link_event, port_event, userdata);
    return 0;
}

/* Another program changed one of our nftables tables (or events were lost:
 * table NULL): restore the whole table of each network concerned. */
static void firewall_event(const char *table, void *userdata)
{
    vnetd *d = userdata;
    if (!table || !*table) /* another program's table changed (or events lost) */
        foreign_request_scan(d);
    if (table && !*table)
        return;
    for (size_t i = 0; i < d->n_nets; i++) {
        vnet_net *n = d->nets[i];
        if (!net_active(n) || !fw_wanted(n->live))
            continue;
        char name[64];
        if (table && !streq(fw_table_name(n->live, name, sizeof(name)), table))
            continue;
        if (!n->fw_dirty)
            log_warn("network '%s': its nftables table was changed by another program; "
                     "restoring it",
                     n->name);
        reconcile_request_firewall_repair(d, n, "nftables table changed by another program");
    }
}

static int fw_monitor_ready(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    fw_monitor_drain(fd, firewall_event, userdata);
    return 0;
}

/* Forwarding was switched (net.ipv4.ip_forward, net.ipv6.conf.all.forwarding):
 * networks that forward need it on, so repair them at once. family
 * AF_UNSPEC: events were lost. */
/* --forwarding=hands-off: say it, per network that needs forwarding, as a
 * finding (and again, cleared, when it is back on). */
static void forwarding_finding(vnetd *d, vnet_net *n, int family, bool on)
{
    const char *knob = family == AF_INET ? "net.ipv4.ip_forward" : "net.ipv6.conf.all.forwarding";
    char detail[256];
    if (on)
        snprintf(detail, sizeof(detail), "no longer: %s is 0", knob);
    else
        snprintf(detail, sizeof(detail),
                 "%s is 0: guests cannot reach the outside; vnetd leaves it "
                 "(--forwarding=hands-off); fix: sysctl -w %s=1",
                 knob, knob);
    json_t *data = json_pack("{s:s, s:i, s:b}", "sysctl", knob, "value", on ? 1 : 0, "cleared", on);
    vnet_event ev = {.type = VNET_EV_FINDING, .network = n->name, .detail = detail, .data = data};
    memcpy(ev.uuid, n->uuid, 16);
    events_emit(d, &ev);
    json_decref(data);
    if (!on)
        log_warn("network '%s': %s", n->name, detail);
}

static void netconf_event(int family, int ifindex, int forwarding, void *userdata)
{
    vnetd *d = userdata;
    if (family != AF_UNSPEC && ifindex != -1 /* NETCONFA_IFINDEX_ALL */)
        return;
    if (d->env.forwarding_hands_off) {
        for (size_t i = 0; family != AF_UNSPEC && i < d->n_nets; i++) {
            vnet_net *n = d->nets[i];
            netdef_forward_mode m = net_active(n) ? n->live->forward_mode : NETDEF_FWD_NONE;
            bool has_family = false;
            for (size_t k = 0; net_active(n) && k < n->live->n_ips; k++)
                has_family = has_family || n->live->ips[k].family == family;
            if (has_family &&
                (m == NETDEF_FWD_NAT || m == NETDEF_FWD_ROUTE || m == NETDEF_FWD_OPEN))
                forwarding_finding(d, n, family, forwarding != 0);
        }
        return;
    }
    if (family != AF_UNSPEC && forwarding != 0)
        return;
    const char *what = family == AF_INET    ? "net.ipv4.ip_forward was switched off"
                       : family == AF_INET6 ? "net.ipv6.conf.all.forwarding was switched off"
                                            : "forwarding events were lost";
    for (size_t i = 0; i < d->n_nets; i++) {
        vnet_net *n = d->nets[i];
        netdef_forward_mode m = net_active(n) ? n->live->forward_mode : NETDEF_FWD_NONE;
        if (m != NETDEF_FWD_NAT && m != NETDEF_FWD_ROUTE && m != NETDEF_FWD_OPEN)
            continue;
        log_warn("network '%s': %s; switching it on", n->name, what);
        n->drift_seen_usec = 0;
        reconcile_repair_now(d, n, what);
    }
}

static int netconf_ready(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    netdev_netconf_drain(fd, netconf_event, userdata);
    return 0;
}

static int dnsmasq_exited(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    vnet_net *net = userdata;
    pid_t pid = net->dnsmasq_watch_pid;
    /* Keep dnsmasq_watch_pid: the post step must not watch this pid again (a
     * dead dnsmasq that is not reaped yet would fire at once, forever). */
    net->dnsmasq_watch = sd_event_source_disable_unref(net->dnsmasq_watch);
    if (!net_active(net) || net->run.dnsmasq_pid != pid || net_busy(net))
        return 0; /* not the network's dnsmasq any more (vnet replaced or stops it) */
    char reason[96];
    snprintf(reason, sizeof(reason), "dnsmasq (pid %d) exited", (int)pid);
    log_warn("network '%s': %s", net->name, reason);
    reconcile_request_repair(net->daemon, net, reason);
    return 0;
}

static void supervise_unwatch(vnet_net *net)
{
    /* The io source owns the pidfd (fd_close set), so unref closes it. */
    net->dnsmasq_watch = sd_event_source_disable_unref(net->dnsmasq_watch);
    net->dnsmasq_watch_pid = 0;
}

static void watch_dnsmasq(vnetd *d, vnet_net *net, pid_t pid)
{
    supervise_unwatch(net);
    int fd = pidfd_open(pid, 0);
    if (fd < 0) {
        if (errno == ESRCH)
            reconcile_request_repair(d, net, "dnsmasq is not running");
        else
            log_warn("network '%s': cannot watch dnsmasq (pid %d): %s", net->name, (int)pid,
                     strerror(errno));
        return;
    }
    int r = sd_event_add_io(d->event, &net->dnsmasq_watch, fd, EPOLLIN, dnsmasq_exited, net);
    if (r < 0) {
        close(fd);
        log_warn("network '%s': cannot watch dnsmasq: %s", net->name, strerror(-r));
        return;
    }
    sd_event_source_set_io_fd_own(net->dnsmasq_watch, 1);
    net->dnsmasq_watch_pid = pid;
}

/* The one bookkeeping step after every dispatched event (a request, a repair,
 * a timer): each active network's dnsmasq is watched by pidfd, whatever pid
 * its status names now; inactive networks watch nothing; and the NAT anchor
 * follows whether any network needs it. Handlers change the status; they never
 * call this themselves. One post source only: sd-event runs one loop iteration
 * per pending post source after every event, which a libvirt RPC call pays. */
static int supervise_post(sd_event_source *s, void *userdata)
{
    vnetd *d = userdata;
    for (size_t i = 0; i < d->n_nets; i++) {
        vnet_net *net = d->nets[i];
        pid_t pid = net_active(net) ? net->run.dnsmasq_pid : 0;
        if (pid <= 0) {
            if (net->dnsmasq_watch_pid)
                supervise_unwatch(net);
        } else if (pid != net->dnsmasq_watch_pid) {
            watch_dnsmasq(d, net, pid);
        }
    }
    supervise_anchor_sync(d);
    return 0;
}

/* The periodic check goes through the networks a few at a time, each batch
 * when the loop has nothing else to do: checking all of 1,000 networks in one
 * go held every client up for over 10 s once a minute. (The registry may
 * change between batches: a network skipped or checked twice is harmless.) */
static int rescan_step(sd_event_source *s, void *userdata)
{
    vnetd *d = userdata;
    for (unsigned done = 0; d->rescan_next < d->n_nets && done < VNETD_RESCAN_BATCH;) {
        vnet_net *net = d->nets[d->rescan_next++];
        if (!net_active(net))
            continue;
        reconcile_repair_now(d, net, "periodic check");
        done++;
    }
    if (d->rescan_next >= d->n_nets) {
        reconcile_sweep(d);
        malloc_trim(0); /* once a minute: what a burst of work left on the heap goes back */
        sd_event_source_set_enabled(s, SD_EVENT_OFF);
    }
    return 0;
}

static int rescan_fired(sd_event_source *s, uint64_t usec, void *userdata)
{
    vnetd *d = userdata;
    foreign_request_scan(d); /* iptables-legacy changes send no events */
    d->rescan_next = 0;
    if (!d->rescan_step_src &&
        sd_event_add_defer(d->event, &d->rescan_step_src, rescan_step, d) >= 0)
        sd_event_source_set_priority(d->rescan_step_src, SD_EVENT_PRIORITY_IDLE);
    if (d->rescan_step_src)
        sd_event_source_set_enabled(d->rescan_step_src, SD_EVENT_ON);
    sd_event_source_set_time(s, usec + VNETD_RESCAN_USEC);
    sd_event_source_set_enabled(s, SD_EVENT_ON);
    return 0;
}

/* The NAT anchor (fw_anchor.c) exists while any active network has rules, so
 * a missing table never resets a guest's connection. Checked after every
 * event the loop dispatches (a start, a stop, a repair). It is an owner table,
 * so no other program can remove it; only on a kernel without owner tables is
 * it put back with a network's table after a flush (reconcile.c). */
void supervise_anchor_sync(vnetd *d)
{
    bool want = false;
    for (size_t i = 0; i < d->n_nets && !want; i++)
        want = net_active(d->nets[i]) && fw_wanted(d->nets[i]->live);
    if (!want) {
        if (fw_anchor_is_open() || !d->anchor_swept) /* once at start: an old vnetd's */
            fw_anchor_close(true);
        d->anchor_swept = true;
        d->anchor_failed = false; /* try again when a network next needs it */
        return;
    }
    if (fw_anchor_is_open() || d->anchor_failed)
        return;
    verr err = VERR_INIT;
    if (fw_anchor_open(&err) < 0) {
        log_warn("%s; established connections may be reset while a table is restored", err.msg);
        d->anchor_failed = true;
    }
}

int supervise_setup(vnetd *d, verr *err)
{
    hairpin_setup(d);
    d->monitor_fd = netdev_monitor_open(err);
    if (d->monitor_fd < 0) {
        log_warn("link events unavailable (%s); relying on the periodic check", err->msg);
        verr_clear(err);
    } else {
        int r =
            sd_event_add_io(d->event, &d->monitor_src, d->monitor_fd, EPOLLIN, monitor_ready, d);
        if (r < 0)
            return verr_errno(err, -r, "watching link events");
    }
    int fw_fd = d->fw_monitor_fd = fw_monitor_open(err);
    if (fw_fd < 0) {
        log_warn("nftables events unavailable (%s); relying on the periodic check", err->msg);
        verr_clear(err);
    } else {
        int r = sd_event_add_io(d->event, &d->fw_monitor_src, fw_fd, EPOLLIN, fw_monitor_ready, d);
        if (r < 0)
            return verr_errno(err, -r, "watching nftables events");
    }
    int r = sd_event_add_post(d->event, &d->post_src, supervise_post, d);
    if (r < 0)
        return verr_errno(err, -r, "setting up the post-event step");
    d->netconf_fd = netdev_netconf_open(err);
    if (d->netconf_fd < 0) {
        log_warn("forwarding events unavailable (%s); relying on the periodic check", err->msg);
        verr_clear(err);
    } else {
        r = sd_event_add_io(d->event, &d->netconf_src, d->netconf_fd, EPOLLIN, netconf_ready, d);
        if (r < 0)
            return verr_errno(err, -r, "watching forwarding events");
    }
    uint64_t now;
    sd_event_now(d->event, CLOCK_MONOTONIC, &now);
    r = sd_event_add_time(d->event, &d->rescan_timer, CLOCK_MONOTONIC, now + VNETD_RESCAN_USEC,
                              1000000, rescan_fired, d);
    if (r < 0)
        return verr_errno(err, -r, "setting up the periodic check");
    return 0;
}

void supervise_close(vnetd *d)
{
    /* the kernel deletes the owned anchor with its socket; the networks that
     * keep running hold their own nat chains */
    fw_anchor_close(false);
    d->monitor_src = sd_event_source_disable_unref(d->monitor_src);
    d->fw_monitor_src = sd_event_source_disable_unref(d->fw_monitor_src);
    if (d->fw_monitor_fd >= 0)
        close(d->fw_monitor_fd);
    d->fw_monitor_fd = -1;
    d->rescan_timer = sd_event_source_disable_unref(d->rescan_timer);
    d->rescan_step_src = sd_event_source_disable_unref(d->rescan_step_src);
    d->post_src = sd_event_source_disable_unref(d->post_src);
    if (d->monitor_fd >= 0)
        close(d->monitor_fd);
    d->monitor_fd = -1;
    d->netconf_src = sd_event_source_disable_unref(d->netconf_src);
    if (d->netconf_fd >= 0)
        close(d->netconf_fd);
    d->netconf_fd = -1;
}

/* A stand-in for src/network used by the daemon's unit tests: it touches
 * nothing on the host and logs each call ("start NAME", ...) to the file named
 * by $VNET_STUB_LOG, so the tests can check what vnetd asked for. A network
 * whose <title> is "fail" fails to start; reloading hosts fails when a DHCP
 * host has MAC 52:54:00:00:0f:a1. A network whose title starts with "slow"
 * waits for a stand-in dnsmasq (a 0.5 s sleep) when started step by step
 * (network_start_begin); "slow-fail" then fails, "slow-hang" never gets
 * ready (vnetd gives up after DNSMASQ_SPAWN_TIMEOUT_MS). */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf/netplug.h"
#include "network/bandwidth.h"
#include "network/network.h"
#include "util/strbuf.h"

static void stub_log(const char *what, const netdef *def)
{
    const char *path = getenv("VNET_STUB_LOG");
    if (!path)
        return;
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    fprintf(f, "%s %s\n", what, def->name);
    fclose(f);
}

/* A pool network's run-state as network_pool_start records it: its
 * <interface> devices (direct modes) or PCI addresses (hostdev), as if each
 * existed on the host. */
static void stub_pool(const netdef *def, net_run *ret)
{
    ret->pool = true;
    if (def->forward_mode == NETDEF_FWD_HOSTDEV) {
        netplug_pci *pcis = NULL;
        size_t n = netdef_forward_pcis(def, &pcis);
        for (size_t i = 0; i < n; i++) {
            char buf[16];
            *(char **)xarray_push(&ret->pool_pcis, &ret->n_pool_pcis, sizeof(char *)) =
                xstrdup(netplug_pci_str(&pcis[i], buf));
        }
        free(pcis);
        return;
    }
    for (size_t i = 0; !def->bridge_name && i < def->n_forward_ifaces; i++)
        *(char **)xarray_push(&ret->pool_devs, &ret->n_pool_devs, sizeof(char *)) =
            xstrdup(def->forward_ifaces[i]);
}

static void stub_run(const netdef *def, net_run *ret)
{
    memset(ret, 0, sizeof(*ret));
    snprintf(ret->bridge, sizeof(ret->bridge), "%s", def->bridge_name ? def->bridge_name : "");
    if (!netdef_is_managed_bridge(def))
        stub_pool(def, ret);
}

int network_start(const network_env *env, const netdef *def, net_run *ret_run, verr *err)
{
    stub_log("start", def);
    if (def->title && strcmp(def->title, "fail") == 0)
        return verr_set(err, VERR_SYSTEM, "starting network '%s': stub: refused", def->name);
    stub_run(def, ret_run);
    return 0;
}

int network_start_begin(const network_env *env, const netdef *def, network_starting *st, verr *err)
{
    *st = (network_starting){.launch = DNSMASQ_LAUNCH_INIT};
    if (!def->title || strncmp(def->title, "slow", 4) != 0)
        return network_start(env, def, &st->run, err);
    stub_log("start-begin", def);
    const char *secs = strcmp(def->title, "slow-hang") == 0 ? "30" : "0.5";
    char *argv[] = {"/bin/sleep", (char *)secs, NULL};
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return verr_set(err, VERR_SYSTEM, "stub: pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    pid_t pid;
    int r = posix_spawn(&pid, argv[0], &fa, NULL, argv, NULL);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (r != 0) {
        close(p[0]);
        return verr_set(err, VERR_SYSTEM, "stub: spawn");
    }
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    st->launch.pid = pid;
    st->launch.pidfd = pidfd_open(pid, 0);
    st->launch.out_fd = p[0];
    stub_run(def, &st->run);
    return 1;
}

static void stub_launch_close(network_starting *st, bool kill_it)
{
    if (st->launch.pid > 0) {
        if (kill_it)
            kill(st->launch.pid, SIGKILL);
        waitpid(st->launch.pid, NULL, 0);
    }
    close(st->launch.pidfd);
    close(st->launch.out_fd);
    strbuf_free(&st->launch.out);
    st->launch = (dnsmasq_launch)DNSMASQ_LAUNCH_INIT;
}

int network_start_finish(const network_env *env, const netdef *def, network_starting *st,
                         net_run *ret_run, verr *err)
{
    stub_launch_close(st, false);
    if (strcmp(def->title, "slow-fail") == 0) {
        stub_log("start-undone", def);
        return verr_set(err, VERR_SYSTEM, "starting network '%s': stub: dnsmasq failed", def->name);
    }
    stub_log("start-finish", def);
    *ret_run = st->run;
    return 0;
}

void network_start_cancel(const network_env *env, const netdef *def, network_starting *st)
{
    stub_launch_close(st, true);
    stub_log("start-undone", def);
}

int network_stop(const network_env *env, const netdef *def, const net_run *run, verr *err)
{
    stub_log("stop", def);
    return 0;
}

/* A title with "stopslow" (or "stophang"): its stand-in dnsmasq takes 0.5 s
 * (or 30 s: vnetd kills it after DNSMASQ_STOP_TERM_TIMEOUT_MS) to exit. */
bool network_stop_begin(const network_env *env, const netdef *def, const net_run *run,
                        network_stopping *st)
{
    *st = (network_stopping){.dnsmasq_pidfd = -1, .err = VERR_INIT};
    bool hang = def->title && strstr(def->title, "stophang");
    if (!def->title || (!strstr(def->title, "stopslow") && !hang))
        return false;
    stub_log("stop-begin", def);
    char *argv[] = {"/bin/sleep", hang ? "30" : "0.5", NULL};
    pid_t pid;
    if (posix_spawn(&pid, argv[0], NULL, NULL, argv, NULL) != 0)
        return false;
    st->dnsmasq_pid = pid;
    st->dnsmasq_pidfd = pidfd_open(pid, 0);
    return true;
}

void network_stop_kill(network_stopping *st)
{
    st->killed = true;
    kill(st->dnsmasq_pid, SIGKILL);
}

bool network_stop_wait(const network_stopping *st, int timeout_ms)
{
    struct pollfd p = {.fd = st->dnsmasq_pidfd, .events = POLLIN};
    return st->dnsmasq_pidfd < 0 || poll(&p, 1, timeout_ms) > 0;
}

/* as network.c's, over the stand-ins above */
bool network_stop_wait_all(network_stopping *st)
{
    if (!st->killed && network_stop_wait(st, DNSMASQ_STOP_TERM_TIMEOUT_MS))
        return true;
    network_stop_kill(st);
    return network_stop_wait(st, DNSMASQ_STOP_KILL_TIMEOUT_MS);
}

int network_stop_finish(const network_env *env, const netdef *def, const net_run *run,
                        network_stopping *st, bool dnsmasq_gone, verr *err)
{
    if (st->dnsmasq_pidfd >= 0) {
        waitpid(st->dnsmasq_pid, NULL, 0);
        close(st->dnsmasq_pidfd);
        st->dnsmasq_pidfd = -1;
        stub_log(st->killed ? "stop-killed" : "stop-finish", def);
    }
    return network_stop(env, def, run, err);
}

int network_reattach_ports(const netdef *def, char *const *ports, size_t n, unsigned *ret_count,
                           verr *err)
{
    *ret_count = 0;
    return 0;
}

void network_forget_leases(const network_env *env, const char *name)
{
}

int network_adopt(const network_env *env, const netdef *def, const net_run *run, net_run *ret_run,
                  bool *ret_repaired, verr *err)
{
    stub_log("adopt", def);
    stub_run(def, ret_run);
    for (size_t i = 0; i < run->n_floors; i++) /* the ports' floors stay */
        *(netbw_floor *)xarray_push(&ret_run->floors, &ret_run->n_floors, sizeof(netbw_floor)) =
            run->floors[i];
    if (ret_repaired)
        *ret_repaired = false;
    return 0;
}

int network_adopt_begin(const network_env *env, const netdef *def, const net_run *run,
                        net_run *ret_run, bool *ret_repaired, network_adopting *a, verr *err)
{
    return network_adopt(env, def, run, ret_run, ret_repaired, err);
}

int network_adopt_relaunch(const network_env *env, const netdef *def, network_adopting *a,
                           bool dnsmasq_gone, verr *err)
{
    return verr_set(err, VERR_INTERNAL, "stub: never waits for a dnsmasq");
}

int network_adopt_finish(const network_env *env, const netdef *def, network_adopting *a,
                         net_run *run, verr *err)
{
    return 0;
}

void network_dnsmasq_kill(const network_env *env, const netdef *def, dnsmasq_launch *l)
{
}

int network_adopt_firewall(const network_env *env, const netdef *def, const net_run *run,
                           net_run *ret_run, bool *ret_repaired, verr *err)
{
    stub_log("adopt-firewall", def);
    stub_run(def, ret_run);
    if (ret_repaired)
        *ret_repaired = false;
    return 0;
}

int network_update_live(const network_env *env, const netdef *def, netdef_section section,
                        const net_run *run, net_run *ret_run, verr *err)
{
    stub_run(def, ret_run);
    if (section == NETDEF_SECTION_IP_DHCP_HOST || section == NETDEF_SECTION_DNS_HOST)
        return network_reload_hosts(env, def, run, err);
    stub_log("update", def);
    return 0;
}

/* A network titled "stopslow" or "stophang" (network_stop_begin) waits for
 * its stand-in dnsmasq's exit in a live update that would restart it; then
 * the update is done (no new dnsmasq to wait for). Others: at once. */
int network_update_live_begin(const network_env *env, const netdef *def, netdef_section section,
                              const net_run *run, network_updating *u, net_run *ret_run, verr *err)
{
    *u = (network_updating){.stop = {.dnsmasq_pidfd = -1}, .launch = DNSMASQ_LAUNCH_INIT};
    bool hosts = section == NETDEF_SECTION_IP_DHCP_HOST || section == NETDEF_SECTION_DNS_HOST;
    if (hosts || !network_stop_begin(env, def, run, &u->stop))
        return network_update_live(env, def, section, run, ret_run, err);
    stub_log("update-begin", def);
    return 1;
}

int network_update_live_relaunch(const network_env *env, const netdef *def, network_updating *u,
                                 bool dnsmasq_gone, net_run *ret_run, verr *err)
{
    waitpid(u->stop.dnsmasq_pid, NULL, 0);
    close(u->stop.dnsmasq_pidfd);
    u->stop.dnsmasq_pidfd = -1;
    stub_log(u->stop.killed ? "update-killed" : "update-relaunch", def);
    stub_run(def, ret_run);
    return 0;
}

int network_update_live_finish(const network_env *env, const netdef *def, network_updating *u,
                               net_run *ret_run, verr *err)
{
    stub_run(def, ret_run);
    return 0;
}

void network_update_live_cancel(const network_env *env, const netdef *def, network_updating *u)
{
}

int network_forwards_change(const network_env *env, const netdef *oldlive, const netdef *newlive,
                            const netdef_port_forward *pfs, size_t n, bool add, const net_run *run,
                            net_run *ret_run, verr *err)
{
    stub_log(add ? "forward-add" : "forward-del", newlive);
    stub_run(newlive, ret_run);
    return 0;
}

void network_forward_forget(const char *net, const netdef_port_forward *pf)
{
}

void network_forward_forget_stale(const char *net, const netdef_port_forward *pf)
{
}

void network_forwards_forget_all(const netdef *def)
{
}

int network_reload_hosts(const network_env *env, const netdef *def, const net_run *run, verr *err)
{
    stub_log("reload", def);
    for (size_t i = 0; i < def->n_ips; i++)
        for (size_t j = 0; j < def->ips[i].n_hosts; j++)
            if (def->ips[i].hosts[j].mac &&
                strcmp(def->ips[i].hosts[j].mac, "52:54:00:00:0f:a1") == 0)
                return verr_set(err, VERR_SYSTEM, "stub: reload refused");
    return 0;
}

int network_sweep(const network_env *env, const network_owned *owned, size_t n,
                  unsigned *ret_removed, verr *err)
{
    if (ret_removed)
        *ret_removed = 0;
    return 0;
}

/* Host bridges are never looked at: "missing" names none. */
const char *network_bridge_state(const char *ovs_db, bool ovs, const char *name, char *ret_why,
                                 size_t len);
const char *network_bridge_state(const char *ovs_db, bool ovs, const char *name, char *ret_why,
                                 size_t len)
{
    snprintf(ret_why, len, "bridge '%s' does not exist", name);
    return "missing";
}

/* Ports' floors: planned as the real layer plans them (conf/netbw.h), applied
 * nowhere; logged as "floor NET ID" / "unfloor NET ID". */
int network_bandwidth_apply_floors(const netdef *def, const netbw_floor *floors, size_t n,
                                   verr *err)
{
    return 0;
}

int network_bandwidth_plug(const netdef *def, net_run *run, const uint8_t mac[6], uint64_t floor,
                           unsigned want, unsigned *ret_id, verr *err)
{
    unsigned id;
    if (netbw_floor_plug(def, run->floors, run->n_floors, mac, floor, want, &id, err) < 0)
        return -1;
    netbw_floor *f = xarray_push(&run->floors, &run->n_floors, sizeof(*f));
    *f = (netbw_floor){.class_id = id, .floor = floor};
    memcpy(f->mac, mac, 6);
    *ret_id = id;
    char what[32];
    snprintf(what, sizeof(what), "floor %u", id);
    stub_log(what, def);
    return 0;
}

int network_bandwidth_unplug(const netdef *def, net_run *run, unsigned class_id, verr *err)
{
    for (size_t i = 0; i < run->n_floors; i++)
        if (run->floors[i].class_id == class_id) {
            memmove(&run->floors[i], &run->floors[i + 1],
                    (run->n_floors - i - 1) * sizeof(*run->floors));
            run->n_floors--;
            break;
        }
    char what[32];
    snprintf(what, sizeof(what), "unfloor %u", class_id);
    stub_log(what, def);
    return 0;
}

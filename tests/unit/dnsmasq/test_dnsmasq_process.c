/* dnsmasq process control against the real binary, inside a private network
 * namespace (run under `unshare -n`): spawn, identify, reload, stop, failed
 * starts with dnsmasq's own message, the version check, and one DHCP
 * exchange (udhcpc in a second namespace) read back from the lease file. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "dnsmasq/dnsmasq.h"
#include "tests/unit/testlib.h"
#include "util/strbuf.h"

#define BRIDGE "vnt-dq0"

static char tmpdir[] = "/tmp/vnet-dnsmasq-XXXXXX";

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Only run in a namespace of our own: nothing but lo may be there. */
static int check_namespace(void)
{
    struct if_nameindex *ifs = if_nameindex();
    int others = 0;
    for (struct if_nameindex *i = ifs; i && i->if_index; i++)
        if (strcmp(i->if_name, "lo") != 0) {
            fprintf(stderr, "interface %s present: not a fresh namespace, refusing to run\n",
                    i->if_name);
            others++;
        }
    if_freenameindex(ifs);
    return others ? -1 : 0;
}

static int sh(const char *cmd)
{
    int r = system(cmd);
    if (r != 0)
        fprintf(stderr, "command failed (%d): %s\n", r, cmd);
    return r;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
    chmod(path, 0644); /* dnsmasq re-reads hosts files as nobody */
}

/* A NAT network on BRIDGE, 10.77.0.1/24, planned in vnet mode into tmpdir. */
static int write_network(const char *name, bool with_host, char **ret_conf, char **ret_pid)
{
    netdef_dhcp_range range = {0};
    vnet_addr_parse("10.77.0.100", &range.start);
    vnet_addr_parse("10.77.0.120", &range.end);
    netdef_dhcp_host host = {.mac = "52:54:00:00:00:05", .name = "fixed"};
    vnet_addr_parse("10.77.0.5", &host.ip);
    netdef_ip ip = {.family = AF_INET,
                    .prefix = 24,
                    .has_dhcp = true,
                    .ranges = &range,
                    .n_ranges = 1,
                    .hosts = &host,
                    .n_hosts = with_host ? 1 : 0};
    vnet_addr_parse("10.77.0.1", &ip.address);
    netdef def = {.name = (char *)name,
                  .bridge_name = BRIDGE,
                  .has_forward = true,
                  .forward_mode = NETDEF_FWD_NAT,
                  .ips = &ip,
                  .n_ips = 1};
    char *pid = xasprintf("%s/%s.pid", tmpdir, name);
    dnsmasq_plan_opts opts = {.state_dir = tmpdir, .pid_file = pid, .fast_dhcp = true};
    dnsmasq_plan plan;
    verr err = VERR_INIT;
    if (dnsmasq_plan_build(&def, &opts, &plan, &err) < 0) {
        fprintf(stderr, "plan: %s\n", err.msg);
        exit(1);
    }
    char *fname = xasprintf("%s.conf", name);
    write_file(tmpdir, fname, plan.conf);
    free(fname);
    fname = xasprintf("%s.hostsfile", name);
    write_file(tmpdir, fname, plan.hostsfile);
    free(fname);
    fname = xasprintf("%s.addnhosts", name);
    write_file(tmpdir, fname, plan.addnhosts);
    free(fname);
    dnsmasq_plan_free(&plan);
    *ret_conf = xasprintf("%s/%s.conf", tmpdir, name);
    *ret_pid = pid;
    return 0;
}

/* Every golden config is valid dnsmasq syntax (dnsmasq --test). */
static void test_golden_syntax(const char *data_dir)
{
    char cmd[1024];
    if (!data_dir)
        return;
    snprintf(cmd, sizeof(cmd),
             "n=0; for f in %s/*.conf; do " VNET_DNSMASQ " --test --conf-file=\"$f\" "
             ">/dev/null 2>&1 || { echo \"syntax error in $f\" >&2; exit 1; }; n=$((n+1)); "
             "done; [ $n -gt 0 ]",
             data_dir);
    CHECK(sh(cmd) == 0);
}

static void test_check_binary(void)
{
    char version[32] = "";
    verr err = VERR_INIT;
    CHECK(dnsmasq_check_binary(VNET_DNSMASQ, version, sizeof(version), &err) == 0);
    CHECK(version[0] >= '2' && strchr(version, '.'));
    printf("dnsmasq version %s\n", version);
    CHECK(dnsmasq_check_binary("/nonexistent/dnsmasq", version, sizeof(version), &err) < 0);
    CHECK(strstr(err.msg, "/nonexistent/dnsmasq") != NULL);
    verr_clear(&err);
    CHECK(dnsmasq_check_binary("/bin/true", version, sizeof(version), &err) < 0);
    CHECK(strstr(err.msg, "Dnsmasq version") != NULL);
}

/* A second dnsmasq for the same address fails with dnsmasq's own words; so
 * does a config with an unknown option. */
static void test_failures(void)
{
    char *conf, *pid_file;
    verr err = VERR_INIT;
    pid_t pid = 0;
    write_network("dup", true, &conf, &pid_file);
    CHECK(dnsmasq_spawn(VNET_DNSMASQ, conf, pid_file, &pid, &err) < 0);
    printf("second dnsmasq: %s\n", err.msg);
    CHECK(strstr(err.msg, "dnsmasq: failed to create listening socket for 10.77.0.1: Address "
                          "already in use") != NULL);
    CHECK(strstr(err.msg, "exit status 2") != NULL);
    free(conf);
    free(pid_file);

    char *bad = xasprintf("%s/bad.conf", tmpdir);
    write_file(tmpdir, "bad.conf", "no-such-option-here\n");
    verr_clear(&err);
    CHECK(dnsmasq_spawn(VNET_DNSMASQ, bad, "/nonexistent.pid", &pid, &err) < 0);
    printf("bad option: %s\n", err.msg);
    CHECK(strstr(err.msg, "dnsmasq: bad option at line 1 of") != NULL);
    CHECK(err.kind == VERR_INVALID);
    free(bad);
}

/* DHCP through the running dnsmasq: a veth from the bridge into a second
 * namespace where udhcpc asks for a lease; then the lease file has it. */
static void test_dhcp_exchange(void)
{
    char cmd[1024];
    if (access("/usr/sbin/udhcpc", X_OK) < 0 && access("/sbin/udhcpc", X_OK) < 0) {
        printf("udhcpc not installed: DHCP exchange not tested\n");
        return;
    }
    snprintf(cmd, sizeof(cmd),
             "set -e; unshare -n sleep 20 & P=$!; "
             "trap 'kill $P' EXIT; "
             "ip link add vnt-dqa type veth peer name vnt-dqb; "
             "ip link set vnt-dqa master " BRIDGE " up; "
             "for i in $(seq 100); do [ -e /proc/$P/ns/net ] && "
             "[ \"$(readlink /proc/$P/ns/net)\" != \"$(readlink /proc/self/ns/net)\" ] && break; "
             "sleep 0.01; done; "
             "ip link set vnt-dqb netns $P; "
             "nsenter -t $P -n ip link set vnt-dqb address 52:54:00:00:00:05 up; "
             "nsenter -t $P -n timeout 10 udhcpc -i vnt-dqb -n -q -f -t 5 -T 1 -s /bin/true "
             ">%s/udhcpc.log 2>&1",
             tmpdir);
    double t0 = now_ms();
    CHECK(sh(cmd) == 0);
    printf("DHCP lease obtained in %.0f ms\n", now_ms() - t0);
    char *path = xasprintf("%s/vt.leases", tmpdir);
    dnsmasq_lease *l = NULL;
    size_t n = 0;
    verr err = VERR_INIT;
    /* dnsmasq may write the file just after sending the ACK: allow it 1 s. */
    for (int i = 0; i < 100; i++) {
        free(l);
        l = NULL;
        CHECK(dnsmasq_leases_read(path, &l, &n, &err) == 0);
        if (n > 0)
            break;
        usleep(10000);
    }
    CHECK(n == 1);
    if (n == 1) {
        CHECK_STR(l[0].ip, "10.77.0.5");
        CHECK_STR(l[0].mac, "52:54:00:00:00:05");
        CHECK(l[0].family == AF_INET);
        CHECK(l[0].expiry > time(NULL));
    }
    free(l);
    free(path);
}

static void test_lifecycle(void)
{
    char *conf, *pid_file;
    verr err = VERR_INIT;
    pid_t pid = 0;
    write_network("vt", false, &conf, &pid_file);
    double t0 = now_ms();
    CHECK(dnsmasq_spawn(VNET_DNSMASQ, conf, pid_file, &pid, &err) == 0);
    printf("spawn took %.2f ms (pid %d) %s\n", now_ms() - t0, (int)pid, err.msg);
    CHECK(pid > 0);
    CHECK(dnsmasq_is_ours(pid, conf));
    CHECK(!dnsmasq_is_ours(pid, "/other.conf"));
    CHECK(!dnsmasq_is_ours(getpid(), conf));
    CHECK(dnsmasq_reload(pid, &err) == 0);
    CHECK(dnsmasq_is_ours(pid, conf));

    test_failures();
    CHECK(dnsmasq_is_ours(pid, conf)); /* the failed starts did not disturb it */

    /* A static host added to the hosts file takes effect on reload: the
     * guest then gets 10.77.0.5, outside the dynamic range. */
    write_file(tmpdir, "vt.hostsfile", "52:54:00:00:00:05,10.77.0.5,fixed\n");
    CHECK(dnsmasq_reload(pid, &err) == 0);
    test_dhcp_exchange();

    t0 = now_ms();
    CHECK(dnsmasq_stop(pid, &err) == 0);
    double took = now_ms() - t0;
    printf("stop took %.2f ms\n", took);
    CHECK(took < 3000);
    CHECK(!dnsmasq_is_ours(pid, conf));
    CHECK(dnsmasq_stop(pid, &err) == 0); /* already gone is success */
    free(conf);
    free(pid_file);
}

/* stop() on a process that ignores SIGTERM falls back to SIGKILL in time. */
static void test_stop_stubborn(void)
{
    pid_t child = fork();
    if (child == 0) {
        signal(SIGTERM, SIG_IGN);
        for (;;)
            pause();
    }
    usleep(20000);
    verr err = VERR_INIT;
    double t0 = now_ms();
    CHECK(dnsmasq_stop(child, &err) == 0);
    double took = now_ms() - t0;
    CHECK(took >= 1900 && took < 3500);
    int status;
    CHECK(waitpid(child, &status, WNOHANG) == child || errno == ECHILD);
}

static bool fd_readable(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, ms) > 0;
}

/* The stop in steps (an event loop's): SIGTERM and a pidfd that becomes
 * readable at the exit; a process ignoring SIGTERM goes with the SIGKILL
 * step; an absent one needs no waiting. */
static void test_stop_steps(void)
{
    verr err = VERR_INIT;
    int pidfd = -1;
    pid_t polite = fork();
    if (polite == 0) {
        for (;;)
            pause();
    }
    CHECK(dnsmasq_stop_begin(polite, &pidfd, &err) == 1 && pidfd >= 0);
    CHECK(fd_readable(pidfd, 5000));
    dnsmasq_stop_end(pidfd); /* (reaps our child) */
    CHECK(waitpid(polite, NULL, WNOHANG) < 0 && errno == ECHILD);

    pid_t stubborn = fork();
    if (stubborn == 0) {
        signal(SIGTERM, SIG_IGN);
        for (;;)
            pause();
    }
    usleep(20000);
    CHECK(dnsmasq_stop_begin(stubborn, &pidfd, &err) == 1);
    CHECK(!fd_readable(pidfd, 200)); /* SIGTERM ignored: still there */
    CHECK(dnsmasq_stop_kill(stubborn, pidfd, &err) == 0);
    CHECK(fd_readable(pidfd, 5000));
    dnsmasq_stop_end(pidfd);
    CHECK(dnsmasq_stop_begin(stubborn, &pidfd, &err) == 0 && pidfd == -1); /* gone */
}

/* A launch given up on (its parent never exits) takes the daemon it forked
 * (named in the pid file) with it, even one that ignores SIGTERM. */
static void test_launch_kill(void)
{
    char *bin = xasprintf("%s/hanging-dnsmasq", tmpdir);
    char *pid_file = xasprintf("%s/hang.pid", tmpdir);
    char *conf = xasprintf("%s/hang.conf", tmpdir);
    char *script = xasprintf("#!/bin/bash\n"
                             "( trap '' TERM; while :; do sleep 0.2; done ) &\n"
                             "echo $! >%s\n"
                             "sleep 30\n",
                             pid_file);
    write_file(tmpdir, "hanging-dnsmasq", script);
    chmod(bin, 0755);
    write_file(tmpdir, "hang.conf", "");
    dnsmasq_launch l;
    verr err = VERR_INIT;
    CHECK(dnsmasq_launch_begin(bin, conf, &l, &err) == 0);
    pid_t daemon = 0;
    for (int i = 0; i < 500 && !daemon; i++) {
        FILE *f = fopen(pid_file, "r");
        if (!f || fscanf(f, "%d", &daemon) != 1 || !dnsmasq_is_ours(daemon, conf))
            daemon = 0;
        if (f)
            fclose(f);
        if (!daemon)
            usleep(10000);
    }
    CHECK(daemon > 0);
    CHECK(!dnsmasq_launch_wait(&l, 100)); /* its parent is still there */
    dnsmasq_launch_kill(&l, conf, pid_file);
    CHECK(l.pid == 0 && l.pidfd == -1);
    CHECK(!dnsmasq_is_ours(daemon, conf)); /* killed, not asked */
    free(bin);
    free(pid_file);
    free(conf);
    free(script);
}

int main(int argc, char **argv)
{
    if (geteuid() != 0) {
        printf("needs root inside a network namespace; skipped\n");
        return 77;
    }
    if (check_namespace() < 0)
        return 1;
    if (!mkdtemp(tmpdir) || chmod(tmpdir, 0755) < 0) {
        perror("mkdtemp");
        return 1;
    }
    if (sh("ip link set lo up && ip link add " BRIDGE " type bridge && "
           "ip addr add 10.77.0.1/24 dev " BRIDGE " && ip link set " BRIDGE " up") != 0)
        return 1;
    test_check_binary();
    test_golden_syntax(argc > 1 ? argv[1] : NULL);
    test_lifecycle();
    test_stop_stubborn();
    test_stop_steps();
    test_launch_kill();
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    sh(cmd);
    return testlib_done("dnsmasq-process");
}

/* vnetd: arguments, setup, the event loop, signals and sd_notify. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "config.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/ovn_daemon.h"
#include "daemon/uplink.h"
#include "daemon/ports.h"
#include "daemon/rpc_server.h"
#include "firewall/firewall.h"
#include "netdev/netdev.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/nlsock.h"
#include "util/strbuf.h"

typedef struct vnetd_args {
    const char *root;
    const char *dnsmasq;
    const char *coexist;
    const char *forwarding;
    const char *sysfs_root;
    bool verbose;
    rpc_opts rpc;
    ovn_opts ovn;
    const char *ovn_config; /* --ovn-config FILE, or NULL: ROOT/etc/vnet/ovn.conf if there */
} vnetd_args;

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: vnetd [OPTIONS]\n"
            "\n"
            "The vnet daemon: manages virtual networks (bridges, firewall rules, dnsmasq)\n"
            "and serves the control socket used by `vnet`.\n"
            "\n"
            "Options:\n"
            "  --root DIR       keep every file under DIR (config, runtime, data)\n"
            "  --foreground     do not daemonize (vnetd never does; accepted for clarity)\n"
            "  --dnsmasq PATH   dnsmasq binary to run (default %s)\n"
            "  --coexist LIST   fix other firewalls' drops of guest traffic, for the ones\n"
            "                   named (comma-separated): docker (accept rules in\n"
            "                   DOCKER-USER), firewalld (bridges into its zone 'vnet',\n"
            "                   over D-Bus); default none: drops are only reported\n"
            "  --forwarding MODE  manage (default): keep IP forwarding on while a network\n"
            "                   needs it, repaired at once; hands-off: never write it,\n"
            "                   report it off (vnet events, vnet doctor)\n"
            "  --sysfs-root DIR read SR-IOV devices from DIR instead of /sys (tests)\n"
            "  --verbose        log debug messages\n"
            "  --libvirt-sockets DIR   serve libvirt's network RPC on DIR/virtnetworkd-sock\n"
            "                   and DIR/virtnetworkd-sock-ro (default ROOT/run/libvirt)\n"
            "  --no-libvirt-sockets    do not serve libvirt's network RPC\n"
            "  --libvirt-group GROUP   let GROUP use the read-write libvirt socket (default root "
            "only)\n"
            "  --libvirt-keepalive SECONDS:COUNT  ping silent libvirt clients every SECONDS,\n"
            "                   drop them after COUNT unanswered pings (default 5:5, 0 = off)\n"
            "  --ovs-db unix:PATH      the local Open_vSwitch database: vnet writes this\n"
            "                   host's OVN chassis settings there (with --ovn-chassis)\n"
            "  --ovn-chassis NAME      this host's chassis name (system-id)\n"
            "  --ovn-sb REMOTE         the OVN southbound database ovn-controller connects to\n"
            "  --ovn-encap-type TYPE   tunnel type (default geneve)\n"
            "  --ovn-encap-ip ADDR     this host's tunnel endpoint address\n"
            "  --ovn-bridge NAME       the integration bridge ports plug into (default br-int)\n"
            "  --ovn-bridge-mappings PHYSNET:BRIDGE[,...]  upstream networks reachable here\n"
            "                   (for the gateway ports of NAT OVN networks)\n"
            "  --ovn-config FILE       the options above as 'key = value' lines (ovs-db,\n"
            "                   ovn-chassis, ...); default ROOT/etc/vnet/ovn.conf if it exists;\n"
            "                   options on the command line win\n"
            "  --help           show this help\n"
            "  --version        show the version\n"
            "\n"
            "Files (under DIR with --root):\n",
            VNET_DNSMASQ);
    fprintf(f, "  %-28s %s\n", VNET_SYSCONFDIR "/vnet/networks",
            "definitions (NAME.xml), autostart/");
    fprintf(f, "  %-28s %s\n", VNET_RUNSTATEDIR "/vnet", "control socket, active networks' status");
    fprintf(f, "  %-28s %s\n", VNET_LOCALSTATEDIR "/lib/vnet", "dnsmasq configuration and leases");
    fprintf(f, "\nSignals: SIGHUP re-reads the definitions (as `vnet reload`); SIGTERM ends vnetd\n"
               "(the networks keep running).\n");
}

/* 0 to run, 1 to exit successfully (help/version), -1 on a usage error. */
static int parse_args(int argc, char **argv, vnetd_args *a)
{
    enum {
        OPT_ROOT = 256,
        OPT_FOREGROUND,
        OPT_DNSMASQ,
        OPT_COEXIST,
        OPT_FORWARDING,
        OPT_SYSFS_ROOT,
        OPT_VERBOSE,
        OPT_HELP,
        OPT_VERSION,
        OPT_LV_SOCKETS,
        OPT_LV_NONE,
        OPT_LV_GROUP,
        OPT_LV_KEEPALIVE,
        OPT_OVS_DB,
        OPT_OVN_CHASSIS,
        OPT_OVN_SB,
        OPT_OVN_ENCAP_TYPE,
        OPT_OVN_ENCAP_IP,
        OPT_OVN_BRIDGE,
        OPT_OVN_MAPPINGS,
        OPT_OVN_CONFIG,
    };
    static const struct option opts[] = {
        {"root", required_argument, NULL, OPT_ROOT},
        {"foreground", no_argument, NULL, OPT_FOREGROUND},
        {"dnsmasq", required_argument, NULL, OPT_DNSMASQ},
        {"coexist", required_argument, NULL, OPT_COEXIST},
        {"forwarding", required_argument, NULL, OPT_FORWARDING},
        {"sysfs-root", required_argument, NULL, OPT_SYSFS_ROOT},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {"libvirt-sockets", required_argument, NULL, OPT_LV_SOCKETS},
        {"no-libvirt-sockets", no_argument, NULL, OPT_LV_NONE},
        {"libvirt-group", required_argument, NULL, OPT_LV_GROUP},
        {"libvirt-keepalive", required_argument, NULL, OPT_LV_KEEPALIVE},
        {"ovs-db", required_argument, NULL, OPT_OVS_DB},
        {"ovn-chassis", required_argument, NULL, OPT_OVN_CHASSIS},
        {"ovn-sb", required_argument, NULL, OPT_OVN_SB},
        {"ovn-encap-type", required_argument, NULL, OPT_OVN_ENCAP_TYPE},
        {"ovn-encap-ip", required_argument, NULL, OPT_OVN_ENCAP_IP},
        {"ovn-bridge", required_argument, NULL, OPT_OVN_BRIDGE},
        {"ovn-bridge-mappings", required_argument, NULL, OPT_OVN_MAPPINGS},
        {"ovn-config", required_argument, NULL, OPT_OVN_CONFIG},
        {NULL, 0, NULL, 0},
    };
    a->dnsmasq = VNET_DNSMASQ;
    a->rpc.enabled = true;
    a->rpc.ka_interval = RPC_KEEPALIVE_INTERVAL;
    a->rpc.ka_count = RPC_KEEPALIVE_COUNT;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case OPT_ROOT:
            a->root = optarg;
            break;
        case OPT_FOREGROUND:
            break;
        case OPT_DNSMASQ:
            a->dnsmasq = optarg;
            break;
        case OPT_COEXIST:
            a->coexist = optarg;
            break;
        case OPT_FORWARDING:
            if (!streq(optarg, "manage") && !streq(optarg, "hands-off")) {
                fprintf(stderr, "vnetd: --forwarding: '%s' is neither manage nor hands-off\n",
                        optarg);
                return -1;
            }
            a->forwarding = optarg;
            break;
        case OPT_SYSFS_ROOT:
            a->sysfs_root = optarg;
            break;
        case OPT_VERBOSE:
            a->verbose = true;
            break;
        case OPT_LV_SOCKETS:
            a->rpc.dir = optarg;
            break;
        case OPT_LV_NONE:
            a->rpc.enabled = false;
            break;
        case OPT_LV_GROUP:
            a->rpc.group = optarg;
            break;
        case OPT_LV_KEEPALIVE:
            if (sscanf(optarg, "%u:%u", &a->rpc.ka_interval, &a->rpc.ka_count) != 2) {
                fprintf(stderr, "vnetd: --libvirt-keepalive wants SECONDS:COUNT, not '%s'\n",
                        optarg);
                return -1;
            }
            break;
        case OPT_OVS_DB:
            a->ovn.ovs_db = optarg;
            break;
        case OPT_OVN_CHASSIS:
            a->ovn.chassis = optarg;
            break;
        case OPT_OVN_SB:
            a->ovn.sb = optarg;
            break;
        case OPT_OVN_ENCAP_TYPE:
            a->ovn.encap_type = optarg;
            break;
        case OPT_OVN_ENCAP_IP:
            a->ovn.encap_ip = optarg;
            break;
        case OPT_OVN_BRIDGE:
            a->ovn.bridge = optarg;
            break;
        case OPT_OVN_MAPPINGS:
            a->ovn.mappings = optarg;
            break;
        case OPT_OVN_CONFIG:
            a->ovn_config = optarg;
            break;
        case OPT_HELP:
            usage(stdout);
            return 1;
        case OPT_VERSION:
            printf("vnetd %s\n", VNET_VERSION);
            return 1;
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "vnetd: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return -1;
    }
    return 0;
}

/* dnsmasq runs from "/", so every path handed to it must be absolute. */
static char *absolute_root(const char *root)
{
    if (strempty(root) || root[0] == '/')
        return xstrdup(root ? root : "");
    _cleanup_free_ char *cwd = getcwd(NULL, 0);
    if (!cwd)
        return xstrdup(root);
    return xasprintf("%s/%s", cwd, root);
}

/* dnsmasq drops privileges to VNET_DNSMASQ_USER when install made that account
 * (and its group); else to dnsmasq's default, nobody, shared with whatever
 * else runs as nobody and may signal it. */
static const char *dnsmasq_user(void)
{
    if (getpwnam(VNET_DNSMASQ_USER) && getgrnam(VNET_DNSMASQ_USER))
        return VNET_DNSMASQ_USER;
    log_warn("user and group '%s' do not exist; dnsmasq runs as 'nobody' (meson install "
             "creates them)",
             VNET_DNSMASQ_USER);
    return NULL;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
    log_info("received %s, exiting (networks keep running)", strsignal((int)si->ssi_signo));
    sd_notify(0, "STOPPING=1");
    sd_event_exit(sd_event_source_get_event(s), 0);
    return 0;
}

/* SIGHUP: re-read the definitions directory (as `vnet reload`). */
static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
    vnetd *d = userdata;
    verr err = VERR_INIT;
    log_info("received SIGHUP, reloading the definitions");
    sd_notify(0, "RELOADING=1");
    json_t *r = reload_definitions(d, &err);
    if (!r)
        log_err("reload: %s", err.msg);
    json_decref(r);
    sd_notify(0, "READY=1");
    return 0;
}

static int vnetd_setup(vnetd *d, const vnetd_args *args, verr *err)
{
    limits_init(&d->limits); /* first: networks started below get the raised limit */
    /* Ready means able to manage networks: say why not, and exit. */
    if (readiness_nftables(err) < 0 || readiness_state_dirs(&d->paths, err) < 0)
        return verr_prefix(err, "vnetd cannot manage networks");
    d->lock_fd = store_lock_daemon(&d->paths, err);
    if (d->lock_fd < 0)
        return -1;
    if (vnet_paths_mkdirs(&d->paths, err) < 0)
        return verr_prefix(err, "vnetd cannot manage networks");
    int r = sd_event_default(&d->event);
    if (r < 0)
        return verr_errno(err, -r, "creating the event loop");
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    if ((r = sd_event_add_signal(d->event, NULL, SIGTERM, on_signal, NULL)) < 0 ||
        (r = sd_event_add_signal(d->event, NULL, SIGINT, on_signal, NULL)) < 0 ||
        (r = sd_event_add_signal(d->event, NULL, SIGHUP, on_sighup, d)) < 0)
        return verr_errno(err, -r, "setting up signal handling");
    /* The daemon's own netlink socket and nftables handles, used by every
     * request and check (netdev/ and firewall/ borrow them). */
    d->rtnl = nlsock_new(NETLINK_ROUTE);
    netdev_use_socket(d->rtnl);
    d->fw = fw_handles_new();
    fw_use_handles(d->fw);
    if (supervise_setup(d, err) < 0 || health_setup(d, err) < 0)
        return -1;
    if (resolv_watch_setup(d, err) < 0)
        return -1;
    foreign_setup(d);
    if (reconcile_startup(d, err) < 0)
        return -1;
    supervise_anchor_sync(d);
    foreign_request_scan(d);
    if (reload_watch(d, err) < 0)
        return -1;
    if (ports_setup(d, err) < 0 || ovn_daemon_setup(d, &args->ovn, err) < 0)
        return -1;
    /* The libvirt sockets are an extra: a bad option stops vnetd, a socket it
     * cannot make is logged and vnetd serves its own socket. */
    verr rerr = VERR_INIT;
    if (rpc_server_start(d, &args->rpc, &rerr) < 0) {
        if (rerr.kind == VERR_INVALID) {
            *err = rerr;
            return -1;
        }
        log_err("libvirt sockets: %s; not serving libvirt's network RPC", rerr.msg);
        rpc_server_stop(d);
    }
    return control_listen(d, err);
}

static void vnetd_teardown(vnetd *d)
{
    if (d->listen_fd >= 0)
        unlink(d->paths.socket_path);
    repairing_settle_all(d);
    starting_cancel_all(d); /* undone: an unfinished start leaves nothing behind */
    stopping_finish_all(d); /* a destroy asked for is done (blocking is fine now) */
    restarting_finish_all(d);
    control_close(d);
    health_close(d);
    rpc_server_stop(d);
    ovn_daemon_close(d);
    ports_close(d);
    foreign_close(d);
    supervise_close(d);
    resolv_watch_close(d);
    registry_free_all(d);
    json_decref(d->def_problems);
    json_decref(d->own_writes);
    uplink_free_all(d);
    events_free_all(d);
    d->event = sd_event_unref(d->event);
    if (d->lock_fd >= 0)
        close(d->lock_fd);
    vnet_paths_free(&d->paths);
    fw_use_handles(NULL);
    fw_handles_free(d->fw);
    netdev_use_socket(NULL);
    nlsock_free(d->rtnl);
    fw_close();
    netdev_close();
}

int main(int argc, char **argv)
{
    vnetd_args args = {0};
    int pr = parse_args(argc, argv, &args);
    if (pr != 0)
        return pr > 0 ? 0 : 2;

    signal(SIGPIPE, SIG_IGN);
    /* Fixed thresholds (glibc raises them as large blocks come and go): a
     * large reply (the list of 1,000 networks) is mmapped and given back when
     * freed, and the heap's free top is returned, so the daemon's footprint
     * stays what its networks need (PSS, issue 13). */
    mallopt(M_MMAP_THRESHOLD, 64 * 1024);
    mallopt(M_TRIM_THRESHOLD, 128 * 1024);
    /* one heap: the threads that delete bridges (netdev) allocate a few
     * bytes each, not worth an arena of their own apiece */
    mallopt(M_ARENA_MAX, 1);
    umask(022); /* directories must stay traversable for dnsmasq's unprivileged user */
    /* Under systemd (INVOCATION_ID) log to the journal too, unless stderr is
     * already connected to it (JOURNAL_STREAM): no line twice. */
    log_setup("vnetd", args.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO,
              getenv("INVOCATION_ID") != NULL && getenv("JOURNAL_STREAM") == NULL);

    vnetd d = {.lock_fd = -1,
               .listen_fd = -1,
               .monitor_fd = -1,
               .fw_monitor_fd = -1,
               .netconf_fd = -1,
               .verbose = args.verbose};
    _cleanup_free_ char *root = absolute_root(args.root);
    vnet_paths_init(&d.paths, root);
    d.dnsmasq_bin = args.dnsmasq;
    d.env.paths = &d.paths;
    d.env.dnsmasq_bin = args.dnsmasq;
    ovn_config ovn_cfg = {0};
    _cleanup_free_ char *ovn_cfg_default = xasprintf("%s/etc/vnet/ovn.conf", d.paths.root);
    verr oerr = VERR_INIT;
    if (ovn_config_read(args.ovn_config ? args.ovn_config : ovn_cfg_default,
                        args.ovn_config != NULL, &args.ovn, &ovn_cfg, &oerr) < 0) {
        fprintf(stderr, "vnetd: %s\n", oerr.msg);
        vnet_paths_free(&d.paths);
        return 2;
    }
    /* OVN networks shared between hosts: each host marks the ones it runs */
    char hostname[256] = "";
    if (!args.ovn.chassis)
        (void)gethostname(hostname, sizeof(hostname) - 1);
    d.env.ovn_host = args.ovn.chassis ? args.ovn.chassis : (hostname[0] ? hostname : NULL);
    d.env.dnsmasq_user = dnsmasq_user();
    d.env.forwarding_hands_off = args.forwarding && streq(args.forwarding, "hands-off");
    verr cerr = VERR_INIT;
    if (args.coexist && foreign_parse_coexist(args.coexist, &d.coexist, &cerr) < 0) {
        fprintf(stderr, "vnetd: %s\n", cerr.msg);
        vnet_paths_free(&d.paths);
        ovn_config_free(&ovn_cfg);
        return 2;
    }
    d.env.sysfs_root = args.sysfs_root;

    verr err = VERR_INIT;
    int rc = 0;
    if (vnetd_setup(&d, &args, &err) < 0) {
        log_err("%s", err.msg);
        sd_notifyf(0, "STATUS=%s", err.msg);
        rc = 1;
    } else {
        log_info("ready: %zu network(s), control socket %s", d.n_nets, d.paths.socket_path);
        sd_notify(0, "READY=1\nSTATUS=Serving the control socket");
        /* (a SIGTERM while autostart networks started ended the loop already) */
        int r = sd_event_get_state(d.event) == SD_EVENT_FINISHED ? 0 : sd_event_loop(d.event);
        if (r < 0) {
            log_err("event loop: %s", strerror(-r));
            rc = 1;
        }
    }
    vnetd_teardown(&d);
    ovn_config_free(&ovn_cfg);
    return rc;
}

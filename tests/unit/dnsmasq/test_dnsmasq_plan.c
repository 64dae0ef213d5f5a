/* Golden tests for the planner in vnet's own mode: every
 * tests/data/dnsmasq/NAME.xml must plan to NAME.conf (+ NAME.hostsfile,
 * NAME.addnhosts; a missing file means empty) with state dir
 * /var/lib/vnet/dnsmasq, pid file /run/vnet/NAME.pid and fast DHCP. The
 * built-in default network is compared with builtin-default.conf.
 * VNET_REGENERATE=1 rewrites the expected files (tests/unit/testfile.h).
 * Also: dnsmasq_needed() and the refusal of values with line breaks. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/netdef.h"
#include "dnsmasq/dnsmasq.h"
#include "tests/unit/testlib.h"
#include "util/cleanup.h"
#include "util/strbuf.h"
#include "tests/unit/testfile.h"

static const char *data_dir;


/* Compare text with data_dir/NAME.EXT (absent file = ""; VNET_REGENERATE=1
 * rewrites it, see tests/unit/testfile.h). */
static void golden(const char *name, const char *ext, const char *got)
{
    _cleanup_free_ char *path = xasprintf("%s/%s.%s", data_dir, name, ext);
    testlib_checks++;
    if (!test_golden_flags(name, path, got,
                           streq(ext, "conf") ? 0 : TEST_GOLDEN_ABSENT_IS_EMPTY))
        testlib_failures++;
}

static void check_plan(const char *name, const netdef *def)
{
    _cleanup_free_ char *pid = xasprintf("/run/vnet/%s.pid", def->name);
    dnsmasq_plan_opts opts = {.state_dir = "/var/lib/vnet/dnsmasq",
                               .pid_file = pid,
                               .fast_dhcp = true,
                               .servers_file = "/var/lib/vnet/dnsmasq/vnet-resolv.servers"};
    dnsmasq_plan plan = {0};
    verr err = VERR_INIT;
    if (dnsmasq_plan_build(def, &opts, &plan, &err) < 0) {
        testlib_checks++;
        testlib_failures++;
        fprintf(stderr, "%s: plan failed: %s\n", name, err.msg);
        return;
    }
    golden(name, "conf", plan.conf);
    golden(name, "hostsfile", plan.hostsfile);
    golden(name, "addnhosts", plan.addnhosts);
    dnsmasq_plan_free(&plan);
}

static void test_goldens(void)
{
    DIR *d = opendir(data_dir);
    CHECK(d != NULL);
    if (!d)
        return;
    struct dirent *e;
    unsigned n = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || !streq(e->d_name + len - 4, ".xml"))
            continue;
        _cleanup_free_ char *name = xstrndup(e->d_name, len - 4);
        _cleanup_free_ char *path = xasprintf("%s/%s", data_dir, e->d_name);
        netdef *def = NULL;
        verr err = VERR_INIT;
        if (netdef_parse_file(path, &def, &err) < 0) {
            CHECK(!"parse failed");
            fprintf(stderr, "%s: %s\n", path, err.msg);
            continue;
        }
        check_plan(name, def);
        netdef_free(def);
        n++;
    }
    closedir(d);
    printf("%u golden networks\n", n);
    CHECK(n >= 10);

    netdef *def = netdef_builtin_default();
    check_plan("builtin-default", def);
    CHECK(dnsmasq_needed(def));
    netdef_free(def);
}

/* Hand-built definitions for the cases XML cannot (or should not) express. */
static void test_needed_and_injection(void)
{
    netdef_ip ip = {.family = AF_INET, .prefix = 24};
    vnet_addr_parse("10.1.0.1", &ip.address);
    netdef def = {.name = "t", .bridge_name = "br-t", .ips = &ip, .n_ips = 1};

    CHECK(dnsmasq_needed(&def)); /* DNS is on by default */
    def.dns.enable = VT_NO;
    CHECK(!dnsmasq_needed(&def));
    ip.tftp_root = "/srv/tftp";
    CHECK(dnsmasq_needed(&def));
    ip.tftp_root = NULL;
    ip.family = AF_INET6; /* router advertisements come from dnsmasq */
    vnet_addr_parse("fd00::1", &ip.address);
    ip.prefix = 64;
    CHECK(dnsmasq_needed(&def));
    def.n_ips = 0;
    def.dns.enable = VT_ABSENT;
    CHECK(!dnsmasq_needed(&def));

    /* A value with a line break never reaches the config. */
    ip.family = AF_INET;
    vnet_addr_parse("10.1.0.1", &ip.address);
    ip.prefix = 24;
    def.n_ips = 1;
    char *opts_list[] = {"foo=bar\ndhcp-script=/tmp/evil"};
    def.dnsmasq_options = opts_list;
    def.n_dnsmasq_options = 1;
    dnsmasq_plan_opts opts = {.state_dir = "/var/lib/vnet/dnsmasq"};
    dnsmasq_plan plan = {0};
    verr err = VERR_INIT;
    CHECK(dnsmasq_plan_build(&def, &opts, &plan, &err) < 0);
    CHECK(strstr(err.msg, "line break") != NULL);
    CHECK(plan.conf == NULL);
    def.n_dnsmasq_options = 0;
    def.domain = "example.com\nport=0";
    verr_clear(&err);
    CHECK(dnsmasq_plan_build(&def, &opts, &plan, &err) < 0);
    CHECK(strstr(err.msg, "domain") != NULL);
    def.domain = NULL;
    def.bridge_name = "br\n";
    CHECK(dnsmasq_plan_build(&def, &opts, &plan, &err) < 0);
    def.bridge_name = "br-t";

    /* fast_dhcp off: dnsmasq's ping check stays. */
    netdef_dhcp_range r = {0};
    vnet_addr_parse("10.1.0.10", &r.start);
    vnet_addr_parse("10.1.0.20", &r.end);
    ip.ranges = &r;
    ip.n_ranges = 1;
    CHECK(dnsmasq_plan_build(&def, &opts, &plan, &err) == 0);
    CHECK(plan.conf && !strstr(plan.conf, "no-ping"));
    CHECK(plan.conf && strstr(plan.conf, "dhcp-range=10.1.0.10,10.1.0.20,255.255.255.0\n"));
    CHECK(plan.conf && strstr(plan.conf, "dhcp-lease-max=11\n"));
    CHECK(plan.conf && !strstr(plan.conf, "pid-file"));
    dnsmasq_plan_free(&plan);
}

/* resolv.conf -> servers-file: nameserver lines only, addresses dnsmasq
 * accepts (IPv6 with a scope too), everything else skipped. */
static void test_servers_from_resolv(void)
{
    const char *hdr =
        "# Generated by vnetd from the host's resolv.conf; rewritten when it changes.\n";
    _cleanup_free_ char *empty = dnsmasq_servers_from_resolv(NULL);
    CHECK(empty && streq(empty, hdr));
    _cleanup_free_ char *got = dnsmasq_servers_from_resolv(
        "# comment\nsearch example.com\nnameserver 192.0.2.53\n"
        "  nameserver\t2001:db8::53  # trailing\n"
        "nameserver fe80::1%eth0\n"
        "nameserver not-an-address\nnameserver 192.0.2.1;reboot\n"
        "nameserver fe80::1%bad/x\noptions edns0\nnameserver 198.51.100.7");
    _cleanup_free_ char *want = xasprintf("%sserver=192.0.2.53\nserver=2001:db8::53\n"
                                          "server=fe80::1%%eth0\nserver=198.51.100.7\n",
                                          hdr);
    CHECK(got && streq(got, want));
    if (got && !streq(got, want))
        fprintf(stderr, "servers-file: got\n%s", got);
}

/* Which networks take the servers file: DNS on, not isolated, and no
 * forwarder that takes every query (its no-resolv makes resolv.conf unused). */
static void test_uses_servers_file(void)
{
    netdef def = {0};
    def.name = "t";
    def.forward_mode = NETDEF_FWD_NAT;
    CHECK(dnsmasq_uses_servers_file(&def));
    def.dns.enable = VT_NO;
    CHECK(!dnsmasq_uses_servers_file(&def));
    def.dns.enable = VT_ABSENT;
    def.forward_mode = NETDEF_FWD_NONE;
    CHECK(!dnsmasq_uses_servers_file(&def));
    def.forward_mode = NETDEF_FWD_ROUTE;
    netdef_dns_forwarder f = {.domain = "example.com", .addr = "192.0.2.1"};
    def.dns.forwarders = &f;
    def.dns.n_forwarders = 1;
    CHECK(dnsmasq_uses_servers_file(&def));
    f.domain = NULL;
    CHECK(!dnsmasq_uses_servers_file(&def));
}

int main(int argc, char **argv)
{
    data_dir = argc > 1 ? argv[1] : "tests/data/dnsmasq";
    test_goldens();
    test_needed_and_injection();
    test_servers_from_resolv();
    test_uses_servers_file();
    return testlib_done("dnsmasq-plan");
}

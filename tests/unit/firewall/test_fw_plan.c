/* Planner tests: golden nft scripts for each definition, and the checks.
 *
 * usage: test-fw-plan DATADIR LIBVIRT_FIREWALL_DIR
 * Golden inputs: DATADIR/NAME.xml -> DATADIR/NAME.nft, and libvirt's
 * LIBVIRT_FIREWALL_DIR/NAME.xml (read in place) -> DATADIR/libvirt/NAME.nft.
 * With VNET_UPDATE_GOLDEN=1 in the environment, mismatching golden files are
 * rewritten instead of failing (review the diff before committing).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firewall/firewall.h"
#include "tests/unit/firewall/fw_testdefs.h"
#include "tests/unit/testlib.h"
#include "util/cleanup.h"
#include "tests/unit/testfile.h"

static const char *datadir;


static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0) {
        fprintf(stderr, "cannot write %s\n", path);
        abort();
    }
    fclose(f);
}

/* Compare got with the golden file DATADIR/REL; on mismatch print both. */
static void check_golden(const char *rel, const char *got)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", datadir, rel);
    _cleanup_free_ char *want = test_read_file(path);
    testlib_checks++;
    if (want && got && streq(want, got))
        return;
    if (got && getenv("VNET_UPDATE_GOLDEN")) {
        write_text(path, got);
        fprintf(stderr, "updated %s\n", path);
        return;
    }
    testlib_failures++;
    fprintf(stderr, "%s: plan differs from golden file\n--- want\n%s--- got\n%s---\n", path,
            want ? want : "(missing)\n", got ? got : "(null)\n");
}

/* Hand-built definitions for the non-golden checks. */
static netdef *mk_nat_default(void)
{
    netdef *d = def_new("default", "virbr0", NETDEF_FWD_NAT, NULL);
    def_ip(d, "192.168.122.1", 24, true);
    return d;
}

static netdef *mk_nat_port_forwards(void)
{
    netdef *d = def_new("web", "virbr1", NETDEF_FWD_NAT, NULL);
    def_ip(d, "192.168.100.1", 24, true);
    def_ip(d, "fd00:100::1", 64, true);
    def_pf(d, IPPROTO_TCP, NULL, "192.168.100.10", 8080, 0, 80);
    def_pf(d, IPPROTO_UDP, NULL, "192.168.100.10", 5353, 0, 0);
    def_pf(d, IPPROTO_TCP, "203.0.113.5", "192.168.100.11", 2222, 0, 22);
    def_pf(d, IPPROTO_TCP, "127.0.0.1", "192.168.100.12", 6000, 6002, 7000);
    def_pf(d, IPPROTO_TCP, NULL, "fd00:100::10", 8443, 0, 443);
    def_pf(d, IPPROTO_TCP, "2001:db8::5", "fd00:100::11", 2222, 0, 22);
    return d;
}

static netdef *mk_isolated_plain(void)
{
    netdef *d = def_new("lab", "virbr9", NETDEF_FWD_NONE, NULL);
    def_ip(d, "172.16.9.1", 24, false);
    return d;
}

static int xml_filter(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 4 && streq(e->d_name + n - 4, ".xml");
}

/* Plan every DIR/NAME.xml and compare with DATADIR/PREFIX NAME.nft; returns
 * how many inputs were found. */
static int golden_dir(const char *dir, const char *prefix)
{
    struct dirent **list;
    int n = scandir(dir, &list, xml_filter, alphasort);
    if (n < 0) {
        testlib_failures++;
        fprintf(stderr, "cannot read %s\n", dir);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, list[i]->d_name);
        _cleanup_free_ char *rel =
            xasprintf("%s%.*s.nft", prefix, (int)strlen(list[i]->d_name) - 4, list[i]->d_name);
        netdef *d = NULL;
        verr err = VERR_INIT;
        _cleanup_free_ char *plan = NULL;
        if (netdef_parse_file(path, &d, &err) < 0 || !(plan = fw_plan_network(d, &err)))
            fprintf(stderr, "%s: %s\n", path, err.msg);
        check_golden(rel, plan);
        netdef_freep(&d);
        free(list[i]);
    }
    free(list);
    return n;
}

static void test_golden(const char *libvirt_dir)
{
    CHECK(golden_dir(datadir, "") >= 5);
    /* libvirt's modern firewall inputs: 11 networks. */
    CHECK(golden_dir(libvirt_dir, "libvirt/") == 11);
}

static void test_basics(void)
{
    char buf[64];
    netdef *d = mk_nat_default();
    CHECK_STR(fw_table_name(d, buf, sizeof(buf)), "vnet-virbr0");
    CHECK(fw_wanted(d));
    d->forward_mode = NETDEF_FWD_ROUTE;
    CHECK(fw_wanted(d));
    d->forward_mode = NETDEF_FWD_NONE;
    CHECK(fw_wanted(d));
    d->forward_mode = NETDEF_FWD_OPEN;
    CHECK(!fw_wanted(d));
    d->forward_mode = NETDEF_FWD_BRIDGE;
    CHECK(!fw_wanted(d));
    _cleanup_free_ char *rm = fw_plan_remove(d);
    CHECK_STR(rm, "add table inet vnet-virbr0\ndelete table inet vnet-virbr0\n");

    verr err = VERR_INIT;
    free(d->name); /* the table comment cannot carry '"' or control characters */
    d->name = xstrdup("a\"b\nc");
    d->forward_mode = NETDEF_FWD_NAT;
    _cleanup_free_ char *named = fw_plan_network(d, &err);
    CHECK(named && strstr(named, "\tcomment \"vnet network a_b_c (nat)\"\n"));
    free(d->bridge_name);
    d->bridge_name = xstrdup("br\"0");
    CHECK(fw_plan_network(d, &err) == NULL);
    CHECK(strstr(err.msg, "bridge name 'br\"0' cannot be used") != NULL);
    free(d->bridge_name);
    d->bridge_name = NULL;
    CHECK(fw_plan_network(d, &err) == NULL);
    CHECK(strstr(err.msg, "no bridge name") != NULL);
    CHECK(fw_plan_remove(d) == NULL);
    def_free(d);
}

static void expect_pf_error(netdef *d, const char *want)
{
    verr err = VERR_INIT;
    char *plan = fw_plan_network(d, &err);
    CHECK(plan == NULL);
    free(plan);
    if (!strstr(err.msg, want)) {
        testlib_failures++;
        fprintf(stderr, "error \"%s\" lacks \"%s\"\n", err.msg, want);
    }
}

static void test_forward_errors(void)
{
    netdef *d = mk_nat_default();
    def_pf(d, IPPROTO_TCP, NULL, "192.168.122.10", 80, 0, 0);
    def_pf(d, IPPROTO_TCP, NULL, "192.168.122.11", 70, 90, 0);
    expect_pf_error(d, "both claim tcp port 80");
    d->port_forwards[1].proto = IPPROTO_UDP;
    verr err = VERR_INIT;
    _cleanup_free_ char *ok = fw_plan_network(d, &err);
    CHECK(ok != NULL); /* same port, other protocol: fine */
    vnet_addr_parse("10.9.9.9", &d->port_forwards[1].guest);
    expect_pf_error(
        d, "guest address 10.9.9.9 is not in any subnet of the network (192.168.122.0/24)");
    vnet_addr_parse("192.168.122.11", &d->port_forwards[1].guest);
    d->port_forwards[1].ranges[0].to = 65530;
    expect_pf_error(d, "guest ports from 65530 run past 65535");
    d->port_forwards[1].ranges[0].to = 0;
    vnet_addr_parse("::1", &d->port_forwards[1].address);
    expect_pf_error(d, "different families");
    d->port_forwards[1].ranges[0].start = 0;
    memset(&d->port_forwards[1].address, 0, sizeof(vnet_addr));
    expect_pf_error(d, "not within 1-65535");
    d->port_forwards[1].ranges[0].start = 70;
    d->forward_mode = NETDEF_FWD_NONE;
    expect_pf_error(d, "port forwards need forward mode 'nat' or 'route', not 'none'");
    def_free(d);
}

static void test_forward_scripts(void)
{
    netdef *d = mk_nat_port_forwards();
    verr err = VERR_INIT;
    _cleanup_free_ char *add = fw_plan_forward_add(d, &d->port_forwards[3], &err);
    CHECK_STR(add, "add element inet vnet-virbr1 pf4_addr { 127.0.0.1 . tcp . 6000 : "
                   "192.168.100.12 . 7000, 127.0.0.1 . tcp . 6001 : 192.168.100.12 . 7001, "
                   "127.0.0.1 . tcp . 6002 : 192.168.100.12 . 7002 }\n"
                   "add element inet vnet-virbr1 pf4_addr_traffic { 127.0.0.1 . tcp . 6000, "
                   "127.0.0.1 . tcp . 6001, 127.0.0.1 . tcp . 6002 }\n");
    _cleanup_free_ char *del = fw_plan_forward_del(d, &d->port_forwards[4], &err);
    CHECK_STR(del, "add element inet vnet-virbr1 pf6_any { tcp . 8443 : fd00:100::10 . 443 }\n"
                   "add element inet vnet-virbr1 pf6_any_traffic { tcp . 8443 }\n"
                   "delete element inet vnet-virbr1 pf6_any { tcp . 8443 }\n"
                   "delete element inet vnet-virbr1 pf6_any_traffic { tcp . 8443 }\n");
    CHECK(fw_needs_route_localnet(d));
    /* no rule depends on the forwards: even the only loopback one is an element change */
    CHECK(!fw_forward_changes_table(d, &d->port_forwards[3]));
    CHECK(!fw_forward_changes_table(d, &d->port_forwards[0]));
    d->n_port_forwards = 3;
    CHECK(fw_needs_route_localnet(d) == false);
    d->n_port_forwards = 6;
    netdef *iso = mk_isolated_plain();
    CHECK(fw_plan_forward_add(iso, &d->port_forwards[0], &err) == NULL);
    CHECK(strstr(err.msg, "not 'none'") != NULL);
    def_free(iso);
    def_free(d);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s DATADIR LIBVIRT_FIREWALL_DIR\n", argv[0]);
        return 2;
    }
    datadir = argv[1];
    test_basics();
    test_golden(argv[2]);
    test_forward_errors();
    test_forward_scripts();
    return testlib_done("firewall-plan");
}

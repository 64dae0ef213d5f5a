/* Planner tests: golden nft scripts for each definition, and the checks.
 *
 * usage: test-fw-plan DATADIR LIBVIRT_FIREWALL_DIR
 * Golden inputs: DATADIR/NAME.xml -> DATADIR/NAME.nft, and libvirt's
 * LIBVIRT_FIREWALL_DIR/NAME.xml (read in place) -> DATADIR/libvirt/NAME.nft.
 * VNET_REGENERATE=1 rewrites the golden files (tests/unit/testfile.h; review
 * the diff before committing).
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


/* Compare got with the golden file DATADIR/REL (tests/unit/testfile.h:
 * VNET_REGENERATE=1 rewrites it). */
static void check_golden(const char *rel, const char *got)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", datadir, rel);
    testlib_checks++;
    if (!got || !test_golden(rel, path, got))
        testlib_failures++;
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

static void test_goldens(const char *libvirt_dir)
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
    _cleanup_free_ char *rm = fw_plan_remove(d->bridge_name);
    CHECK_STR(rm, "add table inet vnet-virbr0\ndelete table inet vnet-virbr0\n");

    verr err = VERR_INIT;
    free(d->name); /* the table comment cannot carry '"' or control characters */
    d->name = xstrdup("a\"b\nc");
    d->forward_mode = NETDEF_FWD_NAT;
    _cleanup_free_ char *named = fw_plan_network(d, &err);
    CHECK(named && strstr(named, "\tcomment \"vnet network a_b_c (nat)\"\n"));
    free(d->bridge_name);
    d->bridge_name = xstrdup("br\"0"); /* conf/'s rule refuses it; so does the planner */
    CHECK(fw_plan_network(d, &err) == NULL);
    CHECK(strstr(err.msg, "bridge name 'br\"0' contains '\"'") != NULL);
    free(d->bridge_name);
    d->bridge_name = NULL;
    CHECK(fw_plan_network(d, &err) == NULL);
    CHECK(strstr(err.msg, "no bridge name") != NULL);
    def_free(d);
}

/* Bridge names follow the kernel's rule: the planner quotes them, and makes
 * a table name for any of them; removal plans never fail (issue 8: a bridge
 * "1br" crashed vnetd when its removal plan came back NULL). */
static void test_names(void)
{
    char buf[FW_TABLE_NAME_MAX];
    CHECK_STR(fw_table_name_of("1br", buf, sizeof(buf)), "vnet-1br");
    CHECK_STR(fw_table_name_of("5d3a-lago-mg", buf, sizeof(buf)), "vnet-5d3a-lago-mg");
    CHECK_STR(fw_table_name_of("br_0.10", buf, sizeof(buf)), "vnet-br_0.10");
    CHECK_STR(fw_table_name_of("v@n+1", buf, sizeof(buf)), "vnet_v_40n_2b1");
    CHECK_STR(fw_table_name_of("a_b@", buf, sizeof(buf)), "vnet_a_5fb_40");
    CHECK_STR(fw_table_name_of("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9x", buf,
                               sizeof(buf)),
              "vnet__c3_a9_c3_a9_c3_a9_c3_a9_c3_a9_c3_a9_c3_a9x");
    CHECK(fw_table_name_is_ours("vnet-1br") && fw_table_name_is_ours("vnet_v_40n_2b1"));
    CHECK(!fw_table_name_is_ours("filter"));
    static const char *const odd[] = {"1br", "br\"0", "", "a b", "x/y", "br*"};
    for (size_t i = 0; i < ARRAY_SIZE(odd); i++) {
        _cleanup_free_ char *rm = fw_plan_remove(odd[i]);
        CHECK(rm && strncmp(rm, "add table inet vnet", 19) == 0);
    }

    netdef *d = mk_nat_default();
    free(d->bridge_name);
    d->bridge_name = xstrdup("1br");
    verr err = VERR_INIT;
    _cleanup_free_ char *plan = fw_plan_network(d, &err);
    CHECK(plan && strstr(plan, "table inet vnet-1br {\n") &&
          strstr(plan, "\t\tiifname \"1br\" udp dport 67 counter accept\n"));
    free(d->bridge_name);
    d->bridge_name = xstrdup("v@n+1");
    _cleanup_free_ char *plan2 = fw_plan_network(d, &err);
    CHECK(plan2 && strstr(plan2, "table inet vnet_v_40n_2b1 {\n") &&
          strstr(plan2, "\t\toifname \"v@n+1\" udp dport 68 counter accept\n"));
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
    test_goldens(argv[2]);
    test_names();
    test_forward_scripts();
    return testlib_done("firewall-plan");
}

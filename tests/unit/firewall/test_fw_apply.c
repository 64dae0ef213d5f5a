/* Applier tests: run ONLY inside a fresh network namespace (meson runs this
 * binary under `unshare -n`); refuses to run if it sees any interface other
 * than lo, so it can never touch a real host's firewall.
 *
 * Applies plans through libnftables, lists them back, checks idempotence and
 * atomic replacement, forward elements and their counters, error text; and
 * prints how long 10,000 forwards take.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "firewall/firewall.h"
#include "tests/unit/firewall/fw_testdefs.h"
#include "tests/unit/testlib.h"
#include "util/cleanup.h"

static bool namespace_is_fresh(void)
{
    struct if_nameindex *ifs = if_nameindex();
    bool ok = ifs != NULL;
    for (struct if_nameindex *i = ifs; ok && i->if_index; i++)
        if (!streq(i->if_name, "lo"))
            ok = false;
    if (ifs)
        if_freenameindex(ifs);
    return ok;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int apply_plan(const netdef *d, verr *err)
{
    _cleanup_free_ char *plan = fw_plan_network(d, err);
    return plan ? fw_apply(plan, err) : -1;
}

static char *list(const netdef *d)
{
    char *text = NULL;
    verr err = VERR_INIT;
    if (fw_list_table(d, &text, &err) < 0)
        fprintf(stderr, "list: %s\n", err.msg);
    return text;
}

#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        verr _e = VERR_INIT;                                                                       \
        int _r = (expr);                                                                           \
        if (_r < 0)                                                                                \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #expr, _e.msg);                 \
        CHECK(_r >= 0);                                                                            \
        (void)_e;                                                                                  \
    } while (0)

static netdef *nat_net(void)
{
    netdef *d = def_new("web", "virbr1", NETDEF_FWD_NAT, NULL);
    def_ip(d, "192.168.100.1", 24, true);
    def_pf(d, IPPROTO_UDP, NULL, "192.168.100.10", 5353, 0, 53);
    def_pf(d, IPPROTO_TCP, "127.0.0.1", "192.168.100.12", 6000, 6001, 0);
    return d;
}

static void test_replace_remove(void)
{
    netdef *d = nat_net();
    verr err = VERR_INIT;
    CHECK(fw_table_exists(d, &err) == 0);
    CHECK_OK(apply_plan(d, &_e));
    CHECK(fw_table_exists(d, &err) == 1);
    _cleanup_free_ char *t1 = list(d);
    CHECK(t1 && strstr(t1, "comment \"vnet network web (nat)\""));
    CHECK(t1 && strstr(t1, "udp . 5353 counter packets 0 bytes 0 : 192.168.100.10 . 53"));
    CHECK_OK(apply_plan(d, &_e)); /* idempotent */
    _cleanup_free_ char *t2 = list(d);
    CHECK(t1 && t2 && streq(t1, t2));

    def_ip(d, "192.168.200.1", 24, false); /* changed plan replaces atomically */
    CHECK_OK(apply_plan(d, &_e));
    _cleanup_free_ char *t3 = list(d);
    CHECK(t3 && strstr(t3, "192.168.200.0/24"));

    _cleanup_free_ char *rm = fw_plan_remove(d->bridge_name);
    CHECK_OK(fw_apply(rm, &_e));
    CHECK_OK(fw_apply(rm, &_e)); /* removing an absent table is fine */
    CHECK(fw_table_exists(d, &err) == 0);

    d->forward_mode = NETDEF_FWD_OPEN; /* open: the plan removes the table */
    d->n_port_forwards = 0;
    d->n_ips = 1;
    CHECK_OK(apply_plan(d, &_e));
    CHECK(fw_table_exists(d, &err) == 0);
    d->n_port_forwards = 2;
    def_free(d);
}

static void test_errors(void)
{
    verr err = VERR_INIT;
    /* The kernel refuses the second command: the whole batch is undone. */
    CHECK(fw_apply("add table inet vnet-atomic\ndelete table inet vnet-nosuch\n", &err) < 0);
    CHECK(strstr(err.msg, "No such file or directory") != NULL);
    CHECK(strstr(err.msg, "vnet-nosuch") != NULL);
    fprintf(stderr, "(expected) %s\n", err.msg);
    netdef *d = def_new("atomic", "atomic", NETDEF_FWD_NONE, NULL);
    CHECK(fw_table_exists(d, &err) == 0);
    def_free(d);
    /* A syntax error comes back with nft's text. */
    CHECK(fw_apply("add table inet t\nadd chain inet t c { type filter hook bogus priority 0; }\n",
                   &err) < 0);
    CHECK(strstr(err.msg, "nftables: applying the ruleset failed:") != NULL);
    CHECK(strstr(err.msg, "Error:") != NULL);
    fprintf(stderr, "(expected) %s\n", err.msg);
}

/* Send one UDP datagram to a host address: the output_nat chain looks it up
 * in the forward map, which counts it. */
static void poke_udp(const char *addr, unsigned port)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, addr, &sa.sin_addr);
    if (fd >= 0) {
        (void)!sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa));
        close(fd);
    }
}

static void test_forwards(void)
{
    netdef *d = nat_net();
    CHECK(system("ip link add virbr1 type bridge && ip addr add 192.168.100.1/24 dev virbr1 && "
                 "ip link set virbr1 up") == 0);
    CHECK_OK(apply_plan(d, &_e));
    netdef_port_forward *pf = def_pf(d, IPPROTO_TCP, NULL, "192.168.100.11", 8080, 0, 80);
    verr err = VERR_INIT;
    _cleanup_free_ char *add = fw_plan_forward_add(d, pf, &err);
    _cleanup_free_ char *del = fw_plan_forward_del(d, pf, &err);
    CHECK_OK(fw_apply(add, &_e));
    CHECK_OK(fw_apply(add, &_e)); /* same element again: fine */
    _cleanup_free_ char *t1 = list(d);
    CHECK(t1 && strstr(t1, "tcp . 8080 counter packets 0 bytes 0 : 192.168.100.11 . 80"));
    CHECK_OK(fw_apply(del, &_e));
    CHECK_OK(fw_apply(del, &_e)); /* already gone: fine */
    _cleanup_free_ char *t2 = list(d);
    CHECK(t2 && !strstr(t2, "tcp . 8080"));
    CHECK_OK(fw_apply(add, &_e));

    /* A conflicting element (same key, other guest) is refused by the kernel. */
    netdef_port_forward other = *pf;
    vnet_addr_parse("192.168.100.99", &other.guest);
    _cleanup_free_ char *clash = fw_plan_forward_add(d, &other, &err);
    CHECK(fw_apply(clash, &err) < 0);
    CHECK(strstr(err.msg, "File exists") != NULL);

    poke_udp("192.168.100.1", 5353);
    poke_udp("192.168.100.1", 5353);
    poke_udp("192.168.100.1", 9999); /* no forward: not counted */
    fw_forward_stats st[3];
    CHECK_OK(fw_forward_counters(d, st, &_e));
    fprintf(stderr, "counters: udp/5353 %llu pkts %llu bytes, tcp/6000 %llu, tcp/8080 %llu\n",
            (unsigned long long)st[0].packets, (unsigned long long)st[0].bytes,
            (unsigned long long)st[1].packets, (unsigned long long)st[2].packets);
    /* Two sockets, two flows of one datagram each (sent towards the bridge:
     * counted as they leave for it). */
    CHECK(st[0].packets == 2 && st[0].bytes > 0 && st[0].connections == 2);
    CHECK(st[1].packets == 0 && st[2].packets == 0 && st[2].connections == 0);
    def_free(d);
    CHECK(system("ip link del virbr1") == 0);
}

/* The reconciler's view: the digest ignores counters, handles and element
 * order, and changes with rules and map elements; vnet-* tables are listed and
 * deleted by name. */
static void test_observe(void)
{
    netdef *d = nat_net();
    char d0[FW_DIGEST_LEN], d1[FW_DIGEST_LEN], d2[FW_DIGEST_LEN], d3[FW_DIGEST_LEN];
    verr err = VERR_INIT;
    _cleanup_free_ char *rm = fw_plan_remove(d->bridge_name);
    CHECK_OK(fw_apply(rm, &_e));
    CHECK(fw_table_digest(d, d0, &err) == 0); /* no table yet */
    CHECK_OK(apply_plan(d, &_e));
    CHECK(fw_table_digest(d, d0, &err) == 1);
    CHECK_OK(apply_plan(d, &_e)); /* re-created: new handles, same digest */
    CHECK(fw_table_digest(d, d1, &err) == 1);
    CHECK_STR(d0, d1);
    poke_udp("127.0.0.1", 5353); /* traffic does not change it */
    CHECK(fw_table_digest(d, d1, &err) == 1);
    CHECK_STR(d0, d1);
    netdef_port_forward *pf = def_pf(d, IPPROTO_TCP, NULL, "192.168.100.11", 8080, 0, 80);
    _cleanup_free_ char *add = fw_plan_forward_add(d, pf, &err);
    CHECK_OK(fw_apply(add, &_e)); /* a ghost element changes it */
    CHECK(fw_table_digest(d, d2, &err) == 1);
    CHECK(!streq(d0, d2));
    CHECK_OK(apply_plan(d, &_e)); /* the whole plan with that forward: same as the element */
    CHECK(fw_table_digest(d, d3, &err) == 1);
    CHECK_STR(d2, d3);
    CHECK(system("nft flush chain inet vnet-virbr1 $(nft -j list table inet vnet-virbr1 | "
                 "jq -r '[.nftables[] | select(.chain) | .chain.name][0]')") == 0);
    CHECK(fw_table_digest(d, d3, &err) == 1);
    CHECK(!streq(d2, d3)); /* a flushed chain changes it */
    CHECK(system("nft add table inet other && nft add chain inet other c && "
                 "nft add set inet other s '{ type ipv4_addr; }'") == 0);
    CHECK(fw_table_digest(d, d2, &err) == 1);
    CHECK_STR(d2, d3); /* other tables' objects are not ours */

    char **names = NULL;
    size_t n = 0;
    CHECK_OK(fw_vnet_tables(&names, &n, &_e));
    CHECK(n == 1 && names && streq(names[0], "vnet-virbr1"));
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    CHECK_OK(fw_table_delete("vnet-virbr1", &_e));
    CHECK_OK(fw_table_delete("vnet-virbr1", &_e)); /* absent: fine */
    CHECK(fw_table_exists(d, &err) == 0);
    CHECK(fw_table_delete("other", &err) < 0); /* only vnet's own */
    CHECK(system("nft delete table inet other") == 0);
    def_free(d);
}

/* does the ruleset JSON hold an object of `kind` in table `table` named `name`? */
static bool ruleset_has(const json_t *rs, const char *kind, const char *table, const char *name)
{
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(rs, "nftables"), i, o)
    {
        json_t *x = json_object_get(o, kind);
        const char *t =
            json_string_value(json_object_get(x, streq(kind, "table") ? "name" : "table"));
        const char *nm =
            json_string_value(json_object_get(x, streq(kind, "rule") ? "chain" : "name"));
        if (x && t && streq(t, table) && (!name || (nm && streq(nm, name))))
            return true;
    }
    return false;
}

static json_t *read_ruleset(void)
{
    _cleanup_free_ char *text = NULL;
    verr err = VERR_INIT;
    if (fw_list_ruleset_json(&text, &err) < 0) {
        fprintf(stderr, "ruleset: %s\n", err.msg);
        return NULL;
    }
    json_error_t jerr;
    json_t *rs = json_loads(text, 0, &jerr);
    if (!rs)
        fprintf(stderr, "ruleset JSON: %s: %s\n", jerr.text, text);
    return rs;
}

/* The NAT anchor is an owner table: it survives `nft flush ruleset`, nobody
 * else can delete it, it goes with vnetd's socket; and the ruleset reader
 * handles it, another program's owner table, and a dormant table (nft 1.0.6
 * mislists any table with exactly one flag as JSON). */
static void test_anchor(void)
{
    CHECK_OK(fw_anchor_open(&_e));
    CHECK(fw_anchor_is_owned());
    CHECK(system("nft flush ruleset") == 0);
    CHECK(system("nft list tables | grep -qx 'table inet vnetd_nat_anchor'") == 0);
    CHECK(system("nft delete table inet vnetd_nat_anchor 2>/dev/null") != 0);
    CHECK(system("nft flush chain inet vnetd_nat_anchor pre 2>/dev/null") != 0);
    CHECK_OK(fw_anchor_open(&_e)); /* idempotent */

    CHECK(system("nft add table ip dorm '{ flags dormant; }' && "
                 "nft add chain ip dorm fchain '{ type filter hook forward priority 0; }' && "
                 "nft add rule ip dorm fchain counter drop && "
                 "nft add table inet other && nft add chain inet other c && "
                 "nft add rule inet other c counter accept") == 0);
    /* another program's owner table, held by this context until freed */
    struct nft_ctx *owner = nft_ctx_new(NFT_CTX_DEFAULT);
    nft_ctx_buffer_output(owner);
    nft_ctx_buffer_error(owner);
    CHECK(nft_run_cmd_from_buffer(owner, "table ip owned { flags owner;\n"
                                         "  chain fw { type filter hook forward priority 0;\n"
                                         "    oifname \"virbr9\" drop\n  }\n}\n") == 0);
    json_t *rs = read_ruleset();
    CHECK(rs != NULL);
    if (rs) {
        CHECK(!ruleset_has(rs, "table", "vnetd_nat_anchor", NULL));
        CHECK(!ruleset_has(rs, "chain", "vnetd_nat_anchor", NULL));
        CHECK(!ruleset_has(rs, "chain", "dorm", NULL)); /* dormant: filters nothing */
        CHECK(ruleset_has(rs, "chain", "owned", "fw"));
        CHECK(ruleset_has(rs, "rule", "owned", "fw"));
        CHECK(ruleset_has(rs, "table", "other", "other"));
        CHECK(ruleset_has(rs, "rule", "other", "c"));
        json_decref(rs);
    }
    nft_ctx_free(owner);
    CHECK(system("nft delete table ip dorm && nft delete table inet other") == 0);

    fw_anchor_close(false); /* the socket goes: the kernel deletes the owned anchor */
    CHECK(!fw_anchor_is_open());
    CHECK(system("nft list tables | grep -q vnetd_nat_anchor") != 0);
    CHECK(system("nft add table inet vnetd_nat_anchor") == 0); /* an older vnetd's, unowned */
    CHECK_OK(fw_anchor_open(&_e));                             /* replaced by an owned one */
    CHECK(fw_anchor_is_owned());
    CHECK(system("nft list table inet vnetd_nat_anchor | grep -q 'flags owner'") == 0);
    fw_anchor_close(true);
    CHECK(system("nft list tables | grep -q vnetd_nat_anchor") != 0);
}

static void test_scale(void)
{
    netdef *d = def_new("big", "virbr2", NETDEF_FWD_NAT, NULL);
    def_ip(d, "10.0.0.1", 16, true);
    char guest[32];
    for (unsigned i = 0; i < 10000; i++) {
        snprintf(guest, sizeof(guest), "10.0.%u.%u", 1 + i / 250, 1 + i % 250);
        def_pf(d, i % 2 ? IPPROTO_UDP : IPPROTO_TCP, NULL, guest, 20000 + i / 2, 0, 80);
    }
    verr err = VERR_INIT;
    double t0 = now();
    _cleanup_free_ char *plan = fw_plan_network(d, &err);
    double t1 = now();
    CHECK(plan && fw_apply(plan, &err) == 0);
    double t2 = now();
    netdef_port_forward *pf = def_pf(d, IPPROTO_TCP, NULL, "10.0.200.1", 40000, 0, 80);
    _cleanup_free_ char *add = fw_plan_forward_add(d, pf, &err);
    double t3 = now();
    CHECK(add && fw_apply(add, &err) == 0);
    double t4 = now();
    fw_forward_stats *st = xcalloc(d->n_port_forwards, sizeof(*st));
    CHECK(fw_forward_counters(d, st, &err) == 0);
    double t5 = now();
    CHECK(plan && fw_apply(plan, &err) == 0);
    double t6 = now();
    char dg[FW_DIGEST_LEN];
    CHECK(fw_table_digest(d, dg, &err) == 1);
    double t7 = now();
    printf("scale: digest of the table with 10000 forwards %.1f ms\n", (t7 - t6) * 1e3);
    free(st);
    printf("scale: plan 10000 forwards %.1f ms (%zu bytes), apply %.1f ms, re-apply %.1f ms; "
           "add one more at 10000: %.2f ms; read 10001 counters %.1f ms\n",
           (t1 - t0) * 1e3, plan ? strlen(plan) : 0, (t2 - t1) * 1e3, (t6 - t5) * 1e3,
           (t4 - t3) * 1e3, (t5 - t4) * 1e3);
    if (verr_is_set(&err))
        fprintf(stderr, "scale: %s\n", err.msg);
    _cleanup_free_ char *rm = fw_plan_remove(d->bridge_name);
    CHECK(fw_apply(rm, &err) == 0);
    def_free(d);
}

int main(void)
{
    if (!namespace_is_fresh()) {
        fprintf(stderr, "test-fw-apply: refusing to run: this network namespace has interfaces "
                        "other than lo (run it under `unshare -n`)\n");
        return 1;
    }
    verr err = VERR_INIT;
    if (fw_available(&err) < 0) {
        fprintf(stderr, "test-fw-apply: nftables unusable here: %s\n", err.msg);
        return 1;
    }
    test_replace_remove();
    test_errors();
    test_forwards();
    test_observe();
    test_anchor();
    test_scale();
    return testlib_done("firewall-apply");
}

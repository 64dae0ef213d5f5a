/* Tests for src/netdev against the real kernel, inside a private network
 * namespace (meson runs this binary under `unshare -n`). It refuses to run where
 * any interface other than lo exists, so it can never touch the host's links. */
#include "netdev/nl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netdev/netdev.h"
#include "tests/unit/testlib.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

#define BR "vnt-br0"
#define BR2 "vnt-br1"
#define DUM "vnt-dum0"

/* Only ever run in an empty namespace: anything but lo means we are on a real host. */
static int refuse_unless_isolated(void)
{
    struct if_nameindex *ifs = if_nameindex();
    if (!ifs) {
        perror("if_nameindex");
        return -1;
    }
    int bad = 0;
    for (struct if_nameindex *i = ifs; i->if_index; i++) {
        if (!streq(i->if_name, "lo")) {
            fprintf(stderr,
                    "REFUSING TO RUN: interface '%s' exists here; this test must run in a fresh "
                    "network namespace (unshare -n)\n",
                    i->if_name);
            bad = 1;
        }
    }
    if_freenameindex(ifs);
    return bad ? -1 : 0;
}

/* sysfs shows the namespace of whoever mounted it: mount our own in a private mount namespace. */
static int mount_own_sysfs(void)
{
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("sysfs", "/sys", "sysfs", 0, NULL) < 0) {
        perror("mounting a private /sys");
        return -1;
    }
    return 0;
}

static const char *read_file(const char *path, char *buf, size_t len)
{
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    if (!f || !fgets(buf, (int)len, f))
        return "(unreadable)";
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

static const char *sysfs_bridge(const char *br, const char *attr)
{
    static char buf[64];
    char path[256];
    snprintf(path, sizeof(path), "/sys/class/net/%s/bridge/%s", br, attr);
    return read_file(path, buf, sizeof(buf));
}

static vnet_addr addr(const char *s)
{
    vnet_addr a;
    if (vnet_addr_parse(s, &a) < 0) {
        fprintf(stderr, "bad test address %s\n", s);
        exit(1);
    }
    return a;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_bridge_create(void)
{
    verr err = VERR_INIT;
    netdev_bridge_opts o = {.name = BR, .has_mac = true, .mtu = 1400, .stp = true, .delay_ms = 0};
    CHECK(vnet_mac_parse("52:54:00:12:34:56", o.mac) == 0);
    CHECK(netdev_bridge_create(&o, &err) == 0);
    netdev_link l;
    CHECK(netdev_link_get(BR, &l, &err) == 1);
    CHECK_STR(l.kind, "bridge");
    CHECK_STR(l.name, BR);
    CHECK(l.mtu == 1400);
    CHECK(memcmp(l.mac, o.mac, 6) == 0);
    CHECK(!l.up);
    CHECK(l.master == 0);
    /* STP on: the kernel raises a 0 delay to its 2 s minimum; sysfs shows centiseconds. */
    CHECK(l.stp && l.delay_ms == 2000);
    CHECK_STR(sysfs_bridge(BR, "forward_delay"), "200");
    CHECK_STR(sysfs_bridge(BR, "stp_state"), "1");
    char buf[64];
    CHECK_STR(read_file("/sys/class/net/" BR "/address", buf, sizeof(buf)), "52:54:00:12:34:56");

    /* Creating again fails as "exists", with context. */
    verr_clear(&err);
    CHECK(netdev_bridge_create(&o, &err) == -1);
    CHECK(err.kind == VERR_EXISTS);
    CHECK(has_prefix(err.msg, "creating bridge '" BR "': "));

    /* STP off keeps any delay, in 10 ms steps. */
    netdev_bridge_opts o2 = {.name = BR2, .stp = false, .delay_ms = 1500};
    CHECK(netdev_bridge_create(&o2, &err) == 0);
    CHECK_STR(sysfs_bridge(BR2, "forward_delay"), "150");
    CHECK_STR(sysfs_bridge(BR2, "stp_state"), "0");
    CHECK(netdev_link_delete(BR2, &err) == 0);
    CHECK(netdev_link_get(BR2, &l, &err) == 0);
    CHECK(netdev_link_delete(BR2, &err) == 0); /* absent is fine */

    o2.delay_ms = 0;
    CHECK(netdev_bridge_create(&o2, &err) == 0);
    CHECK_STR(sysfs_bridge(BR2, "forward_delay"), "0");
    CHECK(netdev_link_delete(BR2, &err) == 0);
}

static void test_bridge_errors(void)
{
    verr err = VERR_INIT;
    netdev_link l;
    CHECK(netdev_link_get("vnt-nope", &l, &err) == 0);
    CHECK(netdev_link_get("a-name-much-too-long", &l, &err) == -1 && err.kind == VERR_INVALID);
    CHECK(strstr(err.msg, "longer than 15 bytes") != NULL);
    CHECK(netdev_link_get("br%d", &l, &err) == -1 && err.kind == VERR_INVALID); /* not a template */
    CHECK(netdev_link_get("bad/name", &l, &err) == -1 && err.kind == VERR_INVALID);

    /* The kernel's own text (extended ack) or strerror, after our context. */
    netdev_bridge_opts big = {.name = "vnt-big", .mtu = 100000};
    verr_clear(&err);
    CHECK(netdev_bridge_create(&big, &err) == -1);
    CHECK(err.kind == VERR_SYSTEM && err.sys_errno == EINVAL);
    CHECK(has_prefix(err.msg, "creating bridge 'vnt-big': "));
    printf("  kernel error example: %s\n", err.msg);
    CHECK(netdev_link_get("vnt-big", &l, &err) == 0); /* nothing half-done */

    netdev_bridge_opts mc = {.name = "vnt-mc", .has_mac = true, .mac = {0x01, 0, 0x5e, 0, 0, 1}};
    CHECK(netdev_bridge_create(&mc, &err) == -1 && err.kind == VERR_INVALID);
}

static void test_bridge_configure(void)
{
    verr err = VERR_INIT;
    netdev_link l;
    /* STP on -> off with delay 0: needs the STP change before the delay. */
    netdev_bridge_opts o = {.name = BR, .has_mac = true, .mtu = 1500, .stp = false, .delay_ms = 0};
    CHECK(vnet_mac_parse("52:54:00:aa:bb:cc", o.mac) == 0);
    CHECK(netdev_bridge_configure(&o, &err) == 0);
    if (verr_is_set(&err))
        fprintf(stderr, "  configure: %s\n", err.msg);
    CHECK_STR(sysfs_bridge(BR, "stp_state"), "0");
    CHECK_STR(sysfs_bridge(BR, "forward_delay"), "0");
    CHECK(netdev_link_get(BR, &l, &err) == 1);
    CHECK(l.mtu == 1500 && memcmp(l.mac, o.mac, 6) == 0 && !l.stp && l.delay_ms == 0);
    CHECK(netdev_bridge_configure(&o, &err) == 0); /* idempotent */

    /* Off -> on with an explicit delay. */
    o.stp = true;
    o.delay_ms = 5000;
    CHECK(netdev_bridge_configure(&o, &err) == 0);
    CHECK_STR(sysfs_bridge(BR, "stp_state"), "1");
    CHECK_STR(sysfs_bridge(BR, "forward_delay"), "500");
    CHECK(netdev_bridge_configure(&o, &err) == 0);
    /* On, delay 0 -> clamped to 2 s rather than rejected. */
    o.delay_ms = 0;
    CHECK(netdev_bridge_configure(&o, &err) == 0);
    CHECK_STR(sysfs_bridge(BR, "forward_delay"), "200");

    netdev_bridge_opts missing = {.name = "vnt-missing"};
    verr_clear(&err);
    CHECK(netdev_bridge_configure(&missing, &err) == -1 && err.kind == VERR_NOT_FOUND);
    CHECK(netdev_veth_create("vnt-notbr", "vnt-notbrp", &err) == 0);
    netdev_bridge_opts notbr = {.name = "vnt-notbr"};
    CHECK(netdev_bridge_configure(&notbr, &err) == -1 && err.kind == VERR_BUSY);
    CHECK(strstr(err.msg, "not a bridge but a veth") != NULL);
    CHECK(netdev_link_delete("vnt-notbr", &err) == 0);
}

static void test_up_down(void)
{
    verr err = VERR_INIT;
    netdev_link l;
    CHECK(netdev_link_set_up(BR, true, &err) == 0);
    CHECK(netdev_link_get(BR, &l, &err) == 1 && l.up);
    CHECK(netdev_link_set_up(BR, true, &err) == 0);
    CHECK(netdev_link_set_up(BR, false, &err) == 0);
    CHECK(netdev_link_get(BR, &l, &err) == 1 && !l.up);
    CHECK(netdev_link_set_up(BR, true, &err) == 0);
    verr_clear(&err);
    CHECK(netdev_link_set_up("vnt-missing", true, &err) == -1 && err.kind == VERR_NOT_FOUND);
    CHECK(has_prefix(err.msg, "setting interface 'vnt-missing' up: "));
}

/* Flags of the address as the kernel reports it on ifname; false if absent. */
static bool addr_flags(const char *ifname, const char *a, uint32_t *ret_flags)
{
    vnet_addr x = addr(a);
    _cleanup_free_ nl_addr *list = NULL;
    size_t n = 0;
    int ifindex = nl_ifindex(ifname, NULL);
    if (ifindex < 0 || nl_addr_list(x.family, ifindex, &list, &n, NULL) < 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (vnet_addr_equal(&list[i].addr, &x)) {
            *ret_flags = list[i].flags;
            return true;
        }
    return false;
}

static void test_addresses(void)
{
    verr err = VERR_INIT;
    vnet_addr v4 = addr("192.168.150.1"), v6 = addr("2001:db8:150::1");
    CHECK(netdev_addr_add(BR, &v4, 24, &err) == 0);
    CHECK(netdev_addr_add(BR, &v4, 24, &err) == 0); /* again: fine */
    CHECK(netdev_addr_add(BR, &v6, 64, &err) == 0);
    CHECK(netdev_addr_add(BR, &v6, 64, &err) == 0);
    if (verr_is_set(&err))
        fprintf(stderr, "  addr: %s\n", err.msg);
    CHECK(netdev_addr_has(BR, &v4, 24, &err) == 1);
    CHECK(netdev_addr_has(BR, &v4, 25, &err) == 0);
    CHECK(netdev_addr_has(BR, &v6, 64, &err) == 1);
    vnet_addr other = addr("192.168.150.2");
    CHECK(netdev_addr_has(BR, &other, 24, &err) == 0);
    CHECK(netdev_addr_has("vnt-missing", &v4, 24, &err) == 0);
    uint32_t flags = 0;
    CHECK(addr_flags(BR, "2001:db8:150::1", &flags) && (flags & IFA_F_NODAD));
    char buf[64];
    CHECK_STR(read_file("/proc/sys/net/ipv4/conf/" BR "/forwarding", buf, sizeof(buf)), "0");

    CHECK(netdev_addr_del(BR, &v4, 24, &err) == 0);
    CHECK(netdev_addr_has(BR, &v4, 24, &err) == 0);
    CHECK(netdev_addr_del(BR, &v4, 24, &err) == 0); /* absent: fine */
    CHECK(netdev_addr_del(BR, &v6, 64, &err) == 0);
    CHECK(netdev_addr_has(BR, &v6, 64, &err) == 0);
    CHECK(netdev_addr_del("vnt-missing", &v6, 64, &err) == 0);
    verr_clear(&err);
    CHECK(netdev_addr_add("vnt-missing", &v4, 24, &err) == -1 && err.kind == VERR_NOT_FOUND);
    CHECK(netdev_addr_add(BR, &v4, 33, &err) == -1 && err.kind == VERR_INVALID);
    /* Put them back for the conflict check. */
    CHECK(netdev_addr_add(BR, &v4, 24, &err) == 0);
    CHECK(netdev_addr_add(BR, &v6, 64, &err) == 0);
}

/* Is there a main-table route dst/len with this gateway (NULL = none) and device? */
static bool route_present(const char *dst, unsigned len, const char *gw, const char *dev)
{
    vnet_addr d = addr(dst);
    _cleanup_free_ nl_route *list = NULL;
    size_t n = 0;
    if (nl_route_list(d.family, &list, &n, NULL) < 0)
        return false;
    int oif = dev ? nl_ifindex(dev, NULL) : 0;
    for (size_t i = 0; i < n; i++) {
        nl_route *r = &list[i];
        if (r->dst_len != len || !vnet_addr_equal(&r->dst, &d) || (oif && r->oif != oif))
            continue;
        vnet_addr g = gw ? addr(gw) : (vnet_addr){0};
        if (gw ? !vnet_addr_equal(&r->gateway, &g) : vnet_addr_is_set(&r->gateway))
            continue;
        return r->protocol == RTPROT_STATIC;
    }
    return false;
}

static void test_routes(void)
{
    verr err = VERR_INIT;
    /* A veth pair with both ends up has a carrier, like an uplink (no dummy driver here). */
    CHECK(netdev_veth_create(DUM, DUM "p", &err) == 0);
    CHECK(netdev_veth_create(DUM, "vnt-other", &err) == -1 && err.kind == VERR_EXISTS);
    CHECK(netdev_link_set_up(DUM "p", true, &err) == 0);
    CHECK(netdev_link_set_up(DUM, true, &err) == 0);
    vnet_addr a4 = addr("10.77.0.1"), a6 = addr("2001:db8:77::1");
    CHECK(netdev_addr_add(DUM, &a4, 24, &err) == 0);
    CHECK(netdev_addr_add(DUM, &a6, 64, &err) == 0);
    uint32_t flags = 0;
    CHECK(addr_flags(DUM, "2001:db8:77::1", &flags) && !(flags & IFA_F_TENTATIVE));

    vnet_addr n1 = addr("10.78.0.0"), gw4 = addr("10.77.0.254"), n2 = addr("10.79.0.0");
    verr_clear(&err);
    CHECK(netdev_route_add(&n1, 16, &gw4, NULL, 0, &err) == 0);
    CHECK(netdev_route_add(&n1, 16, &gw4, NULL, 0, &err) == 0); /* same route: fine */
    CHECK(netdev_route_add(&n2, 16, NULL, DUM, 0, &err) == 0);
    CHECK(netdev_route_add(&n2, 16, NULL, DUM, 0, &err) == 0);
    if (verr_is_set(&err))
        fprintf(stderr, "  route: %s\n", err.msg);
    CHECK(route_present("10.78.0.0", 16, "10.77.0.254", DUM));
    CHECK(route_present("10.79.0.0", 16, NULL, DUM));
    /* A different route with the same destination and metric is a clash. */
    vnet_addr gw4b = addr("10.77.0.253");
    verr_clear(&err);
    CHECK(netdev_route_add(&n1, 16, &gw4b, DUM, 0, &err) == -1 && err.kind == VERR_EXISTS);
    CHECK(has_prefix(err.msg, "adding route 10.78.0.0/16 via 10.77.0.253 dev " DUM ": "));
    /* ...but another metric is another route. */
    CHECK(netdev_route_add(&n1, 16, &gw4b, DUM, 50, &err) == 0);
    CHECK(netdev_route_del(&n1, 16, &gw4b, DUM, 50, &err) == 0);

    vnet_addr n6 = addr("2001:db8:78::"), gw6 = addr("2001:db8:77::fe"),
              n6b = addr("2001:db8:79::");
    verr_clear(&err);
    CHECK(netdev_route_add(&n6, 48, &gw6, DUM, 0, &err) == 0);
    CHECK(netdev_route_add(&n6, 48, &gw6, DUM, 0, &err) == 0);
    CHECK(netdev_route_add(&n6b, 48, NULL, DUM, 0, &err) == 0);
    CHECK(netdev_route_add(&n6b, 48, NULL, DUM, 0, &err) == 0);
    if (verr_is_set(&err))
        fprintf(stderr, "  route6: %s\n", err.msg);
    CHECK(route_present("2001:db8:78::", 48, "2001:db8:77::fe", DUM));
    CHECK(route_present("2001:db8:79::", 48, NULL, DUM));

    verr_clear(&err);
    CHECK(netdev_route_add(&n1, 16, NULL, "vnt-missing", 0, &err) == -1);
    CHECK(err.kind == VERR_NOT_FOUND);
    CHECK(netdev_route_add(&n1, 16, NULL, NULL, 0, &err) == -1 && err.kind == VERR_INVALID);
    CHECK(netdev_route_add(&n1, 16, &gw6, NULL, 0, &err) == -1 && err.kind == VERR_INVALID);

    CHECK(netdev_route_del(&n2, 16, NULL, DUM, 0, &err) == 0);
    CHECK(!route_present("10.79.0.0", 16, NULL, DUM));
    CHECK(netdev_route_del(&n2, 16, NULL, DUM, 0, &err) == 0); /* absent: fine */
    CHECK(netdev_route_del(&n6b, 48, NULL, DUM, 0, &err) == 0);
    CHECK(!route_present("2001:db8:79::", 48, NULL, DUM));
    CHECK(netdev_route_del(&n6b, 48, NULL, "vnt-missing", 0, &err) == 0);
    /* 10.78.0.0/16 and 2001:db8:78::/48 stay for the conflict check. */
}

static void test_conflict(void)
{
    verr err = VERR_INIT;
    char what[256];
    vnet_addr gw4 = addr("10.77.0.254"), any4 = addr("0.0.0.0"), any6 = addr("::"),
              gw6 = addr("2001:db8:77::fe");
    /* Default routes never count. */
    CHECK(netdev_route_add(&any4, 0, &gw4, NULL, 0, &err) == 0);
    CHECK(netdev_route_add(&any6, 0, &gw6, DUM, 0, &err) == 0);

    vnet_addr net = addr("192.168.150.0");
    CHECK(netdev_subnet_conflict(&net, 24, BR, what, sizeof(what), &err) == 0); /* own bridge */
    CHECK(netdev_subnet_conflict(&net, 24, NULL, what, sizeof(what), &err) == 1);
    CHECK_STR(what, "192.168.150.0/24 is already in use by interface " BR " (192.168.150.1/24)");
    net = addr("10.77.0.0");
    CHECK(netdev_subnet_conflict(&net, 16, BR, what, sizeof(what), &err) == 1);
    CHECK_STR(what, "10.77.0.0/16 is already in use by interface " DUM " (10.77.0.1/24)");
    net = addr("10.78.5.0");
    CHECK(netdev_subnet_conflict(&net, 24, BR, what, sizeof(what), &err) == 1);
    CHECK_STR(what, "10.78.5.0/24 is already in use by a route to 10.78.0.0/16 via " DUM);
    /* Routes via the own bridge do not count; via another link they do. */
    vnet_addr n90 = addr("10.90.0.0");
    CHECK(netdev_route_add(&n90, 16, NULL, BR, 0, &err) == 0);
    net = addr("10.90.1.0");
    CHECK(netdev_subnet_conflict(&net, 24, BR, what, sizeof(what), &err) == 0);
    CHECK(netdev_subnet_conflict(&net, 24, "vnt-notyet", what, sizeof(what), &err) == 1);
    CHECK_STR(what, "10.90.1.0/24 is already in use by a route to 10.90.0.0/16 via " BR);
    CHECK(netdev_route_del(&n90, 16, NULL, BR, 0, &err) == 0);
    net = addr("172.16.0.0");
    CHECK(netdev_subnet_conflict(&net, 24, BR, what, sizeof(what), &err) == 0);
    CHECK(netdev_subnet_conflict(&net, 24, "vnt-notyet", what, sizeof(what), &err) == 0);

    net = addr("2001:db8:150::");
    CHECK(netdev_subnet_conflict(&net, 64, BR, what, sizeof(what), &err) == 0);
    net = addr("2001:db8:77::");
    CHECK(netdev_subnet_conflict(&net, 64, BR, what, sizeof(what), &err) == 1);
    CHECK_STR(what, "2001:db8:77::/64 is already in use by interface " DUM " (2001:db8:77::1/64)");
    net = addr("2001:db8:78:1::");
    CHECK(netdev_subnet_conflict(&net, 64, BR, what, sizeof(what), &err) == 1);
    CHECK_STR(what, "2001:db8:78:1::/64 is already in use by a route to 2001:db8:78::/48 via " DUM);
    net = addr("fd00:99::");
    CHECK(netdev_subnet_conflict(&net, 64, BR, what, sizeof(what), &err) == 0);
    /* a bridge being deleted in the background (renamed vnetgcN) frees its
     * subnet and routes at once */
    netdev_bridge_opts gc = {.name = "vnetgc77"};
    vnet_addr gca = addr("192.168.151.1"), n91 = addr("10.91.0.0");
    CHECK(netdev_bridge_create(&gc, &err) == 0);
    CHECK(netdev_link_set_up("vnetgc77", true, &err) == 0);
    CHECK(netdev_addr_add("vnetgc77", &gca, 24, &err) == 0);
    CHECK(netdev_route_add(&n91, 16, NULL, "vnetgc77", 0, &err) == 0);
    net = addr("192.168.151.0");
    CHECK(netdev_subnet_conflict(&net, 24, NULL, what, sizeof(what), &err) == 0);
    net = addr("10.91.3.0");
    CHECK(netdev_subnet_conflict(&net, 24, NULL, what, sizeof(what), &err) == 0);
    CHECK(netdev_link_delete("vnetgc77", &err) == 0);
    if (verr_is_set(&err))
        fprintf(stderr, "  conflict: %s\n", err.msg);
    CHECK(netdev_route_del(&any4, 0, &gw4, NULL, 0, &err) == 0);
    CHECK(netdev_route_del(&any6, 0, &gw6, DUM, 0, &err) == 0);
}

static void test_sysctl(void)
{
    verr err = VERR_INIT;
    char buf[32];
    const char *p = "net/ipv6/conf/" BR "/disable_ipv6";
    CHECK(netdev_sysctl_read(p, buf, sizeof(buf), &err) == 0);
    CHECK_STR(buf, "0");
    CHECK(netdev_sysctl_write(p, "1", &err) == 0);
    CHECK(netdev_sysctl_read(p, buf, sizeof(buf), &err) == 0);
    CHECK_STR(buf, "1");
    CHECK(netdev_sysctl_write(p, "0", &err) == 0);
    CHECK(netdev_sysctl_read(p, buf, sizeof(buf), &err) == 0);
    CHECK_STR(buf, "0");
    CHECK(netdev_sysctl_write("net/ipv4/ip_forward", "1", &err) == 0);
    CHECK(netdev_sysctl_read("net/ipv4/ip_forward", buf, sizeof(buf), &err) == 0);
    CHECK_STR(buf, "1");

    verr_clear(&err);
    CHECK(netdev_sysctl_read("net/ipv6/conf/vnt-missing/disable_ipv6", buf, sizeof(buf), &err) ==
          -1);
    CHECK(err.kind == VERR_NOT_FOUND);
    CHECK(strstr(err.msg, "/proc/sys/net/ipv6/conf/vnt-missing/disable_ipv6") != NULL);
    CHECK(netdev_sysctl_write("net/ipv4/ip_forward", "banana", &err) == -1);
    CHECK(strstr(err.msg, "/proc/sys/net/ipv4/ip_forward") != NULL);
    CHECK(netdev_sysctl_read("../../etc/passwd", buf, sizeof(buf), &err) == -1);
    CHECK(err.kind == VERR_INVALID);
    CHECK(netdev_sysctl_read("/proc/sys/net/ipv4/ip_forward", buf, sizeof(buf), &err) == -1);
    CHECK(err.kind == VERR_INVALID);
    char tiny[2];
    CHECK(netdev_sysctl_read("net/ipv4/ip_local_port_range", tiny, sizeof(tiny), &err) == -1);
}

/* Kernels without the dummy driver say so in the kernel's words. */
static void test_dummy(void)
{
    verr err = VERR_INIT;
    netdev_link l;
    if (netdev_dummy_create("vnt-dummy", &err) == 0) {
        CHECK(netdev_link_get("vnt-dummy", &l, &err) == 1 && streq(l.kind, "dummy"));
        CHECK(netdev_dummy_create("vnt-dummy", &err) == -1 && err.kind == VERR_EXISTS);
        CHECK(netdev_link_delete("vnt-dummy", &err) == 0);
    } else {
        CHECK(err.sys_errno == EOPNOTSUPP);
        CHECK(has_prefix(err.msg, "creating dummy interface 'vnt-dummy': "));
        printf("  no dummy driver: %s\n", err.msg);
    }
}

static void test_veth_master(void)
{
    verr err = VERR_INIT;
    netdev_link l, br;
    CHECK(netdev_veth_create("vnt-va", "vnt-vb", &err) == 0);
    CHECK(netdev_link_get("vnt-vb", &l, &err) == 1 && streq(l.kind, "veth"));
    CHECK(netdev_link_set_master("vnt-va", BR, &err) == 0);
    CHECK(netdev_link_get(BR, &br, &err) == 1);
    CHECK(netdev_link_get("vnt-va", &l, &err) == 1 && l.master == br.ifindex);
    CHECK(netdev_link_set_master("vnt-va", NULL, &err) == 0);
    CHECK(netdev_link_get("vnt-va", &l, &err) == 1 && l.master == 0);
    verr_clear(&err);
    CHECK(netdev_link_set_master("vnt-va", "vnt-missing", &err) == -1);
    CHECK(err.kind == VERR_NOT_FOUND);
    CHECK(netdev_link_delete("vnt-va", &err) == 0);
    CHECK(netdev_link_get("vnt-vb", &l, &err) == 0); /* the peer goes too */
}

/* The cached socket must serve a forked child and still serve the parent. */
static void test_fork(void)
{
    verr err = VERR_INIT;
    netdev_link l;
    CHECK(netdev_link_get(BR, &l, &err) == 1);
    pid_t pid = fork();
    if (pid == 0) {
        netdev_link c;
        int ok = netdev_link_get(BR, &c, NULL) == 1 && netdev_link_get(DUM, &c, NULL) == 1;
        netdev_close();
        _exit(ok ? 0 : 1);
    }
    CHECK(pid > 0);
    CHECK(netdev_link_get(DUM, &l, &err) == 1);
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(netdev_link_get(BR, &l, &err) == 1);
}

typedef struct seen {
    bool port_gone; /* must stay false: leaving a bridge is not going away */
    bool mon_gone;
    bool br_down;
    bool addr_removed;
    bool addr_removed_own; /* the kernel named our request's port in the notice */
    int calls;
} seen;

static void monitor_cb(const char *ifname, int ifindex, bool gone_or_down, bool own,
                       void *userdata)
{
    seen *s = userdata;
    s->calls++;
    if (!ifname)
        return;
    if (streq(ifname, "vnt-mon0") && gone_or_down)
        s->mon_gone = true;
    if (streq(ifname, "vnt-port") && gone_or_down)
        s->port_gone = true;
    if (streq(ifname, BR) && gone_or_down)
        s->br_down = true;
    if (streq(ifname, DUM) && !gone_or_down) {
        s->addr_removed = true;
        /* (the kernel's notice of the subnet route that went with the
         * address carries no port: any own notice counts) */
        s->addr_removed_own |= own;
    }
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Drain until cond holds or 3 s pass. */
static bool monitor_wait(int fd, seen *s, bool *cond)
{
    long deadline = now_ms() + 3000;
    while (!*cond) {
        long left = deadline - now_ms();
        if (left <= 0)
            return false;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)left) > 0)
            CHECK(netdev_monitor_drain(fd, monitor_cb, s) >= 0);
    }
    return true;
}

static void test_monitor(void)
{
    verr err = VERR_INIT;
    seen s = {0};
    _cleanup_close_ int fd = netdev_monitor_open(&err);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    CHECK(netdev_monitor_drain(fd, monitor_cb, &s) == 0); /* nothing yet, and no blocking */
    /* A port that is up joins and leaves the bridge: no "gone" for it. */
    CHECK(netdev_veth_create("vnt-port", "vnt-portp", &err) == 0);
    CHECK(netdev_link_set_up("vnt-portp", true, &err) == 0);
    CHECK(netdev_link_set_up("vnt-port", true, &err) == 0);
    CHECK(netdev_monitor_drain(fd, monitor_cb, &s) >= 0);
    s.port_gone = false;
    CHECK(netdev_link_set_master("vnt-port", BR, &err) == 0);
    CHECK(netdev_link_set_master("vnt-port", NULL, &err) == 0);
    CHECK(netdev_veth_create("vnt-mon0", "vnt-mon0p", &err) == 0);
    CHECK(netdev_link_set_up("vnt-mon0", true, &err) == 0);
    CHECK(netdev_link_delete("vnt-mon0", &err) == 0);
    CHECK(monitor_wait(fd, &s, &s.mon_gone));
    CHECK(!s.port_gone);
    CHECK(netdev_link_set_up(BR, false, &err) == 0);
    CHECK(monitor_wait(fd, &s, &s.br_down));
    vnet_addr a4 = addr("10.77.0.1");
    CHECK(netdev_addr_del(DUM, &a4, 24, &err) == 0);
    CHECK(monitor_wait(fd, &s, &s.addr_removed));
    CHECK(s.addr_removed_own); /* our own change, recognised by its port */
    s.addr_removed = false;
    s.addr_removed_own = false;
    CHECK(system("ip addr add 10.77.0.9/24 dev " DUM " && ip addr del 10.77.0.9/24 dev " DUM) == 0);
    CHECK(monitor_wait(fd, &s, &s.addr_removed));
    CHECK(!s.addr_removed_own); /* somebody else's */
}

int main(void)
{
    if (refuse_unless_isolated() < 0 || mount_own_sysfs() < 0)
        return 1;
    test_bridge_create();
    test_bridge_errors();
    test_bridge_configure();
    test_up_down();
    test_addresses();
    test_routes();
    test_conflict();
    test_sysctl();
    test_dummy();
    test_veth_master();
    test_fork();
    test_monitor();
    verr err = VERR_INIT;
    CHECK(netdev_link_delete(BR, &err) == 0);
    CHECK(netdev_link_delete(DUM, &err) == 0);
    netdev_close();
    return testlib_done("netdev");
}

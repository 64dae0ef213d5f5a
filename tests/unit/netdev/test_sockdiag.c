/* Tests for netdev_port_in_use (NETLINK_SOCK_DIAG) with real sockets, inside a
 * private network namespace (meson runs it under `unshare -n`); it refuses to
 * run where any interface other than lo exists. */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netdev/netdev.h"
#include "tests/unit/testlib.h"
#include "util/strbuf.h"

static int refuse_unless_isolated(void)
{
    struct if_nameindex *ifs = if_nameindex();
    int bad = !ifs;
    for (struct if_nameindex *i = ifs; i && i->if_index; i++)
        if (!streq(i->if_name, "lo")) {
            fprintf(stderr, "REFUSING TO RUN: interface '%s' exists; run under unshare -n\n",
                    i->if_name);
            bad = 1;
        }
    if (ifs)
        if_freenameindex(ifs);
    return bad ? -1 : 0;
}

/* A socket of `type` bound to addr:port (listening for TCP); -1 on failure. */
static int bound(int family, int type, const char *addr, unsigned port, bool v6only)
{
    int fd = socket(family, type | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (family == AF_INET6) {
        int v = v6only;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v));
        struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
        inet_pton(AF_INET6, addr, &sa.sin6_addr);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
            goto fail;
    } else {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        inet_pton(AF_INET, addr, &sa.sin_addr);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
            goto fail;
    }
    if (type == SOCK_STREAM && listen(fd, 4) < 0)
        goto fail;
    return fd;
fail:
    perror("bind/listen");
    close(fd);
    return -1;
}

static char what[128];

/* netdev_port_in_use with an optional address string. */
static int in_use(int proto, int family, const char *addr, unsigned start, unsigned end)
{
    vnet_addr a = {0};
    if (addr && vnet_addr_parse(addr, &a) < 0)
        return -2;
    what[0] = 0;
    verr err = VERR_INIT;
    int r =
        netdev_port_in_use(proto, family, addr ? &a : NULL, start, end, what, sizeof(what), &err);
    if (r < 0)
        fprintf(stderr, "error: %s\n", err.msg);
    return r;
}

static void test_tcp4(void)
{
    CHECK(in_use(IPPROTO_TCP, AF_INET, NULL, 8080, 0) == 0);
    int fd = bound(AF_INET, SOCK_STREAM, "0.0.0.0", 8080, false);
    CHECK(fd >= 0);
    CHECK(in_use(IPPROTO_TCP, AF_INET, NULL, 8080, 0) == 1);
    CHECK_STR(what, "listening on 0.0.0.0:8080");
    CHECK(in_use(IPPROTO_TCP, AF_INET, "10.1.2.3", 8080, 0) == 1); /* wildcard covers it */
    CHECK(in_use(IPPROTO_TCP, AF_INET, NULL, 8000, 8100) == 1);    /* inside a range */
    CHECK(in_use(IPPROTO_TCP, AF_INET, NULL, 8081, 8100) == 0);
    CHECK(in_use(IPPROTO_UDP, AF_INET, NULL, 8080, 0) == 0);  /* other protocol */
    CHECK(in_use(IPPROTO_TCP, AF_INET6, NULL, 8080, 0) == 0); /* IPv4-only socket */
    close(fd);
    CHECK(in_use(IPPROTO_TCP, AF_INET, NULL, 8080, 0) == 0);

    /* a socket on one address: only that address, or "every address" */
    fd = bound(AF_INET, SOCK_STREAM, "127.0.0.2", 9090, false);
    CHECK(in_use(IPPROTO_TCP, AF_INET, "127.0.0.2", 9090, 0) == 1);
    CHECK_STR(what, "listening on 127.0.0.2:9090");
    CHECK(in_use(IPPROTO_TCP, AF_INET, "127.0.0.1", 9090, 0) == 0);
    /* forwards for every address leave loopback alone */
    CHECK(in_use(IPPROTO_TCP, AF_INET, NULL, 9090, 0) == 0);
    close(fd);
    /* a connected (non-listening) TCP socket does not count */
    int l = bound(AF_INET, SOCK_STREAM, "127.0.0.1", 9191, false);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(9191)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    CHECK(connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    struct sockaddr_in me;
    socklen_t ml = sizeof(me);
    getsockname(c, (struct sockaddr *)&me, &ml);
    CHECK(in_use(IPPROTO_TCP, AF_INET, "127.0.0.1", ntohs(me.sin_port), 0) == 0);
    close(c);
    close(l);
}

static void test_udp(void)
{
    int fd = bound(AF_INET, SOCK_DGRAM, "0.0.0.0", 5353, false);
    CHECK(in_use(IPPROTO_UDP, AF_INET, NULL, 5353, 0) == 1);
    CHECK_STR(what, "bound to 0.0.0.0:5353");
    CHECK(in_use(IPPROTO_TCP, AF_INET, NULL, 5353, 0) == 0);
    close(fd);
    CHECK(in_use(IPPROTO_UDP, AF_INET, NULL, 5353, 0) == 0);
    fd = bound(AF_INET6, SOCK_DGRAM, "::", 5354, true);
    CHECK(in_use(IPPROTO_UDP, AF_INET6, NULL, 5354, 0) == 1);
    CHECK_STR(what, "bound to [::]:5354");
    CHECK(in_use(IPPROTO_UDP, AF_INET, NULL, 5354, 0) == 0); /* v6only */
    close(fd);
    /* a connected UDP socket is a client: not counted */
    fd = bound(AF_INET, SOCK_DGRAM, "127.0.0.1", 5355, false);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(in_use(IPPROTO_UDP, AF_INET, "127.0.0.1", 5355, 0) == 0);
    close(fd);
}

static void test_tcp6(void)
{
    int fd = bound(AF_INET6, SOCK_STREAM, "::", 8443, false); /* dual-stack */
    CHECK(in_use(IPPROTO_TCP, AF_INET6, NULL, 8443, 0) == 1);
    CHECK_STR(what, "listening on [::]:8443");
    CHECK(in_use(IPPROTO_TCP, AF_INET, NULL, 8443, 0) == 1); /* takes IPv4 too */
    CHECK(in_use(IPPROTO_TCP, AF_INET, "192.0.2.1", 8443, 0) == 1);
    close(fd);
    fd = bound(AF_INET6, SOCK_STREAM, "::", 8444, true); /* v6only */
    CHECK(in_use(IPPROTO_TCP, AF_INET, NULL, 8444, 0) == 0);
    CHECK(in_use(IPPROTO_TCP, AF_INET6, "fd00::1", 8444, 0) == 1);
    close(fd);
    fd = bound(AF_INET6, SOCK_STREAM, "::1", 8445, true);
    CHECK(in_use(IPPROTO_TCP, AF_INET6, NULL, 8445, 0) == 0); /* loopback only */
    CHECK(in_use(IPPROTO_TCP, AF_INET6, "::1", 8445, 0) == 1);
    CHECK_STR(what, "listening on [::1]:8445");
    close(fd);
    fd = bound(AF_INET6, SOCK_STREAM, "::ffff:127.0.0.1", 8446, false); /* v4-mapped */
    CHECK(in_use(IPPROTO_TCP, AF_INET, "127.0.0.1", 8446, 0) == 1);
    CHECK(in_use(IPPROTO_TCP, AF_INET6, NULL, 8446, 0) == 0);
    close(fd);
}

static void test_errors(void)
{
    verr err = VERR_INIT;
    CHECK(netdev_port_in_use(IPPROTO_ICMP, AF_INET, NULL, 1, 1, what, sizeof(what), &err) < 0);
    CHECK(netdev_port_in_use(IPPROTO_TCP, AF_UNIX, NULL, 1, 1, what, sizeof(what), &err) < 0);
}

int main(void)
{
    if (refuse_unless_isolated() < 0)
        return 1;
    verr err = VERR_INIT;
    if (netdev_link_set_up("lo", true, &err) < 0) {
        fprintf(stderr, "bringing lo up: %s\n", err.msg);
        return 1;
    }
    test_tcp4();
    test_udp();
    test_tcp6();
    test_errors();
    netdev_close();
    return testlib_done("sockdiag");
}

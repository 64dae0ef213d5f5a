/* Unit tests for util/: addresses, MACs, strbuf, errors. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/testlib.h"
#include "util/error.h"
#include "util/ipaddr.h"
#include "util/strbuf.h"

static void test_addr(void)
{
    vnet_addr a, net, last, mask;
    char buf[VNET_ADDR_STRLEN];
    CHECK(vnet_addr_parse("192.168.122.17", &a) == 0);
    CHECK(a.family == AF_INET);
    vnet_addr_network(&a, 24, &net);
    CHECK_STR(vnet_addr_str(&net, buf), "192.168.122.0");
    vnet_addr_last(&a, 24, &last);
    CHECK_STR(vnet_addr_str(&last, buf), "192.168.122.255");
    CHECK(vnet_addr_parse("255.255.255.0", &mask) == 0);
    CHECK(vnet_netmask_to_prefix(&mask) == 24);
    CHECK(vnet_addr_parse("255.0.255.0", &mask) == 0);
    CHECK(vnet_netmask_to_prefix(&mask) == -1);
    vnet_addr s, e;
    CHECK(vnet_addr_parse("192.168.122.2", &s) == 0);
    CHECK(vnet_addr_parse("192.168.122.254", &e) == 0);
    CHECK(vnet_addr_range_size(&s, &e) == 253);
    CHECK(vnet_addr_range_size(&e, &s) == 0);
    CHECK(vnet_addr_parse("2001:db8::1", &a) == 0 && a.family == AF_INET6);
    CHECK(vnet_addr_parse("2001:db8::1:2", &s) == 0);
    CHECK(vnet_addr_in_subnet(&s, &a, 64));
    CHECK(!vnet_addr_in_subnet(&s, &a, 128));
    CHECK(vnet_addr_parse("300.1.1.1", &a) == -1);
    CHECK(vnet_addr_parse("10.0.0.1", &a) == 0);
    vnet_addr_add(&a, 255);
    CHECK_STR(vnet_addr_str(&a, buf), "10.0.1.0");
}

static void test_mac(void)
{
    uint8_t m[6];
    char buf[18];
    CHECK(vnet_mac_parse("52:54:00:AB:cd:0F", m) == 0);
    CHECK_STR(vnet_mac_str(m, buf), "52:54:00:ab:cd:0f");
    CHECK(vnet_mac_parse("52:54:00:ab:cd", m) == -1);
    CHECK(vnet_mac_parse("52-54-00-ab-cd-0f", m) == -1);
}

static void test_strbuf_and_error(void)
{
    strbuf b = STRBUF_INIT;
    strbuf_add(&b, "a");
    strbuf_addf(&b, "%d-%s", 42, "x");
    CHECK_STR(strbuf_str(&b), "a42-x");
    strbuf_free(&b);

    verr err = VERR_INIT;
    CHECK(verr_set(&err, VERR_INVALID, "bad %s", "thing") == -1);
    verr_prefix(&err, "starting network '%s'", "lab");
    CHECK_STR(err.msg, "starting network 'lab': bad thing");
    CHECK(err.kind == VERR_INVALID);
}

int main(void)
{
    test_addr();
    test_mac();
    test_strbuf_and_error();
    return testlib_done("util");
}

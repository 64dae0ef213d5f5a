/* dnsmasq lease file parsing, from sample files in tests/data/dnsmasq/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dnsmasq/dnsmasq.h"
#include "tests/unit/testlib.h"
#include "util/strbuf.h"

static const char *data_dir;

static char *data_path(const char *name)
{
    return xasprintf("%s/%s", data_dir, name);
}

static void test_mixed(void)
{
    char *path = data_path("leases-mixed.leases");
    dnsmasq_lease *l = NULL;
    size_t n = 0;
    verr err = VERR_INIT;
    CHECK(dnsmasq_leases_read(path, &l, &n, &err) == 0);
    CHECK(n == 5);
    if (n == 5) {
        CHECK(l[0].family == AF_INET);
        CHECK(l[0].expiry == 1763768400);
        CHECK_STR(l[0].mac, "52:54:00:12:34:56");
        CHECK_STR(l[0].ip, "192.168.122.45");
        CHECK_STR(l[0].hostname, "guest1");
        CHECK_STR(l[0].client_id, "01:52:54:00:12:34:56");

        CHECK(l[1].expiry == 0); /* infinite */
        CHECK_STR(l[1].hostname, "");
        CHECK_STR(l[1].client_id, "");

        CHECK_STR(l[2].client_id, "ff:00:00:00:01:00:01:2c:1f:0a:bb:52:54:00:00:00:01");

        CHECK(l[3].family == AF_INET6);
        CHECK(l[3].iaid == 1234567);
        CHECK_STR(l[3].mac, "");
        CHECK_STR(l[3].ip, "2001:db8:ac10:fd01::1:20");
        CHECK_STR(l[3].hostname, "guest6");
        CHECK_STR(l[3].client_id, "00:04:7e:7d:f0:7d:a8:bc:c5:d2:13:32:11:ed:16:ea:84:63");

        CHECK(l[4].family == AF_INET6);
        CHECK(l[4].iaid == 99); /* temporary address */
        CHECK_STR(l[4].hostname, "");
    }
    free(l);
    free(path);
}

static void test_missing_and_empty(void)
{
    dnsmasq_lease *l = (dnsmasq_lease *)1;
    size_t n = 42;
    verr err = VERR_INIT;
    char *path = data_path("no-such-file.leases");
    CHECK(dnsmasq_leases_read(path, &l, &n, &err) == 0);
    CHECK(n == 0 && l == NULL);
    free(path);

    path = data_path("leases-empty.leases");
    n = 42;
    CHECK(dnsmasq_leases_read(path, &l, &n, &err) == 0);
    CHECK(n == 0);
    free(l);
    free(path);
}

static void test_bad(void)
{
    char *path = data_path("leases-bad.leases");
    dnsmasq_lease *l = NULL;
    size_t n = 0;
    verr err = VERR_INIT;
    CHECK(dnsmasq_leases_read(path, &l, &n, &err) < 0);
    CHECK(strstr(err.msg, "leases-bad.leases:1:") != NULL);
    CHECK(err.kind == VERR_INVALID);
    free(path);
}

int main(int argc, char **argv)
{
    data_dir = argc > 1 ? argv[1] : "tests/data/dnsmasq";
    test_mixed();
    test_missing_and_empty();
    test_bad();
    return testlib_done("dnsmasq-leases");
}

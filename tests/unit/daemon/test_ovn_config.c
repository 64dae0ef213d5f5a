/* ovn_config.c: the chassis options from a "key = value" file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/ovn_daemon.h"
#include "util/cleanup.h"
#include "util/strbuf.h"
#include "tests/unit/testlib.h"

static char dir[] = "/tmp/vnet-ovn-config.XXXXXX";

static char *write_file(const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_good(void)
{
    _cleanup_free_ char *path =
        write_file("good.conf", "# chassis\n"
                                "ovs-db = unix:/run/ovs.sock\n"
                                "\n"
                                "  ovn-chassis=hostA  \n"
                                "ovn-encap-ip = 192.0.2.1\n"
                                "ovn-bridge-mappings = up:br-ex,lan:br-lan\n");
    ovn_opts o = {.chassis = "from-the-command-line"};
    ovn_config store = {0};
    verr e = VERR_INIT;
    CHECK(ovn_config_read(path, true, &o, &store, &e) == 0);
    CHECK_STR(o.ovs_db, "unix:/run/ovs.sock");
    CHECK_STR(o.chassis, "from-the-command-line"); /* the command line wins */
    CHECK_STR(o.encap_ip, "192.0.2.1");
    CHECK_STR(o.mappings, "up:br-ex,lan:br-lan");
    CHECK(o.sb == NULL && o.bridge == NULL && o.encap_type == NULL);
    ovn_config_free(&store);
}

static void bad(const char *text, const char *want)
{
    _cleanup_free_ char *path = write_file("bad.conf", text);
    ovn_opts o = {0};
    ovn_config store = {0};
    verr e = VERR_INIT;
    CHECK(ovn_config_read(path, true, &o, &store, &e) < 0);
    CHECK(e.kind == VERR_INVALID);
    if (!strstr(e.msg, want))
        fprintf(stderr, "got '%s', want '%s'\n", e.msg, want);
    CHECK(strstr(e.msg, want) != NULL);
    CHECK(o.ovs_db == NULL && o.chassis == NULL); /* a bad file changes nothing */
    CHECK(store.v[0] == NULL);
}

static void test_missing(void)
{
    _cleanup_free_ char *path = xasprintf("%s/none.conf", dir);
    ovn_opts o = {0};
    ovn_config store = {0};
    verr e = VERR_INIT;
    CHECK(ovn_config_read(path, false, &o, &store, &e) == 0); /* the default file is optional */
    CHECK(ovn_config_read(path, true, &o, &store, &e) < 0);   /* --ovn-config's is not */
    CHECK(strstr(e.msg, "none.conf") != NULL);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    test_good();
    bad("ovs-db = unix:/a\novn-chassis = x\novn-chassis = y\n",
        "bad.conf:3: 'ovn-chassis' is set twice");
    bad("ovs-db = unix:/a\nencap-ip = 1.2.3.4\n", "bad.conf:2: unknown key 'encap-ip'");
    bad("ovs-db unix:/a\n", "bad.conf:1: expected 'key = value'");
    bad("ovs-db =\n", "bad.conf:1: 'ovs-db' has no value");
    test_missing();
    _cleanup_free_ char *cmd = xasprintf("rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return testlib_done("ovn-config");
}

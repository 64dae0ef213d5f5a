/* network_bridge_state for Open vSwitch bridges, against a private
 * ovsdb-server holding bridges brx and bru (started by run-with-ovs.sh, which
 * runs this in a network namespace where only lo exists). The bridge's
 * device being up (a tap of the netdev datapath) is e2e-ovs-bridge's part. */
#include <stdlib.h>
#include <string.h>

#include "network/pool.h"
#include "ovn/ovsdb.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

#include "../testlib.h"

/* Put a Bridge row named name into the database (a root row references it). */
static void add_bridge(const char *remote, const char *name)
{
    _cleanup_(ovsdb_closep) ovsdb *c = NULL;
    verr err = VERR_INIT;
    json_t *ops = json_pack("[{s:s, s:s, s:{s:s}, s:s}, {s:s, s:s, s:[], s:[[s, s, o]]}]", "op",
                            "insert", "table", "Bridge", "row", "name", name, "uuid-name", "nb",
                            "op", "mutate", "table", "Open_vSwitch", "where", "mutations",
                            "bridges", "insert", ovsdb_set(json_pack("[o]", ovsdb_named("nb"))));
    CHECK(ovsdb_connect(remote, 5000, &c, &err) == 0);
    if (c)
        CHECK(ovsdb_transact(c, "Open_vSwitch", ops, NULL, &err) == 0);
    else
        json_decref(ops);
    if (err.msg[0])
        fprintf(stderr, "add_bridge: %s\n", err.msg);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test-ovs-bridge unix:SOCKET DIR\n");
        return 2;
    }
    const char *db = argv[1];
    char why[320];

    /* where the database is: given, else OVS's default socket */
    CHECK_STR(network_ovs_db(db), db);
    const char *def = network_ovs_db(NULL);
    CHECK(streq(def, "unix:/run/openvswitch/db.sock") ||
          streq(def, "unix:/var/run/openvswitch/db.sock"));

    /* the database cannot be asked: no state, and why */
    _cleanup_free_ char *none = xasprintf("unix:%s/none.sock", argv[2]);
    CHECK(network_bridge_state(none, true, "brx", why, sizeof(why)) == NULL);
    _cleanup_free_ char *want = xasprintf(
        "cannot ask Open vSwitch about bridge 'brx': OVSDB %s: cannot connect: No such file or "
        "directory",
        none);
    CHECK_STR(why, want);

    /* no Bridge row and no link: missing */
    CHECK_STR(network_bridge_state(db, true, "bry", why, sizeof(why)), "missing");
    CHECK_STR(why, "Open vSwitch has no bridge 'bry'");
    /* a Bridge row without a device (ovs-vswitchd not running): down */
    CHECK_STR(network_bridge_state(db, true, "bru", why, sizeof(why)), "down");
    CHECK_STR(why, "Open vSwitch bridge 'bru' has no device (is ovs-vswitchd running?)");
    /* (the kernel's datapath needs a module this kernel may lack) */
    CHECK_STR(network_bridge_state(db, true, "brx", why, sizeof(why)), "down");
    CHECK_STR(why, "Open vSwitch bridge 'brx' has no device (is ovs-vswitchd running? its datapath "
                   "is the kernel's, which needs the openvswitch module; datapath_type=netdev does "
                   "not)");
    /* a link that Open vSwitch does not know: not an Open vSwitch bridge */
    CHECK_STR(network_bridge_state(db, true, "lo", why, sizeof(why)), "not a bridge");
    CHECK_STR(why, "'lo' is not an Open vSwitch bridge (no kind)");
    /* a Bridge row whose device is neither OVS's nor a tap */
    add_bridge(db, "lo");
    CHECK_STR(network_bridge_state(db, true, "lo", why, sizeof(why)), "not a bridge");
    CHECK_STR(why, "'lo' is an Open vSwitch bridge, but its device is a kind-less link");
    /* without an openvswitch virtualport, only the kernel link counts */
    CHECK_STR(network_bridge_state(db, false, "lo", why, sizeof(why)), "not a bridge");
    CHECK_STR(why, "'lo' is not a bridge (no kind)");
    CHECK_STR(network_bridge_state(db, false, "brx", why, sizeof(why)), "missing");
    CHECK_STR(why, "bridge 'brx' does not exist");
    return testlib_done("ovs-bridge");
}

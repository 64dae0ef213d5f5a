/* The status file's JSON for a net_run (src/network/status.c): the pool of a
 * network without a bridge of its own, and the floors of a network's ports,
 * go through the run-state and back.
 * Pure: no host access. */
#include <stdlib.h>

#include "conf/netdef.h"
#include "network/status.h"
#include "testlib.h"
#include "util/strbuf.h"

static netdef *parse(const char *xml)
{
    netdef *def = NULL;
    verr err = VERR_INIT;
    if (netdef_parse_string(xml, "test", &def, &err) < 0) {
        fprintf(stderr, "parse: %s\n", err.msg);
        exit(1);
    }
    return def;
}

static void push(char ***v, size_t *n, const char *s)
{
    *(char **)xarray_push(v, n, sizeof(char *)) = xstrdup(s);
}

/* to_json then from_json gives an equal run-state; copy is equal too. */
static void roundtrip(const netdef *def, const net_run *run, const char *want_pool)
{
    vnet_paths paths = {0};
    vnet_paths_init(&paths, "/nonexistent");
    network_env env = {.paths = &paths};
    json_t *j = net_run_to_json(run, &env, def);
    json_t *pool = json_object_get(j, "pool");
    char *text = pool ? json_dumps(pool, JSON_COMPACT) : NULL;
    CHECK_STR(text ? text : "(none)", want_pool);
    free(text);
    net_run back, copy;
    net_run_from_json(j, &back);
    CHECK(net_run_equal(run, &back));
    net_run_copy(&copy, &back);
    CHECK(net_run_equal(&copy, run));
    net_run_clear(&back);
    net_run_clear(&copy);
    json_decref(j);
    vnet_paths_free(&paths);
}

int main(void)
{
    netdef *direct = parse("<network><name>d</name><forward mode='private'>"
                           "<interface dev='eth1'/><interface dev='eth2'/></forward></network>");
    net_run run = {.pool = true};
    push(&run.pool_devs, &run.n_pool_devs, "eth1");
    push(&run.pool_devs, &run.n_pool_devs, "eth2");
    roundtrip(direct, &run, "{\"devs\":[\"eth1\",\"eth2\"]}");
    net_run other = {.pool = true};
    push(&other.pool_devs, &other.n_pool_devs, "eth1");
    CHECK(!net_run_equal(&run, &other));
    net_run_clear(&other);
    net_run_clear(&run);

    netdef *hostdev = parse("<network><name>h</name><forward mode='hostdev' managed='yes'>"
                            "<address type='pci' domain='0' bus='1' slot='0' function='1'/>"
                            "</forward></network>");
    net_run h = {.pool = true};
    push(&h.pool_pcis, &h.n_pool_pcis, "0000:01:00.1");
    roundtrip(hostdev, &h, "{\"pcis\":[\"0000:01:00.1\"]}");
    net_run_clear(&h);

    netdef *host = parse("<network><name>b</name><forward mode='bridge'/>"
                         "<bridge name='br0'/></network>");
    net_run b = {.pool = true, .bridge = "br0"};
    roundtrip(host, &b, "{}");

    netdef *nat = parse("<network><name>n</name><bridge name='virbr9'/></network>");
    net_run n = {.bridge = "virbr9", .bridge_created = true};
    roundtrip(nat, &n, "(none)"); /* networks with their own bridge have no pool */

    /* ports' floors: the sum and each class, and back */
    net_run f = {.bridge = "virbr9", .bridge_created = true};
    netbw_floor fl[2] = {{.class_id = 3, .mac = {0x52, 0x54, 0, 0x77, 0, 0x0a}, .floor = 875},
                         {.class_id = 5, .mac = {0x52, 0x54, 0, 0x77, 0, 0x0b}, .floor = 100}};
    for (size_t i = 0; i < 2; i++)
        *(netbw_floor *)xarray_push(&f.floors, &f.n_floors, sizeof(netbw_floor)) = fl[i];
    roundtrip(nat, &f, "(none)");
    vnet_paths paths = {0};
    vnet_paths_init(&paths, "/nonexistent");
    network_env env = {.paths = &paths};
    json_t *j = net_run_to_json(&f, &env, nat);
    char *text = json_dumps(json_object_get(j, "floor"), JSON_COMPACT);
    CHECK_STR(text,
              "{\"sum\":975,\"classes\":[{\"class_id\":3,\"mac\":\"52:54:00:77:00:0a\","
              "\"floor\":875},{\"class_id\":5,\"mac\":\"52:54:00:77:00:0b\",\"floor\":100}]}");
    free(text);
    json_decref(j);
    vnet_paths_free(&paths);
    CHECK(!net_run_equal(&f, &n)); /* the floors count */
    f.floors[1].floor = 101;
    net_run g;
    net_run_copy(&g, &f);
    g.floors[1].floor = 100;
    CHECK(!net_run_equal(&f, &g));
    net_run_clear(&g);
    net_run_clear(&f);

    netdef_free(direct);
    netdef_free(hostdev);
    netdef_free(host);
    netdef_free(nat);
    return testlib_done("status");
}

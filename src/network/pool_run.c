/* A running pool network's devices, for choosing ports' plugs (see pool.h).
 * Apart from pool.c so that the daemon's unit tests, built against a stub
 * network layer, allocate ports through the same code. */
#include <stdlib.h>
#include <string.h>

#include "network/pool.h"
#include "util/strbuf.h"

void network_pool_from_run(const net_run *run, const char *ovs_db, bool ovs, netplug_pool *ret)
{
    memset(ret, 0, sizeof(*ret));
    for (size_t i = 0; i < run->n_pool_devs; i++)
        *(char **)xarray_push(&ret->devs, &ret->n_devs, sizeof(char *)) = run->pool_devs[i];
    for (size_t i = 0; i < run->n_pool_pcis; i++) {
        netplug_pci p;
        if (netplug_pci_parse(run->pool_pcis[i], &p) == 0)
            *(netplug_pci *)xarray_push(&ret->pcis, &ret->n_pcis, sizeof(p)) = p;
    }
    const char *bridge = run->bridge[0] ? run->bridge : NULL;
    if (run->pool && !run->n_pool_devs && !run->n_pool_pcis && bridge) {
        const char *state =
            network_bridge_state(ovs_db, ovs, bridge, ret->unusable_buf, sizeof(ret->unusable_buf));
        if (!state || !streq(state, "up"))
            ret->unusable = ret->unusable_buf;
    }
}

void network_pool_clear(netplug_pool *pool)
{
    free(pool->devs);
    free(pool->pcis);
    memset(pool, 0, sizeof(*pool));
}

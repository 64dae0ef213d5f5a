/* The guests' outbound <bandwidth> as nftables text (see fw_bandwidth.h). */
#include "firewall/fw_bandwidth.h"

#include <inttypes.h>

#include "firewall/fw_internal.h"
#include "util/strbuf.h"

char *fw_plan_bandwidth(const char *bridge, uint64_t rate, uint64_t burst)
{
    if (!bridge || !fw_ifname_ok(bridge))
        return NULL;
    return xasprintf("add table netdev vnet-bw-%s\n"
                     "delete table netdev vnet-bw-%s\n"
                     "table netdev vnet-bw-%s {\n"
                     "  chain ingress {\n"
                     "    type filter hook ingress device \"%s\" priority -500; policy accept;\n"
                     "    limit rate over %" PRIu64 " bytes/second burst %" PRIu64 " bytes drop\n"
                     "  }\n"
                     "}\n",
                     bridge, bridge, bridge, bridge, rate, burst);
}

char *fw_plan_bandwidth_remove(const char *bridge)
{
    if (!bridge || !fw_ifname_ok(bridge))
        return NULL;
    return xasprintf("add table netdev vnet-bw-%s\ndelete table netdev vnet-bw-%s\n", bridge,
                     bridge);
}

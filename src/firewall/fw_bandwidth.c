/* The guests' outbound <bandwidth> as nftables text (see fw_bandwidth.h). */
#include "firewall/fw_bandwidth.h"

#include <inttypes.h>

#include "conf/netdef.h"
#include "firewall/firewall.h"
#include "util/strbuf.h"

char *fw_plan_bandwidth(const char *bridge, uint64_t rate, uint64_t burst)
{
    char table[FW_TABLE_NAME_MAX];
    if (!bridge || !netdef_ifname_valid(bridge))
        return NULL;
    fw_table_name_of(bridge, table, sizeof(table));
    return xasprintf("add table netdev %s\n"
                     "delete table netdev %s\n"
                     "table netdev %s {\n"
                     "  chain ingress {\n"
                     "    type filter hook ingress device \"%s\" priority -500; policy accept;\n"
                     "    limit rate over %" PRIu64 " bytes/second burst %" PRIu64
                     " bytes drop\n"
                     "  }\n"
                     "}\n",
                     table, table, table, bridge, rate, burst);
}

char *fw_plan_bandwidth_remove(const char *bridge)
{
    char table[FW_TABLE_NAME_MAX];
    if (!bridge || !netdef_ifname_valid(bridge))
        return NULL;
    fw_table_name_of(bridge, table, sizeof(table));
    return xasprintf("add table netdev %s\ndelete table netdev %s\n", table, table);
}

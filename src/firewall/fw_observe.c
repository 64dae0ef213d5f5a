/* Removing a vnet table by name, for the sweep (the digest that tells
 * whether a table is as vnet left it is read in fw_query.c, with netlink). */
#include <string.h>

#include "firewall/firewall.h"
#include "firewall/fw_internal.h"
#include "util/cleanup.h"

static int table_delete(const char *family, const char *table, verr *err)
{
    if (!fw_table_name_is_ours(table) || strpbrk(table, " \t\n;\"{}#") != NULL)
        return verr_set(err, VERR_INVALID, "'%s' is not a vnet table", table);
    _cleanup_free_ char *script =
        xasprintf("add table %s %s\ndelete table %s %s\n", family, table, family, table);
    return fw_run_nft(script, FW_OUT_TEXT, "deleting a table", NULL, err);
}

int fw_table_delete(const char *table, verr *err)
{
    return table_delete("inet", table, err);
}

int fw_netdev_table_delete(const char *table, verr *err)
{
    return table_delete("netdev", table, err);
}

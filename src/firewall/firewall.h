/* Firewall: plan (definition -> nft script, pure) and apply (libnftables).
 *
 * Each network owns one nftables table, `inet vnet-BRIDGE` (see fw_table_name),
 * holding every rule vnet installs for it. A plan is a complete script that
 * atomically replaces that table in one transaction, so applying it is
 * idempotent, and re-applying does not disturb established connections
 * (conntrack/NAT state is kept by the kernel, not by the rules).
 */
#pragma once

#include <stdbool.h>

#include "conf/netdef.h"
#include "util/error.h"

/* "vnet-<bridge>" into buf; the bridge name must be set. */
const char *fw_table_name(const netdef *def, char *buf, size_t len);

/* Does this definition get rules at all? false for open and bridge-like modes. */
bool fw_wanted(const netdef *def);

/* The script that creates/replaces the network's table with its full ruleset.
 * Returns NULL (and sets err) when the definition cannot be planned. */
char *fw_plan_network(const netdef *def, verr *err);
/* The script that removes the network's table; succeeds if it is absent. */
char *fw_plan_remove(const netdef *def);

/* Run a script through libnftables as one transaction; the nft error text
 * becomes the error message. */
int fw_apply(const char *script, verr *err);
/* Is nftables usable here (kernel nf_tables, permissions)? */
int fw_available(verr *err);
/* 1 if the network's table exists, 0 if not, -1 on error. */
int fw_table_exists(const netdef *def, verr *err);

/* The guests' outbound <bandwidth> of a network, as nftables text (pure): a
 * limit at the ingress of the network's bridge, in a table of the netdev
 * family named as the network's inet table (fw_table_name_of), standing in
 * for the police action this kernel lacks. */
#pragma once

#include <stdint.h>

/* Replace the table: drop what exceeds rate bytes/s after a burst of `burst`
 * bytes. NULL when the bridge name cannot be used in a rule. */
char *fw_plan_bandwidth(const char *bridge, uint64_t rate, uint64_t burst);
/* Remove the table (absent is fine). */
char *fw_plan_bandwidth_remove(const char *bridge);

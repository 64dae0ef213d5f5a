/* Uplink records: one durable JSON file per bridge made from a host NIC,
 * ROOT/var/lib/vnet/uplinks/BRIDGE.json. A record is written before the host
 * is touched (so a daemon killed midway rolls back when it comes back) and
 * removed once the NIC is back as it was. The store keeps text; the daemon
 * owns its meaning. */
#pragma once

#include <stddef.h>

#include "store/store.h"
#include "util/error.h"

char *uplink_store_dir(const vnet_paths *p);
/* Bridge names with a record, sorted. */
int uplink_store_list(const vnet_paths *p, char ***ret_names, size_t *ret_n, verr *err);
/* 1 read, 0 absent, -1 error. */
int uplink_store_load(const vnet_paths *p, const char *bridge, char **ret_text, verr *err);
int uplink_store_save(const vnet_paths *p, const char *bridge, const char *text, verr *err);
int uplink_store_delete(const vnet_paths *p, const char *bridge, verr *err);

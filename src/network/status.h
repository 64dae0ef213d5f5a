/* The status file's JSON for a net_run (network.h): the serializer, and the
 * parser that reads it back after a daemon restart. */
#pragma once

#include <jansson.h>

#include "network/network.h"

/* {"version", "bridge", "bridge_created", "addresses", "firewall_table",
 *  "firewall_digest", "dnsmasq": {"pid", "conf"} | null, "sysctls_enabled",
 *  "pool" (networks without a bridge of their own), "floor": {"sum",
 *  "classes": [{"class_id", "mac", "floor"}]} (when ports hold floors),
 *  "updated"}; addresses and paths are derived from def and env. */
json_t *net_run_to_json(const net_run *run, const network_env *env, const netdef *def);
/* Missing keys leave the fields zero; never fails. */
void net_run_from_json(const json_t *status, net_run *run);

/* ROOT/run/vnet/NAME.pid */
char *net_pidfile_path(const vnet_paths *paths, const char *name);

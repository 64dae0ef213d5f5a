/* The network layer's entry points for OVN networks (netdef_is_ovn()):
 * network.c hands start, stop and adopt over to these. The status is
 * {"ovn": {"nb": REMOTE}}. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "conf/netdef.h"
#include "ovn/ovsdb.h"
#include "util/error.h"

int ovn_network_connect(const netdef *def, ovsdb **ret, verr *err);
int ovn_network_start(const netdef *def, json_t **ret_status, verr *err);
int ovn_network_stop(const netdef *def, const json_t *status, verr *err);
int ovn_network_adopt(const netdef *def, const json_t *status, json_t **ret_status,
                      bool *ret_repaired, verr *err);

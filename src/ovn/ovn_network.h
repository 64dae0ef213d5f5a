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
/* host: this host's name (the OVN chassis name), or NULL; see ovn_nb_ensure.
 * Stop removes the network from the NB only when no other host runs it. */
int ovn_network_start(const netdef *def, const char *host, json_t **ret_status, verr *err);
int ovn_network_stop(const netdef *def, const char *host, const json_t *status, verr *err);
int ovn_network_adopt(const netdef *def, const char *host, const json_t *status,
                      json_t **ret_status, bool *ret_repaired, verr *err);

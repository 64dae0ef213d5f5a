/* The network layer's entry points for OVN networks (netdef_is_ovn()):
 * network.c hands start, stop and adopt over to these. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "conf/netdef.h"
#include "ovn/ovsdb.h"
#include "util/error.h"

int ovn_network_connect(const netdef *def, ovsdb **ret, verr *err);
/* host: this host's name (the OVN chassis name), or NULL; see ovn_nb_ensure.
 * Stop removes the network from the NB only when no other host runs it.
 * Nothing is created on the host: the network layer's run-state stays empty. */
int ovn_network_start(const netdef *def, const char *host, verr *err);
int ovn_network_stop(const netdef *def, const char *host, verr *err);
int ovn_network_adopt(const netdef *def, const char *host, bool *ret_repaired, verr *err);
/* A running network's definition changed (port forwards): converge its rows. */
int ovn_network_update(const netdef *def, const char *host, verr *err);

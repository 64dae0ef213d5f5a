/* -c/--connect URI: which vnetd socket the CLI talks to.
 *
 * Accepted (virsh users keep their habit, scripts keep their -c):
 *   vnet:///system                  the system vnetd (ROOT/run/vnet/vnetd.sock)
 *   network:///system               the same: libvirt's URI of its network driver
 *   vnet:///system?socket=PATH      a vnetd listening on PATH
 *   network:///system?socket=PATH   the same
 * Anything else (qemu:///system, remote hosts, session mode, other query
 * parameters) is refused with a message naming the accepted forms. */
#pragma once

#include "util/error.h"

#define URI_ACCEPTED "vnet:///system, network:///system (optionally with ?socket=PATH)"

/* On success *ret_socket is the socket PATH given with ?socket= (malloc'd),
 * or NULL for the default socket. */
int uri_parse(const char *uri, char **ret_socket, verr *err);

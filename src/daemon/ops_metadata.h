/* Network metadata ops (title, description, <metadata> elements), for
 * libvirt's virNetworkGetMetadata/virNetworkSetMetadata. */
#pragma once

#include "daemon/daemon.h"

/* "metadata-get" / "metadata-set", or NULL for another name. */
const op_def *metadata_ops_find(const char *name);

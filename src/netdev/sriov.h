/* SR-IOV from sysfs: a physical function's virtual functions (PCI address and
 * network interface), and whether a PCI device exists. The sysfs root is a
 * parameter ("/sys" on a real host) so tests can build a tree of their own. */
#pragma once

#include <net/if.h>
#include <stddef.h>

#include "util/error.h"

typedef struct netdev_vf {
    char pci[16];             /* "0000:03:10.2" */
    char ifname[IF_NAMESIZE]; /* "" when the VF has no network interface (vfio) */
} netdev_vf;

/* The VFs of `pf` in virtfn order (SYSFS/class/net/PF/device/virtfnN).
 * 0 with *ret_n 0 when it has none; -1 VERR_NOT_FOUND when sysfs has no PF. */
int netdev_sriov_vfs(const char *sysfs, const char *pf, netdev_vf **ret, size_t *ret_n, verr *err);
/* 1 when SYSFS/bus/pci/devices/ADDR exists, else 0. */
int netdev_pci_exists(const char *sysfs, const char *pci);

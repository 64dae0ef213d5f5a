/* SR-IOV virtual functions from sysfs. */
#include "netdev/sriov.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/strbuf.h"

#define SRIOV_MAX_VFS 256

/* The one interface name under DIR/net/, or "" when there is none. */
static void vf_ifname(const char *dir, char *ret)
{
    _cleanup_free_ char *net = xasprintf("%s/net", dir);
    ret[0] = '\0';
    DIR *d = opendir(net);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.' && strlen(de->d_name) < IF_NAMESIZE) {
            strcpy(ret, de->d_name);
            break;
        }
    closedir(d);
}

/* virtfnN -> its PCI address (the link's last component). 0, or -1 when absent. */
static int vf_read(const char *dev_dir, unsigned n, netdev_vf *ret)
{
    _cleanup_free_ char *link = xasprintf("%s/virtfn%u", dev_dir, n);
    char target[PATH_MAX];
    ssize_t len = readlink(link, target, sizeof(target) - 1);
    if (len < 0)
        return -1;
    target[len] = '\0';
    const char *base = strrchr(target, '/');
    snprintf(ret->pci, sizeof(ret->pci), "%s", base ? base + 1 : target);
    vf_ifname(link, ret->ifname);
    return 0;
}

int netdev_sriov_vfs(const char *sysfs, const char *pf, netdev_vf **ret, size_t *ret_n, verr *err)
{
    _cleanup_free_ char *pf_dir = xasprintf("%s/class/net/%s", sysfs, pf);
    _cleanup_free_ char *dev_dir = xasprintf("%s/device", pf_dir);
    struct stat st;
    *ret = NULL;
    *ret_n = 0;
    if (stat(pf_dir, &st) < 0)
        return verr_set(err, VERR_NOT_FOUND, "interface '%s' does not exist (no %s)", pf, pf_dir);
    netdev_vf *vfs = NULL;
    size_t n = 0;
    /* virtfn numbers are dense from 0 */
    for (unsigned i = 0; i < SRIOV_MAX_VFS; i++) {
        netdev_vf vf;
        if (vf_read(dev_dir, i, &vf) < 0)
            break;
        *(netdev_vf *)xarray_push(&vfs, &n, sizeof(vf)) = vf;
    }
    *ret = vfs;
    *ret_n = n;
    return 0;
}

int netdev_pci_exists(const char *sysfs, const char *pci)
{
    _cleanup_free_ char *path = xasprintf("%s/bus/pci/devices/%s", sysfs, pci);
    return access(path, F_OK) == 0 ? 1 : 0;
}

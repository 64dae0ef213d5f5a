/* Can this vnetd manage networks at all? Asked once at startup (vnetd exits
 * non-zero with the reason and the remedy when it cannot, and only then tells
 * systemd it is ready) and by `vnet doctor`.
 *
 * nf_tables refusing us has four common causes, each with its own remedy:
 * not root; root in a container without CAP_NET_ADMIN; capabilities that
 * belong to a user namespace not owning this network namespace; a kernel
 * whose nf_tables module is not loaded, or that has no nf_tables at all.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "firewall/firewall.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

#define CAP_NET_ADMIN_BIT 12

/* Effective capabilities from /proc/self/status; false when unreadable. */
static bool has_cap_net_admin(void)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    unsigned long long caps = 0;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "CapEff: %llx", &caps) == 1)
            return (caps >> CAP_NET_ADMIN_BIT) & 1;
    return false;
}

/* Is an nf_tables module file there for the running kernel? */
static bool nf_tables_module_exists(void)
{
    struct utsname u;
    if (uname(&u) < 0)
        return false;
    static const char *const exts[] = {"ko", "ko.xz", "ko.zst", "ko.gz"};
    for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
        _cleanup_free_ char *p =
            xasprintf("/lib/modules/%s/kernel/net/netfilter/nf_tables.%s", u.release, exts[i]);
        if (access(p, F_OK) == 0)
            return true;
    }
    return false;
}

static int explain_nft(int errnum, const char *why, verr *err)
{
    if (errnum == EPERM || errnum == EACCES) {
        uid_t uid = geteuid();
        if (uid != 0 && !has_cap_net_admin())
            return verr_set(err, VERR_SYSTEM,
                            "nftables refused (%s): vnetd is not running as root (uid %u). Remedy: "
                            "start it as root (the vnetd systemd unit does)",
                            why, (unsigned)uid);
        if (!has_cap_net_admin())
            return verr_set(err, VERR_SYSTEM,
                            "nftables refused (%s): vnetd runs as root but without "
                            "CAP_NET_ADMIN, as in a container that lacks it. Remedy: give it "
                            "CAP_NET_ADMIN (e.g. docker run --cap-add NET_ADMIN) or run vnetd on "
                            "the host",
                            why);
        return verr_set(err, VERR_SYSTEM,
                        "nftables refused (%s): vnetd's CAP_NET_ADMIN belongs to a user namespace "
                        "that does not own this network namespace. Remedy: run vnetd in the "
                        "network namespace's owning user namespace (or on the host)",
                        why);
    }
    if (access("/sys/module/nf_tables", F_OK) != 0) {
        if (nf_tables_module_exists())
            return verr_set(err, VERR_SYSTEM,
                            "nftables does not answer (%s): the nf_tables kernel module is not "
                            "loaded. Remedy: modprobe nf_tables (and add it to "
                            "/etc/modules-load.d/)",
                            why);
        return verr_set(err, VERR_SYSTEM,
                        "nftables does not answer (%s): this kernel has no nf_tables (no module, "
                        "not built in). Remedy: boot a kernel built with CONFIG_NF_TABLES",
                        why);
    }
    return verr_set(err, VERR_SYSTEM, "nftables does not answer (%s)", why);
}

int readiness_nftables(verr *err)
{
    verr e = VERR_INIT;
    if (fw_available(&e) == 0)
        return 0;
    int errnum = e.sys_errno ? e.sys_errno : EPROTONOSUPPORT;
    return explain_nft(errnum, strerror(errnum), err);
}

/* Can we write in dir, or (not made yet) in its nearest existing parent? */
static int dir_writable(const char *dir)
{
    _cleanup_free_ char *p = xstrdup(dir);
    for (;;) {
        if (access(p, W_OK) == 0)
            return 0;
        if (errno != ENOENT)
            return -errno;
        char *slash = strrchr(p, '/');
        if (!slash || slash == p)
            return access("/", W_OK) == 0 ? 0 : -errno;
        *slash = '\0';
    }
}

int readiness_state_dirs(const vnet_paths *p, verr *err)
{
    const char *dirs[] = {p->config_dir, p->run_dir, p->data_dir};
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        int r = dir_writable(dirs[i]);
        if (r < 0)
            return verr_set(err, VERR_SYSTEM,
                            "state directory %s is not writable (%s). Remedy: make it writable "
                            "for vnetd's user (root), or start vnetd with --root DIR",
                            dirs[i], strerror(-r));
    }
    return 0;
}

int readiness_check(vnetd *d, verr *err)
{
    if (readiness_nftables(err) < 0 || readiness_state_dirs(&d->paths, err) < 0)
        return verr_prefix(err, "vnetd cannot manage networks");
    return 0;
}

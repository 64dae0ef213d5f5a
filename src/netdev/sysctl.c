/* Sysctls under /proc/sys. In a network namespace, /proc/sys/net shows that
 * namespace's values (the opener's), so no special handling is needed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netdev/netdev.h"
#include "util/cleanup.h"

#define SYSCTL_ROOT "/proc/sys/"
#define SYSCTL_EINTR_MAX 100

/* Relative path without "..": a sysctl name, not a way out of /proc/sys. */
static int sysctl_path(const char *path, char *buf, size_t len, verr *err)
{
    if (!path || !*path || path[0] == '/')
        return verr_set(err, VERR_INVALID, "sysctl path '%s' must be relative to %s",
                        path ? path : "", SYSCTL_ROOT);
    for (const char *p = path; (p = strstr(p, "..")); p += 2)
        if ((p == path || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
            return verr_set(err, VERR_INVALID, "sysctl path '%s' contains '..'", path);
    if ((size_t)snprintf(buf, len, SYSCTL_ROOT "%s", path) >= len)
        return verr_set(err, VERR_INVALID, "sysctl path '%s' is too long", path);
    return 0;
}

static int sysctl_open_error(verr *err, int errnum, const char *what, const char *full)
{
    verr_errno(err, errnum, "%s sysctl %s", what, full);
    if (errnum == ENOENT && err)
        err->kind = VERR_NOT_FOUND;
    return -1;
}

int netdev_sysctl_write(const char *path, const char *value, verr *err)
{
    char full[512];
    if (sysctl_path(path, full, sizeof(full), err) < 0)
        return -1;
    _cleanup_close_ int fd = open(full, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return sysctl_open_error(err, errno, "writing", full);
    size_t len = strlen(value), done = 0;
    for (int tries = 0; done < len && tries < SYSCTL_EINTR_MAX; tries++) {
        ssize_t n = write(fd, value + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return verr_errno(err, n < 0 ? errno : EIO, "writing '%s' to sysctl %s", value, full);
        done += (size_t)n;
    }
    if (done < len)
        return verr_errno(err, EINTR, "writing '%s' to sysctl %s", value, full);
    return 0;
}

int netdev_sysctl_read(const char *path, char *buf, size_t len, verr *err)
{
    char full[512];
    if (sysctl_path(path, full, sizeof(full), err) < 0)
        return -1;
    if (len == 0)
        return verr_set(err, VERR_INTERNAL, "reading sysctl %s: no room for the value", full);
    _cleanup_close_ int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return sysctl_open_error(err, errno, "reading", full);
    size_t got = 0;
    for (int tries = 0; tries < SYSCTL_EINTR_MAX; tries++) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return verr_errno(err, errno, "reading sysctl %s", full);
        if (n == 0)
            break;
        got += (size_t)n;
        if (got == len)
            return verr_set(err, VERR_INTERNAL, "reading sysctl %s: value longer than %zu bytes",
                            full, len - 1);
    }
    while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == ' '))
        got--;
    buf[got] = '\0';
    return 0;
}

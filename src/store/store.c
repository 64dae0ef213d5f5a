#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

void vnet_paths_init(vnet_paths *p, const char *root)
{
    const char *r = root ? root : "";
    size_t len = strlen(r);
    while (len > 0 && r[len - 1] == '/')
        len--;
    p->root = xstrndup(r, len);
    p->config_dir = xasprintf("%s" VNET_SYSCONFDIR "/vnet/networks", p->root);
    p->autostart_dir = xasprintf("%s/autostart", p->config_dir);
    p->run_dir = xasprintf("%s" VNET_RUNSTATEDIR "/vnet", p->root);
    p->status_dir = xasprintf("%s/status", p->run_dir);
    p->socket_path = xasprintf("%s/vnetd.sock", p->run_dir);
    p->data_dir = xasprintf("%s" VNET_LOCALSTATEDIR "/lib/vnet", p->root);
    p->dnsmasq_dir = xasprintf("%s/dnsmasq", p->data_dir);
}

void vnet_paths_free(vnet_paths *p)
{
    if (!p)
        return;
    free(p->root);
    free(p->config_dir);
    free(p->autostart_dir);
    free(p->run_dir);
    free(p->status_dir);
    free(p->socket_path);
    free(p->data_dir);
    free(p->dnsmasq_dir);
    memset(p, 0, sizeof(*p));
}

int store_mkdir_p(const char *path, mode_t mode, verr *err)
{
    _cleanup_free_ char *copy = xstrdup(path);
    /* Create each missing component from the top; existing ones are left alone. */
    for (char *s = copy + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char saved = *s;
        *s = '\0';
        if (copy[0] && mkdir(copy, mode) < 0 && errno != EEXIST)
            return verr_errno(err, errno, "creating directory %s", copy);
        if (saved == '\0')
            break;
        *s = saved;
    }
    struct stat st;
    if (stat(path, &st) < 0)
        return verr_errno(err, errno, "creating directory %s", path);
    if (!S_ISDIR(st.st_mode))
        return verr_set(err, VERR_SYSTEM, "creating directory %s: not a directory", path);
    return 0;
}

int vnet_paths_mkdirs(const vnet_paths *p, verr *err)
{
    const char *dirs[] = {p->config_dir, p->autostart_dir, p->run_dir,
                          p->status_dir, p->data_dir,      p->dnsmasq_dir};
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
        if (store_mkdir_p(dirs[i], 0755, err) < 0)
            return -1;
    return 0;
}

/* fsync a directory so a rename or unlink in it is durable. */
static int store_fsync_dir(const char *dir, verr *err)
{
    _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return verr_errno(err, errno, "opening directory %s", dir);
    if (fsync(fd) < 0)
        return verr_errno(err, errno, "syncing directory %s", dir);
    return 0;
}

static char *store_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

static int store_write_fd(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int store_write_atomic(const char *path, const char *data, size_t len, mode_t mode, verr *err)
{
    return store_write_file(path, data, len, mode, STORE_DURABLE, err);
}

int store_write_runtime(const char *path, const char *data, size_t len, mode_t mode, verr *err)
{
    return store_write_file(path, data, len, mode, 0, err);
}

int store_write_file(const char *path, const char *data, size_t len, mode_t mode, unsigned flags,
                     verr *err)
{
    bool durable = flags & STORE_DURABLE;
    _cleanup_free_ char *dir = store_dirname(path);
    _cleanup_free_ char *tmp =
        xasprintf("%s/.%s.XXXXXX", dir, strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
    _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return verr_errno(err, errno, "creating a temporary file in %s", dir);
    if (fchmod(fd, mode) < 0 || store_write_fd(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
        verr_errno(err, errno, "writing %s", tmp);
        unlink(tmp);
        return -1;
    }
    if (close(TAKE_FD(fd)) < 0) {
        verr_errno(err, errno, "writing %s", tmp);
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) < 0) {
        verr_errno(err, errno, "renaming %s to %s", tmp, path);
        unlink(tmp);
        return -1;
    }
    return durable ? store_fsync_dir(dir, err) : 0;
}

int store_read_file(const char *path, char **ret, size_t *ret_len, verr *err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return verr_errno(err, errno, "opening %s", path);
    }
    strbuf b = STRBUF_INIT;
    char chunk[8192];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            strbuf_free(&b);
            return verr_errno(err, errno, "reading %s", path);
        }
        if (n == 0)
            break;
        strbuf_addn(&b, chunk, (size_t)n);
    }
    if (ret_len)
        *ret_len = b.len;
    *ret = strbuf_take(&b);
    return 1;
}

int store_unlink(const char *path, verr *err)
{
    if (unlink(path) < 0) {
        if (errno == ENOENT)
            return 0;
        return verr_errno(err, errno, "removing %s", path);
    }
    return 0;
}

int store_unlink_durable(const char *path, verr *err)
{
    if (store_unlink(path, err) < 0)
        return -1;
    _cleanup_free_ char *dir = store_dirname(path);
    return store_fsync_dir(dir, err);
}

static int store_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names NAME of files NAME<suffix> in dir, sorted. A missing directory is an
 * empty list. (Temporary files, ".NAME<suffix>.XXXXXX", do not end in suffix.) */
int store_list_names(const char *dir, const char *suffix, char ***ret_names, size_t *ret_n,
                     verr *err)
{
    char **names = NULL;
    size_t n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno != ENOENT)
            return verr_errno(err, errno, "listing %s", dir);
    } else {
        struct dirent *de;
        size_t slen = strlen(suffix);
        while ((de = readdir(d))) {
            size_t len = strlen(de->d_name);
            if (len <= slen || !streq(de->d_name + len - slen, suffix))
                continue;
            if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
                continue;
            char **slot = xarray_push(&names, &n, sizeof(*names));
            *slot = xstrndup(de->d_name, len - slen);
        }
        closedir(d);
    }
    if (n > 1)
        qsort(names, n, sizeof(*names), store_cmp_names);
    *ret_names = names;
    *ret_n = n;
    return 0;
}

/* ".NAME.XXXXXX": a temporary file of store_write_file (6 random characters). */
static bool is_temp_name(const char *name)
{
    size_t len = strlen(name);
    const char *dot = strrchr(name, '.');
    return name[0] == '.' && len > 8 && dot && dot > name && (size_t)(name + len - dot) == 7;
}

int store_remove_temp_files(const char *dir, unsigned *ret_removed, verr *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : verr_errno(err, errno, "listing %s", dir);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!is_temp_name(de->d_name) || (de->d_type != DT_REG && de->d_type != DT_UNKNOWN))
            continue;
        if (unlinkat(dirfd(d), de->d_name, 0) == 0 && ret_removed)
            (*ret_removed)++;
    }
    closedir(d);
    return 0;
}

void store_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int store_list_definitions(const vnet_paths *p, char ***ret_names, size_t *ret_n, verr *err)
{
    return store_list_names(p->config_dir, ".xml", ret_names, ret_n, err);
}

char *store_definition_path(const vnet_paths *p, const char *name)
{
    return xasprintf("%s/%s.xml", p->config_dir, name);
}

int store_save_definition(const vnet_paths *p, const char *name, const char *xml, verr *err)
{
    _cleanup_free_ char *path = store_definition_path(p, name);
    if (store_mkdir_p(p->config_dir, 0755, err) < 0)
        return -1;
    if (store_write_atomic(path, xml, strlen(xml), 0644, err) < 0)
        return -1;
    /* The definition now holds every journaled change: fold the journal. */
    return store_journal_remove(p, name, err);
}

static char *store_autostart_path(const vnet_paths *p, const char *name)
{
    return xasprintf("%s/%s.xml", p->autostart_dir, name);
}

int store_delete_definition(const vnet_paths *p, const char *name, verr *err)
{
    if (store_autostart_set(p, name, false, err) < 0)
        return -1;
    _cleanup_free_ char *path = store_definition_path(p, name);
    if (store_unlink_durable(path, err) < 0)
        return -1;
    return store_journal_remove(p, name, err); /* a leftover is never read without NAME.xml */
}

int store_autostart_set(const vnet_paths *p, const char *name, bool on, verr *err)
{
    _cleanup_free_ char *link = store_autostart_path(p, name);
    if (!on)
        return store_unlink_durable(link, err);
    if (store_mkdir_p(p->autostart_dir, 0755, err) < 0)
        return -1;
    /* Create under a temporary name and rename over, so an existing link (or a
     * stale regular file) is replaced atomically. */
    _cleanup_free_ char *target = xasprintf("../%s.xml", name);
    _cleanup_free_ char *tmp = xasprintf("%s/.%s.xml.tmp", p->autostart_dir, name);
    unlink(tmp);
    if (symlink(target, tmp) < 0)
        return verr_errno(err, errno, "creating autostart link %s", link);
    if (rename(tmp, link) < 0) {
        verr_errno(err, errno, "creating autostart link %s", link);
        unlink(tmp);
        return -1;
    }
    return store_fsync_dir(p->autostart_dir, err);
}

bool store_autostart_get(const vnet_paths *p, const char *name)
{
    _cleanup_free_ char *link = store_autostart_path(p, name);
    struct stat st;
    return lstat(link, &st) == 0;
}

char *store_status_path(const vnet_paths *p, const char *name)
{
    return xasprintf("%s/%s.json", p->status_dir, name);
}

int store_list_status(const vnet_paths *p, char ***ret_names, size_t *ret_n, verr *err)
{
    return store_list_names(p->status_dir, ".json", ret_names, ret_n, err);
}

char *store_dnsmasq_path(const vnet_paths *p, const char *name, const char *ext)
{
    return xasprintf("%s/%s.%s", p->dnsmasq_dir, name, ext);
}

int store_save_status(const vnet_paths *p, const char *name, const char *json_text, verr *err)
{
    if (store_mkdir_p(p->status_dir, 0755, err) < 0)
        return -1;
    _cleanup_free_ char *path = store_status_path(p, name);
    return store_write_runtime(path, json_text, strlen(json_text), 0644, err);
}

int store_delete_status(const vnet_paths *p, const char *name, verr *err)
{
    _cleanup_free_ char *path = store_status_path(p, name);
    return store_unlink(path, err);
}

int store_lock_daemon(const vnet_paths *p, verr *err)
{
    if (store_mkdir_p(p->run_dir, 0755, err) < 0)
        return -1;
    _cleanup_free_ char *path = xasprintf("%s/vnetd.lock", p->run_dir);
    _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return verr_errno(err, errno, "opening lock file %s", path);
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            return verr_set(err, VERR_BUSY, "another vnetd is already running (lock %s is held)",
                            path);
        return verr_errno(err, errno, "locking %s", path);
    }
    return TAKE_FD(fd);
}

/* A network's forward journal: ROOT/etc/vnet/networks/NAME.journal.
 *
 * One line per change, appended and fdatasync'ed: a forward added or removed
 * costs one small durable write however large the definition is. The
 * definition stays the whole truth once the journal is folded into it: every
 * save of the definition (store_save_definition) removes the journal after
 * the new file is in place, so a crash leaves either the old definition plus
 * the journal, or the new definition plus a journal whose replay changes
 * nothing (netdef_forward_journal_apply is idempotent). A torn last line
 * (crash during the append) has no newline and is ignored.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

char *store_journal_path(const vnet_paths *p, const char *name)
{
    return xasprintf("%s/%s.journal", p->config_dir, name);
}

int store_journal_append(const vnet_paths *p, const char *name, const char *line, size_t *ret_size,
                         verr *err)
{
    _cleanup_free_ char *path = store_journal_path(p, name);
    _cleanup_close_ int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return verr_errno(err, errno, "opening %s", path);
    struct stat st;
    bool created = fstat(fd, &st) == 0 && st.st_size == 0;
    _cleanup_free_ char *text = xasprintf("%s\n", line);
    size_t len = strlen(text);
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return verr_errno(err, errno, "appending to %s", path);
        off += (size_t)w;
    }
    if (fdatasync(fd) < 0)
        return verr_errno(err, errno, "syncing %s", path);
    if (created) { /* a new file's directory entry must be durable too */
        _cleanup_close_ int dfd = open(p->config_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd) < 0)
            return verr_errno(err, errno, "syncing %s", p->config_dir);
    }
    if (ret_size)
        *ret_size = (size_t)st.st_size + len;
    return 0;
}

int store_journal_read(const vnet_paths *p, const char *name, char ***ret_lines, size_t *ret_n,
                       verr *err)
{
    *ret_lines = NULL;
    *ret_n = 0;
    _cleanup_free_ char *path = store_journal_path(p, name);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r = store_read_file(path, &text, &len, err);
    if (r <= 0)
        return r;
    char *s = text;
    for (char *nl; (nl = memchr(s, '\n', len - (size_t)(s - text))); s = nl + 1) {
        *nl = '\0';
        if (*s)
            *(char **)xarray_push(ret_lines, ret_n, sizeof(char *)) = xstrdup(s);
    }
    return 1;
}

int store_journal_remove(const vnet_paths *p, const char *name, verr *err)
{
    _cleanup_free_ char *path = store_journal_path(p, name);
    if (access(path, F_OK) < 0 && errno == ENOENT)
        return 0;
    return store_unlink_durable(path, err);
}

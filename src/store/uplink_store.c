#include "store/uplink_store.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/strbuf.h"

#define UPLINK_SUFFIX ".json"

char *uplink_store_dir(const vnet_paths *p)
{
    return xasprintf("%s/uplinks", p->data_dir);
}

static char *uplink_store_path(const vnet_paths *p, const char *bridge)
{
    return xasprintf("%s/uplinks/%s" UPLINK_SUFFIX, p->data_dir, bridge);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int uplink_store_list(const vnet_paths *p, char ***ret_names, size_t *ret_n, verr *err)
{
    _cleanup_free_ char *dir = uplink_store_dir(p);
    *ret_names = NULL;
    *ret_n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : verr_errno(err, errno, "reading directory %s", dir);
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name), sl = strlen(UPLINK_SUFFIX);
        if (de->d_name[0] == '.' || len <= sl || !streq(de->d_name + len - sl, UPLINK_SUFFIX))
            continue;
        *(char **)xarray_push(&names, &n, sizeof(char *)) = xstrndup(de->d_name, len - sl);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(char *), cmp_names);
    *ret_names = names;
    *ret_n = n;
    return 0;
}

int uplink_store_load(const vnet_paths *p, const char *bridge, char **ret_text, verr *err)
{
    _cleanup_free_ char *path = uplink_store_path(p, bridge);
    return store_read_file(path, ret_text, NULL, err);
}

int uplink_store_save(const vnet_paths *p, const char *bridge, const char *text, verr *err)
{
    _cleanup_free_ char *dir = uplink_store_dir(p);
    _cleanup_free_ char *path = uplink_store_path(p, bridge);
    if (store_mkdir_p(dir, 0755, err) < 0)
        return -1;
    return store_write_atomic(path, text, strlen(text), 0644, err);
}

int uplink_store_delete(const vnet_paths *p, const char *bridge, verr *err)
{
    _cleanup_free_ char *path = uplink_store_path(p, bridge);
    return store_unlink_durable(path, err);
}

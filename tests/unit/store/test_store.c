/* Unit tests for store/: paths, atomic writes, definitions, autostart links, status, lock. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "store/store.h"
#include "tests/unit/testlib.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static char tmpdir[] = "/tmp/vnet-store-test-XXXXXX";

static void test_paths(void)
{
    vnet_paths p;
    vnet_paths_init(&p, NULL);
    CHECK_STR(p.root, "");
    /* the build's directories (meson's sysconfdir, runstatedir, localstatedir) */
    CHECK_STR(p.config_dir, VNET_SYSCONFDIR "/vnet/networks");
    CHECK_STR(p.autostart_dir, VNET_SYSCONFDIR "/vnet/networks/autostart");
    CHECK_STR(p.status_dir, VNET_RUNSTATEDIR "/vnet/status");
    CHECK_STR(p.socket_path, VNET_RUNSTATEDIR "/vnet/vnetd.sock");
    CHECK_STR(p.dnsmasq_dir, VNET_LOCALSTATEDIR "/lib/vnet/dnsmasq");
    _cleanup_free_ char *lease = store_dnsmasq_path(&p, "default", "leases");
    CHECK_STR(lease, VNET_LOCALSTATEDIR "/lib/vnet/dnsmasq/default.leases");
    vnet_paths_free(&p);

    vnet_paths_init(&p, "/tmp/x//");
    CHECK_STR(p.root, "/tmp/x");
    CHECK_STR(p.run_dir, "/tmp/x" VNET_RUNSTATEDIR "/vnet");
    vnet_paths_free(&p);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    if (!d)
        return -1;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void test_atomic(const vnet_paths *p)
{
    verr err = VERR_INIT;
    CHECK(vnet_paths_mkdirs(p, &err) == 0);
    struct stat st;
    CHECK(stat(p->dnsmasq_dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0755);
    CHECK(vnet_paths_mkdirs(p, &err) == 0); /* idempotent */

    _cleanup_free_ char *f = xasprintf("%s/file.txt", p->run_dir);
    CHECK(store_write_atomic(f, "hello", 5, 0640, &err) == 0);
    CHECK(stat(f, &st) == 0 && (st.st_mode & 0777) == 0640 && st.st_size == 5);
    CHECK(store_write_atomic(f, "bye\n", 4, 0644, &err) == 0);
    char *data = NULL;
    size_t len = 0;
    CHECK(store_read_file(f, &data, &len, &err) == 1);
    CHECK(len == 4);
    CHECK_STR(data, "bye\n");
    free(data);
    /* No temporary files are left behind: run_dir has status/, file.txt. */
    CHECK(count_entries(p->run_dir) == 2);

    _cleanup_free_ char *missing = xasprintf("%s/nope", p->run_dir);
    data = NULL;
    CHECK(store_read_file(missing, &data, &len, &err) == 0);
    CHECK(data == NULL);
    CHECK(store_unlink(f, &err) == 0);
    CHECK(store_unlink(f, &err) == 0); /* absent is success */

    /* A write into a missing directory fails with a message naming it. */
    _cleanup_free_ char *bad = xasprintf("%s/no/such/file", p->run_dir);
    CHECK(store_write_atomic(bad, "x", 1, 0644, &err) == -1);
    CHECK(strstr(err.msg, "/no/such") != NULL);
    CHECK(err.kind == VERR_SYSTEM);
}

static void test_definitions(const vnet_paths *p)
{
    verr err = VERR_INIT;
    CHECK(store_save_definition(p, "lab", "<network><name>lab</name></network>\n", &err) == 0);
    CHECK(store_save_definition(p, "default", "<network/>\n", &err) == 0);
    CHECK(store_save_definition(p, "b-net", "<network/>\n", &err) == 0);
    _cleanup_free_ char *path = store_definition_path(p, "lab");
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);

    char **names;
    size_t n;
    CHECK(store_list_definitions(p, &names, &n, &err) == 0);
    CHECK(n == 3);
    if (n == 3) {
        CHECK_STR(names[0], "b-net");
        CHECK_STR(names[1], "default");
        CHECK_STR(names[2], "lab");
    }
    store_free_names(names, n);

    /* Leftover temporary files are not definitions. */
    _cleanup_free_ char *tmpf = xasprintf("%s/.lab.xml.Ab12Cd", p->config_dir);
    CHECK(store_write_atomic(tmpf, "x", 1, 0644, &err) == 0);
    CHECK(store_list_definitions(p, &names, &n, &err) == 0 && n == 3);
    store_free_names(names, n);
    CHECK(store_unlink(tmpf, &err) == 0);

    /* Autostart links: a relative symlink autostart/NAME.xml -> ../NAME.xml. */
    CHECK(!store_autostart_get(p, "lab"));
    CHECK(store_autostart_set(p, "lab", true, &err) == 0);
    CHECK(store_autostart_set(p, "lab", true, &err) == 0); /* idempotent */
    CHECK(store_autostart_get(p, "lab"));
    _cleanup_free_ char *link = xasprintf("%s/lab.xml", p->autostart_dir);
    char target[256] = "";
    ssize_t tl = readlink(link, target, sizeof(target) - 1);
    CHECK(tl > 0);
    CHECK_STR(target, "../lab.xml");
    CHECK(stat(link, &st) == 0 && S_ISREG(st.st_mode)); /* it resolves */
    CHECK(count_entries(p->autostart_dir) == 1);
    /* The autostart dir does not show up as a definition. */
    CHECK(store_list_definitions(p, &names, &n, &err) == 0 && n == 3);
    store_free_names(names, n);
    CHECK(store_autostart_set(p, "lab", false, &err) == 0);
    CHECK(!store_autostart_get(p, "lab"));
    CHECK(store_autostart_set(p, "lab", false, &err) == 0);

    CHECK(store_autostart_set(p, "b-net", true, &err) == 0);
    CHECK(store_delete_definition(p, "b-net", &err) == 0);
    CHECK(!store_autostart_get(p, "b-net"));
    CHECK(store_delete_definition(p, "b-net", &err) == 0);
    CHECK(store_list_definitions(p, &names, &n, &err) == 0 && n == 2);
    store_free_names(names, n);
}

static void test_status(const vnet_paths *p)
{
    verr err = VERR_INIT;
    char **names;
    size_t n;
    CHECK(store_list_status(p, &names, &n, &err) == 0 && n == 0);
    store_free_names(names, n);
    CHECK(store_save_status(p, "lab", "{\"name\":\"lab\"}", &err) == 0);
    CHECK(store_save_status(p, "default", "{}", &err) == 0);
    CHECK(store_list_status(p, &names, &n, &err) == 0 && n == 2);
    if (n == 2) {
        CHECK_STR(names[0], "default");
        CHECK_STR(names[1], "lab");
    }
    store_free_names(names, n);
    _cleanup_free_ char *sp = store_status_path(p, "lab");
    char *data = NULL;
    CHECK(store_read_file(sp, &data, NULL, &err) == 1);
    CHECK_STR(data, "{\"name\":\"lab\"}");
    free(data);
    CHECK(store_delete_status(p, "lab", &err) == 0);
    CHECK(store_delete_status(p, "lab", &err) == 0);
    CHECK(store_list_status(p, &names, &n, &err) == 0 && n == 1);
    store_free_names(names, n);
}

static void test_lock(const vnet_paths *p)
{
    verr err = VERR_INIT;
    int fd = store_lock_daemon(p, &err);
    CHECK(fd >= 0);
    int fd2 = store_lock_daemon(p, &err);
    CHECK(fd2 == -1);
    CHECK(err.kind == VERR_BUSY);
    close(fd);
    fd2 = store_lock_daemon(p, &err);
    CHECK(fd2 >= 0);
    close(fd2);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_paths();
    vnet_paths p;
    vnet_paths_init(&p, tmpdir);
    test_atomic(&p);
    test_definitions(&p);
    test_status(&p);
    test_lock(&p);
    vnet_paths_free(&p);
    _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return testlib_done("store");
}

/* Files on disk: paths under one prefix, atomic writes, definitions, autostart
 * links and status files.
 *
 *   config:  ROOT/etc/vnet/networks/NAME.xml, autostart links in .../autostart/
 *   runtime: ROOT/run/vnet/  (vnetd.sock, status/NAME.json, NAME.pid)
 *   data:    ROOT/var/lib/vnet/dnsmasq/  (NAME.conf, NAME.hostsfile, NAME.addnhosts, NAME.leases)
 * ROOT is "" for a real install, or the --root DIR given to vnetd / vnet.
 * /etc, /run and /var are the build's sysconfdir, runstatedir and
 * localstatedir (meson options; these are the defaults with prefix /usr).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

typedef struct vnet_paths {
    char *root;          /* "" or DIR, no trailing slash */
    char *config_dir;    /* ROOT/etc/vnet/networks */
    char *autostart_dir; /* ROOT/etc/vnet/networks/autostart */
    char *run_dir;       /* ROOT/run/vnet */
    char *status_dir;    /* ROOT/run/vnet/status */
    char *socket_path;   /* ROOT/run/vnet/vnetd.sock */
    char *data_dir;      /* ROOT/var/lib/vnet */
    char *dnsmasq_dir;   /* ROOT/var/lib/vnet/dnsmasq */
} vnet_paths;

/* root NULL or "" = system paths. Does not touch the disk. */
void vnet_paths_init(vnet_paths *p, const char *root);
void vnet_paths_free(vnet_paths *p);
/* Create every directory (0755, so dnsmasq's unprivileged user can traverse). */
int vnet_paths_mkdirs(const vnet_paths *p, verr *err);

/* Write a file atomically: temp file, rename over. With STORE_DURABLE also
 * fsync the file before the rename and the directory after it. */
enum { STORE_DURABLE = 1 << 0 };
int store_write_file(const char *path, const char *data, size_t len, mode_t mode, unsigned flags,
                     verr *err);
/* Durable atomic write: for definitions and anything not derived from them. */
int store_write_atomic(const char *path, const char *data, size_t len, mode_t mode, verr *err);
/* Atomic but not fsynced: for runtime files regenerated from definitions
 * (dnsmasq config and hosts files, status files under /run). A crash can lose
 * the newest version, never leave a torn one. */
int store_write_runtime(const char *path, const char *data, size_t len, mode_t mode, verr *err);
/* Read a whole file (NUL-terminated). 1 read, 0 absent (ENOENT), -1 error. */
int store_read_file(const char *path, char **ret, size_t *ret_len, verr *err);
int store_unlink(const char *path, verr *err); /* absent is success */
int store_unlink_durable(const char *path, verr *err); /* and fsync the directory */
int store_mkdir_p(const char *path, mode_t mode, verr *err);

/* Definitions: names of NAME.xml files in config_dir, sorted. */
int store_list_definitions(const vnet_paths *p, char ***ret_names, size_t *ret_n, verr *err);
void store_free_names(char **names, size_t n);
/* Remove the temporary files a crash in the middle of store_write_file left
 * in dir (".NAME.XXXXXX"). Only for a directory nobody is writing to now. */
int store_remove_temp_files(const char *dir, unsigned *ret_removed, verr *err);
/* Names NAME of the files NAME<suffix> in dir, sorted; a missing dir is empty. */
int store_list_names(const char *dir, const char *suffix, char ***ret_names, size_t *ret_n,
                     verr *err);
char *store_definition_path(const vnet_paths *p, const char *name);
int store_save_definition(const vnet_paths *p, const char *name, const char *xml, verr *err);
int store_delete_definition(const vnet_paths *p, const char *name, verr *err);

/* The forward journal of a network (journal.c): NAME.journal beside the
 * definition. Append one line durably (*ret_size: the file's size after);
 * read the complete lines (1 read, 0 absent, -1 error; free with
 * store_free_names); remove it. store_save_definition and
 * store_delete_definition remove it. */
char *store_journal_path(const vnet_paths *p, const char *name);
int store_journal_append(const vnet_paths *p, const char *name, const char *line,
                         size_t *ret_size, verr *err);
int store_journal_read(const vnet_paths *p, const char *name, char ***ret_lines, size_t *ret_n,
                       verr *err);
int store_journal_remove(const vnet_paths *p, const char *name, verr *err);

int store_autostart_set(const vnet_paths *p, const char *name, bool on, verr *err);
bool store_autostart_get(const vnet_paths *p, const char *name);

/* Status files (JSON text, written by the daemon for each active network). */
char *store_status_path(const vnet_paths *p, const char *name);
int store_list_status(const vnet_paths *p, char ***ret_names, size_t *ret_n, verr *err);
/* Write / remove ROOT/run/vnet/status/NAME.json (atomic, 0644; absent is success). */
int store_save_status(const vnet_paths *p, const char *name, const char *json_text, verr *err);
int store_delete_status(const vnet_paths *p, const char *name, verr *err);

/* Take the daemon's lock (flock on ROOT/run/vnet/vnetd.lock, non-blocking).
 * Returns the fd to keep open; VERR_BUSY when another process holds it. */
int store_lock_daemon(const vnet_paths *p, verr *err);

/* Path helpers for dnsmasq files: ROOT/var/lib/vnet/dnsmasq/NAME.EXT */
char *store_dnsmasq_path(const vnet_paths *p, const char *name, const char *ext);

/* Re-reading the definitions directory (vnet reload, SIGHUP): definitions
 * added, changed or removed by hand take effect as define/undefine would make
 * them, and a file that no longer parses changes nothing — its network keeps
 * its last good definition (and keeps running) while the problem, with file
 * and line, is kept in d->def_problems for list, info and doctor. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

/* {"file", "line", "error"} from a parse error "PATH:LINE: message". */
static json_t *problem_json(const char *path, const char *msg)
{
    json_t *p = json_object();
    json_object_set_new(p, "file", json_string(path));
    size_t len = strlen(path);
    long line = 0;
    if (strncmp(msg, path, len) == 0 && msg[len] == ':')
        line = strtol(msg + len + 1, NULL, 10);
    if (line > 0)
        json_object_set_new(p, "line", json_integer(line));
    json_object_set_new(p, "error", json_string(msg));
    return p;
}

void reload_record_problem(vnetd *d, json_t *problems, const char *name, const char *path,
                           const char *msg)
{
    log_err("%s: %s", path, msg);
    json_t *p = problem_json(path, msg);
    vnet_net *n = registry_find(d, name);
    if (n && n->live_is_config) {
        /* its status file refers to the definition file, which no longer
         * holds the running definition: keep that in the status file */
        verr err = VERR_INIT;
        n->live_is_config = false;
        if (registry_save_status(d, n, &err) < 0)
            log_err("%s", err.msg);
    }
    if (n && n->config)
        json_object_set_new(p, "keeps",
                            json_string(net_active(n) ? "running on its last good "
                                                        "definition"
                                                      : "its last good definition"));
    json_object_set_new(problems, name, p);
}

/* A transient network of that name becomes persistent; a persistent one
 * gets the new saved definition (the running network keeps its own until it
 * is restarted, as after define). Takes `def` (freed on failure). */
static int take_definition(vnetd *d, vnet_net *n, netdef *def, verr *err)
{
    if (n->live_is_config) {
        /* the status file must hold the running definition before the saved
         * one changes */
        n->live_is_config = false;
        if (registry_save_status(d, n, err) < 0) {
            netdef_free(def);
            return -1;
        }
    }
    bool was_transient = !n->config;
    netdef_free(n->config);
    n->config = def;
    if (was_transient && net_active(n))
        return registry_save_status(d, n, err); /* it says transient: no more */
    return 0;
}

typedef struct reload_counts {
    json_t *added, *changed, *removed; /* names */
} reload_counts;

/* Read one NAME.xml; VERR with the file's message when it does not parse or
 * does not fit the other networks. */
static int reload_one(vnetd *d, const char *name, reload_counts *c, json_t *problems)
{
    _cleanup_free_ char *path = store_definition_path(&d->paths, name);
    _cleanup_(netdef_freep) netdef *def = NULL;
    verr err = VERR_INIT;
    if (netdef_parse_file(path, &def, &err) < 0) {
        reload_record_problem(d, problems, name, path, err.msg);
        return -1;
    }
    if (!streq(def->name, name)) {
        _cleanup_free_ char *msg = xasprintf("%s: it defines network '%s', not '%s' (the file "
                                             "name must be the network's name)",
                                             path, def->name, name);
        reload_record_problem(d, problems, name, path, msg);
        return -1;
    }
    /* Forward changes since the file was written live in its journal. */
    forward_journal_replay(d, def);
    vnet_net *n = registry_find(d, name);
    if (n && n->config) {
        _cleanup_free_ char *old = netdef_format(n->config, NETDEF_FORMAT_INACTIVE);
        if (!def->has_uuid) {
            memcpy(def->uuid, n->uuid, 16);
            def->has_uuid = true;
        }
        _cleanup_free_ char *now = netdef_format(def, NETDEF_FORMAT_INACTIVE);
        if (streq(old, now))
            goto autostart;
    }
    if (n && def->has_uuid && memcmp(def->uuid, n->uuid, 16) != 0) {
        _cleanup_free_ char *msg = xasprintf("%s: the UUID of network '%s' cannot change while "
                                             "it is known to vnetd; undefine it first",
                                             path, name);
        reload_record_problem(d, problems, name, path, msg);
        return -1;
    }
    bool complete =
        def->has_uuid && (!netdef_is_managed_bridge(def) ||
                          (def->has_mac && def->bridge_name && !strchr(def->bridge_name, '%')));
    if (registry_fill_def(d, def, n, &err) < 0 ||
        registry_check_conflicts(d, def, true, &err) < 0) {
        _cleanup_free_ char *msg = xasprintf("%s: %s", path, err.msg);
        reload_record_problem(d, problems, name, path, msg);
        return -1;
    }
    if (!complete && registry_save_config(d, def, &err) < 0)
        log_warn("%s", err.msg);
    bool added = !n || !n->config;
    if (!n) {
        n = registry_add(d, name);
        memcpy(n->uuid, def->uuid, 16);
    }
    if (take_definition(d, n, TAKE_PTR(def), &err) < 0) {
        log_err("%s", err.msg);
        return -1;
    }
    json_array_append_new(added ? c->added : c->changed, json_string(name));
    log_info("network '%s' %s by hand (%s)", name, added ? "defined" : "changed", path);
    events_emit_net(d, VNET_EV_DEFINED, n->name, n->uuid, "definition file read on reload");
autostart:
    if (n)
        n->autostart = store_autostart_get(&d->paths, name);
    return 0;
}

/* A persistent network whose file is gone: undefined, as by undefine (an
 * active one keeps running, transient). */
static void reload_gone(vnetd *d, vnet_net *n, reload_counts *c)
{
    verr err = VERR_INIT;
    json_array_append_new(c->removed, json_string(n->name));
    log_info("network '%s' undefined by hand (its file is gone)", n->name);
    events_emit_net(d, VNET_EV_UNDEFINED, n->name, n->uuid, "definition file removed");
    store_autostart_set(&d->paths, n->name, false, &err);
    n->autostart = false;
    if (!net_active(n)) {
        registry_remove(d, n);
        return;
    }
    netdef *config = n->config;
    n->config = NULL;
    n->live_is_config = false;
    if (registry_save_status(d, n, &err) < 0)
        log_err("%s", err.msg);
    netdef_free(config);
}

static bool name_listed(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (streq(names[i], name))
            return true;
    return false;
}

json_t *reload_definitions(vnetd *d, verr *err)
{
    char **names = NULL;
    size_t n = 0;
    if (store_list_definitions(&d->paths, &names, &n, err) < 0)
        return NULL;
    reload_counts c = {json_array(), json_array(), json_array()};
    json_t *problems = json_object();
    for (size_t i = 0; i < n; i++) {
        vnet_net *net = registry_find(d, names[i]);
        if (net && net_busy(net)) { /* changes when it is up (down): the next reload reads it */
            log_info("reload: network '%s' is starting or stopping; its file is read on the "
                     "next reload",
                     names[i]);
            continue;
        }
        reload_one(d, names[i], &c, problems);
    }
    for (size_t i = d->n_nets; i-- > 0;) {
        vnet_net *net = d->nets[i];
        if (net->config && !net_busy(net) && !name_listed(names, n, net->name))
            reload_gone(d, net, &c);
    }
    store_free_names(names, n);
    json_decref(d->def_problems);
    d->def_problems = json_incref(problems);
    json_t *r = json_object();
    json_object_set_new(r, "added", c.added);
    json_object_set_new(r, "changed", c.changed);
    json_object_set_new(r, "removed", c.removed);
    json_object_set_new(r, "problems", problems);
    log_info("definitions reloaded: %zu added, %zu changed, %zu removed, %zu with problems",
             json_array_size(c.added), json_array_size(c.changed), json_array_size(c.removed),
             json_object_size(problems));
    return r;
}

json_t *reload_problem_of(vnetd *d, const char *name)
{
    return d->def_problems ? json_object_get(d->def_problems, name) : NULL;
}

/* ---- hand edits seen as they happen ----
 * A running network whose status file refers to its definition file
 * (live_is_config) must not lose its running definition when that file is
 * edited by hand: a vnetd restart would otherwise adopt whatever the file now
 * says, or nothing if it no longer parses. So a change to the file by anyone
 * but vnetd makes the status file hold the running definition itself. vnetd's
 * own writes are told apart by the file's identity right after them. */

static char *file_identity(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return NULL;
    return xasprintf("%llu:%lld.%09ld:%lld", (unsigned long long)st.st_ino,
                     (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_size);
}

void reload_note_own_write(vnetd *d, const char *name)
{
    _cleanup_free_ char *path = store_definition_path(&d->paths, name);
    _cleanup_free_ char *id = file_identity(path);
    if (!d->own_writes)
        d->own_writes = json_object();
    if (id)
        json_object_set_new(d->own_writes, name, json_string(id));
    else
        json_object_del(d->own_writes, name);
}

static int config_dir_changed(sd_event_source *s, const struct inotify_event *ev, void *userdata)
{
    vnetd *d = userdata;
    size_t len = ev->len ? strlen(ev->name) : 0;
    if (len <= 4 || strcmp(ev->name + len - 4, ".xml") != 0 || ev->name[0] == '.')
        return 0;
    _cleanup_free_ char *name = xstrndup(ev->name, len - 4);
    vnet_net *n = registry_find(d, name);
    if (n && n->starting) { /* it will run what it started with, whatever the file says now */
        starting_forget_config(n);
        return 0;
    }
    if (!n || !n->live_is_config)
        return 0;
    _cleanup_free_ char *path = store_definition_path(&d->paths, name);
    _cleanup_free_ char *id = file_identity(path);
    const char *own =
        d->own_writes ? json_string_value(json_object_get(d->own_writes, name)) : NULL;
    if (id && own && streq(id, own))
        return 0;
    verr err = VERR_INIT;
    n->live_is_config = false;
    if (registry_save_status(d, n, &err) < 0)
        log_err("%s", err.msg);
    log_info("%s changed on disk; network '%s' keeps running its definition ('vnet reload' "
             "reads the file)",
             path, name);
    return 0;
}

int reload_watch(vnetd *d, verr *err)
{
    int r = sd_event_add_inotify(d->event, NULL, d->paths.config_dir,
                                 IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE,
                                 config_dir_changed, d);
    if (r < 0) {
        log_warn("cannot watch %s (%s); hand edits are noticed on reload only", d->paths.config_dir,
                 strerror(-r));
    }
    return 0;
}

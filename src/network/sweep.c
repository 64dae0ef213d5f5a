/* The sweep: find what vnet made on the host that no active network owns, and
 * remove it. Run at daemon start (after the active networks are adopted) and
 * on every periodic check, so a crash at any point of any operation leaves
 * nothing that vnet cannot show or remove.
 *
 * What is looked at, and how it is recognised as vnet's:
 *   bridges    the ifalias mark "vnet:NAME" (also on a bridge renamed
 *              vnetgcN by a background delete), or a ROOT/run/vnet/NAME.creating
 *              journal naming a bridge created but not yet marked;
 *   ifbs       ifb devices with the ifalias mark "vnet-ifb:BRIDGE" (<bandwidth>
 *              <outbound>), kept while an active network shapes BRIDGE;
 *   tables     inet tables named by fw_table_name_of (vnet-BRIDGE, vnet_ESCAPED),
 *              and netdev tables of the same names (an earlier vnet's
 *              <bandwidth> limits: all removed);
 *
 * Bridges without the mark are never removed: host bridges that networks of
 * <forward mode='bridge'> use, and the bridges of uplinks (vnet uplink-*),
 * which are the host's.
 *   dnsmasq    processes with --conf-file=DNSMASQ_DIR/NAME.conf;
 *   files      NAME.conf/.hostsfile/.addnhosts/.leases and NAME.pid, and the
 *              temporary files of writes a crash interrupted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dnsmasq/dnsmasq.h"
#include "firewall/firewall.h"
#include "netdev/netdev.h"
#include "network/bandwidth.h"
#include "network/network.h"
#include "network/status.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

typedef struct sweep {
    const network_env *env;
    const network_owned *owned;
    size_t n;
    unsigned removed;
    verr first;
} sweep;

static const network_owned *owner(const sweep *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (streq(s->owned[i].name, name))
            return &s->owned[i];
    return NULL;
}

static bool bridge_owned(const sweep *s, const char *bridge)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->owned[i].bridge && streq(s->owned[i].bridge, bridge))
            return true;
    return false;
}

static void note_failure(sweep *s, verr *e)
{
    log_warn("sweep: %s", e->msg);
    if (!verr_is_set(&s->first))
        s->first = *e;
    verr_clear(e);
}

static void remove_link(sweep *s, const char *kind, const char *ifname, const char *why)
{
    verr e = VERR_INIT;
    log_info("sweep: deleting %s %s (%s)", kind, ifname, why);
    if (netdev_link_delete(ifname, &e) < 0)
        note_failure(s, &e);
    else
        s->removed++;
}

/* Journals of bridges created but maybe not marked: the bridge they name is
 * ours unless an active network runs on it. */
static void sweep_journals(sweep *s)
{
    char **names = NULL;
    size_t n = 0;
    verr e = VERR_INIT;
    if (store_list_names(s->env->paths->run_dir, ".creating", &names, &n, &e) < 0) {
        note_failure(s, &e);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *path = network_creating_path(s->env, names[i]);
        _cleanup_free_ char *bridge = NULL;
        size_t len = 0;
        if (store_read_file(path, &bridge, &len, NULL) > 0 && !bridge_owned(s, bridge)) {
            netdev_link link;
            _cleanup_free_ char *mark = network_bridge_mark(names[i]);
            if (netdev_link_get(bridge, &link, NULL) > 0 && streq(link.kind, "bridge") &&
                (!link.alias[0] || streq(link.alias, mark)))
                remove_link(s, "bridge", bridge, "created by a start that did not finish");
        }
        store_unlink(path, NULL);
    }
    store_free_names(names, n);
}

/* An ifb device marked "vnet-ifb:BRIDGE": kept while an active network shapes
 * that bridge (its own or a host bridge) and it has the name vnet gives it. */
static void sweep_ifb(sweep *s, const netdev_link *l)
{
    const char *bridge = l->alias + strlen(NETWORK_IFB_ALIAS);
    char want[IF_NAMESIZE];
    for (size_t k = 0; k < s->n; k++)
        if (s->owned[k].shaped && streq(s->owned[k].shaped, bridge) &&
            streq(l->name, network_bandwidth_ifb_name(bridge, want, sizeof(want))))
            return;
    remove_link(s, "ifb device", l->name, "no active network shapes its bridge");
}

static void sweep_links(sweep *s)
{
    _cleanup_free_ netdev_link *links = NULL;
    size_t n = 0;
    verr e = VERR_INIT;
    if (netdev_link_list(&links, &n, &e) < 0) {
        note_failure(s, &e);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const netdev_link *l = &links[i];
        if (streq(l->kind, "ifb") && strncmp(l->alias, NETWORK_IFB_ALIAS, strlen(NETWORK_IFB_ALIAS)) == 0) {
            sweep_ifb(s, l);
            continue;
        }
        if (strncmp(l->alias, "vnet:", 5) != 0 || !streq(l->kind, "bridge"))
            continue;
        const network_owned *o = owner(s, l->alias + 5);
        if (o && o->bridge && streq(o->bridge, l->name))
            continue;
        remove_link(s, "bridge", l->name, o ? "no longer the network's bridge" : "its network is not active");
    }
}

static void sweep_tables(sweep *s)
{
    char **tables = NULL;
    size_t n = 0;
    verr e = VERR_INIT;
    if (fw_vnet_tables(&tables, &n, &e) < 0) {
        note_failure(s, &e);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        bool keep = false;
        for (size_t k = 0; k < s->n && !keep; k++) {
            char name[FW_TABLE_NAME_MAX];
            keep = s->owned[k].table && s->owned[k].bridge &&
                   streq(tables[i], fw_table_name_of(s->owned[k].bridge, name, sizeof(name)));
        }
        if (!keep) {
            log_info("sweep: deleting table inet %s (no active network owns it)", tables[i]);
            if (fw_table_delete(tables[i], &e) < 0)
                note_failure(s, &e);
            else
                s->removed++;
        }
    }
    store_free_names(tables, n);
}

/* The netdev tables that held an earlier vnet's <outbound> limits: none is
 * wanted now (the ifb devices shape that direction). */
static void sweep_netdev_tables(sweep *s)
{
    char **tables = NULL;
    size_t n = 0;
    verr e = VERR_INIT;
    if (fw_vnet_netdev_tables(&tables, &n, &e) < 0) {
        note_failure(s, &e);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        log_info("sweep: deleting table netdev %s (vnet shapes with ifb devices now)", tables[i]);
        if (fw_netdev_table_delete(tables[i], &e) < 0)
            note_failure(s, &e);
        else
            s->removed++;
    }
    store_free_names(tables, n);
}

static void sweep_dnsmasq(sweep *s)
{
    _cleanup_free_ dnsmasq_proc *procs = NULL;
    size_t n = 0;
    verr e = VERR_INIT;
    if (dnsmasq_find_all(s->env->paths->dnsmasq_dir, &procs, &n, &e) < 0) {
        note_failure(s, &e);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const network_owned *o = owner(s, procs[i].name);
        if (o && o->dnsmasq_pid == procs[i].pid)
            continue;
        log_info("sweep: stopping dnsmasq pid %d of '%s' (%s)", (int)procs[i].pid, procs[i].name,
                 o ? "not the network's dnsmasq" : "its network is not active");
        if (dnsmasq_stop(procs[i].pid, &e) < 0)
            note_failure(s, &e);
        else
            s->removed++;
    }
}

/* Runtime files of networks that are not active (config, hosts, leases, pid). */
static void sweep_files(sweep *s)
{
    static const char *const exts[] = {".conf", ".hostsfile", ".addnhosts", ".leases"};
    for (size_t k = 0; k < ARRAY_SIZE(exts); k++) {
        char **names = NULL;
        size_t n = 0;
        if (store_list_names(s->env->paths->dnsmasq_dir, exts[k], &names, &n, NULL) < 0)
            continue;
        for (size_t i = 0; i < n; i++) {
            if (owner(s, names[i]))
                continue;
            _cleanup_free_ char *path = store_dnsmasq_path(s->env->paths, names[i], exts[k] + 1);
            store_unlink(path, NULL);
        }
        store_free_names(names, n);
    }
    char **names = NULL;
    size_t n = 0;
    if (store_list_names(s->env->paths->run_dir, ".pid", &names, &n, NULL) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        if (owner(s, names[i]))
            continue;
        _cleanup_free_ char *path = net_pidfile_path(s->env->paths, names[i]);
        store_unlink(path, NULL);
    }
    store_free_names(names, n);
    const char *dirs[] = {s->env->paths->run_dir, s->env->paths->status_dir,
                          s->env->paths->dnsmasq_dir, s->env->paths->config_dir};
    for (size_t k = 0; k < ARRAY_SIZE(dirs); k++)
        store_remove_temp_files(dirs[k], &s->removed, NULL);
}

int network_sweep(const network_env *env, const network_owned *owned, size_t n,
                  unsigned *ret_removed, verr *err)
{
    sweep s = {.env = env, .owned = owned, .n = n, .first = VERR_INIT};
    sweep_dnsmasq(&s); /* first: a dnsmasq holds its bridge's addresses */
    sweep_journals(&s);
    sweep_links(&s);
    sweep_tables(&s);
    sweep_netdev_tables(&s);
    sweep_files(&s);
    if (ret_removed)
        *ret_removed = s.removed;
    if (verr_is_set(&s.first)) {
        if (err)
            *err = s.first;
        return -1;
    }
    return 0;
}

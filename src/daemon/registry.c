/* The networks vnetd knows: definitions and live state, kept sorted by name so
 * list/info are served from memory without touching the disk. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "daemon/daemon.h"
#include "network/status.h"
#include "daemon/events.h"
#include "daemon/ports.h"
#include "netdev/netdev.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

vnet_net *registry_find(vnetd *d, const char *name)
{
    for (size_t i = 0; i < d->n_nets; i++)
        if (streq(d->nets[i]->name, name))
            return d->nets[i];
    return NULL;
}

vnet_net *registry_find_uuid(vnetd *d, const uint8_t uuid[16])
{
    for (size_t i = 0; i < d->n_nets; i++)
        if (memcmp(d->nets[i]->uuid, uuid, 16) == 0)
            return d->nets[i];
    return NULL;
}

vnet_net *registry_get(vnetd *d, const char *name, verr *err)
{
    vnet_net *n = registry_find(d, name);
    uint8_t uuid[16];
    /* virsh takes a UUID wherever it takes a name */
    if (!n && netdef_uuid_parse(name, uuid) == 0)
        n = registry_find_uuid(d, uuid);
    if (!n)
        verr_set(err, VERR_NOT_FOUND, "Network not found: no network with matching name '%s'",
                 name);
    return n;
}

vnet_net *registry_add(vnetd *d, const char *name)
{
    vnet_net *n = xcalloc(1, sizeof(*n));
    n->name = xstrdup(name);
    n->daemon = d;
    size_t pos = 0;
    while (pos < d->n_nets && strcmp(d->nets[pos]->name, name) < 0)
        pos++;
    d->nets = xrealloc(d->nets, (d->n_nets + 1) * sizeof(*d->nets));
    memmove(d->nets + pos + 1, d->nets + pos, (d->n_nets - pos) * sizeof(*d->nets));
    d->nets[pos] = n;
    d->n_nets++;
    return n;
}

static void net_free(vnet_net *n)
{
    sd_event_source_disable_unref(n->dnsmasq_watch); /* (owns its pidfd) */
    health_forget(n);
    supervise_forget_ports(n);
    sd_event_source_disable_unref(n->repair_timer);
    free(n->repair_reason);
    free(n->last_repair);
    json_decref(n->findings);
    netdef_free(n->config);
    netdef_free(n->live);
    net_run_clear(&n->run);
    free(n->name);
    free(n);
}

void registry_remove(vnetd *d, vnet_net *net)
{
    for (size_t i = 0; i < d->n_nets; i++) {
        if (d->nets[i] != net)
            continue;
        memmove(d->nets + i, d->nets + i + 1, (d->n_nets - i - 1) * sizeof(*d->nets));
        d->n_nets--;
        break;
    }
    net_free(net);
}

void registry_free_all(vnetd *d)
{
    for (size_t i = 0; i < d->n_nets; i++)
        net_free(d->nets[i]);
    free(d->nets);
    d->nets = NULL;
    d->n_nets = 0;
}

const netdef *net_current(const vnet_net *n)
{
    return n->live ? n->live : n->config ? n->config : n->starting_def;
}

const char *net_bridge(const vnet_net *n)
{
    const netdef *def = net_current(n);
    return def ? def->bridge_name : NULL;
}

int registry_random_bytes(void *buf, size_t len, verr *err)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t r = getrandom(p, len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return verr_errno(err, errno, "getrandom");
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

/* Is a bridge name taken by a network other than `self` (saved or live)? */
static bool bridge_used_by_other(vnetd *d, const char *bridge, const vnet_net *self,
                                 const char *self_name)
{
    for (size_t i = 0; i < d->n_nets; i++) {
        vnet_net *n = d->nets[i];
        if (n == self || (self_name && streq(n->name, self_name)))
            continue;
        if (n->config && n->config->bridge_name && streq(n->config->bridge_name, bridge))
            return true;
        if (n->live && n->live->bridge_name && streq(n->live->bridge_name, bridge))
            return true;
        if (n->starting_def && n->starting_def->bridge_name &&
            streq(n->starting_def->bridge_name, bridge))
            return true;
    }
    return false;
}

/* A bridge template must hold exactly one "%d" and no other conversion. */
static bool bridge_template_ok(const char *t)
{
    const char *pct = strchr(t, '%');
    return pct && pct[1] == 'd' && !strchr(pct + 2, '%');
}

/* Lowest N such that template(N) is used by no other network and no host link. */
static int bridge_allocate(vnetd *d, netdef *def, const char *tmpl, const vnet_net *self, verr *err)
{
    for (unsigned i = 0; i < 4096; i++) {
        char name[IF_NAMESIZE + 8];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(name, sizeof(name), tmpl, i);
#pragma GCC diagnostic pop
        if (strlen(name) >= IF_NAMESIZE)
            break;
        if (bridge_used_by_other(d, name, self, def->name))
            continue;
        netdev_link link;
        int r = netdev_link_get(name, &link, err);
        if (r < 0)
            return verr_prefix(err, "choosing a bridge name for network '%s'", def->name);
        if (r > 0)
            continue;
        free(def->bridge_name);
        def->bridge_name = xstrdup(name);
        return 0;
    }
    return verr_set(err, VERR_BUSY, "no free bridge name of the form '%s' for network '%s'", tmpl,
                    def->name);
}

int registry_fill_def(vnetd *d, netdef *def, const vnet_net *self, verr *err)
{
    const netdef *prev = self ? (self->config ? self->config : self->live) : NULL;
    if (!def->has_uuid) {
        if (self)
            memcpy(def->uuid, self->uuid, 16);
        else if (registry_random_bytes(def->uuid, 16, err) < 0)
            return -1;
        if (!self) {
            def->uuid[6] = (uint8_t)((def->uuid[6] & 0x0f) | 0x40); /* version 4 */
            def->uuid[8] = (uint8_t)((def->uuid[8] & 0x3f) | 0x80); /* RFC 4122 variant */
        }
        def->has_uuid = true;
    }
    if (!netdef_is_managed_bridge(def) || netdef_is_ovn(def)) /* OVN: no host bridge */
        return 0;
    if (!def->has_mac) {
        if (prev && prev->has_mac) {
            memcpy(def->mac, prev->mac, 6);
        } else {
            def->mac[0] = 0x52, def->mac[1] = 0x54, def->mac[2] = 0x00;
            if (registry_random_bytes(def->mac + 3, 3, err) < 0)
                return -1;
        }
        def->has_mac = true;
    }
    if (!def->bridge_name && prev && prev->bridge_name && !strchr(prev->bridge_name, '%'))
        def->bridge_name = xstrdup(prev->bridge_name);
    if (!def->bridge_name)
        return bridge_allocate(d, def, "virbr%d", self, err);
    if (strchr(def->bridge_name, '%')) {
        if (!bridge_template_ok(def->bridge_name))
            return verr_set(err, VERR_INVALID,
                            "bridge name template '%s' must contain exactly one '%%d'",
                            def->bridge_name);
        _cleanup_free_ char *tmpl = xstrdup(def->bridge_name);
        return bridge_allocate(d, def, tmpl, self, err);
    }
    return 0;
}

int registry_check_conflicts(vnetd *d, const netdef *def, bool check_bridge, verr *err)
{
    char ubuf[37];
    for (size_t i = 0; i < d->n_nets; i++) {
        vnet_net *n = d->nets[i];
        if (streq(n->name, def->name))
            continue;
        if (memcmp(n->uuid, def->uuid, 16) == 0)
            return verr_set(err, VERR_EXISTS,
                            "operation failed: network '%s' is already defined with uuid %s",
                            n->name, netdef_uuid_str(def, ubuf));
    }
    if (check_bridge && def->bridge_name && netdef_is_managed_bridge(def)) {
        for (size_t i = 0; i < d->n_nets; i++) {
            vnet_net *n = d->nets[i];
            if (streq(n->name, def->name))
                continue;
            const netdef *defs[] = {n->config, n->live, n->starting_def};
            for (size_t k = 0; k < ARRAY_SIZE(defs); k++)
                if (defs[k] && defs[k]->bridge_name && netdef_is_managed_bridge(defs[k]) &&
                    streq(defs[k]->bridge_name, def->bridge_name))
                    return verr_set(err, VERR_EXISTS,
                                    "operation failed: bridge name '%s' is already in use by "
                                    "network '%s'",
                                    def->bridge_name, n->name);
        }
        return claims_check_definition(d, def, err); /* host ports are claimed the same way */
    }
    return 0;
}

int registry_save_config(vnetd *d, const netdef *def, verr *err)
{
    _cleanup_free_ char *xml = netdef_format(def, NETDEF_FORMAT_INACTIVE);
    if (strlen(xml) > NETDEF_XML_MAX)
        return verr_set(err, VERR_UNSUPPORTED,
                        "network '%s': its definition would be larger than %d bytes "
                        "(%zu forwards); forward port ranges instead of single ports",
                        def->name, NETDEF_XML_MAX, def->n_port_forwards);
    if (store_save_definition(&d->paths, def->name, xml, err) < 0)
        return verr_prefix(err, "saving network '%s'", def->name);
    reload_note_own_write(d, def->name);
    return 0;
}

int registry_save_status(vnetd *d, vnet_net *net, verr *err)
{
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(net->name));
    if (net->live_is_config && net->config) {
        json_object_set_new(j, "def_is_config", json_true());
    } else {
        _cleanup_free_ char *xml = netdef_format(net->live, 0);
        json_object_set_new(j, "def", json_string(xml));
    }
    json_object_set_new(j, "status", net_run_to_json(&net->run, &d->env, net->live));
    json_object_set_new(j, "transient", json_boolean(!net->config));
    _cleanup_free_ char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    if (!text)
        return verr_set(err, VERR_INTERNAL, "cannot serialize the status of network '%s'",
                        net->name);
    if (store_save_status(&d->paths, net->name, text, err) < 0)
        return verr_prefix(err, "saving the status of network '%s'", net->name);
    return 0;
}

int registry_commit_start(vnetd *d, vnet_net *net, netdef *live, bool from_config, net_run *run,
                          verr *err)
{
    net->live = live;
    net->live_is_config = from_config && net->config;
    net->run = *run;
    *run = (net_run){0};
    if (registry_save_status(d, net, err) < 0) {
        verr undo = VERR_INIT;
        if (network_stop(&d->env, net->live, &net->run, &undo) < 0)
            log_err("%s", undo.msg);
        netdef_free(net->live);
        net->live = NULL;
        net->live_is_config = false;
        net_run_clear(&net->run);
        return verr_prefix(err, "starting network '%s'", net->name);
    }
    supervise_scan_ports(net);
    hairpin_sync(d, net);
    log_info("network '%s' started", net->name);
    events_emit_net(d, VNET_EV_STARTED, net->name, net->uuid, NULL);
    return 0;
}

int registry_start(vnetd *d, vnet_net *net, const netdef *def, verr *err)
{
    net_run run;
    if (ports_check_start(d, net, def, err) < 0 || network_start(&d->env, def, &run, err) < 0)
        return -1;
    return registry_commit_start(d, net, netdef_dup(def), net->config && def == net->config, &run,
                                 err);
}

int registry_stop(vnetd *d, vnet_net *net, verr *err)
{
    net->repair_timer = sd_event_source_disable_unref(net->repair_timer);
    if (network_stop(&d->env, net->live, &net->run, err) < 0)
        return -1;
    registry_commit_stop(d, net);
    return 0;
}

void registry_commit_stop(vnetd *d, vnet_net *net)
{
    supervise_forget_ports(net);
    network_forwards_forget_all(net->live);
    verr e = VERR_INIT;
    if (store_delete_status(&d->paths, net->name, &e) < 0)
        log_warn("%s", e.msg);
    log_info("network '%s' stopped", net->name);
    events_emit_net(d, VNET_EV_STOPPED, net->name, net->uuid, NULL);
    netdef_free(net->live);
    net->live = NULL;
    net->live_is_config = false;
    net_run_clear(&net->run);
    if (!net->config) {
        network_forget_leases(&d->env, net->name);
        events_emit_net(d, VNET_EV_UNDEFINED, net->name, net->uuid, NULL);
        registry_remove(d, net);
    }
}

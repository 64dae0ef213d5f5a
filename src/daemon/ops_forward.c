/* Port forwards: forward-add, forward-del, forward-list, and the clash
 * checks across networks. The daemon decides the new definitions; network/
 * changes the running table (network_forwards_change). */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "firewall/firewall.h"
#include "netdev/netdev.h"
#include "proto/proto.h"
#include "proto/proto_ops.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

static int parse_addr_opt(const char *s, const char *what, vnet_addr *ret, verr *err)
{
    memset(ret, 0, sizeof(*ret));
    if (strempty(s))
        return 0;
    if (vnet_addr_parse(s, ret) < 0)
        return verr_set(err, VERR_INVALID, "invalid %s '%s'", what, s);
    return 0;
}

static int parse_port(json_t *req, const char *field, bool required, unsigned *ret, verr *err)
{
    long long v = proto_get_int(req, field, -1);
    if (v < 0 && !required) {
        *ret = 0;
        return 0;
    }
    if (v < 1 || v > 65535)
        return verr_set(err, VERR_INVALID, "%s must be a port number 1-65535", field);
    *ret = (unsigned)v;
    return 0;
}

/* Refuse host ports a local process holds (in the daemon's namespace). */
static int forward_port_free(const netdef_port_forward *pf, verr *err)
{
    for (size_t k = 0; k < pf->n_ranges; k++) {
        char what[128];
        const netdef_pf_range *r = &pf->ranges[k];
        int used = netdev_port_in_use(pf->proto, pf->guest.family, &pf->address, r->start, r->end,
                                      what, sizeof(what), err);
        if (used < 0)
            return verr_prefix(err, "checking whether host port %s/%u is free",
                               netdef_proto_name(pf->proto), r->start);
        if (used > 0 && r->end > r->start)
            return verr_set(err, VERR_BUSY,
                            "host ports %s/%u-%u are already in use by a local process (%s)",
                            netdef_proto_name(pf->proto), r->start, r->end, what);
        if (used > 0)
            return verr_set(err, VERR_BUSY,
                            "host port %s/%u is already in use by a local process (%s)",
                            netdef_proto_name(pf->proto), r->start, what);
    }
    return 0;
}

/* Commit a forward change: apply it to the live table, save the config
 * (a durable journal line, see forward_journal.c), then record both in memory. If the
 * save fails the live change is undone, so a failure leaves the definition
 * and the ruleset as they were. Takes newconf and newlive on success. */
static int forward_commit(vnetd *d, vnet_net *n, netdef *newconf, netdef *newlive,
                          const netdef_port_forward *pfs, size_t npf, bool add,
                          const char *journal_line, verr *err)
{
    net_run newrun = {0};
    if (newlive && network_forwards_change(&d->env, n->live, newlive, pfs, npf, add, &n->run,
                                           &newrun, err) < 0)
        return verr_prefix(err, "%s the port forward in network '%s'", add ? "adding" : "removing",
                           n->name);
    if ((newconf && !newlive && ops_detach_live(d, n, err) < 0) ||
        (newconf && forward_journal_save(d, newconf, journal_line, err) < 0)) {
        if (newlive) {
            verr e = VERR_INIT;
            net_run back = {0};
            if (network_forwards_change(&d->env, newlive, n->live, pfs, npf, !add, &newrun, &back,
                                        &e) < 0)
                log_err("%s", e.msg);
            net_run_clear(&back);
        }
        net_run_clear(&newrun);
        return -1;
    }
    if (!newconf || !newlive)
        n->live_is_config = false; /* changed one of the two only */
    if (newconf) {
        netdef_free(n->config);
        n->config = newconf;
    }
    if (newlive)
        ops_commit_live(d, n, newlive, &newrun);
    return 0;
}

/* An edited definition passes conf/'s rules (the same netdef_validate as at
 * define) before anything is saved or applied. */
static int forward_defs_valid(const vnet_net *n, netdef *const defs[2], const char *op, verr *err)
{
    const netdef *orig[2] = {n->config, n->live};
    _cleanup_free_ char *what = xasprintf("%s in network '%s'", op, n->name);
    for (int i = 0; i < 2; i++)
        if (defs[i] && netdef_validate_edit(orig[i], defs[i], what, err) < 0)
            return -1;
    return 0;
}

/* A definition must stay loadable: its XML (saved file, status file, the
 * in-memory copies) is read back with conf/'s size limit. Refuse a forward
 * that would take it past that limit. The saved definition is checked when it
 * is written (registry_save_config); a transient network's live one is
 * checked here. */
static int forward_def_fits(const vnet_net *n, netdef *const defs[2], verr *err)
{
    if (defs[0] || !defs[1])
        return 0;
    _cleanup_free_ char *xml = netdef_format(defs[1], 0);
    if (strlen(xml) > NETDEF_XML_MAX)
        return verr_set(err, VERR_UNSUPPORTED,
                        "network '%s': with this forward its definition would be larger "
                        "than %d bytes (%zu forwards); forward port ranges instead of "
                        "single ports",
                        n->name, NETDEF_XML_MAX, defs[1]->n_port_forwards);
    return 0;
}

json_t *op_forward_add(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    if (!n)
        return NULL;
    netdef_pf_range range = {0};
    netdef_port_forward pf = {.ranges = &range, .n_ranges = 1};
    const char *to_addr = proto_get_str(req, "to_addr", err);
    if (!to_addr)
        return NULL;
    if ((pf.proto = proto_ipproto_parse(proto_get_str_opt(req, "proto"), err)) < 0 ||
        parse_addr_opt(proto_get_str_opt(req, "address"), "host address", &pf.address, err) < 0 ||
        parse_addr_opt(to_addr, "guest address", &pf.guest, err) < 0 ||
        parse_port(req, "port", true, &range.start, err) < 0 ||
        parse_port(req, "port_end", false, &range.end, err) < 0 ||
        parse_port(req, "to_port", false, &range.to, err) < 0)
        return NULL;
    if (!vnet_addr_is_set(&pf.guest)) {
        verr_set(err, VERR_INVALID, "a guest address is required");
        return NULL;
    }
    if (range.end == 0)
        range.end = range.start;
    _cleanup_free_ char *line = NULL;
    netdef *defs[2] = {n->config ? netdef_dup(n->config) : NULL,
                       n->live ? netdef_dup(n->live) : NULL};
    const netdef *owner = n->live ? n->live : n->config;
    bool ovn = netdef_is_ovn(owner); /* ports of OVN's gateway, not of this host */
    if (claims_check_forward(d, owner, &pf, err) < 0)
        goto fail;
    for (int i = 0; i < 2; i++)
        if (defs[i])
            netdef_forward_append(defs[i], &pf, 0);
    if (forward_defs_valid(n, defs, "forward-add", err) < 0 ||
        (!ovn && forward_port_free(&pf, err) < 0) || forward_def_fits(n, defs, err) < 0)
        goto fail;
    line = netdef_forward_journal_add(&pf);
    if (forward_commit(d, n, defs[0], defs[1], &pf, 1, true, line, err) < 0)
        goto fail;
    if (net_active(n) && !ovn) /* (defs now belong to n) */
        network_forward_forget_stale(n->name, &pf);
    log_info("network '%s': forward %s %u added", n->name, netdef_proto_name(pf.proto),
             range.start);
    hairpin_sync(d, n); /* the first forward: guests may now reach their own */
    return proto_reply_ok();
fail:
    netdef_free(defs[0]);
    netdef_free(defs[1]);
    return NULL;
}

static void pf_list_free(netdef_port_forward *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i].ranges);
    free(list);
}

json_t *op_forward_del(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    if (!n)
        return NULL;
    int proto = 0;
    vnet_addr addr;
    unsigned port = 0;
    if ((proto = proto_ipproto_parse(proto_get_str_opt(req, "proto"), err)) < 0 ||
        parse_addr_opt(proto_get_str_opt(req, "address"), "host address", &addr, err) < 0 ||
        parse_port(req, "port", true, &port, err) < 0)
        return NULL;
    _cleanup_free_ char *line = NULL;
    netdef *defs[2] = {n->config ? netdef_dup(n->config) : NULL,
                       n->live ? netdef_dup(n->live) : NULL};
    netdef_port_forward *removed[2] = {NULL, NULL};
    size_t n_removed[2] = {0, 0};
    json_t *reply = NULL;
    for (int i = 0; i < 2; i++)
        if (defs[i])
            netdef_forward_remove(defs[i], proto, &addr, port, &removed[i], &n_removed[i]);
    if (n_removed[0] + n_removed[1] == 0) {
        char abuf[VNET_ADDR_STRLEN];
        verr_set(err, VERR_NOT_FOUND, "network '%s' has no %s port forward from %s%sport %u",
                 n->name, netdef_proto_name(proto),
                 vnet_addr_is_set(&addr) ? vnet_addr_str(&addr, abuf) : "",
                 vnet_addr_is_set(&addr) ? " " : "", port);
        goto out;
    }
    /* The live table holds what the live definition had: nothing to change
     * there when the forward was only in the saved one. */
    if (defs[1] && n_removed[1] == 0) {
        netdef_free(defs[1]);
        defs[1] = NULL;
    }
    if (forward_defs_valid(n, defs, "forward-del", err) < 0)
        goto out;
    line = netdef_forward_journal_del(proto, &addr, port);
    if (forward_commit(d, n, defs[0], defs[1], removed[1], n_removed[1], false, line, err) < 0)
        goto out;
    defs[0] = defs[1] = NULL;
    for (size_t i = 0; i < n_removed[1] && !netdef_is_ovn(n->live); i++)
        network_forward_forget(n->name, &removed[1][i]); /* (OVN: its conntrack is OVN's) */
    log_info("network '%s': forward %s %u removed", n->name, netdef_proto_name(proto), port);
    if (n_removed[1] > 0)
        hairpin_clear(d, n); /* the last forward: no guest needs it any more */
    reply = proto_reply_ok();
out:
    netdef_free(defs[0]);
    netdef_free(defs[1]);
    pf_list_free(removed[0], n_removed[0]);
    pf_list_free(removed[1], n_removed[1]);
    return reply;
}

json_t *op_forward_list(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    if (!n)
        return NULL;
    const netdef *def = net_current(n);
    size_t n_ranges = 0, slot = 0;
    for (size_t i = 0; i < def->n_port_forwards; i++)
        n_ranges += def->port_forwards[i].n_ranges;
    _cleanup_free_ fw_forward_stats *stats = xcalloc(n_ranges + 1, sizeof(*stats));
    if (net_active(n) && fw_wanted(def)) {
        verr e = VERR_INIT;
        if (fw_forward_range_counters(def, stats, &e) < 0)
            log_debug("forward counters of '%s': %s", n->name, e.msg);
    }
    json_t *arr = json_array();
    char abuf[VNET_ADDR_STRLEN];
    for (size_t i = 0; i < def->n_port_forwards; i++) {
        const netdef_port_forward *pf = &def->port_forwards[i];
        for (size_t k = 0; k < pf->n_ranges; k++) {
            const netdef_pf_range *r = &pf->ranges[k];
            unsigned to = r->to ? r->to : r->start;
            json_t *o = json_object();
            json_object_set_new(o, "proto", json_string(netdef_proto_name(pf->proto)));
            json_object_set_new(o, "address",
                                vnet_addr_is_set(&pf->address)
                                    ? json_string(vnet_addr_str(&pf->address, abuf))
                                    : json_null());
            json_object_set_new(o, "port", json_integer(r->start));
            json_object_set_new(o, "port_end", json_integer(r->end));
            json_object_set_new(o, "to_addr", json_string(vnet_addr_str(&pf->guest, abuf)));
            json_object_set_new(o, "to_port", json_integer(to));
            json_object_set_new(o, "to_port_end", json_integer(to + (r->end - r->start)));
            const fw_forward_stats *st = &stats[slot++];
            json_object_set_new(o, "packets", json_integer((json_int_t)st->packets));
            json_object_set_new(o, "bytes", json_integer((json_int_t)st->bytes));
            json_object_set_new(o, "connections", json_integer((json_int_t)st->connections));
            json_array_append_new(arr, o);
        }
    }
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "forwards", arr);
    return r;
}

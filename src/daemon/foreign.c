/* Foreign firewalls: keep each active network's findings (rules of other
 * programs that drop its traffic, see firewall/fw_foreign.c) current, announce
 * new and cleared ones on the event bus, and apply the fixes the host opted
 * into (--coexist=docker).
 *
 * A scan reads the whole ruleset once (libnftables JSON) and analyses it for
 * every active network. It runs shortly after another program commits to
 * nftables (the monitor reports that), after a network starts, and at startup.
 * Scans are coalesced: a burst of commits (Docker starting writes dozens)
 * costs one.
 */
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/doctor.h"
#include "daemon/events.h"
#include "firewall/firewall.h"
#include "netdev/netdev.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

#define FOREIGN_SCAN_DELAY_USEC (50ULL * 1000ULL)
#define FOREIGN_FIX_ROUNDS 2
#define FOREIGN_RETRY_USEC (500ULL * 1000ULL) /* a failed coexist fix is tried again ... */
#define FOREIGN_RETRY_MAX 20                  /* ... this many times in a row at most */

static const struct {
    const char *name;
    unsigned flag;
} coexist_names[] = {
    {"docker", VNETD_COEXIST_DOCKER},
    {"firewalld", VNETD_COEXIST_FIREWALLD},
    {"ufw", VNETD_COEXIST_UFW},
};

int foreign_parse_coexist(const char *list, unsigned *ret, verr *err)
{
    unsigned flags = 0;
    _cleanup_free_ char *copy = xstrdup(list);
    char *save = NULL;
    for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        if (streq(w, "none"))
            continue;
        size_t i = 0;
        while (i < ARRAY_SIZE(coexist_names) && !streq(coexist_names[i].name, w))
            i++;
        if (i == ARRAY_SIZE(coexist_names))
            return verr_set(err, VERR_INVALID,
                            "--coexist: unknown firewall '%s' (expected docker, firewalld or "
                            "none)",
                            w);
        if (coexist_names[i].flag == VNETD_COEXIST_UFW)
            return verr_set(err, VERR_UNSUPPORTED,
                            "--coexist: '%s': vnet does not edit ufw's rules; it reports their "
                            "drops with the exact `ufw` commands that fix them (vnet info, vnet "
                            "doctor)",
                            w);
        flags |= coexist_names[i].flag;
    }
    *ret = flags;
    return 0;
}

static bool net_scanned(const vnet_net *n)
{
    return net_active(n) && netdef_is_managed_bridge(n->live) && n->live->bridge_name;
}

static json_t *finding_find(const json_t *list, const json_t *f)
{
    const char *detail = json_string_value(json_object_get(f, "detail"));
    size_t i;
    json_t *g;
    json_array_foreach(list, i, g)
    {
        if (streq(json_string_value(json_object_get(g, "detail")), detail))
            return g;
    }
    return NULL;
}

static void emit_finding(vnetd *d, vnet_net *n, json_t *f, bool cleared)
{
    const char *detail = json_string_value(json_object_get(f, "detail"));
    const char *fix = json_string_value(json_object_get(f, "fix"));
    _cleanup_free_ char *text =
        cleared ? xasprintf("no longer: %s", detail) : xasprintf("%s; fix: %s", detail, fix);
    json_t *data = json_deep_copy(f);
    json_object_del(data, "detail");
    json_object_del(data, "network");
    json_object_set_new(data, "cleared", json_boolean(cleared));
    vnet_event ev = {.type = VNET_EV_FINDING, .network = n->name, .detail = text, .data = data};
    memcpy(ev.uuid, n->uuid, 16);
    events_emit(d, &ev);
    json_decref(data);
    if (!cleared)
        log_warn("network '%s': %s", n->name, text);
    else
        log_info("network '%s': %s", n->name, text);
}

/* Replace the network's findings, announcing what is new and what is gone. */
static void update_findings(vnetd *d, vnet_net *n, json_t *found)
{
    json_t *old = n->findings ? n->findings : json_array();
    size_t i;
    json_t *f;
    json_array_foreach(found, i, f)
    {
        if (!finding_find(old, f))
            emit_finding(d, n, f, false);
    }
    json_array_foreach(old, i, f)
    {
        if (!finding_find(found, f))
            emit_finding(d, n, f, true);
    }
    if (old != n->findings)
        json_decref(old);
    json_decref(n->findings);
    n->findings = json_incref(found);
}

static bool has_owner(const json_t *found, const char *owner)
{
    size_t i;
    json_t *f;
    json_array_foreach(found, i, f)
    {
        const char *o = json_string_value(json_object_get(f, "owner"));
        if (o && streq(o, owner))
            return true;
    }
    return false;
}

/* --coexist=docker: accept rules for the bridge in DOCKER-USER. true if applied. */
static bool coexist_docker(vnetd *d, vnet_net *n, const json_t *ruleset, const json_t *found,
                           bool forced)
{
    if ((!forced && !(d->coexist & VNETD_COEXIST_DOCKER)) || !has_owner(found, "docker"))
        return false;
    _cleanup_free_ char *script = fw_foreign_docker_plan(ruleset, n->live->bridge_name);
    if (!script)
        return false;
    verr err = VERR_INIT;
    if (fw_apply(script, &err) < 0) {
        log_err("network '%s': adding accept rules to Docker's DOCKER-USER chain: %s", n->name,
                err.msg);
        return false;
    }
    _cleanup_free_ char *what =
        xasprintf("coexist: accept rules for %s added to Docker's DOCKER-USER chain (%s)",
                  n->live->bridge_name, forced ? "vnet doctor --fix" : "--coexist=docker");
    log_info("network '%s': %s", n->name, what);
    vnet_event ev = {.type = VNET_EV_REPAIRED, .network = n->name, .detail = what};
    memcpy(ev.uuid, n->uuid, 16);
    events_emit(d, &ev);
    return true;
}

static json_t *read_ruleset(verr *err)
{
    _cleanup_free_ char *text = NULL;
    if (fw_list_ruleset_json(&text, err) < 0)
        return NULL;
    json_error_t jerr;
    json_t *rs = json_loads(text, 0, &jerr);
    if (!rs) {
        verr_set(err, VERR_INTERNAL, "nftables: ruleset JSON: %s", jerr.text);
        return NULL;
    }
    /* iptables-legacy's filter table drops packets too: judge it the same way */
    json_t *legacy = NULL;
    verr lerr = VERR_INIT;
    if (fw_legacy_loaded()) {
        if (fw_legacy_read(&legacy, &lerr) == 0)
            json_array_extend(json_object_get(rs, "nftables"), legacy);
        else
            log_warn("foreign firewall check: %s", lerr.msg);
        json_decref(legacy);
    }
    return rs;
}

/* --coexist=firewalld: the bridge into firewalld's vnet zone. true if that
 * changed anything (then the ruleset is read again). */
static bool coexist_firewalld(vnetd *d, vnet_net *n, const json_t *found, bool forced)
{
    if ((!forced && !(d->coexist & VNETD_COEXIST_FIREWALLD)) || !has_owner(found, "firewalld"))
        return false;
    verr err = VERR_INIT;
    int r = coexist_firewalld_bind(n->live->bridge_name, &err);
    if (r < 0) {
        /* firewalld restarting (its rules back before its D-Bus name): try again soon */
        if (d->foreign_retries++ < FOREIGN_RETRY_MAX)
            d->foreign_retry_wanted = true;
        log_err("network '%s': %s", n->name, err.msg);
        return false;
    }
    d->foreign_retries = 0;
    if (r == 0)
        return false; /* bound already: what still drops is reported */
    _cleanup_free_ char *what =
        xasprintf("coexist: bridge %s put into firewalld's zone 'vnet' (%s)", n->live->bridge_name,
                  forced ? "vnet doctor --fix" : "--coexist=firewalld");
    log_info("network '%s': %s", n->name, what);
    vnet_event ev = {.type = VNET_EV_REPAIRED, .network = n->name, .detail = what};
    memcpy(ev.uuid, n->uuid, 16);
    events_emit(d, &ev);
    return true;
}

/* Analyse one network; true when a coexist fix changed the ruleset. */
static bool scan_network(vnetd *d, vnet_net *n, const json_t *rs, const char *uplink, bool may_fix)
{
    fw_foreign_target t;
    if (fw_foreign_target_from_def(n->live, uplink, &t) < 0)
        return false;
    verr err = VERR_INIT;
    json_t *found = fw_foreign_analyse(rs, &t, &err);
    fw_foreign_target_clear(&t);
    if (!found) {
        log_warn("network '%s': analysing the ruleset: %s", n->name, err.msg);
        return false;
    }
    bool fixed = may_fix &&
                 (coexist_docker(d, n, rs, found, false) || coexist_firewalld(d, n, found, false));
    if (!fixed)
        update_findings(d, n, found);
    json_decref(found);
    return fixed;
}

void foreign_scan_now(vnetd *d)
{
    bool any = false;
    for (size_t i = 0; i < d->n_nets; i++)
        any = any || net_scanned(d->nets[i]);
    if (!any)
        return;
    char uplink[IF_NAMESIZE] = "";
    verr err = VERR_INIT;
    if (fw_foreign_tables_present(&err) == 0 && !fw_legacy_loaded()) {
        /* only vnet's own tables: nothing can drop, and no ruleset to read */
        json_t *none = json_array();
        for (size_t i = 0; i < d->n_nets; i++)
            if (net_scanned(d->nets[i]))
                update_findings(d, d->nets[i], none);
        json_decref(none);
        return;
    }
    verr_clear(&err);
    bool have_uplink = netdev_default_route_dev(AF_INET, uplink, sizeof(uplink), &err) > 0;
    for (int round = 0; round < FOREIGN_FIX_ROUNDS; round++) {
        verr_clear(&err);
        json_t *rs = read_ruleset(&err);
        if (!rs) {
            log_warn("foreign firewall check: %s", err.msg);
            return;
        }
        bool fixed = false;
        for (size_t i = 0; i < d->n_nets; i++)
            if (net_scanned(d->nets[i]))
                fixed |= scan_network(d, d->nets[i], rs, have_uplink ? uplink : NULL,
                                      round + 1 < FOREIGN_FIX_ROUNDS);
        json_decref(rs);
        if (!fixed)
            return;
    }
}

static void request_scan_in(vnetd *d, uint64_t delay);

static int scan_timer_fired(sd_event_source *s, uint64_t usec, void *userdata)
{
    vnetd *d = userdata;
    d->foreign_timer = sd_event_source_disable_unref(d->foreign_timer);
    d->foreign_retry_wanted = false;
    foreign_scan_now(d);
    if (d->foreign_retry_wanted)
        request_scan_in(d, FOREIGN_RETRY_USEC);
    return 0;
}

static void request_scan_in(vnetd *d, uint64_t delay)
{
    if (d->foreign_timer || !d->event)
        return;
    uint64_t now;
    sd_event_now(d->event, CLOCK_MONOTONIC, &now);
    if (sd_event_add_time(d->event, &d->foreign_timer, CLOCK_MONOTONIC, now + delay, 0,
                          scan_timer_fired, d) < 0)
        foreign_scan_now(d);
}

void foreign_request_scan(vnetd *d)
{
    d->foreign_retries = 0; /* something changed: failed fixes get their retries again */
    request_scan_in(d, FOREIGN_SCAN_DELAY_USEC);
}

/* A stopped network's findings go, and so do its DOCKER-USER rules. */
static void network_stopped(vnetd *d, const vnet_event *ev)
{
    vnet_net *n = ev->network ? registry_find(d, ev->network) : NULL;
    if (n) {
        json_decref(n->findings);
        n->findings = NULL;
    }
    const char *br = n && n->live ? n->live->bridge_name : NULL;
    verr err = VERR_INIT;
    if ((d->coexist & VNETD_COEXIST_FIREWALLD) && br && coexist_firewalld_unbind(br, &err) < 0)
        log_warn("network '%s': %s", ev->network, err.msg);
    if (!(d->coexist & VNETD_COEXIST_DOCKER) || !br)
        return;
    json_t *rs = read_ruleset(&err);
    _cleanup_free_ char *script = rs ? fw_foreign_docker_unplan(rs, br) : NULL;
    json_decref(rs);
    if (script && fw_apply(script, &err) < 0)
        log_warn("network '%s': removing its DOCKER-USER rules: %s", ev->network, err.msg);
}

static void on_event(vnetd *d, const vnet_event *ev, void *userdata)
{
    if (ev->type == VNET_EV_STARTED)
        foreign_request_scan(d);
    else if (ev->type == VNET_EV_STOPPED)
        network_stopped(d, ev);
}

void foreign_setup(vnetd *d)
{
    events_subscribe(d, on_event, NULL);
}

void foreign_close(vnetd *d)
{
    d->foreign_timer = sd_event_source_disable_unref(d->foreign_timer);
}

int doctor_fix_docker(vnetd *d, vnet_net *only)
{
    verr err = VERR_INIT;
    json_t *rs = read_ruleset(&err);
    if (!rs)
        return 0;
    int fixed = 0;
    for (size_t i = 0; i < d->n_nets; i++) {
        vnet_net *n = d->nets[i];
        if ((only && n != only) || !net_scanned(n) || !n->findings)
            continue;
        fixed += coexist_docker(d, n, rs, n->findings, true);
        fixed += coexist_firewalld(d, n, n->findings, true);
    }
    json_decref(rs);
    return fixed;
}

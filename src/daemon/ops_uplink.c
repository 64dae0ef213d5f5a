/* The uplink-* requests: a host NIC into a bridge on trial (rolled back by a
 * timer unless confirmed), confirm, detach, list; and what happens to the
 * records when vnetd starts (trials left by a dead daemon roll back, confirmed
 * attachments missing after a boot are made again). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/uplink.h"
#include "netdev/netdev.h"
#include "proto/proto.h"
#include "store/uplink_store.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

#define UPLINK_WITHIN_DEFAULT 60
#define UPLINK_WITHIN_MAX 86400
#define UPLINK_TIMER_ACCURACY_USEC 10000ULL

typedef struct uplink_entry {
    uplink_record rec;
    sd_event_source *timer; /* trial deadline, NULL once confirmed */
    uint64_t deadline;      /* CLOCK_MONOTONIC usec */
    vnetd *daemon;
    bool broken; /* undone by another program, and re-creating it failed (said once) */
} uplink_entry;

static uplink_entry *entry_find(vnetd *d, const char *bridge, const char *nic)
{
    for (size_t i = 0; i < d->n_uplinks; i++) {
        uplink_entry *e = d->uplinks[i];
        if ((bridge && streq(e->rec.bridge, bridge)) || (nic && streq(e->rec.nic, nic)))
            return e;
    }
    return NULL;
}

static uplink_entry *entry_get(vnetd *d, json_t *req, verr *err)
{
    const char *bridge = proto_get_str(req, "bridge", err);
    if (!bridge)
        return NULL;
    uplink_entry *e = entry_find(d, bridge, NULL);
    if (!e)
        verr_set(err, VERR_NOT_FOUND, "no uplink is attached to bridge '%s'", bridge);
    return e;
}

static int entry_save(vnetd *d, const uplink_entry *e, verr *err)
{
    json_t *j = uplink_record_to_json(&e->rec);
    _cleanup_free_ char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    return uplink_store_save(&d->paths, e->rec.bridge, text, err);
}

static uplink_entry *entry_add(vnetd *d, const uplink_record *rec)
{
    uplink_entry *e = xcalloc(1, sizeof(*e));
    e->rec = *rec;
    e->daemon = d;
    *(uplink_entry **)xarray_push(&d->uplinks, &d->n_uplinks, sizeof(e)) = e;
    return e;
}

static void entry_free(uplink_entry *e)
{
    sd_event_source_disable_unref(e->timer);
    uplink_config_free(&e->rec.cfg);
    free(e);
}

static void entry_remove(vnetd *d, uplink_entry *e)
{
    for (size_t i = 0; i < d->n_uplinks; i++)
        if (d->uplinks[i] == e) {
            memmove(&d->uplinks[i], &d->uplinks[i + 1], (d->n_uplinks - i - 1) * sizeof(e));
            d->n_uplinks--;
            break;
        }
    entry_free(e);
}

void uplink_free_all(vnetd *d)
{
    for (size_t i = 0; i < d->n_uplinks; i++)
        entry_free(d->uplinks[i]);
    free(d->uplinks);
    d->uplinks = NULL;
    d->n_uplinks = 0;
}

/* Put the NIC back and forget the record. The record stays when the bridge
 * could not be removed, so a later detach can finish the job. */
static int entry_undo(vnetd *d, uplink_entry *e, verr *err)
{
    verr e2 = VERR_INIT;
    int r = uplink_detach(e->rec.nic, e->rec.bridge, &e->rec.cfg, &e2);
    netdev_link link;
    if (r < 0 && netdev_link_get(e->rec.bridge, &link, NULL) != 0) {
        *err = e2;
        return -1;
    }
    if (r < 0)
        log_warn("uplink %s: %s", e->rec.bridge, e2.msg);
    if (uplink_store_delete(&d->paths, e->rec.bridge, err) < 0)
        return -1;
    entry_remove(d, e);
    return 0;
}

/* A host-wide finding on the event bus (`vnet events`), and the log line. */
static void uplink_finding(vnetd *d, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void uplink_finding(vnetd *d, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *text = NULL;
    if (vasprintf(&text, fmt, ap) < 0)
        text = NULL;
    va_end(ap);
    if (!text)
        return;
    if (error)
        log_err("%s", text);
    else
        log_warn("%s", text);
    vnet_event ev = {.type = VNET_EV_FINDING, .detail = text};
    events_emit(d, &ev);
}

static int trial_expired(sd_event_source *s, uint64_t usec, void *userdata)
{
    uplink_entry *e = userdata;
    vnetd *d = e->daemon;
    char br[IF_NAMESIZE], nic[IF_NAMESIZE];
    unsigned within = e->rec.confirm_within;
    snprintf(br, sizeof(br), "%s", e->rec.bridge);
    snprintf(nic, sizeof(nic), "%s", e->rec.nic);
    verr err = VERR_INIT;
    if (entry_undo(d, e, &err) < 0)
        uplink_finding(d, true, "uplink %s: not confirmed within %u s; rolling back failed: %s", br,
                       within, err.msg);
    else
        uplink_finding(d, false,
                       "uplink %s: not confirmed within %u s: rolled back, '%s' is as it was", br,
                       within, nic);
    return 0;
}

static int trial_start(vnetd *d, uplink_entry *e, verr *err)
{
    uint64_t now = 0;
    sd_event_now(d->event, CLOCK_MONOTONIC, &now);
    e->deadline = now + (uint64_t)e->rec.confirm_within * 1000000ULL;
    int r = sd_event_add_time(d->event, &e->timer, CLOCK_MONOTONIC, e->deadline,
                              UPLINK_TIMER_ACCURACY_USEC, trial_expired, e);
    return r < 0 ? verr_errno(err, -r, "starting the confirmation timer") : 0;
}

/* ---------------------------------------------------------------- attach */

static int attach_check_names(vnetd *d, const char *nic, const char *bridge, verr *err)
{
    const uplink_entry *e;
    if ((e = entry_find(d, bridge, NULL)))
        return verr_set(err, VERR_EXISTS, "bridge '%s' already holds uplink '%s'", bridge,
                        e->rec.nic);
    if ((e = entry_find(d, NULL, nic)))
        return verr_set(err, VERR_EXISTS, "'%s' is already attached to bridge '%s'", nic,
                        e->rec.bridge);
    for (size_t i = 0; i < d->n_nets; i++) {
        const netdef *def = net_current(d->nets[i]);
        if (netdef_is_managed_bridge(def) && streq(net_bridge(d->nets[i]) ?: "", bridge))
            return verr_set(err, VERR_EXISTS,
                            "bridge name '%s' belongs to network '%s', which creates it", bridge,
                            d->nets[i]->name);
    }
    netdev_link l;
    int r = netdev_link_get(bridge, &l, err);
    if (r != 0)
        return r < 0 ? -1 : verr_set(err, VERR_EXISTS, "an interface '%s' exists already", bridge);
    if ((r = netdev_link_get(nic, &l, err)) <= 0)
        return r < 0 ? -1 : verr_set(err, VERR_NOT_FOUND, "interface '%s' does not exist", nic);
    if (l.kind[0] && !streq(l.kind, "veth"))
        return verr_set(err, VERR_UNSUPPORTED,
                        "'%s' is a %s interface; uplink-attach takes an Ethernet NIC", nic, l.kind);
    if (l.master)
        return verr_set(err, VERR_BUSY, "'%s' is already a port of another device (index %d)", nic,
                        l.master);
    return 0;
}

/* Refuse a NIC another tool owns, or one holding a lease, with what to do instead. */
static int attach_check_owner(const char *nic, const char *bridge, const uplink_config *c,
                              verr *err)
{
    uplink_owner_kind owner = uplink_owner_ask(nic);
    if (owner == UPLINK_OWNER_NONE && uplink_dynamic_addr(c))
        owner = UPLINK_OWNER_DHCP;
    if (owner == UPLINK_OWNER_NONE)
        return 0;
    _cleanup_free_ char *advice = uplink_advice(owner, nic, bridge, c);
    return verr_set(err, VERR_BUSY, "refusing to move '%s' into bridge '%s': %s", nic, bridge,
                    advice);
}

json_t *op_uplink_attach(vnetd *d, json_t *req, verr *err)
{
    const char *nic = proto_get_str(req, "nic", err);
    const char *bridge = nic ? proto_get_str(req, "bridge", err) : NULL;
    if (!bridge)
        return NULL;
    long long within = proto_get_int(req, "confirm_within", UPLINK_WITHIN_DEFAULT);
    if (within < 1 || within > UPLINK_WITHIN_MAX) {
        verr_set(err, VERR_INVALID, "--confirm-within must be 1 to %d seconds, not %lld",
                 UPLINK_WITHIN_MAX, within);
        return NULL;
    }
    if (attach_check_names(d, nic, bridge, err) < 0)
        return NULL;
    uplink_record rec = {.confirm_within = (unsigned)within};
    snprintf(rec.nic, sizeof(rec.nic), "%s", nic);
    snprintf(rec.bridge, sizeof(rec.bridge), "%s", bridge);
    if (uplink_read(nic, &rec.cfg, err) < 0)
        return NULL;
    if (attach_check_owner(nic, bridge, &rec.cfg, err) < 0) {
        uplink_config_free(&rec.cfg);
        return NULL;
    }
    uplink_entry *e = entry_add(d, &rec);
    /* The record first: a daemon killed from here on rolls back when it returns. */
    if (entry_save(d, e, err) < 0 || trial_start(d, e, err) < 0 ||
        uplink_attach(nic, bridge, &e->rec.cfg, err) < 0) {
        uplink_store_delete(&d->paths, bridge, NULL);
        entry_remove(d, e);
        return NULL;
    }
    log_info("uplink %s: '%s' attached on trial (%u addresses, %u routes moved); confirm within "
             "%lld s",
             bridge, nic, (unsigned)e->rec.cfg.n_addrs, (unsigned)e->rec.cfg.n_routes, within);
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "addresses", json_integer((json_int_t)e->rec.cfg.n_addrs));
    json_object_set_new(r, "routes", json_integer((json_int_t)e->rec.cfg.n_routes));
    json_object_set_new(r, "confirm_within", json_integer(within));
    return r;
}

/* ---------------------------------------------------------------- confirm, detach, list */

json_t *op_uplink_confirm(vnetd *d, json_t *req, verr *err)
{
    uplink_entry *e = entry_get(d, req, err);
    if (!e)
        return NULL;
    if (!e->rec.confirmed) {
        e->rec.confirmed = true;
        if (entry_save(d, e, err) < 0) {
            e->rec.confirmed = false;
            return NULL;
        }
        e->timer = sd_event_source_disable_unref(e->timer);
        log_info("uplink %s: '%s' confirmed", e->rec.bridge, e->rec.nic);
    }
    return proto_reply_ok();
}

json_t *op_uplink_detach(vnetd *d, json_t *req, verr *err)
{
    uplink_entry *e = entry_get(d, req, err);
    if (!e)
        return NULL;
    for (size_t i = 0; i < d->n_nets; i++)
        if (net_active(d->nets[i]) && streq(net_bridge(d->nets[i]) ?: "", e->rec.bridge)) {
            verr_set(err, VERR_BUSY, "network '%s' is active on bridge '%s'; destroy it first",
                     d->nets[i]->name, e->rec.bridge);
            return NULL;
        }
    char nic[IF_NAMESIZE], br[IF_NAMESIZE];
    snprintf(nic, sizeof(nic), "%s", e->rec.nic);
    snprintf(br, sizeof(br), "%s", e->rec.bridge);
    if (entry_undo(d, e, err) < 0)
        return NULL;
    log_info("uplink %s: detached, '%s' is as it was", br, nic);
    return proto_reply_ok();
}

static json_t *entry_json(vnetd *d, const uplink_entry *e)
{
    json_t *o = uplink_record_to_json(&e->rec);
    if (!e->rec.confirmed) {
        uint64_t now = 0;
        sd_event_now(d->event, CLOCK_MONOTONIC, &now);
        uint64_t left = e->deadline > now ? (e->deadline - now + 999999) / 1000000 : 0;
        json_object_set_new(o, "confirm_left", json_integer((json_int_t)left));
    }
    json_object_set_new(o, "present",
                        json_boolean(uplink_is_attached(e->rec.nic, e->rec.bridge, NULL) > 0));
    return o;
}

json_t *op_uplink_list(vnetd *d, json_t *req, verr *err)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < d->n_uplinks; i++)
        json_array_append_new(arr, entry_json(d, d->uplinks[i]));
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "uplinks", arr);
    return r;
}

/* ---------------------------------------------------------------- repair */

/* An uplink that another program set down: set it up again, with the
 * addresses and routes the kernel took away with it. */
static void repair_up(vnetd *d, uplink_entry *e)
{
    netdev_link br, nic;
    verr err = VERR_INIT;
    if (netdev_link_get(e->rec.bridge, &br, NULL) <= 0 ||
        netdev_link_get(e->rec.nic, &nic, NULL) <= 0 || (br.up && nic.up))
        return;
    if (uplink_reup(e->rec.nic, e->rec.bridge, &e->rec.cfg, &err) < 0)
        uplink_finding(d, true, "uplink %s: set down by another program; setting it up: %s",
                       e->rec.bridge, err.msg);
    else
        uplink_finding(d, false, "uplink %s: set down by another program: set up again",
                       e->rec.bridge);
}

/* Another program deleted an uplink's bridge, or took the NIC out of it: the
 * host has lost the addresses and routes that were on the bridge, or its way
 * out. Put the attachment back as it was made (a trial keeps its timer), and
 * say so on the event bus; a failure is said once, until a later event finds
 * it repaired. */
static void repair_one(vnetd *d, uplink_entry *e)
{
    verr err = VERR_INIT;
    int r = uplink_is_attached(e->rec.nic, e->rec.bridge, &err);
    if (r > 0 && e->broken) {
        e->broken = false;
        log_info("uplink %s: '%s' is a port of it again", e->rec.bridge, e->rec.nic);
    }
    if (r > 0)
        repair_up(d, e);
    if (r != 0)
        return;
    netdev_link br;
    if (netdev_link_get(e->rec.bridge, &br, NULL) > 0 && streq(br.kind, "bridge")) {
        /* the bridge is there, the NIC was taken out of it */
        if (netdev_link_set_master(e->rec.nic, e->rec.bridge, &err) == 0 &&
            uplink_reup(e->rec.nic, e->rec.bridge, &e->rec.cfg, &err) == 0) {
            e->broken = false;
            uplink_finding(d, false,
                           "uplink %s: '%s' was taken out of it by another program: put back",
                           e->rec.bridge, e->rec.nic);
        } else if (!e->broken) {
            e->broken = true;
            uplink_finding(d, true,
                           "uplink %s: '%s' was taken out of it by another program; putting it "
                           "back failed: %s",
                           e->rec.bridge, e->rec.nic, err.msg);
        }
        return;
    }
    if (uplink_attach(e->rec.nic, e->rec.bridge, &e->rec.cfg, &err) == 0) {
        e->broken = false;
        uplink_finding(d, false,
                       "uplink %s: deleted or changed by another program: re-created with '%s'",
                       e->rec.bridge, e->rec.nic);
    } else if (!e->broken) {
        e->broken = true;
        uplink_finding(d, true,
                       "uplink %s: deleted or changed by another program; re-creating it "
                       "failed: %s",
                       e->rec.bridge, err.msg);
    }
}

void uplink_link_event(vnetd *d, const char *ifname)
{
    for (size_t i = 0; i < d->n_uplinks; i++) {
        uplink_entry *e = d->uplinks[i];
        if (!ifname || streq(ifname, e->rec.bridge) || streq(ifname, e->rec.nic))
            repair_one(d, e);
    }
}

/* ---------------------------------------------------------------- startup */

static int startup_load(vnetd *d, const char *bridge, uplink_record *ret)
{
    _cleanup_free_ char *text = NULL;
    verr err = VERR_INIT;
    json_error_t je;
    if (uplink_store_load(&d->paths, bridge, &text, &err) <= 0) {
        log_err("uplink %s: %s", bridge, err.msg[0] ? err.msg : "record vanished");
        return -1;
    }
    json_t *j = json_loads(text, 0, &je);
    int r = j ? uplink_record_from_json(j, ret, &err) : verr_set(&err, VERR_INVALID, "%s", je.text);
    json_decref(j);
    if (r < 0)
        log_err("uplink %s: ignoring its record: %s", bridge, err.msg);
    return r;
}

static void startup_one(vnetd *d, const char *bridge)
{
    uplink_record rec;
    verr err = VERR_INIT;
    if (startup_load(d, bridge, &rec) < 0)
        return;
    uplink_entry *e = entry_add(d, &rec);
    if (!e->rec.confirmed) {
        char nic[IF_NAMESIZE];
        snprintf(nic, sizeof(nic), "%s", e->rec.nic);
        if (entry_undo(d, e, &err) < 0)
            uplink_finding(d, true, "uplink %s: vnetd stopped during the trial; rolling back: %s",
                           bridge, err.msg);
        else
            uplink_finding(d, false,
                           "uplink %s: vnetd stopped during the trial: rolled back, '%s' is as "
                           "it was",
                           bridge, nic);
        return;
    }
    int r = uplink_is_attached(e->rec.nic, e->rec.bridge, &err);
    if (r != 0) {
        if (r < 0)
            log_err("uplink %s: %s", bridge, err.msg);
        return;
    }
    if (uplink_attach(e->rec.nic, e->rec.bridge, &e->rec.cfg, &err) < 0)
        uplink_finding(d, true, "uplink %s: re-creating: %s", bridge, err.msg);
    else
        log_info("uplink %s: re-created with '%s'", bridge, e->rec.nic);
}

void uplink_startup(vnetd *d)
{
    char **names = NULL;
    size_t n = 0;
    verr err = VERR_INIT;
    if (uplink_store_list(&d->paths, &names, &n, &err) < 0) {
        log_err("uplinks: %s", err.msg);
        return;
    }
    for (size_t i = 0; i < n; i++)
        startup_one(d, names[i]);
    store_free_names(names, n);
}

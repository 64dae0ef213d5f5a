/* The daemon's event bus (see events.h). Subscribers are few (one per RPC
 * client that registered, one per `vnet events` stream), so a plain array. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

typedef struct events_sub {
    int id;
    events_fn fn;
    void *userdata;
} events_sub;

static const char *const type_names[VNET_EV__MAX] = {
    [VNET_EV_DEFINED] = "defined",
    [VNET_EV_UNDEFINED] = "undefined",
    [VNET_EV_STARTED] = "started",
    [VNET_EV_STOPPED] = "stopped",
    [VNET_EV_REPAIRED] = "repaired",
    [VNET_EV_REPAIR_FAILED] = "repair-failed",
    [VNET_EV_FINDING] = "finding",
    [VNET_EV_DNSMASQ_RESTARTED] = "dnsmasq-restarted",
    [VNET_EV_UPDATED] = "updated",
};

const char *events_type_name(vnet_event_type t)
{
    return (unsigned)t < VNET_EV__MAX ? type_names[t] : "unknown";
}

int events_type_from_name(const char *s)
{
    for (int i = 0; i < VNET_EV__MAX; i++)
        if (streq(type_names[i], s))
            return i;
    return -1;
}

int events_subscribe(vnetd *d, events_fn fn, void *userdata)
{
    d->subs = xrealloc(d->subs, (d->n_subs + 1) * sizeof(*d->subs));
    d->subs[d->n_subs] = (events_sub){.id = ++d->next_sub_id, .fn = fn, .userdata = userdata};
    d->n_subs++;
    return d->next_sub_id;
}

void events_unsubscribe(vnetd *d, int id)
{
    for (size_t i = 0; i < d->n_subs; i++)
        if (d->subs[i].id == id) {
            memmove(d->subs + i, d->subs + i + 1, (d->n_subs - i - 1) * sizeof(*d->subs));
            d->n_subs--;
            return;
        }
}

void events_emit(vnetd *d, const vnet_event *ev)
{
    /* Deliver by id so a callback that (un)subscribes does not derail us. */
    int last = d->next_sub_id;
    for (int id = 1; id <= last; id++)
        for (size_t i = 0; i < d->n_subs; i++)
            if (d->subs[i].id == id) {
                events_sub s = d->subs[i];
                s.fn(d, ev, s.userdata);
                break;
            }
}

void events_emit_net(vnetd *d, vnet_event_type type, const char *network, const uint8_t uuid[16],
                     const char *detail)
{
    vnet_event ev = {.type = type, .network = network, .detail = detail};
    if (uuid)
        memcpy(ev.uuid, uuid, 16);
    events_emit(d, &ev);
}

json_t *events_to_json(const vnet_event *ev)
{
    json_t *o = json_object();
    json_object_set_new(o, "event", json_string(events_type_name(ev->type)));
    if (ev->network) {
        char ubuf[37];
        const uint8_t *u = ev->uuid;
        snprintf(ubuf, sizeof(ubuf),
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
                 u[15]);
        json_object_set_new(o, "network", json_string(ev->network));
        json_object_set_new(o, "uuid", json_string(ubuf));
    }
    if (ev->detail)
        json_object_set_new(o, "detail", json_string(ev->detail));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    json_object_set_new(o, "time", json_real((double)ts.tv_sec + ts.tv_nsec / 1e9));
    if (ev->data)
        json_object_update(o, ev->data);
    return o;
}

void events_free_all(vnetd *d)
{
    free(d->subs);
    d->subs = NULL;
    d->n_subs = 0;
}

/* The daemon's event bus: one place where every change of a network's state is
 * announced (lifecycle, repairs, findings, dnsmasq restarts), whatever caused it
 * (a JSON request, a libvirt RPC call, drift repair, startup). Front ends
 * subscribe: the libvirt RPC pushes network lifecycle events, `vnet events`
 * streams them all.
 */
#pragma once

#include <jansson.h>
#include <stdint.h>

struct vnetd;

typedef enum vnet_event_type {
    VNET_EV_DEFINED,           /* a definition was saved (new or changed) */
    VNET_EV_UNDEFINED,         /* a definition was removed */
    VNET_EV_STARTED,           /* a network became active */
    VNET_EV_STOPPED,           /* a network became inactive */
    VNET_EV_REPAIRED,          /* drift was repaired (detail: what, how long) */
    VNET_EV_REPAIR_FAILED,     /* drift was seen and could not be repaired */
    VNET_EV_FINDING,           /* doctor-style finding (foreign drop, sysctl, ...) */
    VNET_EV_DNSMASQ_RESTARTED, /* the network's dnsmasq was restarted */
    VNET_EV_UPDATED,           /* live or saved definition changed (net-update, forwards) */
    VNET_EV__MAX
} vnet_event_type;

typedef struct vnet_event {
    vnet_event_type type;
    const char *network; /* NULL for host-wide events */
    uint8_t uuid[16];    /* zero for host-wide events */
    const char *detail;  /* human sentence, may be NULL */
    json_t *data;        /* extra fields (borrowed), may be NULL */
} vnet_event;

typedef void (*events_fn)(struct vnetd *d, const vnet_event *ev, void *userdata);

/* Subscribe; returns a positive id for events_unsubscribe. */
int events_subscribe(struct vnetd *d, events_fn fn, void *userdata);
void events_unsubscribe(struct vnetd *d, int id);
/* Deliver ev to every subscriber now, in subscription order. A subscriber may
 * unsubscribe itself (or any other) from its callback. */
void events_emit(struct vnetd *d, const vnet_event *ev);
/* Convenience: emit an event for a named network (uuid copied). */
void events_emit_net(struct vnetd *d, vnet_event_type type, const char *network,
                     const uint8_t uuid[16], const char *detail);
/* Stable lower-case names ("defined", "started", ...), and back. */
const char *events_type_name(vnet_event_type t);
int events_type_from_name(const char *s);
/* The event as a JSON object: {"event","network","uuid","detail","time", data...}. */
json_t *events_to_json(const vnet_event *ev);
void events_free_all(struct vnetd *d);

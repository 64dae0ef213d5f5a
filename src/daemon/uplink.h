/* vnetd's uplinks: a host NIC moved into a bridge (vnet uplink-attach).
 *
 *   uplink_record.c  the persisted record (JSON) of one attachment
 *   uplink_owner.c   who owns a NIC (NetworkManager, systemd-networkd over
 *                    D-Bus) and the configuration to give that tool instead
 *   ops_uplink.c     the uplink-* requests, the trial timer, startup
 */
#pragma once

#include <jansson.h>
#include <net/if.h>
#include <stdbool.h>

#include "netdev/uplink.h"
#include "util/error.h"

struct vnetd;

typedef struct uplink_record {
    char nic[IF_NAMESIZE];
    char bridge[IF_NAMESIZE];
    bool confirmed;          /* false: on trial, rolled back unless confirmed */
    unsigned confirm_within; /* seconds the trial was given */
    uplink_config cfg;       /* the NIC as it was before the attach */
} uplink_record;

json_t *uplink_record_to_json(const uplink_record *r);
/* Parse a record; VERR_INVALID saying which field is wrong. */
int uplink_record_from_json(json_t *j, uplink_record *ret, verr *err);

typedef enum uplink_owner_kind {
    UPLINK_OWNER_NONE,
    UPLINK_OWNER_NM,       /* NetworkManager manages the device */
    UPLINK_OWNER_NETWORKD, /* systemd-networkd configures the link */
    UPLINK_OWNER_DHCP,     /* nobody we know, but it holds a DHCP lease */
} uplink_owner_kind;

/* Ask NetworkManager and systemd-networkd on the system bus whether they own
 * `nic`. No bus, or neither service running, is UPLINK_OWNER_NONE. */
uplink_owner_kind uplink_owner_ask(const char *nic);

/* What to configure in the owning tool instead (nmcli commands, or .netdev and
 * .network files), for a bridge `bridge` over `nic` with the NIC's current
 * configuration c. Pure; caller frees. */
char *uplink_advice(uplink_owner_kind owner, const char *nic, const char *bridge,
                    const uplink_config *c);

/* ---- ops_uplink.c ---- */
json_t *op_uplink_attach(struct vnetd *d, json_t *req, verr *err);
json_t *op_uplink_confirm(struct vnetd *d, json_t *req, verr *err);
json_t *op_uplink_detach(struct vnetd *d, json_t *req, verr *err);
json_t *op_uplink_list(struct vnetd *d, json_t *req, verr *err);
/* At daemon start, before autostart networks: roll back trials left by a
 * daemon that died, re-create confirmed attachments that are missing (boot). */
void uplink_startup(struct vnetd *d);
/* Link ifname was deleted, set down or taken out of its bridge by another
 * program (NULL: link events were lost): re-create any uplink it undid, set up
 * one it set down, put its NIC back, and say so (vnet events). */
void uplink_link_event(struct vnetd *d, const char *ifname);
void uplink_free_all(struct vnetd *d);

/* metadata-get {name, type: title|description|element, uri?, config?}
 *   -> {value}; VERR_NOT_FOUND when absent.
 * metadata-set {name, type, value? (absent removes), key?, uri?, live?, config?}
 *   neither live nor config: the running definition if active, else the saved one. */
#include <string.h>

#include "daemon/events.h"
#include "daemon/ops_metadata.h"
#include "proto/proto.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

typedef enum { MD_TITLE, MD_DESCRIPTION, MD_ELEMENT } md_type;

static int md_type_parse(json_t *req, md_type *ret, const char **ret_uri, verr *err)
{
    const char *t = proto_get_str(req, "type", err);
    if (!t)
        return -1;
    *ret_uri = proto_get_str_opt(req, "uri");
    if (streq(t, "title"))
        *ret = MD_TITLE;
    else if (streq(t, "description"))
        *ret = MD_DESCRIPTION;
    else if (streq(t, "element") && *ret_uri)
        *ret = MD_ELEMENT;
    else
        return verr_set(err, VERR_INVALID,
                        "metadata type must be title, description or element (with a uri), "
                        "not '%s'",
                        t);
    return 0;
}

static json_t *op_metadata_get(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    md_type type;
    const char *uri;
    if (!n || md_type_parse(req, &type, &uri, err) < 0)
        return NULL;
    const netdef *def =
        proto_get_bool(req, "config", false) && n->config ? n->config : net_current(n);
    _cleanup_free_ char *element = type == MD_ELEMENT ? netdef_metadata_get(def, uri) : NULL;
    const char *v = type == MD_TITLE         ? def->title
                    : type == MD_DESCRIPTION ? def->description
                                             : element;
    if (!v) {
        verr_set(err, VERR_NOT_FOUND,
                 "metadata not found: Requested metadata element is not present");
        return NULL;
    }
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "value", json_string(v));
    return r;
}

static int md_apply(netdef *def, md_type type, const char *value, const char *key, const char *uri,
                    verr *err)
{
    char **field = type == MD_TITLE ? &def->title : &def->description;
    if (type == MD_ELEMENT)
        return netdef_metadata_set(def, value, key ? key : "ns", uri, err);
    if (type == MD_TITLE && value && strchr(value, '\n'))
        return verr_set(err, VERR_INVALID, "a network's title must fit on one line");
    free(*field);
    *field = value && *value ? xstrdup(value) : NULL;
    return 0;
}

static json_t *op_metadata_set(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    md_type type;
    const char *uri;
    if (!n || md_type_parse(req, &type, &uri, err) < 0)
        return NULL;
    const char *value = proto_get_str_opt(req, "value"), *key = proto_get_str_opt(req, "key");
    bool live = proto_get_bool(req, "live", false), config = proto_get_bool(req, "config", false);
    if (!live && !config) {
        live = net_active(n);
        config = !live;
    }
    if ((live && !net_active(n)) || (config && !net_persistent(n))) {
        verr_set(err, VERR_BUSY, "Requested operation is not valid: network '%s' %s", n->name,
                 live && !net_active(n) ? "is not active" : "is transient");
        return NULL;
    }
    _cleanup_(netdef_freep) netdef *newconf = config ? netdef_dup(n->config) : NULL;
    _cleanup_(netdef_freep) netdef *newlive = live ? netdef_dup(n->live) : NULL;
    if ((newconf && md_apply(newconf, type, value, key, uri, err) < 0) ||
        (newlive && md_apply(newlive, type, value, key, uri, err) < 0))
        return NULL;
    /* changed one of the two only: the status file must hold the live one
     * before the saved definition changes (a crash in between then cannot
     * make the running network look as if it ran the new definition) */
    if (newconf && !newlive && ops_detach_live(d, n, err) < 0)
        return NULL;
    if (newconf && registry_save_config(d, newconf, err) < 0)
        return NULL;
    if (!newconf && n->live_is_config)
        n->live_is_config = false; /* the status file must now hold the live one */
    if (newconf) {
        netdef_free(n->config);
        n->config = TAKE_PTR(newconf);
    }
    if (newlive) {
        netdef_free(n->live);
        n->live = TAKE_PTR(newlive);
    }
    if (n->live && !n->live_is_config) {
        verr e = VERR_INIT;
        if (registry_save_status(d, n, &e) < 0)
            log_warn("%s", e.msg);
    }
    static const char *const names[] = {"title", "description", "element"};
    json_t *data = json_pack("{ss}", "metadata", names[type]);
    if (uri)
        json_object_set_new(data, "uri", json_string(uri));
    vnet_event ev = {
        .type = VNET_EV_UPDATED, .network = n->name, .detail = "metadata changed", .data = data};
    memcpy(ev.uuid, n->uuid, 16);
    events_emit(d, &ev);
    json_decref(data);
    return proto_reply_ok();
}

static const op_def metadata_ops[] = {
    {"metadata-get", op_metadata_get, true},
    {"metadata-set", op_metadata_set, false},
};

const op_def *metadata_ops_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(metadata_ops); i++)
        if (streq(metadata_ops[i].name, name))
            return &metadata_ops[i];
    return NULL;
}

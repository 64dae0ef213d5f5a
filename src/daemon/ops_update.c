/* net-update: edit a network's definition (saved, running or both). Edits
 * are made on copies and committed only when every step (changing the live
 * network through network/, saving the file) worked. */
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "proto/proto.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

/* Commit a new live definition and status for an active network. */
void ops_commit_live(vnetd *d, vnet_net *net, netdef *newlive, net_run *newrun)
{
    netdef_free(net->live);
    net->live = newlive;
    if (newrun) {
        net_run_clear(&net->run);
        net->run = *newrun;
        memset(newrun, 0, sizeof(*newrun));
    }
    verr e = VERR_INIT;
    if (registry_save_status(d, net, &e) < 0)
        log_err("%s", e.msg);
}

void ops_update_rollback(vnetd *d, vnet_net *n, netdef_section section, bool config_saved)
{
    /* Put the running network back to its previous definition. */
    verr e = VERR_INIT;
    net_run back = {0};
    if (network_update_live(&d->env, n->live, section, &n->run, &back, &e) < 0)
        log_err("%s", e.msg);
    else
        ops_commit_live(d, n, netdef_dup(n->live), &back);
    verr_clear(&e);
    if (config_saved && registry_save_config(d, n->config, &e) < 0)
        log_err("network '%s': the update failed live and its saved definition could not "
                "be restored: %s",
                n->name, e.msg);
}

void ops_update_commit(vnetd *d, vnet_net *n, netdef *newlive, netdef *newconf, net_run *newrun,
                       const char *what)
{
    if (newlive) {
        if (!newconf)
            n->live_is_config = false;
        ops_commit_live(d, n, newlive, newrun);
    }
    if (newconf) {
        netdef_free(n->config);
        n->config = newconf;
    }
    log_info("network '%s' updated (%s)", n->name, what);
}

json_t *op_update(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    if (!n)
        return NULL;
    const char *cmd_s = proto_get_str(req, "command", err);
    const char *sec_s = cmd_s ? proto_get_str(req, "section", err) : NULL;
    const char *xml = sec_s ? proto_get_str(req, "xml", err) : NULL;
    if (!xml)
        return NULL;
    int cmd = netdef_update_cmd_from_string(cmd_s);
    int section = netdef_section_from_string(sec_s);
    if (cmd < 0) {
        verr_set(err, VERR_INVALID, "unknown update command '%s'", cmd_s);
        return NULL;
    }
    if (section < 0) {
        verr_set(err, VERR_INVALID, "unknown section '%s'", sec_s);
        return NULL;
    }
    int parent = (int)proto_get_int(req, "parent_index", -1);
    bool live = proto_get_bool(req, "live", false);
    bool config = proto_get_bool(req, "config", false);
    if (!live && !config) {
        live = net_active(n);
        config = !live;
    }
    if (live && !net_active(n)) {
        verr_set(err, VERR_BUSY, "Requested operation is not valid: network '%s' is not active",
                 n->name);
        return NULL;
    }
    if (config && !net_persistent(n)) {
        verr_set(err, VERR_BUSY,
                 "Requested operation is not valid: cannot change persistent config of a "
                 "transient network");
        return NULL;
    }

    _cleanup_(netdef_freep) netdef *newconf = config ? netdef_dup(n->config) : NULL;
    _cleanup_(netdef_freep) netdef *newlive = live ? netdef_dup(n->live) : NULL;
    if (newconf && netdef_update(newconf, cmd, section, parent, xml, err) < 0)
        return NULL;
    if (newlive && netdef_update(newlive, cmd, section, parent, xml, err) < 0)
        return NULL;
    /* changed one of the two only: the status file must hold the live one,
     * before the saved definition changes */
    if (newconf && !newlive && n->live_is_config && ops_detach_live(d, n, err) < 0)
        return NULL;
    /* Save first, apply live second, and take the save back if the live change
     * fails: a full disk must not leave the host running what is not saved. */
    if (newconf && registry_save_config(d, newconf, err) < 0)
        return NULL;
    _cleanup_free_ char *what = xasprintf("%s %s", cmd_s, sec_s);
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "live", json_boolean(live));
    json_object_set_new(r, "config", json_boolean(config));
    if (newlive && d->waiter) { /* dnsmasq's restart is waited for as events */
        int s = restarting_begin(d, n, TAKE_PTR(newlive), TAKE_PTR(newconf), section, what,
                                 control_waiter_done, d->waiter, err);
        if (s < 0) {
            json_decref(r);
            return NULL;
        }
        return s == 1 ? control_wait(d, r) : r;
    }
    net_run newrun = {0};
    if (newlive && network_update_live(&d->env, newlive, section, &n->run, &newrun, err) < 0) {
        json_decref(r);
        ops_update_rollback(d, n, section, newconf != NULL);
        return NULL;
    }
    ops_update_commit(d, n, TAKE_PTR(newlive), TAKE_PTR(newconf), &newrun, what);
    return r;
}

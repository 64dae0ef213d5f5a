/* Start / stop / adopt of an OVN network: no bridge, firewall or dnsmasq on
 * the host; the network is its northbound objects (ovn_nb.c). Each call
 * opens its own short connection to the definition's NB database. */
#include "ovn/ovn_network.h"
#include "ovn/ovn_nb.h"
#include "util/cleanup.h"

#define OVN_CALL_TIMEOUT_MS 5000

int ovn_network_connect(const netdef *def, ovsdb **ret, verr *err)
{
    if (ovsdb_connect(def->ovn.nb, OVN_CALL_TIMEOUT_MS, ret, err) < 0)
        return verr_prefix(err, "OVN northbound database of network '%s' unreachable", def->name);
    return 0;
}

int ovn_network_start(const netdef *def, const char *host, verr *err)
{
    _cleanup_(ovsdb_closep) ovsdb *c = NULL;
    if (ovn_network_connect(def, &c, err) < 0 || ovn_nb_ensure(c, def, host, NULL, err) < 0)
        return verr_prefix(err, "starting network '%s'", def->name);
    return 0;
}

int ovn_network_stop(const netdef *def, const char *host, verr *err)
{
    _cleanup_(ovsdb_closep) ovsdb *c = NULL;
    if (ovn_network_connect(def, &c, err) < 0 || ovn_nb_release(c, def->name, host, NULL, err) < 0)
        return verr_prefix(err, "stopping network '%s'", def->name);
    return 0;
}

int ovn_network_update(const netdef *def, const char *host, verr *err)
{
    _cleanup_(ovsdb_closep) ovsdb *c = NULL;
    if (ovn_network_connect(def, &c, err) < 0 || ovn_nb_ensure(c, def, host, NULL, err) < 0)
        return -1;
    return 0;
}

int ovn_network_adopt(const netdef *def, const char *host, bool *ret_repaired, verr *err)
{
    _cleanup_(ovsdb_closep) ovsdb *c = NULL;
    bool changed = false;
    if (ovn_network_connect(def, &c, err) < 0 || ovn_nb_ensure(c, def, host, &changed, err) < 0)
        return verr_prefix(err, "repairing network '%s'", def->name);
    if (ret_repaired)
        *ret_repaired = changed;
    return 0;
}

/* Host ports claimed by port forwards, across every network the daemon holds
 * (saved and running definitions: a port is claimed by a definition, active
 * or not). Used by define (registry.c) and forward-add (ops_forward.c); it
 * calls neither, so neither file depends on the other. */
#include <netinet/in.h>
#include <string.h>

#include "daemon/daemon.h"
#include "util/strbuf.h"

/* Does `o` claim a host port of `pf` (netdef_pf_clash)? *ret_port gets the
 * first shared port and *ret_k the range of `o` holding it. */
static bool forwards_overlap(const netdef_port_forward *o, const netdef_port_forward *pf,
                             unsigned *ret_port, size_t *ret_k)
{
    for (size_t k = 0; k < o->n_ranges; k++)
        for (size_t j = 0; j < pf->n_ranges; j++) {
            if (!netdef_pf_clash(o, k, pf, j))
                continue;
            const netdef_pf_range *a = &o->ranges[k], *b = &pf->ranges[j];
            *ret_port = a->start > b->start ? a->start : b->start;
            *ret_k = k;
            return true;
        }
    return false;
}

/* Refuse a forward whose host ports one of def's forwards already takes:
 * "host port tcp/8080 is already forwarded by network 'web' to 192.168.100.10:80". */
static int forward_conflict(const netdef *def, const netdef_port_forward *pf, verr *err)
{
    for (size_t i = 0; i < def->n_port_forwards; i++) {
        const netdef_port_forward *o = &def->port_forwards[i];
        unsigned port;
        size_t k;
        if (!forwards_overlap(o, pf, &port, &k))
            continue;
        const netdef_pf_range *r = &o->ranges[k];
        char g[VNET_ADDR_STRLEN], a[VNET_ADDR_STRLEN];
        unsigned to = (r->to ? r->to : r->start) + (port - r->start);
        bool v6 = o->guest.family == AF_INET6;
        const vnet_addr *host = vnet_addr_is_set(&o->address) ? &o->address : &pf->address;
        return verr_set(err, VERR_EXISTS,
                        "host port %s/%u%s%s is already forwarded by network '%s' to %s%s%s:%u",
                        netdef_proto_name(pf->proto), port, vnet_addr_is_set(host) ? " on " : "",
                        vnet_addr_is_set(host) ? vnet_addr_str(host, a) : "", def->name,
                        v6 ? "[" : "", vnet_addr_str(&o->guest, g), v6 ? "]" : "", to);
    }
    return 0;
}

/* Check pf against every definition the daemon holds (saved and running, of
 * every network: a port is claimed by a definition, active or not). */
int claims_check_forward(vnetd *d, const netdef_port_forward *pf, verr *err)
{
    for (size_t i = 0; i < d->n_nets; i++) {
        const vnet_net *o = d->nets[i];
        if ((o->config && forward_conflict(o->config, pf, err) < 0) ||
            (o->live && forward_conflict(o->live, pf, err) < 0))
            return -1;
    }
    return 0;
}

int claims_check_definition(vnetd *d, const netdef *def, verr *err)
{
    for (size_t i = 0; i < d->n_nets; i++) {
        const vnet_net *o = d->nets[i];
        if (streq(o->name, def->name))
            continue;
        for (size_t k = 0; k < def->n_port_forwards; k++) {
            const netdef_port_forward *pf = &def->port_forwards[k];
            if ((o->config && forward_conflict(o->config, pf, err) < 0) ||
                (o->live && forward_conflict(o->live, pf, err) < 0))
                return verr_prefix(err, "network '%s'", def->name);
        }
    }
    return 0;
}

/* Hand-built network definitions for the firewall tests (no XML parser
 * needed). Everything is malloc'd; def_free releases it. */
#pragma once

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conf/netdef.h"
#include "util/strbuf.h"

static inline netdef *def_new(const char *name, const char *bridge, netdef_forward_mode mode,
                              const char *dev)
{
    netdef *d = xcalloc(1, sizeof(*d));
    d->name = xstrdup(name);
    d->bridge_name = xstrdup(bridge);
    d->has_forward = mode != NETDEF_FWD_NONE;
    d->forward_mode = mode;
    d->forward_dev = xstrdup(dev);
    return d;
}

static inline netdef_ip *def_ip(netdef *d, const char *addr, unsigned prefix, bool dhcp)
{
    netdef_ip *ip = xarray_push(&d->ips, &d->n_ips, sizeof(*ip));
    if (vnet_addr_parse(addr, &ip->address) < 0)
        abort();
    ip->family = ip->address.family;
    ip->prefix = prefix;
    ip->has_dhcp = dhcp;
    return ip;
}

static inline netdef_port_forward *def_pf(netdef *d, int proto, const char *host, const char *guest,
                                          unsigned start, unsigned end, unsigned to)
{
    netdef_port_forward *pf = xarray_push(&d->port_forwards, &d->n_port_forwards, sizeof(*pf));
    pf->proto = proto;
    if (host && vnet_addr_parse(host, &pf->address) < 0)
        abort();
    if (vnet_addr_parse(guest, &pf->guest) < 0)
        abort();
    netdef_pf_range *r = xarray_push(&pf->ranges, &pf->n_ranges, sizeof(*r));
    r->start = start;
    r->end = end ? end : start;
    r->to = to;
    return pf;
}

static inline void def_free(netdef *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_ips; i++)
        free(d->ips[i].tftp_root);
    for (size_t i = 0; i < d->n_port_forwards; i++)
        free(d->port_forwards[i].ranges);
    free(d->ips);
    free(d->port_forwards);
    free(d->name);
    free(d->bridge_name);
    free(d->forward_dev);
    free(d);
}

/* netdef_dup(): a deep copy of a definition as data. Every pointer of the
 * model (netdef.h and the conf-private parts in netdef_priv.h) is copied
 * here; a field added to the model with a pointer needs a line here too, and
 * the unit test that dups every golden and conformance definition and
 * compares the formatted text catches one that was forgotten. */
#include <stdlib.h>
#include <string.h>

#include "conf/netdef_priv.h"

/* n elements of `size` bytes, or NULL when there are none. */
static void *dup_array(const void *from, size_t n, size_t size)
{
    if (!from || n == 0)
        return NULL;
    void *to = xcalloc(n, size);
    memcpy(to, from, n * size);
    return to;
}

static char **dup_strv(char *const *from, size_t n)
{
    char **to = dup_array(from, n, sizeof(*to));
    for (size_t i = 0; to && i < n; i++)
        to[i] = xstrdup(from[i]);
    return to;
}

static void dup_ip(netdef_ip *ip)
{
    ip->tftp_root = xstrdup(ip->tftp_root);
    ip->bootp_file = xstrdup(ip->bootp_file);
    ip->bootp_server = xstrdup(ip->bootp_server);
    ip->ranges = dup_array(ip->ranges, ip->n_ranges, sizeof(*ip->ranges));
    ip->hosts = dup_array(ip->hosts, ip->n_hosts, sizeof(*ip->hosts));
    for (size_t i = 0; i < ip->n_hosts; i++) {
        netdef_dhcp_host *h = &ip->hosts[i];
        h->mac = xstrdup(h->mac);
        h->id = xstrdup(h->id);
        h->name = xstrdup(h->name);
    }
}

static void dup_dns(netdef_dns *d)
{
    d->forwarders = dup_array(d->forwarders, d->n_forwarders, sizeof(*d->forwarders));
    for (size_t i = 0; i < d->n_forwarders; i++) {
        d->forwarders[i].addr = xstrdup(d->forwarders[i].addr);
        d->forwarders[i].domain = xstrdup(d->forwarders[i].domain);
    }
    d->hosts = dup_array(d->hosts, d->n_hosts, sizeof(*d->hosts));
    for (size_t i = 0; i < d->n_hosts; i++)
        d->hosts[i].hostnames = dup_strv(d->hosts[i].hostnames, d->hosts[i].n_hostnames);
    d->txts = dup_array(d->txts, d->n_txts, sizeof(*d->txts));
    for (size_t i = 0; i < d->n_txts; i++) {
        d->txts[i].name = xstrdup(d->txts[i].name);
        d->txts[i].value = xstrdup(d->txts[i].value);
    }
    d->srvs = dup_array(d->srvs, d->n_srvs, sizeof(*d->srvs));
    for (size_t i = 0; i < d->n_srvs; i++) {
        netdef_dns_srv *s = &d->srvs[i];
        s->service = xstrdup(s->service);
        s->protocol = xstrdup(s->protocol);
        s->domain = xstrdup(s->domain);
        s->target = xstrdup(s->target);
    }
}

static netdef_vport *dup_vport(const netdef_vport *from)
{
    if (!from)
        return NULL;
    netdef_vport *to = xmalloc(sizeof(*to));
    *to = *from;
    to->type = xstrdup(from->type);
    to->instanceid = xstrdup(from->instanceid);
    to->interfaceid = xstrdup(from->interfaceid);
    to->profileid = xstrdup(from->profileid);
    return to;
}

static void dup_vlan(netdef_vlan *v)
{
    v->tags = dup_array(v->tags, v->n_tags, sizeof(*v->tags));
}

static struct netdef_extra *dup_extra(const struct netdef_extra *from)
{
    if (!from)
        return NULL;
    struct netdef_extra *x = xmalloc(sizeof(*x));
    *x = *from;
    x->source = xstrdup(from->source);
    x->forward_driver = xstrdup(from->forward_driver);
    x->forward_pf = xstrdup(from->forward_pf);
    x->addrs = dup_array(from->addrs, from->n_addrs, sizeof(*x->addrs));
    x->vport = dup_vport(from->vport);
    dup_vlan(&x->vlan);
    x->portgroups = dup_array(from->portgroups, from->n_portgroups, sizeof(*x->portgroups));
    for (size_t i = 0; i < x->n_portgroups; i++) {
        netdef_portgroup *pg = &x->portgroups[i];
        pg->name = xstrdup(pg->name);
        dup_vlan(&pg->vlan);
        pg->vport = dup_vport(pg->vport);
    }
    return x;
}

static void dup_port_forwards(netdef *def)
{
    def->port_forwards =
        dup_array(def->port_forwards, def->n_port_forwards, sizeof(*def->port_forwards));
    for (size_t i = 0; i < def->n_port_forwards; i++) {
        netdef_port_forward *pf = &def->port_forwards[i];
        pf->ranges = dup_array(pf->ranges, pf->n_ranges, sizeof(*pf->ranges));
    }
}

netdef *netdef_dup(const netdef *from)
{
    netdef *def = xmalloc(sizeof(*def));
    *def = *from;
    def->name = xstrdup(from->name);
    def->title = xstrdup(from->title);
    def->description = xstrdup(from->description);
    def->metadata_xml = xstrdup(from->metadata_xml);
    def->bridge_name = xstrdup(from->bridge_name);
    def->mac_table_manager = xstrdup(from->mac_table_manager);
    def->zone = xstrdup(from->zone);
    def->domain = xstrdup(from->domain);
    def->forward_dev = xstrdup(from->forward_dev);
    def->forward_ifaces = dup_strv(from->forward_ifaces, from->n_forward_ifaces);
    def->ips = dup_array(from->ips, from->n_ips, sizeof(*def->ips));
    for (size_t i = 0; i < def->n_ips; i++)
        dup_ip(&def->ips[i]);
    def->routes = dup_array(from->routes, from->n_routes, sizeof(*def->routes));
    dup_dns(&def->dns);
    def->dnsmasq_options = dup_strv(from->dnsmasq_options, from->n_dnsmasq_options);
    dup_port_forwards(def);
    def->extra = dup_extra(from->extra);
    return def;
}

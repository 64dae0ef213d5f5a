/* dhcp-leases: dnsmasq's lease file of a network, as virsh shows it. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "daemon/daemon.h"
#include "dnsmasq/dnsmasq.h"
#include "proto/proto.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static int lease_cmp(const void *a, const void *b)
{
    const dnsmasq_lease *x = a, *y = b;
    int r = strcasecmp(x->mac, y->mac);
    return r ? r : strcmp(x->ip, y->ip);
}

/* Prefix of the <ip> whose subnet holds the lease; the first <ip> of the
 * family otherwise; the full length when the network has none. */
static unsigned lease_prefix(const netdef *def, const dnsmasq_lease *l)
{
    vnet_addr a;
    if (vnet_addr_parse_family(l->ip, l->family, &a) < 0)
        return vnet_addr_bits(l->family);
    const netdef_ip *first = NULL;
    for (size_t i = 0; i < def->n_ips; i++) {
        const netdef_ip *ip = &def->ips[i];
        if (ip->family != l->family)
            continue;
        if (vnet_addr_in_subnet(&a, &ip->address, ip->prefix))
            return ip->prefix;
        if (!first)
            first = ip;
    }
    return first ? first->prefix : vnet_addr_bits(l->family);
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

json_t *op_dhcp_leases(vnetd *d, json_t *req, verr *err)
{
    const char *name = proto_get_str(req, "name", err);
    vnet_net *n = name ? registry_get(d, name, err) : NULL;
    if (!n)
        return NULL;
    const char *mac = proto_get_str_opt(req, "mac");
    _cleanup_free_ char *path = store_dnsmasq_path(&d->paths, n->name, "leases");
    _cleanup_free_ dnsmasq_lease *leases = NULL;
    size_t nl = 0;
    if (dnsmasq_leases_read(path, &leases, &nl, err) < 0)
        return NULL;
    if (nl > 1)
        qsort(leases, nl, sizeof(*leases), lease_cmp);
    const netdef *def = net_current(n);
    time_t now = time(NULL);
    json_t *arr = json_array();
    for (size_t i = 0; i < nl; i++) {
        const dnsmasq_lease *l = &leases[i];
        if (l->expiry != 0 && l->expiry < now)
            continue;
        if (mac && strcasecmp(mac, l->mac) != 0)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "expiry", json_integer(l->expiry));
        json_object_set_new(o, "mac", str_or_null(l->mac));
        json_object_set_new(o, "type", json_string(l->family == AF_INET6 ? "ipv6" : "ipv4"));
        json_object_set_new(o, "ip", json_string(l->ip));
        json_object_set_new(o, "prefix", json_integer(lease_prefix(def, l)));
        json_object_set_new(o, "hostname", str_or_null(l->hostname));
        json_object_set_new(o, "client_id", str_or_null(l->client_id));
        if (l->family == AF_INET6)
            json_object_set_new(o, "iaid", json_integer(l->iaid));
        json_array_append_new(arr, o);
    }
    json_t *r = proto_reply_ok();
    json_object_set_new(r, "leases", arr);
    return r;
}

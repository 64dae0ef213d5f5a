/* What a definition may hold, as libvirt lets it, but probably not as meant:
 * warnings for `vnet validate` and `vnet define`. */
#include <stdlib.h>

#include "conf/netdef_priv.h"
#include "util/strbuf.h"

/* A DHCP host outside its <ip>'s subnet: libvirt (and cockpit's and
 * virt-manager's test networks) have them; dnsmasq gives such an address to
 * nobody. */
static void warn_hosts(const netdef *def, strbuf *b)
{
    char a[VNET_ADDR_STRLEN], n[VNET_ADDR_STRLEN];
    for (size_t i = 0; i < def->n_ips; i++) {
        const netdef_ip *ip = &def->ips[i];
        for (size_t j = 0; j < ip->n_hosts; j++) {
            const netdef_dhcp_host *h = &ip->hosts[j];
            if (h->ip.family != ip->family || vnet_addr_in_subnet(&h->ip, &ip->address, ip->prefix))
                continue;
            verr e = VERR_INIT;
            netdef_err(&e, netdef_source(def), h->line, "host", "ip",
                       "%s is outside network %s/%u: accepted as libvirt does, but dnsmasq "
                       "will give it to no one",
                       vnet_addr_str(&h->ip, a), vnet_addr_str(&ip->address, n), ip->prefix);
            strbuf_addf(b, "%s\n", e.msg);
        }
    }
}

char *netdef_warnings(const netdef *def)
{
    strbuf b = STRBUF_INIT;
    warn_hosts(def, &b);
    if (b.len == 0) {
        strbuf_free(&b);
        return NULL;
    }
    return strbuf_take(&b);
}

unsigned netdef_route_metric(const netdef_route *r)
{
    /* libvirt: "metric ... defaults to 1" (and 0 counts as absent) */
    return r->has_metric && r->metric > 0 ? r->metric : 1;
}

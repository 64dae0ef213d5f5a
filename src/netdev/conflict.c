/* Subnet collision check: is a network's subnet already used on this host? */
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netdev/nl.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

typedef struct conflict_ctx {
    vnet_addr net;
    unsigned prefix;
    int own_ifindex; /* 0 = no own link (yet) */
    char *what;
    size_t what_len;
} conflict_ctx;

static bool addr_is_link_local6(const vnet_addr *a)
{
    return a->family == AF_INET6 && a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;
}

static bool addr_is_multicast6(const vnet_addr *a)
{
    return a->family == AF_INET6 && a->bytes[0] == 0xff;
}

/* Default routes and the routes the kernel puts on every IPv6 link (fe80::/64,
 * ff00::/8) say nothing about who uses a subnet. */
static bool route_ignored(const nl_route *r)
{
    return r->dst_len == 0 || addr_is_link_local6(&r->dst) || addr_is_multicast6(&r->dst);
}

/* The name of a conflicting interface, for the message: asked only when a
 * conflict is found (one ioctl), not by dumping every link for each check. */
static const char *link_name(const conflict_ctx *c, int ifindex, char buf[IF_NAMESIZE + 8])
{
    (void)c;
    if (ifindex > 0 && if_indextoname((unsigned)ifindex, buf))
        return buf;
    snprintf(buf, IF_NAMESIZE + 8, "#%d", ifindex);
    return buf;
}

/* A link being deleted in the background (netdev_link_delete_background
 * renamed it vnetgcN) still holds its addresses for a moment: its subnet is
 * already free. Asked by name (one ioctl) only for an overlapping address or
 * route, as link_name. */
static bool link_is_going(const conflict_ctx *c, int ifindex)
{
    char buf[IF_NAMESIZE + 8];
    return ifindex > 0 && strncmp(link_name(c, ifindex, buf), "vnetgc", 6) == 0;
}

static int conflict_addrs(conflict_ctx *c, verr *err)
{
    _cleanup_free_ nl_addr *list = NULL;
    size_t n = 0;
    char net[VNET_ADDR_STRLEN], a[VNET_ADDR_STRLEN], name[IF_NAMESIZE + 8];
    if (nl_addr_list(c->net.family, 0, &list, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const nl_addr *x = &list[i];
        if (x->ifindex == c->own_ifindex || addr_is_link_local6(&x->addr))
            continue;
        if (!vnet_subnet_overlap(&c->net, c->prefix, &x->addr, x->prefix) ||
            link_is_going(c, x->ifindex))
            continue;
        snprintf(c->what, c->what_len, "%s/%u is already in use by interface %s (%s/%u)",
                 vnet_addr_str(&c->net, net), c->prefix, link_name(c, x->ifindex, name),
                 vnet_addr_str(&x->addr, a), x->prefix);
        return 1;
    }
    return 0;
}

static int conflict_routes(conflict_ctx *c, verr *err)
{
    _cleanup_free_ nl_route *list = NULL;
    size_t n = 0;
    char net[VNET_ADDR_STRLEN], d[VNET_ADDR_STRLEN], name[IF_NAMESIZE + 8];
    if (nl_route_list(c->net.family, &list, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const nl_route *r = &list[i];
        if (route_ignored(r) || (r->oif && r->oif == c->own_ifindex))
            continue;
        if (!vnet_subnet_overlap(&c->net, c->prefix, &r->dst, r->dst_len) ||
            (r->oif && link_is_going(c, r->oif)))
            continue;
        int k =
            snprintf(c->what, c->what_len, "%s/%u is already in use by a route to %s/%u",
                     vnet_addr_str(&c->net, net), c->prefix, vnet_addr_str(&r->dst, d), r->dst_len);
        if (r->oif && k > 0 && (size_t)k < c->what_len)
            snprintf(c->what + k, c->what_len - (size_t)k, " via %s", link_name(c, r->oif, name));
        return 1;
    }
    return 0;
}

int netdev_subnet_conflict(const vnet_addr *net, unsigned prefix, const char *own_ifname,
                           char *ret_what, size_t what_len, verr *err)
{
    if (!net || (net->family != AF_INET && net->family != AF_INET6))
        return verr_set(err, VERR_INVALID, "subnet check: address is not set");
    if (prefix > vnet_addr_bits(net->family))
        return verr_set(err, VERR_INVALID, "subnet check: prefix /%u is too long", prefix);
    char scratch[256];
    conflict_ctx c = {.prefix = prefix, .what = ret_what, .what_len = what_len};
    if (!ret_what || what_len == 0) {
        c.what = scratch;
        c.what_len = sizeof(scratch);
    }
    vnet_addr_network(net, prefix, &c.net);
    if (!strempty(own_ifname)) {
        netdev_link own;
        int r = netdev_link_get(own_ifname, &own, err);
        if (r < 0)
            return -1;
        c.own_ifindex = r > 0 ? own.ifindex : 0;
    }
    int r = conflict_addrs(&c, err);
    if (r == 0)
        r = conflict_routes(&c, err);
    return r;
}

/* Static routes in the main table. */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>

#include "netdev/nl.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

/* The metric the kernel gives an IPv6 route added with none (IP6_RT_PRIO_USER). */
#define ROUTE6_DEFAULT_METRIC 1024u

typedef struct route_spec {
    vnet_addr dst; /* network address (host bits cleared) */
    unsigned prefix;
    const vnet_addr *gw; /* NULL = directly on the link */
    int oif;             /* 0 = let the kernel choose (from the gateway) */
    unsigned metric;
    char desc[160]; /* "10.1.0.0/16 via 192.168.122.2 dev virbr0", for messages */
} route_spec;

static void route_describe(route_spec *r, const char *ifname)
{
    char d[VNET_ADDR_STRLEN], g[VNET_ADDR_STRLEN];
    vnet_addr_str(&r->dst, d);
    int n = snprintf(r->desc, sizeof(r->desc), "%s/%u", d, r->prefix);
    if (r->gw && n > 0 && (size_t)n < sizeof(r->desc))
        n += snprintf(r->desc + n, sizeof(r->desc) - (size_t)n, " via %s", vnet_addr_str(r->gw, g));
    if (ifname && n > 0 && (size_t)n < sizeof(r->desc))
        snprintf(r->desc + n, sizeof(r->desc) - (size_t)n, " dev %s", ifname);
}

/* Validate the arguments and fill the spec (the link's index is resolved by the caller). */
static int route_spec_init(route_spec *r, const vnet_addr *dst, unsigned prefix,
                           const vnet_addr *gateway, const char *ifname, unsigned metric, verr *err)
{
    if (!dst || (dst->family != AF_INET && dst->family != AF_INET6))
        return verr_set(err, VERR_INVALID, "route: destination address is not set");
    if (prefix > vnet_addr_bits(dst->family))
        return verr_set(err, VERR_INVALID, "route: prefix /%u is too long for the address family",
                        prefix);
    *r = (route_spec){.prefix = prefix, .metric = metric};
    vnet_addr_network(dst, prefix, &r->dst);
    if (gateway && vnet_addr_is_set(gateway))
        r->gw = gateway;
    route_describe(r, ifname);
    if (r->gw && r->gw->family != dst->family)
        return verr_set(err, VERR_INVALID, "route %s: gateway and destination differ in family",
                        r->desc);
    if (!r->gw && strempty(ifname))
        return verr_set(err, VERR_INVALID, "route %s: needs a gateway or an interface", r->desc);
    if (ifname && nl_ifname_check(ifname, err) < 0)
        return verr_prefix(err, "route %s", r->desc);
    return 0;
}

static struct nlmsghdr *route_msg(char *buf, uint16_t type, uint16_t flags, const route_spec *r)
{
    struct rtmsg *rtm;
    struct nlmsghdr *nlh = nl_msg_start(buf, type, flags, sizeof(*rtm), (void **)&rtm);
    int family = r->dst.family;
    size_t len = nl_addr_len(family);
    rtm->rtm_family = (uint8_t)family;
    rtm->rtm_dst_len = (uint8_t)r->prefix;
    rtm->rtm_table = RT_TABLE_MAIN;
    if (type == RTM_NEWROUTE) {
        rtm->rtm_protocol = RTPROT_STATIC;
        rtm->rtm_type = RTN_UNICAST;
        rtm->rtm_scope = r->gw || family == AF_INET6 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    } else {
        rtm->rtm_scope = RT_SCOPE_NOWHERE; /* delete: match any scope, type and protocol */
    }
    mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
    if (r->prefix)
        mnl_attr_put(nlh, RTA_DST, len, r->dst.bytes);
    if (r->gw)
        mnl_attr_put(nlh, RTA_GATEWAY, len, r->gw->bytes);
    if (r->oif)
        mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->oif);
    if (r->metric)
        mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
    return nlh;
}

/* After EEXIST: is the route that exists the one asked for (same gateway and link)?
 * The kernel says EEXIST for any route with the same destination and metric. */
static int route_exists_same(const route_spec *r, verr *err)
{
    _cleanup_free_ nl_route *list = NULL;
    size_t n = 0;
    if (nl_route_list_oif(r->dst.family, r->oif, &list, &n, err) < 0)
        return -1;
    unsigned metric = r->metric;
    if (metric == 0 && r->dst.family == AF_INET6)
        metric = ROUTE6_DEFAULT_METRIC;
    for (size_t i = 0; i < n; i++) {
        const nl_route *x = &list[i];
        if (x->dst_len != r->prefix || !vnet_addr_equal(&x->dst, &r->dst) || x->metric != metric)
            continue;
        if (r->gw && !vnet_addr_equal(&x->gateway, r->gw))
            continue;
        if (!r->gw && vnet_addr_is_set(&x->gateway))
            continue;
        if (r->oif && x->oif != r->oif)
            continue;
        return 1;
    }
    return 0;
}

int netdev_route_add(const vnet_addr *dst, unsigned prefix, const vnet_addr *gateway,
                     const char *ifname, unsigned metric, verr *err)
{
    route_spec r;
    if (route_spec_init(&r, dst, prefix, gateway, ifname, metric, err) < 0)
        return -1;
    if (ifname && (r.oif = nl_ifindex(ifname, err)) < 0)
        return verr_prefix(err, "adding route %s", r.desc);
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = route_msg(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &r);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) == 0)
        return 0;
    if (e.code == EEXIST) {
        int same = route_exists_same(&r, err);
        if (same != 0)
            return same > 0 ? 0 : verr_prefix(err, "adding route %s", r.desc);
        return verr_set(err, VERR_EXISTS,
                        "adding route %s: a different route to %s/%u with the same metric exists",
                        r.desc, vnet_addr_str(&r.dst, (char[VNET_ADDR_STRLEN]){0}), r.prefix);
    }
    return nl_verr(err, &e, "adding route %s", r.desc);
}

int netdev_route_has(const vnet_addr *dst, unsigned prefix, const char *ifname, verr *err)
{
    route_spec r;
    if (route_spec_init(&r, dst, prefix, NULL, ifname, 0, err) < 0)
        return -1;
    if ((r.oif = nl_ifindex(ifname, err)) < 0)
        return -1;
    return route_exists_same(&r, err);
}

int netdev_route_del(const vnet_addr *dst, unsigned prefix, const vnet_addr *gateway,
                     const char *ifname, unsigned metric, verr *err)
{
    route_spec r;
    if (route_spec_init(&r, dst, prefix, gateway, ifname, metric, err) < 0)
        return -1;
    if (ifname) {
        netdev_link link;
        int found = netdev_link_get(ifname, &link, err);
        if (found < 0)
            return verr_prefix(err, "removing route %s", r.desc);
        if (found == 0)
            return 0; /* the link took its routes with it */
        r.oif = link.ifindex;
    }
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = route_msg(buf, RTM_DELROUTE, 0, &r);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0 && e.code != ESRCH && e.code != ENODEV)
        return nl_verr(err, &e, "removing route %s", r.desc);
    return 0;
}

int netdev_route_list_static(const char *ifname, netdev_route **ret, size_t *ret_n, verr *err)
{
    int ifindex = nl_ifindex(ifname, err);
    if (ifindex < 0)
        return -1;
    netdev_route *list = NULL;
    size_t n = 0;
    static const int families[] = {AF_INET, AF_INET6};
    for (size_t f = 0; f < ARRAY_SIZE(families); f++) {
        _cleanup_free_ nl_route *routes = NULL;
        size_t nr = 0;
        if (nl_route_list_oif(families[f], ifindex, &routes, &nr, err) < 0) {
            free(list);
            return -1;
        }
        for (size_t i = 0; i < nr; i++) {
            if (routes[i].oif != ifindex || routes[i].protocol != RTPROT_STATIC)
                continue;
            netdev_route *r = xarray_push(&list, &n, sizeof(*r));
            r->dst = routes[i].dst;
            r->prefix = routes[i].dst_len;
            r->gateway = routes[i].gateway;
            r->metric = routes[i].metric;
        }
    }
    *ret = list;
    *ret_n = n;
    return 0;
}

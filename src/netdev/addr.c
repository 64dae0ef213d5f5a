/* Addresses on links: add (replace), delete, query. */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>

#include "netdev/nl.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static int addr_check(const char *ifname, const vnet_addr *addr, unsigned prefix, verr *err)
{
    if (nl_ifname_check(ifname, err) < 0)
        return -1;
    if (!addr || (addr->family != AF_INET && addr->family != AF_INET6))
        return verr_set(err, VERR_INVALID, "interface '%s': address is not set", ifname);
    if (prefix > vnet_addr_bits(addr->family)) {
        char a[VNET_ADDR_STRLEN];
        return verr_set(err, VERR_INVALID, "interface '%s': prefix /%u is too long for %s", ifname,
                        prefix, vnet_addr_str(addr, a));
    }
    return 0;
}

/* RTM_NEWADDR / RTM_DELADDR for addr/prefix on ifindex. IPv4 gets IFA_LOCAL,
 * IFA_ADDRESS and a broadcast; IPv6 skips duplicate address detection so the
 * address is usable at once (the bridge is ours, nobody else can hold it). */
static struct nlmsghdr *addr_msg(char *buf, uint16_t type, uint16_t flags, int ifindex,
                                 const vnet_addr *addr, unsigned prefix)
{
    struct ifaddrmsg *ifa;
    struct nlmsghdr *nlh = nl_msg_start(buf, type, flags, sizeof(*ifa), (void **)&ifa);
    size_t len = nl_addr_len(addr->family);
    ifa->ifa_family = (uint8_t)addr->family;
    ifa->ifa_prefixlen = (uint8_t)prefix;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = (uint32_t)ifindex;
    if (addr->family == AF_INET) {
        mnl_attr_put(nlh, IFA_LOCAL, len, addr->bytes);
        mnl_attr_put(nlh, IFA_ADDRESS, len, addr->bytes);
        if (type == RTM_NEWADDR && prefix < 31) {
            vnet_addr bcast;
            vnet_addr_last(addr, prefix, &bcast);
            mnl_attr_put(nlh, IFA_BROADCAST, len, bcast.bytes);
        }
    } else {
        mnl_attr_put(nlh, IFA_ADDRESS, len, addr->bytes);
        if (type == RTM_NEWADDR) {
            ifa->ifa_flags = IFA_F_NODAD;
            mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
        }
    }
    return nlh;
}

int netdev_addr_add(const char *ifname, const vnet_addr *addr, unsigned prefix, verr *err)
{
    char a[VNET_ADDR_STRLEN];
    if (addr_check(ifname, addr, prefix, err) < 0)
        return -1;
    vnet_addr_str(addr, a);
    int ifindex = nl_ifindex(ifname, err);
    if (ifindex < 0)
        return verr_prefix(err, "adding address %s/%u", a, prefix);
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh =
        addr_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, addr, prefix);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0)
        return nl_verr(err, &e, "adding address %s/%u to '%s'", a, prefix, ifname);
    return 0;
}

int netdev_addr_del(const char *ifname, const vnet_addr *addr, unsigned prefix, verr *err)
{
    char a[VNET_ADDR_STRLEN];
    if (addr_check(ifname, addr, prefix, err) < 0)
        return -1;
    vnet_addr_str(addr, a);
    netdev_link link;
    int r = netdev_link_get(ifname, &link, err);
    if (r <= 0) /* no link, no address */
        return r < 0 ? verr_prefix(err, "removing address %s/%u", a, prefix) : 0;
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = addr_msg(buf, RTM_DELADDR, 0, link.ifindex, addr, prefix);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0 && e.code != EADDRNOTAVAIL && e.code != ENODEV)
        return nl_verr(err, &e, "removing address %s/%u from '%s'", a, prefix, ifname);
    return 0;
}

int netdev_addr_has(const char *ifname, const vnet_addr *addr, unsigned prefix, verr *err)
{
    if (addr_check(ifname, addr, prefix, err) < 0)
        return -1;
    netdev_link link;
    int r = netdev_link_get(ifname, &link, err);
    if (r <= 0)
        return r;
    _cleanup_free_ nl_addr *list = NULL;
    size_t n = 0;
    if (nl_addr_list(addr->family, link.ifindex, &list, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (list[i].ifindex == link.ifindex && list[i].prefix == prefix &&
            vnet_addr_equal(&list[i].addr, addr))
            return 1;
    return 0;
}

int netdev_addr_list(const char *ifname, netdev_addr **ret, size_t *ret_n, verr *err)
{
    int ifindex = nl_ifindex(ifname, err);
    if (ifindex < 0)
        return -1;
    netdev_addr *list = NULL;
    size_t n = 0;
    static const int families[] = {AF_INET, AF_INET6};
    for (size_t f = 0; f < ARRAY_SIZE(families); f++) {
        _cleanup_free_ nl_addr *addrs = NULL;
        size_t na = 0;
        if (nl_addr_list(families[f], ifindex, &addrs, &na, err) < 0) {
            free(list);
            return -1;
        }
        for (size_t i = 0; i < na; i++) {
            netdev_addr *a = xarray_push(&list, &n, sizeof(*a));
            a->addr = addrs[i].addr;
            a->prefix = addrs[i].prefix;
            a->link_local = addrs[i].scope == RT_SCOPE_LINK || addrs[i].scope == RT_SCOPE_HOST;
        }
    }
    *ret = list;
    *ret_n = n;
    return 0;
}

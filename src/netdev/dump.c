/* Parsing rtnetlink link/address/route messages, and dumps of each into arrays. */
/* net/if.h (via nl.h) must come before linux/if.h. */
#include "netdev/nl.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/strbuf.h"

/* Attribute index for mnl_attr_parse: keeps the last attribute of each known type. */
typedef struct attr_tb {
    const struct nlattr **tb;
    unsigned max;
} attr_tb;

static int attr_tb_cb(const struct nlattr *attr, void *data)
{
    attr_tb *t = data;
    unsigned type = mnl_attr_get_type(attr);
    if (type <= t->max)
        t->tb[type] = attr;
    return MNL_CB_OK;
}

static bool attr_u32(const struct nlattr *a, uint32_t *ret)
{
    if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
        return false;
    *ret = mnl_attr_get_u32(a);
    return true;
}

static bool attr_str(const struct nlattr *a, const char **ret)
{
    if (!a || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
        return false;
    *ret = mnl_attr_get_str(a);
    return true;
}

/* STP state and forward delay from a bridge's IFLA_INFO_DATA. */
static void link_parse_bridge(const struct nlattr *info_data, netdev_link *ret)
{
    const struct nlattr *tb[IFLA_BR_MAX + 1] = {NULL};
    attr_tb t = {tb, IFLA_BR_MAX};
    if (mnl_attr_parse_nested(info_data, attr_tb_cb, &t) < 0)
        return;
    uint32_t v;
    if (attr_u32(tb[IFLA_BR_STP_STATE], &v))
        ret->stp = v != 0;
    if (attr_u32(tb[IFLA_BR_FORWARD_DELAY], &v))
        ret->delay_ms = v * 10; /* clock_t: centiseconds */
}

static void link_parse_info(const struct nlattr *linkinfo, netdev_link *ret)
{
    const struct nlattr *tb[IFLA_INFO_MAX + 1] = {NULL};
    attr_tb t = {tb, IFLA_INFO_MAX};
    const char *kind;
    if (mnl_attr_parse_nested(linkinfo, attr_tb_cb, &t) < 0)
        return;
    if (attr_str(tb[IFLA_INFO_KIND], &kind))
        snprintf(ret->kind, sizeof(ret->kind), "%s", kind);
    if (streq(ret->kind, "bridge") && tb[IFLA_INFO_DATA])
        link_parse_bridge(tb[IFLA_INFO_DATA], ret);
}

int nl_link_parse(const struct nlmsghdr *nlh, netdev_link *ret)
{
    const struct nlattr *tb[IFLA_MAX + 1] = {NULL};
    attr_tb t = {tb, IFLA_MAX};
    if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
        return -1;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    if (mnl_attr_parse(nlh, sizeof(*ifi), attr_tb_cb, &t) < 0)
        return -1;
    memset(ret, 0, sizeof(*ret));
    ret->ifindex = ifi->ifi_index;
    ret->up = ifi->ifi_flags & IFF_UP;
    ret->running = ifi->ifi_flags & IFF_RUNNING;
    const char *name;
    if (!attr_str(tb[IFLA_IFNAME], &name))
        return -1;
    snprintf(ret->name, sizeof(ret->name), "%s", name);
    uint32_t v;
    if (attr_u32(tb[IFLA_MTU], &v))
        ret->mtu = v;
    if (attr_u32(tb[IFLA_MASTER], &v))
        ret->master = (int)v;
    if (tb[IFLA_OPERSTATE] && mnl_attr_validate(tb[IFLA_OPERSTATE], MNL_TYPE_U8) == 0 &&
        mnl_attr_get_u8(tb[IFLA_OPERSTATE]) == IF_OPER_UP)
        ret->running = true;
    if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6)
        memcpy(ret->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
    if (tb[IFLA_LINKINFO])
        link_parse_info(tb[IFLA_LINKINFO], ret);
    if (attr_str(tb[IFLA_IFALIAS], &name))
        snprintf(ret->alias, sizeof(ret->alias), "%s", name);
    return 0;
}

typedef struct list_ctx {
    void *items;
    size_t n;
    int family;  /* addresses and routes: only this family */
    int ifindex; /* addresses: only this link, 0 = all */
} list_ctx;

/* A dump the kernel marks interrupted (NLM_F_DUMP_INTR: the list changed
 * while it was read, e.g. an IPv6 link-local address of a bridge just up)
 * fails with EINTR: read it again from the start, a few times. */
#define DUMP_INTR_RETRIES 10

static int dump_talk(struct nlmsghdr *nlh, mnl_cb_t cb, list_ctx *c, nl_error *e)
{
    int r = 0;
    for (int i = 0; i < DUMP_INTR_RETRIES; i++) {
        r = nl_talk(nlh, cb, c, e);
        if (r >= 0 || e->code != EINTR)
            return r;
        free(c->items);
        c->items = NULL;
        c->n = 0;
    }
    return r;
}

static int link_list_cb(const struct nlmsghdr *nlh, void *data)
{
    list_ctx *c = data;
    netdev_link l;
    if (nlh->nlmsg_type != RTM_NEWLINK || nl_link_parse(nlh, &l) < 0)
        return MNL_CB_OK;
    *(netdev_link *)xarray_push(&c->items, &c->n, sizeof(netdev_link)) = l;
    return MNL_CB_OK;
}

int nl_link_list(netdev_link **ret, size_t *ret_n, verr *err)
{
    return nl_link_list_master(0, ret, ret_n, err);
}

int nl_link_list_master(int master, netdev_link **ret, size_t *ret_n, verr *err)
{
    char buf[NL_REQ_SIZE];
    struct ifinfomsg *ifi;
    struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETLINK, NLM_F_DUMP, sizeof(*ifi), (void **)&ifi);
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    /* the kernel then sends only the bridge's ports, not every link of the host */
    if (master > 0)
        mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
    list_ctx c = {0};
    nl_error e;
    if (dump_talk(nlh, link_list_cb, &c, &e) < 0) {
        free(c.items);
        return nl_verr(err, &e, "listing interfaces");
    }
    *ret = c.items;
    *ret_n = c.n;
    return 0;
}

static int addr_list_cb(const struct nlmsghdr *nlh, void *data)
{
    list_ctx *c = data;
    const struct nlattr *tb[IFA_MAX + 1] = {NULL};
    attr_tb t = {tb, IFA_MAX};
    if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifaddrmsg))
        return MNL_CB_OK;
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    if (ifa->ifa_family != c->family || (c->ifindex && (int)ifa->ifa_index != c->ifindex))
        return MNL_CB_OK;
    if (mnl_attr_parse(nlh, sizeof(*ifa), attr_tb_cb, &t) < 0)
        return MNL_CB_OK;
    nl_addr a = {.ifindex = (int)ifa->ifa_index,
                 .prefix = ifa->ifa_prefixlen,
                 .scope = ifa->ifa_scope,
                 .flags = ifa->ifa_flags};
    attr_u32(tb[IFA_FLAGS], &a.flags);
    if (nl_attr_addr(tb[IFA_LOCAL], c->family, &a.addr) < 0 &&
        nl_attr_addr(tb[IFA_ADDRESS], c->family, &a.addr) < 0)
        return MNL_CB_OK;
    *(nl_addr *)xarray_push(&c->items, &c->n, sizeof(nl_addr)) = a;
    return MNL_CB_OK;
}

int nl_addr_list(int family, int ifindex, nl_addr **ret, size_t *ret_n, verr *err)
{
    char buf[NL_REQ_SIZE];
    struct ifaddrmsg *ifa;
    struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa), (void **)&ifa);
    ifa->ifa_family = (uint8_t)family;
    ifa->ifa_index = (uint32_t)ifindex; /* a filter under strict checking; we filter too */
    list_ctx c = {.family = family, .ifindex = ifindex};
    nl_error e;
    if (dump_talk(nlh, addr_list_cb, &c, &e) < 0) {
        free(c.items);
        return nl_verr(err, &e, "listing addresses");
    }
    *ret = c.items;
    *ret_n = c.n;
    return 0;
}

/* The device of the first nexthop of a multipath route. */
static int route_multipath_oif(const struct nlattr *mp)
{
    size_t len = mnl_attr_get_payload_len(mp);
    if (len < sizeof(struct rtnexthop))
        return 0;
    const struct rtnexthop *nh = mnl_attr_get_payload(mp);
    return nh->rtnh_len >= sizeof(*nh) && nh->rtnh_len <= len ? nh->rtnh_ifindex : 0;
}

static int route_list_cb(const struct nlmsghdr *nlh, void *data)
{
    list_ctx *c = data;
    const struct nlattr *tb[RTA_MAX + 1] = {NULL};
    attr_tb t = {tb, RTA_MAX};
    if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct rtmsg))
        return MNL_CB_OK;
    const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
    if (rtm->rtm_family != c->family || (rtm->rtm_flags & RTM_F_CLONED))
        return MNL_CB_OK;
    if (mnl_attr_parse(nlh, sizeof(*rtm), attr_tb_cb, &t) < 0)
        return MNL_CB_OK;
    uint32_t table = rtm->rtm_table, v;
    attr_u32(tb[RTA_TABLE], &table);
    if (table != RT_TABLE_MAIN)
        return MNL_CB_OK;
    nl_route r = {.dst_len = rtm->rtm_dst_len,
                  .type = rtm->rtm_type,
                  .protocol = rtm->rtm_protocol,
                  .scope = rtm->rtm_scope};
    if (nl_attr_addr(tb[RTA_DST], c->family, &r.dst) < 0) {
        memset(&r.dst, 0, sizeof(r.dst));
        r.dst.family = c->family;
    }
    nl_attr_addr(tb[RTA_GATEWAY], c->family, &r.gateway);
    if (attr_u32(tb[RTA_OIF], &v))
        r.oif = (int)v;
    else if (tb[RTA_MULTIPATH])
        r.oif = route_multipath_oif(tb[RTA_MULTIPATH]);
    attr_u32(tb[RTA_PRIORITY], &r.metric);
    *(nl_route *)xarray_push(&c->items, &c->n, sizeof(nl_route)) = r;
    return MNL_CB_OK;
}

int nl_route_list(int family, nl_route **ret, size_t *ret_n, verr *err)
{
    return nl_route_list_oif(family, 0, ret, ret_n, err);
}

int nl_route_list_oif(int family, int oif, nl_route **ret, size_t *ret_n, verr *err)
{
    char buf[NL_REQ_SIZE];
    struct rtmsg *rtm;
    struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETROUTE, NLM_F_DUMP, sizeof(*rtm), (void **)&rtm);
    rtm->rtm_family = (uint8_t)family;
    rtm->rtm_table = RT_TABLE_MAIN; /* a filter under strict checking; we filter too */
    /* the kernel then sends only this link's routes, not the host's thousands */
    if (oif > 0)
        mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
    list_ctx c = {.family = family};
    nl_error e;
    if (dump_talk(nlh, route_list_cb, &c, &e) < 0) {
        free(c.items);
        return nl_verr(err, &e, "listing routes");
    }
    *ret = c.items;
    *ret_n = c.n;
    return 0;
}

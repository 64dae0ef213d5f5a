/* The host's NIC into a bridge and back: read, attach (with undo), detach. */
#include "netdev/uplink.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netdev/nl.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

/* Address flags userspace may set (the rest is state the kernel keeps). */
#define ADDR_SETTABLE_FLAGS                                                                        \
    (IFA_F_NODAD | IFA_F_OPTIMISTIC | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR |                   \
     IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN)

/* Attribute table size for addresses and routes (both have fewer types). */
#define TB_SIZE 64

void uplink_config_free(uplink_config *c)
{
    if (!c)
        return;
    free(c->addrs);
    free(c->routes);
    memset(c, 0, sizeof(*c));
}

/* ---------------------------------------------------------------- reading */

typedef struct read_ctx {
    int ifindex;
    int family;
    uplink_config *c;
    verr *err;
    int failed;
} read_ctx;

static int attr_cb(const struct nlattr *attr, void *data)
{
    const struct nlattr **tb = data;
    unsigned type = mnl_attr_get_type(attr);
    if (type < TB_SIZE)
        tb[type] = attr;
    return MNL_CB_OK;
}

static bool addr_is_link_local(const uplink_addr *a)
{
    return a->addr.family == AF_INET6 && a->addr.bytes[0] == 0xfe &&
           (a->addr.bytes[1] & 0xc0) == 0x80;
}

static int addr_read_cb(const struct nlmsghdr *nlh, void *data)
{
    read_ctx *x = data;
    const struct nlattr *tb[TB_SIZE] = {NULL};
    if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifaddrmsg))
        return MNL_CB_OK;
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    if (ifa->ifa_family != x->family || (int)ifa->ifa_index != x->ifindex ||
        mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, tb) < 0)
        return MNL_CB_OK;
    uplink_addr a = {.prefix = ifa->ifa_prefixlen,
                     .scope = ifa->ifa_scope,
                     .flags = ifa->ifa_flags,
                     .preferred = UPLINK_FOREVER,
                     .valid = UPLINK_FOREVER};
    if (tb[IFA_FLAGS] && mnl_attr_validate(tb[IFA_FLAGS], MNL_TYPE_U32) == 0)
        a.flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
    if (nl_attr_addr(tb[IFA_LOCAL], x->family, &a.addr) == 0) {
        vnet_addr peer;
        if (nl_attr_addr(tb[IFA_ADDRESS], x->family, &peer) == 0 &&
            !vnet_addr_equal(&peer, &a.addr))
            a.peer = peer;
    } else if (nl_attr_addr(tb[IFA_ADDRESS], x->family, &a.addr) < 0) {
        return MNL_CB_OK;
    }
    nl_attr_addr(tb[IFA_BROADCAST], x->family, &a.brd);
    if (tb[IFA_LABEL] && mnl_attr_validate(tb[IFA_LABEL], MNL_TYPE_NUL_STRING) == 0)
        snprintf(a.label, sizeof(a.label), "%s", mnl_attr_get_str(tb[IFA_LABEL]));
    if (tb[IFA_CACHEINFO] &&
        mnl_attr_get_payload_len(tb[IFA_CACHEINFO]) >= sizeof(struct ifa_cacheinfo)) {
        const struct ifa_cacheinfo *ci = mnl_attr_get_payload(tb[IFA_CACHEINFO]);
        a.preferred = ci->ifa_prefered;
        a.valid = ci->ifa_valid;
    }
    /* A permanent address reports infinite lifetimes even when deprecated
     * (added with preferred_lft 0); keep it deprecated where it moves. */
    if ((a.flags & IFA_F_DEPRECATED) && a.preferred == UPLINK_FOREVER)
        a.preferred = 0;
    if (!addr_is_link_local(&a))
        *(uplink_addr *)xarray_push(&x->c->addrs, &x->c->n_addrs, sizeof(a)) = a;
    return MNL_CB_OK;
}

static int addr_read(int family, read_ctx *x)
{
    char buf[NL_REQ_SIZE];
    struct ifaddrmsg *ifa;
    struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa), (void **)&ifa);
    ifa->ifa_family = (uint8_t)family;
    ifa->ifa_index = (uint32_t)x->ifindex;
    x->family = family;
    nl_error e;
    if (nl_talk(nlh, addr_read_cb, x, &e) < 0)
        return nl_verr(x->err, &e, "listing addresses");
    return 0;
}

static bool route_is_ipv6_link_local(const uplink_route *r)
{
    const uint8_t *b = r->dst.bytes;
    return r->dst.family == AF_INET6 && r->prefix >= 8 &&
           ((b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || b[0] == 0xff);
}

static int route_read_one(read_ctx *x, const struct rtmsg *rtm, const struct nlattr **tb)
{
    uplink_route r = {.prefix = rtm->rtm_dst_len,
                      .protocol = rtm->rtm_protocol,
                      .scope = rtm->rtm_scope,
                      .type = rtm->rtm_type,
                      .flags = rtm->rtm_flags};
    if (nl_attr_addr(tb[RTA_DST], x->family, &r.dst) < 0) {
        memset(&r.dst, 0, sizeof(r.dst));
        r.dst.family = x->family;
    }
    nl_attr_addr(tb[RTA_GATEWAY], x->family, &r.gateway);
    nl_attr_addr(tb[RTA_PREFSRC], x->family, &r.prefsrc);
    if (tb[RTA_PRIORITY] && mnl_attr_validate(tb[RTA_PRIORITY], MNL_TYPE_U32) == 0)
        r.metric = mnl_attr_get_u32(tb[RTA_PRIORITY]);
    if (r.protocol == RTPROT_KERNEL || r.protocol == RTPROT_RA || r.type != RTN_UNICAST ||
        route_is_ipv6_link_local(&r))
        return MNL_CB_OK;
    *(uplink_route *)xarray_push(&x->c->routes, &x->c->n_routes, sizeof(r)) = r;
    return MNL_CB_OK;
}

/* Does one of a multipath route's nexthops go through ifindex? */
static bool multipath_uses(const struct nlattr *mp, int ifindex)
{
    if (!mp)
        return false;
    const char *p = mnl_attr_get_payload(mp);
    size_t left = mnl_attr_get_payload_len(mp);
    while (left >= sizeof(struct rtnexthop)) {
        const struct rtnexthop *nh = (const struct rtnexthop *)p;
        if (nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > left)
            break;
        if (nh->rtnh_ifindex == ifindex)
            return true;
        size_t step = RTNH_ALIGN((size_t)nh->rtnh_len);
        if (step >= left)
            break;
        left -= step;
        p += step;
    }
    return false;
}

/* Does the route go through our link? Multipath and nexthop objects through it are refused. */
static int route_read_cb(const struct nlmsghdr *nlh, void *data)
{
    read_ctx *x = data;
    const struct nlattr *tb[TB_SIZE] = {NULL};
    if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct rtmsg))
        return MNL_CB_OK;
    const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
    if (rtm->rtm_family != x->family || (rtm->rtm_flags & RTM_F_CLONED) ||
        mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, tb) < 0)
        return MNL_CB_OK;
    uint32_t table = rtm->rtm_table;
    if (tb[RTA_TABLE] && mnl_attr_validate(tb[RTA_TABLE], MNL_TYPE_U32) == 0)
        table = mnl_attr_get_u32(tb[RTA_TABLE]);
    if (table != RT_TABLE_MAIN)
        return MNL_CB_OK;
    bool ours = tb[RTA_OIF] && mnl_attr_validate(tb[RTA_OIF], MNL_TYPE_U32) == 0 &&
                (int)mnl_attr_get_u32(tb[RTA_OIF]) == x->ifindex;
    /* A nexthop object may use our link too, and we cannot tell without its
     * table: refuse those as well rather than leave a route behind. */
    if (!ours && (multipath_uses(tb[RTA_MULTIPATH], x->ifindex) || tb[RTA_NH_ID]) && !x->failed) {
        char d[VNET_ADDR_STRLEN] = "default";
        vnet_addr dst;
        if (nl_attr_addr(tb[RTA_DST], x->family, &dst) == 0)
            vnet_addr_str(&dst, d);
        x->failed = verr_set(x->err, VERR_UNSUPPORTED,
                             "the route to %s/%u uses multipath or a nexthop object; vnet "
                             "cannot move such routes",
                             d, rtm->rtm_dst_len);
        return MNL_CB_OK;
    }
    return ours ? route_read_one(x, rtm, tb) : MNL_CB_OK;
}

static int route_read(int family, read_ctx *x)
{
    char buf[NL_REQ_SIZE];
    struct rtmsg *rtm;
    struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETROUTE, NLM_F_DUMP, sizeof(*rtm), (void **)&rtm);
    rtm->rtm_family = (uint8_t)family;
    rtm->rtm_table = RT_TABLE_MAIN;
    x->family = family;
    nl_error e;
    if (nl_talk(nlh, route_read_cb, x, &e) < 0)
        return nl_verr(x->err, &e, "listing routes");
    return x->failed;
}

int uplink_read(const char *ifname, uplink_config *ret, verr *err)
{
    netdev_link link;
    int r = netdev_link_get(ifname, &link, err);
    if (r < 0)
        return -1;
    if (r == 0)
        return verr_set(err, VERR_NOT_FOUND, "interface '%s' does not exist", ifname);
    uplink_config c = {.mtu = link.mtu};
    memcpy(c.mac, link.mac, 6);
    read_ctx x = {.ifindex = link.ifindex, .c = &c, .err = err};
    if (addr_read(AF_INET, &x) < 0 || addr_read(AF_INET6, &x) < 0 || route_read(AF_INET, &x) < 0 ||
        route_read(AF_INET6, &x) < 0) {
        uplink_config_free(&c);
        return verr_prefix(err, "reading the configuration of '%s'", ifname);
    }
    *ret = c;
    return 0;
}

const uplink_addr *uplink_dynamic_addr(const uplink_config *c)
{
    for (size_t i = 0; i < c->n_addrs; i++)
        if (!(c->addrs[i].flags & IFA_F_PERMANENT))
            return &c->addrs[i];
    return NULL;
}

const char *uplink_addr_str(const uplink_addr *a, char *buf, size_t len)
{
    char x[VNET_ADDR_STRLEN], p[VNET_ADDR_STRLEN];
    if (vnet_addr_is_set(&a->peer))
        snprintf(buf, len, "%s peer %s/%u", vnet_addr_str(&a->addr, x), vnet_addr_str(&a->peer, p),
                 a->prefix);
    else
        snprintf(buf, len, "%s/%u", vnet_addr_str(&a->addr, x), a->prefix);
    return buf;
}

const char *uplink_route_str(const uplink_route *r, char *buf, size_t len)
{
    char d[VNET_ADDR_STRLEN], g[VNET_ADDR_STRLEN];
    strbuf b = STRBUF_INIT;
    if (r->prefix == 0)
        strbuf_add(&b, "default");
    else
        strbuf_addf(&b, "%s/%u", vnet_addr_str(&r->dst, d), r->prefix);
    if (vnet_addr_is_set(&r->gateway))
        strbuf_addf(&b, " via %s", vnet_addr_str(&r->gateway, g));
    if (vnet_addr_is_set(&r->prefsrc))
        strbuf_addf(&b, " src %s", vnet_addr_str(&r->prefsrc, g));
    if (r->metric)
        strbuf_addf(&b, " metric %u", r->metric);
    if (r->flags & RTNH_F_ONLINK)
        strbuf_add(&b, " onlink");
    snprintf(buf, len, "%s", strbuf_str(&b));
    strbuf_free(&b);
    return buf;
}

/* ---------------------------------------------------------------- changing */

/* IPv4 labels follow the device: "eth0" -> "br0", "eth0:1" -> "br0:1". */
static void addr_label_for(const uplink_addr *a, const char *from, const char *to, char *ret)
{
    size_t n = strlen(from);
    ret[0] = '\0';
    if (!a->label[0] || strncmp(a->label, from, n) != 0 || (a->label[n] && a->label[n] != ':'))
        return;
    snprintf(ret, IF_NAMESIZE, "%s%s", to, a->label + n);
    if (strlen(to) + strlen(a->label + n) >= IF_NAMESIZE)
        ret[0] = '\0'; /* does not fit: no label (the kernel then uses the device name) */
}

/* Add (replace) or delete an address on ifindex. `extra_flags` go on top of
 * the address's own settable flags (NODAD when moving: the address is ours). */
static int addr_change(uint16_t type, int ifindex, const char *ifname, const char *from,
                       const uplink_addr *a, uint32_t extra_flags, verr *err)
{
    char buf[NL_REQ_SIZE], s[128];
    struct ifaddrmsg *ifa;
    uint16_t flags = type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_REPLACE : 0;
    struct nlmsghdr *nlh = nl_msg_start(buf, type, flags, sizeof(*ifa), (void **)&ifa);
    int fam = a->addr.family;
    size_t len = nl_addr_len(fam);
    ifa->ifa_family = (uint8_t)fam;
    ifa->ifa_prefixlen = (uint8_t)a->prefix;
    ifa->ifa_scope = a->scope;
    ifa->ifa_index = (uint32_t)ifindex;
    mnl_attr_put(nlh, fam == AF_INET ? IFA_LOCAL : IFA_ADDRESS, len, a->addr.bytes);
    if (fam == AF_INET)
        mnl_attr_put(nlh, IFA_ADDRESS, len,
                     vnet_addr_is_set(&a->peer) ? a->peer.bytes : a->addr.bytes);
    if (type == RTM_NEWADDR) {
        uint32_t f = (a->flags & ADDR_SETTABLE_FLAGS) | extra_flags;
        ifa->ifa_flags = (uint8_t)f;
        mnl_attr_put_u32(nlh, IFA_FLAGS, f);
        if (vnet_addr_is_set(&a->brd))
            mnl_attr_put(nlh, IFA_BROADCAST, len, a->brd.bytes);
        char label[IF_NAMESIZE];
        addr_label_for(a, from, ifname, label);
        if (fam == AF_INET && label[0])
            mnl_attr_put_strz(nlh, IFA_LABEL, label);
        if (a->preferred != UPLINK_FOREVER || a->valid != UPLINK_FOREVER) {
            struct ifa_cacheinfo ci = {.ifa_prefered = a->preferred, .ifa_valid = a->valid};
            mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
        }
    }
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) == 0)
        return 0;
    if (type == RTM_DELADDR && (e.code == EADDRNOTAVAIL || e.code == ENODEV))
        return 0;
    return nl_verr(err, &e, "%s address %s %s '%s'", type == RTM_NEWADDR ? "adding" : "removing",
                   uplink_addr_str(a, s, sizeof(s)), type == RTM_NEWADDR ? "to" : "from", ifname);
}

static int route_change(uint16_t type, int ifindex, const char *ifname, const uplink_route *r,
                        verr *err)
{
    char buf[NL_REQ_SIZE], s[160];
    struct rtmsg *rtm;
    /* No NLM_F_EXCL: the same route through another link may exist meanwhile. */
    uint16_t flags = type == RTM_NEWROUTE ? NLM_F_CREATE : 0;
    struct nlmsghdr *nlh = nl_msg_start(buf, type, flags, sizeof(*rtm), (void **)&rtm);
    int fam = r->dst.family;
    size_t len = nl_addr_len(fam);
    rtm->rtm_family = (uint8_t)fam;
    rtm->rtm_dst_len = (uint8_t)r->prefix;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = r->protocol;
    rtm->rtm_scope = type == RTM_NEWROUTE ? r->scope : RT_SCOPE_NOWHERE;
    rtm->rtm_type = r->type;
    rtm->rtm_flags = r->flags & RTNH_F_ONLINK;
    mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
    if (r->prefix)
        mnl_attr_put(nlh, RTA_DST, len, r->dst.bytes);
    if (vnet_addr_is_set(&r->gateway))
        mnl_attr_put(nlh, RTA_GATEWAY, len, r->gateway.bytes);
    if (vnet_addr_is_set(&r->prefsrc) && type == RTM_NEWROUTE)
        mnl_attr_put(nlh, RTA_PREFSRC, len, r->prefsrc.bytes);
    mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
    mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) == 0)
        return 0;
    if ((type == RTM_NEWROUTE && e.code == EEXIST) ||
        (type == RTM_DELROUTE && (e.code == ESRCH || e.code == ENODEV)))
        return 0;
    return nl_verr(err, &e, "%s route %s %s '%s'", type == RTM_NEWROUTE ? "adding" : "removing",
                   uplink_route_str(r, s, sizeof(s)), type == RTM_NEWROUTE ? "via" : "from",
                   ifname);
}

/* One done step of an attach, and how to undo it. */
typedef enum {
    STEP_BRIDGE,    /* bridge created: delete it */
    STEP_ENSLAVE,   /* NIC enslaved: release it */
    STEP_ROUTE_DEL, /* route i taken off the NIC: put it back */
    STEP_ADDR_DEL,  /* address i taken off the NIC: put it back */
} step_kind;

typedef struct step {
    step_kind kind;
    size_t i;
} step;

typedef struct attach_run {
    const char *nic, *bridge;
    int nic_index, br_index;
    const uplink_config *c;
    step steps[8 + 2 * 256];
    size_t n;
} attach_run;

static void attach_undo(attach_run *x)
{
    /* Best effort: the first error is the one the caller reports. */
    while (x->n > 0) {
        const step *s = &x->steps[--x->n];
        switch (s->kind) {
        case STEP_BRIDGE:
            netdev_link_delete(x->bridge, NULL);
            break;
        case STEP_ENSLAVE:
            netdev_link_set_master(x->nic, NULL, NULL);
            break;
        case STEP_ROUTE_DEL:
            route_change(RTM_NEWROUTE, x->nic_index, x->nic, &x->c->routes[s->i], NULL);
            break;
        case STEP_ADDR_DEL:
            addr_change(RTM_NEWADDR, x->nic_index, x->nic, x->nic, &x->c->addrs[s->i], 0, NULL);
            break;
        }
    }
}

static void attach_did(attach_run *x, step_kind kind, size_t i)
{
    x->steps[x->n++] = (step){kind, i};
}

static int attach_bridge(attach_run *x, verr *err)
{
    netdev_bridge_opts o = {.name = x->bridge, .has_mac = true, .mtu = x->c->mtu};
    memcpy(o.mac, x->c->mac, 6);
    if (netdev_bridge_create(&o, err) < 0)
        return -1;
    attach_did(x, STEP_BRIDGE, 0);
    if ((x->br_index = nl_ifindex(x->bridge, err)) < 0)
        return -1;
    if (netdev_link_set_master(x->nic, x->bridge, err) < 0)
        return -1;
    attach_did(x, STEP_ENSLAVE, 0);
    return netdev_link_set_up(x->bridge, true, err);
}

/* Addresses and routes onto the bridge first, then off the NIC: the host
 * keeps its addresses and a route out all along. */
static int attach_move(attach_run *x, verr *err)
{
    const uplink_config *c = x->c;
    for (size_t i = 0; i < c->n_addrs; i++)
        if (addr_change(RTM_NEWADDR, x->br_index, x->bridge, x->nic, &c->addrs[i], IFA_F_NODAD,
                        err) < 0)
            return -1;
    for (size_t i = 0; i < c->n_routes; i++)
        if (route_change(RTM_NEWROUTE, x->br_index, x->bridge, &c->routes[i], err) < 0)
            return -1;
    for (size_t i = 0; i < c->n_routes; i++) {
        if (route_change(RTM_DELROUTE, x->nic_index, x->nic, &c->routes[i], err) < 0)
            return -1;
        attach_did(x, STEP_ROUTE_DEL, i);
    }
    for (size_t i = 0; i < c->n_addrs; i++) {
        if (addr_change(RTM_DELADDR, x->nic_index, x->nic, x->nic, &c->addrs[i], 0, err) < 0)
            return -1;
        attach_did(x, STEP_ADDR_DEL, i);
    }
    return 0;
}

int uplink_attach(const char *nic, const char *bridge, const uplink_config *c, verr *err)
{
    attach_run x = {.nic = nic, .bridge = bridge, .c = c};
    if (c->n_addrs > 256 || c->n_routes > 256)
        return verr_set(err, VERR_UNSUPPORTED,
                        "'%s' has more than 256 addresses or routes; vnet moves at most 256 each",
                        nic);
    if (nl_ifname_check(bridge, err) < 0 || (x.nic_index = nl_ifindex(nic, err)) < 0)
        return -1;
    if (attach_bridge(&x, err) < 0 || attach_move(&x, err) < 0) {
        attach_undo(&x);
        return verr_prefix(err, "attaching '%s' to bridge '%s' (undone)", nic, bridge);
    }
    return 0;
}

/* The lifetimes the bridge holds now for address a, if it has it. */
static void detach_refresh_lifetimes(const uplink_config *now, uplink_addr *a)
{
    for (size_t i = 0; now && i < now->n_addrs; i++) {
        const uplink_addr *b = &now->addrs[i];
        if (b->prefix == a->prefix && vnet_addr_equal(&b->addr, &a->addr)) {
            a->preferred = b->preferred;
            a->valid = b->valid;
        }
    }
}

static void first_error(verr *err, const verr *e, bool *failed)
{
    if (!*failed && err)
        *err = *e;
    *failed = true;
}

int uplink_detach(const char *nic, const char *bridge, const uplink_config *c, verr *err)
{
    verr e = VERR_INIT;
    bool failed = false;
    int nic_index = nl_ifindex(nic, &e);
    uplink_config now = {0};
    bool have_now = uplink_read(bridge, &now, NULL) == 0;
    if (nic_index > 0) {
        /* Onto the NIC while it is still a port: it sends out directly at once. */
        for (size_t i = 0; i < c->n_addrs; i++) {
            uplink_addr a = c->addrs[i];
            detach_refresh_lifetimes(have_now ? &now : NULL, &a);
            if (addr_change(RTM_NEWADDR, nic_index, nic, nic, &a, 0, &e) < 0)
                first_error(err, &e, &failed);
        }
        for (size_t i = 0; i < c->n_routes; i++)
            if (route_change(RTM_NEWROUTE, nic_index, nic, &c->routes[i], &e) < 0)
                first_error(err, &e, &failed);
        netdev_link link;
        if (netdev_link_get(nic, &link, &e) > 0 && link.master &&
            netdev_link_set_master(nic, NULL, &e) < 0)
            first_error(err, &e, &failed);
    } else {
        first_error(err, &e, &failed);
    }
    uplink_config_free(&now);
    /* in the background: the kernel's teardown of a bridge takes 0.3 s here */
    if (netdev_link_delete_background(bridge, &e) < 0)
        first_error(err, &e, &failed);
    return failed ? verr_prefix(err, "detaching '%s' from bridge '%s'", nic, bridge) : 0;
}

int uplink_reup(const char *nic, const char *bridge, const uplink_config *c, verr *err)
{
    int br_index = nl_ifindex(bridge, err);
    if (br_index < 0 || netdev_link_set_up(nic, true, err) < 0 ||
        netdev_link_set_up(bridge, true, err) < 0)
        return -1;
    for (size_t i = 0; i < c->n_addrs; i++)
        if (addr_change(RTM_NEWADDR, br_index, bridge, nic, &c->addrs[i], IFA_F_NODAD, err) < 0)
            return -1;
    for (size_t i = 0; i < c->n_routes; i++)
        if (route_change(RTM_NEWROUTE, br_index, bridge, &c->routes[i], err) < 0)
            return -1;
    return 0;
}

int uplink_is_attached(const char *nic, const char *bridge, verr *err)
{
    netdev_link br, n;
    int r = netdev_link_get(bridge, &br, err);
    if (r <= 0)
        return r;
    if (!streq(br.kind, "bridge"))
        return 0;
    r = netdev_link_get(nic, &n, err);
    if (r <= 0)
        return r;
    return n.master == br.ifindex ? 1 : 0;
}

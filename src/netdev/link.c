/* Links: lookup, bridges (create / configure), up/down, delete, dummy and veth. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "netdev/nl.h"
#include "util/strbuf.h"

/* The kernel's STP forward-delay bounds (BR_MIN/MAX_FORWARD_DELAY) in ms. */
#define BR_DELAY_MIN_MS 2000u
#define BR_DELAY_MAX_MS 30000u

static int link_get_cb(const struct nlmsghdr *nlh, void *data)
{
    if (nlh->nlmsg_type == RTM_NEWLINK && nl_link_parse(nlh, data) < 0) {
        errno = EBADMSG;
        return MNL_CB_ERROR;
    }
    return MNL_CB_OK;
}

int netdev_link_get(const char *name, netdev_link *ret, verr *err)
{
    if (nl_ifname_check(name, err) < 0)
        return -1;
    char buf[NL_REQ_SIZE];
    struct ifinfomsg *ifi;
    struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETLINK, 0, sizeof(*ifi), (void **)&ifi);
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    netdev_link link = {.ifindex = 0};
    nl_error e;
    if (nl_talk(nlh, link_get_cb, &link, &e) < 0) {
        if (e.code == ENODEV)
            return 0;
        return nl_verr(err, &e, "looking up interface '%s'", name);
    }
    if (link.ifindex <= 0)
        return verr_set(err, VERR_SYSTEM, "looking up interface '%s': no reply from the kernel",
                        name);
    *ret = link;
    return 1;
}

/* Start an RTM_NEWLINK/RTM_DELLINK request addressed by name. */
static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, const char *name,
                                 struct ifinfomsg **ret_ifi)
{
    struct ifinfomsg *ifi;
    struct nlmsghdr *nlh = nl_msg_start(buf, type, flags, sizeof(*ifi), (void **)&ifi);
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    if (ret_ifi)
        *ret_ifi = ifi;
    return nlh;
}

static unsigned bridge_delay_cs(const netdev_bridge_opts *o)
{
    unsigned ms = o->delay_ms;
    if (o->stp && ms < BR_DELAY_MIN_MS)
        ms = BR_DELAY_MIN_MS;
    if (o->stp && ms > BR_DELAY_MAX_MS)
        ms = BR_DELAY_MAX_MS;
    return ms / 10; /* the kernel takes clock_t (USER_HZ = 100) */
}

/* IFLA_LINKINFO { kind "bridge", data { stp?, delay? } }. The kernel applies the
 * delay before the STP state, and rejects a delay under 2 s while STP is on. */
static void bridge_put_linkinfo(struct nlmsghdr *nlh, const netdev_bridge_opts *o, bool stp,
                                bool delay)
{
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    if (delay)
        mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, bridge_delay_cs(o));
    if (stp)
        mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, o->stp ? 1 : 0);
    if (stp && o->vlan_filtering)
        mnl_attr_put_u8(nlh, IFLA_BR_VLAN_FILTERING, 1);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, info);
}

static void bridge_put_link_attrs(struct nlmsghdr *nlh, const netdev_bridge_opts *o)
{
    if (o->has_mac)
        mnl_attr_put(nlh, IFLA_ADDRESS, 6, o->mac);
    if (o->mtu)
        mnl_attr_put_u32(nlh, IFLA_MTU, o->mtu);
}

static int bridge_opts_check(const netdev_bridge_opts *o, verr *err)
{
    if (nl_ifname_check(o->name, err) < 0)
        return -1;
    if (o->has_mac && vnet_mac_is_multicast(o->mac)) {
        char mac[18];
        return verr_set(err, VERR_INVALID, "bridge '%s': MAC address %s is a multicast address",
                        o->name, vnet_mac_str(o->mac, mac));
    }
    return 0;
}

int netdev_bridge_create(const netdev_bridge_opts *opts, verr *err)
{
    if (bridge_opts_check(opts, err) < 0)
        return -1;
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, opts->name, NULL);
    bridge_put_link_attrs(nlh, opts);
    /* A new bridge starts with STP off, so any delay is accepted before STP goes on. */
    bridge_put_linkinfo(nlh, opts, true, true);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0 && opts->vlan_filtering && e.code == EOPNOTSUPP)
        return nl_verr(err, &e,
                       "creating bridge '%s' with VLAN filtering (what macTableManager='libvirt' "
                       "needs); the kernel refuses it",
                       opts->name);
    if (e.code)
        return nl_verr(err, &e, "creating bridge '%s'", opts->name);
    return 0;
}

int netdev_bridge_configure(const netdev_bridge_opts *opts, verr *err)
{
    if (bridge_opts_check(opts, err) < 0)
        return -1;
    netdev_link link;
    int r = netdev_link_get(opts->name, &link, err);
    if (r < 0)
        return -1;
    if (r == 0)
        return verr_set(err, VERR_NOT_FOUND, "configuring bridge '%s': no such interface",
                        opts->name);
    if (!streq(link.kind, "bridge"))
        return verr_set(err, VERR_BUSY,
                        "configuring bridge '%s': the interface is not a bridge%s%s", opts->name,
                        link.kind[0] ? " but a " : "", link.kind);
    /* STP state first (with MAC and MTU), then the delay, which is then in range either way. */
    char buf[NL_REQ_SIZE];
    nl_error e;
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, opts->name, NULL);
    bridge_put_link_attrs(nlh, opts);
    bridge_put_linkinfo(nlh, opts, true, false);
    if (nl_talk(nlh, NULL, NULL, &e) < 0)
        return nl_verr(err, &e, "configuring bridge '%s'", opts->name);
    nlh = link_msg(buf, RTM_NEWLINK, 0, opts->name, NULL);
    bridge_put_linkinfo(nlh, opts, false, true);
    if (nl_talk(nlh, NULL, NULL, &e) < 0)
        return nl_verr(err, &e, "setting the forward delay of bridge '%s'", opts->name);
    return 0;
}

int netdev_bridge_set_vlan_filtering(const char *name, bool on, verr *err)
{
    if (nl_ifname_check(name, err) < 0)
        return -1;
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, name, NULL);
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    mnl_attr_put_u8(nlh, IFLA_BR_VLAN_FILTERING, on ? 1 : 0);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, info);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0)
        return nl_verr(err, &e,
                       "turning VLAN filtering %s on bridge '%s' (what macTableManager='libvirt' "
                       "needs); the kernel refuses it",
                       on ? "on" : "off", name);
    return 0;
}

int netdev_link_set_alias(const char *name, const char *alias, verr *err)
{
    if (nl_ifname_check(name, err) < 0)
        return -1;
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, name, NULL);
    mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias ? alias : "");
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0)
        return nl_verr(err, &e, "marking interface '%s'", name);
    return 0;
}

int netdev_link_list(netdev_link **ret, size_t *ret_n, verr *err)
{
    return nl_link_list(ret, ret_n, err);
}

int netdev_link_set_up(const char *name, bool up, verr *err)
{
    if (nl_ifname_check(name, err) < 0)
        return -1;
    char buf[NL_REQ_SIZE];
    struct ifinfomsg *ifi;
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, name, &ifi);
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = up ? IFF_UP : 0;
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0)
        return nl_verr(err, &e, "setting interface '%s' %s", name, up ? "up" : "down");
    return 0;
}

int netdev_link_delete(const char *name, verr *err)
{
    if (nl_ifname_check(name, err) < 0)
        return -1;
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_DELLINK, 0, name, NULL);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0 && e.code != ENODEV)
        return nl_verr(err, &e, "deleting interface '%s'", name);
    return 0;
}

static int link_create_kind(const char *name, const char *kind, verr *err)
{
    if (nl_ifname_check(name, err) < 0)
        return -1;
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, name, NULL);
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
    mnl_attr_nest_end(nlh, info);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0)
        return nl_verr(err, &e, "creating %s interface '%s'", kind, name);
    return 0;
}

int netdev_dummy_create(const char *name, verr *err)
{
    return link_create_kind(name, "dummy", err);
}

int netdev_ifb_create(const char *name, verr *err)
{
    return link_create_kind(name, "ifb", err);
}

int netdev_veth_create(const char *name, const char *peer, verr *err)
{
    if (nl_ifname_check(name, err) < 0 || nl_ifname_check(peer, err) < 0)
        return -1;
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, name, NULL);
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    /* The peer is described by its own ifinfomsg followed by its attributes. */
    struct nlattr *peer_nest = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
    pifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
    mnl_attr_nest_end(nlh, peer_nest);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, info);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0)
        return nl_verr(err, &e, "creating veth pair '%s'/'%s'", name, peer);
    return 0;
}

int netdev_veth_create_netns(const char *name, const char *peer, int netns_fd, verr *err)
{
    if (nl_ifname_check(name, err) < 0 || nl_ifname_check(peer, err) < 0)
        return -1;
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, name, NULL);
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    struct nlattr *peer_nest = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
    pifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
    mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
    mnl_attr_nest_end(nlh, peer_nest);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, info);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0)
        return nl_verr(err, &e, "creating veth pair '%s'/'%s'", name, peer);
    return 0;
}

int netdev_link_set_master(const char *name, const char *master, verr *err)
{
    if (nl_ifname_check(name, err) < 0)
        return -1;
    int master_index = 0;
    if (master && *master && (master_index = nl_ifindex(master, err)) < 0)
        return verr_prefix(err, "attaching '%s' to '%s'", name, master);
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, name, NULL);
    mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master_index);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0) {
        if (master_index)
            return nl_verr(err, &e, "attaching '%s' to '%s'", name, master);
        return nl_verr(err, &e, "detaching '%s' from its master", name);
    }
    return 0;
}

/* Deleting a net device takes the kernel 30-50 ms (RCU grace periods while it
 * unregisters), in the caller's own sendmsg(). So instead: take the link down,
 * rename it out of the way (its name is free for a new network at once), and
 * let a detached grandchild process send the delete and wait for it. The
 * grandchild is independent of the caller: it finishes even if the daemon
 * exits, and needs no reaping beyond the immediate child. */
/* The deletion of a renamed link, on a thread of its own with a socket of
 * its own (nl_talk's is the caller's): deleting a bridge waits for the
 * kernel's RCU grace periods, tens of ms on a busy host. (A forked helper
 * cost as much again with 1,000 networks: the fork copied vnetd's ~2,000
 * descriptors and its page tables, and the caller waited for it.) If vnetd
 * exits first, the sweep removes the vnetgcN link at its next start. */
static void *delete_thread(void *arg)
{
    int ifindex = (int)(intptr_t)arg;
    struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!nl)
        return NULL;
    char buf[8192];
    memset(buf, 0, NL_REQ_SIZE);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_DELLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = 1;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    struct timeval tv = {.tv_sec = 30};
    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0 &&
        mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0)
        mnl_socket_recvfrom(nl, buf, sizeof(buf)); /* the ack (an error changes nothing) */
    mnl_socket_close(nl);
    return NULL;
}

int netdev_link_delete_background(const char *name, verr *err)
{
    if (nl_ifname_check(name, err) < 0)
        return -1;
    netdev_link link;
    int r = netdev_link_get(name, &link, err);
    if (r <= 0)
        return r;
    if (netdev_link_set_up(name, false, err) < 0)
        return -1;

    char gone[IF_NAMESIZE];
    snprintf(gone, sizeof(gone), "vnetgc%d", link.ifindex);
    char buf[NL_REQ_SIZE];
    struct ifinfomsg *ifi;
    struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWLINK, 0, sizeof(*ifi), (void **)&ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = link.ifindex;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, gone);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0)
        return netdev_link_delete(name, err); /* cannot rename: delete in place */

    pthread_attr_t attr;
    pthread_t t;
    int rc = pthread_attr_init(&attr);
    if (rc == 0) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 64 * 1024);
        rc = pthread_create(&t, &attr, delete_thread, (void *)(intptr_t)link.ifindex);
        pthread_attr_destroy(&attr);
    }
    return rc == 0 ? 0 : netdev_link_delete(gone, err);
}

/* Bridge ports' hairpin mode (IFLA_BRPORT_MODE), and whether br_netfilter
 * handles this namespace's bridged IP traffic.
 *
 * Why: with br_netfilter active, a packet DNATed in prerouting to an address
 * on the same bridge is not routed but bridged straight to the new
 * destination's port. When that is the port it came in on (a guest reaching
 * its own forwarded port through a host address), the bridge drops it unless
 * the port is in hairpin mode. */
#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "netdev/nl.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

bool netdev_br_netfilter_active(void)
{
    static const char *const knobs[] = {"/proc/sys/net/bridge/bridge-nf-call-iptables",
                                        "/proc/sys/net/bridge/bridge-nf-call-ip6tables"};
    for (size_t i = 0; i < 2; i++) {
        char buf[8] = "";
        _cleanup_fclose_ FILE *f = fopen(knobs[i], "re");
        if (f && fgets(buf, sizeof(buf), f) && buf[0] == '1')
            return true;
    }
    return false;
}

int netdev_port_set_hairpin(int ifindex, bool on, verr *err)
{
    char buf[NL_REQ_SIZE];
    struct ifinfomsg *ifi;
    struct nlmsghdr *nlh = nl_msg_start(buf, RTM_SETLINK, 0, sizeof(*ifi), (void **)&ifi);
    ifi->ifi_family = AF_BRIDGE;
    ifi->ifi_index = ifindex;
    struct nlattr *pi = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
    mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, on ? 1 : 0);
    mnl_attr_nest_end(nlh, pi);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0) {
        char name[IF_NAMESIZE] = "?";
        if_indextoname((unsigned)ifindex, name);
        return nl_verr(err, &e, "setting hairpin mode on bridge port '%s'", name);
    }
    return 0;
}

int netdev_port_parse(const struct nlmsghdr *nlh, netdev_port *ret)
{
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi) || ifi->ifi_family != AF_BRIDGE)
        return -1;
    netdev_port p = {.ifindex = ifi->ifi_index};
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(*ifi))
    {
        uint16_t type = mnl_attr_get_type(a);
        if (type == IFLA_MASTER && mnl_attr_validate(a, MNL_TYPE_U32) >= 0) {
            p.master = (int)mnl_attr_get_u32(a);
        } else if (type == IFLA_PROTINFO) {
            const struct nlattr *b;
            mnl_attr_for_each_nested(b, a)
            {
                if (mnl_attr_get_type(b) == IFLA_BRPORT_MODE &&
                    mnl_attr_validate(b, MNL_TYPE_U8) >= 0)
                    p.hairpin = mnl_attr_get_u8(b) != 0;
            }
        }
    }
    if (p.master <= 0)
        return -1;
    *ret = p;
    return 0;
}

typedef struct ports_ctx {
    int master;
    netdev_port *items;
    size_t n;
} ports_ctx;

static int ports_cb(const struct nlmsghdr *nlh, void *data)
{
    ports_ctx *c = data;
    netdev_port p;
    if (nlh->nlmsg_type == RTM_NEWLINK && netdev_port_parse(nlh, &p) == 0 && p.master == c->master)
        *(netdev_port *)xarray_push(&c->items, &c->n, sizeof(p)) = p;
    return MNL_CB_OK;
}

int netdev_bridge_hairpin_ports(const char *bridge, bool on, verr *err)
{
    int master = nl_ifindex(bridge, err);
    if (master < 0)
        return -1;
    char buf[NL_REQ_SIZE];
    struct ifinfomsg *ifi;
    struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETLINK, NLM_F_DUMP, sizeof(*ifi), (void **)&ifi);
    ifi->ifi_family = AF_BRIDGE;
    ports_ctx c = {.master = master};
    nl_error e;
    if (nl_talk(nlh, ports_cb, &c, &e) < 0) {
        free(c.items);
        return nl_verr(err, &e, "listing the ports of bridge '%s'", bridge);
    }
    int changed = 0, r = 0;
    for (size_t i = 0; i < c.n && r == 0; i++) {
        if (c.items[i].hairpin == on)
            continue;
        r = netdev_port_set_hairpin(c.items[i].ifindex, on, err);
        changed += r == 0;
    }
    free(c.items);
    return r < 0 ? -1 : changed;
}

/* What `vnet info` and `vnet doctor` show of a bridge: its traffic counters
 * (IFLA_STATS64) and the interfaces plugged into it. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "netdev/nl.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
    netdev_stats *s = data;
    const struct nlattr *a;
    if (nlh->nlmsg_type != RTM_NEWLINK)
        return MNL_CB_OK;
    mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
    {
        if (mnl_attr_get_type(a) != IFLA_STATS64 ||
            mnl_attr_get_payload_len(a) < sizeof(struct rtnl_link_stats64))
            continue;
        struct rtnl_link_stats64 st;
        memcpy(&st, mnl_attr_get_payload(a), sizeof(st));
        s->rx_packets = st.rx_packets;
        s->rx_bytes = st.rx_bytes;
        s->tx_packets = st.tx_packets;
        s->tx_bytes = st.tx_bytes;
        s->rx_dropped = st.rx_dropped;
        s->tx_dropped = st.tx_dropped;
    }
    return MNL_CB_OK;
}

int netdev_link_stats(const char *name, netdev_stats *ret, verr *err)
{
    memset(ret, 0, sizeof(*ret));
    int ifindex = nl_ifindex(name, err);
    if (ifindex < 0)
        return -1;
    char buf[NL_REQ_SIZE];
    struct ifinfomsg *ifi;
    struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETLINK, 0, sizeof(*ifi), (void **)&ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    nl_error e;
    if (nl_talk(nlh, stats_cb, ret, &e) < 0)
        return nl_verr(err, &e, "reading the counters of %s", name);
    return 0;
}

int netdev_bridge_ports(const char *bridge, netdev_link **ret, size_t *ret_n, verr *err)
{
    netdev_link br;
    int r = netdev_link_get(bridge, &br, err);
    if (r <= 0) {
        *ret = NULL;
        *ret_n = 0;
        return r;
    }
    _cleanup_free_ netdev_link *all = NULL;
    size_t n = 0, k = 0;
    if (nl_link_list_master(br.ifindex, &all, &n, err) < 0)
        return -1;
    netdev_link *ports = xcalloc(n ? n : 1, sizeof(*ports));
    for (size_t i = 0; i < n; i++)
        if (all[i].master == br.ifindex)
            ports[k++] = all[i];
    *ret = ports;
    *ret_n = k;
    return 1;
}

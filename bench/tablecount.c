/* tablecount PREFIX: number of inet nftables tables whose name starts with
 * PREFIX, in the caller's network namespace; tablecount --rules: number of
 * rules of every table and family. One netlink dump each:
 * `nft list tables` (libnftables 1.0.6) first reads every chain and set of
 * the host, seconds with ~1,000 tables, which would swamp the repair time
 * the scale workload measures. */
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *prefix;
static int count;
static int rules_mode;

static int attr_cb(const struct nlattr *a, void *data)
{
    (void)data;
    if (mnl_attr_get_type(a) == NFTA_TABLE_NAME && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
        strncmp(mnl_attr_get_str(a), prefix, strlen(prefix)) == 0)
        count++;
    return MNL_CB_OK;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
    if (rules_mode) {
        count++;
        return MNL_CB_OK;
    }
    return mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, data);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: tablecount PREFIX\n");
        return 2;
    }
    prefix = argv[1];
    rules_mode = strcmp(prefix, "--rules") == 0;
    struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
    if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        perror("netlink");
        return 1;
    }
    static char buf[1 << 16];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type =
        (NFNL_SUBSYS_NFTABLES << 8) | (rules_mode ? NFT_MSG_GETRULE : NFT_MSG_GETTABLE);
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nlh->nlmsg_seq = (unsigned)time(NULL);
    struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
    g->nfgen_family = rules_mode ? NFPROTO_UNSPEC : NFPROTO_INET;
    g->version = NFNETLINK_V0;
    unsigned seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(nl);
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
        perror("send");
        return 1;
    }
    int r;
    do {
        ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
        if (n < 0) {
            perror("recv");
            return 1;
        }
        r = mnl_cb_run(buf, (size_t)n, seq, portid, msg_cb, NULL);
    } while (r > 0);
    mnl_socket_close(nl);
    printf("%d\n", count);
    return r < 0 ? 1 : 0;
}

/* Cheap questions to nf_tables, asked over netlink directly.
 *
 * Through libnftables even "list tables" first fills its cache with every
 * rule of every table on the host: seconds once a host has a few thousand
 * rules. "Is nf_tables there?" and "does this table exist?" need one netlink
 * round trip each, so they are asked with libmnl.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "firewall/firewall.h"
#include "firewall/fw_internal.h"
#include "util/nlsock.h"

#define NFT_REQ_SIZE 512

/* Send one nf_tables request (family inet) over the firewall's netlink
 * socket (util/nlsock.c, the same request loop netdev/ uses) and wait for its
 * answer; a dump (flags NLM_F_DUMP) passes each object to cb.
 * 0: the kernel answered with data or an ack; -errno: it refused, or the
 * socket failed (err is left for the caller to word). */
static int nft_talk(uint16_t msg, uint16_t flags, const char *table, mnl_cb_t cb, void *data,
                    verr *err)
{
    char buf[NFT_REQ_SIZE];
    memset(buf, 0, sizeof(buf));
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | msg;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
    g->nfgen_family = table || (flags & NLM_F_DUMP) ? NFPROTO_INET : AF_UNSPEC;
    g->version = NFNETLINK_V0;
    g->res_id = 0;
    if (table)
        mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
    nl_error e;
    return nlsock_talk(fw_handles_current()->nfnl, nlh, flags & NLM_F_DUMP, cb, data, &e);
}

static int nft_ask(uint16_t msg, const char *table, verr *err)
{
    return nft_talk(msg, 0, table, NULL, NULL, err);
}

typedef struct table_names {
    char **names;
    size_t n;
} table_names;

static int table_name_cb(const struct nlmsghdr *nlh, void *data)
{
    table_names *t = data;
    struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
    {
        if (mnl_attr_get_type(a) != NFTA_TABLE_NAME ||
            mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
            continue;
        const char *name = mnl_attr_get_str(a);
        if (strncmp(name, "vnet-", 5) == 0)
            *(char **)xarray_push(&t->names, &t->n, sizeof(char *)) = xstrdup(name);
    }
    return MNL_CB_OK;
}

int fw_vnet_tables(char ***ret, size_t *ret_n, verr *err)
{
    table_names t = {0};
    int r = nft_talk(NFT_MSG_GETTABLE, NLM_F_DUMP, NULL, table_name_cb, &t, err);
    if (r < 0) {
        for (size_t i = 0; i < t.n; i++)
            free(t.names[i]);
        free(t.names);
        if (!verr_is_set(err))
            verr_errno(err, -r, "nftables: listing tables");
        return -1;
    }
    *ret = t.names;
    *ret_n = t.n;
    return 0;
}

int fw_available(verr *err)
{
    int r = nft_ask(NFT_MSG_GETGEN, NULL, err);
    if (r < 0 && !verr_is_set(err))
        verr_errno(err, -r, "the kernel's nf_tables does not answer (is the nf_tables module "
                            "available?)");
    return r < 0 ? -1 : 0;
}

int fw_table_exists(const netdef *def, verr *err)
{
    char table[FW_TABLE_NAME_MAX];
    if (!def->bridge_name)
        return verr_set(err, VERR_INVALID, "network '%s': no bridge name", def->name);
    verr e = VERR_INIT;
    int r = nft_ask(NFT_MSG_GETTABLE, fw_table_name(def, table, sizeof(table)), &e);
    if (r == 0)
        return 1;
    if (r == -ENOENT)
        return 0;
    if (verr_is_set(&e)) {
        if (err)
            *err = e;
        return -1;
    }
    return verr_errno(err, -r, "nftables: asking for table inet %s", table);
}

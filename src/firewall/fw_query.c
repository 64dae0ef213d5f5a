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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "firewall/firewall.h"
#include "firewall/fw_internal.h"
#include "util/cleanup.h"
#include "util/nlsock.h"
#include "util/strbuf.h"

#define NFT_REQ_SIZE 512

/* Send one nf_tables request (family inet) over the firewall's netlink
 * socket (util/nlsock.c, the same request loop netdev/ uses) and wait for its
 * answer; a dump (flags NLM_F_DUMP) passes each object to cb.
 * 0: the kernel answered with data or an ack; -errno: it refused, or the
 * socket failed (err is left for the caller to word). */
static int nft_talk_family(uint8_t family, uint16_t msg, uint16_t flags, const char *table,
                           const char *set, mnl_cb_t cb, void *data)
{
    char buf[NFT_REQ_SIZE];
    memset(buf, 0, sizeof(buf));
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | msg;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
    g->nfgen_family = family;
    g->version = NFNETLINK_V0;
    g->res_id = 0;
    /* the table is attribute 1 of every object type, a set's name attribute 2 */
    if (table)
        mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
    if (set)
        mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
    nl_error e;
    return nlsock_talk(fw_handles_current()->nfnl, nlh, flags & NLM_F_DUMP, cb, data, &e);
}

/* Family inet for a table's objects and for dumps, else any. */
static int nft_talk2(uint16_t msg, uint16_t flags, const char *table, const char *set, mnl_cb_t cb,
                     void *data)
{
    uint8_t family = table || (flags & NLM_F_DUMP) ? NFPROTO_INET : AF_UNSPEC;
    return nft_talk_family(family, msg, flags, table, set, cb, data);
}

static int nft_talk(uint16_t msg, uint16_t flags, const char *table, mnl_cb_t cb, void *data,
                    verr *err)
{
    return nft_talk2(msg, flags, table, NULL, cb, data);
}

/* ---- the table's digest: its objects as the kernel holds them ----
 *
 * Read with netlink dumps (cost: a few ms for 10,000 forwards, where a
 * libnftables listing takes most of a second). Every attribute is hashed
 * except what changes without a change of meaning: handles, use counts, rule
 * positions and counter values (a counter expression is hashed by its name
 * only). Set elements are hashed one by one and summed, so their order does
 * not matter. */

typedef fw_digest digest;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Attributes that carry no meaning, per object type. */
static bool attr_volatile(uint16_t msg, uint16_t type)
{
    switch (msg) {
    case NFT_MSG_NEWTABLE: /* (its use counts chains and sets: one added or deleted shows) */
        return type == NFTA_TABLE_HANDLE;
    case NFT_MSG_NEWCHAIN:
        return type == NFTA_CHAIN_HANDLE || type == NFTA_CHAIN_USE || type == NFTA_CHAIN_COUNTERS;
    case NFT_MSG_NEWRULE:
        return type == NFTA_RULE_HANDLE || type == NFTA_RULE_POSITION || type == NFTA_RULE_ID;
    case NFT_MSG_NEWSET:
        return type == NFTA_SET_HANDLE || type == NFTA_SET_ID || type == NFTA_SET_EXPR ||
               type == NFTA_SET_EXPRESSIONS;
    default:
        return false;
    }
}

/* An expression: its name, and its data unless it is a counter. */
static uint64_t hash_expr(uint64_t h, const struct nlattr *expr)
{
    const struct nlattr *a, *name = NULL, *data = NULL;
    mnl_attr_for_each_nested(a, expr)
    {
        if (mnl_attr_get_type(a) == NFTA_EXPR_NAME)
            name = a;
        else if (mnl_attr_get_type(a) == NFTA_EXPR_DATA)
            data = a;
    }
    if (name)
        h = fnv(h, mnl_attr_get_payload(name), mnl_attr_get_payload_len(name));
    if (data && !(name && streq(mnl_attr_get_str(name), "counter")))
        h = fnv(h, mnl_attr_get_payload(data), mnl_attr_get_payload_len(data));
    return h;
}

static uint64_t hash_attr(uint64_t h, uint16_t msg, const struct nlattr *a)
{
    uint16_t type = mnl_attr_get_type(a);
    h = fnv(h, &type, sizeof(type));
    if (msg == NFT_MSG_NEWRULE && type == NFTA_RULE_EXPRESSIONS) {
        const struct nlattr *e;
        mnl_attr_for_each_nested(e, a) h = hash_expr(h, e);
        return h;
    }
    return fnv(h, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
}

/* Attribute 1 of every object is its table's name. */
static bool in_table(const struct nlmsghdr *nlh, const char *table)
{
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
    {
        if (mnl_attr_get_type(a) == 1)
            return mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
                   streq(mnl_attr_get_str(a), table);
    }
    return false;
}

/* The hash a message of this type goes to; a chain only if the rules named it. */
static uint64_t *digest_part(digest *d, uint16_t msg, const struct nlmsghdr *nlh)
{
    switch (msg) {
    case NFT_MSG_NEWTABLE:
        return &d->h_table;
    case NFT_MSG_NEWRULE:
        return &d->h_rules;
    case NFT_MSG_NEWSET:
        return &d->h_sets;
    case NFT_MSG_NEWCHAIN:
        break;
    default:
        return NULL;
    }
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
    {
        if (mnl_attr_get_type(a) != NFTA_CHAIN_NAME || mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
            continue;
        for (size_t i = 0; i < d->n_chains; i++)
            if (streq(d->chains[i], mnl_attr_get_str(a)))
                return &d->h_chains;
    }
    return NULL;
}

/* A rule's chain, remembered once (a chain's rules come together). */
static void digest_rule_chain(digest *d, const struct nlattr *a)
{
    if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
        return;
    const char *name = mnl_attr_get_str(a);
    if (d->n_chains && streq(d->chains[d->n_chains - 1], name))
        return;
    char(*slot)[FW_CHAIN_NAME_MAX] = xarray_push(&d->chains, &d->n_chains, sizeof(*slot));
    snprintf(*slot, sizeof(*slot), "%s", name);
}

static int digest_object_cb(const struct nlmsghdr *nlh, void *data)
{
    digest *d = data;
    uint16_t msg = NFNL_MSG_TYPE(nlh->nlmsg_type);
    if (!in_table(nlh, d->table))
        return MNL_CB_OK;
    uint64_t *h = digest_part(d, msg, nlh);
    if (!h)
        return MNL_CB_OK;
    *h = fnv(*h, &msg, sizeof(msg));
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
    {
        uint16_t type = mnl_attr_get_type(a);
        if (attr_volatile(msg, type))
            continue;
        if (msg == NFT_MSG_NEWSET && type == NFTA_SET_NAME &&
            mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
            char(*slot)[FW_TABLE_NAME_MAX] = xarray_push(&d->sets, &d->n_sets, sizeof(*slot));
            snprintf(*slot, sizeof(*slot), "%s", mnl_attr_get_str(a));
        }
        if (msg == NFT_MSG_NEWRULE && type == NFTA_RULE_CHAIN)
            digest_rule_chain(d, a);
        *h = hash_attr(*h, msg, a);
    }
    return MNL_CB_OK;
}

/* One element: its attributes but its counter (NFTA_SET_ELEM_EXPR[ESSIONS])
 * and expiration. */
static uint64_t hash_elem(const struct nlattr *elem)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    const struct nlattr *a;
    mnl_attr_for_each_nested(a, elem)
    {
        uint16_t type = mnl_attr_get_type(a);
        if (type == NFTA_SET_ELEM_EXPR || type == NFTA_SET_ELEM_EXPRESSIONS ||
            type == NFTA_SET_ELEM_EXPIRATION)
            continue;
        h = fnv(h, &type, sizeof(type));
        h = fnv(h, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
    }
    return h;
}

static int digest_elems_cb(const struct nlmsghdr *nlh, void *data)
{
    digest *d = data;
    if (!in_table(nlh, d->table))
        return MNL_CB_OK;
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
    {
        if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
            continue;
        const struct nlattr *e;
        mnl_attr_for_each_nested(e, a) d->elems += hash_elem(e);
    }
    return MNL_CB_OK;
}

#define FNV_BASIS 0xcbf29ce484222325ULL

void fw_digest_init(fw_digest *d, const char *table)
{
    *d = (fw_digest){.table = table,
                     .h_table = FNV_BASIS,
                     .h_rules = FNV_BASIS,
                     .h_chains = FNV_BASIS,
                     .h_sets = FNV_BASIS};
}

void fw_digest_object(fw_digest *d, const struct nlmsghdr *nlh)
{
    digest_object_cb(nlh, d);
}

void fw_digest_elems(fw_digest *d, const struct nlmsghdr *nlh)
{
    digest_elems_cb(nlh, d);
}

void fw_digest_finish(fw_digest *d, char ret[FW_DIGEST_LEN])
{
    if (ret) {
        uint64_t parts[] = {d->h_table, d->h_chains, d->h_rules, d->h_sets};
        uint64_t h = fnv(FNV_BASIS, parts, sizeof(parts));
        snprintf(ret, FW_DIGEST_LEN, "%016llx", (unsigned long long)(h ^ d->elems));
    }
    free(d->sets);
    free(d->chains);
    d->sets = NULL;
    d->chains = NULL;
    d->n_sets = d->n_chains = 0;
}

/* One chain of the table, by name (NFTA_CHAIN_NAME). */
static int digest_chain(digest *d, const char *chain)
{
    char buf[NFT_REQ_SIZE];
    memset(buf, 0, sizeof(buf));
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETCHAIN;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
    g->nfgen_family = NFPROTO_INET;
    g->version = NFNETLINK_V0;
    mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, d->table);
    mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, chain);
    nl_error e;
    return nlsock_talk(fw_handles_current()->nfnl, nlh, false, digest_object_cb, d, &e);
}

/* One reading of the table: 1 with the digest, 0 when absent, -errno. The
 * chains are asked for one by one: a chain dump holds every table's. */
static int digest_once(const char *table, char ret[FW_DIGEST_LEN])
{
    digest d;
    fw_digest_init(&d, table);
    int r = nft_talk2(NFT_MSG_GETTABLE, 0, table, NULL, digest_object_cb, &d);
    if (r == -ENOENT)
        return 0;
    if (r == 0)
        r = nft_talk2(NFT_MSG_GETRULE, NLM_F_DUMP, table, NULL, digest_object_cb, &d);
    for (size_t i = 0; r == 0 && i < d.n_chains; i++)
        r = digest_chain(&d, d.chains[i]);
    if (r == 0)
        r = nft_talk2(NFT_MSG_GETSET, NLM_F_DUMP, table, NULL, digest_object_cb, &d);
    for (size_t i = 0; r == 0 && i < d.n_sets; i++)
        r = nft_talk2(NFT_MSG_GETSETELEM, NLM_F_DUMP, table, d.sets[i], digest_elems_cb, &d);
    fw_digest_finish(&d, r == 0 ? ret : NULL);
    if (r == -ENOENT) /* deleted while we read it */
        return 0;
    return r < 0 ? r : 1;
}

int fw_table_digest(const netdef *def, char ret[FW_DIGEST_LEN], verr *err)
{
    char table[FW_TABLE_NAME_MAX];
    if (!def->bridge_name)
        return verr_set(err, VERR_INVALID, "network '%s': no bridge name", def->name);
    fw_table_name(def, table, sizeof(table));
    /* EINTR: the ruleset changed while it was dumped (NLM_F_DUMP_INTR); read again */
    int r = -EINTR;
    for (int i = 0; i < 10 && r == -EINTR; i++)
        r = digest_once(table, ret);
    if (r < 0)
        return verr_errno(err, -r, "nftables: reading table inet %s", table);
    return r;
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
        if (fw_table_name_is_ours(name))
            *(char **)xarray_push(&t->names, &t->n, sizeof(char *)) = xstrdup(name);
    }
    return MNL_CB_OK;
}

static int vnet_tables_of(uint8_t family, char ***ret, size_t *ret_n, verr *err)
{
    table_names t = {0};
    int r = nft_talk_family(family, NFT_MSG_GETTABLE, NLM_F_DUMP, NULL, NULL, table_name_cb, &t);
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

int fw_vnet_tables(char ***ret, size_t *ret_n, verr *err)
{
    return vnet_tables_of(NFPROTO_INET, ret, ret_n, err);
}

int fw_vnet_netdev_tables(char ***ret, size_t *ret_n, verr *err)
{
    return vnet_tables_of(NFPROTO_NETDEV, ret, ret_n, err);
}

int fw_available(verr *err)
{
    int r = nft_ask(NFT_MSG_GETGEN, NULL, err);
    if (r < 0 && !verr_is_set(err))
        verr_errno(err, -r, "the kernel's nf_tables does not answer (is the nf_tables module "
                            "available?)");
    return r < 0 ? -1 : 0;
}

int fw_table_present(const char *name)
{
    verr e = VERR_INIT;
    int r = nft_ask(NFT_MSG_GETTABLE, name, &e);
    return r == 0 ? 1 : r == -ENOENT ? 0 : -1;
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

typedef struct tables_ctx {
    bool foreign;
} tables_ctx;

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
    tables_ctx *c = data;
    const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(*g))
    {
        if (mnl_attr_get_type(a) != NFTA_TABLE_NAME ||
            mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
            continue;
        const char *name = mnl_attr_get_str(a);
        if (g->nfgen_family != NFPROTO_INET ||
            (!fw_table_name_is_ours(name) && !fw_anchor_is_table(name)))
            c->foreign = true;
    }
    return MNL_CB_OK;
}

int fw_foreign_tables_present(verr *err)
{
    tables_ctx c = {0};
    int r = nft_talk_family(AF_UNSPEC, NFT_MSG_GETTABLE, NLM_F_DUMP, NULL, NULL, table_cb, &c);
    if (r < 0)
        return verr_errno(err, -r, "nftables: listing the tables");
    return c.foreign ? 1 : 0;
}

/* ---- every table, with its family and flags (fw_listing.c) ---- */

typedef struct tables_all {
    fw_table_ref *refs;
    size_t n;
} tables_all;

static int table_ref_cb(const struct nlmsghdr *nlh, void *data)
{
    tables_all *t = data;
    const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
    const char *name = NULL;
    uint32_t flags = 0;
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(*g))
    {
        if (mnl_attr_get_type(a) == NFTA_TABLE_NAME &&
            mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
            name = mnl_attr_get_str(a);
        else if (mnl_attr_get_type(a) == NFTA_TABLE_FLAGS &&
                 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
            flags = ntohl(mnl_attr_get_u32(a));
    }
    if (name) {
        fw_table_ref *r = xarray_push(&t->refs, &t->n, sizeof(*r));
        *r = (fw_table_ref){.family = g->nfgen_family, .name = xstrdup(name), .flags = flags};
    }
    return MNL_CB_OK;
}

void fw_table_refs_free(fw_table_ref *refs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(refs[i].name);
    free(refs);
}

int fw_table_refs(fw_table_ref **ret, size_t *ret_n, verr *err)
{
    tables_all t = {0};
    int r = nft_talk_family(AF_UNSPEC, NFT_MSG_GETTABLE, NLM_F_DUMP, NULL, NULL, table_ref_cb, &t);
    if (r < 0) {
        fw_table_refs_free(t.refs, t.n);
        return verr_errno(err, -r, "nftables: listing the tables");
    }
    *ret = t.refs;
    *ret_n = t.n;
    return 0;
}

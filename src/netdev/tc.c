/* htb and the ingress redirect over rtnetlink (see tc.h). */
#include "netdev/tc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <stdlib.h>
#include <string.h>

#include "netdev/nl.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

#define HTB_HANDLE 0x10000u /* 1: */
#define HTB_CLASS 0x10001u  /* 1:1 */
#define HTB_MTU 1600u       /* tc's default for buffer sizes */
#define PSCHED_SHIFT 6      /* the kernel's ticks are 64 ns */
#define NSEC_PER_SEC 1000000000ULL

static struct nlmsghdr *tc_msg(char *buf, uint16_t type, uint16_t flags, int ifindex,
                               uint32_t handle, uint32_t parent)
{
    struct tcmsg *tcm;
    struct nlmsghdr *nlh = nl_msg_start(buf, type, flags, sizeof(*tcm), (void **)&tcm);
    tcm->tcm_family = AF_UNSPEC;
    tcm->tcm_ifindex = ifindex;
    tcm->tcm_handle = handle;
    tcm->tcm_parent = parent;
    return nlh;
}

/* The time to send `bytes` at `rate`, in the kernel's ticks. */
static uint32_t xmit_ticks(uint64_t rate, uint64_t bytes)
{
    uint64_t ns = bytes * NSEC_PER_SEC / rate;
    uint64_t ticks = ns >> PSCHED_SHIFT;
    return ticks > UINT32_MAX ? UINT32_MAX : (uint32_t)ticks;
}

static void ratespec(struct tc_ratespec *r, uint64_t rate)
{
    memset(r, 0, sizeof(*r));
    r->linklayer = TC_LINKLAYER_ETHERNET; /* no rate table needed */
    r->rate = rate >= UINT32_MAX ? UINT32_MAX : (uint32_t)rate;
}

static void htb_class_opts(struct nlmsghdr *nlh, const netdev_htb *h)
{
    uint64_t ceil = h->ceil > h->rate ? h->ceil : h->rate;
    uint64_t burst = h->burst ? h->burst : h->rate / 1000 + HTB_MTU;
    /* The burst is sent at the peak: with a ceil above the rate, the ceil's
     * own bucket stays small (tc's default, as libvirt's tc call leaves it),
     * so the class sends its burst at the ceil; without one, at line speed. */
    uint64_t cburst = h->cburst                     ? h->cburst
                      : h->burst && ceil == h->rate ? h->burst
                                                    : ceil / 1000 + HTB_MTU;
    struct tc_htb_opt o = {0};
    ratespec(&o.rate, h->rate);
    ratespec(&o.ceil, ceil);
    o.buffer = xmit_ticks(h->rate, burst);
    o.cbuffer = xmit_ticks(ceil, cburst);
    uint64_t q = h->rate / 10; /* r2q 10, within the range htb accepts quietly */
    o.quantum = (uint32_t)(q < 1000 ? 1000 : q > 200000 ? 200000 : q);
    struct nlattr *opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
    mnl_attr_put(nlh, TCA_HTB_PARMS, sizeof(o), &o);
    if (h->rate >= UINT32_MAX)
        mnl_attr_put_u64(nlh, TCA_HTB_RATE64, h->rate);
    if (ceil >= UINT32_MAX)
        mnl_attr_put_u64(nlh, TCA_HTB_CEIL64, ceil);
    mnl_attr_nest_end(nlh, opts);
}

/* Make the root qdisc "htb 1: default DEFCLS", unless it is that already. */
static int htb_root_ensure(int ifindex, const char *ifname, unsigned defcls, verr *err)
{
    unsigned have = 0;
    int present = netdev_htb_present(ifname, &have, err);
    if (present < 0)
        return -1;
    if (present && have == defcls)
        return 0; /* htb cannot change in place: an htb root of ours stays */
    if (present)
        netdev_qdisc_clear(ifname, NULL);
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh =
        tc_msg(buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, ifindex, HTB_HANDLE, TC_H_ROOT);
    mnl_attr_put_strz(nlh, TCA_KIND, "htb");
    struct tc_htb_glob g = {.version = 3, .rate2quantum = 10, .defcls = defcls};
    struct nlattr *opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
    mnl_attr_put(nlh, TCA_HTB_INIT, sizeof(g), &g);
    mnl_attr_nest_end(nlh, opts);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0)
        return nl_verr(err, &e, "adding an htb qdisc to '%s'", ifname);
    return 0;
}

/* Create or change htb class 1:MINOR under `parent`. */
static int htb_class_set(int ifindex, const char *ifname, unsigned minor, uint32_t parent,
                         const netdev_htb *h, verr *err)
{
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = tc_msg(buf, RTM_NEWTCLASS, NLM_F_CREATE | NLM_F_REPLACE, ifindex,
                                  HTB_HANDLE | minor, parent);
    mnl_attr_put_strz(nlh, TCA_KIND, "htb");
    htb_class_opts(nlh, h);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0)
        return nl_verr(err, &e, "setting htb class 1:%x of '%s'", minor, ifname);
    return 0;
}

int netdev_htb_set(const char *ifname, const netdev_htb *h, verr *err)
{
    if (!h->rate)
        return verr_set(err, VERR_INVALID, "shaping '%s': the rate is 0", ifname);
    int ifindex = nl_ifindex(ifname, err);
    if (ifindex < 0)
        return verr_prefix(err, "shaping");
    if (htb_root_ensure(ifindex, ifname, 1, err) < 0)
        return -1;
    if (htb_class_set(ifindex, ifname, 1, HTB_HANDLE, h, err) < 0) {
        netdev_qdisc_clear(ifname, NULL);
        return -1;
    }
    return 0;
}

typedef struct present_ctx {
    int ifindex;
    bool found;
    unsigned defcls;
} present_ctx;

static void htb_glob_of(const struct nlattr *opts, present_ctx *c)
{
    const struct nlattr *a;
    mnl_attr_for_each_nested(a, opts)
    {
        if (mnl_attr_get_type(a) == TCA_HTB_INIT &&
            mnl_attr_get_payload_len(a) >= sizeof(struct tc_htb_glob))
            c->defcls = ((const struct tc_htb_glob *)mnl_attr_get_payload(a))->defcls;
    }
}

static int present_cb(const struct nlmsghdr *nlh, void *data)
{
    present_ctx *c = data;
    if (nlh->nlmsg_type != RTM_NEWQDISC || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct tcmsg))
        return MNL_CB_OK;
    const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
    if (tcm->tcm_ifindex != c->ifindex || tcm->tcm_parent != TC_H_ROOT ||
        tcm->tcm_handle != HTB_HANDLE)
        return MNL_CB_OK;
    bool htb = false;
    struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(*tcm))
    {
        if (mnl_attr_get_type(a) == TCA_KIND && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
            streq(mnl_attr_get_str(a), "htb"))
            htb = c->found = true;
        if (mnl_attr_get_type(a) == TCA_OPTIONS && htb)
            htb_glob_of(a, c);
    }
    return MNL_CB_OK;
}

int netdev_htb_present(const char *ifname, unsigned *ret_default, verr *err)
{
    int ifindex = nl_ifindex(ifname, err);
    if (ifindex < 0)
        return -1;
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = tc_msg(buf, RTM_GETQDISC, NLM_F_DUMP, ifindex, 0, 0);
    present_ctx c = {.ifindex = ifindex};
    nl_error e;
    if (nl_talk(nlh, present_cb, &c, &e) < 0)
        return nl_verr(err, &e, "listing the qdiscs of '%s'", ifname);
    if (c.found && ret_default)
        *ret_default = c.defcls;
    return c.found ? 1 : 0;
}

int netdev_qdisc_clear(const char *ifname, verr *err)
{
    netdev_link link;
    int r = netdev_link_get(ifname, &link, err);
    if (r <= 0)
        return r;
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = tc_msg(buf, RTM_DELQDISC, 0, link.ifindex, 0, TC_H_ROOT);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0 && e.code != ENOENT && e.code != EINVAL &&
        e.code != ENODEV)
        return nl_verr(err, &e, "removing the root qdisc of '%s'", ifname);
    return 0;
}

/* ---- the hierarchy for 'floor': classes 1:N and u32 filters by MAC ---- */

#define LEAF_PRIO 2u
#define U32_ROOT_HT 0x80000000u /* 800: */
#define U32_MAX_KEYS 4

void netdev_u32_mac_keys(const uint8_t mac[6], netdev_u32_key ret[2])
{
    ret[0] = (netdev_u32_key){
        .val = htonl((uint32_t)mac[0] << 8 | mac[1]), .mask = htonl(0xffff), .off = -16};
    ret[1] = (netdev_u32_key){.val = htonl((uint32_t)mac[2] << 24 | (uint32_t)mac[3] << 16 |
                                           (uint32_t)mac[4] << 8 | mac[5]),
                              .mask = htonl(0xffffffff),
                              .off = -12};
}

/* A u32 filter on 1: as dumped: its handle's node id, target class, keys. */
typedef struct leaf_filter {
    unsigned id;
    uint32_t classid;
    unsigned n_keys;
    struct tc_u32_key keys[U32_MAX_KEYS];
} leaf_filter;

typedef struct tree_dump {
    int ifindex;
    leaf_filter *filters;
    size_t n_filters;
    unsigned *classes; /* minors of 1:N classes, N >= NETDEV_HTB_LEAF_MIN */
    size_t n_classes;
} tree_dump;

static void filter_opts(const struct nlattr *opts, leaf_filter *f)
{
    const struct nlattr *a;
    mnl_attr_for_each_nested(a, opts)
    {
        if (mnl_attr_get_type(a) == TCA_U32_CLASSID && mnl_attr_get_payload_len(a) >= 4)
            f->classid = mnl_attr_get_u32(a);
        if (mnl_attr_get_type(a) != TCA_U32_SEL ||
            mnl_attr_get_payload_len(a) < sizeof(struct tc_u32_sel))
            continue;
        const struct tc_u32_sel *sel = mnl_attr_get_payload(a);
        size_t room = (mnl_attr_get_payload_len(a) - sizeof(*sel)) / sizeof(struct tc_u32_key);
        f->n_keys = sel->nkeys;
        if (f->n_keys > room || f->n_keys > U32_MAX_KEYS)
            f->n_keys = U32_MAX_KEYS + 1; /* not one of ours: re-made */
        else
            memcpy(f->keys, sel->keys, f->n_keys * sizeof(struct tc_u32_key));
    }
}

static int tree_filter_cb(const struct nlmsghdr *nlh, void *data)
{
    tree_dump *t = data;
    if (nlh->nlmsg_type != RTM_NEWTFILTER || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct tcmsg))
        return MNL_CB_OK;
    const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
    unsigned node = tcm->tcm_handle & 0xfff;
    if (tcm->tcm_ifindex != t->ifindex || TC_H_MAJ(tcm->tcm_info) != LEAF_PRIO << 16 ||
        (tcm->tcm_handle & 0xfffff000u) != U32_ROOT_HT || node == 0)
        return MNL_CB_OK;
    leaf_filter f = {.id = node};
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(*tcm))
    {
        if (mnl_attr_get_type(a) == TCA_OPTIONS)
            filter_opts(a, &f);
    }
    *(leaf_filter *)xarray_push(&t->filters, &t->n_filters, sizeof(f)) = f;
    return MNL_CB_OK;
}

static int tree_class_cb(const struct nlmsghdr *nlh, void *data)
{
    tree_dump *t = data;
    if (nlh->nlmsg_type != RTM_NEWTCLASS || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct tcmsg))
        return MNL_CB_OK;
    const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
    unsigned minor = TC_H_MIN(tcm->tcm_handle);
    if (tcm->tcm_ifindex == t->ifindex && TC_H_MAJ(tcm->tcm_handle) == HTB_HANDLE &&
        minor >= NETDEV_HTB_LEAF_MIN)
        *(unsigned *)xarray_push(&t->classes, &t->n_classes, sizeof(unsigned)) = minor;
    return MNL_CB_OK;
}

static int tree_dump_read(int ifindex, const char *ifname, tree_dump *t, verr *err)
{
    char buf[NL_REQ_SIZE];
    nl_error e;
    *t = (tree_dump){.ifindex = ifindex};
    struct nlmsghdr *nlh = tc_msg(buf, RTM_GETTFILTER, NLM_F_DUMP, ifindex, 0, HTB_HANDLE);
    if (nl_talk(nlh, tree_filter_cb, t, &e) < 0)
        return nl_verr(err, &e, "listing the filters of '%s'", ifname);
    nlh = tc_msg(buf, RTM_GETTCLASS, NLM_F_DUMP, ifindex, 0, 0);
    if (nl_talk(nlh, tree_class_cb, t, &e) < 0)
        return nl_verr(err, &e, "listing the classes of '%s'", ifname);
    return 0;
}

static void tree_dump_free(tree_dump *t)
{
    free(t->filters);
    free(t->classes);
}

static struct nlmsghdr *leaf_filter_msg(char *buf, uint16_t type, uint16_t flags, int ifindex,
                                        unsigned id)
{
    struct nlmsghdr *nlh = tc_msg(buf, type, flags, ifindex, U32_ROOT_HT | id, HTB_HANDLE);
    struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
    tcm->tcm_info = TC_H_MAKE(LEAF_PRIO << 16, htons(ETH_P_ALL));
    mnl_attr_put_strz(nlh, TCA_KIND, "u32");
    return nlh;
}

static int leaf_filter_del(int ifindex, const char *ifname, unsigned id, verr *err)
{
    char buf[NL_REQ_SIZE];
    nl_error e;
    struct nlmsghdr *nlh = leaf_filter_msg(buf, RTM_DELTFILTER, 0, ifindex, id);
    if (nl_talk(nlh, NULL, NULL, &e) < 0 && e.code != ENOENT)
        return nl_verr(err, &e, "removing filter 800::%x of '%s'", id, ifname);
    return 0;
}

static int leaf_filter_add(int ifindex, const char *ifname, const netdev_htb_leaf *l, verr *err)
{
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh =
        leaf_filter_msg(buf, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, ifindex, l->id);
    struct nlattr *opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
    mnl_attr_put_u32(nlh, TCA_U32_CLASSID, HTB_HANDLE | l->id);
    struct {
        struct tc_u32_sel sel;
        struct tc_u32_key keys[2];
    } s = {.sel = {.flags = TC_U32_TERMINAL, .nkeys = 2}};
    netdev_u32_key k[2];
    netdev_u32_mac_keys(l->mac, k);
    for (int i = 0; i < 2; i++)
        s.keys[i] = (struct tc_u32_key){.val = k[i].val, .mask = k[i].mask, .off = k[i].off};
    mnl_attr_put(nlh, TCA_U32_SEL, sizeof(s), &s);
    mnl_attr_nest_end(nlh, opts);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0)
        return nl_verr(err, &e, "adding filter 800::%x of '%s'", l->id, ifname);
    return 0;
}

/* Is the dumped filter exactly what leaf l wants? */
static bool filter_matches(const leaf_filter *f, const netdev_htb_leaf *l)
{
    netdev_u32_key k[2];
    netdev_u32_mac_keys(l->mac, k);
    if (f->classid != (HTB_HANDLE | l->id) || f->n_keys != 2)
        return false;
    for (int i = 0; i < 2; i++)
        if (f->keys[i].val != k[i].val || f->keys[i].mask != k[i].mask ||
            f->keys[i].off != k[i].off || f->keys[i].offmask != 0)
            return false;
    return true;
}

static const netdev_htb_leaf *tree_leaf(const netdev_htb_tree *t, unsigned id)
{
    for (size_t i = 0; i < t->n_leaves; i++)
        if (t->leaves[i].id == id)
            return &t->leaves[i];
    return NULL;
}

static int class_del(int ifindex, const char *ifname, unsigned minor, verr *err)
{
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = tc_msg(buf, RTM_DELTCLASS, 0, ifindex, HTB_HANDLE | minor, 0);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0 && e.code != ENOENT)
        return nl_verr(err, &e, "removing htb class 1:%x of '%s'", minor, ifname);
    return 0;
}

/* Remove the filters and leaf classes the tree does not have, and the
 * filters that differ from the tree's (re-made by the caller). */
static int tree_prune(int ifindex, const char *ifname, const netdev_htb_tree *t, const tree_dump *d,
                      bool *ret_keep, verr *err)
{
    for (size_t i = 0; i < d->n_filters; i++) {
        const leaf_filter *f = &d->filters[i];
        const netdev_htb_leaf *l = tree_leaf(t, f->id);
        if (l && filter_matches(f, l)) {
            ret_keep[l - t->leaves] = true;
            continue;
        }
        if (leaf_filter_del(ifindex, ifname, f->id, err) < 0)
            return -1;
    }
    for (size_t i = 0; i < d->n_classes; i++)
        if (!tree_leaf(t, d->classes[i]) && class_del(ifindex, ifname, d->classes[i], err) < 0)
            return -1;
    return 0;
}

int netdev_htb_tree_set(const char *ifname, const netdev_htb_tree *t, verr *err)
{
    if (!t->top.rate || !t->rest.rate)
        return verr_set(err, VERR_INVALID, "shaping '%s': the rate is 0", ifname);
    for (size_t i = 0; i < t->n_leaves; i++)
        if (t->leaves[i].id < NETDEV_HTB_LEAF_MIN || t->leaves[i].id > NETDEV_HTB_LEAF_MAX ||
            !t->leaves[i].h.rate)
            return verr_set(err, VERR_INVALID, "shaping '%s': bad class 1:%x", ifname,
                            t->leaves[i].id);
    int ifindex = nl_ifindex(ifname, err);
    if (ifindex < 0)
        return verr_prefix(err, "shaping");
    if (htb_root_ensure(ifindex, ifname, 2, err) < 0 ||
        htb_class_set(ifindex, ifname, 1, HTB_HANDLE, &t->top, err) < 0 ||
        htb_class_set(ifindex, ifname, 2, HTB_HANDLE | 1, &t->rest, err) < 0)
        return -1;
    tree_dump d;
    _cleanup_free_ bool *keep = xcalloc(t->n_leaves + 1, sizeof(bool));
    int r = tree_dump_read(ifindex, ifname, &d, err);
    if (r == 0)
        r = tree_prune(ifindex, ifname, t, &d, keep, err);
    tree_dump_free(&d);
    for (size_t i = 0; r == 0 && i < t->n_leaves; i++) {
        const netdev_htb_leaf *l = &t->leaves[i];
        r = htb_class_set(ifindex, ifname, l->id, HTB_HANDLE | 1, &l->h, err);
        if (r == 0 && !keep[i])
            r = leaf_filter_add(ifindex, ifname, l, err);
    }
    return r;
}

/* ---- the ingress redirect: everything a link receives goes to an ifb ---- */

#define INGRESS_HANDLE 0xffff0000u /* ffff: */
#define REDIRECT_PRIO 1u

static int ingress_add(int ifindex, const char *ifname, verr *err)
{
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = tc_msg(buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, ifindex,
                                  INGRESS_HANDLE, TC_H_INGRESS);
    mnl_attr_put_strz(nlh, TCA_KIND, "ingress");
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0)
        return nl_verr(err, &e, "adding an ingress qdisc to '%s'", ifname);
    return 0;
}

/* A u32 filter matching every packet, its one action mirred "egress redirect". */
static void redirect_filter(struct nlmsghdr *nlh, int to_ifindex)
{
    mnl_attr_put_strz(nlh, TCA_KIND, "u32");
    struct nlattr *opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
    struct {
        struct tc_u32_sel sel;
        struct tc_u32_key key;
    } s = {.sel = {.flags = TC_U32_TERMINAL, .nkeys = 1}}; /* mask 0 at offset 0: all */
    mnl_attr_put(nlh, TCA_U32_SEL, sizeof(s), &s);
    struct nlattr *acts = mnl_attr_nest_start(nlh, TCA_U32_ACT);
    struct nlattr *act = mnl_attr_nest_start(nlh, 1); /* the first action */
    mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
    struct nlattr *aopts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
    struct tc_mirred m = {
        .action = TC_ACT_STOLEN, .eaction = TCA_EGRESS_REDIR, .ifindex = (uint32_t)to_ifindex};
    mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof(m), &m);
    mnl_attr_nest_end(nlh, aopts);
    mnl_attr_nest_end(nlh, act);
    mnl_attr_nest_end(nlh, acts);
    mnl_attr_nest_end(nlh, opts);
}

int netdev_redirect_set(const char *ifname, const char *to, verr *err)
{
    int ifindex = nl_ifindex(ifname, err);
    int to_ifindex = ifindex < 0 ? -1 : nl_ifindex(to, err);
    if (ifindex < 0 || to_ifindex < 0)
        return verr_prefix(err, "redirecting what '%s' receives", ifname);
    int present = netdev_redirect_present(ifname, to, err);
    if (present != 0)
        return present < 0 ? -1 : 0;
    /* a fresh ingress qdisc: whatever filters were there go with the old one */
    netdev_redirect_clear(ifname, NULL);
    if (ingress_add(ifindex, ifname, err) < 0)
        return -1;
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh =
        tc_msg(buf, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, ifindex, 0, INGRESS_HANDLE);
    struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
    tcm->tcm_info = TC_H_MAKE(REDIRECT_PRIO << 16, htons(ETH_P_ALL));
    redirect_filter(nlh, to_ifindex);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0) {
        nl_verr(err, &e, "redirecting what '%s' receives to '%s'", ifname, to);
        netdev_redirect_clear(ifname, NULL);
        return -1;
    }
    return 0;
}

typedef struct redirect_ctx {
    int ifindex;
    int to_ifindex;
    bool found;
} redirect_ctx;

/* TCA_OPTIONS of a u32 filter: does its first action redirect to to_ifindex? */
static bool redirects_to(const struct nlattr *opts, int to_ifindex)
{
    const struct nlattr *a, *b, *c, *d;
    mnl_attr_for_each_nested(a, opts)
    {
        if (mnl_attr_get_type(a) != TCA_U32_ACT)
            continue;
        mnl_attr_for_each_nested(b, a) /* the actions, by order */
        {
            bool mirred = false;
            mnl_attr_for_each_nested(c, b)
            {
                if (mnl_attr_get_type(c) == TCA_ACT_KIND &&
                    mnl_attr_validate(c, MNL_TYPE_NUL_STRING) == 0)
                    mirred = streq(mnl_attr_get_str(c), "mirred");
                if (mnl_attr_get_type(c) != TCA_ACT_OPTIONS || !mirred)
                    continue;
                mnl_attr_for_each_nested(d, c)
                {
                    if (mnl_attr_get_type(d) != TCA_MIRRED_PARMS ||
                        mnl_attr_get_payload_len(d) < sizeof(struct tc_mirred))
                        continue;
                    const struct tc_mirred *m = mnl_attr_get_payload(d);
                    if (m->eaction == TCA_EGRESS_REDIR && (int)m->ifindex == to_ifindex)
                        return true;
                }
            }
        }
    }
    return false;
}

static int redirect_cb(const struct nlmsghdr *nlh, void *data)
{
    redirect_ctx *c = data;
    if (nlh->nlmsg_type != RTM_NEWTFILTER || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct tcmsg))
        return MNL_CB_OK;
    const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
    if (tcm->tcm_ifindex != c->ifindex)
        return MNL_CB_OK;
    bool u32 = false;
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(*tcm))
    {
        if (mnl_attr_get_type(a) == TCA_KIND && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
            u32 = streq(mnl_attr_get_str(a), "u32");
        if (mnl_attr_get_type(a) == TCA_OPTIONS && u32 && redirects_to(a, c->to_ifindex))
            c->found = true;
    }
    return MNL_CB_OK;
}

int netdev_redirect_present(const char *ifname, const char *to, verr *err)
{
    int ifindex = nl_ifindex(ifname, err);
    int to_ifindex = ifindex < 0 ? -1 : nl_ifindex(to, err);
    if (ifindex < 0 || to_ifindex < 0)
        return -1;
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = tc_msg(buf, RTM_GETTFILTER, NLM_F_DUMP, ifindex, 0, INGRESS_HANDLE);
    redirect_ctx c = {.ifindex = ifindex, .to_ifindex = to_ifindex};
    nl_error e;
    if (nl_talk(nlh, redirect_cb, &c, &e) < 0) {
        if (e.code == EINVAL || e.code == ENOENT) /* no ingress qdisc */
            return 0;
        return nl_verr(err, &e, "listing the ingress filters of '%s'", ifname);
    }
    return c.found ? 1 : 0;
}

int netdev_redirect_clear(const char *ifname, verr *err)
{
    netdev_link link;
    int r = netdev_link_get(ifname, &link, err);
    if (r <= 0)
        return r;
    char buf[NL_REQ_SIZE];
    struct nlmsghdr *nlh = tc_msg(buf, RTM_DELQDISC, 0, link.ifindex, INGRESS_HANDLE, TC_H_INGRESS);
    nl_error e;
    if (nl_talk(nlh, NULL, NULL, &e) < 0 && e.code != ENOENT && e.code != EINVAL &&
        e.code != ENODEV)
        return nl_verr(err, &e, "removing the ingress qdisc of '%s'", ifname);
    return 0;
}

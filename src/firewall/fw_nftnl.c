/* Network tables and forward elements sent as libnftnl batches over libmnl,
 * without reading the host's ruleset.
 *
 * libnftables 1.0.6 dumps every table's chains and sets (and asks for each
 * table's objects) before each transaction that adds a rule, an element or
 * deletes a table: the cost of starting one network, adding one forward or
 * repairing one table grew with the number of networks on the host. Here:
 *
 * - Table create/replace: the planner's script is still compiled by
 *   libnftables (one compiler, the golden plans stay the contract), but in a
 *   private, empty network namespace made once per process ("scratch"), where
 *   its cache holds nothing but this table. The result is dumped there with
 *   libnftnl (table, chains, sets, elements, rules), deleted there, and sent
 *   to the host's nf_tables as one batch: add table + delete table + the
 *   objects, so the replacement stays one atomic transaction.
 * - Table delete and forward element add/delete: built directly with libnftnl.
 *
 * Netlink sockets belong to the namespace they were created in, so only
 * process start-up switches namespaces (unshare, open the scratch sockets,
 * setns back). Without the privilege to make a namespace, the table path
 * falls back to libnftables on the host.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "firewall/firewall.h"
#include "firewall/fw_internal.h"
#include "util/cleanup.h"

#define MSG_ROOM (96 * 1024) /* one message: a 64 KiB element nest and headers */

typedef struct fw_nftnl_sock {
    struct mnl_socket *nl;
    uint32_t portid;
    uint32_t seq;
} nl_sock;

static nl_sock scratch_sock;

/* The host namespace's socket lives in the handles in use (fw_handles). */
static nl_sock *host_sock(void)
{
    fw_handles *h = fw_handles_current();
    if (!h->nftnl)
        h->nftnl = xcalloc(1, sizeof(*h->nftnl));
    return h->nftnl;
}

void fw_nftnl_sock_free(struct fw_nftnl_sock *s)
{
    if (!s)
        return;
    if (s->nl)
        mnl_socket_close(s->nl);
    free(s);
}
static int scratch_state; /* 0 not tried, 1 ready, -1 unavailable */

static int sock_open(nl_sock *s, verr *err)
{
    if (s->nl)
        return 0;
    s->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
    if (!s->nl)
        return verr_errno(err, errno, "nftables: opening a netlink socket");
    if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        int e = errno;
        mnl_socket_close(s->nl);
        s->nl = NULL;
        return verr_errno(err, e, "nftables: binding a netlink socket");
    }
    s->portid = mnl_socket_get_portid(s->nl);
    s->seq = (uint32_t)time(NULL);
    return 0;
}

/* The scratch namespace: a libnftables context and a netlink socket in it. */
static int scratch_open(verr *err)
{
    if (scratch_state)
        return scratch_state > 0 ? 0 : -1;
    scratch_state = -1;
    _cleanup_close_ int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (home < 0)
        return verr_errno(err, errno, "nftables: opening this process's network namespace");
    if (unshare(CLONE_NEWNET) < 0)
        return verr_errno(err, errno, "nftables: making a private network namespace");
    int r = sock_open(&scratch_sock, err);
    if (r == 0 && fw_scratch_ctx_init(err) < 0)
        r = -1;
    if (setns(home, CLONE_NEWNET) < 0) /* cannot stay elsewhere: fatal for the caller */
        abort();
    if (r == 0)
        scratch_state = 1;
    return r;
}

/* ---- a growing batch buffer ---- */

typedef struct batch {
    char *buf;
    size_t len, cap;
    uint32_t first_seq, last_seq;
    nl_sock *s;
} batch;

static char *batch_room(batch *b)
{
    if (b->cap - b->len < MSG_ROOM) {
        b->cap = b->cap * 2 + MSG_ROOM;
        b->buf = xrealloc(b->buf, b->cap);
    }
    memset(b->buf + b->len, 0, MSG_ROOM);
    return b->buf + b->len;
}

static void batch_put(batch *b, struct nlmsghdr *nlh)
{
    b->last_seq = nlh->nlmsg_seq;
    b->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

static struct nlmsghdr *batch_hdr(batch *b, uint16_t type, uint16_t flags)
{
    return nftnl_nlmsg_build_hdr(batch_room(b), type, NFPROTO_INET, flags, b->s->seq++);
}

static void batch_start(batch *b, nl_sock *s)
{
    *b = (batch){.s = s};
    b->first_seq = s->seq;
    batch_put(b, nftnl_batch_begin(batch_room(b), s->seq++));
}

static void put_table(batch *b, uint16_t type, const char *name, struct nftnl_table *t)
{
    struct nftnl_table *own = NULL;
    if (!t) {
        t = own = nftnl_table_alloc();
        nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
    }
    struct nlmsghdr *nlh = batch_hdr(b, type, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0);
    nftnl_table_nlmsg_build_payload(nlh, t);
    batch_put(b, nlh);
    if (own)
        nftnl_table_free(own);
}

static void put_elems(batch *b, uint16_t type, struct nftnl_set *s)
{
    struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
    if (!it)
        return;
    if (!nftnl_set_elems_iter_cur(it)) { /* no elements: no message (EINVAL) */
        nftnl_set_elems_iter_destroy(it);
        return;
    }
    int more;
    do {
        struct nlmsghdr *nlh = batch_hdr(b, type, type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0);
        more = nftnl_set_elems_nlmsg_build_payload_iter(nlh, it);
        batch_put(b, nlh);
    } while (more > 0);
    nftnl_set_elems_iter_destroy(it);
}

/* Send the batch (ack asked on its last message) and wait for the kernel's
 * verdict: the first error of any message, or the final ack. */
static int batch_send(batch *b, const char *what, verr *err)
{
    uint32_t last = b->last_seq;
    /* mark the last real message for an ack */
    for (size_t off = 0; off < b->len;) {
        struct nlmsghdr *nlh = (struct nlmsghdr *)(b->buf + off);
        if (nlh->nlmsg_seq == last)
            nlh->nlmsg_flags |= NLM_F_ACK;
        off += NLMSG_ALIGN(nlh->nlmsg_len);
    }
    batch_put(b, nftnl_batch_end(batch_room(b), b->s->seq++));
    int fd = mnl_socket_get_fd(b->s->nl);
    int sndbuf = (int)b->len + 4096;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
    if (mnl_socket_sendto(b->s->nl, b->buf, b->len) < 0)
        return verr_errno(err, errno, "nftables: %s: sending the batch", what);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[32768];
    int first_error = 0;
    for (int reads = 0; reads < 100000; reads++) {
        ssize_t n = mnl_socket_recvfrom(b->s->nl, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && first_error) /* an aborted batch acks nothing after its error */
            break;
        if (n < 0)
            return verr_errno(err, errno, "nftables: %s: reading the kernel's answer", what);
        for (struct nlmsghdr *nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, (int)n);
             nlh = mnl_nlmsg_next(nlh, (int *)&n)) {
            if (nlh->nlmsg_type != NLMSG_ERROR)
                continue;
            const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
            if (e->error && !first_error) {
                first_error = -e->error;
                struct timeval shortwait = {.tv_usec = 100000}; /* the rest comes at once */
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &shortwait, sizeof(shortwait));
            }
            if (nlh->nlmsg_seq == last || (first_error && nlh->nlmsg_seq >= last))
                goto done;
        }
    }
done:
    if (first_error)
        return verr_errno(err, first_error, "nftables: %s", what);
    return 0;
}

static void batch_free(batch *b)
{
    free(b->buf);
    b->buf = NULL;
}

/* ---- dumps (scratch namespace) ---- */

typedef int (*dump_cb)(const struct nlmsghdr *nlh, void *data);

static int dump(nl_sock *s, uint16_t type, void (*payload)(struct nlmsghdr *, void *), void *obj,
                dump_cb cb, void *data, verr *err)
{
    char buf[32768];
    uint32_t seq = s->seq++;
    struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, NLM_F_DUMP, seq);
    if (payload)
        payload(nlh, obj);
    if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
        return verr_errno(err, errno, "nftables: asking for a dump");
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(s->nl, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return verr_errno(err, errno, "nftables: reading a dump");
        int r = mnl_cb_run(buf, (size_t)n, seq, s->portid, cb, data);
        if (r < 0)
            return verr_errno(err, errno, "nftables: dump refused");
        if (r == MNL_CB_STOP)
            return 0;
    }
}

typedef struct table_objs {
    struct nftnl_table *table;
    struct nftnl_chain_list *chains;
    struct nftnl_set_list *sets;
    struct nftnl_rule_list *rules;
    fw_digest *digest; /* the same objects, hashed as fw_table_digest does */
    verr *err;
} table_objs;

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
    table_objs *o = data;
    fw_digest_object(o->digest, nlh);
    struct nftnl_table *t = nftnl_table_alloc();
    if (nftnl_table_nlmsg_parse(nlh, t) < 0 || o->table) {
        nftnl_table_free(t);
        return MNL_CB_OK;
    }
    o->table = t;
    return MNL_CB_OK;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
    table_objs *o = data;
    fw_digest_object(o->digest, nlh);
    struct nftnl_chain *c = nftnl_chain_alloc();
    if (nftnl_chain_nlmsg_parse(nlh, c) < 0) {
        nftnl_chain_free(c);
        return MNL_CB_OK;
    }
    nftnl_chain_list_add_tail(c, o->chains);
    return MNL_CB_OK;
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
    table_objs *o = data;
    fw_digest_object(o->digest, nlh);
    struct nftnl_set *s = nftnl_set_alloc();
    if (nftnl_set_nlmsg_parse(nlh, s) < 0) {
        nftnl_set_free(s);
        return MNL_CB_OK;
    }
    nftnl_set_list_add_tail(s, o->sets);
    return MNL_CB_OK;
}

typedef struct set_dump {
    struct nftnl_set *set;
    fw_digest *digest;
    verr *err;
} set_dump;

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
    set_dump *sd = data;
    fw_digest_elems(sd->digest, nlh);
    nftnl_set_elems_nlmsg_parse(nlh, sd->set);
    return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
    table_objs *o = data;
    fw_digest_object(o->digest, nlh);
    struct nftnl_rule *r = nftnl_rule_alloc();
    if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
        nftnl_rule_free(r);
        return MNL_CB_OK;
    }
    nftnl_rule_list_add_tail(r, o->rules);
    return MNL_CB_OK;
}

static void elem_req(struct nlmsghdr *nlh, void *obj)
{
    nftnl_set_elems_nlmsg_build_payload(nlh, obj);
}

static void objs_free(table_objs *o)
{
    if (o->table)
        nftnl_table_free(o->table);
    if (o->chains)
        nftnl_chain_list_free(o->chains);
    if (o->sets)
        nftnl_set_list_free(o->sets);
    if (o->rules)
        nftnl_rule_list_free(o->rules);
}

static int elems_of_set(struct nftnl_set *s, void *data)
{
    table_objs *o = data;
    set_dump sd = {.set = s, .digest = o->digest, .err = o->err};
    return dump(&scratch_sock, NFT_MSG_GETSETELEM, elem_req, s, elem_cb, &sd, o->err);
}

static int dump_scratch(table_objs *o, verr *err)
{
    o->chains = nftnl_chain_list_alloc();
    o->sets = nftnl_set_list_alloc();
    o->rules = nftnl_rule_list_alloc();
    o->err = err;
    /* (in fw_table_digest's order: table, rules, chains, sets, elements) */
    if (dump(&scratch_sock, NFT_MSG_GETTABLE, NULL, NULL, table_cb, o, err) < 0 ||
        dump(&scratch_sock, NFT_MSG_GETRULE, NULL, NULL, rule_cb, o, err) < 0 ||
        dump(&scratch_sock, NFT_MSG_GETCHAIN, NULL, NULL, chain_cb, o, err) < 0 ||
        dump(&scratch_sock, NFT_MSG_GETSET, NULL, NULL, set_cb, o, err) < 0)
        return -1;
    if (!o->table)
        return verr_set(err, VERR_INTERNAL, "nftables: the compiled table is missing");
    return nftnl_set_list_foreach(o->sets, elems_of_set, o) < 0 ? -1 : 0;
}

/* ---- host batch from the dumped objects ---- */

typedef struct replay {
    batch *b;
    uint32_t set_id;
} replay;

static int put_chain(struct nftnl_chain *c, void *data)
{
    replay *rp = data;
    nftnl_chain_unset(c, NFTNL_CHAIN_HANDLE);
    nftnl_chain_unset(c, NFTNL_CHAIN_USE);
    if (nftnl_chain_is_set(c, NFTNL_CHAIN_FLAGS) &&
        (nftnl_chain_get_u32(c, NFTNL_CHAIN_FLAGS) & ~(uint32_t)NFT_CHAIN_BASE) == 0)
        nftnl_chain_unset(c, NFTNL_CHAIN_FLAGS);
    struct nlmsghdr *nlh = batch_hdr(rp->b, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
    nftnl_chain_nlmsg_build_payload(nlh, c);
    batch_put(rp->b, nlh);
    return 0;
}

static int put_set(struct nftnl_set *s, void *data)
{
    replay *rp = data;
    nftnl_set_unset(s, NFTNL_SET_HANDLE);
    nftnl_set_set_u32(s, NFTNL_SET_ID, ++rp->set_id);
    struct nlmsghdr *nlh = batch_hdr(rp->b, NFT_MSG_NEWSET, NLM_F_CREATE);
    nftnl_set_nlmsg_build_payload(nlh, s);
    batch_put(rp->b, nlh);
    put_elems(rp->b, NFT_MSG_NEWSETELEM, s);
    return 0;
}

static int put_rule(struct nftnl_rule *r, void *data)
{
    replay *rp = data;
    nftnl_rule_unset(r, NFTNL_RULE_HANDLE);
    nftnl_rule_unset(r, NFTNL_RULE_POSITION);
    struct nlmsghdr *nlh = batch_hdr(rp->b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
    nftnl_rule_nlmsg_build_payload(nlh, r);
    batch_put(rp->b, nlh);
    return 0;
}

static int remove_in(nl_sock *s, const char *table, const char *what, verr *err)
{
    batch b;
    batch_start(&b, s);
    put_table(&b, NFT_MSG_NEWTABLE, table, NULL);
    put_table(&b, NFT_MSG_DELTABLE, table, NULL);
    int r = batch_send(&b, what, err);
    batch_free(&b);
    return r;
}

int fw_nftnl_apply_script(const char *table, const char *script, char *ret_digest, verr *err)
{
    verr e = VERR_INIT;
    if (scratch_open(&e) < 0 || sock_open(host_sock(), &e) < 0)
        return -2; /* no private namespace: the caller uses libnftables on the host */
    if (fw_scratch_apply(script, err) < 0)
        return -1;
    fw_digest dg;
    fw_digest_init(&dg, table);
    table_objs o = {.digest = &dg};
    int r = dump_scratch(&o, err);
    verr e2 = VERR_INIT;
    remove_in(&scratch_sock, table, "clearing the private namespace", &e2);
    if (r == 0) {
        nftnl_table_unset(o.table, NFTNL_TABLE_HANDLE);
        nftnl_table_unset(o.table, NFTNL_TABLE_USE);
        batch b;
        batch_start(&b, host_sock());
        put_table(&b, NFT_MSG_NEWTABLE, table, NULL);
        put_table(&b, NFT_MSG_DELTABLE, table, NULL);
        put_table(&b, NFT_MSG_NEWTABLE, table, o.table);
        replay rp = {.b = &b};
        nftnl_chain_list_foreach(o.chains, put_chain, &rp);
        nftnl_set_list_foreach(o.sets, put_set, &rp);
        nftnl_rule_list_foreach(o.rules, put_rule, &rp);
        r = batch_send(&b, "applying the ruleset", err);
        batch_free(&b);
    }
    objs_free(&o);
    fw_digest_finish(&dg, r == 0 ? ret_digest : NULL);
    return r;
}

int fw_table_apply_digest(const netdef *def, char ret_digest[FW_DIGEST_LEN], verr *err)
{
    _cleanup_free_ char *script = fw_plan_network(def, err);
    if (!script)
        return -1;
    if (ret_digest)
        ret_digest[0] = '\0';
    if (!fw_wanted(def))
        return fw_table_remove(def, err);
    char table[FW_TABLE_NAME_MAX];
    fw_table_name(def, table, sizeof(table));
    int r = fw_nftnl_apply_script(table, script, ret_digest, err);
    if (r == -2) { /* no private namespace: libnftables on the host, then read it back */
        if (fw_apply(script, err) < 0)
            return -1;
        return ret_digest && fw_table_digest(def, ret_digest, err) < 0 ? -1 : 0;
    }
    return r;
}

int fw_table_apply(const netdef *def, verr *err)
{
    return fw_table_apply_digest(def, NULL, err);
}

int fw_table_remove(const netdef *def, verr *err)
{
    char table[FW_TABLE_NAME_MAX];
    if (!def->bridge_name)
        return verr_set(err, VERR_INVALID, "network '%s' has no bridge name", def->name);
    if (sock_open(host_sock(), err) < 0)
        return -1;
    return remove_in(host_sock(), fw_table_name(def, table, sizeof(table)), "removing the table",
                     err);
}

/* ---- forward elements ---- */

/* Key and data of one map element: each field of a concatenation takes a
 * whole number of 32-bit registers (nft's layout); ports in network order. */
static size_t put_field(uint8_t *p, const void *v, size_t len)
{
    memset(p, 0, (len + 3) & ~(size_t)3);
    memcpy(p, v, len);
    return (len + 3) & ~(size_t)3;
}

static size_t put_addr(uint8_t *p, const vnet_addr *a)
{
    return put_field(p, a->bytes, a->family == AF_INET6 ? 16 : 4);
}

static void add_elements(struct nftnl_set *map, struct nftnl_set *count,
                         const netdef_port_forward *pf, bool with_data)
{
    bool addr = vnet_addr_is_set(&pf->address);
    uint8_t proto = (uint8_t)pf->proto;
    for (size_t r = 0; r < pf->n_ranges; r++) {
        const netdef_pf_range *rg = &pf->ranges[r];
        unsigned to = rg->to ? rg->to : rg->start;
        for (unsigned port = rg->start; port <= rg->end; port++) {
            uint8_t key[40], val[24];
            size_t kl = 0, vl = 0;
            if (addr)
                kl += put_addr(key + kl, &pf->address);
            kl += put_field(key + kl, &proto, 1);
            uint16_t p = htons((uint16_t)port), gp = htons((uint16_t)(to + (port - rg->start)));
            kl += put_field(key + kl, &p, 2);
            vl += put_addr(val + vl, &pf->guest);
            vl += put_field(val + vl, &gp, 2);
            struct nftnl_set *sets[2] = {map, count};
            for (int i = 0; i < 2; i++) {
                struct nftnl_set_elem *e = nftnl_set_elem_alloc();
                nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, (uint32_t)kl);
                if (i == 0 && with_data)
                    nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, val, (uint32_t)vl);
                nftnl_set_elem_add(sets[i], e);
            }
            if (port == 65535)
                break;
        }
    }
}

static struct nftnl_set *named_set(const char *table, const char *name)
{
    struct nftnl_set *s = nftnl_set_alloc();
    nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
    nftnl_set_set_str(s, NFTNL_SET_NAME, name);
    return s;
}

int fw_forwards_apply(const netdef *def, const netdef_port_forward *pfs, size_t n, bool add,
                      verr *err)
{
    char table[FW_TABLE_NAME_MAX];
    if (!def->bridge_name)
        return verr_set(err, VERR_INVALID, "network '%s' has no bridge name", def->name);
    /* (the forwards were checked against the definition by conf/, as for
     * fw_plan_forward_add) */
    if (sock_open(host_sock(), err) < 0)
        return -1;
    fw_table_name(def, table, sizeof(table));
    struct nftnl_set *sets[2][FW_MAP_COUNT] = {{NULL}}; /* [map, count set][map kind] */
    for (fw_map m = 0; m < FW_MAP_COUNT; m++) {
        sets[0][m] = named_set(table, fw_map_name(m));
        sets[1][m] = named_set(table, fw_count_set_name(m));
    }
    /* Idempotent like the table: add the elements; to delete, add then delete
     * them, all in one transaction. */
    batch b;
    batch_start(&b, host_sock());
    for (size_t i = 0; i < n; i++) {
        fw_map m = fw_forward_map(&pfs[i]);
        add_elements(sets[0][m], sets[1][m], &pfs[i], true);
    }
    for (fw_map m = 0; m < FW_MAP_COUNT; m++)
        for (int k = 0; k < 2; k++)
            put_elems(&b, NFT_MSG_NEWSETELEM, sets[k][m]);
    if (!add) {
        for (fw_map m = 0; m < FW_MAP_COUNT; m++)
            for (int k = 0; k < 2; k++)
                put_elems(&b, NFT_MSG_DELSETELEM, sets[k][m]);
    }
    int r = batch_send(&b, add ? "adding port forwards" : "removing port forwards", err);
    batch_free(&b);
    for (fw_map m = 0; m < FW_MAP_COUNT; m++) {
        nftnl_set_free(sets[0][m]);
        nftnl_set_free(sets[1][m]);
    }
    return r;
}

void fw_nftnl_close(void)
{
    if (scratch_sock.nl)
        mnl_socket_close(scratch_sock.nl);
    scratch_sock.nl = NULL;
    scratch_state = 0;
}

/* iptables-legacy: x_tables rules are not nf_tables, so `list ruleset` does
 * not show them, yet they drop packets all the same. When the legacy filter
 * table is loaded (/proc/net/ip_tables_names), read it from the kernel
 * (IPT_SO_GET_INFO / IPT_SO_GET_ENTRIES, as iptables-legacy-save does) and
 * turn it into the same JSON objects libnftables prints, so the one analyser
 * (fw_foreign.c) judges both. The table is named "filter (iptables-legacy)".
 *
 * What is translated: interfaces (with iptables' "+" wildcard), addresses
 * with masks, protocol, the tcp/udp destination port match, standard verdicts
 * (ACCEPT, DROP, RETURN, jumps to user chains), REJECT; every other match
 * becomes an opaque "xt" match (the analyser treats it as "maybe"). Rules get
 * their position in the chain as "handle". IPv4 only.
 */
/* glibc's netinet/in.h first: it tells the kernel headers what it defines */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>

#include "firewall/firewall.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

#define LEGACY_TABLE "filter (iptables-legacy)"
#define LEGACY_MAX_SIZE (64u * 1024u * 1024u)

static const char *const hook_names[NF_INET_NUMHOOKS] = {"prerouting", "input", "forward", "output",
                                                         "postrouting"};
static const char *const builtin_names[NF_INET_NUMHOOKS] = {"PREROUTING", "INPUT", "FORWARD",
                                                            "OUTPUT", "POSTROUTING"};

typedef struct lchain {
    char name[XT_EXTENSION_MAXNAMELEN + 8];
    unsigned start, end; /* byte offsets: first rule, the chain's closing entry */
    int hook;            /* -1 for a user chain */
} lchain;

static const struct ipt_entry *entry_at(const uint8_t *base, size_t size, unsigned off)
{
    if (off > size || size - off < sizeof(struct ipt_entry))
        return NULL;
    const struct ipt_entry *e = (const struct ipt_entry *)(base + off);
    if (e->next_offset < sizeof(*e) || e->target_offset < sizeof(*e) ||
        e->target_offset + sizeof(struct xt_entry_target) > e->next_offset ||
        off + e->next_offset > size)
        return NULL;
    return e;
}

static const struct xt_entry_target *entry_target(const struct ipt_entry *e)
{
    return (const struct xt_entry_target *)((const uint8_t *)e + e->target_offset);
}

static int standard_verdict(const struct ipt_entry *e)
{
    const struct xt_entry_target *t = entry_target(e);
    if (t->u.user.name[0] != '\0' || t->u.target_size < sizeof(struct xt_standard_target))
        return INT32_MIN;
    return ((const struct xt_standard_target *)t)->verdict;
}

/* The chains: built-in ones from hook_entry/underflow, user ones from the
 * ERROR entries that head them. */
static size_t find_chains(const struct ipt_getinfo *info, const uint8_t *base, size_t size,
                          lchain **ret)
{
    lchain *c = NULL;
    size_t n = 0;
    for (int h = 0; h < NF_INET_NUMHOOKS; h++) {
        if (!(info->valid_hooks & (1u << h)))
            continue;
        c = xrealloc(c, (n + 1) * sizeof(*c));
        c[n] = (lchain){.start = info->hook_entry[h], .end = info->underflow[h], .hook = h};
        snprintf(c[n].name, sizeof(c[n].name), "%s", builtin_names[h]);
        n++;
    }
    /* a user chain runs from after its ERROR entry to the entry before the
     * next ERROR entry (its closing RETURN) */
    size_t open_chain = SIZE_MAX;
    unsigned prev = 0;
    for (unsigned off = 0; off < size;) {
        const struct ipt_entry *e = entry_at(base, size, off);
        if (!e)
            break;
        const struct xt_entry_target *t = entry_target(e);
        if (streq(t->u.user.name, XT_ERROR_TARGET) &&
            t->u.target_size >= sizeof(struct xt_error_target)) {
            if (open_chain != SIZE_MAX)
                c[open_chain].end = prev;
            open_chain = SIZE_MAX;
            const char *name = ((const struct xt_error_target *)t)->errorname;
            if (!streq(name, "ERROR")) { /* the table's final entry is named ERROR */
                c = xrealloc(c, (n + 1) * sizeof(*c));
                c[n] = (lchain){.start = off + e->next_offset, .end = 0, .hook = -1};
                snprintf(c[n].name, sizeof(c[n].name), "%s", name);
                open_chain = n++;
            }
        }
        prev = off;
        off += e->next_offset;
    }
    *ret = c;
    return n;
}

static const char *chain_at(const lchain *c, size_t n, unsigned off)
{
    for (size_t i = 0; i < n; i++)
        if (c[i].start == off)
            return c[i].name;
    return NULL;
}

static void add_match(json_t *expr, const char *left_kind, const char *key, const char *op,
                      json_t *right)
{
    json_t *left = streq(left_kind, "meta") ? json_pack("{s:{s:s}}", "meta", "key", key)
                                            : json_pack("{s:{s:s, s:s}}", "payload", "protocol",
                                                        left_kind, "field", key);
    json_array_append_new(
        expr, json_pack("{s:{s:s, s:o, s:o}}", "match", "op", op, "left", left, "right", right));
}

static void add_iface(json_t *expr, const char *key, const char *name, bool inv)
{
    if (!name[0])
        return;
    size_t len = strnlen(name, IFNAMSIZ);
    /* iptables' "eth+" is kept as written, its mask covering "eth" only */
    bool prefix = len > 0 && name[len - 1] == '+';
    _cleanup_free_ char *v = prefix ? xasprintf("%.*s*", (int)len - 1, name) : xstrndup(name, len);
    add_match(expr, "meta", key, inv ? "!=" : "==", json_string(v));
}

static void add_addr(json_t *expr, const char *key, struct in_addr a, struct in_addr m, bool inv)
{
    if (m.s_addr == 0)
        return;
    int len = __builtin_popcount(m.s_addr);
    char s[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, s, sizeof(s));
    json_t *right =
        len == 32 ? json_string(s) : json_pack("{s:{s:s, s:i}}", "prefix", "addr", s, "len", len);
    add_match(expr, "ip", key, inv ? "!=" : "==", right);
}

static void add_xt_matches(json_t *expr, const struct ipt_entry *e)
{
    for (unsigned o = sizeof(*e); o + sizeof(struct xt_entry_match) <= e->target_offset;) {
        const struct xt_entry_match *m = (const struct xt_entry_match *)((const uint8_t *)e + o);
        if (m->u.match_size < sizeof(*m))
            break;
        const char *name = m->u.user.name;
        bool tcp = streq(name, "tcp") && m->u.match_size >= sizeof(*m) + sizeof(struct xt_tcp);
        bool udp = streq(name, "udp") && m->u.match_size >= sizeof(*m) + sizeof(struct xt_udp);
        if (tcp || udp) {
            const uint16_t *dpts = tcp ? ((const struct xt_tcp *)m->data)->dpts
                                       : ((const struct xt_udp *)m->data)->dpts;
            uint8_t inv = tcp ? ((const struct xt_tcp *)m->data)->invflags
                              : ((const struct xt_udp *)m->data)->invflags;
            if (!(dpts[0] == 0 && dpts[1] == 0xffff)) {
                json_t *right = dpts[0] == dpts[1]
                                    ? json_integer(dpts[0])
                                    : json_pack("{s:[i,i]}", "range", dpts[0], dpts[1]);
                add_match(expr, tcp ? "tcp" : "udp", "dport",
                          (inv & XT_TCP_INV_DSTPT) ? "!=" : "==", right);
            }
        } else if (!streq(name, "comment")) {
            json_array_append_new(expr,
                                  json_pack("{s:{s:s, s:s}}", "xt", "type", "match", "name", name));
        }
        o += m->u.match_size;
    }
}

static void add_verdict(json_t *expr, const struct ipt_entry *e, unsigned off, const lchain *c,
                        size_t n)
{
    const struct xt_entry_target *t = entry_target(e);
    int v = standard_verdict(e);
    if (v == INT32_MIN) {
        json_array_append_new(
            expr, json_pack("{s:{s:s, s:s}}", "xt", "type", "target", "name", t->u.user.name));
        return;
    }
    if (v >= 0) {
        const char *target = chain_at(c, n, (unsigned)v);
        bool fallthrough = (unsigned)v == off + e->next_offset;
        if (target && !fallthrough)
            json_array_append_new(expr, json_pack("{s:{s:s}}", "jump", "target", target));
        return;
    }
    if (v == -NF_ACCEPT - 1)
        json_array_append_new(expr, json_pack("{s:n}", "accept"));
    else if (v == -NF_DROP - 1)
        json_array_append_new(expr, json_pack("{s:n}", "drop"));
    else if (v == XT_RETURN)
        json_array_append_new(expr, json_pack("{s:n}", "return"));
}

static json_t *rule_json(const struct ipt_entry *e, unsigned off, const lchain *chain, int index,
                         const lchain *c, size_t n)
{
    json_t *expr = json_array();
    const struct ipt_ip *ip = &e->ip;
    add_iface(expr, "iifname", ip->iniface, ip->invflags & IPT_INV_VIA_IN);
    add_iface(expr, "oifname", ip->outiface, ip->invflags & IPT_INV_VIA_OUT);
    add_addr(expr, "saddr", ip->src, ip->smsk, ip->invflags & IPT_INV_SRCIP);
    add_addr(expr, "daddr", ip->dst, ip->dmsk, ip->invflags & IPT_INV_DSTIP);
    if (ip->proto)
        add_match(expr, "meta", "l4proto",
                  (ip->invflags & XT_INV_PROTO) ? "!=" : "==", json_integer(ip->proto));
    add_xt_matches(expr, e);
    add_verdict(expr, e, off, c, n);
    return json_pack("{s:{s:s, s:s, s:s, s:i, s:o}}", "rule", "family", "ip", "table", LEGACY_TABLE,
                     "chain", chain->name, "handle", index, "expr", expr);
}

json_t *fw_legacy_convert(const struct ipt_getinfo *info, const void *entries, size_t size)
{
    const uint8_t *base = entries;
    lchain *c = NULL;
    size_t n = find_chains(info, base, size, &c);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *ch =
            json_pack("{s:s, s:s, s:s}", "family", "ip", "table", LEGACY_TABLE, "name", c[i].name);
        const struct ipt_entry *end = entry_at(base, size, c[i].end);
        if (c[i].hook >= 0) {
            int v = end ? standard_verdict(end) : INT32_MIN;
            json_object_set_new(ch, "type", json_string("filter"));
            json_object_set_new(ch, "hook", json_string(hook_names[c[i].hook]));
            json_object_set_new(ch, "policy", json_string(v == -NF_DROP - 1 ? "drop" : "accept"));
        }
        json_array_append_new(out, json_pack("{s:o}", "chain", ch));
        int index = 1;
        for (unsigned off = c[i].start; off < c[i].end; index++) {
            const struct ipt_entry *e = entry_at(base, size, off);
            if (!e)
                break;
            json_array_append_new(out, rule_json(e, off, &c[i], index, c, n));
            off += e->next_offset;
        }
    }
    free(c);
    return out;
}

bool fw_legacy_loaded(void)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/net/ip_tables_names", "re");
    char line[64];
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "filter", 6) == 0)
            return true;
    return false;
}

int fw_legacy_read(json_t **ret, verr *err)
{
    _cleanup_close_ int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
    if (fd < 0)
        return verr_errno(err, errno, "iptables-legacy: opening a raw socket");
    struct ipt_getinfo info = {.name = "filter"};
    socklen_t len = sizeof(info);
    if (getsockopt(fd, IPPROTO_IP, IPT_SO_GET_INFO, &info, &len) < 0)
        return verr_errno(err, errno, "iptables-legacy: reading the filter table's layout");
    if (info.size > LEGACY_MAX_SIZE)
        return verr_set(err, VERR_INVALID, "iptables-legacy: filter table too large");
    size_t total = sizeof(struct ipt_get_entries) + info.size;
    _cleanup_free_ struct ipt_get_entries *ge = xcalloc(1, total);
    snprintf(ge->name, sizeof(ge->name), "filter");
    ge->size = info.size;
    len = (socklen_t)total;
    if (getsockopt(fd, IPPROTO_IP, IPT_SO_GET_ENTRIES, ge, &len) < 0)
        return verr_errno(err, errno, "iptables-legacy: reading the filter table");
    *ret = fw_legacy_convert(&info, ge->entrytable, info.size);
    return 0;
}

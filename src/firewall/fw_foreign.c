/* Foreign drops: rules of other programs (Docker, firewalld, ufw, a
 * hand-written table) that drop or reject a network's traffic.
 *
 * A packet passes nftables only if every base chain at each hook it
 * traverses lets it through: an accept in vnet's table does not help against
 * a drop in another table. So for each kind of traffic a network needs
 * (guests going out, the replies coming back, DHCP and DNS to the host) this
 * walks every base chain of every other table at the hooks that traffic
 * passes, rule by rule, following jumps and gotos, and evaluates each match
 * against what is known of the packet: its interfaces, addresses, protocol,
 * port and conntrack state. A match is yes, no, or maybe (an iptables-nft
 * "xt" match, a mark, a fib lookup...). The first rule that surely accepts
 * ends the walk; a drop or reject (or a drop policy) reached is a finding,
 * marked `certain` when no "maybe" stood on the way.
 *
 * Pure: the ruleset is libnftables' JSON (`list ruleset`), the network its
 * definition; nothing here talks to the kernel.
 */
#include <arpa/inet.h>
#include <string.h>

#include "firewall/firewall.h"
#include "firewall/fw_internal.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

#define FOREIGN_MAX_DEPTH 16

typedef enum { T_NO = 0, T_YES = 1, T_MAYBE = 2 } tri;

static tri tri_and(tri a, tri b)
{
    if (a == T_NO || b == T_NO)
        return T_NO;
    return (a == T_MAYBE || b == T_MAYBE) ? T_MAYBE : T_YES;
}

static tri tri_not(tri a)
{
    return a == T_MAYBE ? T_MAYBE : (a == T_YES ? T_NO : T_YES);
}

/* An address as far as a flow knows it: a prefix, or anything (len < 0). */
typedef struct flow_addr {
    vnet_addr addr;
    int len; /* -1: unknown ("outside": any address not ours) */
} flow_addr;

/* One packet of a kind of traffic at one hook. Interfaces: a name, "" for
 * none at this hook, NULL for unknown. */
typedef struct flow {
    const char *direction; /* "outgoing", "replies", "dhcp", "dns" */
    const char *hook;
    int family; /* AF_INET / AF_INET6 */
    const char *iif, *oif;
    flow_addr saddr, daddr;
    int l4proto;          /* IPPROTO_TCP / IPPROTO_UDP */
    int dport;            /* -1 unknown */
    const char *ct_state; /* "new" / "established" */
} flow;

/* ---------------------------------------------------------------- matching values */

/* Interface name against a pattern ("eth*" is a prefix, as iptables' eth+). */
static tri match_ifname(const char *have, const char *pattern)
{
    if (!have)
        return T_MAYBE;
    size_t n = strlen(pattern);
    if (n > 0 && pattern[n - 1] == '*')
        return strncmp(have, pattern, n - 1) == 0 ? T_YES : T_NO;
    return streq(have, pattern) ? T_YES : T_NO;
}

/* An address value: "a.b.c.d", {"prefix": {"addr", "len"}}, {"range": [a, b]}. */
static tri match_addr(const flow_addr *have, const json_t *v)
{
    vnet_addr net;
    unsigned len;
    const json_t *p = json_object_get(v, "prefix");
    if (json_is_string(v)) {
        if (vnet_addr_parse(json_string_value(v), &net) < 0)
            return T_MAYBE;
        len = vnet_addr_bits(net.family);
    } else if (p) {
        if (vnet_addr_parse(fw_json_str(p, "addr") ? fw_json_str(p, "addr") : "", &net) < 0 ||
            !json_is_integer(json_object_get(p, "len")))
            return T_MAYBE;
        len = (unsigned)json_integer_value(json_object_get(p, "len"));
    } else {
        return T_MAYBE;
    }
    if (net.family != have->addr.family && have->len >= 0)
        return T_NO;
    if (len == 0)
        return T_YES;
    if (have->len < 0)
        return T_MAYBE;
    if ((unsigned)have->len >= len && vnet_addr_in_subnet(&have->addr, &net, len))
        return T_YES;
    if (vnet_subnet_overlap(&have->addr, (unsigned)have->len, &net, len))
        return T_MAYBE;
    return T_NO;
}

static int proto_name_number(const char *s)
{
    if (streq(s, "tcp"))
        return IPPROTO_TCP;
    if (streq(s, "udp"))
        return IPPROTO_UDP;
    if (streq(s, "icmp"))
        return IPPROTO_ICMP;
    if (streq(s, "ipv6-icmp") || streq(s, "icmpv6"))
        return IPPROTO_ICMPV6;
    return -2;
}

/* A protocol value: a number or a name; -1 when it is neither. */
static int proto_number(const json_t *v)
{
    if (json_is_integer(v))
        return (int)json_integer_value(v);
    const char *s = json_string_value(v);
    return s ? proto_name_number(s) : -1;
}

static tri match_port(int have, const json_t *v)
{
    if (json_is_integer(v))
        return have < 0 ? T_MAYBE : (have == json_integer_value(v) ? T_YES : T_NO);
    const json_t *r = json_object_get(v, "range");
    if (json_is_array(r) && json_array_size(r) == 2) {
        if (have < 0)
            return T_MAYBE;
        json_int_t lo = json_integer_value(json_array_get(r, 0));
        json_int_t hi = json_integer_value(json_array_get(r, 1));
        return have >= lo && have <= hi ? T_YES : T_NO;
    }
    return T_MAYBE;
}

/* What the left side of a match is, for the flow. */
typedef enum {
    L_UNKNOWN,
    L_IIF,
    L_OIF,
    L_SADDR,
    L_DADDR,
    L_L4,
    L_DPORT,
    L_CTSTATE,
    L_CTSTATUS,
    L_NFPROTO,
} lkind;

static lkind left_kind(const json_t *left, const flow *f, bool *wrong_family)
{
    *wrong_family = false;
    const json_t *meta = json_object_get(left, "meta");
    const json_t *pay = json_object_get(left, "payload");
    const json_t *ct = json_object_get(left, "ct");
    if (meta) {
        const char *k = fw_json_str(meta, "key");
        if (!k)
            return L_UNKNOWN;
        if (streq(k, "iifname") || streq(k, "iif"))
            return L_IIF;
        if (streq(k, "oifname") || streq(k, "oif"))
            return L_OIF;
        if (streq(k, "l4proto"))
            return L_L4;
        if (streq(k, "nfproto"))
            return L_NFPROTO;
        return L_UNKNOWN;
    }
    if (pay) {
        const char *proto = fw_json_str(pay, "protocol");
        const char *field = fw_json_str(pay, "field");
        if (!proto || !field)
            return L_UNKNOWN;
        if (streq(proto, "ip") || streq(proto, "ip6")) {
            if ((f->family == AF_INET) != streq(proto, "ip")) {
                *wrong_family = true;
                return L_UNKNOWN;
            }
            if (streq(field, "saddr"))
                return L_SADDR;
            if (streq(field, "daddr"))
                return L_DADDR;
            if (streq(field, "protocol") || streq(field, "nexthdr"))
                return L_L4;
            return L_UNKNOWN;
        }
        if ((streq(proto, "tcp") || streq(proto, "udp") || streq(proto, "th")) &&
            streq(field, "dport")) {
            if (!streq(proto, "th") && proto_name_number(proto) != f->l4proto) {
                *wrong_family = true; /* a tcp header match on a udp packet */
                return L_UNKNOWN;
            }
            return L_DPORT;
        }
        return L_UNKNOWN;
    }
    if (ct && fw_json_str(ct, "key") && streq(fw_json_str(ct, "key"), "state"))
        return L_CTSTATE;
    if (ct && fw_json_str(ct, "key") && streq(fw_json_str(ct, "key"), "status"))
        return L_CTSTATUS;
    return L_UNKNOWN;
}

/* One value (not a set) of the right side against the flow. */
static tri match_value(lkind k, const flow *f, const json_t *v)
{
    switch (k) {
    case L_IIF:
        return json_is_string(v) ? match_ifname(f->iif, json_string_value(v)) : T_MAYBE;
    case L_OIF:
        return json_is_string(v) ? match_ifname(f->oif, json_string_value(v)) : T_MAYBE;
    case L_SADDR:
        return match_addr(&f->saddr, v);
    case L_DADDR:
        return match_addr(&f->daddr, v);
    case L_L4: {
        int p = proto_number(v);
        return p == -1 ? T_MAYBE : (p == f->l4proto ? T_YES : T_NO);
    }
    case L_DPORT:
        return match_port(f->dport, v);
    case L_CTSTATE:
        return json_is_string(v) ? (streq(json_string_value(v), f->ct_state) ? T_YES : T_NO)
                                 : T_MAYBE;
    case L_CTSTATUS: /* the guests' own connections are neither DNATed nor expected */
        return json_is_string(v) ? T_NO : T_MAYBE;
    case L_NFPROTO: {
        const char *s = json_string_value(v);
        if (!s)
            return T_MAYBE;
        return streq(s, f->family == AF_INET ? "ipv4" : "ipv6") ? T_YES : T_NO;
    }
    default:
        return T_MAYBE;
    }
}

/* The right side: a value, a list or {"set": [...]} (any member matches). */
static tri match_right(lkind k, const flow *f, const json_t *right)
{
    const json_t *set = json_object_get(right, "set");
    const json_t *list = set ? set : (json_is_array(right) ? right : NULL);
    if (!list)
        return match_value(k, f, right);
    tri best = T_NO;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        tri t = match_value(k, f, v);
        if (t == T_YES)
            return T_YES;
        if (t == T_MAYBE)
            best = T_MAYBE;
    }
    return best;
}

static tri match_expr(const json_t *m, const flow *f)
{
    const char *op = fw_json_str(m, "op");
    bool wrong;
    lkind k = left_kind(json_object_get(m, "left"), f, &wrong);
    if (wrong)
        return T_NO; /* an ip match never matches an ip6 packet, tcp never udp */
    if (k == L_UNKNOWN || !op)
        return T_MAYBE;
    tri t = match_right(k, f, json_object_get(m, "right"));
    if (streq(op, "==") || streq(op, "in"))
        return t;
    if (streq(op, "!="))
        return tri_not(t);
    return T_MAYBE;
}

/* ---------------------------------------------------------------- walking chains */

typedef enum { V_NONE, V_ACCEPT, V_DROP, V_REJECT, V_JUMP, V_GOTO, V_RETURN } vkind;

typedef struct verdict {
    vkind kind;
    const char *target; /* jump/goto */
} verdict;

/* A statement that ends the rule with a verdict (NULL otherwise). */
static verdict stmt_verdict(const json_t *e)
{
    if (json_object_get(e, "accept"))
        return (verdict){V_ACCEPT, NULL};
    if (json_object_get(e, "drop"))
        return (verdict){V_DROP, NULL};
    if (json_object_get(e, "reject"))
        return (verdict){V_REJECT, NULL};
    if (json_object_get(e, "return"))
        return (verdict){V_RETURN, NULL};
    const json_t *j = json_object_get(e, "jump");
    if (j)
        return (verdict){V_JUMP, fw_json_str(j, "target")};
    j = json_object_get(e, "goto");
    if (j)
        return (verdict){V_GOTO, fw_json_str(j, "target")};
    const json_t *xt = json_object_get(e, "xt");
    if (xt && fw_json_str(xt, "type") && streq(fw_json_str(xt, "type"), "target") &&
        fw_json_str(xt, "name") && streq(fw_json_str(xt, "name"), "REJECT"))
        return (verdict){V_REJECT, NULL};
    /* NAT statements end the chain for the packet like an accept */
    static const char *const nat[] = {"masquerade", "snat", "dnat", "redirect"};
    for (size_t i = 0; i < ARRAY_SIZE(nat); i++)
        if (json_object_get(e, nat[i]))
            return (verdict){V_ACCEPT, NULL};
    return (verdict){V_NONE, NULL};
}

/* A vmap statement: which verdict the flow's key selects (T_NO: none). */
static tri vmap_verdict(const json_t *vmap, const flow *f, verdict *ret)
{
    bool wrong;
    lkind k = left_kind(json_object_get(vmap, "key"), f, &wrong);
    const json_t *set = json_object_get(json_object_get(vmap, "data"), "set");
    if (wrong || !json_is_array(set))
        return wrong ? T_NO : T_MAYBE;
    tri best = T_NO;
    size_t i;
    json_t *el;
    json_array_foreach(set, i, el)
    {
        tri t = k == L_UNKNOWN ? T_MAYBE : match_value(k, f, json_array_get(el, 0));
        if (t == T_NO)
            continue;
        verdict v = stmt_verdict(json_array_get(el, 1));
        if (t == T_YES) {
            *ret = v;
            return T_YES;
        }
        if (v.kind == V_DROP || v.kind == V_REJECT) {
            *ret = v;
            best = T_MAYBE;
        }
    }
    return best;
}

typedef struct walk {
    fw_fruleset *rs;
    const flow *f;
    const fw_fchain *base;
    bool maybe;    /* a "maybe" accept or match stood on the way */
    json_t *found; /* the findings array being filled */
    const fw_foreign_target *target;
} walk;

typedef enum { W_CONTINUE, W_ACCEPT, W_DROP } wresult;

static void add_finding(walk *w, const fw_fchain *in, const json_t *rule, vkind v, bool certain);

static wresult walk_chain(walk *w, const fw_fchain *c, int depth);

/* Follow a jump or goto; W_CONTINUE when the chain returned or fell off. */
static wresult walk_target(walk *w, const fw_fchain *from, const char *target, int depth)
{
    fw_fchain *c = target ? fw_fruleset_chain(w->rs, from->family, from->table, target) : NULL;
    if (!c || depth >= FOREIGN_MAX_DEPTH) {
        w->maybe = true;
        return W_CONTINUE;
    }
    return walk_chain(w, c, depth + 1);
}

/* Evaluate one rule: its matches, then its verdict. *ret_goto is set for a goto. */
static wresult walk_rule(walk *w, const fw_fchain *c, const json_t *rule, int depth, bool *ret_goto)
{
    tri m = T_YES;
    verdict v = {V_NONE, NULL};
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(rule, "expr"), i, e)
    {
        const json_t *match = json_object_get(e, "match");
        const json_t *xt = json_object_get(e, "xt");
        if (match)
            m = tri_and(m, match_expr(match, w->f));
        else if (xt && fw_json_str(xt, "type") && streq(fw_json_str(xt, "type"), "match"))
            m = tri_and(m, streq(fw_json_str(xt, "name") ? fw_json_str(xt, "name") : "", "comment")
                               ? T_YES
                               : T_MAYBE);
        else if (json_object_get(e, "limit") || json_object_get(e, "quota"))
            m = tri_and(m, T_MAYBE);
        else if (json_object_get(e, "vmap"))
            m = tri_and(m, vmap_verdict(json_object_get(e, "vmap"), w->f, &v));
        else if (v.kind == V_NONE)
            v = stmt_verdict(e);
        if (m == T_NO)
            return W_CONTINUE;
    }
    if (v.kind == V_NONE)
        return W_CONTINUE;
    bool sure = m == T_YES;
    switch (v.kind) {
    case V_ACCEPT:
        if (sure)
            return W_ACCEPT;
        w->maybe = true;
        return W_CONTINUE;
    case V_DROP:
    case V_REJECT:
        add_finding(w, c, rule, v.kind, sure && !w->maybe);
        return sure ? W_DROP : W_CONTINUE;
    case V_JUMP:
    case V_GOTO: {
        bool saved = w->maybe;
        if (!sure)
            w->maybe = true;
        wresult r = walk_target(w, c, v.target, depth);
        if (!sure) { /* a maybe-jump decides nothing for sure */
            w->maybe = true;
            return W_CONTINUE;
        }
        w->maybe = w->maybe || saved;
        *ret_goto = v.kind == V_GOTO;
        return r;
    }
    case V_RETURN:
        if (sure)
            *ret_goto = true; /* leave this chain */
        else
            w->maybe = true;
        return W_CONTINUE;
    default:
        return W_CONTINUE;
    }
}

static wresult walk_chain(walk *w, const fw_fchain *c, int depth)
{
    for (size_t i = 0; i < c->n_rules; i++) {
        bool leave = false;
        wresult r = walk_rule(w, c, c->rules[i], depth, &leave);
        if (r != W_CONTINUE || leave)
            return r;
    }
    return W_CONTINUE;
}

/* ---------------------------------------------------------------- findings */

static const char *owner_of(const fw_fruleset *rs, const fw_fchain *c)
{
    if (streq(c->table, "firewalld"))
        return "firewalld";
    if (strncmp(c->name, "ufw-", 4) == 0 || strncmp(c->name, "ufw6-", 5) == 0)
        return "ufw";
    bool docker = false, ufw = false;
    for (size_t i = 0; i < rs->n_chains; i++) {
        const fw_fchain *o = &rs->chains[i];
        if (!streq(o->family, c->family) || !streq(o->table, c->table))
            continue;
        docker = docker || streq(o->name, "DOCKER-USER") || streq(o->name, "DOCKER");
        ufw = ufw || strncmp(o->name, "ufw-", 4) == 0 || strncmp(o->name, "ufw6-", 5) == 0;
    }
    return ufw ? "ufw" : docker ? "docker" : NULL;
}

static const char *direction_words(const char *dir)
{
    if (streq(dir, "outgoing"))
        return "the guests' outgoing traffic";
    if (streq(dir, "replies"))
        return "replies to the guests";
    if (streq(dir, "dhcp"))
        return "the guests' DHCP requests to the host";
    if (streq(dir, "dns"))
        return "the guests' DNS queries to the host";
    return dir;
}

/* How to let the traffic through, as exact commands where the owner has them. */
static char *fix_for(const char *owner, const flow *f, const fw_fchain *base, const char *br)
{
    bool input = streq(f->hook, "input") || streq(f->hook, "prerouting");
    bool legacy = strstr(base->table, "(iptables-legacy)") != NULL;
    if (owner && streq(owner, "docker") && legacy)
        return xasprintf("iptables-legacy -I DOCKER-USER -i %s -j ACCEPT; iptables-legacy -I "
                         "DOCKER-USER -o %s -j ACCEPT",
                         br, br);
    if (owner && streq(owner, "docker"))
        return xasprintf("run vnetd with --coexist=docker, or: iptables -I DOCKER-USER -i %s -j "
                         "ACCEPT; iptables -I DOCKER-USER -o %s -j ACCEPT",
                         br, br);
    if (owner && streq(owner, "ufw")) {
        if (streq(f->direction, "dhcp"))
            return xasprintf("ufw allow in on %s to any port %s proto udp", br,
                             f->family == AF_INET ? "67" : "547");
        if (streq(f->direction, "dns"))
            return xasprintf("ufw allow in on %s to any port 53", br);
        return xasprintf("ufw route allow in on %s; ufw route allow out on %s", br, br);
    }
    if (owner && streq(owner, "firewalld"))
        return xasprintf("run vnetd with --coexist=firewalld, or: firewall-cmd --zone=trusted "
                         "--add-interface=%s",
                         br);
    bool in = input || streq(f->direction, "outgoing");
    if ((streq(base->family, "ip") || streq(base->family, "ip6")) &&
        (streq(base->name, "FORWARD") || streq(base->name, "INPUT")))
        /* iptables' built-in chain (iptables-nft): fix it the way it was made */
        return xasprintf("%s%s -t %.*s -I %s %s %s -j ACCEPT",
                         streq(base->family, "ip") ? "iptables" : "ip6tables",
                         legacy ? "-legacy" : "", (int)strcspn(base->table, " "), base->table,
                         base->name, in ? "-i" : "-o", br);
    return xasprintf("nft insert rule %s %s %s %s \"%s\" accept", base->family, base->table,
                     base->name, in ? "iifname" : "oifname", br);
}

static void add_finding(walk *w, const fw_fchain *in, const json_t *rule, vkind v, bool certain)
{
    const fw_fchain *b = w->base;
    const flow *f = w->f;
    const char *owner = owner_of(w->rs, b);
    json_t *handle = json_object_get(rule, "handle");
    const char *verb = v == V_REJECT ? "rejects" : "drops";
    strbuf d = STRBUF_INIT;
    strbuf_addf(&d, "table %s %s, chain %s (hook %s)", b->family, b->table, b->name, b->hook);
    if (in != b)
        strbuf_addf(&d, " via chain %s", in->name);
    strbuf_addf(&d, ": rule %lld %s%s %s (IPv%d)", (long long)json_integer_value(handle),
                certain ? "" : "may ", certain ? verb : (v == V_REJECT ? "reject" : "drop"),
                direction_words(f->direction), f->family == AF_INET ? 4 : 6);
    _cleanup_free_ char *fix = fix_for(owner, f, b, w->target->bridge);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:i, s:b, s:s, s:s}",
                          "network", w->target->network, "direction", f->direction, "family",
                          b->family, "table", b->table, "chain", b->name, "rule_chain", in->name,
                          "hook", b->hook, "handle", json_integer_value(handle), "verdict",
                          v == V_REJECT ? "reject" : "drop", "ip", f->family == AF_INET ? 4 : 6,
                          "certain", certain, "detail", strbuf_str(&d), "fix", fix);
    json_object_set_new(o, "owner", owner ? json_string(owner) : json_null());
    json_array_append_new(w->found, o);
    strbuf_free(&d);
}

static void add_policy_finding(walk *w)
{
    const fw_fchain *b = w->base;
    const char *owner = owner_of(w->rs, b);
    _cleanup_free_ char *detail =
        xasprintf("table %s %s, chain %s (hook %s): policy drop %s %s (IPv%d)", b->family, b->table,
                  b->name, b->hook, w->maybe ? "may drop" : "drops",
                  direction_words(w->f->direction), w->f->family == AF_INET ? 4 : 6);
    _cleanup_free_ char *fix = fix_for(owner, w->f, b, w->target->bridge);
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:n, s:s, s:i, s:b, s:s, s:s}", "network",
                  w->target->network, "direction", w->f->direction, "family", b->family, "table",
                  b->table, "chain", b->name, "rule_chain", b->name, "hook", b->hook, "handle",
                  "verdict", "policy drop", "ip", w->f->family == AF_INET ? 4 : 6, "certain",
                  !w->maybe, "detail", detail, "fix", fix);
    json_object_set_new(o, "owner", owner ? json_string(owner) : json_null());
    json_array_append_new(w->found, o);
}

static bool family_sees(const char *family, int af)
{
    return streq(family, "inet") || (af == AF_INET && streq(family, "ip")) ||
           (af == AF_INET6 && streq(family, "ip6"));
}

static bool foreign_table(const fw_fchain *c)
{
    return !fw_table_name_is_ours(c->table) && !fw_anchor_is_table(c->table);
}

/* A chain's findings for one flow: when one of them is certain, the maybes
 * before it add nothing (the traffic is dropped anyway); keep the certain. */
static void keep_findings(json_t *found, json_t *mine)
{
    bool certain = false;
    size_t i;
    json_t *f;
    json_array_foreach(mine, i, f) certain = certain || json_is_true(json_object_get(f, "certain"));
    json_array_foreach(mine, i, f)
    {
        if (!certain || json_is_true(json_object_get(f, "certain")))
            json_array_append(found, f);
    }
}

static void analyse_flow(fw_fruleset *rs, const flow *f, const fw_foreign_target *t, json_t *found)
{
    for (size_t i = 0; i < rs->n_chains; i++) {
        const fw_fchain *c = &rs->chains[i];
        if (!c->hook || !streq(c->hook, f->hook) || !family_sees(c->family, f->family) ||
            !foreign_table(c))
            continue;
        json_t *mine = json_array();
        walk w = {.rs = rs, .f = f, .base = c, .found = mine, .target = t};
        wresult r = walk_chain(&w, c, 0);
        if (r == W_CONTINUE && c->policy && streq(c->policy, "drop"))
            add_policy_finding(&w);
        keep_findings(found, mine);
        json_decref(mine);
    }
}

/* ---------------------------------------------------------------- the flows */

static void analyse_subnet(fw_fruleset *rs, const fw_foreign_target *t, const fw_foreign_subnet *s,
                           json_t *found)
{
    int af = s->address.family;
    flow_addr sub = {.len = (int)s->prefix};
    vnet_addr_network(&s->address, s->prefix, &sub.addr);
    flow_addr outside = {.addr = {.family = af}, .len = -1};
    flow_addr host = {.addr = s->address, .len = (int)vnet_addr_bits(af)};
    const char *br = t->bridge, *up = t->uplink;
    if (t->forwarding) {
        const flow out[] = {
            {"outgoing", "prerouting", af, br, "", sub, outside, IPPROTO_TCP, -1, "new"},
            {"outgoing", "forward", af, br, up, sub, outside, IPPROTO_TCP, -1, "new"},
            {"outgoing", "postrouting", af, br, up, sub, outside, IPPROTO_TCP, -1, "new"},
            {"replies", "forward", af, up, br, outside, sub, IPPROTO_TCP, -1, "established"},
            {"replies", "postrouting", af, up, br, outside, sub, IPPROTO_TCP, -1, "established"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(out); i++)
            analyse_flow(rs, &out[i], t, found);
    }
    if (s->dhcp) {
        flow_addr any = {.addr = {.family = af}, .len = af == AF_INET ? 32 : -1};
        flow_addr bcast = {.len = af == AF_INET ? 32 : -1};
        vnet_addr_parse(af == AF_INET ? "255.255.255.255" : "ff02::1:2", &bcast.addr);
        int port = af == AF_INET ? 67 : 547;
        const flow dhcp[] = {
            {"dhcp", "prerouting", af, br, "", any, bcast, IPPROTO_UDP, port, "new"},
            {"dhcp", "input", af, br, "", any, bcast, IPPROTO_UDP, port, "new"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(dhcp); i++)
            analyse_flow(rs, &dhcp[i], t, found);
    }
    if (t->dns) {
        const flow dns[] = {
            {"dns", "prerouting", af, br, "", sub, host, IPPROTO_UDP, 53, "new"},
            {"dns", "input", af, br, "", sub, host, IPPROTO_UDP, 53, "new"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(dns); i++)
            analyse_flow(rs, &dns[i], t, found);
    }
}

json_t *fw_foreign_analyse(const json_t *ruleset, const fw_foreign_target *t, verr *err)
{
    fw_fruleset rs = {0};
    if (fw_fruleset_load(ruleset, &rs, err) < 0) {
        fw_fruleset_free(&rs);
        return NULL;
    }
    json_t *found = json_array();
    for (size_t i = 0; i < t->n_subnets; i++)
        analyse_subnet(&rs, t, &t->subnets[i], found);
    fw_fruleset_free(&rs);
    return found;
}

int fw_foreign_target_from_def(const netdef *def, const char *uplink, fw_foreign_target *ret)
{
    memset(ret, 0, sizeof(*ret));
    if (!def->bridge_name)
        return -1;
    ret->network = def->name;
    ret->bridge = def->bridge_name;
    ret->uplink = uplink;
    netdef_forward_mode m = def->forward_mode;
    ret->forwarding = m == NETDEF_FWD_NAT || m == NETDEF_FWD_ROUTE || m == NETDEF_FWD_OPEN;
    ret->dns = !(def->has_dns && def->dns.enable == VT_NO);
    ret->subnets = xcalloc(def->n_ips ? def->n_ips : 1, sizeof(*ret->subnets));
    for (size_t i = 0; i < def->n_ips; i++) {
        fw_foreign_subnet *s = &ret->subnets[ret->n_subnets++];
        s->address = def->ips[i].address;
        s->prefix = def->ips[i].prefix;
        s->dhcp = def->ips[i].has_dhcp;
    }
    return 0;
}

void fw_foreign_target_clear(fw_foreign_target *t)
{
    free(t->subnets);
    memset(t, 0, sizeof(*t));
}

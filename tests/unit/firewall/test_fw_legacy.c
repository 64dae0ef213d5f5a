/* iptables-legacy: a filter table laid out as the kernel returns it
 * (IPT_SO_GET_INFO / IPT_SO_GET_ENTRIES), built here entry by entry, turned
 * into libnftables-style JSON and judged by the foreign-drop analyser.
 *
 * usage: test-fw-legacy DATADIR   (DATADIR/network.xml: the network judged)
 */
/* glibc's netinet/in.h first: it tells the kernel headers what it defines */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>

#include "firewall/firewall.h"
#include "tests/unit/testlib.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static uint8_t blob[8192];
static unsigned blob_len;

/* Append an entry: ip header fields, an optional udp dport match, a target. */
static unsigned add_entry(const char *in, const char *out, const char *src, int plen, int proto,
                          int dport, const char *target, int verdict)
{
    unsigned off = blob_len;
    struct ipt_entry *e = (struct ipt_entry *)(blob + off);
    memset(e, 0, sizeof(*e));
    if (in)
        snprintf(e->ip.iniface, IFNAMSIZ, "%s", in);
    if (out)
        snprintf(e->ip.outiface, IFNAMSIZ, "%s", out);
    if (src) {
        inet_pton(AF_INET, src, &e->ip.src);
        e->ip.smsk.s_addr = htonl(plen ? ~0u << (32 - plen) : 0);
    }
    e->ip.proto = (uint16_t)proto;
    unsigned o = sizeof(*e);
    if (dport) {
        struct xt_entry_match *m = (struct xt_entry_match *)(blob + off + o);
        m->u.match_size = XT_ALIGN(sizeof(*m) + sizeof(struct xt_udp));
        snprintf(m->u.user.name, sizeof(m->u.user.name), "udp");
        struct xt_udp *u = (struct xt_udp *)m->data;
        u->spts[1] = 0xffff;
        u->dpts[0] = u->dpts[1] = (uint16_t)dport;
        o += m->u.match_size;
    }
    e->target_offset = (uint16_t)o;
    struct xt_entry_target *t = (struct xt_entry_target *)(blob + off + o);
    if (target && streq(target, XT_ERROR_TARGET)) {
        struct xt_error_target *et = (struct xt_error_target *)t;
        t->u.target_size = XT_ALIGN(sizeof(*et));
        snprintf(t->u.user.name, sizeof(t->u.user.name), XT_ERROR_TARGET);
        snprintf(et->errorname, sizeof(et->errorname), "%s", src ? "" : out);
    } else if (target) {
        t->u.target_size = XT_ALIGN(sizeof(*t) + 8);
        snprintf(t->u.user.name, sizeof(t->u.user.name), "%s", target);
    } else {
        t->u.target_size = XT_ALIGN(sizeof(struct xt_standard_target));
        ((struct xt_standard_target *)t)->verdict = verdict;
    }
    e->next_offset = (uint16_t)(o + t->u.target_size);
    blob_len += e->next_offset;
    return off;
}

static unsigned add_error(const char *name)
{
    /* an ERROR entry naming a chain (the name travels in `out`, src NULL) */
    return add_entry(NULL, name, NULL, 0, 0, 0, XT_ERROR_TARGET, 0);
}

static json_t *build_table(void)
{
    struct ipt_getinfo info = {.valid_hooks = (1 << NF_INET_LOCAL_IN) | (1 << NF_INET_FORWARD) |
                                              (1 << NF_INET_LOCAL_OUT)};
    /* INPUT: DNS from vir+ rejected; policy ACCEPT */
    info.hook_entry[NF_INET_LOCAL_IN] =
        add_entry("vir+", NULL, NULL, 0, IPPROTO_UDP, 53, "REJECT", 0);
    info.underflow[NF_INET_LOCAL_IN] = add_entry(NULL, NULL, NULL, 0, 0, 0, NULL, -NF_ACCEPT - 1);
    /* FORWARD: jump USERCH (patched below), accept to docker0; policy DROP */
    unsigned jump = add_entry(NULL, NULL, NULL, 0, 0, 0, NULL, 0);
    info.hook_entry[NF_INET_FORWARD] = jump;
    add_entry(NULL, "docker0", NULL, 0, 0, 0, NULL, -NF_ACCEPT - 1);
    info.underflow[NF_INET_FORWARD] = add_entry(NULL, NULL, NULL, 0, 0, 0, NULL, -NF_DROP - 1);
    /* OUTPUT: policy ACCEPT */
    info.hook_entry[NF_INET_LOCAL_OUT] = info.underflow[NF_INET_LOCAL_OUT] =
        add_entry(NULL, NULL, NULL, 0, 0, 0, NULL, -NF_ACCEPT - 1);
    /* USERCH: drop 10.0.0.0/8, then its closing RETURN */
    add_error("USERCH");
    unsigned user = add_entry(NULL, NULL, "10.0.0.0", 8, 0, 0, NULL, -NF_DROP - 1);
    add_entry(NULL, NULL, NULL, 0, 0, 0, NULL, XT_RETURN);
    add_error("ERROR");
    struct ipt_entry *j = (struct ipt_entry *)(blob + jump);
    ((struct xt_standard_target *)(blob + jump + j->target_offset))->verdict = (int)user;
    return fw_legacy_convert(&info, blob, blob_len);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATADIR\n", argv[0]);
        return 2;
    }
    json_t *objs = build_table();
    _cleanup_free_ char *text = json_dumps(objs, JSON_COMPACT);
    CHECK(strstr(text, "{\"chain\":{\"family\":\"ip\",\"table\":\"filter (iptables-legacy)\","
                       "\"name\":\"FORWARD\",\"type\":\"filter\",\"hook\":\"forward\","
                       "\"policy\":\"drop\"}}") != NULL);
    CHECK(strstr(text, "\"right\":\"vir*\"") != NULL);
    CHECK(strstr(text, "{\"jump\":{\"target\":\"USERCH\"}}") != NULL);
    CHECK(strstr(text, "\"right\":{\"prefix\":{\"addr\":\"10.0.0.0\",\"len\":8}}") != NULL);
    CHECK(strstr(text, "{\"payload\":{\"protocol\":\"udp\",\"field\":\"dport\"}},\"right\":53") !=
          NULL);
    CHECK(strstr(text, "{\"xt\":{\"type\":\"target\",\"name\":\"REJECT\"}}") != NULL);
    CHECK(strstr(text, "\"name\":\"ERROR\"") == NULL); /* the end marker is no chain */

    _cleanup_free_ char *xml = xasprintf("%s/network.xml", argv[1]);
    netdef *def = NULL;
    verr err = VERR_INIT;
    CHECK(netdef_parse_file(xml, &def, &err) == 0);
    fw_foreign_target t;
    fw_foreign_target_from_def(def, "uplink", &t);
    json_t *rs = json_pack("{s:o}", "nftables", objs);
    json_t *found = fw_foreign_analyse(rs, &t, &err);
    strbuf b = STRBUF_INIT;
    size_t i;
    json_t *f;
    json_array_foreach(found, i, f)
    {
        strbuf_addf(&b, "%s\n", json_string_value(json_object_get(f, "detail")));
        if (strstr(json_string_value(json_object_get(f, "detail")), "INPUT"))
            CHECK_STR(json_string_value(json_object_get(f, "fix")),
                      "iptables-legacy -t filter -I INPUT -i virbr0 -j ACCEPT");
    }
    CHECK_STR(strbuf_str(&b),
              "table ip filter (iptables-legacy), chain FORWARD (hook forward): policy drop drops "
              "the guests' outgoing traffic (IPv4)\n"
              "table ip filter (iptables-legacy), chain FORWARD (hook forward): policy drop drops "
              "replies to the guests (IPv4)\n"
              "table ip filter (iptables-legacy), chain INPUT (hook input): rule 1 rejects the "
              "guests' DNS queries to the host (IPv4)\n");
    strbuf_free(&b);
    json_decref(found);
    json_decref(rs);
    fw_foreign_target_clear(&t);
    netdef_free(def);
    return testlib_done("firewall-legacy");
}

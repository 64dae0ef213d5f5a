/* Port forwards as nft map elements: checks, element text, add/delete plans.
 *
 * A forward is DNAT from (host address?, protocol, host port) to (guest
 * address, guest port). dnat cannot shift a port range by an offset, so a
 * range of N host ports becomes N map elements, one per port; map lookups are
 * hashed, so this costs memory, not per-packet time.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "firewall/firewall.h"
#include "firewall/fw_internal.h"
#include "util/cleanup.h"

static const struct {
    const char *name;
    const char *type;
    const char *count_set; /* the set counting the forward's traffic, same keys */
    const char *key_type;
} map_info[FW_MAP_COUNT] = {
    [FW_MAP_4ANY] = {"pf4_any", "type inet_proto . inet_service : ipv4_addr . inet_service",
                     "pf4_any_traffic", "type inet_proto . inet_service"},
    [FW_MAP_4ADDR] = {"pf4_addr",
                      "type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service",
                      "pf4_addr_traffic", "type ipv4_addr . inet_proto . inet_service"},
    [FW_MAP_6ANY] = {"pf6_any", "type inet_proto . inet_service : ipv6_addr . inet_service",
                     "pf6_any_traffic", "type inet_proto . inet_service"},
    [FW_MAP_6ADDR] = {"pf6_addr",
                      "type ipv6_addr . inet_proto . inet_service : ipv6_addr . inet_service",
                      "pf6_addr_traffic", "type ipv6_addr . inet_proto . inet_service"},
};

const char *fw_map_name(fw_map m)
{
    return map_info[m].name;
}

const char *fw_map_type(fw_map m)
{
    return map_info[m].type;
}

const char *fw_count_set_name(fw_map m)
{
    return map_info[m].count_set;
}

const char *fw_count_set_type(fw_map m)
{
    return map_info[m].key_type;
}

fw_map fw_forward_map(const netdef_port_forward *pf)
{
    bool addr = vnet_addr_is_set(&pf->address);
    if (pf->guest.family == AF_INET6)
        return addr ? FW_MAP_6ADDR : FW_MAP_6ANY;
    return addr ? FW_MAP_4ADDR : FW_MAP_4ANY;
}

bool fw_forwarding_mode(const netdef *def)
{
    netdef_forward_mode m = netdef_mode(def);
    return m == NETDEF_FWD_NAT || m == NETDEF_FWD_ROUTE;
}

bool fw_addr_is_loopback4(const vnet_addr *a)
{
    return a->family == AF_INET && a->bytes[0] == 127;
}


/* "tcp 10.0.0.1:8080-8089 -> 192.168.122.10" for error messages. */
static const char *forward_desc(const netdef_port_forward *pf, char *buf, size_t len)
{
    char a[VNET_ADDR_STRLEN], g[VNET_ADDR_STRLEN];
    unsigned start = pf->n_ranges ? pf->ranges[0].start : 0;
    snprintf(buf, len, "port forward %s %s%s%u -> %s",
             pf->proto == IPPROTO_UDP   ? "udp"
             : pf->proto == IPPROTO_TCP ? "tcp"
                                        : "?",
             vnet_addr_is_set(&pf->address) ? vnet_addr_str(&pf->address, a) : "",
             vnet_addr_is_set(&pf->address) ? " port " : "port ", start,
             vnet_addr_str(&pf->guest, g));
    return buf;
}

static bool guest_in_network(const netdef *def, const vnet_addr *guest)
{
    for (size_t i = 0; i < def->n_ips; i++) {
        const netdef_ip *ip = &def->ips[i];
        if (ip->address.family == guest->family &&
            vnet_addr_in_subnet(guest, &ip->address, ip->prefix))
            return true;
    }
    return false;
}

static int check_range(const netdef_pf_range *r, const char *what, verr *err)
{
    if (r->start < 1 || r->start > 65535 || r->end < r->start || r->end > 65535)
        return verr_set(err, VERR_INVALID, "%s: host port range %u-%u is not within 1-65535", what,
                        r->start, r->end);
    unsigned to = r->to ? r->to : r->start;
    if (to > 65535 || to + (r->end - r->start) > 65535)
        return verr_set(err, VERR_INVALID, "%s: guest ports from %u run past 65535", what, to);
    return 0;
}

int fw_forward_check(const netdef *def, const netdef_port_forward *pf, verr *err)
{
    char what[160];
    forward_desc(pf, what, sizeof(what));
    if (!fw_forwarding_mode(def))
        return verr_set(err, VERR_UNSUPPORTED,
                        "network '%s': %s: port forwards need forward mode 'nat' or 'route', "
                        "not '%s'",
                        def->name, what, netdef_forward_mode_name(netdef_mode(def)));
    if (pf->proto != IPPROTO_TCP && pf->proto != IPPROTO_UDP)
        return verr_set(err, VERR_INVALID, "network '%s': %s: protocol must be tcp or udp",
                        def->name, what);
    if (pf->guest.family != AF_INET && pf->guest.family != AF_INET6)
        return verr_set(err, VERR_INVALID, "network '%s': %s: guest address missing", def->name,
                        what);
    if (!guest_in_network(def, &pf->guest)) {
        char g[VNET_ADDR_STRLEN];
        strbuf nets = STRBUF_INIT;
        for (size_t i = 0; i < def->n_ips; i++) {
            char a[VNET_ADDR_STRLEN];
            vnet_addr net;
            vnet_addr_network(&def->ips[i].address, def->ips[i].prefix, &net);
            strbuf_addf(&nets, "%s%s/%u", nets.len ? ", " : "", vnet_addr_str(&net, a),
                        def->ips[i].prefix);
        }
        verr_set(err, VERR_INVALID,
                 "network '%s': %s: guest address %s is not in any subnet of the network (%s)",
                 def->name, what, vnet_addr_str(&pf->guest, g), nets.len ? nets.s : "none");
        strbuf_free(&nets);
        return -1;
    }
    if (vnet_addr_is_set(&pf->address) && pf->address.family != pf->guest.family)
        return verr_set(err, VERR_INVALID,
                        "network '%s': %s: host and guest addresses are of different families",
                        def->name, what);
    if (pf->address.family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&pf->address.v6))
        return verr_set(err, VERR_UNSUPPORTED,
                        "network '%s': %s: the kernel cannot route ::1 to a guest; use 127.0.0.1 "
                        "or no host address",
                        def->name, what);
    if (pf->n_ranges == 0)
        return verr_set(err, VERR_INVALID, "network '%s': %s: no port range", def->name, what);
    for (size_t i = 0; i < pf->n_ranges; i++)
        if (check_range(&pf->ranges[i], what, err) < 0)
            return verr_prefix(err, "network '%s'", def->name);
    return 0;
}

/* Appends the keys of one forward to *keys (not sorted). */
static void push_keys(const netdef_port_forward *pf, size_t index, size_t *slot, fw_key **keys,
                      size_t *n)
{
    fw_map m = fw_forward_map(pf);
    for (size_t r = 0; r < pf->n_ranges; r++) {
        for (unsigned port = pf->ranges[r].start; port <= pf->ranges[r].end; port++) {
            fw_key *k = xarray_push(keys, n, sizeof(**keys));
            k->map = (uint8_t)m;
            k->proto = (uint8_t)pf->proto;
            k->port = (uint16_t)port;
            if (m == FW_MAP_4ADDR || m == FW_MAP_6ADDR)
                memcpy(k->addr, pf->address.bytes, pf->address.family == AF_INET ? 4 : 16);
            k->index = index;
            k->slot = *slot;
        }
        (*slot)++;
    }
}

int fw_key_cmp(const void *a, const void *b)
{
    const fw_key *x = a, *y = b;
    if (x->map != y->map)
        return x->map < y->map ? -1 : 1;
    if (x->proto != y->proto)
        return x->proto < y->proto ? -1 : 1;
    if (x->port != y->port)
        return x->port < y->port ? -1 : 1;
    return memcmp(x->addr, y->addr, 16);
}

size_t fw_forward_keys(const netdef *def, fw_key **ret)
{
    fw_key *keys = NULL;
    size_t n = 0;
    size_t slot = 0;
    for (size_t i = 0; i < def->n_port_forwards; i++)
        push_keys(&def->port_forwards[i], i, &slot, &keys, &n);
    if (n)
        qsort(keys, n, sizeof(*keys), fw_key_cmp);
    *ret = keys;
    return n;
}

int fw_forwards_check(const netdef *def, verr *err)
{
    for (size_t i = 0; i < def->n_port_forwards; i++)
        if (fw_forward_check(def, &def->port_forwards[i], err) < 0)
            return -1;
    _cleanup_free_ fw_key *keys = NULL;
    size_t n = fw_forward_keys(def, &keys);
    for (size_t i = 1; i < n; i++) {
        if (fw_key_cmp(&keys[i - 1], &keys[i]) != 0)
            continue;
        char a[160], b[160];
        return verr_set(err, VERR_INVALID, "network '%s': %s and %s both claim %s port %u",
                        def->name, forward_desc(&def->port_forwards[keys[i - 1].index], a, 160),
                        forward_desc(&def->port_forwards[keys[i].index], b, 160),
                        netdef_proto_name(keys[i].proto), keys[i].port);
    }
    return 0;
}

void fw_forward_elements(strbuf *b, const netdef_port_forward *pf, bool with_values,
                         const char *sep, bool *first)
{
    char host[VNET_ADDR_STRLEN], guest[VNET_ADDR_STRLEN];
    bool addr = vnet_addr_is_set(&pf->address);
    vnet_addr_str(&pf->address, host);
    vnet_addr_str(&pf->guest, guest);
    for (size_t r = 0; r < pf->n_ranges; r++) {
        const netdef_pf_range *rg = &pf->ranges[r];
        unsigned to = rg->to ? rg->to : rg->start;
        for (unsigned port = rg->start; port <= rg->end; port++) {
            if (!*first)
                strbuf_add(b, sep);
            *first = false;
            if (addr)
                strbuf_addf(b, "%s . ", host);
            strbuf_addf(b, "%s . %u", netdef_proto_name(pf->proto), port);
            if (with_values)
                strbuf_addf(b, " : %s . %u", guest, to + (port - rg->start));
        }
    }
}

/* "add element inet TABLE SET { ... }\n" for one forward's elements. */
static void element_cmd(strbuf *b, const char *verb, const char *table, const char *set,
                        const netdef_port_forward *pf, bool with_values)
{
    bool first = true;
    strbuf_addf(b, "%s element inet %s %s { ", verb, table, set);
    fw_forward_elements(b, pf, with_values, ", ", &first);
    strbuf_add(b, " }\n");
}

/* `add element` (and for delete, `delete element`) for one forward, in its
 * DNAT map and its traffic-counting set. Deleting first adds the same
 * elements, so the script succeeds whether or not they were there: one
 * transaction, idempotent, like the table add+delete. */
static char *plan_forward(const netdef *def, const netdef_port_forward *pf, bool del, verr *err)
{
    char table[FW_TABLE_NAME_MAX];
    if (!def->bridge_name || !fw_ifname_ok(def->bridge_name)) {
        verr_set(err, VERR_INVALID, "network '%s': no usable bridge name", def->name);
        return NULL;
    }
    if (fw_forward_check(def, pf, err) < 0)
        return NULL;
    fw_table_name(def, table, sizeof(table));
    fw_map m = fw_forward_map(pf);
    strbuf b = STRBUF_INIT;
    element_cmd(&b, "add", table, fw_map_name(m), pf, true);
    element_cmd(&b, "add", table, fw_count_set_name(m), pf, false);
    if (del) {
        element_cmd(&b, "delete", table, fw_map_name(m), pf, false);
        element_cmd(&b, "delete", table, fw_count_set_name(m), pf, false);
    }
    return strbuf_take(&b);
}

char *fw_plan_forward_add(const netdef *def, const netdef_port_forward *pf, verr *err)
{
    return plan_forward(def, pf, false, err);
}

char *fw_plan_forward_del(const netdef *def, const netdef_port_forward *pf, verr *err)
{
    return plan_forward(def, pf, true, err);
}

bool fw_needs_route_localnet(const netdef *def)
{
    if (!fw_forwarding_mode(def))
        return false;
    for (size_t i = 0; i < def->n_port_forwards; i++)
        if (fw_addr_is_loopback4(&def->port_forwards[i].address))
            return true;
    return false;
}

bool fw_forward_changes_table(const netdef *def, const netdef_port_forward *pf)
{
    (void)def;
    (void)pf;
    return false; /* the loopback masquerade rule is always planned now */
}

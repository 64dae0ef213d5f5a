/* Port forwards as nft map elements: element text, add/delete plans. Whether
 * a forward is valid is conf/'s rule (netdef_validate), asked before a
 * definition holding it is saved or applied.
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
    if (!def->bridge_name) {
        verr_set(err, VERR_INVALID, "network '%s' has no bridge name", def->name);
        return NULL;
    }
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

/* Per-forward counters: list the table as JSON once, match every map
 * element to the forward that owns its key (sorted keys + binary search, so
 * 10,000 forwards cost a sort, not a quadratic scan) and sum.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "firewall/firewall.h"
#include "firewall/fw_internal.h"
#include "util/cleanup.h"

static int map_by_name(const char *name)
{
    for (fw_map m = 0; m < FW_MAP_COUNT; m++)
        if (streq(name, fw_map_name(m)))
            return (int)m;
    return -1;
}

static int proto_from_json(json_t *j)
{
    if (json_is_integer(j))
        return (int)json_integer_value(j);
    const char *s = json_string_value(j);
    if (s && streq(s, "tcp"))
        return IPPROTO_TCP;
    if (s && streq(s, "udp"))
        return IPPROTO_UDP;
    return -1;
}

/* Parse one element's key ({"elem": {"val": {"concat": [...]}, "counter":
 * {...}}}) into k and its counter; false if it is not one of ours. */
static bool parse_elem(fw_map m, json_t *key, fw_key *k, uint64_t *packets, uint64_t *bytes)
{
    json_t *elem = json_object_get(key, "elem");
    json_t *val = elem ? json_object_get(elem, "val") : key;
    json_t *concat = json_object_get(val, "concat");
    bool addr = m == FW_MAP_4ADDR || m == FW_MAP_6ADDR;
    if (!json_is_array(concat) || json_array_size(concat) != (addr ? 3u : 2u))
        return false;
    memset(k, 0, sizeof(*k));
    k->map = (uint8_t)m;
    size_t i = 0;
    if (addr) {
        vnet_addr a;
        const char *s = json_string_value(json_array_get(concat, i++));
        if (!s || vnet_addr_parse(s, &a) < 0)
            return false;
        memcpy(k->addr, a.bytes, a.family == AF_INET ? 4 : 16);
    }
    int proto = proto_from_json(json_array_get(concat, i++));
    json_t *port = json_array_get(concat, i);
    if (proto < 0 || !json_is_integer(port))
        return false;
    k->proto = (uint8_t)proto;
    k->port = (uint16_t)json_integer_value(port);
    json_t *counter = elem ? json_object_get(elem, "counter") : NULL;
    *packets = (uint64_t)json_integer_value(json_object_get(counter, "packets"));
    *bytes = (uint64_t)json_integer_value(json_object_get(counter, "bytes"));
    return true;
}

static void add_map_counters(json_t *map, const fw_key *keys, size_t n, fw_forward_stats *ret)
{
    int m = map_by_name(json_string_value(json_object_get(map, "name")));
    json_t *elems = json_object_get(map, "elem");
    if (m < 0 || !json_is_array(elems))
        return;
    size_t i;
    json_t *pair;
    json_array_foreach(elems, i, pair)
    {
        fw_key k;
        uint64_t packets, bytes;
        if (!json_is_array(pair) ||
            !parse_elem((fw_map)m, json_array_get(pair, 0), &k, &packets, &bytes))
            continue;
        const fw_key *hit = bsearch(&k, keys, n, sizeof(*keys), fw_key_cmp);
        if (!hit)
            continue;
        ret[hit->index].packets += packets;
        ret[hit->index].bytes += bytes;
    }
}

int fw_forward_counters(const netdef *def, fw_forward_stats *ret, verr *err)
{
    _cleanup_free_ char *text = NULL;
    if (def->n_port_forwards == 0)
        return 0;
    memset(ret, 0, def->n_port_forwards * sizeof(*ret));
    if (fw_list_table_json(def, &text, err) < 0)
        return -1;
    json_error_t jerr;
    _cleanup_(json_decrefp) json_t *root = json_loads(text, 0, &jerr);
    json_t *list = root ? json_object_get(root, "nftables") : NULL;
    if (!json_is_array(list))
        return verr_set(err, VERR_SYSTEM, "nftables: unreadable JSON listing: %s",
                        root ? "no \"nftables\" array" : jerr.text);
    _cleanup_free_ fw_key *keys = NULL;
    size_t n = fw_forward_keys(def, &keys);
    size_t i;
    json_t *obj;
    json_array_foreach(list, i, obj)
    {
        json_t *map = json_object_get(obj, "map");
        if (map)
            add_map_counters(map, keys, n, ret);
    }
    return 0;
}

/* Per-forward counters: list the table as JSON once, match every element of
 * the DNAT maps (connections) and the counting sets (packets, bytes) to the
 * forward that owns its key (sorted keys + binary search, so
 * 10,000 forwards cost a sort, not a quadratic scan) and sum.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "firewall/firewall.h"
#include "firewall/fw_internal.h"
#include "util/cleanup.h"

/* Which map, or counting set (*ret_set), an object of the listing is. */
static int map_by_name(const char *name, bool *ret_set)
{
    for (fw_map m = 0; m < FW_MAP_COUNT; m++) {
        if (name && streq(name, fw_map_name(m))) {
            *ret_set = false;
            return (int)m;
        }
        if (name && streq(name, fw_count_set_name(m))) {
            *ret_set = true;
            return (int)m;
        }
    }
    return -1;
}

static int proto_from_json(json_t *j)
{
    if (json_is_integer(j))
        return (int)json_integer_value(j);
    return netdef_proto_from_name(json_string_value(j));
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

/* Add the counters of one map (connections) or counting set (traffic). A
 * map's elements are [key, value] pairs; a set's are the keys themselves. */
static void add_map_counters(json_t *obj, bool is_set, const fw_key *keys, size_t n, bool per_range,
                             fw_forward_stats *ret)
{
    bool set_flag = false;
    int m = map_by_name(json_string_value(json_object_get(obj, "name")), &set_flag);
    json_t *elems = json_object_get(obj, "elem");
    if (m < 0 || set_flag != is_set || !json_is_array(elems))
        return;
    size_t i;
    json_t *item;
    json_array_foreach(elems, i, item)
    {
        fw_key k;
        uint64_t packets, bytes;
        json_t *key = is_set ? item : json_array_get(item, 0);
        if ((!is_set && !json_is_array(item)) || !parse_elem((fw_map)m, key, &k, &packets, &bytes))
            continue;
        const fw_key *hit = bsearch(&k, keys, n, sizeof(*keys), fw_key_cmp);
        if (!hit)
            continue;
        fw_forward_stats *st = &ret[per_range ? hit->slot : hit->index];
        if (is_set) {
            st->packets += packets;
            st->bytes += bytes;
        } else {
            st->connections += packets;
        }
    }
}

/* Sum the element counters into ret: one slot per forward, or (per_range)
 * one per range of all forwards in order. */
static int counters(const netdef *def, bool per_range, size_t n_slots, fw_forward_stats *ret,
                    verr *err)
{
    _cleanup_free_ char *text = NULL;
    if (n_slots == 0)
        return 0;
    memset(ret, 0, n_slots * sizeof(*ret));
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
        json_t *set = json_object_get(obj, "set");
        if (map)
            add_map_counters(map, false, keys, n, per_range, ret);
        else if (set)
            add_map_counters(set, true, keys, n, per_range, ret);
    }
    return 0;
}

int fw_forward_counters(const netdef *def, fw_forward_stats *ret, verr *err)
{
    return counters(def, false, def->n_port_forwards, ret, err);
}

int fw_forward_range_counters(const netdef *def, fw_forward_stats *ret, verr *err)
{
    size_t n = 0;
    for (size_t i = 0; i < def->n_port_forwards; i++)
        n += def->port_forwards[i].n_ranges;
    return counters(def, true, n, ret, err);
}

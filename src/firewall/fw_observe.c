/* Reading a network's table back from the kernel, for the reconciler.
 *
 * The digest is a hash of the table as the kernel holds it, in a canonical
 * form: libnftables' stateless JSON (no counter values), without object
 * handles, with set and map elements sorted. Two tables with the same chains,
 * rules, sets and elements have the same digest whatever order they were
 * added in, and traffic does not change it. The reconciler records the digest
 * after each change it makes and compares it on every check: a rule deleted,
 * or a map element added or removed by somebody else (or by a vnetd that
 * crashed before recording what it did) shows as a different digest.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firewall/firewall.h"
#include "firewall/fw_internal.h"
#include "util/cleanup.h"

static int elem_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort an "elem" array by each element's compact text. */
static void sort_elems(json_t *arr)
{
    size_t n = json_array_size(arr);
    if (n < 2)
        return;
    char **texts = xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        texts[i] = json_dumps(json_array_get(arr, i), JSON_COMPACT | JSON_SORT_KEYS);
    qsort(texts, n, sizeof(char *), elem_cmp);
    json_array_clear(arr);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, json_loads(texts[i], JSON_DECODE_ANY, NULL));
        free(texts[i]);
    }
    free(texts);
}

/* Drop handles (they change when a table is re-created), sort elements. */
static void canonicalize(json_t *j)
{
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) canonicalize(v);
        return;
    }
    if (!json_is_object(j))
        return;
    json_object_del(j, "handle");
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        canonicalize(v);
        if (streq(key, "elem"))
            sort_elems(v);
    }
}

static void fnv1a(uint64_t *h, const char *s)
{
    for (; *s; s++) {
        *h ^= (unsigned char)*s;
        *h *= 0x100000001b3ULL;
    }
}

int fw_table_digest(const netdef *def, char ret[FW_DIGEST_LEN], verr *err)
{
    int exists = fw_table_exists(def, err);
    if (exists <= 0)
        return exists;
    char table[FW_TABLE_NAME_MAX];
    _cleanup_free_ char *cmd =
        xasprintf("list table inet %s", fw_table_name(def, table, sizeof(table)));
    _cleanup_free_ char *out = NULL;
    if (fw_run_nft(cmd, FW_OUT_JSON_STATELESS, "listing the network's table", &out, err) < 0)
        return -1;
    json_error_t jerr;
    json_t *doc = json_loads(out, 0, &jerr);
    if (!doc)
        return verr_set(err, VERR_SYSTEM, "nftables: unreadable JSON listing of %s: %s", table,
                        jerr.text);
    json_t *items = json_object_get(doc, "nftables");
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        if (json_object_get(item, "metainfo"))
            continue; /* nft's version, not the table */
        canonicalize(item);
        char *text = json_dumps(item, JSON_COMPACT | JSON_SORT_KEYS);
        fnv1a(&h, text);
        fnv1a(&h, "\n");
        free(text);
    }
    json_decref(doc);
    snprintf(ret, FW_DIGEST_LEN, "%016llx", (unsigned long long)h);
    return 1;
}

int fw_table_delete(const char *table, verr *err)
{
    if (strncmp(table, "vnet-", 5) != 0 || !fw_ifname_ok(table + 5))
        return verr_set(err, VERR_INVALID, "'%s' is not a vnet table", table);
    _cleanup_free_ char *script =
        xasprintf("add table inet %s\ndelete table inet %s\n", table, table);
    return fw_run_nft(script, FW_OUT_TEXT, "deleting a table", NULL, err);
}

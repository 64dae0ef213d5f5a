/* The whole ruleset as libnftables JSON, read so that libnftables never
 * prints a table with exactly one flag.
 *
 * nft 1.0.6 prints such a table's "flags" from a string it has already freed
 * (table_flags_json: json_unpack's borrowed reference, then json_decref of
 * the array holding it): the output is garbage, or JSON cut off after
 * `"flags": ` (what a process linked with ASan gets), and the heap of the
 * process that asked is damaged. vnetd's NAT anchor is such a table
 * (`flags owner`), as is any dormant table. So instead of `list ruleset`:
 * the tables are dumped over netlink (family, name, flags); each table
 * without that problem is listed whole, and one with it (another program's
 * owner table) chain by chain (a chain's listing carries no table object).
 * Not listed at all: the anchor, vnetd's own, and dormant tables, whose
 * chains are not hooked in and so filter nothing. The result is one
 * {"nftables": [...]} like `list ruleset`'s, minus those and the table
 * objects and sets of owner tables.
 * Commands are given as JSON, so any table or chain name is quoted right. */
#include <errno.h>
#include <string.h>

#include "firewall/fw_internal.h"
#include "util/cleanup.h"
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

static const char *family_name(uint8_t family)
{
    switch (family) {
    case NFPROTO_INET:
        return "inet";
    case NFPROTO_IPV4:
        return "ip";
    case NFPROTO_IPV6:
        return "ip6";
    case NFPROTO_ARP:
        return "arp";
    case NFPROTO_BRIDGE:
        return "bridge";
    case NFPROTO_NETDEV:
        return "netdev";
    default:
        return NULL;
    }
}

/* nft 1.0.6 mislists a table whose flags have exactly one bit set */
static bool flags_unlistable(uint32_t flags)
{
    return flags != 0 && (flags & (flags - 1)) == 0;
}

/* Run {"list": {what: obj}} (obj is stolen); its objects, but the metainfo,
 * go to `out`. A table or chain gone meanwhile (ENOENT) adds nothing, nor
 * does a NULL obj. */
static int list_into(json_t *out, const char *what, json_t *obj, verr *err)
{
    if (!obj) /* a name that is not UTF-8: no JSON command can name it */
        return 0;
    _cleanup_(json_decrefp) json_t *cmd =
        json_pack("{s:[{s:{s:o}}]}", "nftables", "list", what, obj);
    _cleanup_free_ char *text = cmd ? json_dumps(cmd, JSON_COMPACT) : NULL;
    if (!text)
        return verr_set(err, VERR_INTERNAL, "nftables: building a list command");
    _cleanup_free_ char *res = NULL;
    verr e = VERR_INIT;
    if (fw_run_nft(text, FW_OUT_JSON, "listing the ruleset", &res, &e) < 0) {
        if (strstr(e.msg, strerror(ENOENT)))
            return 0;
        *err = e;
        return -1;
    }
    json_error_t jerr;
    _cleanup_(json_decrefp) json_t *root = json_loads(res, 0, &jerr);
    json_t *arr = json_object_get(root, "nftables");
    if (!json_is_array(arr))
        return verr_set(err, VERR_INTERNAL, "nftables: listing %s: unreadable JSON (%s)", what,
                        root ? "no \"nftables\" array" : jerr.text);
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        if (!json_object_get(o, "metainfo"))
            json_array_append(out, o);
    }
    return 0;
}

/* the chains of one table, each listed with its rules */
static int list_chains_of(json_t *out, const json_t *chains, const char *family, const char *table,
                          verr *err)
{
    size_t i;
    json_t *o;
    json_array_foreach(chains, i, o)
    {
        json_t *c = json_object_get(o, "chain");
        const char *f = json_string_value(json_object_get(c, "family"));
        const char *t = json_string_value(json_object_get(c, "table"));
        const char *name = json_string_value(json_object_get(c, "name"));
        if (!f || !t || !name || strcmp(f, family) != 0 || strcmp(t, table) != 0)
            continue;
        if (list_into(out, "chain",
                      json_pack("{s:s,s:s,s:s}", "family", f, "table", t, "name", name), err) < 0)
            return -1;
    }
    return 0;
}

static int list_tables(json_t *out, const fw_table_ref *refs, size_t n, verr *err)
{
    _cleanup_(json_decrefp) json_t *chains = NULL; /* every chain, read once if needed */
    for (size_t i = 0; i < n; i++) {
        const char *family = family_name(refs[i].family);
        if (!family || (refs[i].flags & NFT_TABLE_F_DORMANT) ||
            (refs[i].family == NFPROTO_INET && fw_anchor_is_table(refs[i].name)))
            continue;
        if (!flags_unlistable(refs[i].flags)) {
            if (list_into(out, "table",
                          json_pack("{s:s,s:s}", "family", family, "name", refs[i].name), err) < 0)
                return -1;
            continue;
        }
        if (!chains) {
            chains = json_array();
            if (list_into(chains, "chains", json_object(), err) < 0)
                return -1;
        }
        if (list_chains_of(out, chains, family, refs[i].name, err) < 0)
            return -1;
    }
    return 0;
}

int fw_list_ruleset_json(char **ret_json, verr *err)
{
    fw_table_ref *refs = NULL;
    size_t n = 0;
    if (fw_table_refs(&refs, &n, err) < 0)
        return -1;
    _cleanup_(json_decrefp) json_t *arr = json_array();
    int r = list_tables(arr, refs, n, err);
    fw_table_refs_free(refs, n);
    if (r < 0)
        return -1;
    _cleanup_(json_decrefp) json_t *root = json_pack("{s:O}", "nftables", arr);
    char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;
    if (!text)
        return verr_set(err, VERR_INTERNAL, "nftables: writing the ruleset JSON");
    *ret_json = text;
    return 0;
}

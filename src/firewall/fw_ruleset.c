/* A ruleset in libnftables' JSON (`list ruleset`), indexed for the
 * foreign-drop analyser and the Docker planner: chains with their rules in
 * order. Borrowed pointers into the JSON; nothing is copied. */
#include <stdlib.h>
#include <string.h>

#include "firewall/fw_internal.h"
#include "util/strbuf.h"

void fw_fruleset_free(fw_fruleset *rs)
{
    for (size_t i = 0; i < rs->n_chains; i++)
        free(rs->chains[i].rules);
    free(rs->chains);
}

const char *fw_json_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

fw_fchain *fw_fruleset_chain(fw_fruleset *rs, const char *family, const char *table,
                             const char *name)
{
    for (size_t i = 0; i < rs->n_chains; i++) {
        fw_fchain *c = &rs->chains[i];
        if (streq(c->family, family) && streq(c->table, table) && streq(c->name, name))
            return c;
    }
    return NULL;
}

int fw_fruleset_load(const json_t *root, fw_fruleset *rs, verr *err)
{
    json_t *arr = json_object_get(root, "nftables");
    if (!json_is_array(arr))
        return verr_set(err, VERR_INVALID, "ruleset JSON has no \"nftables\" array");
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        json_t *c = json_object_get(o, "chain");
        if (!c || !fw_json_str(c, "family") || !fw_json_str(c, "table") || !fw_json_str(c, "name"))
            continue;
        rs->chains = xrealloc(rs->chains, (rs->n_chains + 1) * sizeof(*rs->chains));
        rs->chains[rs->n_chains++] = (fw_fchain){
            .family = fw_json_str(c, "family"),
            .table = fw_json_str(c, "table"),
            .name = fw_json_str(c, "name"),
            .hook = fw_json_str(c, "hook"),
            .policy = fw_json_str(c, "policy"),
        };
    }
    json_array_foreach(arr, i, o)
    {
        json_t *r = json_object_get(o, "rule");
        if (!r || !fw_json_str(r, "family") || !fw_json_str(r, "table") || !fw_json_str(r, "chain"))
            continue;
        fw_fchain *c = fw_fruleset_chain(rs, fw_json_str(r, "family"), fw_json_str(r, "table"),
                                         fw_json_str(r, "chain"));
        if (!c)
            continue;
        c->rules = xrealloc(c->rules, (c->n_rules + 1) * sizeof(*c->rules));
        c->rules[c->n_rules++] = r;
    }
    return 0;
}

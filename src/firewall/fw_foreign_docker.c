/* --coexist=docker: vnet's accept rules in Docker's DOCKER-USER chain,
 * planned from the ruleset (pure). */
#include <string.h>

#include "firewall/firewall.h"
#include "firewall/fw_internal.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

/* Docker documents DOCKER-USER (in table ip filter, and ip6 filter with IPv6)
 * as the place for rules of the host's own: FORWARD jumps there first. vnet's
 * rules there carry the comment "vnet:BRIDGE in" / "vnet:BRIDGE out". */
static const char *const docker_families[] = {"ip", "ip6"};

static bool rule_has_comment(const json_t *rule, const char *comment)
{
    const char *c = fw_json_str(rule, "comment");
    return c && streq(c, comment);
}

static bool docker_chain_has(fw_fruleset *rs, const char *family, const char *comment)
{
    fw_fchain *c = fw_fruleset_chain(rs, family, "filter", "DOCKER-USER");
    for (size_t i = 0; c && i < c->n_rules; i++)
        if (rule_has_comment(c->rules[i], comment))
            return true;
    return false;
}

char *fw_foreign_docker_plan(const json_t *ruleset, const char *bridge)
{
    fw_fruleset rs = {0};
    verr err = VERR_INIT;
    if (!netdef_ifname_valid(bridge) || fw_fruleset_load(ruleset, &rs, &err) < 0) {
        fw_fruleset_free(&rs);
        return NULL;
    }
    strbuf b = STRBUF_INIT;
    static const char *const dirs[][2] = {{"in", "iifname"}, {"out", "oifname"}};
    for (size_t f = 0; f < ARRAY_SIZE(docker_families); f++) {
        if (!fw_fruleset_chain(&rs, docker_families[f], "filter", "DOCKER-USER"))
            continue;
        for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
            _cleanup_free_ char *comment = xasprintf("vnet:%s %s", bridge, dirs[d][0]);
            if (docker_chain_has(&rs, docker_families[f], comment))
                continue;
            strbuf_addf(
                &b, "insert rule %s filter DOCKER-USER %s \"%s\" counter accept comment \"%s\"\n",
                docker_families[f], dirs[d][1], bridge, comment);
        }
    }
    fw_fruleset_free(&rs);
    if (b.len == 0) {
        strbuf_free(&b);
        return NULL;
    }
    return strbuf_take(&b);
}

char *fw_foreign_docker_unplan(const json_t *ruleset, const char *bridge)
{
    fw_fruleset rs = {0};
    verr err = VERR_INIT;
    if (fw_fruleset_load(ruleset, &rs, &err) < 0) {
        fw_fruleset_free(&rs);
        return NULL;
    }
    strbuf b = STRBUF_INIT;
    _cleanup_free_ char *in = xasprintf("vnet:%s in", bridge);
    _cleanup_free_ char *out = xasprintf("vnet:%s out", bridge);
    for (size_t f = 0; f < ARRAY_SIZE(docker_families); f++) {
        fw_fchain *c = fw_fruleset_chain(&rs, docker_families[f], "filter", "DOCKER-USER");
        for (size_t i = 0; c && i < c->n_rules; i++)
            if (rule_has_comment(c->rules[i], in) || rule_has_comment(c->rules[i], out))
                strbuf_addf(&b, "delete rule %s filter DOCKER-USER handle %lld\n",
                            docker_families[f],
                            (long long)json_integer_value(json_object_get(c->rules[i], "handle")));
    }
    fw_fruleset_free(&rs);
    if (b.len == 0) {
        strbuf_free(&b);
        return NULL;
    }
    return strbuf_take(&b);
}

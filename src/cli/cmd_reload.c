/* vnet reload: vnetd re-reads its definitions directory; and the warnings
 * list and info print about definition files that do not load. */
#include <stdio.h>

#include "cli/commands.h"
#include "proto/proto.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static void warn_problem(FILE *out, const char *prefix, json_t *p, const char *name)
{
    const char *error = json_string_value(json_object_get(p, "error"));
    const char *keeps = json_string_value(json_object_get(p, "keeps"));
    fprintf(out, "%s: %s", prefix, error ? error : "(no message)");
    if (keeps)
        fprintf(out, " (network '%s' keeps %s)", name, keeps);
    else
        fprintf(out, " (ignored: no network '%s' from it)", name);
    fputc('\n', out);
}

void cli_warn_problems(json_t *problems)
{
    size_t i;
    json_t *p;
    json_array_foreach(problems, i, p)
    {
        const char *name = json_string_value(json_object_get(p, "network"));
        warn_problem(stderr, "warning", p, name ? name : "?");
    }
}

void cli_warn_problem(json_t *network)
{
    json_t *p = json_object_get(network, "problem");
    const char *name = json_string_value(json_object_get(network, "name"));
    if (json_is_object(p))
        warn_problem(stderr, "warning", p, name ? name : "?");
}

static const char *names_of(json_t *arr, strbuf *b)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        strbuf_add(b, i ? ", " : " (");
        strbuf_add(b, json_string_value(v) ? json_string_value(v) : "?");
    }
    if (json_array_size(arr))
        strbuf_addc(b, ')');
    return strbuf_str(b);
}

int cmd_reload(const cli_ctx *ctx, const args *a)
{
    _cleanup_(json_decrefp) json_t *reply = NULL;
    if (cli_call(ctx, proto_request("reload"), &reply) < 0)
        return -1;
    json_t *added = json_object_get(reply, "added"), *changed = json_object_get(reply, "changed"),
           *removed = json_object_get(reply, "removed"),
           *problems = json_object_get(reply, "problems");
    strbuf b1 = STRBUF_INIT, b2 = STRBUF_INIT, b3 = STRBUF_INIT;
    cli_extra(ctx, "Definitions reloaded: %zu added%s, %zu changed%s, %zu removed%s\n",
              json_array_size(added), names_of(added, &b1), json_array_size(changed),
              names_of(changed, &b2), json_array_size(removed), names_of(removed, &b3));
    strbuf_free(&b1);
    strbuf_free(&b2);
    strbuf_free(&b3);
    size_t i;
    json_t *p;
    json_array_foreach(problems, i, p)
    {
        const char *name = json_string_value(json_object_get(p, "network"));
        warn_problem(stderr, "error", p, name ? name : "?");
    }
    return json_array_size(problems) ? -1 : 0;
}

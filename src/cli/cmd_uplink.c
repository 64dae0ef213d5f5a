/* vnet uplink-*: a host NIC into a bridge safely (attach on trial, confirm,
 * detach, list). Requests go to vnetd, which does the work. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/table.h"
#include "proto/proto.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static int uplink_call(const cli_ctx *ctx, json_t *req, json_t **ret_reply)
{
    verr err = VERR_INIT;
    json_t *reply = NULL;
    int r = proto_call(ctx->socket_path, req, &reply, &err);
    json_decref(req);
    if (r < 0)
        return cli_error("%s", err.msg);
    if (ret_reply)
        *ret_reply = reply;
    else
        json_decref(reply);
    return 0;
}

static json_t *uplink_request(const char *op, const char *bridge)
{
    json_t *req = proto_request(op);
    json_object_set_new(req, "bridge", json_string(bridge));
    return req;
}

static long long reply_int(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

int cmd_uplink_attach(const cli_ctx *ctx, const args *a)
{
    const char *bridge = args_get(a, "bridge");
    const char *within_s = args_get(a, "confirm-within");
    if (!bridge)
        return cli_error("missing --bridge BRIDGE");
    long long within = 60;
    if (within_s) {
        char *end;
        errno = 0;
        within = strtoll(within_s, &end, 10);
        if (errno || end == within_s || *end || within < 1)
            return cli_error("--confirm-within takes a number of seconds (1 or more), not '%s'",
                             within_s);
    }
    json_t *req = uplink_request("uplink-attach", bridge);
    json_object_set_new(req, "nic", json_string(a->pos[0]));
    json_object_set_new(req, "confirm_within", json_integer(within));
    _cleanup_(json_decrefp) json_t *reply = NULL;
    if (uplink_call(ctx, req, &reply) < 0)
        return -1;
    long long na = reply_int(reply, "addresses"), nr = reply_int(reply, "routes");
    printf("Uplink %s attached to bridge %s (%lld address%s, %lld route%s moved)\n"
           "Run 'vnet uplink-confirm %s' within %lld s to keep it; otherwise it is rolled back.\n",
           a->pos[0], bridge, na, na == 1 ? "" : "es", nr, nr == 1 ? "" : "s", bridge, within);
    return 0;
}

int cmd_uplink_confirm(const cli_ctx *ctx, const args *a)
{
    if (uplink_call(ctx, uplink_request("uplink-confirm", a->pos[0]), NULL) < 0)
        return -1;
    printf("Uplink on bridge %s confirmed\n", a->pos[0]);
    return 0;
}

int cmd_uplink_detach(const cli_ctx *ctx, const args *a)
{
    if (uplink_call(ctx, uplink_request("uplink-detach", a->pos[0]), NULL) < 0)
        return -1;
    printf("Uplink on bridge %s detached\n", a->pos[0]);
    return 0;
}

static char *uplink_state_text(json_t *u)
{
    json_t *state = json_object_get(u, "state");
    const char *s = json_is_string(state) ? json_string_value(state) : "?";
    bool present = json_is_true(json_object_get(u, "present"));
    if (streq(s, "trial"))
        return xasprintf("trial, %llds left%s", reply_int(u, "confirm_left"),
                         present ? "" : ", incomplete");
    return xasprintf("%s%s", s, present ? "" : ", missing");
}

static char *uplink_addrs_text(json_t *u)
{
    strbuf b = STRBUF_INIT;
    json_t *addrs = json_object_get(u, "addresses"), *x;
    size_t i;
    json_array_foreach(addrs, i, x)
    {
        json_t *ad = json_object_get(x, "address");
        if (json_is_string(ad))
            strbuf_addf(&b, "%s%s/%lld", b.len ? " " : "", json_string_value(ad),
                        reply_int(x, "prefix"));
    }
    return b.len ? strbuf_take(&b) : (strbuf_free(&b), xstrdup("-"));
}

int cmd_uplink_list(const cli_ctx *ctx, const args *a)
{
    _cleanup_(json_decrefp) json_t *reply = NULL;
    if (uplink_call(ctx, proto_request("uplink-list"), &reply) < 0)
        return -1;
    json_t *list = json_object_get(reply, "uplinks"), *u;
    if (!json_is_array(list))
        return cli_error("the daemon's reply to 'uplink-list' has no uplinks array");
    if (args_has(a, "json")) {
        _cleanup_free_ char *s = output_json(list);
        fputs(s, stdout);
        return 0;
    }
    static const char *const headers[] = {"Bridge", "Interface", "State", "MAC", "Addresses"};
    _cleanup_(table_freep) table *t = table_new(5, headers);
    size_t i;
    json_array_foreach(list, i, u)
    {
        _cleanup_free_ char *state = uplink_state_text(u);
        _cleanup_free_ char *addrs = uplink_addrs_text(u);
        json_t *br = json_object_get(u, "bridge"), *nic = json_object_get(u, "nic"),
               *mac = json_object_get(u, "mac");
        const char *cells[] = {json_string_value(br), json_string_value(nic), state,
                               json_string_value(mac), addrs};
        table_add_row(t, cells);
    }
    _cleanup_free_ char *text = table_format(t, 1);
    fputs(text, stdout);
    return 0;
}

/* `vnet doctor [NET] [--json] [--fix]`: the daemon's checks, one line each
 * (verdict, network, check, evidence) with the fix under anything not ok.
 * Exit status follows the worst verdict: 0 ok, 1 warning, 2 broken (also
 * when vnetd cannot be reached at all). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "proto/proto.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static int verdict_code(const char *v)
{
    return streq(v, "broken") ? 2 : streq(v, "warning") ? 1 : 0;
}

static void print_check(json_t *c)
{
    const char *v = json_string_value(json_object_get(c, "verdict"));
    const char *net = json_string_value(json_object_get(c, "network"));
    const char *fix = json_string_value(json_object_get(c, "fix"));
    printf("%-8s %s%s%s: %s\n", v, net ? net : "", net ? ": " : "",
           json_string_value(json_object_get(c, "check")),
           json_string_value(json_object_get(c, "evidence")));
    if (fix && !streq(v, "ok"))
        printf("%-8s fix: %s\n", "", fix);
}

static int unreachable(const cli_ctx *ctx, const args *a, const char *msg)
{
    const char *fix = "start vnetd (systemctl start vnetd, or vnetd --root DIR)";
    if (args_has(a, "json")) {
        json_t *o =
            json_pack("{s:s, s:[{s:s, s:n, s:s, s:s, s:s}]}", "worst", "broken", "checks", "check",
                      "daemon", "network", "verdict", "broken", "evidence", msg, "fix", fix);
        _cleanup_free_ char *s = output_json(o);
        fputs(s, stdout);
        json_decref(o);
    } else {
        printf("%-8s daemon: %s\n%-8s fix: %s\n", "broken", msg, "", fix);
    }
    return 2;
}

int cmd_doctor(const cli_ctx *ctx, const args *a)
{
    bool fix = args_has(a, "fix");
    /* the probe (a veth, a namespace, a table for a moment) is root's */
    json_t *req = proto_request(fix ? "doctor-fix" : geteuid() == 0 ? "doctor-probe" : "doctor");
    if (a->n_pos > 0)
        json_object_set_new(req, "name", json_string(a->pos[0]));
    verr err = VERR_INIT;
    json_t *reply = NULL;
    int r = proto_call(ctx->socket_path, req, &reply, &err);
    json_decref(req);
    if (r < 0) {
        if (err.kind == VERR_SYSTEM && strstr(err.msg, "failed to connect"))
            return unreachable(ctx, a, err.msg);
        return cli_error("%s", err.msg);
    }
    int code = verdict_code(json_string_value(json_object_get(reply, "worst")));
    if (args_has(a, "json")) {
        json_object_del(reply, "ok");
        _cleanup_free_ char *s = output_json(reply);
        fputs(s, stdout);
        json_decref(reply);
        return code;
    }
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(reply, "fixed"), i, c)
        printf("fixed:   %s\n", json_string_value(c));
    unsigned count[3] = {0};
    json_array_foreach(json_object_get(reply, "checks"), i, c)
    {
        print_check(c);
        count[verdict_code(json_string_value(json_object_get(c, "verdict")))]++;
    }
    printf("worst: %s (%u ok, %u warning, %u broken)\n",
           json_string_value(json_object_get(reply, "worst")), count[0], count[1], count[2]);
    json_decref(reply);
    return code;
}

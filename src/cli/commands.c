#include "cli/commands.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/output.h"
#include "cli/xpath.h"
#include "conf/netdef.h"
#include "proto/proto.h"
#include "proto/proto_ops.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

int cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

/* Print text, adding the final newline if the text lacks one. */
static void print_text(const char *s)
{
    fputs(s, stdout);
    size_t n = strlen(s);
    if (n > 0 && s[n - 1] != '\n')
        fputc('\n', stdout);
}

static void print_json(json_t *v)
{
    _cleanup_free_ char *s = output_json(v);
    fputs(s, stdout);
}

void cli_extra(const cli_ctx *ctx, const char *fmt, ...)
{
    if (ctx->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

/* One round trip, the request checked against the protocol's field table
 * before it goes (NULL: building it failed and said why). On failure, as virsh: "failed to get network 'X'" when the
 * network does not exist, else `failed` (e.g. "Failed to start network X")
 * when given, then the daemon's (or transport's) message. `req` is consumed. */
static int call_what(const cli_ctx *ctx, json_t *req, json_t **ret_reply, const char *failed)
{
    verr err = VERR_INIT;
    json_t *reply = NULL;
    if (!req)
        return -1;
    if (proto_validate(req, NULL, &err) < 0) {
        json_decref(req);
        return cli_error("%s", err.msg);
    }
    int r = proto_call(ctx->socket_path, req, &reply, &err);
    const char *name = json_string_value(json_object_get(req, "name"));
    if (!name)
        name = json_string_value(json_object_get(req, "uuid"));
    /* the network itself is missing (not, say, a forward of it) */
    bool no_network = r < 0 && err.kind == VERR_NOT_FOUND &&
                      strncmp(err.msg, "Network not found:", strlen("Network not found:")) == 0;
    if (no_network && name)
        cli_error("failed to get network '%s'", name);
    else if (r < 0 && failed && err.kind != VERR_SYSTEM)
        cli_error("%s", failed);
    json_decref(req);
    if (r < 0)
        return cli_error("%s", err.msg);
    if (ret_reply)
        *ret_reply = reply;
    else
        json_decref(reply);
    return 0;
}

/* Set fields of a request through the protocol's table; on a refusal the
 * request is dropped (NULL, which call() takes as "already reported"). */
#define REQ_SET(kind, req, field, value)                                                        \
    do {                                                                                        \
        verr e_ = VERR_INIT;                                                                    \
        if ((req) && proto_set_##kind((req), (field), (value), &e_) < 0) {                      \
            cli_error("%s", e_.msg);                                                            \
            json_decref(req);                                                                   \
            (req) = NULL;                                                                       \
        }                                                                                       \
    } while (0)

int cli_call(const cli_ctx *ctx, json_t *req, json_t **ret_reply)
{
    return call_what(ctx, req, ret_reply, NULL);
}

static int call(const cli_ctx *ctx, json_t *req, json_t **ret_reply)
{
    return call_what(ctx, req, ret_reply, NULL);
}

static json_t *request_for(const char *op, const char *name)
{
    json_t *req = proto_request(op);
    if (name)
        REQ_SET(str, req, "name", name);
    return req;
}

static const char *reply_str(json_t *reply, const char *key, const char *dflt)
{
    json_t *v = json_object_get(reply, key);
    return json_is_string(v) ? json_string_value(v) : dflt;
}

/* Read FILE ("-" = stdin) whole into b; NUL bytes are refused (XML has none). */
static int read_input_raw(const char *path, strbuf *b)
{
    _cleanup_fclose_ FILE *f = streq(path, "-") ? NULL : fopen(path, "re");
    FILE *in = streq(path, "-") ? stdin : f;
    if (!in)
        return cli_error("Failed to open file '%s': %s", path, strerror(errno)); /* virsh's */
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0) {
        if (memchr(chunk, '\0', n)) {
            strbuf_free(b);
            return cli_error("cannot read '%s': it contains NUL bytes (not an XML file)", path);
        }
        strbuf_addn(b, chunk, n);
        if (b->len > PROTO_MAX_MSG) {
            strbuf_free(b);
            return cli_error("cannot read '%s': larger than %d bytes", path, PROTO_MAX_MSG);
        }
    }
    if (ferror(in)) {
        strbuf_free(b);
        return cli_error("cannot read '%s': %s", path, strerror(errno));
    }
    return 0;
}

#ifdef VNET_CLI_LEAN
/* The lean vnet sends a definition as read when it is UTF-8 (jansson checks
 * that); 1: it is not, the full client converts it (libxml2). */
static int read_definition(const char *path, char **ret)
{
    strbuf b = STRBUF_INIT;
    if (read_input_raw(path, &b) < 0)
        return -1;
    json_t *s = json_stringn(strbuf_str(&b), b.len);
    if (!s) {
        strbuf_free(&b);
        return 1;
    }
    json_decref(s);
    *ret = strbuf_take(&b);
    return 0;
}
#else
/* Read FILE ("-" = stdin) whole, as UTF-8. */
int cli_read_input(const char *path, char **ret)
{
    strbuf b = STRBUF_INIT;
    if (read_input_raw(path, &b) < 0)
        return -1;
    /* the protocol carries UTF-8: a document in another encoding is converted */
    verr err = VERR_INIT;
    int r = netdef_xml_to_utf8(strbuf_str(&b), streq(path, "-") ? "<stdin>" : path, ret, &err);
    strbuf_free(&b);
    if (r < 0)
        return cli_error("%s", err.msg);
    return 0;
}

static int read_definition(const char *path, char **ret)
{
    return cli_read_input(path, ret);
}
#endif

/* "warning: LINE" on stderr for each line of text. */
static void print_warnings(const char *text)
{
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(stderr, "warning: %.*s\n", (int)n, p);
        p += n + (nl ? 1 : 0);
    }
}

/* define and create: send the file's text, named by the file for messages.
 * With --validate the definition is checked here first (the daemon checks it
 * anyway; this names the problem before anything is sent). The lean vnet
 * sends it itself unless it is asked to check it, reads stdin or meets a file
 * that is not UTF-8: then vnet-full (libxml2) does the command. */
static int send_definition(const cli_ctx *ctx, const args *a, const char *op, const char *verb)
{
    const char *path = a->pos[0];
    _cleanup_free_ char *xml = NULL;
    _cleanup_free_ char *failed = xasprintf("Failed to %s network from %s", op, path);
#ifdef VNET_CLI_LEAN
    if (args_has(a, "validate") || streq(path, "-"))
        return cli_run_full();
#endif
    int rd = read_definition(path, &xml);
    if (rd < 0)
        return -1;
#ifdef VNET_CLI_LEAN
    if (rd > 0)
        return cli_run_full();
#endif
    const char *source = streq(path, "-") ? "<stdin>" : path;
#ifndef VNET_CLI_LEAN
    if (args_has(a, "validate")) {
        verr err = VERR_INIT;
        _cleanup_(netdef_freep) netdef *def = NULL;
        if (netdef_parse_string(xml, source, &def, &err) < 0) {
            cli_error("%s", failed);
            return cli_error("XML document failed to validate: %s", err.msg);
        }
    }
#endif
    json_t *req = proto_request(op);
    REQ_SET(str, req, "xml", xml);
    REQ_SET(str, req, "source", source);
    _cleanup_(json_decrefp) json_t *reply = NULL;
    if (call_what(ctx, req, &reply, failed) < 0)
        return -1;
    const char *warnings = reply_str(reply, "warnings", NULL);
    if (warnings)
        print_warnings(warnings);
    cli_extra(ctx, "Network %s %s from %s\n", reply_str(reply, "name", "?"), verb, path);
    return 0;
}

int cmd_define(const cli_ctx *ctx, const args *a)
{
    return send_definition(ctx, a, "define", "defined");
}

int cmd_create(const cli_ctx *ctx, const args *a)
{
    return send_definition(ctx, a, "create", "created");
}

#ifndef VNET_CLI_LEAN /* these need libxml2: the lean vnet runs vnet-full for them (lean.c) */

/* Parse one file ("-" = stdin) with the conf layer. */
static int validate_one(const char *path, netdef **ret, verr *err)
{
    if (!streq(path, "-"))
        return netdef_parse_file(path, ret, err);
    _cleanup_free_ char *xml = NULL;
    if (cli_read_input(path, &xml) < 0)
        return -2; /* already printed */
    return netdef_parse_string(xml, "<stdin>", ret, err);
}

int cmd_validate(const cli_ctx *ctx, const args *a)
{
    bool format = args_has(a, "format");
    int rc = 0;
    for (size_t i = 0; i < a->n_pos; i++) {
        verr err = VERR_INIT;
        _cleanup_(netdef_freep) netdef *def = NULL;
        int r = validate_one(a->pos[i], &def, &err);
        if (r < 0) {
            rc = -1;
            if (r == -1)
                cli_error("%s", err.msg);
            continue;
        }
        _cleanup_free_ char *warnings = netdef_warnings(def);
        if (warnings)
            print_warnings(warnings);
        if (format) {
            _cleanup_free_ char *xml = netdef_format(def, 0);
            print_text(xml);
        }
    }
    return rc;
}

#endif

/* Commands whose request is just the name and whose reply is a fixed line. */
static int simple(const cli_ctx *ctx, const args *a, const char *op, const char *done)
{
    _cleanup_free_ char *failed = xasprintf("Failed to %s network %s", op, a->pos[0]);
    if (call_what(ctx, request_for(op, a->pos[0]), NULL, failed) < 0)
        return -1;
    cli_extra(ctx, "Network %s %s\n", a->pos[0], done);
    return 0;
}

int cmd_undefine(const cli_ctx *ctx, const args *a)
{
    return simple(ctx, a, "undefine", "has been undefined");
}

int cmd_start(const cli_ctx *ctx, const args *a)
{
    return simple(ctx, a, "start", "started");
}

int cmd_destroy(const cli_ctx *ctx, const args *a)
{
    return simple(ctx, a, "destroy", "destroyed");
}

int cmd_autostart(const cli_ctx *ctx, const args *a)
{
    bool enable = !args_has(a, "disable");
    json_t *req = request_for("autostart", a->pos[0]);
    REQ_SET(bool, req, "enable", enable);
    _cleanup_free_ char *failed =
        xasprintf("failed to %smark network %s as autostarted", enable ? "" : "un", a->pos[0]);
    if (call_what(ctx, req, NULL, failed) < 0)
        return -1;
    cli_extra(ctx, "Network %s %s as autostarted\n", a->pos[0], enable ? "marked" : "unmarked");
    return 0;
}

int cmd_ping(const cli_ctx *ctx, const args *a)
{
    _cleanup_(json_decrefp) json_t *reply = NULL;
    if (call(ctx, proto_request("ping"), &reply) < 0)
        return -1;
    printf("vnetd %s is running\n", reply_str(reply, "version", "(unknown version)"));
    return 0;
}

int cmd_list(const cli_ctx *ctx, const args *a)
{
    if (args_has(a, "table") + args_has(a, "name") + args_has(a, "uuid") > 1)
        return cli_error("Only one argument from --table, --name and --uuid may be specified.");
    output_list_opts o = {
        .all = args_has(a, "all"),
        .inactive = args_has(a, "inactive"),
        .persistent = args_has(a, "persistent"),
        .transient = args_has(a, "transient"),
        .autostart = args_has(a, "autostart"),
        .no_autostart = args_has(a, "no-autostart"),
        .name = args_has(a, "name"),
        .uuid = args_has(a, "uuid"),
        .title = args_has(a, "title"),
    };
    bool json = args_has(a, "json");
    _cleanup_(json_decrefp) json_t *reply = NULL;
    json_t *req = proto_request("list");
    if (!json) /* a row per network, what the table shows: with 1,000 networks,
                  reading summaries was most of the command's time */
        REQ_SET(bool, req, "rows", true);
    if (call(ctx, req, &reply) < 0)
        return -1;
    if (json) {
        _cleanup_(json_decrefp) json_t *nets =
            output_list_filter(json_object_get(reply, "networks"), &o);
        print_json(nets);
        return 0;
    }
    json_t *rows = json_object_get(reply, "rows");
    _cleanup_free_ char *text = output_list(rows ? rows : json_object_get(reply, "networks"), &o);
    fputs(text, stdout);
    cli_warn_problems(json_object_get(reply, "problems"));
    return 0;
}

int cmd_info(const cli_ctx *ctx, const args *a)
{
    _cleanup_(json_decrefp) json_t *reply = NULL;
    if (call(ctx, request_for("info", a->pos[0]), &reply) < 0)
        return -1;
    json_t *net = json_object_get(reply, "network");
    if (!json_is_object(net))
        return cli_error("the daemon's reply to 'info' has no network object");
    if (args_has(a, "json")) {
        print_json(net);
        return 0;
    }
    _cleanup_free_ char *text = output_info(net);
    fputs(text, stdout);
    /* net-info prints virsh's lines only (scripts parse them); vnet's own
     * name adds the details */
    if (!ctx->invoked_as || strncmp(ctx->invoked_as, "net-", 4) != 0) {
        _cleanup_free_ char *more = output_info_details(net);
        fputs(more, stdout);
    }
    cli_warn_problem(net);
    return 0;
}

int cmd_dumpxml(const cli_ctx *ctx, const args *a)
{
    const char *xpath = args_get(a, "xpath");
    if (args_has(a, "wrap") && !xpath)
        return cli_error("option --wrap requires option --xpath");
#ifdef VNET_CLI_LEAN
    if (xpath) /* XPath is libxml2's: the full client asks and selects */
        return cli_run_full();
#endif
    json_t *req = request_for("dumpxml", a->pos[0]);
    REQ_SET(bool, req, "inactive", args_has(a, "inactive"));
    _cleanup_(json_decrefp) json_t *reply = NULL;
    if (call(ctx, req, &reply) < 0)
        return -1;
    const char *xml = reply_str(reply, "xml", "");
#ifndef VNET_CLI_LEAN
    if (xpath) {
        _cleanup_free_ char *out = NULL;
        verr err = VERR_INIT;
        if (xpath_select(xml, xpath, args_has(a, "wrap"), &out, &err) < 0)
            return cli_error("%s", err.msg);
        fputs(out, stdout);
        return 0;
    }
#endif
    print_text(xml);
    return 0;
}

int cmd_dhcp_leases(const cli_ctx *ctx, const args *a)
{
    const char *mac = args_get(a, "mac"); /* --mac MAC or the second argument */
    uint8_t bytes[6];
    char norm[18];
    if (mac && vnet_mac_parse(mac, bytes) < 0)
        return cli_error("invalid MAC address '%s' (expected aa:bb:cc:dd:ee:ff)", mac);
    json_t *req = request_for("dhcp-leases", a->pos[0]);
    if (mac)
        REQ_SET(str, req, "mac", vnet_mac_str(bytes, norm));
    _cleanup_(json_decrefp) json_t *reply = NULL;
    if (call(ctx, req, &reply) < 0)
        return -1;
    json_t *leases = json_object_get(reply, "leases");
    if (args_has(a, "json")) {
        _cleanup_(json_decrefp) json_t *sel = output_leases_select(leases, mac ? norm : NULL);
        print_json(sel);
        return 0;
    }
    _cleanup_free_ char *text = output_leases(leases, mac ? norm : NULL);
    fputs(text, stdout);
    return 0;
}

/* uuid NAME and name UUID: the lookup op answers both. */
static int lookup(const cli_ctx *ctx, const char *key, const char *value, const char *want)
{
    json_t *req = proto_request("lookup");
    REQ_SET(str, req, key, value);
    _cleanup_(json_decrefp) json_t *reply = NULL;
    if (call(ctx, req, &reply) < 0)
        return -1;
    const char *v = reply_str(reply, want, NULL);
    if (!v)
        return cli_error("the daemon's reply to 'lookup' has no %s", want);
    printf("%s\n", v);
    return 0;
}

int cmd_uuid(const cli_ctx *ctx, const args *a)
{
    return lookup(ctx, "name", a->pos[0], "uuid");
}

int cmd_name(const cli_ctx *ctx, const args *a)
{
    uint8_t raw[16];
    if (netdef_uuid_parse(a->pos[0], raw) < 0) {
        cli_error("failed to get network '%s'", a->pos[0]);
        return cli_error("'%s' is not a valid UUID", a->pos[0]);
    }
    return lookup(ctx, "uuid", a->pos[0], "name");
}

/* Canonical protocol name for an update command ("add" is "add-last"). */
static const char *update_command(const char *s)
{
    static const char *names[] = {
        [NETDEF_UPDATE_ADD_LAST] = "add-last",
        [NETDEF_UPDATE_ADD_FIRST] = "add-first",
        [NETDEF_UPDATE_DELETE] = "delete",
        [NETDEF_UPDATE_MODIFY] = "modify",
    };
    int c = netdef_update_cmd_from_string(s);
    return c >= 0 && (size_t)c < ARRAY_SIZE(names) ? names[c] : NULL;
}

static int parse_parent_index(const char *s, long *ret)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : -1;
    if (s && (errno || end == s || *end || v < -1 || v > 65535))
        return cli_error("--parent-index '%s': expected a number >= 0 (or -1 for the first "
                         "matching <ip>)",
                         s);
    *ret = v;
    return 0;
}

/* What an update touched, in virsh's words. The daemon's reply says which
 * parts it changed (it resolves "current"); without that, ask for the state. */
static const char *update_affected(const cli_ctx *ctx, const char *name, json_t *reply, bool live,
                                   bool config)
{
    json_t *rl = json_object_get(reply, "live"), *rc = json_object_get(reply, "config");
    if (json_is_boolean(rl) && json_is_boolean(rc) && (json_is_true(rl) || json_is_true(rc))) {
        live = json_is_true(rl);
        config = json_is_true(rc);
    }
    if (config)
        return live ? "persistent config and live state" : "persistent config";
    if (live)
        return "live state";
    _cleanup_(json_decrefp) json_t *info = NULL;
    verr err = VERR_INIT;
    json_t *req = request_for("info", name);
    int r = proto_call(ctx->socket_path, req, &info, &err);
    json_decref(req);
    json_t *net = r == 0 ? json_object_get(info, "network") : NULL;
    return json_is_true(json_object_get(net, "active")) ? "live state" : "persistent config";
}

int cmd_update(const cli_ctx *ctx, const args *a)
{
    const char *name = a->pos[0], *cmd = update_command(a->pos[1]), *what = a->pos[3];
    if (!cmd) {
        cli_error("unrecognized command name '%s'", a->pos[1]); /* virsh's line, then a hint */
        fputs("The commands are add (= add-last), add-first, delete and modify.\n", stderr);
        return -1;
    }
    if (netdef_section_from_string(a->pos[2]) < 0) {
        cli_error("unrecognized section name '%s'", a->pos[2]);
        fputs("See 'vnet update --help' for the sections.\n", stderr);
        return -1;
    }
    long parent = -1;
    if (parse_parent_index(args_get(a, "parent-index"), &parent) < 0)
        return -1;
    _cleanup_free_ char *xml = NULL;
    if (what[0] == '<')
        xml = xstrdup(what);
#ifdef VNET_CLI_LEAN
    else /* a file, in any encoding: read by the full client */
        return cli_run_full();
#else
    else if (cli_read_input(what, &xml) < 0)
        return -1;
#endif
    bool live = args_has(a, "live"), config = args_has(a, "config");
    json_t *req = request_for("update", name);
    REQ_SET(str, req, "command", cmd);
    REQ_SET(str, req, "section", a->pos[2]);
    REQ_SET(str, req, "xml", xml);
    REQ_SET(int, req, "parent_index", parent);
    REQ_SET(bool, req, "live", live);
    REQ_SET(bool, req, "config", config);
    _cleanup_(json_decrefp) json_t *reply = NULL;
    _cleanup_free_ char *failed = xasprintf("Failed to update network %s", name);
    if (call_what(ctx, req, &reply, failed) < 0)
        return -1;
    /* no newline: virsh ends this line with the empty line it prints after
     * every command */
    cli_extra(ctx, "Updated network %s %s", name, update_affected(ctx, name, reply, live, config));
    return 0;
}

static void set_addr(json_t **req, const char *key, const vnet_addr *addr)
{
    char buf[VNET_ADDR_STRLEN];
    REQ_SET(str, *req, key, vnet_addr_str(addr, buf));
}

/* Common part of forward-add/del: checked arguments into a request. */
static json_t *forward_request(const char *op, const args *a, const args_forward *f)
{
    json_t *req = request_for(op, a->pos[0]);
    REQ_SET(str, req, "proto", f->proto);
    REQ_SET(int, req, "port", f->host.start);
    if (f->has_address)
        set_addr(&req, "address", &f->address);
    return req;
}

int cmd_forward_add(const cli_ctx *ctx, const args *a)
{
    args_forward f;
    verr err = VERR_INIT;
    const char *to = args_get(a, "to");
    if (!to)
        return cli_error("missing --to GUESTADDR[:PORT[-END]]");
    if (args_parse_forward(args_get(a, "proto"), args_get(a, "port"), to, args_get(a, "address"),
                           &f, &err) < 0)
        return cli_error("%s", err.msg);
    json_t *req = forward_request("forward-add", a, &f);
    if (f.host.end != f.host.start)
        REQ_SET(int, req, "port_end", f.host.end);
    set_addr(&req, "to_addr", &f.target.addr);
    if (f.target.has_ports)
        REQ_SET(int, req, "to_port", f.target.ports.start);
    if (call(ctx, req, NULL) < 0)
        return -1;
    printf("Forward %s %s -> %s added to network %s\n", f.proto, args_get(a, "port"), to,
           a->pos[0]);
    return 0;
}

int cmd_forward_del(const cli_ctx *ctx, const args *a)
{
    args_forward f;
    verr err = VERR_INIT;
    if (args_parse_forward(args_get(a, "proto"), args_get(a, "port"), NULL, args_get(a, "address"),
                           &f, &err) < 0)
        return cli_error("%s", err.msg);
    if (call(ctx, forward_request("forward-del", a, &f), NULL) < 0)
        return -1;
    printf("Forward %s %s removed from network %s\n", f.proto, args_get(a, "port"), a->pos[0]);
    return 0;
}

int cmd_forward_list(const cli_ctx *ctx, const args *a)
{
    _cleanup_(json_decrefp) json_t *reply = NULL;
    if (call(ctx, request_for("forward-list", a->pos[0]), &reply) < 0)
        return -1;
    json_t *fwds = json_object_get(reply, "forwards");
    if (!json_is_array(fwds))
        return cli_error("the daemon's reply to 'forward-list' has no forwards array");
    if (args_has(a, "json")) {
        print_json(fwds);
        return 0;
    }
    _cleanup_free_ char *text = output_forwards(fwds);
    fputs(text, stdout);
    return 0;
}

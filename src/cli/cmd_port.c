/* vnet port-list / port-create / port-dumpxml / port-delete (virsh's
 * net-port-*): a network's ports, as libvirt's VM driver creates them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/table.h"
#include "conf/netdef.h"
#include "proto/proto.h"
#include "proto/proto_ops.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

/* One round trip; prints the error. The reply (ok) goes to *ret_reply. */
static int port_call(const cli_ctx *ctx, json_t *req, json_t **ret_reply)
{
    verr err = VERR_INIT;
    if (!req)
        return -1; /* refused while being built, already reported */
    int r = proto_call(ctx->socket_path, req, ret_reply, &err);
    json_decref(req);
    return r < 0 ? cli_error("%s", err.msg) : 0;
}

/* A request built through the protocol's field table; NULL (reported) when
 * the table refuses a field. */
static json_t *port_request(const char *op, const char *net, const char *uuid)
{
    json_t *req = proto_request(op);
    verr err = VERR_INIT;
    if (proto_set_str(req, "name", net, &err) < 0 ||
        (uuid && proto_set_str(req, "uuid", uuid, &err) < 0)) {
        cli_error("%s", err.msg);
        json_decref(req);
        return NULL;
    }
    return req;
}

int cmd_port_list(const cli_ctx *ctx, const args *a)
{
    _cleanup_(json_decrefp) json_t *reply = NULL;
    if (port_call(ctx, port_request("port-list", a->pos[0], NULL), &reply) < 0)
        return -1;
    json_t *ports = json_object_get(reply, "ports");
    if (args_has(a, "json")) {
        _cleanup_free_ char *s = output_json(ports);
        fputs(s, stdout);
        return 0;
    }
    static const char *const headers[] = {"UUID"};
    _cleanup_(table_freep) table *t = table_new(1, headers);
    size_t i;
    json_t *p;
    json_array_foreach(ports, i, p)
    {
        const char *cells[] = {json_string_value(json_object_get(p, "uuid"))};
        table_add_row(t, cells);
    }
    _cleanup_free_ char *text = table_format(t, 1);
    fputs(text, stdout);
    return 0;
}

static int read_file(const char *path, char **ret)
{
    _cleanup_fclose_ FILE *f = streq(path, "-") ? NULL : fopen(path, "re");
    FILE *in = streq(path, "-") ? stdin : f;
    if (!in)
        return cli_error("cannot read '%s': %s", path, strerror(errno));
    strbuf b = STRBUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
        strbuf_addn(&b, chunk, n);
    if (ferror(in)) {
        strbuf_free(&b);
        return cli_error("cannot read '%s': %s", path, strerror(errno));
    }
    *ret = strbuf_take(&b);
    return 0;
}

int cmd_port_create(const cli_ctx *ctx, const args *a)
{
    _cleanup_free_ char *xml = NULL;
    if (read_file(a->pos[1], &xml) < 0)
        return -1;
    json_t *req = port_request("port-create", a->pos[0], NULL);
    verr err = VERR_INIT;
    if (req && (proto_set_str(req, "xml", xml, &err) < 0 ||
                proto_set_str(req, "source", a->pos[1], &err) < 0)) {
        json_decref(req);
        return cli_error("%s", err.msg);
    }
    _cleanup_(json_decrefp) json_t *reply = NULL;
    if (port_call(ctx, req, &reply) < 0)
        return -1;
    printf("Network port %s created from %s\n", json_string_value(json_object_get(reply, "uuid")),
           a->pos[1]);
    return 0;
}

int cmd_port_dumpxml(const cli_ctx *ctx, const args *a)
{
    _cleanup_(json_decrefp) json_t *reply = NULL;
    if (port_call(ctx, port_request("port-dumpxml", a->pos[0], a->pos[1]), &reply) < 0)
        return -1;
    fputs(json_string_value(json_object_get(reply, "xml")), stdout);
    return 0;
}

int cmd_port_delete(const cli_ctx *ctx, const args *a)
{
    _cleanup_(json_decrefp) json_t *reply = NULL;
    if (port_call(ctx, port_request("port-delete", a->pos[0], a->pos[1]), &reply) < 0)
        return -1;
    printf("Network port %s deleted\n", a->pos[1]);
    return 0;
}

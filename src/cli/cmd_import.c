/* vnet import-libvirt [DIR] [--dry-run]: define libvirt's saved networks
 * (DIR/NAME.xml, autostart links in DIR/autostart/) in vnet. Each one is
 * checked first against what vnet already has and what this run imported:
 * the name, a named bridge, and every IP subnet must be free. The daemon's
 * define then applies all of its own checks. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "conf/netdef.h"
#include "proto/proto.h"
#include "proto/proto_ops.h"
#include "store/store.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

#define LIBVIRT_NETWORKS_DIR "/etc/libvirt/qemu/networks"

typedef struct known {
    netdef **defs; /* vnet's networks, then the ones imported so far */
    size_t n;
} known;

static void known_free(known *k)
{
    for (size_t i = 0; i < k->n; i++)
        netdef_free(k->defs[i]);
    free(k->defs);
}

static json_t *op(const cli_ctx *ctx, json_t *req, verr *err)
{
    json_t *reply = NULL;
    if (!req)
        return NULL; /* refused while being built: err says why */
    int r = proto_call(ctx->socket_path, req, &reply, err);
    json_decref(req);
    return r < 0 ? NULL : reply;
}

/* Drops a request the protocol's field table refused (err says why). */
static json_t *req_drop(json_t *req)
{
    json_decref(req);
    return NULL;
}

static void known_add(known *k, netdef *def)
{
    *(netdef **)xarray_push(&k->defs, &k->n, sizeof(*k->defs)) = def;
}

/* vnet's current networks, as definitions. */
static int known_load(const cli_ctx *ctx, known *k)
{
    verr err = VERR_INIT;
    _cleanup_(json_decrefp) json_t *list = op(ctx, proto_request("list"), &err);
    if (!list)
        return cli_error("%s", err.msg);
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(list, "networks"), i, n)
    {
        json_t *req = proto_request("dumpxml");
        if (proto_set_str(req, "name", json_string_value(json_object_get(n, "name")), &err) < 0)
            req = req_drop(req);
        _cleanup_(json_decrefp) json_t *r = op(ctx, req, &err);
        netdef *def = NULL;
        const char *xml = json_string_value(json_object_get(r, "xml"));
        if (!xml || netdef_parse_string(xml, "<vnet>", &def, &err) < 0)
            return cli_error("reading vnet's network %s: %s",
                             json_string_value(json_object_get(n, "name")), err.msg);
        known_add(k, def);
    }
    return 0;
}

/* Why def cannot be imported beside the known networks, or NULL. */
static char *clash(const known *k, const netdef *def)
{
    char a1[64], a2[64];
    for (size_t i = 0; i < k->n; i++) {
        const netdef *o = k->defs[i];
        if (streq(o->name, def->name))
            return xasprintf("a network named '%s' already exists in vnet", def->name);
        if (def->bridge_name && o->bridge_name && streq(def->bridge_name, o->bridge_name))
            return xasprintf("bridge '%s' is already used by network '%s'", def->bridge_name,
                             o->name);
        for (size_t x = 0; x < def->n_ips; x++) {
            for (size_t y = 0; y < o->n_ips; y++) {
                const netdef_ip *p = &def->ips[x], *q = &o->ips[y];
                if (p->family != q->family ||
                    !vnet_subnet_overlap(&p->address, p->prefix, &q->address, q->prefix))
                    continue;
                return xasprintf("subnet %s/%u overlaps network '%s' (%s/%u)",
                                 vnet_addr_str(&p->address, a1), p->prefix, o->name,
                                 vnet_addr_str(&q->address, a2), q->prefix);
            }
        }
    }
    return NULL;
}

static int scan(const char *dir, char ***ret, size_t *ret_n)
{
    struct dirent **ents = NULL;
    int n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0)
        return cli_error("cannot read %s: %s", dir, strerror(errno));
    for (int i = 0; i < n; i++) {
        size_t l = strlen(ents[i]->d_name);
        if (l > 4 && streq(ents[i]->d_name + l - 4, ".xml"))
            *(char **)xarray_push(ret, ret_n, sizeof(char *)) =
                xasprintf("%s/%s", dir, ents[i]->d_name);
        free(ents[i]);
    }
    free(ents);
    return 0;
}

/* Define one file; returns 1 imported, 0 refused. */
static int import_one(const cli_ctx *ctx, const char *dir, const char *path, bool dry, known *k)
{
    verr err = VERR_INIT;
    netdef *def = NULL;
    if (netdef_parse_file(path, &def, &err) < 0) {
        printf("refused %s: %s\n", path, err.msg);
        return 0;
    }
    _cleanup_free_ char *why = clash(k, def);
    if (why) {
        printf("refused %s (network '%s'): %s\n", path, def->name, why);
        netdef_free(def);
        return 0;
    }
    _cleanup_free_ char *link = xasprintf("%s/autostart/%s.xml", dir, def->name);
    bool autostart = access(link, F_OK) == 0;
    const char *as = autostart ? ", autostart" : "";
    if (dry) {
        printf("would define network '%s' from %s%s\n", def->name, path, as);
        known_add(k, def);
        return 1;
    }
    _cleanup_free_ char *xml = NULL;
    size_t len;
    if (store_read_file(path, &xml, &len, &err) <= 0) {
        printf("refused %s: %s\n", path, verr_is_set(&err) ? err.msg : "file vanished");
        netdef_free(def);
        return 0;
    }
    json_t *req = proto_request("define");
    if (proto_set_str(req, "xml", xml, &err) < 0 || proto_set_str(req, "source", path, &err) < 0)
        req = req_drop(req);
    _cleanup_(json_decrefp) json_t *r = op(ctx, req, &err);
    if (r && autostart) {
        json_t *ar = proto_request("autostart");
        if (proto_set_str(ar, "name", def->name, &err) < 0 ||
            proto_set_bool(ar, "enable", true, &err) < 0)
            ar = req_drop(ar);
        json_decref(op(ctx, ar, &err));
    }
    if (!r || verr_is_set(&err)) {
        printf("refused %s (network '%s'): %s\n", path, def->name, err.msg);
        netdef_free(def);
        return 0;
    }
    printf("defined network '%s' from %s%s\n", def->name, path, as);
    known_add(k, def);
    return 1;
}

int cmd_import_libvirt(const cli_ctx *ctx, const args *a)
{
    const char *dir = a->n_pos > 0 ? a->pos[0] : LIBVIRT_NETWORKS_DIR;
    bool dry = args_has(a, "dry-run");
    known k = {0};
    char **files = NULL;
    size_t nf = 0, done = 0;
    int r = known_load(ctx, &k) < 0 || scan(dir, &files, &nf) < 0 ? -1 : 0;
    for (size_t i = 0; r == 0 && i < nf; i++)
        done += (size_t)import_one(ctx, dir, files[i], dry, &k);
    if (r == 0)
        printf("%s: %zu network(s) %s, %zu refused\n", dir, done,
               dry ? "would be defined" : "defined", nf - done);
    for (size_t i = 0; i < nf; i++)
        free(files[i]);
    free(files);
    known_free(&k);
    if (r == 0 && done < nf)
        return -1; /* the refusals are printed above */
    return r;
}

/* The applier: scripts go to the kernel through libnftables. One
 * nft_run_cmd_from_buffer call is one netlink batch, so a script is applied
 * entirely or not at all. nft's own error text becomes the error message.
 */
#include <errno.h>
#include <nftables/libnftables.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "firewall/firewall.h"
#include "firewall/fw_internal.h"
#include "util/cleanup.h"
#include "util/nlsock.h"

/* libnftables contexts are long-lived, one per output kind: text, JSON, and
 * stateless JSON (no counter values: what the reconciler compares). Creating
 * a context is cheap, but freeing one closes its netlink socket, and after a
 * committed batch the kernel takes 3-30 ms to release it: several times the
 * cost of a whole network start. They live in a fw_handles set: the
 * daemon's own (fw_use_handles), or the process-wide default. */
static fw_handles *fw_used;
static fw_handles *fw_default;

fw_handles *fw_handles_new(void)
{
    fw_handles *h = xcalloc(1, sizeof(*h));
    h->nfnl = nlsock_new(NETLINK_NETFILTER);
    return h;
}

void fw_handles_free(fw_handles *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < ARRAY_SIZE(h->ctx); i++)
        if (h->ctx[i])
            nft_ctx_free(h->ctx[i]);
    nlsock_free(h->nfnl);
    fw_nftnl_sock_free(h->nftnl);
    free(h);
}

void fw_use_handles(fw_handles *h)
{
    fw_used = h;
}

fw_handles *fw_handles_current(void)
{
    if (fw_used)
        return fw_used;
    if (!fw_default)
        fw_default = fw_handles_new();
    return fw_default;
}

static struct nft_ctx *nft_context(fw_output kind, verr *err)
{
    struct nft_ctx **slot = &fw_handles_current()->ctx[kind];
    if (*slot)
        return *slot;
    struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!ctx) {
        verr_set(err, VERR_SYSTEM, "nftables: cannot create a libnftables context");
        return NULL;
    }
    if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0) {
        nft_ctx_free(ctx);
        verr_set(err, VERR_SYSTEM, "nftables: cannot buffer libnftables output");
        return NULL;
    }
    unsigned flags = nft_ctx_output_get_flags(ctx);
    if (kind != FW_OUT_TEXT)
        flags |= NFT_CTX_OUTPUT_JSON;
    if (kind == FW_OUT_JSON_STATELESS)
        flags |= NFT_CTX_OUTPUT_STATELESS;
    nft_ctx_output_set_flags(ctx, flags);
    *slot = ctx;
    return ctx;
}

/* The libnftables context of the private namespace (fw_nftnl.c). */
static struct nft_ctx *scratch_ctx;

void fw_close(void)
{
    fw_nftnl_close();
    if (scratch_ctx)
        nft_ctx_free(scratch_ctx);
    scratch_ctx = NULL;
    fw_handles_free(fw_default);
    fw_default = NULL;
}

/* Copy nft's error buffer into err, trimmed, prefixed with `what`; every
 * occurrence of `path` (the script's memfd) is shown as "script". */
static int nft_error(struct nft_ctx *ctx, const char *what, const char *path, verr *err)
{
    const char *text = nft_ctx_get_error_buffer(ctx);
    if (!text || !*text)
        return verr_set(err, VERR_SYSTEM, "nftables: %s failed", what);
    strbuf b = STRBUF_INIT;
    size_t plen = path ? strlen(path) : 0;
    for (const char *s = text; *s;) {
        if (plen && strncmp(s, path, plen) == 0) {
            strbuf_add(&b, "script");
            s += plen;
        } else {
            strbuf_addc(&b, *s++);
        }
    }
    size_t n = b.len;
    while (n > 0 && (b.s[n - 1] == '\n' || b.s[n - 1] == ' '))
        n--;
    verr_set(err, VERR_SYSTEM, "nftables: %s failed: %.*s", what, (int)n, b.s);
    strbuf_free(&b);
    return -1;
}

/* nft 1.0.6 shows the wrong source line in errors for multi-line buffers, so
 * scripts go in through a memfd and nft_run_cmd_from_filename (still one
 * batch); its errors then name the right line. */
static int run_nft_script(struct nft_ctx *ctx, const char *script, const char *what, verr *err)
{
    _cleanup_close_ int fd = memfd_create("vnet-nft", MFD_CLOEXEC);
    if (fd < 0)
        return verr_errno(err, errno, "nftables: %s: memfd_create", what);
    size_t len = strlen(script);
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, script + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return verr_errno(err, errno, "nftables: %s: writing the script", what);
        off += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    if (nft_run_cmd_from_filename(ctx, path) != 0)
        return nft_error(ctx, what, path, err);
    return 0;
}

/* Run `cmd`; on success *ret_out (if given) gets nft's output text. A
 * multi-line `cmd` is a script (see run_nft_script). */
int fw_run_nft(const char *cmd, fw_output kind, const char *what, char **ret_out, verr *err)
{
    struct nft_ctx *ctx = nft_context(kind, err);
    if (!ctx)
        return -1;
    int r = 0;
    if (strchr(cmd, '\n'))
        r = run_nft_script(ctx, cmd, what, err);
    else if (nft_run_cmd_from_buffer(ctx, cmd) != 0)
        r = nft_error(ctx, what, NULL, err);
    /* Reading a buffer rewinds it: drain both so the next command starts clean. */
    const char *out = nft_ctx_get_output_buffer(ctx);
    nft_ctx_get_error_buffer(ctx);
    if (r == 0 && ret_out)
        *ret_out = xstrdup(out ? out : "");
    return r;
}

int fw_apply(const char *script, verr *err)
{
    return fw_run_nft(script, FW_OUT_TEXT, "applying the ruleset", NULL, err);
}

int fw_list_table(const netdef *def, char **ret_text, verr *err)
{
    char table[FW_TABLE_NAME_MAX];
    if (!def->bridge_name)
        return verr_set(err, VERR_INVALID, "network '%s' has no bridge name", def->name);
    _cleanup_free_ char *cmd =
        xasprintf("list table inet %s", fw_table_name(def, table, sizeof(table)));
    return fw_run_nft(cmd, FW_OUT_TEXT, "listing the network's table", ret_text, err);
}

int fw_list_table_json(const netdef *def, char **ret_json, verr *err)
{
    char table[FW_TABLE_NAME_MAX];
    if (!def->bridge_name)
        return verr_set(err, VERR_INVALID, "network '%s' has no bridge name", def->name);
    _cleanup_free_ char *cmd =
        xasprintf("list table inet %s", fw_table_name(def, table, sizeof(table)));
    return fw_run_nft(cmd, FW_OUT_JSON, "listing the network's table", ret_json, err);
}

/* Called by fw_nftnl.c while this process is in its private namespace: the
 * context's netlink socket (made at its first command) must be made there. */
int fw_scratch_ctx_init(verr *err)
{
    if (scratch_ctx)
        return 0;
    struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!ctx)
        return verr_set(err, VERR_SYSTEM, "nftables: cannot create a libnftables context");
    if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0) {
        nft_ctx_free(ctx);
        return verr_set(err, VERR_SYSTEM, "nftables: cannot buffer libnftables output");
    }
    scratch_ctx = ctx;
    return 0;
}

int fw_scratch_apply(const char *script, verr *err)
{
    if (!scratch_ctx)
        return verr_set(err, VERR_INTERNAL, "nftables: no private namespace context");
    int r = run_nft_script(scratch_ctx, script, "applying the ruleset", err);
    nft_ctx_get_output_buffer(scratch_ctx);
    nft_ctx_get_error_buffer(scratch_ctx);
    return r;
}

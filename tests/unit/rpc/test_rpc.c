/* rpc/: framing limits, header decoding, every client message of libvirt's
 * golden conversations decoded with its procedure's layout, the error layout
 * read back, and malformed bodies refused. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/rpc.h"
#include "tests/unit/testlib.h"

static void put32(uint8_t *p, uint32_t v)
{
    v = htonl(v);
    memcpy(p, &v, 4);
}

static void test_frame_length(void)
{
    uint8_t w[4];
    put32(w, 28);
    CHECK(rpc_frame_length(w) == 28);
    put32(w, 27);
    CHECK(rpc_frame_length(w) == -1);
    put32(w, 3);
    CHECK(rpc_frame_length(w) == -1);
    put32(w, RPC_MESSAGE_MAX);
    CHECK(rpc_frame_length(w) == RPC_MESSAGE_MAX);
    put32(w, 100u * 1024 * 1024);
    CHECK(rpc_frame_length(w) == -1);
}

/* A message as libvirt sends it: lookup-by-name "default", serial 7. */
static size_t lookup_msg(uint8_t *m)
{
    static const uint8_t body[] = {0, 0, 0, 7, 'd', 'e', 'f', 'a', 'u', 'l', 't', 0};
    put32(m, 28 + sizeof(body));
    put32(m + 4, RPC_PROGRAM_REMOTE);
    put32(m + 8, 1);
    put32(m + 12, 46);
    put32(m + 16, RPC_CALL);
    put32(m + 20, 7);
    put32(m + 24, RPC_OK);
    memcpy(m + 28, body, sizeof(body));
    return 28 + sizeof(body);
}

static void test_header_and_args(void)
{
    uint8_t m[64];
    size_t n = lookup_msg(m);
    rpc_header h;
    CHECK(rpc_header_decode(m, n, &h) == 0);
    CHECK(h.prog == RPC_PROGRAM_REMOTE && h.proc == 46 && h.serial == 7 && h.type == RPC_CALL);
    CHECK(rpc_header_decode(m, 20, &h) < 0);
    const rpc_proc_info *p = rpc_proc_find(46);
    CHECK(p && p->args == RPC_ARGS_NAME && p->read_only);
    CHECK(rpc_proc_find(999) == NULL);
    rpc_args a;
    CHECK(rpc_args_decode(p->args, m + 28, n - 28, &a));
    CHECK_STR(a.str, "default");
    rpc_args_free(&a);
    /* truncated, trailing bytes, a string longer than the body */
    CHECK(!rpc_args_decode(p->args, m + 28, n - 29, &a));
    rpc_args_free(&a);
    uint8_t longer[20] = {0};
    memcpy(longer, m + 28, 12);
    CHECK(!rpc_args_decode(p->args, longer, 16, &a));
    rpc_args_free(&a);
    uint8_t huge[8];
    put32(huge, 0x7fffffff);
    CHECK(!rpc_args_decode(p->args, huge, 8, &a));
    rpc_args_free(&a);
}

static void test_params(void)
{
    /* 2 params: "a" uint 5, "b" string "x"; then flags 0 */
    uint8_t b[64], *p = b;
    put32(p, 2), p += 4;
    put32(p, 1), p += 4, memcpy(p, "a\0\0\0", 4), p += 4, put32(p, RPC_PARAM_UINT), p += 4;
    put32(p, 5), p += 4;
    put32(p, 1), p += 4, memcpy(p, "b\0\0\0", 4), p += 4, put32(p, RPC_PARAM_STRING), p += 4;
    put32(p, 1), p += 4, memcpy(p, "x\0\0\0", 4), p += 4;
    put32(p, 0), p += 4;
    rpc_args a;
    CHECK(rpc_args_decode(RPC_ARGS_PARAMS, b, (size_t)(p - b), &a));
    CHECK(a.n_params == 2 && a.params[0].v.ui == 5 && a.params[1].type == RPC_PARAM_STRING);
    CHECK_STR(a.params[1].v.s, "x");
    rpc_args_free(&a);
    put32(b, 100000); /* more parameters than allowed */
    CHECK(!rpc_args_decode(RPC_ARGS_PARAMS, b, (size_t)(p - b), &a));
    rpc_args_free(&a);
}

static bool decode_error(const uint8_t *body, size_t len, int *code, int *domain, char **msg)
{
    XDR x;
    xdrmem_create(&x, (char *)body, (u_int)len, XDR_DECODE);
    int32_t c, d;
    bool ok = xdr_int(&x, &c) && xdr_int(&x, &d) && rpc_xdr_string_opt(&x, msg);
    xdr_destroy(&x);
    *code = c;
    *domain = d;
    return ok;
}

static void test_error_round_trip(void)
{
    rpc_error e = {RPC_ERR_NO_NETWORK, RPC_FROM_NETWORK,
                   (char *)"Network not found: no network with matching name 'x'"};
    rpc_header h = {RPC_PROGRAM_REMOTE, 1, 46, RPC_REPLY, 3, RPC_ERROR};
    size_t len;
    uint8_t *m = rpc_message_build(&h, rpc_xdr_error, &e, &len);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK(rpc_frame_length(m) == (int64_t)len);
    rpc_header got;
    CHECK(rpc_header_decode(m, len, &got) == 0 && got.status == RPC_ERROR && got.serial == 3);
    int code, domain;
    char *msg = NULL;
    CHECK(decode_error(m + 28, len - 28, &code, &domain, &msg));
    CHECK(code == 43 && domain == 19);
    CHECK_STR(msg, e.message);
    free(msg);
    free(m);
}

/* Every client call of the golden conversations decodes with its layout. */
static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void test_golden(const char *dir)
{
    static const char *const names[] = {"net-list",
                                        "net-define",
                                        "net-start",
                                        "net-info",
                                        "net-dumpxml-inactive",
                                        "net-autostart",
                                        "net-dhcp-leases",
                                        "net-update",
                                        "net-name",
                                        "net-port-list",
                                        "py-port-create-delete",
                                        "py-events",
                                        "net-undefine",
                                        "net-start-missing",
                                        "net-define-bad"};
    int calls = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s.hex", dir, names[i]);
        FILE *f = fopen(path, "r");
        CHECK(f != NULL);
        if (!f)
            continue;
        char line[65536];
        bool client = false;
        while (fgets(line, sizeof(line), f)) {
            if (line[0] == '>' || line[0] == '<') {
                client = line[0] == '>';
                continue;
            }
            if (!client)
                continue;
            uint8_t buf[32768];
            size_t n = 0;
            for (char *p = line; *p && n < sizeof(buf); p++) {
                int hi = hexval(p[0]), lo = hi >= 0 ? hexval(p[1]) : -1;
                if (hi >= 0 && lo >= 0) {
                    buf[n++] = (uint8_t)(hi * 16 + lo);
                    p++;
                }
            }
            for (size_t off = 0; off + 4 <= n;) {
                int64_t total = rpc_frame_length(buf + off);
                CHECK(total > 0 && off + (size_t)total <= n);
                if (total <= 0 || off + (size_t)total > n)
                    break;
                rpc_header h;
                CHECK(rpc_header_decode(buf + off, (size_t)total, &h) == 0);
                const rpc_proc_info *p = rpc_proc_find(h.proc);
                if (!p)
                    fprintf(stderr, "%s: procedure %d unknown\n", names[i], h.proc);
                CHECK(p != NULL);
                rpc_args a;
                bool ok = p && rpc_args_decode(p->args, buf + off + 28, (size_t)total - 28, &a);
                if (p && !ok)
                    fprintf(stderr, "%s: procedure %d does not decode\n", names[i], h.proc);
                CHECK(ok);
                if (p)
                    rpc_args_free(&a);
                calls++;
                off += (size_t)total;
            }
        }
        fclose(f);
    }
    CHECK(calls > 100);
}

int main(int argc, char **argv)
{
    test_frame_length();
    test_header_and_args();
    test_params();
    test_error_round_trip();
    if (argc > 1)
        test_golden(argv[1]);
    return testlib_done("rpc");
}

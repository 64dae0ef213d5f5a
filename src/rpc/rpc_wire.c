/* Framing: the length word, the header, building outgoing messages, and the
 * remote_error body of error replies. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/rpc.h"

int64_t rpc_frame_length(const uint8_t len_word[RPC_LEN_SIZE])
{
    uint32_t n;
    memcpy(&n, len_word, sizeof(n));
    n = ntohl(n);
    if (n < RPC_LEN_SIZE + RPC_HEADER_SIZE || n > RPC_MESSAGE_MAX)
        return -1;
    return n;
}

static bool xdr_header(XDR *x, rpc_header *h)
{
    return xdr_u_int(x, &h->prog) && xdr_u_int(x, &h->vers) && xdr_int(x, &h->proc) &&
           xdr_u_int(x, &h->type) && xdr_u_int(x, &h->serial) && xdr_u_int(x, &h->status);
}

int rpc_header_decode(const uint8_t *msg, size_t len, rpc_header *ret)
{
    if (len < RPC_LEN_SIZE + RPC_HEADER_SIZE)
        return -1;
    XDR x;
    xdrmem_create(&x, (char *)msg + RPC_LEN_SIZE, RPC_HEADER_SIZE, XDR_DECODE);
    bool ok = xdr_header(&x, ret);
    xdr_destroy(&x);
    return ok ? 0 : -1;
}

/* Encode into buf (cap bytes); returns the total length or 0 when it does not fit. */
static size_t build_into(uint8_t *buf, size_t cap, const rpc_header *hdr, rpc_body_fn body,
                         const void *arg)
{
    XDR x;
    xdrmem_create(&x, (char *)buf, (u_int)cap, XDR_ENCODE);
    uint32_t len = 0;
    rpc_header h = *hdr;
    bool ok = xdr_u_int(&x, &len) && xdr_header(&x, &h) && (!body || body(&x, arg));
    size_t total = ok ? XDR_GETPOS(&x) : 0;
    if (ok) {
        len = (uint32_t)total;
        XDR_SETPOS(&x, 0);
        ok = xdr_u_int(&x, &len);
    }
    xdr_destroy(&x);
    return ok ? total : 0;
}

uint8_t *rpc_message_build(const rpc_header *hdr, rpc_body_fn body, const void *arg,
                           size_t *ret_len)
{
    for (size_t cap = 4096; cap <= RPC_MESSAGE_MAX; cap *= 4) {
        if (cap * 4 > RPC_MESSAGE_MAX && cap < RPC_MESSAGE_MAX)
            cap = RPC_MESSAGE_MAX;
        uint8_t *buf = malloc(cap);
        if (!buf)
            return NULL;
        size_t n = build_into(buf, cap, hdr, body, arg);
        if (n > 0) {
            *ret_len = n;
            return buf;
        }
        free(buf);
        if (cap == RPC_MESSAGE_MAX)
            break;
    }
    return NULL;
}

/* remote_error: code, domain, message (string_opt), level, dom (null),
 * str1, str2, str3 (string_opt), int1, int2, net (null). */
bool rpc_xdr_error(XDR *x, const void *arg)
{
    const rpc_error *e = arg;
    int32_t code = e->code, domain = e->domain, level = 2 /* VIR_ERR_ERROR */;
    int32_t none = -1;
    char *msg = e->message, *nul = NULL;
    rpc_network *nonet = NULL;
    bool_t absent = FALSE;
    return xdr_int(x, &code) && xdr_int(x, &domain) && rpc_xdr_string_opt(x, &msg) &&
           xdr_int(x, &level) && xdr_bool(x, &absent) && rpc_xdr_string_opt(x, &msg) &&
           rpc_xdr_string_opt(x, &nul) && rpc_xdr_string_opt(x, &nul) && xdr_int(x, &none) &&
           xdr_int(x, &none) && rpc_xdr_network_opt(x, &nonet);
}

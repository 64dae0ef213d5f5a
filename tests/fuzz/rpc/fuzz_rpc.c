/* libFuzzer target for the libvirt RPC decoder: the input is a byte stream as
 * a client would send it. Each framed message's header is decoded and its
 * body decoded with the layout of its procedure (and, for coverage, with every
 * other layout); nothing may crash, leak or read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rpc/rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode_body(const rpc_header *h, const uint8_t *body, size_t len)
{
    rpc_args a;
    const rpc_proc_info *p = rpc_proc_find(h->proc);
    if (p) {
        rpc_args_decode(p->args, body, len, &a);
        rpc_args_free(&a);
    }
    for (int layout = RPC_ARGS_NONE; layout <= RPC_ARGS_MD_SET; layout++) {
        rpc_args_decode((rpc_args_layout)layout, body, len, &a);
        rpc_args_free(&a);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    while (size >= RPC_LEN_SIZE) {
        int64_t total = rpc_frame_length(data);
        if (total < 0 || (size_t)total > size)
            return 0; /* the server closes the connection here */
        rpc_header h;
        if (rpc_header_decode(data, (size_t)total, &h) == 0)
            decode_body(&h, data + RPC_LEN_SIZE + RPC_HEADER_SIZE,
                        (size_t)total - RPC_LEN_SIZE - RPC_HEADER_SIZE);
        data += total;
        size -= (size_t)total;
    }
    return 0;
}

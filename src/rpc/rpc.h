/* libvirt's RPC protocol (the wire side only): framing, the message header,
 * the XDR encodings of the network-driver procedures, and libvirt's error
 * layout. Pure data in, data out: no sockets, no daemon state, no logging.
 *
 * A message on the wire is a 4-byte big-endian length (counting itself), the
 * header as six XDR ints {program, version, procedure, type, serial, status}
 * and the body. Numbers and layouts are public facts of libvirt's protocol
 * (remote_protocol.x, virnetprotocol.x); the definitions here are vnet's own.
 * Everything is encoded and decoded with libtirpc's xdr_* primitives.
 */
#pragma once

#include <rpc/types.h>
#include <rpc/xdr.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RPC_PROGRAM_REMOTE 0x20008086u
#define RPC_PROGRAM_KEEPALIVE 0x6b656570u
#define RPC_VERSION 1u

#define RPC_LEN_SIZE 4
#define RPC_HEADER_SIZE 24
/* libvirt's VIR_NET_MESSAGE_MAX (16 MiB) plus the length word. */
#define RPC_MESSAGE_MAX (16u * 1024u * 1024u + RPC_LEN_SIZE)
#define RPC_STRING_MAX (4u * 1024u * 1024u) /* REMOTE_STRING_MAX */
#define RPC_LIST_MAX 16384u                 /* REMOTE_NETWORK_LIST_MAX */
#define RPC_PARAMS_MAX 64u                  /* typed parameters accepted per call */

typedef enum { RPC_CALL = 0, RPC_REPLY = 1, RPC_MESSAGE = 2, RPC_STREAM = 3 } rpc_type;
typedef enum { RPC_OK = 0, RPC_ERROR = 1 } rpc_status;

/* KEEPALIVE program procedures (messages without a body). */
enum { RPC_KEEPALIVE_PING = 1, RPC_KEEPALIVE_PONG = 2 };

typedef struct rpc_header {
    uint32_t prog;
    uint32_t vers;
    int32_t proc;
    uint32_t type;
    uint32_t serial;
    uint32_t status;
} rpc_header;

/* ---- framing (rpc_wire.c) ---- */

/* The total length announced by the first 4 bytes; -1 when it is below the
 * header size or above RPC_MESSAGE_MAX (the connection cannot be resynced). */
int64_t rpc_frame_length(const uint8_t len_word[RPC_LEN_SIZE]);
/* Decode the header of a whole message (length word included). -1 if short. */
int rpc_header_decode(const uint8_t *msg, size_t len, rpc_header *ret);

/* An encoder for one outgoing message: the caller's function writes the body
 * with xdr_* calls; rpc_message_build() retries with a larger buffer when it
 * does not fit, up to RPC_MESSAGE_MAX. Returns a malloc'd message (length
 * word included) and its size, or NULL when the body does not fit at all. */
typedef bool (*rpc_body_fn)(XDR *x, const void *arg);
uint8_t *rpc_message_build(const rpc_header *hdr, rpc_body_fn body, const void *arg,
                           size_t *ret_len);

/* ---- values (rpc_xdr.c) ---- */

typedef struct rpc_network {
    char *name;
    uint8_t uuid[16];
} rpc_network;

typedef struct rpc_port {
    rpc_network net;
    uint8_t uuid[16];
} rpc_port;

/* VIR_TYPED_PARAM_* */
enum {
    RPC_PARAM_INT = 1,
    RPC_PARAM_UINT = 2,
    RPC_PARAM_LLONG = 3,
    RPC_PARAM_ULLONG = 4,
    RPC_PARAM_DOUBLE = 5,
    RPC_PARAM_BOOLEAN = 6,
    RPC_PARAM_STRING = 7,
};

typedef struct rpc_param {
    char *field;
    int type;
    union {
        int32_t i;
        uint32_t ui;
        int64_t l;
        uint64_t ul;
        double d;
        int32_t b;
        char *s;
    } v;
} rpc_param;

bool rpc_xdr_string(XDR *x, char **s);     /* non-null string */
bool rpc_xdr_string_opt(XDR *x, char **s); /* pointer-to-string (NULL allowed) */
bool rpc_xdr_uuid(XDR *x, uint8_t uuid[16]);
bool rpc_xdr_network(XDR *x, rpc_network *n);
bool rpc_xdr_network_opt(XDR *x, rpc_network **n);
bool rpc_xdr_port(XDR *x, rpc_port *p);
bool rpc_xdr_param(XDR *x, rpc_param *p);
bool rpc_xdr_int(XDR *x, int32_t *v);
bool rpc_xdr_uint(XDR *x, uint32_t *v);
void rpc_network_clear(rpc_network *n);
void rpc_params_free(rpc_param *p, size_t n);

/* ---- procedure arguments (rpc_args.c) ---- */

/* Argument layouts of the procedures vnet serves; one decoder per layout. */
typedef enum {
    RPC_ARGS_NONE,
    RPC_ARGS_OPEN,      /* string_opt name, uint flags */
    RPC_ARGS_INT,       /* int */
    RPC_ARGS_NAME,      /* string */
    RPC_ARGS_UUID,      /* uuid */
    RPC_ARGS_XML,       /* string */
    RPC_ARGS_XML_FLAGS, /* string, uint flags */
    RPC_ARGS_NET,       /* network */
    RPC_ARGS_NET_FLAGS, /* network, uint flags */
    RPC_ARGS_NET_INT,   /* network, int */
    RPC_ARGS_LIST,      /* int need_results, uint flags */
    RPC_ARGS_UPDATE, /* network, uint command, uint section, int parent, string xml, uint flags */
    RPC_ARGS_LEASES, /* network, string_opt mac, int need_results, uint flags */
    RPC_ARGS_EVENT_REG,    /* int event_id, network_opt */
    RPC_ARGS_PARAMS,       /* typed params, uint flags */
    RPC_ARGS_NET_LIST,     /* network, int need_results, uint flags */
    RPC_ARGS_NET_UUID,     /* network, uuid */
    RPC_ARGS_NET_XML,      /* network, string xml, uint flags */
    RPC_ARGS_PORT_FLAGS,   /* port, uint flags */
    RPC_ARGS_PORT_PARAMS,  /* port, typed params, uint flags */
    RPC_ARGS_PORT_NPARAMS, /* port, int nparams, uint flags */
    RPC_ARGS_MD_GET,       /* network, int type, string_opt uri, uint flags */
    RPC_ARGS_MD_SET        /* network, int type, string_opt metadata, key, uri, uint flags */
} rpc_args_layout;

typedef struct rpc_args {
    rpc_network net;
    bool has_net;
    rpc_port port;
    char *str; /* name, xml, uri */
    char *mac; /* leases filter */
    char *key; /* metadata: namespace prefix */
    char *uri; /* metadata: namespace URI */
    uint8_t uuid[16];
    int32_t i1, i2, i3; /* need_results / feature / autostart / event id / parent index / nparams */
    uint32_t u1, u2;    /* update command, section */
    uint32_t flags;
    rpc_param *params;
    uint32_t n_params;
} rpc_args;

/* Decode the body `body` (len bytes) per layout. false when it is truncated,
 * malformed, over a limit or followed by trailing bytes. rpc_args_free()
 * afterwards in every case. */
bool rpc_args_decode(rpc_args_layout layout, const uint8_t *body, size_t len, rpc_args *ret);
void rpc_args_free(rpc_args *a);

/* ---- procedures (rpc_procs.c) ---- */

typedef struct rpc_proc_info {
    int32_t proc;
    const char *name; /* libvirt's API name, for messages */
    rpc_args_layout args;
    bool read_only; /* allowed on the read-only socket */
} rpc_proc_info;

/* The REMOTE procedures vnet knows; NULL for any other number. */
const rpc_proc_info *rpc_proc_find(int32_t proc);

/* ---- errors (rpc_error.c) ---- */

/* libvirt's virErrorDomain and virErrorNumber values used by vnet. */
enum { RPC_FROM_RPC = 7, RPC_FROM_NETWORK = 19 };
enum {
    RPC_ERR_INTERNAL_ERROR = 1,
    RPC_ERR_NO_SUPPORT = 3,
    RPC_ERR_INVALID_ARG = 8,
    RPC_ERR_OPERATION_FAILED = 9,
    RPC_ERR_XML_ERROR = 27,
    RPC_ERR_OPERATION_DENIED = 29,
    RPC_ERR_XML_DETAIL = 35,
    RPC_ERR_SYSTEM_ERROR = 38,
    RPC_ERR_RPC = 39,
    RPC_ERR_NO_NETWORK = 43,
    RPC_ERR_OPERATION_INVALID = 55,
    RPC_ERR_CONFIG_UNSUPPORTED = 67,
    RPC_ERR_NETWORK_PORT_EXIST = 106,
    RPC_ERR_NO_NETWORK_PORT = 107,
    RPC_ERR_NO_NETWORK_METADATA = 111,
};

typedef struct rpc_error {
    int code;
    int domain;
    char *message; /* what clients print, e.g. "Network not found: no network ..." */
} rpc_error;

/* The body of an error reply (libvirt's remote_error layout). */
bool rpc_xdr_error(XDR *x, const void *err /* const rpc_error * */);

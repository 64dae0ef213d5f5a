/* One error type for the whole project: a kind and a human message.
 *
 * The message is written where the problem is found (the parser, the kernel's
 * extended ack, the nft error buffer, dnsmasq's exit status) and travels up
 * unchanged; callers may prefix context ("starting network 'lab': ...").
 * Functions that can fail take a `verr *err` (may be NULL) and return -1.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>

typedef enum {
    VERR_OK = 0,
    VERR_INTERNAL,    /* a bug or an impossible state */
    VERR_INVALID,     /* bad input: XML, arguments, request */
    VERR_NOT_FOUND,   /* no such network / object */
    VERR_EXISTS,      /* already defined / already present */
    VERR_BUSY,        /* state forbids it: active, in use, collision */
    VERR_SYSTEM,      /* the host refused: netlink, nftables, files */
    VERR_UNSUPPORTED, /* valid, but not something vnet can do */
} verr_kind;

#define VERR_MSG_MAX 2048

typedef struct verr {
    verr_kind kind;
    int sys_errno; /* errno when the host refused, else 0 */
    char msg[VERR_MSG_MAX];
} verr;

#define VERR_INIT {.kind = VERR_OK, .sys_errno = 0, .msg = ""}

/* Set the error (if err is non-NULL). Always returns -1. */
int verr_set(verr *err, verr_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Like verr_set, appending ": strerror(errnum)"; records errnum. Returns -1. */
int verr_errno(verr *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prefix context to an existing message: "context: old message". Returns -1. */
int verr_prefix(verr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void verr_clear(verr *err);
bool verr_is_set(const verr *err);
const char *verr_kind_name(verr_kind kind);

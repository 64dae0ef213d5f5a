#include "util/error.h"

#include <stdio.h>
#include <string.h>

static void verr_vformat(verr *err, const char *fmt, va_list ap)
{
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int verr_set(verr *err, verr_kind kind, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    verr_vformat(err, fmt, ap);
    va_end(ap);
    err->kind = kind;
    err->sys_errno = 0;
    return -1;
}

int verr_errno(verr *err, int errnum, const char *fmt, ...)
{
    if (!err)
        return -1;
    char head[VERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof(head), fmt, ap);
    va_end(ap);
    if (errnum < 0)
        errnum = -errnum;
    snprintf(err->msg, sizeof(err->msg), "%s: %s", head, strerror(errnum));
    err->kind = VERR_SYSTEM;
    err->sys_errno = errnum;
    return -1;
}

int verr_prefix(verr *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    char head[VERR_MSG_MAX];
    char old[VERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof(head), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    snprintf(err->msg, sizeof(err->msg), "%s: %s", head, old);
    if (err->kind == VERR_OK)
        err->kind = VERR_INTERNAL;
    return -1;
}

void verr_clear(verr *err)
{
    if (!err)
        return;
    err->kind = VERR_OK;
    err->sys_errno = 0;
    err->msg[0] = '\0';
}

bool verr_is_set(const verr *err)
{
    return err && err->kind != VERR_OK;
}

const char *verr_kind_name(verr_kind kind)
{
    static const char *const names[] = {
        [VERR_OK] = "ok",
        [VERR_INTERNAL] = "internal",
        [VERR_INVALID] = "invalid",
        [VERR_NOT_FOUND] = "not-found",
        [VERR_EXISTS] = "exists",
        [VERR_BUSY] = "busy",
        [VERR_SYSTEM] = "system",
        [VERR_UNSUPPORTED] = "unsupported",
    };
    if ((unsigned)kind < sizeof(names) / sizeof(names[0]) && names[kind])
        return names[kind];
    return "internal";
}

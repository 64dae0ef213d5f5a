/* Scope-bound cleanup helpers, in the style of systemd's _cleanup_. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}
static inline void fclosep(FILE **f)
{
    if (*f)
        fclose(*f);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand ownership of a cleanup-managed pointer to someone else. */
#define TAKE_PTR(p)                                                                                \
    ({                                                                                             \
        __typeof__(p) _tp = (p);                                                                   \
        (p) = NULL;                                                                                \
        _tp;                                                                                       \
    })
#define TAKE_FD(fd)                                                                                \
    ({                                                                                             \
        int _tf = (fd);                                                                            \
        (fd) = -1;                                                                                 \
        _tf;                                                                                       \
    })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Declare a NULL-tolerant pointer destructor for _cleanup_(). */
#define DEFINE_FREEP(type, func)                                                                   \
    static inline void func##p(type **p)                                                           \
    {                                                                                              \
        if (*p)                                                                                    \
            func(*p);                                                                              \
    }

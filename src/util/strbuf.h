/* A growable, always NUL-terminated string buffer. Allocation failure aborts. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf {
    char *s;
    size_t len;
    size_t cap;
} strbuf;

#define STRBUF_INIT {.s = NULL, .len = 0, .cap = 0}

void strbuf_add(strbuf *b, const char *s);
void strbuf_addn(strbuf *b, const char *s, size_t n);
void strbuf_addc(strbuf *b, char c);
void strbuf_addf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(strbuf *b, const char *fmt, va_list ap);
/* Contents so far ("" when empty); valid until the next change. */
const char *strbuf_str(const strbuf *b);
/* Take the string out (caller frees); the buffer becomes empty. Never NULL. */
char *strbuf_take(strbuf *b);
void strbuf_reset(strbuf *b);
void strbuf_free(strbuf *b);

/* Allocation helpers that abort on out-of-memory. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);   /* NULL in, NULL out */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Grow an array of `*n` items of `size` bytes by one zeroed slot; returns the new slot. */
void *xarray_push(void *arrayp, size_t *n, size_t size);

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strempty(s) (!(s) || !*(s))

/* Reading test data files (golden outputs, conformance inputs). */
#pragma once

#include <stdio.h>

#include "util/strbuf.h"

/* The whole file as a NUL-terminated string (caller frees), NULL if it cannot be opened. */
static inline char *test_read_file(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    strbuf b = STRBUF_INIT;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        strbuf_addn(&b, buf, n);
    fclose(f);
    return strbuf_take(&b);
}

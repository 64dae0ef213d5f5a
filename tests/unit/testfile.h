/* Test data files: reading them, and the one golden-file comparison every
 * test uses, with one regenerate switch for all of them:
 *
 *   VNET_REGENERATE=1 meson test -C build --suite unit
 *
 * rewrites every golden file from the current output instead of comparing
 * (review `git diff` before committing). libvirt's conformance data under
 * ../shared is never written: it is compared with test_read_file() only. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Is the regenerate switch on (VNET_REGENERATE set and not "0")? */
static inline bool test_regenerate(void)
{
    const char *v = getenv("VNET_REGENERATE");
    return v && *v && strcmp(v, "0") != 0;
}

enum {
    /* An absent golden file stands for empty output; regenerating empty
     * output removes the file. */
    TEST_GOLDEN_ABSENT_IS_EMPTY = 1 << 0,
};

/* Print where `got` first differs from `want` (1-based line), then both. */
static inline void test_show_diff(const char *label, const char *path, const char *want,
                                  const char *got)
{
    unsigned line = 1;
    size_t i = 0, start = 0;
    for (; want[i] && want[i] == got[i]; i++)
        if (want[i] == '\n') {
            line++;
            start = i + 1;
        }
    const char *w = want + start, *g = got + start;
    int wl = (int)strcspn(w, "\n"), gl = (int)strcspn(g, "\n");
    fprintf(stderr,
            "%s: output differs from %s at line %u\n  want: %.*s\n  got:  %.*s\n"
            "---- expected\n%s---- got\n%s----\n",
            label, path, line, wl, w, gl, g, want, got);
}

/* Compare `got` with the file `path`, never writing it (libvirt's
 * conformance data is only read). On a difference print it under `label`. */
static inline bool test_same_as_file(const char *label, const char *path, const char *got,
                                     unsigned flags)
{
    char *want = test_read_file(path);
    if (!got)
        got = "";
    if (!want && (flags & TEST_GOLDEN_ABSENT_IS_EMPTY))
        want = strdup("");
    if (!want) {
        fprintf(stderr, "%s: cannot read %s\n", label, path);
        return false;
    }
    bool same = strcmp(want, got) == 0;
    if (!same)
        test_show_diff(label, path, want, got);
    free(want);
    return same;
}

/* Compare `got` with the golden file `path` (test_same_as_file). With the
 * regenerate switch on, write `got` there instead and return true. */
static inline bool test_golden_flags(const char *label, const char *path, const char *got,
                                     unsigned flags)
{
    if (!got)
        got = "";
    if (!test_regenerate())
        return test_same_as_file(label, path, got, flags);
    if ((flags & TEST_GOLDEN_ABSENT_IS_EMPTY) && !*got) {
        unlink(path);
        return true;
    }
    FILE *f = fopen(path, "we");
    bool ok = f && fputs(got, f) >= 0;
    if (f && fclose(f) != 0)
        ok = false;
    fprintf(stderr, "%s %s\n", ok ? "regenerated" : "CANNOT WRITE", path);
    return ok;
}

static inline bool test_golden(const char *label, const char *path, const char *got)
{
    return test_golden_flags(label, path, got, 0);
}

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

/* Compare `got` with the golden file `path`. Regenerating: write `got` there
 * and return true. Else true when they are equal; when not, print both to
 * stderr under `label` and return false. */
static inline bool test_golden_flags(const char *label, const char *path, const char *got,
                                     unsigned flags)
{
    bool empty_absent = flags & TEST_GOLDEN_ABSENT_IS_EMPTY;
    if (!got)
        got = "";
    if (test_regenerate()) {
        if (empty_absent && !*got) {
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
    char *want = test_read_file(path);
    if (!want && empty_absent)
        want = strdup("");
    bool same = want && strcmp(want, got) == 0;
    if (!same)
        fprintf(stderr, "%s: output differs from %s\n---- expected\n%s---- got\n%s----\n", label,
                path, want ? want : "(file missing)\n", got);
    free(want);
    return same;
}

static inline bool test_golden(const char *label, const char *path, const char *got)
{
    return test_golden_flags(label, path, got, 0);
}

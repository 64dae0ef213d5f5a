/* Minimal assertion helpers for the C unit tests (one binary per suite). */
#pragma once

#include <stdio.h>
#include <string.h>

static int testlib_failures;
static int testlib_checks;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        testlib_checks++;                                                                          \
        if (!(cond)) {                                                                             \
            testlib_failures++;                                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);             \
        }                                                                                          \
    } while (0)

#define CHECK_STR(got, want)                                                                       \
    do {                                                                                           \
        const char *_g = (got), *_w = (want);                                                      \
        testlib_checks++;                                                                          \
        if (!_g || strcmp(_g, _w) != 0) {                                                          \
            testlib_failures++;                                                                    \
            fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__,               \
                    _g ? _g : "(null)", _w);                                                       \
        }                                                                                          \
    } while (0)

static inline int testlib_done(const char *suite)
{
    printf("%s: %d checks, %d failed\n", suite, testlib_checks, testlib_failures);
    return testlib_failures ? 1 : 0;
}

#include "cli/suggest.h"

#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/strbuf.h"

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

size_t suggest_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), w = lb + 1;
    /* three rows: i-2, i-1, i */
    _cleanup_free_ size_t *d = xcalloc(3 * w, sizeof(size_t));
    size_t *prev2 = d, *prev = d + w, *cur = d + 2 * w;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < cur[j])
                cur[j] = prev2[j - 2] + 1;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

const char *suggest_closest(const char *word, const char *const *candidates, size_t n)
{
    size_t len = strlen(word), limit = len / 3 > 1 ? len / 3 : 1;
    const char *best = NULL, *prefix = NULL;
    size_t best_d = (size_t)-1, n_prefix = 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = candidates[i];
        if (!c)
            continue;
        if (len > 0 && strncmp(c, word, len) == 0) {
            if (!prefix || !streq(prefix, c))
                n_prefix++;
            prefix = c;
        }
        size_t d = suggest_distance(word, c);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    if (best && best_d <= limit)
        return best;
    return n_prefix == 1 ? prefix : NULL;
}

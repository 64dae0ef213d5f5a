/* "Did you mean ...?": the closest known word to a mistyped one. */
#pragma once

#include <stddef.h>

/* Optimal string alignment distance (insertions, deletions, substitutions and
 * swaps of two neighbouring characters each cost 1). */
size_t suggest_distance(const char *a, const char *b);

/* The candidate closest to `word` if it is close enough to be a typo (at most
 * max(1, strlen(word) / 3) edits, or `word` is a prefix of exactly one
 * candidate), else NULL. Candidates may contain NULLs, which are skipped. */
const char *suggest_closest(const char *word, const char *const *candidates, size_t n);

/* Text tables in the layout of virsh's vsh-table.
 *
 * Every cell is prefixed by one space; all but the last column are padded to
 * the column's widest cell plus two spaces; the header row is followed by a
 * line of dashes Σ(width + 3) long; no trailing blank line. Widths count
 * display characters (UTF-8 aware). Cells are copied; control characters in
 * them are shown as \xNN so a hostile value (a DHCP hostname) cannot drive
 * the terminal.
 */
#pragma once

#include <stddef.h>

typedef struct table table;

/* A table with n_cols columns and these headers (copied). */
table *table_new(size_t n_cols, const char *const *headers);
/* Append a row of n_cols cells (copied; NULL cells print as "-"). */
void table_add_row(table *t, const char *const *cells);
size_t table_rows(const table *t);
/* The whole table as text, each line ending in '\n'. Caller frees.
 * with_header false gives only the rows (virsh --quiet). */
char *table_format(const table *t, int with_header);
void table_free(table *t);
static inline void table_freep(table **p)
{
    if (*p)
        table_free(*p);
}

/* Columns a string occupies on a terminal (UTF-8; invalid bytes count 1). */
size_t table_display_width(const char *s);
/* Copy of s with control characters and invalid UTF-8 escaped as \xNN. */
char *table_escape(const char *s);

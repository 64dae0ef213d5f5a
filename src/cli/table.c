#include "cli/table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "util/cleanup.h"
#include "util/strbuf.h"

struct table {
    size_t n_cols;
    char **header;
    char ***rows;
    size_t n_rows;
};

/* Decode one UTF-8 sequence at s; returns its length, or 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, uint32_t *ret)
{
    size_t len;
    uint32_t cp;
    if (s[0] < 0x80) {
        *ret = s[0];
        return 1;
    } else if ((s[0] & 0xe0) == 0xc0) {
        len = 2;
        cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3;
        cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    /* Reject overlong forms, surrogates and values past Unicode. */
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    *ret = cp;
    return len;
}

char *table_escape(const char *s)
{
    strbuf b = STRBUF_INIT;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        uint32_t cp;
        size_t n = utf8_decode(p, &cp);
        if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
            for (size_t i = 0; i < (n ? n : 1); i++)
                strbuf_addf(&b, "\\x%02x", p[i]);
            p += n ? n : 1;
            continue;
        }
        strbuf_addn(&b, (const char *)p, n);
        p += n;
    }
    return strbuf_take(&b);
}

size_t table_display_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        size_t n = utf8_decode(p, &cp);
        if (n == 0) {
            w++;
            p++;
            continue;
        }
        int cw = cp < 0x80 ? 1 : wcwidth((wchar_t)cp);
        w += cw < 0 ? 1 : (size_t)cw;
        p += n;
    }
    return w;
}

static char **copy_cells(size_t n, const char *const *cells)
{
    char **row = xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        row[i] = table_escape(cells[i] ? cells[i] : "-");
    return row;
}

table *table_new(size_t n_cols, const char *const *headers)
{
    table *t = xcalloc(1, sizeof(*t));
    t->n_cols = n_cols;
    t->header = copy_cells(n_cols, headers);
    return t;
}

void table_add_row(table *t, const char *const *cells)
{
    char ***slot = xarray_push(&t->rows, &t->n_rows, sizeof(char **));
    *slot = copy_cells(t->n_cols, cells);
}

size_t table_rows(const table *t)
{
    return t->n_rows;
}

static void add_line(strbuf *b, const table *t, char **cells, const size_t *widths)
{
    for (size_t c = 0; c < t->n_cols; c++) {
        strbuf_addc(b, ' ');
        strbuf_add(b, cells[c]);
        if (c + 1 == t->n_cols)
            break;
        size_t pad = widths[c] - table_display_width(cells[c]) + 2;
        for (size_t i = 0; i < pad; i++)
            strbuf_addc(b, ' ');
    }
    strbuf_addc(b, '\n');
}

char *table_format(const table *t, int with_header)
{
    _cleanup_free_ size_t *widths = xcalloc(t->n_cols, sizeof(size_t));
    size_t total = 0;
    for (size_t c = 0; c < t->n_cols; c++) {
        /* without the header (virsh -q) its width does not count either */
        widths[c] = with_header ? table_display_width(t->header[c]) : 0;
        for (size_t r = 0; r < t->n_rows; r++) {
            size_t w = table_display_width(t->rows[r][c]);
            if (w > widths[c])
                widths[c] = w;
        }
        total += widths[c] + 3;
    }

    strbuf b = STRBUF_INIT;
    if (with_header) {
        add_line(&b, t, t->header, widths);
        for (size_t i = 0; i < total; i++)
            strbuf_addc(&b, '-');
        strbuf_addc(&b, '\n');
    }
    for (size_t r = 0; r < t->n_rows; r++)
        add_line(&b, t, t->rows[r], widths);
    return strbuf_take(&b);
}

static void free_cells(char **cells, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(cells[i]);
    free(cells);
}

void table_free(table *t)
{
    if (!t)
        return;
    free_cells(t->header, t->n_cols);
    for (size_t r = 0; r < t->n_rows; r++)
        free_cells(t->rows[r], t->n_cols);
    free(t->rows);
    free(t);
}

/*
 * text_table.h - text tables for people (SPEC 5: `slagg periods`, `slagg
 * windows` and `slagg inspect --periods`, "table aligns by display width
 * (East Asian wide characters count 2), never cuts a name").
 *
 * Cells are kept whole; every column is as wide as its widest cell in
 * terminal columns, not bytes, so a CJK account name lines up with an
 * ASCII one. Control characters and bytes that are not well-formed UTF-8
 * are shown escaped (\xNN, slagg_buf_escaped), as in messages (SPEC 6).
 */
#ifndef SLAGG_IO_TEXT_TABLE_H
#define SLAGG_IO_TEXT_TABLE_H

#include <stddef.h>

#include "io/buf.h"

/* The columns s[0..n) takes on a terminal, code point by code point, as
 * wcwidth(3) counts them but independent of the locale: 2 for East Asian
 * Wide and Fullwidth characters (Unicode 15 EastAsianWidth.txt W and F:
 * CJK, Hangul syllables, kana, fullwidth forms, emoji presentation), 0 for
 * combining marks, zero-width and format characters (U+0300..U+036F,
 * U+200B..U+200F, variation selectors, ...), 1 for every other printable
 * character; a control character (C0, DEL, C1) or a byte that is not
 * well-formed UTF-8 counts 4, the width of its \xNN escape. An emoji ZWJ
 * sequence counts each of its pictographs (as wcwidth does). */
size_t slagg_display_width(const char *s, size_t n);

/* The same for one code point (as above; a control character counts 4). */
int slagg_codepoint_width(unsigned cp);

typedef struct slagg_text_table {
    size_t n_cols;
    const char *align;   /* one 'l' or 'r' per column */
    char **cells;        /* row-major, escaped, NUL-terminated */
    size_t n_rows, cap;  /* rows, header included */
    size_t *width;       /* display width of each column */
    int failed;          /* out of memory: sticky, reported by slagg_text_table_format */
} slagg_text_table;

/* Starts a table of n_cols columns with its header row (head[i]) and the
 * alignment of each column (align: "lrr..."). 0, or -1 when out of memory
 * (t is then safe to free). */
int slagg_text_table_init(slagg_text_table *t, size_t n_cols, const char *const *head, const char *align);

/* Appends one row: cells[i] of lens[i] bytes (lens NULL: NUL-terminated),
 * escaped. Out of memory is sticky (t->failed). */
void slagg_text_table_add(slagg_text_table *t, const char *const *cells, const size_t *lens);

/* Writes every row: indent, then the cells two spaces apart, left- or
 * right-aligned to their column's display width; the last column is not
 * padded when left-aligned, so no line ends in spaces. Sets out's failure
 * when t failed. */
void slagg_text_table_format(const slagg_text_table *t, const char *indent, slagg_buf *out);

void slagg_text_table_free(slagg_text_table *t);

#endif

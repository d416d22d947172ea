/*
 * buf.h - a growable byte buffer for building output files in memory
 * before they are written atomically. An allocation failure is sticky:
 * appends become no-ops and slagg_buf_failed() reports it once at the end,
 * so formatting code needs no error check per append.
 */
#ifndef SLAGG_IO_BUF_H
#define SLAGG_IO_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct slagg_buf {
    char *data;
    size_t len, cap;
    int failed;
} slagg_buf;

/* Appends n bytes. Inline for the common case (room left): the exports
 * append a few bytes at a time, and a call per append was a tenth of
 * writing them. */
void slagg_buf_put_grow(slagg_buf *b, const void *p, size_t n);
static inline void slagg_buf_put(slagg_buf *b, const void *p, size_t n)
{
    if (n <= b->cap - b->len && !b->failed) {
        if (n) memcpy(b->data + b->len, p, n);   /* data may be NULL when n is 0 */
        b->len += n;
    } else {
        slagg_buf_put_grow(b, p, n);
    }
}
void slagg_buf_puts(slagg_buf *b, const char *s);
/* Room for n more bytes now (a file whose size is known roughly): one
 * allocation instead of the doublings, each of which faulted in and
 * copied the whole buffer again. Failure is sticky, as for an append. */
void slagg_buf_reserve(slagg_buf *b, size_t n);
void slagg_buf_printf(slagg_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void slagg_buf_vprintf(slagg_buf *b, const char *fmt, va_list ap);
void slagg_buf_u64(slagg_buf *b, uint64_t v);   /* decimal */
/* Little-endian fixed-width integers and unsigned LEB128 varints
 * (docs/FORMAT.md; the bytes of io/mem.h, appended). */
void slagg_buf_le32(slagg_buf *b, uint32_t v);
void slagg_buf_le64(slagg_buf *b, uint64_t v);
void slagg_buf_varint(slagg_buf *b, uint64_t v);
/* A JSON string literal with quotes; control characters as \u00XX. */
void slagg_buf_json_str(slagg_buf *b, const char *s, size_t n);
/* A CSV field, quoted (RFC 4180) only when it holds , " CR or LF; the
 * exact bytes (for CSV that slagg reads back: `slagg cat`). */
void slagg_buf_csv_field(slagg_buf *b, const char *s, size_t n);
/* A CSV *text* field of an output meant for people and spreadsheets
 * (finance.csv, ledger.csv, --format csv, the rejects file; SPEC section 4
 * "Spreadsheet safety"): as slagg_buf_csv_field, but a value that begins
 * with = + - @ tab CR or ' gets one leading ' (inside the quotes when
 * quoted), so a spreadsheet never evaluates it and stripping one leading '
 * gives the exact value back. Not for numbers, dates or money that slagg
 * formats itself. Sort before writing: rows sort by the exact value. */
void slagg_buf_csv_text(slagg_buf *b, const char *s, size_t n);
/* 1 when slagg_buf_csv_text would add the leading '. */
int slagg_csv_text_needs_guard(const char *s, size_t n);
/* s with control characters escaped as \xNN for a message or the rejects
 * file (SPEC section 6): C0, DEL, C1 (U+0080-U+009F) and bytes that are
 * not well-formed UTF-8, one \xNN per byte; everything else as is. */
void slagg_buf_escaped(slagg_buf *b, const char *s, size_t n);
static inline int slagg_buf_failed(const slagg_buf *b) { return b->failed; }
void slagg_buf_free(slagg_buf *b);

#endif

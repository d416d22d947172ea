/*
 * buf.h - a growable byte buffer for building output files in memory
 * before they are written atomically. An allocation failure is sticky:
 * appends become no-ops and slagg_buf_failed() reports it once at the end,
 * so formatting code needs no error check per append.
 */
#ifndef SLAGG_IO_BUF_H
#define SLAGG_IO_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct slagg_buf {
    char *data;
    size_t len, cap;
    int failed;
} slagg_buf;

void slagg_buf_put(slagg_buf *b, const void *p, size_t n);
void slagg_buf_puts(slagg_buf *b, const char *s);
void slagg_buf_printf(slagg_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void slagg_buf_u64(slagg_buf *b, uint64_t v);   /* decimal */
/* Little-endian fixed-width integers (docs/FORMAT.md). */
void slagg_buf_le32(slagg_buf *b, uint32_t v);
void slagg_buf_le64(slagg_buf *b, uint64_t v);
/* A JSON string literal with quotes; control characters as \u00XX. */
void slagg_buf_json_str(slagg_buf *b, const char *s, size_t n);
/* A CSV field, quoted (RFC 4180) only when it holds , " CR or LF. */
void slagg_buf_csv_field(slagg_buf *b, const char *s, size_t n);
static inline int slagg_buf_failed(const slagg_buf *b) { return b->failed; }
void slagg_buf_free(slagg_buf *b);

#endif

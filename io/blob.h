/*
 * blob.h - what the two validated binary files (the compact summary,
 * io/summary_file.c, and fold partials, io/partial.c) share: length-
 * prefixed strings, a bounds-checked little-endian reader, reading a whole
 * file, and zstd decompression that never grows past a declared size.
 */
#ifndef SLAGG_IO_BLOB_H
#define SLAGG_IO_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "io/buf.h"

#define SLAGG_STR_NONE 0xffffffffu  /* a string's length field: absent */

/* u32 length + bytes; NULL (opt) is written as SLAGG_STR_NONE. */
void slagg_buf_str(slagg_buf *b, const char *s, size_t n);
void slagg_buf_opt_str(slagg_buf *b, const char *s);

/* A reader that never reads past its end: a short or malformed read sets
 * bad (1; 2 = out of memory) and every later read returns 0. */
typedef struct slagg_rd {
    const unsigned char *p;
    size_t left;
    int bad;
} slagg_rd;

/* A little-endian integer of 4 or 8 bytes (io/mem.h). */
uint64_t slagg_rd_le(slagg_rd *r, int bytes);
static inline uint32_t slagg_rd_u32(slagg_rd *r) { return (uint32_t)slagg_rd_le(r, 4); }
static inline uint64_t slagg_rd_u64(slagg_rd *r) { return slagg_rd_le(r, 8); }
/* Unsigned LEB128, at most 10 bytes, no bits beyond 64 (slagg_varint_get
 * of io/mem.h; written by slagg_buf_varint of io/buf.h). */
uint64_t slagg_rd_varint(slagg_rd *r);
/* A u64 count of elements of at least min_size bytes each: never more than
 * the bytes left can hold, so no corrupt count allocates beyond the data. */
uint64_t slagg_rd_count(slagg_rd *r, size_t min_size);
/* A u32-length string (malloc'd, NUL-terminated); NULL when absent (only
 * if allow_none) or on error. */
char *slagg_rd_str(slagg_rd *r, uint32_t *len_out, int allow_none);

/* Reads a whole regular file. SLAGG_E_IO "PATH: reason". */
slagg_status slagg_read_whole(const char *path, unsigned char **data, size_t *n, slagg_err *err);

/* Decompresses one zstd frame of exactly raw_size bytes, growing the
 * output only as bytes arrive. Corruption: SLAGG_E_INPUT
 * "PATH: not an intact slagg WHAT: reason". */
slagg_status slagg_zstd_bounded(const char *path, const char *what, const unsigned char *src,
                                size_t n, uint64_t raw_size, unsigned char **out, slagg_err *err);

/* The envelope both files use (docs/FORMAT.md):
 *   0 magic (8)   8 u16 major, u16 minor   12 u32 flags (0)
 *   16 u64 payload size   24 u64 compressed size   32 u64 XXH64(bytes 0..31)
 *   40 one zstd frame (content size + checksum)   .. end marker (8)
 * `what` names the kind in messages ("summary", "partial"). */
typedef struct slagg_blob_kind {
    const char *what;
    const char *magic, *end;   /* 8 bytes each */
    unsigned major, minor;
    int level;                 /* zstd level when writing */
} slagg_blob_kind;

/* Compresses payload and appends the whole envelope to out. */
slagg_status slagg_blob_seal(const slagg_blob_kind *k, const slagg_buf *payload, slagg_buf *out,
                             slagg_err *err);
/* Reads path, checks the envelope (magic, header hash, version: a newer
 * major is refused by name, sizes, end marker) and returns the payload
 * (malloc'd). SLAGG_E_INPUT "PATH: not an intact slagg WHAT: reason". */
slagg_status slagg_blob_open(const slagg_blob_kind *k, const char *path, unsigned char **raw,
                             size_t *raw_n, slagg_err *err);
/* The same, also giving the file's minor version (sections a reader of an
 * older minor does not know follow the ones it knows). */
slagg_status slagg_blob_open_v(const slagg_blob_kind *k, const char *path, unsigned char **raw,
                               size_t *raw_n, unsigned *minor, slagg_err *err);
#endif

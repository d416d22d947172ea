/*
 * mem.h - the one byte-order and varint header of every codec (STYLE.md
 * "One helper per need"; after zstd's lib/common/mem.h): the shards
 * (io/shard_reader.c, io/shard_writer.c), the validated binary files
 * (io/blob.c, io/partial.c, io/summary_file.c), the byte buffer
 * (io/buf.c), SHA-256 (io/sha256.c) and the MPI exchange (cli/mpi.c).
 * Formats: docs/FORMAT.md (summary and shards: little-endian integers,
 * unsigned LEB128 varints) and docs/DISTRIBUTED.md ("The bucket stream":
 * also zigzag for a signed window).
 *
 * Everything is static inline: no .c, no state, no allocation. Pointers
 * need no alignment. Loads and stores give the same bytes on a big-endian
 * host (files move between machines, docs/FORMAT.md): a little-endian
 * host copies with memcpy (one load or store), a big-endian one also swaps
 * with __builtin_bswap*.
 */
#ifndef SLAGG_IO_MEM_H
#define SLAGG_IO_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Host order <-> little-endian: nothing on a little-endian host, a byte
 * swap on a big-endian one. slagg is built with GCC or clang (as every
 * __builtin of the tree assumes), which both define __BYTE_ORDER__. */
#if !defined(__BYTE_ORDER__) || !defined(__ORDER_LITTLE_ENDIAN__) || !defined(__ORDER_BIG_ENDIAN__)
#error "io/mem.h: the compiler does not say the host's byte order (__BYTE_ORDER__)"
#elif __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SLAGG_HOST_LE16(v) (v)
#define SLAGG_HOST_LE32(v) (v)
#define SLAGG_HOST_LE64(v) (v)
#elif __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define SLAGG_HOST_LE16(v) __builtin_bswap16(v)
#define SLAGG_HOST_LE32(v) __builtin_bswap32(v)
#define SLAGG_HOST_LE64(v) __builtin_bswap64(v)
#else
#error "io/mem.h: a host neither little- nor big-endian"
#endif

/* ---- little-endian fixed width ------------------------------------------ */

static inline uint16_t slagg_le16_load(const void *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return SLAGG_HOST_LE16(v);
}

static inline uint32_t slagg_le32_load(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return SLAGG_HOST_LE32(v);
}

static inline uint64_t slagg_le64_load(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return SLAGG_HOST_LE64(v);
}

static inline void slagg_le16_store(void *p, uint16_t v)
{
    v = SLAGG_HOST_LE16(v);
    memcpy(p, &v, 2);
}

static inline void slagg_le32_store(void *p, uint32_t v)
{
    v = SLAGG_HOST_LE32(v);
    memcpy(p, &v, 4);
}

static inline void slagg_le64_store(void *p, uint64_t v)
{
    v = SLAGG_HOST_LE64(v);
    memcpy(p, &v, 8);
}

/* ---- big-endian fixed width (SHA-256 words and length, FIPS 180-4) ------ */

static inline uint32_t slagg_be32_load(const void *p)
{
    const unsigned char *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

static inline void slagg_be32_store(void *p, uint32_t v)
{
    unsigned char *b = p;
    for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (24 - 8 * i));
}

static inline void slagg_be64_store(void *p, uint64_t v)
{
    unsigned char *b = p;
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (56 - 8 * i));
}

/* ---- varints: unsigned LEB128 (docs/FORMAT.md, shards) -------------------
 * Seven bits a byte, lowest first, the high bit set on every byte but the
 * last. A u64 takes 1..SLAGG_VARINT_MAX bytes; the tenth byte may carry
 * only bit 63 (0 or 1). Readers accept a non-minimal encoding within those
 * ten bytes (0x80 0x00 is 0), as every slagg reader always has; writers
 * only write the minimal one. */
#define SLAGG_VARINT_MAX 10

/* Writes v at p (SLAGG_VARINT_MAX bytes must be writable) and returns the
 * bytes written, 1..10. */
static inline size_t slagg_varint_put(void *p, uint64_t v)
{
    unsigned char *b = p;
    size_t n = 0;
    while (v >= 0x80) {
        b[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    b[n++] = (unsigned char)v;
    return n;
}

/* Reads one varint from [p, end) into *v. Returns the bytes it took,
 * 1..10, or 0 (and *v untouched) when it is truncated (no last byte before
 * end) or too long (more than ten bytes, or a tenth above 1): never reads
 * at or past end. */
static inline size_t slagg_varint_get(const void *p, const void *end, uint64_t *v)
{
    const unsigned char *b = p, *e = end;
    if (b < e && *b < 0x80) {   /* the common one-byte case */
        *v = *b;
        return 1;
    }
    uint64_t x = 0;
    const unsigned char *q = b;
    for (int shift = 0; shift < 64 && q < e; shift += 7) {
        unsigned char c = *q++;
        if (shift == 63 && c > 1) return 0;
        x |= (uint64_t)(c & 0x7f) << shift;
        if (c < 0x80) {
            *v = x;
            return (size_t)(q - b);
        }
    }
    return 0;
}

/* The shard cursor's decoder (io/shard_reader.c), with a stronger
 * contract for speed: 8 bytes at p must be readable (the caller checks;
 * the bytes after the varint are read but not used). Reads a varint of at
 * most 8 bytes (values below 2^56) from one 8-byte load without a branch
 * on its length: finds the last byte (high bit clear), keeps the bytes up
 * to it and squeezes out the continuation bits. Returns its length, 1..8,
 * or 0 (and *v untouched) for a longer one, which the caller then reads
 * with slagg_varint_get. The same value as slagg_varint_get wherever it
 * returns non-zero. */
static inline unsigned slagg_varint_decode_fast(const void *p, uint64_t *v)
{
    uint64_t w = slagg_le64_load(p);
    uint64_t stop = ~w & 0x8080808080808080ULL;
    if (!stop) return 0;
    unsigned len = ((unsigned)__builtin_ctzll(stop) >> 3) + 1;
    uint64_t keep = len == 8 ? ~0ULL : (1ULL << (8 * len)) - 1;
    uint64_t x = w & keep;
    x = ((x & 0x7f007f007f007f00ULL) >> 1) | (x & 0x007f007f007f007fULL);
    x = ((x & 0x3fff00003fff0000ULL) >> 2) | (x & 0x00003fff00003fffULL);
    x = ((x & 0x0fffffff00000000ULL) >> 4) | (x & 0x000000000fffffffULL);
    *v = x;
    return len;
}

/* Zigzag (docs/DISTRIBUTED.md, "The bucket stream"): a signed value as an
 * unsigned one with small magnitudes small, 0 -1 1 -2 .. -> 0 1 2 3 .. */
static inline uint64_t slagg_zigzag_encode(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t slagg_zigzag_decode(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

#endif

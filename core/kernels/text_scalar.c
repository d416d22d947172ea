/*
 * text_scalar.c - the NDJSON line pre-scan (kernels/text.h), eight bytes a
 * word: a byte equal to '"' found exactly (no borrow between bytes), the
 * bytes that make a line not plain found by any test that never misses
 * one (a false alarm would only send the line down the byte path).
 */
#include <string.h>

#include "core/kernels/text.h"

#define ONES 0x0101010101010101ULL
#define HIGH 0x8080808080808080ULL
#define LOW7 0x7F7F7F7F7F7F7F7FULL

/* The high bit of each byte of v that is 0, exactly. */
static inline uint64_t zero_bytes(uint64_t v) { return ~(((v & LOW7) + LOW7) | v | LOW7); }

int slagg_json_plain_scalar(const unsigned char *s, size_t n, uint64_t *quotes)
{
    size_t i = 0;
    memset(quotes, 0, ((n + 63) / 64) * sizeof *quotes);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, s + i, 8);   /* little-endian lanes: byte k is bits 8k.. */
        uint64_t bad = ((v - ONES * 0x20) & ~v) | zero_bytes(v ^ (ONES * '\\')) | v;
        if (bad & HIGH) return 0;
        uint64_t q = zero_bytes(v ^ (ONES * '"')) >> 7;   /* bit 0 of each byte */
        quotes[i >> 6] |= ((q * 0x0102040810204080ULL) >> 56) << (i & 63);
    }
#endif
    for (; i < n; i++) {
        unsigned char c = s[i];
        if (c < 0x20 || c >= 0x80 || c == '\\') return 0;
        if (c == '"') quotes[i >> 6] |= 1ULL << (i & 63);
    }
    return 1;
}

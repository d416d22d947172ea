/*
 * text_neon.c - the NDJSON line pre-scan (kernels/text.h) for aarch64:
 * 16 bytes a compare; each 16-lane mask is turned into 16 bits by
 * weighting its lanes 1..128 and adding each half across. The tail is
 * padded with a plain byte.
 */
#include <arm_neon.h>
#include <string.h>

#include "core/kernels/text.h"

static inline int chunk(const unsigned char *p, size_t i, uint64_t *quotes)
{
    static const uint8_t w[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    const uint8x16_t b = vld1q_u8(p);
    const uint8x16_t bad = vorrq_u8(vorrq_u8(vcltq_u8(b, vdupq_n_u8(0x20)), vcgeq_u8(b, vdupq_n_u8(0x80))),
                                    vceqq_u8(b, vdupq_n_u8('\\')));
    if (vmaxvq_u8(bad)) return 0;
    const uint8x16_t q = vandq_u8(vceqq_u8(b, vdupq_n_u8('"')), vld1q_u8(w));
    uint64_t m = (uint64_t)vaddv_u8(vget_low_u8(q)) | (uint64_t)vaddv_u8(vget_high_u8(q)) << 8;
    quotes[i >> 6] |= m << (i & 63);
    return 1;
}

int slagg_json_plain_neon(const unsigned char *s, size_t n, uint64_t *quotes)
{
    size_t i = 0;
    memset(quotes, 0, ((n + 63) / 64) * sizeof *quotes);
    for (; i + 16 <= n; i += 16)
        if (!chunk(s + i, i, quotes)) return 0;
    if (i < n) {
        unsigned char tail[16];
        memset(tail, 'a', sizeof tail);
        memcpy(tail, s + i, n - i);
        if (!chunk(tail, i, quotes)) return 0;
    }
    return 1;
}

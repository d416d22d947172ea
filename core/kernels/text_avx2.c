/*
 * text_avx2.c - the NDJSON line pre-scan (kernels/text.h), compiled with
 * -mavx2 for this file only: 32 bytes a compare. A signed compare with
 * 0x20 finds both the control bytes and those from 0x80 (negative as
 * signed); the tail is padded with a plain byte.
 */
#include <immintrin.h>
#include <string.h>

#include "core/kernels/text.h"

static inline int chunk(const unsigned char *p, size_t i, uint64_t *quotes)
{
    const __m256i b = _mm256_loadu_si256((const __m256i *)p);
    const __m256i bad = _mm256_or_si256(_mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), b),
                                        _mm256_cmpeq_epi8(b, _mm256_set1_epi8('\\')));
    if (!_mm256_testz_si256(bad, bad)) return 0;
    uint32_t q = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, _mm256_set1_epi8('"')));
    quotes[i >> 6] |= (uint64_t)q << (i & 63);
    return 1;
}

int slagg_json_plain_avx2(const unsigned char *s, size_t n, uint64_t *quotes)
{
    size_t i = 0;
    memset(quotes, 0, ((n + 63) / 64) * sizeof *quotes);
    for (; i + 32 <= n; i += 32)
        if (!chunk(s + i, i, quotes)) return 0;
    if (i < n) {
        unsigned char tail[32];
        memset(tail, 'a', sizeof tail);
        memcpy(tail, s + i, n - i);
        if (!chunk(tail, i, quotes)) return 0;
    }
    return 1;
}

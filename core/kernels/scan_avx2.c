/*
 * scan_avx2.c - AVX2 code scan (kernels/scan.h), compiled with -mavx2 for
 * this file only. 32 codes (u8) or 16 (u16) a compare: d = x - lo, then
 * max(d, span) == d marks the codes outside [lo, lo + span) (unsigned); a
 * stride with no mark costs the compare and one test. The tail is the
 * scalar loop's.
 */
#include <immintrin.h>

#include "core/kernels/scan.h"

size_t slagg_scan8_avx2(const uint8_t *code, size_t n, uint8_t lo, uint8_t span, uint32_t *out)
{
    size_t i = 0, k = 0;
    const __m256i vlo = _mm256_set1_epi8((char)lo), vsp = _mm256_set1_epi8((char)span);
    for (; i + 32 <= n; i += 32) {
        __m256i d = _mm256_sub_epi8(_mm256_loadu_si256((const __m256i *)(code + i)), vlo);
        uint32_t m = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(d, vsp), d));
        for (; m; m &= m - 1) out[k++] = (uint32_t)(i + (unsigned)__builtin_ctz(m));
    }
    for (; i < n; i++) {
        out[k] = (uint32_t)i;
        k += (uint8_t)(code[i] - lo) >= span;
    }
    return k;
}

size_t slagg_scan16_avx2(const uint16_t *code, size_t n, uint16_t lo, uint16_t span, uint32_t *out)
{
    size_t i = 0, k = 0;
    const __m256i vlo = _mm256_set1_epi16((short)lo), vsp = _mm256_set1_epi16((short)span);
    for (; i + 16 <= n; i += 16) {
        __m256i d = _mm256_sub_epi16(_mm256_loadu_si256((const __m256i *)(code + i)), vlo);
        /* two mask bits per u16 lane: keep the even ones */
        uint32_t m = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi16(_mm256_max_epu16(d, vsp), d)) & 0x55555555u;
        for (; m; m &= m - 1) out[k++] = (uint32_t)(i + ((unsigned)__builtin_ctz(m) >> 1));
    }
    for (; i < n; i++) {
        out[k] = (uint32_t)i;
        k += (uint16_t)(code[i] - lo) >= span;
    }
    return k;
}

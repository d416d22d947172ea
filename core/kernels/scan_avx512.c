/*
 * scan_avx512.c - AVX-512 (BW) code scan (kernels/scan.h), compiled with
 * -mavx512bw for this file only: 64 codes (u8) or 32 (u16) a compare into
 * a mask register (unsigned >=, no max trick needed). The tail is the
 * scalar loop's.
 */
#include <immintrin.h>

#include "core/kernels/scan.h"

size_t slagg_scan8_avx512(const uint8_t *code, size_t n, uint8_t lo, uint8_t span, uint32_t *out)
{
    size_t i = 0, k = 0;
    const __m512i vlo = _mm512_set1_epi8((char)lo), vsp = _mm512_set1_epi8((char)span);
    for (; i + 64 <= n; i += 64) {
        __m512i d = _mm512_sub_epi8(_mm512_loadu_si512((const void *)(code + i)), vlo);
        uint64_t m = (uint64_t)_mm512_cmpge_epu8_mask(d, vsp);
        for (; m; m &= m - 1) out[k++] = (uint32_t)(i + (unsigned)__builtin_ctzll(m));
    }
    for (; i < n; i++) {
        out[k] = (uint32_t)i;
        k += (uint8_t)(code[i] - lo) >= span;
    }
    return k;
}

size_t slagg_scan16_avx512(const uint16_t *code, size_t n, uint16_t lo, uint16_t span, uint32_t *out)
{
    size_t i = 0, k = 0;
    const __m512i vlo = _mm512_set1_epi16((short)lo), vsp = _mm512_set1_epi16((short)span);
    for (; i + 32 <= n; i += 32) {
        __m512i d = _mm512_sub_epi16(_mm512_loadu_si512((const void *)(code + i)), vlo);
        uint32_t m = (uint32_t)_mm512_cmpge_epu16_mask(d, vsp);
        for (; m; m &= m - 1) out[k++] = (uint32_t)(i + (unsigned)__builtin_ctz(m));
    }
    for (; i < n; i++) {
        out[k] = (uint32_t)i;
        k += (uint16_t)(code[i] - lo) >= span;
    }
    return k;
}

/*
 * fold_avx512.c - AVX-512 kernel (kernels/fold.h), compiled with
 * -mavx512f/bw/vl for this file only; chosen at run time when cpuid and
 * xgetbv say the ZMM state is enabled. Same scheme as fold_avx2.c with
 * sixteen records a step. No scatter and no conflict detection: records of
 * a run are sorted, so a window boundary is found by comparing the last
 * lane's window, not by resolving collisions.
 */
#include <immintrin.h>

#include "core/kernels/fold.h"

void slagg_fold_run_avx512(const uint32_t *rel_ms, const uint8_t *flags, size_t n, uint32_t *ve,
                         uint32_t base_slot, uint32_t mask, size_t stride)
{
    if (n == 0) return;
    slagg_fold_acc acc = {slagg_div300k(rel_ms[0]), 0, 0};
    size_t i = 0;
    const __m128i ones = _mm_set1_epi8(1);
    for (; i + 16 <= n; i += 16) {
        uint32_t w_last = slagg_div300k(rel_ms[i + 15]);
        if (w_last == acc.cur) {
            __m128i f = _mm_loadu_si128((const __m128i *)(flags + i));
            __m128i val = _mm_and_si128(f, ones);
            __m128i err = _mm_and_si128(_mm_srli_epi16(f, 1), ones);
            __m128i sa = _mm_sad_epu8(val, _mm_setzero_si128());
            __m128i sb = _mm_sad_epu8(err, _mm_setzero_si128());
            acc.v += (uint64_t)_mm_cvtsi128_si64(sa) + (uint64_t)_mm_extract_epi64(sa, 1);
            acc.e += (uint64_t)_mm_cvtsi128_si64(sb) + (uint64_t)_mm_extract_epi64(sb, 1);
            continue;
        }
        __m512i x = _mm512_loadu_si512((const void *)(rel_ms + i));
        const __m512i m = _mm512_set1_epi64((long long)SLAGG_DIV300K_MUL);
        __m512i even = _mm512_srli_epi64(_mm512_mul_epu32(x, m), SLAGG_DIV300K_SHIFT);
        __m512i odd = _mm512_srli_epi64(_mm512_mul_epu32(_mm512_srli_epi64(x, 32), m), SLAGG_DIV300K_SHIFT);
        uint32_t w[16];
        _mm512_storeu_si512((void *)w, _mm512_or_si512(even, _mm512_slli_epi64(odd, 32)));
        for (int k = 0; k < 16; k++) slagg_fold_step(&acc, w[k], flags[i + k], ve, base_slot, mask, stride);
    }
    for (; i < n; i++) slagg_fold_step(&acc, slagg_div300k(rel_ms[i]), flags[i], ve, base_slot, mask, stride);
    slagg_fold_flush(&acc, ve, base_slot, mask, stride);
}

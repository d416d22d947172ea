/*
 * fold_avx2.c - AVX2 kernel (kernels/fold.h), compiled with -mavx2 for this
 * file only; chosen at run time when cpuid and xgetbv say AVX2 is usable.
 *
 * Eight records at a time: the window of the first and of the last lane
 * are computed with the reciprocal multiply (vpmuludq); when both are
 * equal (the common case: records of one account are sorted by time and a
 * window holds many), the eight valid and error flags are summed with one
 * vpsadbw-style horizontal add and added to the window in registers.
 * Otherwise the eight records fall back to the scalar step.
 */
#include <immintrin.h>

#include "core/kernels/fold.h"

void slagg_fold_run_avx2(const uint32_t *rel_ms, const uint8_t *flags, size_t n, uint32_t *ve,
                         uint32_t base_slot, uint32_t mask, size_t stride)
{
    if (n == 0) return;
    slagg_fold_acc acc = {slagg_div300k(rel_ms[0]), 0, 0};
    size_t i = 0;
    const __m128i ones = _mm_set1_epi8(1);
    for (; i + 8 <= n; i += 8) {
        uint32_t w_last = slagg_div300k(rel_ms[i + 7]);
        if (w_last == acc.cur) {
            /* all eight in the current window (sorted: first >= cur) */
            __m128i f = _mm_loadl_epi64((const __m128i *)(flags + i));
            __m128i val = _mm_and_si128(f, ones);
            __m128i err = _mm_srli_epi16(f, 1);
            err = _mm_and_si128(err, ones);
            acc.v += (uint64_t)_mm_cvtsi128_si64(_mm_sad_epu8(val, _mm_setzero_si128()));
            acc.e += (uint64_t)_mm_cvtsi128_si64(_mm_sad_epu8(err, _mm_setzero_si128()));
            continue;
        }
        /* a window boundary inside these eight: windows of all lanes */
        __m256i x = _mm256_loadu_si256((const __m256i *)(rel_ms + i));
        const __m256i m = _mm256_set1_epi64x((long long)SLAGG_DIV300K_MUL);
        __m256i even = _mm256_srli_epi64(_mm256_mul_epu32(x, m), SLAGG_DIV300K_SHIFT);
        __m256i odd = _mm256_srli_epi64(_mm256_mul_epu32(_mm256_srli_epi64(x, 32), m), SLAGG_DIV300K_SHIFT);
        uint32_t w[8];
        __m256i ws = _mm256_or_si256(even, _mm256_slli_epi64(odd, 32));
        _mm256_storeu_si256((__m256i *)w, ws);
        for (int k = 0; k < 8; k++) slagg_fold_step(&acc, w[k], flags[i + k], ve, base_slot, mask, stride);
    }
    for (; i < n; i++) slagg_fold_step(&acc, slagg_div300k(rel_ms[i]), flags[i], ve, base_slot, mask, stride);
    slagg_fold_flush(&acc, ve, base_slot, mask, stride);
}

/*
 * fold_neon.c - NEON kernel (kernels/fold.h) for aarch64, where NEON is
 * always present (getauxval confirms it in core/cpu.c). Same scheme as
 * fold_avx2.c: sixteen records a step; when the last one is still in the
 * current window, the flags are summed with vaddlvq_u8, else the windows
 * of the step are computed with widening multiplies (vmull_u32).
 */
#include <arm_neon.h>

#include "core/kernels/fold.h"

void slagg_fold_run_neon(const uint32_t *rel_ms, const uint8_t *flags, size_t n, uint32_t *ve,
                         uint32_t base_slot, uint32_t mask, size_t stride)
{
    if (n == 0) return;
    slagg_fold_acc acc = {slagg_div300k(rel_ms[0]), 0, 0};
    size_t i = 0;
    const uint8x16_t one = vdupq_n_u8(1);
    for (; i + 16 <= n; i += 16) {
        uint32_t w_last = slagg_div300k(rel_ms[i + 15]);
        if (w_last == acc.cur) {
            uint8x16_t f = vld1q_u8(flags + i);
            acc.v += vaddlvq_u8(vandq_u8(f, one));
            acc.e += vaddlvq_u8(vshrq_n_u8(f, 1));
            continue;
        }
        uint32_t w[16];
        const uint32x2_t m = vdup_n_u32((uint32_t)SLAGG_DIV300K_MUL);
        for (int q = 0; q < 16; q += 4) {
            uint32x4_t x = vld1q_u32(rel_ms + i + q);
            uint64x2_t lo = vshrq_n_u64(vmull_u32(vget_low_u32(x), m), SLAGG_DIV300K_SHIFT);
            uint64x2_t hi = vshrq_n_u64(vmull_u32(vget_high_u32(x), m), SLAGG_DIV300K_SHIFT);
            vst1q_u32(w + q, vcombine_u32(vmovn_u64(lo), vmovn_u64(hi)));
        }
        for (int k = 0; k < 16; k++) slagg_fold_step(&acc, w[k], flags[i + k], ve, base_slot, mask, stride);
    }
    for (; i < n; i++) slagg_fold_step(&acc, slagg_div300k(rel_ms[i]), flags[i], ve, base_slot, mask, stride);
    slagg_fold_flush(&acc, ve, base_slot, mask, stride);
}

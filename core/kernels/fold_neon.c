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
                  uint32_t base_slot, uint32_t mask)
{
    if (n == 0) return;
    uint32_t cur = slagg_div300k(rel_ms[0]);
    uint64_t sv = 0, se = 0;
    size_t i = 0;
    const uint8x16_t one = vdupq_n_u8(1);
    for (; i + 16 <= n; i += 16) {
        uint32_t w_last = slagg_div300k(rel_ms[i + 15]);
        if (w_last == cur) {
            uint8x16_t f = vld1q_u8(flags + i);
            sv += vaddlvq_u8(vandq_u8(f, one));
            se += vaddlvq_u8(vshrq_n_u8(f, 1));
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
        for (int k = 0; k < 16; k++) {
            if (w[k] != cur) {
                uint32_t slot = (base_slot + cur) & mask;
                ve[2 * slot] += (uint32_t)sv;
                ve[2 * slot + 1] += (uint32_t)se;
                sv = se = 0;
                cur = w[k];
            }
            sv += flags[i + k] & 1u;
            se += flags[i + k] >> 1;
        }
    }
    for (; i < n; i++) {
        uint32_t w = slagg_div300k(rel_ms[i]);
        if (w != cur) {
            uint32_t slot = (base_slot + cur) & mask;
            ve[2 * slot] += (uint32_t)sv;
            ve[2 * slot + 1] += (uint32_t)se;
            sv = se = 0;
            cur = w;
        }
        sv += flags[i] & 1u;
        se += flags[i] >> 1;
    }
    uint32_t slot = (base_slot + cur) & mask;
    ve[2 * slot] += (uint32_t)sv;
    ve[2 * slot + 1] += (uint32_t)se;
}

/*
 * fold_scalar.c - the portable kernel (kernels/fold.h). Records of a run
 * are sorted by time, so consecutive records often share a window: sums
 * stay in registers until the window changes (slagg_fold_step).
 */
#include "core/kernels/fold.h"

void slagg_fold_run_scalar(const uint32_t *rel_ms, const uint8_t *flags, size_t n, uint32_t *ve,
                           uint32_t base_slot, uint32_t mask, size_t stride)
{
    if (n == 0) return;
    slagg_fold_acc acc = {slagg_div300k(rel_ms[0]), 0, 0};
    for (size_t i = 0; i < n; i++)
        slagg_fold_step(&acc, slagg_div300k(rel_ms[i]), flags[i], ve, base_slot, mask, stride);
    slagg_fold_flush(&acc, ve, base_slot, mask, stride);
}

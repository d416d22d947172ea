/*
 * fold_scalar.c - the portable kernel (kernels/fold.h). Records of a run
 * are sorted by time, so consecutive records mostly share a window: sums
 * stay in registers until the window changes, which avoids a load-store
 * round trip per record.
 */
#include "core/kernels/fold.h"

void slagg_fold_run_scalar(const uint32_t *rel_ms, const uint8_t *flags, size_t n, uint32_t *ve,
                  uint32_t base_slot, uint32_t mask)
{
    if (n == 0) return;
    uint32_t cur = slagg_div300k(rel_ms[0]);
    uint32_t sv = 0, se = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t w = slagg_div300k(rel_ms[i]);
        if (w != cur) {
            uint32_t slot = (base_slot + cur) & mask;
            ve[2 * slot] += sv;
            ve[2 * slot + 1] += se;
            sv = se = 0;
            cur = w;
        }
        sv += flags[i] & 1u;
        se += flags[i] >> 1;
    }
    uint32_t slot = (base_slot + cur) & mask;
    ve[2 * slot] += sv;
    ve[2 * slot + 1] += se;
}

/*
 * scan_scalar.c - the portable code scan (kernels/scan.h), and the tail
 * loop of the SIMD ones.
 */
#include "core/kernels/scan.h"

size_t slagg_scan8_scalar(const uint8_t *code, size_t n, uint8_t lo, uint8_t span, uint32_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        out[k] = (uint32_t)i;   /* branch-free: written always, kept when outside */
        k += (uint8_t)(code[i] - lo) >= span;
    }
    return k;
}

size_t slagg_scan16_scalar(const uint16_t *code, size_t n, uint16_t lo, uint16_t span, uint32_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        out[k] = (uint32_t)i;
        k += (uint16_t)(code[i] - lo) >= span;
    }
    return k;
}

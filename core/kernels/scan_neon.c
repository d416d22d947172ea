/*
 * scan_neon.c - NEON code scan (kernels/scan.h): 16 codes (u8) or 8 (u16)
 * a compare (vcgeq, unsigned); a stride with no mark is one vmaxvq test.
 * The tail is the scalar loop's.
 */
#include <arm_neon.h>

#include "core/kernels/scan.h"

size_t slagg_scan8_neon(const uint8_t *code, size_t n, uint8_t lo, uint8_t span, uint32_t *out)
{
    size_t i = 0, k = 0;
    const uint8x16_t vlo = vdupq_n_u8(lo), vsp = vdupq_n_u8(span);
    for (; i + 16 <= n; i += 16) {
        uint8x16_t m = vcgeq_u8(vsubq_u8(vld1q_u8(code + i), vlo), vsp);
        if (vmaxvq_u8(m) == 0) continue;
        uint8_t b[16];
        vst1q_u8(b, m);
        for (unsigned j = 0; j < 16; j++) {
            out[k] = (uint32_t)(i + j);
            k += b[j] != 0;
        }
    }
    for (; i < n; i++) {
        out[k] = (uint32_t)i;
        k += (uint8_t)(code[i] - lo) >= span;
    }
    return k;
}

size_t slagg_scan16_neon(const uint16_t *code, size_t n, uint16_t lo, uint16_t span, uint32_t *out)
{
    size_t i = 0, k = 0;
    const uint16x8_t vlo = vdupq_n_u16(lo), vsp = vdupq_n_u16(span);
    for (; i + 8 <= n; i += 8) {
        uint16x8_t m = vcgeq_u16(vsubq_u16(vld1q_u16(code + i), vlo), vsp);
        if (vmaxvq_u16(m) == 0) continue;
        uint16_t b[8];
        vst1q_u16(b, m);
        for (unsigned j = 0; j < 8; j++) {
            out[k] = (uint32_t)(i + j);
            k += b[j] != 0;
        }
    }
    for (; i < n; i++) {
        out[k] = (uint32_t)i;
        k += (uint16_t)(code[i] - lo) >= span;
    }
    return k;
}

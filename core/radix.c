#include "core/radix.h"

#include <string.h>

/* core/radix.h. One histogram pass for all eight digits, then one
 * scatter pass per digit that is not the same for every key. */
void slagg_radix_sort(uint64_t **k, uint32_t **p, uint64_t **tk, uint32_t **tp, uint32_t n)
{
    static const int digits = 8;
    uint32_t hist[8][256];
    memset(hist, 0, sizeof hist);
    uint64_t *src_k = *k, *dst_k = *tk;
    uint32_t *src_p = *p, *dst_p = *tp;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t v = src_k[i];
        for (int d = 0; d < digits; d++) hist[d][(v >> (8 * d)) & 0xff]++;
    }
    for (int d = 0; d < digits; d++) {
        uint32_t *h = hist[d];
        uint32_t sum = 0;
        int trivial = 0;
        for (int b = 0; b < 256; b++) {
            if (h[b] == n) trivial = 1;
            uint32_t c = h[b];
            h[b] = sum;
            sum += c;
        }
        if (trivial) continue;
        int shift = 8 * d;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t v = src_k[i];
            uint32_t pos = h[(v >> shift) & 0xff]++;
            dst_k[pos] = v;
            dst_p[pos] = src_p[i];
        }
        uint64_t *tk2 = src_k;
        src_k = dst_k;
        dst_k = tk2;
        uint32_t *tp2 = src_p;
        src_p = dst_p;
        dst_p = tp2;
    }
    *k = src_k;
    *p = src_p;
    *tk = dst_k;
    *tp = dst_p;
}

/*
 * exact.h - exact availability and tier decisions (SPEC section 2,
 * "Windows, availability, tiers").
 *
 * Availability A = 1 - S / N with S = sum over windows of E/V. Floating
 * point cannot decide A >= 99.90 % when S / N sits on the boundary (864
 * windows at 1/100 in a 30-day month is exactly 99.90 %). Everything here
 * works from u = ceil(10^6 * S / N), the unavailability in parts per
 * million, computed exactly:
 *   printed availability = (10^6 - u) / 10^4 percent, 4 decimals, i.e. A
 *   truncated toward zero;
 *   A >= 99.90 %  <=>  u <= 1000;  A >= 99 %  <=>  u <= 10000;
 *   A >= 95 %  <=>  u <= 50000  (u is an integer, so the ceiling is exact).
 * Fast path: 128-bit fixed-point lower and upper bounds of S (2^-64 units).
 * Fallback when the bounds straddle a ppm boundary: exact rational
 * arithmetic on an arbitrary-precision integer.
 */
#ifndef SLAGG_CORE_EXACT_H
#define SLAGG_CORE_EXACT_H

#include <stddef.h>
#include <stdint.h>

#include "slagg/slagg.h"

/* One window with errors: 0 < e <= v. */
typedef struct slagg_ev {
    uint64_t e;
    uint64_t v;
} slagg_ev;

/* Computes *unavail_ppm = ceil(10^6 * (sum e/v) / n_windows) exactly.
 * n_windows > 0 and count <= n_windows. Returns SLAGG_OK, SLAGG_E_NOMEM
 * (fallback arithmetic), or SLAGG_E_INTERNAL for violated preconditions. */
slagg_status slagg_unavail_ppm(const slagg_ev *w, size_t count, uint64_t n_windows,
                               uint64_t *unavail_ppm);

/* Exact three-way comparison of S = sum e/v with num/den (den > 0):
 * *cmp = -1, 0 or 1. */
slagg_status slagg_ratesum_cmp(const slagg_ev *w, size_t count, uint64_t num,
                               uint64_t den, int *cmp);

/* Credit tier percent (0, 10, 25, 50) for an unavailability in ppm. */
int slagg_tier_pct(uint64_t unavail_ppm);

/* "99.8999", "100.0000", "0.0000": (10^6 - unavail_ppm) / 10^4 with 4
 * decimals. out needs 16 bytes. */
void slagg_format_availability(uint64_t unavail_ppm, char out[16]);

#endif

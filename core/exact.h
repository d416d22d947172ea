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

/* Exact "A < pct_num / pct_den percent" for the availability A = 1 - S / N
 * of the windows w (N = n_windows > 0): *below = 1 or 0. `slagg periods
 * --below PCT` (SPEC 5) compares the exact value, never the printed one:
 * at 864 windows of 1/100 over 30 days A is exactly 99.90, not below
 * 99.9 and below 99.9001. Any pct >= 0 (above 100 every row is below).
 * SLAGG_E_INTERNAL when pct_den is 0 or n_windows * 100 * pct_den does
 * not fit 64 bits. */
slagg_status slagg_avail_below(const slagg_ev *w, size_t count, uint64_t n_windows,
                               uint64_t pct_num, uint64_t pct_den, int *below);

/* Exact three-way comparison of two unavailabilities S1 / N1 and S2 / N2
 * (so -1 means period 1 is the more available): the ordering of `slagg
 * periods --sort availability`, which needs the exact value because two
 * periods can share a printed (truncated) figure. n1, n2 > 0. */
slagg_status slagg_unavail_cmp(const slagg_ev *w1, size_t c1, uint64_t n1, const slagg_ev *w2,
                               size_t c2, uint64_t n2, int *cmp);

/* Exact comparison of two windows' shares e / (v n) of their periods'
 * unavailability (SPEC 5 `windows`, `share` = 100 E / (V N)): -1, 0 or 1.
 * v1, n1, v2, n2 > 0. 192-bit cross products, never rounded. */
int slagg_share_cmp(uint64_t e1, uint64_t v1, uint64_t n1, uint64_t e2, uint64_t v2, uint64_t n2);

/* trunc6 (SPEC 5): num * mul / (den1 * den2) truncated toward zero to 6
 * decimals, "0.500000", "12.000000". `rate` is (E, 1, V, 1), `share`
 * (E, 100, V, N). Integer arithmetic only. den1, den2 > 0 (else "0.000000").
 * out needs SLAGG_TRUNC6_CHARS bytes. */
#define SLAGG_TRUNC6_CHARS 48
void slagg_format_trunc6(uint64_t num, uint32_t mul, uint64_t den1, uint64_t den2,
                         char out[SLAGG_TRUNC6_CHARS]);

#endif

/*
 * test_exact.c - exact availability, tiers and the printed figure
 * (SPEC section 2 "Windows, availability, tiers").
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/exact.h"

typedef unsigned __int128 u128;

#define N30 8640u                          /* 288 windows x 30 days */
#define BIGPRIME 9223372036854775783ULL    /* 2^63 - 25, prime */

static uint64_t ppm_of(const slagg_ev *w, size_t count, uint64_t n)
{
    uint64_t u = 12345678;
    cr_assert_eq(slagg_unavail_ppm(w, count, n, &u), SLAGG_OK);
    return u;
}

static void expect_avail(uint64_t u, const char *text)
{
    char buf[16];
    slagg_format_availability(u, buf);
    cr_assert_str_eq(buf, text, "u=%llu", (unsigned long long)u);
}

/* deterministic PRNG (splitmix64), so a failure can be replayed */
static uint64_t rng_state;
static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void shuffle(slagg_ev *w, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(rng() % i);
        slagg_ev t = w[i - 1];
        w[i - 1] = w[j];
        w[j] = t;
    }
}

/* ---- the 99.90 % boundary ------------------------------------------------- */

Test(exact, float_trap_864_windows_at_one_percent_is_exactly_99_90)
{
    slagg_ev w[864];
    for (int i = 0; i < 864; i++) w[i] = (slagg_ev){1, 100};
    uint64_t u = ppm_of(w, 864, N30);
    cr_assert_eq(u, 1000);
    expect_avail(u, "99.9000");
    cr_assert_eq(slagg_tier_pct(u), 0);

    /* What naive floating point would have said; informative only, the
     * exact result above must not depend on it. On IEEE doubles the sum
     * comes out as 8.63999999999986, not 8.64, so any threshold test on it
     * hangs on rounding luck. */
    double sum = 0;
    for (int i = 0; i < 864; i++) sum += 1.0 / 100.0;
    double a = 1.0 - sum / 8640.0;
    cr_log_info("naive double: sum %.17g (exact 8.64)%s, availability %.17g%s", sum,
                sum != 8.64 ? " WRONG" : "", a, a != 0.999 ? " != 0.999" : "");
}

Test(exact, one_more_error_request_drops_to_tier_10)
{
    slagg_ev w[864];
    for (int i = 0; i < 864; i++) w[i] = (slagg_ev){1, 100};
    w[500] = (slagg_ev){2, 100};
    uint64_t u = ppm_of(w, 864, N30);
    cr_assert_eq(u, 1002);  /* 8.65 / 8640 = 1001.157... ppm -> ceil 1002 */
    expect_avail(u, "99.8998");
    cr_assert_eq(slagg_tier_pct(u), 10);
}

Test(exact, hair_below_99_90_is_tier_10)
{
    slagg_ev w[864];
    for (int i = 0; i < 864; i++) w[i] = (slagg_ev){1, 100};
    w[0] = (slagg_ev){9974, 997300};  /* 1/100 + 1/997300 */
    uint64_t u = ppm_of(w, 864, N30);
    cr_assert_eq(u, 1001);
    expect_avail(u, "99.8999");
    cr_assert_eq(slagg_tier_pct(u), 10);

    /* and a hair above: still exactly tier 0 */
    w[0] = (slagg_ev){9972, 997300};
    u = ppm_of(w, 864, N30);
    cr_assert_eq(u, 1000);
    expect_avail(u, "99.9000");
    cr_assert_eq(slagg_tier_pct(u), 0);
}

Test(exact, hair_below_99_90_with_huge_denominator)
{
    /* 864 windows at exactly 1 % plus one window at 1/(2^63-25): S exceeds
     * the boundary by about 10^-19, far inside the fixed-point error */
    slagg_ev w[865];
    for (int i = 0; i < 864; i++) w[i] = (slagg_ev){1, 100};
    w[864] = (slagg_ev){1, BIGPRIME};
    uint64_t u = ppm_of(w, 865, N30);
    cr_assert_eq(u, 1001);
    cr_assert_eq(slagg_tier_pct(u), 10);
    expect_avail(u, "99.8999");

    /* informative: in doubles 1/P is far below one ulp of 8.64, so a naive
     * computation cannot see this window at all and would grant tier 0 */
    double sum = 0;
    for (int i = 0; i < 865; i++) sum += (double)w[i].e / (double)w[i].v;
    double a = 1.0 - sum / 8640.0;
    cr_log_info("naive double: availability %.17g -> %s", a,
                a >= 0.999 ? "tier 0 (wrong)" : "below 99.90 % (right by luck)");
}

/* ---- the 99 % and 95 % boundaries, with awkward denominators ----------------- */

/* Appends windows whose rates sum to exactly `whole` + (with_04 ? 0.4 : 0),
 * using denominators 3, 7, 15, 9973 and 2^63-25 so that no fixed-point
 * bound is exact and the fallback must decide. Returns the count. The pair
 * on the huge prime is at w[idx_big], w[idx_big+1]. */
static size_t build_boundary(slagg_ev *w, uint64_t whole, int with_04, size_t *idx_big)
{
    size_t n = 0;
    uint64_t sum = 0;
    for (int i = 0; i < 3; i++) w[n++] = (slagg_ev){1, 3};
    sum++;
    for (int i = 0; i < 7; i++) w[n++] = (slagg_ev){1, 7};
    sum++;
    w[n++] = (slagg_ev){4986, 9973};
    w[n++] = (slagg_ev){4987, 9973};
    sum++;
    *idx_big = n;
    w[n++] = (slagg_ev){1234567890123ULL, BIGPRIME};
    w[n++] = (slagg_ev){BIGPRIME - 1234567890123ULL, BIGPRIME};
    sum++;
    w[n++] = (slagg_ev){3, 9};   /* 1/3 */
    w[n++] = (slagg_ev){2, 10};  /* 1/5 */
    w[n++] = (slagg_ev){7, 15};  /* 7/15: 1/3 + 1/5 + 7/15 = 1 */
    sum++;
    if (with_04) {
        w[n++] = (slagg_ev){1, 3};
        w[n++] = (slagg_ev){1, 15};  /* 0.4 */
    }
    while (sum < whole) {
        w[n++] = (slagg_ev){17, 17};
        sum++;
    }
    return n;
}

Test(exact, exactly_99_00_and_a_hair_either_side)
{
    static slagg_ev w[N30];
    size_t big;
    size_t n = build_boundary(w, 86, 1, &big);  /* S = 86.4 = 0.01 * 8640 */
    int cmp = 9;
    cr_assert_eq(slagg_ratesum_cmp(w, n, 864, 10, &cmp), SLAGG_OK);
    cr_assert_eq(cmp, 0);

    uint64_t u = ppm_of(w, n, N30);
    cr_assert_eq(u, 10000);
    expect_avail(u, "99.0000");
    cr_assert_eq(slagg_tier_pct(u), 10);

    w[big].e += 1;  /* S = 86.4 + 2^-63ish */
    u = ppm_of(w, n, N30);
    cr_assert_eq(u, 10001);
    expect_avail(u, "98.9999");
    cr_assert_eq(slagg_tier_pct(u), 25);

    w[big].e -= 2;  /* S = 86.4 - 1/P */
    u = ppm_of(w, n, N30);
    cr_assert_eq(u, 10000);
    expect_avail(u, "99.0000");
    cr_assert_eq(slagg_tier_pct(u), 10);
}

Test(exact, exactly_95_00_and_a_hair_either_side)
{
    static slagg_ev w[N30];
    size_t big;
    size_t n = build_boundary(w, 432, 0, &big);  /* S = 432 = 0.05 * 8640 */
    uint64_t u = ppm_of(w, n, N30);
    cr_assert_eq(u, 50000);
    expect_avail(u, "95.0000");
    cr_assert_eq(slagg_tier_pct(u), 25);

    w[big + 1].e += 1;
    u = ppm_of(w, n, N30);
    cr_assert_eq(u, 50001);
    expect_avail(u, "94.9999");
    cr_assert_eq(slagg_tier_pct(u), 50);

    w[big + 1].e -= 2;
    u = ppm_of(w, n, N30);
    cr_assert_eq(u, 50000);
    cr_assert_eq(slagg_tier_pct(u), 25);
}

Test(exact, boundary_result_independent_of_window_order)
{
    static slagg_ev w[N30];
    size_t big;
    size_t n = build_boundary(w, 86, 1, &big);
    w[big].e += 1;
    rng_state = 42;
    for (int round = 0; round < 20; round++) {
        shuffle(w, n);
        cr_assert_eq(ppm_of(w, n, N30), 10001, "round %d", round);
    }
}

/* ---- simple ends ---------------------------------------------------------------- */

Test(exact, no_windows_is_100_percent)
{
    uint64_t u = ppm_of(NULL, 0, N30);
    cr_assert_eq(u, 0);
    expect_avail(u, "100.0000");
    cr_assert_eq(slagg_tier_pct(u), 0);
}

Test(exact, all_windows_failed_is_zero_percent)
{
    static slagg_ev w[N30];
    for (size_t i = 0; i < N30; i++) w[i] = (slagg_ev){i + 1, i + 1};
    uint64_t u = ppm_of(w, N30, N30);
    cr_assert_eq(u, 1000000);
    expect_avail(u, "0.0000");
    cr_assert_eq(slagg_tier_pct(u), 50);
}

Test(exact, single_day_in_progress_small_n)
{
    /* one window fully failed in a 1-day month-to-date: 1/288 */
    slagg_ev w[1] = {{5, 5}};
    uint64_t u = ppm_of(w, 1, 288);
    cr_assert_eq(u, 3473);  /* 10^6/288 = 3472.2 -> 3473 */
    expect_avail(u, "99.6527");
    cr_assert_eq(slagg_tier_pct(u), 10);
}

Test(exact, extreme_values)
{
    slagg_ev w[2] = {{UINT64_MAX, UINT64_MAX}, {1, UINT64_MAX}};
    /* 1 + 1/(2^64-1) over 2 windows: 500000.000... -> 500001 */
    cr_assert_eq(ppm_of(w, 2, 2), 500001);
    cr_assert_eq(ppm_of(w, 1, 1), 1000000);
    /* one tiny rate over a huge N: rounds up to 1 ppm */
    cr_assert_eq(ppm_of(&w[1], 1, UINT64_MAX), 1);
}

Test(exact, preconditions_are_reported_not_crashed)
{
    slagg_ev ok[1] = {{1, 2}};
    slagg_ev zero_e[1] = {{0, 2}};
    slagg_ev e_gt_v[1] = {{3, 2}};
    uint64_t u = 77;
    cr_assert_eq(slagg_unavail_ppm(ok, 1, 0, &u), SLAGG_E_INTERNAL);
    cr_assert_eq(slagg_unavail_ppm(ok, 2, 1, &u), SLAGG_E_INTERNAL);
    cr_assert_eq(slagg_unavail_ppm(zero_e, 1, 10, &u), SLAGG_E_INTERNAL);
    cr_assert_eq(slagg_unavail_ppm(e_gt_v, 1, 10, &u), SLAGG_E_INTERNAL);
    cr_assert_eq(slagg_unavail_ppm(NULL, 1, 10, &u), SLAGG_E_INTERNAL);
    cr_assert_eq(u, 77);
    int c = 5;
    cr_assert_eq(slagg_ratesum_cmp(ok, 1, 1, 0, &c), SLAGG_E_INTERNAL);
    cr_assert_eq(slagg_ratesum_cmp(e_gt_v, 1, 1, 1, &c), SLAGG_E_INTERNAL);
    cr_assert_eq(c, 5);
}

/* ---- slagg_ratesum_cmp ------------------------------------------------------------ */

static int cmp_of(const slagg_ev *w, size_t n, uint64_t num, uint64_t den)
{
    int c = 99;
    cr_assert_eq(slagg_ratesum_cmp(w, n, num, den, &c), SLAGG_OK);
    return c;
}

Test(exact, ratesum_cmp_hand_cases)
{
    slagg_ev half_third[2] = {{1, 2}, {1, 3}};  /* 5/6 */
    cr_assert_eq(cmp_of(half_third, 2, 5, 6), 0);
    cr_assert_eq(cmp_of(half_third, 2, 10, 12), 0);
    cr_assert_eq(cmp_of(half_third, 2, 4, 6), 1);
    cr_assert_eq(cmp_of(half_third, 2, 6, 6), -1);
    cr_assert_eq(cmp_of(half_third, 2, 833333, 1000000), 1);
    cr_assert_eq(cmp_of(half_third, 2, 833334, 1000000), -1);

    cr_assert_eq(cmp_of(NULL, 0, 0, 1), 0);
    cr_assert_eq(cmp_of(NULL, 0, 1, 1000000000000000000ULL), -1);

    slagg_ev tiny[1] = {{1, BIGPRIME}};
    cr_assert_eq(cmp_of(tiny, 1, 0, 7), 1);
    cr_assert_eq(cmp_of(tiny, 1, 1, BIGPRIME), 0);
    cr_assert_eq(cmp_of(tiny, 1, 1, BIGPRIME + 1), 1);
    cr_assert_eq(cmp_of(tiny, 1, 1, BIGPRIME - 1), -1);

    slagg_ev pair[2] = {{1, BIGPRIME}, {BIGPRIME - 1, BIGPRIME}};  /* exactly 1 */
    cr_assert_eq(cmp_of(pair, 2, 1, 1), 0);
    cr_assert_eq(cmp_of(pair, 2, UINT64_MAX, UINT64_MAX), 0);
    cr_assert_eq(cmp_of(pair, 2, UINT64_MAX - 1, UINT64_MAX), 1);
    cr_assert_eq(cmp_of(pair, 2, UINT64_MAX, UINT64_MAX - 1), -1);
    cr_assert_eq(cmp_of(pair, 2, UINT64_MAX, 1), -1);

    slagg_ev full[3] = {{UINT64_MAX, UINT64_MAX}, {7, 7}, {2, 3}};  /* 8/3 */
    cr_assert_eq(cmp_of(full, 3, 8, 3), 0);
    cr_assert_eq(cmp_of(full, 3, 16, 6), 0);
    cr_assert_eq(cmp_of(full, 3, 3, 1), -1);
    cr_assert_eq(cmp_of(full, 3, 2, 1), 1);

    /* 1/3 + 1/7 + 1/9973 = (7*9973 + 3*9973 + 21) / (21*9973) = 99751/209433 */
    slagg_ev mix[3] = {{1, 9973}, {1, 3}, {1, 7}};
    cr_assert_eq(cmp_of(mix, 3, 99751, 209433), 0);
    cr_assert_eq(cmp_of(mix, 3, 99750, 209433), 1);
    cr_assert_eq(cmp_of(mix, 3, 99752, 209433), -1);
}

/* ---- randomized against an independent computation ------------------------------- */

/* With denominators 1..12 every rate is an integer multiple of 1/27720
 * (lcm(1..12)), so S * 27720 is an integer and u follows from one 128-bit
 * ceiling division: an implementation sharing nothing with exact.c. */
Test(exact, randomized_small_denominators_match_common_denominator)
{
    static slagg_ev w[288 * 31];
    const uint64_t L = 27720;
    rng_state = 20260317;
    for (int round = 0; round < 2000; round++) {
        uint64_t days = 1 + rng() % 31;
        uint64_t n_windows = 288 * days;
        size_t count = (size_t)(rng() % (n_windows + 1));
        if (round % 4 == 0) count = (size_t)(rng() % 20);
        u128 s_l = 0;  /* S * L */
        for (size_t i = 0; i < count; i++) {
            uint64_t v = 1 + rng() % 12;
            uint64_t e = 1 + rng() % v;
            uint64_t k = 1 + rng() % 1000;  /* unreduced e/v */
            w[i] = (slagg_ev){e * k, v * k};
            s_l += (u128)e * (L / v);
        }
        u128 num = s_l * 1000000u, den = (u128)n_windows * L;
        uint64_t expect = (uint64_t)(num / den + (num % den != 0));
        uint64_t got = ppm_of(w, count, n_windows);
        cr_assert_eq(got, expect, "round %d: count %zu N %llu", round, count,
                     (unsigned long long)n_windows);

        /* cmp against S itself, and against S +- 1/(L*2) */
        if (s_l < ((u128)1 << 62)) {
            uint64_t sl = (uint64_t)s_l;
            cr_assert_eq(cmp_of(w, count, sl, L), 0, "round %d", round);
            cr_assert_eq(cmp_of(w, count, 2 * sl + 1, 2 * L), -1, "round %d", round);
            if (sl) cr_assert_eq(cmp_of(w, count, 2 * sl - 1, 2 * L), 1, "round %d", round);
        }

        if (round % 50 == 0) {
            shuffle(w, count);
            cr_assert_eq(ppm_of(w, count, n_windows), expect, "round %d shuffled", round);
        }
    }
}

/* Boundary cases specifically: choose S = k N / 10^6 exactly with small
 * denominators, so the fast path's bounds straddle and the fallback runs. */
Test(exact, randomized_exact_boundaries)
{
    static slagg_ev w[N30];
    rng_state = 7;
    for (int round = 0; round < 300; round++) {
        /* S = 86.4 built from random thirds/sevenths/ninths, then whole windows */
        size_t n = 0;
        /* 0.4 = 2/5: windows 1/5 + 1/5, then 1/3+2/3 pairs and 1/7+6/7 pairs */
        w[n++] = (slagg_ev){1, 5};
        w[n++] = (slagg_ev){3, 15};
        uint64_t whole = 0;
        while (whole < 86) {
            uint64_t d = (rng() & 1) ? 3 : 7;
            uint64_t a = 1 + rng() % (d - 1);
            w[n++] = (slagg_ev){a, d};
            w[n++] = (slagg_ev){d - a, d};
            whole++;
        }
        rng_state += (uint64_t)round;
        shuffle(w, n);
        cr_assert_eq(ppm_of(w, n, N30), 10000, "round %d", round);
        /* nudge S up by 1/(2^63-25): now a hair below 99.00 % */
        w[n++] = (slagg_ev){1, BIGPRIME};
        shuffle(w, n);
        cr_assert_eq(ppm_of(w, n, N30), 10001, "round %d nudged", round);
    }
}

/* ---- many distinct large denominators: the bignum grows --------------------------- */

Test(exact, many_distinct_large_denominators)
{
    /* pairs a/v + (v-a)/v with distinct odd v near 2^63: S is an integer,
     * q grows to hundreds of limbs inside the fallback before cancelling */
    static slagg_ev w[2000];
    size_t n = 0;
    rng_state = 99;
    for (int i = 0; i < 1000; i++) {
        uint64_t v = (BIGPRIME - 2 * (uint64_t)i) | 1;
        uint64_t a = 1 + rng() % (v - 1);
        w[n++] = (slagg_ev){a, v};
        w[n++] = (slagg_ev){v - a, v};
    }
    /* interleave so the pairs are apart */
    shuffle(w, n);
    int c = 0;
    cr_assert_eq(slagg_ratesum_cmp(w, n, 1000, 1, &c), SLAGG_OK);
    cr_assert_eq(c, 0);
    /* S = 1000 over N = 10^6 windows -> exactly 1000 ppm */
    cr_assert_eq(ppm_of(w, n, 1000000), 1000);
    cr_assert_eq(ppm_of(w, n, 999999), 1001);
}

/* Telescoping: sum over k = K .. K+m-1 of 1/(k(k+1)) = 1/K - 1/(K+m)
 * = m / (K (K+m)). The denominators k(k+1) are distinct and ~2^62, so the
 * exact fallback's common denominator grows to hundreds of limbs and must
 * cancel back to the closed form. */
Test(exact, telescoping_sum_with_growing_denominator)
{
    enum { M = 1000 };
    static slagg_ev w[M];
    const uint64_t K = (uint64_t)1 << 31;
    for (uint64_t i = 0; i < M; i++) w[i] = (slagg_ev){1, (K + i) * (K + i + 1)};
    const uint64_t den = K * (K + M);
    cr_assert_eq(cmp_of(w, M, M, den), 0);
    cr_assert_eq(cmp_of(w, M, M - 1, den), 1);
    cr_assert_eq(cmp_of(w, M, M + 1, den), -1);
    rng_state = 5;
    shuffle(w, M);
    cr_assert_eq(cmp_of(w, M, M, den), 0);
    /* + 1/2 + 1/2 windows: S = 1 + M/den */
    static slagg_ev w2[M + 2];
    memcpy(w2, w, sizeof w);
    w2[M] = (slagg_ev){1, 2};
    w2[M + 1] = (slagg_ev){3, 6};
    cr_assert_eq(cmp_of(w2, M + 2, den + M, den), 0);
    cr_assert_eq(cmp_of(w2, M + 2, den + M - 1, den), 1);
}

/* ---- allocation failure in the fallback -------------------------------------------- */

/* Criterion runs each test in its own process; the injection is armed
 * just before the call under test. */
static void nomem_case(const char *after)
{
    slagg_alloc_fail_after(strtoll(after, NULL, 10));
    slagg_ev w[864];
    for (int i = 0; i < 864; i++) w[i] = (slagg_ev){1, 100};
    uint64_t u = 4242;
    cr_assert_eq(slagg_unavail_ppm(w, 864, N30, &u), SLAGG_E_NOMEM);
    cr_assert_eq(u, 4242);
}

Test(exact, nomem_first_allocation) { nomem_case("0"); }
Test(exact, nomem_second_allocation) { nomem_case("1"); }
Test(exact, nomem_fourth_allocation) { nomem_case("3"); }

Test(exact, nomem_in_ratesum_cmp)
{
    slagg_alloc_fail_after(2);
    slagg_ev w[2] = {{1, 3}, {1, 7}};
    int c = 3;
    cr_assert_eq(slagg_ratesum_cmp(w, 2, 10, 21, &c), SLAGG_E_NOMEM);
    cr_assert_eq(c, 3);
}

Test(exact, fast_path_needs_no_memory)
{
    slagg_alloc_fail_after(0);
    slagg_ev w[3] = {{1, 3}, {1, 7}, {5, 9973}};
    cr_assert_eq(ppm_of(w, 3, N30), 56);  /* 0.47669.../8640*1e6 = 55.17 -> 56 */
}

/* ---- tiers and formatting -------------------------------------------------------- */

Test(exact, tier_boundaries)
{
    cr_assert_eq(slagg_tier_pct(0), 0);
    cr_assert_eq(slagg_tier_pct(1000), 0);
    cr_assert_eq(slagg_tier_pct(1001), 10);
    cr_assert_eq(slagg_tier_pct(10000), 10);
    cr_assert_eq(slagg_tier_pct(10001), 25);
    cr_assert_eq(slagg_tier_pct(50000), 25);
    cr_assert_eq(slagg_tier_pct(50001), 50);
    cr_assert_eq(slagg_tier_pct(1000000), 50);
    cr_assert_eq(slagg_tier_pct(UINT64_MAX), 50);
}

Test(exact, format_availability)
{
    expect_avail(0, "100.0000");
    expect_avail(1, "99.9999");
    expect_avail(1000, "99.9000");
    expect_avail(1001, "99.8999");
    expect_avail(10000, "99.0000");
    expect_avail(50000, "95.0000");
    expect_avail(50001, "94.9999");
    expect_avail(123456, "87.6544");
    expect_avail(900000, "10.0000");
    expect_avail(990001, "0.9999");
    expect_avail(999999, "0.0001");
    expect_avail(1000000, "0.0000");
    expect_avail(2000000, "0.0000");
}

/* ---- slagg periods / windows (SPEC 5): --below, the sorts, trunc6 ------- */

static void expect_trunc6(uint64_t num, uint32_t mul, uint64_t d1, uint64_t d2, const char *text)
{
    char buf[SLAGG_TRUNC6_CHARS];
    memset(buf, 'x', sizeof buf);
    slagg_format_trunc6(num, mul, d1, d2, buf);
    cr_assert_str_eq(buf, text, "trunc6(%llu * %u / (%llu * %llu))", (unsigned long long)num, mul,
                     (unsigned long long)d1, (unsigned long long)d2);
}

/* trunc6 truncates toward zero (2/3 is 0.666666, never 0.666667), always
 * 6 decimals, in integers however large the counts. */
Test(exact, trunc6_rate_and_share)
{
    expect_trunc6(1, 1, 2, 1, "0.500000");
    expect_trunc6(1, 1, 3, 1, "0.333333");
    expect_trunc6(2, 1, 3, 1, "0.666666");
    expect_trunc6(7, 1, 7, 1, "1.000000");
    expect_trunc6(0, 1, 7, 1, "0.000000");
    /* share = 100 E / (V N): 1 error of 2 in a 15-day period: 100 / 8640 */
    expect_trunc6(1, 100, 2, 4320, "0.011574");
    /* 1 of 3 in 30 days: 100 / 25920 = 0.0038580... */
    expect_trunc6(1, 100, 3, 8640, "0.003858");
    /* a whole 1-day period's one window at rate 1: 100 / 288 = 0.347222.. */
    expect_trunc6(5, 100, 5, 288, "0.347222");
    /* (2^64 - 2) / (2^64 - 1): a hair below 1, never rounded up to 1 */
    expect_trunc6(UINT64_MAX - 1, 1, UINT64_MAX, 1, "0.999999");
    /* 100 (2^64 - 1) exceeds 64 bits */
    expect_trunc6(UINT64_MAX, 100, 1, 1, "1844674407370955161500.000000");
    /* V N beyond 64 bits: (2^64 - 1) 8928 */
    expect_trunc6(UINT64_MAX, 100, UINT64_MAX, 8928, "0.011200");
    expect_trunc6(1, 1, 0, 1, "0.000000");
}

static int below(const slagg_ev *w, size_t count, uint64_t n, uint64_t num, uint64_t den)
{
    int b = -1;
    cr_assert_eq(slagg_avail_below(w, count, n, num, den, &b), SLAGG_OK);
    return b;
}

/* The SPEC 5 boundary: 864 windows at rate 1/100 in a 30-day month is
 * exactly 99.90 %: not below 99.9 (nor 99.90000), below 99.9001; a hair
 * less available (one window at 2/100) is below 99.9. */
Test(exact, avail_below_is_exact_at_99_90)
{
    slagg_ev w[864];
    for (int i = 0; i < 864; i++) w[i] = (slagg_ev){1, 100};
    cr_assert_eq(below(w, 864, N30, 999, 10), 0);
    cr_assert_eq(below(w, 864, N30, 9990000, 100000), 0);
    cr_assert_eq(below(w, 864, N30, 999001, 10000), 1);
    cr_assert_eq(below(w, 864, N30, 998999, 10000), 0);
    cr_assert_eq(below(w, 864, N30, 999000000000001, 10000000000000), 1);
    w[17] = (slagg_ev){2, 100};
    cr_assert_eq(below(w, 864, N30, 999, 10), 1);
    /* 1 missing ok of 100: 1/99 instead of 1/100, also a hair below */
    w[17] = (slagg_ev){1, 99};
    cr_assert_eq(below(w, 864, N30, 999, 10), 1);
    cr_assert_eq(below(w, 864, N30, 998999, 10000), 0);
}

Test(exact, avail_below_at_the_ends)
{
    slagg_ev one = {1, 2};
    /* no error: A = 100, below nothing up to 100, below anything above */
    cr_assert_eq(below(NULL, 0, N30, 100, 1), 0);
    cr_assert_eq(below(NULL, 0, N30, 1000001, 10000), 1);
    cr_assert_eq(below(NULL, 0, N30, 0, 1), 0);
    cr_assert_eq(below(&one, 1, N30, 100, 1), 1);
    cr_assert_eq(below(&one, 1, N30, 0, 1), 0);
    /* every window failed: A = 0, below any PCT > 0 */
    slagg_ev all[288];
    for (int i = 0; i < 288; i++) all[i] = (slagg_ev){3, 3};
    cr_assert_eq(below(all, 288, 288, 0, 1), 0);
    cr_assert_eq(below(all, 288, 288, 1, 1000000000000), 1);
    int b;
    cr_assert_eq(slagg_avail_below(&one, 1, N30, 1, 0, &b), SLAGG_E_INTERNAL);
    cr_assert_eq(slagg_avail_below(&one, 1, N30, 1, UINT64_MAX / 100, &b), SLAGG_E_INTERNAL);
}

static int ucmp(const slagg_ev *a, size_t ca, uint64_t na, const slagg_ev *b, size_t cb, uint64_t nb)
{
    int c = 99;
    cr_assert_eq(slagg_unavail_cmp(a, ca, na, b, cb, nb, &c), SLAGG_OK);
    return c;
}

/* --sort availability orders by the exact S / N: periods of other lengths
 * with the same exact availability compare equal, whatever floating point
 * would say; a hair more unavailability is larger. */
Test(exact, unavail_cmp_exact_across_period_lengths)
{
    slagg_ev w30[864], w15[432];
    for (int i = 0; i < 864; i++) w30[i] = (slagg_ev){1, 100};
    for (int i = 0; i < 432; i++) w15[i] = (slagg_ev){3, 300};
    cr_assert_eq(ucmp(w30, 864, N30, w15, 432, N30 / 2), 0);
    cr_assert_eq(ucmp(w15, 432, N30 / 2, w30, 864, N30), 0);
    w15[3] = (slagg_ev){4, 300};
    cr_assert_eq(ucmp(w30, 864, N30, w15, 432, N30 / 2), -1);
    cr_assert_eq(ucmp(w15, 432, N30 / 2, w30, 864, N30), 1);
    cr_assert_eq(ucmp(NULL, 0, N30, NULL, 0, 288), 0);
    cr_assert_eq(ucmp(NULL, 0, N30, w30, 1, N30), -1);
    /* denominators whose product is far beyond 64 bits: 1/p + 1/q in either
     * order over the same N, then over twice N with each window twice */
    uint64_t p = BIGPRIME, q = BIGPRIME - 2;
    slagg_ev a[2] = {{1, p}, {1, q}}, b[4] = {{1, q}, {1, p}, {1, p}, {1, q}};
    cr_assert_eq(ucmp(a, 2, 288, b, 2, 288), 0);
    cr_assert_eq(ucmp(a, 2, 288, b, 4, 576), 0);
    b[0] = (slagg_ev){2, 2 * q - 1};  /* 2/(2q-1) > 1/q by 1/(q (2q-1)) */
    cr_assert_eq(ucmp(a, 2, 288, b, 2, 288), -1);
}

/* --top orders by exact share e / (v n): equal shares of different
 * windows compare equal; cross products beyond 128 bits stay exact. */
Test(exact, share_cmp_exact)
{
    cr_assert_eq(slagg_share_cmp(1, 2, 4320, 1, 1, 8640), 0);
    cr_assert_eq(slagg_share_cmp(1, 3, 8640, 1, 2, 8640), -1);
    cr_assert_eq(slagg_share_cmp(1, 2, 8640, 1, 3, 8640), 1);
    cr_assert_eq(slagg_share_cmp(UINT64_MAX, UINT64_MAX, 8640, 1, 1, 8640), 0);
    /* (2^64-1)^2 8640 vs (2^64-2)(2^64-1) 8640: ~2^141, differ by 8640 (2^64-1) */
    cr_assert_eq(slagg_share_cmp(UINT64_MAX, UINT64_MAX, 8640, UINT64_MAX - 1, UINT64_MAX, 8640), 1);
    cr_assert_eq(slagg_share_cmp(UINT64_MAX - 1, UINT64_MAX, 8640, UINT64_MAX, UINT64_MAX, 8640), -1);
    cr_assert_eq(slagg_share_cmp(UINT64_MAX, UINT64_MAX, 8928, UINT64_MAX, UINT64_MAX, 8640), -1);
}

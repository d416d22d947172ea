/*
 * test_coverage.c - core/coverage.c: the window map (marks of single
 * windows, 64-window masks and ranges, across word boundaries), its
 * intervals, the names of accounts without a contract, and the gaps of a
 * fleet (SPEC 4: runs of at least ceil(gap / 5) empty windows inside
 * [00:00 of the earliest reported period_start, 24:00 of through)).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/coverage.h"

/* Window ids of a day: 2026-03-02 is day 20514. */
#define DAY 20514LL
#define W(k) (DAY * 288 + (k))

static void expect_iv(const slagg_cov_map *m, int64_t a, int64_t b, const int64_t *want, size_t n_want)
{
    int64_t *iv;
    size_t n;
    cr_assert_eq(slagg_cov_map_intervals(m, a, b, &iv, &n), 0);
    cr_assert_eq(n, n_want, "%zu intervals, expected %zu", n, n_want);
    for (size_t i = 0; i < 2 * n; i++)
        cr_assert_eq(iv[i], want[i], "bound %zu: %lld, expected %lld", i, (long long)iv[i], (long long)want[i]);
    slagg_free(iv);
}

Test(coverage, marks_and_intervals_across_words)
{
    slagg_cov_map m;
    cr_assert_eq(slagg_cov_map_init(&m), 0);
    expect_iv(&m, W(0), W(288), NULL, 0);
    /* W(0) is map bit (20514 + 1) * 288 = 5908320 = 64 * 92317 + 32: bit 32 of its word.
     * So W(32) starts a word: a mask from W(30) of bits 0..5 straddles it. */
    slagg_cov_mark_mask(&m, W(30), 0x3f);
    int64_t a[] = {W(30), W(36)};
    expect_iv(&m, W(0), W(288), a, 1);
    /* a full mask from a word's middle, and single marks that touch it */
    slagg_cov_mark_mask(&m, W(100), ~0ULL);
    slagg_cov_mark(&m, W(164));
    slagg_cov_mark(&m, W(99));
    int64_t b[] = {W(30), W(36), W(99), W(165)};
    expect_iv(&m, W(0), W(288), b, 2);
    /* clipped inside runs */
    int64_t c[] = {W(33), W(36), W(99), W(120)};
    expect_iv(&m, W(33), W(120), c, 2);
    /* a range over several whole words */
    slagg_cov_mark_range(&m, W(200), W(200) + 1000);
    int64_t e[] = {W(30), W(36), W(99), W(165), W(200), W(1200)};
    expect_iv(&m, W(0), W(2000), e, 3);
    /* OR of two maps */
    slagg_cov_map o;
    cr_assert_eq(slagg_cov_map_init(&o), 0);
    slagg_cov_mark_range(&o, W(36), W(99));
    slagg_cov_map_or(&m, &o);
    int64_t f[] = {W(30), W(165), W(200), W(1200)};
    expect_iv(&m, W(0), W(2000), f, 2);
    slagg_cov_map_free(&o);
    /* the map's ends: the first and last window any record can have */
    slagg_cov_mark(&m, SLAGG_COV_W0);
    slagg_cov_mark(&m, SLAGG_COV_W0 + (int64_t)SLAGG_COV_NW - 1);
    slagg_cov_mark(&m, SLAGG_COV_W0 - 1);   /* outside: ignored */
    int64_t g[] = {SLAGG_COV_W0, SLAGG_COV_W0 + 1};
    expect_iv(&m, SLAGG_COV_W0 - 100, SLAGG_COV_W0 + 5, g, 1);
    int64_t h[] = {SLAGG_COV_W0 + (int64_t)SLAGG_COV_NW - 1, SLAGG_COV_W0 + (int64_t)SLAGG_COV_NW};
    expect_iv(&m, SLAGG_COV_W0 + (int64_t)SLAGG_COV_NW - 10, SLAGG_COV_W0 + (int64_t)SLAGG_COV_NW + 10, h, 1);
    slagg_cov_map_free(&m);
}

Test(coverage, unknown_names_keep_their_earliest_day)
{
    slagg_cov_acc a, b;
    cr_assert_eq(slagg_cov_acc_init(&a), 0);
    cr_assert_eq(slagg_cov_acc_init(&b), 0);
    cr_assert_eq(slagg_cov_note_unknown(&a, "x", 1, 10), 0);
    cr_assert_eq(slagg_cov_note_unknown(&a, "x", 1, 7), 0);
    cr_assert_eq(slagg_cov_note_unknown(&a, "x", 1, 9), 0);
    cr_assert_eq(slagg_cov_note_unknown(&b, "y", 1, 3), 0);
    cr_assert_eq(slagg_cov_note_unknown(&b, "x", 1, 5), 0);
    cr_assert_eq(slagg_cov_acc_merge(&a, &b), 0);
    cr_assert_eq(slagg_dict_count(a.unk), 2);
    cr_assert_eq(a.unk_day[slagg_dict_find(a.unk, "x", 1)], 5);
    cr_assert_eq(a.unk_day[slagg_dict_find(a.unk, "y", 1)], 3);
    slagg_cov_acc_free(&a);
    slagg_cov_acc_free(&b);
}

/* A fleet of two periods (days DAY+1 .. DAY+2 and DAY .. DAY, so the
 * earliest start is not the first period), through DAY + 2: range
 * [W(0), W(864)). */
static void gaps_of(const int64_t *iv, size_t n_iv, uint32_t gap, const int64_t *want, size_t n_want)
{
    slagg_period_agg p[2];
    memset(p, 0, sizeof p);
    p[0].span.start = DAY + 1;
    p[0].span.end = p[0].span.counted_end = DAY + 2;
    p[1].span.start = DAY;
    p[1].span.end = p[1].span.counted_end = DAY;
    p[1].account = 1;
    slagg_fleet f;
    memset(&f, 0, sizeof f);
    f.through = DAY + 2;
    f.periods = p;
    f.n_periods = 2;
    f.cov.known = 1;
    f.cov.iv = (int64_t *)iv;
    f.cov.n_iv = n_iv;
    int64_t *g;
    size_t n;
    cr_assert_eq(slagg_coverage_gaps(&f, gap, &g, &n), 0);
    cr_assert_eq(n, n_want, "gap %u: %zu gaps, expected %zu", gap, n, n_want);
    for (size_t i = 0; i < 2 * n; i++)
        cr_assert_eq(g[i], want[i], "gap %u, bound %zu: %lld, expected %lld", gap, i, (long long)g[i],
                     (long long)want[i]);
    slagg_free(g);
}

Test(coverage, gaps_are_runs_of_ceil_gap_over_5_empty_windows)
{
    int64_t lo, hi;
    slagg_fleet none;
    memset(&none, 0, sizeof none);
    cr_assert_eq(slagg_coverage_range(&none, &lo, &hi), 0, "no period: no range");
    /* nothing covered: the whole range */
    int64_t all[] = {W(0), W(864)};
    gaps_of(NULL, 0, 60, all, 1);
    /* covered [W(12), W(100)) and [W(112), W(852)): empty runs of 12, 12
     * and 12 windows (the first and last touch the range's ends) */
    int64_t iv[] = {W(12), W(100), W(112), W(852)};
    int64_t three[] = {W(0), W(12), W(100), W(112), W(852), W(864)};
    gaps_of(iv, 2, 60, three, 3);
    gaps_of(iv, 2, 56, three, 3);    /* ceil(56 / 5) = 12 */
    gaps_of(iv, 2, 61, NULL, 0);     /* 13 */
    int64_t iv2[] = {W(11), W(100), W(111), W(853)};   /* runs of 11, 11, 11 */
    gaps_of(iv2, 2, 60, NULL, 0);
    int64_t three2[] = {W(0), W(11), W(100), W(111), W(853), W(864)};
    gaps_of(iv2, 2, 55, three2, 3);
    gaps_of(iv2, 2, 51, three2, 3);  /* ceil(51 / 5) = 11 */
    /* single empty windows: only --gap 1..5 */
    int64_t iv3[] = {W(0), W(5), W(6), W(864)};
    int64_t one[] = {W(5), W(6)};
    gaps_of(iv3, 2, 5, one, 1);
    gaps_of(iv3, 2, 1, one, 1);
    gaps_of(iv3, 2, 6, NULL, 0);
}

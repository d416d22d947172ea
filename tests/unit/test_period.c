/*
 * test_period.c - month periods and contract overlaps (SLA "Service period";
 * SPEC section 2 "Periods").
 */
#include <criterion/criterion.h>

#include <string.h>

#include "core/calendar.h"
#include "core/period.h"

static int64_t D(int64_t y, unsigned m, unsigned d) { return slagg_days_from_civil(y, m, d); }

static void expect_span(const slagg_span *s, int64_t start, int64_t end, int64_t counted_end,
                        int in_progress)
{
    char a[11], b[11];
    slagg_format_date(s->start, a);
    slagg_format_date(s->end, b);
    cr_assert_eq(s->start, start, "span %s..%s: start", a, b);
    cr_assert_eq(s->end, end, "span %s..%s: end", a, b);
    cr_assert_eq(s->counted_end, counted_end, "span %s..%s: counted_end", a, b);
    cr_assert_eq(s->in_progress, in_progress, "span %s..%s: in_progress", a, b);
}

/* ---- splitting ------------------------------------------------------------------- */

Test(period, sla_example_four_periods)
{
    slagg_span s[8];
    size_t n = slagg_split_periods(D(2026, 3, 17), D(2026, 6, 16), D(2026, 12, 31), s, 8);
    cr_assert_eq(n, 4);
    expect_span(&s[0], D(2026, 3, 17), D(2026, 3, 31), D(2026, 3, 31), 0);
    expect_span(&s[1], D(2026, 4, 1), D(2026, 4, 30), D(2026, 4, 30), 0);
    expect_span(&s[2], D(2026, 5, 1), D(2026, 5, 31), D(2026, 5, 31), 0);
    expect_span(&s[3], D(2026, 6, 1), D(2026, 6, 16), D(2026, 6, 16), 0);
    cr_assert_eq(slagg_span_days(&s[0]), 15);
    cr_assert_eq(slagg_span_days(&s[1]), 30);
    cr_assert_eq(slagg_span_days(&s[2]), 31);
    cr_assert_eq(slagg_span_days(&s[3]), 16);
}

Test(period, through_exactly_at_row_end_is_final)
{
    slagg_span s[8];
    size_t n = slagg_split_periods(D(2026, 3, 17), D(2026, 6, 16), D(2026, 6, 16), s, 8);
    cr_assert_eq(n, 4);
    expect_span(&s[3], D(2026, 6, 1), D(2026, 6, 16), D(2026, 6, 16), 0);
}

Test(period, closed_row_cut_by_through)
{
    slagg_span s[8];
    size_t n = slagg_split_periods(D(2026, 3, 17), D(2026, 6, 16), D(2026, 5, 10), s, 8);
    cr_assert_eq(n, 3);  /* June starts after through: not reported */
    expect_span(&s[0], D(2026, 3, 17), D(2026, 3, 31), D(2026, 3, 31), 0);
    expect_span(&s[1], D(2026, 4, 1), D(2026, 4, 30), D(2026, 4, 30), 0);
    expect_span(&s[2], D(2026, 5, 1), D(2026, 5, 31), D(2026, 5, 10), 1);
    cr_assert_eq(slagg_span_days(&s[2]), 10);

    n = slagg_split_periods(D(2026, 3, 17), D(2026, 6, 16), D(2026, 6, 10), s, 8);
    cr_assert_eq(n, 4);
    expect_span(&s[3], D(2026, 6, 1), D(2026, 6, 16), D(2026, 6, 10), 1);
    cr_assert_eq(slagg_span_days(&s[3]), 10);
}

Test(period, single_day_row)
{
    slagg_span s[2];
    size_t n = slagg_split_periods(D(2026, 2, 10), D(2026, 2, 10), D(2026, 12, 31), s, 2);
    cr_assert_eq(n, 1);
    expect_span(&s[0], D(2026, 2, 10), D(2026, 2, 10), D(2026, 2, 10), 0);
    cr_assert_eq(slagg_span_days(&s[0]), 1);

    /* the single day is also through: final, 1 day */
    n = slagg_split_periods(D(2026, 2, 10), D(2026, 2, 10), D(2026, 2, 10), s, 2);
    cr_assert_eq(n, 1);
    expect_span(&s[0], D(2026, 2, 10), D(2026, 2, 10), D(2026, 2, 10), 0);
}

Test(period, row_within_one_month)
{
    slagg_span s[2];
    size_t n = slagg_split_periods(D(2026, 5, 3), D(2026, 5, 20), D(2027, 1, 1), s, 2);
    cr_assert_eq(n, 1);
    expect_span(&s[0], D(2026, 5, 3), D(2026, 5, 20), D(2026, 5, 20), 0);
    cr_assert_eq(slagg_span_days(&s[0]), 18);
}

Test(period, row_across_year_end)
{
    slagg_span s[4];
    size_t n = slagg_split_periods(D(2025, 12, 15), D(2026, 1, 10), D(2026, 6, 1), s, 4);
    cr_assert_eq(n, 2);
    expect_span(&s[0], D(2025, 12, 15), D(2025, 12, 31), D(2025, 12, 31), 0);
    expect_span(&s[1], D(2026, 1, 1), D(2026, 1, 10), D(2026, 1, 10), 0);
}

Test(period, whole_months_row)
{
    slagg_span s[13];
    size_t n = slagg_split_periods(D(2026, 1, 1), D(2026, 12, 31), D(2027, 1, 1), s, 13);
    cr_assert_eq(n, 12);
    for (unsigned m = 1; m <= 12; m++) {
        expect_span(&s[m - 1], D(2026, m, 1), D(2026, m, slagg_days_in_month(2026, m)),
                    D(2026, m, slagg_days_in_month(2026, m)), 0);
    }
}

Test(period, open_end_with_through)
{
    slagg_span s[8];
    size_t n = slagg_split_periods(D(2026, 3, 17), SLAGG_DAY_OPEN, D(2026, 5, 10), s, 8);
    cr_assert_eq(n, 3);
    expect_span(&s[0], D(2026, 3, 17), D(2026, 3, 31), D(2026, 3, 31), 0);
    expect_span(&s[1], D(2026, 4, 1), D(2026, 4, 30), D(2026, 4, 30), 0);
    /* an open row's month runs to the month end; counted up to through */
    expect_span(&s[2], D(2026, 5, 1), D(2026, 5, 31), D(2026, 5, 10), 1);
}

Test(period, open_end_through_on_first_day_of_month)
{
    slagg_span s[8];
    size_t n = slagg_split_periods(D(2026, 3, 17), SLAGG_DAY_OPEN, D(2026, 4, 1), s, 8);
    cr_assert_eq(n, 2);
    expect_span(&s[1], D(2026, 4, 1), D(2026, 4, 30), D(2026, 4, 1), 1);
    cr_assert_eq(slagg_span_days(&s[1]), 1);
}

Test(period, open_end_through_at_month_end_is_final)
{
    slagg_span s[8];
    size_t n = slagg_split_periods(D(2026, 3, 17), SLAGG_DAY_OPEN, D(2026, 4, 30), s, 8);
    cr_assert_eq(n, 2);
    expect_span(&s[0], D(2026, 3, 17), D(2026, 3, 31), D(2026, 3, 31), 0);
    expect_span(&s[1], D(2026, 4, 1), D(2026, 4, 30), D(2026, 4, 30), 0);
}

Test(period, through_before_start_gives_nothing)
{
    slagg_span s[4];
    memset(s, 0x5a, sizeof s);
    cr_assert_eq(slagg_split_periods(D(2026, 3, 17), D(2026, 6, 16), D(2026, 3, 16), s, 4), 0);
    cr_assert_eq(slagg_split_periods(D(2026, 3, 17), SLAGG_DAY_OPEN, D(2025, 1, 1), s, 4), 0);
    cr_assert_eq(s[0].start, (int64_t)0x5a5a5a5a5a5a5a5aLL);  /* untouched */
}

Test(period, through_on_start_day)
{
    slagg_span s[4];
    size_t n = slagg_split_periods(D(2026, 3, 17), SLAGG_DAY_OPEN, D(2026, 3, 17), s, 4);
    cr_assert_eq(n, 1);
    expect_span(&s[0], D(2026, 3, 17), D(2026, 3, 31), D(2026, 3, 17), 1);
    cr_assert_eq(slagg_span_days(&s[0]), 1);
}

Test(period, start_after_end_gives_nothing)
{
    slagg_span s[4];
    cr_assert_eq(slagg_split_periods(D(2026, 3, 17), D(2026, 3, 16), D(2027, 1, 1), s, 4), 0);
}

Test(period, open_end_and_open_through_gives_nothing)
{
    slagg_span s[4];
    cr_assert_eq(slagg_split_periods(D(2026, 3, 17), SLAGG_DAY_OPEN, SLAGG_DAY_OPEN, s, 4), 0);
}

Test(period, closed_row_with_unbounded_through)
{
    slagg_span s[4];
    size_t n = slagg_split_periods(D(2026, 3, 17), D(2026, 4, 2), SLAGG_DAY_OPEN, s, 4);
    cr_assert_eq(n, 2);
    expect_span(&s[1], D(2026, 4, 1), D(2026, 4, 2), D(2026, 4, 2), 0);
}

Test(period, february_in_leap_and_common_years)
{
    slagg_span s[4];
    size_t n = slagg_split_periods(D(2024, 1, 15), D(2024, 3, 5), D(2024, 12, 31), s, 4);
    cr_assert_eq(n, 3);
    expect_span(&s[0], D(2024, 1, 15), D(2024, 1, 31), D(2024, 1, 31), 0);
    expect_span(&s[1], D(2024, 2, 1), D(2024, 2, 29), D(2024, 2, 29), 0);
    expect_span(&s[2], D(2024, 3, 1), D(2024, 3, 5), D(2024, 3, 5), 0);
    cr_assert_eq(slagg_span_days(&s[1]), 29);

    n = slagg_split_periods(D(2026, 2, 1), D(2026, 3, 1), D(2026, 12, 31), s, 4);
    cr_assert_eq(n, 2);
    expect_span(&s[0], D(2026, 2, 1), D(2026, 2, 28), D(2026, 2, 28), 0);
    cr_assert_eq(slagg_span_days(&s[0]), 28);

    n = slagg_split_periods(D(2100, 2, 1), D(2100, 3, 1), D(2100, 12, 31), s, 4);
    cr_assert_eq(n, 2);
    cr_assert_eq(slagg_span_days(&s[0]), 28);  /* 2100 is not a leap year */

    /* open subscription, through on Feb 29 of a leap year: final */
    n = slagg_split_periods(D(2024, 2, 10), SLAGG_DAY_OPEN, D(2024, 2, 29), s, 4);
    cr_assert_eq(n, 1);
    expect_span(&s[0], D(2024, 2, 10), D(2024, 2, 29), D(2024, 2, 29), 0);
}

Test(period, cap_zero_sizes_and_small_cap_truncates)
{
    cr_assert_eq(slagg_split_periods(D(2026, 3, 17), D(2026, 6, 16), D(2026, 12, 31), NULL, 0), 4);
    cr_assert_eq(slagg_split_periods(D(2020, 1, 1), SLAGG_DAY_OPEN, D(2026, 12, 31), NULL, 0), 84);

    slagg_span s[3];
    memset(s, 0, sizeof s);
    slagg_span guard = s[2];
    size_t n = slagg_split_periods(D(2026, 3, 17), D(2026, 6, 16), D(2026, 12, 31), s, 2);
    cr_assert_eq(n, 4);  /* total, although only 2 were written */
    expect_span(&s[0], D(2026, 3, 17), D(2026, 3, 31), D(2026, 3, 31), 0);
    expect_span(&s[1], D(2026, 4, 1), D(2026, 4, 30), D(2026, 4, 30), 0);
    cr_assert_eq(memcmp(&s[2], &guard, sizeof guard), 0);
}

Test(period, spans_tile_the_row_exactly)
{
    /* for many rows: spans are contiguous, each in one month, cover [start, min(end, month_last(through))] */
    static slagg_span s[64];
    for (int64_t start = D(2023, 11, 1); start < D(2024, 4, 1); start += 3) {
        for (int64_t len = 0; len < 500; len += 37) {
            int64_t end = start + len;
            int64_t through = D(2024, 3, 15);
            size_t n = slagg_split_periods(start, end, through, s, 64);
            if (start > through) {
                cr_assert_eq(n, 0);
                continue;
            }
            cr_assert_geq(n, 1);
            cr_assert_eq(s[0].start, start);
            for (size_t i = 0; i < n; i++) {
                cr_assert_eq(slagg_month_first(s[i].start), slagg_month_first(s[i].end));
                if (i) cr_assert_eq(s[i].start, s[i - 1].end + 1);
                if (i + 1 < n) cr_assert_eq(s[i].end, slagg_month_last(s[i].start));
                cr_assert_eq(s[i].in_progress, s[i].end > through);
                cr_assert_eq(s[i].counted_end, s[i].end < through ? s[i].end : through);
            }
            int64_t last_end = end < slagg_month_last(through) ? end : slagg_month_last(through);
            cr_assert_eq(s[n - 1].end, last_end);
        }
    }
}

/* ---- overlaps -------------------------------------------------------------------- */

static int overlap(const slagg_contract_row *rows, size_t n, size_t *first, size_t *second)
{
    /* both strategies must agree on the answer and on the pair */
    size_t scratch[64];
    size_t f1 = 777, s1 = 777, f2 = 888, s2 = 888;
    cr_assert_leq(n, 64);
    int a = slagg_contracts_find_overlap(rows, n, scratch, &f1, &s1);
    int b = slagg_contracts_find_overlap(rows, n, NULL, &f2, &s2);
    cr_assert_eq(a, b);
    if (a) {
        cr_assert_eq(f1, f2);
        cr_assert_eq(s1, s2);
        cr_assert_lt(rows[f1].line, rows[s1].line);
        *first = f1;
        *second = s1;
    }
    return a;
}

Test(period, adjacent_rows_do_not_overlap)
{
    slagg_contract_row r[2] = {
        {1, D(2026, 3, 1), D(2026, 3, 31), 2},
        {1, D(2026, 4, 1), SLAGG_DAY_OPEN, 3},
    };
    size_t f, s;
    cr_assert_eq(overlap(r, 2, &f, &s), 0);
}

Test(period, same_day_boundary_overlaps)
{
    slagg_contract_row r[2] = {
        {1, D(2026, 3, 31), D(2026, 4, 30), 5},
        {1, D(2026, 3, 1), D(2026, 3, 31), 2},
    };
    size_t f = 9, s = 9;
    cr_assert_eq(overlap(r, 2, &f, &s), 1);
    cr_assert_eq(f, 1);  /* line 2 first */
    cr_assert_eq(s, 0);
}

Test(period, different_accounts_do_not_overlap)
{
    slagg_contract_row r[3] = {
        {1, D(2026, 3, 1), D(2026, 6, 30), 2},
        {2, D(2026, 3, 1), D(2026, 6, 30), 3},
        {3, D(2026, 1, 1), SLAGG_DAY_OPEN, 4},
    };
    size_t f, s;
    cr_assert_eq(overlap(r, 3, &f, &s), 0);
}

Test(period, open_row_overlaps_a_later_row)
{
    slagg_contract_row r[3] = {
        {7, D(2027, 1, 1), D(2027, 2, 1), 10},
        {8, D(2020, 1, 1), SLAGG_DAY_OPEN, 11},
        {7, D(2026, 1, 1), SLAGG_DAY_OPEN, 12},
    };
    size_t f = 9, s = 9;
    cr_assert_eq(overlap(r, 3, &f, &s), 1);
    cr_assert_eq(f, 0);
    cr_assert_eq(s, 2);
}

Test(period, contained_row_and_identical_rows)
{
    slagg_contract_row r[4] = {
        {1, D(2026, 1, 1), D(2026, 12, 31), 2},
        {1, D(2027, 1, 1), D(2027, 3, 31), 3},
        {1, D(2026, 5, 1), D(2026, 5, 10), 4},
        {2, D(2026, 5, 1), D(2026, 5, 10), 5},
    };
    size_t f = 9, s = 9;
    cr_assert_eq(overlap(r, 4, &f, &s), 1);
    cr_assert_eq(f, 0);
    cr_assert_eq(s, 2);

    slagg_contract_row same[2] = {
        {4, D(2026, 5, 1), D(2026, 5, 1), 8},
        {4, D(2026, 5, 1), D(2026, 5, 1), 7},
    };
    cr_assert_eq(overlap(same, 2, &f, &s), 1);
    cr_assert_eq(f, 1);
    cr_assert_eq(s, 0);
}

Test(period, overlap_reports_latest_ending_earlier_row)
{
    /* sweep order: A [1..100], B [5..10] overlaps A already; the pair is
     * the first row in (account, start) order that overlaps, i.e. (A, B) */
    slagg_contract_row r[3] = {
        {1, 50, 60, 3},
        {1, 5, 10, 2},
        {1, 1, 100, 1},
    };
    size_t f = 9, s = 9;
    cr_assert_eq(overlap(r, 3, &f, &s), 1);
    cr_assert_eq(f, 2);
    cr_assert_eq(s, 1);
}

Test(period, empty_and_degenerate_inputs)
{
    size_t f = 9, s = 9, scratch[1];
    cr_assert_eq(slagg_contracts_find_overlap(NULL, 0, NULL, &f, &s), 0);
    cr_assert_eq(slagg_contracts_find_overlap(NULL, 0, scratch, &f, &s), 0);
    slagg_contract_row one[1] = {{1, 10, 20, 2}};
    cr_assert_eq(overlap(one, 1, &f, &s), 0);
    /* an empty row (start > end) covers no day */
    slagg_contract_row r[2] = {{1, 10, 20, 2}, {1, 15, 12, 3}};
    cr_assert_eq(overlap(r, 2, &f, &s), 0);
    cr_assert_eq(f, 9);
}

Test(period, overlap_does_not_reorder_rows)
{
    slagg_contract_row r[4] = {
        {3, 40, 50, 2}, {1, 10, 20, 3}, {2, 1, 5, 4}, {1, 21, 30, 5},
    };
    slagg_contract_row copy[4];
    memcpy(copy, r, sizeof r);
    size_t scratch[4], f, s;
    cr_assert_eq(slagg_contracts_find_overlap(r, 4, scratch, &f, &s), 0);
    cr_assert_eq(memcmp(copy, r, sizeof r), 0);
}

static uint64_t rng_state = 1;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

Test(period, randomized_overlap_matches_brute_force)
{
    slagg_contract_row r[40];
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)(rng() % 40);
        int reversed = (int)(rng() % 2);
        for (size_t i = 0; i < n; i++) {
            int64_t start = (int64_t)(rng() % 400);
            int64_t len = (int64_t)(rng() % 30);
            r[i].account = (uint32_t)(rng() % 4);
            r[i].start = start;
            r[i].end = rng() % 20 == 0 ? SLAGG_DAY_OPEN : start + len;
            r[i].line = 2 + (reversed ? n - 1 - i : i);  /* distinct lines */
        }
        int any = 0;
        for (size_t i = 0; i < n && !any; i++)
            for (size_t j = i + 1; j < n && !any; j++)
                any = r[i].account == r[j].account &&
                      (r[i].start > r[j].start ? r[i].start : r[j].start) <=
                          (r[i].end < r[j].end ? r[i].end : r[j].end);
        size_t f = 0, s = 0;
        int got = overlap(r, n, &f, &s);
        cr_assert_eq(got, any, "round %d", round);
        if (got) {
            cr_assert_eq(r[f].account, r[s].account);
            int64_t lo = r[f].start > r[s].start ? r[f].start : r[s].start;
            int64_t hi = r[f].end < r[s].end ? r[f].end : r[s].end;
            cr_assert_leq(lo, hi, "round %d: reported pair does not overlap", round);
        }
    }
}

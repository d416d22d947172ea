/*
 * test_claim.c - working days and the claim window (SPEC section 2 "Claim
 * window"). Weekdays used in the hand computations are asserted first, so a
 * wrong premise fails loudly rather than silently agreeing with the code.
 */
#include <criterion/criterion.h>

#include "core/calendar.h"
#include "core/claim.h"

static int64_t D(int64_t y, unsigned m, unsigned d) { return slagg_days_from_civil(y, m, d); }

enum { MON, TUE, WED, THU, FRI, SAT, SUN };

static void expect_day(int64_t got, int64_t want)
{
    char a[11], b[11];
    slagg_format_date(got, a);
    slagg_format_date(want, b);
    cr_assert_eq(got, want, "got %s, want %s", a, b);
}

Test(claim, premises_about_weekdays)
{
    cr_assert_eq(slagg_weekday(D(2026, 4, 1)), WED);
    cr_assert_eq(slagg_weekday(D(2026, 4, 4)), SAT);
    cr_assert_eq(slagg_weekday(D(2026, 4, 6)), MON);
    cr_assert_eq(slagg_weekday(D(2026, 10, 1)), THU);
    cr_assert_eq(slagg_weekday(D(2026, 10, 10)), SAT);
    cr_assert_eq(slagg_weekday(D(2026, 12, 1)), TUE);
    cr_assert_eq(slagg_weekday(D(2027, 1, 1)), FRI);
}

Test(claim, working_days)
{
    cr_assert(slagg_is_working_day(NULL, D(2026, 4, 1)));
    cr_assert(slagg_is_working_day(NULL, D(2026, 4, 3)));
    cr_assert_not(slagg_is_working_day(NULL, D(2026, 4, 4)));
    cr_assert_not(slagg_is_working_day(NULL, D(2026, 4, 5)));
    cr_assert(slagg_is_working_day(NULL, D(2026, 4, 6)));

    const int64_t hol[] = {D(2026, 4, 6)};
    const int64_t work[] = {D(2026, 4, 4)};
    slagg_workcal cal = {hol, 1, work, 1};
    cr_assert_not(slagg_is_working_day(&cal, D(2026, 4, 6)));  /* Monday holiday */
    cr_assert(slagg_is_working_day(&cal, D(2026, 4, 4)));      /* make-up Saturday */
    cr_assert_not(slagg_is_working_day(&cal, D(2026, 4, 5)));  /* plain Sunday */
    cr_assert(slagg_is_working_day(&cal, D(2026, 4, 7)));

    slagg_workcal empty = {NULL, 0, NULL, 0};
    cr_assert(slagg_is_working_day(&empty, D(2026, 4, 6)));
    cr_assert_not(slagg_is_working_day(&empty, D(2026, 4, 4)));
}

Test(claim, date_marked_both_follows_spec_order)
{
    /* Mon-Fri, minus holidays, plus workdays: a date in both lists ends up
     * working (the holidays loader is expected to refuse such a file). */
    const int64_t both[] = {D(2026, 4, 6)};
    slagg_workcal cal = {both, 1, both, 1};
    cr_assert(slagg_is_working_day(&cal, D(2026, 4, 6)));
}

Test(claim, binary_search_matches_linear_scan)
{
    static int64_t hol[200], work[50];
    size_t nh = 0, nw = 0;
    int64_t base = D(2026, 1, 1);
    for (int64_t d = 0; d < 600; d += 3) hol[nh++] = base + d;
    for (int64_t d = 1; d < 600 && nw < 50; d += 11) work[nw++] = base + d;
    slagg_workcal cal = {hol, nh, work, nw};
    for (int64_t d = -20; d < 640; d++) {
        int64_t day = base + d;
        int in_h = 0, in_w = 0;
        for (size_t i = 0; i < nh; i++) in_h |= hol[i] == day;
        for (size_t i = 0; i < nw; i++) in_w |= work[i] == day;
        int want = in_w || (slagg_weekday(day) < 5 && !in_h);
        cr_assert_eq(slagg_is_working_day(&cal, day), want, "day %lld", (long long)d);
    }
}

Test(claim, opens_without_holidays)
{
    /* March period -> April 2026: Wed 1, Thu 2, Fri 3, Mon 6, Tue 7 -> opens Wed 8 */
    expect_day(slagg_claim_opens(NULL, D(2026, 3, 1)), D(2026, 4, 8));
    /* a period starting mid-month has the same month */
    expect_day(slagg_claim_opens(NULL, D(2026, 3, 17)), D(2026, 4, 8));
    slagg_workcal empty = {NULL, 0, NULL, 0};
    expect_day(slagg_claim_opens(&empty, D(2026, 3, 31)), D(2026, 4, 8));
}

Test(claim, opens_with_holiday_and_makeup_saturday)
{
    const int64_t hol[] = {D(2026, 4, 6)};
    const int64_t work[] = {D(2026, 4, 4)};

    /* holiday only: 1, 2, 3, (6 off), 7, 8 -> 5th is Wed 8, opens Thu 9 */
    slagg_workcal h = {hol, 1, NULL, 0};
    expect_day(slagg_claim_opens(&h, D(2026, 3, 1)), D(2026, 4, 9));

    /* make-up Saturday only: 1, 2, 3, Sat 4, Mon 6 -> opens Tue 7 */
    slagg_workcal w = {NULL, 0, work, 1};
    expect_day(slagg_claim_opens(&w, D(2026, 3, 1)), D(2026, 4, 7));

    /* both: 1, 2, 3, Sat 4, (6 off), Tue 7 -> opens Wed 8 */
    slagg_workcal hw = {hol, 1, work, 1};
    expect_day(slagg_claim_opens(&hw, D(2026, 3, 1)), D(2026, 4, 8));
}

Test(claim, opens_after_national_day_week)
{
    /* Oct 2026: holidays Thu 1 .. Wed 7, make-up workday Sat 10.
     * Working: Thu 8, Fri 9, Sat 10, Mon 12, Tue 13 -> opens Wed 14. */
    int64_t hol[7];
    for (unsigned d = 1; d <= 7; d++) hol[d - 1] = D(2026, 10, d);
    const int64_t work[] = {D(2026, 10, 10)};
    slagg_workcal cal = {hol, 7, work, 1};
    expect_day(slagg_claim_opens(&cal, D(2026, 9, 1)), D(2026, 10, 14));
    /* without the make-up day: 8, 9, 12, 13, 14 -> opens Thu 15 */
    slagg_workcal no_makeup = {hol, 7, NULL, 0};
    expect_day(slagg_claim_opens(&no_makeup, D(2026, 9, 1)), D(2026, 10, 15));
}

Test(claim, december_period_opens_in_january_next_year)
{
    /* Jan 2027: Fri 1, Mon 4, Tue 5, Wed 6, Thu 7 -> opens Fri 8 */
    expect_day(slagg_claim_opens(NULL, D(2026, 12, 1)), D(2027, 1, 8));
    /* New Year's Day a holiday: 4, 5, 6, 7, 8 -> opens Sat 9 (a calendar day) */
    const int64_t hol[] = {D(2027, 1, 1)};
    slagg_workcal cal = {hol, 1, NULL, 0};
    expect_day(slagg_claim_opens(&cal, D(2026, 12, 15)), D(2027, 1, 9));
    expect_day(slagg_claim_deadline(D(2026, 12, 15)), D(2027, 2, 28));
}

Test(claim, november_period)
{
    /* Dec 2026: Tue 1, Wed 2, Thu 3, Fri 4, Mon 7 -> opens Tue 8 */
    expect_day(slagg_claim_opens(NULL, D(2026, 11, 1)), D(2026, 12, 8));
    expect_day(slagg_claim_deadline(D(2026, 11, 1)), D(2027, 1, 31));
    expect_day(slagg_claim_deadline(D(2026, 11, 30)), D(2027, 1, 31));
}

Test(claim, deadlines)
{
    expect_day(slagg_claim_deadline(D(2026, 3, 1)), D(2026, 5, 31));
    expect_day(slagg_claim_deadline(D(2026, 3, 17)), D(2026, 5, 31));
    expect_day(slagg_claim_deadline(D(2026, 3, 31)), D(2026, 5, 31));
    expect_day(slagg_claim_deadline(D(2026, 4, 1)), D(2026, 6, 30));
    expect_day(slagg_claim_deadline(D(2026, 6, 1)), D(2026, 8, 31));
    expect_day(slagg_claim_deadline(D(2026, 10, 1)), D(2026, 12, 31));
    expect_day(slagg_claim_deadline(D(2023, 12, 1)), D(2024, 2, 29));  /* leap */
    expect_day(slagg_claim_deadline(D(2025, 12, 31)), D(2026, 2, 28));
    expect_day(slagg_claim_deadline(D(2024, 1, 1)), D(2024, 3, 31));
}

Test(claim, opens_before_deadline_for_every_month)
{
    for (int64_t y = 2020; y <= 2030; y++) {
        for (unsigned m = 1; m <= 12; m++) {
            int64_t start = D(y, m, 1);
            int64_t opens = slagg_claim_opens(NULL, start);
            int64_t next = slagg_month_add(start, 1);
            /* the 5th working day is between the 5th and the 9th of next month */
            cr_assert_geq(opens, next + 5);
            cr_assert_leq(opens, next + 9);
            cr_assert_lt(opens, slagg_claim_deadline(start));
        }
    }
}

Test(claim, holidays_spilling_into_the_following_month)
{
    /* every weekday of April 2026 a holiday: the 5th working day is in May
     * (Fri 1, Mon 4, Tue 5, Wed 6, Thu 7 -> opens Fri 8) */
    static int64_t hol[30];
    size_t n = 0;
    for (unsigned d = 1; d <= 30; d++) hol[n++] = D(2026, 4, d);
    slagg_workcal cal = {hol, n, NULL, 0};
    expect_day(slagg_claim_opens(&cal, D(2026, 3, 1)), D(2026, 5, 8));
}

/* SPEC 5 ledger: before claim_opens not_open, after claim_deadline
 * expired, else open (both ends open); in_progress not_open always. */
Test(claim, state_at_boundaries)
{
    int64_t opens = 100, deadline = 150;
    cr_assert_eq(slagg_claim_state_at(opens, deadline, 0, 99), SLAGG_CLAIM_NOT_OPEN);
    cr_assert_eq(slagg_claim_state_at(opens, deadline, 0, 100), SLAGG_CLAIM_OPEN);
    cr_assert_eq(slagg_claim_state_at(opens, deadline, 0, 150), SLAGG_CLAIM_OPEN);
    cr_assert_eq(slagg_claim_state_at(opens, deadline, 0, 151), SLAGG_CLAIM_EXPIRED);
    cr_assert_eq(slagg_claim_state_at(opens, deadline, 1, 120), SLAGG_CLAIM_NOT_OPEN);
    cr_assert_eq(slagg_claim_state_at(opens, deadline, 1, 151), SLAGG_CLAIM_NOT_OPEN);
    cr_assert_str_eq(slagg_claim_state_name(SLAGG_CLAIM_NOT_OPEN), "not_open");
    cr_assert_str_eq(slagg_claim_state_name(SLAGG_CLAIM_OPEN), "open");
    cr_assert_str_eq(slagg_claim_state_name(SLAGG_CLAIM_EXPIRED), "expired");
}

/*
 * test_calendar.c - day numbers, weekdays, dates and months (core/calendar.h).
 * Reference values were taken from Python's datetime (proleptic Gregorian).
 */
#include <criterion/criterion.h>

#include <string.h>

#include "core/calendar.h"

static int64_t D(int64_t y, unsigned m, unsigned d) { return slagg_days_from_civil(y, m, d); }

static int parse(const char *s, int64_t *day) { return slagg_parse_date(s, strlen(s), day); }

static void expect_date(int64_t day, const char *text)
{
    char buf[11];
    slagg_format_date(day, buf);
    cr_assert_str_eq(buf, text);
}

Test(calendar, known_day_numbers)
{
    cr_assert_eq(D(1970, 1, 1), 0);
    cr_assert_eq(D(1970, 1, 2), 1);
    cr_assert_eq(D(1969, 12, 31), -1);
    cr_assert_eq(D(2000, 3, 1), 11017);
    cr_assert_eq(D(2026, 3, 17), 20529);
    cr_assert_eq(D(1900, 1, 1), -25567);
    cr_assert_eq(D(2024, 2, 29), 19782);
    cr_assert_eq(D(9999, 12, 31), 2932896);
    cr_assert_eq(D(1, 1, 1), -719162);
}

Test(calendar, round_trip_over_a_wide_range)
{
    /* years about -800 .. 10900: every day maps back to itself, and the
     * civil date advances by exactly one day each step */
    int64_t py = 0;
    unsigned pm = 0, pd = 0;
    for (int64_t day = -1000000; day <= 3300000; day++) {
        int64_t y;
        unsigned m, d;
        slagg_civil_from_days(day, &y, &m, &d);
        cr_assert(m >= 1 && m <= 12 && d >= 1 && d <= slagg_days_in_month(y, m),
                  "day %lld", (long long)day);
        if (D(y, m, d) != day) cr_assert_fail("round trip of day %lld", (long long)day);
        if (day > -1000000) {
            int next_in_month = y == py && m == pm && d == pd + 1;
            int next_month = y == py && m == pm + 1 && d == 1 && pd == slagg_days_in_month(py, pm);
            int next_year = y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31;
            if (!(next_in_month || next_month || next_year))
                cr_assert_fail("day %lld does not follow the previous one", (long long)day);
        }
        py = y;
        pm = m;
        pd = d;
    }
}

Test(calendar, leap_years)
{
    cr_assert_eq(slagg_days_in_month(1900, 2), 28);
    cr_assert_eq(slagg_days_in_month(2000, 2), 29);
    cr_assert_eq(slagg_days_in_month(2024, 2), 29);
    cr_assert_eq(slagg_days_in_month(2026, 2), 28);
    cr_assert_eq(slagg_days_in_month(2100, 2), 28);
    cr_assert_eq(slagg_days_in_month(2400, 2), 29);
    cr_assert_eq(D(1900, 3, 1) - D(1900, 2, 28), 1);
    cr_assert_eq(D(2000, 3, 1) - D(2000, 2, 28), 2);
    cr_assert_eq(D(2024, 3, 1) - D(2024, 2, 28), 2);
    cr_assert_eq(D(2001, 1, 1) - D(2000, 1, 1), 366);
    cr_assert_eq(D(1901, 1, 1) - D(1900, 1, 1), 365);
    cr_assert_eq(D(2025, 1, 1) - D(2024, 1, 1), 366);
    /* 400-year cycle */
    cr_assert_eq(D(2400, 1, 1) - D(2000, 1, 1), 146097);
}

Test(calendar, days_in_month)
{
    static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (unsigned m = 1; m <= 12; m++) cr_assert_eq(slagg_days_in_month(2026, m), dim[m - 1]);
    cr_assert_eq(slagg_days_in_month(2026, 0), 0);
    cr_assert_eq(slagg_days_in_month(2026, 13), 0);
}

Test(calendar, weekdays_of_known_dates)
{
    cr_assert_eq(slagg_weekday(D(1970, 1, 1)), 3);    /* Thursday */
    cr_assert_eq(slagg_weekday(D(1969, 12, 31)), 2);  /* Wednesday */
    cr_assert_eq(slagg_weekday(D(1900, 1, 1)), 0);    /* Monday */
    cr_assert_eq(slagg_weekday(D(2000, 1, 1)), 5);    /* Saturday */
    cr_assert_eq(slagg_weekday(D(2024, 2, 29)), 3);   /* Thursday */
    cr_assert_eq(slagg_weekday(D(2026, 3, 17)), 1);   /* Tuesday */
    cr_assert_eq(slagg_weekday(D(2026, 4, 5)), 6);    /* Sunday */
    cr_assert_eq(slagg_weekday(D(9999, 12, 31)), 4);  /* Friday */
    cr_assert_eq(slagg_weekday(D(1, 1, 1)), 0);       /* Monday */
    for (int64_t d = -100; d < 100; d++)
        cr_assert_eq(slagg_weekday(d + 1), (slagg_weekday(d) + 1) % 7);
}

Test(calendar, parse_accepts_real_dates)
{
    int64_t day = -1;
    cr_assert_eq(parse("1970-01-01", &day), 0);
    cr_assert_eq(day, 0);
    cr_assert_eq(parse("2026-03-17", &day), 0);
    cr_assert_eq(day, 20529);
    cr_assert_eq(parse("2024-02-29", &day), 0);
    cr_assert_eq(day, 19782);
    cr_assert_eq(parse("2000-02-29", &day), 0);
    cr_assert_eq(parse("0000-01-01", &day), 0);
    cr_assert_eq(day, D(0, 1, 1));
    cr_assert_eq(parse("9999-12-31", &day), 0);
    cr_assert_eq(day, 2932896);
    /* length is what counts, not a NUL */
    cr_assert_eq(slagg_parse_date("2026-03-17T00:00", 10, &day), 0);
    cr_assert_eq(day, 20529);
}

Test(calendar, parse_rejects_bad_dates_and_shapes)
{
    static const char *bad[] = {
        "2026-02-30", "2026-02-29", "1900-02-29", "2100-02-29", "2026-04-31",
        "2026-13-01", "2026-00-10", "2026-01-00", "2026-01-32", "2026-1-01",
        "2026-01-1",  "26-01-01",   "2026/01/01", "2026-01-011", " 2026-01-01",
        "2026-01-01 ", "2026-01-0a", "+026-01-01", "-026-01-01", "2026_01-01",
        "",           "20260101",   "2026-0101",  "abcd-ef-gh", "2026-01-01T00:00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t day = 4242;
        cr_assert_eq(parse(bad[i], &day), -1, "\"%s\" accepted", bad[i]);
        cr_assert_eq(day, 4242, "\"%s\" wrote output", bad[i]);
    }
    int64_t day;
    cr_assert_eq(slagg_parse_date("2026-03-17", 11, &day), -1);
}

Test(calendar, format_and_parse_round_trip)
{
    expect_date(0, "1970-01-01");
    expect_date(20529, "2026-03-17");
    expect_date(-1, "1969-12-31");
    expect_date(19782, "2024-02-29");
    expect_date(2932896, "9999-12-31");
    for (int64_t day = D(0, 1, 1); day <= D(9999, 12, 31); day += 97) {
        char buf[11];
        int64_t back;
        slagg_format_date(day, buf);
        cr_assert_eq(slagg_parse_date(buf, 10, &back), 0, "%s", buf);
        cr_assert_eq(back, day, "%s", buf);
    }
}

Test(calendar, month_first_and_last)
{
    cr_assert_eq(slagg_month_first(D(2026, 3, 17)), D(2026, 3, 1));
    cr_assert_eq(slagg_month_last(D(2026, 3, 17)), D(2026, 3, 31));
    cr_assert_eq(slagg_month_first(D(2026, 3, 1)), D(2026, 3, 1));
    cr_assert_eq(slagg_month_last(D(2026, 3, 31)), D(2026, 3, 31));
    cr_assert_eq(slagg_month_last(D(2024, 2, 1)), D(2024, 2, 29));
    cr_assert_eq(slagg_month_last(D(2026, 2, 14)), D(2026, 2, 28));
    cr_assert_eq(slagg_month_last(D(1900, 2, 14)), D(1900, 2, 28));
    cr_assert_eq(slagg_month_first(D(1969, 12, 31)), D(1969, 12, 1));
    cr_assert_eq(slagg_month_last(D(1969, 12, 1)), -1);
}

Test(calendar, month_add_across_years)
{
    cr_assert_eq(slagg_month_add(D(2026, 3, 17), 0), D(2026, 3, 1));
    cr_assert_eq(slagg_month_add(D(2026, 3, 17), 1), D(2026, 4, 1));
    cr_assert_eq(slagg_month_add(D(2026, 3, 31), 2), D(2026, 5, 1));
    cr_assert_eq(slagg_month_add(D(2026, 11, 15), 2), D(2027, 1, 1));
    cr_assert_eq(slagg_month_add(D(2026, 12, 31), 1), D(2027, 1, 1));
    cr_assert_eq(slagg_month_add(D(2026, 1, 31), -1), D(2025, 12, 1));
    cr_assert_eq(slagg_month_add(D(2026, 1, 1), -13), D(2024, 12, 1));
    cr_assert_eq(slagg_month_add(D(2026, 6, 30), 12), D(2027, 6, 1));
    cr_assert_eq(slagg_month_add(D(2026, 6, 30), 25), D(2028, 7, 1));
    cr_assert_eq(slagg_month_add(D(2026, 6, 30), -24), D(2024, 6, 1));
    cr_assert_eq(slagg_month_add(D(1970, 1, 5), -1), D(1969, 12, 1));
    cr_assert_eq(slagg_month_add(D(2024, 1, 31), 1), D(2024, 2, 1));
    /* month_add(x, k) then month_add(., -k) returns to x's month */
    for (int k = -30; k <= 30; k++)
        cr_assert_eq(slagg_month_add(slagg_month_add(D(2026, 3, 17), k), -k), D(2026, 3, 1));
}

Test(calendar, floordiv)
{
    cr_assert_eq(slagg_floordiv(7, 2), 3);
    cr_assert_eq(slagg_floordiv(-7, 2), -4);
    cr_assert_eq(slagg_floordiv(-8, 2), -4);
    cr_assert_eq(slagg_floordiv(0, 5), 0);
    cr_assert_eq(slagg_floordiv(-1, SLAGG_MS_PER_DAY), -1);
    cr_assert_eq(slagg_floordiv(SLAGG_MS_PER_DAY - 1, SLAGG_MS_PER_DAY), 0);
    cr_assert_eq(slagg_floordiv(7, -2), -4);
    cr_assert_eq(SLAGG_WINDOWS_PER_DAY * SLAGG_MS_PER_WINDOW, SLAGG_MS_PER_DAY);
}

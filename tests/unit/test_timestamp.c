/*
 * test_timestamp.c - io/timestamp: RFC 3339, Unix seconds / milliseconds,
 * the --tz offset, and formatting (SPEC sections 2 "Time" and 3).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/calendar.h"
#include "io/timestamp.h"

static int rfc(const char *s, int64_t *ms) { return slagg_parse_rfc3339(s, strlen(s), ms); }
static int ts(const char *s, int64_t *ms) { return slagg_parse_ts(s, strlen(s), ms); }
static int secs(const char *s, int64_t *ms) { return slagg_parse_unix_seconds(s, strlen(s), ms); }
static int msec(const char *s, int64_t *ms) { return slagg_parse_unix_ms(s, strlen(s), ms); }

/* Expects s to parse (via slagg_parse_ts) to want. */
static void expect_ts(const char *s, int64_t want)
{
    int64_t got = INT64_MIN;
    cr_assert_eq(ts(s, &got), 0, "'%s' should parse", s);
    cr_assert_eq(got, want, "'%s': got %lld, want %lld", s, (long long)got, (long long)want);
}

static void expect_bad(const char *s)
{
    int64_t got = 42;
    cr_assert_eq(ts(s, &got), -1, "'%s' should be rejected", s);
    cr_assert_eq(got, 42, "'%s': output touched on failure", s);
}

Test(timestamp, rfc3339_z)
{
    expect_ts("1970-01-01T00:00:00Z", 0);
    expect_ts("2026-03-17T10:04:59Z", 1773741899000LL);
    expect_ts("2026-03-17t10:04:59z", 1773741899000LL);
    expect_ts("2026-03-17 10:04:59Z", 1773741899000LL);
    expect_ts("1969-12-31T23:59:59Z", -1000);
}

Test(timestamp, rfc3339_offsets)
{
    expect_ts("2026-03-17T10:04:59+00:00", 1773741899000LL);
    expect_ts("2026-03-17T10:04:59-00:00", 1773741899000LL);
    expect_ts("2026-03-17T18:04:59+08:00", 1773741899000LL);
    expect_ts("2026-03-17T10:04:59-05:30", 1773761699000LL);
    expect_ts("2026-03-17T23:59:59+23:59", 1773705659000LL);   /* 00:00:59Z */
}

Test(timestamp, day_boundary_in_service_zone)
{
    int64_t a, b;
    cr_assert_eq(rfc("2026-03-17T23:59:59.999+08:00", &a), 0);
    cr_assert_eq(rfc("2026-03-18T00:00:00+08:00", &b), 0);
    cr_assert_eq(a, 1773763199999LL);
    cr_assert_eq(b, 1773763200000LL);
    cr_assert_eq(b - a, 1);
}

Test(timestamp, fraction_digits_1_to_9)
{
    const int64_t base = 1773741899000LL;   /* 2026-03-17T10:04:59Z */
    expect_ts("2026-03-17T10:04:59.1Z", base + 100);
    expect_ts("2026-03-17T10:04:59.12Z", base + 120);
    expect_ts("2026-03-17T10:04:59.123Z", base + 123);
    expect_ts("2026-03-17T10:04:59.1239Z", base + 123);
    expect_ts("2026-03-17T10:04:59.12399Z", base + 123);
    expect_ts("2026-03-17T10:04:59.123999Z", base + 123);
    expect_ts("2026-03-17T10:04:59.9999999Z", base + 999);
    expect_ts("2026-03-17T10:04:59.99999999Z", base + 999);
    expect_ts("2026-03-17T10:04:59.999999999Z", base + 999);
    expect_ts("2026-03-17T10:04:59.000000001Z", base);
    expect_ts("2026-03-17T10:04:59.999999999999999999Z", base + 999);   /* 18 digits */
    expect_bad("2026-03-17T10:04:59.9999999999999999999Z");            /* 19 digits */
    expect_bad("2026-03-17T10:04:59.Z");
    expect_bad("2026-03-17T10:04:59,5Z");
}

Test(timestamp, fractional_floor)
{
    /* flooring keeps 10:04:59.999x in the 10:00 window */
    expect_ts("2026-03-17T10:04:59.9999+08:00", 1773741899000LL - 8 * 3600000LL + 999);
    expect_ts("1969-12-31T23:59:59.9999Z", -1);   /* -0.0001 s floors to -1 ms */
    expect_ts("1969-12-31T23:59:59.0001Z", -1000);
}

Test(timestamp, leap_days)
{
    expect_ts("2024-02-29T00:00:00Z", 1709164800000LL);
    expect_ts("2000-02-29T12:00:00Z", 951825600000LL);
    expect_bad("2026-02-29T00:00:00Z");
    expect_bad("1900-02-29T00:00:00Z");
    expect_bad("2024-02-30T00:00:00Z");
    expect_bad("2026-04-31T00:00:00Z");
    expect_bad("2026-13-01T00:00:00Z");
    expect_bad("2026-00-10T00:00:00Z");
    expect_bad("2026-01-00T00:00:00Z");
}

Test(timestamp, year_range)
{
    expect_ts("0000-01-01T00:00:00Z", -62167219200000LL);
    expect_ts("9999-12-31T23:59:59.999Z", 253402300799999LL);
}

Test(timestamp, strict_fields)
{
    expect_bad("2026-03-17T24:00:00Z");
    expect_bad("2026-03-17T23:60:00Z");
    expect_bad("2026-03-17T23:59:60Z");
    expect_bad("2026-03-17T10:04:59");           /* no offset */
    expect_bad("2026-03-17T10:04:59+08");
    expect_bad("2026-03-17T10:04:59+0800");
    expect_bad("2026-03-17T10:04:59+24:00");
    expect_bad("2026-03-17T10:04:59+08:60");
    expect_bad("2026-03-17T10:04:59Z ");
    expect_bad(" 2026-03-17T10:04:59Z");
    expect_bad("2026-03-17X10:04:59Z");
    expect_bad("2026-3-17T10:04:59Z");
    expect_bad("2026-03-17T1:04:59Z");
    expect_bad("2026-03-17");
    expect_bad("");
    int64_t v;
    cr_assert_eq(slagg_parse_rfc3339("2026-03-17T10:04:59Z", 19, &v), -1);  /* cut */
}

Test(timestamp, unix_seconds)
{
    int64_t v;
    cr_assert_eq(secs("1700000000", &v), 0);
    cr_assert_eq(v, 1700000000000LL);
    cr_assert_eq(secs("1700000000.25", &v), 0);
    cr_assert_eq(v, 1700000000250LL);
    cr_assert_eq(secs("1700000000.2509", &v), 0);
    cr_assert_eq(v, 1700000000250LL);
    cr_assert_eq(secs("0", &v), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(secs("-1", &v), 0);
    cr_assert_eq(v, -1000);
    cr_assert_eq(secs("-1.5", &v), 0);
    cr_assert_eq(v, -1500);
    cr_assert_eq(secs("-1.0005", &v), 0);
    cr_assert_eq(v, -1001);   /* floored toward -infinity */
    cr_assert_eq(secs("-0.0001", &v), 0);
    cr_assert_eq(v, -1);
    cr_assert_eq(secs("-0", &v), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(secs("9223372036854775", &v), 0);
    cr_assert_eq(v, 9223372036854775000LL);
    cr_assert_eq(secs("9223372036854775.807", &v), 0);
    cr_assert_eq(v, INT64_MAX);
    cr_assert_eq(secs("9223372036854775.808", &v), -1);
    cr_assert_eq(secs("-9223372036854775.808", &v), 0);
    cr_assert_eq(v, INT64_MIN);
    cr_assert_eq(secs("-9223372036854775.8081", &v), -1);
    cr_assert_eq(secs("99999999999999999999999", &v), -1);
    cr_assert_eq(secs("", &v), -1);
    cr_assert_eq(secs("-", &v), -1);
    cr_assert_eq(secs("1.", &v), -1);
    cr_assert_eq(secs(".5", &v), -1);
    cr_assert_eq(secs("+1", &v), -1);
    cr_assert_eq(secs("1e9", &v), -1);
    cr_assert_eq(secs("17 ", &v), -1);
    cr_assert_eq(secs("1.1234567890123456789", &v), -1);   /* 19 fraction digits */
}

Test(timestamp, ts_dispatch)
{
    expect_ts("1700000000", 1700000000000LL);
    expect_ts("1700000000.999", 1700000000999LL);
    expect_ts("-5", -5000);
    expect_ts("-5.5", -5500);
    expect_bad("1700-00");
    expect_bad("17T");
    expect_bad("abc");
}

Test(timestamp, unix_ms)
{
    int64_t v;
    cr_assert_eq(msec("1773763199999", &v), 0);
    cr_assert_eq(v, 1773763199999LL);
    cr_assert_eq(msec("-1", &v), 0);
    cr_assert_eq(v, -1);
    cr_assert_eq(msec("0", &v), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(msec("9223372036854775807", &v), 0);
    cr_assert_eq(v, INT64_MAX);
    cr_assert_eq(msec("-9223372036854775808", &v), 0);
    cr_assert_eq(v, INT64_MIN);
    cr_assert_eq(msec("9223372036854775808", &v), -1);
    cr_assert_eq(msec("1.5", &v), -1);
    cr_assert_eq(msec("", &v), -1);
    cr_assert_eq(msec("-", &v), -1);
    cr_assert_eq(msec("1e3", &v), -1);
}

Test(timestamp, tz_parse)
{
    int32_t off = 1;
    cr_assert_eq(slagg_parse_tz("+08:00", 6, &off), 0);
    cr_assert_eq(off, 8 * 3600);
    cr_assert_eq(slagg_parse_tz("-05:30", 6, &off), 0);
    cr_assert_eq(off, -(5 * 3600 + 30 * 60));
    cr_assert_eq(slagg_parse_tz("Z", 1, &off), 0);
    cr_assert_eq(off, 0);
    cr_assert_eq(slagg_parse_tz("+23:59", 6, &off), 0);
    cr_assert_eq(off, 23 * 3600 + 59 * 60);
    cr_assert_eq(slagg_parse_tz("+24:00", 6, &off), -1);
    cr_assert_eq(slagg_parse_tz("+08:60", 6, &off), -1);
    cr_assert_eq(slagg_parse_tz("08:00", 5, &off), -1);
    cr_assert_eq(slagg_parse_tz("+0800", 5, &off), -1);
    cr_assert_eq(slagg_parse_tz("+8:00", 5, &off), -1);
    cr_assert_eq(slagg_parse_tz("", 0, &off), -1);
    cr_assert_eq(slagg_parse_tz("UTC", 3, &off), -1);
}

Test(timestamp, tz_format)
{
    char b[8];
    slagg_format_tz(8 * 3600, b);
    cr_assert_str_eq(b, "+08:00");
    slagg_format_tz(-(5 * 3600 + 30 * 60), b);
    cr_assert_str_eq(b, "-05:30");
    slagg_format_tz(0, b);
    cr_assert_str_eq(b, "+00:00");
    slagg_format_tz(23 * 3600 + 59 * 60, b);
    cr_assert_str_eq(b, "+23:59");
}

Test(timestamp, format_rfc3339)
{
    char b[40];
    slagg_format_rfc3339(1773763199999LL, 8 * 3600, b);
    cr_assert_str_eq(b, "2026-03-17T23:59:59.999+08:00");
    slagg_format_rfc3339(1773763200000LL, 8 * 3600, b);
    cr_assert_str_eq(b, "2026-03-18T00:00:00.000+08:00");
    slagg_format_rfc3339(1773761699000LL, -(5 * 3600 + 30 * 60), b);
    cr_assert_str_eq(b, "2026-03-17T10:04:59.000-05:30");
    slagg_format_rfc3339(-1, 0, b);
    cr_assert_str_eq(b, "1969-12-31T23:59:59.999+00:00");
    slagg_format_rfc3339(0, 8 * 3600, b);
    cr_assert_str_eq(b, "1970-01-01T08:00:00.000+08:00");
    /* extremes do not overflow */
    slagg_format_rfc3339(INT64_MAX, 8 * 3600, b);
    cr_assert(strlen(b) < 40);
    slagg_format_rfc3339(INT64_MIN, -(23 * 3600), b);
    cr_assert(strlen(b) < 40);
}

Test(timestamp, format_parse_roundtrip)
{
    const int64_t samples[] = {0, -1, 1773763199999LL, 951825600000LL, -62167219200000LL,
                               253402300799999LL};
    const int32_t offs[] = {0, 8 * 3600, -(5 * 3600 + 30 * 60), 14 * 3600};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        for (size_t k = 0; k < sizeof offs / sizeof offs[0]; k++) {
            char b[40];
            int64_t back;
            slagg_format_rfc3339(samples[i], offs[k], b);
            if (samples[i] == -62167219200000LL && offs[k] < 0) continue;   /* year -1 */
            if (samples[i] == 253402300799999LL && offs[k] > 0) continue;   /* year 10000 */
            cr_assert_eq(rfc(b, &back), 0, "%s", b);
            cr_assert_eq(back, samples[i], "%s", b);
        }
    }
}

/* The fixed-layout fast path ("YYYY-MM-DDTHH:MM:SS.mmm+HH:MM" or "...Z")
 * and its per-thread date memo give what the general parser gives: each
 * string is also parsed with a fourth fraction digit "0", a form only the
 * general parser reads, and both must agree, in value and in refusing.
 * Dates change from one string to the next (the memo), across month ends,
 * leap days (2024-02-29 valid, 2025-02-29 and 2100-02-29 not), bad months
 * and days, bad hours, offsets either side of UTC and bad offsets. */
Test(timestamp, fixed_layout_equals_general_parser)
{
    static const char *const dates[] = {"2026-03-01", "2026-03-01", "2026-02-28", "2024-02-29", "2025-02-29",
                                        "2100-02-29", "2026-12-31", "1970-01-01", "2026-13-01", "2026-00-10",
                                        "2026-04-31", "2026-04-30", "20x6-04-30", "2026-04-00", "2026-03-01"};
    static const char *const times[] = {"00:00:00.000", "23:59:59.999", "12:34:56.789", "24:00:00.000",
                                        "12:60:00.000", "12:00:60.000", "1x:00:00.000", "08:00:00.0a0"};
    static const char *const zones[] = {"+08:00", "-05:30", "+00:00", "Z", "+24:00", "+08:60", "*08:00", "+0800"};
    size_t ok = 0, refused = 0;
    for (size_t a = 0; a < sizeof dates / sizeof *dates; a++)
        for (size_t b = 0; b < sizeof times / sizeof *times; b++)
            for (size_t c = 0; c < sizeof zones / sizeof *zones; c++) {
                char s[64], g[64];
                int n = snprintf(s, sizeof s, "%sT%s%s", dates[a], times[b], zones[c]);
                int m = snprintf(g, sizeof g, "%sT%s0%s", dates[a], times[b], zones[c]);
                int64_t x = -1, y = -1;
                int rx = slagg_parse_rfc3339(s, (size_t)n, &x);
                int ry = slagg_parse_rfc3339(g, (size_t)m, &y);
                cr_assert_eq(rx, ry, "%s: %d, %s: %d", s, rx, g, ry);
                if (rx == 0) {
                    cr_assert_eq(x, y, "%s: %lld, %s: %lld", s, (long long)x, g, (long long)y);
                    ok++;
                } else {
                    refused++;
                }
            }
    cr_assert(ok > 80 && refused > 500, "ok %zu refused %zu", ok, refused);
    int64_t v;
    cr_assert_eq(slagg_parse_rfc3339("2026-03-01T00:00:00.000+08:00", 29, &v), 0);
    cr_assert_eq(v, 1772294400000LL);
}

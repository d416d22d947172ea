/*
 * calendar.h - proleptic Gregorian dates as day numbers.
 *
 * A "day" is an int64_t counting days since 1970-01-01 (day 0) in the
 * service time zone; all period, claim and window arithmetic works on day
 * numbers, never on struct tm or the process time zone.
 * Algorithms: H. Hinnant, "chrono-compatible low-level date algorithms".
 */
#ifndef SLAGG_CORE_CALENDAR_H
#define SLAGG_CORE_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#define SLAGG_MS_PER_DAY 86400000LL
#define SLAGG_MS_PER_WINDOW 300000LL      /* SLA: 5-minute windows */
#define SLAGG_WINDOWS_PER_DAY 288         /* 12 x 24 */

int64_t slagg_days_from_civil(int64_t y, unsigned m, unsigned d);
void slagg_civil_from_days(int64_t day, int64_t *y, unsigned *m, unsigned *d);
unsigned slagg_days_in_month(int64_t y, unsigned m);
/* 0 = Monday ... 6 = Sunday */
unsigned slagg_weekday(int64_t day);

/* Exactly n ASCII decimal digits at s (n <= 9). Returns 0 and *out, or -1.
 * Shared by the date and timestamp parsers. */
int slagg_parse_digits(const char *s, size_t n, unsigned *out);

/* Strict "YYYY-MM-DD" (exactly 10 bytes, a real date: no Feb 30).
 * Returns 0 and sets *day, or -1. */
int slagg_parse_date(const char *s, size_t n, int64_t *day);
/* The last date slagg takes from a table or an option: 2099-12-31 (SPEC 6
 * "dates past 2099-12-31 in tables or --through are refused"; record
 * instants stop at 2100-01-01T00:00Z likewise, io/records.h). Outputs may
 * go later: the claim deadline of a 2099-12 period is 2100-02-28. */
#define SLAGG_LAST_DAY INT64_C(47481)
#define SLAGG_LAST_DAY_TEXT "2099-12-31"
/* slagg_parse_date for inputs: 0 and *day, -1 when not a date, -2 (and
 * *day untouched) for a real date after SLAGG_LAST_DAY. */
int slagg_parse_input_date(const char *s, size_t n, int64_t *day);
/* Writes "YYYY-MM-DD" and a NUL into out (years 0000-9999). */
void slagg_format_date(int64_t day, char out[11]);

/* "+08:00" form of an offset; out gets 7 bytes incl. NUL. */
void slagg_format_tz(int32_t offset_s, char out[8]);
/* "2026-03-17T10:04:59.999+08:00" for messages and the summary; out >= 40 bytes. */
void slagg_format_rfc3339(int64_t ms, int32_t offset_s, char out[40]);

int64_t slagg_month_first(int64_t day);   /* first day of day's month */
int64_t slagg_month_last(int64_t day);    /* last day of day's month */
/* First day of the month k months after day's month (k may be negative). */
int64_t slagg_month_add(int64_t day, int k);

/* Floor division, for day and window numbers of negative instants. */
static inline int64_t slagg_floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

#endif

#include "core/calendar.h"

#include <stdio.h>

int64_t slagg_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void slagg_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned slagg_days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return 0;
    return m == 2 && is_leap(y) ? 29u : dim[m - 1];
}

unsigned slagg_weekday(int64_t day)
{
    /* 1970-01-01 was a Thursday (3 when Monday is 0). */
    int64_t w = (day + 3) % 7;
    return (unsigned)(w < 0 ? w + 7 : w);
}

int slagg_parse_digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int slagg_parse_date(const char *s, size_t n, int64_t *day)
{
    unsigned y, m, d;
    if (n != 10 || s[4] != '-' || s[7] != '-') return -1;
    if (slagg_parse_digits(s, 4, &y) || slagg_parse_digits(s + 5, 2, &m) || slagg_parse_digits(s + 8, 2, &d)) return -1;
    if (m < 1 || m > 12 || d < 1 || d > slagg_days_in_month(y, m)) return -1;
    *day = slagg_days_from_civil(y, m, d);
    return 0;
}

int slagg_parse_input_date(const char *s, size_t n, int64_t *day)
{
    int64_t d;
    if (slagg_parse_date(s, n, &d) != 0) return -1;
    if (d > SLAGG_LAST_DAY) return -2;
    *day = d;
    return 0;
}

void slagg_format_date(int64_t day, char out[11])
{
    int64_t y;
    unsigned m, d;
    slagg_civil_from_days(day, &y, &m, &d);
    if (y < 0) y = 0;
    if (y > 9999) y = 9999;
    unsigned yy = (unsigned)y;
    out[0] = (char)('0' + yy / 1000);
    out[1] = (char)('0' + yy / 100 % 10);
    out[2] = (char)('0' + yy / 10 % 10);
    out[3] = (char)('0' + yy % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

void slagg_format_tz(int32_t offset_s, char out[8])
{
    int64_t a = offset_s < 0 ? -(int64_t)offset_s : offset_s;
    unsigned hh = (unsigned)(a / 3600 % 100), mm = (unsigned)(a / 60 % 60);
    out[0] = offset_s < 0 ? '-' : '+';
    out[1] = (char)('0' + hh / 10);
    out[2] = (char)('0' + hh % 10);
    out[3] = ':';
    out[4] = (char)('0' + mm / 10);
    out[5] = (char)('0' + mm % 10);
    out[6] = '\0';
}

void slagg_format_rfc3339(int64_t ms, int32_t offset_s, char out[40])
{
    /* local = ms + offset; computed without overflow near the int64 ends
     * by splitting into days and milliseconds of the day first */
    int64_t day = ms / SLAGG_MS_PER_DAY, msd = ms % SLAGG_MS_PER_DAY;
    if (msd < 0) {
        msd += SLAGG_MS_PER_DAY;
        day--;
    }
    msd += (int64_t)offset_s * 1000LL;
    int64_t carry = slagg_floordiv(msd, SLAGG_MS_PER_DAY);
    day += carry;
    msd -= carry * SLAGG_MS_PER_DAY;

    int64_t y;
    unsigned mo, d;
    slagg_civil_from_days(day, &y, &mo, &d);
    unsigned hh = (unsigned)(msd / 3600000), mi = (unsigned)(msd / 60000 % 60),
             ss = (unsigned)(msd / 1000 % 60), mss = (unsigned)(msd % 1000);
    char tz[8];
    slagg_format_tz(offset_s, tz);
    snprintf(out, 40, "%04lld-%02u-%02uT%02u:%02u:%02u.%03u%s", (long long)y, mo, d, hh, mi,
             ss, mss, tz);
}

int64_t slagg_month_first(int64_t day)
{
    int64_t y;
    unsigned m, d;
    slagg_civil_from_days(day, &y, &m, &d);
    return day - (d - 1);
}

int64_t slagg_month_last(int64_t day)
{
    int64_t y;
    unsigned m, d;
    slagg_civil_from_days(day, &y, &m, &d);
    return day - d + slagg_days_in_month(y, m);
}

int64_t slagg_month_add(int64_t day, int k)
{
    int64_t y;
    unsigned m, d;
    slagg_civil_from_days(day, &y, &m, &d);
    int64_t months = y * 12 + (m - 1) + k;
    int64_t ny = slagg_floordiv(months, 12);
    return slagg_days_from_civil(ny, (unsigned)(months - ny * 12) + 1, 1);
}

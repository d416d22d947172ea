/*
 * timestamp.c - parsing of instants (SPEC section 3,
 * "Request records": `ts` is RFC 3339 with an offset or Z, or Unix seconds;
 * `ts_ms` is Unix milliseconds) and of the --tz offset (SPEC section 2,
 * "Time").
 *
 * Every parser is strict (no leading/trailing blanks, no guessing) and
 * floors sub-millisecond digits toward -infinity, so that an instant never
 * moves into a later 5-minute window. Their writers are in core/calendar.c.
 */
#include "io/timestamp.h"

#include <string.h>

#include "core/calendar.h"

#define MS_PER_S 1000LL

/* Parses ".d{1,18}" fraction digits at s[0..n): returns the milliseconds
 * (first three digits, zero-padded) and sets *rest when any later digit is
 * non-zero (the caller needs it to floor negative instants). -1 if not 1-18
 * digits. */
static int fraction_ms(const char *s, size_t n, int64_t *ms, int *rest)
{
    if (n < 1 || n > 18) return -1;
    int64_t v = 0;
    *rest = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        if (i < 3)
            v = v * 10 + (s[i] - '0');
        else if (s[i] != '0')
            *rest = 1;
    }
    for (size_t i = n; i < 3; i++) v *= 10;
    *ms = v;
    return 0;
}

/* "+HH:MM" / "-HH:MM" (exactly 6 bytes), HH 00-23, MM 00-59. */
static int offset_hhmm(const char *s, size_t n, int32_t *offset_s)
{
    unsigned hh, mm;
    if (n != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':') return -1;
    if (slagg_parse_digits(s + 1, 2, &hh) || slagg_parse_digits(s + 4, 2, &mm)) return -1;
    if (hh > 23 || mm > 59) return -1;
    int32_t v = (int32_t)(hh * 3600 + mm * 60);
    *offset_s = s[0] == '-' ? -v : v;
    return 0;
}

/* Two ASCII digits at p, or -1. */
static inline int dig2(const char *p)
{
    unsigned a = (unsigned char)p[0] - '0', b = (unsigned char)p[1] - '0';
    return a < 10 && b < 10 ? (int)(a * 10 + b) : -1;
}

/* The last date seen by this thread's fixed-layout parses and its day
 * number: a log's records come in time order, so nearly every record
 * repeats its predecessor's date, and its calendar checks and day
 * arithmetic are done once per day instead of once per record. */
static _Thread_local struct {
    char ymd[10];
    int64_t day;
} last_date = {"", 0};

/* The layout every log writer this project knows uses (slagg gen, the
 * gateways of SPEC 3), "YYYY-MM-DDTHH:MM:SS.mmm+HH:MM" (29 bytes) or
 * "...SS.mmmZ" (24): parsed at fixed offsets with no loop. Returns 0 and
 * *ms, or 1 when s is anything else (even a valid other form), for the
 * general parser to decide; never a different instant than it. */
static int rfc3339_fixed(const char *s, size_t n, int64_t *ms)
{
    if (n != 29 && n != 24) return 1;
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.') return 1;
    int hh = dig2(s + 11), mi = dig2(s + 14), ss = dig2(s + 17);
    int f0 = dig2(s + 20), f1 = (unsigned char)s[22] - '0';
    if (hh < 0 || mi < 0 || ss < 0 || f0 < 0 || f1 < 0 || f1 > 9) return 1;
    if (hh > 23 || mi > 59 || ss > 59) return 1;
    int32_t off = 0;
    if (n == 29) {
        if ((s[23] != '+' && s[23] != '-') || s[26] != ':') return 1;
        int oh = dig2(s + 24), om = dig2(s + 27);
        if (oh < 0 || om < 0 || oh > 23 || om > 59) return 1;
        off = (int32_t)(oh * 3600 + om * 60);
        if (s[23] == '-') off = -off;
    } else if (s[23] != 'Z') {
        return 1;
    }
    int64_t day;
    if (memcmp(s, last_date.ymd, 10) == 0) {
        day = last_date.day;
    } else {
        int y0 = dig2(s), y1 = dig2(s + 2), mo = dig2(s + 5), d = dig2(s + 8);
        if (y0 < 0 || y1 < 0 || mo < 1 || mo > 12 || d < 1) return 1;
        unsigned y = (unsigned)(y0 * 100 + y1);
        if ((unsigned)d > slagg_days_in_month(y, (unsigned)mo)) return 1;
        day = slagg_days_from_civil((int64_t)y, (unsigned)mo, (unsigned)d);
        memcpy(last_date.ymd, s, 10);
        last_date.day = day;
    }
    int64_t sod = (int64_t)hh * 3600 + (int64_t)mi * 60 + (int64_t)ss;
    *ms = (day * 86400 + sod - off) * MS_PER_S + f0 * 10 + f1;
    return 0;
}

int slagg_parse_rfc3339(const char *s, size_t n, int64_t *ms)
{
    if (s && rfc3339_fixed(s, n, ms) == 0) return 0;
    unsigned y, mo, d, hh, mi, ss;
    /* shortest form: YYYY-MM-DDTHH:MM:SSZ */
    if (!s || n < 20) return -1;
    if (s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':') return -1;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return -1;
    if (slagg_parse_digits(s, 4, &y) || slagg_parse_digits(s + 5, 2, &mo) || slagg_parse_digits(s + 8, 2, &d) ||
        slagg_parse_digits(s + 11, 2, &hh) || slagg_parse_digits(s + 14, 2, &mi) ||
        slagg_parse_digits(s + 17, 2, &ss))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > slagg_days_in_month(y, mo)) return -1;
    if (hh > 23 || mi > 59 || ss > 59) return -1;

    size_t i = 19;
    int64_t frac = 0;
    if (s[i] == '.') {
        size_t j = i + 1;
        while (j < n && s[j] >= '0' && s[j] <= '9') j++;
        int rest;
        /* the fraction is non-negative, so dropping digits is a floor */
        if (fraction_ms(s + i + 1, j - i - 1, &frac, &rest)) return -1;
        i = j;
    }
    if (i >= n) return -1;
    int32_t off = 0;
    if (s[i] == 'Z' || s[i] == 'z') {
        if (n - i != 1) return -1;
    } else if (offset_hhmm(s + i, n - i, &off)) {
        return -1;
    }
    int64_t day = slagg_days_from_civil((int64_t)y, mo, d);
    int64_t sod = (int64_t)hh * 3600 + (int64_t)mi * 60 + (int64_t)ss;
    *ms = (day * 86400 + sod - off) * MS_PER_S + frac;
    return 0;
}

int slagg_rfc3339_lacks_offset(const char *s, size_t n)
{
    char b[64];
    int64_t ms;
    if (n < 19 || n + 1 >= sizeof b) return 0;
    memcpy(b, s, n);
    b[n] = 'Z';
    return slagg_parse_rfc3339(b, n + 1, &ms) == 0;
}

int slagg_parse_unix_seconds(const char *s, size_t n, int64_t *ms)
{
    if (!s || n == 0) return -1;
    size_t i = 0;
    int neg = 0;
    if (s[0] == '-') {
        neg = 1;
        i = 1;
    }
    size_t start = i;
    uint64_t v = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (v > (UINT64_MAX - 9) / 10) return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
        i++;
    }
    if (i == start) return -1;
    int64_t frac = 0;
    int rest = 0;
    if (i < n) {
        if (s[i] != '.') return -1;
        if (fraction_ms(s + i + 1, n - i - 1, &frac, &rest)) return -1;
    }
    /* magnitude in ms, rounded away from zero for negatives (= floor) */
    unsigned __int128 mag = (unsigned __int128)v * 1000u + (uint64_t)frac;
    if (neg && rest) mag += 1;
    if (!neg) {
        if (mag > (unsigned __int128)INT64_MAX) return -1;
        *ms = (int64_t)mag;
    } else {
        if (mag > (unsigned __int128)INT64_MAX + 1) return -1;
        *ms = mag == 0 ? 0 : -(int64_t)(mag - 1) - 1;
    }
    return 0;
}

int slagg_parse_unix_ms(const char *s, size_t n, int64_t *ms)
{
    if (!s || n == 0) return -1;
    size_t i = 0;
    int neg = 0;
    if (s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == n) return -1;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        if (v > (UINT64_MAX - 9) / 10) return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (!neg) {
        if (v > (uint64_t)INT64_MAX) return -1;
        *ms = (int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX + 1) return -1;
        *ms = v == 0 ? 0 : -(int64_t)(v - 1) - 1;
    }
    return 0;
}

int slagg_parse_ts(const char *s, size_t n, int64_t *ms)
{
    if (!s || n == 0) return -1;
    /* A '-' anywhere but in front, or a 'T', means a calendar date; a
     * leading '-' alone is a negative Unix time. */
    for (size_t i = 0; i < n; i++) {
        if ((i > 0 && s[i] == '-') || s[i] == 'T' || s[i] == 't')
            return slagg_parse_rfc3339(s, n, ms);
    }
    return slagg_parse_unix_seconds(s, n, ms);
}

int slagg_parse_tz(const char *s, size_t n, int32_t *offset_s)
{
    if (!s) return -1;
    if (n == 1 && s[0] == 'Z') {
        *offset_s = 0;
        return 0;
    }
    return offset_hhmm(s, n, offset_s);
}

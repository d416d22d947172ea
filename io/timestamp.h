/*
 * timestamp.h - instants as Unix milliseconds (int64, floored), parsed from
 * the forms SPEC section 3 allows, and the --tz offset.
 *
 * Sub-millisecond digits are floored away: a window boundary is a whole
 * millisecond, so flooring never moves a record across a window
 * ("10:04:59.999" stays in the 10:00 window).
 */
#ifndef SLAGG_IO_TIMESTAMP_H
#define SLAGG_IO_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

/* RFC 3339 date-time: YYYY-MM-DD('T'|'t'|' ')HH:MM:SS[.fraction](Z|z|+HH:MM|-HH:MM).
 * Strict: a real date, hour 00-23, minute 00-59, second 00-59, offset hours
 * 00-23, 1 to 18 fraction digits. Returns 0 and *ms, or -1. */
int slagg_parse_rfc3339(const char *s, size_t n, int64_t *ms);
/* 1 when s is a valid RFC 3339 date-time but for its missing offset
 * ("2026-03-02T10:00:00"), so a message can say what to add (issue 15);
 * else 0. */
int slagg_rfc3339_lacks_offset(const char *s, size_t n);
/* The hint those messages carry. */
#define SLAGG_TS_OFFSET_HINT "no UTC offset: add Z or an offset such as +08:00"
/* Unix seconds: optional '-', digits, optional '.' and 1-18 digits
 * ("1700000000", "1700000000.25"). Returns 0 and *ms (floored), or -1. */
int slagg_parse_unix_seconds(const char *s, size_t n, int64_t *ms);
/* Unix milliseconds: optional '-', digits only. Returns 0 or -1. */
int slagg_parse_unix_ms(const char *s, size_t n, int64_t *ms);
/* A `ts` value: RFC 3339 when it has a '-' after the first digit or a 'T',
 * else Unix seconds. Returns 0 or -1. */
int slagg_parse_ts(const char *s, size_t n, int64_t *ms);

/* A fixed UTC offset: "+HH:MM", "-HH:MM" (HH 00-23, MM 00-59) or "Z".
 * Returns 0 and *offset_s (seconds east of UTC), or -1. */
int slagg_parse_tz(const char *s, size_t n, int32_t *offset_s);
/* Their writers, slagg_format_tz and slagg_format_rfc3339, are rules of
 * time shared by every layer: core/calendar.h. */

#endif

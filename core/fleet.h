/*
 * fleet.h - what a fold knows about a fleet once the records are read:
 * every contracted period with its counts and its windows with errors, plus
 * the fleet-wide counters. It is exactly what the compact availability
 * summary stores (docs/FORMAT.md), so `slagg export` rebuilds the finance
 * files from it without the raw records.
 */
#ifndef SLAGG_CORE_FLEET_H
#define SLAGG_CORE_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "core/classify.h"
#include "core/exact.h"
#include "core/period.h"

typedef struct slagg_period_agg {
    uint32_t account;                 /* index into fleet.accounts */
    slagg_span span;
    uint64_t cls[SLAGG_CLASS_COUNT];  /* records of each class in the period */
    uint64_t error_windows;           /* windows with E > 0 (= win_count) */
    uint64_t win_off, win_count;      /* this period's slice of ev[] / win[] */
} slagg_period_agg;

typedef struct slagg_late_maint {
    char *file;
    uint64_t line;
    char *start, *end, *scope, *notice_at;  /* as written in the file */
} slagg_late_maint;

typedef struct slagg_fleet {
    int32_t tz_s;            /* service time zone, seconds east of UTC */
    int64_t through;         /* last day counted (day number) */
    uint64_t records_read, rejected, uncontracted, after_through;
    uint32_t n_accounts;     /* contracted accounts, sorted bytewise */
    char **accounts;
    uint32_t *account_len;
    slagg_period_agg *periods;  /* sorted by account, then start */
    size_t n_periods;
    slagg_ev *ev;            /* windows with E > 0: error and valid counts */
    uint32_t *win;           /* ... and their index within the period (0 = first window of start day) */
    size_t n_win;
    slagg_late_maint *late;  /* late-notified maintenance windows, in file order */
    size_t n_late;
} slagg_fleet;

void slagg_fleet_free(slagg_fleet *f);

/* Counts derived from a period's classes (SPEC table: valid, error). */
static inline uint64_t slagg_agg_valid(const uint64_t *c)
{
    uint64_t v = 0;
    for (int k = 0; k < SLAGG_CLASS_COUNT; k++)
        if (slagg_class_is_valid((slagg_class)k)) v += c[k];
    return v;
}
static inline uint64_t slagg_agg_error(const uint64_t *c)
{
    return c[SLAGG_CLASS_ERROR] + c[SLAGG_CLASS_LOST];
}
static inline uint64_t slagg_agg_excluded(const uint64_t *c)
{
    uint64_t v = 0;
    for (int k = SLAGG_CLASS_EXCL_MAINTENANCE; k < SLAGG_CLASS_COUNT; k++) v += c[k];
    return v;
}

#endif

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

/* What summary.json's `coverage` and the record-derived warnings need
 * (SPEC 4; docs/DESIGN.md "Coverage and warnings"), as the compact
 * summary stores it (docs/FORMAT.md, section 8). */
typedef struct slagg_coverage {
    int known;               /* 0: read from a 1.0 summary or partial, which hold none of this */
    uint32_t gap_min;        /* --gap: gaps are runs of >= ceil(gap_min / 5) empty windows */
    int has_record;          /* an accepted record exists */
    int64_t first_ms, last_ms;
    int64_t *iv;             /* covered windows inside the reported range: [iv[2i], iv[2i+1]), sorted, maximal */
    size_t n_iv;
    char **unc;              /* accounts counted uncontracted, sorted bytewise */
    uint32_t *unc_len;
    size_t n_unc;
} slagg_coverage;

#define SLAGG_GAP_DEFAULT 60     /* minutes (SPEC 4) */
#define SLAGG_GAP_MAX 44640      /* minutes: one 31-day month */

typedef struct slagg_fleet {
    int32_t tz_s;            /* service time zone, seconds east of UTC */
    int64_t through;         /* last day counted (day number) */
    uint64_t records_read, rejected, uncontracted, after_through;
    int has_from;            /* --from (SPEC 2): periods start on or after from */
    int64_t from;            /* day number */
    uint64_t before_from;    /* records on days before from */
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
    slagg_coverage cov;
    unsigned format_minor;   /* read from a compact summary: its minor version */
} slagg_fleet;

void slagg_fleet_free(slagg_fleet *f);

/* The reported range in windows: [00:00 of the earliest reported
 * period_start, 24:00 of through). Returns 0 (and lo = hi = 0) when no
 * period is reported. */
int slagg_coverage_range(const slagg_fleet *f, int64_t *lo, int64_t *hi);
/* The gaps (SPEC 4): every maximal run of at least ceil(gap_min / 5)
 * windows of the reported range without an accepted record, as window
 * pairs [g[2i], g[2i+1]) (malloc'd; NULL when none). 0, or -1 when out of
 * memory. Needs f->cov.known. */
int slagg_coverage_gaps(const slagg_fleet *f, uint32_t gap_min, int64_t **g, size_t *n);

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

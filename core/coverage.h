/*
 * coverage.h - which service-time windows hold an accepted record, and the
 * names of accounts without a contract, collected while folding so that
 * summary.json's `coverage` and `warnings` (SPEC section 4) can be derived
 * exactly for any split of the records (docs/DESIGN.md, "Coverage and
 * warnings").
 *
 * An accepted record is any record not rejected (SPEC 2: ok, error, lost,
 * not_received, excluded, uncontracted, before_from, after_through).
 */
#ifndef SLAGG_CORE_COVERAGE_H
#define SLAGG_CORE_COVERAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/dict.h"
#include "core/error.h"
#include "core/fleet.h"

/* Accepted instants are [1970-01-01, 2100-01-01) UTC (io/records.h) and
 * offsets are within a day, so service days -1 .. 47482 hold them all. */
#define SLAGG_COV_DAY_FIRST (-1LL)
#define SLAGG_COV_DAY_LAST 47482LL
#define SLAGG_COV_W0 (SLAGG_COV_DAY_FIRST * SLAGG_WINDOWS_PER_DAY)
#define SLAGG_COV_NW ((uint64_t)(SLAGG_COV_DAY_LAST - SLAGG_COV_DAY_FIRST + 1) * SLAGG_WINDOWS_PER_DAY)
#define SLAGG_COV_WORDS ((size_t)(SLAGG_COV_NW / 64))

/* One bit per window id (floor((ms + tz) / 300000), as core/buckets.h)
 * over the whole range above: 1.7 MB, calloc'd, only touched pages cost.
 * Words [lo, hi) are the only ones that may be non-zero. */
typedef struct slagg_cov_map {
    uint64_t *bits;
    size_t lo, hi;
} slagg_cov_map;

/* 0, or -1 when out of memory. */
int slagg_cov_map_init(slagg_cov_map *m);
void slagg_cov_map_free(slagg_cov_map *m);

static inline void slagg_cov_touch(slagg_cov_map *m, size_t k)
{
    if (k < m->lo) m->lo = k;
    if (k >= m->hi) m->hi = k + 1;
}

/* Marks window w (ignored outside the range: no accepted record is). */
static inline void slagg_cov_mark(slagg_cov_map *m, int64_t w)
{
    uint64_t i = (uint64_t)(w - SLAGG_COV_W0);
    if (i >= SLAGG_COV_NW) return;
    m->bits[i >> 6] |= 1ULL << (i & 63);
    slagg_cov_touch(m, (size_t)(i >> 6));
}

/* Marks windows w0 + k for every bit k of mask. */
void slagg_cov_mark_mask(slagg_cov_map *m, int64_t w0, uint64_t mask);
/* Marks windows [a, b). */
void slagg_cov_mark_range(slagg_cov_map *m, int64_t a, int64_t b);
/* dst |= src. */
void slagg_cov_map_or(slagg_cov_map *dst, const slagg_cov_map *src);

/* The marked windows inside [a, b) as sorted maximal intervals:
 * (*iv)[2i] .. (*iv)[2i + 1], end exclusive (malloc'd, NULL when none).
 * Returns 0 or -1 when out of memory. */
int slagg_cov_map_intervals(const slagg_cov_map *m, int64_t a, int64_t b, int64_t **iv, size_t *n);

/* What a fold state carries besides its buckets: the window map and the
 * names of accounts without a contract, each with the earliest service day
 * of its records (uncontracted when that day is <= --through; else all
 * its records are after_through). */
typedef struct slagg_cov_acc {
    slagg_cov_map map;
    slagg_dict *unk;
    int64_t *unk_day;
    size_t unk_cap;
} slagg_cov_acc;

int slagg_cov_acc_init(slagg_cov_acc *a);
void slagg_cov_acc_free(slagg_cov_acc *a);
/* Notes a record of an account without a contract on service day `day`.
 * 0, or -1 when out of memory. */
int slagg_cov_note_unknown(slagg_cov_acc *a, const char *name, size_t len, int64_t day);
/* dst += src (src is left as it was). 0, or -1 when out of memory. */
int slagg_cov_acc_merge(slagg_cov_acc *dst, const slagg_cov_acc *src);

#endif

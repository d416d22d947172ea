/*
 * period.h - service periods (SLA "Service period"; SPEC section 2
 * "Periods").
 *
 * A contract row [start, end] (service-time days, end inclusive, or open)
 * yields one period per calendar month it touches, clipped to the row.
 * Periods that start after --through are not reported; a period that ends
 * after --through is in progress and counts only its days up to --through.
 */
#ifndef SLAGG_CORE_PERIOD_H
#define SLAGG_CORE_PERIOD_H

#include <stddef.h>
#include <stdint.h>

#define SLAGG_DAY_OPEN INT64_MAX  /* end of an open subscription */

typedef struct slagg_span {
    int64_t start;        /* first day of the period */
    int64_t end;          /* last day of the period (clipped to the row) */
    int64_t counted_end;  /* min(end, through): last day counted */
    int in_progress;      /* end > through */
} slagg_span;

/* Splits the row [start, end] (end may be SLAGG_DAY_OPEN) into month
 * periods up to through. Writes at most cap spans into out and returns how
 * many there are in all (call with cap 0 to size). start > end gives 0. */
size_t slagg_split_periods(int64_t start, int64_t end, int64_t through,
                           slagg_span *out, size_t cap);

/* SPEC 2 --from (a month's first day): the day a row's reported periods
 * start from, max(start, from), so that slagg_split_periods of it gives
 * the row's periods that start on or after from, unchanged. */
static inline int64_t slagg_period_first_day(int64_t start, int has_from, int64_t from)
{
    return has_from && start < from ? from : start;
}

/* Days counted in a span: counted_end - start + 1. */
static inline int64_t slagg_span_days(const slagg_span *s)
{
    return s->counted_end - s->start + 1;
}

typedef struct slagg_contract_row {
    uint32_t account;  /* account id (same id = same account) */
    int64_t start, end;/* end may be SLAGG_DAY_OPEN */
    uint64_t line;     /* line in the contracts file */
} slagg_contract_row;

/* Finds two rows of one account whose day ranges overlap. Returns 1 and
 * sets *first / *second to their indices (the earlier line first), or 0 when
 * no rows overlap. Does not reorder rows. Allocation-free: O(n log n) via an
 * index sort in a caller-provided scratch of n size_t, or O(n^2) when
 * scratch is NULL. */
int slagg_contracts_find_overlap(const slagg_contract_row *rows, size_t n,
                                 size_t *scratch, size_t *first, size_t *second);

#endif

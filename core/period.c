/*
 * period.c - service periods and contract overlaps (SLA "Service period";
 * SPEC section 2 "Periods").
 */
#include "core/period.h"

#include "core/calendar.h"

/* One span per calendar month the row touches, clipped to [start, end],
 * stopping before the first month that starts after through. An open row
 * (end = SLAGG_DAY_OPEN) is bounded by through only; with both open there
 * is no finite answer and 0 is returned (callers always pass a real
 * through for open rows). Spans are written in date order. */
size_t slagg_split_periods(int64_t start, int64_t end, int64_t through,
                           slagg_span *out, size_t cap)
{
    if (start > end) return 0;
    if (end == SLAGG_DAY_OPEN && through == SLAGG_DAY_OPEN) return 0;
    size_t n = 0;
    int64_t s = start;
    for (;;) {
        if (s > through) break;
        int64_t last = slagg_month_last(s);
        int64_t e = last < end ? last : end;
        if (n < cap) {
            out[n].start = s;
            out[n].end = e;
            out[n].counted_end = e < through ? e : through;
            out[n].in_progress = e > through;
        }
        n++;
        if (e >= end) break;  /* also keeps e + 1 from overflowing */
        s = e + 1;
    }
    return n;
}

/* The sort order of the sweep: account, then start, then line, then index,
 * a total order so the reported pair never depends on the sort algorithm. */
static int row_before(const slagg_contract_row *rows, size_t a, size_t b)
{
    const slagg_contract_row *x = &rows[a], *y = &rows[b];
    if (x->account != y->account) return x->account < y->account;
    if (x->start != y->start) return x->start < y->start;
    if (x->line != y->line) return x->line < y->line;
    return a < b;
}

static void sift_down(const slagg_contract_row *rows, size_t *ix, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n) return;
        if (child + 1 < n && row_before(rows, ix[child], ix[child + 1])) child++;
        if (!row_before(rows, ix[root], ix[child])) return;
        size_t t = ix[root];
        ix[root] = ix[child];
        ix[child] = t;
        root = child;
    }
}

/* Heapsort: O(n log n), no allocation, and the order is total anyway. */
static void sort_rows(const slagg_contract_row *rows, size_t *ix, size_t n)
{
    for (size_t i = n / 2; i-- > 0;) sift_down(rows, ix, i, n);
    for (size_t end = n; end-- > 1;) {
        size_t t = ix[0];
        ix[0] = ix[end];
        ix[end] = t;
        sift_down(rows, ix, 0, end);
    }
}

static int is_empty(const slagg_contract_row *r) { return r->start > r->end; }

static int set_pair(const slagg_contract_row *rows, size_t a, size_t b, size_t *first,
                    size_t *second)
{
    /* earlier line first; equal lines (one file cannot give them) by index */
    int a_first = rows[a].line != rows[b].line ? rows[a].line < rows[b].line : a < b;
    *first = a_first ? a : b;
    *second = a_first ? b : a;
    return 1;
}

/* Reported pair, the same with or without scratch: in sweep order (see
 * row_before), the first row j that starts on or before the latest end of
 * the earlier rows of its account, paired with the earlier row holding that
 * latest end (the first such in sweep order). Empty rows (start > end)
 * cover no day and overlap nothing. Rows touching on the same day overlap:
 * both ranges are inclusive. */
int slagg_contracts_find_overlap(const slagg_contract_row *rows, size_t n,
                                 size_t *scratch, size_t *first, size_t *second)
{
    if (scratch) {
        for (size_t i = 0; i < n; i++) scratch[i] = i;
        sort_rows(rows, scratch, n);
        size_t best = SIZE_MAX;  /* earlier row with the latest end */
        for (size_t k = 0; k < n; k++) {
            size_t j = scratch[k];
            if (is_empty(&rows[j])) continue;
            if (best != SIZE_MAX && rows[best].account != rows[j].account) best = SIZE_MAX;
            if (best != SIZE_MAX && rows[j].start <= rows[best].end)
                return set_pair(rows, best, j, first, second);
            if (best == SIZE_MAX || rows[j].end > rows[best].end) best = j;
        }
        return 0;
    }

    /* O(n^2): same answer, found without sorting. */
    size_t found_j = SIZE_MAX, found_i = SIZE_MAX;
    for (size_t j = 0; j < n; j++) {
        if (is_empty(&rows[j])) continue;
        if (found_j != SIZE_MAX && !row_before(rows, j, found_j)) continue;
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
            if (i == j || is_empty(&rows[i]) || rows[i].account != rows[j].account) continue;
            if (!row_before(rows, i, j)) continue;
            if (best == SIZE_MAX || rows[i].end > rows[best].end ||
                (rows[i].end == rows[best].end && row_before(rows, i, best)))
                best = i;
        }
        if (best != SIZE_MAX && rows[j].start <= rows[best].end) {
            found_j = j;
            found_i = best;
        }
    }
    if (found_j == SIZE_MAX) return 0;
    return set_pair(rows, found_i, found_j, first, second);
}

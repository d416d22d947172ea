/*
 * fleet.c - the fleet value (core/fleet.h): freeing it and the reported
 * range and gaps of its coverage. A plain value of the rules: io/ (the
 * compact summary's reader) and the fold engine both build and free it, so
 * it lives below both (docs/DESIGN.md, "House").
 */
#include "core/fleet.h"

#include <string.h>

#include "core/alloc.h"
#include "core/calendar.h"

void slagg_fleet_free(slagg_fleet *f)
{
    for (uint32_t i = 0; i < f->n_accounts; i++) slagg_free(f->accounts[i]);
    slagg_free(f->accounts);
    slagg_free(f->account_len);
    slagg_free(f->periods);
    slagg_free(f->ev);
    slagg_free(f->win);
    for (size_t i = 0; i < f->n_late; i++) {
        slagg_late_maint *l = &f->late[i];
        slagg_free(l->file);
        slagg_free(l->start);
        slagg_free(l->end);
        slagg_free(l->scope);
        slagg_free(l->notice_at);
    }
    slagg_free(f->late);
    slagg_free(f->cov.iv);
    for (size_t i = 0; i < f->cov.n_unc; i++) slagg_free(f->cov.unc[i]);
    slagg_free(f->cov.unc);
    slagg_free(f->cov.unc_len);
    memset(f, 0, sizeof *f);
}

/* ---- the fleet's coverage ------------------------------------------------ */

int slagg_coverage_range(const slagg_fleet *f, int64_t *lo, int64_t *hi)
{
    *lo = *hi = 0;
    if (!f->n_periods) return 0;
    int64_t first = f->periods[0].span.start;
    for (size_t i = 1; i < f->n_periods; i++)
        if (f->periods[i].span.start < first) first = f->periods[i].span.start;
    if (first > f->through) return 0;   /* cannot happen: such periods are not reported */
    *lo = first * SLAGG_WINDOWS_PER_DAY;
    *hi = (f->through + 1) * SLAGG_WINDOWS_PER_DAY;
    return 1;
}

int slagg_coverage_gaps(const slagg_fleet *f, uint32_t gap_min, int64_t **g, size_t *n)
{
    int64_t lo, hi;
    size_t cap = 0;
    *g = NULL;
    *n = 0;
    if (!slagg_coverage_range(f, &lo, &hi)) return 0;
    const int64_t need = ((int64_t)gap_min + 4) / 5;   /* ceil(gap / 5) windows, SPEC 4 */
    int64_t at = lo;   /* the first window not yet known covered */
    for (size_t i = 0; i <= f->cov.n_iv; i++) {
        int64_t a = i < f->cov.n_iv ? f->cov.iv[2 * i] : hi;
        int64_t b = i < f->cov.n_iv ? f->cov.iv[2 * i + 1] : hi;
        if (a > hi) a = hi;
        if (a - at >= need && a - at > 0) {
            if (*n == cap) {
                size_t nc = cap ? cap * 2 : 16;
                int64_t *p = slagg_reallocarray(*g, nc, 2 * sizeof *p);
                if (!p) {
                    slagg_free(*g);
                    *g = NULL;
                    *n = 0;
                    return -1;
                }
                *g = p;
                cap = nc;
            }
            (*g)[2 * *n] = at;
            (*g)[2 * *n + 1] = a;
            (*n)++;
        }
        if (b > at) at = b;
    }
    return 0;
}

/*
 * report.c - one finance row per period (SPEC section 4), with the exact
 * tier (core/exact.c), money (core/money.c) and claim dates (core/claim.c).
 */
#include "core/report.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/calendar.h"
#include "core/claim.h"
#include "core/dict.h"
#include "core/exact.h"
#include "core/money.h"

const char *slagg_state_name(slagg_state s)
{
    switch (s) {
    case SLAGG_STATE_FINAL: return "final";
    case SLAGG_STATE_IN_PROGRESS: return "in_progress";
    case SLAGG_STATE_NO_FEE: return "no_fee";
    }
    return "?";
}

typedef struct fee_ref {
    const slagg_fee_in *fee;
    int matched;
} fee_ref;

static int fee_ref_cmp(const void *pa, const void *pb)
{
    const slagg_fee_in *a = ((const fee_ref *)pa)->fee, *b = ((const fee_ref *)pb)->fee;
    int c = slagg_name_cmp(a->account, a->account_len, b->account, b->account_len);
    if (c) return c;
    return (a->period_start > b->period_start) - (a->period_start < b->period_start);
}

static fee_ref *find_fee(fee_ref *refs, size_t n, const char *acct, size_t len, int64_t start)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const slagg_fee_in *m = refs[mid].fee;
        int c = slagg_name_cmp(m->account, m->account_len, acct, len);
        if (c == 0) c = (m->period_start > start) - (m->period_start < start);
        if (c == 0) return &refs[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

static int tier_index(int pct)
{
    return pct == 0 ? 0 : pct == 10 ? 1 : pct == 25 ? 2 : 3;
}

slagg_status slagg_report_build(const slagg_fleet *f, const slagg_tables *t, slagg_report *r,
                                slagg_err *err)
{
    memset(r, 0, sizeof *r);
    fee_ref *refs = slagg_calloc(t->n_fees ? t->n_fees : 1, sizeof *refs);
    r->rows = slagg_calloc(f->n_periods ? f->n_periods : 1, sizeof *r->rows);
    if (!refs || !r->rows) {
        slagg_free(refs);
        slagg_report_free(r);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < t->n_fees; i++) refs[i].fee = &t->fees[i];
    qsort(refs, t->n_fees, sizeof *refs, fee_ref_cmp);
    const slagg_workcal cal = {t->holidays, t->n_holidays, t->workdays, t->n_workdays};

    uint32_t last_account = UINT32_MAX;
    for (size_t i = 0; i < f->n_periods; i++) {
        const slagg_period_agg *p = &f->periods[i];
        slagg_row *row = &r->rows[r->n_rows++];
        row->p = p;
        row->days = slagg_span_days(&p->span);
        row->windows = (uint64_t)row->days * SLAGG_WINDOWS_PER_DAY;
        row->valid = slagg_agg_valid(p->cls);
        row->errors = slagg_agg_error(p->cls);
        row->excluded = slagg_agg_excluded(p->cls);
        slagg_status st = slagg_unavail_ppm(f->ev + p->win_off, p->win_count, row->windows,
                                            &row->unavail_ppm);
        if (st != SLAGG_OK) {
            slagg_free(refs);
            slagg_report_free(r);
            return slagg_err_set(err, st, "cannot compute the availability of a period");
        }
        row->tier_pct = slagg_tier_pct(row->unavail_ppm);
        fee_ref *fr = find_fee(refs, t->n_fees, f->accounts[p->account],
                               f->account_len[p->account], p->span.start);
        if (fr) {
            fr->matched = 1;
            row->has_fee = 1;
            row->fee = fr->fee->fee;
            row->voucher_paid = fr->fee->voucher_paid;
        }
        /* SPEC "Money" and "Periods": in-progress periods get no credit yet;
         * a final period with a tier but no fee row is no_fee. */
        if (p->span.in_progress) {
            row->state = SLAGG_STATE_IN_PROGRESS;
        } else if (row->has_fee) {
            slagg_credit c = slagg_credit_compute(row->tier_pct, row->fee, row->voucher_paid);
            row->state = SLAGG_STATE_FINAL;
            row->has_credit = 1;
            row->credit = c.credit;
            row->capped = c.capped;
        } else if (row->tier_pct == 0) {
            row->state = SLAGG_STATE_FINAL;
            row->has_credit = 1;
            row->credit = 0;
        } else {
            row->state = SLAGG_STATE_NO_FEE;
        }
        row->claim_opens = slagg_claim_opens(&cal, p->span.start);
        row->claim_deadline = slagg_claim_deadline(p->span.start);

        for (int k = 0; k < SLAGG_CLASS_COUNT; k++) r->cls[k] += p->cls[k];
        if (p->account != last_account) r->accounts++;
        last_account = p->account;
        r->periods[row->state]++;
        r->tiers[tier_index(row->tier_pct)]++;
        /* credit >= 0 (slagg_credit_compute clamps); 128 bits: no wrap (SPEC 6) */
        if (row->has_credit) r->total_credit += (slagg_fen_total)row->credit;
    }

    size_t nu = 0;
    for (size_t i = 0; i < t->n_fees; i++) nu += !refs[i].matched;
    if (nu) {
        r->unmatched = slagg_calloc(nu, sizeof *r->unmatched);
        if (!r->unmatched) {
            slagg_free(refs);
            slagg_report_free(r);
            return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        }
        /* in file order: walk the table, look each row up */
        for (size_t i = 0; i < t->n_fees; i++) {
            const slagg_fee_in *fe = &t->fees[i];
            fee_ref *fr = find_fee(refs, t->n_fees, fe->account, fe->account_len, fe->period_start);
            if (fr && !fr->matched) r->unmatched[r->n_unmatched++] = fe;
        }
    }
    slagg_free(refs);
    return SLAGG_OK;
}

void slagg_report_free(slagg_report *r)
{
    slagg_free(r->rows);
    slagg_free(r->unmatched);
    memset(r, 0, sizeof *r);
}

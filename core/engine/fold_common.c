/*
 * fold_common.c - what both fold paths do with the tables and the fleet
 * (docs/DESIGN.md "The fold", "House"): account ids in bytewise order, the
 * overlap check and the maintenance index; every contract row's periods;
 * late maintenance, account names and coverage copied into the fleet.
 * core/engine/fold.c (the generic scan) and core/engine/fold_shards.c (the
 * shard engine) both call it, and it calls neither, so the engine's
 * includes form no cycle.
 */
#include "core/engine/fold_common.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/dict.h"
#include "core/maint.h"
#include "core/period.h"

static int acct_ptr_cmp(const void *pa, const void *pb)
{
    const slagg_contract_in *a = *(const slagg_contract_in *const *)pa;
    const slagg_contract_in *b = *(const slagg_contract_in *const *)pb;
    return slagg_name_cmp(a->account, a->account_len, b->account, b->account_len);
}

/* Interns contracted accounts in bytewise order, so that id order is the
 * export's account order. */
static slagg_status build_accounts(const slagg_tables *t, slagg_dict **out, slagg_err *err)
{
    slagg_dict *d = slagg_dict_new();
    const slagg_contract_in **idx = slagg_calloc(t->n_contracts ? t->n_contracts : 1, sizeof *idx);
    slagg_status st = SLAGG_OK;
    if (!d || !idx) st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (size_t i = 0; st == SLAGG_OK && i < t->n_contracts; i++) idx[i] = &t->contracts[i];
    if (st == SLAGG_OK) qsort(idx, t->n_contracts, sizeof *idx, acct_ptr_cmp);
    for (size_t i = 0; st == SLAGG_OK && i < t->n_contracts; i++)
        if (slagg_dict_intern(d, idx[i]->account, idx[i]->account_len) == SLAGG_DICT_NONE)
            st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    slagg_free(idx);
    if (st != SLAGG_OK) {
        slagg_dict_free(d);
        return st;
    }
    *out = d;
    return SLAGG_OK;
}

static slagg_status check_overlaps(const slagg_tables *t, const slagg_dict *d, slagg_err *err)
{
    size_t n = t->n_contracts;
    if (n < 2) return SLAGG_OK;
    slagg_contract_row *rows = slagg_calloc(n, sizeof *rows);
    size_t *scratch = slagg_calloc(n, sizeof *scratch);
    slagg_status st = SLAGG_OK;
    if (!rows || !scratch) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    } else {
        for (size_t i = 0; i < n; i++) {
            const slagg_contract_in *c = &t->contracts[i];
            rows[i] = (slagg_contract_row){slagg_dict_find(d, c->account, c->account_len),
                                           c->start, c->end, c->line};
        }
        size_t a, b;
        if (slagg_contracts_find_overlap(rows, n, scratch, &a, &b)) {
            const slagg_contract_in *ca = &t->contracts[a], *cb = &t->contracts[b];
            st = slagg_err_set(err, SLAGG_E_INPUT,
                               "%s:%llu: contract overlaps the one at line %llu for account '%.*s'",
                               t->contracts_path, (unsigned long long)cb->line,
                               (unsigned long long)ca->line,
                               (int)(ca->account_len > 128 ? 128 : ca->account_len), ca->account);
        }
    }
    slagg_free(rows);
    slagg_free(scratch);
    return st;
}

static int period_cmp(const void *pa, const void *pb)
{
    const slagg_period_agg *a = pa, *b = pb;
    if (a->account != b->account) return a->account < b->account ? -1 : 1;
    return (a->span.start > b->span.start) - (a->span.start < b->span.start);
}

/* The periods of every contract row up to through, sorted; with --from
 * (f->has_from, set by the caller) only those starting on or after it.
 * Because from is a month's first day and periods never cross a month,
 * splitting the row from max(start, from) drops exactly the earlier
 * months' periods and leaves the others as they were (SPEC 2). */
slagg_status slagg_fold_build_periods(const slagg_tables *t, const slagg_dict *d, int64_t through,
                                  slagg_fleet *f, slagg_err *err)
{
    size_t total = 0;
    for (size_t i = 0; i < t->n_contracts; i++)
        total += slagg_split_periods(slagg_period_first_day(t->contracts[i].start, f->has_from, f->from),
                                     t->contracts[i].end, through, NULL, 0);
    f->periods = slagg_calloc(total ? total : 1, sizeof *f->periods);
    slagg_span *spans = NULL;
    size_t spans_cap = 0;
    if (!f->periods) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < t->n_contracts; i++) {
        const slagg_contract_in *c = &t->contracts[i];
        int64_t first = slagg_period_first_day(c->start, f->has_from, f->from);
        size_t n = slagg_split_periods(first, c->end, through, NULL, 0);
        if (n > spans_cap) {
            slagg_span *p = slagg_reallocarray(spans, n, sizeof *p);
            if (!p) {
                slagg_free(spans);
                return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
            }
            spans = p;
            spans_cap = n;
        }
        slagg_split_periods(first, c->end, through, spans, n);
        uint32_t id = slagg_dict_find(d, c->account, c->account_len);
        for (size_t j = 0; j < n; j++) {
            f->periods[k].account = id;
            f->periods[k].span = spans[j];
            k++;
        }
    }
    slagg_free(spans);
    f->n_periods = k;
    qsort(f->periods, k, sizeof *f->periods, period_cmp);
    return SLAGG_OK;
}

slagg_status slagg_fold_copy_late_maint(const slagg_tables *t, slagg_fleet *f, slagg_err *err)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_maint; i++) n += t->maint[i].late != 0;
    if (!n) return SLAGG_OK;
    f->late = slagg_calloc(n, sizeof *f->late);
    if (!f->late) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (size_t i = 0; i < t->n_maint; i++) {
        const slagg_maint_in *m = &t->maint[i];
        if (!m->late) continue;
        slagg_late_maint *l = &f->late[f->n_late++];
        l->line = m->line;
        l->file = slagg_strndup(t->maintenance_path, strlen(t->maintenance_path));
        l->start = slagg_strndup(m->raw_start, strlen(m->raw_start));
        l->end = slagg_strndup(m->raw_end, strlen(m->raw_end));
        l->scope = slagg_strndup(m->scope, m->scope_len);
        l->notice_at = slagg_strndup(m->raw_notice, strlen(m->raw_notice));
        if (!l->file || !l->start || !l->end || !l->scope || !l->notice_at)
            return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    return SLAGG_OK;
}

slagg_status slagg_fold_copy_accounts(const slagg_dict *d, slagg_fleet *f, slagg_err *err)
{
    uint32_t n = slagg_dict_count(d);
    f->accounts = slagg_calloc(n ? n : 1, sizeof *f->accounts);
    f->account_len = slagg_calloc(n ? n : 1, sizeof *f->account_len);
    if (!f->accounts || !f->account_len) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    f->n_accounts = n;
    for (uint32_t i = 0; i < n; i++) {
        size_t len;
        const char *s = slagg_dict_name(d, i, &len);
        f->accounts[i] = slagg_strndup(s, len);
        f->account_len[i] = (uint32_t)len;
        if (!f->accounts[i]) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    return SLAGG_OK;
}

/* Account ids, the overlap check and the maintenance index: the same for
 * every scan of the same tables, so partial states from several processes
 * use the same ids. */
slagg_status slagg_fold_prepare(const slagg_tables *t, slagg_dict **accounts, slagg_maint_index **maint,
                            slagg_err *err)
{
    slagg_status st;
    *accounts = NULL;
    *maint = NULL;
    if ((st = build_accounts(t, accounts, err)) != SLAGG_OK) return st;
    if ((st = check_overlaps(t, *accounts, err)) == SLAGG_OK &&
        (st = slagg_maint_build(t, *accounts, maint, err)) == SLAGG_OK)
        return SLAGG_OK;
    slagg_dict_free(*accounts);
    *accounts = NULL;
    return st;
}

typedef struct name_ref {
    const char *s;
    size_t n;
} name_ref;

static int name_ref_cmp(const void *pa, const void *pb)
{
    const name_ref *a = pa, *b = pb;
    return slagg_name_cmp(a->s, a->n, b->s, b->n);
}

slagg_status slagg_fold_build_coverage(slagg_fleet *f, const slagg_fold_opts *o, const slagg_cov_map *m,
                                       int has_record, int64_t min_ms, int64_t max_ms,
                                       const char *const *names, const size_t *lens, size_t n_names,
                                       slagg_err *err)
{
    slagg_coverage *c = &f->cov;
    int64_t lo, hi;
    c->known = 1;
    c->gap_min = o->gap_min ? o->gap_min : SLAGG_GAP_DEFAULT;
    c->has_record = has_record;
    c->first_ms = has_record ? min_ms : 0;
    c->last_ms = has_record ? max_ms : 0;
    if (m && slagg_coverage_range(f, &lo, &hi) && slagg_cov_map_intervals(m, lo, hi, &c->iv, &c->n_iv) != 0)
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    name_ref *r = slagg_calloc(n_names ? n_names : 1, sizeof *r);
    if (!r) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n_names; i++) r[i] = (name_ref){names[i], lens[i]};
    qsort(r, n_names, sizeof *r, name_ref_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n_names; i++)
        if (!k || name_ref_cmp(&r[k - 1], &r[i]) != 0) r[k++] = r[i];
    c->unc = slagg_calloc(k ? k : 1, sizeof *c->unc);
    c->unc_len = slagg_calloc(k ? k : 1, sizeof *c->unc_len);
    slagg_status st = SLAGG_OK;
    if (!c->unc || !c->unc_len) st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (size_t i = 0; st == SLAGG_OK && i < k; i++) {
        c->unc[i] = slagg_strndup(r[i].s, r[i].n);
        c->unc_len[i] = (uint32_t)r[i].n;
        c->n_unc++;
        if (!c->unc[i]) st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    slagg_free(r);
    return st;
}

int64_t slagg_fold_latest_contract_day(const slagg_tables *t)
{
    int64_t d = INT64_MIN;
    for (size_t i = 0; i < t->n_contracts; i++) {
        const slagg_contract_in *c = &t->contracts[i];
        int64_t x = c->end == SLAGG_DAY_OPEN ? c->start : c->end;
        if (x > d) d = x;
    }
    return d == INT64_MIN ? 0 : d;
}

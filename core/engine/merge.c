/*
 * merge.c - `slagg merge`: partial files (io/partial.h, format 2.0) joined
 * into one fleet, as one fold over all their inputs would have made it
 * (docs/DISTRIBUTED.md, "Merging").
 *
 * Bounded by the fleet, not the records: each partial's cells are
 * streamed in (window, account) order and merged k-way beside the
 * partials' tails (held in memory: the overflow's leftovers, few); a
 * merged cell with E > 0 becomes one of the fleet's error windows. The
 * periods' class totals are added by (account, first day), which names
 * the same period whatever --through the merge settles on: a partial's
 * own through is at most the merge's (the day of its latest record, or
 * the same --through).
 */
#include "core/engine/merge.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/dict.h"
#include "core/engine/fold_common.h"
#include "core/maint.h"

static slagg_status nomem(slagg_err *err) { return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory"); }

typedef struct cell_vec {
    slagg_cell *v;
    size_t n, cap;
} cell_vec;

static int vec_push(cell_vec *x, const slagg_cell *c)
{
    if (x->n == x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 1024;
        slagg_cell *p = slagg_reallocarray(x->v, nc, sizeof *p);
        if (!p) return -1;
        x->v = p;
        x->cap = nc;
    }
    x->v[x->n++] = *c;
    return 0;
}

/* Every partial's tail, sorted and summed: one more sorted stream. */
static slagg_status load_tails(slagg_partial_reader **rd, size_t n, cell_vec *tails, slagg_err *err)
{
    for (size_t i = 0; i < n; i++) {
        slagg_cell *c;
        size_t m;
        if (slagg_partial_reader_tail(rd[i], &c, &m, err) != 0) return err->code;
        for (size_t k = 0; k < m; k++)
            if (vec_push(tails, &c[k]) != 0) {
                slagg_free(c);
                return nomem(err);
            }
        slagg_free(c);
    }
    if (tails->n) qsort(tails->v, tails->n, sizeof *tails->v, slagg_cell_cmp_window);
    size_t k = 0;
    for (size_t i = 0; i < tails->n; i++) {
        if (k && tails->v[k - 1].window == tails->v[i].window && tails->v[k - 1].account == tails->v[i].account) {
            tails->v[k - 1].v += tails->v[i].v;
            tails->v[k - 1].e += tails->v[i].e;
        } else {
            tails->v[k++] = tails->v[i];
        }
    }
    tails->n = k;
    return SLAGG_OK;
}

static int key_less(const slagg_cell *a, const slagg_cell *b)
{
    return slagg_cell_key_less(a->window, a->account, b->window, b->account);
}

/* The k-way merge of the partials' cells and their tails (stream n, held
 * in memory): a binary heap of the live streams by their head cell, so a
 * stream that stays the smallest (partials of time slices) costs two
 * comparisons a cell, whatever the number of partials. */
typedef struct kmerge {
    slagg_partial_reader **rd;
    size_t n;
    const cell_vec *tails;
    size_t ti;
    slagg_cell *head;      /* [n + 1] */
    size_t *heap, nh;      /* stream indices */
} kmerge;

static void sift_down(kmerge *m, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, s = i;
        if (l < m->nh && key_less(&m->head[m->heap[l]], &m->head[m->heap[s]])) s = l;
        if (r < m->nh && key_less(&m->head[m->heap[r]], &m->head[m->heap[s]])) s = r;
        if (s == i) return;
        size_t t = m->heap[i];
        m->heap[i] = m->heap[s];
        m->heap[s] = t;
        i = s;
    }
}

/* The next cell of stream i into head[i]: 1, 0 at its end, -1 (err). */
static int advance(kmerge *m, size_t i, slagg_err *err)
{
    if (i < m->n) return slagg_partial_reader_next(m->rd[i], 0, &m->head[i], err);
    if (m->ti >= m->tails->n) return 0;
    m->head[i] = m->tails->v[m->ti++];
    return 1;
}

static slagg_status merge_cells(slagg_partial_reader **rd, size_t n, const cell_vec *tails, cell_vec *errs,
                                slagg_err *err)
{
    kmerge m = {rd, n, tails, 0, slagg_calloc(n + 1, sizeof(slagg_cell)), slagg_calloc(n + 1, sizeof(size_t)), 0};
    slagg_status st = SLAGG_OK;
    if (!m.head || !m.heap) st = nomem(err);
    for (size_t i = 0; st == SLAGG_OK && i <= n; i++) {
        int r = advance(&m, i, err);
        if (r < 0) st = err->code;
        else if (r) m.heap[m.nh++] = i;
    }
    for (size_t i = m.nh; st == SLAGG_OK && i-- > 0;) sift_down(&m, i);
    while (st == SLAGG_OK && m.nh) {
        slagg_cell sum = m.head[m.heap[0]];
        sum.v = sum.e = 0;
        /* every stream's cell of this key (at most one each) */
        while (st == SLAGG_OK && m.nh && m.head[m.heap[0]].window == sum.window &&
               m.head[m.heap[0]].account == sum.account) {
            size_t i = m.heap[0];
            sum.v += m.head[i].v;
            sum.e += m.head[i].e;
            int r = advance(&m, i, err);
            if (r < 0) st = err->code;
            else if (r == 0) m.heap[0] = m.heap[--m.nh];
            if (m.nh) sift_down(&m, 0);
        }
        if (st == SLAGG_OK && sum.e && vec_push(errs, &sum) != 0) st = nomem(err);
    }
    slagg_free(m.head);
    slagg_free(m.heap);
    return st;
}

/* The merged error windows into their periods (f->periods sorted by
 * account, then start), in (account, window) order. */
static slagg_status attach(slagg_fleet *f, cell_vec *errs, slagg_err *err)
{
    if (errs->n) qsort(errs->v, errs->n, sizeof *errs->v, slagg_cell_cmp_account);
    f->ev = slagg_calloc(errs->n ? errs->n : 1, sizeof *f->ev);
    f->win = slagg_calloc(errs->n ? errs->n : 1, sizeof *f->win);
    if (!f->ev || !f->win) return nomem(err);
    size_t p = 0;
    for (size_t i = 0; i < errs->n; i++) {
        const slagg_cell *c = &errs->v[i];
        int64_t day = slagg_floordiv(c->window, SLAGG_WINDOWS_PER_DAY);
        while (p < f->n_periods && (f->periods[p].account < c->account ||
                                    (f->periods[p].account == c->account && f->periods[p].span.counted_end < day)))
            p++;
        if (p == f->n_periods || f->periods[p].account != c->account || f->periods[p].span.start > day)
            return slagg_err_set(err, SLAGG_E_INPUT,
                                 "the partials hold a window of %s on a day outside its periods: "
                                 "not the partials of one run (corrupt?); nothing written",
                                 f->accounts[c->account]);
        slagg_period_agg *pa = &f->periods[p];
        if (pa->win_count == 0) pa->win_off = f->n_win;
        f->ev[f->n_win] = (slagg_ev){c->e, c->v};
        f->win[f->n_win] = (uint32_t)(c->window - pa->span.start * SLAGG_WINDOWS_PER_DAY);
        f->n_win++;
        pa->win_count++;
        pa->error_windows++;
    }
    return SLAGG_OK;
}

/* A partial's period totals into the fleet's period of the same
 * (account, first day). */
static slagg_status add_periods(slagg_fleet *f, const char *path, const slagg_partial *pt, slagg_err *err)
{
    size_t p = 0;
    for (size_t i = 0; i < pt->n_periods; i++) {
        const slagg_partial_period *q = &pt->periods[i];
        while (p < f->n_periods && (f->periods[p].account < q->account ||
                                    (f->periods[p].account == q->account && f->periods[p].span.start < q->start)))
            p++;
        if (p == f->n_periods || f->periods[p].account != q->account || f->periods[p].span.start != q->start)
            return slagg_err_set(err, SLAGG_E_INPUT,
                                 "%s: not an intact slagg partial: a period of %s the contracts do not have", path,
                                 q->account < f->n_accounts ? f->accounts[q->account] : "?");
        for (int k = 0; k < SLAGG_CLASS_COUNT; k++) f->periods[p].cls[k] += q->cls[k];
    }
    return SLAGG_OK;
}

slagg_status slagg_merge_partials(const slagg_tables *t, const slagg_fold_opts *o, char *const *paths,
                                  const slagg_partial *parts, slagg_partial_reader **rd, size_t n,
                                  const slagg_cov_acc *cov, slagg_fleet *f, slagg_err *err)
{
    slagg_dict *accounts = NULL;
    slagg_maint_index *maint = NULL;
    cell_vec tails = {0}, errs = {0};
    const char **names = NULL;
    size_t *lens = NULL;
    slagg_status st;
    memset(f, 0, sizeof *f);
    f->tz_s = o->tz_s;
    f->has_from = o->has_from;
    f->from = o->has_from ? o->from : 0;
    int has_record = 0;
    int64_t min_ms = 0, max_ms = 0;
    for (size_t i = 0; i < n; i++) {
        const slagg_partial *p = &parts[i];
        f->records_read += p->records_read;
        f->rejected += p->rejected;
        f->before_from += p->before_from;
        f->uncontracted += p->uncontracted;
        f->after_through += p->after_through;
        if (p->has_record && (!has_record || p->max_ms > max_ms)) max_ms = p->max_ms;
        if (p->has_record && (!has_record || p->min_ms < min_ms)) min_ms = p->min_ms;
        has_record |= p->has_record;
    }
    if (o->has_through) f->through = o->through;
    else if (has_record) f->through = slagg_floordiv(max_ms + (int64_t)o->tz_s * 1000, SLAGG_MS_PER_DAY);
    else f->through = slagg_fold_latest_contract_day(t);

    if ((st = slagg_fold_prepare(t, &accounts, &maint, err)) != SLAGG_OK) return st;
    if ((st = slagg_fold_copy_accounts(accounts, f, err)) != SLAGG_OK) goto done;
    if ((st = slagg_fold_build_periods(t, accounts, f->through, f, err)) != SLAGG_OK) goto done;
    for (size_t i = 0; i < n; i++) {
        if (parts[i].has_record && parts[i].own_through > f->through) {
            st = slagg_err_set(err, SLAGG_E_INPUT, "%s: not an intact slagg partial: records after the merge's --through",
                               paths[i]);
            goto done;
        }
        if ((st = add_periods(f, paths[i], &parts[i], err)) != SLAGG_OK) goto done;
    }
    if ((st = load_tails(rd, n, &tails, err)) != SLAGG_OK) goto done;
    if ((st = merge_cells(rd, n, &tails, &errs, err)) != SLAGG_OK) goto done;
    if ((st = attach(f, &errs, err)) != SLAGG_OK) goto done;
    if ((st = slagg_fold_copy_late_maint(t, f, err)) != SLAGG_OK) goto done;
    /* the accounts counted uncontracted: each partial wrote its own as
     * names on days up to its through */
    uint32_t nu = cov->unk ? slagg_dict_count(cov->unk) : 0;
    names = slagg_calloc(nu ? nu : 1, sizeof *names);
    lens = slagg_calloc(nu ? nu : 1, sizeof *lens);
    if (!names || !lens) {
        st = nomem(err);
        goto done;
    }
    size_t k = 0;
    for (uint32_t i = 0; i < nu; i++)
        if (cov->unk_day[i] <= f->through) {
            names[k] = slagg_dict_name(cov->unk, i, &lens[k]);
            k++;
        }
    st = slagg_fold_build_coverage(f, o, cov->map.bits ? &cov->map : NULL, has_record, min_ms, max_ms, names, lens,
                                   k, err);
    f->cov.known = 1;
done:
    slagg_free(names);
    slagg_free(lens);
    slagg_free(tails.v);
    slagg_free(errs.v);
    slagg_maint_free(maint);
    slagg_dict_free(accounts);
    if (st != SLAGG_OK) slagg_fleet_free(f);
    return st;
}

/*
 * shard_engine_finish.c - the shard engine's finalisation
 * (core/engine/shard_engine.h): after an epoch, the complete windows out
 * of every thread's ring (those with E > 0 kept as (account, window, E,
 * V)); after the last, everything into the fleet: the windows attached to
 * their periods, the threads' class counts and record counts, the late
 * maintenance windows and the coverage (SPEC 4).
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/radix.h"
#include "core/engine/fold_common.h"
#include "core/engine/shard_engine.h"

int slagg_shards_ev_push(ev_vec *v, uint32_t a, int64_t w, uint64_t e, uint64_t val)
{
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 1024;
        ev4 *p = slagg_reallocarray(v->v, nc, sizeof *p);
        if (!p) return -1;
        v->v = p;
        v->cap = nc;
    }
    v->v[v->n++] = (ev4){a, w, e, val};
    return 0;
}

/* Emits the windows with E > 0 among ring slots [s0, s1) of account a
 * (windows w0..), summing every thread's ring, then zeroes those slots.
 * Most windows have no error: one OR pass over the E rows finds out. */
static int finalise_slots(thr *th, uint32_t a, int64_t w0, size_t s0, size_t s1, int maybe_err)
{
    engine *g = th->g;
    size_t row = 2 * (size_t)a * g->ring;
    uint32_t any = g->sink != NULL;   /* a partial fold emits every cell */
    for (unsigned k = 0; !any && maybe_err && k < g->nt; k++) {
        const uint32_t *ve = g->th[k].ve + row;
        for (size_t i = s0; i < s1; i++) any |= ve[2 * i + 1];
    }
    if (any && g->sink) {
        /* a partial fold: every cell with a record, most of them empty in
         * a sparse fleet, so eight slots of every ring are tested at once */
        for (size_t i = s0; i < s1;) {
            if (i + 8 <= s1) {
                uint32_t or8 = 0;
                for (unsigned k = 0; k < g->nt; k++) {
                    const uint32_t *ve = g->th[k].ve + row + 2 * i;
                    for (int j = 0; j < 16; j++) or8 |= ve[j];
                }
                if (!or8) {
                    i += 8;
                    continue;
                }
            }
            uint64_t v = 0, e = 0;
            for (unsigned k = 0; k < g->nt; k++) {
                uint32_t *ve = g->th[k].ve + row + 2 * i;
                v += ve[0];
                e += ve[1];
                ve[0] = ve[1] = 0;   /* zeroed while in cache: no second pass */
            }
            if ((v | e) && slagg_shards_ev_push(&th->out, a, w0 + (int64_t)(i - s0), e, v) != 0) return -1;
            i++;
        }
        return 0;
    } else if (any) {
        for (size_t i = s0; i < s1; i++) {
            uint64_t v = 0, e = 0;
            for (unsigned k = 0; k < g->nt; k++) {
                v += g->th[k].ve[row + 2 * i];
                e += g->th[k].ve[row + 2 * i + 1];
            }
            if (e && slagg_shards_ev_push(&th->out, a, w0 + (int64_t)(i - s0), e, v) != 0) return -1;
        }
    }
    for (unsigned k = 0; k < g->nt; k++)
        memset(g->th[k].ve + row + 2 * s0, 0, 2 * (s1 - s0) * sizeof *g->th[k].ve);
    return 0;
}

/* Finalises windows [wlo, whi) of accounts [a0, a1) over every thread's
 * ring (whi - wlo <= ring), visiting only the windows some thread touched. */
static int finalise(thr *th, uint32_t a0, uint32_t a1)
{
    engine *g = th->g;
    for (uint32_t a = a0; a < a1; a++) {
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        int maybe_err = 0;
        for (unsigned k = 0; k < g->nt; k++) {
            if (g->th[k].tlo[a] < lo) lo = g->th[k].tlo[a];
            if (g->th[k].thi[a] > hi) hi = g->th[k].thi[a];
            maybe_err |= g->th[k].terr[a];
        }
        if (lo < g->wlo) lo = g->wlo;
        if (hi > g->whi - 1) hi = g->whi - 1;
        if (g->sink && a + 1 < a1) {
            /* a partial fold reads every touched cell: the next account's
             * first lines are asked for while this one is read (its row is
             * a page or more away, beyond the hardware prefetcher) */
            int64_t nlo = INT64_MAX;
            for (unsigned k = 0; k < g->nt; k++)
                if (g->th[k].tlo[a + 1] < nlo) nlo = g->th[k].tlo[a + 1];
            if (nlo < g->wlo) nlo = g->wlo;
            if (nlo < g->whi) {
                size_t c = 2 * ((size_t)(a + 1) * g->ring + (size_t)(nlo & g->ring_mask));
                for (unsigned k = 0; k < g->nt; k++)
                    for (int l = 0; l < 8; l++) __builtin_prefetch(g->th[k].ve + c + 16 * (size_t)l, 1);
            }
        }
        if (lo <= hi) {
            size_t s0 = (size_t)(lo & g->ring_mask), n = (size_t)(hi - lo + 1);
            size_t first = s0 + n <= g->ring ? n : g->ring - s0;
            if (finalise_slots(th, a, lo, s0, s0 + first, maybe_err) != 0 ||
                (first < n && finalise_slots(th, a, lo + (int64_t)first, 0, n - first, maybe_err) != 0)) {
                slagg_err_set(&th->err, SLAGG_E_NOMEM, "out of memory");
                return -1;
            }
        }
        for (unsigned k = 0; k < g->nt; k++) {
            thr *o = &g->th[k];
            if (o->thi[a] < g->whi) {
                o->tlo[a] = INT64_MAX;
                o->thi[a] = INT64_MIN;
                o->terr[a] = 0;
            } else if (o->tlo[a] < g->whi) {
                o->tlo[a] = g->whi;
            }
        }
    }
    return 0;
}

/* Window-major: finalises windows [wlo, whi) of accounts [a0, a1). The
 * error lists of all threads name the cells that may hold E > 0: each is
 * summed over the threads' rings, emitted, and its E cleared so a repeat
 * of it is skipped. Then the rows are zeroed (every account is visited:
 * with blocks spanning a few windows, nearly every account has records in
 * every window). */
static int finalise_rows(thr *th, uint32_t a0, uint32_t a1)
{
    engine *g = th->g;
    /* a partial fold emits every cell with a record, window by window */
    for (int64_t w = g->wlo; g->sink && w < g->whi; w++) {
        size_t row = cell_of(g, 0, w);
        for (uint32_t a = a0; a < a1; a++) {
            uint64_t v = 0, e = 0;
            for (unsigned k = 0; k < g->nt; k++) {
                v += g->th[k].ve[row + 2 * (size_t)a];
                e += g->th[k].ve[row + 2 * (size_t)a + 1];
            }
            if ((v | e) && slagg_shards_ev_push(&th->out, a, w, e, v) != 0) {
                slagg_err_set(&th->err, SLAGG_E_NOMEM, "out of memory");
                return -1;
            }
        }
    }
    for (unsigned j = 0; !g->sink && j < g->nt; j++) {
        const err_vec *ev = &g->th[j].errs;
        for (size_t i = 0; i < ev->n; i++) {
            uint32_t a = ev->v[i].account;
            int64_t w = ev->v[i].window;
            if (a < a0 || a >= a1 || w < g->wlo || w >= g->whi) continue;
            size_t c = cell_of(g, a, w);
            uint64_t v = 0, e = 0;
            for (unsigned k = 0; k < g->nt; k++) {
                v += g->th[k].ve[c];
                e += g->th[k].ve[c + 1];
                g->th[k].ve[c + 1] = 0;
            }
            if (e && slagg_shards_ev_push(&th->out, a, w, e, v) != 0) {
                slagg_err_set(&th->err, SLAGG_E_NOMEM, "out of memory");
                return -1;
            }
        }
    }
    for (int64_t w = g->wlo; w < g->whi; w++) {
        size_t row = cell_of(g, 0, w);
        for (unsigned k = 0; k < g->nt; k++)
            memset(g->th[k].ve + row + 2 * (size_t)a0, 0, 2 * (size_t)(a1 - a0) * sizeof *g->th[k].ve);
    }
    return 0;
}

int slagg_shards_finalise(thr *th, uint32_t a0, uint32_t a1)
{
    return th->g->wmajor ? finalise_rows(th, a0, a1) : finalise(th, a0, a1);
}

/* After finalising [wlo, whi): drops those windows' entries from the
 * error lists. */
void slagg_shards_errs_compact(engine *g)
{
    for (unsigned k = 0; k < g->nt; k++) {
        err_vec *ev = &g->th[k].errs;
        size_t m = 0;
        for (size_t i = 0; i < ev->n; i++)
            if (ev->v[i].window < g->wlo || ev->v[i].window >= g->whi) ev->v[m++] = ev->v[i];
        ev->n = m;
    }
}

static int ev4_cmp(const void *pa, const void *pb)
{
    const ev4 *a = pa, *b = pb;
    if (a->account != b->account) return a->account < b->account ? -1 : 1;
    return (a->window > b->window) - (a->window < b->window);
}

/* Sorts all[0..n) by (account, window): a radix sort on account << 32 |
 * (window - the lowest) where the windows span less than 2^32 (always,
 * for times from 1970 to 9999), else qsort; qsort was 0.1 s of the main
 * thread's time at the standard fleet's 100 k accounts. -1: no memory. */
static int sort_windows(ev4 *all, size_t n)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        lo = all[i].window < lo ? all[i].window : lo;
        hi = all[i].window > hi ? all[i].window : hi;
    }
    if (n < 2) return 0;
    if (n > UINT32_MAX || (uint64_t)hi - (uint64_t)lo > UINT32_MAX) {
        qsort(all, n, sizeof *all, ev4_cmp);
        return 0;
    }
    uint64_t *k = slagg_malloc(n * sizeof *k), *tk = slagg_malloc(n * sizeof *tk);
    uint32_t *p = slagg_malloc(n * sizeof *p), *tp = slagg_malloc(n * sizeof *tp);
    ev4 *copy = slagg_malloc(n * sizeof *copy);
    int rc = -1;
    if (k && tk && p && tp && copy) {
        for (size_t i = 0; i < n; i++) {
            k[i] = (uint64_t)all[i].account << 32 | (uint64_t)(all[i].window - lo);
            p[i] = (uint32_t)i;
        }
        slagg_radix_sort(&k, &p, &tk, &tp, (uint32_t)n);
        memcpy(copy, all, n * sizeof *all);
        for (size_t i = 0; i < n; i++) all[i] = copy[p[i]];
        rc = 0;
    }
    slagg_free(k);
    slagg_free(tk);
    slagg_free(p);
    slagg_free(tp);
    slagg_free(copy);
    return rc;
}

/* Attaches the windows with E > 0 to their periods, in (account, window)
 * order; duplicates of one window (defensive: none are expected) are
 * summed first. */
static slagg_status attach_windows(engine *g, ev4 *all, size_t n, slagg_fleet *f, slagg_err *err)
{
    if (sort_windows(all, n) != 0) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && all[k - 1].account == all[i].account && all[k - 1].window == all[i].window) {
            all[k - 1].e += all[i].e;
            all[k - 1].v += all[i].v;
        } else {
            all[k++] = all[i];
        }
    }
    f->ev = slagg_calloc(k ? k : 1, sizeof *f->ev);
    f->win = slagg_calloc(k ? k : 1, sizeof *f->win);
    if (!f->ev || !f->win) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (size_t i = 0; i < k; i++) {
        if (all[i].e == 0) continue;  /* overflow entries carry V-only windows */
        int64_t day = slagg_floordiv(all[i].window, SLAGG_WINDOWS_PER_DAY);
        uint32_t p = g->day_period[(size_t)(day - g->day0) * g->n_accounts + all[i].account];
        slagg_period_agg *pa = &f->periods[p];
        if (pa->win_count == 0) pa->win_off = f->n_win;
        else if (pa->win_off + pa->win_count != f->n_win)
            return slagg_err_set(err, SLAGG_E_INTERNAL, "shard engine: windows out of order");
        f->ev[f->n_win] = (slagg_ev){all[i].e, all[i].v};
        f->win[f->n_win] = (uint32_t)(all[i].window - pa->span.start * SLAGG_WINDOWS_PER_DAY);
        f->n_win++;
        pa->win_count++;
        pa->error_windows++;
    }
    return SLAGG_OK;
}

/* f->cov: the threads' window maps OR-ed, the first and last instants of
 * the blocks (both occur, docs/FORMAT.md), and the names of the accounts
 * of the runs counted uncontracted. */
static slagg_status shard_coverage(engine *g, slagg_fleet *f, slagg_err *err)
{
    size_t n = 0, k = 0;
    for (unsigned i = 0; i < g->nt; i++) n += g->th[i].unc.n;
    const char **names = slagg_calloc(n ? n : 1, sizeof *names);
    size_t *lens = slagg_calloc(n ? n : 1, sizeof *lens);
    slagg_status st = SLAGG_OK;
    if (!names || !lens) st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (unsigned i = 0; st == SLAGG_OK && i < g->nt; i++) {
        if (i) slagg_cov_map_or(&g->th[0].cov, &g->th[i].cov);
        const unc_set *u = &g->th[i].unc;
        for (size_t j = 0; u->slot && j <= u->mask; j++) {
            if (!u->slot[j]) continue;
            uint64_t key = u->slot[j] - 1;
            names[k] = slagg_shard_account(g->shards[key >> 32], (uint32_t)key, &lens[k]);
            k++;
        }
    }
    if (st == SLAGG_OK)
        st = slagg_fold_build_coverage(f, g->o, &g->th[0].cov, 1, g->min_ts, g->max_ts, names, lens, k, err);
    slagg_free(names);
    slagg_free(lens);
    return st;
}

slagg_status slagg_shards_finish(engine *g, const slagg_tables *t, slagg_fleet *f, slagg_err *err)
{
    /* gather: finalised windows, then what is left in the overflow tables
     * (windows beyond the last ring position, and oversized counts) */
    size_t n_all = 0;
    for (unsigned k = 0; k < g->nt; k++) n_all += g->th[k].out.n + g->th[k].ovf.n;
    ev4 *all = slagg_calloc(n_all ? n_all : 1, sizeof *all);
    if (!all) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    size_t m = 0;
    for (unsigned k = 0; k < g->nt; k++) {
        if (g->th[k].out.n) memcpy(all + m, g->th[k].out.v, g->th[k].out.n * sizeof *all);   /* never memcpy(NULL, 0) */
        m += g->th[k].out.n;
        /* what is left in the overflow tables: windows beyond the last ring
         * position, and counts too big for the rings; one window may sit in
         * several threads' tables, attach_windows sums them */
        const ovf_map *om = &g->th[k].ovf;
        for (size_t i = 0; om->n && i <= om->mask; i++) {
            const ovf_ent *e = &om->slot[i];
            if (e->used && (e->v || e->e)) all[m++] = (ev4){e->account, e->window, e->e, e->v};
        }
    }
    slagg_status st = attach_windows(g, all, m, f, err);
    slagg_free(all);
    if (st != SLAGG_OK) return st;

    /* the threads' counts; the records counted outside the dates
     * (before_from, after_through) are summed here, beside the others */
    for (unsigned k = 0; k < g->nt; k++) {
        f->records_read += g->th[k].records;
        f->uncontracted += g->th[k].uncontracted;
        f->after_through += g->th[k].after_through;
        f->before_from += g->th[k].before_from;
        for (size_t p = 0; p < g->n_periods; p++)
            for (int c = 0; c < SLAGG_CLASS_COUNT; c++)
                f->periods[p].cls[c] += g->th[k].ptot[p * SLAGG_CLASS_COUNT + c];
    }
    if ((st = slagg_fold_copy_late_maint(t, f, err)) != SLAGG_OK) return st;
    return shard_coverage(g, f, err);
}

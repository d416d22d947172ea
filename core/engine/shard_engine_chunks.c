/*
 * shard_engine_chunks.c - the shard engine's per-chunk paths
 * (core/engine/shard_engine.h): a block is folded a cursor chunk at a
 * time, each chunk by one of two paths that give the same counts:
 *   the flat path: a window-major chunk inside one service day and inside
 *     the ring (nearly every chunk of a fleet whose blocks span a few
 *     windows): the runs are set up here, the records folded by the flat
 *     kernel (core/kernels/fold.h, kernel->flat);
 *   the run path: every other chunk; each run cut into service-time days,
 *     the records of a day segment classed here and folded into the ring
 *     by the run kernel (kernel->run), those beyond the ring into the
 *     overflow table.
 * A record goes to exactly one count: before_from, after_through, uncontracted, or its
 * period's class counter and its window's V and E.
 */
#include <stdlib.h>
#include <string.h>

#include "core/engine/shard_engine.h"

/* One day-segment of one account's run: records [k, m) of the block, all
 * in service-time day `day`, in period p. */
static int fold_segment(thr *th, uint32_t a, uint32_t p, int64_t day, size_t k, size_t m)
{
    engine *g = th->g;
    const slagg_shard_cursor *b = th->cur;
    uint64_t *pt = th->ptot + (size_t)p * SLAGG_CLASS_COUNT;
    unsigned errs = 0;
    const int64_t day_ms = day * SLAGG_MS_PER_DAY - g->tz_ms;   /* UTC instant of the day's start */
    const int64_t day_w = day * SLAGG_WINDOWS_PER_DAY;
    /* records from this offset on lie beyond the ring */
    const int64_t ring_end_ms = (g->base + g->ring - day_w) * SLAGG_MS_PER_WINDOW;
    size_t n = m - k, q = n;
    /* coverage: the segment's windows as bits from its first one (records
     * are sorted by time: exact when it spans fewer than 64 windows) */
    const uint32_t wf = slagg_div300k((uint32_t)(b->ts_ms[k] - day_ms));
    uint64_t covm = 0;
    for (size_t i = 0; i < n; i++) {
        size_t r = k + i;
        unsigned code = b->code[r];
        unsigned c = th->code_cls[code];
        if (c == SLAGG_CLASS_BY_MAINT)
            c = slagg_classify(b->pair_status[code], (slagg_cause)b->pair_cause[code],
                               slagg_maint_contains(g->maint, a, b->ts_ms[r]));
        pt[c]++;
        uint8_t fl = g->cls_flags[c];
        th->flags[i] = fl;
        errs |= fl;
        int64_t rel = b->ts_ms[r] - day_ms;   /* 0 .. 86,399,999 */
        if (rel >= ring_end_ms && q == n) q = i;
        th->rel[i] = (uint32_t)rel;
        covm |= 1ULL << ((slagg_div300k((uint32_t)rel) - wf) & 63);
    }
    if (slagg_div300k(th->rel[n - 1]) - wf < 64) slagg_cov_mark_mask(&th->cov, day_w + wf, covm);
    else
        for (size_t i = 0; i < n; i++) slagg_cov_mark(&th->cov, day_w + slagg_div300k(th->rel[i]));
    /* records are sorted by time: [0, q) is inside the ring */
    if (g->wmajor && (errs & 2)) {
        for (size_t i = 0; i < q; i++)
            if ((th->flags[i] & 2) && slagg_shards_err_push(&th->errs, a, day_w + slagg_div300k(th->rel[i])) != 0) return -1;
    } else if (q && !g->wmajor) {
        if (errs & 2) th->terr[a] = 1;
        int64_t w0 = day_w + slagg_div300k(th->rel[0]), w1 = day_w + slagg_div300k(th->rel[q - 1]);
        if (w0 < th->tlo[a]) th->tlo[a] = w0;
        if (w1 > th->thi[a]) th->thi[a] = w1;
    }
    g->kernel->run(th->rel, th->flags, q, th->ve + row_of(g, a), (uint32_t)(day_w & g->ring_mask), g->ring_mask,
                   g->stride);
    for (size_t i = q; i < n; i++) {
        ovf_ent *c = slagg_shards_ovf_get(&th->ovf, a, day_w + th->rel[i] / (uint32_t)SLAGG_MS_PER_WINDOW);
        if (!c) return -1;
        c->v += th->flags[i] & 1u;
        c->e += th->flags[i] >> 1;
    }
    th->since_spill += q;
    return 0;
}

/* The flat fold of a chunk whose records all lie in service day `day`
 * (contracted or not, not after --through) and inside a window-major ring:
 * sets up the runs (account or the sink, period or the sink row, the run
 * marks), then the flat kernel (core/kernels/fold.h) folds the records.
 * Gives exactly what fold_segment gives. */
static int fold_chunk_flat(thr *th, const uint32_t *map, int64_t day, int64_t lo, int64_t hi)
{
    engine *g = th->g;
    const slagg_shard_cursor *b = th->cur;
    const uint32_t n = b->n, nr = b->n_runs, na = g->n_accounts;
    const uint32_t *dp = g->day_period + (size_t)(day - g->day0) * na;
    uint32_t *ridx = th->ridx, *racc = th->run_acc, *rp = th->run_p;
    memset(ridx, 0, n * sizeof *ridx);
    uint32_t off = 0;
    for (uint32_t r = 0; r < nr; r++) {
        uint32_t a = map[b->run_account[r]];
        uint32_t p = a != NONE32 ? dp[a] : NONE32;
        if (p == NONE32) {   /* to the sinks: ring cell `na`, class row n_periods */
            th->uncontracted += b->run_len[r];
            if (slagg_shards_unc_add(&th->unc, (uint64_t)th->shard << 32 | b->run_account[r]) != 0) return -1;
            a = na;
            p = (uint32_t)g->n_periods;
        }
        racc[r] = a;
        rp[r] = p;
        ridx[off] = r;
        off += b->run_len[r];
    }
    for (uint32_t r = nr; r < nr + SLAGG_FOLD_FLAT_AHEAD; r++) {   /* what the prefetches past the end read */
        racc[r] = racc[nr - 1];
        rp[r] = rp[nr - 1];
    }
    const int64_t day_ms = day * SLAGG_MS_PER_DAY - g->tz_ms;
    const int64_t day_w = day * SLAGG_WINDOWS_PER_DAY;
    slagg_fold_flat_args x = {
        .n = n, .n_runs = nr, .ts_ms = b->ts_ms, .code = b->code, .run_len = b->run_len,
        .ridx = ridx, .run_acc = racc, .run_p = rp,
        .pair_status = b->pair_status, .pair_cause = b->pair_cause, .code_cls = th->code_cls,
        .cls_flags = g->cls_flags, .maint = g->maint, .n_accounts = na,
        .day_ms = day_ms, .base_slot = (uint32_t)(day_w & g->ring_mask), .mask = g->ring_mask,
        .row = (size_t)na + 1, .w_lo = slagg_div300k((uint32_t)(lo - day_ms)),
        .ve = th->ve, .ptot = th->ptot, .run_nok = th->run_nok, .err_acc = th->err_acc, .err_win = th->err_win,
    };
    g->kernel->flat(&x);
    for (uint32_t i = 0; i < x.n_err; i++)
        if (slagg_shards_err_push(&th->errs, x.err_acc[i], day_w + x.err_win[i]) != 0) return -1;
    if (window_of(g, hi) - (day_w + x.w_lo) < 64) slagg_cov_mark_mask(&th->cov, day_w + x.w_lo, x.covm);
    else
        for (uint32_t j = 0; j < n; j++) slagg_cov_mark(&th->cov, window_of(g, b->ts_ms[j]));
    th->since_spill += n;
    return 0;
}

/* Folds the cursor's current chunk. */
static int fold_chunk(thr *th, const uint32_t *map)
{
    engine *g = th->g;
    const slagg_shard_cursor *b = th->cur;
    if (g->wmajor && b->n && !g->no_flat) {
        /* the chunk's time range: runs are sorted by time */
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (uint32_t r = 0, o = 0; r < b->n_runs; o += b->run_len[r++]) {
            if (b->ts_ms[o] < lo) lo = b->ts_ms[o];
            if (b->ts_ms[o + b->run_len[r] - 1] > hi) hi = b->ts_ms[o + b->run_len[r] - 1];
        }
        int64_t day = slagg_floordiv(lo + g->tz_ms, SLAGG_MS_PER_DAY);
        if (day > g->through) {   /* the dates' gate of a whole chunk */
            if (slagg_floordiv(hi + g->tz_ms, SLAGG_MS_PER_DAY) == day) {
                th->after_through += b->n;
                return 0;
            }
        } else if (g->o->has_from && day < g->o->from) {
            /* SPEC 2 before_from (checked before after_through): a chunk
             * that straddles --from takes the run path below */
            if (slagg_floordiv(hi + g->tz_ms, SLAGG_MS_PER_DAY) < g->o->from) {
                th->before_from += b->n;
                return 0;
            }
        } else if (day >= g->day0 && slagg_floordiv(hi + g->tz_ms, SLAGG_MS_PER_DAY) == day &&
                   window_of(g, lo) >= g->base && window_of(g, hi) < g->base + g->ring) {
            return fold_chunk_flat(th, map, day, lo, hi);
        }
    }
    /* the runs (one account each): where they start, whose they are, and
     * the period of their first record's day (NONE32: none). The lookups
     * are independent of each other, so their misses overlap. */
    size_t nr = b->n_runs;
    uint32_t off = 0;
    for (size_t r = 0; r < nr; r++) {
        th->run_off[r] = off;
        th->run_acc[r] = map[b->run_account[r]];
        off += b->run_len[r];
    }
    th->run_off[nr] = off;
    for (size_t r = 0; r < nr; r++) {
        int64_t day = slagg_floordiv(b->ts_ms[th->run_off[r]] + g->tz_ms, SLAGG_MS_PER_DAY);
        th->run_p[r] = period_of(g, th->run_acc[r], day);
    }
    for (size_t r = 0; r < nr; r++) {
        size_t i = th->run_off[r], j = th->run_off[r + 1];
        uint32_t a = th->run_acc[r];
        /* A later run's ring cell and class counters are far from this
         * run's: ask for them now, so the misses overlap this run's work. */
#ifndef SLAGG_NO_PREFETCH
        if (r + PREFETCH_RUNS < nr && th->run_p[r + PREFETCH_RUNS] != NONE32) {
            uint32_t na = th->run_acc[r + PREFETCH_RUNS];
            int64_t nw = window_of(g, b->ts_ms[th->run_off[r + PREFETCH_RUNS]]);
            __builtin_prefetch(th->ve + cell_of(g, na, nw), 1);
            __builtin_prefetch(th->ptot + (size_t)th->run_p[r + PREFETCH_RUNS] * SLAGG_CLASS_COUNT, 1);
        }
#endif
        size_t k = i;
        while (k < j) {
            /* a day-segment of the run: records are sorted by time */
            int64_t day = slagg_floordiv(b->ts_ms[k] + g->tz_ms, SLAGG_MS_PER_DAY);
            int64_t day_end = (day + 1) * SLAGG_MS_PER_DAY - g->tz_ms;
            size_t m = k + 1;
            while (m < j && b->ts_ms[m] < day_end) m++;
            /* the run's first day: its period is the one looked up above */
            uint32_t p = k == i ? th->run_p[r] : period_of(g, a, day);
            if (g->o->has_from && day < g->o->from) {
                th->before_from += m - k;   /* SPEC 2: before after_through */
            } else if (day > g->through) {   /* the dates' gate of a day segment */
                th->after_through += m - k;
            } else if (p == NONE32) {
                th->uncontracted += m - k;
                if (slagg_shards_unc_add(&th->unc, (uint64_t)th->shard << 32 | b->run_account[r]) != 0) return -1;
                for (size_t x = k; x < m; x++) slagg_cov_mark(&th->cov, window_of(g, b->ts_ms[x]));
            } else if (fold_segment(th, a, p, day, k, m) != 0) {
                return -1;
            }
            k = m;
        }
    }
    return 0;
}

/* One block, a cursor chunk at a time (the chunk's columns stay in cache
 * between decoding and folding). */
int slagg_shards_fold_block(thr *th, const blk_ref *br)
{
    engine *g = th->g;
    slagg_shard_cursor *b = th->cur;
    if (slagg_shard_cursor_open(g->shards[br->shard], br->block, b, &th->err) != SLAGG_OK) return -1;
    const uint32_t *map = g->map[br->shard];
    th->shard = br->shard;
    if (th->since_spill + b->records > g->spill_limit && slagg_shards_spill_ring(th) != 0) goto nomem;
    th->records += b->records;
    for (uint32_t k = 0; k < b->n_pairs; k++) th->code_cls[k] = g->ctab[b->pair_status[k]][b->pair_cause[k]];
    int more;
    while ((more = slagg_shard_cursor_next(b, &th->err)) == 1) {
        if (fold_chunk(th, map) != 0) goto nomem;
    }
    return more;
nomem:
    slagg_err_set(&th->err, SLAGG_E_NOMEM, "out of memory");
    return -1;
}

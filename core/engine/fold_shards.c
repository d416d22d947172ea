/*
 * fold_shards.c - the shard engine: time-ordered, lock-free, bounded memory
 * (docs/DESIGN.md "The shard engine"). This file runs its steps in order
 * and owns the threads; the rooms are listed in core/engine/shard_engine.h.
 *
 * When every input is a shard, --through is known before any record is
 * read (it defaults to the day of the latest block's max_ts), so each
 * record can go straight to its final count: after_through, uncontracted,
 * or its period's class counter and its window's V and E.
 *
 * Blocks of all shards are sorted by their first instant and processed in
 * epochs. Each worker thread folds whole blocks (morsels, taken from an
 * atomic counter) into private counters: a ring of windows per account (V
 * and E as u32; the ring is sized at start to the blocks' time spans, at
 * least 64 windows, within a memory budget) and a class table per period.
 * A record whose window lies beyond the ring goes to a private overflow
 * table (u64). After an epoch, every window older than the next block's
 * first window is complete: the threads finalise them in parallel, each
 * over its own slice of accounts, summing the rings of all threads; a
 * window with E > 0 is kept as (account, window, E, V), the others are
 * dropped. Memory is accounts x ring x threads, whatever the record count.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "core/alloc.h"

#include "core/engine/fold_shards.h"
#include "core/engine/shard_engine.h"
#include "io/shard.h"

static void *thread_main(void *arg)
{
    thr *th = arg;
    engine *g = th->g;
    if (g->phase != 1) {
        for (;;) {
            size_t i = atomic_fetch_add(&g->next, 1) + g->lo;
            if (i >= g->hi) break;
            if ((g->phase == 0 ? slagg_shards_fold_block(th, &g->blocks[i])
                               : slagg_shards_sparse_block(th, &g->blocks[i], g->phase - 2)) != 0) {
                th->failed = 1;
                break;
            }
        }
    } else {
        uint32_t per = (g->n_accounts + g->nt - 1) / g->nt;
        uint32_t a0 = per * th->index, a1 = a0 + per > g->n_accounts ? g->n_accounts : a0 + per;
        if (a0 < a1 && slagg_shards_finalise(th, a0, a1) != 0) th->failed = 1;
    }
    return NULL;
}

/* Runs the current step on every thread (fork-join). */
static slagg_status run_step(engine *g, slagg_err *err)
{
    unsigned started = 0;
    atomic_store(&g->next, 0);
    for (; started < g->nt; started++)
        if (pthread_create(&g->th[started].tid, NULL, thread_main, &g->th[started]) != 0) break;
    for (unsigned i = 0; i < started; i++) pthread_join(g->th[i].tid, NULL);
    if (started < g->nt) return slagg_err_set(err, SLAGG_E_INTERNAL, "cannot start worker threads");
    /* the first failure in block order is reported: pick the lowest thread
     * that failed (deterministic enough: any failure fails the run) */
    for (unsigned i = 0; i < g->nt; i++) {
        if (g->th[i].failed) {
            *err = g->th[i].err;
            return err->code;
        }
    }
    return SLAGG_OK;
}

/* A partial fold: the cells the threads just finalised, in (window,
 * account) order, to the sink. Each thread's cells are in (account,
 * window) or (window, account) order over its own slice of accounts, the
 * slices ascending with the thread index, so a stable counting sort by
 * window of their concatenation is that order. */
static slagg_status emit_cells(engine *g, slagg_err *err)
{
    size_t n = 0, span = (size_t)(g->whi - g->wlo);
    for (unsigned k = 0; k < g->nt; k++) n += g->th[k].out.n;
    if (n == 0) return SLAGG_OK;
    /* the buffers live as long as the engine: fresh pages cost */
    if (n > g->emit_cap) {
        slagg_cell *nc = slagg_reallocarray(g->emit, n + n / 2, sizeof *nc);
        if (!nc) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        g->emit = nc;
        g->emit_cap = n + n / 2;
    }
    if (!g->emit_at && !(g->emit_at = slagg_calloc((size_t)g->ring + 1, sizeof *g->emit_at)))
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    slagg_cell *c = g->emit;
    size_t *at = g->emit_at;
    memset(at, 0, (span + 1) * sizeof *at);
    slagg_status st = SLAGG_OK;
    {
        for (unsigned k = 0; k < g->nt; k++)
            for (size_t i = 0; i < g->th[k].out.n; i++) at[g->th[k].out.v[i].window - g->wlo + 1]++;
        for (size_t i = 1; i <= span; i++) at[i] += at[i - 1];
        for (unsigned k = 0; k < g->nt; k++) {
            ev_vec *ov = &g->th[k].out;
            for (size_t i = 0; i < ov->n; i++) {
                const ev4 *x = &ov->v[i];
                c[at[x->window - g->wlo]++] = (slagg_cell){x->window, x->account, x->v, x->e};
            }
            ov->n = 0;
        }
        st = g->sink->cells(g->sink->ctx, c, n, err);
    }
    return st;
}

/* A partial fold, after the last window: what is left in the overflow
 * tables (windows beyond the last ring position, counts too big for the
 * rings) is the tail; the tables are emptied so that nothing is attached
 * twice. */
static slagg_status emit_tail(engine *g, slagg_err *err)
{
    size_t n = 0, m = 0;
    for (unsigned k = 0; k < g->nt; k++) n += g->th[k].ovf.n;
    slagg_cell *c = slagg_calloc(n ? n : 1, sizeof *c);
    if (!c) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (unsigned k = 0; k < g->nt; k++) {
        ovf_map *om = &g->th[k].ovf;
        for (size_t i = 0; om->n && i <= om->mask; i++) {
            ovf_ent *e = &om->slot[i];
            if (e->used && (e->v || e->e)) c[m++] = (slagg_cell){e->window, e->account, e->v, e->e};
            e->v = e->e = 0;
        }
    }
    slagg_status st = g->sink->tail(g->sink->ctx, c, m, err);
    slagg_free(c);
    return st;
}

/* Finalises windows [wlo, whi) on every thread: the overflow entries of
 * those windows back into the rings first, then the rings. */
static slagg_status finalise_step(engine *g, int64_t wlo, int64_t whi, slagg_err *err)
{
    g->wlo = wlo;
    g->whi = whi;
    if (slagg_shards_overflow_into_ring(g) != 0) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    g->phase = 1;
    slagg_status st = run_step(g, err);
    if (st == SLAGG_OK) slagg_shards_errs_compact(g);
    if (st == SLAGG_OK && g->sink) st = emit_cells(g, err);
    return st;
}

/* The epochs: blocks starting in the first half of the ring are folded,
 * then every window before the next block's first window is final. */
static slagg_status fold_epochs(engine *g, slagg_err *err)
{
    const slagg_fold_opts *o = g->o;
    slagg_status st;
    g->base = window_of(g, g->blocks[0].min_ts);
    size_t next = 0;
    uint64_t progress = 0, done_bytes = 0, total_bytes = 0;
    for (size_t i = 0; i < g->n_blocks; i++)
        total_bytes += slagg_shard_block_at(g->shards[g->blocks[i].shard], g->blocks[i].block)->comp_size;
    while (next < g->n_blocks) {
        uint64_t recs;
        size_t end = slagg_shards_epoch_end(g, next, &recs);
        g->phase = 0;
        g->lo = next;
        g->hi = end;
        if ((st = run_step(g, err)) != SLAGG_OK) return st;
        next = end;
        progress += recs;
        for (size_t i = g->lo; i < g->hi; i++)
            done_bytes += slagg_shard_block_at(g->shards[g->blocks[i].shard], g->blocks[i].block)->comp_size;
        if (o->progress) o->progress(o->progress_ctx, progress, done_bytes, total_bytes);
        int64_t limit = next < g->n_blocks ? window_of(g, g->blocks[next].min_ts) : INT64_MAX;
        int64_t whi = limit < g->base + g->ring ? limit : g->base + g->ring;
        if (whi > g->base) {
            if ((st = finalise_step(g, g->base, whi, err)) != SLAGG_OK) return st;
            if (whi == g->base + g->ring)  /* the whole ring is empty again */
                for (unsigned k = 0; k < g->nt; k++) g->th[k].since_spill = 0;
            g->base = whi;
        }
        /* the next block starts beyond the ring, so the ring was finalised
         * whole: jump to it (windows in between hold no ring record) */
        if (next < g->n_blocks && limit > g->base) g->base = limit;
    }
    /* the rest of the ring */
    return finalise_step(g, g->base, g->base + g->ring, err);
}

/* The sparse fold of 2.0 shards (shard_engine_sparse.c): pass 1 over
 * every block's head, the cells summed, pass 2 over the blocks covering
 * shared windows with an error. An MPI rank (a sink with an exchange)
 * exchanges its error cells between the passes, and its pass 2 counts
 * the union of every rank's, which go to the sink. */
static slagg_status fold_sparse(engine *g, slagg_err *err)
{
    const slagg_fold_opts *o = g->o;
    slagg_status st = slagg_shards_sparse_rev(g, err);
    if (st == SLAGG_OK) st = g->sink ? slagg_shards_cover_exchange(g, 1, err) : slagg_shards_sparse_cover(g, err);
    uint64_t total_bytes = 0;
    for (size_t i = 0; i < g->n_blocks; i++)
        total_bytes += slagg_shard_block_at(g->shards[g->blocks[i].shard], g->blocks[i].block)->comp_size;
    /* pass 1 in slices, so a terminal sees progress */
    size_t step = g->n_blocks / 16 + 1;
    uint64_t done_recs = 0, done_bytes = 0;
    for (size_t lo = 0; st == SLAGG_OK && lo < g->n_blocks; lo += step) {
        g->phase = 2;
        g->lo = lo;
        g->hi = lo + step < g->n_blocks ? lo + step : g->n_blocks;
        if ((st = run_step(g, err)) != SLAGG_OK) break;
        for (size_t i = g->lo; i < g->hi; i++) {
            done_recs += g->blocks[i].records;
            done_bytes += slagg_shard_block_at(g->shards[g->blocks[i].shard], g->blocks[i].block)->comp_size;
        }
        if (o->progress) o->progress(o->progress_ctx, done_recs, done_bytes, total_bytes);
    }
    for (unsigned k = 0; st == SLAGG_OK && k < g->nt; k++) slagg_shards_sparse_flush(&g->th[k]);
    if (st == SLAGG_OK) st = g->sink ? slagg_shards_sparse_exchange(g, err) : slagg_shards_sparse_cells(g, err);
    if (st == SLAGG_OK && g->sp_n) {
        g->phase = 3;
        g->lo = 0;
        g->hi = g->n_blocks;
        st = run_step(g, err);
    }
    if (st == SLAGG_OK) st = g->sink ? slagg_shards_sparse_emit(g, err) : slagg_shards_sparse_finish(g, err);
    return st;
}

static slagg_status fold_shards(const slagg_tables *t, const char *const *inputs, size_t n_inputs,
                                const slagg_fold_opts *o, const slagg_cell_sink *sink, slagg_fleet *f,
                                slagg_cov_map *map, int *used, slagg_err *err)
{
    *used = 0;
    if (o->engine_generic) return SLAGG_OK;
    if (n_inputs == 0) return SLAGG_OK;
    for (size_t i = 0; i < n_inputs; i++)
        if (!slagg_is_shard(inputs[i])) return SLAGG_OK;

    engine g;
    int planned = 0;
    memset(&g, 0, sizeof g);
    memset(f, 0, sizeof *f);
    f->tz_s = o->tz_s;
    slagg_status st = slagg_shards_plan(&g, t, inputs, n_inputs, o, f, &planned, err);
    g.sink = sink;
    int sparse = st == SLAGG_OK && planned && slagg_shards_sparse_usable(&g);
    if (sparse) {   /* no ring: the sparse fold keeps only cells with an error */
        g.ring = RING_FLOOR;
        g.ring_mask = RING_FLOOR - 1;
    }
    if (st == SLAGG_OK && planned && !sparse) st = slagg_shards_cover_exchange(&g, 0, err);
    if (st == SLAGG_OK && planned) st = slagg_shards_threads_new(&g, err);
    if (st == SLAGG_OK && planned) st = sparse ? fold_sparse(&g, err) : fold_epochs(&g, err);
    if (st == SLAGG_OK && planned && sink) st = emit_tail(&g, err);
    if (st == SLAGG_OK && planned) st = slagg_shards_finish(&g, t, f, err);
    if (st == SLAGG_OK && planned) *used = 1;
    if (st == SLAGG_OK && planned && map) {
        /* the threads' maps were OR-ed into thread 0's by the finish */
        *map = g.th[0].cov;
        memset(&g.th[0].cov, 0, sizeof g.th[0].cov);
    }
    slagg_shards_engine_free(&g);
    if (st != SLAGG_OK || !*used) slagg_fleet_free(f);
    return st;
}

slagg_status slagg_fold_shards(const slagg_tables *t, const char *const *inputs, size_t n_inputs,
                               const slagg_fold_opts *o, slagg_fleet *f, int *used, slagg_err *err)
{
    return fold_shards(t, inputs, n_inputs, o, NULL, f, NULL, used, err);
}

slagg_status slagg_fold_shards_partial(const slagg_tables *t, const char *const *inputs, size_t n_inputs,
                                       const slagg_fold_opts *o, const slagg_cell_sink *sink, slagg_fleet *f,
                                       slagg_cov_map *map, int *used, slagg_err *err)
{
    memset(map, 0, sizeof *map);
    return fold_shards(t, inputs, n_inputs, o, sink, f, map, used, err);
}

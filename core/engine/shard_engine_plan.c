/*
 * shard_engine_plan.c - the shard engine's plan (core/engine/shard_engine.h):
 * everything decided before a record is read. The shards' footers give
 * every block's time range, so --through is known (o's, or the day of the
 * latest block's max_ts) and each record can go straight to its final
 * count. Blocks of all shards are sorted by first instant and taken in
 * epochs; the ring is sized to the blocks' time spans, at least 64
 * windows, within a memory budget, in the layout their spans call for.
 * Frees the engine it built.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/engine/fold_common.h"
#include "core/engine/shard_engine.h"
#include "io/source.h"

static int blk_cmp(const void *pa, const void *pb)
{
    const blk_ref *a = pa, *b = pb;
    if (a->min_ts != b->min_ts) return a->min_ts < b->min_ts ? -1 : 1;
    if (a->shard != b->shard) return a->shard < b->shard ? -1 : 1;
    return (a->block > b->block) - (a->block < b->block);
}

static int i64_cmp(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

/* Ring size: the windows a typical block spans (its 90th percentile, so
 * one odd block does not size every ring), within the budget. Records
 * beyond the ring still fold exactly, through the overflow. Layout:
 * window-major when blocks span a few windows (see cell_of). */
static slagg_status plan_ring(engine *g, const slagg_fold_opts *o, slagg_err *err)
{
    int64_t *span = slagg_calloc(g->n_blocks, sizeof *span);
    if (!span) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (size_t i = 0; i < g->n_blocks; i++)
        span[i] = window_of(g, g->blocks[i].max_ts) - window_of(g, g->blocks[i].min_ts) + 1;
    qsort(span, g->n_blocks, sizeof *span, i64_cmp);
    int64_t span90 = span[(g->n_blocks - 1) * 9 / 10];
    int64_t want = 2 * span90 + 2;
    slagg_free(span);
    /* tests and benchmarks force a layout (the job's option) */
    g->wmajor = o->ring_layout ? o->ring_layout == 1 : span90 <= WMAJOR_SPAN;
    g->no_flat = o->no_flat;
    g->stride = g->wmajor ? 2 * ((size_t)g->n_accounts + 1) : 2;
    uint64_t cap = RING_BUDGET / ((uint64_t)g->n_accounts * 8u * g->nt + 1);
    g->ring = g->wmajor ? RING_MIN_W : RING_MIN;
    while (g->ring < RING_MAX && g->ring < want && (uint64_t)g->ring * 2 <= cap) g->ring *= 2;
    while (g->ring > RING_FLOOR && g->ring > cap) g->ring /= 2;   /* many accounts: the budget wins */
    g->ring_mask = g->ring - 1;
    return SLAGG_OK;
}

/* Opening the shards (their footers) and mapping their accounts to the
 * fleet's: per shard, on the fold's threads (0.2 s of the main thread's
 * time at the standard fleet's 14 shards of ~92 k accounts each). */
typedef struct open_job {
    engine *g;
    const char *const *inputs;
    atomic_size_t next;
    slagg_status *st;   /* [n_inputs] */
    slagg_err *err;     /* [n_inputs] */
} open_job;

static slagg_status open_one(engine *g, const char *path, size_t i, slagg_err *err)
{
    slagg_status st = slagg_shard_open_pooled(path, g->pool, &g->shards[i], err);
    if (st != SLAGG_OK) return st;
    uint32_t na = slagg_shard_account_count(g->shards[i]);
    g->map[i] = slagg_calloc(na ? na : 1, sizeof *g->map[i]);
    if (!g->map[i]) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    /* a shard's names are sorted, as the tables' usually are: the fleet
     * account after the previous one's is tried first (one compare of
     * the next name), the hash only when it is not the one (the hash's
     * dependent cache misses were half of opening 14 shards of 92 k
     * accounts) */
    const uint32_t n_fleet = slagg_dict_count(g->accounts);
    uint32_t prev = NONE32;
    for (uint32_t a = 0; a < na; a++) {
        size_t len, glen;
        const char *name = slagg_shard_account(g->shards[i], a, &len);
        uint32_t id = NONE32;
        if (prev != NONE32 && prev + 1 < n_fleet) {
            const char *next = slagg_dict_name(g->accounts, prev + 1, &glen);
            if (glen == len && memcmp(next, name, len) == 0) id = prev + 1;
        }
        if (id == NONE32) id = slagg_dict_find(g->accounts, name, len);
        g->map[i][a] = id;
        prev = id;
    }
    return SLAGG_OK;
}

static void *open_main(void *arg)
{
    open_job *j = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->g->n_inputs) break;
        j->st[i] = open_one(j->g, j->inputs[i], i, &j->err[i]);
    }
    return NULL;
}

/* Every shard opened and mapped; the first failure in input order. */
static slagg_status open_all(engine *g, const char *const *inputs, unsigned threads, slagg_err *err)
{
    size_t n = g->n_inputs;
    open_job j = {g, inputs, 0, slagg_calloc(n ? n : 1, sizeof *j.st), slagg_calloc(n ? n : 1, sizeof *j.err)};
    if (!j.st || !j.err) {
        slagg_free(j.st);
        slagg_free(j.err);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    atomic_init(&j.next, 0);
    pthread_t tid[64];
    unsigned nt = threads ? threads : 1, started = 0;
    if (nt > 64) nt = 64;
    if (nt > n) nt = (unsigned)n;
    for (; started + 1 < nt; started++)   /* the main thread is one of them */
        if (pthread_create(&tid[started], NULL, open_main, &j) != 0) break;
    open_main(&j);
    for (unsigned i = 0; i < started; i++) pthread_join(tid[i], NULL);
    slagg_status st = SLAGG_OK;
    for (size_t i = 0; i < n && st == SLAGG_OK; i++)
        if (j.st[i] != SLAGG_OK) {
            st = j.st[i];
            *err = j.err[i];
        }
    slagg_free(j.st);
    slagg_free(j.err);
    return st;
}

slagg_status slagg_shards_plan(engine *g, const slagg_tables *t, const char *const *inputs, size_t n_inputs,
                               const slagg_fold_opts *o, slagg_fleet *f, int *planned, slagg_err *err)
{
    slagg_status st;
    *planned = 0;
    g->o = o;
    g->n_inputs = n_inputs;
    g->tz_ms = (int64_t)o->tz_s * 1000;
    g->spill_limit = RING_RECORD_LIMIT;
    if (o->spill_limit) g->spill_limit = o->spill_limit;
    if ((st = slagg_kernel_pick(o->isa, &g->kernel, err)) != SLAGG_OK) return st;
    if ((st = slagg_fold_prepare(t, &g->accounts, &g->maint, err)) != SLAGG_OK) return st;
    g->n_accounts = slagg_dict_count(g->accounts);
    g->shards = slagg_calloc(n_inputs, sizeof *g->shards);
    g->map = slagg_calloc(n_inputs, sizeof *g->map);
    if (!g->shards || !g->map) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    /* open every shard: footers only, through a pool that keeps at most
     * the file limit's share open (SPEC 6: any number of shards; a block
     * read reopens its file when the pool closed it) */
    g->min_ts = INT64_MAX;
    g->max_ts = INT64_MIN;
    size_t nb = 0;
    if ((st = slagg_shard_pool_new(slagg_input_fd_budget(), &g->pool, err)) != SLAGG_OK) return st;
    if ((st = open_all(g, inputs, o->threads, err)) != SLAGG_OK) return st;
    for (size_t i = 0; i < n_inputs; i++) nb += slagg_shard_block_count(g->shards[i]);
    g->blocks = slagg_calloc(nb ? nb : 1, sizeof *g->blocks);
    if (!g->blocks) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n_inputs; i++) {
        for (size_t b = 0; b < slagg_shard_block_count(g->shards[i]); b++) {
            const slagg_shard_block_info *bi = slagg_shard_block_at(g->shards[i], b);
            g->blocks[g->n_blocks++] = (blk_ref){bi->min_ts_ms, bi->max_ts_ms, (uint32_t)i, (uint32_t)b, bi->records};
            if (bi->min_ts_ms < g->min_ts) g->min_ts = bi->min_ts_ms;
            if (bi->max_ts_ms > g->max_ts) g->max_ts = bi->max_ts_ms;
        }
    }
    if (g->n_blocks == 0) return SLAGG_OK;  /* *planned stays 0: the generic path handles it */
    g->through = o->has_through ? o->through : slagg_floordiv(g->max_ts + g->tz_ms, SLAGG_MS_PER_DAY);
    g->day0 = slagg_floordiv(g->min_ts + g->tz_ms, SLAGG_MS_PER_DAY);
    g->ndays = g->through - g->day0 + 1;
    if (g->ndays < 1) g->ndays = 1;
    /* the day -> period table must stay small; else the generic path */
    if ((uint64_t)g->n_accounts * (uint64_t)g->ndays > (64u << 20)) return SLAGG_OK;

    f->through = g->through;
    f->has_from = o->has_from;   /* slagg_fold_build_periods drops the periods before it */
    f->from = o->has_from ? o->from : 0;
    if ((st = slagg_fold_copy_accounts(g->accounts, f, err)) != SLAGG_OK) return st;
    if ((st = slagg_fold_build_periods(t, g->accounts, f->through, f, err)) != SLAGG_OK) return st;
    g->n_periods = f->n_periods;
    g->day_period = slagg_calloc_table((size_t)g->n_accounts * (size_t)g->ndays + 1, sizeof *g->day_period);
    if (!g->day_period) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    memset(g->day_period, 0xff, (size_t)g->n_accounts * (size_t)g->ndays * sizeof *g->day_period);
    for (size_t p = 0; p < f->n_periods; p++) {
        const slagg_period_agg *pa = &f->periods[p];
        for (int64_t d = pa->span.start; d <= pa->span.counted_end; d++)
            if (d >= g->day0 && d - g->day0 < g->ndays)
                g->day_period[(size_t)(d - g->day0) * g->n_accounts + pa->account] = (uint32_t)p;
    }
    for (int s = 0; s < 600; s++)
        for (int c = 0; c < SLAGG_CAUSE_COUNT; c++)
            g->ctab[s][c] = slagg_http_status_allowed(s) ? (uint8_t)slagg_class_of_pair(s, (slagg_cause)c) : 0;
    for (int c = 0; c < SLAGG_CLASS_COUNT; c++)
        g->cls_flags[c] =
            (uint8_t)(slagg_class_is_valid((slagg_class)c) | (slagg_class_is_error((slagg_class)c) << 1));
    qsort(g->blocks, g->n_blocks, sizeof *g->blocks, blk_cmp);

    g->nt = o->threads ? o->threads : 1;
    if (g->nt > g->n_blocks) g->nt = (unsigned)g->n_blocks;
    if ((st = plan_ring(g, o, err)) != SLAGG_OK) return st;
    *planned = 1;
    return SLAGG_OK;
}

size_t slagg_shards_epoch_end(const engine *g, size_t next, uint64_t *recs_out)
{
    size_t end = next;
    uint64_t recs = 0;
    while (end < g->n_blocks &&
           (end == next || (window_of(g, g->blocks[end].min_ts) < g->base + g->ring / 2 &&
                            recs + g->blocks[end].records < (1ULL << 31)))) {
        recs += g->blocks[end].records;
        end++;
    }
    /* a whole number of blocks per thread, so no thread waits at the
     * epoch's end for a last odd block (the rest goes to the next) */
    if (end < g->n_blocks && end - next > g->nt) {
        size_t keep = (end - next) / g->nt * g->nt;
        for (; end > next + keep; end--) recs -= g->blocks[end - 1].records;
    }
    *recs_out = recs;
    return end;
}

void slagg_shards_engine_free(engine *g)
{
    if (g->th)
        for (unsigned i = 0; i < g->nt; i++) slagg_shards_thread_free(g, &g->th[i]);
    slagg_free(g->th);
    slagg_free(g->emit);
    slagg_free(g->emit_at);
    if (g->shards)
        for (size_t i = 0; i < g->n_inputs; i++)
            if (g->shards[i]) slagg_shard_close(g->shards[i]);
    slagg_shard_pool_free(g->pool);
    if (g->map)
        for (size_t i = 0; i < g->n_inputs; i++) slagg_free(g->map[i]);
    slagg_free(g->shards);
    slagg_free(g->map);
    if (g->rev)
        for (size_t i = 0; i < g->n_inputs; i++) slagg_free(g->rev[i]);
    slagg_free(g->rev);
    slagg_free(g->sp_cells);
    slagg_free(g->sp_done);
    slagg_free(g->sp_cover);
    slagg_free(g->blocks);
    slagg_free_table(g->day_period, (size_t)g->n_accounts * (size_t)g->ndays + 1, sizeof *g->day_period);
    slagg_maint_free(g->maint);
    slagg_dict_free(g->accounts);
    memset(g, 0, sizeof *g);
}

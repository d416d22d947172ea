/*
 * shard_engine.h - the shard engine's rooms, shared by its files and by
 * nothing else (docs/DESIGN.md "The shard engine"; the entry point is
 * core/engine/fold_shards.h):
 *
 *   shard_engine_plan.c    the blocks and their order, the epochs, the ring's
 *                          size and layout, the tables every thread reads
 *                          (day -> period, shard account -> account, pair ->
 *                          class); frees the engine
 *   shard_engine_rings.c   a thread's private state and its one free
 *                          function; the overflow table, the error list,
 *                          the uncontracted set; spills of the ring
 *   shard_engine_chunks.c  a block, a cursor chunk at a time: the flat path
 *                          (the flat kernel) or the run path (day segments,
 *                          the run kernel)
 *   shard_engine_finish.c  complete windows out of the rings, then the
 *                          thread totals into the fleet
 *   fold_shards.c          slagg_fold_shards: the steps in order, the threads
 *
 * Not part of any API.
 */
#ifndef SLAGG_CORE_ENGINE_SHARD_ENGINE_H
#define SLAGG_CORE_ENGINE_SHARD_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/cell.h"
#include "core/classify.h"
#include "core/coverage.h"
#include "core/cpu.h"
#include "core/dict.h"
#include "core/engine/fold_opts.h"
#include "core/error.h"
#include "core/fleet.h"
#include "core/maint.h"
#include "core/tables.h"
#include "io/shard.h"

#define RING_MIN 64
/* Window-major rings start larger: an epoch (half a ring) then holds tens
 * of blocks, so the threads seldom wait for each other at its end. */
#define RING_MIN_W 128
/* ... unless the budget cannot hold that many for every account */
#define RING_FLOOR 16
/* Blocks spanning at most this many windows (90th percentile) get a
 * window-major ring (see "Ring layout" below). */
#define WMAJOR_SPAN 64
#define RING_MAX 4096
/* All threads' rings together stay under this many bytes. */
#define RING_BUDGET (384ULL << 20)
#define NONE32 UINT32_MAX
/* A u32 ring counter cannot overflow while a thread folds fewer records
 * than this between two spills of its ring. */
#define RING_RECORD_LIMIT 0xF0000000ULL
/* How many runs ahead the run path asks for a run's ring cell and class
 * counters: a run is a few records, tens of cycles, and a miss costs
 * hundreds. */
#define PREFETCH_RUNS 8
/* run_acc and run_p also carry the flat kernel's look-ahead */
_Static_assert(SLAGG_FOLD_FLAT_AHEAD <= PREFETCH_RUNS, "flat kernel look-ahead beyond the run scratch");

typedef struct blk_ref {
    int64_t min_ts, max_ts;
    uint32_t shard;
    uint32_t block;
    uint32_t records;
} blk_ref;

/* The overflow table: open addressing, 32 bytes an entry. */
typedef struct ovf_ent {
    int64_t window;
    uint32_t account;
    uint32_t used;
    uint64_t v, e;
} ovf_ent;

typedef struct ovf_map {
    ovf_ent *slot;
    size_t mask, n;
} ovf_map;

typedef struct ev4 {
    uint32_t account;
    int64_t window;
    uint64_t e, v;
} ev4;

typedef struct ev_vec {
    ev4 *v;
    size_t n, cap;
} ev_vec;

/* Window-major rings: the cells where an error was folded, (account,
 * window), possibly repeated; finalisation visits only these. */
typedef struct errcell {
    uint32_t account;
    int64_t window;
} errcell;

typedef struct err_vec {
    errcell *v;
    size_t n, cap;
} err_vec;

/* Runs counted uncontracted, as (shard << 32 | shard account id): a set,
 * so its size is bounded by the distinct accounts, not by the runs. */
typedef struct unc_set {
    uint64_t *slot;          /* key + 1; 0 = empty */
    size_t mask, n;
} unc_set;

/* The sparse fold (shard_engine_sparse.c): an (account, window) with an
 * error, its V summed by pass 2's threads at once. */
typedef struct sp_cell {
    int64_t window;
    uint32_t account;
    uint64_t e;
    _Atomic uint64_t v;
} sp_cell;

struct engine;

/* One worker's state, which it alone writes while folding; the owner of
 * every buffer in it (slagg_shards_thread_free frees them all). */
typedef struct thr {
    struct engine *g;
    pthread_t tid;
    unsigned index;
    uint32_t *ve;             /* ring: [account][ring][2]: V, E of a window side by side */
    int64_t *tlo, *thi;       /* per account: windows touched in the ring (tlo > thi: none) */
    uint8_t *terr;            /* per account: an error was folded into the ring since finalised */
    uint64_t *ptot;           /* [period][SLAGG_CLASS_COUNT] */
    ovf_map ovf;              /* (account, window) -> V, E beyond the ring */
    slagg_shard_cursor *cur;  /* the block being folded, a chunk at a time */
    uint8_t *code_cls;        /* [pair code]: slagg_class_of_pair (SLAGG_SHARD_PAIRS_MAX) */
    uint32_t *rel;
    uint8_t *flags;
    uint32_t *run_off, *run_acc, *run_p;  /* a chunk's runs: first record, account, period (n + 1) */
    uint32_t *ridx;           /* the flat fold: run index marks, one per record */
    uint32_t *run_nok;        /* the flat fold: a run's records not of class OK */
    uint32_t *err_acc, *err_win;  /* the flat fold: a chunk's error cells (account, window offset) */
    size_t scratch_cap;
    uint64_t records, uncontracted, after_through;
    uint64_t before_from;     /* SPEC 2: records on days before --from */
    uint64_t since_spill;     /* records folded into the ring since its last spill */
    ev_vec out;               /* finalised windows with E > 0 */
    err_vec errs;             /* window-major: cells an error was folded into */
    slagg_cov_map cov;        /* windows with a record (SPEC 4 coverage) */
    unc_set unc;              /* runs counted uncontracted */
    uint32_t shard;           /* the shard of the block being folded */
    slagg_shard_head *head;   /* the sparse fold: the block's head */
    /* the sparse fold: OK records per account on service day sp_day, and
     * that day's period of each account (NONE32: none); flushed into ptot
     * when the day changes, so a run adds to one 8-byte entry in a
     * per-account array instead of a far-apart class row of ptot */
    struct sp_acc { uint32_t p, ok; } *sp_acc;
    int64_t sp_day;
    slagg_err err;
    int failed;
} thr;

/* The engine: what the plan decided and every table the threads read;
 * the owner of every buffer in it (slagg_shards_engine_free). */
typedef struct engine {
    const slagg_fold_opts *o;
    slagg_dict *accounts;     /* contracted accounts (slagg_fold_prepare) */
    slagg_maint_index *maint;
    const slagg_kernel *kernel;
    slagg_shard_pool *pool;   /* keeps at most the file limit's share of the shards open */
    size_t n_inputs;
    slagg_shard **shards;     /* [n_inputs] */
    uint32_t **map;           /* per shard: shard account id -> account id */
    blk_ref *blocks;
    size_t n_blocks;
    uint32_t n_accounts;
    size_t n_periods;
    int64_t min_ts, max_ts;   /* the blocks' first and last instants */
    int64_t day0, ndays, through;
    uint32_t *day_period;     /* [ndays][account]: period or NONE32 (a day's row is read in account order) */
    int64_t tz_ms;
    uint32_t ring, ring_mask;  /* windows in a ring (a power of two) */
    int wmajor;               /* ring layout: 1 window-major, 0 account-major */
    int no_flat;              /* SLAGG_NO_FLAT: window-major chunks take the run path (tests) */
    size_t stride;            /* u32s between two windows' cells of one account */
    uint64_t spill_limit;     /* RING_RECORD_LIMIT; tests lower it (SLAGG_TEST_SPILL_LIMIT) */
    uint8_t ctab[600][SLAGG_CAUSE_COUNT];  /* slagg_class_of_pair (core/classify.h) */
    uint8_t cls_flags[SLAGG_CLASS_COUNT];  /* class -> 1 valid | 2 error */
    const struct slagg_cell_sink *sink;  /* a partial fold: every finalised cell goes here (fold_shards.h) */
    slagg_cell *emit;         /* a partial fold: a step's cells, sorted (kept between steps) */
    size_t emit_cap;
    size_t *emit_at;          /* its counting sort: [ring + 1] */
    uint32_t **rev;           /* the sparse fold, per shard: account id -> shard account id (NONE32) */
    sp_cell *sp_cells;        /* the sparse fold: cells of shared windows, for pass 2 */
    size_t sp_n;
    sp_cell *sp_done;         /* an MPI rank: the union's cells complete after pass 1 */
    size_t sp_done_n;
    uint32_t *sp_cover;       /* the sparse fold of one process: blocks covering each window of */
    int64_t sp_cover_lo, sp_cover_span;   /* [lo, lo + span) (slagg_shards_sparse_cover) */
    thr *th;                  /* the nt threads */
    unsigned nt;
    /* the current step */
    int phase;                /* 0 = fold blocks [lo, hi), 1 = finalise windows [wlo, whi),
                                 2, 3 = the sparse fold's passes 1, 2 over blocks [lo, hi) */
    size_t lo, hi;
    atomic_size_t next;
    int64_t base;             /* the ring's base window */
    int64_t wlo, whi;
} engine;

/* u32s in one thread's ring */
#define RING_U32S(g) (2 * ((size_t)(g)->n_accounts + 1) * (g)->ring + 2)

static inline int64_t window_of(const engine *g, int64_t ts) { return slagg_floordiv(ts + g->tz_ms, SLAGG_MS_PER_WINDOW); }

/* The period of account a (NONE32: not a contracted account) on service
 * day `day`, or NONE32 when none covers it. */
static inline uint32_t period_of(const engine *g, uint32_t a, int64_t day)
{
    if (a == NONE32 || day < g->day0 || day - g->day0 >= g->ndays) return NONE32;
    return g->day_period[(size_t)(day - g->day0) * g->n_accounts + a];
}

/* Ring layout. Account-major ([account][ring][V, E]) keeps one account's
 * windows together: right when a block spans many windows, so an account's
 * run walks along its row. Window-major ([ring][account][V, E]) keeps one
 * window's accounts together: right when blocks span a few windows (packed
 * or generated in time order), as a block then touches a few rows, each in
 * ascending account order, streams the prefetcher follows, instead of one
 * far-apart row per account. The index of (a, w)'s V; E follows it. */
static inline size_t cell_of(const engine *g, uint32_t a, int64_t w)
{
    size_t s = (size_t)(w & g->ring_mask);
    return g->wmajor ? 2 * (s * ((size_t)g->n_accounts + 1) + a) : 2 * ((size_t)a * g->ring + s);
}

/* A window-major row has one cell more than there are accounts: the sink,
 * where the flat fold (fold_chunk_flat) sends records it must not count
 * (uncontracted accounts) so its loop needs no branch for them; it is never
 * finalised. */

/* The base of account a's cells, for the kernels (stride g->stride). */
static inline size_t row_of(const engine *g, uint32_t a)
{
    return g->wmajor ? 2 * (size_t)a : 2 * (size_t)a * g->ring;
}

/* ---- shard_engine_plan.c ---- */

/* Opens every shard (footers only), lists and sorts their blocks, and
 * builds what every thread reads: through (o's, or the day of the latest
 * record), the day -> period table, the shard account maps, the pair ->
 * class table, the thread count, the ring's layout and size. Fills f's
 * accounts and periods. *planned = 0 (and SLAGG_OK) when the shards hold
 * no block or the time span is too long for the day table: the generic
 * path then folds them. g is zeroed by the caller; whatever happens,
 * slagg_shards_engine_free(g) frees what this allocated. */
slagg_status slagg_shards_plan(engine *g, const slagg_tables *t, const char *const *inputs, size_t n_inputs,
                               const slagg_fold_opts *o, slagg_fleet *f, int *planned, slagg_err *err);
/* The end of the epoch starting at block `next`: the next blocks that start
 * in the first half of the ring, a whole number per thread, under 2^31
 * records; *recs gets their records. */
size_t slagg_shards_epoch_end(const engine *g, size_t next, uint64_t *recs);
/* Frees everything g owns: the threads' state, the shards, the tables. */
void slagg_shards_engine_free(engine *g);

/* ---- shard_engine_rings.c ---- */

/* Allocates the nt threads' state (rings, class rows, overflow tables,
 * scratch, cursors). SLAGG_E_NOMEM on failure; what was allocated is
 * freed by slagg_shards_engine_free. */
slagg_status slagg_shards_threads_new(engine *g, slagg_err *err);
/* Frees every buffer th owns (the thread struct itself is the caller's). */
void slagg_shards_thread_free(const engine *g, thr *th);
/* The overflow entry of (a, w), created zeroed; NULL when out of memory. */
ovf_ent *slagg_shards_ovf_get(ovf_map *m, uint32_t a, int64_t w);
/* The entry of (a, w), or NULL: a lookup that adds nothing. */
const ovf_ent *slagg_shards_ovf_find(const ovf_map *m, uint32_t a, int64_t w);
/* Frees the table's entries: it is empty (n = 0) from then on, and takes
 * no more (the sparse fold, once its cells are gathered). */
void slagg_shards_ovf_drop(ovf_map *m);
/* Notes cell (a, w) in the error list (a repeat of the last one is
 * dropped). 0, or -1 when out of memory. */
int slagg_shards_err_push(err_vec *v, uint32_t a, int64_t w);
/* Adds key to the uncontracted set. 0, or -1 when out of memory. */
int slagg_shards_unc_add(unc_set *u, uint64_t key);
/* Moves th's whole ring into its overflow table. 0, or -1 (out of memory). */
int slagg_shards_spill_ring(thr *th);
/* Before windows [wlo, whi) are finalised: their overflow entries go back
 * into the rings. 0, or -1 when out of memory. */
int slagg_shards_overflow_into_ring(engine *g);

/* Grows th's chunk scratch to n records (runs). 0, or -1. */
int slagg_shards_grow_scratch(thr *th, size_t n);
/* Appends (a, w, e, v) to v. 0, or -1 when out of memory. */
int slagg_shards_ev_push(ev_vec *v, uint32_t a, int64_t w, uint64_t e, uint64_t val);

/* ---- shard_engine_sparse.c ---- */

/* 1 when the sparse fold can serve this plan: every input a 2.0 shard, a
 * plain fold or an MPI rank's (no sink, or one with an exchange), a --tz
 * of whole windows. */
int slagg_shards_sparse_usable(const engine *g);
/* The reverse account maps pass 2 needs. */
slagg_status slagg_shards_sparse_rev(engine *g, slagg_err *err);
/* Pass 1 (pass 0) or pass 2 (pass 1) of one block. 0, or -1 with th->err set. */
int slagg_shards_sparse_block(thr *th, const blk_ref *br, int pass);
/* Before pass 1 of a fold in one process: how many blocks cover each
 * window (g->sp_cover), so that pass 1 keeps no cell of a window one
 * block covers alone unless it has an error. An MPI rank calls
 * slagg_shards_cover_exchange instead: another rank's blocks may cover
 * the window too, and its error there needs this rank's V. */
slagg_status slagg_shards_sparse_cover(engine *g, slagg_err *err);
/* An MPI rank (a sink with an exchange), before pass 1 of the sparse fold
 * (sparse 1) or before the ring engine's fold (0): the cover step of the
 * exchange (core/cell.h). The sparse fold gets every rank's cover summed
 * into g->sp_cover, so its pass 1 drops what one process's does; or none,
 * when some rank cannot tell (then it keeps every group, as before). */
slagg_status slagg_shards_cover_exchange(engine *g, int sparse, slagg_err *err);
/* After pass 1: the cells summed, the complete ones into th[0].out, the
 * shared ones kept for pass 2. */
slagg_status slagg_shards_sparse_cells(engine *g, slagg_err *err);
/* After pass 1, per thread: its per-account OK counts into ptot. */
void slagg_shards_sparse_flush(thr *th);
/* An MPI rank, instead of slagg_shards_sparse_cells: the cells summed,
 * the keys of those with an error exchanged (g->sink->exchange), and the
 * union of every rank's kept for pass 2, each from this rank's pass 1. */
slagg_status slagg_shards_sparse_exchange(engine *g, slagg_err *err);
/* An MPI rank, after pass 2: this rank's V and E of the exchanged cells to
 * g->sink (those with neither are left out), in (window, account) order. */
slagg_status slagg_shards_sparse_emit(engine *g, slagg_err *err);
/* After pass 2: the shared cells into th[0].out. */
slagg_status slagg_shards_sparse_finish(engine *g, slagg_err *err);

/* ---- shard_engine_chunks.c ---- */

/* Folds block br into th's state, a cursor chunk at a time. 0, or -1
 * with th->err set. */
int slagg_shards_fold_block(thr *th, const blk_ref *br);

/* ---- shard_engine_finish.c ---- */

/* Finalises windows [g->wlo, g->whi) of accounts [a0, a1) over every
 * thread's ring, in either layout. 0, or -1 with th->err set. */
int slagg_shards_finalise(thr *th, uint32_t a0, uint32_t a1);
/* After finalising [wlo, whi): drops those windows from the error lists. */
void slagg_shards_errs_compact(engine *g);
/* After the last window: the finalised windows and what is left in the
 * overflow tables attached to f's periods, the threads' counts summed into
 * f, the late maintenance windows and the coverage. */
slagg_status slagg_shards_finish(engine *g, const slagg_tables *t, slagg_fleet *f, slagg_err *err);

#endif

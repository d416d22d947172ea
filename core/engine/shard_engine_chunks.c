/*
 * fold_shards.c - the shard engine: time-ordered, lock-free, bounded memory
 * (docs/DESIGN.md "The shard engine").
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
 * table (u64). After
 * an epoch, every window older than the next block's first window is
 * complete: the threads finalise them in parallel, each over its own slice
 * of accounts, summing the rings of all threads; a window with E > 0 is
 * kept as (account, window, E, V), the others are dropped. Memory is
 * accounts x ring x threads, whatever the record count.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/calendar.h"
#include "core/classify.h"
#include "core/cpu.h"
#include "core/engine/fold_common.h"
#include "core/engine/shard_engine.h"
#include "io/shard.h"
#include "io/source.h"

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

static uint64_t ovf_hash(uint32_t a, int64_t w)
{
    uint64_t x = ((uint64_t)a << 40) ^ (uint64_t)w;
    x ^= x >> 31;
    x *= 0x9e3779b97f4a7c15ULL;
    return x ^ (x >> 29);
}

static int ovf_init(ovf_map *m)
{
    m->mask = 255;
    m->n = 0;
    m->slot = slagg_calloc(m->mask + 1, sizeof *m->slot);
    return m->slot ? 0 : -1;
}

static void ovf_free(ovf_map *m)
{
    slagg_free(m->slot);
    memset(m, 0, sizeof *m);
}

/* The entry of (a, w), created zeroed; NULL when out of memory. */
static ovf_ent *ovf_get(ovf_map *m, uint32_t a, int64_t w)
{
    size_t i = ovf_hash(a, w) & m->mask;
    for (; m->slot[i].used; i = (i + 1) & m->mask)
        if (m->slot[i].account == a && m->slot[i].window == w) return &m->slot[i];
    if ((m->n + 1) * 2 > m->mask + 1) {
        size_t ncap = (m->mask + 1) * 2;
        ovf_ent *ns = slagg_calloc(ncap, sizeof *ns);
        if (!ns) return NULL;
        for (size_t k = 0; k <= m->mask; k++) {
            if (!m->slot[k].used) continue;
            size_t j = ovf_hash(m->slot[k].account, m->slot[k].window) & (ncap - 1);
            while (ns[j].used) j = (j + 1) & (ncap - 1);
            ns[j] = m->slot[k];
        }
        slagg_free(m->slot);
        m->slot = ns;
        m->mask = ncap - 1;
        i = ovf_hash(a, w) & m->mask;
        while (m->slot[i].used) i = (i + 1) & m->mask;
    }
    m->slot[i] = (ovf_ent){w, a, 1, 0, 0};
    m->n++;
    return &m->slot[i];
}

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

static int err_push(err_vec *v, uint32_t a, int64_t w)
{
    if (v->n && v->v[v->n - 1].account == a && v->v[v->n - 1].window == w) return 0;
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 1024;
        errcell *p = slagg_reallocarray(v->v, nc, sizeof *p);
        if (!p) return -1;
        v->v = p;
        v->cap = nc;
    }
    v->v[v->n++] = (errcell){a, w};
    return 0;
}

/* Runs counted uncontracted, as (shard << 32 | shard account id): a set,
 * so its size is bounded by the distinct accounts, not by the runs. */
typedef struct unc_set {
    uint64_t *slot;          /* key + 1; 0 = empty */
    size_t mask, n;
} unc_set;

static int unc_add(unc_set *u, uint64_t key)
{
    key++;
    if ((u->n + 1) * 2 > u->mask + 1 || !u->slot) {
        size_t ncap = u->slot ? (u->mask + 1) * 2 : 64;
        uint64_t *ns = slagg_calloc(ncap, sizeof *ns);
        if (!ns) return -1;
        for (size_t k = 0; u->slot && k <= u->mask; k++) {
            if (!u->slot[k]) continue;
            size_t j = (size_t)((u->slot[k] * 0x9e3779b97f4a7c15ULL) >> 20) & (ncap - 1);
            while (ns[j]) j = (j + 1) & (ncap - 1);
            ns[j] = u->slot[k];
        }
        slagg_free(u->slot);
        u->slot = ns;
        u->mask = ncap - 1;
    }
    size_t i = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 20) & u->mask;
    for (; u->slot[i]; i = (i + 1) & u->mask)
        if (u->slot[i] == key) return 0;
    u->slot[i] = key;
    u->n++;
    return 0;
}

struct engine;

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
    uint64_t since_spill;     /* records folded into the ring since its last spill */
    ev_vec out;               /* finalised windows with E > 0 */
    err_vec errs;             /* window-major: cells an error was folded into */
    slagg_cov_map cov;        /* windows with a record (SPEC 4 coverage) */
    unc_set unc;              /* runs counted uncontracted */
    uint32_t shard;           /* the shard of the block being folded */
    slagg_err err;
    int failed;
} thr;

typedef struct engine {
    const slagg_fold_opts *o;
    const slagg_maint_index *maint;
    const slagg_kernel *kernel;
    slagg_shard **shards;
    uint32_t **map;           /* per shard: shard account id -> account id */
    blk_ref *blocks;
    size_t n_blocks;
    uint32_t n_accounts;
    size_t n_periods;
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
    thr *th;                  /* the nt threads */
    unsigned nt;
    /* the current step */
    int phase;                /* 0 = fold blocks [lo, hi), 1 = finalise windows [wlo, whi) */
    size_t lo, hi;
    atomic_size_t next;
    int64_t base;             /* the ring's base window */
    int64_t wlo, whi;
} engine;

/* u32s in one thread's ring */
#define RING_U32S(g) (2 * ((size_t)(g)->n_accounts + 1) * (g)->ring + 2)

static int64_t window_of(const engine *g, int64_t ts) { return slagg_floordiv(ts + g->tz_ms, SLAGG_MS_PER_WINDOW); }

/* The period of account a (NONE32: not a contracted account) on service
 * day `day`, or NONE32 when none covers it. */
static uint32_t period_of(const engine *g, uint32_t a, int64_t day)
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

static int ev_push(ev_vec *v, uint32_t a, int64_t w, uint64_t e, uint64_t val)
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

/* Moves a thread's whole ring into its overflow table (u64), so no u32
 * counter can wrap however many records one window gets. */
static int spill_ring(thr *th)
{
    engine *g = th->g;
    for (uint32_t a = 0; a < g->n_accounts; a++) {
        for (int64_t w = g->base; w < g->base + g->ring; w++) {
            size_t s = cell_of(g, a, w);
            if (!th->ve[s] && !th->ve[s + 1]) continue;
            ovf_ent *c = ovf_get(&th->ovf, a, w);
            if (!c) return -1;
            c->v += th->ve[s];
            c->e += th->ve[s + 1];
            th->ve[s] = th->ve[s + 1] = 0;
        }
        th->tlo[a] = INT64_MAX;
        th->thi[a] = INT64_MIN;
    }
    th->since_spill = 0;
    return 0;
}

/* How many runs ahead fold_block asks for a run's ring cell and class
 * counters: a run is a few records, tens of cycles, and a miss costs
 * hundreds. */
#define PREFETCH_RUNS 8
/* run_acc and run_p also carry the flat kernel's look-ahead */
_Static_assert(SLAGG_FOLD_FLAT_AHEAD <= PREFETCH_RUNS, "flat kernel look-ahead beyond the run scratch");

static int grow_scratch(thr *th, size_t n)
{
    if (n <= th->scratch_cap) return 0;
    uint32_t *r = slagg_reallocarray(th->rel, n, sizeof *r);
    if (!r) return -1;
    th->rel = r;
    uint8_t *f = slagg_reallocarray(th->flags, n, 1);
    if (!f) return -1;
    th->flags = f;
    uint32_t *ro = slagg_reallocarray(th->run_off, n + 1 + PREFETCH_RUNS, sizeof *ro);
    if (!ro) return -1;
    th->run_off = ro;
    uint32_t *ra = slagg_reallocarray(th->run_acc, n + 1 + PREFETCH_RUNS, sizeof *ra);
    if (!ra) return -1;
    th->run_acc = ra;
    uint32_t *rp = slagg_reallocarray(th->run_p, n + 1 + PREFETCH_RUNS, sizeof *rp);
    if (!rp) return -1;
    th->run_p = rp;
    uint32_t *ri = slagg_reallocarray(th->ridx, n + 1, sizeof *ri);
    if (!ri) return -1;
    th->ridx = ri;
    uint32_t *nk = slagg_reallocarray(th->run_nok, n + 1, sizeof *nk);
    if (!nk) return -1;
    th->run_nok = nk;
    uint32_t *ea = slagg_reallocarray(th->err_acc, n, sizeof *ea);
    if (!ea) return -1;
    th->err_acc = ea;
    uint32_t *ew = slagg_reallocarray(th->err_win, n, sizeof *ew);
    if (!ew) return -1;
    th->err_win = ew;
    th->scratch_cap = n;
    return 0;
}

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
            if ((th->flags[i] & 2) && err_push(&th->errs, a, day_w + slagg_div300k(th->rel[i])) != 0) return -1;
    } else if (q && !g->wmajor) {
        if (errs & 2) th->terr[a] = 1;
        int64_t w0 = day_w + slagg_div300k(th->rel[0]), w1 = day_w + slagg_div300k(th->rel[q - 1]);
        if (w0 < th->tlo[a]) th->tlo[a] = w0;
        if (w1 > th->thi[a]) th->thi[a] = w1;
    }
    g->kernel->run(th->rel, th->flags, q, th->ve + row_of(g, a), (uint32_t)(day_w & g->ring_mask), g->ring_mask,
                   g->stride);
    for (size_t i = q; i < n; i++) {
        ovf_ent *c = ovf_get(&th->ovf, a, day_w + th->rel[i] / (uint32_t)SLAGG_MS_PER_WINDOW);
        if (!c) return -1;
        c->v += th->flags[i] & 1u;
        c->e += th->flags[i] >> 1;
    }
    th->since_spill += q;
    return 0;
}


static int fold_chunk(thr *th, const uint32_t *map);

/* Folds one block, a cursor chunk at a time (the chunk's columns stay in
 * cache between decoding and folding). */
static int fold_block(thr *th, const blk_ref *br)
{
    engine *g = th->g;
    slagg_shard_cursor *b = th->cur;
    if (slagg_shard_cursor_open(g->shards[br->shard], br->block, b, &th->err) != SLAGG_OK) return -1;
    const uint32_t *map = g->map[br->shard];
    th->shard = br->shard;
    if (th->since_spill + b->records > g->spill_limit && spill_ring(th) != 0) goto nomem;
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
            if (unc_add(&th->unc, (uint64_t)th->shard << 32 | b->run_account[r]) != 0) return -1;
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
        if (err_push(&th->errs, x.err_acc[i], day_w + x.err_win[i]) != 0) return -1;
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
        if (day > g->through) {
            if (slagg_floordiv(hi + g->tz_ms, SLAGG_MS_PER_DAY) == day) {
                th->after_through += b->n;
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
            if (day > g->through) {
                th->after_through += m - k;
            } else if (p == NONE32) {
                th->uncontracted += m - k;
                if (unc_add(&th->unc, (uint64_t)th->shard << 32 | b->run_account[r]) != 0) return -1;
                for (size_t x = k; x < m; x++) slagg_cov_mark(&th->cov, window_of(g, b->ts_ms[x]));
            } else if (fold_segment(th, a, p, day, k, m) != 0) {
                return -1;
            }
            k = m;
        }
    }
    return 0;
}

/* Emits the windows with E > 0 among ring slots [s0, s1) of account a
 * (windows w0..), summing every thread's ring, then zeroes those slots.
 * Most windows have no error: one OR pass over the E rows finds out. */
static int finalise_slots(thr *th, uint32_t a, int64_t w0, size_t s0, size_t s1, int maybe_err)
{
    engine *g = th->g;
    size_t row = 2 * (size_t)a * g->ring;
    uint32_t any = 0;
    for (unsigned k = 0; maybe_err && k < g->nt; k++) {
        const uint32_t *ve = g->th[k].ve + row;
        for (size_t i = s0; i < s1; i++) any |= ve[2 * i + 1];
    }
    if (any) {
        for (size_t i = s0; i < s1; i++) {
            uint64_t v = 0, e = 0;
            for (unsigned k = 0; k < g->nt; k++) {
                v += g->th[k].ve[row + 2 * i];
                e += g->th[k].ve[row + 2 * i + 1];
            }
            if (e && ev_push(&th->out, a, w0 + (int64_t)(i - s0), e, v) != 0) return -1;
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
    for (unsigned j = 0; j < g->nt; j++) {
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
            if (e && ev_push(&th->out, a, w, e, v) != 0) {
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

/* After finalising [wlo, whi): drops those windows' entries from the
 * error lists. */
static void errs_compact(engine *g)
{
    for (unsigned k = 0; k < g->nt; k++) {
        err_vec *ev = &g->th[k].errs;
        size_t m = 0;
        for (size_t i = 0; i < ev->n; i++)
            if (ev->v[i].window < g->wlo || ev->v[i].window >= g->whi) ev->v[m++] = ev->v[i];
        ev->n = m;
    }
}

static void *thread_main(void *arg)
{
    thr *th = arg;
    engine *g = th->g;
    if (g->phase == 0) {
        for (;;) {
            size_t i = atomic_fetch_add(&g->next, 1) + g->lo;
            if (i >= g->hi) break;
            if (fold_block(th, &g->blocks[i]) != 0) {
                th->failed = 1;
                break;
            }
        }
    } else {
        uint32_t per = (g->n_accounts + g->nt - 1) / g->nt;
        uint32_t a0 = per * th->index, a1 = a0 + per > g->n_accounts ? g->n_accounts : a0 + per;
        if (a0 < a1 && (g->wmajor ? finalise_rows(th, a0, a1) : finalise(th, a0, a1)) != 0) th->failed = 1;
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

/* Before windows [wlo, whi) are finalised: overflow entries of those
 * windows are added to the rings (thread 0's), so the finalisation sees
 * them. An entry too big for a u32 ring counter takes the rings' counts
 * instead and stays in the overflow table for the final sweep. */
static int overflow_into_ring(engine *g)
{
    for (unsigned k = 0; k < g->nt; k++) {
        ovf_map *o = &g->th[k].ovf;
        if (!o->n) continue;
        for (size_t i = 0; i <= o->mask; i++) {
            ovf_ent *e = &o->slot[i];
            if (!e->used || e->window < g->wlo || e->window >= g->whi) continue;
            if (!e->v && !e->e) continue;
            size_t s = cell_of(g, e->account, e->window);
            uint64_t v = e->v, er = e->e;
            for (unsigned j = 0; j < g->nt; j++) {
                v += g->th[j].ve[s];
                er += g->th[j].ve[s + 1];
                g->th[j].ve[s] = g->th[j].ve[s + 1] = 0;
            }
            if (v <= UINT32_MAX) {
                g->th[0].ve[s] = (uint32_t)v;
                g->th[0].ve[s + 1] = (uint32_t)er;
                e->v = e->e = 0;
                if (er && g->wmajor && err_push(&g->th[0].errs, e->account, e->window) != 0) return -1;
                if (er) g->th[0].terr[e->account] = 1;
                if (e->window < g->th[0].tlo[e->account]) g->th[0].tlo[e->account] = e->window;
                if (e->window > g->th[0].thi[e->account]) g->th[0].thi[e->account] = e->window;
            } else {
                e->v = v;
                e->e = er;
            }
        }
    }
    return 0;
}

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

static int ev4_cmp(const void *pa, const void *pb)
{
    const ev4 *a = pa, *b = pb;
    if (a->account != b->account) return a->account < b->account ? -1 : 1;
    return (a->window > b->window) - (a->window < b->window);
}

/* Attaches the windows with E > 0 to their periods, in (account, window)
 * order; duplicates of one window (defensive: none are expected) are
 * summed first. */
static slagg_status attach_windows(engine *g, ev4 *all, size_t n, slagg_fleet *f, slagg_err *err)
{
    qsort(all, n, sizeof *all, ev4_cmp);
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
static slagg_status shard_coverage(engine *g, int64_t min_ts, int64_t max_ts, slagg_fleet *f, slagg_err *err)
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
        st = slagg_fold_build_coverage(f, g->o, &g->th[0].cov, 1, min_ts, max_ts, names, lens, k, err);
    slagg_free(names);
    slagg_free(lens);
    return st;
}

slagg_status slagg_fold_shards(const slagg_tables *t, const char *const *inputs, size_t n_inputs,
                               const slagg_fold_opts *o, slagg_fleet *f, int *used, slagg_err *err)
{
    engine g;
    slagg_dict *accounts = NULL;
    slagg_maint_index *maint = NULL;
    slagg_shard_pool *pool = NULL;
    slagg_status st = SLAGG_OK;
    ev4 *all = NULL;
    *used = 0;
    memset(&g, 0, sizeof g);
    if (o->engine_generic) return SLAGG_OK;
    if (n_inputs == 0) return SLAGG_OK;
    for (size_t i = 0; i < n_inputs; i++)
        if (!slagg_is_shard(inputs[i])) return SLAGG_OK;

    memset(f, 0, sizeof *f);
    f->tz_s = o->tz_s;
    g.o = o;
    g.tz_ms = (int64_t)o->tz_s * 1000;
    g.spill_limit = RING_RECORD_LIMIT;
    if (o->spill_limit) g.spill_limit = o->spill_limit;
    if ((st = slagg_kernel_pick(o->isa, &g.kernel, err)) != SLAGG_OK) return st;
    if ((st = slagg_fold_prepare(t, &accounts, &maint, err)) != SLAGG_OK) return st;
    g.maint = maint;
    g.n_accounts = slagg_dict_count(accounts);
    g.shards = slagg_calloc(n_inputs, sizeof *g.shards);
    g.map = slagg_calloc(n_inputs, sizeof *g.map);
    if (!g.shards || !g.map) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    /* open every shard: footers only, through a pool that keeps at most
     * the file limit's share open (SPEC 6: any number of shards; a block
     * read reopens its file when the pool closed it) */
    int64_t min_ts = INT64_MAX, max_ts = INT64_MIN;
    size_t nb = 0;
    if ((st = slagg_shard_pool_new(slagg_input_fd_budget(), &pool, err)) != SLAGG_OK) goto done;
    for (size_t i = 0; i < n_inputs; i++) {
        if ((st = slagg_shard_open_pooled(inputs[i], pool, &g.shards[i], err)) != SLAGG_OK) goto done;
        nb += slagg_shard_block_count(g.shards[i]);
    }
    g.blocks = slagg_calloc(nb ? nb : 1, sizeof *g.blocks);
    if (!g.blocks) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_inputs; i++) {
        for (size_t b = 0; b < slagg_shard_block_count(g.shards[i]); b++) {
            const slagg_shard_block_info *bi = slagg_shard_block_at(g.shards[i], b);
            g.blocks[g.n_blocks++] = (blk_ref){bi->min_ts_ms, bi->max_ts_ms, (uint32_t)i, (uint32_t)b, bi->records};
            if (bi->min_ts_ms < min_ts) min_ts = bi->min_ts_ms;
            if (bi->max_ts_ms > max_ts) max_ts = bi->max_ts_ms;
        }
    }
    if (g.n_blocks == 0) goto done;  /* *used stays 0: the generic path handles it */
    g.through = o->has_through ? o->through : slagg_floordiv(max_ts + g.tz_ms, SLAGG_MS_PER_DAY);
    g.day0 = slagg_floordiv(min_ts + g.tz_ms, SLAGG_MS_PER_DAY);
    g.ndays = g.through - g.day0 + 1;
    if (g.ndays < 1) g.ndays = 1;
    /* the day -> period table must stay small; else the generic path */
    if ((uint64_t)g.n_accounts * (uint64_t)g.ndays > (64u << 20)) goto done;

    f->through = g.through;
    if ((st = slagg_fold_copy_accounts(accounts, f, err)) != SLAGG_OK) goto done;
    if ((st = slagg_fold_build_periods(t, accounts, f->through, f, err)) != SLAGG_OK) goto done;
    g.n_periods = f->n_periods;
    g.day_period = slagg_calloc_table((size_t)g.n_accounts * (size_t)g.ndays + 1, sizeof *g.day_period);
    if (!g.day_period) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    memset(g.day_period, 0xff, (size_t)g.n_accounts * (size_t)g.ndays * sizeof *g.day_period);
    for (size_t p = 0; p < f->n_periods; p++) {
        const slagg_period_agg *pa = &f->periods[p];
        for (int64_t d = pa->span.start; d <= pa->span.counted_end; d++)
            if (d >= g.day0 && d - g.day0 < g.ndays)
                g.day_period[(size_t)(d - g.day0) * g.n_accounts + pa->account] = (uint32_t)p;
    }
    for (size_t i = 0; i < n_inputs; i++) {
        uint32_t na = slagg_shard_account_count(g.shards[i]);
        g.map[i] = slagg_calloc(na ? na : 1, sizeof *g.map[i]);
        if (!g.map[i]) {
            st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
            goto done;
        }
        for (uint32_t a = 0; a < na; a++) {
            size_t len;
            const char *name = slagg_shard_account(g.shards[i], a, &len);
            g.map[i][a] = slagg_dict_find(accounts, name, len);
        }
    }
    for (int s = 0; s < 600; s++)
        for (int c = 0; c < SLAGG_CAUSE_COUNT; c++)
            g.ctab[s][c] = slagg_http_status_allowed(s) ? (uint8_t)slagg_class_of_pair(s, (slagg_cause)c) : 0;
    for (int c = 0; c < SLAGG_CLASS_COUNT; c++)
        g.cls_flags[c] =
            (uint8_t)(slagg_class_is_valid((slagg_class)c) | (slagg_class_is_error((slagg_class)c) << 1));
    qsort(g.blocks, g.n_blocks, sizeof *g.blocks, blk_cmp);

    g.nt = o->threads ? o->threads : 1;
    if (g.nt > g.n_blocks) g.nt = (unsigned)g.n_blocks;
    /* Ring size: the windows a typical block spans (its 90th percentile,
     * so one odd block does not size every ring), within the budget.
     * Records beyond the ring still fold exactly, through the overflow. */
    {
        int64_t *span = slagg_calloc(g.n_blocks, sizeof *span);
        if (!span) {
            st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < g.n_blocks; i++)
            span[i] = window_of(&g, g.blocks[i].max_ts) - window_of(&g, g.blocks[i].min_ts) + 1;
        qsort(span, g.n_blocks, sizeof *span, i64_cmp);
        int64_t span90 = span[(g.n_blocks - 1) * 9 / 10];
        int64_t want = 2 * span90 + 2;
        slagg_free(span);
        /* tests and benchmarks force a layout (the job's option) */
        g.wmajor = o->ring_layout ? o->ring_layout == 1 : span90 <= WMAJOR_SPAN;
        g.no_flat = o->no_flat;
        g.stride = g.wmajor ? 2 * ((size_t)g.n_accounts + 1) : 2;
        uint64_t cap = RING_BUDGET / ((uint64_t)g.n_accounts * 8u * g.nt + 1);
        g.ring = g.wmajor ? RING_MIN_W : RING_MIN;
        while (g.ring < RING_MAX && g.ring < want && (uint64_t)g.ring * 2 <= cap) g.ring *= 2;
        while (g.ring > RING_FLOOR && g.ring > cap) g.ring /= 2;   /* many accounts: the budget wins */
        g.ring_mask = g.ring - 1;
    }
    g.th = slagg_calloc(g.nt, sizeof *g.th);
    if (!g.th) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    for (unsigned i = 0; i < g.nt; i++) {
        thr *th = &g.th[i];
        th->g = &g;
        th->index = i;
        th->ve = slagg_calloc_table(RING_U32S(&g), sizeof *th->ve);
        th->ptot = slagg_calloc_table((g.n_periods + 1) * SLAGG_CLASS_COUNT, sizeof *th->ptot);
        th->tlo = slagg_malloc(((size_t)g.n_accounts + 1) * sizeof *th->tlo);
        th->thi = slagg_malloc(((size_t)g.n_accounts + 1) * sizeof *th->thi);
        th->terr = slagg_calloc((size_t)g.n_accounts + 1, 1);
        if (!th->tlo || !th->thi || !th->terr) {
            st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
            goto done;
        }
        for (uint32_t a = 0; a < g.n_accounts; a++) {
            th->tlo[a] = INT64_MAX;
            th->thi[a] = INT64_MIN;
        }
        if (!th->ve || !th->ptot || ovf_init(&th->ovf) != 0 || slagg_cov_map_init(&th->cov) != 0 ||
            grow_scratch(th, SLAGG_SHARD_CHUNK) != 0 || !(th->cur = slagg_calloc(1, sizeof *th->cur)) ||
            !(th->code_cls = slagg_calloc(SLAGG_SHARD_PAIRS_MAX, 1))) {
            st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
            goto done;
        }
    }

    /* epochs: blocks starting in the first half of the ring, then every
     * window before the next block's first window is final */
    g.base = window_of(&g, g.blocks[0].min_ts);
    size_t next = 0;
    uint64_t progress = 0, done_bytes = 0, total_bytes = 0;
    for (size_t i = 0; i < g.n_blocks; i++)
        total_bytes += slagg_shard_block_at(g.shards[g.blocks[i].shard], g.blocks[i].block)->comp_size;
    while (next < g.n_blocks) {
        size_t end = next;
        uint64_t recs = 0;
        while (end < g.n_blocks &&
               (end == next || (window_of(&g, g.blocks[end].min_ts) < g.base + g.ring / 2 &&
                                recs + g.blocks[end].records < (1ULL << 31)))) {
            recs += g.blocks[end].records;
            end++;
        }
        /* a whole number of blocks per thread, so no thread waits at the
         * epoch's end for a last odd block (the rest goes to the next) */
        if (end < g.n_blocks && end - next > g.nt) {
            size_t keep = (end - next) / g.nt * g.nt;
            for (; end > next + keep; end--) recs -= g.blocks[end - 1].records;
        }
        g.phase = 0;
        g.lo = next;
        g.hi = end;
        if ((st = run_step(&g, err)) != SLAGG_OK) goto done;
        next = end;
        progress += recs;
        for (size_t i = g.lo; i < g.hi; i++)
            done_bytes += slagg_shard_block_at(g.shards[g.blocks[i].shard], g.blocks[i].block)->comp_size;
        if (o->progress) o->progress(o->progress_ctx, progress, done_bytes, total_bytes);
        int64_t limit = next < g.n_blocks ? window_of(&g, g.blocks[next].min_ts) : INT64_MAX;
        int64_t whi = limit < g.base + g.ring ? limit : g.base + g.ring;
        if (whi > g.base) {
            g.wlo = g.base;
            g.whi = whi;
            if (overflow_into_ring(&g) != 0) {
                st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
                goto done;
            }
            g.phase = 1;
            if ((st = run_step(&g, err)) != SLAGG_OK) goto done;
            errs_compact(&g);
            if (whi == g.base + g.ring)  /* the whole ring is empty again */
                for (unsigned k = 0; k < g.nt; k++) g.th[k].since_spill = 0;
            g.base = whi;
        }
        /* the next block starts beyond the ring, so the ring was finalised
         * whole: jump to it (windows in between hold no ring record) */
        if (next < g.n_blocks && limit > g.base) g.base = limit;
    }
    /* the rest of the ring */
    g.wlo = g.base;
    g.whi = g.base + g.ring;
    if (overflow_into_ring(&g) != 0) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    g.phase = 1;
    if ((st = run_step(&g, err)) != SLAGG_OK) goto done;
    errs_compact(&g);

    /* gather: finalised windows, then what is left in the overflow tables
     * (windows beyond the last ring position, and oversized counts) */
    size_t n_all = 0;
    for (unsigned k = 0; k < g.nt; k++) n_all += g.th[k].out.n + g.th[k].ovf.n;
    all = slagg_calloc(n_all ? n_all : 1, sizeof *all);
    if (!all) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    size_t m = 0;
    for (unsigned k = 0; k < g.nt; k++) {
        memcpy(all + m, g.th[k].out.v, g.th[k].out.n * sizeof *all);
        m += g.th[k].out.n;
        /* what is left in the overflow tables: windows beyond the last ring
         * position, and counts too big for the rings; one window may sit in
         * several threads' tables, attach_windows sums them */
        const ovf_map *om = &g.th[k].ovf;
        for (size_t i = 0; om->n && i <= om->mask; i++) {
            const ovf_ent *e = &om->slot[i];
            if (e->used && (e->v || e->e)) all[m++] = (ev4){e->account, e->window, e->e, e->v};
        }
    }
    if ((st = attach_windows(&g, all, m, f, err)) != SLAGG_OK) goto done;

    for (unsigned k = 0; k < g.nt; k++) {
        f->records_read += g.th[k].records;
        f->uncontracted += g.th[k].uncontracted;
        f->after_through += g.th[k].after_through;
        for (size_t p = 0; p < g.n_periods; p++)
            for (int c = 0; c < SLAGG_CLASS_COUNT; c++)
                f->periods[p].cls[c] += g.th[k].ptot[p * SLAGG_CLASS_COUNT + c];
    }
    if ((st = slagg_fold_copy_late_maint(t, f, err)) != SLAGG_OK) goto done;
    if ((st = shard_coverage(&g, min_ts, max_ts, f, err)) != SLAGG_OK) goto done;
    *used = 1;

done:
    slagg_free(all);
    if (g.th) {
        for (unsigned i = 0; i < g.nt; i++) {
            thr *th = &g.th[i];
            slagg_free_table(th->ve, RING_U32S(&g), sizeof *th->ve);
            slagg_free_table(th->ptot, (g.n_periods + 1) * SLAGG_CLASS_COUNT, sizeof *th->ptot);
            slagg_free(th->tlo);
            slagg_free(th->thi);
            slagg_free(th->terr);
            ovf_free(&th->ovf);
            slagg_shard_cursor_free(th->cur);
            slagg_free(th->cur);
            slagg_free(th->code_cls);
            slagg_free(th->rel);
            slagg_free(th->flags);
            slagg_free(th->run_off);
            slagg_free(th->run_acc);
            slagg_free(th->run_p);
            slagg_free(th->ridx);
            slagg_free(th->run_nok);
            slagg_free(th->err_acc);
            slagg_free(th->err_win);
            slagg_free(th->out.v);
            slagg_free(th->errs.v);
            slagg_cov_map_free(&th->cov);
            slagg_free(th->unc.slot);
        }
        slagg_free(g.th);
    }
    if (g.shards)
        for (size_t i = 0; i < n_inputs; i++)
            if (g.shards[i]) slagg_shard_close(g.shards[i]);
    slagg_shard_pool_free(pool);
    if (g.map)
        for (size_t i = 0; i < n_inputs; i++) slagg_free(g.map[i]);
    slagg_free(g.shards);
    slagg_free(g.map);
    slagg_free(g.blocks);
    slagg_free_table(g.day_period, (size_t)g.n_accounts * (size_t)g.ndays + 1, sizeof *g.day_period);
    slagg_maint_free(maint);
    slagg_dict_free(accounts);
    if (st != SLAGG_OK || !*used) slagg_fleet_free(f);
    return st;
}

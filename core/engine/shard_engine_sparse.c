/*
 * shard_engine_sparse.c - the sparse fold of 2.0 shards
 * (core/engine/shard_engine.h; docs/DESIGN.md "The sparse fold"): a fold
 * that reads only each block's head (docs/FORMAT.md "Request-record
 * shards, version 2.0") and never a record's code or time.
 *
 * What the availability needs is per period the class totals, and per
 * (account, window) with E > 0 its E and V. A 2.0 head gives both
 * without the records:
 *   - a run's records of class OK are its length less its exceptions (the
 *     non-OK records), so a period's totals are sums over runs plus the
 *     exceptions' own classes (with the maintenance rule, from their exact
 *     instants);
 *   - an exception's (run, window) group carries seg, that run's records
 *     in that window in this block, so the group's V is seg less its
 *     records that are not valid (all of which are exceptions).
 * Pass 1 (every block's head, threads taking blocks from a counter) sums
 * the groups per (account, window) into each thread's table: V of the
 * groups, E. A window that lies in one block only (cover 1: block ranges
 * from the shards' indexes) is then complete. Records of a window shared
 * by several blocks (the edges of time-ordered blocks, or overlapping
 * blocks) may sit in a block where that account had no exception there:
 * pass 2 reads the heads of the blocks covering the windows of such cells
 * again and adds those records, all OK and so all valid, from the run's
 * edge counts (c_first, c_last), or, for a window inside a block that
 * another block also covers (out-of-order inputs only), from the block's
 * times.
 *
 * A block spanning two service days has its per-run totals split by day:
 * its times are read (the cursor) for its OK records; its exceptions are
 * classed as everywhere else. The engine takes this path only when every
 * input is a 2.0 shard, for a plain fold (a partial needs every window's
 * V: docs/DISTRIBUTED.md) and a --tz whose offset is a whole number of
 * windows (else UTC windows are not service windows).
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/radix.h"
#include "core/engine/fold_shards.h"
#include "core/engine/shard_engine.h"

#define W_MS SLAGG_SHARD_WINDOW_MS

int slagg_shards_sparse_usable(const engine *g)
{
    if ((g->sink && !g->sink->exchange) || g->o->no_sparse || g->tz_ms % W_MS != 0) return 0;
    for (size_t i = 0; i < g->n_inputs; i++)
        if (slagg_shard_version_major(g->shards[i]) < 2) return 0;
    return 1;
}

/* The class of exception k of head h, in account a (NONE32: uncontracted). */
static unsigned exc_class(const thr *th, const slagg_shard_head *h, uint32_t k, uint32_t a)
{
    const engine *g = th->g;
    unsigned code = h->exc_code[k];
    unsigned c = th->code_cls[code];
    if (c == SLAGG_CLASS_BY_MAINT) {
        int64_t ts = (h->w0 + (int64_t)h->exc_win[k]) * W_MS + h->exc_ms[k];
        c = slagg_classify(h->pair_status[code], (slagg_cause)h->pair_cause[code],
                           a != NONE32 && slagg_maint_contains(g->maint, a, ts));
    }
    return c;
}

/* Where a record of account a (NONE32: not contracted) on service day
 * `day` goes: -1 before_from, -2 after_through, -3 uncontracted (all
 * counted here), else its period. */
static int64_t gate(thr *th, uint32_t a, int64_t day, uint32_t local, uint64_t n)
{
    engine *g = th->g;
    if (g->o->has_from && day < g->o->from) {
        th->before_from += n;
        return -1;
    }
    if (day > g->through) {
        th->after_through += n;
        return -2;
    }
    uint32_t p = period_of(g, a, day);
    if (p == NONE32) {
        th->uncontracted += n;
        if (slagg_shards_unc_add(&th->unc, (uint64_t)th->shard << 32 | local) != 0) return -4;
        return -3;
    }
    return p;
}

/* An exception group of pass 1: run `run`'s records in window offset
 * `win` of the block, cell (account, window), its V and E so far. */
typedef struct sp_group {
    uint32_t run, win, account;
    int64_t window;
    uint64_t v, e;
} sp_group;

/* The group into the thread's table, unless there is none (run NONE32)
 * or it cannot matter: without an error, in a window this block alone
 * covers (g->sp_cover), it is its cell's whole count. 0, or -1 when out
 * of memory. */
static int group_put(thr *th, const sp_group *x)
{
    const engine *g = th->g;
    if (x->run == NONE32) return 0;
    int64_t ci = x->window - g->sp_cover_lo;
    if (!x->e && g->sp_cover && ci >= 0 && ci < g->sp_cover_span && g->sp_cover[ci] == 1) return 0;
    ovf_ent *cell = slagg_shards_ovf_get(&th->ovf, x->account, x->window);
    if (!cell) return -1;
    cell->v += x->v;
    cell->e += x->e;
    return 0;
}

/* The windows of head h's cover bitmap into th's coverage: every record
 * of the block is counted (in a period or uncontracted). */
static void mark_cover(thr *th, const slagg_shard_head *h)
{
    const int64_t tz_w = th->g->tz_ms / W_MS;
    for (uint32_t i = 0; i < h->nw; i++)
        if (h->cover[i >> 3] & (1u << (i & 7))) slagg_cov_mark(&th->cov, h->w0 + i + tz_w);
}

/* A block spanning two or more service days: its times (frame 2 alone)
 * give each run's records per day; a (run, day) segment's OK records are
 * its length less its exceptions, as for a whole one-day run. The gates of
 * every segment, and the coverage of every record counted. */
static int split_block_ok(thr *th, const blk_ref *br)
{
    engine *g = th->g;
    slagg_shard_head *h = th->head;
    if (slagg_shard_head_times(g->shards[br->shard], br->block, h, &th->err) != SLAGG_OK) return -1;
    const uint32_t *map = g->map[br->shard];
    /* every day of the block inside [--from, --through]: every record is
     * counted (in a period or uncontracted), so its windows are the
     * cover's, as for a one-day block; else record by record */
    const int64_t day_lo = slagg_floordiv(h->min_ts_ms + g->tz_ms, SLAGG_MS_PER_DAY);
    const int64_t day_hi = slagg_floordiv(h->max_ts_ms + g->tz_ms, SLAGG_MS_PER_DAY);
    const int all_in = (!g->o->has_from || day_lo >= g->o->from) && day_hi <= g->through;
    if (all_in) mark_cover(th, h);
    uint32_t e = 0;   /* the next exception */
    for (uint32_t r = 0, j = 0; r < h->n_runs; r++) {
        uint32_t a = map[h->run_account[r]], end = j + h->run_len[r];
        while (j < end) {
            int64_t day = slagg_floordiv(h->ts[j] + g->tz_ms, SLAGG_MS_PER_DAY);
            const int64_t day_end = (day + 1) * SLAGG_MS_PER_DAY - g->tz_ms;
            /* the run's first record at or after day_end: times are sorted within a run */
            uint32_t lo = j + 1, hi = end;
            while (lo < hi) {
                uint32_t mid = lo + (hi - lo) / 2;
                if (h->ts[mid] < day_end) lo = mid + 1;
                else hi = mid;
            }
            const uint32_t m = lo;
            uint32_t nok = 0;
            while (e < h->n_exc && h->exc_index[e] < m) nok += h->exc_index[e++] >= j;
            int64_t p = gate(th, a, day, h->run_account[r], m - j);
            if (p == -4) goto nomem;
            if (!all_in && p != -1 && p != -2)
                for (uint32_t k = j; k < m; k++) slagg_cov_mark(&th->cov, window_of(g, h->ts[k]));
            if (p >= 0) th->ptot[(size_t)p * SLAGG_CLASS_COUNT + SLAGG_CLASS_OK] += m - j - nok;
            j = m;
        }
    }
    return 0;
nomem:
    slagg_err_set(&th->err, SLAGG_E_NOMEM, "out of memory");
    return -1;
}

void slagg_shards_sparse_flush(thr *th)
{
    const engine *g = th->g;
    if (!th->sp_acc) return;
    for (uint32_t a = 0; a < g->n_accounts; a++) {
        struct sp_acc *e = &th->sp_acc[a];
        if (e->ok) th->ptot[(size_t)e->p * SLAGG_CLASS_COUNT + SLAGG_CLASS_OK] += e->ok;
        e->ok = 0;
    }
}

/* Makes th's per-account counts those of service day `day` (a day of the
 * day table, not gated): the previous day's go into ptot first. */
static int sp_day_load(thr *th, int64_t day)
{
    const engine *g = th->g;
    if (!th->sp_acc && !(th->sp_acc = slagg_calloc((size_t)g->n_accounts + 1, sizeof *th->sp_acc))) return -1;
    slagg_shards_sparse_flush(th);
    for (uint32_t a = 0; a < g->n_accounts; a++) th->sp_acc[a].p = period_of(g, a, day);
    th->sp_acc[g->n_accounts].p = NONE32;   /* accounts without a contract */
    th->sp_day = day;
    return 0;
}

/* Pass 1 of one block (see the top). */
static int sparse_pass1(thr *th, const blk_ref *br)
{
    engine *g = th->g;
    slagg_shard_head *h = th->head;
    h->no_edges = 1;   /* pass 1 does not read the edge counts (io/shard.h) */
    if (slagg_shard_head_read(g->shards[br->shard], br->block, h, &th->err) != SLAGG_OK) return -1;
    const uint32_t *map = g->map[br->shard];
    const int64_t tz_w = g->tz_ms / W_MS;
    th->shard = br->shard;
    th->records += h->records;
    for (uint32_t k = 0; k < h->n_pairs; k++) th->code_cls[k] = g->ctab[h->pair_status[k]][h->pair_cause[k]];
    const int64_t day_lo = slagg_floordiv(h->min_ts_ms + g->tz_ms, SLAGG_MS_PER_DAY);
    const int one_day = slagg_floordiv(h->max_ts_ms + g->tz_ms, SLAGG_MS_PER_DAY) == day_lo;
    /* one-day blocks: every run's records are first counted OK in its
     * account's period (or uncontracted); each exception below then moves
     * one record from OK to its class (ptot is unsigned: a thread's OK may
     * wrap below zero until the sums, which are exact). No per-run array
     * is written: at 100 k accounts a block's runs are 400 KB a column. */
    int counted = one_day;
    if (one_day) {
        if (g->o->has_from && day_lo < g->o->from) {   /* the gates of a whole block */
            th->before_from += h->records;
            counted = 0;
        } else if (day_lo > g->through) {
            th->after_through += h->records;
            counted = 0;
        }
        if (counted && (day_lo != th->sp_day || !th->sp_acc) && sp_day_load(th, day_lo) != 0) goto nomem;
        for (uint32_t r = 0; counted && r < h->n_runs; r++) {
            uint32_t a = map[h->run_account[r]];
            struct sp_acc *e = &th->sp_acc[a != NONE32 ? a : g->n_accounts];
            if (e->p == NONE32) {
                th->uncontracted += h->run_len[r];
                if (slagg_shards_unc_add(&th->unc, (uint64_t)th->shard << 32 | h->run_account[r]) != 0) goto nomem;
                continue;
            }
            uint32_t ok = h->run_len[r];
            if (e->ok > UINT32_MAX - ok) {   /* a u32 cannot hold it: into ptot now */
                th->ptot[(size_t)e->p * SLAGG_CLASS_COUNT + SLAGG_CLASS_OK] += e->ok;
                e->ok = 0;
            }
            e->ok += ok;
        }
        if (counted) mark_cover(th, h);
    } else if (split_block_ok(th, br) != 0) {
        return -1;
    }
    /* the exceptions: classes, and their (run, window) groups' V and E.
     * A group is its cell's whole count in this block; where this block
     * alone covers the window (g->sp_cover), it is the cell, which
     * matters only with an error: those without are not kept (at the
     * standard fleet 4 of 5 groups, whose table entries had been most of
     * pass 1's cache misses and of the gather's work). */
    sp_group grp = {NONE32, 0, 0, 0, 0, 0};
    for (uint32_t k = 0; k < h->n_exc; k++) {
        uint32_t r = h->exc_run[k], a = map[h->run_account[r]];
        uint32_t p;
        if (one_day) {
            p = counted ? th->sp_acc[a != NONE32 ? a : g->n_accounts].p : NONE32;
        } else {
            int64_t ts = (h->w0 + (int64_t)h->exc_win[k]) * W_MS + h->exc_ms[k];
            int64_t day = slagg_floordiv(ts + g->tz_ms, SLAGG_MS_PER_DAY);
            p = (g->o->has_from && day < g->o->from) || day > g->through ? NONE32 : period_of(g, a, day);
        }
        if (p == NONE32) continue;   /* counted by its gate */
        unsigned c = exc_class(th, h, k, a);
        th->ptot[(size_t)p * SLAGG_CLASS_COUNT + c]++;
        if (one_day) th->ptot[(size_t)p * SLAGG_CLASS_COUNT + SLAGG_CLASS_OK]--;   /* its run counted it OK */
        if (r != grp.run || h->exc_win[k] != grp.win) {   /* a new group: its V is seg, less the invalid below */
            if (group_put(th, &grp) != 0) goto nomem;
            grp = (sp_group){r, h->exc_win[k], a, h->w0 + h->exc_win[k] + tz_w, h->exc_seg[k], 0};
        }
        uint8_t fl = g->cls_flags[c];
        grp.v -= !(fl & 1);
        grp.e += fl >> 1;
    }
    if (group_put(th, &grp) != 0) goto nomem;
    return 0;
nomem:
    slagg_err_set(&th->err, SLAGG_E_NOMEM, "out of memory");
    return -1;
}

/* Records [off, off + len) of the block (one run, its times sorted: h->ts
 * from slagg_shard_head_times) in window offset wo: two binary searches.
 * The rare case of a window inside a block that another block also
 * covers (out-of-order inputs); the block's times are read once for all
 * its cells, not once a cell (which made a fold of unsorted text logs
 * quadratic in the records a block). */
static uint32_t count_in_window(const slagg_shard_head *h, uint32_t off, uint32_t len, uint32_t wo)
{
    const int64_t t0 = (h->w0 + (int64_t)wo) * W_MS, t1 = t0 + W_MS;
    const int64_t *ts = h->ts + off;
    uint32_t a = 0, b = len;
    while (a < b) {
        uint32_t m = a + (b - a) / 2;
        if (ts[m] < t0) a = m + 1;
        else b = m;
    }
    uint32_t lo = a;
    b = len;
    while (a < b) {
        uint32_t m = a + (b - a) / 2;
        if (ts[m] < t1) a = m + 1;
        else b = m;
    }
    return a - lo;
}

/* Pass 2 of one block: for the cells of windows shared by several blocks
 * (g->sp_cells, sorted by (window, account)), the records of this block
 * that pass 1 did not see. */
static int sparse_pass2(thr *th, const blk_ref *br)
{
    engine *g = th->g;
    const int64_t tz_w = g->tz_ms / W_MS;
    const int64_t bw0 = window_of(g, br->min_ts), bw1 = window_of(g, br->max_ts);
    /* the first shared cell at or after the block's first window */
    size_t lo = 0, hi = g->sp_n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g->sp_cells[mid].window < bw0) lo = mid + 1;
        else hi = mid;
    }
    if (lo == g->sp_n || g->sp_cells[lo].window > bw1) return 0;   /* nothing to add: not even read */
    slagg_shard_head *h = th->head;
    h->no_edges = 0;   /* pass 2 reads the edge counts (and checks the exceptions against them) */
    if (slagg_shard_head_read(g->shards[br->shard], br->block, h, &th->err) != SLAGG_OK) return -1;
    const uint32_t *rev = g->rev[br->shard];
    /* the runs' first records */
    if (h->n_runs + 1 > th->scratch_cap && slagg_shards_grow_scratch(th, h->n_runs + 1) != 0) goto nomem;
    uint32_t *off = th->run_off;
    off[0] = 0;
    for (uint32_t r = 0; r < h->n_runs; r++) off[r + 1] = off[r] + h->run_len[r];
    int have_ts = 0;   /* h->ts read (once, for the first cell that needs it) */
    for (size_t i = lo; i < g->sp_n && g->sp_cells[i].window <= bw1; i++) {
        sp_cell *c = &g->sp_cells[i];
        uint32_t local = rev[c->account];
        if (local == NONE32) continue;
        /* its run: runs are sorted by shard-local id */
        uint32_t a = 0, b = h->n_runs;
        while (a < b) {
            uint32_t m = (a + b) / 2;
            if (h->run_account[m] < local) a = m + 1;
            else b = m;
        }
        if (a == h->n_runs || h->run_account[a] != local) continue;
        uint32_t wo = (uint32_t)(c->window - tz_w - h->w0);
        /* an exception of the run in this window: pass 1 counted the group */
        uint32_t e0 = 0, e1 = h->n_exc;
        while (e0 < e1) {
            uint32_t m = (e0 + e1) / 2;
            if (h->exc_index[m] < off[a]) e0 = m + 1;
            else e1 = m;
        }
        int seen = 0;
        for (uint32_t k = e0; k < h->n_exc && h->exc_run[k] == a && !seen; k++) seen = h->exc_win[k] == wo;
        if (seen) continue;
        int64_t n;
        if (wo == 0) n = h->run_first[a];
        else if (wo == h->nw - 1) n = h->run_last[a];
        else {
            if (!have_ts && slagg_shard_head_times(g->shards[br->shard], br->block, h, &th->err) != SLAGG_OK)
                return -1;
            have_ts = 1;
            n = count_in_window(h, off[a], h->run_len[a], wo);
        }
        atomic_fetch_add_explicit(&c->v, (uint64_t)n, memory_order_relaxed);
    }
    return 0;
nomem:
    slagg_err_set(&th->err, SLAGG_E_NOMEM, "out of memory");
    return -1;
}

int slagg_shards_sparse_block(thr *th, const blk_ref *br, int pass)
{
    if (!th->head && !(th->head = slagg_calloc(1, sizeof *th->head))) {
        slagg_err_set(&th->err, SLAGG_E_NOMEM, "out of memory");
        return -1;
    }
    return pass == 0 ? sparse_pass1(th, br) : sparse_pass2(th, br);
}

/* (a, w)'s V and E summed over every thread's table. */
static void cell_sum(const engine *g, uint32_t a, int64_t w, uint64_t *v, uint64_t *e)
{
    *v = *e = 0;
    for (unsigned t = 0; t < g->nt; t++) {
        const ovf_ent *x = slagg_shards_ovf_find(&g->th[t].ovf, a, w);
        if (x) {
            *v += x->v;
            *e += x->e;
        }
    }
}

/* The cells with an error (E > 0 in some thread's table), each summed
 * over the threads, into g->sp_cells sorted by (window, account) (*n of
 * them); the tables stay, for slagg_shards_sparse_exchange's lookups. Only
 * the error cells are sorted: the tables also hold every cell where a
 * record was invalid or excluded, several times as many, which a sort
 * of them all made 0.15 s of the main thread's time at the standard
 * fleet. A radix sort on a key of (window - the lowest, account). */
static slagg_status gather_cells(engine *g, size_t *n_out, slagg_err *err)
{
    *n_out = 0;
    size_t n = 0, cap = 0;
    int64_t wmin = INT64_MAX;
    sp_cell *cells = NULL;
    /* an error cell is taken from the first thread whose table has it with E > 0 */
    for (unsigned t = 0; t < g->nt; t++) {
        const ovf_map *om = &g->th[t].ovf;
        for (size_t i = 0; om->n && i <= om->mask; i++) {
            const ovf_ent *x = &om->slot[i];
            if (!x->used || !x->e) continue;
            int earlier = 0;
            for (unsigned u = 0; u < t && !earlier; u++) {
                const ovf_ent *y = slagg_shards_ovf_find(&g->th[u].ovf, x->account, x->window);
                earlier = y && y->e;
            }
            if (earlier) continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 4096;
                sp_cell *nc = slagg_reallocarray(cells, cap, sizeof *nc);
                if (!nc) {
                    slagg_free(cells);
                    return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
                }
                cells = nc;
            }
            uint64_t v, e;
            cell_sum(g, x->account, x->window, &v, &e);
            cells[n].account = x->account;
            cells[n].window = x->window;
            atomic_init(&cells[n].v, v);
            cells[n].e = e;
            if (x->window < wmin) wmin = x->window;
            n++;
        }
    }
    if (n > UINT32_MAX) {
        slagg_free(cells);
        return slagg_err_set(err, SLAGG_E_NOMEM, "too many error cells (%zu) for one fold", n);
    }
    uint64_t *k = slagg_malloc((n ? n : 1) * sizeof *k), *tk = slagg_malloc((n ? n : 1) * sizeof *tk);
    uint32_t *p = slagg_malloc((n ? n : 1) * sizeof *p), *tp = slagg_malloc((n ? n : 1) * sizeof *tp);
    sp_cell *sorted = slagg_calloc(n ? n : 1, sizeof *sorted);
    slagg_status st = SLAGG_OK;
    if (!k || !tk || !p || !tp || !sorted) {
        slagg_free(sorted);
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    } else {
        for (size_t i = 0; i < n; i++) {
            k[i] = (uint64_t)(cells[i].window - wmin) << 32 | cells[i].account;
            p[i] = (uint32_t)i;
        }
        slagg_radix_sort(&k, &p, &tk, &tp, (uint32_t)n);
        for (size_t i = 0; i < n; i++) {
            const sp_cell *c = &cells[p[i]];
            sorted[i].account = c->account;
            sorted[i].window = c->window;
            atomic_init(&sorted[i].v, atomic_load(&c->v));
            sorted[i].e = c->e;
        }
        g->sp_cells = sorted;
        *n_out = n;
    }
    slagg_free(cells);
    slagg_free(k);
    slagg_free(tk);
    slagg_free(p);
    slagg_free(tp);
    return st;
}

/* Once the cells are gathered (and looked up): the tables go, so nothing
 * in them is attached twice (slagg_shards_finish reads what is left). */
static void drop_tables(engine *g)
{
    for (unsigned t = 0; t < g->nt; t++) slagg_shards_ovf_drop(&g->th[t].ovf);
}

/* How many blocks cover each window of the day table ([*wlo, *wlo +
 * *span)); NULL when out of memory. */
static uint32_t *block_cover(const engine *g, int64_t *wlo_out, int64_t *span_out)
{
    int64_t wlo = g->day0 * SLAGG_WINDOWS_PER_DAY, span = g->ndays * SLAGG_WINDOWS_PER_DAY;
    uint32_t *cover = slagg_calloc((size_t)span + 1, sizeof *cover);
    if (!cover) return NULL;
    for (size_t i = 0; i < g->n_blocks; i++) {
        int64_t a = window_of(g, g->blocks[i].min_ts) - wlo, b = window_of(g, g->blocks[i].max_ts) - wlo + 1;
        if (a < 0) a = 0;
        if (b > span) b = span;
        if (a < b) {
            cover[a]++;
            cover[b]--;
        }
    }
    for (int64_t w = 1; w <= span; w++) cover[w] += cover[w - 1];
    *wlo_out = wlo;
    *span_out = span;
    return cover;
}

slagg_status slagg_shards_sparse_cover(engine *g, slagg_err *err)
{
    if (!(g->sp_cover = block_cover(g, &g->sp_cover_lo, &g->sp_cover_span)))
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    return SLAGG_OK;
}

slagg_status slagg_shards_cover_exchange(engine *g, int sparse, slagg_err *err)
{
    const slagg_cell_exchange *x = g->sink ? g->sink->exchange : NULL;
    if (!x || !x->cover) return SLAGG_OK;
    int64_t wlo = 0, span = 0, slo = 0, sspan = 0;
    uint32_t *mine = NULL, *sum = NULL;
    if (sparse && !(mine = block_cover(g, &wlo, &span)))
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    slagg_status st = x->cover(x->ctx, mine, wlo, span, &sum, &slo, &sspan, err);
    slagg_free(mine);
    if (st != SLAGG_OK) {
        slagg_free(sum);
        return st;
    }
    if (sparse && sum) {
        g->sp_cover = sum;
        g->sp_cover_lo = slo;
        g->sp_cover_span = sspan;
    } else {
        slagg_free(sum);
    }
    return SLAGG_OK;
}

slagg_status slagg_shards_sparse_cells(engine *g, slagg_err *err)
{
    size_t k;
    slagg_status gst = gather_cells(g, &k, err);
    drop_tables(g);
    if (gst != SLAGG_OK) return gst;
    /* keep those with an error; the complete ones (their window in one
     * block) go to the output now, the shared ones wait for pass 2 */
    const uint32_t *cover = g->sp_cover;
    const int64_t wlo = g->sp_cover_lo;
    ev_vec *out = &g->th[0].out;
    size_t shared = 0;
    slagg_status st = SLAGG_OK;
    for (size_t i = 0; i < k && st == SLAGG_OK; i++) {
        sp_cell *c = &g->sp_cells[i];
        if (c->e == 0) continue;
        if (cover[c->window - wlo] > 1) {
            g->sp_cells[shared].account = c->account;
            g->sp_cells[shared].window = c->window;
            atomic_store(&g->sp_cells[shared].v, atomic_load(&c->v));
            g->sp_cells[shared].e = c->e;
            shared++;
        } else if (slagg_shards_ev_push(out, c->account, c->window, c->e, atomic_load(&c->v)) != 0) {
            st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        }
    }
    g->sp_n = shared;
    return st;
}

slagg_status slagg_shards_sparse_exchange(engine *g, slagg_err *err)
{
    size_t ne, na = 0;
    slagg_status st = gather_cells(g, &ne, err);
    if (st != SLAGG_OK) {
        drop_tables(g);
        return st;
    }
    /* phase 1: this process's error cells out, every process's back */
    slagg_cell_key *mine = slagg_malloc((ne ? ne : 1) * sizeof *mine), *all = NULL;
    if (!mine) {
        drop_tables(g);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < ne; i++) mine[i] = (slagg_cell_key){g->sp_cells[i].window, g->sp_cells[i].account};
    const slagg_cell_exchange *x = g->sink->exchange;
    st = x->fn(x->ctx, mine, ne, &all, &na, err);
    slagg_free(mine);
    sp_cell *u = st == SLAGG_OK ? slagg_calloc(na ? na : 1, sizeof *u) : NULL;
    if (st == SLAGG_OK && !u) st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    /* the union, each cell starting from what pass 1 counted here (a cell
     * of this process without an error may be another's error window) */
    for (size_t i = 0; st == SLAGG_OK && i < na; i++) {
        if (all[i].account >= g->n_accounts || (i && !slagg_cell_key_less(all[i - 1].window, all[i - 1].account,
                                                                    all[i].window, all[i].account))) {
            st = slagg_err_set(err, SLAGG_E_INTERNAL, "the exchanged error cells are not sorted fleet cells");
            break;
        }
        uint64_t v, e;
        cell_sum(g, all[i].account, all[i].window, &v, &e);
        u[i].window = all[i].window;
        u[i].account = all[i].account;
        atomic_init(&u[i].v, v);
        u[i].e = e;
    }
    drop_tables(g);
    slagg_free(all);
    slagg_free(g->sp_cells);
    g->sp_cells = NULL;
    g->sp_n = 0;
    if (st != SLAGG_OK) {
        slagg_free(u);
        return st;
    }
    /* pass 2 only where it can add something: a cell in a window no block
     * of this process covers has nothing here (dropped), and one of this
     * process's own error cells in a window one of its blocks covers is
     * complete (that block's pass 1 counted it all); the rest wait */
    int64_t wlo, span;
    uint32_t *cover = block_cover(g, &wlo, &span);
    sp_cell *done = slagg_calloc(na ? na : 1, sizeof *done);
    if (!cover || !done) {
        slagg_free(cover);
        slagg_free(done);
        slagg_free(u);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    size_t nd = 0, np = 0;
    for (size_t i = 0; i < na; i++) {
        int64_t w = u[i].window - wlo;
        uint32_t cv = w >= 0 && w < span ? cover[w] : 0;
        if (cv == 0) continue;
        sp_cell *to = cv == 1 && u[i].e ? &done[nd++] : &u[np++];
        to->account = u[i].account;
        to->window = u[i].window;
        atomic_init(&to->v, atomic_load(&u[i].v));
        to->e = u[i].e;
    }
    slagg_free(cover);
    g->sp_cells = u;
    g->sp_n = np;
    g->sp_done = done;
    g->sp_done_n = nd;
    return SLAGG_OK;
}

slagg_status slagg_shards_sparse_emit(engine *g, slagg_err *err)
{
    enum { CHUNK = 1 << 16 };
    slagg_cell *c = slagg_malloc(CHUNK * sizeof *c);
    if (!c) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    slagg_status st = SLAGG_OK;
    size_t m = 0;
    /* the cells pass 2 completed and those complete before it, merged */
    for (size_t i = 0, j = 0; st == SLAGG_OK; ) {
        int more = i < g->sp_n || j < g->sp_done_n;
        if (m == CHUNK || (!more && m)) {
            st = g->sink->cells(g->sink->ctx, c, m, err);
            m = 0;
        }
        if (!more) break;
        const sp_cell *x;
        if (j == g->sp_done_n || (i < g->sp_n && slagg_cell_key_less(g->sp_cells[i].window, g->sp_cells[i].account,
                                                             g->sp_done[j].window, g->sp_done[j].account)))
            x = &g->sp_cells[i++];
        else
            x = &g->sp_done[j++];
        uint64_t v = atomic_load(&x->v);
        if (v || x->e) c[m++] = (slagg_cell){x->window, x->account, v, x->e};
    }
    slagg_free(c);
    return st;
}

slagg_status slagg_shards_sparse_finish(engine *g, slagg_err *err)
{
    for (size_t i = 0; i < g->sp_n; i++) {
        sp_cell *c = &g->sp_cells[i];
        if (slagg_shards_ev_push(&g->th[0].out, c->account, c->window, c->e, atomic_load(&c->v)) != 0)
            return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    return SLAGG_OK;
}

slagg_status slagg_shards_sparse_rev(engine *g, slagg_err *err)
{
    g->rev = slagg_calloc(g->n_inputs, sizeof *g->rev);
    if (!g->rev) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (size_t i = 0; i < g->n_inputs; i++) {
        if (!(g->rev[i] = slagg_malloc(((size_t)g->n_accounts + 1) * sizeof *g->rev[i])))
            return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        memset(g->rev[i], 0xff, ((size_t)g->n_accounts + 1) * sizeof *g->rev[i]);
        uint32_t na = slagg_shard_account_count(g->shards[i]);
        for (uint32_t a = 0; a < na; a++)
            if (g->map[i][a] != NONE32) g->rev[i][g->map[i][a]] = a;
    }
    return SLAGG_OK;
}

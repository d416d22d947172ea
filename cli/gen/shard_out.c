/*
 * shard_out.c - the bulk generator behind `slagg gen --shards`
 * (shard_out.h).
 *
 * The same fleet (fleet.c, hence the same tables) and the same number of
 * records on every service day as the text logs (text_writer.c), built for
 * speed and for threads; the records themselves differ from the text logs'.
 *
 *  - The month's records are numbered in time order (window win holds
 *    positions [wrec[win], wrec[win + 1]), the text logs' counts). File k
 *    holds the positions of windows [fw[k], fw[k + 1]): slices of about
 *    records / files records, in time order. Its records come from an RNG
 *    seeded by (seed, k) alone, and threads take whole files from an
 *    atomic counter, so the bytes do not depend on --threads.
 *  - A file is cut into chunks at the writer's block boundaries (every
 *    SHARD_BLOCK records) and at day boundaries: a chunk is (part of) one
 *    block, within one day. Its accounts are drawn by systematic sampling
 *    over the Zipf sizes of the accounts under contract that day (one
 *    random offset, then fixed steps): every account gets its share with
 *    little noise, a tail account appears with probability equal to its
 *    expected count, and the draws come out grouped by account. Each
 *    record of an account's group gets a random position in the chunk
 *    (uniform for a small group, as independent draws would clump; else
 *    stratified), hence its window (so windows get their counts up to
 *    sampling noise, days exactly) and a millisecond in it; the positions,
 *    and so the timestamps, come out sorted.
 *  - The accounts are walked in the order of the writer's dictionary ids
 *    (ids are given in order of first appearance: the accounts the file
 *    has seen, by id, then the others; each chunk's newcomers join the
 *    seen ones in the order they appeared). So a block arrives sorted by
 *    (account id, ts), and the writer skips its sort, and reads its
 *    dictionary in order; consecutive records of one account hit its
 *    last-account cache.
 *  - Events act as in the text logs (decide: the first event that applies
 *    decides, else the background), looked up per record only for the
 *    accounts an event of the chunk can touch; the forced records of
 *    account-scoped events join their account's group, in time order.
 *  - A record takes one 64-bit draw (40 bits position, 24 bits
 *    background; a table for the 99.85 % common case), one more when an
 *    event applies. Nothing is kept per record: the writer's block is the
 *    only per-record memory; the rest is O(accounts) per thread.
 */
#include "cli/gen/shard_out.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/gen/rng.h"
#include "cli/gen/traffic.h"
#include "core/alloc.h"
#include "core/calendar.h"
#include "io/shard.h"   /* the public writer, plus its _err open and close */

#define SHARD_STREAM 16u   /* RNG stream of file k: SHARD_STREAM + k */
#define SHARD_FILE_RECORDS (UINT64_C(64) << 20)
#define SHARD_BLOCK 262144u   /* records per shard block (the writer's default) */
#define SHARD_GUIDE_MAX 512u
#define SHARD_IID_MAX 32u     /* groups up to this size get unstratified positions */

__extension__ typedef unsigned __int128 gen_u128;

/* An account's place in a file's walk order. */
typedef struct shard_slot {
    uint64_t size;       /* Zipf size */
    uint32_t account;
    uint8_t a0, a1;      /* days of the month (0-based) its records are drawn in */
    uint8_t seen;        /* drawn in the current chunk */
} shard_slot;

/* Forced records of one account in one window. */
typedef struct shard_forced {
    uint32_t pos;        /* the account's slot */
    uint32_t count;
    int64_t win;
} shard_forced;

/* The events overlapping one chunk. */
typedef struct shard_events {
    const slagg_gen_event *ev[SLAGG_GEN_MAX_EVENTS];   /* in the fleet's order (the first applies) */
    size_t n;
    uint32_t scoped[SLAGG_GEN_MAX_EVENTS];   /* accounts of the scoped ones, sorted, unique */
    size_t nscoped;
    int all, region0;           /* a fleet-wide / regional event among them */
} shard_events;

typedef struct shard_plan {
    const slagg_gen_fleet *f;
    const slagg_gen_opts *o;
    uint64_t *wrec;          /* windows + 1 entries: records before window w */
    int64_t *fw;             /* files + 1 entries: first window of file k */
    unsigned files;
    int64_t base_ms;         /* UTC ms of the start of window 0 */
    shard_slot *slot0;       /* every file's first walk order: by account */
    uint16_t bg[4000];       /* background for u >= 1500, by u % 4000: status * 8 + cause */

    atomic_uint next;        /* the next file to write */
    atomic_int stop;         /* a worker failed: take no more files */
    pthread_mutex_t mu;      /* guards the fields below */
    slagg_status st;
    slagg_err err;
    uint64_t records, bytes;
    unsigned written;
} shard_plan;

typedef struct shard_worker {
    shard_plan *p;
    pthread_t tid;
    shard_slot *slot, *tmp;  /* walk order (n), partition scratch (n) */
    uint32_t *pos_of;        /* account -> its slot */
    uint64_t *cum;           /* cumulative active sizes over the slots, this chunk */
    uint32_t known;          /* slots [0, known): the accounts the writer has, by id */
    shard_forced *forced;
    size_t forced_cap;
    int64_t *fts;            /* timestamps of one forced entry, and their draws */
    uint32_t *fu;
    size_t fts_cap;
    uint64_t xs[SHARD_IID_MAX];   /* the sorted draws of a small group */

    /* the chunk being written */
    slagg_shard_writer *wr;
    slagg_gen_rng *r;
    uint64_t P0, len;
    int64_t wlo;
    unsigned gshift;
    int64_t guide[SHARD_GUIDE_MAX];            /* window of position P0 + (g << gshift) */
    uint64_t step[SLAGG_WINDOWS_PER_DAY];      /* (300000 << 32) / records of window wlo + i */
    shard_events se;
    char name[16];
    slagg_shard_record rec;
} shard_worker;

/* First slot b >= a with cum[b] > x; cum[n - 1] > x. Gallops: the draws
 * of a chunk arrive in increasing x. */
static inline uint32_t shard_walk(const uint64_t *cum, uint32_t n, uint32_t a, uint64_t x)
{
    if (cum[a] > x) return a;
    uint32_t lo = a, hi, step = 1;   /* cum[lo] <= x */
    for (;;) {
        if (step >= n - 1 - lo) {
            hi = n - 1;
            break;
        }
        hi = lo + step;
        if (cum[hi] > x) break;
        lo = hi;
        step *= 2;
    }
    while (hi - lo > 1) {   /* cum[lo] <= x < cum[hi] */
        uint32_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > x) hi = mid;
        else lo = mid;
    }
    return hi;
}

/* The event deciding a request of account a in window win (the first one
 * that concerns it, as in slagg_gen_decide), or NULL. */
static const slagg_gen_event *shard_event_at(const slagg_gen_fleet *f, const shard_events *se, uint32_t a,
                                       int64_t win)
{
    for (size_t k = 0; k < se->n; k++) {
        const slagg_gen_event *e = se->ev[k];
        if (win < e->w0 || win >= e->w1) continue;
        if (slagg_gen_event_applies(f, e, a)) return e;
    }
    return NULL;
}

/* Appends a record of the current account at ts: event e (or NULL) first,
 * then the background drawn as u in [0, 1000000). */
static inline slagg_status shard_put(shard_worker *w, const slagg_gen_event *e, int64_t ts, uint64_t u)
{
    slagg_shard_record *rec = &w->rec;
    slagg_gen_rec g;
    rec->ts_ms = ts;
    if (e && slagg_gen_event_hit(e, (unsigned)slagg_gen_rng_below(w->r, 1000), &g)) {
        rec->status = (int)g.status;
        rec->cause = (slagg_cause)g.cause;
    } else if (u >= 1500) {
        unsigned k = w->p->bg[u % 4000];
        rec->status = (int)(k >> 3);
        rec->cause = (slagg_cause)(k & 7);
    } else {
        slagg_gen_background(u, &g);
        rec->status = (int)g.status;
        rec->cause = (slagg_cause)g.cause;
    }
    return slagg_shard_writer_append(w->wr, rec);
}

static slagg_status shard_grow(shard_worker *w, size_t forced, size_t fts)
{
    if (forced > w->forced_cap) {
        size_t cap = w->forced_cap ? w->forced_cap * 2 : 64;
        while (cap < forced) cap *= 2;
        shard_forced *p = slagg_reallocarray(w->forced, cap, sizeof *p);
        if (!p) return SLAGG_E_NOMEM;
        w->forced = p;
        w->forced_cap = cap;
    }
    if (fts > w->fts_cap) {
        size_t cap = w->fts_cap ? w->fts_cap * 2 : 64;
        while (cap < fts) cap *= 2;
        int64_t *t = slagg_reallocarray(w->fts, cap, sizeof *t);
        if (t) w->fts = t;
        uint32_t *u = slagg_reallocarray(w->fu, cap, sizeof *u);
        if (u) w->fu = u;
        if (!t || !u) return SLAGG_E_NOMEM;
        w->fts_cap = cap;
    }
    return SLAGG_OK;
}

/* The records of account a in the chunk, in time order: c drawn ones
 * (stratified positions) merged with the forced entries fe[0..nfe), which
 * are in window order. */
static slagg_status shard_group(shard_worker *w, uint32_t a, uint64_t c, const shard_forced *fe,
                                size_t nfe)
{
    const shard_plan *p = w->p;
    const slagg_gen_fleet *f = p->f;
    const uint64_t *wrec = p->wrec;
    const shard_events *se = &w->se;
    w->rec.account_len = slagg_gen_name_digits(w->name, a);
    int slow = se->all || (se->region0 && f->acc[a].region == 0);
    if (!slow && se->nscoped) {
        size_t lo = 0, hi = se->nscoped;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (se->scoped[mid] < a) lo = mid + 1;
            else hi = mid;
        }
        slow = lo < se->nscoped && se->scoped[lo] == a;
    }
    /* Position of drawn record k in 64.64 fixed point: v / 2^40 * len for
     * a small group (its c draws sorted: uniform positions, so a small
     * account's records clump in windows as independent draws do), else
     * stratified, (k + v / 2^40) * len / c. The fraction places the record
     * within its position, so the timestamps follow the positions. */
    const int iid = c <= SHARD_IID_MAX;
    const uint64_t L = iid ? w->len << 24 : (w->len << 24) / c;
    if (iid) {
        for (uint64_t j = 0; j < c; j++) {
            uint64_t x = slagg_gen_rng_next(w->r), i = j;
            for (; i > 0 && w->xs[i - 1] > x; i--) w->xs[i] = w->xs[i - 1];
            w->xs[i] = x;
        }
    }
    uint64_t k = 0;
    int have = 0;
    int64_t s_ts = 0, s_win = 0;
    uint64_t s_u = 0;
    size_t fi = 0, fk = 0, fn = 0;
    slagg_status st = SLAGG_OK;
    for (;;) {
        if (!have && k < c) {
            uint64_t x = iid ? w->xs[k] : slagg_gen_rng_next(w->r);
            gen_u128 fx = (gen_u128)(iid ? x >> 24 : (k << 40) | (x >> 24)) * L;
            uint64_t pos = (uint64_t)(fx >> 64), frac = (uint64_t)fx;
            int64_t win = w->guide[pos >> w->gshift];
            while (wrec[win + 1] <= w->P0 + pos) win++;
            uint64_t in = w->P0 + pos - wrec[win], sw = w->step[win - w->wlo];
            uint64_t ms = (in * sw + (sw >> 16) * (frac >> 48)) >> 32;
            s_ts = p->base_ms + win * 300000 + (int64_t)ms;
            s_win = win;
            s_u = ((x & 0xffffff) * 1000000) >> 24;
            have = 1;
            k++;
        }
        if (fk == fn && fi < nfe) {
            /* the next forced entry's records, sorted */
            fn = fe[fi].count;
            fk = 0;
            if (shard_grow(w, 0, fn) != SLAGG_OK) return SLAGG_E_NOMEM;
            int64_t base = p->base_ms + fe[fi].win * 300000;
            for (size_t j = 0; j < fn; j++) {
                uint64_t x = slagg_gen_rng_next(w->r);
                int64_t t = base + (int64_t)(((x >> 32) * 300000) >> 32);
                uint32_t u = (uint32_t)(((x & 0xffffffffu) * 1000000) >> 32);
                size_t i = j;
                for (; i > 0 && w->fts[i - 1] > t; i--) {
                    w->fts[i] = w->fts[i - 1];
                    w->fu[i] = w->fu[i - 1];
                }
                w->fts[i] = t;
                w->fu[i] = u;
            }
            fi++;
        }
        int take_forced = fk < fn && (!have || w->fts[fk] < s_ts);
        if (take_forced) {
            int64_t win = fe[fi - 1].win;
            st = shard_put(w, slow ? shard_event_at(f, se, a, win) : NULL, w->fts[fk], w->fu[fk]);
            fk++;
        } else if (have) {
            st = shard_put(w, slow ? shard_event_at(f, se, a, s_win) : NULL, s_ts, s_u);
            have = 0;
        } else {
            break;
        }
        if (st != SLAGG_OK) return st;
    }
    return SLAGG_OK;
}

static int cmp_forced(const void *x, const void *y)
{
    const shard_forced *a = x, *b = y;
    if (a->pos != b->pos) return (a->pos > b->pos) - (a->pos < b->pos);
    return (a->win > b->win) - (a->win < b->win);
}

/*
 * Positions [P0, P1) of the month into the writer; wlo is the window of
 * P0. The chunk lies within one day and one writer block.
 */
static slagg_status shard_chunk(shard_worker *w, uint64_t P0, uint64_t P1, int64_t wlo)
{
    const shard_plan *p = w->p;
    const slagg_gen_fleet *f = p->f;
    const uint64_t *wrec = p->wrec;
    const uint32_t n = f->n;
    const uint64_t len = P1 - P0;
    int64_t whi = wlo;
    while (wrec[whi + 1] < P1) whi++;
    const unsigned day = (unsigned)(wlo / SLAGG_WINDOWS_PER_DAY);
    w->P0 = P0;
    w->len = len;
    w->wlo = wlo;

    /* sizes of the accounts under contract that day (all, should none be) */
    shard_slot *slot = w->slot;
    uint64_t *cum = w->cum, T = 0;
    for (uint32_t j = 0; j < n; j++) {
        T += slot[j].size & (0 - (uint64_t)(slot[j].a0 <= day && day <= slot[j].a1));
        cum[j] = T;
    }
    if (T == 0)
        for (uint32_t j = 0; j < n; j++) cum[j] = T += slot[j].size;

    /* windows of positions; ms steps */
    w->gshift = 0;
    while (((len - 1) >> w->gshift) >= SHARD_GUIDE_MAX) w->gshift++;
    int64_t win = wlo;
    for (uint64_t g = 0; g <= (len - 1) >> w->gshift; g++) {
        while (wrec[win + 1] <= P0 + (g << w->gshift)) win++;
        w->guide[g] = win;
    }
    for (win = wlo; win <= whi; win++) {
        uint64_t nw = wrec[win + 1] - wrec[win];
        w->step[win - wlo] = nw ? (UINT64_C(300000) << 32) / nw : 0;
    }

    shard_events *se = &w->se;
    se->n = se->nscoped = 0;
    se->all = se->region0 = 0;
    for (size_t k = 0; k < f->n_ev; k++) {
        const slagg_gen_event *e = &f->ev[k];
        if (e->w1 <= wlo || e->w0 > whi) continue;
        se->ev[se->n++] = e;
        if (e->account == EV_ALL) {
            se->all = 1;
        } else if (e->account == EV_REGION0) {
            se->region0 = 1;
        } else {
            uint32_t a = (uint32_t)e->account;
            size_t j = se->nscoped;
            while (j > 0 && se->scoped[j - 1] > a) j--;
            if (j == 0 || se->scoped[j - 1] != a) {
                memmove(se->scoped + j + 1, se->scoped + j, (se->nscoped - j) * sizeof *se->scoped);
                se->scoped[j] = a;
                se->nscoped++;
            }
        }
    }

    /* forced records, as in the text logs: per window (counted in the
     * chunk where it starts), each scoped event's force, up to the
     * window's records in the chunk */
    size_t nf = 0;
    uint64_t forced = 0;
    for (win = wlo; win <= whi && se->nscoped; win++) {
        if (wrec[win] < P0 || wrec[win] == wrec[win + 1]) continue;
        uint64_t room = (wrec[win + 1] < P1 ? wrec[win + 1] : P1) - wrec[win];
        for (size_t k = 0; k < se->n && room; k++) {
            const slagg_gen_event *e = se->ev[k];
            if (e->account < 0 || win < e->w0 || win >= e->w1 || !e->force) continue;
            uint32_t cnt = e->force < room ? e->force : (uint32_t)room;
            if (shard_grow(w, nf + 1, 0) != SLAGG_OK) return SLAGG_E_NOMEM;
            w->forced[nf].pos = w->pos_of[e->account];
            w->forced[nf].count = cnt;
            w->forced[nf].win = win;
            nf++;
            room -= cnt;
            forced += cnt;
        }
    }
    if (nf > 1) {
        qsort(w->forced, nf, sizeof *w->forced, cmp_forced);
        size_t o = 0;   /* one entry per (account, window) */
        for (size_t k = 1; k < nf; k++) {
            if (w->forced[k].pos == w->forced[o].pos && w->forced[k].win == w->forced[o].win)
                w->forced[o].count += w->forced[k].count;
            else
                w->forced[++o] = w->forced[k];
        }
        nf = o + 1;
    }

    /* drawn records: x_i = (U + i * T) / m, account = first slot with
     * cum > x_i; slot order, merged with the forced entries */
    const uint64_t m = len - forced;
    const uint64_t U = m ? slagg_gen_rng_below(w->r, T) : 0;
    uint64_t i = 0;
    uint32_t j = 0;
    size_t fi = 0;
    const uint32_t known = w->known;
    while (i < m || fi < nf) {
        uint32_t js = n, jf = fi < nf ? w->forced[fi].pos : n;
        if (i < m) js = j = shard_walk(cum, n, j, (U + i * T) / m);
        uint32_t jj = js < jf ? js : jf;
        uint64_t c = 0;
        if (jj == js) {
            uint64_t end = (cum[js] * m - U + T - 1) / T;
            if (end > m) end = m;
            c = end - i;
            i = end;
        }
        size_t fe = fi;
        while (fe < nf && w->forced[fe].pos == jj) fe++;
        slagg_status st = shard_group(w, slot[jj].account, c, w->forced + fi, fe - fi);
        if (st != SLAGG_OK) return st;
        fi = fe;
        if (jj >= known) slot[jj].seen = 1;
    }

    /* the newcomers join the known accounts, in the order they came */
    uint32_t nn = known, nt = 0;
    for (uint32_t s = known; s < n; s++) {
        if (slot[s].seen) {
            slot[s].seen = 0;
            slot[nn++] = slot[s];
        } else {
            w->tmp[nt++] = slot[s];
        }
    }
    if (nt) memcpy(slot + nn, w->tmp, (size_t)nt * sizeof *slot);
    for (uint32_t s = known; s < n; s++) w->pos_of[slot[s].account] = s;
    w->known = nn;
    return SLAGG_OK;
}

/* The records of file k: its slice of positions, cut into chunks at the
 * writer's block boundaries and at day boundaries. */
static slagg_status shard_records(shard_worker *w, unsigned k)
{
    const shard_plan *p = w->p;
    const uint64_t *wrec = p->wrec;
    const int64_t windows = p->f->windows;
    const uint32_t n = p->f->n;
    memcpy(w->slot, p->slot0, (size_t)n * sizeof *w->slot);
    for (uint32_t a = 0; a < n; a++) w->pos_of[a] = a;
    w->known = 0;
    const uint64_t start = wrec[p->fw[k]], end = wrec[p->fw[k + 1]];
    const uint64_t block = p->o->block_records ? p->o->block_records : SHARD_BLOCK;
    int64_t win = p->fw[k];
    slagg_status st = SLAGG_OK;
    for (uint64_t P = start; P < end && st == SLAGG_OK;) {
        while (wrec[win + 1] <= P) win++;
        int64_t next_day = (win / SLAGG_WINDOWS_PER_DAY + 1) * SLAGG_WINDOWS_PER_DAY;
        uint64_t P1 = P + (block - (P - start) % block);
        if (next_day < windows && P1 > wrec[next_day]) P1 = wrec[next_day];
        if (P1 > end) P1 = end;
        st = shard_chunk(w, P, P1, win);
        P = P1;
    }
    return st;
}

/* Writes DIR/records-NNN.shard for file k. */
static slagg_status shard_file(shard_worker *w, unsigned k, uint64_t *records, uint64_t *bytes,
                               slagg_err *err)
{
    const shard_plan *p = w->p;
    char name[64];
    snprintf(name, sizeof name, "records-%03u.shard", k);
    char *path = slagg_gen_path(p->o->out_dir, "", name, "");
    if (!path) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    slagg_shard_writer_opts wo = {p->o->block_records ? p->o->block_records : SHARD_BLOCK, 0, p->o->shard_format};
    slagg_shard_writer *wr;
    slagg_status st = slagg_shard_writer_open_err(path, &wo, &wr, err);
    if (st != SLAGG_OK) {
        slagg_free(path);
        return st;
    }
    slagg_gen_rng r;
    slagg_gen_rng_seed(&r, p->o->seed, SHARD_STREAM + (uint64_t)k);
    w->wr = wr;
    w->r = &r;
    st = shard_records(w, k);
    w->wr = NULL;
    w->r = NULL;
    if (st != SLAGG_OK) {
        if (st == SLAGG_E_NOMEM && !*slagg_shard_writer_error(wr))
            slagg_err_set(err, st, "%s: out of memory", path);
        else
            slagg_err_set(err, st, "%s", slagg_shard_writer_error(wr));
        slagg_shard_writer_abort(wr);
        slagg_free(path);
        return st;
    }
    uint64_t nrec = slagg_shard_writer_count(wr);
    st = slagg_shard_writer_close_err(wr, err);
    if (st == SLAGG_OK) {
        struct stat sb;
        *records = nrec;
        *bytes = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    }
    slagg_free(path);
    return st;
}

static void *shard_worker_main(void *arg)
{
    shard_worker *w = arg;
    shard_plan *p = w->p;
    while (!atomic_load(&p->stop)) {
        unsigned k = atomic_fetch_add(&p->next, 1);
        if (k >= p->files) break;
        uint64_t records = 0, bytes = 0;
        slagg_err e = {SLAGG_OK, ""};
        slagg_status st = shard_file(w, k, &records, &bytes, &e);
        pthread_mutex_lock(&p->mu);
        if (st == SLAGG_OK) {
            p->records += records;
            p->bytes += bytes;
            p->written++;
        } else if (p->st == SLAGG_OK) {
            p->st = st;
            p->err = e;
        }
        pthread_mutex_unlock(&p->mu);
        if (st != SLAGG_OK) atomic_store(&p->stop, 1);
    }
    return NULL;
}

/* The number of shard files for o: o->files, or by default about one per
 * 64 Mi records (at least 2). */
static unsigned shard_files(const slagg_gen_opts *o)
{
    if (o->files) return o->files;
    uint64_t k = o->records / SHARD_FILE_RECORDS;
    return k < 2 ? 2 : k > SLAGG_GEN_MAX_FILES ? SLAGG_GEN_MAX_FILES : (unsigned)k;
}

static unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > SLAGG_GEN_MAX_THREADS ? SLAGG_GEN_MAX_THREADS : (unsigned)n;
}

/* Plans the month (records per window, the windows of each file, the
 * first walk order, the background table), then runs the workers: the
 * calling thread is one of them. */
slagg_status slagg_gen_write_shards(const slagg_gen_fleet *f, const slagg_gen_opts *o,
                                    uint64_t *records, slagg_gen_tally *acc, slagg_err *err)
{
    shard_plan *p = slagg_calloc(1, sizeof *p);
    if (!p) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    p->f = f;
    p->o = o;
    p->files = shard_files(o);
    p->base_ms = (f->first * 86400 - o->tz_offset_s) * INT64_C(1000);
    p->wrec = slagg_calloc((size_t)f->windows + 1, sizeof *p->wrec);
    p->fw = slagg_calloc((size_t)p->files + 1, sizeof *p->fw);
    unsigned threads = o->threads ? o->threads : online_cpus();
    if (threads > p->files) threads = p->files;
    shard_worker *w = slagg_calloc(threads, sizeof *w);
    slagg_status st = SLAGG_OK;
    if (!p->wrec || !p->fw || !w) st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    p->slot0 = slagg_calloc(f->n, sizeof *p->slot0);
    if (!p->slot0) st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (unsigned t = 0; t < threads && st == SLAGG_OK; t++) {
        w[t].p = p;
        w[t].slot = slagg_calloc(f->n, sizeof *w[t].slot);
        w[t].tmp = slagg_calloc(f->n, sizeof *w[t].tmp);
        w[t].pos_of = slagg_calloc(f->n, sizeof *w[t].pos_of);
        w[t].cum = slagg_calloc(f->n, sizeof *w[t].cum);
        memcpy(w[t].name, "acct-", 5);
        w[t].rec.account = w[t].name;
        if (!w[t].slot || !w[t].tmp || !w[t].pos_of || !w[t].cum)
            st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    if (st == SLAGG_OK) {
        uint64_t wtotal = 0;
        for (int64_t win = 0; win < f->windows; win++) wtotal += slagg_gen_window_weight(f, win);
        uint64_t c = 0;
        for (int64_t win = 0; win < f->windows; win++) {
            p->wrec[win] = slagg_gen_records_before(o->records, c, wtotal);
            c += slagg_gen_window_weight(f, win);
        }
        p->wrec[f->windows] = o->records;
        /* file k starts at the first window with k/files of the records before it */
        int64_t win = 0;
        for (unsigned k = 1; k < p->files; k++) {
            uint64_t want = (o->records * k + p->files - 1) / p->files;
            while (win < f->windows && p->wrec[win] < want) win++;
            p->fw[k] = win;
        }
        p->fw[p->files] = f->windows;
        for (uint32_t a = 0; a < f->n; a++) {
            const slagg_gen_account *ac = &f->acc[a];
            int64_t a0 = ac->act_first - f->first, a1 = ac->act_last - f->first;
            p->slot0[a].size = f->cum[a] - (a ? f->cum[a - 1] : 0);
            p->slot0[a].account = a;
            p->slot0[a].a0 = (uint8_t)(a0 < 0 ? 0 : a0 > 255 ? 255 : a0);
            p->slot0[a].a1 = (uint8_t)(a1 < 0 ? 0 : a1 >= f->days ? f->days - 1 : a1);
            if (a1 < 0) p->slot0[a].a0 = 255;   /* never: not in this month */
        }
        for (unsigned u = 0; u < 4000; u++) {
            slagg_gen_rec g;
            slagg_gen_background(u < 1500 ? u + 4000 : u, &g);   /* any v >= 1500 with v % 4000 == u */
            p->bg[u] = (uint16_t)(g.status * 8 + g.cause);
        }
        atomic_init(&p->next, 0);
        atomic_init(&p->stop, 0);
        pthread_mutex_init(&p->mu, NULL);
        p->st = SLAGG_OK;
        unsigned started = 1;
        for (; started < threads; started++)
            if (pthread_create(&w[started].tid, NULL, shard_worker_main, &w[started]) != 0) break;
        shard_worker_main(&w[0]);
        for (unsigned t = 1; t < started; t++) pthread_join(w[t].tid, NULL);
        pthread_mutex_destroy(&p->mu);
        st = p->st;
        if (st != SLAGG_OK) *err = p->err;
        *records = p->records;
        acc->bytes += p->bytes;
        acc->files += p->written;
    }
    for (unsigned t = 0; w && t < threads; t++) {
        slagg_free(w[t].slot);
        slagg_free(w[t].tmp);
        slagg_free(w[t].pos_of);
        slagg_free(w[t].cum);
        slagg_free(w[t].forced);
        slagg_free(w[t].fts);
        slagg_free(w[t].fu);
    }
    slagg_free(w);
    slagg_free(p->wrec);
    slagg_free(p->fw);
    slagg_free(p->slot0);
    slagg_free(p);
    return st;
}

/*
 * fold.c - request logs -> slagg_fleet (docs/DESIGN.md "The fold").
 *
 * Order of checks for each record (SPEC section 2, "Each record lands in
 * exactly one count"): rejected (by the reader), after_through, uncontracted,
 * then the classification table. Only the reader's verdict is known while
 * reading: --through may default to the last day with a record. So workers
 * fold into (account, window) buckets holding one counter per class, and
 * the after_through / uncontracted split is made per bucket at the end,
 * which is exact because periods and --through are whole service-time days
 * and every window lies inside one day.
 */
#include "core/fold.h"
#include "core/fold_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/alloc.h"
#include "core/buckets.h"
#include "core/calendar.h"
#include "core/dict.h"
#include "core/maint.h"
#include "io/records.h"
#include "io/shard.h"
#include "io/source.h"

/* Records of accounts without a contract are kept per day, not per window:
 * only their day matters (after_through or uncontracted). */
#define UNKNOWN_ACCOUNT SLAGG_DICT_NONE

typedef struct file_result {
    slagg_reject_log rej;
    slagg_err err;           /* err.code != OK: this file failed */
} file_result;

typedef struct worker {
    struct fold_ctx *ctx;
    pthread_t tid;
    slagg_buckets buckets;
    uint64_t records, rejected;
    int64_t max_ms;
    int has_record;
    slagg_err err;           /* a failure outside any one file (memory) */
} worker;

typedef struct fold_ctx {
    const char *const *inputs;
    size_t n_inputs;
    const slagg_fold_opts *o;
    const slagg_dict *accounts;
    const slagg_maint_index *maint;
    file_result *files;
    atomic_size_t next_file;
    atomic_size_t files_done;
    atomic_int stop;
    atomic_uint_fast64_t progress_records;
    atomic_uint_fast64_t progress_bytes;
    uint64_t keep_rejects;   /* per file, at most */
} fold_ctx;

/* Folds one record into w's buckets; id is the contracted account id or
 * SLAGG_DICT_NONE. Returns 0, or -1 when out of memory. */
static inline int fold_one(worker *w, uint32_t id, int64_t ts_ms, int status, slagg_cause cause)
{
    const fold_ctx *c = w->ctx;
    uint64_t *cnt;
    if (!w->has_record || ts_ms > w->max_ms) w->max_ms = ts_ms;
    w->has_record = 1;
    w->records++;
    int64_t window = slagg_floordiv(ts_ms + (int64_t)c->o->tz_s * 1000, SLAGG_MS_PER_WINDOW);
    if (id == SLAGG_DICT_NONE) {
        int64_t day = slagg_floordiv(window, SLAGG_WINDOWS_PER_DAY);
        cnt = slagg_buckets_get(&w->buckets, UNKNOWN_ACCOUNT, day * SLAGG_WINDOWS_PER_DAY);
        if (!cnt) return -1;
        cnt[0]++;
        return 0;
    }
    int in_m = slagg_maint_contains(c->maint, id, ts_ms);
    cnt = slagg_buckets_get(&w->buckets, id, window);
    if (!cnt) return -1;
    cnt[slagg_classify(status, cause, in_m)]++;
    return 0;
}

/* Folds one shard: account names are resolved once per shard, not per
 * record. Returns 0, or -1 with the file's err set. */
static int fold_shard(worker *w, size_t fi)
{
    fold_ctx *c = w->ctx;
    file_result *fr = &c->files[fi];
    slagg_shard *sh;
    slagg_shard_block blk;
    uint32_t *map = NULL;
    int rc = 0;
    memset(&blk, 0, sizeof blk);
    if (slagg_shard_open(c->inputs[fi], &sh, &fr->err) != SLAGG_OK) return -1;
    uint32_t na = slagg_shard_account_count(sh);
    map = slagg_calloc(na ? na : 1, sizeof *map);
    if (!map) {
        slagg_err_set(&fr->err, SLAGG_E_NOMEM, "out of memory");
        rc = -1;
    }
    for (uint32_t a = 0; !rc && a < na; a++) {
        size_t len;
        const char *name = slagg_shard_account(sh, a, &len);
        map[a] = slagg_dict_find(c->accounts, name, len);
    }
    for (size_t b = 0; !rc && b < slagg_shard_block_count(sh); b++) {
        if (atomic_load(&c->stop)) break;
        if (slagg_shard_read_block(sh, b, &blk, &fr->err) != SLAGG_OK) {
            rc = -1;
            break;
        }
        for (uint32_t j = 0; j < blk.n; j++) {
            if (fold_one(w, map[blk.account[j]], blk.ts_ms[j], blk.status[j],
                         (slagg_cause)blk.cause[j]) != 0) {
                slagg_err_set(&fr->err, SLAGG_E_NOMEM, "out of memory");
                rc = -1;
                break;
            }
        }
        atomic_fetch_add(&c->progress_records, blk.n);
        atomic_fetch_add(&c->progress_bytes, slagg_shard_block_at(sh, b)->comp_size);
    }
    slagg_shard_block_free(&blk);
    slagg_free(map);
    slagg_shard_close(sh);
    return rc;
}

/* Folds one input file into w's buckets. Returns 0, or -1 with the file's
 * err set. */
static int fold_file(worker *w, size_t fi)
{
    fold_ctx *c = w->ctx;
    file_result *fr = &c->files[fi];
    slagg_record_reader *rd;
    slagg_record rec;
    slagg_reject rej;
    uint64_t local = 0, last_bytes = 0;

    if (slagg_record_reader_open(c->inputs[fi], &rd, &fr->err) != SLAGG_OK) return -1;
    int r;
    while ((r = slagg_record_reader_next(rd, &rec, &rej, &fr->err)) != 0) {
        if (r < 0) break;
        if (r == 2) {
            w->rejected++;
            if (slagg_reject_log_add(&fr->rej, (uint32_t)fi, rej.line, rej.reason, c->keep_rejects) != 0) {
                slagg_err_set(&fr->err, SLAGG_E_NOMEM, "out of memory");
                r = -1;
                break;
            }
            continue;
        }
        uint32_t id = slagg_dict_find(c->accounts, rec.account, rec.account_len);
        if (fold_one(w, id, rec.ts_ms, rec.status, rec.cause) != 0) {
            slagg_err_set(&fr->err, SLAGG_E_NOMEM, "out of memory");
            r = -1;
            break;
        }
        if (++local == 65536) {
            uint64_t b = slagg_record_reader_raw_bytes(rd);
            atomic_fetch_add(&c->progress_records, local);
            atomic_fetch_add(&c->progress_bytes, b - last_bytes);
            last_bytes = b;
            local = 0;
            if (atomic_load(&c->stop)) break;
        }
    }
    atomic_fetch_add(&c->progress_records, local);
    atomic_fetch_add(&c->progress_bytes, slagg_record_reader_raw_bytes(rd) - last_bytes);
    slagg_record_reader_close(rd);
    return r < 0 ? -1 : 0;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    fold_ctx *c = w->ctx;
    for (;;) {
        if (atomic_load(&c->stop)) break;
        size_t fi = atomic_fetch_add(&c->next_file, 1);
        if (fi >= c->n_inputs) break;
        int bad = slagg_is_shard(c->inputs[fi]) ? fold_shard(w, fi) : fold_file(w, fi);
        if (bad) atomic_store(&c->stop, 1);
        atomic_fetch_add(&c->files_done, 1);
    }
    return NULL;
}

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

/* The periods of every contract row up to through, sorted. */
slagg_status slagg_fold_build_periods(const slagg_tables *t, const slagg_dict *d, int64_t through,
                                  slagg_fleet *f, slagg_err *err)
{
    size_t total = 0;
    for (size_t i = 0; i < t->n_contracts; i++)
        total += slagg_split_periods(t->contracts[i].start, t->contracts[i].end, through, NULL, 0);
    f->periods = slagg_calloc(total ? total : 1, sizeof *f->periods);
    slagg_span *spans = NULL;
    size_t spans_cap = 0;
    if (!f->periods) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < t->n_contracts; i++) {
        const slagg_contract_in *c = &t->contracts[i];
        size_t n = slagg_split_periods(c->start, c->end, through, NULL, 0);
        if (n > spans_cap) {
            slagg_span *p = slagg_reallocarray(spans, n, sizeof *p);
            if (!p) {
                slagg_free(spans);
                return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
            }
            spans = p;
            spans_cap = n;
        }
        slagg_split_periods(c->start, c->end, through, spans, n);
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

/* Distributes the merged, sorted buckets over the periods. */
static slagg_status assign_buckets(slagg_fleet *f, const slagg_bucket *b, size_t nb, slagg_err *err)
{
    size_t cap_win = 0;
    size_t p = 0;  /* first period of the current bucket's account or later */
    for (size_t i = 0; i < nb; i++) {
        const slagg_bucket *e = &b[i];
        int64_t day = slagg_floordiv(e->window, SLAGG_WINDOWS_PER_DAY);
        uint64_t all = 0;
        for (int k = 0; k < SLAGG_CLASS_COUNT; k++) all += e->cls[k];
        if (day > f->through) {
            f->after_through += all;
            continue;
        }
        if (e->account == UNKNOWN_ACCOUNT) {
            f->uncontracted += all;
            continue;
        }
        /* buckets and periods are both sorted by (account, time) */
        while (p < f->n_periods &&
               (f->periods[p].account < e->account ||
                (f->periods[p].account == e->account && f->periods[p].span.counted_end < day)))
            p++;
        if (p == f->n_periods || f->periods[p].account != e->account ||
            f->periods[p].span.start > day) {
            f->uncontracted += all;
            continue;
        }
        slagg_period_agg *pa = &f->periods[p];
        for (int k = 0; k < SLAGG_CLASS_COUNT; k++) pa->cls[k] += e->cls[k];
        uint64_t E = slagg_agg_error(e->cls);
        if (E == 0) continue;
        if (f->n_win == cap_win) {
            size_t nc = cap_win ? cap_win * 2 : 256;
            slagg_ev *ne = slagg_reallocarray(f->ev, nc, sizeof *ne);
            if (!ne) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
            f->ev = ne;
            uint32_t *nw = slagg_reallocarray(f->win, nc, sizeof *nw);
            if (!nw) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
            f->win = nw;
            cap_win = nc;
        }
        if (pa->win_count == 0) pa->win_off = f->n_win;
        f->ev[f->n_win] = (slagg_ev){E, slagg_agg_valid(e->cls)};
        f->win[f->n_win] = (uint32_t)(e->window - pa->span.start * SLAGG_WINDOWS_PER_DAY);
        f->n_win++;
        pa->win_count++;
        pa->error_windows++;
    }
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

/* The latest date named in the contracts: --through when no record has one. */
static int64_t latest_contract_day(const slagg_tables *t)
{
    int64_t d = INT64_MIN;
    for (size_t i = 0; i < t->n_contracts; i++) {
        const slagg_contract_in *c = &t->contracts[i];
        int64_t x = c->end == SLAGG_DAY_OPEN ? c->start : c->end;
        if (x > d) d = x;
    }
    return d == INT64_MIN ? 0 : d;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
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

slagg_status slagg_fold_scan(const slagg_tables *t, const char *const *inputs, size_t n_inputs,
                             const slagg_fold_opts *o, slagg_fold_state *s, slagg_err *err)
{
    slagg_dict *accounts = NULL;
    slagg_maint_index *maint = NULL;
    worker *workers = NULL;
    fold_ctx ctx;
    unsigned nthreads = o->threads ? o->threads : 1, started = 0;
    slagg_status st;

    memset(s, 0, sizeof *s);
    memset(&ctx, 0, sizeof ctx);
    if ((st = slagg_fold_prepare(t, &accounts, &maint, err)) != SLAGG_OK) return st;

    if (nthreads > n_inputs && n_inputs > 0) nthreads = (unsigned)n_inputs;
    /* a worker holds one input open at a time: the file limit bounds the
     * workers, never the inputs (SPEC 6); outputs do not depend on it */
    if (nthreads > slagg_input_fd_budget()) nthreads = slagg_input_fd_budget();
    ctx.inputs = inputs;
    ctx.n_inputs = n_inputs;
    ctx.o = o;
    ctx.accounts = accounts;
    ctx.maint = maint;
    ctx.keep_rejects = o->max_rejects + SLAGG_REJECTS_KEEP;
    ctx.files = slagg_calloc(n_inputs ? n_inputs : 1, sizeof *ctx.files);
    workers = slagg_calloc(nthreads, sizeof *workers);
    if (!ctx.files || !workers) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    for (unsigned i = 0; i < nthreads; i++) {
        workers[i].ctx = &ctx;
        if (slagg_buckets_init(&workers[i].buckets) != 0) {
            st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
            goto done;
        }
    }
    for (; started < nthreads; started++) {
        if (pthread_create(&workers[started].tid, NULL, worker_main, &workers[started]) != 0) {
            atomic_store(&ctx.stop, 1);
            break;
        }
    }
    if (o->progress) {
        uint64_t total = 0;
        for (size_t i = 0; i < n_inputs; i++) {
            struct stat sb;
            if (strcmp(inputs[i], "-") == 0 || stat(inputs[i], &sb) != 0) {
                total = 0;  /* unknown: no ETA */
                break;
            }
            total += (uint64_t)sb.st_size;
        }
        while (atomic_load(&ctx.files_done) < n_inputs && !atomic_load(&ctx.stop)) {
            sleep_ms(250);
            o->progress(o->progress_ctx, atomic_load(&ctx.progress_records),
                        atomic_load(&ctx.progress_bytes), total);
        }
    }
    for (unsigned i = 0; i < started; i++) pthread_join(workers[i].tid, NULL);
    if (started < nthreads) {
        st = slagg_err_set(err, SLAGG_E_INTERNAL, "cannot start worker threads");
        goto done;
    }
    /* The first failing input in the order given, whatever thread saw it. */
    for (size_t i = 0; i < n_inputs; i++) {
        if (ctx.files[i].err.code != SLAGG_OK) {
            *err = ctx.files[i].err;
            st = err->code;
            goto done;
        }
    }
    /* merge the workers' tables into the first one, which the state keeps */
    for (unsigned i = 0; i < nthreads; i++) {
        s->records_read += workers[i].records + workers[i].rejected;
        s->rejected += workers[i].rejected;
        if (workers[i].has_record && (!s->has_record || workers[i].max_ms > s->max_ms))
            s->max_ms = workers[i].max_ms;
        s->has_record |= workers[i].has_record;
        if (i > 0) {
            if (slagg_buckets_merge(&workers[0].buckets, &workers[i].buckets) != 0) {
                st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
                goto done;
            }
            slagg_buckets_free(&workers[i].buckets);
        }
    }
    s->buckets = workers[0].buckets;
    memset(&workers[0].buckets, 0, sizeof workers[0].buckets);

    /* rejects, in input order */
    {
        slagg_reject_log *logs = slagg_calloc(n_inputs ? n_inputs : 1, sizeof *logs);
        if (!logs) {
            st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < n_inputs; i++) {
            logs[i] = ctx.files[i].rej;
            memset(&ctx.files[i].rej, 0, sizeof ctx.files[i].rej);
        }
        st = slagg_rejects_gather(logs, n_inputs, &s->rejects, err);
        slagg_free(logs);
        if (st != SLAGG_OK) goto done;
    }
    st = SLAGG_OK;

done:
    if (ctx.files) {
        for (size_t i = 0; i < n_inputs; i++) slagg_reject_log_free(&ctx.files[i].rej);
        slagg_free(ctx.files);
    }
    if (workers) {
        for (unsigned i = 0; i < nthreads; i++) slagg_buckets_free(&workers[i].buckets);
        slagg_free(workers);
    }
    slagg_maint_free(maint);
    slagg_dict_free(accounts);
    if (st != SLAGG_OK) slagg_fold_state_free(s);
    return st;
}

slagg_status slagg_fold_state_merge(slagg_fold_state *dst, slagg_fold_state *src, slagg_err *err)
{
    if (!dst->buckets.slot) {
        *dst = *src;
        memset(src, 0, sizeof *src);
        return SLAGG_OK;
    }
    if (slagg_buckets_merge(&dst->buckets, &src->buckets) != 0)
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    dst->records_read += src->records_read;
    dst->rejected += src->rejected;
    if (src->has_record && (!dst->has_record || src->max_ms > dst->max_ms)) dst->max_ms = src->max_ms;
    dst->has_record |= src->has_record;
    dst->rejects.total += src->rejects.total;
    slagg_fold_state_free(src);
    return SLAGG_OK;
}

slagg_status slagg_fold_finish(const slagg_tables *t, const slagg_fold_opts *o, slagg_fold_state *s,
                               slagg_fleet *f, slagg_err *err)
{
    slagg_dict *accounts = NULL;
    slagg_maint_index *maint = NULL;
    slagg_status st;
    memset(f, 0, sizeof *f);
    f->tz_s = o->tz_s;
    f->records_read = s->records_read;
    f->rejected = s->rejected;
    if ((st = slagg_fold_prepare(t, &accounts, &maint, err)) != SLAGG_OK) return st;
    if (o->has_through) f->through = o->through;
    else if (s->has_record) f->through = slagg_floordiv(s->max_ms + (int64_t)o->tz_s * 1000, SLAGG_MS_PER_DAY);
    else f->through = latest_contract_day(t);

    if ((st = slagg_fold_copy_accounts(accounts, f, err)) != SLAGG_OK) goto done;
    if ((st = slagg_fold_build_periods(t, accounts, f->through, f, err)) != SLAGG_OK) goto done;
    if (!s->buckets.slot && slagg_buckets_init(&s->buckets) != 0) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    size_t nb = slagg_buckets_sort(&s->buckets);
    if ((st = assign_buckets(f, s->buckets.slot, nb, err)) != SLAGG_OK) goto done;
    st = slagg_fold_copy_late_maint(t, f, err);
done:
    slagg_maint_free(maint);
    slagg_dict_free(accounts);
    if (st != SLAGG_OK) slagg_fleet_free(f);
    return st;
}

void slagg_fold_state_free(slagg_fold_state *s)
{
    slagg_buckets_free(&s->buckets);
    slagg_rejects_free(&s->rejects);
    memset(s, 0, sizeof *s);
}

slagg_status slagg_fold_logs(const slagg_tables *t, const char *const *inputs, size_t n_inputs,
                             const slagg_fold_opts *o, slagg_fleet *f, slagg_rejects *rej,
                             slagg_err *err)
{
    slagg_fold_state s;
    int used;
    memset(f, 0, sizeof *f);
    memset(rej, 0, sizeof *rej);
    /* shards only: the time-ordered engine (core/fold_shards.c) */
    slagg_status st = slagg_fold_shards(t, inputs, n_inputs, o, f, &used, err);
    if (st != SLAGG_OK || used) return st;
    st = slagg_fold_scan(t, inputs, n_inputs, o, &s, err);
    if (st != SLAGG_OK) return st;
    *rej = s.rejects;
    memset(&s.rejects, 0, sizeof s.rejects);
    st = slagg_fold_finish(t, o, &s, f, err);
    slagg_fold_state_free(&s);
    if (st != SLAGG_OK) slagg_rejects_free(rej);
    return st;
}

void slagg_fleet_free(slagg_fleet *f)
{
    for (uint32_t i = 0; i < f->n_accounts; i++) slagg_free(f->accounts[i]);
    slagg_free(f->accounts);
    slagg_free(f->account_len);
    slagg_free(f->periods);
    slagg_free(f->ev);
    slagg_free(f->win);
    for (size_t i = 0; i < f->n_late; i++) {
        slagg_late_maint *l = &f->late[i];
        slagg_free(l->file);
        slagg_free(l->start);
        slagg_free(l->end);
        slagg_free(l->scope);
        slagg_free(l->notice_at);
    }
    slagg_free(f->late);
    memset(f, 0, sizeof *f);
}

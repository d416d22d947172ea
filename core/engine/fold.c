/*
 * fold.c - request logs -> slagg_fleet (docs/DESIGN.md "The fold").
 *
 * Order of checks for each record (SPEC section 2, "Each record lands in
 * exactly one count"): rejected (by the reader), before_from, after_through,
 * uncontracted, then the classification table. The reader's verdict and
 * before_from (--from is always given, never derived from the records) are
 * known while reading, so before_from is counted then; --through may
 * default to the last day with a record. So workers
 * fold into (account, window) buckets holding one counter per class, and
 * the after_through / uncontracted split is made per bucket at the end,
 * which is exact because periods and --through are whole service-time days
 * and every window lies inside one day.
 */
#include "core/engine/fold.h"

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
#include "core/engine/fold_common.h"
#include "core/engine/fold_shards.h"
#include "core/maint.h"
#include "io/records.h"
#include "io/shard.h"
#include "io/source.h"
#include "io/text_shards.h"

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
    uint64_t records, rejected, before_from;
    int64_t max_ms, min_ms;
    int has_record;
    slagg_cov_acc cov;       /* windows with an accepted record; names without a contract */
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
 * SLAGG_DICT_NONE (then name, len is the account, kept for the
 * uncontracted warnings). Returns 0, or -1 when out of memory. */
static inline int fold_one(worker *w, uint32_t id, int64_t ts_ms, int status, slagg_cause cause,
                           const char *name, size_t len)
{
    const fold_ctx *c = w->ctx;
    uint64_t *cnt;
    if (!w->has_record || ts_ms > w->max_ms) w->max_ms = ts_ms;
    if (!w->has_record || ts_ms < w->min_ms) w->min_ms = ts_ms;
    w->has_record = 1;
    w->records++;
    int64_t window = slagg_floordiv(ts_ms + (int64_t)c->o->tz_s * 1000, SLAGG_MS_PER_WINDOW);
    slagg_cov_mark(&w->cov.map, window);
    /* SPEC 2: a record on a day before --from is counted before_from and
     * otherwise ignored (it is accepted: first_record may be one) */
    if (c->o->has_from && slagg_floordiv(window, SLAGG_WINDOWS_PER_DAY) < c->o->from) {
        w->before_from++;
        return 0;
    }
    if (id == SLAGG_DICT_NONE) {
        int64_t day = slagg_floordiv(window, SLAGG_WINDOWS_PER_DAY);
        if (slagg_cov_note_unknown(&w->cov, name, len, day) != 0) return -1;
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
            size_t len = 0;
            const char *name = map[blk.account[j]] == SLAGG_DICT_NONE
                                   ? slagg_shard_account(sh, blk.account[j], &len) : NULL;
            if (fold_one(w, map[blk.account[j]], blk.ts_ms[j], blk.status[j],
                         (slagg_cause)blk.cause[j], name, len) != 0) {
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
    while ((r = slagg_record_reader_next(rd, &rec, &rej, &fr->err)) != SLAGG_RECORD_END) {
        if (r == SLAGG_RECORD_FAILED) break;
        if (r == SLAGG_RECORD_REJECTED) {
            w->rejected++;
            if (slagg_reject_log_add(&fr->rej, (uint32_t)fi, rej.line, rej.reason, c->keep_rejects) != 0) {
                slagg_err_set(&fr->err, SLAGG_E_NOMEM, "out of memory");
                r = SLAGG_RECORD_FAILED;
                break;
            }
            continue;
        }
        uint32_t id = slagg_dict_find(c->accounts, rec.account, rec.account_len);
        if (fold_one(w, id, rec.ts_ms, rec.status, rec.cause, rec.account, rec.account_len) != 0) {
            slagg_err_set(&fr->err, SLAGG_E_NOMEM, "out of memory");
            r = SLAGG_RECORD_FAILED;
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
    return r == SLAGG_RECORD_FAILED ? -1 : 0;
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

/* Distributes the merged, sorted buckets over the periods. unc[a] is set
 * for each contracted account a with records counted uncontracted. */
static slagg_status assign_buckets(slagg_fleet *f, const slagg_bucket *b, size_t nb, uint8_t *unc,
                                   slagg_err *err)
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
            unc[e->account] = 1;
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

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
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
        if (slagg_buckets_init(&workers[i].buckets) != 0 || slagg_cov_acc_init(&workers[i].cov) != 0) {
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
        s->before_from += workers[i].before_from;
        if (workers[i].has_record && (!s->has_record || workers[i].max_ms > s->max_ms))
            s->max_ms = workers[i].max_ms;
        if (workers[i].has_record && (!s->has_record || workers[i].min_ms < s->min_ms))
            s->min_ms = workers[i].min_ms;
        s->has_record |= workers[i].has_record;
        if (i > 0) {
            if (slagg_buckets_merge(&workers[0].buckets, &workers[i].buckets) != 0 ||
                slagg_cov_acc_merge(&workers[0].cov, &workers[i].cov) != 0) {
                st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
                goto done;
            }
            slagg_buckets_free(&workers[i].buckets);
            slagg_cov_acc_free(&workers[i].cov);
        }
    }
    s->buckets = workers[0].buckets;
    memset(&workers[0].buckets, 0, sizeof workers[0].buckets);
    s->cov = workers[0].cov;
    memset(&workers[0].cov, 0, sizeof workers[0].cov);

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
        for (unsigned i = 0; i < nthreads; i++) {
            slagg_buckets_free(&workers[i].buckets);
            slagg_cov_acc_free(&workers[i].cov);
        }
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
    if (src->cov.map.bits && !dst->cov.map.bits) {
        dst->cov = src->cov;
        memset(&src->cov, 0, sizeof src->cov);
    } else if (src->cov.map.bits && slagg_cov_acc_merge(&dst->cov, &src->cov) != 0) {
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    dst->cov_unknown |= src->cov_unknown;
    dst->records_read += src->records_read;
    dst->rejected += src->rejected;
    dst->before_from += src->before_from;
    if (src->has_record && (!dst->has_record || src->max_ms > dst->max_ms)) dst->max_ms = src->max_ms;
    if (src->has_record && (!dst->has_record || src->min_ms < dst->min_ms)) dst->min_ms = src->min_ms;
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
    uint8_t *unc = NULL;
    slagg_status st;
    memset(f, 0, sizeof *f);
    f->tz_s = o->tz_s;
    f->records_read = s->records_read;
    f->rejected = s->rejected;
    f->has_from = o->has_from;
    f->from = o->has_from ? o->from : 0;
    f->before_from = s->before_from;
    if ((st = slagg_fold_prepare(t, &accounts, &maint, err)) != SLAGG_OK) return st;
    if (o->has_through) f->through = o->through;
    else if (s->has_record) f->through = slagg_floordiv(s->max_ms + (int64_t)o->tz_s * 1000, SLAGG_MS_PER_DAY);
    else f->through = slagg_fold_latest_contract_day(t);

    if ((st = slagg_fold_copy_accounts(accounts, f, err)) != SLAGG_OK) goto done;
    if ((st = slagg_fold_build_periods(t, accounts, f->through, f, err)) != SLAGG_OK) goto done;
    if (!s->buckets.slot && slagg_buckets_init(&s->buckets) != 0) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    size_t nb = slagg_buckets_sort(&s->buckets);
    unc = slagg_calloc(f->n_accounts ? f->n_accounts : 1, 1);
    if (!unc) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    if ((st = assign_buckets(f, s->buckets.slot, nb, unc, err)) != SLAGG_OK) goto done;
    if ((st = slagg_fold_copy_late_maint(t, f, err)) != SLAGG_OK) goto done;
    /* uncontracted names: contracted accounts outside their periods, and
     * accounts without a contract with a record on or before through */
    {
        uint32_t nu = s->cov.unk ? slagg_dict_count(s->cov.unk) : 0;
        size_t cap = (size_t)f->n_accounts + nu, k = 0;
        const char **names = slagg_calloc(cap ? cap : 1, sizeof *names);
        size_t *lens = slagg_calloc(cap ? cap : 1, sizeof *lens);
        if (!names || !lens) {
            st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        } else {
            for (uint32_t a = 0; a < f->n_accounts; a++)
                if (unc[a]) {
                    names[k] = f->accounts[a];
                    lens[k++] = f->account_len[a];
                }
            for (uint32_t i = 0; i < nu; i++)
                if (s->cov.unk_day[i] <= f->through) {
                    names[k] = slagg_dict_name(s->cov.unk, i, &lens[k]);
                    k++;
                }
            st = slagg_fold_build_coverage(f, o, s->cov.map.bits ? &s->cov.map : NULL, s->has_record, s->min_ms,
                                           s->max_ms, names, lens, k, err);
            f->cov.known = !s->cov_unknown;
        }
        slagg_free(names);
        slagg_free(lens);
    }
done:
    slagg_free(unc);
    slagg_maint_free(maint);
    slagg_dict_free(accounts);
    if (st != SLAGG_OK) slagg_fleet_free(f);
    return st;
}

void slagg_fold_state_free(slagg_fold_state *s)
{
    slagg_buckets_free(&s->buckets);
    slagg_cov_acc_free(&s->cov);
    slagg_rejects_free(&s->rejects);
    memset(s, 0, sizeof *s);
}

/* The generic path: scan, then finish. */
static slagg_status fold_generic(const slagg_tables *t, const char *const *inputs, size_t n_inputs,
                                 const slagg_fold_opts *o, slagg_fleet *f, slagg_rejects *rej,
                                 slagg_rejects *text_rej, slagg_err *err)
{
    slagg_fold_state s;
    slagg_status st = slagg_fold_scan(t, inputs, n_inputs, o, &s, err);
    if (st != SLAGG_OK) return st;
    if (text_rej) {
        /* the inputs are scratch shards of text inputs: their rejected
         * rows were seen while packing (SPEC 6: records_read counts them) */
        s.records_read += text_rej->total;
        s.rejected += text_rej->total;
        slagg_rejects_free(&s.rejects);
        s.rejects = *text_rej;
        memset(text_rej, 0, sizeof *text_rej);
    }
    *rej = s.rejects;
    memset(&s.rejects, 0, sizeof s.rejects);
    st = slagg_fold_finish(t, o, &s, f, err);
    slagg_fold_state_free(&s);
    if (st != SLAGG_OK) slagg_rejects_free(rej);
    return st;
}

slagg_status slagg_fold_logs(const slagg_tables *t, const char *const *inputs, size_t n_inputs,
                             const slagg_fold_opts *o, slagg_fleet *f, slagg_rejects *rej,
                             slagg_err *err)
{
    int used = 0, scratch_failed = 0;
    memset(f, 0, sizeof *f);
    memset(rej, 0, sizeof *rej);
    /* SLAGG_ENGINE=generic: the generic scan reads every input itself (the
     * oracle of the tests) */
    if (o->engine_generic || n_inputs == 0) return fold_generic(t, inputs, n_inputs, o, f, rej, NULL, err);

    /* Text inputs become scratch shards (io/text_shards.h), so the shard
     * engine (core/engine/fold_shards.c) folds every input with bounded
     * memory; shard inputs pass through. */
    slagg_text_shards_opts to = {o->threads, o->max_rejects, o->tmp_dir, 0, 0, o->split_bytes, o->isa};
    const char *const *paths;
    size_t n_paths;
    slagg_rejects trej;
    slagg_text_shards *ts;
    slagg_status st = slagg_text_shards_make(inputs, n_inputs, &to, &paths, &n_paths, &trej, &ts,
                                             &scratch_failed, err);
    if (st != SLAGG_OK) {
        /* The scratch side failed (no writable TMPDIR, a full disk, a shard
         * writer limit: UINT32_MAX accounts in one shard), not an input:
         * the generic scan reads the inputs itself, unless stdin was among
         * them (already read, it cannot be read again: the error stands). */
        int stdin_in = 0;
        for (size_t i = 0; i < n_inputs; i++) stdin_in |= strcmp(inputs[i], "-") == 0;
        if (!scratch_failed || stdin_in) return st;
        memset(err, 0, sizeof *err);
        return fold_generic(t, inputs, n_inputs, o, f, rej, NULL, err);
    }
    st = slagg_fold_shards(t, paths, n_paths, o, f, &used, err);
    if (st == SLAGG_OK && used) {
        f->records_read += trej.total;
        f->rejected += trej.total;
        *rej = trej;
        memset(&trej, 0, sizeof trej);
    } else if (st == SLAGG_OK) {
        /* the shard engine declined (no block at all, or a time span too
         * long for its day table): the generic scan folds the same
         * shards, which hold every accepted record of the text inputs */
        st = fold_generic(t, paths, n_paths, o, f, rej, &trej, err);
    }
    slagg_rejects_free(&trej);
    slagg_text_shards_free(ts);
    return st;
}

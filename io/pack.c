/*
 * pack.c - request logs to shards, one worker per input at a time.
 */
#include "io/pack.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "core/alloc.h"
#include "io/records.h"
#include "io/shard.h"
#include "io/source.h"

#define PACK_BATCH 256

typedef struct pack_ctx {
    const char *const *inputs;
    const char *const *outputs;
    size_t n;
    const slagg_pack_opts *o;
    slagg_pack *p;
    slagg_reject_log *logs;
    slagg_err *errs;          /* one per input */
    unsigned char *wfail;     /* one per input: errs[i] came from the shard writer */
    atomic_size_t next;
    atomic_int stop;
    atomic_uint_fast64_t raw_bytes;
} pack_ctx;

/* Input i is a shard (1.0 or 2.0): its records, block by block in their
 * stored order, into a shard of the writer's format (2.0 by default), so
 * `slagg pack old.shard` upgrades a 1.0 shard and `slagg cat` prints the
 * same records from both. Returns 0 or -1 with errs[i] set. */
static int repack_one(pack_ctx *c, size_t i)
{
    slagg_err *err = &c->errs[i];
    slagg_shard *s;
    slagg_shard_writer *w;
    if (slagg_shard_open(c->inputs[i], &s, err) != SLAGG_OK) return -1;
    if (slagg_shard_writer_open_err(c->outputs[i], &c->o->writer, &w, err) != SLAGG_OK) {
        c->wfail[i] = 1;
        slagg_shard_close(s);
        return -1;
    }
    if (c->o->scratch) slagg_shard_writer_no_sync(w);
    c->p->writers[i] = w;
    slagg_shard_block b;
    memset(&b, 0, sizeof b);
    slagg_shard_record batch[PACK_BATCH];
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < slagg_shard_block_count(s) && !atomic_load(&c->stop); k++) {
        if (slagg_shard_read_block(s, k, &b, err) != SLAGG_OK) {
            rc = -1;
            break;
        }
        for (uint32_t j = 0; rc == 0 && j < b.n; j += PACK_BATCH) {
            size_t nb = b.n - j < PACK_BATCH ? b.n - j : PACK_BATCH, done = 0;
            for (size_t q = 0; q < nb; q++) {
                size_t len;
                const char *name = slagg_shard_account(s, b.account[j + q], &len);
                batch[q] = (slagg_shard_record){b.ts_ms[j + q], name, len, b.status[j + q], (slagg_cause)b.cause[j + q]};
            }
            slagg_status st = slagg_shard_writer_append_batch(w, batch, nb, &done);
            c->p->records[i] += done;
            if (st != SLAGG_OK) {
                slagg_err_set(err, st, "%s", slagg_shard_writer_error(w));
                c->wfail[i] = 1;
                rc = -1;
            }
        }
    }
    int stopped = atomic_load(&c->stop);   /* another input failed: nothing is committed */
    slagg_shard_block_free(&b);
    atomic_fetch_add(&c->raw_bytes, slagg_shard_file_size(s));
    slagg_shard_close(s);
    if (rc == 0 && !stopped && slagg_shard_writer_seal(w, err) != SLAGG_OK) {
        c->wfail[i] = 1;
        rc = -1;
    }
    return rc;
}

/* Packs input i. Returns 0 or -1 with errs[i] set. */
static int pack_one(pack_ctx *c, size_t i)
{
    if (slagg_is_shard(c->inputs[i])) return repack_one(c, i);
    slagg_err *err = &c->errs[i];
    slagg_record_reader *rd;
    slagg_record rec;
    slagg_reject rej;
    slagg_shard_writer *w;
    if (slagg_record_reader_open(c->inputs[i], &rd, err) != SLAGG_OK) return -1;
    slagg_status st = slagg_shard_writer_open_err(c->outputs[i], &c->o->writer, &w, err);
    if (st != SLAGG_OK) {
        c->wfail[i] = 1;
        slagg_record_reader_close(rd);
        return -1;
    }
    if (c->o->scratch) slagg_shard_writer_no_sync(w);
    c->p->writers[i] = w;
    int r;
    uint64_t keep = c->o->max_rejects + SLAGG_REJECTS_KEEP;
    /* records go to the writer PACK_BATCH at a time (it overlaps their
     * account lookups); a record's account is valid only until the next
     * read, so the batch keeps copies */
    slagg_shard_record batch[PACK_BATCH];
    char names[PACK_BATCH][SLAGG_ACCOUNT_MAX];
    size_t nb = 0;
    for (;;) {
        r = slagg_record_reader_next(rd, &rec, &rej, err);
        if (r == SLAGG_RECORD_OK) {
            memcpy(names[nb], rec.account, rec.account_len);
            batch[nb] = (slagg_shard_record){rec.ts_ms, names[nb], rec.account_len, rec.status, rec.cause};
            if (++nb < PACK_BATCH) continue;
        } else if (r == SLAGG_RECORD_REJECTED) {
            if (slagg_reject_log_add(&c->logs[i], (uint32_t)i, rej.line, rej.reason, keep) != 0) {
                slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
                r = SLAGG_RECORD_FAILED;
                break;
            }
            continue;
        } else if (r == SLAGG_RECORD_FAILED || nb == 0) {
            break;
        }
        size_t done = 0;
        st = slagg_shard_writer_append_batch(w, batch, nb, &done);
        c->p->records[i] += done;
        nb = 0;
        if (st != SLAGG_OK) {
            slagg_err_set(err, st, "%s", slagg_shard_writer_error(w));
            c->wfail[i] = 1;
            r = SLAGG_RECORD_FAILED;
            break;
        }
        if (r == SLAGG_RECORD_END) break;
        if ((c->p->records[i] & 0xffff) < PACK_BATCH && atomic_load(&c->stop)) break;
    }
    atomic_fetch_add(&c->raw_bytes, slagg_record_reader_raw_bytes(rd));
    slagg_record_reader_close(rd);
    /* the input is done: its shard waits for the commit with no open
     * file, so any number of inputs packs under a small file limit
     * (SPEC 6) */
    if (r == SLAGG_RECORD_END && slagg_shard_writer_seal(w, err) != SLAGG_OK) {
        c->wfail[i] = 1;
        r = SLAGG_RECORD_FAILED;
    }
    return r == SLAGG_RECORD_FAILED ? -1 : 0;
}

static void *pack_worker(void *arg)
{
    pack_ctx *c = arg;
    for (;;) {
        if (atomic_load(&c->stop)) break;
        size_t i = atomic_fetch_add(&c->next, 1);
        if (i >= c->n) break;
        if (pack_one(c, i) != 0) atomic_store(&c->stop, 1);
    }
    return NULL;
}

slagg_status slagg_pack_files(const char *const *inputs, const char *const *outputs, size_t n,
                              const slagg_pack_opts *o, slagg_pack *p, slagg_rejects *rej,
                              slagg_err *err)
{
    pack_ctx c;
    pthread_t tids[256];
    unsigned nt = o->threads ? o->threads : 1, started = 0;
    slagg_status st = SLAGG_OK;
    if (nt > n) nt = n ? (unsigned)n : 1;
    if (nt > 256) nt = 256;
    /* a worker holds its input and its shard's temporary open; finished
     * shards hold none (sealed): the file limit bounds the workers, never
     * the inputs (SPEC 6) */
    unsigned fd_workers = slagg_input_fd_budget() / 2 ? slagg_input_fd_budget() / 2 : 1;
    if (nt > fd_workers) nt = fd_workers;
    memset(&c, 0, sizeof c);
    memset(p, 0, sizeof *p);
    memset(rej, 0, sizeof *rej);
    p->n = n;
    p->writers = slagg_calloc(n ? n : 1, sizeof *p->writers);
    p->records = slagg_calloc(n ? n : 1, sizeof *p->records);
    c.logs = slagg_calloc(n ? n : 1, sizeof *c.logs);
    c.errs = slagg_calloc(n ? n : 1, sizeof *c.errs);
    c.wfail = slagg_calloc(n ? n : 1, 1);
    if (o->writer_failed) *o->writer_failed = 0;
    if (!p->writers || !p->records || !c.logs || !c.errs || !c.wfail) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    c.inputs = inputs;
    c.outputs = outputs;
    c.n = n;
    c.o = o;
    c.p = p;
    for (; started < nt; started++)
        if (pthread_create(&tids[started], NULL, pack_worker, &c) != 0) break;
    if (started == 0) pack_worker(&c);  /* no thread could start: do it here */
    for (unsigned i = 0; i < started; i++) pthread_join(tids[i], NULL);
    p->raw_bytes = atomic_load(&c.raw_bytes);
    for (size_t i = 0; i < n; i++) {
        if (c.errs[i].code != SLAGG_OK) {
            *err = c.errs[i];
            st = err->code;
            if (o->writer_failed) *o->writer_failed = c.wfail[i];
            goto done;
        }
    }
    st = slagg_rejects_gather(c.logs, n, rej, err);
done:
    if (c.logs)
        for (size_t i = 0; i < n; i++) slagg_reject_log_free(&c.logs[i]);
    slagg_free(c.logs);
    slagg_free(c.errs);
    slagg_free(c.wfail);
    if (st != SLAGG_OK) {
        slagg_pack_discard(p);
        slagg_rejects_free(rej);
    }
    return st;
}

slagg_status slagg_pack_commit(slagg_pack *p, slagg_err *err)
{
    slagg_status st = SLAGG_OK;
    for (size_t i = 0; i < p->n; i++) {
        slagg_shard_writer *w = p->writers[i];
        if (!w) continue;
        p->writers[i] = NULL;
        if (st != SLAGG_OK) {
            slagg_shard_writer_abort(w);
            continue;
        }
        st = slagg_shard_writer_close_err(w, err);
    }
    return st;
}

void slagg_pack_discard(slagg_pack *p)
{
    for (size_t i = 0; p->writers && i < p->n; i++)
        if (p->writers[i]) slagg_shard_writer_abort(p->writers[i]);
    slagg_free(p->writers);
    slagg_free(p->records);
    memset(p, 0, sizeof *p);
}

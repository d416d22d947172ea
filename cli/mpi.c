/*
 * mpi.c - `mpirun -np K slagg fold ...` (cli/mpi.h, docs/DISTRIBUTED.md).
 *
 * Steps, each ending in agree() so that no rank waits alone in a
 * collective:
 *   A  rank 0 expands the inputs and loads the tables; the others wait for
 *      its verdict (MPI_Bcast)
 *   B  rank 0 shares the tables (io/partial.h codec) and the input list
 *   C  rank r scans inputs r, r+K, r+2K, ... (slagg_fold_scan, all threads)
 *   D  counters reduced to rank 0
 *   E  buckets sorted and encoded per destination rank (account % K),
 *      exchanged (chunked MPI_Alltoallv), merged per rank
 *   F  each rank's merged accounts and its rejected rows gathered to rank 0
 *   G  rank 0: the job (core/engine/job.c) finishes the merged state and writes, the
 *      very code a single process runs; its exit code is shared
 */
#include "cli/mpi.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int env_int(const char *name, int *out)
{
    const char *s = getenv(name);
    char *e;
    if (!s || !*s) return 0;
    long v = strtol(s, &e, 10);
    if (*e || v < 0 || v > INT_MAX) return 0;
    *out = (int)v;
    return 1;
}

int slagg_mpi_launched(int *rank)
{
    int size = 0, r = 0;
    *rank = 0;
    if (env_int("OMPI_COMM_WORLD_SIZE", &size)) env_int("OMPI_COMM_WORLD_RANK", &r);
    else if (env_int("PMI_SIZE", &size)) env_int("PMI_RANK", &r);
    else if (env_int("PMIX_RANK", &r) || env_int("PMI_RANK", &r)) size = r + 1; /* at least */
    if (size <= 0) return 0;
    *rank = r;
    return size;
}

#if SLAGG_HAVE_MPI

#include <mpi.h>
#include <stdio.h>

#include "cli/msg.h"
#include "core/alloc.h"
#include "core/dict.h"
#include "io/buf.h"
#include "core/engine/job.h"
#include "io/mem.h"
#include "io/partial.h"

/* Bytes per peer per exchange round: K x this stays under INT_MAX (MPI
 * counts are int) and bounds the scratch memory. */
#define PER_PEER_MAX ((size_t)16 << 20)
#define PER_PEER_MIN ((size_t)4 << 10)
#define SCRATCH_TARGET ((size_t)256 << 20)

typedef struct blob {
    const char *p;
    uint64_t n;
} blob;

typedef struct job {
    int rank, k;
    const slagg_fold_args *a;
    uint64_t *sn, *rn;            /* bytes to / from each peer */
    int *sc, *sd, *rc, *rd;       /* one round's counts and displacements */
    blob *send;
    slagg_buf *recv;
    char *sscr, *rscr;            /* round scratch: k x per bytes each */
    size_t per;
    double *stats;                /* rank 0: records, scan seconds per rank */
} job;

/* ---- agreement and exchange ---------------------------------------------- */

typedef struct fail_msg {
    int32_t rc;
    char msg[1020];
} fail_msg;

/* Every rank passes its own outcome (rc 0 = fine; else an exit code and a
 * message); all get back the exit code of the lowest failing rank, or 0.
 * Rank 0 prints every failing rank's message. Collective. */
static int agree(job *j, int rc, const char *msg)
{
    int mine = rc ? j->rank : j->k, first = j->k;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == j->k) return 0;
    fail_msg m, *all = NULL;
    memset(&m, 0, sizeof m);
    m.rc = rc;
    if (rc) snprintf(m.msg, sizeof m.msg, "%s", msg && *msg ? msg : "failed");
    if (j->rank == 0) {
        all = calloc((size_t)j->k, sizeof *all);
        if (!all) {
            fputs("slagg: out of memory\n", stderr);
            MPI_Abort(MPI_COMM_WORLD, 3);
        }
    }
    MPI_Gather(&m, (int)sizeof m, MPI_BYTE, all, (int)sizeof m, MPI_BYTE, 0, MPI_COMM_WORLD);
    int out = 0;
    if (j->rank == 0) {
        int nfail = 0;
        for (int r = 0; r < j->k; r++) {
            if (!all[r].rc) continue;
            nfail++;
            if (j->k > 1) slagg_cli_error("%s [rank %d of %d]", all[r].msg, r, j->k);
            else slagg_cli_error("%s", all[r].msg);
        }
        out = all[first].rc;
        if (j->k > 1)
            slagg_cli_error("%d of %d ranks failed; nothing written", nfail, j->k);
        free(all);
    }
    MPI_Bcast(&out, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return out;
}

/* Collective: this rank sends j->send[d] to each rank d; j->recv[s] gets
 * (appended) what rank s sent. Chunked in rounds of at most j->per bytes
 * per peer. An allocation failure while receiving only marks j->recv[s]
 * failed (slagg_buf is sticky): the rounds still complete everywhere. */
static void exchange(job *j)
{
    int k = j->k;
    uint64_t mx = 0;
    for (int d = 0; d < k; d++) j->sn[d] = j->send[d].n;
    MPI_Alltoall(j->sn, 1, MPI_UINT64_T, j->rn, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    for (int d = 0; d < k; d++) {
        if (j->sn[d] > mx) mx = j->sn[d];
        if (j->rn[d] > mx) mx = j->rn[d];
    }
    MPI_Allreduce(MPI_IN_PLACE, &mx, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    uint64_t rounds = (mx + j->per - 1) / j->per;
    for (uint64_t r = 0; r < rounds; r++) {
        uint64_t off = r * j->per;
        for (int d = 0; d < k; d++) {
            uint64_t left = j->sn[d] > off ? j->sn[d] - off : 0;
            j->sc[d] = (int)(left < j->per ? left : j->per);
            j->sd[d] = (int)((size_t)d * j->per);
            if (j->sc[d]) memcpy(j->sscr + j->sd[d], j->send[d].p + off, (size_t)j->sc[d]);
            left = j->rn[d] > off ? j->rn[d] - off : 0;
            j->rc[d] = (int)(left < j->per ? left : j->per);
            j->rd[d] = j->sd[d];
        }
        MPI_Alltoallv(j->sscr, j->sc, j->sd, MPI_BYTE, j->rscr, j->rc, j->rd, MPI_BYTE,
                      MPI_COMM_WORLD);
        for (int s = 0; s < k; s++)
            if (j->rc[s]) slagg_buf_put(&j->recv[s], j->rscr + j->rd[s], (size_t)j->rc[s]);
    }
}

static void reset_io(job *j)
{
    for (int d = 0; d < j->k; d++) {
        j->send[d] = (blob){NULL, 0};
        slagg_buf_free(&j->recv[d]);
        memset(&j->recv[d], 0, sizeof j->recv[d]);
    }
}

static int job_alloc(job *j)
{
    size_t k = (size_t)j->k;
    size_t per = SCRATCH_TARGET / k;
    if (per > PER_PEER_MAX) per = PER_PEER_MAX;
    if (per < PER_PEER_MIN) per = PER_PEER_MIN;
    while (per > 1 && k * per > (size_t)INT_MAX) per /= 2;
    j->per = per;
    j->sn = calloc(k, sizeof *j->sn);
    j->rn = calloc(k, sizeof *j->rn);
    j->sc = calloc(k, sizeof *j->sc);
    j->sd = calloc(k, sizeof *j->sd);
    j->rc = calloc(k, sizeof *j->rc);
    j->rd = calloc(k, sizeof *j->rd);
    j->send = calloc(k, sizeof *j->send);
    j->recv = calloc(k, sizeof *j->recv);
    j->sscr = malloc(k * per);
    j->rscr = malloc(k * per);
    j->stats = calloc(2 * k, sizeof *j->stats);
    return j->sn && j->rn && j->sc && j->sd && j->rc && j->rd && j->send && j->recv && j->sscr &&
                   j->rscr && j->stats
               ? 0
               : -1;
}

static void job_free(job *j)
{
    if (j->recv)
        for (int d = 0; d < j->k; d++) slagg_buf_free(&j->recv[d]);
    free(j->sn);
    free(j->rn);
    free(j->sc);
    free(j->sd);
    free(j->rc);
    free(j->rd);
    free(j->send);
    free(j->recv);
    free(j->sscr);
    free(j->rscr);
    free(j->stats);
}

/* ---- little bounds-checked reader for the blobs exchanged ----------------- */

typedef struct rd {
    const unsigned char *p;
    size_t left;
    int bad;
} rd;

static uint64_t rd64(rd *r)
{
    if (r->bad || r->left < 8) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = slagg_le64_load(r->p);
    r->p += 8;
    r->left -= 8;
    return v;
}

/* n bytes of r as a pointer (NULL and r->bad when fewer are left). */
static const unsigned char *rd_take(rd *r, uint64_t n)
{
    if (r->bad || n > r->left) {
        r->bad = 1;
        return NULL;
    }
    const unsigned char *p = r->p;
    r->p += n;
    r->left -= (size_t)n;
    return p;
}

static void put_str64(slagg_buf *b, const char *s)
{
    size_t n = strlen(s);
    slagg_buf_le64(b, n);
    slagg_buf_put(b, s, n);
}

static char *rd_str(rd *r)
{
    uint64_t n = rd64(r);
    const unsigned char *p = rd_take(r, n);
    if (!p) return NULL;
    char *s = slagg_strndup((const char *)p, (size_t)n);
    if (!s) r->bad = 2;
    return s;
}

static double now_s(void) { return MPI_Wtime(); }

/* ---- the job ------------------------------------------------------------- */

typedef struct row_pos {
    slagg_reject_row row;
    size_t pos;
} row_pos;

static int row_pos_cmp(const void *pa, const void *pb)
{
    const row_pos *a = pa, *b = pb;
    if (a->row.file != b->row.file) return a->row.file < b->row.file ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

static char *human_bytes(uint64_t n, char buf[32])
{
    if (n < 10000) snprintf(buf, 32, "%llu B", (unsigned long long)n);
    else if (n < 10000000) snprintf(buf, 32, "%.1f KB", (double)n / 1e3);
    else snprintf(buf, 32, "%.1f MB", (double)n / 1e6);
    return buf;
}

/* ---- merging sorted bucket streams ---------------------------------------- */

static int key_less(const slagg_bucket *a, const slagg_bucket *b)
{
    if (a->account != b->account) return a->account < b->account;
    return a->window < b->window;
}

static void sift_down(int *heap, int nh, const slagg_bucket *head, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < nh && key_less(&head[heap[l]], &head[heap[m]])) m = l;
        if (r < nh && key_less(&head[heap[r]], &head[heap[m]])) m = r;
        if (m == i) return;
        int t = heap[i];
        heap[i] = heap[m];
        heap[m] = t;
        i = m;
    }
}

/* Merges k sorted streams (a binary heap of their heads), summing the
 * counters of equal (account, window) entries, and passes each result, in
 * order, to emit (which returns 0, or -1 when out of memory). Returns 0;
 * -1 with err set for a corrupt stream; -2 when out of memory. */
static int kmerge(slagg_bucket_dec *dec, int k, int (*emit)(void *, const slagg_bucket *), void *ctx,
                  slagg_err *err)
{
    slagg_bucket *head = calloc((size_t)k, sizeof *head), cur;
    int *heap = calloc((size_t)k, sizeof *heap), nh = 0, have = 0, rc = 0;
    if (!head || !heap) {
        rc = -2;
        goto out;
    }
    for (int s = 0; s < k; s++) {
        int r = slagg_bucket_next(&dec[s], &head[s], err);
        if (r < 0) {
            rc = -1;
            goto out;
        }
        if (r > 0) heap[nh++] = s;
    }
    for (int i = nh / 2 - 1; i >= 0; i--) sift_down(heap, nh, head, i);
    while (nh) {
        int s = heap[0];
        const slagg_bucket *h = &head[s];
        if (have && h->account == cur.account && h->window == cur.window) {
            for (int c = 0; c < SLAGG_CLASS_COUNT; c++) cur.cls[c] += h->cls[c];
        } else {
            if (have && emit(ctx, &cur) != 0) {
                rc = -2;
                goto out;
            }
            cur = *h;
            have = 1;
        }
        int r = slagg_bucket_next(&dec[s], &head[s], err);
        if (r < 0) {
            rc = -1;
            goto out;
        }
        if (r == 0) heap[0] = heap[--nh];
        sift_down(heap, nh, head, 0);
    }
    if (have && emit(ctx, &cur) != 0) rc = -2;
out:
    free(head);
    free(heap);
    return rc;
}

typedef struct enc_sink {
    slagg_bucket_enc *enc;
    slagg_buf *buf;
} enc_sink;

static int emit_enc(void *ctx, const slagg_bucket *b)
{
    enc_sink *e = ctx;
    slagg_bucket_put(e->enc, e->buf, b);
    return 0; /* the buffer's failure is sticky: checked by the caller */
}

typedef struct slot_sink {
    slagg_bucket *slot;
    size_t n, cap;
} slot_sink;

static int emit_slot(void *ctx, const slagg_bucket *b)
{
    slot_sink *s = ctx;
    if (s->n == s->cap) return -1; /* cannot happen: cap >= entries sent */
    s->slot[s->n++] = *b;
    return 0;
}

static int run(job *j)
{
    const slagg_fold_args *a = j->a;
    const int k = j->k, rank = j->rank;
    slagg_path_list all = {0}, skipped = {0};  /* skipped: rank 0's, for the manifest */
    slagg_tables tables = {0};
    slagg_fold_state st = {0}, fin = {0};
    slagg_buf setup = {0}, mine_blob = {0};
    slagg_buf *obuf = NULL;
    slagg_bucket_enc *enc = NULL;
    const char **mine = NULL;
    row_pos *rows = NULL;
    slagg_bucket_dec *dec = NULL;
    slagg_err err = {0};
    char msg[1024] = "";
    int rc, lrc = 0;
    uint32_t n_accounts = 0;
    double t_start = now_s(), t_scan = 0, t_exch = 0, t_gather = 0;
    uint64_t exch_bytes = 0, gather_bytes = 0, n_entries_sent = 0;

    if (job_alloc(j) != 0) lrc = 3;
    if ((rc = agree(j, lrc, "out of memory"))) goto done;

    /* A: rank 0 takes DIR's lock, expands the inputs, and has the job take
     * the manifest's provenance and load the tables (slagg_fold_begin) */
    if (rank == 0) {
        lrc = slagg_cli_job_lock(a->job, a->out, a->no_wait, a->quiet);
        if (!lrc)
            lrc = slagg_cli_expand_inputs(a->pos, a->n_pos, 1,
                                          "under mpirun (the inputs are split between ranks)", &all, &skipped);
        if (!lrc) lrc = slagg_cli_add_inputs(a->job, &all, &skipped);
        if (!lrc) {
            slagg_status ps = slagg_fold_begin(a->job);
            if (ps != SLAGG_OK) lrc = slagg_cli_job_error(a->job, ps);
        }
        if (!lrc) {
            slagg_buf tb = {0};
            slagg_tables_encode(slagg_fold_tables(a->job), &tb);
            slagg_buf_le64(&setup, tb.len);
            slagg_buf_put(&setup, tb.data, tb.len);
            slagg_buf_le64(&setup, all.n);
            for (size_t i = 0; i < all.n; i++) put_str64(&setup, all.v[i]);
            if (slagg_buf_failed(&tb) || slagg_buf_failed(&setup)) {
                slagg_cli_error("out of memory");
                lrc = 3;
            }
            slagg_buf_free(&tb);
        }
    }
    MPI_Bcast(&lrc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (lrc) { /* rank 0 said why */
        rc = lrc;
        goto done;
    }

    /* B: the tables and the input list, from rank 0 to all */
    for (int d = 0; d < k; d++) j->send[d] = rank == 0 ? (blob){setup.data, setup.len} : (blob){NULL, 0};
    exchange(j);
    if (rank != 0) {
        const slagg_buf *b = &j->recv[0];
        rd r = {(const unsigned char *)b->data, b->len, slagg_buf_failed(b)};
        uint64_t tl = rd64(&r);
        const unsigned char *tp = rd_take(&r, tl);
        if (r.bad) {
            lrc = r.bad == 2 || slagg_buf_failed(b) ? 3 : 2;
            snprintf(msg, sizeof msg, "%s", lrc == 3 ? "out of memory" : "bad setup message from rank 0");
        } else {
            slagg_status s = slagg_tables_decode(tp, (size_t)tl, &tables, "tables from rank 0", &err);
            if (s != SLAGG_OK) {
                lrc = slagg_status_exit_code(s);
                snprintf(msg, sizeof msg, "%s", err.msg);
            }
            uint64_t n = rd64(&r);
            for (uint64_t i = 0; !lrc && i < n && !r.bad; i++) {
                char *p = rd_str(&r);
                if (p && slagg_strv_push(&all, p)) r.bad = 2;
                slagg_free(p);
            }
            if (!lrc && (r.bad || r.left)) {
                lrc = r.bad == 2 ? 3 : 2;
                snprintf(msg, sizeof msg, "%s", lrc == 3 ? "out of memory" : "bad setup message from rank 0");
            }
        }
    }
    slagg_buf_free(&setup);
    reset_io(j);
    if ((rc = agree(j, lrc, msg))) goto done;
    /* rank 0's tables are the job's, the others' decoded from rank 0 */
    const slagg_tables *tabs = rank == 0 ? slagg_fold_tables(a->job) : &tables;
    n_accounts = slagg_tables_account_count(tabs);

    /* C: scan inputs rank, rank + K, ... with all this rank's threads */
    size_t n_mine = 0;
    mine = slagg_calloc(all.n ? all.n : 1, sizeof *mine);
    if (!mine) {
        lrc = 3;
        snprintf(msg, sizeof msg, "out of memory");
    } else {
        for (size_t i = (size_t)rank; i < all.n; i += (size_t)k) mine[n_mine++] = all.v[i];
        slagg_fold_opts fo = *slagg_fold_options(a->job);
        fo.progress = NULL; /* K ranks writing \r lines would interleave */
        double t0 = now_s();
        slagg_status s = slagg_fold_scan(tabs, mine, n_mine, &fo, &st, &err);
        double scan_s = now_s() - t0;
        if (s != SLAGG_OK) {
            lrc = slagg_status_exit_code(s);
            snprintf(msg, sizeof msg, "%s", err.msg);
        }
        double my[2] = {(double)st.records_read, scan_s};
        MPI_Gather(my, 2, MPI_DOUBLE, j->stats, 2, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    }
    /* the gather above must be reached by all: a rank without `mine` joins it here */
    if (!mine) {
        double my[2] = {0, 0};
        MPI_Gather(my, 2, MPI_DOUBLE, j->stats, 2, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    }
    if ((rc = agree(j, lrc, msg))) goto done;
    t_scan = now_s();

    /* D: counters */
    /* before_from is counted while scanning (SPEC 2), so it is summed like
     * the other scan counters */
    uint64_t cnt[4] = {st.records_read, st.rejected, st.rejects.total, st.before_from}, tot[4] = {0, 0, 0, 0};
    MPI_Reduce(cnt, tot, 4, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    int64_t mx = st.has_record ? st.max_ms : INT64_MIN, gmx = INT64_MIN;
    MPI_Reduce(&mx, &gmx, 1, MPI_INT64_T, MPI_MAX, 0, MPI_COMM_WORLD);

    /* E: bucket entries to rank (account % K); each stream starts with its
     * entry count (u64) */
    obuf = calloc((size_t)k, sizeof *obuf);
    enc = calloc((size_t)k, sizeof *enc);
    if (!obuf || !enc) {
        lrc = 3;
    } else {
        size_t nb = slagg_buckets_sort(&st.buckets);
        for (int d = 0; d < k; d++) slagg_buf_le64(&obuf[d], 0);
        for (size_t i = 0; i < nb; i++) {
            const slagg_bucket *b = &st.buckets.slot[i];
            int d = (int)(b->account % (uint32_t)k);
            slagg_bucket_put(&enc[d], &obuf[d], b);
        }
        slagg_buckets_free(&st.buckets);
        for (int d = 0; d < k; d++) {
            if (slagg_buf_failed(&obuf[d])) {
                lrc = 3;
                continue;
            }
            slagg_le64_store(obuf[d].data, enc[d].n);
            exch_bytes += obuf[d].len - 8;
            n_entries_sent += enc[d].n;
        }
    }
    if ((rc = agree(j, lrc, "out of memory"))) goto done;
    for (int d = 0; d < k; d++) j->send[d] = (blob){obuf[d].data, obuf[d].len};
    exchange(j);
    for (int d = 0; d < k; d++) slagg_buf_free(&obuf[d]);
    /* merge the K sorted streams received straight into this rank's
     * (sorted) partition stream: no hash table, no second sort */
    slagg_buf bk = {0};
    slagg_bucket_enc e = {0};
    dec = calloc((size_t)k, sizeof *dec);
    if (!dec) {
        lrc = 3;
        snprintf(msg, sizeof msg, "out of memory");
    }
    for (int s = 0; !lrc && s < k; s++) {
        const slagg_buf *b = &j->recv[s];
        if (slagg_buf_failed(b)) {
            lrc = 3;
            snprintf(msg, sizeof msg, "out of memory");
            break;
        }
        rd r = {(const unsigned char *)b->data, b->len, 0};
        uint64_t n = rd64(&r);
        if (r.bad) {
            lrc = 2;
            snprintf(msg, sizeof msg, "MPI exchange from rank %d: truncated", s);
            break;
        }
        slagg_bucket_dec_init(&dec[s], r.p, r.left, n, n_accounts, "MPI exchange");
    }
    if (!lrc) {
        enc_sink sink = {&e, &bk};
        int m = kmerge(dec, k, emit_enc, &sink, &err);
        if (m < 0) {
            lrc = m == -2 ? 3 : slagg_status_exit_code(err.code);
            snprintf(msg, sizeof msg, "%s", m == -2 ? "out of memory" : err.msg);
        } else if (slagg_buf_failed(&bk)) {
            lrc = 3;
            snprintf(msg, sizeof msg, "out of memory");
        }
    }
    reset_io(j);
    if ((rc = agree(j, lrc, msg))) {
        slagg_buf_free(&bk);
        goto done;
    }
    t_exch = now_s();

    /* F: this rank's accounts and its rejected rows, to rank 0:
     * u64 n_entries, u64 bytes, bucket stream, u64 n_rows, per row
     * u64 file (global index), u64 line, u64 length + reason */
    {
        slagg_buf_le64(&mine_blob, e.n);
        slagg_buf_le64(&mine_blob, bk.len);
        slagg_buf_put(&mine_blob, bk.data, bk.len);
        gather_bytes = bk.len;
        slagg_buf_free(&bk);
        slagg_buf_le64(&mine_blob, st.rejects.n);
        for (size_t i = 0; i < st.rejects.n; i++) {
            const slagg_reject_row *row = &st.rejects.rows[i];
            slagg_buf_le64(&mine_blob, (uint64_t)row->file * (uint64_t)k + (uint64_t)rank);
            slagg_buf_le64(&mine_blob, row->line);
            put_str64(&mine_blob, row->reason);
        }
        /* then u64 has_record, i64 min_ms and the coverage codec (io/partial.h) */
        slagg_buf_le64(&mine_blob, st.has_record ? 1 : 0);
        slagg_buf_le64(&mine_blob, (uint64_t)(st.has_record ? st.min_ms : 0));
        slagg_cov_encode(&st.cov, &mine_blob);
        if (slagg_buf_failed(&mine_blob)) lrc = 3;
    }
    if ((rc = agree(j, lrc, "out of memory"))) goto done;
    j->send[0] = (blob){mine_blob.data, mine_blob.len};
    exchange(j);
    slagg_buf_free(&mine_blob);
    if (rank == 0) {
        size_t n_rows = 0, cap_rows = 0;
        uint64_t total = 0;
        int has_min = 0;
        int64_t gmin = 0;
        if (slagg_cov_acc_init(&fin.cov) != 0) {
            lrc = 3;
            snprintf(msg, sizeof msg, "out of memory");
        }
        for (int s = 0; !lrc && s < k; s++) {
            const slagg_buf *b = &j->recv[s];
            rd r = {(const unsigned char *)b->data, b->len, slagg_buf_failed(b) ? 2 : 0};
            uint64_t ne = rd64(&r), bl = rd64(&r);
            const unsigned char *bp = rd_take(&r, bl);
            if (!r.bad) {
                slagg_bucket_dec_init(&dec[s], bp, (size_t)bl, ne, n_accounts, "MPI gather");
                total += ne;
            }
            uint64_t nr = rd64(&r);
            for (uint64_t i = 0; i < nr && !r.bad; i++) {
                uint64_t file = rd64(&r), line = rd64(&r);
                char *reason = rd_str(&r);
                if (r.bad) {
                    slagg_free(reason);
                    break;
                }
                if (file >= all.n) {
                    slagg_free(reason);
                    r.bad = 1;
                    break;
                }
                if (n_rows == cap_rows) {
                    size_t nc = cap_rows ? cap_rows * 2 : 64;
                    row_pos *p = slagg_reallocarray(rows, nc, sizeof *p);
                    if (!p) {
                        slagg_free(reason);
                        r.bad = 2;
                        break;
                    }
                    rows = p;
                    cap_rows = nc;
                }
                rows[n_rows] = (row_pos){{(uint32_t)file, line, reason}, n_rows};
                n_rows++;
            }
            uint64_t has = rd64(&r);
            int64_t mn = (int64_t)rd64(&r);
            if (!r.bad && has) {
                if (!has_min || mn < gmin) gmin = mn;
                has_min = 1;
            }
            if (!r.bad) {
                size_t used = 0;
                slagg_status cs = slagg_cov_decode_add(r.p, r.left, &used, &fin.cov, "MPI gather", &err);
                if (cs == SLAGG_E_NOMEM) r.bad = 2;
                else if (cs != SLAGG_OK) r.bad = 1;
                else rd_take(&r, used);
            }
            if (r.bad || r.left) {
                lrc = r.bad == 2 ? 3 : 2;
                if (lrc == 3) snprintf(msg, sizeof msg, "out of memory");
                else snprintf(msg, sizeof msg, "MPI gather from rank %d: malformed", s);
            }
        }
        /* the K partitions (disjoint accounts, each sorted) merged into one
         * sorted slot array: slagg_fold_finish only sorts and reads it */
        if (!lrc) {
            size_t cap = 1024;
            while (cap < total) cap *= 2;
            slot_sink sink = {slagg_calloc(cap, sizeof(slagg_bucket)), 0, cap};
            int m = sink.slot ? kmerge(dec, k, emit_slot, &sink, &err) : -2;
            if (m < 0) {
                lrc = m == -2 ? 3 : slagg_status_exit_code(err.code);
                snprintf(msg, sizeof msg, "%s", m == -2 ? "out of memory" : err.msg);
                slagg_free(sink.slot);
            } else {
                fin.buckets.slot = sink.slot;
                fin.buckets.mask = cap - 1;
                fin.buckets.n = sink.n;
            }
        }
        /* rows of one input all come from one rank, in line order: sorting
         * by (input, arrival) gives the single-process order */
        if (n_rows) qsort(rows, n_rows, sizeof *rows, row_pos_cmp);
        fin.rejects.rows = slagg_calloc(n_rows ? n_rows : 1, sizeof *fin.rejects.rows);
        if (!fin.rejects.rows && !lrc) {
            lrc = 3;
            snprintf(msg, sizeof msg, "out of memory");
        }
        for (size_t i = 0; i < n_rows; i++) {
            if (fin.rejects.rows) fin.rejects.rows[fin.rejects.n++] = rows[i].row;
            else slagg_free(rows[i].row.reason);
        }
        slagg_free(rows);
        rows = NULL;
        fin.records_read = tot[0];
        fin.rejected = tot[1];
        fin.rejects.total = tot[2];
        fin.before_from = tot[3];
        fin.has_record = gmx != INT64_MIN;
        fin.max_ms = fin.has_record ? gmx : 0;
        fin.min_ms = has_min ? gmin : 0;
    }
    reset_io(j);
    uint64_t sums[3] = {exch_bytes, gather_bytes, n_entries_sent}, gsums[3] = {0, 0, 0};
    MPI_Reduce(sums, gsums, 3, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    if ((rc = agree(j, lrc, msg))) goto done;
    t_gather = now_s();

    /* G: rank 0 writes, exactly as one process would */
    if (rank == 0) {
        char extra[512], b1[32], b2[32];
        double slowest = 0, rate = 0;
        for (int r = 0; r < k; r++) {
            if (j->stats[2 * r + 1] > slowest) slowest = j->stats[2 * r + 1];
            if (j->stats[2 * r + 1] > 0) rate += j->stats[2 * r] / j->stats[2 * r + 1];
        }
        snprintf(extra, sizeof extra,
                 "  mpi: %d rank%s; scan %.2f s (slowest rank), %.2f M records/s per rank;\n"
                 "       exchange %.2f s, %llu buckets in %s (%.1f B each, %.0f B per account);\n"
                 "       gather %.2f s, %s\n",
                 k, k == 1 ? "" : "s", slowest, rate / k / 1e6, t_exch - t_scan,
                 (unsigned long long)gsums[2], human_bytes(gsums[0], b1),
                 gsums[2] ? (double)gsums[0] / (double)gsums[2] : 0.0,
                 n_accounts ? (double)gsums[0] / n_accounts : 0.0, t_gather - t_exch,
                 human_bytes(gsums[1], b2));
        (void)t_start;
        /* the job finishes the merged state as one process would */
        slagg_fold_adopt_state(a->job, &fin);
        lrc = slagg_cli_job_finish("fold", a->job, slagg_fold_run(a->job), a->out, a->rejects != NULL, a->quiet,
                                   extra);
    }
    MPI_Bcast(&lrc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    rc = lrc;
done:
    if (obuf)
        for (int d = 0; d < k; d++) slagg_buf_free(&obuf[d]);
    free(obuf);
    free(enc);
    free(dec);
    slagg_free(mine);
    slagg_buf_free(&setup);
    slagg_buf_free(&mine_blob);
    slagg_fold_state_free(&st);
    slagg_fold_state_free(&fin);
    slagg_tables_free(&tables);
    slagg_strv_free(&all);
    slagg_strv_free(&skipped);
    job_free(j);
    return rc;
}

int slagg_mpi_fold(const slagg_fold_args *a)
{
    job j;
    memset(&j, 0, sizeof j);
    j.a = a;
    if (MPI_Init(NULL, NULL) != MPI_SUCCESS) {
        fputs("slagg: MPI_Init failed\n", stderr);
        return 3;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &j.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &j.k);
    slagg_cli_silent = j.rank != 0;
    int rc = run(&j);
    MPI_Finalize();
    return rc;
}

#endif /* SLAGG_HAVE_MPI */

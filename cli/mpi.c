/*
 * mpi.c - `mpirun -np K slagg fold ...` (cli/mpi.h, docs/DISTRIBUTED.md).
 *
 * Steps, each ending in agree() so that no rank waits alone in a
 * collective:
 *   A  rank 0 expands the inputs and loads the tables; the others wait for
 *      its verdict (MPI_Bcast)
 *   B  rank 0 shares the tables (io/partial.h codec) and the input list
 *   C  rank r folds inputs r, r+K, r+2K, ... with all its threads into a
 *      partial file in its $TMPDIR (slagg_fold_partial_file: the shard
 *      engine's cells streamed out, bounded memory), as `fold --partial`
 *      does, but with the two-phase exchange (key_exchange below): the
 *      keys of every rank's error cells go to every rank between the
 *      sparse fold's passes, and the partial holds only the union's cells
 *   D  the partials cross to rank 0, in chunks, into its $TMPDIR
 *   E  rank 0: the job (core/engine/job.c) merges them as `slagg merge`
 *      does (streamed, bounded) and writes what one process writes; its
 *      exit code is shared. Every rank removes its temporary files.
 */
#ifdef __linux__
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT: rank 0's tail on its node's cores */
#endif
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

#include <errno.h>
#include <mpi.h>
#ifdef __linux__
#include <sched.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

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
    int node_k;                   /* ranks on rank 0's node, itself included */
#ifdef __linux__
    cpu_set_t node_cpus;          /* rank 0: the CPUs its node's ranks may run on */
    int have_node_cpus;
#endif
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

/* ---- the two-phase exchange (docs/DISTRIBUTED.md) --------------------------- */

#define KEY_BYTES 12   /* LE64 window, LE32 account */

/* Rank 0's exit code to every rank, waited for without spinning: Open MPI
 * busy-polls a blocking collective, and while rank 0 merges and writes
 * alone (step E) the cores of the ranks beside it run its threads
 * (node_k). Every rank calls it: a nonblocking collective matches only
 * nonblocking ones. */
static void bcast_rc_sleeping(int *rc)
{
    MPI_Request rq;
    int done = 0;
    MPI_Ibcast(rc, 1, MPI_INT, 0, MPI_COMM_WORLD, &rq);
    MPI_Test(&rq, &done, MPI_STATUS_IGNORE);
    while (!done) {
        struct timespec ts = {0, 250000}; /* 0.25 ms: nothing to a merge of 0.1 s or more */
        nanosleep(&ts, NULL);
        MPI_Test(&rq, &done, MPI_STATUS_IGNORE);
    }
}

/* How many ranks share rank 0's node (MPI-3 shared-memory split), told to
 * every rank (1 where that cannot be known), and on Linux the union of
 * their CPU affinities, kept by rank 0: mpirun binds each rank to its
 * cores, and rank 0's tail runs on all of them (tail_on_node_cpus).
 * Collective. */
static void ranks_beside_rank0(job *j)
{
    MPI_Comm node;
    int n = 0;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
        if (j->rank == 0) MPI_Comm_size(node, &n);
#ifdef __linux__
        /* ordered by world rank (key 0): world rank 0 is the node's rank 0 */
        cpu_set_t mine;
        int ok = sched_getaffinity(0, sizeof mine, &mine) == 0, all_ok = 0;
        if (!ok) CPU_ZERO(&mine);
        MPI_Reduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, 0, node);
        MPI_Reduce(&mine, &j->node_cpus, (int)sizeof mine, MPI_BYTE, MPI_BOR, 0, node);
        j->have_node_cpus = j->rank == 0 && all_ok;
#endif
        MPI_Comm_free(&node);
    }
    MPI_Bcast(&n, 1, MPI_INT, 0, MPI_COMM_WORLD);
    j->node_k = n > 0 ? n : 1;
}

/* Rank 0's threads for the merge and the outputs: those of every rank on
 * its node (per_rank each), at most their CPUs. */
static unsigned tail_thread_count(const job *j, unsigned per_rank)
{
    uint64_t n = (uint64_t)per_rank * (uint64_t)(j->node_k < 1 ? 1 : j->node_k);
#ifdef __linux__
    if (j->have_node_cpus && CPU_COUNT(&j->node_cpus) > 0 && n > (uint64_t)CPU_COUNT(&j->node_cpus))
        n = (uint64_t)CPU_COUNT(&j->node_cpus);
#endif
    if (n < 1) n = 1;
    return n > 1024 ? 1024 : (unsigned)n;
}

/* Rank 0, before the merge: its thread, and the threads it starts, may run
 * on every CPU of its node's ranks, which wait asleep meanwhile. */
static void tail_on_node_cpus(job *j)
{
#ifdef __linux__
    if (j->have_node_cpus) (void)sched_setaffinity(0, sizeof j->node_cpus, &j->node_cpus);
#else
    (void)j;
#endif
}

typedef struct kx {
    job *j;
    int covered, called; /* the cover step, the keys' step began */
    int agreed_rc;       /* another rank failed before the exchange: the job's exit code */
    uint64_t mine, all;  /* keys: this rank's, the union */
    int64_t cover_span;  /* windows in the summed cover (0: some rank could not tell) */
    double seconds;
} kx;

/* The agreement that opens a step of the exchange: SLAGG_OK, or (some
 * rank failed before it) the job's exit code in x->agreed_rc and an error. */
static slagg_status kx_agree(kx *x, slagg_err *err)
{
    int rc = agree(x->j, 0, NULL);
    if (!rc) return SLAGG_OK;
    x->agreed_rc = rc;
    return slagg_err_set(err, SLAGG_E_INTERNAL, "another rank failed");
}

/* The most windows the summed cover spans (4 bytes each): 20 years. Wider,
 * the ranks keep every group, as without it. */
#define COVER_SPAN_MAX ((int64_t)20 * 366 * 288)

/* The cover step (core/cell.h): the window range of every rank (MPI_MAX
 * of -lo and hi, and of "cannot tell"), then the counts summed over it. */
static slagg_status cover_exchange(void *ctx, const uint32_t *cover, int64_t lo, int64_t span, uint32_t **sum,
                                   int64_t *sum_lo, int64_t *sum_span, slagg_err *err)
{
    kx *x = ctx;
    job *j = x->j;
    double t0 = now_s();
    x->covered = 1;
    *sum = NULL;
    *sum_lo = *sum_span = 0;
    slagg_status st = kx_agree(x, err);
    if (st != SLAGG_OK) return st;
    /* a rank with nothing to cover (span 0) adds nothing, and can tell */
    int64_t r[3] = {cover && span > 0 ? -lo : INT64_MIN, cover && span > 0 ? lo + span : INT64_MIN, cover ? 0 : 1};
    MPI_Allreduce(MPI_IN_PLACE, r, 3, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
    const int64_t glo = -r[0], gspan = r[1] - glo;
    /* someone cannot tell, nobody covers anything, or too wide: no cover */
    if (!r[2] && r[0] != INT64_MIN && gspan > 0 && gspan <= COVER_SPAN_MAX) {
        uint32_t *all = slagg_calloc((size_t)gspan + 1, sizeof *all);
        int rc = agree(j, all ? 0 : 3, "out of memory");
        if (rc) {
            slagg_free(all);
            x->agreed_rc = rc;
            st = slagg_err_set(err, SLAGG_E_INTERNAL, "a rank failed");
        } else {
            for (int64_t w = 0; cover && w < span; w++) all[lo - glo + w] = cover[w];
            MPI_Allreduce(MPI_IN_PLACE, all, (int)gspan, MPI_UINT32_T, MPI_SUM, MPI_COMM_WORLD);
            *sum = all;
            *sum_lo = glo;
            *sum_span = gspan;
            x->cover_span = gspan;
        }
    }
    x->seconds += now_s() - t0;
    return st;
}

/* Rank s's keys in j->recv[s] as they stand at *at: 1 and *key, or 0
 * when they are used up. */
static int key_at(const slagg_buf *b, size_t at, slagg_cell_key *key)
{
    if (at + KEY_BYTES > b->len) return 0;
    key->window = (int64_t)slagg_le64_load(b->data + at);
    key->account = slagg_le32_load(b->data + at + 8);
    return 1;
}

/* slagg_cell_exchange's fn (core/cell.h): an agreement first (a rank that
 * failed before the exchange calls agree() in its place: every rank then
 * stops here), then every rank's keys to every rank, merged K-way into the
 * union. A failure after the agreement (memory, a bad message) is this
 * rank's own, agreed on at the end of the fold step. */
static slagg_status key_exchange(void *ctx, const slagg_cell_key *mine, size_t n, slagg_cell_key **all,
                                 size_t *n_all, slagg_err *err)
{
    kx *x = ctx;
    job *j = x->j;
    *all = NULL;
    *n_all = 0;
    if (!x->covered) {   /* the steps in order: this rank "cannot tell" */
        uint32_t *sum = NULL;
        int64_t slo, sspan;
        slagg_status cs = cover_exchange(x, NULL, 0, 0, &sum, &slo, &sspan, err);
        slagg_free(sum);
        if (cs != SLAGG_OK) return cs;
    }
    double t0 = now_s();
    x->called = 1;
    slagg_status ast = kx_agree(x, err);
    if (ast != SLAGG_OK) return ast;
    slagg_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        slagg_buf_le64(&b, (uint64_t)mine[i].window);
        slagg_buf_le32(&b, mine[i].account);
    }
    int failed = slagg_buf_failed(&b);
    for (int d = 0; d < j->k; d++) j->send[d] = failed ? (blob){NULL, 0} : (blob){b.data, b.len};
    exchange(j);
    slagg_buf_free(&b);
    size_t total = 0, *at = calloc((size_t)j->k, sizeof *at);
    for (int s = 0; s < j->k; s++) {
        failed |= slagg_buf_failed(&j->recv[s]);
        if (j->recv[s].len % KEY_BYTES) failed = 2;
        total += j->recv[s].len / KEY_BYTES;
    }
    slagg_cell_key *u = failed || !at ? NULL : slagg_malloc((total ? total : 1) * sizeof *u);
    size_t m = 0;
    if (u) {
        /* K-way: each rank's keys are sorted; the smallest head each time
         * (K is the rank count: a linear scan of the heads is enough) */
        for (;;) {
            slagg_cell_key best, k;
            int bs = -1;
            for (int s = 0; s < j->k; s++)
                if (key_at(&j->recv[s], at[s], &k) &&
                    (bs < 0 || slagg_cell_key_less(k.window, k.account, best.window, best.account))) {
                    best = k;
                    bs = s;
                }
            if (bs < 0) break;
            at[bs] += KEY_BYTES;
            if (m && !slagg_cell_key_less(u[m - 1].window, u[m - 1].account, best.window, best.account)) {
                if (u[m - 1].window != best.window || u[m - 1].account != best.account) failed = 2;
                continue;   /* another rank's too */
            }
            u[m++] = best;
        }
    }
    free(at);
    reset_io(j);
    if (failed || !u) {
        slagg_free(u);
        return failed == 2 ? slagg_err_set(err, SLAGG_E_INTERNAL, "bad error-cell message between ranks")
                           : slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    *all = u;
    *n_all = m;
    x->mine = n;
    x->all = m;
    x->seconds = now_s() - t0;
    return SLAGG_OK;
}

/* ---- the job ------------------------------------------------------------- */

static char *human_bytes(uint64_t n, char buf[32])
{
    if (n >= (1ULL << 30)) snprintf(buf, 32, "%.2f GB", (double)n / (1ULL << 30));
    else if (n >= (1ULL << 20)) snprintf(buf, 32, "%.2f MB", (double)n / (1ULL << 20));
    else if (n >= (1ULL << 10)) snprintf(buf, 32, "%.1f KB", (double)n / (1ULL << 10));
    else snprintf(buf, 32, "%llu B", (unsigned long long)n);
    return buf;
}

#define FILE_CHUNK ((size_t)16 << 20)
#define TAG_FILE 17

/* D: rank `from` sends the file at path to rank 0, which writes it to
 * out_path: u64 size, then chunks of at most FILE_CHUNK bytes. A sender
 * that cannot read pads with zeros (its failure is agreed on next), a
 * receiver that cannot write drains the rest: neither leaves the other
 * waiting. Returns 0, or an exit code with msg set. */
static int send_file(const char *path, char *buf, char *msg, size_t msg_n)
{
    int rc = 0;
    FILE *f = fopen(path, "rb");
    uint64_t size = 0;
    if (f && fseeko(f, 0, SEEK_END) == 0) size = (uint64_t)ftello(f);
    if (f) rewind(f);
    if (!f) {
        rc = 3;
        snprintf(msg, msg_n, "%s: cannot read: %s", path, strerror(errno));
    }
    MPI_Send(&size, 1, MPI_UINT64_T, 0, TAG_FILE, MPI_COMM_WORLD);
    for (uint64_t off = 0; off < size; off += FILE_CHUNK) {
        size_t n = size - off < FILE_CHUNK ? (size_t)(size - off) : FILE_CHUNK;
        if (!rc && fread(buf, 1, n, f) != n) {
            rc = 3;
            snprintf(msg, msg_n, "%s: cannot read: %s", path, strerror(errno));
        }
        if (rc) memset(buf, 0, n);
        MPI_Send(buf, (int)n, MPI_BYTE, 0, TAG_FILE, MPI_COMM_WORLD);
    }
    if (f) fclose(f);
    return rc;
}

static int recv_file(int from, const char *out_path, char *buf, uint64_t *bytes, char *msg, size_t msg_n)
{
    int rc = 0;
    uint64_t size = 0;
    MPI_Recv(&size, 1, MPI_UINT64_T, from, TAG_FILE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    FILE *f = fopen(out_path, "wb");
    if (!f) {
        rc = 3;
        snprintf(msg, msg_n, "%s: cannot write: %s", out_path, strerror(errno));
    }
    for (uint64_t off = 0; off < size; off += FILE_CHUNK) {
        size_t n = size - off < FILE_CHUNK ? (size_t)(size - off) : FILE_CHUNK;
        MPI_Recv(buf, (int)n, MPI_BYTE, from, TAG_FILE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (!rc && fwrite(buf, 1, n, f) != n) {
            rc = 3;
            snprintf(msg, msg_n, "%s: cannot write: %s", out_path, strerror(errno));
        }
    }
    if (f && fclose(f) != 0 && !rc) {
        rc = 3;
        snprintf(msg, msg_n, "%s: cannot write: %s", out_path, strerror(errno));
    }
    *bytes = size;
    return rc;
}

static int run(job *j)
{
    const slagg_fold_args *a = j->a;
    const int k = j->k, rank = j->rank;
    slagg_path_list all = {0}, skipped = {0};  /* skipped: rank 0's, for the manifest */
    slagg_tables tables = {0};
    slagg_buf setup = {0};
    const char **mine = NULL;
    char **paths = NULL;          /* rank 0: the K partials */
    size_t **input_of = NULL;     /* rank 0: partial r's input i -> the job's input */
    char *buf = NULL;
    char tmpdir[4096] = "", own[4200] = "";
    slagg_err err = {0};
    char msg[1024] = "";
    int rc, lrc = 0;
    double t_start = now_s(), t_fold = 0, t_send = 0;
    kx kxs = {j, 0, 0, 0, 0, 0, 0, 0};
    const slagg_cell_exchange kex = {key_exchange, cover_exchange, &kxs};
    uint64_t part_bytes = 0, moved = 0;

    if (job_alloc(j) != 0) lrc = 3;
    if ((rc = agree(j, lrc, "out of memory"))) goto done;
    ranks_beside_rank0(j);

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

    /* C: inputs rank, rank + K, ... into this rank's partial, in a
     * private directory of its $TMPDIR */
    const char *td = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/slagg-mpi-XXXXXX", td && *td ? td : "/tmp");
    size_t n_mine = 0;
    mine = slagg_calloc(all.n ? all.n : 1, sizeof *mine);
    buf = malloc(FILE_CHUNK);
    double my[2] = {0, 0};
    if (!mine || !buf) {
        lrc = 3;
        snprintf(msg, sizeof msg, "out of memory");
    } else if (!mkdtemp(tmpdir)) {
        lrc = 3;
        snprintf(msg, sizeof msg, "%.900s: cannot create a temporary directory (TMPDIR): %s", tmpdir, strerror(errno));
        tmpdir[0] = '\0';
    } else {
        for (size_t i = (size_t)rank; i < all.n; i += (size_t)k) mine[n_mine++] = all.v[i];
        slagg_fold_opts fo = *slagg_fold_options(a->job);
        fo.progress = NULL; /* K ranks writing \r lines would interleave */
        snprintf(own, sizeof own, "%s/rank-%d.part", tmpdir, rank);
        slagg_partial_stats ps;
        double t0 = now_s();
        slagg_status s = slagg_fold_partial_file(tabs, &fo, mine, n_mine, own, &kex, &ps, &err);
        my[0] = (double)ps.records;
        my[1] = now_s() - t0;
        part_bytes = ps.bytes;
        if (s != SLAGG_OK) {
            lrc = slagg_status_exit_code(s);
            snprintf(msg, sizeof msg, "%s", err.msg);
            own[0] = '\0';
        }
    }
    /* the exchange's agreement: made in it by every rank that got there;
     * a rank that failed before makes it here, with its message */
    /* (a rank that failed in the cover step made its agreement there) */
    if (!kxs.called && !kxs.agreed_rc &&
        (rc = agree(j, lrc ? lrc : 3, lrc ? msg : "the fold ended without the exchange")))
        goto done;
    if (kxs.agreed_rc) {
        rc = kxs.agreed_rc;
        goto done;
    }
    MPI_Gather(my, 2, MPI_DOUBLE, j->stats, 2, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    {
        /* the test hook of tests/e2e/test_distributed.c: a rank killed mid-run */
        const char *kill_rank = getenv("SLAGG_TEST_MPI_KILL_RANK");
        if (kill_rank && atoi(kill_rank) == rank) raise(SIGKILL);
    }
    if ((rc = agree(j, lrc, msg))) goto done;
    t_fold = now_s();

    /* D: every other rank's partial to rank 0, one rank at a time */
    if (rank == 0) {
        paths = slagg_calloc((size_t)k, sizeof *paths);
        input_of = slagg_calloc((size_t)k, sizeof *input_of);
        if (!paths || !input_of) {
            lrc = 3;
            snprintf(msg, sizeof msg, "out of memory");
        }
        for (int r = 0; r < k; r++) {
            char p[4200];
            if (r == 0) snprintf(p, sizeof p, "%s", own);
            else snprintf(p, sizeof p, "%s/from-%d.part", tmpdir, r);
            if (paths) paths[r] = slagg_strndup(p, strlen(p));
            if (!lrc && (!paths[r] || !(input_of[r] = slagg_calloc(all.n / (size_t)k + 1, sizeof **input_of)))) {
                lrc = 3;
                snprintf(msg, sizeof msg, "out of memory");
            }
            for (size_t i = (size_t)r, m = 0; !lrc && i < all.n; i += (size_t)k) input_of[r][m++] = i;
            if (r == 0) continue;
            uint64_t got = 0;
            int frc = recv_file(r, p, buf, &got, msg, sizeof msg);
            moved += got;
            if (!lrc) lrc = frc;
        }
    } else {
        lrc = send_file(own, buf, msg, sizeof msg);
    }
    uint64_t gb = 0, keys_sent = 0;
    double kx_s = 0;
    MPI_Reduce(&part_bytes, &gb, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Reduce(&kxs.mine, &keys_sent, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Reduce(&kxs.seconds, &kx_s, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    /* the largest peak RSS of the ranks so far (rank 0's merge comes after) */
    struct rusage ru;
    uint64_t rss = getrusage(RUSAGE_SELF, &ru) == 0 ? (uint64_t)ru.ru_maxrss * 1024 : 0, max_rss = 0;
    MPI_Reduce(&rss, &max_rss, 1, MPI_UINT64_T, MPI_MAX, 0, MPI_COMM_WORLD);
    if ((rc = agree(j, lrc, msg))) goto done;
    t_send = now_s();

    /* E: rank 0 merges and writes, exactly as one process would */
    if (rank == 0) {
        char extra[900], b1[32], b2[32], b3[32], b4[32];
        double slowest = 0, rate = 0, recs = 0;
        for (int r = 0; r < k; r++) {
            recs += j->stats[2 * r];
            if (j->stats[2 * r + 1] > slowest) slowest = j->stats[2 * r + 1];
            if (j->stats[2 * r + 1] > 0) rate += j->stats[2 * r] / j->stats[2 * r + 1];
        }
        double t_merge = now_s();
        /* the merge and the outputs have rank 0's node to themselves: the
         * ranks beside it wait asleep (bcast_rc_sleeping), so their
         * threads are its own (the outputs are formatted on all of them) */
        tail_on_node_cpus(j);
        unsigned tail_threads = tail_thread_count(j, slagg_fold_options(a->job)->threads);
        slagg_status ps = slagg_fold_set_threads(a->job, tail_threads);
        if (ps == SLAGG_OK) ps = slagg_fold_adopt_partials(a->job, (const char *const *)paths, (size_t)k,
                                                    (const size_t *const *)input_of);
        if (ps == SLAGG_OK) ps = slagg_fold_run(a->job);
        snprintf(extra, sizeof extra,
                 "  mpi: %d rank%s; fold %.2f s (slowest rank), %.2f M records/s per rank;\n"
                 "       error cells exchanged: %llu keys from the ranks, %llu in their union, %.2f s%s;\n"
                 "       partials %s (%.2f B per record), %s moved to rank 0 in %.2f s; merge %.2f s;"
                 " outputs on %u thread%s;\n"
                 "       peak RSS %s (the largest rank's fold), %s (rank 0 after the merge)\n",
                 k, k == 1 ? "" : "s", slowest, rate / k / 1e6, (unsigned long long)keys_sent,
                 (unsigned long long)kxs.all, kx_s,
                 kxs.cover_span ? " (with the ranks' block cover)" : " (no block cover: every group kept)",
                 human_bytes(gb, b1),
                 recs > 0 ? (double)gb / recs : 0.0, human_bytes(moved, b2), t_send - t_fold, now_s() - t_merge,
                 tail_threads, tail_threads == 1 ? "" : "s",
                 human_bytes(max_rss, b3), human_bytes(getrusage(RUSAGE_SELF, &ru) == 0 ? (uint64_t)ru.ru_maxrss * 1024 : 0, b4));
        (void)t_start;
        lrc = slagg_cli_job_finish("fold", a->job, ps, a->out, a->rejects != NULL, a->quiet, extra);
    }
    bcast_rc_sleeping(&lrc);
    rc = lrc;
done:
    if (paths) {
        for (int r = 0; r < k; r++) {
            if (paths[r] && r) remove(paths[r]);
            slagg_free(paths[r]);
            if (input_of) slagg_free(input_of[r]);
        }
    }
    slagg_free(paths);
    slagg_free(input_of);
    if (own[0]) remove(own);
    if (tmpdir[0] && strstr(tmpdir, "XXXXXX") == NULL) rmdir(tmpdir);
    free(buf);
    slagg_free(mine);
    slagg_buf_free(&setup);
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
    /* Open MPI's cm PML probes the PSM, PSM2 and OFI fabrics in MPI_Init:
     * 0.2 s of every job on a machine without them (docs/DISTRIBUTED.md
     * "Start-up"). Megabytes cross between slagg's ranks, which ob1 or
     * UCX carry as well; a PML the user names (mpirun --mca pml X, or
     * OMPI_MCA_pml in the environment) wins. */
    setenv("OMPI_MCA_pml", "^cm", 0);
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

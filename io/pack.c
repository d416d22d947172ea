/*
 * pack.c - request logs to shards, one worker per input at a time; in a
 * fold's scratch pack, a big plain log is read in pieces by several
 * workers (records.h "pieces"), each piece into a shard of its own.
 */
#include "io/pack.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "core/alloc.h"
#include "io/records.h"
#include "io/shard.h"
#include "io/source.h"

#define PACK_BATCH 256
/* A file is read in at most this many pieces per thread (load balance
 * without many small scratch shards), and never in more than PACK_PIECES_MAX. */
#define PACK_PIECES_PER_THREAD 4
#define PACK_PIECES_MAX 4096

/* One unit of work: a whole input, or one piece of a big plain log
 * (records.h "pieces"), packed into its own shard. */
typedef struct pack_job {
    size_t input;             /* index into the inputs */
    size_t piece;             /* 0: the file's start (opened, sniffed, header read) */
    uint64_t start, limit;    /* a piece's first line start (a guess but for
                                 piece 0) and its limit, text offsets; 0,
                                 UINT64_MAX: all */
    slagg_record_at at;       /* where a piece after the first is read from */
    const char *out;          /* the shard's path */
    char *own_out;            /* out, when made here (pieces after the first) */
    slagg_shard_writer *w;
    uint64_t records;
    slagg_reject_log log;
    slagg_err err;
    unsigned char wfail;      /* err came from the shard writer */
    uint64_t stopped_at;      /* a piece: where its reader stopped (records.h) */
    uint64_t lines;           /* a piece: physical lines it consumed */
} pack_job;

typedef struct pack_input pack_input;   /* a file to split (below) */

typedef struct pack_ctx {
    const char *const *inputs;
    size_t n;
    const slagg_pack_opts *o;
    pack_job *jobs;
    size_t n_jobs;
    slagg_record_layout *lay; /* [n]: the layout of split inputs */
    pack_input *in;           /* [n]: their files */
    atomic_size_t next;
    atomic_int stop;
    atomic_uint_fast64_t raw_bytes;
} pack_ctx;

/* Job j's input is a shard (1.0 or 2.0): its records, block by block in
 * their stored order, into a shard of the writer's format (2.0 by
 * default), so `slagg pack old.shard` upgrades a 1.0 shard and `slagg cat`
 * prints the same records from both. Returns 0 or -1 with its err set. */
static int repack_one(pack_ctx *c, pack_job *j)
{
    slagg_err *err = &j->err;
    slagg_shard *s;
    slagg_shard_writer *w;
    if (slagg_shard_open(c->inputs[j->input], &s, err) != SLAGG_OK) return -1;
    if (slagg_shard_writer_open_err(j->out, &c->o->writer, &w, err) != SLAGG_OK) {
        j->wfail = 1;
        slagg_shard_close(s);
        return -1;
    }
    if (c->o->scratch) slagg_shard_writer_no_sync(w);
    j->w = w;
    slagg_shard_block b;
    memset(&b, 0, sizeof b);
    slagg_shard_record batch[PACK_BATCH];
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < slagg_shard_block_count(s) && !atomic_load(&c->stop); k++) {
        if (slagg_shard_read_block(s, k, &b, err) != SLAGG_OK) {
            rc = -1;
            break;
        }
        for (uint32_t q0 = 0; rc == 0 && q0 < b.n; q0 += PACK_BATCH) {
            size_t nb = b.n - q0 < PACK_BATCH ? b.n - q0 : PACK_BATCH, done = 0;
            for (size_t q = 0; q < nb; q++) {
                size_t len;
                const char *name = slagg_shard_account(s, b.account[q0 + q], &len);
                batch[q] = (slagg_shard_record){b.ts_ms[q0 + q], name, len, b.status[q0 + q], (slagg_cause)b.cause[q0 + q]};
            }
            slagg_status st = slagg_shard_writer_append_batch(w, batch, nb, &done);
            j->records += done;
            if (st != SLAGG_OK) {
                slagg_err_set(err, st, "%s", slagg_shard_writer_error(w));
                j->wfail = 1;
                rc = -1;
            }
        }
    }
    int stopped = atomic_load(&c->stop);   /* another input failed: nothing is committed */
    slagg_shard_block_free(&b);
    atomic_fetch_add(&c->raw_bytes, slagg_shard_file_size(s));
    slagg_shard_close(s);
    if (rc == 0 && !stopped && slagg_shard_writer_seal(w, err) != SLAGG_OK) {
        j->wfail = 1;
        rc = -1;
    }
    return rc;
}

/* Opens job j's reader: the file's start (piece 0, or a whole input), or
 * a later piece at its start with the layout of the file's first. */
static slagg_status pack_open(pack_ctx *c, pack_job *j, slagg_record_reader **rd)
{
    const char *path = c->inputs[j->input];
    slagg_status st = j->piece > 0
                          ? slagg_record_reader_open_piece(path, &c->lay[j->input], &j->at, j->limit, rd, &j->err)
                          : slagg_record_reader_open(path, rd, &j->err);
    if (st != SLAGG_OK) return st;
    if (j->piece == 0 && j->limit != UINT64_MAX) slagg_record_reader_set_limit(*rd, j->limit);
    if (c->o->scan) slagg_record_reader_set_scan(*rd, c->o->scan);
    return SLAGG_OK;
}

/* Packs job j. Returns 0 or -1 with its err set. */
static int pack_one(pack_ctx *c, pack_job *j)
{
    if (j->piece == 0 && slagg_is_shard(c->inputs[j->input])) return repack_one(c, j);
    slagg_err *err = &j->err;
    slagg_record_reader *rd;
    slagg_record rec;
    slagg_reject rej;
    slagg_shard_writer *w;
    if (pack_open(c, j, &rd) != SLAGG_OK) return -1;
    slagg_status st = slagg_shard_writer_open_err(j->out, &c->o->writer, &w, err);
    if (st != SLAGG_OK) {
        j->wfail = 1;
        slagg_record_reader_close(rd);
        return -1;
    }
    if (c->o->scratch) slagg_shard_writer_no_sync(w);
    j->w = w;
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
            if (slagg_reject_log_add(&j->log, (uint32_t)j->input, rej.line, rej.reason, keep) != 0) {
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
        j->records += done;
        nb = 0;
        if (st != SLAGG_OK) {
            slagg_err_set(err, st, "%s", slagg_shard_writer_error(w));
            j->wfail = 1;
            r = SLAGG_RECORD_FAILED;
            break;
        }
        if (r == SLAGG_RECORD_END) break;
        if ((j->records & 0xffff) < PACK_BATCH && atomic_load(&c->stop)) break;
    }
    slagg_record_reader_stop(rd, &j->stopped_at, &j->lines);
    atomic_fetch_add(&c->raw_bytes, slagg_record_reader_raw_bytes(rd));
    slagg_record_reader_close(rd);
    /* the input is done: its shard waits for the commit with no open
     * file, so any number of inputs packs under a small file limit
     * (SPEC 6) */
    if (r == SLAGG_RECORD_END && slagg_shard_writer_seal(w, err) != SLAGG_OK) {
        j->wfail = 1;
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
        if (i >= c->n_jobs) break;
        if (pack_one(c, &c->jobs[i]) != 0) atomic_store(&c->stop, 1);
    }
    return NULL;
}

/* The byte after the first LF at or after offset at-1 of fd (a line start
 * at or after at), or size when there is none. */
static uint64_t next_line_start(int fd, uint64_t at, uint64_t size)
{
    unsigned char buf[65536];
    uint64_t pos = at - 1;
    while (pos < size) {
        ssize_t n = pread(fd, buf, sizeof buf, (off_t)pos);
        if (n <= 0) return size;
        unsigned char *lf = memchr(buf, '\n', (size_t)n);
        if (lf) return pos + (uint64_t)(lf - buf) + 1;
        pos += (uint64_t)n;
    }
    return size;
}

/* What splitting an input needs to know of its file: its text size
 * (decompressed, for a .zst), and for a .zst where each frame starts in
 * the file and in the text (a piece starts at a frame). */
struct pack_input {
    uint64_t size;            /* 0: not to be split */
    int zstd;
    size_t n_frames;
    uint64_t *raw, *dec;      /* [n_frames + 1]: file and text offset of each frame, then the ends */
    const unsigned char *map; /* the file, mapped while the pieces are planned */
    size_t map_len;
};

static void input_free(pack_input *pi)
{
    if (pi->map) munmap((void *)pi->map, pi->map_len);
    slagg_free(pi->raw);
    slagg_free(pi->dec);
    memset(pi, 0, sizeof *pi);
}

/* Walks the frames of the mapped .zst: each one's offsets, its content
 * size from its header (a skippable frame holds none). 0 when it cannot be
 * split: a frame without a content size (written by streaming), a
 * damaged one (the reader of the whole file reports it). */
static int walk_frames(pack_input *pi)
{
    size_t cap = 64, n = 0, off = 0;
    uint64_t dec = 0;
    pi->raw = slagg_malloc((cap + 1) * sizeof *pi->raw);
    pi->dec = slagg_malloc((cap + 1) * sizeof *pi->dec);
    if (!pi->raw || !pi->dec) return 0;
    while (off < pi->map_len) {
        const unsigned char *f = pi->map + off;
        size_t left = pi->map_len - off;
        size_t fs = ZSTD_findFrameCompressedSize(f, left);
        if (ZSTD_isError(fs) || fs == 0 || left < 4) return 0;
        unsigned long long cs = (f[0] & 0xF0) == 0x50 && f[1] == 0x2A && f[2] == 0x4D && f[3] == 0x18
                                    ? 0 : ZSTD_getFrameContentSize(f, left);
        if (cs == ZSTD_CONTENTSIZE_UNKNOWN || cs == ZSTD_CONTENTSIZE_ERROR) return 0;
        if (n == cap) {
            cap *= 2;
            uint64_t *r = slagg_reallocarray(pi->raw, cap + 1, sizeof *r);
            if (r) pi->raw = r;
            uint64_t *d = r ? slagg_reallocarray(pi->dec, cap + 1, sizeof *d) : NULL;
            if (!d) return 0;
            pi->dec = d;
        }
        pi->raw[n] = off;
        pi->dec[n++] = dec;
        off += fs;
        dec += cs;
    }
    pi->raw[n] = off;
    pi->dec[n] = dec;
    pi->n_frames = n;
    pi->size = dec;
    return n >= 2;
}

/* Input path's size and frames, when it is a regular text file that may be
 * split (not "-", not a shard); else pi->size stays 0. */
static void probe_input(const char *path, pack_input *pi)
{
    struct stat sb;
    unsigned char m[4];
    memset(pi, 0, sizeof *pi);
    if (strcmp(path, "-") == 0 || slagg_is_shard(path)) return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 4 || pread(fd, m, 4, 0) != 4) {
        close(fd);
        return;
    }
    int zstd = (m[0] == 0x28 && m[1] == 0xB5 && m[2] == 0x2F && m[3] == 0xFD) ||
               ((m[0] & 0xF0) == 0x50 && m[1] == 0x2A && m[2] == 0x4D && m[3] == 0x18);
    if (!zstd) {
        pi->size = (uint64_t)sb.st_size;
        close(fd);
        return;
    }
    void *map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return;
    pi->zstd = 1;
    pi->map = map;
    pi->map_len = (size_t)sb.st_size;
    if (!walk_frames(pi)) input_free(pi);
}

/* The text offset just past the first LF in frame f of a .zst (decoded
 * from its start until one is met), or UINT64_MAX when the frame holds
 * none or cannot be decoded. */
static uint64_t frame_first_line_end(const pack_input *pi, size_t f)
{
    ZSTD_DCtx *d = ZSTD_createDCtx();
    unsigned char buf[16384];
    uint64_t got = 0, r = UINT64_MAX;
    if (!d) return r;
    ZSTD_inBuffer in = {pi->map + pi->raw[f], (size_t)(pi->raw[f + 1] - pi->raw[f]), 0};
    for (;;) {
        ZSTD_outBuffer out = {buf, sizeof buf, 0};
        size_t ret = ZSTD_decompressStream(d, &out, &in);
        if (ZSTD_isError(ret)) break;
        unsigned char *lf = out.pos ? memchr(buf, '\n', out.pos) : NULL;
        if (lf) {
            r = pi->dec[f] + got + (uint64_t)(lf - buf) + 1;
            break;
        }
        got += out.pos;
        if (ret == 0 || (out.pos == 0 && in.pos == in.size)) break;
    }
    ZSTD_freeDCtx(d);
    return r;
}

/* Where a piece whose first line starts at text offset at is read from:
 * the offset itself in a plain file; in a .zst the start of the frame
 * that holds it, and the bytes of that frame before it dropped. */
static slagg_record_at piece_at(const pack_input *pi, uint64_t at)
{
    if (!pi->zstd) return (slagg_record_at){at, 0, at, 0};
    size_t lo = 0, hi = pi->n_frames;   /* the last frame with dec <= at */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (pi->dec[mid] <= at) lo = mid;
        else hi = mid;
    }
    return (slagg_record_at){pi->raw[lo], 1, pi->dec[lo], at - pi->dec[lo]};
}

/* How many pieces input i is read in (1: whole), with their guessed first
 * line starts in starts[0..K) (starts[0] = 0, text offsets). Only files of
 * a scratch pack with several threads are split, only those bigger than
 * a thread's share of all the text (total bytes; several files about
 * that size keep the threads busy whole, and each piece costs a shard), in
 * pieces of at least split_bytes, a .zst only at its frames' starts, and
 * only when their start opens as a log (anything else is read whole, its
 * errors reported so). */
static size_t plan_pieces(pack_ctx *c, size_t i, unsigned nt, uint64_t total, uint64_t *starts,
                          size_t cap)
{
    const slagg_pack_opts *o = c->o;
    const pack_input *pi = &c->in[i];
    const char *path = c->inputs[i];
    if (!o->scratch || nt < 2 || o->split_bytes == UINT64_MAX) return 1;
    uint64_t size = pi->size, share = total / nt;
    uint64_t piece = o->split_bytes ? o->split_bytes : SLAGG_PACK_SPLIT_BYTES;
    if (piece < total / ((uint64_t)nt * PACK_PIECES_PER_THREAD)) piece = total / ((uint64_t)nt * PACK_PIECES_PER_THREAD);
    if (size <= share + share / 4 || size / 2 < piece) return 1;
    size_t k = (size_t)((size + piece - 1) / piece);
    if (k > (size_t)nt * PACK_PIECES_PER_THREAD) k = (size_t)nt * PACK_PIECES_PER_THREAD;
    if (k > cap) k = cap;
    if (k < 2) return 1;
    slagg_record_reader *rd;
    slagg_err e;
    memset(&e, 0, sizeof e);
    if (slagg_record_reader_open(path, &rd, &e) != SLAGG_OK) return 1;
    int ok = slagg_record_reader_layout(rd, &c->lay[i]);
    slagg_record_reader_close(rd);
    if (!ok) return 1;
    size_t n = 1;
    starts[0] = 0;
    if (pi->zstd) {
        /* each piece from the first frame at or past its share of the text */
        size_t f = 1;
        for (size_t q = 1; q < k; q++) {
            uint64_t want = size / k * q;
            while (f < pi->n_frames && pi->dec[f] < want) f++;
            while (f < pi->n_frames && pi->dec[f + 1] == pi->dec[f]) f++;   /* empty, skippable */
            if (f >= pi->n_frames) break;
            uint64_t g = frame_first_line_end(pi, f);
            if (g != UINT64_MAX && g > starts[n - 1] && g < size) starts[n++] = g;
            f++;
        }
        return n;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 1;
    for (size_t q = 1; q < k; q++) {
        /* from past the last guess: the scans cover the file once at most,
         * whatever its line lengths */
        uint64_t from = size / k * q > starts[n - 1] ? size / k * q : starts[n - 1] + 1;
        uint64_t g = next_line_start(fd, from, size);
        if (g >= size) break;   /* no line starts after it */
        if (g > starts[n - 1]) starts[n++] = g;
    }
    close(fd);
    return n;
}

/* Drops job j's shard and rejects (a piece read from a wrong guess, or
 * one past the end of its file) so that nothing of it counts. */
static void job_reset(pack_job *j)
{
    if (j->w) slagg_shard_writer_abort(j->w);
    j->w = NULL;
    slagg_reject_log_free(&j->log);
    memset(&j->log, 0, sizeof j->log);
    j->records = 0;
    j->stopped_at = UINT64_MAX;
    j->lines = 0;
}

/* After the workers: settles the pieces of every split input in order
 * (records.h "pieces"). Piece 0 starts where the file does; each next
 * piece counts only when the one before stopped exactly at its start,
 * else it is read again from where that one stopped (nothing at all
 * when that was the end of the file). Its rejects get their lines in the
 * file, and at most keep of one input's rejects stay kept, as one reader
 * keeps them. Returns 0 or -1 with the failing job's err set. */
static int settle_pieces(pack_ctx *c, uint64_t keep)
{
    for (size_t a = 0; a < c->n_jobs;) {
        size_t b = a + 1;
        while (b < c->n_jobs && c->jobs[b].input == c->jobs[a].input) b++;
        uint64_t at = 0, lines = 0, kept = 0;
        for (size_t q = a; q < b && b - a > 1; q++) {
            pack_job *j = &c->jobs[q];
            if (j->start != at) {
                job_reset(j);
                if (at == UINT64_MAX) continue;   /* the file ended in an earlier piece */
                j->start = at;
                j->at = piece_at(&c->in[j->input], at);
                if (j->start >= j->limit) {       /* an earlier piece read past this one */
                    j->stopped_at = at;
                    continue;
                }
                if (pack_one(c, j) != 0) return -1;
            }
            size_t m = 0;
            for (size_t r = 0; r < j->log.n; r++) {
                if (kept < keep) {
                    j->log.rows[m] = j->log.rows[r];
                    j->log.rows[m++].line += lines;
                    kept++;
                } else {
                    slagg_free(j->log.rows[r].reason);
                }
            }
            j->log.n = m;
            at = j->stopped_at;
            lines += j->lines;
        }
        a = b;
    }
    return 0;
}

slagg_status slagg_pack_files(const char *const *inputs, const char *const *outputs, size_t n,
                              const slagg_pack_opts *o, slagg_pack *p, slagg_rejects *rej,
                              slagg_err *err)
{
    pack_ctx c;
    pthread_t tids[256];
    unsigned nt = o->threads ? o->threads : 1, started = 0;
    slagg_status st = SLAGG_OK;
    uint64_t *starts = NULL;
    slagg_reject_log *logs = NULL;
    if (nt > 256) nt = 256;
    memset(&c, 0, sizeof c);
    memset(p, 0, sizeof *p);
    memset(rej, 0, sizeof *rej);
    c.inputs = inputs;
    c.n = n;
    c.o = o;
    if (o->writer_failed) *o->writer_failed = 0;
    p->n = n;
    p->records = slagg_calloc(n ? n : 1, sizeof *p->records);
    c.lay = slagg_calloc(n ? n : 1, sizeof *c.lay);
    size_t cap = (size_t)nt * PACK_PIECES_PER_THREAD;
    if (cap > PACK_PIECES_MAX) cap = PACK_PIECES_MAX;
    starts = slagg_calloc(cap, sizeof *starts);
    if (!p->records || !c.lay || !starts) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    /* the jobs: each input whole, or a big plain log in pieces, in input
     * order (the rejects gather in job order) */
    size_t jcap = n ? n : 1;
    c.jobs = slagg_calloc(jcap, sizeof *c.jobs);
    if (!c.jobs) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    uint64_t total = 0;
    c.in = slagg_calloc(n ? n : 1, sizeof *c.in);
    if (!c.in) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; o->scratch && nt > 1 && o->split_bytes != UINT64_MAX && i < n; i++) {
        probe_input(inputs[i], &c.in[i]);
        total += c.in[i].size;
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = plan_pieces(&c, i, nt, total, starts, cap);
        if (c.n_jobs + k > jcap) {
            size_t ncap = jcap * 2 > c.n_jobs + k ? jcap * 2 : c.n_jobs + k;
            pack_job *nj = slagg_reallocarray(c.jobs, ncap, sizeof *nj);
            if (!nj) {
                st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
                goto done;
            }
            memset(nj + jcap, 0, (ncap - jcap) * sizeof *nj);
            c.jobs = nj;
            jcap = ncap;
        }
        for (size_t q = 0; q < k; q++) {
            pack_job *j = &c.jobs[c.n_jobs++];
            j->input = i;
            j->piece = q;
            j->start = starts[q];
            j->at = piece_at(&c.in[i], starts[q]);
            j->limit = q + 1 < k ? starts[q + 1] : UINT64_MAX;
            j->stopped_at = UINT64_MAX;
            j->out = outputs[i];
            if (q > 0) {
                size_t len = strlen(outputs[i]) + 24;
                j->own_out = slagg_malloc(len);
                if (!j->own_out) {
                    st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
                    goto done;
                }
                snprintf(j->own_out, len, "%s.%zu", outputs[i], q);
                j->out = j->own_out;
            }
        }
    }
    /* a worker holds its input and its shard's temporary open; finished
     * shards hold none (sealed): the file limit bounds the workers, never
     * the inputs (SPEC 6) */
    unsigned fd_workers = slagg_input_fd_budget() / 2 ? slagg_input_fd_budget() / 2 : 1;
    if (nt > c.n_jobs) nt = c.n_jobs ? (unsigned)c.n_jobs : 1;
    if (nt > fd_workers) nt = fd_workers;
    for (; started < nt; started++)
        if (pthread_create(&tids[started], NULL, pack_worker, &c) != 0) break;
    if (started == 0) pack_worker(&c);  /* no thread could start: do it here */
    for (unsigned i = 0; i < started; i++) pthread_join(tids[i], NULL);
    for (size_t q = 0; q < c.n_jobs; q++) {
        if (c.jobs[q].err.code != SLAGG_OK) {
            *err = c.jobs[q].err;
            st = err->code;
            if (o->writer_failed) *o->writer_failed = c.jobs[q].wfail;
            goto done;
        }
    }
    if (settle_pieces(&c, o->max_rejects + SLAGG_REJECTS_KEEP) != 0) {
        for (size_t q = 0; q < c.n_jobs; q++) {
            if (c.jobs[q].err.code == SLAGG_OK) continue;
            *err = c.jobs[q].err;
            st = err->code;
            if (o->writer_failed) *o->writer_failed = c.jobs[q].wfail;
            break;
        }
        goto done;
    }
    p->raw_bytes = atomic_load(&c.raw_bytes);
    /* the shards: one per job that holds one (a piece read again from
     * past its end holds none) */
    p->writers = slagg_calloc(c.n_jobs ? c.n_jobs : 1, sizeof *p->writers);
    p->paths = slagg_calloc(c.n_jobs ? c.n_jobs : 1, sizeof *p->paths);
    p->of = slagg_calloc(c.n_jobs ? c.n_jobs : 1, sizeof *p->of);
    logs = slagg_calloc(c.n_jobs ? c.n_jobs : 1, sizeof *logs);
    if (!p->writers || !p->paths || !p->of || !logs) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    for (size_t q = 0; q < c.n_jobs; q++) {
        pack_job *j = &c.jobs[q];
        p->records[j->input] += j->records;
        logs[q] = j->log;
        memset(&j->log, 0, sizeof j->log);
        if (!j->w) continue;
        p->paths[p->n_out] = slagg_strndup(j->out, strlen(j->out));
        if (!p->paths[p->n_out]) {
            st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
            goto done;
        }
        p->of[p->n_out] = j->input;
        p->writers[p->n_out++] = j->w;
        j->w = NULL;
    }
    st = slagg_rejects_gather(logs, c.n_jobs, rej, err);
done:
    for (size_t q = 0; c.jobs && q < c.n_jobs; q++) {
        pack_job *j = &c.jobs[q];
        if (j->w) slagg_shard_writer_abort(j->w);
        slagg_reject_log_free(&j->log);
        slagg_free(j->own_out);
    }
    for (size_t q = 0; logs && q < c.n_jobs; q++) slagg_reject_log_free(&logs[q]);
    slagg_free(logs);
    slagg_free(c.jobs);
    slagg_free(c.lay);
    for (size_t i = 0; c.in && i < n; i++) input_free(&c.in[i]);
    slagg_free(c.in);
    slagg_free(starts);
    if (st != SLAGG_OK) {
        slagg_pack_discard(p);
        slagg_rejects_free(rej);
    }
    return st;
}

slagg_status slagg_pack_commit(slagg_pack *p, slagg_err *err)
{
    slagg_status st = SLAGG_OK;
    for (size_t i = 0; i < p->n_out; i++) {
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
    for (size_t i = 0; p->writers && i < p->n_out; i++)
        if (p->writers[i]) slagg_shard_writer_abort(p->writers[i]);
    for (size_t i = 0; p->paths && i < p->n_out; i++) slagg_free(p->paths[i]);
    slagg_free(p->paths);
    slagg_free(p->of);
    slagg_free(p->writers);
    slagg_free(p->records);
    memset(p, 0, sizeof *p);
}

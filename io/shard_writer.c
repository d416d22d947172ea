/*
 * shard_writer.c - writes request-record shards (docs/FORMAT.md,
 * "Request-record shards (.shard), version 1.0"); the API and its contract
 * are public: include/slagg/shard.h.
 *
 * Records are buffered block_records at a time (struct of arrays: ts,
 * shard-global account id, (status, cause) key), then one block is
 * sorted by (account id, ts, arrival order) with a stable LSD radix sort
 * on a permutation, encoded column by column, compressed as one zstd frame
 * and written. Buffers live as long as the writer: no per-record malloc.
 * The shard's account dictionary is kept in the footer's own byte layout
 * (u8 length + bytes), so close() copies it as is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/alloc.h"
#include "core/classify.h"
#include "core/cpu.h"
#include "core/radix.h"
#include "io/mem.h"
#include "io/output.h"
#include "io/records.h"
#include "io/shard.h"

#define DEFAULT_BLOCK_RECORDS 262144u
/* A block's raw size must stay under the 64 MiB readers accept
 * (SLAGG_SHARD_RAW_MAX). Worst case per record: account varint 5 + run
 * length varint 4 (both only when every record is its own run) + code 2 +
 * ts varint 6 = 17 bytes; 2^21 records x 17 < 36 MB. Larger requests are
 * clamped (docs/FORMAT.md). */
#define MAX_BLOCK_RECORDS (1u << 21)
/* Format 2.0's worst case per record is 42 raw bytes (a run of its own,
 * 4 varints, 17 bytes; an exception, 17; code 2; ts 6): 2^20 records stay
 * under 44 MB plus the pair table and the cover bitmap. A block holds
 * under 2 block_records (flush_full_block), so block_records is clamped to
 * half of that. */
#define MAX_BLOCK_RECORDS_V2 (1u << 19)
#define DEFAULT_LEVEL 3
/* (status, cause) key: status * 8 + cause; statuses are 0..599. */
#define SC_KEYS (600 * 8)

/* A slot of the account table: the id, a hash tag and the name's first
 * bytes, so that a lookup of a name of up to ACC_HEAD bytes reads one
 * cache line of the table and nothing else. With thousands of accounts in
 * random order, the former id-only table cost three dependent cache
 * misses a record (table, offset, name): 15 % of `fold` on CSV. */
#define ACC_HEAD 23
typedef struct acc_slot {
    uint32_t id1;               /* id + 1; 0 = empty */
    uint32_t tag;               /* hash bits above the table's index bits */
    uint8_t len;
    char head[ACC_HEAD];
} acc_slot;
_Static_assert(sizeof(acc_slot) == 32, "account slot: half a cache line");

struct slagg_shard_writer {
    char *path, *tmp_path, *dir;
    int fd;
    uint32_t block_records;
    int level;
    int format;                 /* 1 or 2: the block layout written (docs/FORMAT.md) */
    const slagg_kernel *kernel; /* format 2: the code scan (core/kernels/scan.h) */
    ZSTD_CCtx *cctx;
    slagg_status sticky;        /* SLAGG_OK, or the I/O / memory failure that stops everything */
    char err[1024];
    uint64_t count;             /* records accepted */
    uint64_t offset;            /* bytes written to the temporary */

    /* account dictionary: names in footer layout, ids by first appearance */
    unsigned char *names;
    size_t names_len, names_cap;
    size_t *name_off;           /* id -> offset of its length byte in names */
    uint32_t n_acc, acc_cap;
    acc_slot *ht;               /* open addressing (acc_slot), id1 = 0: empty */
    size_t ht_mask;
    uint32_t last_id;           /* cache: the previous record's account */
    int have_last;
    uint8_t last_len;           /* ... and its name, here: comparing it costs no cache miss */
    char last_name[SLAGG_ACCOUNT_MAX];

    /* the block being filled */
    int64_t *ts;
    uint32_t *acct;
    uint16_t *sc;
    uint32_t n, cap;
    /* format 2: a full block's last window, held for the next block
     * (flush_full_block); at most half a block */
    int64_t *c_ts;
    uint32_t *c_acct;
    uint16_t *c_sc;
    uint32_t carried;           /* records of the block being filled that the last one held back */

    /* sort and encode scratch, reused */
    uint64_t *k0, *k1;
    uint32_t *p0, *p1;
    uint16_t code_of[SC_KEYS];
    unsigned char *raw, *comp;
    size_t raw_cap, comp_cap;

    /* block index */
    slagg_shard_block_info *index;
    size_t n_blocks, index_cap;
    int sealed;                 /* slagg_shard_writer_seal done: only the rename is left */
    int no_sync;                /* a scratch shard: no fsync (slagg_shard_writer_no_sync) */
};

/* ---- errors ------------------------------------------------------------------ */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static slagg_status fail(slagg_shard_writer *w, slagg_status code, const char *fmt, ...)
{
    int n = snprintf(w->err, sizeof w->err, "%s: ", w->path);
    if (n < 0 || (size_t)n >= sizeof w->err) n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err + n, sizeof w->err - (size_t)n, fmt, ap);
    va_end(ap);
    if (code == SLAGG_E_IO || code == SLAGG_E_NOMEM || code == SLAGG_E_INTERNAL) w->sticky = code;
    return code;
}

static slagg_status write_all(slagg_shard_writer *w, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n) {
        ssize_t r = write(w->fd, p, n);
        if (r < 0) {
            if (errno == EINTR) continue;
            return fail(w, SLAGG_E_IO, "cannot write: %s", strerror(errno));
        }
        p += r;
        n -= (size_t)r;
        w->offset += (uint64_t)r;
    }
    return SLAGG_OK;
}

/* ---- open ---------------------------------------------------------------------- */

static void writer_free(slagg_shard_writer *w)
{
    if (!w) return;
    if (w->fd >= 0) close(w->fd);
    ZSTD_freeCCtx(w->cctx);
    slagg_free(w->path);
    slagg_free(w->tmp_path);
    slagg_free(w->dir);
    slagg_free(w->names);
    slagg_free(w->name_off);
    slagg_free(w->ht);
    slagg_free(w->ts);
    slagg_free(w->acct);
    slagg_free(w->sc);
    slagg_free(w->c_ts);
    slagg_free(w->c_acct);
    slagg_free(w->c_sc);
    slagg_free(w->k0);
    slagg_free(w->k1);
    slagg_free(w->p0);
    slagg_free(w->p1);
    slagg_free(w->raw);
    slagg_free(w->comp);
    slagg_free(w->index);
    slagg_free(w);
}

slagg_status slagg_shard_writer_open_err(const char *path, const slagg_shard_writer_opts *opts,
                                         slagg_shard_writer **out, slagg_err *err)
{
    *out = NULL;
    if (!path || !*path) return slagg_err_set(err, SLAGG_E_USAGE, "shard writer: empty path");
    slagg_shard_writer *w = slagg_calloc(1, sizeof *w);
    if (!w) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    w->fd = -1;
    w->block_records = opts && opts->block_records ? opts->block_records : DEFAULT_BLOCK_RECORDS;
    if (w->block_records > MAX_BLOCK_RECORDS) w->block_records = MAX_BLOCK_RECORDS;
    w->level = opts && opts->level ? opts->level : DEFAULT_LEVEL;
    w->format = opts && opts->format == 1 ? 1 : 2;
    if (w->format == 2 && w->block_records > MAX_BLOCK_RECORDS_V2) w->block_records = MAX_BLOCK_RECORDS_V2;
    if (opts && opts->format != 0 && opts->format != 1 && opts->format != 2) {
        slagg_free(w);
        return slagg_err_set(err, SLAGG_E_USAGE, "%s: shard format %d does not exist (1 or 2)", path, opts->format);
    }
    if (w->format == 2 && slagg_kernel_select(&w->kernel, NULL) != SLAGG_OK) {
        slagg_free(w);
        return slagg_err_set(err, SLAGG_E_INTERNAL, "%s: no code-scan kernel", path);
    }
    if (w->level > ZSTD_maxCLevel()) w->level = ZSTD_maxCLevel();
    if (w->level < ZSTD_minCLevel()) w->level = ZSTD_minCLevel();

    size_t plen = strlen(path);
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    w->path = slagg_strndup(path, plen);
    w->dir = slash ? slagg_strndup(path, slash == path ? 1 : (size_t)(slash - path))
                   : slagg_strndup(".", 1);
    w->tmp_path = slagg_malloc(plen + 24);
    w->cctx = ZSTD_createCCtx();
    w->ht_mask = 1023;
    w->ht = slagg_calloc(w->ht_mask + 1, sizeof *w->ht);
    if (!w->path || !w->dir || !w->tmp_path || !w->cctx || !w->ht) {
        writer_free(w);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    if (!*name) {
        writer_free(w);
        return slagg_err_set(err, SLAGG_E_USAGE, "%s: not a file name", path);
    }
    if (ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, w->level)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1))) {
        writer_free(w);
        return slagg_err_set(err, SLAGG_E_INTERNAL, "%s: cannot set up zstd", path);
    }
    slagg_err e;
    if (slash && slagg_mkdir_p(w->dir, &e) != SLAGG_OK) {
        writer_free(w);
        return slagg_err_set(err, e.code, "%s", e.msg);
    }
    snprintf(w->tmp_path, plen + 24, "%s/.%s.tmp-XXXXXX", w->dir, name);
    w->fd = mkstemp(w->tmp_path);
    if (w->fd < 0) {
        slagg_status st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot create: %s", path, strerror(errno));
        writer_free(w);
        return st;
    }
    /* The file header goes first, so even a crashed writer's temporary is
     * recognisable as an (unfinished) shard. */
    unsigned char h[32];
    memcpy(h, SLAGG_SHARD_MAGIC, 8);
    slagg_le16_store(h + 8, (uint16_t)w->format);
    slagg_le16_store(h + 10, 0);
    slagg_le32_store(h + 12, 0);
    slagg_le64_store(h + 16, 0);
    slagg_le64_store(h + 24, XXH64(h, 24, 0));
    if (write_all(w, h, sizeof h) != SLAGG_OK) {
        slagg_status st = slagg_err_set(err, SLAGG_E_IO, "%s", w->err);
        unlink(w->tmp_path);
        writer_free(w);
        return st;
    }
    *out = w;
    return SLAGG_OK;
}

slagg_status slagg_shard_writer_open(const char *path, const slagg_shard_writer_opts *opts,
                                     slagg_shard_writer **out)
{
    return slagg_shard_writer_open_err(path, opts, out, NULL);
}

/* ---- account dictionary ----------------------------------------------------------- */

static uint64_t acc_hash(const char *s, size_t n)
{
    return XXH3_64bits(s, n);
}

static void slot_fill(acc_slot *e, uint32_t id, uint64_t h, const char *s, size_t n)
{
    e->id1 = id + 1;
    e->tag = (uint32_t)(h >> 32);
    e->len = (uint8_t)n;
    memcpy(e->head, s, n < ACC_HEAD ? n : ACC_HEAD);
}

/* 1 when slot e holds name s (hash h). */
static int slot_is(const slagg_shard_writer *w, const acc_slot *e, uint64_t h, const char *s, size_t n)
{
    if (e->tag != (uint32_t)(h >> 32) || e->len != n) return 0;
    if (memcmp(e->head, s, n < ACC_HEAD ? n : ACC_HEAD) != 0) return 0;
    return n <= ACC_HEAD || memcmp(w->names + w->name_off[e->id1 - 1] + 1 + ACC_HEAD, s + ACC_HEAD, n - ACC_HEAD) == 0;
}

/* The last-record cache of acc_id. */
static void remember(slagg_shard_writer *w, uint32_t id, const char *s, size_t n)
{
    w->last_id = id;
    w->last_len = (uint8_t)n;
    memcpy(w->last_name, s, n);
    w->have_last = 1;
}

static slagg_status ht_grow(slagg_shard_writer *w)
{
    size_t cap = (w->ht_mask + 1) * 2;
    /* malloc + memset, not calloc: a calloc'd fresh mapping is read first
     * (the probe) as the shared zero page, then written: a copy-on-write
     * fault and a TLB shootdown of every thread per page (perf: a quarter
     * of a text fold whose pieces each open a writer, docs/DESIGN.md
     * "Allocation") */
    acc_slot *t = slagg_malloc(cap * sizeof *t);
    if (!t) return fail(w, SLAGG_E_NOMEM, "out of memory");
    memset(t, 0, cap * sizeof *t);
    for (uint32_t id = 0; id < w->n_acc; id++) {
        const unsigned char *e = w->names + w->name_off[id];
        uint64_t h = acc_hash((const char *)e + 1, e[0]);
        size_t i = (size_t)h & (cap - 1);
        while (t[i].id1) i = (i + 1) & (cap - 1);
        slot_fill(&t[i], id, h, (const char *)e + 1, e[0]);
    }
    slagg_free(w->ht);
    w->ht = t;
    w->ht_mask = cap - 1;
    return SLAGG_OK;
}

/* The id of account s, adding it (after validating it) when new.
 * Returns SLAGG_E_INPUT for an invalid name, with w->err set. */
static slagg_status acc_id(slagg_shard_writer *w, const char *s, size_t n, const uint64_t *hp, uint32_t *id)
{
    if (w->have_last && n == w->last_len && memcmp(w->last_name, s, n) == 0) {
        *id = w->last_id;
        return SLAGG_OK;
    }
    uint64_t h = 0;
    if (n >= 1 && n <= SLAGG_ACCOUNT_MAX) {
        h = hp ? *hp : acc_hash(s, n);
        for (size_t i = (size_t)h & w->ht_mask; w->ht[i].id1; i = (i + 1) & w->ht_mask) {
            if (slot_is(w, &w->ht[i], h, s, n)) {
                *id = w->ht[i].id1 - 1;
                remember(w, *id, s, n);
                return SLAGG_OK;
            }
        }
    }
    const char *why = s ? slagg_account_check(s, n) : "account is missing";
    if (why)
        return fail(w, SLAGG_E_INPUT, "record %llu: account: %s",
                    (unsigned long long)w->count + 1, why);
    if (w->n_acc == UINT32_MAX) return fail(w, SLAGG_E_INPUT, "too many accounts in one shard");
    if (w->n_acc == w->acc_cap) {
        uint32_t cap = w->acc_cap ? (w->acc_cap > UINT32_MAX / 2 ? UINT32_MAX : w->acc_cap * 2) : 256;
        size_t *p = slagg_reallocarray(w->name_off, cap, sizeof *p);
        if (!p) return fail(w, SLAGG_E_NOMEM, "out of memory");
        w->name_off = p;
        w->acc_cap = cap;
    }
    if (w->names_len + 1 + n > w->names_cap) {
        size_t cap = w->names_cap ? w->names_cap * 2 : 4096;
        while (cap < w->names_len + 1 + n) cap *= 2;
        unsigned char *p = slagg_realloc(w->names, cap);
        if (!p) return fail(w, SLAGG_E_NOMEM, "out of memory");
        w->names = p;
        w->names_cap = cap;
    }
    /* keep the table at most half full */
    if ((size_t)(w->n_acc + 1) * 2 > w->ht_mask + 1 && ht_grow(w) != SLAGG_OK) return SLAGG_E_NOMEM;
    uint32_t nid = w->n_acc++;
    w->name_off[nid] = w->names_len;
    w->names[w->names_len] = (unsigned char)n;
    memcpy(w->names + w->names_len + 1, s, n);
    w->names_len += 1 + n;
    size_t i = (size_t)h & w->ht_mask;
    while (w->ht[i].id1) i = (i + 1) & w->ht_mask;
    slot_fill(&w->ht[i], nid, h, s, n);
    *id = nid;
    remember(w, nid, s, n);
    return SLAGG_OK;
}

/* ---- one block ------------------------------------------------------------------------ */

static int bits_of(uint64_t v)
{
    int b = 0;
    while (v) {
        b++;
        v >>= 1;
    }
    return b;
}

/* Sorts the buffered block: on return w->p0[j] is the arrival index of the
 * j-th record in (account, ts, arrival) order. */
static void sort_block(slagg_shard_writer *w, int64_t min_ts, int64_t max_ts)
{
    uint32_t n = w->n;
    uint32_t *perm = w->p0;
    int sorted = 1;
    for (uint32_t i = 0; i < n; i++) perm[i] = i;
    for (uint32_t i = 1; i < n && sorted; i++)
        if (w->acct[i] < w->acct[i - 1] || (w->acct[i] == w->acct[i - 1] && w->ts[i] < w->ts[i - 1]))
            sorted = 0;
    if (sorted) return;   /* already in order (a repack, a single account): identity */

    uint64_t *k = w->k0, *tk = w->k1;
    uint32_t *p = w->p0, *tp = w->p1;
    int ts_bits = bits_of((uint64_t)(max_ts - min_ts));
    uint32_t max_acct = 0;
    for (uint32_t i = 0; i < n; i++)
        if (w->acct[i] > max_acct) max_acct = w->acct[i];
    if (ts_bits + bits_of(max_acct) <= 64) {
        /* one key: account above ts offset; stability keeps arrival order */
        for (uint32_t i = 0; i < n; i++)
            k[i] = ((uint64_t)w->acct[i] << ts_bits) | (uint64_t)(w->ts[i] - min_ts);
        slagg_radix_sort(&k, &p, &tk, &tp, n);
    } else {
        /* two stable passes: by ts offset, then by account */
        for (uint32_t i = 0; i < n; i++) k[i] = (uint64_t)(w->ts[i] - min_ts);
        slagg_radix_sort(&k, &p, &tk, &tp, n);
        for (uint32_t j = 0; j < n; j++) k[j] = w->acct[p[j]];
        slagg_radix_sort(&k, &p, &tk, &tp, n);
    }
    if (p != w->p0) memcpy(w->p0, p, (size_t)n * sizeof *p);
}

static slagg_status ensure_buf(slagg_shard_writer *w, unsigned char **buf, size_t *cap, size_t need)
{
    if (*cap >= need) return SLAGG_OK;
    unsigned char *p = slagg_realloc(*buf, need);
    if (!p) return fail(w, SLAGG_E_NOMEM, "out of memory");
    *buf = p;
    *cap = need;
    return SLAGG_OK;
}

/* Compresses src[0..len) into w->comp at offset at (the buffer grows to
 * hold it); *comp_len gets its size. */
static slagg_status compress_frame(slagg_shard_writer *w, const unsigned char *src, size_t len, size_t at,
                                   size_t *comp_len)
{
    if (ensure_buf(w, &w->comp, &w->comp_cap, at + ZSTD_compressBound(len)) != SLAGG_OK) return w->sticky;
    size_t r = ZSTD_compress2(w->cctx, w->comp + at, w->comp_cap - at, src, len);
    if (ZSTD_isError(r))
        return fail(w, SLAGG_E_INTERNAL, "zstd compression failed: %s", ZSTD_getErrorName(r));
    *comp_len = r;
    return SLAGG_OK;
}

/* The pair table (both formats): the keys present, ascending. */
static unsigned char *put_pairs(const slagg_shard_writer *w, unsigned char *q, uint32_t n_pairs)
{
    slagg_le16_store(q, (uint16_t)n_pairs);
    q += 2;
    for (size_t i = 0; i < SC_KEYS; i++) {
        if (w->code_of[i] == 0xffff) continue;
        slagg_le16_store(q, (uint16_t)(i >> 3));
        q[2] = (unsigned char)(i & 7);
        q += 3;
    }
    return q;
}

/* The codes (both formats), in record order: u8, or u16 past 256 pairs. */
static unsigned char *put_codes(const slagg_shard_writer *w, unsigned char *q, uint32_t n_pairs)
{
    const uint32_t *perm = w->p0;
    if (n_pairs <= 256) {
        for (uint32_t j = 0; j < w->n; j++) *q++ = (unsigned char)w->code_of[w->sc[perm[j]]];
    } else {
        for (uint32_t j = 0; j < w->n; j++, q += 2) slagg_le16_store(q, w->code_of[w->sc[perm[j]]]);
    }
    return q;
}

/* The times (both formats): first of a run from min_ts, the others from
 * the previous record. */
static unsigned char *put_times(const slagg_shard_writer *w, unsigned char *q, int64_t min_ts)
{
    const uint32_t *perm = w->p0;
    uint32_t prev_a = UINT32_MAX;
    int64_t prev_ts = min_ts;
    for (uint32_t j = 0; j < w->n; j++) {
        uint32_t i = perm[j];
        if (w->acct[i] != prev_a) {
            prev_a = w->acct[i];
            prev_ts = min_ts;
        }
        q += slagg_varint_put(q, (uint64_t)(w->ts[i] - prev_ts));
        prev_ts = w->ts[i];
    }
    return q;
}

/* The block header's first 32 bytes (both formats). */
static void put_block_head(unsigned char *h, const char *magic, uint32_t n, int64_t min_ts, int64_t max_ts,
                           size_t comp_len, size_t raw_len)
{
    memcpy(h, magic, 4);
    slagg_le32_store(h + 4, n);
    slagg_le64_store(h + 8, (uint64_t)min_ts);
    slagg_le64_store(h + 16, (uint64_t)max_ts);
    slagg_le32_store(h + 24, (uint32_t)comp_len);
    slagg_le32_store(h + 28, (uint32_t)raw_len);
}

/* Format 1.0: one frame of pairs, runs, codes, times; a 48-byte header. */
static slagg_status encode_v1(slagg_shard_writer *w, uint32_t n_pairs, int64_t min_ts, int64_t max_ts,
                              unsigned char *h, size_t *h_len, size_t *comp_len, size_t *raw_len)
{
    uint32_t n = w->n;
    const uint32_t *perm = w->p0;
    size_t bound = 2 + 3 * (size_t)n_pairs + 4 + (size_t)n * 17;
    if (ensure_buf(w, &w->raw, &w->raw_cap, bound) != SLAGG_OK) return w->sticky;
    unsigned char *q = put_pairs(w, w->raw, n_pairs);
    /* runs of one account */
    unsigned char *runs_at = q;
    q += 4;
    uint32_t n_runs = 0;
    for (uint32_t j = 0; j < n;) {
        uint32_t a = w->acct[perm[j]], e = j + 1;
        while (e < n && w->acct[perm[e]] == a) e++;
        q += slagg_varint_put(q, a);
        q += slagg_varint_put(q, e - j);
        n_runs++;
        j = e;
    }
    slagg_le32_store(runs_at, n_runs);
    q = put_codes(w, q, n_pairs);
    q = put_times(w, q, min_ts);
    *raw_len = (size_t)(q - w->raw);
    if (compress_frame(w, w->raw, *raw_len, 0, comp_len) != SLAGG_OK) return w->sticky;
    put_block_head(h, "BLK1", n, min_ts, max_ts, *comp_len, *raw_len);
    slagg_le64_store(h + 32, XXH64(w->comp, *comp_len, 0));
    slagg_le64_store(h + 40, XXH64(h, 40, 0));
    *h_len = 48;
    return SLAGG_OK;
}

/* Format 2.0 (docs/FORMAT.md "Request-record shards, version 2.0"): frame
 * 0 the head (pairs, runs with their edge-window counts, the non-OK
 * records with what the fold needs of each, the cover bitmap), frame 1 the
 * codes, frame 2 the times; a 100-byte header. */
static slagg_status encode_v2(slagg_shard_writer *w, uint32_t n_pairs, int64_t min_ts, int64_t max_ts,
                              unsigned char *h, size_t *h_len, size_t *comp_len, size_t *raw_len)
{
    const uint32_t n = w->n;
    const uint32_t *perm = w->p0;
    const int64_t W = SLAGG_SHARD_WINDOW_MS;
    const int64_t w0 = min_ts / W;              /* ts >= 0: floor */
    const uint64_t nw = (uint64_t)(max_ts / W - w0 + 1);
    /* the OK pairs (status 100-499) are one range of codes: pairs are sorted */
    uint32_t ok_lo = 0, ok_hi = 0, code = 0;
    for (size_t i = 0; i < SC_KEYS; i++) {
        if (w->code_of[i] == 0xffff) continue;
        int st = (int)(i >> 3);
        if (st < 100) ok_lo = code + 1;
        if (st < 500) ok_hi = code + 1;
        code++;
    }
    if (ok_hi < ok_lo) ok_hi = ok_lo;
    /* frame 1 first: the scan reads it */
    size_t codes_len = (size_t)n * (n_pairs <= 256 ? 1 : 2);
    /* rounded up to 8, so the codes (u16 past 256 pairs) are aligned */
    size_t bound0 = (2 + 3 * (size_t)n_pairs + 12 + (size_t)n * 40 + (size_t)(nw + 7) / 8 + 7) & ~(size_t)7;
    size_t bound2 = (size_t)n * 10;
    if (ensure_buf(w, &w->raw, &w->raw_cap, bound0 + codes_len + bound2) != SLAGG_OK) return w->sticky;
    unsigned char *f0 = w->raw, *f1 = w->raw + bound0, *f2 = f1 + codes_len;
    put_codes(w, f1, n_pairs);
    uint32_t *exc = w->p1;   /* sort scratch, free by now */
    size_t n_exc = n_pairs <= 256
                       ? w->kernel->scan8(f1, n, (uint8_t)ok_lo, (uint8_t)(ok_hi - ok_lo), exc)
                       : w->kernel->scan16((const uint16_t *)(const void *)f1, n, (uint16_t)ok_lo,
                                           (uint16_t)(ok_hi - ok_lo), exc);
    /* frame 0 */
    unsigned char *q = put_pairs(w, f0, n_pairs);
    slagg_le32_store(q, (uint32_t)nw);
    unsigned char *runs_at = q + 4;
    q += 8;
    uint32_t n_runs = 0, prev_a = 0;
    const int64_t first_end = (w0 + 1) * W, last_start = (w0 + (int64_t)nw - 1) * W;
    for (uint32_t j = 0; j < n;) {
        uint32_t a = w->acct[perm[j]], e = j + 1;
        while (e < n && w->acct[perm[e]] == a) e++;
        q += slagg_varint_put(q, n_runs ? a - prev_a : a);
        q += slagg_varint_put(q, e - j);
        if (nw >= 2) {
            uint32_t cf = 0, cl = 0;
            while (j + cf < e && w->ts[perm[j + cf]] < first_end) cf++;
            while (cl < e - j && w->ts[perm[e - 1 - cl]] >= last_start) cl++;
            q += slagg_varint_put(q, cf);
            q += slagg_varint_put(q, cl);
        }
        prev_a = a;
        n_runs++;
        j = e;
    }
    slagg_le32_store(runs_at, n_runs);
    slagg_le32_store(q, (uint32_t)n_exc);
    q += 4;
    uint32_t prev_j = 0, seg = 0;
    int64_t seg_w = -1;
    uint32_t seg_a = 0;
    for (size_t k = 0; k < n_exc; k++) {
        uint32_t j = exc[k];
        int64_t ts = w->ts[perm[j]], win = ts / W;
        uint32_t a = w->acct[perm[j]];
        if (!(k && a == seg_a && win == seg_w)) {   /* a new (run, window): count it */
            uint32_t lo = j, hi = j + 1;
            while (lo > 0 && w->acct[perm[lo - 1]] == a && w->ts[perm[lo - 1]] / W == win) lo--;
            while (hi < n && w->acct[perm[hi]] == a && w->ts[perm[hi]] / W == win) hi++;
            seg = hi - lo;
            seg_a = a;
            seg_w = win;
        }
        q += slagg_varint_put(q, k ? j - prev_j - 1 : j);
        slagg_le16_store(q, w->code_of[w->sc[perm[j]]]);
        q += 2;
        q += slagg_varint_put(q, (uint64_t)(win - w0));
        q += slagg_varint_put(q, (uint64_t)(ts - win * W));
        q += slagg_varint_put(q, seg);
        prev_j = j;
    }
    size_t cover_len = (size_t)(nw + 7) / 8;
    memset(q, 0, cover_len);
    for (uint32_t j = 0; j < n; j++) {
        uint64_t i = (uint64_t)(w->ts[perm[j]] / W - w0);
        q[i >> 3] |= (unsigned char)(1u << (i & 7));
    }
    q += cover_len;
    size_t raw[3] = {(size_t)(q - f0), codes_len, 0};
    raw[2] = (size_t)(put_times(w, f2, min_ts) - f2);
    const unsigned char *src[3] = {f0, f1, f2};
    size_t comp[3], at = 0;
    memset(h, 0, SLAGG_SHARD_BLOCK2_HEADER);
    for (int f = 0; f < 3; f++) {
        if (compress_frame(w, src[f], raw[f], at, &comp[f]) != SLAGG_OK) return w->sticky;
        slagg_le32_store(h + 32 + 20 * f, (uint32_t)comp[f]);
        slagg_le32_store(h + 36 + 20 * f, (uint32_t)raw[f]);
        slagg_le64_store(h + 40 + 20 * f, XXH64(w->comp + at, comp[f], 0));
        at += comp[f];
    }
    *comp_len = at;
    *raw_len = raw[0] + raw[1] + raw[2];
    put_block_head(h, "BLK2", n, min_ts, max_ts, *comp_len, *raw_len);
    slagg_le64_store(h + 92, XXH64(h, 92, 0));
    *h_len = SLAGG_SHARD_BLOCK2_HEADER;
    return SLAGG_OK;
}

/* Sorts, encodes, compresses and writes the buffered records as one block
 * (docs/FORMAT.md, "Block"). */
static slagg_status flush_block(slagg_shard_writer *w)
{
    uint32_t n = w->n;
    if (n == 0) return SLAGG_OK;
    int64_t min_ts = w->ts[0], max_ts = w->ts[0];
    for (uint32_t i = 1; i < n; i++) {
        if (w->ts[i] < min_ts) min_ts = w->ts[i];
        if (w->ts[i] > max_ts) max_ts = w->ts[i];
    }
    sort_block(w, min_ts, max_ts);

    /* (status, cause) pair table, sorted because keys are status * 8 + cause */
    static const uint16_t absent = 0xffff;
    for (size_t i = 0; i < SC_KEYS; i++) w->code_of[i] = absent;
    for (uint32_t i = 0; i < n; i++) w->code_of[w->sc[i]] = 0;
    uint32_t n_pairs = 0;
    for (size_t i = 0; i < SC_KEYS; i++)
        if (w->code_of[i] != absent) w->code_of[i] = (uint16_t)n_pairs++;

    size_t comp_len, raw_len, h_len;
    unsigned char h[SLAGG_SHARD_BLOCK2_HEADER];
    if ((w->format == 1 ? encode_v1 : encode_v2)(w, n_pairs, min_ts, max_ts, h, &h_len, &comp_len, &raw_len) !=
        SLAGG_OK)
        return w->sticky;

    if (w->n_blocks == w->index_cap) {
        size_t cap = w->index_cap ? w->index_cap * 2 : 64;
        slagg_shard_block_info *p = slagg_reallocarray(w->index, cap, sizeof *p);
        if (!p) return fail(w, SLAGG_E_NOMEM, "out of memory");
        w->index = p;
        w->index_cap = cap;
    }
    slagg_shard_block_info *bi = &w->index[w->n_blocks];
    bi->offset = w->offset;
    bi->records = n;
    bi->comp_size = (uint32_t)comp_len;
    bi->raw_size = (uint32_t)raw_len;
    bi->min_ts_ms = min_ts;
    bi->max_ts_ms = max_ts;

    if (write_all(w, h, h_len) != SLAGG_OK || write_all(w, w->comp, comp_len) != SLAGG_OK)
        return w->sticky;
    w->n_blocks++;
    w->n = 0;
    return SLAGG_OK;
}

/* A full block of format 2 ends at a window boundary: the records of its
 * last window (5 minutes of UTC, so a window of every --tz of whole
 * windows), unless they are a whole block's worth, wait for the next
 * block, in their order, which then takes block_records records more
 * (so a writer fed in steps of block_records, as gen's, still cuts where
 * its steps end). Blocks of records in time order then share no window,
 * and the sparse fold's pass 2, which reads again the blocks of windows
 * that several blocks cover, has nothing to read (docs/FORMAT.md,
 * "Writing" of 2.0; it was a third of the fold of the standard fleet).
 * Out-of-order records lose nothing: the fold is exact for any blocks. */
static slagg_status flush_full_block(slagg_shard_writer *w)
{
    const uint32_t n = w->n;
    w->carried = 0;
    if (w->format != 2 || n < 2) return flush_block(w);
    int64_t max_ts = w->ts[0];
    for (uint32_t i = 1; i < n; i++)
        if (w->ts[i] > max_ts) max_ts = w->ts[i];
    const int64_t last = max_ts / SLAGG_SHARD_WINDOW_MS * SLAGG_SHARD_WINDOW_MS;   /* ts >= 0: floor */
    uint32_t carry = 0;
    for (uint32_t i = 0; i < n; i++) carry += w->ts[i] >= last;
    if (carry == n || carry >= w->block_records) return flush_block(w);   /* so a block stays under 2 blocks */
    if (!w->c_ts) {
        size_t cap = (size_t)w->block_records;
        w->c_ts = slagg_malloc(cap * sizeof *w->c_ts);
        w->c_acct = slagg_malloc(cap * sizeof *w->c_acct);
        w->c_sc = slagg_malloc(cap * sizeof *w->c_sc);
        if (!w->c_ts || !w->c_acct || !w->c_sc) return fail(w, SLAGG_E_NOMEM, "out of memory");
    }
    uint32_t m = 0, c = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (w->ts[i] >= last) {
            w->c_ts[c] = w->ts[i];
            w->c_acct[c] = w->acct[i];
            w->c_sc[c++] = w->sc[i];
        } else {
            w->ts[m] = w->ts[i];
            w->acct[m] = w->acct[i];
            w->sc[m++] = w->sc[i];
        }
    }
    w->n = m;
    if (flush_block(w) != SLAGG_OK) return w->sticky;
    memcpy(w->ts, w->c_ts, c * sizeof *w->ts);
    memcpy(w->acct, w->c_acct, c * sizeof *w->acct);
    memcpy(w->sc, w->c_sc, c * sizeof *w->sc);
    w->n = w->carried = c;
    return SLAGG_OK;
}

/* ---- append ------------------------------------------------------------------------------ */

static slagg_status grow_block(slagg_shard_writer *w)
{
    /* format 2: a block may hold the records the last one held back, under a block more */
    uint32_t most = w->format == 2 ? 2 * w->block_records : w->block_records;
    uint32_t cap = w->cap ? w->cap * 2 : 1024;
    if (cap > most) cap = most;
    int64_t *ts = slagg_reallocarray(w->ts, cap, sizeof *ts);
    if (ts) w->ts = ts;
    uint32_t *acct = slagg_reallocarray(w->acct, cap, sizeof *acct);
    if (acct) w->acct = acct;
    uint16_t *sc = slagg_reallocarray(w->sc, cap, sizeof *sc);
    if (sc) w->sc = sc;
    /* sort scratch: contents need not survive, so free + malloc */
    slagg_free(w->k0);
    slagg_free(w->k1);
    slagg_free(w->p0);
    slagg_free(w->p1);
    w->k0 = slagg_reallocarray(NULL, cap, sizeof *w->k0);
    w->k1 = slagg_reallocarray(NULL, cap, sizeof *w->k1);
    w->p0 = slagg_reallocarray(NULL, cap, sizeof *w->p0);
    w->p1 = slagg_reallocarray(NULL, cap, sizeof *w->p1);
    if (!ts || !acct || !sc || !w->k0 || !w->k1 || !w->p0 || !w->p1)
        return fail(w, SLAGG_E_NOMEM, "out of memory");
    w->cap = cap;
    return SLAGG_OK;
}

/* slagg_shard_writer_append, given the hash of r's account when hp is not
 * NULL (append_batch computes it ahead, to prefetch its table slot). */
static slagg_status append_one(slagg_shard_writer *w, const slagg_shard_record *r, const uint64_t *hp)
{
    if (w->sticky != SLAGG_OK) return w->sticky;
    if (w->sealed) return fail(w, SLAGG_E_USAGE, "append after the shard was sealed");
    if (!slagg_http_status_allowed(r->status))
        return fail(w, SLAGG_E_INPUT, "record %llu: status %d is not 0 or 100-599",
                    (unsigned long long)w->count + 1, r->status);
    if ((unsigned)r->cause >= SLAGG_CAUSE_COUNT)
        return fail(w, SLAGG_E_INPUT, "record %llu: cause %d is not a known cause",
                    (unsigned long long)w->count + 1, (int)r->cause);
    if (r->ts_ms < SLAGG_TS_MIN_MS || r->ts_ms >= SLAGG_TS_MAX_MS)
        return fail(w, SLAGG_E_INPUT, "record %llu: ts %lld ms is outside 1970-01-01..2099-12-31",
                    (unsigned long long)w->count + 1, (long long)r->ts_ms);
    uint32_t id = 0;
    slagg_status st = acc_id(w, r->account, r->account ? r->account_len : 0, hp, &id);
    if (st != SLAGG_OK) return st;
    if (w->n == w->cap && grow_block(w) != SLAGG_OK) return w->sticky;
    uint32_t i = w->n++;
    w->ts[i] = r->ts_ms;
    w->acct[i] = id;
    w->sc[i] = (uint16_t)(r->status * 8 + (int)r->cause);
    w->count++;
    if (w->n == w->block_records + w->carried) return flush_full_block(w);
    return SLAGG_OK;
}

slagg_status slagg_shard_writer_append(slagg_shard_writer *w, const slagg_shard_record *r)
{
    return append_one(w, r, NULL);
}

/* Records whose account slots a batch asks for ahead: with thousands of
 * accounts in random order a lookup is one cache miss, and asking for a
 * group's slots together overlaps those misses instead of paying them one
 * after the other. */
#define BATCH_AHEAD 32

slagg_status slagg_shard_writer_append_batch(slagg_shard_writer *w, const slagg_shard_record *r,
                                             size_t n, size_t *appended)
{
    uint64_t before = w->count;
    slagg_status st = SLAGG_OK;
    uint64_t h[BATCH_AHEAD];
    for (size_t i = 0; i < n && st == SLAGG_OK; i += BATCH_AHEAD) {
        size_t m = n - i < BATCH_AHEAD ? n - i : BATCH_AHEAD;
        for (size_t j = 0; j < m; j++) {
            const slagg_shard_record *x = &r[i + j];
            h[j] = 0;
            if (w->ht && x->account && x->account_len >= 1 && x->account_len <= SLAGG_ACCOUNT_MAX) {
                h[j] = acc_hash(x->account, x->account_len);
#if defined(__GNUC__)
                __builtin_prefetch(&w->ht[(size_t)h[j] & w->ht_mask]);
#endif
            }
        }
        for (size_t j = 0; j < m && st == SLAGG_OK; j++) st = append_one(w, &r[i + j], &h[j]);
    }
    /* by the count: a record whose block then failed to write was stored */
    if (appended) *appended = (size_t)(w->count - before);
    return st;
}

const char *slagg_shard_writer_error(const slagg_shard_writer *w)
{
    return w ? w->err : "";
}

uint64_t slagg_shard_writer_count(const slagg_shard_writer *w)
{
    return w ? w->count : 0;
}

/* ---- close -------------------------------------------------------------------------------- */

/* Everything of close but the rename: the last block, the footer and the
 * trailer written, the temporary fsynced and closed, and every buffer
 * freed, so a sealed writer holds no file descriptor and little memory. */
static slagg_status seal(slagg_shard_writer *w)
{
    if (w->sticky != SLAGG_OK) return w->sticky;
    if (w->sealed) return SLAGG_OK;
    if (flush_block(w) != SLAGG_OK) return w->sticky;

    /* footer: dictionary + block index */
    uint64_t footer_offset = w->offset;
    size_t raw_len = 4 + w->names_len + 8 + w->n_blocks * 36;
    if (ensure_buf(w, &w->raw, &w->raw_cap, raw_len) != SLAGG_OK) return w->sticky;
    unsigned char *q = w->raw;
    slagg_le32_store(q, w->n_acc);
    q += 4;
    if (w->names_len) memcpy(q, w->names, w->names_len);
    q += w->names_len;
    slagg_le64_store(q, w->n_blocks);
    q += 8;
    for (size_t i = 0; i < w->n_blocks; i++, q += 36) {
        const slagg_shard_block_info *b = &w->index[i];
        slagg_le64_store(q, b->offset);
        slagg_le32_store(q + 8, b->records);
        slagg_le32_store(q + 12, b->comp_size);
        slagg_le32_store(q + 16, b->raw_size);
        slagg_le64_store(q + 20, (uint64_t)b->min_ts_ms);
        slagg_le64_store(q + 28, (uint64_t)b->max_ts_ms);
    }
    size_t comp_len;
    if (compress_frame(w, w->raw, raw_len, 0, &comp_len) != SLAGG_OK) return w->sticky;
    if (write_all(w, w->comp, comp_len) != SLAGG_OK) return w->sticky;

    unsigned char t[64];
    slagg_le64_store(t, footer_offset);
    slagg_le64_store(t + 8, comp_len);
    slagg_le64_store(t + 16, raw_len);
    slagg_le64_store(t + 24, w->n_blocks);
    slagg_le64_store(t + 32, w->count);
    slagg_le64_store(t + 40, XXH64(w->comp, comp_len, 0));
    slagg_le64_store(t + 48, XXH64(t, 48, 0));
    memcpy(t + 56, "SLAGGEND", 8);
    if (write_all(w, t, sizeof t) != SLAGG_OK) return w->sticky;

    if (fchmod(w->fd, 0644) != 0) return fail(w, SLAGG_E_IO, "cannot chmod: %s", strerror(errno));
    if (!w->no_sync && fsync(w->fd) != 0) return fail(w, SLAGG_E_IO, "cannot sync: %s", strerror(errno));
    int fd = w->fd;
    w->fd = -1;
    if (close(fd) != 0) return fail(w, SLAGG_E_IO, "cannot close: %s", strerror(errno));
    w->sealed = 1;
    ZSTD_freeCCtx(w->cctx);
    w->cctx = NULL;
#define DROP(f) (slagg_free(w->f), w->f = NULL)
    DROP(names); DROP(name_off); DROP(ht); DROP(ts); DROP(acct); DROP(sc); DROP(k0); DROP(k1);
    DROP(p0); DROP(p1); DROP(raw); DROP(comp); DROP(index); DROP(c_ts); DROP(c_acct); DROP(c_sc);
#undef DROP
    return SLAGG_OK;
}

/* seal, then the rename into place and the directory's fsync. */
static slagg_status finish(slagg_shard_writer *w)
{
    if (seal(w) != SLAGG_OK) return w->sticky;
    if (rename(w->tmp_path, w->path) != 0)
        return fail(w, SLAGG_E_IO, "cannot rename into place: %s", strerror(errno));
    slagg_free(w->tmp_path);
    w->tmp_path = NULL;   /* renamed: nothing to remove any more */
    if (w->no_sync) return SLAGG_OK;
    int dfd = open(w->dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        int rc = fsync(dfd);
        int e = errno;
        close(dfd);
        if (rc != 0 && e != EINVAL)
            return fail(w, SLAGG_E_IO, "cannot sync directory %s: %s", w->dir, strerror(e));
    }
    return SLAGG_OK;
}

void slagg_shard_writer_no_sync(slagg_shard_writer *w)
{
    w->no_sync = 1;
}

slagg_status slagg_shard_writer_seal(slagg_shard_writer *w, slagg_err *err)
{
    slagg_status st = seal(w);
    if (st != SLAGG_OK) slagg_err_set(err, st, "%s", w->err);
    return st;
}

slagg_status slagg_shard_writer_close_err(slagg_shard_writer *w, slagg_err *err)
{
    if (!w) return SLAGG_OK;
    slagg_status st = finish(w);
    if (st != SLAGG_OK) {
        if (err) slagg_err_set(err, st, "%s", w->err);
        if (w->tmp_path) unlink(w->tmp_path);
    }
    writer_free(w);
    return st;
}

slagg_status slagg_shard_writer_close(slagg_shard_writer *w)
{
    return slagg_shard_writer_close_err(w, NULL);
}

void slagg_shard_writer_abort(slagg_shard_writer *w)
{
    if (!w) return;
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
    if (w->tmp_path) unlink(w->tmp_path);
    writer_free(w);
}

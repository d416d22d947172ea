/*
 * shard_reader.c - reads and verifies request-record shards (io/shard.h;
 * layout in docs/FORMAT.md, "Request-record shards (.shard), version 1.0").
 *
 * Trust nothing: every field read from the file is checked before it is
 * used, and every count is bounded by bytes actually present before it
 * sizes an allocation (a block's raw size is further capped at
 * SLAGG_SHARD_RAW_MAX; the footer's buffer grows only as zstd produces
 * bytes). Every failure is SLAGG_E_INPUT "PATH: not a slagg shard: ..." or
 * "PATH: corrupt shard: ...", except failing system calls (SLAGG_E_IO) and
 * allocation (SLAGG_E_NOMEM).
 *
 * The handle is read-only after slagg_shard_open, and blocks are read with
 * pread, so threads may call slagg_shard_read_block concurrently, each
 * with its own slagg_shard_block (which owns its zstd context).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/alloc.h"
#include "core/classify.h"
#include "io/mem.h"
#include "io/records.h"
#include "io/shard.h"

#define HEADER_SIZE 32
#define BLOCK_HEADER_SIZE 48
#define TRAILER_SIZE 64
#define INDEX_ENTRY_SIZE 36
#define MAX_BLOCK_RECORDS (1u << 24)
/* (status, cause) keys are status * 8 + cause, statuses 0..599: a valid,
 * strictly increasing pair table has at most this many entries. */
#define SC_KEYS (600 * 8)
/* Smallest block payload: a zstd frame with a content checksum is longer. */
#define MIN_FRAME 9
/* Raw block bounds for r records (docs/FORMAT.md): at least the pair
 * count, one pair, the run count, one run of 2 one-byte varints, one code
 * byte and one ts byte per record; at most 17 bytes a record plus a full
 * pair table. */
#define RAW_MIN(r) (11u + 2u * (uint64_t)(r))
#define RAW_MAX(r) (6u + 3u * (uint64_t)SC_KEYS + 17u * (uint64_t)(r))

struct slagg_shard {
    char *path;
    int fd;                     /* pooled: -1 while closed by the pool, under pool->mu */
    /* pooled shards (slagg_shard_open_pooled): the pool may close fd while
     * no read holds it, and reopens it by path, checked to be the same
     * file (st_dev, st_ino, size) */
    slagg_shard_pool *pool;
    unsigned pins;              /* reads in flight on fd */
    struct slagg_shard *lru_prev, *lru_next;  /* open and unpinned, most recent first */
    int have_id;                /* dev, ino recorded at the first open */
    dev_t dev;
    ino_t ino;
    uint64_t file_size;
    uint16_t minor;
    uint64_t n_records;
    uint64_t footer_offset, footer_comp;
    size_t n_blocks;
    slagg_shard_block_info *blocks;
    uint32_t n_accounts;
    unsigned char *footer;      /* the decompressed footer; names point into it */
    size_t *acc_off;            /* id -> offset of the account's length byte */
};

/* pread of exactly n bytes at off. 1 = done, 0 = end of file first, -1 = errno. */
static int pread_full(int fd, void *buf, size_t n, uint64_t off)
{
    unsigned char *p = buf;
    while (n) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (r == 0) return 0;
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 1;
}

int slagg_is_shard(const char *path)
{
    if (!path || strcmp(path, "-") == 0) return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    unsigned char m[8];
    int ok = pread_full(fd, m, sizeof m, 0) == 1 && memcmp(m, SLAGG_SHARD_MAGIC, 8) == 0;
    close(fd);
    return ok;
}


/* ---- the pool of open shard files (SPEC 6: the number of open files never
 * limits how many inputs a run takes) ------------------------------------ */

struct slagg_shard_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* a pin was released */
    unsigned max_open, n_open;
    slagg_shard *lru_head, *lru_tail;
    uint64_t reopens;
};

slagg_status slagg_shard_pool_new(unsigned max_open, slagg_shard_pool **out, slagg_err *err)
{
    *out = NULL;
    slagg_shard_pool *p = slagg_calloc(1, sizeof *p);
    if (!p) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        slagg_free(p);
        return slagg_err_set(err, SLAGG_E_INTERNAL, "cannot create a mutex");
    }
    if (pthread_cond_init(&p->cv, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        slagg_free(p);
        return slagg_err_set(err, SLAGG_E_INTERNAL, "cannot create a condition variable");
    }
    p->max_open = max_open ? max_open : 1;
    *out = p;
    return SLAGG_OK;
}

void slagg_shard_pool_free(slagg_shard_pool *p)
{
    if (!p) return;
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    slagg_free(p);
}

uint64_t slagg_shard_pool_reopens(slagg_shard_pool *p)
{
    pthread_mutex_lock(&p->mu);
    uint64_t n = p->reopens;
    pthread_mutex_unlock(&p->mu);
    return n;
}

static void lru_unlink(slagg_shard_pool *p, slagg_shard *s)
{
    if (s->lru_prev) s->lru_prev->lru_next = s->lru_next;
    else p->lru_head = s->lru_next;
    if (s->lru_next) s->lru_next->lru_prev = s->lru_prev;
    else p->lru_tail = s->lru_prev;
    s->lru_prev = s->lru_next = NULL;
}

static void lru_push(slagg_shard_pool *p, slagg_shard *s)
{
    s->lru_prev = NULL;
    s->lru_next = p->lru_head;
    if (p->lru_head) p->lru_head->lru_prev = s;
    else p->lru_tail = s;
    p->lru_head = s;
}

/* Closes the least recently used open, unpinned shard. 0, or -1 when
 * every open shard is being read. Under p->mu. */
static int evict_one(slagg_shard_pool *p)
{
    slagg_shard *v = p->lru_tail;
    if (!v) return -1;
    lru_unlink(p, v);
    close(v->fd);
    v->fd = -1;
    p->n_open--;
    return 0;
}

/* The shard's file descriptor, held (pinned) for one read until
 * fd_release: an unpooled shard's own; a pooled one is reopened when the
 * pool closed it, after closing another when max_open are open, or
 * waiting while all of those are being read. A reopened file must be the
 * one first opened. The first call for a pooled shard (no identity yet)
 * opens it and records the identity. */
static slagg_status fd_acquire(const slagg_shard *cs, int *fd, slagg_err *err)
{
    slagg_shard *s = (slagg_shard *)cs;   /* pool fields only, under the pool's mutex */
    slagg_shard_pool *p = s->pool;
    if (!p) {
        *fd = s->fd;
        return SLAGG_OK;
    }
    slagg_status st = SLAGG_OK;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (s->fd >= 0) {
            if (s->pins++ == 0) lru_unlink(p, s);
            *fd = s->fd;
            break;
        }
        if (p->n_open >= p->max_open && evict_one(p) != 0) {
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        int f = open(s->path, O_RDONLY | O_CLOEXEC);
        if (f < 0 && (errno == EMFILE || errno == ENFILE)) {
            /* the process holds other files too: give one of ours back */
            if (evict_one(p) == 0) continue;
            if (p->n_open > 0) {
                pthread_cond_wait(&p->cv, &p->mu);
                continue;
            }
        }
        if (f < 0) {
            st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot open: %s", s->path, strerror(errno));
            break;
        }
        struct stat sb;
        if (fstat(f, &sb) != 0) {
            st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot stat: %s", s->path, strerror(errno));
            close(f);
            break;
        }
        if (s->have_id) {
            if (sb.st_dev != s->dev || sb.st_ino != s->ino || (uint64_t)sb.st_size != s->file_size) {
                st = slagg_err_set(err, SLAGG_E_IO,
                                   "%s: the file changed while it was read (reopened, it is not the shard first opened)",
                                   s->path);
                close(f);
                break;
            }
            p->reopens++;
        } else {
            s->dev = sb.st_dev;
            s->ino = sb.st_ino;
            s->have_id = 1;
        }
        s->fd = f;
        s->pins = 1;
        p->n_open++;
        *fd = f;
        break;
    }
    pthread_mutex_unlock(&p->mu);
    return st;
}

static void fd_release(const slagg_shard *cs)
{
    slagg_shard *s = (slagg_shard *)cs;
    slagg_shard_pool *p = s->pool;
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    if (--s->pins == 0) {
        lru_push(p, s);
        pthread_cond_signal(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
}

void slagg_shard_close(slagg_shard *s)
{
    if (!s) return;
    if (s->pool) {
        pthread_mutex_lock(&s->pool->mu);
        if (s->fd >= 0) {
            if (s->pins == 0) lru_unlink(s->pool, s);
            close(s->fd);
            s->fd = -1;
            s->pool->n_open--;
        }
        pthread_cond_broadcast(&s->pool->cv);
        pthread_mutex_unlock(&s->pool->mu);
    } else if (s->fd >= 0) {
        close(s->fd);
    }
    slagg_free(s->path);
    slagg_free(s->blocks);
    slagg_free(s->footer);
    slagg_free(s->acc_off);
    slagg_free(s);
}

/*
 * Decompresses the footer frame src[0..n) into a new buffer of exactly
 * raw_size bytes. The buffer starts small and grows only as output
 * arrives, so a lying raw_size cannot cause a large allocation that the
 * frame does not back with data.
 */
static slagg_status inflate_footer(const slagg_shard *s, const unsigned char *src, size_t n,
                                   uint64_t raw_size, unsigned char **out, slagg_err *err)
{
    *out = NULL;
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (!d) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    size_t want = (size_t)raw_size + 1;   /* one spare byte: more output than declared shows */
    size_t cap = want < (1u << 20) ? want : (1u << 20);
    unsigned char *buf = slagg_malloc(cap);
    slagg_status st = SLAGG_OK;
    if (!buf) {
        ZSTD_freeDCtx(d);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    ZSTD_inBuffer in = {src, n, 0};
    ZSTD_outBuffer ob = {buf, cap, 0};
    for (;;) {
        size_t r = ZSTD_decompressStream(d, &ob, &in);
        if (ZSTD_isError(r)) {
            st = slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: footer: %s", s->path,
                               ZSTD_getErrorName(r));
            break;
        }
        if (r == 0) break;   /* frame complete (its checksum verified) */
        if (ob.pos == ob.size) {
            if (cap == want) {
                st = slagg_err_set(err, SLAGG_E_INPUT,
                                   "%s: corrupt shard: footer longer than its declared size", s->path);
                break;
            }
            cap = cap > want / 2 ? want : cap * 2;
            unsigned char *nb = slagg_realloc(buf, cap);
            if (!nb) {
                st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
                break;
            }
            buf = nb;
            ob.dst = buf;
            ob.size = cap;
        } else if (in.pos == in.size) {
            st = slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: footer frame truncated",
                               s->path);
            break;
        }
    }
    ZSTD_freeDCtx(d);
    if (st == SLAGG_OK && (ob.pos != raw_size || in.pos != n))
        st = slagg_err_set(err, SLAGG_E_INPUT,
                           "%s: corrupt shard: footer size does not match the trailer", s->path);
    if (st != SLAGG_OK) {
        slagg_free(buf);
        return st;
    }
    *out = buf;
    return SLAGG_OK;
}

/* Rejects a dictionary that names one account twice. */
static slagg_status check_unique_accounts(const slagg_shard *s, slagg_err *err)
{
    if (s->n_accounts < 2) return SLAGG_OK;
    size_t cap = 16;
    while (cap < (size_t)s->n_accounts * 2) cap *= 2;
    uint32_t *t = slagg_calloc(cap, sizeof *t);
    if (!t) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    slagg_status st = SLAGG_OK;
    for (uint32_t id = 0; id < s->n_accounts && st == SLAGG_OK; id++) {
        const unsigned char *e = s->footer + s->acc_off[id];
        size_t i = (size_t)XXH3_64bits(e + 1, e[0]) & (cap - 1);
        for (; t[i]; i = (i + 1) & (cap - 1)) {
            const unsigned char *o = s->footer + s->acc_off[t[i] - 1];
            if (o[0] == e[0] && memcmp(o + 1, e + 1, e[0]) == 0) {
                st = slagg_err_set(err, SLAGG_E_INPUT,
                                   "%s: corrupt shard: footer: account %u repeats account %u",
                                   s->path, id, t[i] - 1);
                break;
            }
        }
        t[i] = id + 1;
    }
    slagg_free(t);
    return st;
}

/* Parses and checks the decompressed footer against the trailer. */
static slagg_status parse_footer(slagg_shard *s, size_t raw_size, uint64_t n_blocks,
                                 slagg_err *err)
{
    const unsigned char *p = s->footer, *end = s->footer + raw_size;
#define CORRUPT(...)                                                                   \
    do {                                                                               \
        char why_[256];                                                                \
        snprintf(why_, sizeof why_, __VA_ARGS__);                                      \
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: footer: %s", s->path, \
                             why_);                                                    \
    } while (0)
    if (end - p < 4) CORRUPT("truncated account count");
    uint32_t n_acc = slagg_le32_load(p);
    p += 4;
    /* each account takes at least 2 bytes, and appears in some record */
    if (n_acc > (uint64_t)(end - p) / 2 || n_acc > s->n_records)
        CORRUPT("account count %u is more than the footer or the records hold", n_acc);
    s->acc_off = slagg_calloc(n_acc ? n_acc : 1, sizeof *s->acc_off);
    if (!s->acc_off) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (uint32_t id = 0; id < n_acc; id++) {
        if (p >= end) CORRUPT("truncated account %u", id);
        size_t len = *p;
        if (len < 1 || len > SLAGG_ACCOUNT_MAX || (size_t)(end - p - 1) < len)
            CORRUPT("account %u has a bad length %zu", id, len);
        const char *why = slagg_account_check((const char *)p + 1, len);
        if (why) CORRUPT("account %u: %s", id, why);
        s->acc_off[id] = (size_t)(p - s->footer);
        p += 1 + len;
    }
    s->n_accounts = n_acc;
    if (end - p < 8) CORRUPT("truncated block count");
    uint64_t nb = slagg_le64_load(p);
    p += 8;
    if (nb != n_blocks) CORRUPT("block count %llu, trailer says %llu", (unsigned long long)nb,
                                (unsigned long long)n_blocks);
    if ((uint64_t)(end - p) != nb * INDEX_ENTRY_SIZE)
        CORRUPT("index holds %zu bytes for %llu blocks", (size_t)(end - p), (unsigned long long)nb);
    s->blocks = slagg_calloc(nb ? (size_t)nb : 1, sizeof *s->blocks);
    if (!s->blocks) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    uint64_t expect = HEADER_SIZE, records = 0;
    for (size_t i = 0; i < nb; i++, p += INDEX_ENTRY_SIZE) {
        slagg_shard_block_info *b = &s->blocks[i];
        b->offset = slagg_le64_load(p);
        b->records = slagg_le32_load(p + 8);
        b->comp_size = slagg_le32_load(p + 12);
        b->raw_size = slagg_le32_load(p + 16);
        b->min_ts_ms = (int64_t)slagg_le64_load(p + 20);
        b->max_ts_ms = (int64_t)slagg_le64_load(p + 28);
        if (b->offset != expect)
            CORRUPT("block %zu at offset %llu, expected %llu (blocks are contiguous)", i,
                    (unsigned long long)b->offset, (unsigned long long)expect);
        if (b->records < 1 || b->records > MAX_BLOCK_RECORDS)
            CORRUPT("block %zu: record count %u out of range", i, b->records);
        if (b->raw_size > SLAGG_SHARD_RAW_MAX || b->raw_size < RAW_MIN(b->records) ||
            b->raw_size > RAW_MAX(b->records))
            CORRUPT("block %zu: raw size %u impossible for %u records", i, b->raw_size, b->records);
        if (b->comp_size < MIN_FRAME || b->comp_size > ZSTD_compressBound(b->raw_size))
            CORRUPT("block %zu: compressed size %u impossible", i, b->comp_size);
        if (b->min_ts_ms < SLAGG_TS_MIN_MS || b->max_ts_ms >= SLAGG_TS_MAX_MS ||
            b->min_ts_ms > b->max_ts_ms)
            CORRUPT("block %zu: time range %lld..%lld out of range", i, (long long)b->min_ts_ms,
                    (long long)b->max_ts_ms);
        expect += BLOCK_HEADER_SIZE + (uint64_t)b->comp_size;
        if (expect > s->footer_offset)
            CORRUPT("block %zu runs past the footer", i);
        records += b->records;
    }
    if (expect != s->footer_offset)
        CORRUPT("blocks end at %llu, the footer starts at %llu", (unsigned long long)expect,
                (unsigned long long)s->footer_offset);
    if (records != s->n_records)
        CORRUPT("blocks hold %llu records, trailer says %llu", (unsigned long long)records,
                (unsigned long long)s->n_records);
    s->n_blocks = (size_t)nb;
#undef CORRUPT
    return check_unique_accounts(s, err);
}

static slagg_status open_checked(slagg_shard *s, slagg_err *err)
{
    const char *path = s->path;
    struct stat sb;
    if (fstat(s->fd, &sb) != 0)
        return slagg_err_set(err, SLAGG_E_IO, "%s: cannot stat: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: not a slagg shard: not a regular file", path);
    uint64_t size = (uint64_t)sb.st_size;
    s->file_size = size;
    if (size == 0) return slagg_err_set(err, SLAGG_E_INPUT, "%s: not a slagg shard: empty file", path);

    unsigned char h[HEADER_SIZE];
    size_t hn = size < HEADER_SIZE ? (size_t)size : HEADER_SIZE;
    int r = pread_full(s->fd, h, hn, 0);
    if (r < 0) return slagg_err_set(err, SLAGG_E_IO, "%s: cannot read: %s", path, strerror(errno));
    if (r == 0) return slagg_err_set(err, SLAGG_E_INPUT, "%s: not a slagg shard: file shrank while read", path);
    if (hn < 8 || memcmp(h, SLAGG_SHARD_MAGIC, 8) != 0)
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: not a slagg shard: no SLAGGSHD magic", path);
    if (hn < HEADER_SIZE)
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: not a slagg shard: truncated file header", path);
    if (slagg_le64_load(h + 24) != XXH64(h, 24, 0))
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: file header checksum mismatch", path);
    uint16_t major = slagg_le16_load(h + 8), minor = slagg_le16_load(h + 10);
    uint32_t flags = slagg_le32_load(h + 12);
    if (major > SLAGG_SHARD_MAJOR)
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s: shard format version %u.%u is newer than this slagg reads (%d.x)",
                             path, major, minor, SLAGG_SHARD_MAJOR);
    if (major < SLAGG_SHARD_MAJOR)
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: format version %u.%u does not exist",
                             path, major, minor);
    if (flags != 0)
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s: shard uses flags 0x%08x that this slagg does not know", path, flags);
    s->minor = minor;

    if (size < HEADER_SIZE + TRAILER_SIZE)
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s: not a slagg shard: no trailer (truncated, or its writer never finished)",
                             path);
    unsigned char t[TRAILER_SIZE];
    r = pread_full(s->fd, t, sizeof t, size - TRAILER_SIZE);
    if (r < 0) return slagg_err_set(err, SLAGG_E_IO, "%s: cannot read: %s", path, strerror(errno));
    if (r == 0 || memcmp(t + 56, "SLAGGEND", 8) != 0)
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s: not a slagg shard: no trailer (truncated, or its writer never finished)",
                             path);
    if (slagg_le64_load(t + 48) != XXH64(t, 48, 0))
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: trailer checksum mismatch", path);
    uint64_t f_off = slagg_le64_load(t), f_comp = slagg_le64_load(t + 8), f_raw = slagg_le64_load(t + 16);
    uint64_t n_blocks = slagg_le64_load(t + 24), n_records = slagg_le64_load(t + 32);
    uint64_t body_end = size - TRAILER_SIZE;
    if (f_off < HEADER_SIZE || f_off > body_end || f_comp != body_end - f_off || f_comp < MIN_FRAME)
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s: corrupt shard: trailer: footer at %llu, %llu bytes does not fit a %llu-byte file",
                             path, (unsigned long long)f_off, (unsigned long long)f_comp,
                             (unsigned long long)size);
    /* every block takes at least a header and a minimal frame */
    if (n_blocks > (f_off - HEADER_SIZE) / (BLOCK_HEADER_SIZE + MIN_FRAME) ||
        (n_blocks == 0) != (f_off == HEADER_SIZE))
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s: corrupt shard: trailer: %llu blocks cannot fit in %llu bytes", path,
                             (unsigned long long)n_blocks, (unsigned long long)(f_off - HEADER_SIZE));
    if (n_records < n_blocks || n_records > n_blocks * MAX_BLOCK_RECORDS)
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s: corrupt shard: trailer: %llu records cannot fill %llu blocks", path,
                             (unsigned long long)n_records, (unsigned long long)n_blocks);
    /* footer = u32 + accounts (2..129 bytes each, at most one per record) + u64 + index */
    uint64_t acc_max = n_records < UINT32_MAX ? n_records : UINT32_MAX;
    uint64_t raw_min = 12 + INDEX_ENTRY_SIZE * n_blocks + (n_records ? 2 : 0);
    uint64_t raw_max = 12 + INDEX_ENTRY_SIZE * n_blocks + (1 + SLAGG_ACCOUNT_MAX) * acc_max;
    if (f_raw < raw_min || f_raw > raw_max || f_raw >= SIZE_MAX)
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s: corrupt shard: trailer: footer size %llu impossible for %llu blocks",
                             path, (unsigned long long)f_raw, (unsigned long long)n_blocks);
    s->footer_offset = f_off;
    s->footer_comp = f_comp;
    s->n_records = n_records;

    unsigned char *comp = slagg_malloc((size_t)f_comp);
    if (!comp) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    r = pread_full(s->fd, comp, (size_t)f_comp, f_off);
    slagg_status st = SLAGG_OK;
    if (r < 0)
        st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot read: %s", path, strerror(errno));
    else if (r == 0)
        st = slagg_err_set(err, SLAGG_E_INPUT, "%s: not a slagg shard: file shrank while read", path);
    else if (slagg_le64_load(t + 40) != XXH64(comp, (size_t)f_comp, 0))
        st = slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: footer checksum mismatch", path);
    else if (ZSTD_getFrameContentSize(comp, (size_t)f_comp) != f_raw ||
             ZSTD_findFrameCompressedSize(comp, (size_t)f_comp) != f_comp)
        st = slagg_err_set(err, SLAGG_E_INPUT,
                           "%s: corrupt shard: footer frame does not match the trailer", path);
    else
        st = inflate_footer(s, comp, (size_t)f_comp, f_raw, &s->footer, err);
    slagg_free(comp);
    if (st != SLAGG_OK) return st;
    return parse_footer(s, (size_t)f_raw, n_blocks, err);
}

slagg_status slagg_shard_open(const char *path, slagg_shard **out, slagg_err *err)
{
    return slagg_shard_open_pooled(path, NULL, out, err);
}

slagg_status slagg_shard_open_pooled(const char *path, slagg_shard_pool *pool, slagg_shard **out,
                                     slagg_err *err)
{
    *out = NULL;
    slagg_shard *s = slagg_calloc(1, sizeof *s);
    if (!s) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    s->fd = -1;
    s->path = slagg_strndup(path, strlen(path));
    if (!s->path) {
        slagg_shard_close(s);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    slagg_status st;
    if (pool) {
        /* pinned while the footer is read; then the pool may close it */
        s->pool = pool;
        int fd;
        if ((st = fd_acquire(s, &fd, err)) != SLAGG_OK) {
            slagg_shard_close(s);
            return st;
        }
        st = open_checked(s, err);
        fd_release(s);
    } else {
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0) {
            st = slagg_err_set(err, slagg_open_status(errno), "%s: cannot open: %s", path, strerror(errno));
            slagg_shard_close(s);
            return st;
        }
        st = open_checked(s, err);
    }
    if (st != SLAGG_OK) {
        slagg_shard_close(s);
        return st;
    }
    *out = s;
    return SLAGG_OK;
}

const char *slagg_shard_path(const slagg_shard *s) { return s->path; }
uint32_t slagg_shard_version_minor(const slagg_shard *s) { return s->minor; }
uint64_t slagg_shard_records(const slagg_shard *s) { return s->n_records; }
size_t slagg_shard_block_count(const slagg_shard *s) { return s->n_blocks; }
uint32_t slagg_shard_account_count(const slagg_shard *s) { return s->n_accounts; }
uint64_t slagg_shard_file_size(const slagg_shard *s) { return s->file_size; }
uint64_t slagg_shard_footer_size(const slagg_shard *s) { return s->footer_comp; }

const slagg_shard_block_info *slagg_shard_block_at(const slagg_shard *s, size_t i)
{
    return i < s->n_blocks ? &s->blocks[i] : NULL;
}

const char *slagg_shard_account(const slagg_shard *s, uint32_t id, size_t *len)
{
    if (id >= s->n_accounts) {
        if (len) *len = 0;
        return NULL;
    }
    const unsigned char *e = s->footer + s->acc_off[id];
    if (len) *len = e[0];
    return (const char *)e + 1;
}

void slagg_shard_cursor_free(slagg_shard_cursor *c)
{
    if (!c) return;
    slagg_free(c->comp);
    slagg_free(c->raw);
    ZSTD_freeDCtx(c->dctx);
    c->comp = c->raw = c->dctx = NULL;
    c->comp_cap = c->raw_cap = 0;
}

void slagg_shard_block_free(slagg_shard_block *b)
{
    if (!b) return;
    slagg_free(b->ts_ms);
    slagg_free(b->account);
    slagg_free(b->status);
    slagg_free(b->cause);
    slagg_shard_cursor_free(b->cur);
    slagg_free(b->cur);
    memset(b, 0, sizeof *b);
}

static int grow_scratch(void **p, size_t *cap, size_t need)
{
    if (*cap >= need) return 0;
    slagg_free(*p);   /* contents need not survive */
    *p = slagg_malloc(need);
    *cap = *p ? need : 0;
    return *p ? 0 : -1;
}

static int grow_columns(slagg_shard_block *b, uint32_t n)
{
    if (b->cap >= n) return 0;
    slagg_free(b->ts_ms);
    slagg_free(b->account);
    slagg_free(b->status);
    slagg_free(b->cause);
    b->ts_ms = slagg_reallocarray(NULL, n, sizeof *b->ts_ms);
    b->account = slagg_reallocarray(NULL, n, sizeof *b->account);
    b->status = slagg_reallocarray(NULL, n, sizeof *b->status);
    b->cause = slagg_reallocarray(NULL, n, sizeof *b->cause);
    if (!b->ts_ms || !b->account || !b->status || !b->cause) {
        b->cap = 0;
        return -1;
    }
    b->cap = n;
    return 0;
}

/*
 * The raw block (docs/FORMAT.md, "Block"): the pair table, then the runs
 * (varint account, varint length), the codes (u8, or u16 past 256 pairs),
 * the time deltas (varints). Opening parses the pair table and finds where
 * each section starts; chunks then walk the three sections side by side.
 * Returns NULL, or a static reason.
 */
static const char *cursor_start(slagg_shard_cursor *c, const slagg_shard_block_info *bi,
                                const unsigned char *p, const unsigned char *end)
{
    uint32_t n = bi->records;
    if (end - p < 2) return "truncated pair table";
    uint32_t n_pairs = slagg_le16_load(p);
    p += 2;
    if (n_pairs < 1 || n_pairs > SC_KEYS || (size_t)(end - p) < 3u * n_pairs)
        return "bad pair count";
    int prev_key = -1;
    for (uint32_t i = 0; i < n_pairs; i++, p += 3) {
        int st = slagg_le16_load(p), cause = p[2];
        if (!slagg_http_status_allowed(st)) return "pair table: status not 0 or 100-599";
        if (cause >= SLAGG_CAUSE_COUNT) return "pair table: unknown cause";
        int key = st * 8 + cause;
        if (key <= prev_key) return "pair table not strictly sorted";
        prev_key = key;
        c->pair_status[i] = (uint16_t)st;
        c->pair_cause[i] = (uint8_t)cause;
    }
    c->n_pairs = n_pairs;

    if (end - p < 4) return "truncated run count";
    uint32_t n_runs = slagg_le32_load(p);
    p += 4;
    if (n_runs < 1 || n_runs > n || (size_t)(end - p) < 2u * (size_t)n_runs) return "bad run count";
    /* the runs end after 2 x n_runs varints: count their last bytes */
    c->rp = p;
    for (uint64_t left = 2u * (uint64_t)n_runs; left; p++) {
        if (p == end) return "truncated runs";
        left -= *p < 0x80;
    }
    c->code16 = n_pairs > 256;
    c->cp = p;
    if ((size_t)(end - p) / (c->code16 ? 2u : 1u) < n) return "truncated codes";
    c->tp = p + (c->code16 ? 2 * (size_t)n : n);
    c->end = end;
    c->records = n;
    c->runs_left = n_runs;
    c->run_left = 0;
    c->run_pos = c->pos = 0;
    c->lo = bi->min_ts_ms;
    c->hi = bi->max_ts_ms;
    c->seen_lo = c->hi;
    c->seen_hi = c->lo;
    c->prev = c->lo;
    return NULL;
}

/* A varint from [p, end) (io/mem.h): the branch-free 8-byte decoder
 * where 8 bytes are there, else the bounded one. The position after it,
 * or NULL. */
static inline const unsigned char *next_varint(const unsigned char *p, const unsigned char *end, uint64_t *v)
{
    unsigned len = end - p >= 8 ? slagg_varint_decode_fast(p, v) : 0;
    if (len) return p + len;
    size_t n = slagg_varint_get(p, end, v);
    return n ? p + n : NULL;
}

/* The next chunk; NULL or a static reason. Three passes, each a flat loop
 * over the chunk (no loop per run, whose exits would be mispredicted with
 * runs of a few records): the runs, the codes, then the times. */
static const char *cursor_chunk(slagg_shard_cursor *c)
{
    const uint32_t n = c->records;
    const unsigned char *end = c->end;
    const uint32_t want = n - c->pos < SLAGG_SHARD_CHUNK ? n - c->pos : SLAGG_SHARD_CHUNK;
    uint32_t k = 0, nr = 0;
    /* 1. the runs (pieces of them) covering the chunk's records */
    memset(c->fresh, 0, want);
    while (k < want) {
        if (c->run_left == 0) {
            uint64_t a, len;
            if (c->runs_left == 0) return "run lengths do not add up to the record count";
            if (!(c->rp = next_varint(c->rp, c->cp, &a)) || !(c->rp = next_varint(c->rp, c->cp, &len)))
                return "truncated runs";
            if (a >= c->s->n_accounts) return "account id beyond the dictionary";
            if (c->run_pos && a <= c->cur_account) return "runs not sorted by account";
            if (len < 1 || len > n - c->run_pos) return "run lengths do not add up to the record count";
            c->runs_left--;
            c->cur_account = (uint32_t)a;
            c->run_left = (uint32_t)len;
            c->run_pos += (uint32_t)len;
            c->fresh[k] = 1;
        }
        uint32_t m = c->run_left < want - k ? c->run_left : want - k;
        c->run_account[nr] = c->cur_account;
        c->run_len[nr++] = m;
        c->run_left -= m;
        k += m;
    }
    /* 2. the codes, checked against the pair table at once */
    unsigned top = 0;
    if (c->code16) {
        for (uint32_t j = 0; j < k; j++) {
            unsigned code = slagg_le16_load(c->cp + 2 * (size_t)(c->pos + j));
            top = code > top ? code : top;
            c->code[j] = (uint16_t)code;
        }
    } else {
        const unsigned char *cp = c->cp + c->pos;
        for (uint32_t j = 0; j < k; j++) {
            top = cp[j] > top ? cp[j] : top;
            c->code[j] = cp[j];
        }
    }
    if (k && top >= c->n_pairs) return "code beyond the pair table";
    /* 3. the times: deltas from the previous record of the run, or from
     * the block's min at a run's start; each must stay within the block's
     * range (checked once for the chunk: `bad`) */
    const unsigned char *tp = c->tp;
    const int64_t lo = c->lo, hi = c->hi;
    int64_t prev = c->prev, seen_lo = c->seen_lo, seen_hi = c->seen_hi;
    uint64_t bad = 0;
    for (uint32_t j = 0; j < k; j++) {
        uint64_t d;
        if (!(tp = next_varint(tp, end, &d))) return "truncated timestamps";
        int64_t base = c->fresh[j] ? lo : prev;
        /* unsigned: after a bad delta, base may be anything until the
         * chunk is refused below */
        bad |= d > (uint64_t)hi - (uint64_t)base;
        prev = (int64_t)((uint64_t)base + d);
        c->ts_ms[j] = prev;
        seen_lo = prev < seen_lo ? prev : seen_lo;
        seen_hi = prev > seen_hi ? prev : seen_hi;
    }
    if (bad) return "timestamp beyond the block's time range";
    c->tp = tp;
    c->prev = prev;
    c->seen_lo = seen_lo;
    c->seen_hi = seen_hi;
    c->n = k;
    c->n_runs = nr;
    c->pos += k;
    if (c->pos == n) {
        if (c->run_left || c->runs_left) return "run lengths do not add up to the record count";
        if (c->seen_lo != c->lo || c->seen_hi != c->hi)
            return "time range in the header does not match the records";
        if (c->tp != end) return "trailing bytes after the timestamps";
    }
    return NULL;
}

slagg_status slagg_shard_cursor_open(const slagg_shard *s, size_t i, slagg_shard_cursor *c, slagg_err *err)
{
    if (i >= s->n_blocks)
        return slagg_err_set(err, SLAGG_E_INTERNAL, "%s: block %zu does not exist (%zu blocks)",
                             s->path, i, s->n_blocks);
    const slagg_shard_block_info *bi = &s->blocks[i];
    c->s = s;
    c->block = i;
    c->n = c->n_runs = 0;
    c->records = c->pos = 0;
    size_t need = BLOCK_HEADER_SIZE + (size_t)bi->comp_size;
    if (grow_scratch(&c->comp, &c->comp_cap, need) || grow_scratch(&c->raw, &c->raw_cap, bi->raw_size))
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    if (!c->dctx && !(c->dctx = ZSTD_createDCtx()))
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    unsigned char *h = c->comp;
    int fd;
    slagg_status ast = fd_acquire(s, &fd, err);
    if (ast != SLAGG_OK) return ast;
    int r = pread_full(fd, h, need, bi->offset);
    int read_errno = errno;
    fd_release(s);
    if (r < 0) return slagg_err_set(err, SLAGG_E_IO, "%s: cannot read: %s", s->path, strerror(read_errno));
    if (r == 0)
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: truncated", s->path, i);
    if (memcmp(h, "BLK1", 4) != 0)
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: no block magic", s->path, i);
    if (slagg_le64_load(h + 40) != XXH64(h, 40, 0))
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: header checksum mismatch",
                             s->path, i);
    if (slagg_le32_load(h + 4) != bi->records || (int64_t)slagg_le64_load(h + 8) != bi->min_ts_ms ||
        (int64_t)slagg_le64_load(h + 16) != bi->max_ts_ms || slagg_le32_load(h + 24) != bi->comp_size ||
        slagg_le32_load(h + 28) != bi->raw_size)
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s: corrupt shard: block %zu: header does not match the index", s->path, i);
    const unsigned char *payload = h + BLOCK_HEADER_SIZE;
    if (slagg_le64_load(h + 32) != XXH64(payload, bi->comp_size, 0))
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: checksum mismatch",
                             s->path, i);
    if (ZSTD_getFrameContentSize(payload, bi->comp_size) != bi->raw_size ||
        ZSTD_findFrameCompressedSize(payload, bi->comp_size) != bi->comp_size)
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s: corrupt shard: block %zu: frame does not match the header", s->path, i);
    size_t got = ZSTD_decompressDCtx(c->dctx, c->raw, bi->raw_size, payload, bi->comp_size);
    if (ZSTD_isError(got))
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: %s", s->path, i,
                             ZSTD_getErrorName(got));
    if (got != bi->raw_size)
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: raw size mismatch",
                             s->path, i);
    const unsigned char *raw = c->raw;
    const char *why = cursor_start(c, bi, raw, raw + bi->raw_size);
    if (why) {
        c->records = c->pos = 0;
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: %s", s->path, i, why);
    }
    return SLAGG_OK;
}

int slagg_shard_cursor_next(slagg_shard_cursor *c, slagg_err *err)
{
    c->n = c->n_runs = 0;
    if (c->pos >= c->records) return 0;
    const char *why = cursor_chunk(c);
    if (why) {
        c->records = c->pos = 0;
        slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: %s", c->s->path, c->block, why);
        return -1;
    }
    return 1;
}

slagg_status slagg_shard_read_block(const slagg_shard *s, size_t i, slagg_shard_block *b,
                                    slagg_err *err)
{
    b->n = 0;
    if (!b->cur && !(b->cur = slagg_calloc(1, sizeof *b->cur)))
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    slagg_shard_cursor *c = b->cur;
    slagg_status st = slagg_shard_cursor_open(s, i, c, err);
    if (st != SLAGG_OK) return st;
    if (grow_columns(b, c->records)) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    uint32_t pos = 0;
    int r;
    while ((r = slagg_shard_cursor_next(c, err)) == 1) {
        uint32_t at = pos;
        for (uint32_t k = 0; k < c->n_runs; k++)
            for (uint32_t j = 0; j < c->run_len[k]; j++) b->account[at++] = c->run_account[k];
        for (uint32_t j = 0; j < c->n; j++) {
            b->status[pos + j] = c->pair_status[c->code[j]];
            b->cause[pos + j] = c->pair_cause[c->code[j]];
        }
        memcpy(b->ts_ms + pos, c->ts_ms, c->n * sizeof *b->ts_ms);
        pos += c->n;
    }
    if (r < 0) return err->code;
    b->n = pos;
    return SLAGG_OK;
}

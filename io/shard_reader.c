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
/* 2.0 (docs/FORMAT.md): the head's fixed part, the pair table, at most 40
 * bytes a record in runs and exceptions, 2 of code and 10 of time, and a
 * cover bitmap no longer than the whole time range's windows. */
#define NW_MAX ((uint64_t)(SLAGG_TS_MAX_MS - SLAGG_TS_MIN_MS) / SLAGG_SHARD_WINDOW_MS + 1)
#define RAW_MAX2(r) (16u + 3u * (uint64_t)SC_KEYS + 52u * (uint64_t)(r) + NW_MAX / 8 + 1)
#define BLOCK_HEADER(s) ((s)->major >= 2 ? SLAGG_SHARD_BLOCK2_HEADER : BLOCK_HEADER_SIZE)

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
    uint16_t major, minor;
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
            b->raw_size > (s->major >= 2 ? RAW_MAX2(b->records) : RAW_MAX(b->records)))
            CORRUPT("block %zu: raw size %u impossible for %u records", i, b->raw_size, b->records);
        if (b->comp_size < MIN_FRAME || b->comp_size > ZSTD_compressBound(b->raw_size) + 2 * 64)
            CORRUPT("block %zu: compressed size %u impossible", i, b->comp_size);
        if (b->min_ts_ms < SLAGG_TS_MIN_MS || b->max_ts_ms >= SLAGG_TS_MAX_MS ||
            b->min_ts_ms > b->max_ts_ms)
            CORRUPT("block %zu: time range %lld..%lld out of range", i, (long long)b->min_ts_ms,
                    (long long)b->max_ts_ms);
        expect += BLOCK_HEADER(s) + (uint64_t)b->comp_size;
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
    if (major < 1)
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: format version %u.%u does not exist",
                             path, major, minor);
    if (flags != 0)
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s: shard uses flags 0x%08x that this slagg does not know", path, flags);
    s->major = major;
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
uint32_t slagg_shard_version_major(const slagg_shard *s) { return s->major; }
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
    slagg_shard_head_free(c->head);
    slagg_free(c->head);
    c->head = NULL;
    slagg_free(c->v2_cover);
    c->v2_cover = NULL;
    c->v2_cover_cap = 0;
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

/* ---- format 2.0: the block header, the head, the checks against the records ---- */

/* The pair table (both formats): into status/cause; *n gets its size. NULL
 * or a static reason; *pp moves past it. */
static const char *parse_pairs(const unsigned char **pp, const unsigned char *end, uint16_t *status,
                               uint8_t *cause_out, uint32_t *n)
{
    const unsigned char *p = *pp;
    if (end - p < 2) return "truncated pair table";
    uint32_t n_pairs = slagg_le16_load(p);
    p += 2;
    if (n_pairs < 1 || n_pairs > SC_KEYS || (size_t)(end - p) < 3u * n_pairs) return "bad pair count";
    int prev_key = -1;
    for (uint32_t i = 0; i < n_pairs; i++, p += 3) {
        int st = slagg_le16_load(p), cause = p[2];
        if (!slagg_http_status_allowed(st)) return "pair table: status not 0 or 100-599";
        if (cause >= SLAGG_CAUSE_COUNT) return "pair table: unknown cause";
        int key = st * 8 + cause;
        if (key <= prev_key) return "pair table not strictly sorted";
        prev_key = key;
        status[i] = (uint16_t)st;
        cause_out[i] = (uint8_t)cause;
    }
    *n = n_pairs;
    *pp = p;
    return NULL;
}

/* A 2.0 block header (the first `h` bytes read at its offset), checked
 * against the index entry; the frames' sizes and hashes into fc/fr/fx. */
static slagg_status check_header2(const slagg_shard *s, size_t i, const unsigned char *h, uint32_t fc[3],
                                  uint32_t fr[3], uint64_t fx[3], slagg_err *err)
{
    const slagg_shard_block_info *bi = &s->blocks[i];
    if (memcmp(h, "BLK2", 4) != 0)
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: no block magic", s->path, i);
    if (slagg_le64_load(h + 92) != XXH64(h, 92, 0))
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: header checksum mismatch",
                             s->path, i);
    uint64_t cs = 0, rs = 0;
    for (int f = 0; f < 3; f++) {
        fc[f] = slagg_le32_load(h + 32 + 20 * f);
        fr[f] = slagg_le32_load(h + 36 + 20 * f);
        fx[f] = slagg_le64_load(h + 40 + 20 * f);
        cs += fc[f];
        rs += fr[f];
        if (fc[f] < MIN_FRAME)
            return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: frame %d too short",
                                 s->path, i, f);
    }
    if (slagg_le32_load(h + 4) != bi->records || (int64_t)slagg_le64_load(h + 8) != bi->min_ts_ms ||
        (int64_t)slagg_le64_load(h + 16) != bi->max_ts_ms || slagg_le32_load(h + 24) != bi->comp_size ||
        slagg_le32_load(h + 28) != bi->raw_size || cs != bi->comp_size || rs != bi->raw_size)
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s: corrupt shard: block %zu: header does not match the index", s->path, i);
    return SLAGG_OK;
}

/* Decompresses one frame (checked: its hash, exactly one zstd frame of
 * exactly `raw` bytes). */
static slagg_status inflate_frame(const slagg_shard *s, size_t i, int f, void *dctx, const unsigned char *src,
                                  uint32_t comp, uint64_t hash, unsigned char *dst, uint32_t raw, slagg_err *err)
{
    if (XXH64(src, comp, 0) != hash)
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: frame %d checksum mismatch",
                             s->path, i, f);
    if (ZSTD_getFrameContentSize(src, comp) != raw || ZSTD_findFrameCompressedSize(src, comp) != comp)
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s: corrupt shard: block %zu: frame %d does not match the header", s->path, i, f);
    size_t got = ZSTD_decompressDCtx(dctx, dst, raw, src, comp);
    if (ZSTD_isError(got))
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: frame %d: %s", s->path, i, f,
                             ZSTD_getErrorName(got));
    if (got != raw)
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: frame %d: raw size mismatch",
                             s->path, i, f);
    return SLAGG_OK;
}

static int grow_u32(uint32_t **p, size_t n)
{
    uint32_t *q = slagg_reallocarray(*p, n ? n : 1, sizeof *q);
    if (!q) return -1;
    *p = q;
    return 0;
}

/* next_varint with the one-byte case first: a head's varints are nearly
 * all below 128. */
static inline const unsigned char *head_varint(const unsigned char *p, const unsigned char *end, uint64_t *v)
{
    if (p < end && *p < 0x80) {
        *v = *p;
        return p + 1;
    }
    return next_varint(p, end, v);
}

/* Parses a head (frame 0) into h, with every check FORMAT.md lists for it
 * alone. NULL, a static reason, or "" for out of memory. */
static const char *parse_head(const slagg_shard *s, const slagg_shard_block_info *bi, slagg_shard_head *h,
                              const unsigned char *p, const unsigned char *end)
{
    const int64_t W = SLAGG_SHARD_WINDOW_MS;
    const uint32_t r = bi->records;
    h->records = r;
    h->min_ts_ms = bi->min_ts_ms;
    h->max_ts_ms = bi->max_ts_ms;
    h->w0 = bi->min_ts_ms / W;
    const char *why = parse_pairs(&p, end, h->pair_status, h->pair_cause, &h->n_pairs);
    if (why) return why;
    h->ok_lo = h->ok_hi = 0;
    for (uint32_t c = 0; c < h->n_pairs; c++) {
        if (h->pair_status[c] < 100) h->ok_lo = c + 1;
        if (h->pair_status[c] < 500) h->ok_hi = c + 1;
    }
    if (h->ok_hi < h->ok_lo) h->ok_hi = h->ok_lo;
    if (end - p < 8) return "truncated head";
    uint64_t nw = slagg_le32_load(p);
    if (nw != (uint64_t)(bi->max_ts_ms / W - h->w0 + 1)) return "window span does not match the time range";
    h->nw = (uint32_t)nw;
    uint32_t n_runs = slagg_le32_load(p + 4);
    p += 8;
    if (n_runs < 1 || n_runs > r || (size_t)(end - p) / 2 < n_runs) return "bad run count";
    if (n_runs > h->run_cap) {
        if (grow_u32(&h->run_account, n_runs) || grow_u32(&h->run_len, n_runs) || grow_u32(&h->run_first, n_runs) ||
            grow_u32(&h->run_last, n_runs))
            return "";
        h->run_cap = n_runs;
    }
    /* locals, not h's fields: the stores below could alias them, and the
     * compiler would reload every pointer each run */
    uint32_t *restrict ra = h->run_account, *restrict rl = h->run_len;
    uint32_t *restrict rf = h->run_first, *restrict rt = h->run_last;
    const uint64_t n_acc = s->n_accounts;
    const int edges = !h->no_edges;
    uint64_t at = 0, prev = 0;
    for (uint32_t k = 0; k < n_runs; k++) {
        uint64_t d, len, cf, cl;
        uint32_t x;
        /* the common run: four one-byte varints (account step, length and
         * both edge counts below 128), tested with one load */
        if (nw >= 2 && end - p >= 4 && !((x = slagg_le32_load(p)) & 0x80808080u)) {
            d = x & 0xff;
            len = (x >> 8) & 0xff;
            cf = (x >> 16) & 0xff;
            cl = x >> 24;
            p += 4;
        } else {
            if (!(p = head_varint(p, end, &d)) || !(p = head_varint(p, end, &len))) return "truncated runs";
            if (nw >= 2) {
                if (!(p = head_varint(p, end, &cf)) || !(p = head_varint(p, end, &cl))) return "truncated runs";
            } else {
                cf = cl = len;
            }
        }
        if (k && d < 1) return "runs not sorted by account";
        if (d >= n_acc) return "account id beyond the dictionary";
        uint64_t a = k ? prev + d : d;
        if (a >= n_acc) return "account id beyond the dictionary";
        if (len < 1 || len > r - at) return "run lengths do not add up to the record count";
        if (nw >= 2 && (cf > len || cl > len - cf || (nw == 2 && cf + cl != len))) return "run edge counts impossible";
        ra[k] = (uint32_t)a;
        rl[k] = (uint32_t)len;
        if (edges) {
            rf[k] = (uint32_t)cf;
            rt[k] = (uint32_t)cl;
        }
        at += len;
        prev = a;
    }
    if (at != r) return "run lengths do not add up to the record count";
    h->n_runs = n_runs;
    if (end - p < 4) return "truncated exception count";
    uint32_t n_exc = slagg_le32_load(p);
    p += 4;
    if (n_exc > r || (size_t)(end - p) / 6 < n_exc) return "bad exception count";
    if (n_exc > h->exc_cap) {
        uint16_t *codes = slagg_reallocarray(h->exc_code, n_exc, sizeof *codes);
        if (!codes) return "";
        h->exc_code = codes;
        if (grow_u32(&h->exc_index, n_exc) || grow_u32(&h->exc_run, n_exc) || grow_u32(&h->exc_win, n_exc) ||
            grow_u32(&h->exc_ms, n_exc) || grow_u32(&h->exc_seg, n_exc))
            return "";
        h->exc_cap = n_exc;
    }
    uint64_t idx = 0, run_end = h->run_len[0];
    uint32_t run = 0;
    for (uint32_t k = 0; k < n_exc; k++) {
        uint64_t d, win, ms, seg;
        if (!(p = head_varint(p, end, &d))) return "truncated exceptions";
        if (d >= r) return "exception beyond the records";
        idx = k ? idx + 1 + d : d;
        if (idx >= r) return "exception beyond the records";
        if (end - p < 2) return "truncated exceptions";
        unsigned code = slagg_le16_load(p);
        p += 2;
        if (!(p = head_varint(p, end, &win)) || !(p = head_varint(p, end, &ms)) || !(p = head_varint(p, end, &seg)))
            return "truncated exceptions";
        if (code >= h->n_pairs || (code >= h->ok_lo && code < h->ok_hi)) return "exception of an OK or unknown pair";
        if (win >= nw || ms >= (uint64_t)W) return "exception's window beyond the block";
        int64_t ts = (h->w0 + (int64_t)win) * W + (int64_t)ms;
        if (ts < bi->min_ts_ms || ts > bi->max_ts_ms) return "exception's instant beyond the block's time range";
        while (idx >= run_end) run_end += h->run_len[++run];   /* runs add up to r > idx */
        if (seg < 1 || seg > h->run_len[run] ||
            (!h->no_edges && ((win == 0 && seg != h->run_first[run]) || (win == nw - 1 && seg != h->run_last[run]))))
            return "exception's window count impossible";
        h->exc_index[k] = (uint32_t)idx;
        h->exc_run[k] = run;
        h->exc_code[k] = (uint16_t)code;
        h->exc_win[k] = (uint32_t)win;
        h->exc_ms[k] = (uint32_t)ms;
        h->exc_seg[k] = (uint32_t)seg;
    }
    h->n_exc = n_exc;
    size_t cover_len = (size_t)((nw + 7) / 8);
    if ((size_t)(end - p) != cover_len) return "head's cover does not fit its window span";
    h->cover = p;
    if (!(p[0] & 1) || !(p[(nw - 1) >> 3] & (1u << ((nw - 1) & 7)))) return "cover misses the block's first or last window";
    if ((nw & 7) && (p[cover_len - 1] >> (nw & 7))) return "cover marks windows beyond the block";
    for (uint32_t k = 0; k < n_exc; k++)
        if (!(p[h->exc_win[k] >> 3] & (1u << (h->exc_win[k] & 7)))) return "cover misses an exception's window";
    return NULL;
}

/* Reads block i's header and frames [0, nf) in one pread into *buf
 * (grown), checks the header; fc/fr/fx get the frames' sizes and hashes. */
static slagg_status read_frames(const slagg_shard *s, size_t i, int nf, void **buf, size_t *cap, uint32_t fc[3],
                                uint32_t fr[3], uint64_t fx[3], slagg_err *err)
{
    const slagg_shard_block_info *bi = &s->blocks[i];
    unsigned char hb[SLAGG_SHARD_BLOCK2_HEADER];
    int fd;
    slagg_status st = fd_acquire(s, &fd, err);
    if (st != SLAGG_OK) return st;
    int r = pread_full(fd, hb, sizeof hb, bi->offset);
    int read_errno = errno;
    if (r > 0 && (st = check_header2(s, i, hb, fc, fr, fx, err)) != SLAGG_OK) {
        fd_release(s);
        return st;
    }
    size_t need = 0;
    for (int f = 0; r > 0 && f < nf; f++) need += fc[f];
    if (r > 0) {
        if (grow_scratch(buf, cap, need ? need : 1)) {
            fd_release(s);
            return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        }
        r = pread_full(fd, *buf, need, bi->offset + SLAGG_SHARD_BLOCK2_HEADER);
        read_errno = errno;
    }
    fd_release(s);
    if (r < 0) return slagg_err_set(err, SLAGG_E_IO, "%s: cannot read: %s", s->path, strerror(read_errno));
    if (r == 0)
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: truncated", s->path, i);
    return SLAGG_OK;
}

slagg_status slagg_shard_head_read(const slagg_shard *s, size_t i, slagg_shard_head *h, slagg_err *err)
{
    if (i >= s->n_blocks || s->major < 2)
        return slagg_err_set(err, SLAGG_E_INTERNAL, "%s: block %zu has no 2.0 head", s->path, i);
    uint32_t fc[3], fr[3];
    uint64_t fx[3];
    slagg_status st = read_frames(s, i, 1, &h->comp, &h->comp_cap, fc, fr, fx, err);
    if (st != SLAGG_OK) return st;
    if (!h->dctx && !(h->dctx = ZSTD_createDCtx())) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    if (grow_scratch(&h->raw, &h->raw_cap, fr[0] ? fr[0] : 1)) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    if ((st = inflate_frame(s, i, 0, h->dctx, h->comp, fc[0], fx[0], h->raw, fr[0], err)) != SLAGG_OK) return st;
    const char *why = parse_head(s, &s->blocks[i], h, h->raw, (const unsigned char *)h->raw + fr[0]);
    if (why && !*why) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    if (why) return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: %s", s->path, i, why);
    return SLAGG_OK;
}

slagg_status slagg_shard_head_times(const slagg_shard *s, size_t i, slagg_shard_head *h, slagg_err *err)
{
    const slagg_shard_block_info *bi = &s->blocks[i];
    unsigned char hb[SLAGG_SHARD_BLOCK2_HEADER];
    uint32_t fc[3], fr[3];
    uint64_t fx[3];
    int fd;
    slagg_status st = fd_acquire(s, &fd, err);
    if (st != SLAGG_OK) return st;
    int r = pread_full(fd, hb, sizeof hb, bi->offset);
    if (r > 0 && (st = check_header2(s, i, hb, fc, fr, fx, err)) == SLAGG_OK) {
        if (grow_scratch(&h->tcomp, &h->tcomp_cap, fc[2]) || grow_scratch(&h->traw, &h->traw_cap, fr[2] + 1)) {
            fd_release(s);
            return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        }
        r = pread_full(fd, h->tcomp, fc[2], bi->offset + SLAGG_SHARD_BLOCK2_HEADER + fc[0] + fc[1]);
    }
    int read_errno = errno;
    fd_release(s);
    if (st != SLAGG_OK) return st;
    if (r < 0) return slagg_err_set(err, SLAGG_E_IO, "%s: cannot read: %s", s->path, strerror(read_errno));
    if (r == 0) return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: truncated", s->path, i);
    if ((st = inflate_frame(s, i, 2, h->dctx, h->tcomp, fc[2], fx[2], h->traw, fr[2], err)) != SLAGG_OK) return st;
    if (h->records > h->ts_cap) {
        int64_t *t = slagg_reallocarray(h->ts, h->records, sizeof *t);
        if (!t) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        h->ts = t;
        h->ts_cap = h->records;
    }
    const unsigned char *p = h->traw, *end = p + fr[2];
    const int64_t lo = bi->min_ts_ms, hi = bi->max_ts_ms;
    uint64_t bad = 0;
    for (uint32_t k = 0, j = 0; k < h->n_runs; k++) {
        int64_t prev = lo;
        for (uint32_t e = j + h->run_len[k]; j < e; j++) {
            uint64_t d;
            if (!(p = next_varint(p, end, &d)))
                return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: truncated timestamps",
                                     s->path, i);
            bad |= d > (uint64_t)hi - (uint64_t)prev;
            prev = (int64_t)((uint64_t)prev + d);
            h->ts[j] = prev;
        }
    }
    if (bad || p != end)
        return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: %s", s->path, i,
                             bad ? "timestamp beyond the block's time range" : "trailing bytes after the timestamps");
    return SLAGG_OK;
}

void slagg_shard_head_free(slagg_shard_head *h)
{
    if (!h) return;
    slagg_free(h->ts);
    slagg_free(h->tcomp);
    slagg_free(h->traw);
    slagg_free(h->run_account);
    slagg_free(h->run_len);
    slagg_free(h->run_first);
    slagg_free(h->run_last);
    slagg_free(h->exc_index);
    slagg_free(h->exc_run);
    slagg_free(h->exc_code);
    slagg_free(h->exc_win);
    slagg_free(h->exc_ms);
    slagg_free(h->exc_seg);
    slagg_free(h->comp);
    slagg_free(h->raw);
    ZSTD_freeDCtx(h->dctx);
    memset(h, 0, sizeof *h);
}

/* A 2.0 block for a cursor: every frame read and checked, the head
 * parsed into c->head, the codes and times into c->raw for the chunks. */
static slagg_status cursor_open2(const slagg_shard *s, size_t i, slagg_shard_cursor *c, slagg_err *err)
{
    const slagg_shard_block_info *bi = &s->blocks[i];
    uint32_t fc[3], fr[3];
    uint64_t fx[3];
    if (!c->head && !(c->head = slagg_calloc(1, sizeof *c->head)))
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    slagg_shard_head *h = c->head;
    slagg_status st = read_frames(s, i, 3, &c->comp, &c->comp_cap, fc, fr, fx, err);
    if (st != SLAGG_OK) return st;
    if (!c->dctx && !(c->dctx = ZSTD_createDCtx())) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    if (grow_scratch(&h->raw, &h->raw_cap, fr[0] ? fr[0] : 1) ||
        grow_scratch(&c->raw, &c->raw_cap, (size_t)fr[1] + fr[2] + 1))
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    const unsigned char *src = c->comp;
    unsigned char *raw = c->raw;
    if ((st = inflate_frame(s, i, 0, c->dctx, src, fc[0], fx[0], h->raw, fr[0], err)) != SLAGG_OK ||
        (st = inflate_frame(s, i, 1, c->dctx, src + fc[0], fc[1], fx[1], raw, fr[1], err)) != SLAGG_OK ||
        (st = inflate_frame(s, i, 2, c->dctx, src + fc[0] + fc[1], fc[2], fx[2], raw + fr[1], fr[2], err)) != SLAGG_OK)
        return st;
    const char *why = parse_head(s, bi, h, h->raw, (const unsigned char *)h->raw + fr[0]);
    if (why && !*why) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    uint32_t n = bi->records;
    if (!why) {
        c->n_pairs = h->n_pairs;
        memcpy(c->pair_status, h->pair_status, h->n_pairs * sizeof *h->pair_status);
        memcpy(c->pair_cause, h->pair_cause, h->n_pairs * sizeof *h->pair_cause);
        c->code16 = h->n_pairs > 256;
        if (fr[1] != (uint64_t)n * (c->code16 ? 2u : 1u)) why = "codes frame does not hold one code a record";
    }
    if (why) return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt shard: block %zu: %s", s->path, i, why);
    size_t cover_len = (h->nw + 7) / 8;
    if (grow_scratch((void **)&c->v2_cover, &c->v2_cover_cap, cover_len))
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    memset(c->v2_cover, 0, cover_len);
    c->cp = raw;
    c->tp = raw + fr[1];
    c->end = raw + fr[1] + fr[2];
    c->records = n;
    c->runs_left = h->n_runs;
    c->run_left = 0;
    c->run_pos = c->pos = 0;
    c->lo = bi->min_ts_ms;
    c->hi = bi->max_ts_ms;
    c->seen_lo = c->hi;
    c->seen_hi = c->lo;
    c->prev = c->lo;
    c->v2_run = c->v2_exc = 0;
    c->v2_cf = c->v2_cl = c->v2_gcnt = c->v2_gclaim = 0;
    c->v2_gwin = -1;
    return SLAGG_OK;
}

/* The end of a (run, window) group: its exceptions' seg must be its count. */
static inline int v2_group_ok(const slagg_shard_cursor *c) { return !c->v2_gclaim || c->v2_gclaim == c->v2_gcnt; }

/* The end of a run: its edge counts must be the records'. */
static inline int v2_run_ok(const slagg_shard_cursor *c)
{
    const slagg_shard_head *h = c->head;
    return h->nw < 2 || (c->v2_cf == h->run_first[c->v2_run] && c->v2_cl == h->run_last[c->v2_run]);
}

/* The head against the chunk's records (FORMAT.md "Checks", the whole
 * block): every non-OK record listed with its window, millisecond and
 * seg, the edge counts and the cover the records' own. k records from
 * c->pos; run starts are marked in c->fresh. NULL or a static reason. */
static const char *v2_check_chunk(slagg_shard_cursor *c, uint32_t k)
{
    const slagg_shard_head *h = c->head;
    const int64_t W = SLAGG_SHARD_WINDOW_MS;
    const uint32_t last = h->nw - 1, span = h->ok_hi - h->ok_lo;
    for (uint32_t j = 0; j < k; j++) {
        uint32_t pos = c->pos + j;
        int64_t ts = c->ts_ms[j];
        uint32_t wo = (uint32_t)(ts / W - h->w0);
        if (c->fresh[j] && pos) {   /* a new run: close the previous one */
            if (!v2_group_ok(c)) return "exception's window count does not match the records";
            if (!v2_run_ok(c)) return "run edge counts do not match the records";
            c->v2_run++;
            c->v2_cf = c->v2_cl = 0;
            c->v2_gwin = -1;
        }
        if ((int64_t)wo != c->v2_gwin) {
            if (!v2_group_ok(c)) return "exception's window count does not match the records";
            c->v2_gwin = wo;
            c->v2_gcnt = c->v2_gclaim = 0;
        }
        c->v2_gcnt++;
        c->v2_cf += wo == 0;
        c->v2_cl += wo == last;
        c->v2_cover[wo >> 3] |= (uint8_t)(1u << (wo & 7));
        unsigned code = c->code[j];
        if (c->v2_exc < h->n_exc && h->exc_index[c->v2_exc] == pos) {
            uint32_t e = c->v2_exc++;
            if (h->exc_code[e] != code || h->exc_win[e] != wo || (int64_t)h->exc_ms[e] != ts - (h->w0 + wo) * W)
                return "exception does not match its record";
            if (c->v2_gclaim && c->v2_gclaim != h->exc_seg[e]) return "exception's window count does not match the records";
            c->v2_gclaim = h->exc_seg[e];
        } else if ((uint32_t)(code - h->ok_lo) >= span) {
            return "non-OK record missing from the exceptions";
        }
    }
    if (c->pos + k == c->records) {
        if (!v2_group_ok(c)) return "exception's window count does not match the records";
        if (!v2_run_ok(c)) return "run edge counts do not match the records";
        if (c->v2_exc != h->n_exc) return "exceptions beyond the records";
        if (memcmp(c->v2_cover, h->cover, (h->nw + 7) / 8) != 0) return "cover does not match the records";
    }
    return NULL;
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
    uint32_t n = bi->records, n_pairs;
    const char *why = parse_pairs(&p, end, c->pair_status, c->pair_cause, &n_pairs);
    if (why) return why;
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
            if (c->head) {   /* 2.0: the head's runs, checked by parse_head */
                uint32_t r = c->head->n_runs - c->runs_left;
                a = c->head->run_account[r];
                len = c->head->run_len[r];
            } else if (!(c->rp = next_varint(c->rp, c->cp, &a)) || !(c->rp = next_varint(c->rp, c->cp, &len))) {
                return "truncated runs";
            }
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
    if (c->head) {
        const char *why = v2_check_chunk(c, k);
        if (why) return why;
    }
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
    if (s->major >= 2) {
        slagg_status st2 = cursor_open2(s, i, c, err);
        if (st2 != SLAGG_OK) c->records = c->pos = 0;
        return st2;
    }
    if (c->head) {   /* the cursor read a 2.0 block before */
        slagg_shard_head_free(c->head);
        slagg_free(c->head);
        c->head = NULL;
    }
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

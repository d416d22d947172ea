/*
 * source.c - a file or standard input as a byte stream, with transparent
 * streaming zstd decompression (SPEC section 3: "Any input may be
 * zstd-compressed ... told by content, not by file name").
 *
 * Memory is fixed at open: one raw input buffer (ZSTD_DStreamInSize()) and
 * the decompression context; the output goes straight into the caller's
 * buffer, so a highly compressible frame only yields a long stream.
 */
#include "io/source.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
/* for ZSTD_createDCtx_advanced: zstd's allocations go through core/alloc */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "core/alloc.h"
#include "io/ndjson.h"

#define SOURCE_MIN_RAW (64u * 1024u)

struct slagg_source {
    int fd;
    int is_stdin;
    char *name;
    int zstd;
    ZSTD_DCtx *dctx;
    unsigned char *raw;        /* undecoded bytes read from fd */
    size_t raw_cap, raw_pos, raw_len;
    int raw_eof;
    uint64_t raw_bytes;        /* bytes read from fd so far */
    int frame_done;            /* last zstd call ended a frame (ret 0) */
    int flush_pending;         /* last zstd call filled the output buffer */
    unsigned char *back;       /* pushed-back decoded bytes, served first */
    size_t back_pos, back_len;
};

/* Reads from the fd into raw[raw_len..raw_cap), retrying on EINTR.
 * Returns the count, 0 at end of file, -1 with err set. */
static ssize_t source_fill(slagg_source *s, slagg_err *err)
{
    for (;;) {
        ssize_t n = read(s->fd, s->raw + s->raw_len, s->raw_cap - s->raw_len);
        if (n >= 0) {
            s->raw_len += (size_t)n;
            s->raw_bytes += (uint64_t)n;
            if (n == 0) s->raw_eof = 1;
            return n;
        }
        if (errno == EINTR) continue;
        slagg_err_set(err, SLAGG_E_IO, "%s: read error: %s", s->name, strerror(errno));
        return -1;
    }
}

static void *source_zstd_alloc(void *opaque, size_t n)
{
    (void)opaque;
    return slagg_malloc(n);
}

static void source_zstd_free(void *opaque, void *p)
{
    (void)opaque;
    slagg_free(p);
}

/* Magic numbers: a zstd frame (0xFD2FB528) or a skippable frame
 * (0x184D2A50-0x184D2A5F), both little-endian. */
static int source_is_zstd_magic(const unsigned char *p)
{
    if (p[0] == 0x28 && p[1] == 0xB5 && p[2] == 0x2F && p[3] == 0xFD) return 1;
    return (p[0] & 0xF0) == 0x50 && p[1] == 0x2A && p[2] == 0x4D && p[3] == 0x18;
}

/* A source named name with a raw buffer of raw_cap bytes and no file yet;
 * NULL (err set) when out of memory. */
static slagg_source *source_new(const char *path, const char *name, size_t raw_cap, slagg_err *err)
{
    slagg_source *s = slagg_calloc(1, sizeof *s);
    if (!s) {
        slagg_err_set(err, SLAGG_E_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    s->fd = -1;
    s->name = slagg_strndup(name, strlen(name));
    s->raw_cap = raw_cap;
    s->raw = slagg_malloc(s->raw_cap);
    if (!s->name || !s->raw) {
        slagg_source_close(s);
        slagg_err_set(err, SLAGG_E_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    return s;
}

/* path opened read-only (EINTR retried): the descriptor, or -1 and errno. */
static int source_open_fd(const char *path)
{
    int fd;
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

/* s decompresses what it reads from now on; closes s when out of memory. */
static slagg_status source_use_zstd(slagg_source *s, const char *path, slagg_err *err)
{
    s->zstd = 1;
    ZSTD_customMem mem = {source_zstd_alloc, source_zstd_free, NULL};
    s->dctx = ZSTD_createDCtx_advanced(mem);
    if (s->dctx) return SLAGG_OK;
    slagg_source_close(s);
    return slagg_err_set(err, SLAGG_E_NOMEM, "%s: out of memory", path);
}

slagg_status slagg_source_open(const char *path, slagg_source **out, slagg_err *err)
{
    *out = NULL;
    int is_stdin = strcmp(path, "-") == 0;
    size_t in_size = ZSTD_DStreamInSize();
    slagg_source *s = source_new(path, is_stdin ? "<stdin>" : path,
                                 in_size > SOURCE_MIN_RAW ? in_size : SOURCE_MIN_RAW, err);
    if (!s) return SLAGG_E_NOMEM;
    s->is_stdin = is_stdin;
    if (is_stdin) {
        s->fd = STDIN_FILENO;
    } else if ((s->fd = source_open_fd(path)) < 0) {
        slagg_status st = slagg_err_set(err, slagg_open_status(errno), "%s: %s", path, strerror(errno));
        slagg_source_close(s);
        return st;
    }
    struct stat sb;
    if (fstat(s->fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        slagg_status st = slagg_err_set(err, SLAGG_E_IO, "%s: is a directory", s->name);
        slagg_source_close(s);
        return st;
    }
    /* Peek the first four bytes (short reads from pipes included). */
    while (s->raw_len < 4 && !s->raw_eof) {
        if (source_fill(s, err) < 0) {
            slagg_source_close(s);
            return SLAGG_E_IO;
        }
    }
    if (s->raw_len >= 4 && source_is_zstd_magic(s->raw)) {
        slagg_status st = source_use_zstd(s, path, err);
        if (st != SLAGG_OK) return st;
    }
    *out = s;
    return SLAGG_OK;
}

slagg_status slagg_source_open_at(const char *path, uint64_t offset, int zstd, slagg_source **out,
                                 slagg_err *err)
{
    *out = NULL;
    size_t in_size = ZSTD_DStreamInSize();
    slagg_source *s = source_new(path, path, zstd && in_size > SOURCE_MIN_RAW ? in_size : SOURCE_MIN_RAW, err);
    if (!s) return SLAGG_E_NOMEM;
    if ((s->fd = source_open_fd(path)) < 0 || lseek(s->fd, (off_t)offset, SEEK_SET) < 0) {
        slagg_status st = slagg_err_set(err, s->fd < 0 ? slagg_open_status(errno) : SLAGG_E_IO,
                                        "%s: %s", path, strerror(errno));
        slagg_source_close(s);
        return st;
    }
    if (zstd) {
        slagg_status st = source_use_zstd(s, path, err);
        if (st != SLAGG_OK) return st;
    }
    *out = s;
    return SLAGG_OK;
}

/* Decompresses into buf until at least one byte is produced or the input
 * ends. A frame still open at end of input is a truncation. */
static ssize_t source_read_zstd(slagg_source *s, void *buf, size_t cap, slagg_err *err)
{
    ZSTD_outBuffer out = {buf, cap, 0};
    while (out.pos == 0) {
        if (s->raw_pos == s->raw_len && !s->flush_pending) {
            if (s->raw_eof) {
                if (s->frame_done) return 0;
                slagg_err_set(err, SLAGG_E_INPUT, "%s: truncated zstd frame", s->name);
                return -1;
            }
            s->raw_pos = s->raw_len = 0;
            if (source_fill(s, err) < 0) return -1;
            continue;
        }
        ZSTD_inBuffer in = {s->raw, s->raw_len, s->raw_pos};
        size_t out_before = out.pos;
        size_t ret = ZSTD_decompressStream(s->dctx, &out, &in);
        if (ZSTD_isError(ret)) {
            slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt zstd data: %s", s->name,
                          ZSTD_getErrorName(ret));
            return -1;
        }
        /* A call that moved nothing (draining an already finished frame)
         * reports the next frame's header size: it does not reopen one. */
        if (in.pos != s->raw_pos || out.pos != out_before) s->frame_done = ret == 0;
        s->raw_pos = in.pos;
        /* A full output buffer may leave decoded data inside the context:
         * the next call must drain it before asking for more input. */
        s->flush_pending = out.pos == out.size;
    }
    return (ssize_t)out.pos;
}

ssize_t slagg_source_read(slagg_source *s, void *buf, size_t cap, slagg_err *err)
{
    if (cap == 0) return 0;
    if (cap > (size_t)SSIZE_MAX) cap = (size_t)SSIZE_MAX;
    if (s->back_pos < s->back_len) {
        size_t n = s->back_len - s->back_pos;
        if (n > cap) n = cap;
        memcpy(buf, s->back + s->back_pos, n);
        s->back_pos += n;
        if (s->back_pos == s->back_len) {
            slagg_free(s->back);
            s->back = NULL;
            s->back_pos = s->back_len = 0;
        }
        return (ssize_t)n;
    }
    if (s->zstd) return source_read_zstd(s, buf, cap, err);
    if (s->raw_pos < s->raw_len) {  /* the peeked bytes */
        size_t n = s->raw_len - s->raw_pos;
        if (n > cap) n = cap;
        memcpy(buf, s->raw + s->raw_pos, n);
        s->raw_pos += n;
        return (ssize_t)n;
    }
    if (s->raw_eof) return 0;
    for (;;) {
        ssize_t n = read(s->fd, buf, cap);
        if (n > 0) {
            s->raw_bytes += (uint64_t)n;
            return n;
        }
        if (n == 0) {
            s->raw_eof = 1;
            return 0;
        }
        if (errno == EINTR) continue;
        slagg_err_set(err, SLAGG_E_IO, "%s: read error: %s", s->name, strerror(errno));
        return -1;
    }
}

slagg_status slagg_source_unread(slagg_source *s, const void *buf, size_t n, slagg_err *err)
{
    if (n == 0) return SLAGG_OK;
    size_t pending = s->back_len - s->back_pos;
    unsigned char *b = slagg_malloc(n + pending);
    if (!b) return slagg_err_set(err, SLAGG_E_NOMEM, "%s: out of memory", s->name);
    memcpy(b, buf, n);
    if (pending) memcpy(b + n, s->back + s->back_pos, pending);
    slagg_free(s->back);
    s->back = b;
    s->back_pos = 0;
    s->back_len = n + pending;
    return SLAGG_OK;
}

const char *slagg_source_name(const slagg_source *s) { return s->name; }

int slagg_source_is_zstd(const slagg_source *s) { return s->zstd; }

int slagg_source_is_stdin(const slagg_source *s) { return s->is_stdin; }

uint64_t slagg_source_raw_bytes(const slagg_source *s) { return s->raw_bytes; }

unsigned slagg_input_fd_budget(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 4096 + 16)
        return 4096;
    return rl.rlim_cur > 17 ? (unsigned)(rl.rlim_cur - 16) : 1;
}

void slagg_source_close(slagg_source *s)
{
    if (!s) return;
    if (s->fd >= 0 && !s->is_stdin) close(s->fd);
    ZSTD_freeDCtx(s->dctx);
    slagg_free(s->raw);
    slagg_free(s->back);
    slagg_free(s->name);
    slagg_free(s);
}

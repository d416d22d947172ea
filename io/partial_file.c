/*
 * partial_file.c - the partial file, format 2.0 (io/partial.h; bytes in
 * docs/DISTRIBUTED.md, "The partial file"). All integers little-endian.
 *
 *   0   "SLAGGPRT"   8 u32 version (major | minor << 16)   12 u32 flags (0)
 *   16  u64 meta size, raw   24 u64 meta size, compressed (C)
 *   32  u64 XXH64 of bytes 0..31 (seed 0)
 *   40  chunks: 24-byte header (u32 kind: 1 cells, 2 tail, 3 end; u32
 *       cells; u32 raw bytes; u32 compressed bytes; u64 XXH64 of the
 *       compressed bytes, seeded with XXH64 of the header's first 16
 *       bytes), then one zstd frame; kinds in order 1*, 2*, one 3
 *   ..  the meta section: one zstd frame of C bytes
 *   ..  "SLAGGEND"
 *
 * The header is written last (pwrite at 0) so that the cells can be
 * streamed while the engine finalises its windows; a reader checks it,
 * the meta section and the end marker before it streams a cell, and every
 * chunk as it reaches it, so a corrupt or truncated file is refused with
 * nothing written by the merge.
 */
#include "io/partial.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/alloc.h"
#include "core/calendar.h"
#include "core/warnings.h"
#include "io/blob.h"
#include "io/mem.h"
#include "io/output.h"

#define HEADER 40
#define CHUNK_HDR 24
/* A chunk is flushed past this many raw bytes: big enough for zstd, small
 * enough that a merge of many partials holds one of each. */
#define CHUNK_RAW (1u << 20)
#define CHUNK_RAW_MAX (64u << 20)
#define CELL_MAX_BYTES (4 * SLAGG_VARINT_MAX)
#define KIND_CELLS 1u
#define KIND_TAIL 2u
#define KIND_END 3u
#define ZLEVEL 1    /* written once, read once: speed over ratio */
#define META_LEVEL 3
#define TZ_LIMIT_S 86400

/* ---- the cell encoding ---------------------------------------------------
 * Per chunk, cells in (window, account) order: the first as varint zigzag
 * window, varint account; the others as varint window delta, then the
 * account delta (> 0) when the window is the same, else the account; then
 * varint V (>= 1) and varint E (<= V). */

struct slagg_partial_writer {
    slagg_stream_out out;
    uint32_t n_accounts;
    unsigned char *raw, *comp;
    size_t raw_len, comp_cap;
    uint32_t chunk_cells;
    unsigned kind;               /* of the chunk being filled */
    int64_t pw;                  /* previous cell of the chunk */
    uint32_t pa;
    int have_last;               /* order check of the main stream */
    int64_t lw;
    uint32_t la;
    int tail_done;
    uint64_t n_cells, n_tail;
    ZSTD_CCtx *cctx;
};

static slagg_status nomem(slagg_err *err) { return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory"); }

slagg_status slagg_partial_writer_open(const char *path, uint32_t n_accounts, slagg_partial_writer **wp,
                                       slagg_err *err)
{
    *wp = NULL;
    slagg_partial_writer *w = slagg_calloc(1, sizeof *w);
    if (!w) return nomem(err);
    w->out.fd = -1;
    w->n_accounts = n_accounts;
    w->comp_cap = ZSTD_compressBound(CHUNK_RAW + CELL_MAX_BYTES);
    w->raw = slagg_malloc(CHUNK_RAW + CELL_MAX_BYTES);
    w->comp = slagg_malloc(w->comp_cap);
    w->cctx = ZSTD_createCCtx();
    if (!w->raw || !w->comp || !w->cctx) {
        slagg_partial_writer_discard(w);
        return nomem(err);
    }
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, ZLEVEL);
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
    w->kind = KIND_CELLS;
    slagg_status st = slagg_stream_open_path(path, &w->out, err);
    unsigned char zero[HEADER] = {0};
    if (st == SLAGG_OK) st = slagg_stream_write(&w->out, zero, sizeof zero, err);
    if (st != SLAGG_OK) {
        slagg_partial_writer_discard(w);
        return st;
    }
    *wp = w;
    return SLAGG_OK;
}

/* Writes one chunk of kind k: header and the compressed raw bytes. */
static slagg_status put_chunk(slagg_partial_writer *w, unsigned k, slagg_err *err)
{
    size_t comp_len = 0;
    if (w->raw_len) {
        comp_len = ZSTD_compress2(w->cctx, w->comp, w->comp_cap, w->raw, w->raw_len);
        if (ZSTD_isError(comp_len))
            return slagg_err_set(err, SLAGG_E_INTERNAL, "partial: zstd: %s", ZSTD_getErrorName(comp_len));
    }
    unsigned char h[CHUNK_HDR];
    slagg_le32_store(h, k);
    slagg_le32_store(h + 4, w->chunk_cells);
    slagg_le32_store(h + 8, (uint32_t)w->raw_len);
    slagg_le32_store(h + 12, (uint32_t)comp_len);
    slagg_le64_store(h + 16, XXH64(w->comp, comp_len, XXH64(h, 16, 0)));
    slagg_status st = slagg_stream_write(&w->out, h, sizeof h, err);
    if (st == SLAGG_OK && comp_len) st = slagg_stream_write(&w->out, w->comp, comp_len, err);
    w->raw_len = 0;
    w->chunk_cells = 0;
    return st;
}

static slagg_status put_cells(slagg_partial_writer *w, unsigned kind, const slagg_cell *c, size_t n,
                              slagg_err *err)
{
    slagg_status st;
    if (w->kind != kind) {
        if (w->chunk_cells && (st = put_chunk(w, w->kind, err)) != SLAGG_OK) return st;
        w->kind = kind;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char *p = w->raw + w->raw_len;
        if (w->chunk_cells == 0) {
            p += slagg_varint_put(p, slagg_zigzag_encode(c[i].window));
            p += slagg_varint_put(p, c[i].account);
        } else if (c[i].window == w->pw) {
            p += slagg_varint_put(p, 0);
            p += slagg_varint_put(p, (uint64_t)(c[i].account - w->pa));
        } else {
            p += slagg_varint_put(p, (uint64_t)(c[i].window - w->pw));
            p += slagg_varint_put(p, c[i].account);
        }
        p += slagg_varint_put(p, c[i].v);
        p += slagg_varint_put(p, c[i].e);
        w->raw_len = (size_t)(p - w->raw);
        w->pw = c[i].window;
        w->pa = c[i].account;
        w->chunk_cells++;
        if (w->raw_len >= CHUNK_RAW && (st = put_chunk(w, kind, err)) != SLAGG_OK) return st;
    }
    return SLAGG_OK;
}

static int key_after(int64_t w, uint32_t a, int64_t lw, uint32_t la) { return w > lw || (w == lw && a > la); }

slagg_status slagg_partial_writer_cells(slagg_partial_writer *w, const slagg_cell *c, size_t n, slagg_err *err)
{
    if (w->tail_done) return slagg_err_set(err, SLAGG_E_INTERNAL, "partial: cells after the tail");
    for (size_t i = 0; i < n; i++) {
        if ((w->have_last && !key_after(c[i].window, c[i].account, w->lw, w->la)) || c[i].account >= w->n_accounts ||
            c[i].v == 0 || c[i].e > c[i].v)
            return slagg_err_set(err, SLAGG_E_INTERNAL, "partial: cells out of order or out of range");
        w->have_last = 1;
        w->lw = c[i].window;
        w->la = c[i].account;
    }
    w->n_cells += n;
    return put_cells(w, KIND_CELLS, c, n, err);
}

slagg_status slagg_partial_writer_tail(slagg_partial_writer *w, slagg_cell *c, size_t n, slagg_err *err)
{
    if (w->tail_done) return slagg_err_set(err, SLAGG_E_INTERNAL, "partial: a second tail");
    w->tail_done = 1;
    if (n == 0) return SLAGG_OK;
    qsort(c, n, sizeof *c, slagg_cell_cmp_window);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && c[k - 1].window == c[i].window && c[k - 1].account == c[i].account) {
            c[k - 1].v += c[i].v;
            c[k - 1].e += c[i].e;
        } else {
            c[k++] = c[i];
        }
    }
    for (size_t i = 0; i < k; i++)
        if (c[i].account >= w->n_accounts || c[i].v == 0 || c[i].e > c[i].v)
            return slagg_err_set(err, SLAGG_E_INTERNAL, "partial: tail cell out of range");
    w->n_tail = k;
    return put_cells(w, KIND_TAIL, c, k, err);
}

/* The meta section (docs/DISTRIBUTED.md, "The partial file", meta). */
static void encode_meta(const slagg_partial *p, const slagg_tables *t, const slagg_cov_acc *cov, uint64_t n_cells,
                        uint64_t n_tail, slagg_buf *pl)
{
    slagg_buf tb = {0};
    slagg_tables_encode(t, &tb);
    slagg_buf_le32(pl, (uint32_t)p->tz_s);
    slagg_buf_le32(pl, p->has_through ? 1 : 0);
    slagg_buf_le64(pl, (uint64_t)(p->has_through ? p->through : 0));
    slagg_buf_le64(pl, p->max_rejects);
    slagg_buf_le64(pl, slagg_buf_failed(&tb) ? 0 : (uint64_t)XXH64(tb.data, tb.len, 0));
    slagg_buf_le64(pl, tb.len);
    slagg_buf_put(pl, tb.data, tb.len);
    if (slagg_buf_failed(&tb)) pl->failed = 1;
    slagg_buf_free(&tb);
    slagg_buf_le64(pl, p->n_inputs);
    for (size_t i = 0; i < p->n_inputs; i++) {
        slagg_buf_opt_str(pl, p->inputs[i].path);
        slagg_buf_le64(pl, p->inputs[i].size);
        slagg_buf_le64(pl, p->inputs[i].fingerprint);
    }
    slagg_buf_le64(pl, p->records_read);
    slagg_buf_le64(pl, p->rejected);
    slagg_buf_le32(pl, p->has_record ? 1 : 0);
    slagg_buf_le64(pl, (uint64_t)(p->has_record ? p->max_ms : 0));
    slagg_buf_le64(pl, (uint64_t)(p->has_record ? p->min_ms : 0));
    slagg_buf_le64(pl, p->rejects.total);
    slagg_buf_le64(pl, p->rejects.n);
    for (size_t i = 0; i < p->rejects.n; i++) {
        const slagg_reject_row *row = &p->rejects.rows[i];
        slagg_buf_le64(pl, row->file);
        slagg_buf_le64(pl, row->line);
        slagg_buf_opt_str(pl, row->reason);
    }
    slagg_buf_le32(pl, p->gap_min);
    slagg_buf_le32(pl, p->strict);
    slagg_buf_le32(pl, p->has_from ? 1 : 0);
    slagg_buf_le64(pl, (uint64_t)(p->has_from ? p->from : 0));
    slagg_buf_le64(pl, p->before_from);
    slagg_buf_le64(pl, (uint64_t)p->own_through);
    slagg_buf_le64(pl, p->uncontracted);
    slagg_buf_le64(pl, p->after_through);
    slagg_buf_le64(pl, p->n_periods);
    for (size_t i = 0; i < p->n_periods; i++) {
        const slagg_partial_period *q = &p->periods[i];
        uint32_t mask = 0;
        for (int k = 0; k < SLAGG_CLASS_COUNT; k++)
            if (q->cls[k]) mask |= 1u << k;
        slagg_buf_le32(pl, q->account);
        slagg_buf_le64(pl, (uint64_t)q->start);
        slagg_buf_le32(pl, mask);
        for (int k = 0; k < SLAGG_CLASS_COUNT; k++)
            if (mask & (1u << k)) slagg_buf_le64(pl, q->cls[k]);
    }
    slagg_cov_encode(cov, pl);
    slagg_buf_le64(pl, n_cells);
    slagg_buf_le64(pl, n_tail);
}

slagg_status slagg_partial_writer_commit(slagg_partial_writer *w, const slagg_partial *p, const slagg_tables *t,
                                         const slagg_cov_acc *cov, uint64_t *bytes, slagg_err *err)
{
    slagg_status st = SLAGG_OK;
    slagg_buf pl = {0};
    unsigned char *comp = NULL;
    if (w->chunk_cells) st = put_chunk(w, w->kind, err);
    if (st == SLAGG_OK) st = put_chunk(w, KIND_END, err);
    if (st == SLAGG_OK) {
        encode_meta(p, t, cov, w->n_cells, w->n_tail, &pl);
        if (slagg_buf_failed(&pl)) st = nomem(err);
    }
    size_t cn = 0;
    if (st == SLAGG_OK) {
        size_t cap = ZSTD_compressBound(pl.len);
        comp = slagg_malloc(cap ? cap : 1);
        if (!comp) st = nomem(err);
        else {
            ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_and_parameters);
            ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, META_LEVEL);
            ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
            ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
            cn = ZSTD_compress2(w->cctx, comp, cap, pl.data, pl.len);
            if (ZSTD_isError(cn)) st = slagg_err_set(err, SLAGG_E_INTERNAL, "partial: zstd: %s", ZSTD_getErrorName(cn));
        }
    }
    if (st == SLAGG_OK) st = slagg_stream_write(&w->out, comp, cn, err);
    if (st == SLAGG_OK) st = slagg_stream_write(&w->out, SLAGG_PARTIAL_END, 8, err);
    if (st == SLAGG_OK) {
        unsigned char h[HEADER];
        memcpy(h, SLAGG_PARTIAL_MAGIC, 8);
        slagg_le32_store(h + 8, SLAGG_PARTIAL_V2_MAJOR | (uint32_t)SLAGG_PARTIAL_V2_MINOR << 16);
        slagg_le32_store(h + 12, 0);
        slagg_le64_store(h + 16, pl.len);
        slagg_le64_store(h + 24, cn);
        slagg_le64_store(h + 32, XXH64(h, 32, 0));
        st = slagg_stream_pwrite(&w->out, h, sizeof h, 0, err);
    }
    uint64_t size = w->out.off;
    slagg_buf_free(&pl);
    slagg_free(comp);
    if (st == SLAGG_OK) {
        st = slagg_stream_commit(&w->out, err);
        w->out.fd = -1;
    }
    if (st == SLAGG_OK && bytes) *bytes = size;
    slagg_partial_writer_discard(w);
    return st;
}

void slagg_partial_writer_discard(slagg_partial_writer *w)
{
    if (!w) return;
    if (w->out.fd >= 0 || w->out.dir) slagg_stream_discard(&w->out);
    ZSTD_freeCCtx(w->cctx);
    slagg_free(w->raw);
    slagg_free(w->comp);
    slagg_free(w);
}

/* ---- the reader ------------------------------------------------------------ */

struct slagg_partial_reader {
    int fd;
    char *path;
    uint64_t pos, end;           /* the next chunk; where the chunks end (the meta section) */
    uint32_t n_accounts;
    unsigned char *comp, *raw;
    size_t comp_cap, raw_cap;
    const unsigned char *p, *e;  /* the loaded chunk's raw bytes not yet decoded */
    uint32_t left;               /* its cells not yet decoded */
    unsigned kind;               /* the loaded chunk's kind; 0: none loaded yet */
    int loaded;
    int first;                   /* the next cell is the chunk's first */
    int64_t pw;
    uint32_t pa;
    int have_last;               /* the section's order check */
    int64_t lw;
    uint32_t la;
    uint64_t n_cells, n_tail, seen_cells, seen_tail;
    ZSTD_DCtx *dctx;
};

static slagg_status corrupt(slagg_err *err, const char *path, const char *why)
{
    return slagg_err_set(err, SLAGG_E_INPUT, "%s: not an intact slagg partial: %s", path, why);
}

static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
    char *p = buf;
    while (n) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return r < 0 ? errno : EIO;
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

/* known: the tables hash and account count of tables the caller holds
 * (NULL: none), which are then not decoded when they match */
static slagg_status parse_meta(const char *path, slagg_rd *r, slagg_partial *p, slagg_cov_acc *cov_into,
                               const uint64_t *known, uint32_t known_accounts, slagg_err *err)
{
    slagg_status st;
    p->tz_s = (int32_t)slagg_rd_u32(r);
    uint32_t ht = slagg_rd_u32(r);
    p->has_through = ht != 0;
    p->through = (int64_t)slagg_rd_u64(r);
    p->max_rejects = slagg_rd_u64(r);
    if (r->bad) return corrupt(err, path, "truncated meta section");
    if (p->tz_s <= -TZ_LIMIT_S || p->tz_s >= TZ_LIMIT_S || ht > 1 ||
        (p->has_through ? !slagg_partial_day_ok(p->through) : p->through != 0))
        return corrupt(err, path, "bad settings");
    p->tables_hash = slagg_rd_u64(r);
    uint64_t tlen = slagg_rd_u64(r);
    if (r->bad || tlen > r->left) return corrupt(err, path, "bad tables size");
    if ((uint64_t)XXH64(r->p, (size_t)tlen, 0) != p->tables_hash) return corrupt(err, path, "tables hash mismatch");
    if (known && *known == p->tables_hash) {
        p->n_accounts = known_accounts;
    } else {
        if ((st = slagg_tables_decode(r->p, (size_t)tlen, &p->tables, path, err)) != SLAGG_OK) return st;
        p->n_accounts = slagg_tables_account_count(&p->tables);
    }
    r->p += tlen;
    r->left -= (size_t)tlen;
    const uint32_t n_accounts = p->n_accounts;

    uint64_t ni = slagg_rd_count(r, 4 + 16);
    if (r->bad) return corrupt(err, path, "bad input count");
    p->inputs = slagg_calloc(ni ? ni : 1, sizeof *p->inputs);
    if (!p->inputs) return nomem(err);
    for (uint64_t i = 0; i < ni && !r->bad; i++) {
        slagg_partial_input *in = &p->inputs[p->n_inputs++];
        in->path = slagg_rd_str(r, NULL, 0);
        in->size = slagg_rd_u64(r);
        in->fingerprint = slagg_rd_u64(r);
    }
    p->records_read = slagg_rd_u64(r);
    p->rejected = slagg_rd_u64(r);
    uint32_t hr = slagg_rd_u32(r);
    p->has_record = hr != 0;
    p->max_ms = (int64_t)slagg_rd_u64(r);
    p->min_ms = (int64_t)slagg_rd_u64(r);
    p->rejects.total = slagg_rd_u64(r);
    if (r->bad) return corrupt(err, path, r->bad == 2 ? "out of memory" : "truncated meta section");
    if (hr > 1 || (!p->has_record && (p->max_ms != 0 || p->min_ms != 0)) || p->min_ms > p->max_ms ||
        p->rejected > p->records_read || p->rejects.total > p->records_read)
        return corrupt(err, path, "bad counters");
    uint64_t nr = slagg_rd_count(r, 20);
    if (r->bad || nr > p->rejects.total) return corrupt(err, path, "bad rejected-row count");
    p->rejects.rows = slagg_calloc(nr ? nr : 1, sizeof *p->rejects.rows);
    if (!p->rejects.rows) return nomem(err);
    for (uint64_t i = 0; i < nr && !r->bad; i++) {
        slagg_reject_row *row = &p->rejects.rows[p->rejects.n++];
        uint64_t file = slagg_rd_u64(r);
        row->line = slagg_rd_u64(r);
        row->reason = slagg_rd_str(r, NULL, 0);
        if (r->bad) break;
        if (file >= p->n_inputs ||
            (i && (file < row[-1].file || (file == row[-1].file && row->line < row[-1].line))))
            return corrupt(err, path, "bad rejected row");
        row->file = (uint32_t)file;
    }
    p->gap_min = slagg_rd_u32(r);
    p->strict = slagg_rd_u32(r);
    uint32_t hf = slagg_rd_u32(r);
    p->has_from = hf == 1;
    p->from = (int64_t)slagg_rd_u64(r);
    p->before_from = slagg_rd_u64(r);
    p->own_through = (int64_t)slagg_rd_u64(r);
    p->uncontracted = slagg_rd_u64(r);
    p->after_through = slagg_rd_u64(r);
    if (r->bad) return corrupt(err, path, r->bad == 2 ? "out of memory" : "truncated meta section");
    if (p->gap_min < 1 || p->gap_min > SLAGG_GAP_MAX || p->strict > SLAGG_WARN_ALL) return corrupt(err, path, "bad settings");
    /* --from is a month's first day */
    if (hf > 1 || (p->has_from ? !slagg_partial_day_ok(p->from) || slagg_month_first(p->from) != p->from : p->from != 0))
        return corrupt(err, path, "bad --from settings");
    if (!slagg_partial_day_ok(p->own_through) || (p->has_through && p->own_through != p->through))
        return corrupt(err, path, "bad through");
    /* every accepted record is counted once: before --from, after
     * --through, uncontracted or in one period's classes */
    uint64_t accepted = p->records_read - p->rejected, counted = p->before_from;
    int over = 0;
    over |= __builtin_add_overflow(counted, p->uncontracted, &counted);
    over |= __builtin_add_overflow(counted, p->after_through, &counted);
    uint64_t np = slagg_rd_count(r, 4 + 8 + 4);
    if (r->bad) return corrupt(err, path, "bad period count");
    p->periods = slagg_calloc(np ? np : 1, sizeof *p->periods);
    if (!p->periods) return nomem(err);
    for (uint64_t i = 0; i < np && !r->bad; i++) {
        slagg_partial_period *q = &p->periods[p->n_periods++];
        q->account = slagg_rd_u32(r);
        q->start = (int64_t)slagg_rd_u64(r);
        uint32_t mask = slagg_rd_u32(r);
        if (r->bad) break;
        if (q->account >= n_accounts || !slagg_partial_day_ok(q->start) || q->start > p->own_through || mask == 0 ||
            mask >= 1u << SLAGG_CLASS_COUNT ||
            (i && (q->account < q[-1].account || (q->account == q[-1].account && q->start <= q[-1].start))))
            return corrupt(err, path, "bad period");
        for (int k = 0; k < SLAGG_CLASS_COUNT && !r->bad; k++) {
            if (!(mask & (1u << k))) continue;
            q->cls[k] = slagg_rd_u64(r);
            if (!r->bad && q->cls[k] == 0) return corrupt(err, path, "bad period");
            over |= __builtin_add_overflow(counted, q->cls[k], &counted);
        }
    }
    if (r->bad) return corrupt(err, path, r->bad == 2 ? "out of memory" : "truncated meta section");
    if (over || counted != accepted) return corrupt(err, path, "the counts do not add up to the records read");
    size_t used = 0;
    if ((st = slagg_cov_decode_add(r->p, r->left, &used, cov_into, path, err)) != SLAGG_OK) return st;
    r->p += used;
    r->left -= used;
    p->n_cells = slagg_rd_u64(r);
    p->n_tail = slagg_rd_u64(r);
    if (r->bad) return corrupt(err, path, "truncated meta section");
    if (r->left) return corrupt(err, path, "bytes after the meta section");
    return SLAGG_OK;
}

static slagg_status reader_open(const char *path, const uint64_t *known, uint32_t known_accounts, slagg_partial *p,
                                slagg_cov_acc *cov_into, slagg_partial_reader **rp, slagg_err *err);

slagg_status slagg_partial_reader_open(const char *path, slagg_partial *p, slagg_cov_acc *cov_into,
                                       slagg_partial_reader **rp, slagg_err *err)
{
    return reader_open(path, NULL, 0, p, cov_into, rp, err);
}

slagg_status slagg_partial_reader_open_known(const char *path, uint64_t known_hash, uint32_t n_accounts,
                                             slagg_partial *p, slagg_cov_acc *cov_into, slagg_partial_reader **rp,
                                             slagg_err *err)
{
    return reader_open(path, &known_hash, n_accounts, p, cov_into, rp, err);
}

static slagg_status reader_open(const char *path, const uint64_t *known, uint32_t known_accounts, slagg_partial *p,
                                slagg_cov_acc *cov_into, slagg_partial_reader **rp, slagg_err *err)
{
    *rp = NULL;
    memset(p, 0, sizeof *p);
    slagg_partial_reader *r = slagg_calloc(1, sizeof *r);
    if (!r) return nomem(err);
    r->fd = -1;
    r->path = slagg_strndup(path, strlen(path));
    if (!r->path) {
        slagg_partial_reader_close(r);
        return nomem(err);
    }
    slagg_status st = SLAGG_OK;
    unsigned char *meta = NULL, *raw = NULL;
    struct stat sb;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0 || fstat(r->fd, &sb) != 0) {
        st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot read: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = slagg_err_set(err, SLAGG_E_IO, "%s: not a regular file", path);
        goto done;
    }
    uint64_t n = (uint64_t)sb.st_size;
    unsigned char h[HEADER];
    if (n == 0) {
        st = corrupt(err, path, "empty file");
        goto done;
    }
    if (n < HEADER || pread_all(r->fd, h, HEADER, 0) != 0 || memcmp(h, SLAGG_PARTIAL_MAGIC, 8) != 0) {
        st = corrupt(err, path, "no partial header (wrong magic or too short)");
        goto done;
    }
    uint32_t ver = slagg_le32_load(h + 8), flags = slagg_le32_load(h + 12);
    uint64_t raw_size = slagg_le64_load(h + 16), comp_size = slagg_le64_load(h + 24);
    if (slagg_le64_load(h + 32) != XXH64(h, 32, 0)) {
        st = corrupt(err, path, "header checksum mismatch");
        goto done;
    }
    if ((ver & 0xffff) > SLAGG_PARTIAL_V2_MAJOR) {
        st = slagg_err_set(err, SLAGG_E_INPUT, "%s: partial format version %u.%u is newer than this slagg reads (%u.x)",
                           path, ver & 0xffff, ver >> 16, SLAGG_PARTIAL_V2_MAJOR);
        goto done;
    }
    if ((ver & 0xffff) < SLAGG_PARTIAL_V2_MAJOR) {
        st = slagg_err_set(err, SLAGG_E_INPUT,
                           "%s: a partial of format %u.%u, written by an older slagg, which this one no longer merges: "
                           "fold its inputs again with this slagg's 'fold --partial'",
                           path, ver & 0xffff, ver >> 16);
        goto done;
    }
    if (flags != 0) {
        st = corrupt(err, path, "unknown flags");
        goto done;
    }
    if (n < HEADER + CHUNK_HDR + 8 || comp_size > n - HEADER - CHUNK_HDR - 8 || raw_size > ((uint64_t)1 << 40)) {
        st = corrupt(err, path, "truncated file");
        goto done;
    }
    unsigned char endm[8];
    if (pread_all(r->fd, endm, 8, n - 8) != 0 || memcmp(endm, SLAGG_PARTIAL_END, 8) != 0) {
        st = corrupt(err, path, "no end marker (truncated?)");
        goto done;
    }
    r->end = n - 8 - comp_size;
    r->pos = HEADER;
    meta = slagg_malloc(comp_size ? comp_size : 1);
    if (!meta) {
        st = nomem(err);
        goto done;
    }
    if (pread_all(r->fd, meta, (size_t)comp_size, r->end) != 0) {
        st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot read: %s", path, strerror(errno));
        goto done;
    }
    if ((st = slagg_zstd_bounded(path, "partial", meta, (size_t)comp_size, raw_size, &raw, err)) != SLAGG_OK) goto done;
    slagg_rd rd = {raw, (size_t)raw_size, 0};
    if ((st = parse_meta(path, &rd, p, cov_into, known, known_accounts, err)) != SLAGG_OK) goto done;
    r->n_accounts = p->n_accounts;   /* counted once, by parse_meta */
    r->n_cells = p->n_cells;
    r->n_tail = p->n_tail;
    r->dctx = ZSTD_createDCtx();
    if (!r->dctx) st = nomem(err);
done:
    slagg_free(meta);
    slagg_free(raw);
    if (st != SLAGG_OK) {
        slagg_partial_reader_close(r);
        slagg_partial_free(p);
        return st;
    }
    *rp = r;
    return SLAGG_OK;
}

static int grow(unsigned char **b, size_t *cap, size_t n)
{
    if (*cap >= n) return 0;
    unsigned char *p = slagg_realloc(*b, n);
    if (!p) return -1;
    *b = p;
    *cap = n;
    return 0;
}

/* Reads, checks and decompresses the chunk at r->pos. */
static int load_chunk(slagg_partial_reader *r, slagg_err *err)
{
    unsigned char h[CHUNK_HDR];
    if (r->pos + CHUNK_HDR > r->end || pread_all(r->fd, h, CHUNK_HDR, r->pos) != 0) {
        corrupt(err, r->path, "truncated cell chunks");
        return -1;
    }
    unsigned kind = slagg_le32_load(h);
    uint32_t cells = slagg_le32_load(h + 4), raw_len = slagg_le32_load(h + 8), comp_len = slagg_le32_load(h + 12);
    if (kind < KIND_CELLS || kind > KIND_END || kind < r->kind || raw_len > CHUNK_RAW_MAX ||
        (kind == KIND_END ? cells || raw_len || comp_len : cells == 0 || (uint64_t)cells * 4 > raw_len) ||
        comp_len > r->end - r->pos - CHUNK_HDR || comp_len > ZSTD_compressBound(raw_len)) {
        corrupt(err, r->path, "bad cell chunk header");
        return -1;
    }
    if (grow(&r->comp, &r->comp_cap, comp_len ? comp_len : 1) != 0 || grow(&r->raw, &r->raw_cap, raw_len ? raw_len : 1) != 0) {
        nomem(err);
        return -1;
    }
    if (comp_len && pread_all(r->fd, r->comp, comp_len, r->pos + CHUNK_HDR) != 0) {
        slagg_err_set(err, SLAGG_E_IO, "%s: cannot read: %s", r->path, strerror(errno));
        return -1;
    }
    if (slagg_le64_load(h + 16) != XXH64(r->comp, comp_len, XXH64(h, 16, 0))) {
        corrupt(err, r->path, "cell chunk checksum mismatch");
        return -1;
    }
    if (raw_len) {
        size_t got = ZSTD_decompressDCtx(r->dctx, r->raw, raw_len, r->comp, comp_len);
        if (ZSTD_isError(got) || got != raw_len) {
            corrupt(err, r->path, "bad cell chunk (zstd)");
            return -1;
        }
    }
    if (kind != r->kind) r->have_last = 0;   /* a new section: its own order */
    r->pos += CHUNK_HDR + comp_len;
    r->kind = kind;
    r->loaded = 1;
    r->left = cells;
    r->first = 1;
    r->p = r->raw;
    r->e = r->raw + raw_len;
    if (kind == KIND_END && r->pos != r->end) {
        corrupt(err, r->path, "bytes after the cell chunks");
        return -1;
    }
    return 0;
}

static int bad_cell(slagg_partial_reader *r, slagg_err *err)
{
    corrupt(err, r->path, "bad cell");
    return -1;
}

int slagg_partial_reader_next(slagg_partial_reader *r, int tail, slagg_cell *c, slagg_err *err)
{
    unsigned want = tail ? KIND_TAIL : KIND_CELLS;
    for (;;) {
        if (r->loaded && r->kind < want && r->left) {
            slagg_err_set(err, SLAGG_E_INTERNAL, "%s: the tail asked for before the cells were read", r->path);
            return -1;
        }
        if (r->loaded && r->kind > want) {
            /* this section is over: its count must be the meta section's */
            if ((want == KIND_CELLS ? r->seen_cells != r->n_cells : r->seen_tail != r->n_tail)) {
                corrupt(err, r->path, "cell count mismatch");
                return -1;
            }
            return 0;
        }
        if (r->loaded && r->left) break;
        if (r->loaded && r->p != r->e) return bad_cell(r, err);
        r->loaded = 0;
        if (load_chunk(r, err) != 0) return -1;
    }
    uint64_t a, b, v, e;
    size_t k;
    const unsigned char *p = r->p;
    if (!(k = slagg_varint_get(p, r->e, &a))) return bad_cell(r, err);
    p += k;
    if (!(k = slagg_varint_get(p, r->e, &b))) return bad_cell(r, err);
    p += k;
    if (!(k = slagg_varint_get(p, r->e, &v))) return bad_cell(r, err);
    p += k;
    if (!(k = slagg_varint_get(p, r->e, &e))) return bad_cell(r, err);
    p += k;
    int64_t w;
    uint64_t acc;
    if (r->first) {
        w = slagg_zigzag_decode(a);
        acc = b;
    } else if (a == 0) {
        w = r->pw;
        if (b == 0 || b > UINT32_MAX - r->pa) return bad_cell(r, err);
        acc = r->pa + b;
    } else {
        if (a > (uint64_t)SLAGG_COV_NW) return bad_cell(r, err);
        w = r->pw + (int64_t)a;
        acc = b;
    }
    if (w < SLAGG_COV_W0 || w >= SLAGG_COV_W0 + (int64_t)SLAGG_COV_NW || acc >= r->n_accounts || v == 0 || e > v ||
        (r->have_last && !key_after(w, (uint32_t)acc, r->lw, r->la)))
        return bad_cell(r, err);
    r->p = p;
    r->first = 0;
    r->pw = r->lw = w;
    r->pa = r->la = (uint32_t)acc;
    r->have_last = 1;
    r->left--;
    if (want == KIND_CELLS) r->seen_cells++;
    else r->seen_tail++;
    *c = (slagg_cell){w, (uint32_t)acc, v, e};
    return 1;
}

int slagg_partial_reader_tail(slagg_partial_reader *r, slagg_cell **cells, size_t *n, slagg_err *err)
{
    *cells = NULL;
    *n = 0;
    if (r->n_tail == 0) return 0;
    /* a second cursor over the same file (pread: no shared position) */
    slagg_partial_reader t;
    memset(&t, 0, sizeof t);
    t.fd = r->fd;
    t.path = r->path;
    t.end = r->end;
    t.pos = HEADER;
    t.n_accounts = r->n_accounts;
    t.n_tail = r->n_tail;
    t.n_cells = r->n_cells;
    t.dctx = r->dctx;
    /* grown as cells arrive: a corrupt count allocates nothing beyond them */
    size_t cap = r->n_tail < 4096 ? (size_t)r->n_tail : 4096;
    slagg_cell *c = slagg_calloc(cap, sizeof *c);
    int rc = c ? 0 : -1;
    if (!c) nomem(err);
    /* skip the main stream's chunks by their headers */
    while (rc == 0) {
        unsigned char h[CHUNK_HDR];
        if (t.pos + CHUNK_HDR > t.end || pread_all(t.fd, h, CHUNK_HDR, t.pos) != 0) {
            corrupt(err, t.path, "truncated cell chunks");
            rc = -1;
            break;
        }
        uint32_t comp_len = slagg_le32_load(h + 12);
        if (slagg_le32_load(h) != KIND_CELLS) break;
        if (comp_len > t.end - t.pos - CHUNK_HDR) {
            corrupt(err, t.path, "bad cell chunk header");
            rc = -1;
            break;
        }
        t.pos += CHUNK_HDR + comp_len;
    }
    t.kind = KIND_CELLS;
    size_t k = 0;
    slagg_cell x;
    int got;
    while (rc == 0 && (got = slagg_partial_reader_next(&t, 1, &x, err)) == 1) {
        if (k == r->n_tail) {
            corrupt(err, t.path, "cell count mismatch");
            rc = -1;
            break;
        }
        if (k == cap) {
            size_t nc = cap * 2 < r->n_tail ? cap * 2 : (size_t)r->n_tail;
            slagg_cell *g = slagg_reallocarray(c, nc, sizeof *g);
            if (!g) {
                nomem(err);
                rc = -1;
                break;
            }
            c = g;
            cap = nc;
        }
        c[k++] = x;
    }
    if (rc == 0 && got < 0) rc = -1;
    slagg_free(t.comp);
    slagg_free(t.raw);
    if (rc != 0) {
        slagg_free(c);
        return -1;
    }
    *cells = c;
    *n = k;
    return 0;
}

void slagg_partial_reader_close(slagg_partial_reader *r)
{
    if (!r) return;
    if (r->fd >= 0) close(r->fd);
    ZSTD_freeDCtx(r->dctx);
    slagg_free(r->comp);
    slagg_free(r->raw);
    slagg_free(r->path);
    slagg_free(r);
}

void slagg_partial_free(slagg_partial *p)
{
    slagg_tables_free(&p->tables);
    for (size_t i = 0; i < p->n_inputs; i++) slagg_free(p->inputs[i].path);
    slagg_free(p->inputs);
    slagg_rejects_free(&p->rejects);
    slagg_free(p->periods);
    memset(p, 0, sizeof *p);
}

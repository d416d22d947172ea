/*
 * blob.c - shared pieces of the validated binary files (io/blob.h).
 */
#include "io/blob.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zstd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/alloc.h"
#include "io/mem.h"

void slagg_buf_str(slagg_buf *b, const char *s, size_t n)
{
    slagg_buf_le32(b, (uint32_t)n);
    slagg_buf_put(b, s, n);
}

void slagg_buf_opt_str(slagg_buf *b, const char *s)
{
    if (!s) slagg_buf_le32(b, SLAGG_STR_NONE);
    else slagg_buf_str(b, s, strlen(s));
}

uint64_t slagg_rd_le(slagg_rd *r, int bytes)
{
    if (r->bad || r->left < (size_t)bytes) {
        r->bad = r->bad ? r->bad : 1;
        return 0;
    }
    uint64_t v = bytes == 8 ? slagg_le64_load(r->p) : slagg_le32_load(r->p);
    r->p += bytes;
    r->left -= (size_t)bytes;
    return v;
}

uint64_t slagg_rd_varint(slagg_rd *r)
{
    uint64_t v = 0;
    size_t n = r->bad || r->left == 0 ? 0 : slagg_varint_get(r->p, r->p + r->left, &v);
    if (n == 0) {
        r->bad = r->bad ? r->bad : 1;
        return 0;
    }
    r->p += n;
    r->left -= n;
    return v;
}

uint64_t slagg_rd_count(slagg_rd *r, size_t min_size)
{
    uint64_t n = slagg_rd_u64(r);
    if (!r->bad && n > r->left / min_size) r->bad = 1;
    return r->bad ? 0 : n;
}

char *slagg_rd_str(slagg_rd *r, uint32_t *len_out, int allow_none)
{
    uint32_t n = slagg_rd_u32(r);
    if (r->bad) return NULL;
    if (n == SLAGG_STR_NONE) {
        if (!allow_none) r->bad = 1;
        return NULL;
    }
    if (n > r->left) {
        r->bad = 1;
        return NULL;
    }
    char *s = slagg_strndup((const char *)r->p, n);
    if (!s) {
        r->bad = 2;
        return NULL;
    }
    r->p += n;
    r->left -= n;
    if (len_out) *len_out = n;
    return s;
}

slagg_status slagg_read_whole(const char *path, unsigned char **data, size_t *n, slagg_err *err)
{
    FILE *fp = fopen(path, "rb");
    struct stat sb;
    if (!fp) return slagg_err_set(err, slagg_open_status(errno), "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(fp);
        return slagg_err_set(err, SLAGG_E_IO, "%s: not a regular file", path);
    }
    size_t sz = (size_t)sb.st_size;
    unsigned char *buf = slagg_malloc(sz ? sz : 1);
    if (!buf) {
        fclose(fp);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    size_t got = fread(buf, 1, sz, fp);
    int e = ferror(fp);
    fclose(fp);
    if (e || got != sz) {
        slagg_free(buf);
        return slagg_err_set(err, SLAGG_E_IO, "%s: read error", path);
    }
    *data = buf;
    *n = sz;
    return SLAGG_OK;
}

static slagg_status corrupt(slagg_err *err, const char *path, const char *what, const char *why)
{
    return slagg_err_set(err, SLAGG_E_INPUT, "%s: not an intact slagg %s: %s", path, what, why);
}

slagg_status slagg_zstd_bounded(const char *path, const char *what, const unsigned char *src,
                                size_t n, uint64_t raw_size, unsigned char **out, slagg_err *err)
{
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    size_t cap = raw_size < (1u << 20) ? (size_t)raw_size : (1u << 20);
    unsigned char *dst = slagg_malloc(cap ? cap : 1);
    slagg_status st = SLAGG_OK;
    if (!dc || !dst) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    ZSTD_inBuffer in = {src, n, 0};
    size_t pos = 0, ret = 1;
    while (in.pos < in.size) {
        if (pos == cap) {
            if (cap >= raw_size) {
                st = corrupt(err, path, what, "payload larger than its header says");
                goto done;
            }
            size_t nc = cap * 2 > raw_size ? (size_t)raw_size : cap * 2;
            unsigned char *nd = slagg_realloc(dst, nc);
            if (!nd) {
                st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
                goto done;
            }
            dst = nd;
            cap = nc;
        }
        ZSTD_outBuffer o = {dst, cap, pos};
        ret = ZSTD_decompressStream(dc, &o, &in);
        pos = o.pos;
        if (ZSTD_isError(ret)) {
            st = corrupt(err, path, what, ZSTD_getErrorName(ret));
            goto done;
        }
        if (ret == 0 && in.pos < in.size) {
            st = corrupt(err, path, what, "data after the payload frame");
            goto done;
        }
    }
    if (ret != 0 || pos != raw_size) st = corrupt(err, path, what, "truncated payload");
done:
    ZSTD_freeDCtx(dc);
    if (st != SLAGG_OK) slagg_free(dst);
    else *out = dst;
    return st;
}

#define HEADER_SIZE 40

slagg_status slagg_blob_seal(const slagg_blob_kind *k, const slagg_buf *payload, slagg_buf *out,
                             slagg_err *err)
{
    size_t bound = ZSTD_compressBound(payload->len);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    char *comp = slagg_malloc(bound);
    if (!cc || !comp) {
        ZSTD_freeCCtx(cc);
        slagg_free(comp);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, k->level);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
    size_t cn = ZSTD_compress2(cc, comp, bound, payload->data, payload->len);
    ZSTD_freeCCtx(cc);
    if (ZSTD_isError(cn)) {
        slagg_free(comp);
        return slagg_err_set(err, SLAGG_E_INTERNAL, "compressing the %s: %s", k->what, ZSTD_getErrorName(cn));
    }
    slagg_buf h = {0};
    slagg_buf_put(&h, k->magic, 8);
    slagg_buf_le32(&h, k->major | (k->minor << 16));
    slagg_buf_le32(&h, 0);
    slagg_buf_le64(&h, payload->len);
    slagg_buf_le64(&h, cn);
    if (!slagg_buf_failed(&h)) slagg_buf_le64(&h, (uint64_t)XXH64(h.data, 32, 0));
    slagg_buf_put(out, h.data, h.len);
    slagg_buf_put(out, comp, cn);
    slagg_buf_put(out, k->end, 8);
    int failed = slagg_buf_failed(&h) || slagg_buf_failed(out);
    slagg_buf_free(&h);
    slagg_free(comp);
    return failed ? slagg_err_set(err, SLAGG_E_NOMEM, "out of memory") : SLAGG_OK;
}

slagg_status slagg_blob_open(const slagg_blob_kind *k, const char *path, unsigned char **raw,
                             size_t *raw_n, slagg_err *err)
{
    return slagg_blob_open_v(k, path, raw, raw_n, NULL, err);
}

slagg_status slagg_blob_open_v(const slagg_blob_kind *k, const char *path, unsigned char **raw,
                               size_t *raw_n, unsigned *minor, slagg_err *err)
{
    unsigned char *data = NULL;
    size_t n = 0;
    char why[64];
    slagg_status st = slagg_read_whole(path, &data, &n, err);
    if (st != SLAGG_OK) return st;
    slagg_rd h = {data, n, 0};
    if (n == 0) {
        st = corrupt(err, path, k->what, "empty file");
        goto done;
    }
    if (n < HEADER_SIZE + 8 || memcmp(data, k->magic, 8) != 0) {
        snprintf(why, sizeof why, "no %s header (wrong magic or too short)", k->what);
        st = corrupt(err, path, k->what, why);
        goto done;
    }
    h.p += 8;
    h.left -= 8;
    uint32_t ver = slagg_rd_u32(&h);
    uint32_t flags = slagg_rd_u32(&h);
    uint64_t raw_size = slagg_rd_u64(&h), comp_size = slagg_rd_u64(&h), hash = slagg_rd_u64(&h);
    if (hash != (uint64_t)XXH64(data, 32, 0)) {
        st = corrupt(err, path, k->what, "header checksum mismatch");
        goto done;
    }
    if ((ver & 0xffff) > k->major) {
        st = slagg_err_set(err, SLAGG_E_INPUT, "%s: %s format version %u.%u is newer than this slagg reads (%u.x)",
                           path, k->what, ver & 0xffff, ver >> 16, k->major);
        goto done;
    }
    if ((ver & 0xffff) != k->major || flags != 0) {
        st = corrupt(err, path, k->what, "unknown version or flags");
        goto done;
    }
    if (comp_size != n - HEADER_SIZE - 8) {
        st = corrupt(err, path, k->what, n < HEADER_SIZE + 8 + comp_size ? "truncated file" : "size mismatch");
        goto done;
    }
    if (memcmp(data + n - 8, k->end, 8) != 0) {
        st = corrupt(err, path, k->what, "missing end marker");
        goto done;
    }
    st = slagg_zstd_bounded(path, k->what, data + HEADER_SIZE, (size_t)comp_size, raw_size, raw, err);
    if (st == SLAGG_OK) *raw_n = (size_t)raw_size;
    if (st == SLAGG_OK && minor) *minor = ver >> 16;
done:
    slagg_free(data);
    return st;
}

/*
 * out_file.c - the generator's streaming, optionally compressed, atomic
 * output file (out_file.h).
 */
#include "cli/gen/out_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"

char *slagg_gen_path(const char *dir, const char *prefix, const char *name, const char *suffix)
{
    size_t n = strlen(dir) + 1 + strlen(prefix) + strlen(name) + strlen(suffix) + 1;
    char *p = slagg_malloc(n);
    if (p) snprintf(p, n, "%s/%s%s%s", dir, prefix, name, suffix);
    return p;
}

void slagg_gen_out_discard(slagg_gen_out *o)
{
    if (o->fd >= 0) close(o->fd);
    if (o->tmp) unlink(o->tmp);
    slagg_free(o->tmp);
    slagg_free(o->final);
    slagg_free(o->buf);
    slagg_free(o->zbuf);
    ZSTD_freeCCtx(o->cctx);
    memset(o, 0, sizeof *o);
    o->fd = -1;
}

slagg_status slagg_gen_out_open(slagg_gen_out *o, const char *dir, const char *name, int compress,
                                slagg_err *err)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->tmp = slagg_gen_path(dir, ".", name, ".tmp");
    o->final = slagg_gen_path(dir, "", name, "");
    o->cap = compress ? SLAGG_GEN_OUT_FRAME : SLAGG_GEN_OUT_BUF;
    o->buf = slagg_malloc(o->cap);
    if (compress) {
        o->cctx = ZSTD_createCCtx();
        o->zcap = ZSTD_compressBound(o->cap);
        o->zbuf = slagg_malloc(o->zcap);
    }
    if (!o->tmp || !o->final || !o->buf || (compress && (!o->cctx || !o->zbuf))) {
        slagg_gen_out_discard(o);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    if (compress) {
        if (ZSTD_isError(ZSTD_CCtx_setParameter(o->cctx, ZSTD_c_compressionLevel, 3)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(o->cctx, ZSTD_c_checksumFlag, 1))) {
            slagg_gen_out_discard(o);
            return slagg_err_set(err, SLAGG_E_INTERNAL, "cannot set up zstd");
        }
    }
    o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (o->fd < 0) {
        slagg_status st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot create: %s", o->tmp,
                                        strerror(errno));
        slagg_free(o->tmp);   /* not ours to unlink */
        o->tmp = NULL;
        slagg_gen_out_discard(o);
        return st;
    }
    return SLAGG_OK;
}

static slagg_status write_all(slagg_gen_out *o, const char *p, size_t n, slagg_err *err)
{
    while (n) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return slagg_err_set(err, SLAGG_E_IO, "%s: write failed: %s", o->tmp, strerror(errno));
        }
        p += w;
        n -= (size_t)w;
        o->bytes += (uint64_t)w;
    }
    return SLAGG_OK;
}

/* Compressed, each call writes what is buffered as one frame, in one
 * call, so the frame header holds its content size and a reader can
 * start at any frame (io/pack.c reads such a file in pieces); memory
 * stays two buffers whatever the file's size. */
slagg_status slagg_gen_out_flush(slagg_gen_out *o, int end, slagg_err *err)
{
    (void)end;
    if (!o->cctx) {
        slagg_status st = write_all(o, o->buf, o->len, err);
        o->len = 0;
        return st;
    }
    if (o->len == 0 && o->bytes > 0) return SLAGG_OK;   /* an empty file is one empty frame */
    size_t z = ZSTD_compress2(o->cctx, o->zbuf, o->zcap, o->buf, o->len);
    if (ZSTD_isError(z))
        return slagg_err_set(err, SLAGG_E_INTERNAL, "%s: zstd: %s", o->tmp, ZSTD_getErrorName(z));
    o->len = 0;
    return write_all(o, o->zbuf, z, err);
}

slagg_status slagg_gen_out_puts(slagg_gen_out *o, const char *s, slagg_err *err)
{
    size_t n = strlen(s);
    slagg_status st = slagg_gen_out_room(o, n, err);
    if (st != SLAGG_OK) return st;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    return SLAGG_OK;
}

/* The temporary is renamed only once fsync and close have succeeded, so
 * DIR/NAME is either the whole file or not there (or the previous one). */
slagg_status slagg_gen_out_commit(slagg_gen_out *o, slagg_gen_tally *acc, slagg_err *err)
{
    slagg_status st = slagg_gen_out_flush(o, 1, err);
    if (st == SLAGG_OK && fsync(o->fd) != 0)
        st = slagg_err_set(err, SLAGG_E_IO, "%s: fsync failed: %s", o->tmp, strerror(errno));
    if (st == SLAGG_OK) {
        int rc = close(o->fd);
        o->fd = -1;
        if (rc != 0)
            st = slagg_err_set(err, SLAGG_E_IO, "%s: close failed: %s", o->tmp, strerror(errno));
    }
    if (st == SLAGG_OK && rename(o->tmp, o->final) != 0)
        st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot rename to %s: %s", o->tmp, o->final,
                           strerror(errno));
    if (st == SLAGG_OK) {
        acc->bytes += o->bytes;
        acc->files++;
        slagg_free(o->tmp);
        o->tmp = NULL;   /* renamed: nothing to unlink */
    }
    slagg_gen_out_discard(o);
    return st;
}


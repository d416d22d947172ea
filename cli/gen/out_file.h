/*
 * out_file.h - the generator's streaming output file (out_file.c): a
 * record log of any size written through a 1 MiB buffer, optionally as
 * zstd frames of 8 MiB of text each (level 3, with checksum and content
 * size, as log shippers that compress each batch write them: a fold reads
 * such a file in pieces, io/pack.c), to DIR/.NAME.tmp, then fsynced and
 * renamed to DIR/NAME, so a reader never sees half a file.
 *
 * The library has no streaming writer: its atomic writer (io/output.h)
 * takes a whole file in memory, and its zstd frames (io/blob.c) are
 * compressed in one call; a log of 10^8 records needs neither. The tables,
 * which are small, go through the library's writer (tables.c).
 */
#ifndef SLAGG_GEN_OUT_FILE_H
#define SLAGG_GEN_OUT_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <zstd.h>

#include "core/error.h"

#define SLAGG_GEN_OUT_BUF (1u << 20)
#define SLAGG_GEN_OUT_FRAME (8u << 20)   /* text bytes per zstd frame */

typedef struct slagg_gen_out {
    int fd;
    char *tmp, *final;
    char *buf;          /* cap bytes; callers format into buf + len */
    size_t len, cap;    /* cap: SLAGG_GEN_OUT_BUF, or SLAGG_GEN_OUT_FRAME compressed */
    ZSTD_CCtx *cctx;    /* NULL: not compressed */
    char *zbuf;
    size_t zcap;
    uint64_t bytes;     /* bytes written to the file so far */
} slagg_gen_out;

/* What the committed files add up to. */
typedef struct slagg_gen_tally {
    uint64_t bytes;
    unsigned files;
} slagg_gen_tally;

/* "DIR/PREFIXNAMESUFFIX", allocated (slagg_free), or NULL. */
char *slagg_gen_path(const char *dir, const char *prefix, const char *name, const char *suffix);

/* Creates DIR/.NAME.tmp for writing. SLAGG_E_IO naming it, SLAGG_E_NOMEM;
 * on failure o holds nothing to discard. */
slagg_status slagg_gen_out_open(slagg_gen_out *o, const char *dir, const char *name, int compress,
                                slagg_err *err);
/* Pushes the buffer to the file (compressed: as one zstd frame); end is
 * the last push. */
slagg_status slagg_gen_out_flush(slagg_gen_out *o, int end, slagg_err *err);
/* Flush, fsync, close, rename over the final name, add to *acc; discards
 * on failure. */
slagg_status slagg_gen_out_commit(slagg_gen_out *o, slagg_gen_tally *acc, slagg_err *err);
/* Closes and removes the temporary file, frees o. */
void slagg_gen_out_discard(slagg_gen_out *o);
slagg_status slagg_gen_out_puts(slagg_gen_out *o, const char *s, slagg_err *err);

/* Room for at least need more bytes at o->buf + o->len (need <= 4096).
 * Inline: the record loops ask once per record. */
static inline slagg_status slagg_gen_out_room(slagg_gen_out *o, size_t need, slagg_err *err)
{
    if (o->len + need <= o->cap) return SLAGG_OK;
    return slagg_gen_out_flush(o, 0, err);
}

#endif

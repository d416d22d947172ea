/*
 * pack.h - request logs to shards (`slagg pack`), one shard per input.
 *
 * Workers take whole inputs from an atomic counter, each reading with its
 * own record reader into its own shard writer. Shards are only renamed
 * into place by slagg_pack_commit, after the caller has checked the
 * rejected rows against its limit, so a failed pack leaves no shard behind
 * (SPEC section 6: a failed run writes nothing).
 */
#ifndef SLAGG_IO_PACK_H
#define SLAGG_IO_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/kernels/text.h"
#include "core/rejects.h"
#include "slagg/shard.h"

typedef struct slagg_pack_opts {
    unsigned threads;
    uint64_t max_rejects;             /* kept rows: max_rejects + SLAGG_REJECTS_KEEP per input */
    slagg_shard_writer_opts writer;
    /* 1: the shards are scratch, read once by this process and removed
     * (io/text_shards.c): no fsync of the file or its directory. */
    int scratch;
    /* May be NULL. Set to 1 when the failure slagg_pack_files reports came
     * from a shard writer (creating, writing or sealing a shard, or a
     * writer limit) rather than from reading the input, so a caller whose
     * shards are only a means can fall back to reading the inputs itself. */
    int *writer_failed;
    /* With scratch and threads > 1: a plain log file of at least twice
     * this many bytes is read in pieces of about this size by several
     * workers (at most 4 per thread), each into a shard of its own
     * (OUTPUT, OUTPUT.1, ...), with the same records, rejects and lines as
     * one reader (io/records.h "pieces"). 0: SLAGG_PACK_SPLIT_BYTES;
     * UINT64_MAX: never. */
    uint64_t split_bytes;
    /* The NDJSON line pre-scan (a kernel's json_plain, core/cpu.h), so a
     * forced ISA reaches the text path; NULL: the best this CPU runs. */
    slagg_json_plain_fn scan;
} slagg_pack_opts;

/* The default piece of a big log read by several workers: small enough
 * to balance 4 pieces a thread, big enough that a piece's shard and its
 * last part-filled block cost nothing beside it. */
#define SLAGG_PACK_SPLIT_BYTES (32ull << 20)

typedef struct slagg_pack {
    size_t n;                         /* inputs */
    uint64_t *records;                /* records packed per input */
    uint64_t raw_bytes;               /* input bytes read (compressed size) */
    size_t n_out;                     /* shards: one per input, more for a split log */
    slagg_shard_writer **writers;     /* [n_out]: open until commit or discard */
    char **paths;                     /* [n_out]: each shard's path, in input order */
    size_t *of;                       /* [n_out]: the input whose records it holds */
} slagg_pack;

/* Packs inputs[i] into outputs[i] (and, for a log read in pieces, into
 * outputs[i].1 ...: p->paths lists them all). On SLAGG_OK every shard is
 * written but not yet in place; rej lists the rejected rows. */
slagg_status slagg_pack_files(const char *const *inputs, const char *const *outputs, size_t n,
                              const slagg_pack_opts *o, slagg_pack *p, slagg_rejects *rej,
                              slagg_err *err);
/* Closes (renames into place) every shard. */
slagg_status slagg_pack_commit(slagg_pack *p, slagg_err *err);
/* Removes every unfinished shard and frees p. */
void slagg_pack_discard(slagg_pack *p);

#endif

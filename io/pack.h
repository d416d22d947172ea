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
} slagg_pack_opts;

typedef struct slagg_pack {
    size_t n;
    slagg_shard_writer **writers;     /* open until commit or discard */
    uint64_t *records;                /* records packed per input */
    uint64_t raw_bytes;               /* input bytes read (compressed size) */
} slagg_pack;

/* Packs inputs[i] into outputs[i]. On SLAGG_OK every shard is written but
 * not yet in place; rej lists the rejected rows. */
slagg_status slagg_pack_files(const char *const *inputs, const char *const *outputs, size_t n,
                              const slagg_pack_opts *o, slagg_pack *p, slagg_rejects *rej,
                              slagg_err *err);
/* Closes (renames into place) every shard. */
slagg_status slagg_pack_commit(slagg_pack *p, slagg_err *err);
/* Removes every unfinished shard and frees p. */
void slagg_pack_discard(slagg_pack *p);

#endif

/*
 * text_shards.h - the text inputs of a fold (CSV or NDJSON, plain or zstd,
 * "-" for stdin) as scratch shards, so that the shard engine
 * (core/engine/fold_shards.c: time-ordered, bounded memory) folds every
 * input (docs/DESIGN.md "Text inputs through the shard engine").
 *
 * Each text input is packed (io/pack.c, the same record reader and shard
 * writer as `slagg pack`) into its own shard in a private directory
 * TMP/slagg-fold-XXXXXX (mkdtemp, mode 0700), at a fast zstd level and
 * without fsync: the shards are read once by this process. Shard inputs
 * pass through unchanged. slagg_text_shards_free removes the directory and
 * everything in it, whatever happened before. A fold killed outright
 * (SIGKILL) cannot: its directory holds an owner file (pid, start time),
 * and the next fold that makes a directory under the same TMP removes the
 * directories of this user whose owner is gone (or, ownerless, a day old).
 *
 * Independent of the fold's internals: `fold`, and later `fold --partial`,
 * call it the same way.
 */
#ifndef SLAGG_IO_TEXT_SHARDS_H
#define SLAGG_IO_TEXT_SHARDS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/rejects.h"

/* The zstd level of the scratch shards: read once, so speed beats size
 * (docs/DESIGN.md, "Text inputs through the shard engine", for the figures). */
#define SLAGG_TEXT_SHARDS_LEVEL (-1)

/* Records per block of the scratch shards: blocks of time-ordered logs
 * then span a few windows, so the shard engine picks its window-major ring
 * and sizes it small (5M records, 20k accounts: 107 MB peak instead of
 * 352 MB with 262144-record blocks, and faster). */
#define SLAGG_TEXT_SHARDS_BLOCK 32768u

typedef struct slagg_text_shards_opts {
    unsigned threads;         /* inputs packed at once (>= 1) */
    uint64_t max_rejects;     /* rows kept per input: max_rejects + SLAGG_REJECTS_KEEP (as the fold) */
    const char *tmp_dir;      /* where the private directory goes; NULL or "": /tmp */
    int level;                /* zstd level; 0: SLAGG_TEXT_SHARDS_LEVEL */
    uint32_t block_records;   /* records per block; 0: SLAGG_TEXT_SHARDS_BLOCK */
    uint64_t split_bytes;     /* a big plain log read in pieces of this size by
                                 several threads (io/pack.h); 0: the default,
                                 UINT64_MAX: never */
    const char *isa;          /* the kernels' ISA for the NDJSON pre-scan (core/cpu.h
                                 names; the fold's forced one); NULL: the best */
} slagg_text_shards_opts;

typedef struct slagg_text_shards slagg_text_shards;

/* Packs every text input among inputs[0..n). On SLAGG_OK, *paths_out has
 * *n_paths entries, every input in order: a shard input as given, a text
 * input as its scratch shard, or its shards (one per piece) when it was a
 * big plain log read by several threads (io/pack.h split_bytes); valid
 * until slagg_text_shards_free. *rej holds the rejected rows of the text inputs
 * as the fold reports them: file = the index i into inputs, line, reason,
 * in input order, at most max_rejects + SLAGG_REJECTS_KEEP kept per input,
 * all counted in rej->total; *out owns the scratch files.
 *
 * On failure nothing is left on disk, *out is NULL and err names the
 * input (as the record reader does) or the scratch file. *scratch_failed
 * (may be NULL) is set to 1 when the failure is the scratch side's (no
 * directory under tmp_dir, a full disk, a shard writer limit) and not an
 * input's, so the caller may read the inputs another way (unless one of
 * them was "-": stdin was read). */
slagg_status slagg_text_shards_make(const char *const *inputs, size_t n, const slagg_text_shards_opts *o,
                                    const char *const **paths_out, size_t *n_paths,
                                    slagg_rejects *rej, slagg_text_shards **out, int *scratch_failed,
                                    slagg_err *err);

/* Number of text inputs packed (0: every input was a shard). */
size_t slagg_text_shards_count(const slagg_text_shards *ts);
/* The private directory (NULL when no text input needed one), for tests. */
const char *slagg_text_shards_dir(const slagg_text_shards *ts);

/* Removes every scratch file and the directory, and frees ts (NULL: no-op). */
void slagg_text_shards_free(slagg_text_shards *ts);

#endif

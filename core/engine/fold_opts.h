/*
 * fold_opts.h - what a fold is asked: time zone, --through, threads, the
 * reject limit, --gap, --strict, a progress callback and the engine settings. Its own header so
 * that the engine's files (fold.c, fold_common.c, fold_shards.c and its
 * shard_engine_*.c) share
 * it without including each other (docs/DESIGN.md, "House").
 */
#ifndef SLAGG_CORE_ENGINE_FOLD_OPTS_H
#define SLAGG_CORE_ENGINE_FOLD_OPTS_H

#include <stdint.h>

typedef struct slagg_fold_opts {
    int32_t tz_s;             /* service time zone offset, seconds */
    int has_through;          /* else: last service-time day with a record */
    int64_t through;          /* day number */
    int has_from;             /* --from (SPEC 2): else no lower bound */
    int64_t from;             /* day number of a month's first day */
    unsigned threads;         /* >= 1 */
    uint64_t max_rejects;     /* rows kept per input: max_rejects + SLAGG_REJECTS_KEEP */
    uint32_t gap_min;         /* --gap minutes (0: SLAGG_GAP_DEFAULT); recorded in the fleet */
    uint32_t strict;          /* --strict: mask of warning kinds (core/warnings.h) that fail the run */
    /* Called from the calling thread while workers run (may be NULL):
     * records folded so far, and input bytes read so far out of
     * bytes_total (0 when unknown, e.g. stdin), for a rate and an ETA. */
    void (*progress)(void *ctx, uint64_t records, uint64_t bytes, uint64_t bytes_total);
    void *progress_ctx;
    /* Engine settings (the job's options, set by the CLI from the
     * environment; none changes an output byte, docs/DESIGN.md). */
    const char *isa;          /* the kernels (the shard engine's, the NDJSON pre-scan); NULL: the best (core/cpu.h) */
    int engine_generic;       /* 1: the generic scan even when every input is a shard */
    int ring_layout;          /* 0: from the blocks' spans, 1: window-major, 2: account-major */
    int no_flat;              /* 1: window-major chunks take the run path, not the flat loop */
    int no_sparse;            /* 1: 2.0 shards take the ring engine, not the sparse fold */
    uint64_t spill_limit;     /* test hook: records per ring before it spills; 0: default */
    const char *tmp_dir;      /* where text inputs become scratch shards (io/text_shards.h); NULL: /tmp */
    uint64_t split_bytes;     /* a big plain log read in pieces of this size by several
                                 threads (io/pack.h); 0: the default, UINT64_MAX: never */
} slagg_fold_opts;

#endif

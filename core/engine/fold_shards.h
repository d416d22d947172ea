/*
 * fold_shards.h - the shard engine (core/engine/fold_shards.c, its rooms
 * listed in core/engine/shard_engine.h;
 * docs/DESIGN.md "The shard engine"), which core/engine/fold.c dispatches
 * to. Not part of any API.
 */
#ifndef SLAGG_CORE_ENGINE_FOLD_SHARDS_H
#define SLAGG_CORE_ENGINE_FOLD_SHARDS_H

#include <stddef.h>

#include "core/cell.h"
#include "core/coverage.h"
#include "core/engine/fold_opts.h"
#include "core/error.h"
#include "core/fleet.h"
#include "core/tables.h"

/* When every input is a shard and the time span allows it, folds them time-ordered with bounded memory and
 * sets *used = 1; else sets *used = 0 and does nothing. */
slagg_status slagg_fold_shards(const slagg_tables *t, const char *const *inputs, size_t n_inputs,
                               const slagg_fold_opts *o, slagg_fleet *f, int *used,
                               slagg_err *err);

/* Where a partial fold sends its cells (io/partial.h's writer): the main
 * stream in (window, account) order, strictly increasing across calls,
 * then once the tail (the overflow's leftovers, any order, may repeat a
 * main cell's key: the reader sums them). */
typedef struct slagg_cell_sink {
    slagg_status (*cells)(void *ctx, const slagg_cell *c, size_t n, slagg_err *err);
    slagg_status (*tail)(void *ctx, slagg_cell *c, size_t n, slagg_err *err);
    void *ctx;
    /* An MPI rank's two-phase exchange (core/cell.h), or NULL (a partial
     * file). With it, 2.0 shards take the sparse fold: pass 1, then the
     * keys of this process's error cells go out and the union of every
     * process's comes back, pass 2 counts this process's V (and E) of
     * those cells only, and only they go to the sink (docs/DISTRIBUTED.md
     * "The two-phase exchange"). The engine calls it at most once; when
     * it did not (another engine, or a failure before), the caller must. */
    const slagg_cell_exchange *exchange;
} slagg_cell_sink;

/* The partial fold (`fold --partial`): as slagg_fold_shards, but every
 * window's cells go to sink as they are finalised (not only those with an
 * error, which another partial's records may still give one), and f gets
 * no windows: its periods' class totals, its counters and its coverage;
 * *map gets the window map (to free with slagg_cov_map_free). */
slagg_status slagg_fold_shards_partial(const slagg_tables *t, const char *const *inputs, size_t n_inputs,
                                       const slagg_fold_opts *o, const slagg_cell_sink *sink, slagg_fleet *f,
                                       slagg_cov_map *map, int *used, slagg_err *err);

#endif

/*
 * shard_engine.h - the shard engine (core/engine/shard_engine_chunks.c for
 * now: this step only renames the file, so its history follows; the next
 * splits it by job and gives slagg_fold_shards back to fold_shards.c).
 * Not part of any API.
 */
#ifndef SLAGG_CORE_ENGINE_SHARD_ENGINE_H
#define SLAGG_CORE_ENGINE_SHARD_ENGINE_H

#include <stddef.h>

#include "core/engine/fold_opts.h"
#include "core/error.h"
#include "core/fleet.h"
#include "core/tables.h"

/* When every input is a shard and the time span allows it, folds them time-ordered with bounded memory and
 * sets *used = 1; else sets *used = 0 and does nothing. */
slagg_status slagg_fold_shards(const slagg_tables *t, const char *const *inputs, size_t n_inputs,
                               const slagg_fold_opts *o, slagg_fleet *f, int *used,
                               slagg_err *err);

#endif

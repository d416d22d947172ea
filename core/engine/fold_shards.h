/*
 * fold_shards.h - the shard engine (core/engine/fold_shards.c, its rooms
 * listed in core/engine/shard_engine.h;
 * docs/DESIGN.md "The shard engine"), which core/engine/fold.c dispatches
 * to. Not part of any API.
 */
#ifndef SLAGG_CORE_ENGINE_FOLD_SHARDS_H
#define SLAGG_CORE_ENGINE_FOLD_SHARDS_H

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

/*
 * fold_shards.h - the shard engine (core/engine/shard_engine_chunks.c;
 * docs/DESIGN.md "The shard engine"), which core/engine/fold.c dispatches
 * to. Not part of any API.
 */
#ifndef SLAGG_CORE_ENGINE_FOLD_SHARDS_H
#define SLAGG_CORE_ENGINE_FOLD_SHARDS_H

#include "core/engine/shard_engine.h"   /* slagg_fold_shards, for this step */

#endif

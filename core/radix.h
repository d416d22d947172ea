/*
 * radix.h - a stable LSD radix sort of (u64 key, u32 payload) pairs, for
 * the shard writer's block sort (io/shard_writer.c) and the sparse fold's
 * cells (core/engine/shard_engine_sparse.c).
 */
#ifndef SLAGG_CORE_RADIX_H
#define SLAGG_CORE_RADIX_H

#include <stdint.h>

/* Sorts n pairs by key, ties in input order; 8 bits a pass, and a pass
 * whose digit is the same for every key is skipped. (*k, *p) hold the
 * input and receive the output; (*tk, *tp) are scratch of n entries (the
 * pointers may be swapped). */
void slagg_radix_sort(uint64_t **k, uint32_t **p, uint64_t **tk, uint32_t **tp, uint32_t n);

#endif

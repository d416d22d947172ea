/*
 * buckets.h - per (account, 5-minute window) class counters, the fold's
 * accumulator for text request logs.
 *
 * An open-addressing hash table keyed by (account id, window number), each
 * entry holding one u64 counter per slagg_class. Memory grows with the
 * active (account, window) pairs, not with records. One table per worker
 * thread (no sharing, no locks); slagg_buckets_merge folds one into another.
 * Counters are u64: an account-window with more than 2^32 requests folds
 * correctly.
 */
#ifndef SLAGG_CORE_BUCKETS_H
#define SLAGG_CORE_BUCKETS_H

#include <stddef.h>
#include <stdint.h>

#include "core/classify.h"

typedef struct slagg_bucket {
    int64_t window;     /* floor((ts_ms + tz) / 300000): windows since 1970-01-01 service time */
    uint32_t account;   /* dict id; SLAGG_DICT_NONE for records of unknown accounts */
    uint32_t used;
    uint64_t cls[SLAGG_CLASS_COUNT];
} slagg_bucket;

typedef struct slagg_buckets {
    slagg_bucket *slot;
    size_t mask;   /* capacity - 1 (power of two) */
    size_t n;      /* used entries */
} slagg_buckets;

/* Initialises an empty table. Returns 0 or -1 (out of memory). */
int slagg_buckets_init(slagg_buckets *b);
void slagg_buckets_free(slagg_buckets *b);

/* The counters of (account, window), created zeroed when new; NULL when out
 * of memory. The pointer is valid until the next call that may insert. */
uint64_t *slagg_buckets_get(slagg_buckets *b, uint32_t account, int64_t window);

/* Adds every counter of src into dst. Returns 0 or -1 (out of memory). */
int slagg_buckets_merge(slagg_buckets *dst, const slagg_buckets *src);

/* Moves the used entries to the front of b->slot, sorted by (account,
 * window), and returns their count. The table is unusable for lookups
 * afterwards (only for reading slot[0..n) and freeing). */
size_t slagg_buckets_sort(slagg_buckets *b);

#endif

/*
 * cell.h - one (account, window) of a partial fold: what `fold --partial`
 * streams out of the shard engine (core/engine/fold_shards.h) into the
 * partial file (io/partial.h), and what `slagg merge` streams back.
 */
#ifndef SLAGG_CORE_CELL_H
#define SLAGG_CORE_CELL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* The valid requests V and the errors E (E <= V, V >= 1) of the records of
 * one account in one window that were counted in the account's period. */
typedef struct slagg_cell {
    int64_t window;
    uint32_t account;
    uint64_t v, e;
} slagg_cell;

/* The key of a cell: what MPI ranks exchange in the first phase of the
 * two-phase exchange (docs/DISTRIBUTED.md), the cells where some rank
 * found an error. */
typedef struct slagg_cell_key {
    int64_t window;
    uint32_t account;
} slagg_cell_key;

/* (wa, aa) before (wb, ab) in the stream order (window, then account) */
static inline int slagg_cell_key_less(int64_t wa, uint32_t aa, int64_t wb, uint32_t ab)
{
    return wa < wb || (wa == wb && aa < ab);
}

/* The same order on keys, for qsort. */
static inline int slagg_cell_key_cmp(const void *pa, const void *pb)
{
    const slagg_cell_key *a = pa, *b = pb;
    return slagg_cell_key_less(b->window, b->account, a->window, a->account) -
           slagg_cell_key_less(a->window, a->account, b->window, b->account);
}

/* The exchange itself (cli/mpi.c): given this process's keys with E > 0,
 * sorted by (window, account) and unique, sets *all to the union of every
 * process's (sorted, unique; slagg_free), each account < the fleet's
 * count. Collective: every process calls it once, and a process that
 * failed before calls its own failure in its place (an error return then
 * means some other process failed). */
typedef struct slagg_cell_exchange {
    slagg_status (*fn)(void *ctx, const slagg_cell_key *mine, size_t n, slagg_cell_key **all, size_t *n_all,
                       slagg_err *err);
    /* Before fn, once: how many blocks of every process cover each window
     * (docs/DISTRIBUTED.md "The cover"), so that a rank's pass 1 can drop,
     * as one process's does, the error-free cells of a window that one
     * block covers in the whole job. In: this process's counts of the
     * windows [lo, lo + span), or cover NULL when it cannot tell (not the
     * sparse fold). Out: the sums over every process in *sum (span + 1
     * entries, slagg_free) for [*sum_lo, *sum_lo + *sum_span), or *sum NULL
     * when some process could not tell. Collective, as fn; a process that
     * failed before calls its own failure in its place. fn makes this step
     * itself, as "cannot tell", when no one did. NULL: no such step. */
    slagg_status (*cover)(void *ctx, const uint32_t *cover, int64_t lo, int64_t span, uint32_t **sum,
                          int64_t *sum_lo, int64_t *sum_span, slagg_err *err);
    void *ctx;
} slagg_cell_exchange;

/* The stream order of cells (window, then account), and the order of a
 * fleet's error windows (account, then window), for qsort. */
static inline int slagg_cell_cmp_window(const void *pa, const void *pb)
{
    const slagg_cell *a = pa, *b = pb;
    if (a->window != b->window) return a->window < b->window ? -1 : 1;
    return (a->account > b->account) - (a->account < b->account);
}

static inline int slagg_cell_cmp_account(const void *pa, const void *pb)
{
    const slagg_cell *a = pa, *b = pb;
    if (a->account != b->account) return a->account < b->account ? -1 : 1;
    return (a->window > b->window) - (a->window < b->window);
}

#endif

/*
 * cell.h - one (account, window) of a partial fold: what `fold --partial`
 * streams out of the shard engine (core/engine/fold_shards.h) into the
 * partial file (io/partial.h), and what `slagg merge` streams back.
 */
#ifndef SLAGG_CORE_CELL_H
#define SLAGG_CORE_CELL_H

#include <stdint.h>

/* The valid requests V and the errors E (E <= V, V >= 1) of the records of
 * one account in one window that were counted in the account's period. */
typedef struct slagg_cell {
    int64_t window;
    uint32_t account;
    uint64_t v, e;
} slagg_cell;

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

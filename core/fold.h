/*
 * fold.h - the main job: request logs -> per-period counts (slagg_fleet).
 *
 * Threads: each worker takes whole input files from an atomic counter,
 * reads them with its own record reader and folds records into its own
 * (account, window) table; no lock is taken per record. The tables are
 * merged after all workers finish, then sorted, so the result does not
 * depend on the thread count or on which worker read which file.
 * See docs/DESIGN.md.
 */
#ifndef SLAGG_CORE_FOLD_H
#define SLAGG_CORE_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/fleet.h"
#include "core/rejects.h"
#include "io/tables.h"

typedef struct slagg_fold_opts {
    int32_t tz_s;             /* service time zone offset, seconds */
    int has_through;          /* else: last service-time day with a record */
    int64_t through;          /* day number */
    unsigned threads;         /* >= 1 */
    uint64_t max_rejects;     /* rows kept per input: max_rejects + SLAGG_REJECTS_KEEP */
    /* Called about 4 times a second from the calling thread while workers
     * run (may be NULL). */
    void (*progress)(void *ctx, uint64_t records, uint64_t raw_bytes, size_t files_done,
                     size_t files);
    void *progress_ctx;
} slagg_fold_opts;

/* Folds the inputs (paths to request logs; "-" = stdin) under the tables
 * (contracts, maintenance; fees and holidays are not used here). Fails with
 * SLAGG_E_INPUT for overlapping contracts or a bad input file, SLAGG_E_IO
 * for unreadable files. Rejected rows are not an error here: the caller
 * compares rej->total with its limit. */
slagg_status slagg_fold_logs(const slagg_tables *t, const char *const *inputs, size_t n_inputs,
                             const slagg_fold_opts *o, slagg_fleet *fleet, slagg_rejects *rej,
                             slagg_err *err);

#endif

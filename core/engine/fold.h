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
#ifndef SLAGG_CORE_ENGINE_FOLD_H
#define SLAGG_CORE_ENGINE_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "core/buckets.h"
#include "core/coverage.h"
#include "core/engine/fold_opts.h"
#include "core/error.h"
#include "core/fleet.h"
#include "core/rejects.h"
#include "core/tables.h"

/* The mergeable state between reading records and building periods:
 * per (account, window) class counters, account ids being the contracted
 * accounts in bytewise order (the same in every process given the same
 * contracts), plus the fleet counters. Partial results (--partial, MPI)
 * are this state. */
typedef struct slagg_fold_state {
    slagg_buckets buckets;
    uint64_t records_read, rejected;
    uint64_t before_from;    /* accepted records on days before --from (SPEC 2), counted while reading */
    int has_record;
    int64_t max_ms;          /* latest instant of a non-rejected record */
    int64_t min_ms;          /* earliest one */
    slagg_cov_acc cov;       /* windows with an accepted record, names without a contract
                              * (cov.map.bits NULL: none; cov_unknown: a 1.0 partial held none) */
    int cov_unknown;
    slagg_rejects rejects;
} slagg_fold_state;

/* Phase 1: reads the inputs into s (with its rejects). */
slagg_status slagg_fold_scan(const slagg_tables *t, const char *const *inputs, size_t n_inputs,
                             const slagg_fold_opts *o, slagg_fold_state *s, slagg_err *err);
/* Adds src into dst (counters and buckets; dst keeps its own reject rows,
 * src's are counted) and frees src. */
slagg_status slagg_fold_state_merge(slagg_fold_state *dst, slagg_fold_state *src, slagg_err *err);
/* Phase 2: --through, periods, after_through / uncontracted, windows with
 * errors. Consumes s->buckets (sorted in place). */
slagg_status slagg_fold_finish(const slagg_tables *t, const slagg_fold_opts *o, slagg_fold_state *s,
                               slagg_fleet *f, slagg_err *err);
void slagg_fold_state_free(slagg_fold_state *s);

/* Folds the inputs (paths to request logs; "-" = stdin) under the tables
 * (contracts, maintenance; fees and holidays are not used here). Fails with
 * SLAGG_E_INPUT for overlapping contracts or a bad input file, SLAGG_E_IO
 * for unreadable files. Rejected rows are not an error here: the caller
 * compares rej->total with its limit. */
slagg_status slagg_fold_logs(const slagg_tables *t, const char *const *inputs, size_t n_inputs,
                             const slagg_fold_opts *o, slagg_fleet *fleet, slagg_rejects *rej,
                             slagg_err *err);

#endif

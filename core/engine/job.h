/*
 * job.h - the internal side of the public job (slagg/fold.h, core/engine/job.c):
 * what the CLI's test hooks and the MPI fold need beyond the public API.
 * Dependents of the installed library never see this header.
 *
 * The MPI fold (cli/mpi.c) moves bucket streams between ranks with the
 * internal codecs; rank 0 runs the job: slagg_fold_begin (provenance
 * and tables, before any input is read), then, once the ranks' states are
 * merged, slagg_fold_adopt_state and the ordinary slagg_fold_run /
 * slagg_fold_write, so it writes what one process writes.
 */
#ifndef SLAGG_IO_JOB_H
#define SLAGG_IO_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "core/cell.h"
#include "core/engine/fold.h"
#include "core/report.h"
#include "core/warnings.h"
#include "io/generation.h"
#include "io/tables.h"
#include "slagg/fold.h"

/* The commit's step hook (the CLI's SLAGG_TEST_KILL_AT): copied; set it
 * before slagg_fold_lock, whose cleanup steps it also sees. */
void slagg_fold_set_commit_hook(slagg_fold *job, const slagg_commit_opts *co);
/* Test hook of the shard engine (SLAGG_TEST_SPILL_LIMIT): records per
 * ring before it spills to the overflow table; 0: the default. */
void slagg_fold_set_spill_limit(slagg_fold *job, uint64_t n);

/* Provenance (inputs' fingerprints, tables' SHA-256, options) and the
 * tables, without reading any input; slagg_fold_run does it itself when
 * not done. */
slagg_status slagg_fold_begin(slagg_fold *job);
/* The loaded tables and the options, after slagg_fold_begin. */
const slagg_tables *slagg_fold_tables(const slagg_fold *job);
const slagg_fold_opts *slagg_fold_options(const slagg_fold *job);
/* The inputs as added, in order. */
const char *const *slagg_fold_input_list(const slagg_fold *job, size_t *n);
/* Takes s (a merged fold state over the job's inputs, rejected rows
 * indexing them; s is zeroed): slagg_fold_run finishes it instead of
 * reading the inputs. */
void slagg_fold_adopt_state(slagg_fold *job, slagg_fold_state *s);

/* One process's share of an MPI fold, or `fold --partial`: the inputs
 * folded under t and fo into the partial file at path (io/partial.h,
 * written atomically; the shard engine when every input is a shard, else
 * the generic scan). out gets its size and counters. */
typedef struct slagg_partial_stats {
    uint64_t bytes, records, rejected;
    int exchanged;   /* ex was called (by the engine, or after it) */
} slagg_partial_stats;
/* ex: an MPI rank's two-phase exchange (core/cell.h), or NULL. With it,
 * 2.0 shards take the sparse fold and the partial holds only this rank's
 * share of the cells some rank found an error in; it is called once
 * whenever the fold succeeds (and perhaps when it failed after the
 * exchange: out->exchanged says). */
slagg_status slagg_fold_partial_file(const slagg_tables *t, const slagg_fold_opts *fo, const char *const *inputs,
                                     size_t n, const char *path, const slagg_cell_exchange *ex,
                                     slagg_partial_stats *out, slagg_err *err);
/* MPI rank 0: the ranks' partials of the job's own inputs (partial i's
 * input k is the job's input input_of[i][k]), which slagg_fold_run then
 * merges (core/engine/merge.c) instead of reading the inputs, writing what
 * one process writes. The files must stay until slagg_fold_run returns. */
slagg_status slagg_fold_adopt_partials(slagg_fold *job, const char *const *paths, size_t n,
                                       const size_t *const *input_of);

/* The finished run's fleet, report (finance rows and totals) and warnings,
 * once the run got past max_rejects (also when strict then failed it);
 * NULL before. For the CLI's --metrics file and export's before/after
 * totals (cli/metrics.c, cli/cmd_export.c). */
const slagg_fleet *slagg_fold_fleet(const slagg_fold *job);
const slagg_report *slagg_fold_report(const slagg_fold *job);
const slagg_warnings *slagg_fold_warnings(const slagg_fold *job);
/* export: the tables the summary stores (its fees and holidays as
 * folded), once slagg_fold_begin read it; NULL for any other job. */
const slagg_tables *slagg_fold_stored_tables(const slagg_fold *job);

#endif

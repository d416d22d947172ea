/*
 * fold_job.h - what `slagg fold` (one process, --partial, or one MPI rank
 * of many) and `slagg merge` share: the parsed fold options, loading the
 * tables, and the last step from a merged fold state to the written
 * outputs (docs/DISTRIBUTED.md).
 */
#ifndef SLAGG_CLI_FOLD_JOB_H
#define SLAGG_CLI_FOLD_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "cli/common.h"
#include "core/fold.h"
#include "io/tables.h"

/* `slagg fold`'s options once parsed and checked. */
typedef struct slagg_fold_args {
    const char *out;          /* --out (NULL with --partial) */
    const char *partial;      /* --partial FILE, or NULL */
    const char *contracts, *fees, *maintenance, *holidays;
    const char *rejects;      /* --rejects FILE, or NULL */
    slagg_fold_opts fo;       /* tz, through, threads, max_rejects */
    int quiet;
    int progress;             /* progress on stderr (a terminal, not --quiet) */
    const char *const *pos;   /* INPUT arguments as given */
    size_t n_pos;
} slagg_fold_args;

/* Loads contracts, fees, maintenance and holidays named in a into t.
 * Returns 0, or an exit code after printing the error. */
int slagg_cli_load_tables(const slagg_fold_args *a, slagg_tables *t);

/* Expands the INPUT arguments (slagg_cli_expand_all: directories into
 * their files, recursively and sorted; hidden names into skipped, which
 * the manifest lists as inputs.skipped; the same file twice refused).
 * With no_stdin, '-' is a usage error (why_no_stdin says why). Returns 0
 * or an exit code after printing the error. */
int slagg_cli_expand_inputs(const char *const *pos, size_t n_pos, int no_stdin,
                            const char *why_no_stdin, slagg_path_list *out, slagg_path_list *skipped);

/* The common end of fold, merge and the MPI fold: finishes the merged state
 * s (consumed: its rejects are taken, its buckets sorted), writes --rejects
 * when asked, applies --max-rejects to all the rejected rows, and writes
 * the outputs into out atomically. inputs[rows[i].file] names each
 * rejected row's input. cmd ("fold", "merge") prefixes the report on
 * stdout; extra (may be NULL) is printed after it. Returns the exit code
 * (0 when written), after printing any error. */
int slagg_cli_fold_write(const char *cmd, const char *out, const slagg_tables *t,
                         const slagg_fold_opts *fo, slagg_fold_state *s,
                         const char *const *inputs, size_t n_inputs, const char *rejects_path,
                         int quiet, const char *extra);

/* The same end from a finished fleet (a single-process fold, which may
 * have used the shard engine). */
int slagg_cli_write_fleet(const char *cmd, const char *out, const slagg_tables *t,
                          const slagg_fold_opts *fo, const slagg_fleet *fleet,
                          const slagg_rejects *rejects, const char *const *inputs, size_t n_inputs,
                          const char *rejects_path, int quiet, const char *extra);

#endif

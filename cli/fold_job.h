/*
 * fold_job.h - what `slagg fold` (one process, --partial, or one MPI rank
 * of many), `slagg merge` and `slagg export` share around the job
 * (slagg/fold.h): the parsed fold arguments, input expansion, the engine
 * settings from the environment, and printing what a job did. The job
 * itself (tables -> engine -> report -> outputs) is the library's.
 */
#ifndef SLAGG_CLI_FOLD_JOB_H
#define SLAGG_CLI_FOLD_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "cli/common.h"
#include "cli/generation.h"
#include "slagg/fold.h"

/* `slagg fold`'s arguments once parsed and checked; the options that
 * change outputs are already set on job. */
typedef struct slagg_fold_args {
    const char *out;          /* --out (NULL with --partial) */
    const char *partial;      /* --partial FILE, or NULL */
    const char *rejects;      /* --rejects FILE, or NULL */
    int quiet;
    int progress;             /* progress on stderr (a terminal, not --quiet) */
    const char *const *pos;   /* INPUT arguments as given */
    size_t n_pos;
    int no_wait;              /* --no-wait: fail at once when DIR is locked */
    slagg_fold *job;
} slagg_fold_args;

/* Expands the INPUT arguments (slagg_cli_expand_all: directories into
 * their files, recursively and sorted; hidden names into skipped, which
 * the manifest lists as inputs.skipped; the same file twice refused).
 * With no_stdin, '-' is a usage error (why_no_stdin says why). Returns 0
 * or an exit code after printing the error. */
int slagg_cli_expand_inputs(const char *const *pos, size_t n_pos, int no_stdin,
                            const char *why_no_stdin, slagg_path_list *out, slagg_path_list *skipped);

/* Adds the expanded inputs to job, and the entries expansion skipped
 * (the manifest's inputs.skipped; may be NULL). Returns 0 or an exit code. */
int slagg_cli_add_inputs(slagg_fold *job, const slagg_path_list *inputs, const slagg_path_list *skipped);

/* The engine settings of the environment (SLAGG_FORCE_ISA, SLAGG_ENGINE,
 * SLAGG_RING_LAYOUT, SLAGG_NO_FLAT, SLAGG_TEST_SPILL_LIMIT) set on job:
 * only the CLI reads the environment (STYLE.md). Returns 0, or 1 after
 * naming the variable. */
int slagg_cli_engine_env(slagg_fold *job);

/* Prints job's error and returns st's exit code. */
int slagg_cli_job_error(const slagg_fold *job, slagg_status st);

/* The rejected rows the run kept (at most 10 on stderr, then a count;
 * have_file: --rejects was given) and its warnings (at most
 * SLAGG_CLI_WARN_SHOW of each kind, then a count), as far as the run got. */
void slagg_cli_print_rejects(const slagg_fold *job, int have_file);
void slagg_cli_print_warnings(const slagg_fold *job);

/* The common end of fold, merge and the MPI fold, after slagg_fold_run
 * returned st: lists rejects and warnings, then the error, or writes the
 * generation into out and prints the report (cmd "fold", "merge" prefixes
 * it; extra, may be NULL, follows it) unless quiet. Returns the exit code. */
int slagg_cli_job_finish(const char *cmd, slagg_fold *job, slagg_status st, const char *out,
                         int have_rejects_file, int quiet, const char *extra);

#endif

/*
 * generation.h - what fold, merge and export share around the one
 * generation commit the job makes (slagg/fold.h, io/generation.h): the
 * run lock's messages (--no-wait), the SLAGG_TEST_KILL_AT test hook, and
 * the --rejects path check (SPEC 6). The manifest's provenance is the
 * job's (core/engine/job.c).
 */
#ifndef SLAGG_CLI_GENERATION_H
#define SLAGG_CLI_GENERATION_H

#include <stddef.h>

#include "io/generation.h"
#include "slagg/fold.h"

typedef struct slagg_cli_gen {
    slagg_commit_opts co;         /* the test hook, when SLAGG_TEST_KILL_AT is set */
    long kill_at;                 /* 0: none */
    int trace;                    /* SLAGG_TEST_TRACE_STEPS: each step on stderr */
    long steps;                   /* steps seen (lock-time cleanup + commit) */
} slagg_cli_gen;

/* Zeroes g and reads the test hook from the environment
 * (SLAGG_TEST_KILL_AT=N: SIGKILL right after the N-th step of the
 * lock-time cleanup and the commit, counted together;
 * SLAGG_TEST_TRACE_STEPS=1 prints each step), and gives it to job (g
 * must outlive job). */
void slagg_cli_gen_init(slagg_cli_gen *g, slagg_fold *job);

/* Takes DIR's lock for job (creating DIR): when another run holds it,
 * fails at once with no_wait (exit 3, naming it), else says it waits
 * (unless quiet) and waits. Returns 0 or the exit code after printing. */
int slagg_cli_job_lock(slagg_fold *job, const char *dir, int no_wait, int quiet);

/* SPEC 6: --rejects refuses (exit 1) a path that is one of the run's
 * inputs (the same file by device and inode, or a path inside an input
 * directory), one of its tables (tables[4]: contracts, fees, maintenance,
 * holidays; NULL entries skipped; tables may be NULL), one of its outputs
 * (outputs[i], compared by normalised path), or anything inside the
 * output directory out_dir (DIR itself, DIR/NAME, DIR/current/..., a
 * generation folder: DIR belongs to the generation protocol). Paths are
 * compared after resolving the longest existing prefix (realpath) and
 * normalising the rest. Returns 0, or 1 after printing why. */
int slagg_cli_check_rejects(const char *rejects, const char *out_dir, const char *const *inputs,
                            size_t n_inputs, const char *const *tables, const char *const *outputs,
                            size_t n_outputs);
/* The same check for any file an option writes beside DIR: opt names it
 * in the messages ("--metrics"); path NULL passes. */
int slagg_cli_check_out_path(const char *opt, const char *path, const char *out_dir,
                             const char *const *inputs, size_t n_inputs, const char *const *tables,
                             const char *const *outputs, size_t n_outputs);

#endif

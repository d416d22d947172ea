/*
 * generation.h - what fold, merge and export share around the one
 * generation commit (io/generation.h): the run lock with its messages
 * (--no-wait), the provenance for manifest.json (tables' SHA-256, inputs'
 * fingerprints, the options that change outputs), the SLAGG_TEST_KILL_AT
 * test hook, and the --rejects path check (SPEC 6).
 */
#ifndef SLAGG_CLI_GENERATION_H
#define SLAGG_CLI_GENERATION_H

#include <stddef.h>

#include "core/engine/fold.h"
#include "io/generation.h"
#include "io/manifest.h"

#define SLAGG_CLI_GEN_MAX_OPTS 16

typedef struct slagg_cli_gen {
    slagg_run_lock lock;
    slagg_provenance prov;        /* passed to slagg_write_outputs */
    slagg_commit_opts co;         /* the test hook, when SLAGG_TEST_KILL_AT is set */
    long kill_at;                 /* 0: none */
    int trace;                    /* SLAGG_TEST_TRACE_STEPS: each step on stderr */
    long steps;                   /* steps seen (lock-time cleanup + commit) */
    slagg_prov_opt opts[SLAGG_CLI_GEN_MAX_OPTS];
    char vals[SLAGG_CLI_GEN_MAX_OPTS][32];
    slagg_prov_file *inputs, *partials; /* owned arrays; paths borrowed */
} slagg_cli_gen;

/* Zeroes g for command ("fold", "merge", "export") and reads the test
 * hook from the environment (SLAGG_TEST_KILL_AT=N: SIGKILL right after
 * the N-th step of the lock-time cleanup and the commit, counted
 * together; SLAGG_TEST_TRACE_STEPS=1 prints each step). */
void slagg_cli_gen_init(slagg_cli_gen *g, const char *command);

/* Takes DIR's lock (creating DIR): when another run holds it, fails at
 * once with no_wait (exit 3, naming the holder), else says it waits
 * (unless quiet) and waits. Returns 0 or the exit code after printing. */
int slagg_cli_gen_lock(slagg_cli_gen *g, const char *dir, int no_wait, int quiet);

/* Adds an option that changes the outputs (value NULL: not given; copied,
 * at most 31 bytes). Returns 0 or 3 (too many). */
int slagg_cli_gen_opt(slagg_cli_gen *g, const char *name, const char *value);

/* tz, through and max_rejects of a fold's options. */
int slagg_cli_gen_fold_opts(slagg_cli_gen *g, const slagg_fold_opts *fo);

/* Table kind (SLAGG_TABLE_*) read from path (NULL: not given): its
 * SHA-256. Returns 0 or an exit code after printing. */
int slagg_cli_gen_table(slagg_cli_gen *g, int kind, const char *path);

/* Table kind not read from a file: from names where it came from. */
void slagg_cli_gen_table_from(slagg_cli_gen *g, int kind, const char *path, const char *from);

/* The inputs, in the order read: size and fingerprint of each ('-':
 * unknown). The paths must outlive g. Returns 0 or an exit code. */
int slagg_cli_gen_inputs(slagg_cli_gen *g, const char *const *paths, size_t n);

/* The files input expansion skipped (manifest inputs.skipped); the names
 * must outlive g. Nothing calls it yet: input expansion does not report
 * skipped files. */
void slagg_cli_gen_skipped(slagg_cli_gen *g, const char *const *names, size_t n);

/* Releases the lock and frees g. */
void slagg_cli_gen_free(slagg_cli_gen *g);

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

#endif

/*
 * generation.h - one generation of outputs, committed by one rename, and
 * the run lock on DIR (SPEC 4 "One generation", SPEC 5 "Two runs on the
 * same DIR never interleave", SPEC 6 atomic outputs). The protocol, step
 * by step, with what a kill at each step leaves, is docs/RELIABILITY.md
 * section 2; this is the only code that writes a fold's, merge's or
 * export's outputs.
 *
 *   DIR/.lock                     flock'ed by the run from start to commit
 *   DIR/.gen-<run12>-<XXXXXX>/    the five files of one run
 *   DIR/current -> .gen-...       switched by one rename: the commit
 *   DIR/NAME -> current/NAME      finance.csv, finance.jsonl, summary.json,
 *                                 availability.slagg, manifest.json
 */
#ifndef SLAGG_IO_GENERATION_H
#define SLAGG_IO_GENERATION_H

#include <stddef.h>

#include "core/error.h"
#include "io/manifest.h"

#define SLAGG_GEN_PREFIX ".gen-"
#define SLAGG_GEN_CURRENT "current"
#define SLAGG_GEN_LOCK ".lock"
#define SLAGG_GEN_N_FILES 5 /* the four outputs + manifest.json */
#define SLAGG_GEN_MAX_FILES 8 /* any generation's files, manifest.json included */

/* The names every generation holds, in the manifest's order. */
extern const char *const slagg_generation_names[SLAGG_GEN_N_FILES];

/* The lock on one DIR: an open file description of DIR/.lock. */
typedef struct slagg_run_lock {
    int fd; /* -1: not held */
} slagg_run_lock;

/* Observes the commit: step(ctx, n, what) is called right after the n-th
 * step (n = 1, 2, ... in order; what names it). A test hook: the CLI's
 * SLAGG_TEST_KILL_AT=N raises SIGKILL there (docs/RELIABILITY.md). */
typedef struct slagg_commit_opts {
    void (*step)(void *ctx, int n, const char *what);
    void *ctx;
} slagg_commit_opts;

/* Creates dir when missing, opens DIR/.lock and takes flock(LOCK_EX).
 * wait = 0: when another process holds it, returns SLAGG_E_IO at once with
 * *busy = 1 and err "DIR is being written by pid N (started T)" (from the
 * holder's line); wait = 1 blocks until it is free. Once held: writes
 * "pid N started T" (UTC, ISO 8601) into the file, and removes what a
 * killed run left: every .gen-* folder that DIR/current does not name, and
 * every .*.tmp-* temporary (best effort: a failure to remove is ignored).
 * o (may be NULL) is told of each removal as a step.
 * SLAGG_E_IO "PATH: reason" when DIR or the lock cannot be made. */
slagg_status slagg_outdir_lock(const char *dir, int wait, const slagg_commit_opts *o,
                               slagg_run_lock *lk, int *busy, slagg_err *err);

/* Releases the lock (closes the file); no-op when not held. */
void slagg_outdir_unlock(slagg_run_lock *lk);

/* Commits one generation into dir, whose lock the caller holds: files are
 * finance.csv, finance.jsonl, summary.json and availability.slagg (n_files
 * = 4, in slagg_generation_names order); manifest.json is made here from them and
 * p. Before the switch of DIR/current nothing visible changes, and any
 * failure removes what was staged (SLAGG_E_IO naming the path: the
 * previous generation stays current and unchanged); after it the new
 * generation is current and whole. A DIR of plain files from an older
 * slagg is migrated first (docs/RELIABILITY.md). o may be NULL. */
slagg_status slagg_generation_commit(const char *dir, const slagg_gen_file *files, size_t n_files,
                                     const slagg_provenance *p, const slagg_commit_opts *o,
                                     slagg_err *err);

/* The same commit for another set of files (`slagg ledger`: ledger.csv,
 * ledger.jsonl): files[i].name are plain names (no '/', none of them
 * manifest.json, current or a .gen- name), and the generation holds them
 * and manifest.json, with DIR/NAME -> current/NAME for each. Nothing is
 * migrated (no older slagg wrote these names). At most
 * SLAGG_GEN_MAX_FILES - 1 files. */
slagg_status slagg_generation_commit_files(const char *dir, const slagg_gen_file *files, size_t n_files,
                                           const slagg_provenance *p, const slagg_commit_opts *o,
                                           slagg_err *err);

/* The loader's side (docs/RELIABILITY.md "The loader protocol") for a
 * command argument that names a file or a DIR of generations: a file as
 * given; for a DIR, DIR/<target of DIR/current>/name, DIR/current read
 * once (readlink) so the file opened is of one generation even if a run
 * commits meanwhile; a DIR without current (an older slagg's plain files)
 * as DIR/name. malloc'd; NULL when out of memory. */
char *slagg_generation_path(const char *arg, const char *name);

#endif

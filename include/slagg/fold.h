/*
 * slagg/fold.h - public API of the job: request records and tables in,
 * one generation of the outputs (SPEC section 4) out. The contract is
 * docs/DESIGN.md, "The job API".
 *
 *     slagg_fold *job = slagg_fold_new();
 *     slagg_fold_set_table(job, SLAGG_TABLE_CONTRACTS, "contracts.csv");
 *     slagg_fold_set_table(job, SLAGG_TABLE_FEES, "fees.csv");
 *     slagg_fold_add_input(job, "gw-01.shard");
 *     slagg_fold_add_input(job, "today.ndjson.zst");
 *     if (slagg_fold_lock(job, "out", 1, NULL) != SLAGG_OK ||   // SPEC 4: before reading
 *         slagg_fold_run(job) != SLAGG_OK ||
 *         slagg_fold_write(job, "out") != SLAGG_OK)
 *         fprintf(stderr, "%s\n", slagg_fold_error(job));
 *     slagg_fold_free(job);
 *
 * The library never prints, exits or reads the environment: every failure
 * is a slagg_status with a message from slagg_fold_error(). A job is used
 * from one thread (its fold uses its own worker threads).
 */
#ifndef SLAGG_FOLD_H
#define SLAGG_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "slagg/slagg.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct slagg_fold slagg_fold;

/* The tables of SPEC section 3. Pinned values. */
typedef enum slagg_table {
    SLAGG_TABLE_CONTRACTS = 0,
    SLAGG_TABLE_FEES = 1,
    SLAGG_TABLE_MAINTENANCE = 2,
    SLAGG_TABLE_HOLIDAYS = 3,
    SLAGG_N_TABLES = 4
} slagg_table;

/* summary.json's warning kinds (SPEC section 4), in the order they are
 * listed. Pinned values; bit k of a strict mask is kind k. */
typedef enum slagg_warning_kind {
    SLAGG_WARNING_COVERAGE_UNKNOWN = 0,
    SLAGG_WARNING_GAP = 1,
    SLAGG_WARNING_LATE_NOTICE = 2,
    SLAGG_WARNING_NO_FEE = 3,
    SLAGG_WARNING_NO_RECORDS = 4,
    SLAGG_WARNING_UNCONTRACTED = 5,
    SLAGG_WARNING_UNMATCHED_FEE = 6,
    SLAGG_WARNING_KINDS = 7
} slagg_warning_kind;
#define SLAGG_WARNING_ALL ((1u << SLAGG_WARNING_KINDS) - 1)

/* Which fold engine; neither changes an output byte. */
typedef enum slagg_engine {
    SLAGG_ENGINE_AUTO = 0,     /* the shard engine when every input is a shard */
    SLAGG_ENGINE_GENERIC = 1   /* the generic scan always */
} slagg_engine;

/* The shard engine's ring layout (docs/DESIGN.md "The shard engine"). */
typedef enum slagg_ring_layout {
    SLAGG_RING_AUTO = 0,       /* from the blocks' time spans */
    SLAGG_RING_WINDOW = 1,
    SLAGG_RING_ACCOUNT = 2
} slagg_ring_layout;

/* ---- the job ---------------------------------------------------------------- */

/* A new job with the defaults (tz +08:00, no --through, threads = cores,
 * max_rejects 0, gap 60, nothing strict). NULL when out of memory. */
slagg_fold *slagg_fold_new(void);
/* Frees the job and releases its output directory's lock. NULL: no-op. */
void slagg_fold_free(slagg_fold *job);
/* The message of the last failure ("PATH:LINE: reason"), or "". */
const char *slagg_fold_error(const slagg_fold *job);

/* ---- what it reads (paths are copied) --------------------------------------------- */

/* Table kind from path (NULL: not given). Contracts are required. */
slagg_status slagg_fold_set_table(slagg_fold *job, slagg_table kind, const char *path);
/* One request log or shard; "-" is standard input (at most once). */
slagg_status slagg_fold_add_input(slagg_fold *job, const char *path);
/* A file input expansion skipped: listed in the manifest's inputs.skipped. */
slagg_status slagg_fold_add_skipped(slagg_fold *job, const char *name);
/* merge: a partial written by slagg_fold_run_partial (`slagg fold
 * --partial`). The partials carry tables and settings: no tables, inputs
 * or fold options may be set. */
slagg_status slagg_fold_add_partial(slagg_fold *job, const char *path);
/* export: a compact summary (availability.slagg) instead of inputs; fees
 * and holidays, when set, replace those it stores. */
slagg_status slagg_fold_set_summary(slagg_fold *job, const char *path);

/* ---- options: SLAGG_E_USAGE (nothing changed) for a bad value ------------------- */

slagg_status slagg_fold_set_tz(slagg_fold *job, const char *offset);       /* "+08:00" */
slagg_status slagg_fold_set_through(slagg_fold *job, const char *date);    /* "YYYY-MM-DD"; NULL: none */
/* SPEC 2 --from: "YYYY-MM-01", the first day of a month (anything else is
 * SLAGG_E_USAGE); NULL: no lower bound. Periods starting before it are not
 * reported; records on earlier days are counted as before_from. */
slagg_status slagg_fold_set_from(slagg_fold *job, const char *date);
slagg_status slagg_fold_set_threads(slagg_fold *job, unsigned n);          /* 0: the machine's cores; <= 1024 */
slagg_status slagg_fold_set_max_rejects(slagg_fold *job, uint64_t n);
slagg_status slagg_fold_set_gap(slagg_fold *job, uint32_t minutes);        /* 1..44640; 0: default */
slagg_status slagg_fold_set_strict(slagg_fold *job, uint32_t kinds_mask);  /* bits of slagg_warning_kind */
/* The rejected rows as CSV file,line,reason (SPEC 6), written atomically
 * by the run, also when they are over the limit. NULL: none. */
slagg_status slagg_fold_set_rejects_file(slagg_fold *job, const char *path);
/* Called from the calling thread while the fold reads: records so far,
 * input bytes read so far out of bytes_total (0: unknown). */
typedef void (*slagg_progress_fn)(void *ctx, uint64_t records, uint64_t bytes, uint64_t bytes_total);
slagg_status slagg_fold_set_progress(slagg_fold *job, slagg_progress_fn fn, void *ctx);
/* Where text inputs (CSV, NDJSON) become scratch shards for the shard
 * engine, in a private directory removed when the fold ends (the CLI
 * passes $TMPDIR); NULL or "": /tmp. No output byte depends on it. */
slagg_status slagg_fold_set_tmp_dir(slagg_fold *job, const char *dir);
/* The fold kernel: "scalar", "avx2", "avx512", "neon", or NULL (the best
 * this CPU runs). Refused when unknown, not built in, or not runnable
 * here; the message is "NAME: reason". */
slagg_status slagg_fold_set_isa(slagg_fold *job, const char *isa);
slagg_status slagg_fold_set_engine(slagg_fold *job, slagg_engine engine);
slagg_status slagg_fold_set_ring_layout(slagg_fold *job, slagg_ring_layout layout);
/* 1: the shard engine's window-major chunks take the run path, not the
 * flat loop (tests and benchmarks). */
slagg_status slagg_fold_set_no_flat(slagg_fold *job, int no_flat);
/* Tests and benchmarks: 1 folds 2.0 shards through the ring engine (as
 * 1.0 shards), not the sparse fold (docs/DESIGN.md "The sparse fold");
 * the outputs are the same bytes. */
slagg_status slagg_fold_set_no_sparse(slagg_fold *job, int no_sparse);
/* A plain CSV / NDJSON log of at least twice this many bytes is read in
 * pieces of about this size by several threads (with --threads > 1; the
 * same records, rejects and line numbers as one reader); 0: the default
 * (32 MiB), UINT64_MAX: never. No output byte depends on it (the CLI sets
 * it from SLAGG_SPLIT_BYTES, for tests and benchmarks). */
slagg_status slagg_fold_set_split_bytes(slagg_fold *job, uint64_t bytes);

/* ---- running --------------------------------------------------------------------- */

/* Takes dir's lock (DIR/.lock, creating dir), to be held from before the
 * run reads anything until slagg_fold_write commits (SPEC 4, 5). wait = 0
 * and another run holds it: SLAGG_E_IO at once, *busy = 1 (busy may be
 * NULL), message "DIR is being written by pid N (started T)". */
slagg_status slagg_fold_lock(slagg_fold *job, const char *dir, int wait, int *busy);

/* Runs the job to its finished result: the manifest's provenance, the
 * tables, the fold, the rejects file, then max_rejects and strict, the
 * report and the warnings. SLAGG_E_INPUT for bad input, rejected rows
 * over max_rejects or a warning of a strict kind; SLAGG_E_IO, ... */
slagg_status slagg_fold_run(slagg_fold *job);

/* Writes the outputs of a successful run as one generation of dir
 * (finance.csv, finance.jsonl, summary.json, availability.slagg,
 * manifest.json; nothing visible changes unless all of it is committed).
 * Takes dir's lock (waiting) unless slagg_fold_lock took it. */
slagg_status slagg_fold_write(slagg_fold *job, const char *dir);

/* `slagg fold --partial`: reads the tables and the inputs and writes the
 * fold's partial result to path (atomically), for a later merge. Instead
 * of slagg_fold_run; standard input cannot be an input. */
slagg_status slagg_fold_run_partial(slagg_fold *job, const char *path);

/* ---- results ----------------------------------------------------------------------- */

typedef struct slagg_fold_result {
    uint64_t inputs;                 /* input files (merge: of all the partials) */
    uint64_t records_read, rejected, uncontracted, after_through;
    char through[11];                /* "YYYY-MM-DD": the last day counted */
    uint64_t accounts, periods;      /* in the export */
    uint64_t periods_final, periods_in_progress, periods_no_fee;
    uint64_t tiers[4];               /* periods with tier 0, 10, 25, 50 % */
    char total_credit[48];           /* CNY, exact: "1234.50" (a fleet's total can pass 2^63 fen) */
    uint64_t late_maintenance;       /* maintenance windows notified late */
    uint64_t unmatched_fees;         /* fee rows matching no period */
    uint64_t warnings[SLAGG_WARNING_KINDS];
    uint64_t partial_bytes;          /* slagg_fold_run_partial: bytes written */
    /* added with --from (at the end: the earlier fields keep their offsets) */
    uint64_t before_from;            /* records on days before --from (SPEC 2) */
    char from[11];                   /* --from "YYYY-MM-DD", or "" when none */
} slagg_fold_result;

/* The counts of the last run (zero before one). */
slagg_status slagg_fold_get_result(const slagg_fold *job, slagg_fold_result *out);
/* The path of table kind the result was computed under (merge, export: as
 * the partial or summary stores it), or NULL when none was given. */
const char *slagg_fold_table_path(const slagg_fold *job, slagg_table kind);
/* "gap", "no_fee", ... (NULL for an unknown kind). */
const char *slagg_warning_kind_name(slagg_warning_kind kind);

/* The warnings of summary.json, sorted by kind then detail; available once
 * a run got past max_rejects (also when strict then failed it). */
size_t slagg_fold_warning_count(const slagg_fold *job);
/* Warning i: its kind and detail, detail_len bytes that may hold any byte
 * of the input (escape control characters before showing them, SPEC 6);
 * valid until the job is freed. SLAGG_E_USAGE when i is out of range. */
slagg_status slagg_fold_warning(const slagg_fold *job, size_t i, slagg_warning_kind *kind,
                                const char **detail, size_t *detail_len);

/* The rejected rows kept (a bounded number per input), in input then line
 * order, and how many were rejected in all; available once a run got past
 * the rejects file (also when max_rejects then failed it). Strings are
 * valid until the job is freed. */
size_t slagg_fold_reject_count(const slagg_fold *job);
uint64_t slagg_fold_rejects_total(const slagg_fold *job);
slagg_status slagg_fold_reject(const slagg_fold *job, size_t i, const char **input, uint64_t *line,
                               const char **reason);

#ifdef __cplusplus
}
#endif
#endif

/*
 * cmd_fold.c - `slagg fold`, the main job (SPEC section 5): in one process,
 * as one of K MPI ranks (cli/mpi.c), or writing a partial result for
 * `slagg merge` (--partial; docs/DISTRIBUTED.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/common.h"
#include "cli/fold_job.h"
#include "cli/metrics.h"
#include "cli/mpi.h"
#include "cli/msg.h"
#include "cli/opts.h"
#include "cli/warnings.h"
#include "core/alloc.h"
#include "slagg/fold.h"

static const char help[] =
    "Usage: slagg fold --out DIR --contracts FILE [options] INPUT...\n"
    "       slagg fold --partial FILE --contracts FILE [options] INPUT...\n"
    "       mpirun -np K slagg fold --out DIR --contracts FILE [options] INPUT...\n"
    "\n"
    "Folds request records into SLA availability per contracted period and\n"
    "writes, atomically, into DIR:\n"
    "  finance.csv, finance.jsonl   one row per period: availability, tier, credit,\n"
    "                               claim window (the finance export)\n"
    "  summary.json                 fleet counts; every record lands in one count\n"
    "  availability.slagg           compact summary for 'slagg export' / 'inspect'\n"
    "\n"
    "INPUT is a request log (CSV with a header, or NDJSON), plain or zstd-\n"
    "compressed (told by content), a directory of them (read recursively;\n"
    "names beginning with '.' are skipped and named), or '-' for stdin.\n"
    "Columns: ts (RFC 3339 or Unix seconds) or ts_ms, account, status, [cause].\n"
    "\n"
    "Options:\n"
    "  --out DIR            output directory (created when missing)\n"
    "  --contracts FILE     account,start,end (end empty = open subscription)\n"
    "  --fees FILE          account,period_start,fee,voucher_paid (CNY)\n"
    "  --maintenance FILE   start,end,scope,notice_at (scope: account or *)\n"
    "  --holidays FILE      date,kind (holiday | workday) for claim windows\n"
    "  --tz +HH:MM          service time zone (default +08:00)\n"
    "  --from YYYY-MM-01    first day counted, the first day of a month (default:\n"
    "                       no lower bound): earlier periods are not reported and\n"
    "                       records on earlier days are counted as before_from, so\n"
    "                       monthly runs never repeat a period ('slagg ledger')\n"
    "  --through DATE       last day counted, YYYY-MM-DD (default: the last day\n"
    "                       with a record); later periods are in_progress\n"
    "  --threads N          worker threads (default: the machine's cores); a big\n"
    "                       log file, plain or a .zst of several frames, is\n"
    "                       read by several of them\n"
    "  --rejects FILE       write rejected rows as CSV: file,line,reason (not an\n"
    "                       input, a table, or a path inside DIR)\n"
    "  --max-rejects N      tolerate up to N rejected rows (default 0: any\n"
    "                       rejected row fails the run and writes no export)\n"
    "  --gap MINUTES        report every run of at least MINUTES (rounded up to\n"
    "                       whole 5-minute windows) without any accepted record\n"
    "                       as a gap in summary.json (default 60; 1 to 44640)\n"
    "  --strict[=KIND,...]  every warning (or those kinds) fails the run: exit 2,\n"
    "                       nothing written. Kinds: coverage_unknown, gap,\n"
    "                       late_notice, no_fee, no_records, uncontracted,\n"
    "                       unmatched_fee\n"
    "  --partial FILE       write the fold's partial result to FILE (atomically)\n"
    "                       instead of the export; 'slagg merge' joins partials\n"
    "                       of one day's inputs and writes the export\n"
    "  --no-wait            when another run is writing DIR, fail at once (exit 3,\n"
    "                       naming it) instead of waiting for it\n"
    "  --metrics FILE       the run's figures for Prometheus (node_exporter's textfile\n"
    "                       collector), written atomically, also for a failed run\n"
    "                       (slagg_run_success 0); not inside DIR (docs/FORMAT.md)\n"
    "  --quiet              print nothing on success: no summary on stdout, no\n"
    "                       progress on stderr (errors and warnings still shown)\n"
    "  -h, --help           this help\n"
    "\n"
    "Example:\n"
    "  slagg fold --out out --contracts contracts.csv --fees fees.csv \\\n"
    "      --maintenance maintenance.csv --holidays holidays.csv logs/ today.ndjson.zst\n"
    "\n"
    "Several machines: 'mpirun -np K slagg fold ...' splits the inputs over K\n"
    "ranks and writes the same export as one process (rank 0 writes it); or\n"
    "'slagg fold --partial p1.part ...' on each machine's share of the inputs,\n"
    "then 'slagg merge --out DIR p1.part p2.part ...' (docs/DISTRIBUTED.md).\n"
    "\n"
    "Environment (for benchmarks and comparisons; outputs are the same bytes):\n"
    "  SLAGG_FORCE_ISA=scalar|avx2|avx512|neon   the fold kernel (default: the best\n"
    "                       this CPU runs)\n"
    "  SLAGG_RING_LAYOUT=window|account          the shard engine's ring layout\n"
    "                       (default: from the blocks' time spans, docs/DESIGN.md)\n"
    "  SLAGG_ENGINE=generic the generic fold of every input (else text inputs are\n"
    "                       packed into scratch shards for the shard engine)\n"
    "  TMPDIR               where those scratch shards go, in a private directory\n"
    "                       removed when the fold ends (default /tmp; about 4 bytes\n"
    "                       a record)\n"
    "\n"
    "Warnings (gaps in the records, no record at all, late-notified maintenance,\n"
    "unmatched fee rows, periods without a fee, uncontracted accounts) are\n"
    "listed in summary.json and on stderr (at most 10 of each kind).\n"
    "\n"
    "Exit codes: 0 success, 1 usage error, 2 input error (bad input, rejects\n"
    "over the limit, --strict warnings), 3 internal or I/O error. A failed run\n"
    "changes nothing in DIR.\n"
    "\n"
    "DIR holds one generation of the outputs at a time: DIR/current names it, and\n"
    "DIR/finance.csv etc. (and DIR/manifest.json: sizes, SHA-256, provenance) show\n"
    "its files. A program reading several files opens them through one resolution\n"
    "of DIR/current (docs/RELIABILITY.md, \"The loader protocol\").\n";


typedef struct progress {
    struct timespec t0;
    int printed;
} progress;

static double elapsed(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* "\rslagg: 12.3 M records, 3/10 files, 210.5 MB read (56.1 MB/s)" */
static void on_progress(void *ctx, uint64_t records, uint64_t bytes, uint64_t total)
{
    progress *p = ctx;
    double s = elapsed(&p->t0);
    if (s < 1.0) return;
    fprintf(stderr, "\rslagg: %.1f M records, %.1f MB read (%.1f MB/s)", (double)records / 1e6,
            (double)bytes / 1e6, (double)bytes / 1e6 / s);
    if (total && bytes && bytes <= total)
        fprintf(stderr, ", %.0f%%, ETA %.0f s", 100.0 * (double)bytes / (double)total,
                s * (double)(total - bytes) / (double)bytes);
    fputs("   ", stderr);
    p->printed = 1;
}

/* One process: the whole job (or, with --partial, its scan and the
 * partial file), the lock first (SPEC 4: held from start to commit). */
static int fold_alone(const slagg_fold_args *a)
{
    slagg_path_list inputs = {0}, skipped = {0};  /* skipped: the manifest's inputs.skipped */
    slagg_fold *job = a->job;
    progress prog = {0};
    slagg_status st;
    int rc;

    if (a->out && (rc = slagg_cli_job_lock(job, a->out, a->no_wait, a->quiet)) != 0) goto done;
    if ((rc = slagg_cli_expand_inputs(a->pos, a->n_pos, a->partial != NULL,
                                      "with --partial (its inputs are fingerprinted)", &inputs, &skipped)) != 0)
        goto done;
    if ((rc = slagg_cli_add_inputs(job, &inputs, &skipped)) != 0) goto done;
    clock_gettime(CLOCK_MONOTONIC, &prog.t0);
    if (a->progress) slagg_fold_set_progress(job, on_progress, &prog);
    if (a->partial) {
        st = slagg_fold_run_partial(job, a->partial);
        if (prog.printed) fputs("\r\033[K", stderr);
        if (st != SLAGG_OK) {
            rc = slagg_cli_job_error(job, st);
            goto done;
        }
        if (!a->quiet) {
            slagg_fold_result r;
            slagg_fold_get_result(job, &r);
            printf("slagg fold: %llu records from %llu input%s, %llu rejected\n", (unsigned long long)r.records_read,
                   (unsigned long long)r.inputs, r.inputs == 1 ? "" : "s", (unsigned long long)r.rejected);
            printf("  wrote partial %s (%llu bytes); 'slagg merge' writes the export\n", a->partial,
                   (unsigned long long)r.partial_bytes);
        }
        rc = 0;
        goto done;
    }
    st = slagg_fold_run(job);
    if (prog.printed) fputs("\r\033[K", stderr);
    rc = slagg_cli_job_finish("fold", job, st, a->out, a->rejects != NULL, a->quiet, NULL);
done:
    slagg_strv_free(&inputs);
    slagg_strv_free(&skipped);
    return rc;
}

/* Names only what a fold lacks of --out (or --partial), --contracts and
 * an INPUT (issue 15: the missing one, not the whole list). 0 when
 * nothing is missing, else 1 after saying so. */
static int fold_needs(int has_out, int has_contracts, size_t n_pos)
{
    const char *miss[3];
    int n = 0;
    if (!has_out) miss[n++] = "--out DIR (or --partial FILE)";
    if (!has_contracts) miss[n++] = "--contracts FILE";
    if (!n_pos) miss[n++] = "at least one INPUT";
    if (!n) return 0;
    slagg_cli_error("fold needs %s%s%s%s%s (see 'slagg fold --help')", miss[0], n == 3 ? ", " : n == 2 ? " and " : "",
                    n > 1 ? miss[1] : "", n == 3 ? " and " : "", n == 3 ? miss[2] : "");
    return 1;
}

int slagg_cmd_fold(int argc, char **argv)
{
    slagg_opt opts[] = {
        {"out", 1, NULL, 0},         {"contracts", 1, NULL, 0}, {"fees", 1, NULL, 0},
        {"maintenance", 1, NULL, 0}, {"holidays", 1, NULL, 0},  {"tz", 1, NULL, 0},
        {"through", 1, NULL, 0},     {"threads", 1, NULL, 0},   {"rejects", 1, NULL, 0},
        {"max-rejects", 1, NULL, 0}, {"partial", 1, NULL, 0},   {"quiet", 0, NULL, 'q'},
        {"help", 0, NULL, 'h'},      {"gap", 1, NULL, 0},       {"strict", 2, NULL, 0},
        {"no-wait", 0, NULL, 0},     {"from", 1, NULL, 0},        {"metrics", 1, NULL, 0},
    };
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char **pos = slagg_calloc((size_t)argc + 1, sizeof *pos);
    size_t n_pos = 0;
    int rc = 1;
    slagg_fold_args a;
    slagg_cli_gen gen;
    slagg_cli_metrics met;
    slagg_cli_metrics_start(&met, "fold");
    int mpi_rank = 0, mpi_size = slagg_mpi_launched(&mpi_rank);

    memset(&a, 0, sizeof a);
    /* Under mpirun every rank parses the same arguments and fails the same
     * way: only rank 0 says so. */
    if (mpi_rank > 0) slagg_cli_silent = 1;
    a.job = slagg_fold_new();
    if (!pos || !a.job) {
        slagg_cli_error("out of memory");
        slagg_fold_free(a.job);
        slagg_free(pos);
        return 3;
    }
    slagg_cli_gen_init(&gen, a.job);
    if (slagg_opts_parse("fold", argc, argv, opts, n_opts, pos, (size_t)argc, &n_pos) != 0) goto done;
#define OPT(name) slagg_opt_get(opts, n_opts, name)
    if (OPT("help")) {
        if (mpi_rank == 0) fputs(help, stdout);
        rc = 0;
        goto done;
    }
    a.out = OPT("out");
    a.partial = OPT("partial");
    a.rejects = OPT("rejects");
    const char *tables[4] = {OPT("contracts"), OPT("fees"), OPT("maintenance"), OPT("holidays")};
    a.quiet = OPT("quiet") != NULL;
    a.no_wait = OPT("no-wait") != NULL;
    a.pos = pos;
    a.n_pos = n_pos;
    if (a.partial && a.out) {
        slagg_cli_error("--partial writes a partial result instead of the export: give --out to 'slagg merge', not with --partial");
        goto done;
    }
    if (a.partial && a.rejects) {
        slagg_cli_error("--rejects goes to 'slagg merge' (the partial keeps the rejected rows), not with --partial");
        goto done;
    }
    if (fold_needs(a.out || a.partial, tables[0] != NULL, n_pos) != 0) goto done;
    for (int k = 0; k < SLAGG_N_TABLES; k++)
        if (slagg_fold_set_table(a.job, (slagg_table)k, tables[k]) != SLAGG_OK) {
            rc = slagg_cli_job_error(a.job, SLAGG_E_NOMEM);
            goto done;
        }
    const char *tz = OPT("tz") ? OPT("tz") : "+08:00";
    if (slagg_fold_set_tz(a.job, tz) != SLAGG_OK) {
        slagg_cli_error("--tz '%s' is not an offset like +08:00 or -05:30", tz);
        goto done;
    }
    if (OPT("from") && slagg_fold_set_from(a.job, OPT("from")) != SLAGG_OK) {
        slagg_cli_error("--from %s", slagg_fold_error(a.job));
        goto done;
    }
    if (OPT("through") && slagg_fold_set_through(a.job, OPT("through")) != SLAGG_OK) {
        slagg_cli_error("--through %s", slagg_fold_error(a.job));
        goto done;
    }
    uint64_t v;
    if (OPT("threads")) {
        if (slagg_parse_u64(OPT("threads"), 1024, &v) != 0 || v == 0) {
            slagg_cli_error("--threads '%s' is not a number from 1 to 1024", OPT("threads"));
            goto done;
        }
        slagg_fold_set_threads(a.job, (unsigned)v);
    }
    if (OPT("max-rejects")) {
        if (slagg_parse_u64(OPT("max-rejects"), UINT64_MAX / 2, &v) != 0) {
            slagg_cli_error("--max-rejects '%s' is not a non-negative number", OPT("max-rejects"));
            goto done;
        }
        slagg_fold_set_max_rejects(a.job, v);
    }
    /* SPEC 5: --gap MINUTES, --strict[=KIND,...] (cli/warnings.c) */
    uint32_t gap = 0, strict = 0;
    if (OPT("gap") && slagg_cli_parse_gap(OPT("gap"), &gap) != 0) goto done;
    if (OPT("strict") && slagg_cli_parse_strict(OPT("strict"), &strict) != 0) goto done;
    slagg_fold_set_gap(a.job, gap);
    slagg_fold_set_strict(a.job, strict);
    if (a.rejects && slagg_fold_set_rejects_file(a.job, a.rejects) != SLAGG_OK) {
        rc = slagg_cli_job_error(a.job, SLAGG_E_NOMEM);
        goto done;
    }
#undef OPT
    /* the engine settings of the environment, as job options */
    if (slagg_cli_engine_env(a.job) != 0) goto done;
    a.progress = !a.quiet && isatty(STDERR_FILENO);
    if ((rc = slagg_cli_check_rejects(a.rejects, a.out, pos, n_pos, tables, NULL, 0)) != 0) goto done;
    const char *metrics = slagg_opt_get(opts, n_opts, "metrics");
    if (metrics && a.partial) {
        slagg_cli_error("--metrics goes to 'slagg merge' (a partial is not the export), not with --partial");
        rc = 1;
        goto done;
    }
    if ((rc = slagg_cli_check_out_path("--metrics", metrics, a.out, pos, n_pos, tables, &a.rejects,
                                       a.rejects != NULL)) != 0)
        goto done;
    met.path = mpi_rank == 0 ? metrics : NULL;   /* from here on, every end of the run writes it */
    rc = 1;

    if (mpi_size > 1 && a.partial) {
        slagg_cli_error("--partial writes one file from one process: run it without mpirun (one per machine), then 'slagg merge'");
        goto done;
    }
    if (mpi_size && !a.partial) {
#if SLAGG_HAVE_MPI
        rc = slagg_mpi_fold(&a);
        goto done;
#else
        if (mpi_size > 1) {
            slagg_cli_error("started by mpirun, but this slagg was built without MPI: rebuild with MPI (libopenmpi-dev) or use 'fold --partial' and 'slagg merge'");
            goto done;
        }
#endif
    }
    rc = fold_alone(&a);
done:
    rc = slagg_cli_metrics_finish(&met, a.job, rc);
    slagg_fold_free(a.job);
    slagg_free(pos);
    return rc;
}

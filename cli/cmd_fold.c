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

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/fold_job.h"
#include "cli/mpi.h"
#include "cli/opts.h"
#include "core/alloc.h"
#include "core/calendar.h"
#include "core/fold.h"
#include "io/buf.h"
#include "io/output.h"
#include "io/partial.h"
#include "io/timestamp.h"

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
    "  --through DATE       last day counted, YYYY-MM-DD (default: the last day\n"
    "                       with a record); later periods are in_progress\n"
    "  --threads N          worker threads (default: the machine's cores)\n"
    "  --rejects FILE       write rejected rows as CSV: file,line,reason\n"
    "  --max-rejects N      tolerate up to N rejected rows (default 0: any\n"
    "                       rejected row fails the run and writes no export)\n"
    "  --partial FILE       write the fold's partial result to FILE (atomically)\n"
    "                       instead of the export; 'slagg merge' joins partials\n"
    "                       of one day's inputs and writes the export\n"
    "  --quiet              no progress on stderr\n"
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
    "  SLAGG_ENGINE=generic the generic fold even when every input is a shard\n"
    "\n"
    "Exit codes: 0 success, 1 usage error, 2 input error (bad input, rejects\n"
    "over the limit), 3 internal or I/O error. A failed run changes nothing in DIR.\n";


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

/* --partial: the scanned state, the tables and the inputs' fingerprints in
 * one file (io/partial.h), written atomically. Consumes s. */
static int write_partial(const slagg_fold_args *a, const slagg_tables *t, slagg_fold_state *s,
                         const slagg_path_list *inputs, const slagg_partial_input *fps)
{
    slagg_partial p = {0};
    slagg_buf out = {0};
    slagg_err err = {0};
    p.tz_s = a->fo.tz_s;
    p.has_through = a->fo.has_through;
    p.through = a->fo.through;
    p.max_rejects = a->fo.max_rejects;
    p.inputs = (slagg_partial_input *)fps;
    p.n_inputs = inputs->n;
    p.records_read = s->records_read;
    p.rejected = s->rejected;
    p.has_record = s->has_record;
    p.max_ms = s->max_ms;
    p.rejects = s->rejects;
    slagg_status st = slagg_partial_encode(&p, t, &s->buckets, &out, &err);
    size_t written = out.len;
    if (st == SLAGG_OK) {
        const char *slash = strrchr(a->partial, '/');
        char *dir = slash ? slagg_strndup(a->partial, (size_t)(slash - a->partial) + (slash == a->partial))
                          : slagg_strndup(".", 1);
        const char *name = slash ? slash + 1 : a->partial;
        if (!dir) st = slagg_err_set(&err, SLAGG_E_NOMEM, "out of memory");
        else if (!*name) st = slagg_err_set(&err, SLAGG_E_IO, "%s: --partial needs a file name", a->partial);
        else if ((st = slagg_mkdir_p(dir, &err)) == SLAGG_OK)
            st = slagg_write_atomic(dir, name, out.data, out.len, &err);
        slagg_free(dir);
    }
    slagg_buf_free(&out);
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        return slagg_status_exit_code(st);
    }
    if (!a->quiet) {
        printf("slagg fold: %llu records from %zu input%s, %llu rejected\n",
               (unsigned long long)s->records_read, inputs->n, inputs->n == 1 ? "" : "s",
               (unsigned long long)s->rejected);
        printf("  wrote partial %s (%zu bytes); 'slagg merge' writes the export\n", a->partial, written);
    }
    return 0;
}

/* One process: scan every input, then write the export (or the partial). */
static int fold_alone(const slagg_fold_args *a)
{
    slagg_path_list inputs = {0}, skipped = {0};  /* skipped: the manifest's inputs.skipped */
    slagg_tables tables = {0};
    slagg_fold_state state = {0};
    slagg_partial_input *fps = NULL;
    slagg_err err = {0};
    slagg_fold_opts fo = a->fo;
    progress prog = {0};
    int rc;

    if ((rc = slagg_cli_expand_inputs(a->pos, a->n_pos, a->partial != NULL,
                                      "with --partial (its inputs are fingerprinted)", &inputs, &skipped)) != 0)
        goto done;
    if ((rc = slagg_cli_load_tables(a, &tables)) != 0) goto done;
    if (a->partial) {
        fps = slagg_calloc(inputs.n ? inputs.n : 1, sizeof *fps);
        if (!fps) {
            slagg_cli_error("out of memory");
            rc = 3;
            goto done;
        }
        for (size_t i = 0; i < inputs.n; i++) {
            fps[i].path = inputs.v[i];
            slagg_status st = slagg_input_fingerprint(inputs.v[i], &fps[i].size, &fps[i].fingerprint, &err);
            if (st != SLAGG_OK) {
                slagg_cli_error("%s", err.msg);
                rc = slagg_status_exit_code(st);
                goto done;
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &prog.t0);
    if (a->progress) {
        fo.progress = on_progress;
        fo.progress_ctx = &prog;
    }
    if (!a->partial) {
        /* one process: slagg_fold_logs takes the shard engine when every
         * input is a shard (core/fold_shards.c), else the generic scan */
        slagg_fleet fleet;
        slagg_rejects rej;
        slagg_status st = slagg_fold_logs(&tables, (const char *const *)inputs.v, inputs.n, &fo, &fleet, &rej, &err);
        if (prog.printed) fputs("\r\033[K", stderr);
        if (st != SLAGG_OK) {
            slagg_cli_error("%s", err.msg);
            rc = slagg_status_exit_code(st);
            goto done;
        }
        rc = slagg_cli_write_fleet("fold", a->out, &tables, &fo, &fleet, &rej, (const char *const *)inputs.v,
                                   inputs.n, a->rejects, a->quiet, NULL);
        slagg_fleet_free(&fleet);
        slagg_rejects_free(&rej);
        goto done;
    }
    slagg_status st = slagg_fold_scan(&tables, (const char *const *)inputs.v, inputs.n, &fo, &state, &err);
    if (prog.printed) fputs("\r\033[K", stderr);
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        rc = slagg_status_exit_code(st);
        goto done;
    }
    rc = write_partial(a, &tables, &state, &inputs, fps);
done:
    slagg_fold_state_free(&state);
    slagg_free(fps);
    slagg_tables_free(&tables);
    slagg_path_list_free(&inputs);
    slagg_path_list_free(&skipped);
    return rc;
}

int slagg_cmd_fold(int argc, char **argv)
{
    slagg_opt opts[] = {
        {"out", 1, NULL, 0},         {"contracts", 1, NULL, 0}, {"fees", 1, NULL, 0},
        {"maintenance", 1, NULL, 0}, {"holidays", 1, NULL, 0},  {"tz", 1, NULL, 0},
        {"through", 1, NULL, 0},     {"threads", 1, NULL, 0},   {"rejects", 1, NULL, 0},
        {"max-rejects", 1, NULL, 0}, {"partial", 1, NULL, 0},   {"quiet", 0, NULL, 'q'},
        {"help", 0, NULL, 'h'},
    };
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char **pos = slagg_calloc((size_t)argc + 1, sizeof *pos);
    size_t n_pos = 0;
    int rc = 1;
    slagg_fold_args a;
    int mpi_rank = 0, mpi_size = slagg_mpi_launched(&mpi_rank);

    memset(&a, 0, sizeof a);
    /* Under mpirun every rank parses the same arguments and fails the same
     * way: only rank 0 says so. */
    if (mpi_rank > 0) slagg_cli_silent = 1;
    if (!pos) {
        slagg_cli_error("out of memory");
        return 3;
    }
    if (slagg_opts_parse("fold", argc, argv, opts, n_opts, pos, (size_t)argc, &n_pos) != 0) goto done;
#define OPT(name) slagg_opt_get(opts, n_opts, name)
    if (OPT("help")) {
        if (mpi_rank == 0) fputs(help, stdout);
        rc = 0;
        goto done;
    }
    a.out = OPT("out");
    a.partial = OPT("partial");
    a.contracts = OPT("contracts");
    a.fees = OPT("fees");
    a.maintenance = OPT("maintenance");
    a.holidays = OPT("holidays");
    a.rejects = OPT("rejects");
    a.quiet = OPT("quiet") != NULL;
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
    if ((!a.out && !a.partial) || !a.contracts || n_pos == 0) {
        slagg_cli_error("fold needs --out DIR (or --partial FILE), --contracts FILE and at least one INPUT (see 'slagg fold --help')");
        goto done;
    }
    const char *tz = OPT("tz") ? OPT("tz") : "+08:00";
    if (slagg_parse_tz(tz, strlen(tz), &a.fo.tz_s) != 0) {
        slagg_cli_error("--tz '%s' is not an offset like +08:00 or -05:30", tz);
        goto done;
    }
    if (OPT("through")) {
        const char *t = OPT("through");
        int dr = slagg_parse_input_date(t, strlen(t), &a.fo.through);
        if (dr != 0) {
            if (dr == -2)
                slagg_cli_error("--through '%s' is after " SLAGG_LAST_DAY_TEXT ": dates after "
                                SLAGG_LAST_DAY_TEXT " are not supported (SPEC 6)", t);
            else
                slagg_cli_error("--through '%s' is not a date YYYY-MM-DD", t);
            goto done;
        }
        a.fo.has_through = 1;
    }
    uint64_t v;
    if (OPT("threads")) {
        if (slagg_parse_u64(OPT("threads"), 1024, &v) != 0 || v == 0) {
            slagg_cli_error("--threads '%s' is not a number from 1 to 1024", OPT("threads"));
            goto done;
        }
        a.fo.threads = (unsigned)v;
    } else {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        a.fo.threads = n > 0 ? (unsigned)n : 1;
    }
    if (OPT("max-rejects")) {
        if (slagg_parse_u64(OPT("max-rejects"), UINT64_MAX / 2, &v) != 0) {
            slagg_cli_error("--max-rejects '%s' is not a non-negative number", OPT("max-rejects"));
            goto done;
        }
        a.fo.max_rejects = v;
    }
#undef OPT
    a.progress = !a.quiet && isatty(STDERR_FILENO);

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
    slagg_free(pos);
    return rc;
}

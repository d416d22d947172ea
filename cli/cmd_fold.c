/*
 * cmd_fold.c - `slagg fold`, the main job (SPEC section 5).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/opts.h"
#include "core/alloc.h"
#include "core/calendar.h"
#include "core/fold.h"
#include "core/money.h"
#include "io/buf.h"
#include "io/export.h"
#include "io/output.h"
#include "io/timestamp.h"

static const char help[] =
    "Usage: slagg fold --out DIR --contracts FILE [options] INPUT...\n"
    "\n"
    "Folds request records into SLA availability per contracted period and\n"
    "writes, atomically, into DIR:\n"
    "  finance.csv, finance.jsonl   one row per period: availability, tier, credit,\n"
    "                               claim window (the finance export)\n"
    "  summary.json                 fleet counts; every record lands in one count\n"
    "  availability.slagg           compact summary for 'slagg export' / 'inspect'\n"
    "\n"
    "INPUT is a request log (CSV with a header, or NDJSON), plain or zstd-\n"
    "compressed (told by content), a directory of them, or '-' for stdin.\n"
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
    "  --quiet              no progress on stderr\n"
    "  -h, --help           this help\n"
    "\n"
    "Example:\n"
    "  slagg fold --out out --contracts contracts.csv --fees fees.csv \\\n"
    "      --maintenance maintenance.csv --holidays holidays.csv logs/ today.ndjson.zst\n"
    "\n"
    "Exit codes: 0 success, 1 usage error, 2 input error (bad input, rejects\n"
    "over the limit), 3 internal or I/O error. A failed run changes nothing in DIR.\n";

typedef struct progress {
    int enabled;
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
static void on_progress(void *ctx, uint64_t records, uint64_t bytes, size_t done, size_t files)
{
    progress *p = ctx;
    double s = elapsed(&p->t0);
    if (s < 1.0) return;
    fprintf(stderr, "\rslagg: %.1f M records, %zu/%zu files, %.1f MB read (%.1f MB/s)   ",
            (double)records / 1e6, done, files, (double)bytes / 1e6, (double)bytes / 1e6 / s);
    p->printed = 1;
}

static void print_result(const char *out, const slagg_fleet *f, const slagg_report *r,
                         size_t n_inputs)
{
    char money[24], day[11];
    slagg_money_format(r->total_credit, money);
    slagg_format_date(f->through, day);
    printf("slagg fold: %llu records from %zu input%s, through %s\n",
           (unsigned long long)f->records_read, n_inputs, n_inputs == 1 ? "" : "s", day);
    printf("  accounts %llu, periods %zu (final %llu, in_progress %llu, no_fee %llu)\n",
           (unsigned long long)r->accounts, r->n_rows,
           (unsigned long long)r->periods[SLAGG_STATE_FINAL],
           (unsigned long long)r->periods[SLAGG_STATE_IN_PROGRESS],
           (unsigned long long)r->periods[SLAGG_STATE_NO_FEE]);
    printf("  tiers: 0%% %llu, 10%% %llu, 25%% %llu, 50%% %llu; total credit %s CNY\n",
           (unsigned long long)r->tiers[0], (unsigned long long)r->tiers[1],
           (unsigned long long)r->tiers[2], (unsigned long long)r->tiers[3], money);
    printf("  uncontracted %llu, after_through %llu, rejected %llu\n",
           (unsigned long long)f->uncontracted, (unsigned long long)f->after_through,
           (unsigned long long)f->rejected);
    if (f->n_late)
        printf("  %zu maintenance window%s notified late (listed in summary.json)\n", f->n_late,
               f->n_late == 1 ? "" : "s");
    if (r->n_unmatched)
        printf("  %zu fee row%s matched no period (listed in summary.json)\n", r->n_unmatched,
               r->n_unmatched == 1 ? "" : "s");
    printf("  wrote %s/finance.csv, finance.jsonl, summary.json, availability.slagg\n", out);
}

int slagg_cmd_fold(int argc, char **argv)
{
    slagg_opt opts[] = {
        {"out", 1, NULL, 0},         {"contracts", 1, NULL, 0}, {"fees", 1, NULL, 0},
        {"maintenance", 1, NULL, 0}, {"holidays", 1, NULL, 0},  {"tz", 1, NULL, 0},
        {"through", 1, NULL, 0},     {"threads", 1, NULL, 0},   {"rejects", 1, NULL, 0},
        {"max-rejects", 1, NULL, 0}, {"quiet", 0, NULL, 'q'},   {"help", 0, NULL, 'h'},
    };
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char **pos = slagg_calloc((size_t)argc + 1, sizeof *pos);
    size_t n_pos = 0;
    int rc = 1;
    slagg_path_list inputs = {0};
    slagg_tables tables = {0};
    slagg_fleet fleet = {0};
    slagg_rejects rejects = {0};
    slagg_report report = {0};
    slagg_err err = {0};
    slagg_fold_opts fo = {0};
    progress prog = {0};

    if (!pos) {
        slagg_cli_error("out of memory");
        return 3;
    }
    if (slagg_opts_parse("fold", argc, argv, opts, n_opts, pos, (size_t)argc, &n_pos) != 0) goto done;
#define OPT(name) slagg_opt_get(opts, n_opts, name)
    if (OPT("help")) {
        fputs(help, stdout);
        rc = 0;
        goto done;
    }
    const char *out = OPT("out"), *contracts = OPT("contracts");
    if (!out || !contracts || n_pos == 0) {
        slagg_cli_error("fold needs --out DIR, --contracts FILE and at least one INPUT (see 'slagg fold --help')");
        goto done;
    }
    const char *tz = OPT("tz") ? OPT("tz") : "+08:00";
    if (slagg_parse_tz(tz, strlen(tz), &fo.tz_s) != 0) {
        slagg_cli_error("--tz '%s' is not an offset like +08:00 or -05:30", tz);
        goto done;
    }
    if (OPT("through")) {
        const char *t = OPT("through");
        if (slagg_parse_date(t, strlen(t), &fo.through) != 0) {
            slagg_cli_error("--through '%s' is not a date YYYY-MM-DD", t);
            goto done;
        }
        fo.has_through = 1;
    }
    uint64_t v;
    if (OPT("threads")) {
        if (slagg_parse_u64(OPT("threads"), 1024, &v) != 0 || v == 0) {
            slagg_cli_error("--threads '%s' is not a number from 1 to 1024", OPT("threads"));
            goto done;
        }
        fo.threads = (unsigned)v;
    } else {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        fo.threads = n > 0 ? (unsigned)n : 1;
    }
    if (OPT("max-rejects")) {
        if (slagg_parse_u64(OPT("max-rejects"), UINT64_MAX / 2, &v) != 0) {
            slagg_cli_error("--max-rejects '%s' is not a non-negative number", OPT("max-rejects"));
            goto done;
        }
        fo.max_rejects = v;
    }
    size_t n_stdin = 0;
    for (size_t i = 0; i < n_pos; i++) n_stdin += strcmp(pos[i], "-") == 0;
    if (n_stdin > 1) {
        slagg_cli_error("'-' (standard input) can be given only once");
        goto done;
    }
    for (size_t i = 0; i < n_pos; i++)
        if ((rc = slagg_cli_expand_input(&inputs, pos[i])) != 0) goto done;
    rc = 1;

    slagg_status st;
    if ((st = slagg_load_contracts(&tables, contracts, &err)) != SLAGG_OK ||
        (st = slagg_load_fees(&tables, OPT("fees"), &err)) != SLAGG_OK ||
        (st = slagg_load_maintenance(&tables, OPT("maintenance"), &err)) != SLAGG_OK ||
        (st = slagg_load_holidays(&tables, OPT("holidays"), &err)) != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        rc = slagg_status_exit_code(st);
        goto done;
    }

    prog.enabled = !OPT("quiet") && isatty(STDERR_FILENO);
    clock_gettime(CLOCK_MONOTONIC, &prog.t0);
    if (prog.enabled) {
        fo.progress = on_progress;
        fo.progress_ctx = &prog;
    }
    st = slagg_fold_logs(&tables, (const char *const *)inputs.v, inputs.n, &fo, &fleet, &rejects, &err);
    if (prog.printed) fputs("\r\033[K", stderr);
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        rc = slagg_status_exit_code(st);
        goto done;
    }
    if (OPT("rejects") && (rc = slagg_cli_write_rejects(OPT("rejects"), (const char *const *)inputs.v, &rejects)) != 0)
        goto done;
    rc = 1;
    if (slagg_cli_report_rejects((const char *const *)inputs.v, &rejects, fo.max_rejects,
                                 OPT("rejects") != NULL) != 0) {
        rc = 2;
        goto done;
    }
    st = slagg_write_outputs(out, &fleet, &tables, 1, &report, &err);
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        rc = slagg_status_exit_code(st);
        goto done;
    }
    if (!OPT("quiet")) print_result(out, &fleet, &report, inputs.n);
    rc = 0;
#undef OPT
done:
    slagg_report_free(&report);
    slagg_rejects_free(&rejects);
    slagg_fleet_free(&fleet);
    slagg_tables_free(&tables);
    slagg_path_list_free(&inputs);
    slagg_free(pos);
    return rc;
}

/*
 * cmd_fold.c - `slagg fold`, the main job (SPEC section 5).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
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

typedef struct path_list {
    char **v;
    size_t n, cap;
} path_list;

static int path_push(path_list *l, const char *s)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        char **p = slagg_reallocarray(l->v, nc, sizeof *p);
        if (!p) return -1;
        l->v = p;
        l->cap = nc;
    }
    if (!(l->v[l->n] = slagg_strndup(s, strlen(s)))) return -1;
    l->n++;
    return 0;
}

static void path_list_free(path_list *l)
{
    for (size_t i = 0; i < l->n; i++) slagg_free(l->v[i]);
    slagg_free(l->v);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Expands a directory into its regular, non-hidden files, sorted by name
 * (so the set of inputs, not readdir's order, decides what is read). */
static int expand_input(path_list *out, const char *path)
{
    struct stat sb;
    if (strcmp(path, "-") == 0) return path_push(out, path) ? 3 : 0;
    if (stat(path, &sb) != 0) {
        slagg_cli_error("%s: %s", path, strerror(errno));
        return 3;
    }
    if (!S_ISDIR(sb.st_mode)) return path_push(out, path) ? 3 : 0;
    DIR *d = opendir(path);
    if (!d) {
        slagg_cli_error("%s: %s", path, strerror(errno));
        return 3;
    }
    size_t first = out->n;
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *full = slagg_malloc(n);
        if (!full) {
            rc = 3;
            break;
        }
        snprintf(full, n, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", e->d_name);
        if (stat(full, &sb) == 0 && S_ISREG(sb.st_mode) && path_push(out, full)) rc = 3;
        slagg_free(full);
    }
    closedir(d);
    qsort(out->v + first, out->n - first, sizeof *out->v, str_cmp);
    if (!rc && out->n == first) {
        slagg_cli_error("%s: directory holds no input files", path);
        return 2;
    }
    return rc;
}

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

static int write_rejects(const char *path, const char *const *inputs, const slagg_rejects *rj)
{
    slagg_buf b = {0};
    slagg_err err = {0};
    slagg_buf_puts(&b, "file,line,reason\n");
    for (size_t i = 0; i < rj->n; i++) {
        const char *f = inputs[rj->rows[i].file];
        slagg_buf_csv_field(&b, f, strlen(f));
        slagg_buf_printf(&b, ",%llu,", (unsigned long long)rj->rows[i].line);
        slagg_buf_csv_field(&b, rj->rows[i].reason, strlen(rj->rows[i].reason));
        slagg_buf_put(&b, "\n", 1);
    }
    if (rj->total > rj->n)
        slagg_buf_printf(&b, ",,\"%llu more rejected rows not listed (at most --max-rejects + %d are kept per input)\"\n",
                         (unsigned long long)(rj->total - rj->n), SLAGG_REJECTS_KEEP);
    if (slagg_buf_failed(&b)) {
        slagg_buf_free(&b);
        slagg_cli_error("out of memory");
        return 3;
    }
    /* split path into dir + name for the atomic write */
    const char *slash = strrchr(path, '/');
    char *dir = slash ? slagg_strndup(path, (size_t)(slash - path) + (slash == path)) : slagg_strndup(".", 1);
    const char *name = slash ? slash + 1 : path;
    slagg_status st = dir ? slagg_write_atomic(dir, name, b.data, b.len, &err)
                          : slagg_err_set(&err, SLAGG_E_NOMEM, "out of memory");
    slagg_free(dir);
    slagg_buf_free(&b);
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        return slagg_status_exit_code(st);
    }
    return 0;
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
    path_list inputs = {0};
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
        if ((rc = expand_input(&inputs, pos[i])) != 0) goto done;
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
    if (OPT("rejects") && (rc = write_rejects(OPT("rejects"), (const char *const *)inputs.v, &rejects)) != 0)
        goto done;
    rc = 1;
    if (rejects.total > 0) {
        /* name the first few on stderr even when under the limit: nothing is
         * dropped silently */
        size_t show = rejects.n < 10 ? rejects.n : 10;
        for (size_t i = 0; i < show; i++)
            slagg_cli_error("%s:%llu: rejected: %s", inputs.v[rejects.rows[i].file],
                            (unsigned long long)rejects.rows[i].line, rejects.rows[i].reason);
        if (rejects.total > show)
            slagg_cli_error("... %llu rejected rows in all%s", (unsigned long long)rejects.total,
                            OPT("rejects") ? "" : " (--rejects FILE lists them)");
    }
    if (rejects.total > fo.max_rejects) {
        slagg_cli_error("%llu row%s rejected, more than --max-rejects %llu allows; no export written",
                        (unsigned long long)rejects.total, rejects.total == 1 ? "" : "s",
                        (unsigned long long)fo.max_rejects);
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
    path_list_free(&inputs);
    slagg_free(pos);
    return rc;
}

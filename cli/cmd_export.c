/*
 * cmd_export.c - `slagg export` and `slagg inspect`: the finance files again
 * from a compact summary, and what a summary holds.
 */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/fold_job.h"
#include "cli/generation.h"
#include "cli/metrics.h"
#include "cli/msg.h"
#include "cli/opts.h"
#include "cli/warnings.h"
#include "core/alloc.h"
#include "core/calendar.h"
#include "core/engine/job.h"
#include "core/exact.h"
#include "core/money.h"
#include "core/report.h"
#include "io/shard.h"
#include "core/report.h"
#include "io/buf.h"
#include "io/summary_file.h"
#include "io/text_table.h"
#include "io/timestamp.h"

static const char export_help[] =
    "Usage: slagg export --out DIR [--fees FILE] [--holidays FILE] [--gap MINUTES]\n"
    "                    [--strict[=KIND,...]] [--metrics FILE] [--no-wait] [--quiet] SUMMARY\n"
    "\n"
    "Writes finance.csv, finance.jsonl and summary.json into DIR again from a\n"
    "compact availability summary (DIR/availability.slagg of a fold), without\n"
    "the raw records. Fees and holidays default to the tables the summary holds;\n"
    "pass new files to recompute credits and claim windows. DIR gets one whole\n"
    "generation, as from a fold: the three files, a new availability.slagg\n"
    "holding the fees and holidays used, and manifest.json. It prints the\n"
    "totals before (the summary as folded, with its own tables) and after (the\n"
    "tables used now), and how many periods changed.\n"
    "\n"
    "Options:\n"
    "  --out DIR          output directory (created when missing)\n"
    "  --summary FILE     the compact summary (or give it as the argument)\n"
    "  --fees FILE        account,period_start,fee,voucher_paid\n"
    "  --holidays FILE    date,kind (holiday | workday)\n"
    "  --gap MINUTES      gaps in summary.json from this threshold (default: the\n"
    "                     fold's --gap, kept in the summary)\n"
    "  --strict[=KIND,...] warnings (or those kinds) fail the export: exit 2,\n"
    "                     nothing written (kinds as 'slagg fold --help')\n"
    "  --metrics FILE     the run's figures for Prometheus (node_exporter's textfile\n"
    "                     collector), written atomically, also for a failed run\n"
    "                     (slagg_run_success 0); not inside DIR (docs/FORMAT.md)\n"
    "  --no-wait          when another run is writing DIR, fail at once (exit 3)\n"
    "  --quiet            print nothing on success (errors and warnings still shown)\n"
    "  -h, --help         this help\n"
    "\n"
    "summary.json shows the fold's coverage as stored; the fee warnings\n"
    "(no_fee, unmatched_fee) are recomputed with the fees used. A summary of\n"
    "format 1.0 holds no coverage: \"coverage\" is null and a coverage_unknown\n"
    "warning says so.\n"
    "\n"
    "Example:\n"
    "  slagg export --out out-v2 --fees fees-corrected.csv out/availability.slagg\n"
    "\n"
    "Exit codes: 0 success, 1 usage error, 2 input error (a bad or corrupt summary\n"
    "or table, --strict warnings), 3 internal or I/O error. A failed run changes\n"
    "nothing in DIR.\n";

static const char inspect_help[] =
    "Usage: slagg inspect [--periods] [--blocks] [--tz +HH:MM] FILE\n"
    "\n"
    "Checks a shard or a compact availability summary (checksums, and every\n"
    "record decoded and validated) and prints what it holds. Exit 0 when\n"
    "intact, 2 when corrupt. Times are at the service offset: a summary's\n"
    "own, or for a shard --tz (default +08:00, as 'slagg cat').\n"
    "\n"
    "Options:\n"
    "  --periods    summary: also list every period (as the export: sorted by\n"
    "               account then start, names whole) with availability, tier\n"
    "               and state\n"
    "  --blocks     shard: also list every block (records, time range, sizes)\n"
    "  --tz +HH:MM  shard: the offset of its times (default +08:00)\n"
    "  -h, --help   this help\n"
    "\n"
    "Example:\n"
    "  slagg inspect --periods out/availability.slagg\n"
    "  slagg inspect --blocks shards/gw-01.shard\n"
    "\n"
    "Exit codes: 0 intact, 1 usage error, 2 corrupt or missing file, 3 internal\n"
    "or I/O error.\n";

/* Verifies every block of a shard and prints its layout, times at offset
 * tz (seconds east of UTC; SPEC 5 "times at the service offset", like
 * `slagg cat --tz`). */
static int inspect_shard(const char *path, int list_blocks, int32_t tz)
{
    slagg_shard *sh;
    slagg_err err = {0};
    slagg_status st = slagg_shard_open(path, &sh, &err);
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        return slagg_status_exit_code(st);
    }
    size_t nb = slagg_shard_block_count(sh);
    uint64_t comp = 0, raw = 0;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    slagg_shard_block blk;
    memset(&blk, 0, sizeof blk);
    for (size_t i = 0; i < nb; i++) {
        const slagg_shard_block_info *b = slagg_shard_block_at(sh, i);
        comp += b->comp_size;
        raw += b->raw_size;
        if (b->min_ts_ms < lo) lo = b->min_ts_ms;
        if (b->max_ts_ms > hi) hi = b->max_ts_ms;
    }
    printf("%s: slagg shard, format %u.%u\n", path, slagg_shard_version_major(sh), slagg_shard_version_minor(sh));
    printf("  records %llu, blocks %zu, accounts %u\n", (unsigned long long)slagg_shard_records(sh), nb,
           slagg_shard_account_count(sh));
    uint64_t fsz = slagg_shard_file_size(sh);
    printf("  file %llu bytes (%.2f bytes/record): blocks %llu compressed from %llu, footer %llu\n",
           (unsigned long long)fsz,
           slagg_shard_records(sh) ? (double)fsz / (double)slagg_shard_records(sh) : 0.0,
           (unsigned long long)comp, (unsigned long long)raw,
           (unsigned long long)slagg_shard_footer_size(sh));
    if (nb) {
        char a[40], b[40];
        slagg_format_rfc3339(lo, tz, a);
        slagg_format_rfc3339(hi, tz, b);
        printf("  time range %s .. %s\n", a, b);
    }
    if (list_blocks) printf("  %6s %12s %9s %9s  %-29s %-29s\n", "block", "offset", "records", "bytes", "first", "last");
    for (size_t i = 0; i < nb && st == SLAGG_OK; i++) {
        st = slagg_shard_read_block(sh, i, &blk, &err);
        if (st != SLAGG_OK || !list_blocks) continue;
        const slagg_shard_block_info *b = slagg_shard_block_at(sh, i);
        char x[40], y[40];
        slagg_format_rfc3339(b->min_ts_ms, tz, x);
        slagg_format_rfc3339(b->max_ts_ms, tz, y);
        printf("  %6zu %12llu %9u %9u  %-29s %-29s\n", i, (unsigned long long)b->offset, b->records,
               b->comp_size, x, y);
    }
    slagg_shard_block_free(&blk);
    slagg_shard_close(sh);
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        return slagg_status_exit_code(st);
    }
    printf("  checksums: all %zu blocks verified, intact\n", nb);
    return 0;
}

/* `inspect --periods`: the export's rows (slagg_report_build, so in the
 * export's order: account bytewise, then period_start), each account
 * whole and the columns aligned by display width (io/text_table.h). */
static slagg_status inspect_periods(const slagg_fleet *f, const slagg_tables *t, slagg_err *err)
{
    static const char *const head[] = {"account", "start", "end", "days", "valid", "errors",
                                       "avail%", "tier", "state"};
    slagg_report r;
    slagg_status st = slagg_report_build(f, t, &r, err);
    if (st != SLAGG_OK) return st;
    slagg_text_table tb;
    slagg_text_table_init(&tb, 9, head, "lllrrrrrl");
    for (size_t i = 0; i < r.n_rows; i++) {
        const slagg_row *row = &r.rows[i];
        const slagg_period_agg *p = row->p;
        char s[11], e[11], days[24], valid[24], errs[24], avail[16], tier[8];
        slagg_format_date(p->span.start, s);
        slagg_format_date(p->span.end, e);
        snprintf(days, sizeof days, "%lld", (long long)row->days);
        snprintf(valid, sizeof valid, "%llu", (unsigned long long)row->valid);
        snprintf(errs, sizeof errs, "%llu", (unsigned long long)row->errors);
        slagg_format_availability(row->unavail_ppm, avail);
        snprintf(tier, sizeof tier, "%d", row->tier_pct);
        const char *cells[9] = {f->accounts[p->account], s, e, days, valid, errs, avail, tier,
                                slagg_state_name(row->state)};
        size_t lens[9];
        for (int k = 0; k < 9; k++) lens[k] = strlen(cells[k]);
        lens[0] = f->account_len[p->account];
        slagg_text_table_add(&tb, cells, lens);
    }
    slagg_buf b = {0};
    slagg_text_table_format(&tb, "  ", &b);
    slagg_text_table_free(&tb);
    slagg_report_free(&r);
    if (slagg_buf_failed(&b)) st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    else if (b.len && fwrite(b.data, 1, b.len, stdout) != b.len)
        st = slagg_err_set(err, SLAGG_E_IO, "cannot write to stdout");
    slagg_buf_free(&b);
    return st;
}

/* "final 1, in_progress 0, no_fee 1; tiers 0% 1, 10% 1, 25% 0, 50% 0;
 * total credit 0.00 CNY" */
static void print_totals(const char *label, const slagg_report *r, const slagg_tables *t)
{
    char total[SLAGG_MONEY_TOTAL_CHARS];
    slagg_money_format_total(r->total_credit, total);
    printf("  %-7s final %llu, in_progress %llu, no_fee %llu; tiers 0%% %llu, 10%% %llu, 25%% %llu, 50%% %llu; "
           "total credit %s CNY (%s%s, %s%s)\n",
           label, (unsigned long long)r->periods[SLAGG_STATE_FINAL],
           (unsigned long long)r->periods[SLAGG_STATE_IN_PROGRESS], (unsigned long long)r->periods[SLAGG_STATE_NO_FEE],
           (unsigned long long)r->tiers[0], (unsigned long long)r->tiers[1], (unsigned long long)r->tiers[2],
           (unsigned long long)r->tiers[3], total, t->fees_path ? "fees " : "no fees file",
           t->fees_path ? t->fees_path : "", t->holidays_path ? "holidays " : "no holidays file",
           t->holidays_path ? t->holidays_path : "");
}

/* Issue 15: what the export changed against the summary as folded: the
 * totals before (the fleet under the summary's own fees and holidays) and
 * after (the tables this export used), the periods whose fee, credit or
 * state differ, those whose claim window moved, and the change of the
 * total credit. Both reports are over the same fleet, row for row. */
static int print_before_after(const slagg_fold *job, const char *out)
{
    const slagg_fleet *f = slagg_fold_fleet(job);
    const slagg_report *after = slagg_fold_report(job);
    const slagg_tables *stored = slagg_fold_stored_tables(job);
    slagg_report before = {0};
    slagg_err err = {0};
    if (!f || !after || !stored) return 0;
    if (slagg_report_build(f, stored, &before, &err) != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        return slagg_status_exit_code(err.code);
    }
    uint64_t credit = 0, claim = 0;
    for (size_t i = 0; i < after->n_rows && i < before.n_rows; i++) {
        const slagg_row *a = &after->rows[i], *b = &before.rows[i];
        credit += a->state != b->state || a->has_fee != b->has_fee || a->fee != b->fee ||
                  a->voucher_paid != b->voucher_paid || a->has_credit != b->has_credit || a->credit != b->credit ||
                  a->capped != b->capped;
        claim += a->claim_opens != b->claim_opens || a->claim_deadline != b->claim_deadline;
    }
    int up = after->total_credit >= before.total_credit;
    char diff[SLAGG_MONEY_TOTAL_CHARS];
    slagg_money_format_total(up ? after->total_credit - before.total_credit : before.total_credit - after->total_credit,
                             diff);
    printf("slagg export: %llu periods written to %s\n", (unsigned long long)after->n_rows, out);
    print_totals("before:", &before, stored);
    print_totals("after:", after, slagg_fold_tables(job));
    printf("  changed: %llu period%s with another fee, credit or state, %llu with another claim window; "
           "total credit %s%s CNY\n",
           (unsigned long long)credit, credit == 1 ? "" : "s", (unsigned long long)claim, up ? "+" : "-", diff);
    printf("  wrote %s/finance.csv, finance.jsonl, summary.json, availability.slagg, manifest.json\n", out);
    slagg_report_free(&before);
    return 0;
}

int slagg_cmd_export(int argc, char **argv)
{
    slagg_opt opts[] = {{"out", 1, NULL, 0},      {"summary", 1, NULL, 0}, {"fees", 1, NULL, 0},
                        {"holidays", 1, NULL, 0}, {"help", 0, NULL, 'h'},  {"no-wait", 0, NULL, 0},
                        {"gap", 1, NULL, 0},      {"strict", 2, NULL, 0},  {"metrics", 1, NULL, 0},
                        {"quiet", 0, NULL, 'q'}};
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char *pos[1];
    size_t n_pos;
    slagg_cli_metrics met;
    slagg_cli_metrics_start(&met, "export");
    if (slagg_opts_parse("export", argc, argv, opts, n_opts, pos, 1, &n_pos) != 0) return 1;
    if (slagg_opt_get(opts, n_opts, "help")) {
        fputs(export_help, stdout);
        return 0;
    }
    const char *out = slagg_opt_get(opts, n_opts, "out");
    const char *sum = slagg_opt_get(opts, n_opts, "summary");
    const char *metrics = slagg_opt_get(opts, n_opts, "metrics");
    int quiet = slagg_opt_get(opts, n_opts, "quiet") != NULL;
    if (n_pos) {
        if (sum) {
            slagg_cli_error("give the summary once, as --summary or as the argument");
            return 1;
        }
        sum = pos[0];
    }
    if (!out || !sum) {
        slagg_cli_error("export needs %s%s%s (see 'slagg export --help')", out ? "" : "--out DIR",
                        !out && !sum ? " and " : "", sum ? "" : "a SUMMARY file");
        return 1;
    }
    uint32_t gap = 0, strict = 0;
    const char *gap_s = slagg_opt_get(opts, n_opts, "gap"), *strict_s = slagg_opt_get(opts, n_opts, "strict");
    if ((gap_s && slagg_cli_parse_gap(gap_s, &gap) != 0) ||
        (strict_s && slagg_cli_parse_strict(strict_s, &strict) != 0))
        return 1;
    const char *tables[4] = {NULL, slagg_opt_get(opts, n_opts, "fees"), NULL, slagg_opt_get(opts, n_opts, "holidays")};
    if (slagg_cli_check_out_path("--metrics", metrics, out, &sum, 1, tables, NULL, 0) != 0) return 1;
    slagg_cli_gen gen;
    slagg_fold *job = slagg_fold_new();
    if (!job) {
        slagg_cli_error("out of memory");
        return 3;
    }
    met.path = metrics;   /* from here on, every end of the run writes it */
    slagg_cli_gen_init(&gen, job);
    /* the job: the summary's fleet, new fees or holidays replacing the
     * stored ones, a new threshold for the gaps (the stored intervals give
     * any), --strict; all five files, the new availability.slagg holding
     * the tables this export used */
    slagg_status st = slagg_fold_set_summary(job, sum);
    if (st == SLAGG_OK) st = slagg_fold_set_table(job, SLAGG_TABLE_FEES, tables[1]);
    if (st == SLAGG_OK) st = slagg_fold_set_table(job, SLAGG_TABLE_HOLIDAYS, tables[3]);
    if (st == SLAGG_OK) st = slagg_fold_set_gap(job, gap);
    if (st == SLAGG_OK && strict_s) st = slagg_fold_set_strict(job, strict);
    int rc = st != SLAGG_OK ? slagg_cli_job_error(job, st) : 0;
    /* DIR's lock before reading anything (SPEC 4) */
    if (!rc) rc = slagg_cli_job_lock(job, out, slagg_opt_get(opts, n_opts, "no-wait") != NULL, quiet);
    if (!rc) {
        st = slagg_fold_run(job);
        slagg_cli_print_warnings(job);
        if (st == SLAGG_OK) st = slagg_fold_write(job, out);
        if (st != SLAGG_OK) rc = slagg_cli_job_error(job, st);
        else if (!quiet) rc = print_before_after(job, out);
    }
    rc = slagg_cli_metrics_finish(&met, job, rc);
    slagg_fold_free(job);
    return rc;
}

int slagg_cmd_inspect(int argc, char **argv)
{
    slagg_opt opts[] = {{"periods", 0, NULL, 0}, {"blocks", 0, NULL, 0}, {"tz", 1, NULL, 0},
                        {"help", 0, NULL, 'h'}};
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char *pos[1];
    size_t n_pos;
    if (slagg_opts_parse("inspect", argc, argv, opts, n_opts, pos, 1, &n_pos) != 0) return 1;
    if (slagg_opt_get(opts, n_opts, "help")) {
        fputs(inspect_help, stdout);
        return 0;
    }
    if (n_pos != 1) {
        slagg_cli_error("inspect needs one FILE (see 'slagg inspect --help')");
        return 1;
    }
    const char *tzs = slagg_opt_get(opts, n_opts, "tz");
    int32_t shard_tz;
    if (!tzs) tzs = "+08:00";
    if (slagg_parse_tz(tzs, strlen(tzs), &shard_tz) != 0) {
        slagg_cli_error("--tz '%s' is not an offset like +08:00", tzs);
        return 1;
    }
    if (slagg_is_shard(pos[0]))
        return inspect_shard(pos[0], slagg_opt_get(opts, n_opts, "blocks") != NULL, shard_tz);
    slagg_fleet f;
    slagg_tables t;
    slagg_err err = {0};
    slagg_status st = slagg_summary_read(pos[0], &f, &t, &err);
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        return slagg_status_exit_code(st);
    }
    char day[11], tz[8];
    slagg_format_date(f.through, day);
    slagg_format_tz(f.tz_s, tz);
    printf("%s: slagg compact availability summary, format %d.%u, intact\n", pos[0],
           SLAGG_SUMMARY_MAJOR, f.format_minor);
    printf("  tz %s, through %s\n", tz, day);
    printf("  records_read %llu, rejected %llu, uncontracted %llu, after_through %llu\n",
           (unsigned long long)f.records_read, (unsigned long long)f.rejected,
           (unsigned long long)f.uncontracted, (unsigned long long)f.after_through);
    if (f.has_from) {
        char from[11];
        slagg_format_date(f.from, from);
        printf("  from %s, before_from %llu\n", from, (unsigned long long)f.before_from);
    }
    printf("  accounts %u, periods %zu, windows with errors %zu\n", f.n_accounts, f.n_periods, f.n_win);
    printf("  fee rows %zu (%s), holidays %zu, make-up workdays %zu, late maintenance %zu\n",
           t.n_fees, t.fees_path ? t.fees_path : "no fee file", t.n_holidays, t.n_workdays, f.n_late);
    if (!f.cov.known) {
        printf("  coverage: not recorded (format 1.0)\n");
    } else {
        int64_t *gaps = NULL;
        size_t ng = 0;
        if (slagg_coverage_gaps(&f, f.cov.gap_min, &gaps, &ng) != 0) {
            slagg_cli_error("out of memory");
            st = SLAGG_E_NOMEM;
        }
        char x[40] = "none", y[40] = "none";
        if (f.cov.has_record) {
            slagg_format_rfc3339(f.cov.first_ms, f.tz_s, x);
            slagg_format_rfc3339(f.cov.last_ms, f.tz_s, y);
        }
        printf("  coverage: records %s .. %s, %zu gap%s of %u min or more, %zu uncontracted account%s\n", x, y,
               ng, ng == 1 ? "" : "s", f.cov.gap_min, f.cov.n_unc, f.cov.n_unc == 1 ? "" : "s");
        slagg_free(gaps);
    }
    if (st == SLAGG_OK && slagg_opt_get(opts, n_opts, "periods")) st = inspect_periods(&f, &t, &err);
    if (st != SLAGG_OK && err.msg[0]) slagg_cli_error("%s", err.msg);
    slagg_fleet_free(&f);
    slagg_tables_free(&t);
    return slagg_status_exit_code(st);
}

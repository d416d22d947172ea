/*
 * test_metrics.c - `--metrics FILE` of fold, merge and export (issue 15;
 * docs/FORMAT.md "The metrics file"): the Prometheus text format for
 * node_exporter's textfile collector, written atomically after the
 * commit, checked with `promtool check metrics` (Debian's `prometheus`
 * package, which ./run test installs).
 *
 * The fleet (--through 2026-03-31, --max-rejects 1):
 *   a        2026-03-01..03-31, fee 1000.00: 24 fully failed windows on
 *            03-02 (10:00Z..11:55Z): A% = 100 - 2400/8928 = 99.73118...
 *            -> 99.7311, tier 10, credit 100.00 (cap 500.00).
 *   b"x\y    open from 2026-03-01 (period 03-01..03-31, final), no fee:
 *            one ok, one 503 maintenance (excluded, valid), one status 0
 *            without cause (not_received): 100.0000, tier 0, credit 0.00.
 *            Its name needs the format's label escapes (\" and \\).
 *   z        one record, no contract: uncontracted.
 *   one record at 2026-04-01T00:00+08:00: after_through; one bad ts: rejected.
 *   records_read = 24 + 3 + 1 + 1 + 1 = 30.
 *   Warnings: gap 2 ([03-01 00:00, 03-02 18:00) and [03-02 20:00,
 *   04-01 00:00), service time), uncontracted 1 (z).
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CONTRACTS "account,start,end\na,2026-03-01,2026-03-31\n\"b\"\"x\\y\",2026-03-01,\n"
#define FEES "account,period_start,fee,voucher_paid\na,2026-03-01,1000.00,0.00\n"

static void fixture(const char *d)
{
    h_buf b = {0};
    h_buf_printf(&b, "ts,account,status,cause\n");
    for (int i = 0; i < 24; i++) h_buf_printf(&b, "2026-03-02T%02d:%02d:00Z,a,500,\n", 10 + i / 12, i % 12 * 5);
    h_buf_printf(&b, "2026-03-02T10:00:00Z,\"b\"\"x\\y\",200,\n");
    h_buf_printf(&b, "2026-03-02T10:01:00Z,\"b\"\"x\\y\",503,maintenance\n");
    h_buf_printf(&b, "2026-03-02T10:02:00Z,\"b\"\"x\\y\",0,\n");
    h_buf_printf(&b, "2026-03-02T10:03:00Z,z,200,\n");
    h_buf_printf(&b, "2026-03-31T16:00:00Z,a,200,\n");
    h_buf_printf(&b, "not-a-time,a,200,\n");
    h_write_bytes(d, "r.csv", b.data, b.len);
    h_buf_free(&b);
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "f.csv", FEES);
}

/* The run's own metrics; DUR and END stand for the two clock values,
 * which run_lines() checks and masks. */
#define RUN_LINES(cmd, ok, code)                                                                           \
    "# HELP slagg_run_success 1 when the last run committed its generation, 0 when it failed (DIR unchanged).\n" \
    "# TYPE slagg_run_success gauge\n"                                                                     \
    "slagg_run_success{command=\"" cmd "\"} " ok "\n"                                                      \
    "# HELP slagg_run_exit_code Exit code of the last run: 0 success, 1 usage, 2 input, 3 internal or I/O error.\n" \
    "# TYPE slagg_run_exit_code gauge\n"                                                                   \
    "slagg_run_exit_code{command=\"" cmd "\"} " code "\n"                                                  \
    "# HELP slagg_run_duration_seconds Wall-clock duration of the last run, from its start to its commit.\n" \
    "# TYPE slagg_run_duration_seconds gauge\n"                                                            \
    "slagg_run_duration_seconds{command=\"" cmd "\"} DUR\n"                                                \
    "# HELP slagg_last_run_timestamp_seconds Unix time at the end of the last run.\n"                      \
    "# TYPE slagg_last_run_timestamp_seconds gauge\n"                                                      \
    "slagg_last_run_timestamp_seconds{command=\"" cmd "\"} END\n"

#define CLASS(c, n) "slagg_records{class=\"" c "\"} " n "\n"
#define PER(t, s, n) "slagg_periods{tier=\"" t "\",state=\"" s "\"} " n "\n"
#define WARN(k, n) "slagg_warnings{kind=\"" k "\"} " n "\n"

#define FLEET_LINES(credit)                                                                                \
    "# HELP slagg_records_read Request records read by the last run (summary.json records_read).\n"        \
    "# TYPE slagg_records_read gauge\n"                                                                    \
    "slagg_records_read 30\n"                                                                              \
    "# HELP slagg_records Request records of the last run by class (summary.json); they add up to slagg_records_read.\n" \
    "# TYPE slagg_records gauge\n"                                                                         \
    CLASS("ok", "1") CLASS("error", "24") CLASS("lost_provider", "0") CLASS("not_received", "1")          \
    CLASS("excluded_maintenance", "1") CLASS("excluded_attack", "0") CLASS("excluded_content_ban", "0")    \
    CLASS("excluded_external", "0") CLASS("excluded_client", "0") CLASS("uncontracted", "1")               \
    CLASS("before_from", "0") CLASS("after_through", "1") CLASS("rejected", "1")                           \
    "# HELP slagg_accounts Distinct accounts in the finance export.\n"                                     \
    "# TYPE slagg_accounts gauge\n"                                                                        \
    "slagg_accounts 2\n"                                                                                   \
    "# HELP slagg_periods Periods in the finance export by credit tier (percent of the fee) and state.\n"  \
    "# TYPE slagg_periods gauge\n"                                                                         \
    PER("0", "final", "1") PER("0", "in_progress", "0") PER("0", "no_fee", "0")                            \
    PER("10", "final", "1") PER("10", "in_progress", "0") PER("10", "no_fee", "0")                         \
    PER("25", "final", "0") PER("25", "in_progress", "0") PER("25", "no_fee", "0")                         \
    PER("50", "final", "0") PER("50", "in_progress", "0") PER("50", "no_fee", "0")                         \
    "# HELP slagg_total_credit_cny Total credit of the export in CNY, as summary.json total_credit (exact text; finance reads finance.csv).\n" \
    "# TYPE slagg_total_credit_cny gauge\n"                                                                \
    "slagg_total_credit_cny " credit "\n"                                                                  \
    "# HELP slagg_warnings Warnings of the last run by kind (summary.json warnings).\n"                    \
    "# TYPE slagg_warnings gauge\n"                                                                        \
    WARN("coverage_unknown", "0") WARN("gap", "2") WARN("late_notice", "0") WARN("no_fee", "0")            \
    WARN("no_records", "0") WARN("uncontracted", "1") WARN("unmatched_fee", "0")                           \
    "# HELP slagg_period_availability_percent Availability of each period in percent, truncated to 4 decimals as in finance.csv (in_progress: month to date).\n" \
    "# TYPE slagg_period_availability_percent gauge\n"                                                     \
    "slagg_period_availability_percent{account=\"a\",period_start=\"2026-03-01\"} 99.7311\n"               \
    "slagg_period_availability_percent{account=\"b\\\"x\\\\y\",period_start=\"2026-03-01\"} 100.0000\n"

/* dir/name with the values of the duration and end-time lines checked
 * (a duration of 0 to 300 s, an end within a minute of now) and replaced
 * by DUR and END; malloc'd. */
static char *masked(const char *dir, const char *name)
{
    char *text = h_read_in(dir, name, NULL);
    h_buf b = {0};
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        cr_assert_not_null(nl, "%s: the last line has no newline", name);
        *nl = '\0';
        char *sp = strrchr(line, ' ');
        if (line[0] != '#' && sp && strncmp(line, "slagg_run_duration_seconds{", 27) == 0) {
            double v = strtod(sp + 1, NULL);
            cr_assert(v >= 0 && v < 300, "duration %s", sp + 1);
            h_buf_printf(&b, "%.*s DUR\n", (int)(sp - line), line);
        } else if (line[0] != '#' && sp && strncmp(line, "slagg_last_run_timestamp_seconds{", 33) == 0) {
            double v = strtod(sp + 1, NULL), now = (double)time(NULL);
            cr_assert(v > now - 60 && v < now + 60, "end time %s, now %.0f", sp + 1, now);
            h_buf_printf(&b, "%.*s END\n", (int)(sp - line), line);
        } else {
            h_buf_printf(&b, "%s\n", line);
        }
        line = nl + 1;
    }
    free(text);
    h_buf_append(&b, "", 1);
    return b.data;
}

/* promtool check metrics < dir/name, when promtool is installed (./run
 * test installs it); says so plainly when it is not. */
static void promtool_check(const char *dir, const char *name)
{
    if (access("/usr/bin/promtool", X_OK) != 0) {
        cr_log_warn("promtool missing (Debian package 'prometheus'; ./run test installs it): %s not checked by it", name);
        return;
    }
    char *cmd = h_fmt("/usr/bin/promtool check metrics < %s", name);
    h_result r = h_exec(dir, (const char *const[]){"/bin/sh", "-c", cmd, NULL});
    cr_assert_eq(r.code, 0, "promtool check metrics %s: exit %d\n%s%s", name, r.code, r.out, r.err);
    h_result_free(&r);
    free(cmd);
}

#define FOLD_ARGS "--out", "out", "--contracts", "c.csv", "--fees", "f.csv", "--through", "2026-03-31"

Test(metrics, fold_writes_every_figure_exactly)
{
    char *d = h_tmpdir();
    fixture(d);
    h_result r = h_slagg(d, NULL, "fold", FOLD_ARGS, "--max-rejects", "1", "--metrics", "m.prom", "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    char *got = masked(d, "m.prom");
    cr_assert_str_eq(got, RUN_LINES("fold", "1", "0") FLEET_LINES("100.00"));
    free(got);
    promtool_check(d, "m.prom");
    /* the metrics file is not part of the generation (SPEC 4) */
    char *man = h_read_in(d, "out/manifest.json", NULL);
    cr_assert(!h_contains(man, "m.prom"), "%s", man);
    free(man);
    free(h_assert_generation(d, "out"));
    h_rmtree(d);
}

/* A failed run writes slagg_run_success 0 and its exit code, and no fleet
 * figures (it made none; DIR keeps the last good generation). */
Test(metrics, failed_run_writes_success_0)
{
    char *d = h_tmpdir();
    fixture(d);
    h_result r = h_slagg(d, NULL, "fold", FOLD_ARGS, "--max-rejects", "1", "--metrics", "m.prom", "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    char *before = h_read_in(d, "out/finance.csv", NULL);
    /* the same fold without --max-rejects: the bad row fails it (exit 2) */
    r = h_slagg(d, NULL, "fold", FOLD_ARGS, "--metrics", "m.prom", "r.csv", NULL);
    h_assert_code(r, 2);
    h_result_free(&r);
    char *got = masked(d, "m.prom");
    cr_assert_str_eq(got, RUN_LINES("fold", "0", "2"));
    free(got);
    promtool_check(d, "m.prom");
    char *after = h_read_in(d, "out/finance.csv", NULL);
    cr_assert_str_eq(before, after, "a failed run changed the export");
    free(before);
    free(after);
    /* a missing input (exit 2 since issue 15) fails the same way */
    r = h_slagg(d, NULL, "fold", FOLD_ARGS, "--metrics", "m.prom", "nope.csv", NULL);
    h_assert_code(r, 2);
    h_result_free(&r);
    got = masked(d, "m.prom");
    cr_assert_str_eq(got, RUN_LINES("fold", "0", "2"));
    free(got);
    h_rmtree(d);
}

/* --metrics is refused (exit 1, nothing written) inside DIR, on an input,
 * on a table and on the --rejects file: the --rejects path check. */
Test(metrics, path_inside_dir_or_an_input_is_refused)
{
    char *d = h_tmpdir();
    fixture(d);
    static const char *const cases[][2] = {
        {"out/m.prom", "slagg: --metrics out/m.prom is inside the output directory out, which holds only the "
                       "generations of the outputs: give a path outside it; nothing done\n"},
        {"r.csv", "slagg: --metrics r.csv is the input r.csv: writing it would destroy it; nothing done\n"},
        {"./c.csv", "slagg: --metrics ./c.csv is the --contracts table c.csv: writing it would destroy it; nothing done\n"},
        {"rj.csv", "slagg: --metrics rj.csv is the output rj.csv; nothing done\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        h_result r = h_slagg(d, NULL, "fold", FOLD_ARGS, "--max-rejects", "1", "--rejects", "rj.csv", "--metrics",
                             cases[i][0], "r.csv", NULL);
        h_assert_code(r, 1);
        cr_assert_str_eq(r.err, cases[i][1]);
        h_result_free(&r);
    }
    cr_assert(h_missing(d, "out"), "a refused run wrote out/");
    cr_assert(h_missing(d, "rj.csv"));
    char *rec = h_read_in(d, "r.csv", NULL);
    cr_assert(h_contains(rec, "ts,account,status,cause\n"), "the input was overwritten");
    free(rec);
    /* --partial writes no export, so no metrics either */
    h_result r = h_slagg(d, NULL, "fold", "--partial", "p.part", "--contracts", "c.csv", "--metrics", "m.prom",
                         "r.csv", NULL);
    h_assert_code(r, 1);
    cr_assert_str_eq(r.err, "slagg: --metrics goes to 'slagg merge' (a partial is not the export), not with --partial\n");
    h_result_free(&r);
    cr_assert(h_missing(d, "m.prom"));
    h_rmtree(d);
}

/* export and merge write the same metrics, labelled with their command:
 * export with new fees (a: 2000.00 -> credit 200.00), merge of one
 * partial (the fold's figures). */
Test(metrics, export_and_merge)
{
    char *d = h_tmpdir();
    fixture(d);
    h_write(d, "f2.csv", "account,period_start,fee,voucher_paid\na,2026-03-01,2000.00,0.00\n");
    h_result r = h_slagg(d, NULL, "fold", "--quiet", FOLD_ARGS, "--max-rejects", "1", "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "export", "--quiet", "--out", "out2", "--fees", "f2.csv", "--metrics", "e.prom",
                "out/availability.slagg", NULL);
    h_assert_code(r, 0);
    cr_assert_str_eq(r.out, "", "--quiet: nothing on success");
    h_result_free(&r);
    char *got = masked(d, "e.prom");
    cr_assert_str_eq(got, RUN_LINES("export", "1", "0") FLEET_LINES("200.00"));
    free(got);
    promtool_check(d, "e.prom");
    /* export's --metrics may not be its summary */
    r = h_slagg(d, NULL, "export", "--out", "out3", "--metrics", "out/availability.slagg", "out/availability.slagg",
                NULL);
    h_assert_code(r, 1);
    cr_assert(h_contains(r.err, "--metrics out/availability.slagg is "), "%s", r.err);
    h_result_free(&r);

    r = h_slagg(d, NULL, "fold", "--quiet", "--partial", "p.part", "--contracts", "c.csv", "--fees", "f.csv",
                "--through", "2026-03-31", "--max-rejects", "1", "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "merge", "--quiet", "--out", "m", "--metrics", "g.prom", "p.part", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    got = masked(d, "g.prom");
    cr_assert_str_eq(got, RUN_LINES("merge", "1", "0") FLEET_LINES("100.00"));
    free(got);
    h_rmtree(d);
}

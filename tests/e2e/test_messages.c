/*
 * test_messages.c - messages that teach (issue 15): each message the
 * issue lists, exactly, with its exit code; export's before/after totals;
 * `slagg help CMD`; --quiet; one usage style for every command.
 *
 * The fleet: a 2026-03-01..03-31 with 24 fully failed windows on 03-02
 * (A% = 100 - 2400/8928 -> 99.7311, tier 10) and b (same period, one ok
 * record: 100.0000, tier 0), --through 2026-03-31. Fees f.csv: a
 * 1000.00 -> credit 100.00; f2.csv: a 2000.00 -> 200.00, b 50.00 (tier 0:
 * credit 0.00, but its fee changes).
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define CONTRACTS "account,start,end\na,2026-03-01,2026-03-31\nb,2026-03-01,2026-03-31\n"

static void fleet(const char *d)
{
    h_buf b = {0};
    h_buf_printf(&b, "ts,account,status\n");
    for (int i = 0; i < 24; i++) h_buf_printf(&b, "2026-03-02T%02d:%02d:00Z,a,500\n", 10 + i / 12, i % 12 * 5);
    h_buf_printf(&b, "2026-03-02T10:00:00Z,b,200\n");
    h_write_bytes(d, "r.csv", b.data, b.len);
    h_buf_free(&b);
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "f.csv", "account,period_start,fee,voucher_paid\na,2026-03-01,1000.00,0.00\n");
    h_write(d, "f2.csv", "account,period_start,fee,voucher_paid\na,2026-03-01,2000.00,0.00\nb,2026-03-01,50.00,0.00\n");
}

/* Runs slagg in d and asserts its exit code and its whole stderr. */
static void expect(const char *d, int code, const char *err, const char *const *args)
{
    h_result r = h_run(d, NULL, 0, args);
    cr_assert_eq(r.code, code, "%s: exit %d, expected %d; stderr:\n%s", args[0], r.code, code, r.err);
    cr_assert_str_eq(r.err, err);
    h_result_free(&r);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define FOLD "fold", "--out", "out", "--contracts", "c.csv", "--through", "2026-03-31"

/* "a wrong column says missing column 'ts' but not the header it found" */
Test(messages, missing_column_names_the_header_found)
{
    char *d = h_tmpdir();
    fleet(d);
    h_write(d, "w.csv", "time,account,status\n2026-03-02T10:00:00Z,a,200\n");
    expect(d, 2,
           "slagg: w.csv:1: missing column 'ts' (or 'ts_ms') (found: time,account,status; want ts or ts_ms, "
           "account, status, optional cause)\n",
           ARGS(FOLD, "w.csv"));
    h_write(d, "f3.csv", "acct,period_start,fee,voucher_paid\n");
    expect(d, 2,
           "slagg: f3.csv:1: missing column 'account' in the header (found: acct,period_start,fee,voucher_paid; "
           "want account, period_start, fee, voucher_paid)\n",
           ARGS(FOLD, "--fees", "f3.csv", "r.csv"));
    h_assert_no_outputs(d, "out");
    h_rmtree(d);
}

/* "a fold without --contracts lists all required options instead of the
 * missing one" */
Test(messages, fold_names_the_missing_option)
{
    char *d = h_tmpdir();
    fleet(d);
    expect(d, 1, "slagg: fold needs --contracts FILE (see 'slagg fold --help')\n", ARGS("fold", "--out", "out", "r.csv"));
    expect(d, 1, "slagg: fold needs at least one INPUT (see 'slagg fold --help')\n",
           ARGS("fold", "--out", "out", "--contracts", "c.csv"));
    expect(d, 1, "slagg: fold needs --out DIR (or --partial FILE) (see 'slagg fold --help')\n",
           ARGS("fold", "--contracts", "c.csv", "r.csv"));
    expect(d, 1, "slagg: fold needs --contracts FILE and at least one INPUT (see 'slagg fold --help')\n",
           ARGS("fold", "--out", "out"));
    expect(d, 1, "slagg: export needs a SUMMARY file (see 'slagg export --help')\n", ARGS("export", "--out", "o"));
    h_rmtree(d);
}

/* "--out naming a file says `afile: not a directory` without naming --out" */
Test(messages, out_naming_a_file)
{
    char *d = h_tmpdir();
    fleet(d);
    h_write(d, "afile", "a file\n");
    expect(d, 3, "slagg: --out afile is a file, not a directory: give a directory (created when missing); nothing done\n",
           ARGS("fold", "--out", "afile", "--contracts", "c.csv", "r.csv"));
    expect(d, 3, "slagg: --out afile/x: a part of that path is a file, not a directory; nothing done\n",
           ARGS("fold", "--out", "afile/x", "--contracts", "c.csv", "r.csv"));
    char *a = h_read_in(d, "afile", NULL);
    cr_assert_str_eq(a, "a file\n");
    free(a);
    h_rmtree(d);
}

/* "--contract gets no 'did you mean --contracts'" */
Test(messages, did_you_mean)
{
    char *d = h_tmpdir();
    expect(d, 1, "slagg: fold: unknown option '--contract' (did you mean --contracts? see 'slagg fold --help')\n",
           ARGS("fold", "--contract", "c.csv"));
    expect(d, 1, "slagg: fold: unknown option '--trough=2026-03-31' (did you mean --through? see 'slagg fold --help')\n",
           ARGS("fold", "--trough=2026-03-31"));
    expect(d, 1,
           "slagg: fold: unknown option '--ma' (did you mean --maintenance or --max-rejects? see 'slagg fold --help')\n",
           ARGS("fold", "--ma", "5"));
    expect(d, 1, "slagg: export: unknown option '--fess' (did you mean --fees? see 'slagg export --help')\n",
           ARGS("export", "--fess", "f.csv"));
    expect(d, 1, "slagg: gen: unknown option '--acounts' (did you mean --accounts? see 'slagg gen --help')\n",
           ARGS("gen", "--acounts", "5"));
    /* nothing close: no guess */
    expect(d, 1, "slagg: fold: unknown option '--bogus' (see 'slagg fold --help')\n", ARGS("fold", "--bogus"));
    h_rmtree(d);
}

/* "2026-03-02T10:00:00 does not say the offset is missing"; "unknown
 * cause 'oops' does not list the causes" (CSV, NDJSON, maintenance) */
Test(messages, timestamp_offset_and_causes)
{
    char *d = h_tmpdir();
    fleet(d);
    h_write(d, "bad.csv", "ts,account,status,cause\n2026-03-02T10:00:00,a,200,\n2026-03-02T10:00:00Z,a,200,oops\n");
    expect(d, 2,
           "slagg: bad.csv:2: rejected: bad ts '2026-03-02T10:00:00': no UTC offset: add Z or an offset such as +08:00\n"
           "slagg: bad.csv:3: rejected: unknown cause 'oops' (allowed: empty, provider, maintenance, attack, "
           "content_ban, external, client)\n"
           "slagg: 2 rows rejected, more than --max-rejects 0 allows; nothing written\n",
           ARGS(FOLD, "bad.csv"));
    h_write(d, "bad.ndjson",
            "{\"ts\":\"2026-03-02T10:00:00.5\",\"account\":\"a\",\"status\":200}\n"
            "{\"ts\":\"2026-03-02T10:00:00Z\",\"account\":\"a\",\"status\":503,\"cause\":\"Provider\"}\n");
    expect(d, 2,
           "slagg: bad.ndjson:1: rejected: bad ts '2026-03-02T10:00:00.5': no UTC offset: add Z or an offset such "
           "as +08:00\n"
           "slagg: bad.ndjson:2: rejected: unknown cause 'Provider' (allowed: empty, provider, maintenance, attack, "
           "content_ban, external, client)\n"
           "slagg: 2 rows rejected, more than --max-rejects 0 allows; nothing written\n",
           ARGS(FOLD, "bad.ndjson"));
    /* a ts that is wrong in another way keeps the plain reason */
    h_write(d, "bad2.csv", "ts,account,status\n2026-02-30T10:00:00,a,200\n");
    expect(d, 2,
           "slagg: bad2.csv:2: rejected: bad ts '2026-02-30T10:00:00'\n"
           "slagg: 1 row rejected, more than --max-rejects 0 allows; nothing written\n",
           ARGS(FOLD, "bad2.csv"));
    h_write(d, "m.csv", "start,end,scope,notice_at\n2026-03-02T10:00:00,2026-03-02T11:00:00Z,*,\n");
    expect(d, 2,
           "slagg: m.csv:2: start is not an RFC 3339 time: '2026-03-02T10:00:00' (no UTC offset: add Z or an "
           "offset such as +08:00)\n",
           ARGS(FOLD, "--maintenance", "m.csv", "r.csv"));
    h_assert_no_outputs(d, "out");
    h_rmtree(d);
}

/* "a fee 5,500.99 gives expected 4 fields, got 5" */
Test(messages, fee_with_thousands_separator)
{
    char *d = h_tmpdir();
    fleet(d);
    h_write(d, "f4.csv", "account,period_start,fee,voucher_paid\na,2026-03-01,5,500.99,0.00\n");
    expect(d, 2,
           "slagg: f4.csv:2: expected 4 fields, got 5: amounts are written without thousands separators: 5500.99\n",
           ARGS(FOLD, "--fees", "f4.csv", "r.csv"));
    h_write(d, "f5.csv", "account,period_start,fee,voucher_paid\na,2026-03-01,1,234,567.00,0.00\n");
    expect(d, 2,
           "slagg: f5.csv:2: expected 4 fields, got 6: amounts are written without thousands separators: 1234567.00\n",
           ARGS(FOLD, "--fees", "f5.csv", "r.csv"));
    /* a field too many that is no amount keeps the plain reason */
    h_write(d, "f6.csv", "account,period_start,fee,voucher_paid\na,2026-03-01,100.00,0.00,x\n");
    expect(d, 2, "slagg: f6.csv:2: expected 4 fields, got 5\n", ARGS(FOLD, "--fees", "f6.csv", "r.csv"));
    h_rmtree(d);
}

/* "a missing input file exits 3 like a full disk (it is an input error: 2)" */
Test(messages, missing_input_is_an_input_error)
{
    char *d = h_tmpdir();
    fleet(d);
    expect(d, 2, "slagg: nope.csv: No such file or directory\n", ARGS(FOLD, "r.csv", "nope.csv"));
    expect(d, 2, "slagg: nope/x.csv: No such file or directory\n", ARGS(FOLD, "nope/x.csv"));
    expect(d, 2, "slagg: no-c.csv: cannot open: No such file or directory\n",
           ARGS("fold", "--out", "out", "--contracts", "no-c.csv", "r.csv"));
    expect(d, 2, "slagg: no-f.csv: cannot open: No such file or directory\n", ARGS(FOLD, "--fees", "no-f.csv", "r.csv"));
    expect(d, 2, "slagg: nope.slagg: cannot open: No such file or directory\n",
           ARGS("export", "--out", "o2", "nope.slagg"));
    expect(d, 2, "slagg: nope.part: cannot open: No such file or directory\n", ARGS("merge", "--out", "o3", "nope.part"));
    h_assert_no_outputs(d, "out");
    h_rmtree(d);
}

/* "export prints only '199 periods written', no before/after totals" */
Test(messages, export_prints_before_and_after)
{
    char *d = h_tmpdir();
    fleet(d);
    h_result r = h_slagg(d, NULL, FOLD, "--quiet", "--fees", "f.csv", "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "export", "--out", "o2", "--fees", "f2.csv", "out/availability.slagg", NULL);
    h_assert_code(r, 0);
    cr_assert_str_eq(r.out,
                     "slagg export: 2 periods written to o2\n"
                     "  before: final 2, in_progress 0, no_fee 0; tiers 0% 1, 10% 1, 25% 0, 50% 0; total credit "
                     "100.00 CNY (fees f.csv, no holidays file)\n"
                     "  after:  final 2, in_progress 0, no_fee 0; tiers 0% 1, 10% 1, 25% 0, 50% 0; total credit "
                     "200.00 CNY (fees f2.csv, no holidays file)\n"
                     "  changed: 2 periods with another fee, credit or state, 0 with another claim window; total "
                     "credit +100.00 CNY\n"
                     "  wrote o2/finance.csv, finance.jsonl, summary.json, availability.slagg, manifest.json\n");
    h_result_free(&r);
    /* new holidays: the claim windows move, nothing else */
    r = h_slagg(d, NULL, "export", "--out", "o3", "--holidays", "h.csv", "o2/availability.slagg", NULL);
    cr_assert_eq(r.code, 2, "missing holidays file: exit %d", r.code);
    h_result_free(&r);
    h_write(d, "h.csv", "date,kind\n2026-04-01,holiday\n");
    r = h_slagg(d, NULL, "export", "--out", "o3", "--holidays", "h.csv", "o2/availability.slagg", NULL);
    h_assert_code(r, 0);
    /* 2026-04-01 a holiday: April's 5th working day moves from 04-07 to
     * 04-08, so both claim windows open a day later */
    cr_assert_str_eq(r.out,
                     "slagg export: 2 periods written to o3\n"
                     "  before: final 2, in_progress 0, no_fee 0; tiers 0% 1, 10% 1, 25% 0, 50% 0; total credit "
                     "200.00 CNY (fees f2.csv, no holidays file)\n"
                     "  after:  final 2, in_progress 0, no_fee 0; tiers 0% 1, 10% 1, 25% 0, 50% 0; total credit "
                     "200.00 CNY (fees f2.csv, holidays h.csv)\n"
                     "  changed: 0 periods with another fee, credit or state, 2 with another claim window; total "
                     "credit +0.00 CNY\n"
                     "  wrote o3/finance.csv, finance.jsonl, summary.json, availability.slagg, manifest.json\n");
    h_result_free(&r);
    h_rmtree(d);
}

/* "slagg help fold prints the top-level help" */
Test(messages, help_cmd_is_cmd_help)
{
    static const char *const cmds[] = {"fold", "merge", "export", "pack", "cat", "inspect", "gen"};
    char *d = h_tmpdir();
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        h_result a = h_slagg(d, NULL, "help", cmds[i], NULL);
        h_result b = h_slagg(d, NULL, cmds[i], "--help", NULL);
        h_assert_code(a, 0);
        h_assert_code(b, 0);
        cr_assert_str_eq(a.out, b.out, "slagg help %s", cmds[i]);
        h_result_free(&a);
        h_result_free(&b);
    }
    expect(d, 1, "slagg: unknown command 'nope' (see 'slagg --help')\n", ARGS("help", "nope"));
    h_rmtree(d);
}

/* "gen and export refuse --quiet and word their usage differently": one
 * style, "Usage: slagg CMD", "Options:", "Example", "Exit codes:", and
 * --quiet prints nothing on success in every command that has it, as
 * the help says ("--quiet also silences the stdout summary though help
 * says 'no progress'": the help now says what it does). */
Test(messages, one_usage_style_and_quiet)
{
    static const char *const cmds[] = {"fold", "merge", "export", "pack", "cat", "inspect", "gen"};
    char *d = h_tmpdir();
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        h_result r = h_slagg(d, NULL, cmds[i], "--help", NULL);
        char *head = h_fmt("Usage: slagg %s ", cmds[i]);
        cr_assert(strncmp(r.out, head, strlen(head)) == 0, "%s --help starts:\n%.80s", cmds[i], r.out);
        cr_assert(h_contains(r.out, "\n\nOptions:\n"), "%s --help: no Options:", cmds[i]);
        cr_assert(h_contains(r.out, "\n\nExample"), "%s --help: no Example", cmds[i]);
        cr_assert(h_contains(r.out, "\n\nExit codes: 0 "), "%s --help: no Exit codes:", cmds[i]);
        if (strcmp(cmds[i], "cat") && strcmp(cmds[i], "inspect"))
            cr_assert(h_contains(r.out, " --quiet ") && h_contains(r.out, "print nothing on success"),
                      "%s --help: --quiet", cmds[i]);
        free(head);
        h_result_free(&r);
    }
    fleet(d);
    h_result r = h_slagg(d, NULL, FOLD, "--quiet", "r.csv", NULL);
    h_assert_code(r, 0);
    cr_assert_str_eq(r.out, "");
    h_result_free(&r);
    r = h_slagg(d, NULL, "export", "--quiet", "--out", "o2", "out/availability.slagg", NULL);
    h_assert_code(r, 0);
    cr_assert_str_eq(r.out, "");
    h_result_free(&r);
    cr_assert(!h_missing(d, "o2/finance.csv"));
    r = h_slagg(d, NULL, "gen", "--quiet", "--out", "g", "--accounts", "3", "--records", "100", NULL);
    h_assert_code(r, 0);
    cr_assert_str_eq(r.out, "");
    cr_assert_str_eq(r.err, "");
    h_result_free(&r);
    cr_assert(!h_missing(d, "g/contracts.csv"));
    r = h_slagg(d, NULL, "gen", "--out", "g2", "--accounts", "3", "--records", "100", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.out, "slagg gen: wrote 100 records"), "%s", r.out);
    h_result_free(&r);
    h_rmtree(d);
}

/* A one-digit --shard-format above 2 is refused, not wrapped into a
 * "valid" format (slagg_parse_u64 with a maximum below 10 computed
 * max - digit in unsigned arithmetic), and nothing is written. */
Test(messages, shard_format_beyond_two_is_refused)
{
    char *d = h_tmpdir();
    fleet(d);
    expect(d, 1, "slagg: --shard-format '3' is not 1 or 2\n", ARGS("pack", "--out", "sh", "--shard-format", "3", "r.csv"));
    expect(d, 1, "slagg: --shard-format '9' is not 1 or 2\n", ARGS("pack", "--out", "sh", "--shard-format", "9", "r.csv"));
    expect(d, 1, "slagg: gen: --shard-format must be 1 or 2: '3' (see 'slagg gen --help')\n",
           ARGS("gen", "--out", "g", "--shards", "--shard-format", "3"));
    cr_assert(h_missing(d, "sh"), "a refused pack made its --out");
    cr_assert(h_missing(d, "g"), "a refused gen made its --out");
    h_rmtree(d);
}

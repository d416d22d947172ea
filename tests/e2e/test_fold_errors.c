/*
 * test_fold_errors.c - bad input, failures and exit codes (SPEC 6):
 * 0 ok, 1 usage, 2 input error (bad row, rejects over the limit,
 * overlapping contracts), 3 I/O. Messages go to stderr as "slagg: ..."
 * and name file and line as "PATH:LINE: reason". A failed run writes no
 * export and leaves a previous one untouched.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#define CONTRACTS "account,start,end\na,2026-04-01,2026-04-30\n"
#define OKROW "2026-04-10T10:00:00+08:00,a,200\n"
#define GOOD "ts,account,status\n" OKROW

static const char *outputs[] = {"finance.csv", "finance.jsonl", "summary.json",
                                "availability.slagg"};

/* Runs fold on c.csv (CONTRACTS unless written already) and `input`. */
static h_result fold1(const char *d, const char *input)
{
    if (h_missing(d, "c.csv"))
        h_write(d, "c.csv", CONTRACTS);
    return h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                   "--through", "2026-04-30", input, NULL);
}

/* Asserts a failed input run: exit 2, "slagg: " message naming `where`
 * (e.g. "r.csv:3:"), and no outputs. */
static void expect_input_error(const char *d, h_result *r, const char *where)
{
    h_assert_code(*r, 2);
    h_assert_slagg_msg(*r);
    cr_assert(h_contains(r->err, where), "stderr should name %s, got:\n%s",
              where, r->err);
    h_assert_no_outputs(d, "out");
}

Test(fold_errors, bad_row_names_file_and_line)
{
    char *d = h_tmpdir();
    h_write(d, "r.csv", GOOD "2026-04-10T10:00:00+08:00,a,600\n");
    h_result r = fold1(d, "r.csv");
    expect_input_error(d, &r, "r.csv:3:");
    h_result_free(&r);
    h_rmtree(d);
}

/* The second input's bad row is named with that file's name and line. */
Test(fold_errors, bad_row_in_second_file)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r1.csv", GOOD OKROW);
    h_write(d, "r2.csv", GOOD OKROW OKROW "2026-04-10T25:00:00+08:00,a,200\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "r1.csv", "r2.csv", NULL);
    expect_input_error(d, &r, "r2.csv:5:");
    h_result_free(&r);
    h_rmtree(d);
}

/* SPEC 6: a failed run leaves the previous outputs untouched (and no
 * stray files in the output directory: only the layout of SPEC 4's
 * generations, which the listing once checked against the four plain
 * outputs). */
Test(fold_errors, bad_row_keeps_previous_export)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", GOOD);
    h_result r = fold1(d, "r.csv");
    h_assert_code(r, 0);
    h_result_free(&r);
    for (size_t i = 0; i < 4; i++) {
        char *src = h_fmt("%s/out/%s", d, outputs[i]);
        char *dst = h_fmt("%s/keep.%s", d, outputs[i]);
        h_copy(src, dst);
        free(src);
        free(dst);
    }
    /* different data (outputs would differ) plus one bad row */
    h_write(d, "r.csv", "ts,account,status\n"
                        "2026-04-11T10:00:00+08:00,a,500\n"
                        "2026-04-11T10:00:00+08:00,a,500,zzz\n"
                        "2026-04-12T10:00:00+08:00,a,503\n");
    r = fold1(d, "r.csv");
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "r.csv:3:"), "stderr:\n%s", r.err);
    for (size_t i = 0; i < 4; i++) {
        char *now = h_fmt("%s/out/%s", d, outputs[i]);
        char *kept = h_fmt("%s/keep.%s", d, outputs[i]);
        cr_assert(h_same_file(now, kept), "%s changed after a failed run", outputs[i]);
        free(now);
        free(kept);
    }
    /* SPEC 4: the previous generation is still current and whole, and the
     * failed run left nothing beside the layout (one generation folder,
     * no temporary) */
    char *before = h_assert_generation(d, "out");
    int temps = -1;
    cr_assert_eq(h_generation_layout(d, "out", &temps), 1, "a failed run left a generation folder");
    cr_assert_eq(temps, 0, "a failed run left a temporary");
    free(before);
    h_result_free(&r);
    h_rmtree(d);
}

/* Rejects over --max-rejects fail the run (exit 2, nothing written) and
 * leave a previous export untouched; at the limit the run succeeds. */
Test(fold_errors, max_rejects_limit)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", GOOD
                        "2026-04-10T10:00:00+08:00,a,0,nope\n"
                        "2026-04-10T10:00:00+08:00,a,200\n"
                        "2026-04-10T10:00:00+08:00,a,42\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--through", "2026-04-30", "--max-rejects", "1", "r.csv", NULL);
    expect_input_error(d, &r, "r.csv:3:");
    h_result_free(&r);

    r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                "--through", "2026-04-30", "--max-rejects", "2", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        "a,2026-04-01,2026-04-30,30,8640,2,0,0,0,100.0000,0,,,0.00,false,final,2026-05-08,2026-06-30\n");
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 4, .ok = 2, .rejected = 2, .accounts = 1, .final = 1,
        .tier0 = 1, .through = "2026-04-30"});
    h_result_free(&r);

    char *kept = h_read_in(d, "out/summary.json", NULL);
    r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                "--through", "2026-04-30", "r.csv", NULL);
    h_assert_code(r, 2);
    char *now = h_read_in(d, "out/summary.json", NULL);
    cr_assert_str_eq(now, kept, "summary.json changed after a failed run");
    free(kept);
    free(now);
    h_result_free(&r);
    h_rmtree(d);
}

/* --rejects FILE: CSV `file,line,reason`, rows in input order (files in
 * the order given, then line), whatever the thread count. */
Test(fold_errors, rejects_file_in_input_order)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_buf z = {0}, a = {0};
    h_buf_printf(&z, "ts,account,status\n");
    h_buf_printf(&a, "ts,account,status\n");
    for (int i = 0; i < 3000; i++) {
        h_buf_printf(&z, "2026-04-%02dT%02d:%02d:00+08:00,a,%d\n", 1 + i % 30,
                     i % 24, i % 60, i == 2 ? 700 : 200);         /* z line 4 */
        h_buf_printf(&a, "2026-04-%02dT%02d:%02d:00+08:00,a,%d\n", 1 + i % 30,
                     i % 24, i % 60, i == 0 || i == 1 || i == 2998 ? 1 : 404);
    }
    h_write(d, "z.csv", z.data);
    h_write(d, "a.csv", a.data);
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--through", "2026-04-30", "--threads", "4",
                         "--max-rejects", "4", "--rejects", "rej.csv",
                         "z.csv", "a.csv", NULL);
    h_assert_code(r, 0);
    char *rej = h_read_in(d, "rej.csv", NULL);
    static const char *want[] = {"z.csv,4,", "a.csv,2,", "a.csv,3,", "a.csv,3000,"};
    const char *p = rej;
    cr_assert(strncmp(p, "file,line,reason\n", 17) == 0, "rejects file:\n%s", rej);
    p += 17;
    for (size_t i = 0; i < 4; i++) {
        cr_assert(strncmp(p, want[i], strlen(want[i])) == 0,
                  "row %zu should start with %s; rejects file:\n%s", i, want[i], rej);
        p = strchr(p, '\n');
        cr_assert_not_null(p);
        p++;
    }
    cr_assert_str_eq(p, "", "extra rows in rejects file:\n%s", rej);
    char *sum = h_read_in(d, "out/summary.json", NULL);
    cr_assert_eq(h_json_int(sum, "rejected"), 4);
    free(sum);
    free(rej);
    h_buf_free(&z);
    h_buf_free(&a);
    h_result_free(&r);
    h_rmtree(d);
}

/* SPEC 2: rows of one account must not overlap; the error names both
 * lines. Line 4 (a, April) touches line 2 (a, March) only at the month
 * edge - fine; line 6 (a, 04-30..05-31) overlaps line 4 on 04-30. */
Test(fold_errors, overlapping_contracts_name_both_lines)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\n"
                        "a,2026-03-01,2026-03-31\n"
                        "b,2026-03-01,2026-06-30\n"
                        "a,2026-04-01,2026-04-30\n"
                        "c,2026-01-01,\n"
                        "a,2026-04-30,2026-05-31\n");
    h_write(d, "r.csv", GOOD);
    h_result r = fold1(d, "r.csv");
    h_assert_code(r, 2);
    h_assert_slagg_msg(r);
    cr_assert(h_contains(r.err, "c.csv:4") || h_contains(r.err, "c.csv:6"),
              "stderr should name c.csv and a line:\n%s", r.err);
    cr_assert(h_has_number(r.err, 4) && h_has_number(r.err, 6),
              "stderr should name both lines 4 and 6:\n%s", r.err);
    h_assert_no_outputs(d, "out");
    h_result_free(&r);
    h_rmtree(d);
}

/* An open subscription (empty end) has no end: a later row of the same
 * account overlaps it (lines 2 and 3), whatever --through is. */
Test(fold_errors, open_contract_overlaps_a_later_row)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\n"
                        "a,2026-01-01,\n"
                        "a,2026-06-01,2026-06-30\n");
    h_write(d, "r.csv", "ts,account,status\n2026-06-15T10:00:00+08:00,a,200\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "r.csv", NULL);
    h_assert_code(r, 2);
    h_assert_slagg_msg(r);
    cr_assert(h_contains(r.err, "c.csv:2") || h_contains(r.err, "c.csv:3"),
              "stderr should name c.csv and a line:\n%s", r.err);
    cr_assert(h_has_number(r.err, 2) && h_has_number(r.err, 3),
              "stderr should name both lines 2 and 3:\n%s", r.err);
    h_assert_no_outputs(d, "out");
    h_result_free(&r);
    h_rmtree(d);
}

/* The same rows without the overlap are fine. */
Test(fold_errors, adjacent_contracts_are_fine)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\n"
                        "a,2026-03-01,2026-03-31\n"
                        "a,2026-04-01,2026-04-30\n");
    h_write(d, "r.csv", GOOD);
    h_result r = fold1(d, "r.csv");
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        "a,2026-03-01,2026-03-31,31,8928,0,0,0,0,100.0000,0,,,0.00,false,final,2026-04-08,2026-05-31\n"
        "a,2026-04-01,2026-04-30,30,8640,1,0,0,0,100.0000,0,,,0.00,false,final,2026-05-08,2026-06-30\n");
    h_result_free(&r);
    h_rmtree(d);
}

Test(fold_errors, bad_contract_rows)
{
    char *d = h_tmpdir();
    h_write(d, "r.csv", GOOD);
    h_write(d, "c.csv", "account,start,end\na,2026-04-01,2026-04-30\nb,2026-04-10,2026-04-01\n");
    h_result r = fold1(d, "r.csv");
    expect_input_error(d, &r, "c.csv:3:");
    h_result_free(&r);
    h_write(d, "c.csv", "account,start,end\na,2026-04-01,2026-04-30\nb,2026-02-30,2026-03-31\n");
    r = fold1(d, "r.csv");
    expect_input_error(d, &r, "c.csv:3:");
    h_result_free(&r);
    h_rmtree(d);
}

Test(fold_errors, bad_fee_rows)
{
    static const char *rows[] = {
        "a,2026-04-01,10.00,10.01\n", /* voucher_paid > fee */
        "a,2026-04-01,1.005,0.00\n",  /* 3 fractional digits */
        "a,2026-04-01,-1.00,0.00\n",  /* negative */
        "a,2026-04-01,ten,0.00\n",
        "a,2026-04-31,10.00,0.00\n",  /* no such date */
    };
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", GOOD);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *fees = h_fmt("account,period_start,fee,voucher_paid\n"
                           "a,2026-05-01,1.00,0.00\n%s", rows[i]);
        h_write(d, "f.csv", fees);
        h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                             "--fees", "f.csv", "--through", "2026-04-30", "r.csv", NULL);
        expect_input_error(d, &r, "f.csv:3:");
        h_result_free(&r);
        free(fees);
    }
    h_rmtree(d);
}

Test(fold_errors, bad_holiday_and_maintenance_rows)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", GOOD);
    h_write(d, "h.csv", "date,kind\n2026-05-01,holiday\n2026-05-09,vacation\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--holidays", "h.csv", "--through", "2026-04-30", "r.csv", NULL);
    expect_input_error(d, &r, "h.csv:3:");
    h_result_free(&r);
    h_write(d, "m.csv", "start,end,scope,notice_at\n"
                        "yesterday,2026-04-02T11:00:00+08:00,a,\n");
    r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                "--maintenance", "m.csv", "--through", "2026-04-30", "r.csv", NULL);
    expect_input_error(d, &r, "m.csv:2:");
    h_result_free(&r);
    h_rmtree(d);
}

/* The brief's decision: NDJSON `"cause": null` is rejected; so is a line
 * that is not JSON. NDJSON has no header: the first object is line 1. */
Test(fold_errors, ndjson_null_cause_and_broken_line)
{
    char *d = h_tmpdir();
    h_write(d, "r.ndjson",
            "{\"ts\":\"2026-04-10T10:00:00+08:00\",\"account\":\"a\",\"status\":200}\n"
            "{\"ts\":\"2026-04-10T10:00:00+08:00\",\"account\":\"a\",\"status\":500,\"cause\":null}\n");
    h_result r = fold1(d, "r.ndjson");
    expect_input_error(d, &r, "r.ndjson:2:");
    h_result_free(&r);
    h_write(d, "r.ndjson",
            "{\"ts\":\"2026-04-10T10:00:00+08:00\",\"account\":\"a\",\"status\":200}\n"
            "{\"ts\":\"2026-04-10T10:00:00+08:00\",\"account\":\"a\",\"status\":200}\n"
            "{\"ts\":\"2026-04-10T10:00:00+08:00\",\"account\":\n");
    r = fold1(d, "r.ndjson");
    expect_input_error(d, &r, "r.ndjson:3:");
    h_result_free(&r);
    /* "cause absent or a string": a number is not a cause */
    h_write(d, "r.ndjson",
            "{\"ts\":\"2026-04-10T10:00:00+08:00\",\"account\":\"a\",\"status\":500,\"cause\":5}\n");
    r = fold1(d, "r.ndjson");
    expect_input_error(d, &r, "r.ndjson:1:");
    h_result_free(&r);
    h_rmtree(d);
}

/* A records file without a status column cannot be read: input error. */
Test(fold_errors, records_header_without_status)
{
    char *d = h_tmpdir();
    h_write(d, "r.csv", "ts,account,code\n2026-04-10T10:00:00+08:00,a,200\n");
    h_result r = fold1(d, "r.csv");
    expect_input_error(d, &r, "r.csv");
    h_result_free(&r);
    h_rmtree(d);
}

/* The brief's decision: a 0-byte record file is an input error. */
Test(fold_errors, empty_record_file)
{
    char *d = h_tmpdir();
    h_write(d, "empty.csv", "");
    h_result r = fold1(d, "empty.csv");
    expect_input_error(d, &r, "empty.csv");
    h_result_free(&r);
    h_rmtree(d);
}

/* A missing input file is an input error (issue 15: not exit 3 like a
 * full disk): exit 2, the file named. */
Test(fold_errors, missing_input_file)
{
    char *d = h_tmpdir();
    h_write(d, "r.csv", GOOD);
    h_write(d, "c.csv", CONTRACTS);
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "r.csv", "nope.csv", NULL);
    h_assert_code(r, 2);
    h_assert_slagg_msg(r);
    cr_assert(h_contains(r.err, "nope.csv"), "stderr:\n%s", r.err);
    h_assert_no_outputs(d, "out");
    h_result_free(&r);
    h_rmtree(d);
}

/* A missing contracts file: exit 3 (I/O) or 2, the file named. */
Test(fold_errors, missing_contracts_file)
{
    char *d = h_tmpdir();
    h_write(d, "r.csv", GOOD);
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts",
                         "nope-c.csv", "r.csv", NULL);
    cr_assert(r.code == 3 || r.code == 2, "exit %d; stderr:\n%s", r.code, r.err);
    h_assert_slagg_msg(r);
    cr_assert(h_contains(r.err, "nope-c.csv"), "stderr:\n%s", r.err);
    h_assert_no_outputs(d, "out");
    h_result_free(&r);
    h_rmtree(d);
}

/* An output directory that cannot be created (its parent is a file):
 * I/O error, exit 3. */
Test(fold_errors, output_not_writable)
{
    char *d = h_tmpdir();
    h_write(d, "r.csv", GOOD);
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "blocker", "I am a file\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "blocker/out", "--contracts",
                         "c.csv", "r.csv", NULL);
    h_assert_code(r, 3);
    h_assert_slagg_msg(r);
    h_result_free(&r);
    h_rmtree(d);
}

/* Usage errors exit 1 with a "slagg: " message and write nothing. */
Test(fold_errors, usage_errors_exit_1)
{
    static const char *const cases[][16] = {
        {NULL},
        {"frobnicate", NULL},
        {"fold", "--contracts", "c.csv", "r.csv", NULL},
        {"fold", "--out", "out", "r.csv", NULL},
        {"fold", "--out", "out", "--contracts", "c.csv", NULL},
        {"fold", "--out", "out", "--contracts", "c.csv", "--bogus", "r.csv", NULL},
        {"fold", "--out", "out", "--contracts", "c.csv", "--threads", "abc", "r.csv", NULL},
        {"fold", "--out", "out", "--contracts", "c.csv", "--tz", "banana", "r.csv", NULL},
        {"fold", "--out", "out", "--contracts", "c.csv", "--through", "2026-02-30", "r.csv", NULL},
        {"fold", "--out", "out", "--contracts", "c.csv", "--max-rejects", "x", "r.csv", NULL},
        {"fold", "--out", "out", "--contracts", "c.csv", "r.csv", "--through", NULL},
        {"export", "--out", "out2", NULL},
        {"inspect", NULL},
    };
    char *d = h_tmpdir();
    h_write(d, "r.csv", GOOD);
    h_write(d, "c.csv", CONTRACTS);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        h_result r = h_run(d, NULL, 0, cases[i]);
        cr_assert_eq(r.code, 1, "case %zu (%s %s ...): exit %d, expected 1; stderr:\n%s",
                     i, cases[i][0] ? cases[i][0] : "(none)",
                     cases[i][0] && cases[i][1] ? cases[i][1] : "", r.code, r.err);
        h_assert_no_outputs(d, "out");
        h_result_free(&r);
    }
    h_rmtree(d);
}

/* The brief: errors go to stderr as "slagg: ..." (a usage error too; with
 * no arguments at all, printing the usage text is fine). */
Test(fold_errors, usage_error_messages_start_with_slagg)
{
    static const char *const cases[][8] = {
        {"frobnicate", NULL},
        {"fold", "--out", "out", "r.csv", NULL},
        {"fold", "--out", "out", "--contracts", "c.csv", "--bogus", "r.csv", NULL},
    };
    char *d = h_tmpdir();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        h_result r = h_run(d, NULL, 0, cases[i]);
        cr_assert_eq(r.code, 1);
        h_assert_slagg_msg(r);
        h_result_free(&r);
    }
    h_rmtree(d);
}

/* `--help` on every command exits 0 and prints something on stdout. */
Test(fold_errors, help_on_every_command)
{
    static const char *const cases[][3] = {
        {"--help", NULL}, {"fold", "--help", NULL}, {"export", "--help", NULL},
        {"inspect", "--help", NULL}, {"gen", "--help", NULL},
    };
    char *d = h_tmpdir();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        h_result r = h_run(d, NULL, 0, cases[i]);
        cr_assert_eq(r.code, 0, "%s %s: exit %d; stderr:\n%s", cases[i][0],
                     cases[i][1] ? cases[i][1] : "", r.code, r.err);
        cr_assert(r.out_len > 0, "%s %s printed nothing on stdout", cases[i][0],
                  cases[i][1] ? cases[i][1] : "");
        h_result_free(&r);
    }
    h_rmtree(d);
}


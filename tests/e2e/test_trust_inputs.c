/*
 * test_trust_inputs.c - issue 11 items 6, 7 and 9 (part):
 *   - sums never wrap (SPEC 6): a total credit beyond int64 is exact;
 *   - dates past 2099-12-31 in tables or --through are refused (SPEC 6);
 *   - the number of open files never limits how many inputs a run takes
 *     (SPEC 6): 300 shards folded and 300 logs packed under `ulimit -n 64`
 *     give the same bytes as without the limit;
 *   - directories are read recursively in bytewise path order, names
 *     beginning with '.' are skipped and named, and the same file given
 *     twice is an input error naming both (SPEC 3).
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SKIP_NOTE " (names beginning with '.' are not read)\n"
#define CLAIM_APR ",2026-05-08,2026-06-30\n"

/* ---- sums never wrap ------------------------------------------------------------ */

/* 200 one-day periods (200 accounts on 2026-04-15), each with 15 fully
 * failed windows (S = 15, A = 1 - 15/288 = 94.7916 %: tier 50) and the
 * largest fee, 1000000000000000.00 CNY = 10^17 fen. amount = 50 x 10^17 /
 * 100 = 5 x 10^16 fen, cap = floor(10^17 / 2) = 5 x 10^16: credit
 * 500000000000000.00 each, not capped (amount = cap). Total: 200 x 5 x
 * 10^16 = 10^19 fen = 100000000000000000.00 CNY, beyond INT64_MAX
 * (~9.22 x 10^18): an int64 sum printed -84467440737095516.16. */
Test(trust_money, total_credit_beyond_int64_is_exact)
{
    char *d = h_tmpdir();
    h_buf c = {0}, f = {0}, r = {0}, want = {0};
    h_buf_printf(&c, "account,start,end\n");
    h_buf_printf(&f, "account,period_start,fee,voucher_paid\n");
    h_buf_printf(&r, "ts,account,status\n");
    h_buf_printf(&want, "%s", H_FIN_HEADER);
    for (int i = 0; i < 200; i++) {
        h_buf_printf(&c, "a%03d,2026-04-15,2026-04-15\n", i);
        h_buf_printf(&f, "a%03d,2026-04-15,1000000000000000.00,0.00\n", i);
        for (int w = 0; w < 15; w++)
            h_buf_printf(&r, "2026-04-15T%02d:%02d:00+08:00,a%03d,500\n", w / 12, w % 12 * 5, i);
        h_buf_printf(&want,
                     "a%03d,2026-04-15,2026-04-15,1,288,15,15,0,15,94.7916,50,"
                     "1000000000000000.00,0.00,500000000000000.00,false,final" CLAIM_APR,
                     i);
    }
    h_write(d, "c.csv", c.data);
    h_write(d, "fees.csv", f.data);
    h_write(d, "r.csv", r.data);
    h_result res = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "--fees",
                           "fees.csv", "--through", "2026-04-15", "r.csv", NULL);
    h_assert_code(res, 0);
    cr_assert(h_contains(res.out, "; total credit 100000000000000000.00 CNY\n"), "stdout:\n%s", res.out);
    h_assert_finance(d, "out", want.data);
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 3000, .error = 3000, .accounts = 200, .final = 200, .tier50 = 200,
        .total_credit = "100000000000000000.00", .through = "2026-04-15"});
    /* export recomputes the total from the compact summary: the same */
    h_result ex = h_slagg(d, NULL, "export", "--out", "out2", "out/availability.slagg", NULL);
    h_assert_code(ex, 0);
    cr_assert(h_same_file(h_path(d, "out/summary.json"), h_path(d, "out2/summary.json")));
    h_result_free(&ex);
    h_result_free(&res);
    h_buf_free(&c);
    h_buf_free(&f);
    h_buf_free(&r);
    h_buf_free(&want);
    h_rmtree(d);
}

/* ---- dates past 2099-12-31 ------------------------------------------------------------ */

#define CONTRACTS "account,start,end\na,2026-04-01,2026-04-30\n"
#define RECORDS "ts,account,status\n2026-04-10T10:00:00+08:00,a,200\n"
#define LATE_DATES "dates after 2099-12-31 are not supported (SPEC 6)\n"

Test(trust_dates, through_after_2099_is_a_usage_error)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", RECORDS);
    static const char *const days[] = {"2100-01-01", "9999-12-31"};
    for (size_t i = 0; i < 2; i++) {
        h_result res = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                               "--through", days[i], "r.csv", NULL);
        h_assert_code(res, 1);
        char *msg = h_fmt("slagg: --through '%s' is after 2099-12-31: " LATE_DATES, days[i]);
        cr_assert_str_eq(res.err, msg);
        h_assert_no_outputs(d, "out");
        free(msg);
        h_result_free(&res);
    }
    h_rmtree(d);
}

/* The last supported day works, and its outputs may go past it: the claim
 * window of a 2099-12 period is 2100-01-08 (2100-01-01 is a Friday: the
 * 5th working day is 01-07) to 2100-02-28 (2100 is not a leap year). */
Test(trust_dates, through_2099_12_31_is_accepted)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\na,2099-12-01,2099-12-31\n");
    h_write(d, "r.csv", "ts,account,status\n2099-12-31T10:00:00+08:00,a,200\n");
    h_result res = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "--through",
                           "2099-12-31", "r.csv", NULL);
    h_assert_code(res, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
                     "a,2099-12-01,2099-12-31,31,8928,1,0,0,0,100.0000,0,,,0.00,false,final,"
                     "2100-01-08,2100-02-28\n");
    h_result_free(&res);
    h_rmtree(d);
}

typedef struct late_case {
    const char *option;   /* the table's option */
    const char *file;
    const char *data;
    const char *msg;      /* whole stderr */
} late_case;

Test(trust_dates, table_dates_after_2099_are_input_errors)
{
    static const late_case cases[] = {
        {"--contracts", "c.csv", "account,start,end\na,2026-04-01,2100-01-01\n",
         "slagg: c.csv:2: end '2100-01-01' is after 2099-12-31: " LATE_DATES},
        {"--contracts", "c.csv", "account,start,end\na,2026-04-01,\nb,2100-01-01,\n",
         "slagg: c.csv:3: start '2100-01-01' is after 2099-12-31: " LATE_DATES},
        {"--fees", "f.csv", "account,period_start,fee,voucher_paid\na,2100-01-01,10.00,0.00\n",
         "slagg: f.csv:2: period_start '2100-01-01' is after 2099-12-31: " LATE_DATES},
        {"--holidays", "h.csv", "date,kind\n2026-04-06,holiday\n9999-12-31,workday\n",
         "slagg: h.csv:3: date '9999-12-31' is after 2099-12-31: " LATE_DATES},
        {"--maintenance", "m.csv", "start,end,scope,notice_at\n2100-01-01T00:00:00Z,2100-01-01T01:00:00Z,*,\n",
         "slagg: m.csv:2: start '2100-01-01T00:00:00Z' is after 2099-12-31 UTC: " LATE_DATES},
        {"--maintenance", "m.csv",
         "start,end,scope,notice_at\n2099-12-31T23:00:00Z,2100-01-01T00:00:00.001Z,a,\n",
         "slagg: m.csv:2: end '2100-01-01T00:00:00.001Z' is after 2099-12-31 UTC: " LATE_DATES},
        {"--maintenance", "m.csv",
         "start,end,scope,notice_at\n2026-04-10T00:00:00Z,2026-04-10T01:00:00Z,a,2100-01-01T08:00:00+08:00\n",
         "slagg: m.csv:2: notice_at '2100-01-01T08:00:00+08:00' is after 2099-12-31 UTC: " LATE_DATES},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const late_case *k = &cases[i];
        char *d = h_tmpdir();
        h_write(d, "c.csv", CONTRACTS);
        h_write(d, "r.csv", RECORDS);
        h_write(d, k->file, k->data);
        const char *args[] = {"fold", "--out", "out", "--contracts", "c.csv", NULL, NULL, "r.csv", NULL};
        if (strcmp(k->option, "--contracts") != 0) {
            args[5] = k->option;
            args[6] = k->file;
        } else {
            args[5] = "r.csv";
        }
        h_result res = h_run(d, NULL, 0, args);
        h_assert_code(res, 2);
        cr_assert_str_eq(res.err, k->msg, "case %zu", i);
        h_assert_no_outputs(d, "out");
        h_result_free(&res);
        h_rmtree(d);
    }
}

/* A maintenance window may end at 2100-01-01T00:00Z itself (its end is
 * exclusive: it covers 2099 only). */
Test(trust_dates, maintenance_may_end_at_2100_exclusive)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", RECORDS);
    h_write(d, "m.csv", "start,end,scope,notice_at\n2099-12-31T23:00:00Z,2100-01-01T00:00:00Z,*,\n");
    h_result res = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "--maintenance",
                           "m.csv", "r.csv", NULL);
    h_assert_code(res, 0);
    h_result_free(&res);
    h_rmtree(d);
}

/* ---- the same file twice ---------------------------------------------------------------- */

#define SAME " are the same file: each input is read once; drop one\n"

/* fold (and pack) with args; expects exit 2, stderr exactly msg, no outputs. */
static void expect_dup(const char *d, const char *stdin_data, const char *const *inputs, const char *msg)
{
    const char *args[16] = {"fold", "--out", "out", "--contracts", "c.csv"};
    size_t n = 5, np = 0;
    const char *pargs[16] = {"pack", "--out", "shards"};
    np = 3;
    for (size_t i = 0; inputs[i]; i++) {
        args[n++] = inputs[i];
        pargs[np++] = inputs[i];
    }
    args[n] = NULL;
    pargs[np] = NULL;
    h_result res = h_run(d, stdin_data, stdin_data ? strlen(stdin_data) : 0, args);
    h_assert_code(res, 2);
    cr_assert_str_eq(res.err, msg);
    h_assert_no_outputs(d, "out");
    h_result_free(&res);
    res = h_run(d, stdin_data, stdin_data ? strlen(stdin_data) : 0, pargs);
    h_assert_code(res, 2);
    cr_assert_str_eq(res.err, msg);
    cr_assert(h_missing(d, "shards"), "pack wrote shards");
    h_result_free(&res);
}

Test(trust_inputs, the_same_file_twice_is_refused)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    cr_assert_eq(mkdir(h_path(d, "logs"), 0755), 0);
    h_write(d, "logs/a.csv", RECORDS);
    h_write(d, "logs/b.csv", RECORDS);
    h_write(d, "x.csv", RECORDS);
    cr_assert_eq(symlink("x.csv", h_path(d, "l.csv")), 0);
    cr_assert_eq(link(h_path(d, "x.csv"), h_path(d, "hard.csv")), 0);

    expect_dup(d, NULL, (const char *const[]){"logs", "./logs/a.csv", NULL},
               "slagg: logs/a.csv (found in directory logs) and ./logs/a.csv" SAME);
    expect_dup(d, NULL, (const char *const[]){"logs/b.csv", "logs", NULL},
               "slagg: logs/b.csv and logs/b.csv (found in directory logs)" SAME);
    expect_dup(d, NULL, (const char *const[]){"./x.csv", "x.csv", NULL}, "slagg: ./x.csv and x.csv" SAME);
    expect_dup(d, NULL, (const char *const[]){"x.csv", "logs/a.csv", "l.csv", NULL},
               "slagg: x.csv and l.csv" SAME);
    expect_dup(d, NULL, (const char *const[]){"hard.csv", "x.csv", NULL}, "slagg: hard.csv and x.csv" SAME);
    /* the first pair by its second input, whatever the inodes' order */
    expect_dup(d, NULL, (const char *const[]){"logs/b.csv", "x.csv", "l.csv", "./logs/b.csv", NULL},
               "slagg: x.csv and l.csv" SAME);
    expect_dup(d, RECORDS, (const char *const[]){"/dev/stdin", "/dev/stdin", NULL},
               "slagg: /dev/stdin and /dev/stdin" SAME);
    expect_dup(d, RECORDS, (const char *const[]){"-", "x.csv", "/dev/stdin", NULL},
               "slagg: '-' (standard input) and /dev/stdin" SAME);
    /* the same directory twice */
    h_result res = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "logs", "./logs/", NULL);
    h_assert_code(res, 2);
    cr_assert_str_eq(res.err, "slagg: logs and ./logs/ are the same directory: each input is read once; drop one\n");
    h_result_free(&res);
    /* '-' alone, and distinct files, still fold */
    res = h_slagg(d, RECORDS, "fold", "--out", "out", "--contracts", "c.csv", "-", "logs", NULL);
    h_assert_code(res, 0);
    cr_assert_eq(h_json_int(h_read_in(d, "out/summary.json", NULL), "records_read"), 3);
    h_result_free(&res);
    h_rmtree(d);
}

/* ---- directories: recursive, bytewise, hidden names skipped ---------------------------- */

/* One bad row at line 2 of each file shows the order files are read in
 * (the rejects file lists them in input order). */
#define REC(acct) "ts,account,status\n" "bad," acct ",200\n" "2026-04-10T10:00:00+08:00," acct ",500\n"

Test(trust_inputs, directories_are_read_recursively_in_bytewise_order)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\na,2026-04-01,2026-04-30\ndeep,2026-04-01,2026-04-30\n"
                        "hidden,2026-04-01,2026-04-30\n");
    static const char *const dirs[] = {"d", "d/a", "d/z", "d/z/deep", "d/.cache", "d/empty"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
        cr_assert_eq(mkdir(h_path(d, dirs[i]), 0755), 0);
    /* bytewise by full path: '-' 0x2d < '.' 0x2e < '/' 0x2f */
    h_write(d, "d/a.csv", REC("a"));
    h_write(d, "d/a-b.csv", REC("a"));
    h_write(d, "d/a/x.csv", REC("a"));
    h_write(d, "d/z/deep/y.csv", REC("deep"));
    h_write(d, "d/.hidden.csv", REC("hidden"));
    h_write(d, "d/.cache/q.csv", REC("hidden"));
    h_write(d, "d/z/.also", REC("hidden"));
    h_result res = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "--through",
                           "2026-04-10", "--max-rejects", "10", "--rejects", "rj.csv", "d", NULL);
    h_assert_code(res, 0);
    /* every skipped name on stderr, sorted; nothing of theirs read */
    cr_assert(h_contains(res.err, "slagg: skipped hidden directory d/.cache" SKIP_NOTE
                                  "slagg: skipped hidden file d/.hidden.csv" SKIP_NOTE
                                  "slagg: skipped hidden file d/z/.also" SKIP_NOTE),
              "stderr:\n%s", res.err);
    char *rj = h_read_in(d, "rj.csv", NULL);
    const char *p1 = strstr(rj, "\nd/a-b.csv,2,"), *p2 = strstr(rj, "\nd/a.csv,2,"),
               *p3 = strstr(rj, "\nd/a/x.csv,2,"), *p4 = strstr(rj, "\nd/z/deep/y.csv,2,");
    cr_assert(p1 && p2 && p3 && p4 && p1 < p2 && p2 < p3 && p3 < p4, "rejects:\n%s", rj);
    cr_assert(!h_contains(rj, "hidden") && !h_contains(rj, ".also"), "rejects:\n%s", rj);
    /* ... and listed in the manifest (SPEC 3 "inputs.skipped", SPEC 4) */
    char *man = h_read_in(d, "out/manifest.json", NULL);
    cr_assert(h_contains(man, "\"count\": 4,"), "%s", man);
    cr_assert(h_contains(man, "\"skipped\": [\"d/.cache\", \"d/.hidden.csv\", \"d/z/.also\"],"), "%s", man);
    free(man);
    h_assert_finance(d, "out", H_FIN_HEADER
                     "a,2026-04-01,2026-04-30,10,2880,3,3,0,1,99.9652,0,,,,false,in_progress" CLAIM_APR
                     "deep,2026-04-01,2026-04-30,10,2880,1,1,0,1,99.9652,0,,,,false,in_progress" CLAIM_APR
                     "hidden,2026-04-01,2026-04-30,10,2880,0,0,0,0,100.0000,0,,,,false,in_progress" CLAIM_APR);
    h_result_free(&res);
    /* the same bytes as the four files named in that order */
    res = h_slagg(d, NULL, "fold", "--out", "out2", "--contracts", "c.csv", "--through",
                  "2026-04-10", "--max-rejects", "10", "--rejects", "rj2.csv", "d/a-b.csv", "d/a.csv",
                  "d/a/x.csv", "d/z/deep/y.csv", NULL);
    h_assert_code(res, 0);
    static const char *const files[] = {"finance.csv", "finance.jsonl", "summary.json", "availability.slagg"};
    for (size_t i = 0; i < 4; i++) {
        char *a = h_fmt("%s/out/%s", d, files[i]), *b = h_fmt("%s/out2/%s", d, files[i]);
        cr_assert(h_same_file(a, b), "%s differs", files[i]);
        free(a);
        free(b);
    }
    cr_assert(h_same_file(h_path(d, "rj.csv"), h_path(d, "rj2.csv")));
    h_result_free(&res);
    /* pack reads the tree the same way: a shard per file, none hidden */
    res = h_slagg(d, NULL, "pack", "--out", "shards", "--max-rejects", "10", "d", NULL);
    h_assert_code(res, 0);
    cr_assert(h_contains(res.out, "4 records from 4 inputs into 4 shards"), "%s", res.out);
    cr_assert(!h_missing(d, "shards/y.shard") && h_missing(d, "shards/q.shard"));
    h_result_free(&res);
    free(rj);
    h_rmtree(d);
}

Test(trust_inputs, a_directory_of_hidden_files_only_names_them)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    cr_assert_eq(mkdir(h_path(d, "e"), 0755), 0);
    h_write(d, "e/.x.csv", RECORDS);
    h_result res = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "e", NULL);
    h_assert_code(res, 2);
    cr_assert_str_eq(res.err, "slagg: skipped hidden file e/.x.csv" SKIP_NOTE
                              "slagg: e: directory holds no input files (1 skipped, named above)\n");
    h_assert_no_outputs(d, "out");
    h_result_free(&res);
    h_rmtree(d);
}

Test(trust_inputs, a_symlink_loop_is_refused_without_hanging, .timeout = 60)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    cr_assert_eq(mkdir(h_path(d, "d"), 0755), 0);
    cr_assert_eq(mkdir(h_path(d, "d/sub"), 0755), 0);
    h_write(d, "d/r.csv", RECORDS);
    cr_assert_eq(symlink("..", h_path(d, "d/sub/back")), 0);
    h_result res = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "d", NULL);
    h_assert_code(res, 2);
    cr_assert_str_eq(res.err, "slagg: d/sub/back leads back to d (a directory loop): each input is read once\n");
    h_assert_no_outputs(d, "out");
    h_result_free(&res);
    h_rmtree(d);
}

/* ---- open files --------------------------------------------------------------------------- */

/* Runs slagg under `ulimit -n 64` (a soft limit the shell sets before it
 * execs slagg; SLAGG_EMULATOR words, when set, come first). */
static h_result run_limited(const char *d, const char *const *args)
{
    const char *argv[64] = {"/bin/sh", "-c", "ulimit -n 64 && exec \"$@\"", "sh"};
    size_t n = 4;
    char *emu = getenv("SLAGG_EMULATOR") ? strdup(getenv("SLAGG_EMULATOR")) : NULL;
    for (char *tok = emu ? strtok(emu, " ") : NULL; tok; tok = strtok(NULL, " ")) argv[n++] = tok;
    argv[n++] = SLAGG_BIN;
    for (size_t i = 0; args[i]; i++) argv[n++] = args[i];
    argv[n] = NULL;
    h_result r = h_exec(d, argv);
    free(emu);
    return r;
}

/* 300 logs in in/, one record each, accounts a001..a300 (contracted). */
static void write_300(const char *d)
{
    h_buf c = {0};
    h_buf_printf(&c, "account,start,end\n");
    cr_assert_eq(mkdir(h_path(d, "in"), 0755), 0);
    for (int i = 1; i <= 300; i++) {
        char name[32], rec[128];
        snprintf(name, sizeof name, "in/r%03d.csv", i);
        snprintf(rec, sizeof rec, "ts,account,status\n2026-04-10T%02d:%02d:00+08:00,a%03d,%d\n", i % 24,
                 i % 60, i, i % 7 ? 200 : 503);
        h_write(d, name, rec);
        h_buf_printf(&c, "a%03d,2026-04-01,2026-04-30\n", i);
    }
    h_write(d, "c.csv", c.data);
    h_buf_free(&c);
}

static void assert_same_outputs(const char *d, const char *x, const char *y)
{
    static const char *const files[] = {"finance.csv", "finance.jsonl", "summary.json", "availability.slagg"};
    for (size_t i = 0; i < 4; i++) {
        char *a = h_fmt("%s/%s/%s", d, x, files[i]), *b = h_fmt("%s/%s/%s", d, y, files[i]);
        cr_assert(h_same_file(a, b), "%s/%s differs from %s/%s", x, files[i], y, files[i]);
        free(a);
        free(b);
    }
}

Test(trust_fds, pack_300_inputs_under_ulimit_64, .timeout = 120)
{
    char *d = h_tmpdir();
    write_300(d);
    h_result res = h_slagg(d, NULL, "pack", "--out", "free", "--quiet", "in", NULL);
    h_assert_code(res, 0);
    h_result_free(&res);
    res = run_limited(d, (const char *const[]){"pack", "--out", "limited", "--quiet", "--threads", "8", "in", NULL});
    h_assert_code(res, 0);
    cr_assert_str_eq(res.err, "");
    for (int i = 1; i <= 300; i++) {
        char *a = h_fmt("%s/free/r%03d.shard", d, i), *b = h_fmt("%s/limited/r%03d.shard", d, i);
        cr_assert(h_same_file(a, b), "r%03d.shard differs", i);
        free(a);
        free(b);
    }
    h_result_free(&res);
    h_rmtree(d);
}

Test(trust_fds, fold_300_shards_under_ulimit_64, .timeout = 120)
{
    char *d = h_tmpdir();
    write_300(d);
    h_result res = h_slagg(d, NULL, "pack", "--out", "shards", "--quiet", "in", NULL);
    h_assert_code(res, 0);
    h_result_free(&res);
    res = h_slagg(d, NULL, "fold", "--out", "free", "--contracts", "c.csv", "--quiet", "shards", NULL);
    h_assert_code(res, 0);
    char *free_err = strdup(res.err);   /* the coverage warnings, the same for both runs */
    h_result_free(&res);
    res = run_limited(d, (const char *const[]){"fold", "--out", "limited", "--contracts", "c.csv", "--quiet",
                                               "--threads", "8", "shards", NULL});
    h_assert_code(res, 0);
    cr_assert_str_eq(res.err, free_err);
    cr_assert(!h_contains(res.err, "Too many open files"), "%s", res.err);
    free(free_err);
    assert_same_outputs(d, "free", "limited");
    cr_assert_eq(h_json_int(h_read_in(d, "limited/summary.json", NULL), "records_read"), 300);
    h_result_free(&res);
    /* the text logs themselves (the generic fold), 64 threads asked for */
    res = run_limited(d, (const char *const[]){"fold", "--out", "logs", "--contracts", "c.csv", "--quiet",
                                               "--threads", "64", "in", NULL});
    h_assert_code(res, 0);
    assert_same_outputs(d, "free", "logs");
    h_result_free(&res);
    h_rmtree(d);
}

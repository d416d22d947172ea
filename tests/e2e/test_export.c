/*
 * test_export.c - `slagg export --summary DIR/availability.slagg --out
 * DIR2 [--fees FILE] [--holidays FILE]` rewrites finance.csv,
 * finance.jsonl and summary.json from the compact summary alone (SPEC 4,
 * 5); fees and holidays default to those stored by the fold.
 *
 * The fleet folded here (--through 2026-04-30, --max-rejects 1):
 *   a: 2026-03-01..04-30; 10 fully failed windows on 03-05:
 *      March S = 10 > 0.001 * 8928 = 8.928 -> tier 10;
 *      A% = 100 - 1000/8928 = 99.88799... -> 99.8879. April: no traffic.
 *   b: April; 100 failed windows on 04-20: S = 100 > 86.4 -> tier 25;
 *      A% = 100 - 10000/8640 = 98.84259... -> 98.8425.
 *   c: 04-15 only; 15 failed windows: 94.7916, tier 50.
 *   plus one uncontracted record (ghost) and one rejected row.
 * Holidays hol.csv: 04-03, 04-06 holiday, 04-04 workday -> March claim
 * opens 2026-04-09 (April working days 1, 2, 4, 7, 8); May has none ->
 * April claim opens 2026-05-08.
 * Fees f1.csv: a March 1000.00/0.00 -> 10 % = 100.00 (cap 500.00);
 *   b April 200.00/100.00 -> 25 % = 50.00, cap floor(10000/2) = 50.00,
 *   not capped; zz (line 4) unmatched; c has none -> no_fee.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define CLAIM_MAR_HOL ",2026-04-09,2026-05-31\n"
#define CLAIM_APR ",2026-05-08,2026-06-30\n"
#define LATE "[{\"file\": \"m.csv\", \"line\": 2, \"start\": \"2026-04-25T00:00:00+08:00\", " \
             "\"end\": \"2026-04-25T01:00:00+08:00\", \"scope\": \"*\", "                  \
             "\"notice_at\": \"2026-04-26T00:00:00+08:00\"}]"

#define FOLD_CSV H_FIN_HEADER                                                 \
    "a,2026-03-01,2026-03-31,31,8928,10,10,0,10,99.8879,10,1000.00,0.00,100.00,false,final" CLAIM_MAR_HOL \
    "a,2026-04-01,2026-04-30,30,8640,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_APR \
    "b,2026-04-01,2026-04-30,30,8640,100,100,0,100,98.8425,25,200.00,100.00,50.00,false,final" CLAIM_APR \
    "c,2026-04-15,2026-04-15,1,288,15,15,0,15,94.7916,50,,,,false,no_fee" CLAIM_APR

static const h_summary fold_summary = {
    .records_read = 127, .error = 125, .uncontracted = 1, .rejected = 1,
    .accounts = 3, .final = 3, .no_fee = 1, .tier0 = 1, .tier10 = 1,
    .tier25 = 1, .tier50 = 1, .total_credit = "150.00", .late = LATE,
    .unmatched = "[{\"file\": \"f1.csv\", \"line\": 4, \"account\": \"zz\", "
                 "\"period_start\": \"2026-04-01\"}]",
    .through = "2026-04-30"};

/* Writes the inputs, folds them into out/ and checks the fold's outputs. */
static char *fold_fleet(void)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\na,2026-03-01,2026-04-30\n"
                        "b,2026-04-01,2026-04-30\nc,2026-04-15,2026-04-15\n");
    h_buf r = {0};
    h_buf_printf(&r, "ts,account,status\n");
    for (int w = 0; w < 10; w++)
        h_buf_printf(&r, "2026-03-05T00:%02d:00+08:00,a,500\n", w * 5);
    h_buf_printf(&r, "bad-ts,a,200\n");
    for (int w = 0; w < 100; w++)
        h_buf_printf(&r, "2026-04-20T%02d:%02d:00+08:00,b,500\n", w / 12, w % 12 * 5);
    for (int w = 0; w < 15; w++)
        h_buf_printf(&r, "2026-04-15T%02d:%02d:00+08:00,c,500\n", w / 12, w % 12 * 5);
    h_buf_printf(&r, "2026-04-21T00:00:00+08:00,ghost,200\n");
    h_write(d, "r.csv", r.data);
    h_buf_free(&r);
    h_write(d, "m.csv", "start,end,scope,notice_at\n"
                        "2026-04-25T00:00:00+08:00,2026-04-25T01:00:00+08:00,*,"
                        "2026-04-26T00:00:00+08:00\n");
    h_write(d, "hol.csv", "date,kind\n2026-04-03,holiday\n2026-04-06,holiday\n"
                          "2026-04-04,workday\n");
    h_write(d, "f1.csv", "account,period_start,fee,voucher_paid\n"
                         "a,2026-03-01,1000.00,0.00\n"
                         "b,2026-04-01,200.00,100.00\n"
                         "zz,2026-04-01,1.00,0.00\n");
    h_result res = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                           "--fees", "f1.csv", "--holidays", "hol.csv",
                           "--maintenance", "m.csv", "--through", "2026-04-30",
                           "--max-rejects", "1", "r.csv", NULL);
    h_assert_code(res, 0);
    h_result_free(&res);
    h_assert_finance(d, "out", FOLD_CSV);
    h_assert_summary(d, "out", &fold_summary);
    return d;
}

static char *read_or_missing(const char *path)
{
    return access(path, R_OK) == 0 ? h_read(path, NULL) : h_fmt("(missing)\n");
}

static void assert_same_text_outputs(const char *d, const char *a, const char *b)
{
    static const char *names[] = {"finance.csv", "finance.jsonl", "summary.json"};
    for (size_t i = 0; i < 3; i++) {
        char *pa = h_fmt("%s/%s/%s", d, a, names[i]);
        char *pb = h_fmt("%s/%s/%s", d, b, names[i]);
        if (!h_same_file(pa, pb)) {
            char *ta = read_or_missing(pa), *tb = read_or_missing(pb);
            cr_assert_fail("%s/%s and %s/%s differ:\n--- %s\n%s--- %s\n%s", a,
                           names[i], b, names[i], a, ta, b, tb);
        }
        free(pa);
        free(pb);
    }
}

Test(export, same_as_fold_with_stored_files)
{
    char *d = fold_fleet();
    h_result r = h_slagg(d, NULL, "export", "--summary", "out/availability.slagg",
                         "--out", "out2", NULL);
    h_assert_code(r, 0);
    assert_same_text_outputs(d, "out", "out2");
    h_result_free(&r);
    h_rmtree(d);
}

Test(export, same_as_fold_given_the_same_files)
{
    char *d = fold_fleet();
    h_result r = h_slagg(d, NULL, "export", "--summary", "out/availability.slagg",
                         "--out", "out2", "--fees", "f1.csv", "--holidays", "hol.csv",
                         NULL);
    h_assert_code(r, 0);
    assert_same_text_outputs(d, "out", "out2");
    h_result_free(&r);
    h_rmtree(d);
}

/* "so the export and drill-down never need the raw records again": the
 * records, contracts, maintenance, fees and holidays files may all be
 * gone; the stored fees and holidays are used. */
Test(export, needs_no_original_files)
{
    char *d = fold_fleet();
    static const char *gone[] = {"r.csv", "c.csv", "m.csv", "f1.csv", "hol.csv"};
    for (size_t i = 0; i < 5; i++) {
        char *p = h_path(d, gone[i]);
        cr_assert_eq(unlink(p), 0);
        free(p);
    }
    h_result r = h_slagg(d, NULL, "export", "--summary", "out/availability.slagg",
                         "--out", "out2", NULL);
    h_assert_code(r, 0);
    assert_same_text_outputs(d, "out", "out2");
    h_result_free(&r);
    h_rmtree(d);
}

/* A new fees file f2.csv:
 *   c 04-15 50.00/0.00: 50 % -> 2500 fen, cap 2500 -> 25.00, not capped;
 *     c is final now.
 *   a March 1000.00/900.00: 10 % -> 10000 fen, cap floor(10000/2) = 5000
 *     -> 50.00, capped.
 *   b has no row now: tier 25 -> no_fee. b 2026-05-01 (line 4): unmatched.
 * Total 75.00. Counts and maintenance are the fold's. */
Test(export, new_fees_file)
{
    char *d = fold_fleet();
    h_write(d, "f2.csv", "account,period_start,fee,voucher_paid\n"
                         "c,2026-04-15,50.00,0.00\n"
                         "a,2026-03-01,1000.00,900.00\n"
                         "b,2026-05-01,3.00,0.00\n");
    h_result r = h_slagg(d, NULL, "export", "--summary", "out/availability.slagg",
                         "--out", "out2", "--fees", "f2.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out2", H_FIN_HEADER
        "a,2026-03-01,2026-03-31,31,8928,10,10,0,10,99.8879,10,1000.00,900.00,50.00,true,final" CLAIM_MAR_HOL
        "a,2026-04-01,2026-04-30,30,8640,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_APR
        "b,2026-04-01,2026-04-30,30,8640,100,100,0,100,98.8425,25,,,,false,no_fee" CLAIM_APR
        "c,2026-04-15,2026-04-15,1,288,15,15,0,15,94.7916,50,50.00,0.00,25.00,false,final" CLAIM_APR);
    h_summary s = fold_summary;
    s.total_credit = "75.00";
    s.unmatched = "[{\"file\": \"f2.csv\", \"line\": 4, \"account\": \"b\", "
                  "\"period_start\": \"2026-05-01\"}]";
    h_assert_summary(d, "out2", &s);
    /* the fold's own outputs are untouched */
    h_assert_finance(d, "out", FOLD_CSV);
    h_result_free(&r);
    h_rmtree(d);
}

/* A new holidays file without the 04-04 make-up day and the holidays:
 * April's working days 1, 2, 3, 6, 7 -> March claim opens 2026-04-08. */
Test(export, new_holidays_file)
{
    char *d = fold_fleet();
    h_write(d, "hol2.csv", "date,kind\n");
    h_result r = h_slagg(d, NULL, "export", "--summary", "out/availability.slagg",
                         "--out", "out2", "--holidays", "hol2.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out2", H_FIN_HEADER
        "a,2026-03-01,2026-03-31,31,8928,10,10,0,10,99.8879,10,1000.00,0.00,100.00,false,final,2026-04-08,2026-05-31\n"
        "a,2026-04-01,2026-04-30,30,8640,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_APR
        "b,2026-04-01,2026-04-30,30,8640,100,100,0,100,98.8425,25,200.00,100.00,50.00,false,final" CLAIM_APR
        "c,2026-04-15,2026-04-15,1,288,15,15,0,15,94.7916,50,,,,false,no_fee" CLAIM_APR);
    h_assert_summary(d, "out2", &fold_summary);
    h_result_free(&r);
    h_rmtree(d);
}

/* Export into the fold's own directory with the same files rewrites the
 * same bytes. */
Test(export, over_the_fold_output_is_idempotent)
{
    char *d = fold_fleet();
    h_result r = h_slagg(d, NULL, "export", "--summary", "out/availability.slagg",
                         "--out", "out", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", FOLD_CSV);
    h_assert_summary(d, "out", &fold_summary);
    h_result_free(&r);
    h_rmtree(d);
}

/* A corrupt summary is an input error (exit 2) naming the file and
 * writes nothing; a missing one is an I/O error (exit 3); a bad new fees
 * row is an input error naming file and line. */
Test(export, corrupt_missing_and_bad_fees)
{
    char *d = fold_fleet();
    size_t n;
    char *bytes = h_read_in(d, "out/availability.slagg", &n);
    cr_assert(n > 8);
    bytes[n / 2] ^= 0x5a;
    h_write_bytes(d, "bad.slagg", bytes, n);
    h_result r = h_slagg(d, NULL, "export", "--summary", "bad.slagg", "--out", "out2",
                         NULL);
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "bad.slagg"), "stderr:\n%s", r.err);
    h_assert_no_outputs(d, "out2");
    h_result_free(&r);

    r = h_slagg(d, NULL, "export", "--summary", "nope.slagg", "--out", "out2", NULL);
    h_assert_code(r, 2);   /* a missing input is an input error (issue 15) */
    cr_assert(h_contains(r.err, "nope.slagg"), "stderr:\n%s", r.err);
    h_result_free(&r);

    h_write(d, "f3.csv", "account,period_start,fee,voucher_paid\n"
                         "a,2026-03-01,10.00,20.00\n");
    r = h_slagg(d, NULL, "export", "--summary", "out/availability.slagg", "--out",
                "out2", "--fees", "f3.csv", NULL);
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "f3.csv:2:"), "stderr:\n%s", r.err);
    h_assert_no_outputs(d, "out2");
    h_result_free(&r);
    free(bytes);
    h_rmtree(d);
}

/* Every input may be zstd-compressed (SPEC 3), fees, holidays and
 * maintenance included: the same fleet, all files compressed, folds to
 * the same bytes (the file names are kept, so the lists in summary.json
 * are the same too). */
Test(export, fold_of_compressed_side_files_is_identical)
{
    char *d = fold_fleet();
    static const char *files[] = {"c.csv", "r.csv", "m.csv", "hol.csv", "f1.csv"};
    for (size_t i = 0; i < 5; i++) {
        size_t n;
        char *plain = h_read_in(d, files[i], &n);
        size_t cap = ZSTD_compressBound(n);
        char *z = malloc(cap);
        size_t zn = ZSTD_compress(z, cap, plain, n, 19);
        cr_assert(!ZSTD_isError(zn));
        h_write_bytes(d, files[i], z, zn);
        free(z);
        free(plain);
    }
    h_result r = h_slagg(d, NULL, "fold", "--out", "outz", "--contracts", "c.csv",
                         "--fees", "f1.csv", "--holidays", "hol.csv",
                         "--maintenance", "m.csv", "--through", "2026-04-30",
                         "--max-rejects", "1", "r.csv", NULL);
    h_assert_code(r, 0);
    assert_same_text_outputs(d, "out", "outz");
    h_result_free(&r);
    h_rmtree(d);
}

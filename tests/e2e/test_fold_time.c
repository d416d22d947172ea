/*
 * test_fold_time.c - service time zone and day/window boundaries (SPEC 2
 * "Time"), --through, in_progress and after_through (SPEC 2 "Periods"),
 * the accepted forms of ts (SPEC 3), NDJSON, zstd and stdin inputs.
 *
 * Unix times used: 2026-04-01T00:00:00Z = 1775001600 (20544 days since
 * 1970-01-01: 56 years with 14 leap days = 20454 days to 2026-01-01, plus
 * 31 + 28 + 31). So 2026-04-01T00:00:00+08:00 = 1774972800 and
 * 2026-04-02T10:00:00+08:00 = 2026-04-02T02:00:00Z = 1775095200.
 *
 * A% for one fully failed window: March (N = 8928): 100 - 100/8928 =
 * 99.98879... -> 99.9887; April (N = 8640): 99.98842... -> 99.9884.
 * Three in March: 99.96639... -> 99.9663; three in April: 99.9652.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define CLAIM_MAR ",2026-04-08,2026-05-31\n"
#define CLAIM_APR ",2026-05-08,2026-06-30\n"
#define CONTRACTS "account,start,end\na,2026-03-01,2026-04-30\n"

/* The boundary case: one error at the last instant of March and one at
 * the first instant of April, service time +08:00. */
#define BOUNDARY_CSV H_FIN_HEADER                                             \
    "a,2026-03-01,2026-03-31,31,8928,1,1,0,1,99.9887,0,,,0.00,false,final" CLAIM_MAR \
    "a,2026-04-01,2026-04-30,30,8640,1,1,0,1,99.9884,0,,,0.00,false,final" CLAIM_APR

static void check_boundary(const char *d, const char *out, const char *tz)
{
    h_assert_finance(d, out, BOUNDARY_CSV);
    h_assert_summary(d, out, &(h_summary){
        .records_read = 2, .error = 2, .accounts = 1, .final = 2, .tier0 = 2,
        .through = "2026-04-30", .tz = tz});
}

/* Folds `input` (a file name in d, or "-" with stdin_data) against
 * CONTRACTS with --through 2026-04-30 and checks the boundary outputs. */
static void fold_boundary(const char *d, const char *input, const char *stdin_data)
{
    h_write(d, "c.csv", CONTRACTS);
    h_result r = h_slagg(d, stdin_data, "fold", "--out", "out", "--contracts",
                         "c.csv", "--through", "2026-04-30", input, NULL);
    h_assert_code(r, 0);
    check_boundary(d, "out", NULL);
    h_result_free(&r);
}

static void write_zstd(const char *d, const char *name, const char *text)
{
    size_t n = strlen(text);
    size_t cap = ZSTD_compressBound(n);
    char *z = malloc(cap);
    size_t zn = ZSTD_compress(z, cap, text, n, 3);
    cr_assert(!ZSTD_isError(zn), "ZSTD_compress: %s", ZSTD_getErrorName(zn));
    h_write_bytes(d, name, z, zn);
    free(z);
}

Test(fold_time, tz_boundary_offset_form)
{
    char *d = h_tmpdir();
    h_write(d, "r.csv", "ts,account,status\n"
                        "2026-03-31T23:59:59.999+08:00,a,500\n"
                        "2026-04-01T00:00:00+08:00,a,500\n");
    fold_boundary(d, "r.csv", NULL);
    h_rmtree(d);
}

/* The same instants written in UTC, and with -05:00 and nanoseconds. */
Test(fold_time, tz_boundary_utc_and_other_offsets)
{
    char *d = h_tmpdir();
    h_write(d, "r.csv", "ts,account,status\n"
                        "2026-03-31T15:59:59.999Z,a,500\n"
                        "2026-03-31T16:00:00Z,a,500\n");
    fold_boundary(d, "r.csv", NULL);
    h_write(d, "r.csv", "ts,account,status\n"
                        "2026-03-31T10:59:59.999999999-05:00,a,500\n"
                        "2026-03-31T11:00:00.000-05:00,a,500\n");
    fold_boundary(d, "r.csv", NULL);
    h_rmtree(d);
}

/* Unix seconds (integer and decimal) and ts_ms (Unix milliseconds). */
Test(fold_time, tz_boundary_unix_seconds_and_ms)
{
    char *d = h_tmpdir();
    h_write(d, "r.csv", "ts,account,status\n"
                        "1774972799.999,a,500\n"
                        "1774972800,a,500\n");
    fold_boundary(d, "r.csv", NULL);
    h_write(d, "r.csv", "ts_ms,account,status\n"
                        "1774972799999,a,500\n"
                        "1774972800000,a,500\n");
    fold_boundary(d, "r.csv", NULL);
    h_rmtree(d);
}

/* --tz moves the day boundary. Records (as instants):
 *   1: 2026-03-31T15:59:59.999Z   2: 2026-03-31T16:00:00Z
 *   3: 2026-03-31T23:59:59Z       4: 2026-04-01T00:00:00Z
 * --tz +00:00: 1, 2, 3 in March (windows 15:55, 16:00, 23:55) -> S = 3 ->
 *   99.9663; 4 in April -> 99.9884.
 * default +08:00: 1 in March -> 99.9887; 2, 3, 4 in April (windows 00:00,
 *   07:55, 08:00 of 04-01) -> 99.9652.
 * --tz -05:00 with 2026-04-01T04:59:59Z (March) and 05:00:00Z (April)
 *   gives the boundary outputs. */
Test(fold_time, tz_option_moves_the_boundary)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", "ts,account,status\n"
                        "2026-03-31T23:59:59.999+08:00,a,500\n"
                        "2026-04-01T00:00:00+08:00,a,500\n"
                        "2026-04-01T07:59:59+08:00,a,500\n"
                        "2026-04-01T08:00:00+08:00,a,500\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "utc", "--contracts", "c.csv",
                         "--tz", "+00:00", "--through", "2026-04-30", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "utc", H_FIN_HEADER
        "a,2026-03-01,2026-03-31,31,8928,3,3,0,3,99.9663,0,,,0.00,false,final" CLAIM_MAR
        "a,2026-04-01,2026-04-30,30,8640,1,1,0,1,99.9884,0,,,0.00,false,final" CLAIM_APR);
    h_assert_summary(d, "utc", &(h_summary){
        .records_read = 4, .error = 4, .accounts = 1, .final = 2, .tier0 = 2,
        .through = "2026-04-30", .tz = "+00:00"});
    h_result_free(&r);

    r = h_slagg(d, NULL, "fold", "--out", "bj", "--contracts", "c.csv",
                "--through", "2026-04-30", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "bj", H_FIN_HEADER
        "a,2026-03-01,2026-03-31,31,8928,1,1,0,1,99.9887,0,,,0.00,false,final" CLAIM_MAR
        "a,2026-04-01,2026-04-30,30,8640,3,3,0,3,99.9652,0,,,0.00,false,final" CLAIM_APR);
    h_result_free(&r);

    h_write(d, "r5.csv", "ts,account,status\n"
                         "2026-04-01T04:59:59Z,a,500\n"
                         "2026-04-01T05:00:00Z,a,500\n");
    r = h_slagg(d, NULL, "fold", "--out", "ny", "--contracts", "c.csv",
                "--tz", "-05:00", "--through", "2026-04-30", "r5.csv", NULL);
    h_assert_code(r, 0);
    check_boundary(d, "ny", "-05:00");
    h_result_free(&r);
    h_rmtree(d);
}

/* Many spellings of one instant, 2026-04-02T10:00:00+08:00 (or within
 * its 10:00-10:05 window): all land in one window, V = E = 9 ->
 * S = 1 -> 99.9884, error_windows 1. */
Test(fold_time, ts_forms_same_window)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\na,2026-04-01,2026-04-30\n");
    h_write(d, "r.csv", "ts,account,status\n"
                        "2026-04-02T10:00:00+08:00,a,500\n"
                        "2026-04-02T02:00:00Z,a,500\n"
                        "2026-04-01T21:00:00-05:00,a,500\n"
                        "2026-04-02T02:00:00.250Z,a,500\n"
                        "1775095200,a,500\n"
                        "1775095200.5,a,500\n"
                        "2026-04-02T10:04:59.999999+08:00,a,500\n"
                        "1775095499.999,a,500\n"
                        "2026-04-02T02:04:59+00:00,a,500\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--through", "2026-04-30", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        "a,2026-04-01,2026-04-30,30,8640,9,9,0,1,99.9884,0,,,0.00,false,final" CLAIM_APR);
    h_result_free(&r);
    h_rmtree(d);
}

/* SPEC 2: "A request at 10:04:59.999 is in the 10:00 window."
 * 10:00:00 200, 10:00:01 200, 10:04:59.999 500 -> window 10:00 V 3 E 1;
 * 10:05:00 500 -> window 10:05 V 1 E 1. S = 1/3 + 1 = 4/3 ->
 * A% = 100 - (400/3)/8640 = 99.98456... -> 99.9845, error_windows 2.
 * (Putting 10:04:59.999 in the 10:05 window would give S = 1, 99.9884.) */
Test(fold_time, window_alignment)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\na,2026-04-01,2026-04-30\n");
    h_write(d, "r.csv", "ts,account,status\n"
                        "2026-04-02T10:00:00+08:00,a,200\n"
                        "2026-04-02T10:00:01+08:00,a,200\n"
                        "2026-04-02T10:04:59.999+08:00,a,500\n"
                        "2026-04-02T10:05:00+08:00,a,500\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--through", "2026-04-30", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        "a,2026-04-01,2026-04-30,30,8640,4,2,0,2,99.9845,0,,,0.00,false,final" CLAIM_APR);
    h_result_free(&r);
    h_rmtree(d);
}

/* --through 2026-04-10 (SPEC 2 "Periods"):
 *   a (open from 03-01): March final; April in_progress over 10 days
 *     (2880 windows), period_end still 2026-04-30; one error -> S = 1 ->
 *     100 - 100/2880 = 99.96527... -> 99.9652; no May period.
 *   b (04-11..05-31): starts after --through: not reported; its record
 *     on 04-05 is uncontracted.
 *   c (04-10..04-20): in_progress, 1 day, 288 windows.
 *   Records after 04-10 (service time) are after_through, even zz's,
 *   which has no contract at all. */
Test(fold_time, through_in_progress_and_after_through)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\na,2026-03-01,\n"
                        "b,2026-04-11,2026-05-31\nc,2026-04-10,2026-04-20\n");
    h_write(d, "r.csv", "ts,account,status\n"
                        "2026-03-15T12:00:00+08:00,a,200\n"
                        "2026-04-10T23:59:59+08:00,a,500\n"
                        "2026-04-11T00:00:00+08:00,a,500\n"
                        "2026-05-02T00:00:00+08:00,a,200\n"
                        "2026-04-05T00:00:00+08:00,b,200\n"
                        "2026-04-12T00:00:00+08:00,zz,200\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--through", "2026-04-10", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        "a,2026-03-01,2026-03-31,31,8928,1,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_MAR
        "a,2026-04-01,2026-04-30,10,2880,1,1,0,1,99.9652,0,,,,false,in_progress" CLAIM_APR
        "c,2026-04-10,2026-04-20,1,288,0,0,0,0,100.0000,0,,,,false,in_progress" CLAIM_APR);
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 6, .ok = 1, .error = 1, .uncontracted = 1,
        .after_through = 3, .accounts = 2, .final = 1, .in_progress = 2,
        .tier0 = 3, .through = "2026-04-10"});
    h_result_free(&r);
    h_rmtree(d);
}

/* Default --through: the last service-time day with a non-rejected
 * record. 2026-04-10T17:00:00Z is 2026-04-11 01:00 in +08:00, so through
 * = 2026-04-11 (the rejected row on 04-20 does not count): a's April is
 * in_progress over 11 days (3168 windows).
 * With --tz +00:00 that record is on 04-10 -> through 2026-04-10 (10 days,
 * 2880 windows), and 2026-04-01T00:00:00+08:00 is 03-31 in UTC, before
 * a's contract: uncontracted. */
Test(fold_time, default_through_is_last_record_day_in_service_time)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\na,2026-04-01,\n");
    h_write(d, "r.csv", "ts,account,status\n"
                        "2026-04-01T00:00:00+08:00,a,200\n"
                        "2026-04-10T17:00:00Z,a,200\n"
                        "2026-04-20T00:00:00+08:00,a,999\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--max-rejects", "1", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        "a,2026-04-01,2026-04-30,11,3168,2,0,0,0,100.0000,0,,,,false,in_progress" CLAIM_APR);
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 3, .ok = 2, .rejected = 1, .accounts = 1,
        .in_progress = 1, .tier0 = 1, .through = "2026-04-11"});
    h_result_free(&r);

    r = h_slagg(d, NULL, "fold", "--out", "utc", "--contracts", "c.csv",
                "--tz", "+00:00", "--max-rejects", "1", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "utc", H_FIN_HEADER
        "a,2026-04-01,2026-04-30,10,2880,1,0,0,0,100.0000,0,,,,false,in_progress" CLAIM_APR);
    h_assert_summary(d, "utc", &(h_summary){
        .records_read = 3, .ok = 1, .uncontracted = 1, .rejected = 1,
        .accounts = 1, .in_progress = 1, .tier0 = 1, .through = "2026-04-10",
        .tz = "+00:00"});
    h_result_free(&r);
    h_rmtree(d);
}

/* An uncontracted record is a non-rejected record: it sets the default
 * --through too (2026-04-12 -> a's April: 12 days, 3456 windows). */
Test(fold_time, default_through_counts_uncontracted_records)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\na,2026-04-01,\n");
    h_write(d, "r.csv", "ts,account,status\n"
                        "2026-04-01T00:00:00+08:00,a,200\n"
                        "2026-04-12T10:00:00+08:00,zz,200\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        "a,2026-04-01,2026-04-30,12,3456,1,0,0,0,100.0000,0,,,,false,in_progress" CLAIM_APR);
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 2, .ok = 1, .uncontracted = 1, .accounts = 1,
        .in_progress = 1, .tier0 = 1, .through = "2026-04-12"});
    h_result_free(&r);
    h_rmtree(d);
}

/* No record at all: --through defaults to the latest date in the
 * contracts file (2026-06-16): the SLA example's four final periods. */
Test(fold_time, default_through_without_records)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\nacme,2026-03-17,2026-06-16\n");
    h_write(d, "r.csv", "ts,account,status\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        "acme,2026-03-17,2026-03-31,15,4320,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_MAR
        "acme,2026-04-01,2026-04-30,30,8640,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_APR
        "acme,2026-05-01,2026-05-31,31,8928,0,0,0,0,100.0000,0,,,0.00,false,final,2026-06-06,2026-07-31\n"
        "acme,2026-06-01,2026-06-16,16,4608,0,0,0,0,100.0000,0,,,0.00,false,final,2026-07-08,2026-08-31\n");
    h_assert_summary(d, "out", &(h_summary){
        .accounts = 1, .final = 4, .tier0 = 4, .through = "2026-06-16"});
    h_result_free(&r);
    h_rmtree(d);
}

/* NDJSON (told by its first byte '{'): other keys, nested or not, are
 * ignored - including a "cause" nested inside another object; an empty
 * line is skipped and not counted. */
Test(fold_time, ndjson_records)
{
    char *d = h_tmpdir();
    h_write(d, "r.dat",
        "{\"ts\":\"2026-03-31T23:59:59.999+08:00\",\"account\":\"a\",\"status\":500,"
        "\"extra\":{\"nested\":[1,{\"x\":\"y\"}],\"s\":\"}\"},\"cause\":\"provider\"}\n"
        "\n"
        "{\"request_id\":\"r2\",\"account\":\"a\",\"ts\":\"2026-04-01T00:00:00+08:00\","
        "\"meta\":{\"cause\":\"attack\"},\"status\":500}\n");
    fold_boundary(d, "r.dat", NULL);
    h_rmtree(d);
}

/* NDJSON is told by the first non-blank byte, so leading blank lines and
 * spaces do not make it CSV. */
Test(fold_time, ndjson_after_leading_blank_line)
{
    char *d = h_tmpdir();
    h_write(d, "r.json",
        "\n  {\"ts\":\"2026-03-31T23:59:59.999+08:00\",\"account\":\"a\",\"status\":500}\n"
        "{\"ts\":\"2026-04-01T00:00:00+08:00\",\"account\":\"a\",\"status\":500,\"cause\":\"\"}\n");
    fold_boundary(d, "r.json", NULL);
    h_rmtree(d);
}

/* zstd-compressed CSV, told by its magic bytes, whatever its name. */
Test(fold_time, zstd_csv_records)
{
    char *d = h_tmpdir();
    write_zstd(d, "r.csv", "ts,account,status\n"
                           "2026-03-31T23:59:59.999+08:00,a,500\n"
                           "2026-04-01T00:00:00+08:00,a,500\n");
    fold_boundary(d, "r.csv", NULL);
    h_rmtree(d);
}

/* zstd-compressed NDJSON records and a zstd-compressed contracts file
 * ("Any input may be zstd-compressed"). */
Test(fold_time, zstd_ndjson_and_zstd_contracts)
{
    char *d = h_tmpdir();
    write_zstd(d, "r.zst",
        "{\"ts\":\"2026-03-31T23:59:59.999+08:00\",\"account\":\"a\",\"status\":500}\n"
        "{\"ts\":\"2026-04-01T00:00:00+08:00\",\"account\":\"a\",\"status\":500}\n");
    write_zstd(d, "cz.csv", CONTRACTS);
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "cz.csv",
                         "--through", "2026-04-30", "r.zst", NULL);
    h_assert_code(r, 0);
    check_boundary(d, "out", NULL);
    h_result_free(&r);
    h_rmtree(d);
}

/* A zstd file of two concatenated frames is one stream (RFC 8878: zstd
 * data is one or more frames). */
Test(fold_time, zstd_two_frames)
{
    char *d = h_tmpdir();
    write_zstd(d, "p1", "ts,account,status\n2026-03-31T23:59:59.999+08:00,a,500\n");
    write_zstd(d, "p2", "2026-04-01T00:00:00+08:00,a,500\n");
    size_t n1, n2;
    char *a = h_read_in(d, "p1", &n1);
    char *b = h_read_in(d, "p2", &n2);
    h_buf cat = {0};
    h_buf_append(&cat, a, n1);
    h_buf_append(&cat, b, n2);
    h_write_bytes(d, "r.csv.zst", cat.data, cat.len);
    fold_boundary(d, "r.csv.zst", NULL);
    free(a);
    free(b);
    h_buf_free(&cat);
    h_rmtree(d);
}

/* `-` reads records from standard input. */
Test(fold_time, stdin_records)
{
    char *d = h_tmpdir();
    fold_boundary(d, "-", "ts,account,status\n"
                          "2026-03-31T23:59:59.999+08:00,a,500\n"
                          "2026-04-01T00:00:00+08:00,a,500\n");
    h_rmtree(d);
}

/* One run may mix CSV files, standard input and NDJSON files. */
Test(fold_time, mixed_inputs_csv_ndjson_stdin)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r1.csv", "ts,account,status\n2026-03-31T23:59:59.999+08:00,a,500\n");
    h_write(d, "r2.ndjson", "{\"ts\":\"2026-04-01T00:00:00+08:00\",\"account\":\"a\",\"status\":200}\n");
    h_result r = h_slagg(d, "ts,account,status\n2026-04-01T00:00:00+08:00,a,500\n",
                         "fold", "--out", "out", "--contracts", "c.csv",
                         "--through", "2026-04-30", "r1.csv", "-", "r2.ndjson",
                         NULL);
    h_assert_code(r, 0);
    /* April window 00:00: V 2, E 1 -> S = 1/2 -> 99.9942 */
    h_assert_finance(d, "out", H_FIN_HEADER
        "a,2026-03-01,2026-03-31,31,8928,1,1,0,1,99.9887,0,,,0.00,false,final" CLAIM_MAR
        "a,2026-04-01,2026-04-30,30,8640,2,1,0,1,99.9942,0,,,0.00,false,final" CLAIM_APR);
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 3, .ok = 1, .error = 2, .accounts = 1, .final = 2,
        .tier0 = 2, .through = "2026-04-30"});
    h_result_free(&r);
    h_rmtree(d);
}

/* Half-hour offsets work too: with --tz +05:30 the day starts at
 * 18:30:00Z of the previous UTC day. */
Test(fold_time, tz_half_hour_offset)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", "ts,account,status\n"
                        "2026-03-31T18:29:59.999Z,a,500\n"
                        "2026-03-31T18:30:00Z,a,500\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--tz", "+05:30", "--through", "2026-04-30", "r.csv", NULL);
    h_assert_code(r, 0);
    check_boundary(d, "out", "+05:30");
    h_result_free(&r);
    h_rmtree(d);
}

/* --through before every contract: no period is reported; the export
 * is the header alone, finance.jsonl is empty, the record is after_through. */
Test(fold_time, through_before_all_contracts)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\na,2026-03-01,2026-03-31\n");
    h_write(d, "r.csv", "ts,account,status\n2026-03-05T10:00:00+08:00,a,200\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--through", "2026-02-28", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER);
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 1, .after_through = 1, .through = "2026-02-28"});
    h_result_free(&r);
    h_rmtree(d);
}

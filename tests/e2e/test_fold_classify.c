/*
 * test_fold_classify.c - every row of the classification table (SPEC 2
 * "Classifying one request record"), maintenance windows (SPEC 3), and the
 * order in which a record lands in exactly one count (SPEC 2 "Periods").
 *
 * All tests use April 2026 periods (30 days, N = 8640 windows) with
 * --through 2026-04-30; a period with S = sum of window rates has
 * A% = 100 - 100 S / 8640:
 *   S = 1 -> 99.9884, S = 3 -> 99.9652, S = 1/2 -> 99.9942,
 *   S = 2/7 -> 99.9966 (all truncated to 4 decimals).
 * April's claim dates: opens 2026-05-08 (May: Fri 1, Mon 4 .. Thu 7),
 * deadline 2026-06-30.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define CLAIM_APR ",2026-05-08,2026-06-30\n"
#define CONTRACTS "account,start,end\na,2026-04-01,2026-04-30\nb,2026-04-01,2026-04-30\n"
#define HDR "ts,account,status,cause\n"

/* Row of an April period of `acct` with no fee row and tier 0. */
#define ROW(acct, valid, err, excl, ew, avail)                                \
    acct ",2026-04-01,2026-04-30,30,8640," valid "," err "," excl "," ew      \
         "," avail ",0,,,0.00,false,final" CLAIM_APR

static h_result fold(const char *d, const char *records)
{
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", records);
    return h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                   "--through", "2026-04-30", "r.csv", NULL);
}

/* Row 1: 100-499 with any allowed cause -> valid, ok. */
Test(fold_classify, status_1xx_to_4xx_is_ok_whatever_the_cause)
{
    char *d = h_tmpdir();
    h_result r = fold(d, HDR
        "2026-04-10T10:00:00+08:00,a,100,\n"
        "2026-04-10T10:00:01+08:00,a,150,provider\n"
        "2026-04-10T10:00:02+08:00,a,200,maintenance\n"
        "2026-04-10T10:00:03+08:00,a,302,attack\n"
        "2026-04-10T10:00:04+08:00,a,404,content_ban\n"
        "2026-04-10T10:00:05+08:00,a,429,external\n"
        "2026-04-10T10:00:06+08:00,a,499,client\n");
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        ROW("a", "7", "0", "0", "0", "100.0000")
        ROW("b", "0", "0", "0", "0", "100.0000"));
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 7, .ok = 7, .accounts = 2, .final = 2, .tier0 = 2,
        .through = "2026-04-30"});
    h_result_free(&r);
    h_rmtree(d);
}

/* Row 2: 500-599 with cause empty or `provider` -> valid and error.
 * Three windows each 1/1: S = 3 -> 99.9652. */
Test(fold_classify, status_5xx_empty_or_provider_is_error)
{
    char *d = h_tmpdir();
    h_result r = fold(d, HDR
        "2026-04-10T10:00:00+08:00,a,500,\n"
        "2026-04-10T10:05:00+08:00,a,503,provider\n"
        "2026-04-10T10:10:00+08:00,a,599,\n");
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        ROW("a", "3", "3", "0", "3", "99.9652")
        ROW("b", "0", "0", "0", "0", "100.0000"));
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 3, .error = 3, .accounts = 2, .final = 2, .tier0 = 2,
        .through = "2026-04-30"});
    h_result_free(&r);
    h_rmtree(d);
}

/* Row 3: 500-599 with maintenance/attack/content_ban/external/client ->
 * valid, not error, excluded by reason. */
Test(fold_classify, status_5xx_with_excluding_cause)
{
    char *d = h_tmpdir();
    h_result r = fold(d, HDR
        "2026-04-10T10:00:00+08:00,a,500,maintenance\n"
        "2026-04-10T10:00:01+08:00,a,502,attack\n"
        "2026-04-10T10:00:02+08:00,a,503,content_ban\n"
        "2026-04-10T10:00:03+08:00,a,504,external\n"
        "2026-04-10T10:00:04+08:00,a,599,client\n");
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        ROW("a", "5", "0", "5", "0", "100.0000")
        ROW("b", "0", "0", "0", "0", "100.0000"));
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 5, .ex_maintenance = 1, .ex_attack = 1,
        .ex_content_ban = 1, .ex_external = 1, .ex_client = 1, .accounts = 2,
        .final = 2, .tier0 = 2, .through = "2026-04-30"});
    h_result_free(&r);
    h_rmtree(d);
}

/* Rows 5 and 7: status 0 + provider -> valid and error (lost to provider
 * fault); status 0 + any other allowed cause -> not received: not valid,
 * not in the finance row at all. One window 1/1: S = 1 -> 99.9884. */
Test(fold_classify, status_0_lost_and_not_received)
{
    char *d = h_tmpdir();
    h_result r = fold(d, HDR
        "2026-04-10T10:00:00+08:00,a,0,provider\n"
        "2026-04-11T10:00:00+08:00,b,0,\n"
        "2026-04-11T10:00:00+08:00,b,0,external\n"
        "2026-04-11T10:00:00+08:00,b,0,client\n"
        "2026-04-11T10:00:00+08:00,b,0,maintenance\n"
        "2026-04-11T10:00:00+08:00,b,0,attack\n"
        "2026-04-11T10:00:00+08:00,b,0,content_ban\n");
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        ROW("a", "1", "1", "0", "1", "99.9884")
        ROW("b", "0", "0", "0", "0", "100.0000"));
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 7, .lost_provider = 1, .not_received = 6,
        .accounts = 2, .final = 2, .tier0 = 2, .through = "2026-04-30"});
    h_result_free(&r);
    h_rmtree(d);
}

/* One window mixing the rows: 3 ok, 1 error (500), 1 lost (0 provider),
 * 2 excluded 5xx (attack, content_ban; valid), 1 not received (0):
 * V = 3 + 1 + 1 + 2 = 7, E = 2 -> rate 2/7, S = 2/7 -> 99.9966.
 * (Leaving excluded 5xx out of V would give 2/5 -> 99.9953.) */
Test(fold_classify, excluded_5xx_count_in_the_denominator)
{
    char *d = h_tmpdir();
    h_result r = fold(d, HDR
        "2026-04-20T00:00:00+08:00,a,200,\n"
        "2026-04-20T00:01:00+08:00,a,201,\n"
        "2026-04-20T00:02:00+08:00,a,304,\n"
        "2026-04-20T00:03:00+08:00,a,500,\n"
        "2026-04-20T00:04:00+08:00,a,0,provider\n"
        "2026-04-20T00:04:10+08:00,a,502,attack\n"
        "2026-04-20T00:04:20+08:00,a,503,content_ban\n"
        "2026-04-20T00:04:30+08:00,a,0,\n");
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        ROW("a", "7", "2", "2", "1", "99.9966")
        ROW("b", "0", "0", "0", "0", "100.0000"));
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 8, .ok = 3, .error = 1, .lost_provider = 1,
        .not_received = 1, .ex_attack = 1, .ex_content_ban = 1,
        .accounts = 2, .final = 2, .tier0 = 2, .through = "2026-04-30"});
    h_result_free(&r);
    h_rmtree(d);
}

/* Rows 4 and 6 and the maintenance rules (SPEC 3 "Maintenance windows"):
 * [start, end), scope an account or '*', a record's own cause wins, a
 * window notified late (notice_at > start) excludes nothing and is listed,
 * notice_at == start or empty counts as notified.
 *
 *   m.csv line 2: a,  04-02 10:00-11:00 +08:00, notified 03-30
 *   m.csv line 3: *,  04-03 00:00Z-01:00Z (= 08:00-09:00 +08:00), no notice
 *   m.csv line 4: a,  04-04 10:00-11:00, notice 10:30 -> late
 *   m.csv line 5: a,  04-05 10:00-11:00, notice 10:00 == start -> notified
 *
 *   r1  04-02 10:00:00      a 500          excluded maintenance (start in)
 *   r2  04-02 10:59:59.999  a 503          excluded maintenance
 *   r3  04-02 11:00:00      a 500          error (end excluded)
 *   r4  04-02 10:30         b 500          error (window scoped to a)
 *   r5  04-03 08:30         b 500          excluded maintenance ('*')
 *   r6  04-03 08:30         a 0 provider   excluded maintenance, not valid
 *   r7  04-03 08:31         a 0            not received
 *   r8  04-02 10:10         a 502 attack   excluded attack (own cause wins)
 *   r9  04-02 10:15         a 404          ok
 *   r10 04-04 10:40         a 500          error (late window)
 *   r11 04-05 10:20         a 500          excluded maintenance
 *   r12 04-03 09:00         a 0 provider   lost (window ended 09:00)
 *
 * a: valid r1 r2 r3 r8 r9 r10 r11 r12 = 8; error r3 r10 r12 = 3;
 *    excluded r1 r2 r6 r8 r11 = 5; error windows 11:00, 10:40, 09:00 each
 *    1/1 -> S = 3 -> 99.9652.
 * b: valid r4 r5 = 2, error 1, excluded 1, S = 1 -> 99.9884.
 * summary: ok 1, error 3, lost 1, not_received 1, maintenance 5, attack 1. */
Test(fold_classify, maintenance_windows)
{
    char *d = h_tmpdir();
    h_write(d, "m.csv", "start,end,scope,notice_at\n"
        "2026-04-02T10:00:00+08:00,2026-04-02T11:00:00+08:00,a,2026-03-30T09:00:00+08:00\n"
        "2026-04-03T00:00:00Z,2026-04-03T01:00:00Z,*,\n"
        "2026-04-04T10:00:00+08:00,2026-04-04T11:00:00+08:00,a,2026-04-04T10:30:00+08:00\n"
        "2026-04-05T10:00:00+08:00,2026-04-05T11:00:00+08:00,a,2026-04-05T10:00:00+08:00\n");
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", HDR
        "2026-04-02T10:00:00+08:00,a,500,\n"
        "2026-04-02T10:59:59.999+08:00,a,503,\n"
        "2026-04-02T11:00:00+08:00,a,500,\n"
        "2026-04-02T10:30:00+08:00,b,500,\n"
        "2026-04-03T08:30:00+08:00,b,500,\n"
        "2026-04-03T08:30:00+08:00,a,0,provider\n"
        "2026-04-03T08:31:00+08:00,a,0,\n"
        "2026-04-02T10:10:00+08:00,a,502,attack\n"
        "2026-04-02T10:15:00+08:00,a,404,\n"
        "2026-04-04T10:40:00+08:00,a,500,\n"
        "2026-04-05T10:20:00+08:00,a,500,\n"
        "2026-04-03T09:00:00+08:00,a,0,provider\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--maintenance", "m.csv", "--through", "2026-04-30",
                         "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        ROW("a", "8", "3", "5", "3", "99.9652")
        ROW("b", "2", "1", "1", "1", "99.9884"));
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 12, .ok = 1, .error = 3, .lost_provider = 1,
        .not_received = 1, .ex_maintenance = 5, .ex_attack = 1,
        .accounts = 2, .final = 2, .tier0 = 2, .through = "2026-04-30",
        .late = "[{\"file\": \"m.csv\", \"line\": 4, "
                "\"start\": \"2026-04-04T10:00:00+08:00\", "
                "\"end\": \"2026-04-04T11:00:00+08:00\", \"scope\": \"a\", "
                "\"notice_at\": \"2026-04-04T10:30:00+08:00\"}]"});
    h_result_free(&r);
    h_rmtree(d);
}

/* Two late windows are both listed, in file order, separated by ", ". */
Test(fold_classify, two_late_maintenance_windows_listed)
{
    char *d = h_tmpdir();
    h_write(d, "m.csv", "start,end,scope,notice_at\n"
        "2026-04-04T10:00:00+08:00,2026-04-04T11:00:00+08:00,*,2026-04-04T10:00:00.001+08:00\n"
        "2026-04-06T00:00:00Z,2026-04-06T02:00:00Z,b,2026-04-07T00:00:00Z\n");
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", HDR "2026-04-04T10:00:00+08:00,a,500,\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--maintenance", "m.csv", "--through", "2026-04-30",
                         "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        ROW("a", "1", "1", "0", "1", "99.9884")
        ROW("b", "0", "0", "0", "0", "100.0000"));
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 1, .error = 1, .accounts = 2, .final = 2, .tier0 = 2,
        .through = "2026-04-30",
        .late = "[{\"file\": \"m.csv\", \"line\": 2, "
                "\"start\": \"2026-04-04T10:00:00+08:00\", "
                "\"end\": \"2026-04-04T11:00:00+08:00\", \"scope\": \"*\", "
                "\"notice_at\": \"2026-04-04T10:00:00.001+08:00\"}, "
                "{\"file\": \"m.csv\", \"line\": 3, "
                "\"start\": \"2026-04-06T00:00:00Z\", "
                "\"end\": \"2026-04-06T02:00:00Z\", \"scope\": \"b\", "
                "\"notice_at\": \"2026-04-07T00:00:00Z\"}]"});
    h_result_free(&r);
    h_rmtree(d);
}

/* Last row of the table: other statuses and unknown causes are rejected
 * with file and line; with --max-rejects the run goes on, rejects are
 * listed in --rejects FILE (header file,line,reason; input order) and
 * counted in `rejected`. Accounts must be 1-128 bytes of UTF-8 without
 * control characters. a's window 10:00: V = 2 (200, 500), E = 1 -> S = 1/2
 * -> 99.9942. The 128-byte account has no contract: uncontracted. */
Test(fold_classify, rejected_rows)
{
    char acct128[129], acct129[130];
    memset(acct128, 'k', 128);
    acct128[128] = '\0';
    memset(acct129, 'k', 129);
    acct129[129] = '\0';
    char *d = h_tmpdir();
    h_buf b = {0};
    h_buf_printf(&b, HDR);
#define T "2026-04-10T10:00:00+08:00"
    h_buf_printf(&b, T ",a,200,\n");                    /* 2 ok */
    h_buf_printf(&b, T ",a,600,\n");                    /* 3 status 600 */
    h_buf_printf(&b, T ",a,99,\n");                     /* 4 status 99 */
    h_buf_printf(&b, T ",a,-1,\n");                     /* 5 negative */
    h_buf_printf(&b, T ",a,abc,\n");                    /* 6 not a number */
    h_buf_printf(&b, T ",a,200,bogus\n");               /* 7 unknown cause */
    h_buf_printf(&b, T ",a,0,bogus\n");                 /* 8 unknown cause */
    h_buf_printf(&b, T ",a,503,bogus\n");               /* 9 unknown cause */
    h_buf_printf(&b, T ",,200,\n");                     /* 10 empty account */
    h_buf_printf(&b, "not-a-time,a,200,\n");            /* 11 bad ts */
    h_buf_printf(&b, "2026-04-10T10:00:00,a,200,\n");   /* 12 ts without offset */
    h_buf_printf(&b, T ",%s,200,\n", acct129);          /* 13 129 bytes */
    h_buf_printf(&b, T ",%s,200,\n", acct128);          /* 14 128 bytes: uncontracted */
    h_buf_printf(&b, T ",\"a\tb\",200,\n");             /* 15 control char */
    h_buf_printf(&b, T ",\xff\xfe,200,\n");             /* 16 invalid UTF-8 */
    h_buf_printf(&b, T ",a\n");                         /* 17 too few fields */
    h_buf_printf(&b, T ",a,500,\n");                    /* 18 error */
    h_buf_printf(&b, T ",a,1000,\n");                   /* 19 status 1000 */
    h_buf_printf(&b, T ",a,2O0,\n");                    /* 20 letter O */
    h_buf_printf(&b, "2026-02-30T10:00:00+08:00,a,200,\n"); /* 21 no such date */
    h_buf_printf(&b, "2026-04-10T24:00:00+08:00,a,200,\n"); /* 22 hour 24 */
    h_buf_printf(&b, T ",a,0,Provider\n");              /* 23 causes are exact */
#undef T
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", b.data);
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--through", "2026-04-30", "--max-rejects", "100",
                         "--rejects", "rej.csv", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        ROW("a", "2", "1", "0", "1", "99.9942")
        ROW("b", "0", "0", "0", "0", "100.0000"));
    /* 22 rows: ok 1, error 1, uncontracted 1, rejected 19 */
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 22, .ok = 1, .error = 1, .uncontracted = 1,
        .rejected = 19, .accounts = 2, .final = 2, .tier0 = 2,
        .through = "2026-04-30"});
    static const int lines[] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16,
                                17, 19, 20, 21, 22, 23};
    char *rej = h_read_in(d, "rej.csv", NULL);
    const char *p = rej;
    cr_assert(strncmp(p, "file,line,reason\n", 17) == 0, "rejects header:\n%s", rej);
    p += 17;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        char *want = h_fmt("r.csv,%d,", lines[i]);
        cr_assert(strncmp(p, want, strlen(want)) == 0,
                  "reject %zu should start with %s; rejects file:\n%s", i, want, rej);
        cr_assert(strlen(p) > strlen(want) + 1 && p[strlen(want)] != '\n',
                  "reject for line %d has no reason:\n%s", lines[i], rej);
        /* reasons may be quoted and hold commas, but not newlines */
        p = strchr(p, '\n');
        cr_assert_not_null(p, "rejects file ends early:\n%s", rej);
        p++;
        free(want);
    }
    cr_assert_str_eq(p, "", "rejects file has extra rows:\n%s", rej);
    free(rej);
    h_buf_free(&b);
    h_result_free(&r);
    h_rmtree(d);
}

/* Each record lands in exactly one count, checked in the order rejected,
 * after_through, uncontracted, classification (SPEC 2 "Periods"). */
Test(fold_classify, count_precedence)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", HDR
        "2026-04-10T10:00:00+08:00,a,200,\n"          /* 2 ok */
        "2026-04-10T10:00:00+08:00,ghost,200,bogus\n" /* 3 rejected, not uncontracted */
        "2026-05-10T10:00:00+08:00,a,700,\n"          /* 4 rejected, not after_through */
        "2026-04-10T10:00:00+08:00,ghost,500,\n"      /* 5 uncontracted */
        "2026-05-10T10:00:00+08:00,ghost,500,\n"      /* 6 after_through, not uncontracted */
        "2026-04-10T10:00:00+08:00,a,0,\n"            /* 7 not received */
        "2026-03-31T23:59:59+08:00,a,500,\n"          /* 8 before a's contract: uncontracted */
        "2026-05-01T00:00:00+08:00,a,0,provider\n");  /* 9 after_through */
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--through", "2026-04-30", "--max-rejects", "2",
                         "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        ROW("a", "1", "0", "0", "0", "100.0000")
        ROW("b", "0", "0", "0", "0", "100.0000"));
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 8, .ok = 1, .not_received = 1, .uncontracted = 2,
        .after_through = 2, .rejected = 2, .accounts = 2, .final = 2,
        .tier0 = 2, .through = "2026-04-30"});
    h_result_free(&r);
    h_rmtree(d);
}

/* CSV records may carry any other columns, in any order (they are
 * ignored), and RFC 4180 quoting, and CRLF line ends. Empty lines are
 * skipped and not counted. */
Test(fold_classify, csv_columns_quoting_crlf_and_empty_lines)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r1.csv",
        "request_id,status,client_ip,account,ts,cause,note\r\n"
        "r-1,500,10.0.0.1,a,2026-04-10T10:00:00+08:00,,\"x, \"\"y\"\"\"\r\n"
        "\r\n"
        "r-2,\"200\",10.0.0.2,\"a\",\"2026-04-10T10:01:00+08:00\",\"\",\"multi\r\nline\"\r\n"
        "r-3,502,10.0.0.3,b,2026-04-10T10:00:00+08:00,attack,\r\n");
    h_write(d, "r2.csv",
        "account,ts,status\n"
        "\n"
        "b,2026-04-11T10:00:00+08:00,0\n"
        "\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--through", "2026-04-30", "r1.csv", "r2.csv", NULL);
    h_assert_code(r, 0);
    /* a: window 10:00 V 2 E 1 -> 99.9942; b: 502 attack excluded (valid),
     * 0 with no cause: not received. */
    h_assert_finance(d, "out", H_FIN_HEADER
        ROW("a", "2", "1", "0", "1", "99.9942")
        ROW("b", "1", "0", "1", "0", "100.0000"));
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 4, .ok = 1, .error = 1, .ex_attack = 1,
        .not_received = 1, .accounts = 2, .final = 2, .tier0 = 2,
        .through = "2026-04-30"});
    h_result_free(&r);
    h_rmtree(d);
}

/* True when `needle` occurs in buf, or in any zstd frame found inside
 * buf once decompressed (outputs may hold compressed sections). */
static bool holds(const char *buf, size_t n, const char *needle)
{
    size_t ln = strlen(needle);
    if (h_memmem(buf, n, needle, ln))
        return true;
    static const unsigned char magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    for (size_t i = 0; i + 4 <= n; i++) {
        if (memcmp(buf + i, magic, 4) != 0)
            continue;
        ZSTD_DStream *ds = ZSTD_createDStream();
        ZSTD_initDStream(ds);
        h_buf plain = {0};
        char chunk[65536];
        ZSTD_inBuffer in = {buf + i, n - i, 0};
        for (;;) {
            ZSTD_outBuffer out = {chunk, sizeof chunk, 0};
            size_t rc = ZSTD_decompressStream(ds, &out, &in);
            if (ZSTD_isError(rc))
                break;
            h_buf_append(&plain, chunk, out.pos);
            if (rc == 0 || (in.pos == in.size && out.pos < out.size) || plain.len > (64u << 20))
                break;
        }
        ZSTD_freeDStream(ds);
        bool found = plain.len && h_memmem(plain.data, plain.len, needle, ln);
        h_buf_free(&plain);
        if (found)
            return true;
    }
    return false;
}

/* SPEC 3: other columns "are ignored and never stored (request ids,
 * client IPs: data minimisation)". None of the outputs - the compact
 * summary included, decompressed - holds them. */
Test(fold_classify, other_columns_never_stored)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", "ts,account,status,cause,request_id,client_ip\n"
        "2026-04-10T10:00:00+08:00,a,500,,req-7f3a-SECRET,203.0.113.77\n"
        "2026-04-10T10:01:00+08:00,a,200,,req-8e4b-SECRET,203.0.113.78\n");
    h_write(d, "r.ndjson",
        "{\"ts\":\"2026-04-11T10:00:00+08:00\",\"account\":\"b\",\"status\":503,"
        "\"client_ip\":\"198.51.100.23\",\"request_id\":\"nd-SECRET\"}\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--through", "2026-04-30", "r.csv", "r.ndjson", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        ROW("a", "2", "1", "0", "1", "99.9942")
        ROW("b", "1", "1", "0", "1", "99.9884"));
    static const char *names[] = {"finance.csv", "finance.jsonl", "summary.json",
                                  "availability.slagg"};
    static const char *secrets[] = {"SECRET", "203.0.113", "198.51.100"};
    for (size_t i = 0; i < 4; i++) {
        size_t n;
        char *p = h_fmt("out/%s", names[i]);
        char *buf = h_read_in(d, p, &n);
        for (size_t k = 0; k < 3; k++)
            cr_assert(!holds(buf, n, secrets[k]), "%s holds \"%s\"", p, secrets[k]);
        free(buf);
        free(p);
    }
    h_result_free(&r);
    h_rmtree(d);
}

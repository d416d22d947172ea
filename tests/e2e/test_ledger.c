/*
 * test_ledger.c - `fold --from` (SPEC 2 "Periods": earlier periods are not
 * reported, earlier records count as before_from, checked after rejected
 * and before after_through and uncontracted) and `slagg ledger` (SPEC 5:
 * monthly summaries joined, claim states as of a date, sums per claim
 * state on stdout, one generation; a period in two summaries and different
 * --tz refused).
 *
 * Fleet (every expected figure below computed by hand):
 *   a   2026-03-17 .. 2026-06-16: SPEC 1's example, four periods
 *   B   2026-04-01 .. 2026-04-30, no records, no fee row (tier 0: 0.00)
 *   =x  2026-05-01 .. 2026-05-31, no records, no fee row; spreadsheet-safe
 *   fees of a: 1000.00, 2000.00, 3000.00, 1600.00 (no voucher)
 *   holidays 05-01, 05-04, 05-05 and a make-up workday Saturday 05-09: May's
 *     working days are 05-06, 07, 08, 09, 11, so the April period's claim
 *     opens 05-12 (05-08 without the file)
 * Records (114, one CSV):
 *   03-10 10:00 a 200            before a's contract: uncontracted in March
 *   03-20 10:00..10:20 a 500 x5  March: 5 windows of rate 1 over 4320:
 *                                99.8842 %, tier 10, credit 100.00
 *   03-25 12:00 ghost 200        no contract: uncontracted in March
 *   04-10 00:00..08:15 a 500 x100  April: 100 / 8640: 98.8425 %, tier 25,
 *                                credit 500.00 (cap 1000.00)
 *   04-15 12:00 ghost 200        uncontracted in April
 *   05-05 12:00 a 200            May: 100.0000 %, tier 0, 0.00
 *   06-02 10:00..10:20 a 500 x5  June: 5 / 4608: 99.8914 %, tier 10, 160.00;
 *                                through 06-10: 5 / 2880, 99.8263 %, in_progress
 * Claim windows: March 04-08..05-31, April 05-12..06-30, May 06-06..07-31,
 * June 07-08..08-31 (April 2026 starts on a Wednesday, June on a Monday,
 * July on a Wednesday).
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLES "--contracts", "c.csv", "--fees", "f.csv", "--holidays", "h.csv"

static const char *const header =
    "account,period_start,period_end,days,windows,valid_requests,error_requests,excluded_requests,"
    "error_windows,availability_pct,tier_pct,fee,voucher_paid,credit,credit_capped,state,claim_opens,"
    "claim_deadline\n";

#define ROW_MAR "a,2026-03-17,2026-03-31,15,4320,5,5,0,5,99.8842,10,1000.00,0.00,100.00,false,final,2026-04-08,2026-05-31\n"
#define ROW_B "B,2026-04-01,2026-04-30,30,8640,0,0,0,0,100.0000,0,,,0.00,false,final,2026-05-12,2026-06-30\n"
#define ROW_APR "a,2026-04-01,2026-04-30,30,8640,100,100,0,100,98.8425,25,2000.00,0.00,500.00,false,final,2026-05-12,2026-06-30\n"
#define ROW_X "'=x,2026-05-01,2026-05-31,31,8928,0,0,0,0,100.0000,0,,,0.00,false,final,2026-06-06,2026-07-31\n"
#define ROW_MAY "a,2026-05-01,2026-05-31,31,8928,1,0,0,0,100.0000,0,3000.00,0.00,0.00,false,final,2026-06-06,2026-07-31\n"
#define ROW_JUN "a,2026-06-01,2026-06-16,16,4608,5,5,0,5,99.8914,10,1600.00,0.00,160.00,false,final,2026-07-08,2026-08-31\n"
#define ROW_JUN_MTD "a,2026-06-01,2026-06-16,10,2880,5,5,0,5,99.8263,10,1600.00,0.00,,false,in_progress,2026-07-08,2026-08-31\n"

/* Fee rows of a's other months match no period a monthly run reports:
 * listed as unmatched (SPEC 2 "Money"; docs/RULES.md) */
#define UF(line, start) "{\"file\": \"f.csv\", \"line\": " #line ", \"account\": \"a\", \"period_start\": \"" start "\"}"
#define UF2 UF(2, "2026-03-17")
#define UF3 UF(3, "2026-04-01")
#define UF4 UF(4, "2026-05-01")
#define UF5 UF(5, "2026-06-01")

#define LEDGER_HEADER "account,period_start,period_end,state,tier_pct,credit,claim_opens,claim_deadline,claim_state\n"

static char *fleet(void)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\na,2026-03-17,2026-06-16\nB,2026-04-01,2026-04-30\n=x,2026-05-01,2026-05-31\n");
    h_write(d, "f.csv",
            "account,period_start,fee,voucher_paid\na,2026-03-17,1000.00,0.00\na,2026-04-01,2000.00,0.00\n"
            "a,2026-05-01,3000.00,0.00\na,2026-06-01,1600.00,0.00\n");
    h_write(d, "h.csv", "date,kind\n2026-05-01,holiday\n2026-05-04,holiday\n2026-05-05,holiday\n2026-05-09,workday\n");
    h_buf b = {0};
    h_buf_printf(&b, "ts,account,status,cause\n");
    h_buf_printf(&b, "2026-03-10T10:00:00+08:00,a,200,\n");
    for (int k = 0; k < 5; k++) h_buf_printf(&b, "2026-03-20T10:%02d:00+08:00,a,500,\n", 5 * k);
    h_buf_printf(&b, "2026-03-25T12:00:00+08:00,ghost,200,\n");
    for (int k = 0; k < 100; k++) h_buf_printf(&b, "2026-04-10T%02d:%02d:00+08:00,a,500,\n", k / 12, 5 * (k % 12));
    h_buf_printf(&b, "2026-04-15T12:00:00+08:00,ghost,200,\n");
    h_buf_printf(&b, "2026-05-05T12:00:00+08:00,a,200,\n");
    for (int k = 0; k < 5; k++) h_buf_printf(&b, "2026-06-02T10:%02d:00+08:00,a,500,\n", 5 * k);
    h_write(d, "r.csv", b.data);
    h_buf_free(&b);
    return d;
}

/* The file's bytes are csv. */
static void assert_csv(const char *d, const char *name, const char *csv)
{
    char *got = h_read_in(d, name, NULL);
    cr_assert_str_eq(got, csv, "%s differs:\n--- got\n%s--- expected\n%s", name, got, csv);
    free(got);
}

/* fold --quiet --out OUT --from FROM --through THROUGH TABLES INPUT: exit 0 */
static void fold_month(const char *d, const char *out, const char *from, const char *through, const char *input)
{
    h_result r = h_slagg(d, NULL, "fold", "--quiet", "--out", out, "--from", from, "--through", through, TABLES,
                         input, NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
}

static void fold_quarter_by_month(const char *d)
{
    fold_month(d, "m03", "2026-03-01", "2026-03-31", "r.csv");
    fold_month(d, "m04", "2026-04-01", "2026-04-30", "r.csv");
    fold_month(d, "m05", "2026-05-01", "2026-05-31", "r.csv");
    fold_month(d, "m06", "2026-06-01", "2026-06-30", "r.csv");
}

/* Each monthly run reports only its own periods; every record is in one
 * count, before_from included (the harness checks the identity). */
Test(ledger, fold_from_reports_own_periods_and_counts_before_from)
{
    char *d = fleet();
    fold_quarter_by_month(d);
    h_assert_finance(d, "m03", h_fmt("%s%s", header, ROW_MAR));
    h_assert_finance(d, "m04", h_fmt("%s%s%s", header, ROW_B, ROW_APR));
    assert_csv(d, "m05/finance.csv", h_fmt("%s%s%s", header, ROW_X, ROW_MAY));
    h_assert_finance(d, "m06", h_fmt("%s%s", header, ROW_JUN));

    /* March: 03-10 (before a's contract) and ghost uncontracted, the rest
     * after --through */
    h_summary s = {.records_read = 114, .error = 5, .uncontracted = 2, .after_through = 107, .accounts = 1,
                   .final = 1, .tier10 = 1, .total_credit = "100.00", .through = "2026-03-31",
                   .unmatched = "[" UF3 ", " UF4 ", " UF5 "]"};
    h_assert_summary(d, "m03", &s);
    /* April: the 7 March records are before_from (the two that were
     * uncontracted in March too: before_from is checked first) */
    s = (h_summary){.records_read = 114, .error = 100, .uncontracted = 1, .before_from = 7, .after_through = 6,
                    .accounts = 2, .final = 2, .tier0 = 1, .tier25 = 1, .total_credit = "500.00",
                    .through = "2026-04-30", .unmatched = "[" UF2 ", " UF4 ", " UF5 "]"};
    h_assert_summary(d, "m04", &s);
    s = (h_summary){.records_read = 114, .ok = 1, .before_from = 108, .after_through = 5, .accounts = 2,
                    .final = 2, .tier0 = 2, .total_credit = "0.00", .through = "2026-05-31",
                    .unmatched = "[" UF2 ", " UF3 ", " UF5 "]"};
    h_assert_summary(d, "m05", &s);
    s = (h_summary){.records_read = 114, .error = 5, .before_from = 109, .accounts = 1, .final = 1, .tier10 = 1,
                    .total_credit = "160.00", .through = "2026-06-30", .unmatched = "[" UF2 ", " UF3 ", " UF4 "]"};
    h_assert_summary(d, "m06", &s);

    /* before_from records are accepted records: first_record is one; the
     * uncontracted warning names ghost in April only (its April record),
     * not in May, where all its records are before_from */
    char *j4 = h_read_in(d, "m04/summary.json", NULL), *j5 = h_read_in(d, "m05/summary.json", NULL);
    cr_assert(h_contains(j4, "\"first_record\": \"2026-03-10T10:00:00.000+08:00\", \"last_record\": "
                             "\"2026-06-02T10:20:00.000+08:00\""), "%s", j4);
    /* gaps only inside [04-01 00:00, 05-01 00:00): the first starts at 04-01 */
    cr_assert(h_contains(j4, "\"gaps\": [{\"start\": \"2026-04-01T00:00:00+08:00\", \"end\": \"2026-04-10T00:00:00+08:00\"}"),
              "%s", j4);
    cr_assert(h_contains(j4, "{\"kind\": \"uncontracted\", \"detail\": \"ghost\"}"), "%s", j4);
    cr_assert(!h_contains(j5, "\"kind\": \"uncontracted\""), "%s", j5);
    free(j4);
    free(j5);

    /* the manifest records --from; the compact summary keeps it */
    char *m = h_read_in(d, "m04/manifest.json", NULL);
    cr_assert(h_contains(m, "\"options\": {\"from\": \"2026-04-01\", \"gap\": \"60\", \"max_rejects\": \"0\", "
                            "\"through\": \"2026-04-30\", \"tz\": \"+08:00\"}"), "%s", m);
    free(m);
    h_result r = h_slagg(d, NULL, "inspect", "m04/availability.slagg", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.out, "format 1.2, intact") && h_contains(r.out, "  from 2026-04-01, before_from 7\n"),
              "%s", r.out);
    h_result_free(&r);
    /* export keeps from and before_from */
    r = h_slagg(d, NULL, "export", "--out", "e04", "m04/availability.slagg", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    s = (h_summary){.records_read = 114, .error = 100, .uncontracted = 1, .before_from = 7, .after_through = 6,
                    .accounts = 2, .final = 2, .tier0 = 1, .tier25 = 1, .total_credit = "500.00",
                    .through = "2026-04-30", .unmatched = "[" UF2 ", " UF4 ", " UF5 "]"};
    h_assert_summary(d, "e04", &s);
    h_assert_finance(d, "e04", h_fmt("%s%s%s", header, ROW_B, ROW_APR));
    /* export refuses a new --from: it is the summary's */
    r = h_slagg(d, NULL, "export", "--out", "e05", "--from", "2026-05-01", "m04/availability.slagg", NULL);
    cr_assert_neq(r.code, 0);
    h_result_free(&r);
    h_rmtree(d);
}

/* The same month from a shard (the shard engine, 1 and 3 threads), from
 * the CSV with 3 threads, and from partials merged: the same bytes. */
Test(ledger, fold_from_same_in_every_engine)
{
    char *d = fleet();
    fold_month(d, "csv", "2026-04-01", "2026-04-30", "r.csv");
    h_result r = h_slagg(d, NULL, "pack", "--quiet", "--out", "shards", "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    fold_month(d, "shard", "2026-04-01", "2026-04-30", "shards");
    const char *outs[] = {"shard3", "csv3"}, *ins[] = {"shards", "r.csv"};
    for (int i = 0; i < 2; i++) {
        r = h_slagg(d, NULL, "fold", "--quiet", "--threads", "3", "--out", outs[i], "--from", "2026-04-01",
                    "--through", "2026-04-30", TABLES, ins[i], NULL);
        h_assert_code(r, 0);
        h_result_free(&r);
    }
    const char *names[] = {"finance.csv", "finance.jsonl", "summary.json", "availability.slagg"};
    const char *others[] = {"shard", "shard3", "csv3"};
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 3; k++) {
            char *a = h_path(d, h_fmt("csv/%s", names[i])), *b = h_path(d, h_fmt("%s/%s", others[k], names[i]));
            cr_assert(h_same_file(a, b), "%s/%s differs from the one-thread CSV fold's", others[k], names[i]);
            free(a);
            free(b);
        }

    /* the partials of two shares, merged: 2 before_from, 1 error in April
     * (1 / 8640: 99.9884 %, tier 0), 1 after_through */
    h_write(d, "p1.csv", "ts,account,status,cause\n2026-03-20T10:00:00+08:00,a,500,\n2026-04-10T00:00:00+08:00,a,500,\n");
    h_write(d, "p2.csv", "ts,account,status,cause\n2026-03-20T10:05:00+08:00,a,500,\n2026-05-05T12:00:00+08:00,a,200,\n");
    r = h_slagg(d, NULL, "fold", "--quiet", "--partial", "1.part", "--from", "2026-04-01", "--through", "2026-04-30",
                TABLES, "p1.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "fold", "--quiet", "--partial", "2.part", "--from", "2026-04-01", "--through", "2026-04-30",
                TABLES, "p2.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "merge", "--quiet", "--out", "merged", "1.part", "2.part", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    h_summary s = {.records_read = 4, .error = 1, .before_from = 2, .after_through = 1, .accounts = 2, .final = 2,
                   .tier0 = 2, .total_credit = "0.00", .through = "2026-04-30",
                   .unmatched = "[" UF2 ", " UF4 ", " UF5 "]"};
    h_assert_summary(d, "merged", &s);
    /* ... as one fold of both shares */
    r = h_slagg(d, NULL, "fold", "--quiet", "--out", "both", "--from", "2026-04-01", "--through", "2026-04-30", TABLES,
                "p1.csv", "p2.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    for (int i = 0; i < 4; i++) {
        char *a = h_path(d, h_fmt("both/%s", names[i])), *b = h_path(d, h_fmt("merged/%s", names[i]));
        cr_assert(h_same_file(a, b), "merged/%s differs from one fold's", names[i]);
        free(a);
        free(b);
    }
    /* merge refuses partials of different --from */
    r = h_slagg(d, NULL, "fold", "--quiet", "--partial", "3.part", "--from", "2026-03-01", "--through", "2026-04-30",
                TABLES, "p2.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "merge", "--quiet", "--out", "bad", "1.part", "3.part", NULL);
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "3.part was folded with --from 2026-03-01, but 1.part with --from 2026-04-01"), "%s",
              r.err);
    h_result_free(&r);
    cr_assert(h_missing(d, "bad/finance.csv"));
    h_rmtree(d);
}

/* --from must be the first day of a month (exit 1, nothing written), a
 * date, not after --through. */
Test(ledger, fold_from_usage_errors)
{
    char *d = fleet();
    const char *bad[] = {"2026-04-02", "2026-04-31", "2026-13-01", "04-01", "2100-01-01"};
    for (int i = 0; i < 5; i++) {
        h_result r = h_slagg(d, NULL, "fold", "--out", "o", "--from", bad[i], TABLES, "r.csv", NULL);
        h_assert_code(r, 1);
        h_assert_slagg_msg(r);
        cr_assert(h_contains(r.err, bad[i]), "%s", r.err);
        h_result_free(&r);
    }
    h_result r = h_slagg(d, NULL, "fold", "--out", "o", "--from", "2026-04-02", TABLES, "r.csv", NULL);
    cr_assert(h_contains(r.err, "--from '2026-04-02' is not the first day of a month"), "%s", r.err);
    h_result_free(&r);
    r = h_slagg(d, NULL, "fold", "--out", "o", "--from", "2026-05-01", "--through", "2026-04-30", TABLES, "r.csv", NULL);
    h_assert_code(r, 1);
    cr_assert(h_contains(r.err, "--through 2026-04-30 is before --from 2026-05-01"), "%s", r.err);
    h_result_free(&r);
    cr_assert(h_missing(d, "o/finance.csv"));
    h_rmtree(d);
}


#define L_MAR(st) "a,2026-03-17,2026-03-31,final,10,100.00,2026-04-08,2026-05-31," st "\n"
#define L_B(st) "B,2026-04-01,2026-04-30,final,0,0.00,2026-05-12,2026-06-30," st "\n"
#define L_APR(st) "a,2026-04-01,2026-04-30,final,25,500.00,2026-05-12,2026-06-30," st "\n"
#define L_X(st) "'=x,2026-05-01,2026-05-31,final,0,0.00,2026-06-06,2026-07-31," st "\n"
#define L_MAY(st) "a,2026-05-01,2026-05-31,final,0,0.00,2026-06-06,2026-07-31," st "\n"
#define L_JUN(st) "a,2026-06-01,2026-06-16,final,10,160.00,2026-07-08,2026-08-31," st "\n"

/* DIR/ledger.csv is csv, DIR/ledger.jsonl the same fields (tier_pct a
 * number, credit a string or null, the account's exact value). */
static void assert_ledger(const char *d, const char *dir, const char *csv)
{
    assert_csv(d, h_fmt("%s/ledger.csv", dir), csv);
    char *want = h_csv_to_jsonl(csv), *p;
    while ((p = strstr(want, "\"'=x\""))) memmove(p + 1, p + 2, strlen(p + 2) + 1);
    assert_csv(d, h_fmt("%s/ledger.jsonl", dir), want);
    free(want);
}

static h_result run_ledger(const char *d, const char *as_of, const char *out)
{
    return h_slagg(d, NULL, "ledger", "--as-of", as_of, "--out", out, "m03", "m04", "m05", "m06", NULL);
}

#define SUMS(no, nn, op, on, ex, en)                                                                       \
    "  not_open: " no " CNY (" nn ")\n  open: " op " CNY (" on ")\n  expired: " ex " CNY (" en ")\n"

/* Claim states as of dates on and around each boundary: claim_opens and
 * claim_deadline themselves are open, the day after the deadline expired,
 * the day before claim_opens (the 5th working day, after two holidays and
 * with a make-up Saturday) not_open. */
Test(ledger, claim_states_as_of_boundaries)
{
    char *d = fleet();
    fold_quarter_by_month(d);
    struct {
        const char *as_of, *csv, *sums;
    } cases[] = {
        /* March's deadline day: open; April's opening day passed */
        {"2026-05-31",
         LEDGER_HEADER L_X("not_open") L_B("open") L_MAR("open") L_APR("open") L_MAY("not_open") L_JUN("not_open"),
         SUMS("160.00", "3 periods", "600.00", "3 periods", "0.00", "0 periods")},
        /* the day after March's deadline */
        {"2026-06-01",
         LEDGER_HEADER L_X("not_open") L_B("open") L_MAR("expired") L_APR("open") L_MAY("not_open") L_JUN("not_open"),
         SUMS("160.00", "3 periods", "500.00", "2 periods", "100.00", "1 period")},
        /* April's claim_opens (05-12) and the day before (05-11, the 5th
         * working day of May); March is open on both */
        {"2026-05-12",
         LEDGER_HEADER L_X("not_open") L_B("open") L_MAR("open") L_APR("open") L_MAY("not_open") L_JUN("not_open"),
         SUMS("160.00", "3 periods", "600.00", "3 periods", "0.00", "0 periods")},
        {"2026-05-11",
         LEDGER_HEADER L_X("not_open") L_B("not_open") L_MAR("open") L_APR("not_open") L_MAY("not_open") L_JUN("not_open"),
         SUMS("660.00", "5 periods", "100.00", "1 period", "0.00", "0 periods")},
        /* before any window opens */
        {"2026-04-07",
         LEDGER_HEADER L_X("not_open") L_B("not_open") L_MAR("not_open") L_APR("not_open") L_MAY("not_open") L_JUN("not_open"),
         SUMS("760.00", "6 periods", "0.00", "0 periods", "0.00", "0 periods")},
        /* March's claim_opens */
        {"2026-04-08",
         LEDGER_HEADER L_X("not_open") L_B("not_open") L_MAR("open") L_APR("not_open") L_MAY("not_open") L_JUN("not_open"),
         SUMS("660.00", "5 periods", "100.00", "1 period", "0.00", "0 periods")},
        /* June's claim_opens; April's deadline passed */
        {"2026-07-08",
         LEDGER_HEADER L_X("open") L_B("expired") L_MAR("expired") L_APR("expired") L_MAY("open") L_JUN("open"),
         SUMS("0.00", "0 periods", "160.00", "3 periods", "600.00", "3 periods")},
        /* June's deadline day, and the day after */
        {"2026-08-31",
         LEDGER_HEADER L_X("expired") L_B("expired") L_MAR("expired") L_APR("expired") L_MAY("expired") L_JUN("open"),
         SUMS("0.00", "0 periods", "160.00", "1 period", "600.00", "5 periods")},
        {"2026-09-01",
         LEDGER_HEADER L_X("expired") L_B("expired") L_MAR("expired") L_APR("expired") L_MAY("expired") L_JUN("expired"),
         SUMS("0.00", "0 periods", "0.00", "0 periods", "760.00", "6 periods")},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *out = h_fmt("L%zu", i);
        h_result r = run_ledger(d, cases[i].as_of, out);
        h_assert_code(r, 0);
        char *want = h_fmt("slagg ledger: 6 periods from 4 summaries as of %s; wrote %s/ledger.csv, ledger.jsonl, "
                           "manifest.json\n%s", cases[i].as_of, out, cases[i].sums);
        cr_assert_str_eq(r.out, want, "as of %s", cases[i].as_of);
        h_result_free(&r);
        assert_ledger(d, out, cases[i].csv);
        free(want);
        free(out);
    }
    h_rmtree(d);
}

/* A month-to-date run: its in_progress period is not_open whatever the
 * date, and its empty credit is in no sum. */
Test(ledger, in_progress_is_not_open)
{
    char *d = fleet();
    fold_quarter_by_month(d);
    fold_month(d, "mtd", "2026-06-01", "2026-06-10", "r.csv");
    assert_csv(d, "mtd/finance.csv", h_fmt("%s%s", header, ROW_JUN_MTD));
    h_result r = h_slagg(d, NULL, "ledger", "--as-of", "2026-09-01", "--out", "L", "mtd", "m05", "m04", "m03", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.out, SUMS("0.00", "1 period", "0.00", "0 periods", "600.00", "5 periods")), "%s", r.out);
    h_result_free(&r);
    assert_ledger(d, "L",
                  LEDGER_HEADER L_X("expired") L_B("expired") L_MAR("expired") L_APR("expired") L_MAY("expired")
                  "a,2026-06-01,2026-06-16,in_progress,10,,2026-07-08,2026-08-31,not_open\n");
    char *j = h_read_in(d, "L/ledger.jsonl", NULL);
    cr_assert(h_contains(j, "{\"account\":\"a\",\"period_start\":\"2026-06-01\",\"period_end\":\"2026-06-16\","
                            "\"state\":\"in_progress\",\"tier_pct\":10,\"credit\":null,\"claim_opens\":\"2026-07-08\","
                            "\"claim_deadline\":\"2026-08-31\",\"claim_state\":\"not_open\"}\n"), "%s", j);
    free(j);
    h_rmtree(d);
}

/* The summaries in any order: the same bytes (the manifest too); the whole
 * quarter folded at once gives the same period rows as the months. */
Test(ledger, any_order_and_quarter_at_once)
{
    char *d = fleet();
    fold_quarter_by_month(d);
    h_result r = h_slagg(d, NULL, "ledger", "--as-of", "2026-06-01", "--out", "L1", "m03", "m04", "m05", "m06", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "ledger", "--as-of", "2026-06-01", "--out", "L2", "m06", "m04/availability.slagg", "m03",
                "m05", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    const char *names[] = {"ledger.csv", "ledger.jsonl"};
    for (int i = 0; i < 2; i++) {
        char *a = h_path(d, h_fmt("L1/%s", names[i])), *b = h_path(d, h_fmt("L2/%s", names[i]));
        cr_assert(h_same_file(a, b), "%s depends on the order of the summaries", names[i]);
        free(a);
        free(b);
    }
    char *m1 = h_read_in(d, "L1/manifest.json", NULL), *m2 = h_read_in(d, "L2/manifest.json", NULL);
    cr_assert(h_contains(m1, "\"command\": \"ledger\"") && h_contains(m1, "\"options\": {\"as_of\": \"2026-06-01\"}"),
              "%s", m1);
    cr_assert(h_contains(m1, "{\"path\": \"m03/availability.slagg\"") &&
              h_contains(m1, "{\"name\": \"ledger.csv\"") && h_contains(m1, "{\"name\": \"ledger.jsonl\""), "%s", m1);
    /* same inputs by path: one run_id, one manifest */
    cr_assert_str_eq(m1, m2);
    free(m1);
    free(m2);
    cr_assert(!h_missing(d, "L1/current"));

    /* the quarter at once: no --from, --through the quarter's end */
    r = h_slagg(d, NULL, "fold", "--quiet", "--out", "q", "--through", "2026-06-30", TABLES, "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "ledger", "--as-of", "2026-06-01", "--out", "LQ", "q", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.out, SUMS("160.00", "3 periods", "500.00", "2 periods", "100.00", "1 period")), "%s", r.out);
    h_result_free(&r);
    for (int i = 0; i < 2; i++) {
        char *a = h_path(d, h_fmt("L1/%s", names[i])), *b = h_path(d, h_fmt("LQ/%s", names[i]));
        cr_assert(h_same_file(a, b), "%s: the quarter at once differs from its months", names[i]);
        free(a);
        free(b);
    }
    h_rmtree(d);
}

/* Refused, exit 2 and nothing written: one period in two summaries (both
 * named), different --tz (both named with their offsets). A usage error
 * (exit 1) for a bad --as-of or a fold's DIR as --out. */
Test(ledger, refusals)
{
    char *d = fleet();
    fold_quarter_by_month(d);
    h_result r = h_slagg(d, NULL, "fold", "--quiet", "--out", "q", "--through", "2026-06-30", TABLES, "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "ledger", "--as-of", "2026-06-01", "--out", "L", "m03", "q", NULL);
    h_assert_code(r, 2);
    h_assert_slagg_msg(r);
    cr_assert(h_contains(r.err, "m03/availability.slagg and q/availability.slagg both hold the period "
                                "2026-03-17..2026-03-31 of account 'a'"), "%s", r.err);
    h_result_free(&r);
    cr_assert(h_missing(d, "L/ledger.csv") && h_missing(d, "L/current"));
    /* a month folded twice is a period twice too */
    r = h_slagg(d, NULL, "fold", "--quiet", "--out", "m04b", "--from", "2026-04-01", "--through", "2026-04-30", TABLES,
                "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "ledger", "--as-of", "2026-06-01", "--out", "L", "m04b", "m03", "m04", NULL);
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "m04b/availability.slagg and m04/availability.slagg both hold the period "
                                "2026-04-01..2026-04-30 of account 'B'"), "%s", r.err);
    h_result_free(&r);

    /* March folded at +09:00 */
    r = h_slagg(d, NULL, "fold", "--quiet", "--out", "m03tz", "--tz", "+09:00", "--from", "2026-03-01", "--through",
                "2026-03-31", TABLES, "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "ledger", "--as-of", "2026-06-01", "--out", "L", "m04", "m03tz", NULL);
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "m04/availability.slagg was folded with --tz +08:00, but m03tz/availability.slagg "
                                "with --tz +09:00"), "%s", r.err);
    h_result_free(&r);
    cr_assert(h_missing(d, "L/ledger.csv"));

    const char *bad[] = {"2026-02-30", "yesterday", "2100-01-01"};
    for (int i = 0; i < 3; i++) {
        r = h_slagg(d, NULL, "ledger", "--as-of", bad[i], "--out", "L", "m03", NULL);
        h_assert_code(r, 1);
        cr_assert(h_contains(r.err, bad[i]), "%s", r.err);
        h_result_free(&r);
    }
    r = h_slagg(d, NULL, "ledger", "--out", "L", "m03", NULL);
    h_assert_code(r, 1);
    h_result_free(&r);
    r = h_slagg(d, NULL, "ledger", "--as-of", "2026-06-01", "--out", "m04", "m03", NULL);
    h_assert_code(r, 1);
    cr_assert(h_contains(r.err, "--out m04 holds a fold's outputs"), "%s", r.err);
    h_result_free(&r);
    /* m04 untouched */
    assert_csv(d, "m04/finance.csv", h_fmt("%s%s%s", header, ROW_B, ROW_APR));
    /* a missing or corrupt summary */
    h_write(d, "junk.slagg", "not a summary\n");
    r = h_slagg(d, NULL, "ledger", "--as-of", "2026-06-01", "--out", "L", "m03", "junk.slagg", NULL);
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "junk.slagg"), "%s", r.err);
    h_result_free(&r);
    cr_assert(h_missing(d, "L/ledger.csv"));
    h_rmtree(d);
}

/* gen --months N: one fleet over N months (records-YYYY-MM-NNN.csv, one
 * contracts file whose full-month rows run to the last month); folded
 * month by month with --from and joined, it gives the ledger of the whole
 * quarter folded at once, byte for byte. */
Test(ledger, gen_months_fleet_month_by_month_equals_quarter)
{
    char *d = h_tmpdir();
    h_result r = h_slagg(d, NULL, "gen", "--out", "fleet", "--months", "3", "--records", "20000", "--accounts", "30",
                         "--files", "1", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    const char *files[] = {"fleet/records-2026-03-000.csv", "fleet/records-2026-04-000.csv",
                           "fleet/records-2026-05-000.csv"};
    for (int i = 0; i < 3; i++) cr_assert(!h_missing(d, files[i]), "%s missing", files[i]);
    cr_assert(h_missing(d, "fleet/records-000.csv"));
    char *c = h_read_in(d, "fleet/contracts.csv", NULL);
    cr_assert(h_contains(c, ",2026-03-01,2026-05-31\n"), "no full-quarter contract:\n%s", c);
    free(c);
#define GT "--contracts", "fleet/contracts.csv", "--fees", "fleet/fees.csv", "--maintenance", \
        "fleet/maintenance.csv", "--holidays", "fleet/holidays.csv", files[0], files[1], files[2]
    const char *m[3][3] = {{"g03", "2026-03-01", "2026-03-31"}, {"g04", "2026-04-01", "2026-04-30"},
                           {"g05", "2026-05-01", "2026-05-31"}};
    long before = 0;
    for (int i = 0; i < 3; i++) {
        r = h_slagg(d, NULL, "fold", "--quiet", "--out", m[i][0], "--from", m[i][1], "--through", m[i][2], GT, NULL);
        h_assert_code(r, 0);
        h_result_free(&r);
        char *j = h_read_in(d, h_fmt("%s/summary.json", m[i][0]), NULL);
        /* 20000 records a month: the earlier months' are before_from */
        cr_assert_eq(h_json_int(j, "records_read"), 60000);
        cr_assert_eq(h_json_int(j, "before_from"), before, "%s", j);
        cr_assert_eq(h_json_int(j, "after_through"), 40000 - before, "%s", j);
        before += 20000;
        free(j);
    }
    r = h_slagg(d, NULL, "fold", "--quiet", "--out", "gq", "--through", "2026-05-31", GT, NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "ledger", "--as-of", "2026-06-15", "--out", "LM", "g05", "g03", "g04", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "ledger", "--as-of", "2026-06-15", "--out", "LQ", "gq", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    char *a = h_path(d, "LM/ledger.csv"), *b = h_path(d, "LQ/ledger.csv");
    cr_assert(h_same_file(a, b), "month by month differs from the quarter at once");
    free(a);
    free(b);
    /* text logs only */
    r = h_slagg(d, NULL, "gen", "--out", "x", "--months", "2", "--shards", NULL);
    h_assert_code(r, 1);
    h_result_free(&r);
    r = h_slagg(d, NULL, "gen", "--out", "x", "--months", "0", NULL);
    h_assert_code(r, 1);
    h_result_free(&r);
    h_rmtree(d);
}

/*
 * test_fold_sla.c - `slagg fold` end to end: the SLA's periods (SPEC 1
 * "Service period", 2 "Periods"), availability and the exact tier
 * boundaries (SPEC 2 "Windows, availability, tiers"), claim dates.
 *
 * Availability: A% = 100 * (1 - S / N), S = sum of window rates E/V,
 * N = 288 * days, printed truncated to 4 decimals. Tier 0 iff S <= 0.001 N,
 * tier 10 iff 0.001 N < S <= 0.01 N, tier 25 iff 0.01 N < S <= 0.05 N.
 *
 * Claim dates used below (no holidays file: working days = Mon-Fri):
 *   March 2026 period: April 2026 starts Wed 1; working days 1,2,3,6,7 ->
 *     5th = Tue 04-07, opens 2026-04-08; deadline 2026-05-31.
 *   April 2026: May starts Fri 1; 1,4,5,6,7 -> 5th = Thu 05-07, opens
 *     2026-05-08; deadline 2026-06-30.
 *   May 2026: June starts Mon 1; 1..5 -> 5th = Fri 06-05, opens Sat
 *     2026-06-06; deadline 2026-07-31.
 *   June 2026: July starts Wed 1; 1,2,3,6,7 -> opens 2026-07-08; deadline
 *     2026-08-31.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define CLAIM_MAR ",2026-04-08,2026-05-31\n"
#define CLAIM_APR ",2026-05-08,2026-06-30\n"
#define CLAIM_MAY ",2026-06-06,2026-07-31\n"
#define CLAIM_JUN ",2026-07-08,2026-08-31\n"

/* Appends records for windows [first, first + count) counted from
 * 2026-04-01 00:00 +08:00 (window w is day 1 + w / 288, minute 5 * (w % 288)):
 * in each, `errs` records with status 500 then `oks` with status 200, the
 * j-th one at second j of the window (j < 300). */
static void gen_windows(h_buf *b, const char *acct, int first, int count,
                        int errs, int oks)
{
    for (int w = first; w < first + count; w++) {
        int day = 1 + w / 288;
        int minute = (w % 288) * 5;
        for (int j = 0; j < errs + oks; j++) {
            int sec = minute * 60 + j % 300;
            h_buf_printf(b, "2026-04-%02dT%02d:%02d:%02d+08:00,%s,%d\n", day,
                         sec / 3600, sec / 60 % 60, sec % 60, acct,
                         j < errs ? 500 : 200);
        }
    }
}

/* SPEC 1: "three months bought, opened on 03-17, gives four periods:
 * 03-17..03-31, 04-01..04-30, 05-01..05-31, 06-01..06-16".
 * days 15/30/31/16 -> windows 15*288 = 4320, 8640, 8928, 16*288 = 4608.
 * No traffic: 100 % availability, tier 0, no fee row -> credit 0.00, final. */
Test(fold_sla, sla_example_four_periods)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\nacme,2026-03-17,2026-06-16\n");
    h_write(d, "r.csv", "ts,account,status\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--through", "2026-06-16", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out",
        H_FIN_HEADER
        "acme,2026-03-17,2026-03-31,15,4320,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_MAR
        "acme,2026-04-01,2026-04-30,30,8640,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_APR
        "acme,2026-05-01,2026-05-31,31,8928,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_MAY
        "acme,2026-06-01,2026-06-16,16,4608,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_JUN);
    h_assert_summary(d, "out", &(h_summary){
        .accounts = 1, .final = 4, .tier0 = 4, .through = "2026-06-16"});
    cr_assert(!h_missing(d, "out/availability.slagg"));
    h_result_free(&r);
    h_rmtree(d);
}

/* 864 windows x (1 error + 99 ok) = 86,400 records in a 30-day period:
 * S = 864 / 100 = 8.64 = 0.001 * 8640 exactly -> A = 99.9000 %, tier 0.
 * valid 86400, error 864, error_windows 864. */
Test(fold_sla, exactly_99_90_is_tier_0)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\nbig,2026-04-01,2026-04-30\n");
    h_buf b = {0};
    h_buf_printf(&b, "ts,account,status\n");
    gen_windows(&b, "big", 0, 864, 1, 99);
    h_write(d, "r.csv", b.data);
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--through", "2026-04-30", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        "big,2026-04-01,2026-04-30,30,8640,86400,864,0,864,99.9000,0,,,0.00,false,final" CLAIM_APR);
    /* ok = 864 * 99 = 85536 */
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 86400, .ok = 85536, .error = 864, .accounts = 1,
        .final = 1, .tier0 = 1, .through = "2026-04-30"});
    h_buf_free(&b);
    h_result_free(&r);
    h_rmtree(d);
}

/* The same plus one more error, in an 865th window of 200 requests
 * (1 error + 199 ok): S = 8.64 + 1/200 = 8.645;
 * A% = 100 - 864.5 / 8640 = 99.89994... -> 99.8999, tier 10.
 * No fee row, final, tier > 0 -> fee/voucher/credit empty, state no_fee. */
Test(fold_sla, one_more_error_is_tier_10)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\nbig,2026-04-01,2026-04-30\n");
    h_buf b = {0};
    h_buf_printf(&b, "ts,account,status\n");
    gen_windows(&b, "big", 0, 864, 1, 99);
    gen_windows(&b, "big", 864, 1, 1, 199);
    h_write(d, "r.csv", b.data);
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--through", "2026-04-30", "r.csv", NULL);
    h_assert_code(r, 0);
    /* valid 86400 + 200 = 86600, error 865, error_windows 865 */
    h_assert_finance(d, "out", H_FIN_HEADER
        "big,2026-04-01,2026-04-30,30,8640,86600,865,0,865,99.8999,10,,,,false,no_fee" CLAIM_APR);
    /* ok = 85536 + 199 = 85735 */
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 86600, .ok = 85735, .error = 865, .accounts = 1,
        .no_fee = 1, .tier10 = 1, .through = "2026-04-30"});
    h_buf_free(&b);
    h_result_free(&r);
    h_rmtree(d);
}

/* 864 windows at 1/100, but window 0 has 1 error in 99 requests (98 ok):
 * S = 8.63 + 1/99 = 8.640101...; A% = 99.8999988... -> 99.8999, tier 10
 * (floating point easily rounds this to 99.9). Fee 300.00 -> credit
 * round_half_up(10 * 30000 / 100) = 3000 fen = 30.00; cap 15000; not capped. */
Test(fold_sla, hair_below_99_90_by_one_missing_ok)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\nbig,2026-04-01,2026-04-30\n");
    h_write(d, "f.csv", "account,period_start,fee,voucher_paid\nbig,2026-04-01,300.00,0.00\n");
    h_buf b = {0};
    h_buf_printf(&b, "ts,account,status\n");
    gen_windows(&b, "big", 0, 1, 1, 98);
    gen_windows(&b, "big", 1, 863, 1, 99);
    h_write(d, "r.csv", b.data);
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--fees", "f.csv", "--through", "2026-04-30", "r.csv", NULL);
    h_assert_code(r, 0);
    /* valid 86399, error 864 */
    h_assert_finance(d, "out", H_FIN_HEADER
        "big,2026-04-01,2026-04-30,30,8640,86399,864,0,864,99.8999,10,300.00,0.00,30.00,false,final" CLAIM_APR);
    /* ok = 98 + 863 * 99 = 85535 */
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 86399, .ok = 85535, .error = 864, .accounts = 1,
        .final = 1, .tier10 = 1, .total_credit = "30.00", .through = "2026-04-30"});
    h_buf_free(&b);
    h_result_free(&r);
    h_rmtree(d);
}

/* One ok in window 0 turned into an error: window 0 is 2/100.
 * S = 8.63 + 0.02 = 8.65; A% = 100 - 865/8640 = 99.899884... -> 99.8998. */
Test(fold_sla, one_ok_turned_error_is_99_8998)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\nbig,2026-04-01,2026-04-30\n");
    h_buf b = {0};
    h_buf_printf(&b, "ts,account,status\n");
    gen_windows(&b, "big", 0, 1, 2, 98);
    gen_windows(&b, "big", 1, 863, 1, 99);
    h_write(d, "r.csv", b.data);
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--through", "2026-04-30", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        "big,2026-04-01,2026-04-30,30,8640,86400,865,0,864,99.8998,10,,,,false,no_fee" CLAIM_APR);
    h_buf_free(&b);
    h_result_free(&r);
    h_rmtree(d);
}

/* 99.00 %: p99 has 864 windows x (1 error + 9 ok): S = 86.4 = 0.01 * 8640
 * -> A = 99.0000, tier 10; fee 100.00 -> credit 10.00 (cap 50.00).
 * p99h: the same plus an 865th window with 1 error + 199 ok:
 * S = 86.405 -> A% = 100 - 8640.5/8640 = 98.99994... -> 98.9999, tier 25,
 * credit 25.00. valid: 8640 and 8640 + 200 = 8840. */
Test(fold_sla, exactly_99_00_and_a_hair_below)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\np99,2026-04-01,2026-04-30\n"
                        "p99h,2026-04-01,2026-04-30\n");
    h_write(d, "f.csv", "account,period_start,fee,voucher_paid\n"
                        "p99,2026-04-01,100.00,0.00\np99h,2026-04-01,100.00,0.00\n");
    h_buf b = {0};
    h_buf_printf(&b, "ts,account,status\n");
    gen_windows(&b, "p99h", 0, 864, 1, 9);
    gen_windows(&b, "p99", 0, 864, 1, 9);
    gen_windows(&b, "p99h", 864, 1, 1, 199);
    h_write(d, "r.csv", b.data);
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--fees", "f.csv", "--through", "2026-04-30", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        "p99,2026-04-01,2026-04-30,30,8640,8640,864,0,864,99.0000,10,100.00,0.00,10.00,false,final" CLAIM_APR
        "p99h,2026-04-01,2026-04-30,30,8640,8840,865,0,865,98.9999,25,100.00,0.00,25.00,false,final" CLAIM_APR);
    /* ok = 2 * 864 * 9 + 199 = 15751; error = 864 + 865 = 1729 */
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 17480, .ok = 15751, .error = 1729, .accounts = 2,
        .final = 2, .tier10 = 1, .tier25 = 1, .total_credit = "35.00",
        .through = "2026-04-30"});
    h_buf_free(&b);
    h_result_free(&r);
    h_rmtree(d);
}

/* 95.00 %: p95 has 864 windows x (1 error + 1 ok): S = 432 = 0.05 * 8640
 * -> A = 95.0000, tier 25; fee 100.00 -> 25.00.
 * p95h: plus an 865th window 1 error + 199 ok: S = 432.005 ->
 * A% = 100 - 43200.5/8640 = 94.99994... -> 94.9999, tier 50:
 * amount 5000 fen, cap floor(10000/2) = 5000 -> credit 50.00, not capped. */
Test(fold_sla, exactly_95_00_and_a_hair_below)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\np95,2026-04-01,2026-04-30\n"
                        "p95h,2026-04-01,2026-04-30\n");
    h_write(d, "f.csv", "account,period_start,fee,voucher_paid\n"
                        "p95,2026-04-01,100.00,0.00\np95h,2026-04-01,100.00,0.00\n");
    h_buf b = {0};
    h_buf_printf(&b, "ts,account,status\n");
    gen_windows(&b, "p95", 0, 864, 1, 1);
    gen_windows(&b, "p95h", 0, 865, 1, 1);
    /* window 864 of p95h gets 198 more ok: 1 error + 199 ok in all */
    gen_windows(&b, "p95h", 864, 1, 0, 198);
    h_write(d, "r.csv", b.data);
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--fees", "f.csv", "--through", "2026-04-30", "r.csv", NULL);
    h_assert_code(r, 0);
    /* p95h valid = 864 * 2 + 200 = 1928 */
    h_assert_finance(d, "out", H_FIN_HEADER
        "p95,2026-04-01,2026-04-30,30,8640,1728,864,0,864,95.0000,25,100.00,0.00,25.00,false,final" CLAIM_APR
        "p95h,2026-04-01,2026-04-30,30,8640,1928,865,0,865,94.9999,50,100.00,0.00,50.00,false,final" CLAIM_APR);
    /* ok = 864 + 864 + 1 + 198 = 1927; error = 1729; read = 3656 */
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 3656, .ok = 1927, .error = 1729, .accounts = 2,
        .final = 2, .tier25 = 1, .tier50 = 1, .total_credit = "75.00",
        .through = "2026-04-30"});
    h_buf_free(&b);
    h_result_free(&r);
    h_rmtree(d);
}

/* One-day periods (N = 288), 0.001 N = 0.288 = 36/125.
 * "day": one window with 36 errors + 89 ok: S = 36/125 -> 99.9000, tier 0.
 * "dayh": one window with 17 errors + 42 ok: S = 17/59 = 0.288135... ->
 * A% = 100 - 1700/16992 = 99.89995... -> 99.8999, tier 10, no fee -> no_fee.
 * No --through: the last day with a record is 2026-04-15. */
Test(fold_sla, one_day_period_exact_boundary)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\nday,2026-04-15,2026-04-15\n"
                        "dayh,2026-04-15,2026-04-15\n");
    h_buf b = {0};
    h_buf_printf(&b, "ts,account,status\n");
    for (int j = 0; j < 125; j++)
        h_buf_printf(&b, "2026-04-15T12:%02d:%02d+08:00,day,%d\n", j / 60 % 5,
                     j % 60, j % 3 == 0 && j < 108 ? 503 : 204);
    for (int j = 0; j < 59; j++)
        h_buf_printf(&b, "2026-04-15T23:5%d:%02d+08:00,dayh,%d\n", 5 + j / 60,
                     j % 60, j < 17 ? 500 : 200);
    h_write(d, "r.csv", b.data);
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "r.csv", NULL);
    h_assert_code(r, 0);
    /* day: j % 3 == 0 && j < 108 -> j = 0, 3, ..., 105: 36 errors */
    h_assert_finance(d, "out", H_FIN_HEADER
        "day,2026-04-15,2026-04-15,1,288,125,36,0,1,99.9000,0,,,0.00,false,final" CLAIM_APR
        "dayh,2026-04-15,2026-04-15,1,288,59,17,0,1,99.8999,10,,,,false,no_fee" CLAIM_APR);
    /* ok = 89 + 42 = 131, error = 53 */
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 184, .ok = 131, .error = 53, .accounts = 2,
        .final = 1, .no_fee = 1, .tier0 = 1, .tier10 = 1,
        .through = "2026-04-15"});
    h_buf_free(&b);
    h_result_free(&r);
    h_rmtree(d);
}

/* Every window of a one-day period fully failed: S = 288 -> 0.0000, tier 50.
 * Half of them: S = 144 -> 50.0000, tier 50. Fees 10.00: amount 500 fen,
 * cap 500 -> credit 5.00, not capped. */
Test(fold_sla, zero_and_fifty_percent)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\nhalf,2026-04-15,2026-04-15\n"
                        "zero,2026-04-15,2026-04-15\n");
    h_write(d, "f.csv", "account,period_start,fee,voucher_paid\n"
                        "half,2026-04-15,10.00,0.00\nzero,2026-04-15,10.00,0.00\n");
    h_buf c = {0};
    h_buf_printf(&c, "ts,account,status,cause\n");
    for (int w = 0; w < 288; w++) {
        h_buf_printf(&c, "2026-04-15T%02d:%02d:00+08:00,zero,502,\n", w / 12, w % 12 * 5);
        if (w % 2)
            h_buf_printf(&c, "2026-04-15T%02d:%02d:30+08:00,half,0,provider\n",
                         w / 12, w % 12 * 5);
    }
    h_write(d, "r.csv", c.data);
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--fees", "f.csv", "r.csv", NULL);
    h_assert_code(r, 0);
    /* half: 144 lost-to-provider requests (valid and error) */
    h_assert_finance(d, "out", H_FIN_HEADER
        "half,2026-04-15,2026-04-15,1,288,144,144,0,144,50.0000,50,10.00,0.00,5.00,false,final" CLAIM_APR
        "zero,2026-04-15,2026-04-15,1,288,288,288,0,288,0.0000,50,10.00,0.00,5.00,false,final" CLAIM_APR);
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 432, .error = 288, .lost_provider = 144, .accounts = 2,
        .final = 2, .tier50 = 2, .total_credit = "10.00",
        .through = "2026-04-15"});
    h_buf_free(&c);
    h_result_free(&r);
    h_rmtree(d);
}

/* Two contract rows of one account in the same month give two periods,
 * clipped to each row: 03-01..03-10 (10 days, 2880 windows) and
 * 03-20..03-31 (12 days, 3456). A row that starts on the 1st and ends on
 * the last day of the next month: 04-01..04-30 and 05-01..05-31. A record
 * on 03-15 (between the rows) is uncontracted. Both March periods carry
 * March's claim dates. */
Test(fold_sla, periods_clipped_to_rows)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\n"
                        "a,2026-03-20,2026-03-31\n"
                        "a,2026-03-01,2026-03-10\n"
                        "a,2026-04-01,2026-05-31\n");
    h_write(d, "r.csv", "ts,account,status\n"
                        "2026-03-15T12:00:00+08:00,a,500\n"
                        "2026-03-10T23:59:59+08:00,a,500\n"
                        "2026-03-20T00:00:00+08:00,a,200\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--through", "2026-05-31", "r.csv", NULL);
    h_assert_code(r, 0);
    /* 03-01..03-10: S = 1, N = 2880: 100 - 100/2880 = 99.96527... -> 99.9652 */
    h_assert_finance(d, "out", H_FIN_HEADER
        "a,2026-03-01,2026-03-10,10,2880,1,1,0,1,99.9652,0,,,0.00,false,final" CLAIM_MAR
        "a,2026-03-20,2026-03-31,12,3456,1,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_MAR
        "a,2026-04-01,2026-04-30,30,8640,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_APR
        "a,2026-05-01,2026-05-31,31,8928,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_MAY);
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 3, .ok = 1, .error = 1, .uncontracted = 1,
        .accounts = 1, .final = 4, .tier0 = 4, .through = "2026-05-31"});
    h_result_free(&r);
    h_rmtree(d);
}

/* Claim windows across year ends and a leap February:
 *   Nov 2026 period: December 2026 starts Tue 1; 1,2,3,4,7 -> opens
 *     2026-12-08; deadline 2027-01-31.
 *   Dec 2026: January 2027 starts Fri 1; 1,4,5,6,7 -> opens 2027-01-08;
 *     deadline 2027-02-28.
 *   Dec 2027: January 2028 starts Sat 1; 3,4,5,6,7 -> opens 2028-01-08;
 *     deadline 2028-02-29 (leap year). */
Test(fold_sla, claim_dates_across_year_end)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\n"
                        "x,2026-11-30,2026-12-01\n"
                        "y,2027-12-31,2027-12-31\n");
    h_write(d, "r.csv", "ts,account,status\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--through", "2027-12-31", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        "x,2026-11-30,2026-11-30,1,288,0,0,0,0,100.0000,0,,,0.00,false,final,2026-12-08,2027-01-31\n"
        "x,2026-12-01,2026-12-01,1,288,0,0,0,0,100.0000,0,,,0.00,false,final,2027-01-08,2027-02-28\n"
        "y,2027-12-31,2027-12-31,1,288,0,0,0,0,100.0000,0,,,0.00,false,final,2028-01-08,2028-02-29\n");
    h_result_free(&r);
    h_rmtree(d);
}

/* SPEC 2 "Claim window": holidays removed, make-up workdays added.
 * Holidays: 04-03 (Fri) and 04-06 (Mon) holiday, 04-04 (Sat) workday;
 * 05-01 (Fri), 05-04 (Mon), 05-05 (Tue) holiday, 05-09 (Sat) workday.
 *   March period: April working days 1, 2, 4 (make-up), 7, 8 -> 5th =
 *     04-08, opens 2026-04-09 (without the make-up day: 1,2,7,8,9 -> 04-10).
 *   April period: May working days 6, 7, 8, 9 (make-up), 11 -> opens
 *     2026-05-12 (without it: 6,7,8,11,12 -> 05-13).
 *   May period: no holidays in June -> 2026-06-06. */
Test(fold_sla, claim_window_with_holidays_and_makeup_day)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\nh,2026-03-01,2026-05-31\n");
    h_write(d, "r.csv", "ts,account,status\n");
    h_write(d, "hol.csv", "date,kind\n"
                          "2026-04-03,holiday\n2026-04-06,holiday\n2026-04-04,workday\n"
                          "2026-05-01,holiday\n2026-05-04,holiday\n2026-05-05,holiday\n"
                          "2026-05-09,workday\n");
    h_write(d, "hol2.csv", "date,kind\n"
                           "2026-04-03,holiday\n2026-04-06,holiday\n"
                           "2026-05-01,holiday\n2026-05-04,holiday\n2026-05-05,holiday\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "--holidays", "hol.csv", "--through", "2026-05-31", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        "h,2026-03-01,2026-03-31,31,8928,0,0,0,0,100.0000,0,,,0.00,false,final,2026-04-09,2026-05-31\n"
        "h,2026-04-01,2026-04-30,30,8640,0,0,0,0,100.0000,0,,,0.00,false,final,2026-05-12,2026-06-30\n"
        "h,2026-05-01,2026-05-31,31,8928,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_MAY);
    h_result_free(&r);

    r = h_slagg(d, NULL, "fold", "--out", "out2", "--contracts", "c.csv",
                "--holidays", "hol2.csv", "--through", "2026-05-31", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out2", H_FIN_HEADER
        "h,2026-03-01,2026-03-31,31,8928,0,0,0,0,100.0000,0,,,0.00,false,final,2026-04-10,2026-05-31\n"
        "h,2026-04-01,2026-04-30,30,8640,0,0,0,0,100.0000,0,,,0.00,false,final,2026-05-13,2026-06-30\n"
        "h,2026-05-01,2026-05-31,31,8928,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_MAY);
    h_result_free(&r);
    h_rmtree(d);
}

/* Accounts sort bytewise ("B" < "a" < "a b" < "ab" < "\xc3\xa9"), periods
 * by start; CSV quotes only an account holding ',' or '"'; JSON escapes
 * '"'. An account with only uncontracted records is not exported. */
Test(fold_sla, account_order_and_quoting)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\n"
                        "\xc3\xa9,2026-04-01,2026-04-30\n"
                        "ab,2026-04-01,2026-04-30\n"
                        "\"q\"\"t\",2026-04-01,2026-04-30\n"
                        "a b,2026-04-01,2026-04-30\n"
                        "\"x,y\",2026-04-01,2026-04-30\n"
                        "a,2026-04-01,2026-04-30\n"
                        "B,2026-04-01,2026-04-30\n");
    h_write(d, "r.csv", "ts,account,status\n"
                        "2026-04-02T00:00:00+08:00,\"x,y\",500\n"
                        "2026-04-02T00:00:00+08:00,\"q\"\"t\",500\n"
                        "2026-04-02T00:00:00+08:00,A,500\n"
                        "2026-04-30T12:00:00+08:00,\xc3\xa9,200\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "r.csv", NULL);
    h_assert_code(r, 0);
    /* S = 1 in 30 days -> 99.9884. Order: B a "a b" ab q"t x,y é */
    h_assert_finance(d, "out", H_FIN_HEADER
        "B,2026-04-01,2026-04-30,30,8640,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_APR
        "a,2026-04-01,2026-04-30,30,8640,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_APR
        "a b,2026-04-01,2026-04-30,30,8640,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_APR
        "ab,2026-04-01,2026-04-30,30,8640,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_APR
        "\"q\"\"t\",2026-04-01,2026-04-30,30,8640,1,1,0,1,99.9884,0,,,0.00,false,final" CLAIM_APR
        "\"x,y\",2026-04-01,2026-04-30,30,8640,1,1,0,1,99.9884,0,,,0.00,false,final" CLAIM_APR
        "\xc3\xa9,2026-04-01,2026-04-30,30,8640,1,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_APR);
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 4, .ok = 1, .error = 2, .uncontracted = 1,
        .accounts = 7, .final = 7, .tier0 = 7, .through = "2026-04-30"});
    h_result_free(&r);
    h_rmtree(d);
}

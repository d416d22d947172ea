/*
 * test_fold_money.c - credits in integer fen (SPEC 2 "Money"):
 *   amount = round_half_up(tier_pct * fee / 100)
 *   cap    = floor((fee - voucher_paid) / 2)
 *   credit = min(amount, cap), credit_capped = amount > cap
 * no_fee, in_progress with a fee row, and unmatched fee rows.
 *
 * One-day periods on 2026-04-15 (N = 288); k fully failed windows give
 * S = k: k = 1 -> 99.6527 (tier 10), k = 3 -> 98.9583 (tier 25),
 * k = 15 -> 94.7916 (tier 50). April claim dates: 2026-05-08, 2026-06-30.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define CLAIM_APR ",2026-05-08,2026-06-30\n"
#define CLAIM_MAR ",2026-04-08,2026-05-31\n"

/* Appends k fully failed windows (one 500 each) on 2026-04-15 for acct. */
static void fail_windows(h_buf *b, const char *acct, int k)
{
    for (int w = 0; w < k; w++)
        h_buf_printf(b, "2026-04-15T%02d:%02d:00+08:00,%s,500\n", w / 12,
                     w % 12 * 5, acct);
}

/* Row prefix of a one-day 2026-04-15 period with k failed windows. */
#define DAY(acct, k, avail, tier)                                             \
    acct ",2026-04-15,2026-04-15,1,288," k "," k ",0," k "," avail "," tier ","

Test(fold_money, tiers_rounding_and_cap)
{
    char *d = h_tmpdir();
    static const char *accts[] = {"t0", "t10", "t25", "t50", "u10down",
                                  "u10fmt", "u10half", "u25odd", "u25vp",
                                  "u50odd"};
    static const int fails[] = {0, 1, 3, 15, 1, 1, 1, 3, 3, 15};
    h_buf c = {0}, r = {0};
    h_buf_printf(&c, "account,start,end\n");
    h_buf_printf(&r, "ts,account,status\n");
    for (int i = 9; i >= 0; i--) {
        h_buf_printf(&c, "%s,2026-04-15,2026-04-15\n", accts[i]);
        fail_windows(&r, accts[i], fails[i]);
    }
    h_write(d, "c.csv", c.data);
    h_write(d, "r.csv", r.data);
    h_write(d, "fees.csv", "account,period_start,fee,voucher_paid\n"
                           "t0,2026-04-15,100,0\n"
                           "t10,2026-04-15,1234.56,0.00\n"
                           "t25,2026-04-15,1234.50,0.00\n"
                           "t50,2026-04-15,100.00,30.00\n"
                           "u10down,2026-04-15,0.04,0.00\n"
                           "u10fmt,2026-04-15,99.5,0.5\n"
                           "u10half,2026-04-15,0.05,0.00\n"
                           "u25odd,2026-04-15,10.01,0.00\n"
                           "u25vp,2026-04-15,200.00,150.00\n"
                           "u50odd,2026-04-15,100.01,0.00\n");
    h_result res = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                           "--fees", "fees.csv", "--through", "2026-04-15",
                           "r.csv", NULL);
    h_assert_code(res, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        /* tier 0: amount 0, credit 0.00 */
        "t0,2026-04-15,2026-04-15,1,288,0,0,0,0,100.0000,0,100.00,0.00,0.00,false,final" CLAIM_APR
        /* 10 * 123456 / 100 = 12345.6 -> 12346; cap 61728 */
        DAY("t10", "1", "99.6527", "10") "1234.56,0.00,123.46,false,final" CLAIM_APR
        /* 25 * 123450 / 100 = 30862.5 -> 30863 (half up); cap 61725 */
        DAY("t25", "3", "98.9583", "25") "1234.50,0.00,308.63,false,final" CLAIM_APR
        /* 50 * 10000 / 100 = 5000; cap floor(7000 / 2) = 3500 -> capped */
        DAY("t50", "15", "94.7916", "50") "100.00,30.00,35.00,true,final" CLAIM_APR
        /* 10 * 4 / 100 = 0.4 -> 0; cap 2 */
        DAY("u10down", "1", "99.6527", "10") "0.04,0.00,0.00,false,final" CLAIM_APR
        /* 10 * 9950 / 100 = 995; cap floor(9900 / 2) = 4950 */
        DAY("u10fmt", "1", "99.6527", "10") "99.50,0.50,9.95,false,final" CLAIM_APR
        /* 10 * 5 / 100 = 0.5 -> 1 (half up); cap 2 */
        DAY("u10half", "1", "99.6527", "10") "0.05,0.00,0.01,false,final" CLAIM_APR
        /* 25 * 1001 / 100 = 250.25 -> 250; cap 500 */
        DAY("u25odd", "3", "98.9583", "25") "10.01,0.00,2.50,false,final" CLAIM_APR
        /* 25 * 20000 / 100 = 5000; cap floor(5000 / 2) = 2500 -> capped */
        DAY("u25vp", "3", "98.9583", "25") "200.00,150.00,25.00,true,final" CLAIM_APR
        /* 50 * 10001 / 100 = 5000.5 -> 5001; cap floor(10001 / 2) = 5000 */
        DAY("u50odd", "15", "94.7916", "50") "100.01,0.00,50.00,true,final" CLAIM_APR);
    /* records 1+3+15+1+1+1+3+3+15 = 43; total credit 123.46 + 308.63 +
     * 35.00 + 0.00 + 9.95 + 0.01 + 2.50 + 25.00 + 50.00 = 554.55 */
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 43, .error = 43, .accounts = 10, .final = 10,
        .tier0 = 1, .tier10 = 4, .tier25 = 3, .tier50 = 2,
        .total_credit = "554.55", .through = "2026-04-15"});
    h_buf_free(&c);
    h_buf_free(&r);
    h_result_free(&res);
    h_rmtree(d);
}

/* A fee paid wholly with vouchers: amount round(50% x 80.00) = 40.00,
 * cap floor((80.00 - 80.00) / 2) = 0, credit min = 0.00. SPEC "Money":
 * credit_capped = amount > cap, so true: finance sees the credit was cut
 * to nothing by the cap ("false where there is no credit" is for the rows
 * whose credit field is empty). */
Test(fold_money, fee_paid_wholly_with_vouchers)
{
    char *d = h_tmpdir();
    h_buf r = {0};
    h_buf_printf(&r, "ts,account,status\n");
    fail_windows(&r, "v", 15);
    h_write(d, "c.csv", "account,start,end\nv,2026-04-15,2026-04-15\n");
    h_write(d, "r.csv", r.data);
    h_write(d, "fees.csv", "account,period_start,fee,voucher_paid\nv,2026-04-15,80.00,80.00\n");
    h_result res = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                           "--fees", "fees.csv", "--through", "2026-04-15",
                           "r.csv", NULL);
    h_assert_code(res, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        DAY("v", "15", "94.7916", "50") "80.00,80.00,0.00,true,final" CLAIM_APR);
    h_buf_free(&r);
    h_result_free(&res);
    h_rmtree(d);
}

/* SPEC 2 "Money": no fee row -> empty fee and voucher_paid; final with a
 * tier -> credit empty, state no_fee; final with tier 0 -> credit 0.00. */
Test(fold_money, missing_fee_rows)
{
    char *d = h_tmpdir();
    h_buf r = {0};
    h_buf_printf(&r, "ts,account,status\n");
    fail_windows(&r, "n10", 1);
    fail_windows(&r, "n25", 3);
    fail_windows(&r, "n50", 15);
    fail_windows(&r, "f25", 3);
    h_write(d, "c.csv", "account,start,end\nn0,2026-04-15,2026-04-15\n"
                        "n10,2026-04-15,2026-04-15\nn25,2026-04-15,2026-04-15\n"
                        "n50,2026-04-15,2026-04-15\nf25,2026-04-15,2026-04-15\n");
    h_write(d, "r.csv", r.data);
    h_write(d, "fees.csv", "account,period_start,fee,voucher_paid\nf25,2026-04-15,40.00,0.00\n");
    h_result res = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                           "--fees", "fees.csv", "r.csv", NULL);
    h_assert_code(res, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        /* 25 * 4000 / 100 = 1000 -> 10.00; cap 2000 */
        DAY("f25", "3", "98.9583", "25") "40.00,0.00,10.00,false,final" CLAIM_APR
        "n0,2026-04-15,2026-04-15,1,288,0,0,0,0,100.0000,0,,,0.00,false,final" CLAIM_APR
        DAY("n10", "1", "99.6527", "10") ",,,false,no_fee" CLAIM_APR
        DAY("n25", "3", "98.9583", "25") ",,,false,no_fee" CLAIM_APR
        DAY("n50", "15", "94.7916", "50") ",,,false,no_fee" CLAIM_APR);
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 22, .error = 22, .accounts = 5, .final = 2,
        .no_fee = 3, .tier0 = 1, .tier10 = 1, .tier25 = 2, .tier50 = 1,
        .total_credit = "10.00", .through = "2026-04-15"});
    h_buf_free(&r);
    h_result_free(&res);
    h_rmtree(d);
}

/* An in_progress period with a fee row shows fee and voucher_paid, its
 * month-to-date tier, an empty credit and credit_capped false; without a
 * fee row it stays in_progress (never no_fee). --through 2026-04-10:
 * days 10, windows 2880; 5 failed windows: S = 5 ->
 * A% = 100 - 500/2880 = 99.82638... -> 99.8263, tier 10 (over the whole
 * month it would be 99.9421, tier 0). */
Test(fold_money, in_progress_with_and_without_fee)
{
    char *d = h_tmpdir();
    h_buf r = {0};
    h_buf_printf(&r, "ts,account,status\n");
    for (int w = 0; w < 5; w++) {
        h_buf_printf(&r, "2026-04-0%dT12:00:00+08:00,ip,503\n", w + 1);
        h_buf_printf(&r, "2026-04-0%dT12:00:00+08:00,ipb,503\n", w + 1);
    }
    h_write(d, "c.csv", "account,start,end\nip,2026-04-01,\nipb,2026-04-01,2026-05-31\n");
    h_write(d, "r.csv", r.data);
    h_write(d, "fees.csv", "account,period_start,fee,voucher_paid\nip,2026-04-01,500.00,100.00\n");
    h_result res = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                           "--fees", "fees.csv", "--through", "2026-04-10",
                           "r.csv", NULL);
    h_assert_code(res, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        "ip,2026-04-01,2026-04-30,10,2880,5,5,0,5,99.8263,10,500.00,100.00,,false,in_progress" CLAIM_APR
        "ipb,2026-04-01,2026-04-30,10,2880,5,5,0,5,99.8263,10,,,,false,in_progress" CLAIM_APR);
    /* the JSON form written out by hand once (SPEC 4: counts and tier
     * numbers, money and availability strings, empty -> null) */
    char *jsonl = h_read_in(d, "out/finance.jsonl", NULL);
    cr_assert_str_eq(jsonl,
        "{\"account\":\"ip\",\"period_start\":\"2026-04-01\",\"period_end\":\"2026-04-30\","
        "\"days\":10,\"windows\":2880,\"valid_requests\":5,\"error_requests\":5,"
        "\"excluded_requests\":0,\"error_windows\":5,\"availability_pct\":\"99.8263\","
        "\"tier_pct\":10,\"fee\":\"500.00\",\"voucher_paid\":\"100.00\",\"credit\":null,"
        "\"credit_capped\":false,\"state\":\"in_progress\",\"claim_opens\":\"2026-05-08\","
        "\"claim_deadline\":\"2026-06-30\"}\n"
        "{\"account\":\"ipb\",\"period_start\":\"2026-04-01\",\"period_end\":\"2026-04-30\","
        "\"days\":10,\"windows\":2880,\"valid_requests\":5,\"error_requests\":5,"
        "\"excluded_requests\":0,\"error_windows\":5,\"availability_pct\":\"99.8263\","
        "\"tier_pct\":10,\"fee\":null,\"voucher_paid\":null,\"credit\":null,"
        "\"credit_capped\":false,\"state\":\"in_progress\",\"claim_opens\":\"2026-05-08\","
        "\"claim_deadline\":\"2026-06-30\"}\n");
    free(jsonl);
    h_assert_summary(d, "out", &(h_summary){
        .records_read = 10, .error = 10, .accounts = 2, .in_progress = 2,
        .tier10 = 2, .total_credit = "0.00", .through = "2026-04-10"});
    h_buf_free(&r);
    h_result_free(&res);
    h_rmtree(d);
}

/* Fee rows that match no reported period are listed (SPEC 2 "Money"):
 * line 3 is not a period start (u's first period starts 03-17), line 4's
 * period starts after --through, line 5's account has no contract, nor
 * has line 7's (q"t, JSON-escaped in the list).
 * u: 03-17..03-31 (15 days, 4320) and 04-01..04-30, both final. */
Test(fold_money, unmatched_fee_rows_listed)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\nu,2026-03-17,\n");
    h_write(d, "r.csv", "ts,account,status\n");
    h_write(d, "fees.csv", "account,period_start,fee,voucher_paid\n"
                           "u,2026-03-17,10.00,0.00\n"
                           "u,2026-03-01,10.00,0.00\n"
                           "u,2026-05-01,10.00,0.00\n"
                           "nobody,2026-04-01,10.00,0.00\n"
                           "u,2026-04-01,20.00,5.00\n"
                           "\"q\"\"t\",2026-04-01,1.00,0.00\n");
    h_result res = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                           "--fees", "fees.csv", "--through", "2026-04-30",
                           "r.csv", NULL);
    h_assert_code(res, 0);
    h_assert_finance(d, "out", H_FIN_HEADER
        "u,2026-03-17,2026-03-31,15,4320,0,0,0,0,100.0000,0,10.00,0.00,0.00,false,final" CLAIM_MAR
        "u,2026-04-01,2026-04-30,30,8640,0,0,0,0,100.0000,0,20.00,5.00,0.00,false,final" CLAIM_APR);
    h_assert_summary(d, "out", &(h_summary){
        .accounts = 1, .final = 2, .tier0 = 2, .through = "2026-04-30",
        .unmatched =
            "[{\"file\": \"fees.csv\", \"line\": 3, \"account\": \"u\", \"period_start\": \"2026-03-01\"}, "
            "{\"file\": \"fees.csv\", \"line\": 4, \"account\": \"u\", \"period_start\": \"2026-05-01\"}, "
            "{\"file\": \"fees.csv\", \"line\": 5, \"account\": \"nobody\", \"period_start\": \"2026-04-01\"}, "
            "{\"file\": \"fees.csv\", \"line\": 7, \"account\": \"q\\\"t\", \"period_start\": \"2026-04-01\"}]"});
    h_result_free(&res);
    h_rmtree(d);
}

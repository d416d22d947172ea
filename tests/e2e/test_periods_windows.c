/*
 * test_periods_windows.c - `slagg periods` and `slagg windows` (SPEC 5,
 * "For people reading the result"), and `slagg inspect`'s display
 * (issue 15: names cut to 24 bytes, byte padding, shard times in UTC).
 *
 * The fleet folded here (fold_fleet, --through 2026-06-16), computed by
 * hand; N = 288 x days:
 *   acme 2026-03-17..2026-06-16: the SLA's own example, four periods.
 *     P1 03-17..03-31, 15 days, N 4320:
 *        03-20 10:00  E 1 V 2  rate 0.5  share 100/(2*4320) = 0.0115740.. -> 0.011574
 *        03-25 12:00  E 1 V 1  rate 1    share 100/4320     = 0.0231481.. -> 0.023148
 *        S = 1.5, u = ceil(10^6 * 1.5 / 4320) = ceil(347.2..) = 348 -> 99.9652, tier 0
 *     P2 04-01..04-30, 30 days, N 8640 (fee 1000.00):
 *        04-02 00:00 .. 08:00 (nine windows)  E 1 V 1  share 100/8640 -> 0.011574
 *        04-10 08:30  E 1 V 3  rate 0.333333  share 100/25920 = 0.003858..
 *        S = 9 + 1/3 = 28/3, u = ceil(10^6 * 28 / 25920) = ceil(1080.2..) = 1081
 *        -> 99.8919, tier 10, credit 100.00
 *     P3 05-01..05-31, 31 days, N 8928: no traffic, 100.0000
 *     P4 06-01..06-16, 16 days, N 4608:
 *        06-10 23:55  E 2 V 4  rate 0.5  share 200/18432 = 0.0108506.. -> 0.010850
 *        (window_end 06-11T00:00), S = 0.5, u = ceil(108.5..) = 109 -> 99.9891
 *   beta 2026-04-01..04-30: 04-01 00:00 E 1 V 1; S = 1, u = ceil(115.74..) = 116
 *        -> 99.9884, exact A = 100 - 100/8640 % = 99.98842592..
 *   delta 2026-04-01..04-30: 04-15 00:00 E 1 V 1 (share 0.011574) and
 *        04-20 12:00 E 1 V 500 (rate 0.002, share 100/4320000 = 0.0000231.. -> 0.000023);
 *        S = 1.002, u = ceil(115.97..) = 116 -> also 99.9884, but exact
 *        A = 100 - 100.2/8640 % = 99.98840277..: below beta
 *   gamma 2026-06-01.. (open): in_progress to 06-16, 16 days, N 4608:
 *        06-16 09:00 E 1 V 2; share 100/9216 -> 0.010850 (= acme P4's exactly);
 *        S/N = 0.5/4608 as acme P4: the same exact availability 99.9891
 * Claims (no holidays): March 2026-04-08/05-31, April 2026-05-08/06-30,
 * May 2026-06-06/07-31, June 2026-07-08/08-31.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define ROW_P1 "acme,2026-03-17,2026-03-31,15,4320,3,2,0,2,99.9652,0,,,0.00,false,final,2026-04-08,2026-05-31\n"
#define ROW_P2 "acme,2026-04-01,2026-04-30,30,8640,12,10,0,10,99.8919,10,1000.00,0.00,100.00,false,final,2026-05-08,2026-06-30\n"
#define ROW_P3 "acme,2026-05-01,2026-05-31,31,8928,0,0,0,0,100.0000,0,,,0.00,false,final,2026-06-06,2026-07-31\n"
#define ROW_P4 "acme,2026-06-01,2026-06-16,16,4608,4,2,0,1,99.9891,0,,,0.00,false,final,2026-07-08,2026-08-31\n"
#define ROW_BETA "beta,2026-04-01,2026-04-30,30,8640,1,1,0,1,99.9884,0,,,0.00,false,final,2026-05-08,2026-06-30\n"
#define ROW_DELTA "delta,2026-04-01,2026-04-30,30,8640,501,2,0,2,99.9884,0,,,0.00,false,final,2026-05-08,2026-06-30\n"
#define ROW_GAMMA "gamma,2026-06-01,2026-06-30,16,4608,2,1,0,1,99.9891,0,,,,false,in_progress,2026-07-08,2026-08-31\n"

#define WIN_HEADER "account,period_start,window_start,window_end,valid,error,rate,share\n"
#define W_P1A "acme,2026-03-17,2026-03-20T10:00:00+08:00,2026-03-20T10:05:00+08:00,2,1,0.500000,0.011574\n"
#define W_P1B "acme,2026-03-17,2026-03-25T12:00:00+08:00,2026-03-25T12:05:00+08:00,1,1,1.000000,0.023148\n"
#define W_P2(h) "acme,2026-04-01,2026-04-02T0" #h ":00:00+08:00,2026-04-02T0" #h ":05:00+08:00,1,1,1.000000,0.011574\n"
#define W_P2X "acme,2026-04-01,2026-04-10T08:30:00+08:00,2026-04-10T08:35:00+08:00,3,1,0.333333,0.003858\n"
#define W_P4 "acme,2026-06-01,2026-06-10T23:55:00+08:00,2026-06-11T00:00:00+08:00,4,2,0.500000,0.010850\n"
#define W_BETA "beta,2026-04-01,2026-04-01T00:00:00+08:00,2026-04-01T00:05:00+08:00,1,1,1.000000,0.011574\n"
#define W_DELTA1 "delta,2026-04-01,2026-04-15T00:00:00+08:00,2026-04-15T00:05:00+08:00,1,1,1.000000,0.011574\n"
#define W_DELTA2 "delta,2026-04-01,2026-04-20T12:00:00+08:00,2026-04-20T12:05:00+08:00,500,1,0.002000,0.000023\n"
#define W_GAMMA "gamma,2026-06-01,2026-06-16T09:00:00+08:00,2026-06-16T09:05:00+08:00,2,1,0.500000,0.010850\n"

static char *fold_fleet(void)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\nacme,2026-03-17,2026-06-16\nbeta,2026-04-01,2026-04-30\n"
                        "delta,2026-04-01,2026-04-30\ngamma,2026-06-01,\n");
    h_write(d, "f.csv", "account,period_start,fee,voucher_paid\nacme,2026-04-01,1000.00,0.00\n");
    h_buf r = {0};
    h_buf_printf(&r, "ts,account,status\n");
    h_buf_printf(&r, "2026-03-20T10:00:00+08:00,acme,500\n2026-03-20T10:02:00+08:00,acme,200\n");
    h_buf_printf(&r, "2026-03-25T12:00:00+08:00,acme,500\n");
    for (int h = 0; h < 9; h++) h_buf_printf(&r, "2026-04-02T%02d:00:00+08:00,acme,500\n", h);
    h_buf_printf(&r, "2026-04-10T08:30:00+08:00,acme,503\n2026-04-10T08:31:00+08:00,acme,200\n"
                     "2026-04-10T08:34:59.999+08:00,acme,200\n");
    h_buf_printf(&r, "2026-06-10T23:55:00+08:00,acme,500\n2026-06-10T23:56:00+08:00,acme,500\n"
                     "2026-06-10T23:57:00+08:00,acme,200\n2026-06-10T23:59:59+08:00,acme,200\n");
    h_buf_printf(&r, "2026-04-01T00:00:00+08:00,beta,500\n");
    h_buf_printf(&r, "2026-04-15T00:00:00+08:00,delta,500\n2026-04-20T12:00:00+08:00,delta,500\n");
    for (int i = 0; i < 499; i++) h_buf_printf(&r, "2026-04-20T12:01:%02d+08:00,delta,200\n", i % 60);
    h_buf_printf(&r, "2026-06-16T09:00:00+08:00,gamma,500\n2026-06-16T09:04:00+08:00,gamma,200\n");
    h_write(d, "r.csv", r.data);
    h_buf_free(&r);
    h_result f = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "--fees", "f.csv",
                         "--through", "2026-06-16", "r.csv", NULL);
    h_assert_code(f, 0);
    h_result_free(&f);
    /* the rows this file expects are the export's own */
    h_assert_finance(d, "out", H_FIN_HEADER ROW_P1 ROW_P2 ROW_P3 ROW_P4 ROW_BETA ROW_DELTA ROW_GAMMA);
    return d;
}

/* Runs slagg with args in d, expects exit 0 and exactly `want` on stdout. */
static void expect_out(const char *d, const char *const *args, const char *want)
{
    h_result r = h_run(d, NULL, 0, args);
    h_assert_code(r, 0);
    cr_assert_str_eq(r.out, want, "slagg %s %s %s %s: stdout differs; got:\n%s\nwant:\n%s", args[0],
                     args[1] ? args[1] : "", args[1] && args[2] ? args[2] : "",
                     args[1] && args[2] && args[3] ? args[3] : "", r.out, want);
    h_result_free(&r);
}

#define RUN(want, ...) expect_out(d, (const char *const[]){__VA_ARGS__, NULL}, want)

/* ---- periods -------------------------------------------------------------- */

Test(periods, csv_is_the_export_in_its_order)
{
    char *d = fold_fleet();
    char *fin = h_read_in(d, "out/finance.csv", NULL);
    RUN(fin, "periods", "out/availability.slagg", "--format", "csv");
    /* the fold's DIR: its current generation's summary */
    RUN(fin, "periods", "out", "--format", "csv");
    RUN(fin, "periods", "out/", "--format=csv", "--sort", "account");
    char *jl = h_read_in(d, "out/finance.jsonl", NULL);
    RUN(jl, "periods", "out", "--format", "jsonl");
    free(fin);
    free(jl);
    h_rmtree(d);
}

/* --sort availability: ascending exact availability. delta and beta print
 * the same 99.9884 but delta is exactly less available, so it comes first
 * although the export lists beta first; acme P4 and gamma are exactly
 * equal (0.5 / 4608), so they keep the export's order. */
Test(periods, sort_availability_exact_with_ties)
{
    char *d = fold_fleet();
    RUN(H_FIN_HEADER ROW_P2 ROW_P1 ROW_DELTA ROW_BETA ROW_P4 ROW_GAMMA ROW_P3, "periods", "out",
        "--sort", "availability", "--format", "csv");
    h_rmtree(d);
}

/* --sort credit: descending; the 0.00 ties as the export; empty last. */
Test(periods, sort_credit_empty_last)
{
    char *d = fold_fleet();
    RUN(H_FIN_HEADER ROW_P2 ROW_P1 ROW_P3 ROW_P4 ROW_BETA ROW_DELTA ROW_GAMMA, "periods", "out",
        "--sort", "credit", "--format", "csv");
    h_rmtree(d);
}

/* --below compares the exact availability, any state. */
Test(periods, below_is_exact)
{
    char *d = fold_fleet();
    RUN(H_FIN_HEADER ROW_P2, "periods", "out", "--below", "99.9", "--format", "csv");
    RUN(H_FIN_HEADER ROW_P1 ROW_P2 ROW_P4 ROW_BETA ROW_DELTA ROW_GAMMA, "periods", "out", "--below",
        "99.99", "--format", "csv");
    /* both print 99.9884, both are exactly above 99.9884 */
    RUN(H_FIN_HEADER ROW_P1 ROW_P2, "periods", "out", "--below", "99.9884", "--format", "csv");
    /* 99.98840277.. < 99.98841 < 99.98842592.. */
    RUN(H_FIN_HEADER ROW_P1 ROW_P2 ROW_DELTA, "periods", "out", "--below", "99.98841", "--format", "csv");
    RUN(H_FIN_HEADER ROW_P1 ROW_P2 ROW_BETA ROW_DELTA, "periods", "out", "--below", "99.988426",
        "--format", "csv");
    RUN(H_FIN_HEADER, "periods", "out", "--below", "0", "--format", "csv");
    RUN(H_FIN_HEADER ROW_P1 ROW_P2 ROW_P4 ROW_BETA ROW_DELTA ROW_GAMMA, "periods", "out", "--below",
        "100", "--format", "csv");
    /* with a sort */
    RUN(H_FIN_HEADER ROW_P2 ROW_P1 ROW_DELTA, "periods", "out", "--below", "99.98841", "--sort",
        "availability", "--format", "csv");
    h_rmtree(d);
}

Test(periods, tier_and_account_filters)
{
    char *d = fold_fleet();
    RUN(H_FIN_HEADER ROW_P2, "periods", "out", "--tier", "10", "--format", "csv");
    RUN(H_FIN_HEADER, "periods", "out", "--tier", "50", "--format", "csv");
    RUN(H_FIN_HEADER ROW_P1 ROW_P3 ROW_P4, "periods", "out", "--tier", "0", "--account", "acme",
        "--format", "csv");
    RUN(H_FIN_HEADER ROW_GAMMA, "periods", "out", "--account", "gamma", "--format", "csv");
    RUN(H_FIN_HEADER, "periods", "out", "--account", "acm", "--format", "csv");
    /* jsonl as finance.jsonl: counts numbers, money strings, empty null */
    RUN("{\"account\":\"gamma\",\"period_start\":\"2026-06-01\",\"period_end\":\"2026-06-30\","
        "\"days\":16,\"windows\":4608,\"valid_requests\":2,\"error_requests\":1,\"excluded_requests\":0,"
        "\"error_windows\":1,\"availability_pct\":\"99.9891\",\"tier_pct\":0,\"fee\":null,"
        "\"voucher_paid\":null,\"credit\":null,\"credit_capped\":false,\"state\":\"in_progress\","
        "\"claim_opens\":\"2026-07-08\",\"claim_deadline\":\"2026-08-31\"}\n",
        "periods", "out", "--account", "gamma", "--format", "jsonl");
    RUN("", "periods", "out", "--tier", "25", "--format", "jsonl");
    h_rmtree(d);
}

/* The default table: every column aligned, credit '-' when empty. */
Test(periods, table)
{
    char *d = fold_fleet();
    RUN("account  period_start  period_end  days  valid_requests  error_requests  error_windows  availability_pct  tier_pct  credit  state\n"
        "acme     2026-04-01    2026-04-30    30              12              10             10           99.8919        10  100.00  final\n",
        "periods", "out", "--tier", "10");
    RUN("account  period_start  period_end  days  valid_requests  error_requests  error_windows  availability_pct  tier_pct  credit  state\n"
        "gamma    2026-06-01    2026-06-30    16               2               1              1           99.9891         0       -  in_progress\n",
        "periods", "out", "--account", "gamma", "--format", "table");
    RUN("account  period_start  period_end  days  valid_requests  error_requests  error_windows  availability_pct  tier_pct  credit  state\n",
        "periods", "out", "--tier", "50");
    h_rmtree(d);
}

/* ---- windows -------------------------------------------------------------- */

#define ALL_WINDOWS                                                                              \
    W_P1A W_P1B W_P2(0) W_P2(1) W_P2(2) W_P2(3) W_P2(4) W_P2(5) W_P2(6) W_P2(7) W_P2(8) W_P2X W_P4 \
        W_BETA W_DELTA1 W_DELTA2 W_GAMMA

Test(windows, every_error_window_sorted)
{
    char *d = fold_fleet();
    RUN(WIN_HEADER ALL_WINDOWS, "windows", "out", "--format", "csv");
    RUN(WIN_HEADER ALL_WINDOWS, "windows", "out/availability.slagg", "--format", "csv");
    RUN(WIN_HEADER W_P4, "windows", "out", "--account", "acme", "--period", "2026-06-01", "--format", "csv");
    /* any day of the period selects it */
    RUN(WIN_HEADER W_P2(0) W_P2(1) W_P2(2) W_P2(3) W_P2(4) W_P2(5) W_P2(6) W_P2(7) W_P2(8) W_P2X W_BETA
            W_DELTA1 W_DELTA2,
        "windows", "out", "--period", "2026-04-30", "--format", "csv");
    RUN(WIN_HEADER, "windows", "out", "--period", "2026-03-16", "--format", "csv");
    RUN(WIN_HEADER W_GAMMA, "windows", "out", "--period", "2026-06-30", "--account", "gamma", "--format", "csv");
    h_rmtree(d);
}

/* --top N: largest exact share first; equal shares by account, then time:
 * acme's nine April windows (04-02) come before beta's (04-01 00:00,
 * earlier but another account); acme P4 and gamma share exactly. */
Test(windows, top_with_ties)
{
    char *d = fold_fleet();
    RUN(WIN_HEADER W_P1B W_P1A W_P2(0) W_P2(1), "windows", "out", "--top", "4", "--format", "csv");
    RUN(WIN_HEADER W_P1B W_P1A W_P2(0) W_P2(1) W_P2(2) W_P2(3) W_P2(4) W_P2(5) W_P2(6) W_P2(7) W_P2(8)
            W_BETA W_DELTA1 W_P4 W_GAMMA W_P2X W_DELTA2,
        "windows", "out", "--top", "100", "--format", "csv");
    RUN(WIN_HEADER W_P4 W_GAMMA, "windows", "out", "--top", "3", "--period", "2026-06-01",
        "--format", "csv");
    RUN(WIN_HEADER W_DELTA1, "windows", "out", "--top", "1", "--account", "delta", "--format", "csv");
    h_rmtree(d);
}

Test(windows, jsonl_and_table)
{
    char *d = fold_fleet();
    RUN("{\"account\":\"delta\",\"period_start\":\"2026-04-01\",\"window_start\":\"2026-04-15T00:00:00+08:00\","
        "\"window_end\":\"2026-04-15T00:05:00+08:00\",\"valid\":1,\"error\":1,\"rate\":\"1.000000\","
        "\"share\":\"0.011574\"}\n"
        "{\"account\":\"delta\",\"period_start\":\"2026-04-01\",\"window_start\":\"2026-04-20T12:00:00+08:00\","
        "\"window_end\":\"2026-04-20T12:05:00+08:00\",\"valid\":500,\"error\":1,\"rate\":\"0.002000\","
        "\"share\":\"0.000023\"}\n",
        "windows", "out", "--account", "delta", "--format", "jsonl");
    RUN("account  period_start  window_start               window_end                 valid  error      rate     share\n"
        "delta    2026-04-01    2026-04-15T00:00:00+08:00  2026-04-15T00:05:00+08:00      1      1  1.000000  0.011574\n"
        "delta    2026-04-01    2026-04-20T12:00:00+08:00  2026-04-20T12:05:00+08:00    500      1  0.002000  0.000023\n",
        "windows", "out", "--account", "delta");
    h_rmtree(d);
}

/* ---- the 99.90 % boundary (SPEC 2 "Tier decisions are exact") ----------- */

/* edge: 864 windows at 1/100 in April (N 8640): S = 8.64, exactly 99.90 %.
 * hair: the same but one window 1/99: S = 863/100 + 1/99 = 85537/9900,
 * A = 100 - 8553700/85536000 % = 99.89999883.. % (prints 99.8999). */
Test(periods, boundary_99_90_exact)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\nedge,2026-04-01,2026-04-30\nhair,2026-04-01,2026-04-30\n");
    h_buf r = {0};
    h_buf_printf(&r, "ts,account,status\n");
    for (int w = 0; w < 864; w++) {
        int day = 1 + w / 288, k = w % 288;
        for (int a = 0; a < 2; a++) {
            const char *acct = a ? "hair" : "edge";
            int oks = (a && w == 0) ? 98 : 99;
            h_buf_printf(&r, "2026-04-%02dT%02d:%02d:00+08:00,%s,500\n", day, k / 12, k % 12 * 5, acct);
            for (int i = 0; i < oks; i++)
                h_buf_printf(&r, "2026-04-%02dT%02d:%02d:01+08:00,%s,200\n", day, k / 12, k % 12 * 5, acct);
        }
    }
    h_write(d, "r.csv", r.data);
    h_buf_free(&r);
    h_result f = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "--through",
                         "2026-04-30", "r.csv", NULL);
    h_assert_code(f, 0);
    h_result_free(&f);
#define EDGE "edge,2026-04-01,2026-04-30,30,8640,86400,864,0,864,99.9000,0,,,0.00,false,final,2026-05-08,2026-06-30\n"
#define HAIR "hair,2026-04-01,2026-04-30,30,8640,86399,864,0,864,99.8999,10,,,,false,no_fee,2026-05-08,2026-06-30\n"
    h_assert_finance(d, "out", H_FIN_HEADER EDGE HAIR);
    RUN(H_FIN_HEADER HAIR, "periods", "out", "--below", "99.9", "--format", "csv");
    RUN(H_FIN_HEADER HAIR, "periods", "out", "--below", "99.90", "--format", "csv");
    RUN(H_FIN_HEADER HAIR, "periods", "out", "--below", "99.900000000000", "--format", "csv");
    RUN(H_FIN_HEADER EDGE HAIR, "periods", "out", "--below", "99.9001", "--format", "csv");
    RUN(H_FIN_HEADER EDGE HAIR, "periods", "out", "--below", "99.900000000001", "--format", "csv");
    /* 99.89999883.. is not below 99.8999 nor 99.899998, is below 99.899999 */
    RUN(H_FIN_HEADER, "periods", "out", "--below", "99.8999", "--format", "csv");
    RUN(H_FIN_HEADER, "periods", "out", "--below", "99.899998", "--format", "csv");
    RUN(H_FIN_HEADER HAIR, "periods", "out", "--below", "99.899999", "--format", "csv");
    RUN(H_FIN_HEADER HAIR EDGE, "periods", "out", "--sort", "availability", "--format", "csv");
    /* every window's share: 100 / (100 * 8640) = 0.000115.. -> 0.000115;
     * hair's first: 100 / (99 * 8640) = 0.0001169.. -> 0.000116 */
    RUN(WIN_HEADER "hair,2026-04-01,2026-04-01T00:00:00+08:00,2026-04-01T00:05:00+08:00,99,1,0.010101,0.000116\n"
                   "edge,2026-04-01,2026-04-01T00:00:00+08:00,2026-04-01T00:05:00+08:00,100,1,0.010000,0.000115\n",
        "windows", "out", "--top", "2", "--format", "csv");
#undef EDGE
#undef HAIR
    h_rmtree(d);
}

/* ---- text: display width, names never cut, spreadsheet safety ------------ */

/* Two accounts that share their first 24 bytes, a CJK name (12 bytes, 8
 * columns) and a name a spreadsheet would evaluate. */
static char *fold_names(void)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\n"
                        "=SUM(A1),2026-04-01,2026-04-30\n"
                        "customer-enterprise-north-1,2026-04-01,2026-04-30\n"
                        "customer-enterprise-northeast,2026-04-01,2026-04-30\n"
                        "北京客户,2026-04-01,2026-04-30\n");
    h_write(d, "r.csv", "ts,account,status\n"
                        "2026-04-05T12:30:00+08:00,=SUM(A1),500\n"
                        "2026-04-02T00:00:00+08:00,北京客户,503\n"
                        "2026-04-02T00:01:00+08:00,北京客户,200\n"
                        "2026-04-03T00:00:00+08:00,customer-enterprise-northeast,200\n");
    h_result f = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "--through",
                         "2026-04-30", "r.csv", NULL);
    h_assert_code(f, 0);
    h_result_free(&f);
    return d;
}

/* "北京客户" is 12 bytes and 8 columns wide: padded to the 29 columns of
 * the longest name with 21 spaces, so every column lines up on a
 * terminal; no name is cut. */
Test(periods, table_aligns_by_display_width)
{
    char *d = fold_names();
    RUN("account                        period_start  period_end  days  valid_requests  error_requests  error_windows  availability_pct  tier_pct  credit  state\n"
        "=SUM(A1)                       2026-04-01    2026-04-30    30               1               1              1           99.9884         0    0.00  final\n"
        "customer-enterprise-north-1    2026-04-01    2026-04-30    30               0               0              0          100.0000         0    0.00  final\n"
        "customer-enterprise-northeast  2026-04-01    2026-04-30    30               1               0              0          100.0000         0    0.00  final\n"
        "北京客户                       2026-04-01    2026-04-30    30               2               1              1           99.9942         0    0.00  final\n",
        "periods", "out");
    RUN("account   period_start  window_start               window_end                 valid  error      rate     share\n"
        "=SUM(A1)  2026-04-01    2026-04-05T12:30:00+08:00  2026-04-05T12:35:00+08:00      1      1  1.000000  0.011574\n"
        "北京客户  2026-04-01    2026-04-02T00:00:00+08:00  2026-04-02T00:05:00+08:00      2      1  0.500000  0.005787\n",
        "windows", "out");
    h_rmtree(d);
}

/* SPEC 4: --format csv guards a text field a spreadsheet would evaluate;
 * JSONL keeps the exact value; rows still sort by the exact value. */
Test(windows, csv_formula_guard_and_exact_jsonl)
{
    char *d = fold_names();
    RUN(WIN_HEADER "'=SUM(A1),2026-04-01,2026-04-05T12:30:00+08:00,2026-04-05T12:35:00+08:00,1,1,1.000000,0.011574\n"
                   "北京客户,2026-04-01,2026-04-02T00:00:00+08:00,2026-04-02T00:05:00+08:00,2,1,0.500000,0.005787\n",
        "windows", "out", "--format", "csv");
    RUN("{\"account\":\"=SUM(A1)\",\"period_start\":\"2026-04-01\",\"window_start\":\"2026-04-05T12:30:00+08:00\","
        "\"window_end\":\"2026-04-05T12:35:00+08:00\",\"valid\":1,\"error\":1,\"rate\":\"1.000000\",\"share\":\"0.011574\"}\n",
        "windows", "out", "--account", "=SUM(A1)", "--format", "jsonl");
    RUN(H_FIN_HEADER "'=SUM(A1),2026-04-01,2026-04-30,30,8640,1,1,0,1,99.9884,0,,,0.00,false,final,2026-05-08,2026-06-30\n",
        "periods", "out", "--below", "99.99", "--sort", "credit", "--account", "=SUM(A1)", "--format", "csv");
    h_rmtree(d);
}

/* ---- inspect (issue 15) ---------------------------------------------------- */

/* --periods: the export's order, names whole (two accounts no longer both
 * show as customer-enterprise-nort), columns by display width. */
Test(inspect, periods_whole_names_display_width)
{
    char *d = fold_names();
    h_result r = h_slagg(d, NULL, "inspect", "--periods", "out/availability.slagg", NULL);
    h_assert_code(r, 0);
    const char *want =
        "  account                        start       end         days  valid  errors    avail%  tier  state\n"
        "  =SUM(A1)                       2026-04-01  2026-04-30    30      1       1   99.9884     0  final\n"
        "  customer-enterprise-north-1    2026-04-01  2026-04-30    30      0       0  100.0000     0  final\n"
        "  customer-enterprise-northeast  2026-04-01  2026-04-30    30      1       0  100.0000     0  final\n"
        "  北京客户                       2026-04-01  2026-04-30    30      2       1   99.9942     0  final\n";
    const char *at = strstr(r.out, "  account ");
    cr_assert(at, "no period list in:\n%s", r.out);
    cr_assert_str_eq(at, want);
    h_result_free(&r);
    h_rmtree(d);
}

/* A shard's time range at the service offset, as `slagg cat` prints its
 * records (default +08:00; --tz like cat's). */
Test(inspect, shard_times_at_the_service_offset)
{
    char *d = fold_names();
    h_result p = h_slagg(d, NULL, "pack", "--out", "sh", "--quiet", "r.csv", NULL);
    h_assert_code(p, 0);
    h_result_free(&p);
    h_result r = h_slagg(d, NULL, "inspect", "--blocks", "sh/r.shard", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.out, "  time range 2026-04-02T00:00:00.000+08:00 .. 2026-04-05T12:30:00.000+08:00\n"),
              "stdout:\n%s", r.out);
    cr_assert(h_contains(r.out, "  2026-04-02T00:00:00.000+08:00 2026-04-05T12:30:00.000+08:00"), "stdout:\n%s", r.out);
    h_result_free(&r);
    h_result c = h_slagg(d, NULL, "cat", "sh/r.shard", NULL);
    h_assert_code(c, 0);
    cr_assert(h_contains(c.out, "2026-04-02T00:00:00.000+08:00,"), "cat:\n%s", c.out);
    h_result_free(&c);
    r = h_slagg(d, NULL, "inspect", "--tz", "Z", "sh/r.shard", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.out, "  time range 2026-04-01T16:00:00.000+00:00 .. 2026-04-05T04:30:00.000+00:00\n"),
              "stdout:\n%s", r.out);
    h_result_free(&r);
    r = h_slagg(d, NULL, "inspect", "--tz", "8", "sh/r.shard", NULL);
    h_assert_code(r, 1);
    cr_assert(h_contains(r.err, "--tz"), "stderr:\n%s", r.err);
    h_result_free(&r);
    h_rmtree(d);
}

/* ---- bad options and inputs ------------------------------------------------ */

/* Exit 1 with a message naming the option. */
Test(periods, bad_options_exit_1_naming_the_option)
{
    char *d = fold_names();
    static const char *const cases[][6] = {
        {"periods", "out", "--below", "abc", NULL, "--below"},
        {"periods", "out", "--below", "100.01", NULL, "--below"},
        {"periods", "out", "--below", "-1", NULL, "--below"},
        {"periods", "out", "--below", "99.", NULL, "--below"},
        {"periods", "out", "--below", "99.9000000000001", NULL, "--below"},
        {"periods", "out", "--tier", "5", NULL, "--tier"},
        {"periods", "out", "--tier", "x", NULL, "--tier"},
        {"periods", "out", "--sort", "fee", NULL, "--sort"},
        {"periods", "out", "--format", "xml", NULL, "--format"},
        {"periods", "out", "--frob", NULL, NULL, "--frob"},
        {"periods", "out", "--below", NULL, NULL, "--below"},
        {"windows", "out", "--top", "0", NULL, "--top"},
        {"windows", "out", "--top", "x", NULL, "--top"},
        {"windows", "out", "--period", "2026-02-30", NULL, "--period"},
        {"windows", "out", "--period", "2100-01-01", NULL, "--period"},
        {"windows", "out", "--format", "ndjson", NULL, "--format"},
        {"windows", "out", "--sort", "x", NULL, "--sort"},
        {"periods", NULL, NULL, NULL, NULL, "SUMMARY"},
        {"windows", NULL, NULL, NULL, NULL, "SUMMARY"},
        {"periods", "out", "out", NULL, NULL, "too many"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        h_result r = h_run(d, NULL, 0, cases[i]);
        cr_assert_eq(r.code, 1, "case %zu (%s %s %s): exit %d, stderr:\n%s", i, cases[i][0],
                     cases[i][2] ? cases[i][2] : "", cases[i][3] ? cases[i][3] : "", r.code, r.err);
        h_assert_slagg_msg(r);
        cr_assert(h_contains(r.err, cases[i][5]), "case %zu: stderr should name %s:\n%s", i, cases[i][5], r.err);
        cr_assert_eq(r.out_len, 0, "case %zu printed on stdout:\n%s", i, r.out);
        h_result_free(&r);
    }
    h_rmtree(d);
}

/* A missing summary is an input error (2, issue 15: a missing file is
 * not a full disk), a corrupt one too, each named; --help prints the
 * usage with an example. */
Test(periods, missing_corrupt_and_help)
{
    char *d = fold_names();
    h_result r = h_slagg(d, NULL, "periods", "nope.slagg", NULL);
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "nope.slagg"), "stderr:\n%s", r.err);
    h_result_free(&r);
    r = h_slagg(d, NULL, "windows", "r.csv", NULL);
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "r.csv"), "stderr:\n%s", r.err);
    h_result_free(&r);
    /* a directory that is no fold's output */
    r = h_slagg(d, NULL, "periods", ".", NULL);
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "availability.slagg"), "stderr:\n%s", r.err);
    h_result_free(&r);
    static const char *const cmds[] = {"periods", "windows"};
    for (int i = 0; i < 2; i++) {
        r = h_slagg(d, NULL, cmds[i], "--help", NULL);
        h_assert_code(r, 0);
        cr_assert(h_contains(r.out, "Usage: slagg ") && h_contains(r.out, "Example:"), "%s --help:\n%s", cmds[i], r.out);
        h_result_free(&r);
    }
    r = h_slagg(d, NULL, "--help", NULL);
    cr_assert(h_contains(r.out, "  periods ") && h_contains(r.out, "  windows "), "slagg --help:\n%s", r.out);
    h_result_free(&r);
    h_rmtree(d);
}

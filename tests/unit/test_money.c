/*
 * test_money.c - fen amounts and credits (SPEC section 2 "Money").
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "core/money.h"

static int64_t parse_ok(const char *s)
{
    int64_t fen = -12345;
    const char *why = NULL;
    cr_assert_eq(slagg_money_parse(s, strlen(s), &fen, &why), 0, "\"%s\" rejected: %s", s,
                 why ? why : "?");
    return fen;
}

static void parse_bad(const char *s)
{
    int64_t fen = -12345;
    const char *why = NULL;
    cr_assert_eq(slagg_money_parse(s, strlen(s), &fen, &why), -1, "\"%s\" accepted", s);
    cr_assert_not_null(why, "\"%s\": no reason", s);
    cr_assert_gt(strlen(why), 0);
    cr_assert_eq(fen, -12345, "\"%s\": output written on failure", s);
}

static void expect_format(int64_t fen, const char *text)
{
    char buf[24];
    slagg_money_format(fen, buf);
    cr_assert_str_eq(buf, text);
}

/* ---- parse -------------------------------------------------------------------------- */

Test(money, parse_accepts_plain_decimals)
{
    cr_assert_eq(parse_ok("0"), 0);
    cr_assert_eq(parse_ok("0.0"), 0);
    cr_assert_eq(parse_ok("0.00"), 0);
    cr_assert_eq(parse_ok("0.05"), 5);
    cr_assert_eq(parse_ok("0.5"), 50);
    cr_assert_eq(parse_ok("1"), 100);
    cr_assert_eq(parse_ok("1234"), 123400);
    cr_assert_eq(parse_ok("1234.5"), 123450);
    cr_assert_eq(parse_ok("1234.50"), 123450);
    cr_assert_eq(parse_ok("1234.05"), 123405);
    cr_assert_eq(parse_ok("100.00"), 10000);
    cr_assert_eq(parse_ok("007.50"), 750);  /* leading zeros: same value */
}

Test(money, parse_limits)
{
    cr_assert_eq(parse_ok("1000000000000000"), SLAGG_MONEY_MAX_FEN);
    cr_assert_eq(parse_ok("1000000000000000.00"), SLAGG_MONEY_MAX_FEN);
    cr_assert_eq(parse_ok("999999999999999.99"), SLAGG_MONEY_MAX_FEN - 1);
    parse_bad("1000000000000000.01");
    parse_bad("1000000000000001");
    parse_bad("10000000000000000");
    parse_bad("99999999999999999999999999999999999999");  /* would overflow int64 */
    parse_bad("92233720368547758.07");
}

Test(money, parse_rejects_everything_else)
{
    parse_bad("-1");
    parse_bad("-0");
    parse_bad("+1");
    parse_bad("1.234");
    parse_bad("0.001");
    parse_bad("1.");
    parse_bad(".5");
    parse_bad(".");
    parse_bad("1e3");
    parse_bad("1E3");
    parse_bad(" 1");
    parse_bad("1 ");
    parse_bad("1. 5");
    parse_bad("");
    parse_bad("abc");
    parse_bad("1,50");
    parse_bad("1..5");
    parse_bad("1.5.0");
    parse_bad("0x10");
    parse_bad("1.a");
    parse_bad("NaN");
    parse_bad("inf");
    parse_bad("１");  /* fullwidth digit */
}

Test(money, parse_honours_length_not_nul)
{
    int64_t fen = 0;
    const char *why = NULL;
    cr_assert_eq(slagg_money_parse("12.345", 5, &fen, &why), 0);
    cr_assert_eq(fen, 1234);
    cr_assert_eq(slagg_money_parse("12,extra", 2, &fen, &why), 0);
    cr_assert_eq(fen, 1200);
    cr_assert_eq(slagg_money_parse("1\0" "5", 3, &fen, &why), -1);
    cr_assert_eq(slagg_money_parse("", 0, &fen, &why), -1);
}

/* ---- format ------------------------------------------------------------------------ */

Test(money, format)
{
    expect_format(0, "0.00");
    expect_format(1, "0.01");
    expect_format(5, "0.05");
    expect_format(10, "0.10");
    expect_format(99, "0.99");
    expect_format(100, "1.00");
    expect_format(123450, "1234.50");
    expect_format(123405, "1234.05");
    expect_format(SLAGG_MONEY_MAX_FEN, "1000000000000000.00");
    expect_format(INT64_MAX, "92233720368547758.07");
    /* outside the contract, still well formed */
    expect_format(-5, "-0.05");
    expect_format(INT64_MIN, "-92233720368547758.08");
}

Test(money, parse_format_round_trip)
{
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t fen = (int64_t)(x % (uint64_t)(SLAGG_MONEY_MAX_FEN + 1));
        if (i % 3 == 0) fen %= 100000;
        char buf[24];
        slagg_money_format(fen, buf);
        cr_assert_eq(parse_ok(buf), fen, "%s", buf);
    }
}

/* ---- credit ------------------------------------------------------------------------- */

static void expect_credit(int tier, int64_t fee, int64_t voucher, int64_t amount, int64_t cap,
                          int64_t credit, int capped)
{
    slagg_credit c = slagg_credit_compute(tier, fee, voucher);
    cr_assert_eq(c.amount, amount, "tier %d fee %lld voucher %lld: amount", tier, (long long)fee,
                 (long long)voucher);
    cr_assert_eq(c.cap, cap, "tier %d fee %lld: cap", tier, (long long)fee);
    cr_assert_eq(c.credit, credit, "tier %d fee %lld: credit", tier, (long long)fee);
    cr_assert_eq(c.capped, capped, "tier %d fee %lld: capped", tier, (long long)fee);
}

Test(money, credit_rounds_half_up)
{
    /* fee 0.05, tier 10: 0.005 -> 0.01 */
    expect_credit(10, 5, 0, 1, 2, 1, 0);
    expect_credit(10, 4, 0, 0, 2, 0, 0);     /* 0.004 -> 0.00 */
    expect_credit(10, 15, 0, 2, 7, 2, 0);    /* 1.5 fen -> 2 */
    expect_credit(10, 14, 0, 1, 7, 1, 0);    /* 1.4 fen -> 1 */
    expect_credit(10, 25, 0, 3, 12, 3, 0);   /* 2.5 -> 3, not banker's 2 */
    expect_credit(25, 2, 0, 1, 1, 1, 0);     /* 0.5 -> 1 */
    expect_credit(25, 1, 0, 0, 0, 0, 0);     /* 0.25 -> 0 */
    expect_credit(25, 3, 0, 1, 1, 1, 0);     /* 0.75 -> 1 */
    expect_credit(25, 123457, 0, 30864, 61728, 30864, 0);  /* 30864.25 */
    expect_credit(10, 123455, 0, 12346, 61727, 12346, 0);  /* 12345.5 */
}

Test(money, credit_cap_with_vouchers)
{
    /* fee 100.00, 90.00 paid with vouchers, tier 50: 50.00 vs cap 5.00 */
    expect_credit(50, 10000, 9000, 5000, 500, 500, 1);
    /* same, tier 10: 10.00 vs 5.00: still capped */
    expect_credit(10, 10000, 9000, 1000, 500, 500, 1);
    /* amount equal to the cap is not "capped" */
    expect_credit(10, 10000, 8000, 1000, 1000, 1000, 0);
    /* fully voucher-paid: nothing can be credited */
    expect_credit(25, 10000, 10000, 2500, 0, 0, 1);
    /* odd remainder: cap floors (100.01 - 0 -> 50.00), amount rounds up */
    expect_credit(50, 10001, 0, 5001, 5000, 5000, 1);
    expect_credit(50, 10000, 0, 5000, 5000, 5000, 0);
    expect_credit(50, 10000, 1, 5000, 4999, 4999, 1);
}

Test(money, credit_tier_zero_is_zero)
{
    expect_credit(0, 10000, 0, 0, 5000, 0, 0);
    expect_credit(0, 10000, 10000, 0, 0, 0, 0);
    expect_credit(0, 0, 0, 0, 0, 0, 0);
    expect_credit(50, 0, 0, 0, 0, 0, 0);
}

Test(money, credit_at_the_maximum_fee)
{
    const int64_t M = SLAGG_MONEY_MAX_FEN;
    expect_credit(50, M, 0, M / 2, M / 2, M / 2, 0);
    expect_credit(25, M, 0, M / 4, M / 2, M / 4, 0);
    expect_credit(10, M, M - 1, M / 10, 0, 0, 1);
    expect_credit(50, M - 1, 0, M / 2, M / 2 - 1, M / 2 - 1, 1);
}

Test(money, credit_matches_definition_on_many_inputs)
{
    static const int tiers[4] = {0, 10, 25, 50};
    uint64_t x = 12345;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t fee = (int64_t)(x % 1000000);
        int64_t voucher = fee ? (int64_t)((x >> 20) % (uint64_t)(fee + 1)) : 0;
        int tier = tiers[(x >> 50) % 4];
        slagg_credit c = slagg_credit_compute(tier, fee, voucher);
        /* round half up of tier*fee/100, via the remainder */
        int64_t t = tier * fee, amount = t / 100 + (t % 100 >= 50);
        int64_t cap = (fee - voucher) / 2;
        cr_assert_eq(c.amount, amount);
        cr_assert_eq(c.cap, cap);
        cr_assert_eq(c.credit, amount < cap ? amount : cap);
        cr_assert_eq(c.capped, amount > cap);
        cr_assert_leq(2 * c.credit, fee - voucher);  /* the SLA's 50 % ceiling */
    }
}

Test(money, credit_out_of_contract_inputs_are_clamped)
{
    /* voucher above fee: treated as fully voucher-paid, never a negative cap */
    slagg_credit c = slagg_credit_compute(10, 1000, 5000);
    cr_assert_eq(c.cap, 0);
    cr_assert_eq(c.credit, 0);
    c = slagg_credit_compute(50, -100, 0);
    cr_assert_eq(c.amount, 0);
    cr_assert_eq(c.credit, 0);
    c = slagg_credit_compute(50, INT64_MAX, 0);  /* clamped to 10^17: no overflow */
    cr_assert_eq(c.amount, SLAGG_MONEY_MAX_FEN / 2);
}

/* ---- 128-bit totals (SPEC 6 "Sums never wrap") ------------------------------------- */

static void expect_total(slagg_fen_total fen, const char *text)
{
    char buf[SLAGG_MONEY_TOTAL_CHARS];
    memset(buf, 'x', sizeof buf);
    slagg_money_format_total(fen, buf);
    cr_assert_str_eq(buf, text);
}

Test(money, total_formats_small_amounts_like_one_amount)
{
    expect_total(0, "0.00");
    expect_total(5, "0.05");
    expect_total(50, "0.50");
    expect_total(123450, "1234.50");
    /* every int64 amount prints the same digits either way */
    static const int64_t v[] = {1, 99, 100, 101, 999999, 100000000000000000LL, INT64_MAX};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        char a[24], b[SLAGG_MONEY_TOTAL_CHARS];
        slagg_money_format(v[i], a);
        slagg_money_format_total((slagg_fen_total)v[i], b);
        cr_assert_str_eq(a, b, "%lld", (long long)v[i]);
    }
    expect_total((slagg_fen_total)INT64_MAX, "92233720368547758.07");
}

Test(money, total_beyond_64_bits_is_exact)
{
    /* 200 periods x 5 x 10^16 fen (50 % of the largest fee): 10^19 fen,
     * which wraps int64 to -8446744073709551616 */
    slagg_fen_total t = 0;
    for (int i = 0; i < 200; i++) t += (slagg_fen_total)(SLAGG_MONEY_MAX_FEN / 2);
    expect_total(t, "100000000000000000.00");
    /* 2^64 fen */
    expect_total((slagg_fen_total)1 << 64, "184467440737095516.16");
    /* the largest value: 2^128 - 1 = 340282366920938463463374607431768211455 */
    expect_total(~(slagg_fen_total)0, "3402823669209384634633746074317682114.55");
    /* 10^36 + 1 */
    slagg_fen_total e36 = 1;
    for (int i = 0; i < 36; i++) e36 *= 10;
    expect_total(e36 + 1, "10000000000000000000000000000000000.01");
}

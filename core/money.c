/*
 * money.c - CNY in integer fen and the credit of a period (SPEC section 2
 * "Money"; SLA "Credit tiers" and the 50 % cap).
 */
#include "core/money.h"

/* Accepts DIGITS or DIGITS.D or DIGITS.DD, nothing else (no sign, space,
 * exponent, "1." or ".5"). Leading zeros are accepted ("007.50" is 750 fen):
 * the value is unambiguous. Overflow is checked digit by digit, so any
 * length of input is safe. */
int slagg_money_parse(const char *s, size_t n, int64_t *fen, const char **why)
{
    const int64_t max_units = SLAGG_MONEY_MAX_FEN / 100;
    size_t i = 0;
    int64_t units = 0;
    if (n == 0) {
        *why = "empty amount";
        return -1;
    }
    if (s[0] == '-' || s[0] == '+') {
        *why = "amount has a sign";
        return -1;
    }
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        units = units * 10 + (s[i] - '0');
        if (units > max_units) {
            *why = "amount too large";
            return -1;
        }
    }
    if (i == 0) {
        *why = "amount does not start with a digit";
        return -1;
    }
    int64_t frac = 0;
    if (i < n) {
        if (s[i] != '.') {
            *why = "amount is not a decimal number";
            return -1;
        }
        size_t nd = n - i - 1;
        if (nd == 0) {
            *why = "amount has no digits after the point";
            return -1;
        }
        if (nd > 2) {
            *why = "amount has more than 2 decimals";
            return -1;
        }
        for (size_t k = i + 1; k < n; k++) {
            if (s[k] < '0' || s[k] > '9') {
                *why = "amount is not a decimal number";
                return -1;
            }
            frac = frac * 10 + (s[k] - '0');
        }
        if (nd == 1) frac *= 10;
    }
    int64_t v = units * 100 + frac;
    if (v > SLAGG_MONEY_MAX_FEN) {
        *why = "amount too large";
        return -1;
    }
    *fen = v;
    return 0;
}

/* Yuan, a point and exactly two fen digits. A negative value (outside the
 * contract) is written with a leading '-' rather than garbage. */
void slagg_money_format(int64_t fen, char out[24])
{
    char tmp[24];
    size_t n = 0;
    /* magnitude in unsigned: -INT64_MIN would overflow */
    uint64_t mag = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    uint64_t units = mag / 100;
    unsigned cents = (unsigned)(mag % 100);
    tmp[n++] = (char)('0' + cents % 10);
    tmp[n++] = (char)('0' + cents / 10);
    tmp[n++] = '.';
    do {
        tmp[n++] = (char)('0' + units % 10);
        units /= 10;
    } while (units);
    size_t o = 0;
    if (fen < 0) out[o++] = '-';
    while (n) out[o++] = tmp[--n];
    out[o] = '\0';
}

/* The same digits as slagg_money_format, from 128 bits: a total is printed
 * exactly however many periods it sums (SPEC 6), never wrapped. */
void slagg_money_format_total(slagg_fen_total fen, char out[SLAGG_MONEY_TOTAL_CHARS])
{
    char tmp[SLAGG_MONEY_TOTAL_CHARS];
    size_t n = 0;
    slagg_fen_total units = fen / 100;
    unsigned cents = (unsigned)(fen % 100);
    tmp[n++] = (char)('0' + cents % 10);
    tmp[n++] = (char)('0' + cents / 10);
    tmp[n++] = '.';
    do {
        tmp[n++] = (char)('0' + (unsigned)(units % 10));
        units /= 10;
    } while (units);
    size_t o = 0;
    while (n) out[o++] = tmp[--n];
    out[o] = '\0';
}

/* amount = round_half_up(tier * fee / 100), cap = floor((fee - voucher) / 2),
 * credit = min(amount, cap). Computed in 128 bits so that even inputs outside
 * the contract cannot overflow; out-of-contract inputs are clamped (fee and
 * voucher to [0, SLAGG_MONEY_MAX_FEN], voucher to at most fee) instead of
 * producing a negative cap. Within the contract (fee <= 10^17, tier <= 50)
 * 64 bits would do: 50 * 10^17 + 50 < 9.2 * 10^18. */
slagg_credit slagg_credit_compute(int tier_pct, int64_t fee, int64_t voucher_paid)
{
    slagg_credit c = {0, 0, 0, 0};
    if (fee < 0) fee = 0;
    if (fee > SLAGG_MONEY_MAX_FEN) fee = SLAGG_MONEY_MAX_FEN;
    if (voucher_paid < 0) voucher_paid = 0;
    if (voucher_paid > fee) voucher_paid = fee;
    if (tier_pct < 0) tier_pct = 0;
    if (tier_pct > 100) tier_pct = 100;
    __int128 amount = ((__int128)tier_pct * fee + 50) / 100;
    c.amount = (int64_t)amount;
    c.cap = (fee - voucher_paid) / 2;
    c.capped = c.amount > c.cap;
    c.credit = c.capped ? c.cap : c.amount;
    return c;
}

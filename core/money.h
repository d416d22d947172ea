/*
 * money.h - CNY amounts in integer fen, and the credit of a period
 * (SPEC section 2 "Money"). Binary floating point never touches money.
 */
#ifndef SLAGG_CORE_MONEY_H
#define SLAGG_CORE_MONEY_H

#include <stddef.h>
#include <stdint.h>

#define SLAGG_MONEY_MAX_FEN 100000000000000000LL  /* 10^17 fen = 10^15 CNY */

/* Parses a non-negative decimal with at most 2 fractional digits:
 * "1234", "1234.5", "1234.50", "0.05". Rejects signs, exponents, spaces,
 * "1.", ".5", more than 2 decimals and amounts above SLAGG_MONEY_MAX_FEN.
 * Returns 0 and *fen, or -1 and *why (a static reason). */
int slagg_money_parse(const char *s, size_t n, int64_t *fen, const char **why);

/* "1234.50", "0.05", "0.00"; fen >= 0. out needs 24 bytes. */
void slagg_money_format(int64_t fen, char out[24]);

/* A sum of amounts in fen that never wraps (SPEC 6 "Sums never wrap"):
 * every credit is at most SLAGG_MONEY_MAX_FEN / 2 = 5 x 10^16 fen, so even
 * SIZE_MAX (2^64 - 1) periods sum to under 9.3 x 10^35 < 2^128. */
__extension__ typedef unsigned __int128 slagg_fen_total;
/* Bytes slagg_money_format_total needs: 39 digits of 2^128 - 1, the
 * point, the NUL. */
#define SLAGG_MONEY_TOTAL_CHARS 48
/* A total written exactly like slagg_money_format: "100000000000000000.00". */
void slagg_money_format_total(slagg_fen_total fen, char out[SLAGG_MONEY_TOTAL_CHARS]);

typedef struct slagg_credit {
    int64_t amount;  /* round_half_up(tier_pct * fee / 100) */
    int64_t cap;     /* floor((fee - voucher_paid) / 2) */
    int64_t credit;  /* min(amount, cap) */
    int capped;      /* amount > cap */
} slagg_credit;

/* tier_pct in {0, 10, 25, 50}; 0 <= voucher_paid <= fee <= SLAGG_MONEY_MAX_FEN. */
slagg_credit slagg_credit_compute(int tier_pct, int64_t fee, int64_t voucher_paid);

#endif

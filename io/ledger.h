/*
 * ledger.h - `slagg ledger` (SPEC 5): the compact summaries of one fleet's
 * months, each folded with its own --from, joined into one claim ledger as
 * of a date: ledger.csv and ledger.jsonl, one row per period sorted like
 * the finance export, each with its claim state (core/claim.h), plus the
 * credits summed per claim state. Reads the summaries (io/summary_file.h)
 * and formats; prints nothing, writes nothing (cli/cmd_ledger.c commits
 * the generation).
 */
#ifndef SLAGG_IO_LEDGER_H
#define SLAGG_IO_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "core/claim.h"
#include "core/error.h"
#include "core/fleet.h"
#include "core/money.h"
#include "core/report.h"
#include "io/buf.h"
#include "io/tables.h"

#define SLAGG_LEDGER_HEADER \
    "account,period_start,period_end,state,tier_pct,credit,claim_opens,claim_deadline,claim_state"

typedef struct slagg_ledger_row {
    const char *account;     /* borrowed from its summary's fleet */
    size_t account_len;
    int64_t start, end;      /* period_start, period_end (day numbers) */
    slagg_state state;
    int tier_pct;
    int has_credit;          /* else the credit field is empty */
    int64_t credit;          /* fen */
    int64_t claim_opens, claim_deadline;
    slagg_claim_state claim;
    size_t src;              /* index of the summary it came from */
} slagg_ledger_row;

typedef struct slagg_ledger {
    size_t n_src;
    slagg_fleet *fleets;     /* one per summary, in the order given */
    slagg_tables *tables;
    slagg_report *reports;
    slagg_ledger_row *rows;  /* sorted by account (bytewise), then period_start */
    size_t n_rows;
    slagg_fen_total credit[SLAGG_CLAIM_STATES];   /* sum of non-empty credits, exact */
    uint64_t credited[SLAGG_CLAIM_STATES];        /* rows with a non-empty credit */
    uint64_t periods[SLAGG_CLAIM_STATES];         /* rows */
} slagg_ledger;

/* Reads the n summaries (paths[i]: a compact summary file) and builds the
 * ledger as of day as_of. Each summary's finance rows are those `slagg
 * export` would write from it (its stored fees and holidays). Refuses,
 * with SLAGG_E_INPUT: summaries folded with different --tz (naming both
 * files and offsets), and a period (same account, overlapping days) held
 * by two summaries (naming both files, in the order given, the account
 * and the period). SLAGG_E_INPUT / SLAGG_E_IO from the reader as is. The
 * rows do not depend on the order of paths. */
slagg_status slagg_ledger_build(const char *const *paths, size_t n, int64_t as_of, slagg_ledger *l,
                                slagg_err *err);
void slagg_ledger_free(slagg_ledger *l);

/* ledger.csv: the header and one line per row (the account spreadsheet-
 * safe, SPEC 4). ledger.jsonl: the same fields as JSON, tier_pct a number,
 * money a string, an empty field null (as finance.jsonl). */
void slagg_ledger_format_csv(const slagg_ledger *l, slagg_buf *out);
void slagg_ledger_format_jsonl(const slagg_ledger *l, slagg_buf *out);

#endif

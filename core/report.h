/*
 * report.h - finance rows and fleet totals from a slagg_fleet plus the fee
 * and holiday tables (SPEC section 4). Pure computation: writing the files
 * is io/export.c's job.
 */
#ifndef SLAGG_CORE_REPORT_H
#define SLAGG_CORE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/fleet.h"
#include "core/money.h"
#include "core/tables.h"

typedef enum slagg_state {
    SLAGG_STATE_FINAL = 0,
    SLAGG_STATE_IN_PROGRESS,
    SLAGG_STATE_NO_FEE
} slagg_state;

typedef struct slagg_row {
    const slagg_period_agg *p;
    int64_t days;            /* counted days */
    uint64_t windows;        /* 288 x days */
    uint64_t valid, errors, excluded;
    uint64_t unavail_ppm;    /* exact, see core/exact.h */
    int tier_pct;
    int has_fee;
    int64_t fee, voucher_paid;
    int has_credit;          /* credit field not empty */
    int64_t credit;
    int capped;
    slagg_state state;
    int64_t claim_opens, claim_deadline;
} slagg_row;

typedef struct slagg_report {
    slagg_row *rows;         /* one per period, in the fleet's order */
    size_t n_rows;
    uint64_t cls[SLAGG_CLASS_COUNT];  /* totals over all periods */
    uint64_t accounts;       /* distinct accounts in the export */
    uint64_t periods[3];     /* by slagg_state */
    uint64_t tiers[4];       /* 0, 10, 25, 50 */
    slagg_fen_total total_credit;  /* fen, exact: never wraps (SPEC 6) */
    const slagg_fee_in **unmatched;  /* fee rows matching no reported period, file order */
    size_t n_unmatched;
} slagg_report;

/* Builds the report. t supplies fees and holidays (may be empty). */
slagg_status slagg_report_build(const slagg_fleet *f, const slagg_tables *t, slagg_report *r,
                                slagg_err *err);
void slagg_report_free(slagg_report *r);

const char *slagg_state_name(slagg_state s);

#endif

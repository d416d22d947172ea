/*
 * export.h - the text outputs of SPEC section 4: finance.csv,
 * finance.jsonl and summary.json, formatted into memory buffers (the
 * caller writes them atomically with io/output.h).
 */
#ifndef SLAGG_IO_EXPORT_H
#define SLAGG_IO_EXPORT_H

#include "core/fleet.h"
#include "core/report.h"
#include "io/buf.h"
#include "io/tables.h"

#define SLAGG_FINANCE_HEADER                                                                \
    "account,period_start,period_end,days,windows,valid_requests,error_requests,"          \
    "excluded_requests,error_windows,availability_pct,tier_pct,fee,voucher_paid,credit,"   \
    "credit_capped,state,claim_opens,claim_deadline"

void slagg_format_finance_csv(const slagg_fleet *f, const slagg_report *r, slagg_buf *out);
void slagg_format_finance_jsonl(const slagg_fleet *f, const slagg_report *r, slagg_buf *out);
/* fees_path names the fee file in unmatched_fees entries. */
void slagg_format_summary_json(const slagg_fleet *f, const slagg_report *r,
                               const char *fees_path, slagg_buf *out);

/* Builds the report from f and t into r (the caller frees it), formats the
 * outputs and writes them atomically into dir (created when missing):
 * finance.csv, finance.jsonl, summary.json, and, when with_compact, the
 * compact summary. Nothing in dir changes unless every file is staged. */
slagg_status slagg_write_outputs(const char *dir, const slagg_fleet *f, const slagg_tables *t,
                                 int with_compact, slagg_report *r, slagg_err *err);

#endif

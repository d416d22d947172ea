/*
 * export.h - the text outputs of SPEC section 4: finance.csv,
 * finance.jsonl and summary.json, formatted into memory buffers (the
 * caller commits them as one generation with io/generation.h).
 */
#ifndef SLAGG_IO_EXPORT_H
#define SLAGG_IO_EXPORT_H

#include "core/fleet.h"
#include "core/rejects.h"
#include "core/report.h"
#include "io/buf.h"
#include "io/generation.h"
#include "io/tables.h"

#define SLAGG_FINANCE_HEADER                                                                \
    "account,period_start,period_end,days,windows,valid_requests,error_requests,"          \
    "excluded_requests,error_windows,availability_pct,tier_pct,fee,voucher_paid,credit,"   \
    "credit_capped,state,claim_opens,claim_deadline"

void slagg_format_finance_csv(const slagg_fleet *f, const slagg_report *r, slagg_buf *out);
void slagg_format_finance_jsonl(const slagg_fleet *f, const slagg_report *r, slagg_buf *out);
/* The rejects file (SPEC 6): `file,line,reason`, inputs[] naming each
 * row's file; text fields control-escaped, then spreadsheet-safe (SPEC 4),
 * and a last row counting the rows that were counted but not kept. */
void slagg_format_rejects_csv(const char *const *inputs, const slagg_rejects *rj, slagg_buf *out);

/* fees_path names the fee file in unmatched_fees entries. */
void slagg_format_summary_json(const slagg_fleet *f, const slagg_report *r,
                               const char *fees_path, slagg_buf *out);

/* Formats the outputs of f, t and r (r: slagg_report_build of f and t,
 * built by the caller) - finance.csv, finance.jsonl, summary.json and the
 * compact summary holding t's fees and holidays - and commits them, with
 * their manifest from prov, as one generation of dir (io/generation.h;
 * the caller holds dir's lock). Nothing visible in dir changes unless the
 * whole generation is committed. threads >= 2: finance.jsonl is formatted
 * on a second thread beside the others (the same bytes). co (may be
 * NULL): the commit's step hook. */
slagg_status slagg_write_outputs(const char *dir, const slagg_fleet *f, const slagg_tables *t,
                                 const slagg_report *r, unsigned threads, const slagg_provenance *prov,
                                 const slagg_commit_opts *co, slagg_err *err);

#endif

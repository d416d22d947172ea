/*
 * tables.h - the rows of the small input tables (SPEC section 3):
 * contracts, fees, maintenance windows and holidays, as plain values the
 * rules take (core/maint.c, core/report.c) and the fold engine reads.
 *
 * Reading them from files is io/'s job (io/tables.h, the CSV loaders, and
 * io/partial.c, the codec of partial results); this header includes
 * nothing of io/, so the rules never depend on a reader (docs/DESIGN.md,
 * "House").
 */
#ifndef SLAGG_CORE_TABLES_H
#define SLAGG_CORE_TABLES_H

#include <stddef.h>
#include <stdint.h>

typedef struct slagg_contract_in {
    char *account;
    uint32_t account_len;
    int64_t start, end;   /* days; end = SLAGG_DAY_OPEN when empty */
    uint64_t line;
} slagg_contract_in;

typedef struct slagg_fee_in {
    char *account;
    uint32_t account_len;
    int64_t period_start; /* day */
    int64_t fee, voucher_paid; /* fen, 0 <= voucher_paid <= fee */
    uint64_t line;
} slagg_fee_in;

typedef struct slagg_maint_in {
    int64_t start_ms, end_ms; /* [start, end) Unix ms */
    char *scope;              /* account, or "*" */
    uint32_t scope_len;
    int all;                  /* scope is "*" */
    int late;                 /* notice_at later than start: excludes nothing */
    uint64_t line;
    char *raw_start, *raw_end, *raw_notice; /* as written, for the summary */
} slagg_maint_in;

typedef struct slagg_tables {
    const char *contracts_path, *fees_path, *maintenance_path, *holidays_path;
    slagg_contract_in *contracts; size_t n_contracts;
    slagg_fee_in *fees;           size_t n_fees;
    slagg_maint_in *maint;        size_t n_maint;
    int64_t *holidays;            size_t n_holidays;  /* sorted, unique */
    int64_t *workdays;            size_t n_workdays;  /* sorted, unique */
    char *owned[4];  /* paths read back from a compact summary, freed with t */
} slagg_tables;

#endif

/*
 * tables.h - the small input tables: contracts, fees, maintenance windows
 * and holidays (SPEC section 3). Unlike request records, a bad row in a
 * table is never skipped: it fails the run with "PATH:LINE: reason"
 * (SLAGG_E_INPUT), because every table row changes money.
 *
 * Columns are found by header name (any order; other columns ignored).
 */
#ifndef SLAGG_IO_TABLES_H
#define SLAGG_IO_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

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

/* Each loader appends to t; path NULL means "not given" (nothing loaded).
 * Contracts: account,start,end (end may be empty); start <= end.
 * Fees: account,period_start,fee,voucher_paid; a duplicate
 *   (account, period_start) is an error naming both lines.
 * Maintenance: start,end,scope[,notice_at]; start < end.
 * Holidays: date,kind with kind holiday|workday; a date listed twice is an
 *   error. */
slagg_status slagg_load_contracts(slagg_tables *t, const char *path, slagg_err *err);
slagg_status slagg_load_fees(slagg_tables *t, const char *path, slagg_err *err);
slagg_status slagg_load_maintenance(slagg_tables *t, const char *path, slagg_err *err);
slagg_status slagg_load_holidays(slagg_tables *t, const char *path, slagg_err *err);

void slagg_tables_free(slagg_tables *t);

#endif

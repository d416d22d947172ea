/*
 * tables.h - the small input tables: contracts, fees, maintenance windows
 * and holidays (SPEC section 3). Unlike request records, a bad row in a
 * table is never skipped: it fails the run with "PATH:LINE: reason"
 * (SLAGG_E_INPUT), because every table row changes money.
 *
 * Columns are found by header name (any order; other columns ignored).
 * The row types are plain values of the rules: core/tables.h.
 */
#ifndef SLAGG_IO_TABLES_H
#define SLAGG_IO_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/tables.h"   /* the row types */

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

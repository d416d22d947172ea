/*
 * summary_file.h - the compact availability summary (docs/FORMAT.md,
 * "Compact availability summary"): every period's counts and every window
 * with E > 0, plus the fee and holiday tables used, so `slagg export` and
 * drill-down never need the raw records again.
 */
#ifndef SLAGG_IO_SUMMARY_FILE_H
#define SLAGG_IO_SUMMARY_FILE_H

#include "core/error.h"
#include "core/fleet.h"
#include "io/buf.h"
#include "io/tables.h"

#define SLAGG_SUMMARY_NAME "availability.slagg"
#define SLAGG_SUMMARY_MAGIC "SLAGGSUM"
#define SLAGG_SUMMARY_END "SLAGGEND"
#define SLAGG_SUMMARY_MAJOR 1
#define SLAGG_SUMMARY_MINOR 2   /* 1: coverage (docs/FORMAT.md section 8); 2: --from, before_from (section 9) */

/* Encodes f and the fee/holiday tables of t into out (whole file bytes). */
slagg_status slagg_summary_encode(const slagg_fleet *f, const slagg_tables *t, slagg_buf *out,
                                  slagg_err *err);

/* Reads and fully validates a summary file: header, checksums, and every
 * count against the bytes present (a corrupt length can never cause a
 * giant allocation). Fills f, and the fees and holidays of t.
 * SLAGG_E_INPUT "PATH: reason" when corrupt, truncated or of a newer major
 * version; SLAGG_E_IO when unreadable. */
slagg_status slagg_summary_read(const char *path, slagg_fleet *f, slagg_tables *t,
                                slagg_err *err);

#endif

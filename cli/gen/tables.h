/*
 * tables.h - the four tables of a generated fleet (tables.c), in the
 * forms SPEC section 3 reads: contracts.csv, fees.csv, maintenance.csv and
 * holidays.csv, each written atomically into the fleet's directory.
 */
#ifndef SLAGG_GEN_TABLES_H
#define SLAGG_GEN_TABLES_H

#include <stdint.h>

#include "cli/gen/fleet.h"
#include "cli/gen/out_file.h"

/* Writes the four tables of the fleet into dir: fs[0] is its first month
 * (its contracts, which --months extends over all the months), fs[k] the
 * design of month k (its fees, maintenance and holidays), n_months of
 * them; tz is the service offset as "+08:00" (the maintenance times are
 * service time). Adds the files and their bytes to *acc and the contract
 * and fee rows to *contract_rows and *fee_rows. SLAGG_E_IO / SLAGG_E_NOMEM
 * with err naming the file; tables already written stay. */
slagg_status slagg_gen_write_tables(const slagg_gen_fleet *fs, unsigned n_months, const char *dir, const char *tz,
                                    slagg_gen_tally *acc, uint32_t *contract_rows,
                                    uint32_t *fee_rows, slagg_err *err);

#endif

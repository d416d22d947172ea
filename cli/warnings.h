/*
 * warnings.h - what the CLI does with summary.json's warnings (SPEC 4, 5):
 * --gap and --strict parsing, the warnings on stderr (at most 10 of each
 * kind, then a count), and --strict applied before anything is written.
 * Used by fold, merge, the MPI fold's rank 0 and export.
 */
#ifndef SLAGG_CLI_WARNINGS_H
#define SLAGG_CLI_WARNINGS_H

#include <stddef.h>
#include <stdint.h>

#include "core/fleet.h"
#include "core/warnings.h"
#include "io/tables.h"

/* At most this many warnings of one kind on stderr. */
#define SLAGG_CLI_WARN_SHOW 10

/* --strict's value: slagg_opt_bare (every kind) or "KIND,KIND,...".
 * Returns 0 and *mask, or 1 (usage) after naming the bad kind and listing
 * the kinds. */
int slagg_cli_parse_strict(const char *value, uint32_t *mask);
/* --gap MINUTES: 1 .. SLAGG_GAP_MAX. Returns 0 and *gap, or 1 (usage). */
int slagg_cli_parse_gap(const char *value, uint32_t *gap);
/* The kinds of mask as "gap,no_fee" (every kind: "all"), for messages. */
void slagg_cli_strict_text(uint32_t mask, char *out, size_t cap);

/* Builds the report of f under t, prints every warning on stderr (at most
 * SLAGG_CLI_WARN_SHOW per kind, then how many more) and applies --strict
 * (mask of kinds): returns 0, 2 (strict: a warning of a strict kind; said
 * so, nothing may be written) or 3 (out of memory). counts, when not NULL,
 * gets the number of warnings per kind. */
int slagg_cli_warnings_check(const slagg_fleet *f, const slagg_tables *t, uint32_t strict,
                             size_t counts[SLAGG_WARN_KINDS]);

#endif

/*
 * warnings.h - the CLI's side of summary.json's warnings (SPEC 4, 5):
 * --gap and --strict parsing; the job (slagg/fold.h) applies --strict
 * before anything is written, and cli/fold_job.c lists the warnings on
 * stderr (at most SLAGG_CLI_WARN_SHOW of each kind, then a count).
 */
#ifndef SLAGG_CLI_WARNINGS_H
#define SLAGG_CLI_WARNINGS_H

#include <stddef.h>
#include <stdint.h>

#include "core/fleet.h"
#include "core/warnings.h"

/* At most this many warnings of one kind on stderr. */
#define SLAGG_CLI_WARN_SHOW 10

/* --strict's value: slagg_opt_bare (every kind) or "KIND,KIND,...".
 * Returns 0 and *mask, or 1 (usage) after naming the bad kind and listing
 * the kinds. */
int slagg_cli_parse_strict(const char *value, uint32_t *mask);
/* --gap MINUTES: 1 .. SLAGG_GAP_MAX. Returns 0 and *gap, or 1 (usage). */
int slagg_cli_parse_gap(const char *value, uint32_t *gap);
#endif

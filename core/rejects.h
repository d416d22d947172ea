/*
 * rejects.h - rejected rows, kept per input file while workers read, then
 * gathered in input order (file order, then line order) for the rejects
 * file and messages. Shared by fold and pack.
 */
#ifndef SLAGG_CORE_REJECTS_H
#define SLAGG_CORE_REJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Rejected rows kept (per input file) beyond --max-rejects, for the rejects
 * file and messages; further ones are counted, not kept, so a file of
 * garbage cannot exhaust memory. */
#define SLAGG_REJECTS_KEEP 100000

typedef struct slagg_reject_row {
    uint32_t file;   /* index into the inputs */
    uint64_t line;
    char *reason;
} slagg_reject_row;

/* The rows of one input, written by the one worker reading it. */
typedef struct slagg_reject_log {
    slagg_reject_row *rows;
    size_t n, cap;
    uint64_t total;          /* all rejected rows, also those not kept */
} slagg_reject_log;

typedef struct slagg_rejects {
    slagg_reject_row *rows;  /* in input order, then line order */
    size_t n;
    uint64_t total;          /* all rejected rows, also those not kept */
} slagg_rejects;

/* Counts a rejected row and keeps it while fewer than keep are kept.
 * Returns 0, or -1 when out of memory. */
int slagg_reject_log_add(slagg_reject_log *l, uint32_t file, uint64_t line, const char *reason,
                         uint64_t keep);
/* Moves the rows of logs[0..n) into out, in order, and frees the logs. */
slagg_status slagg_rejects_gather(slagg_reject_log *logs, size_t n, slagg_rejects *out,
                                  slagg_err *err);
void slagg_reject_log_free(slagg_reject_log *l);
void slagg_rejects_free(slagg_rejects *r);

#endif

/*
 * warnings.h - summary.json's `warnings` (SPEC section 4): one
 * {kind, detail} per kind and subject, sorted by kind then detail
 * (bytewise), uncapped, derived from the fleet (records and tables) and the
 * report (fees). Details are described in docs/RULES.md, "Warnings".
 */
#ifndef SLAGG_CORE_WARNINGS_H
#define SLAGG_CORE_WARNINGS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/fleet.h"
#include "core/report.h"

/* In bytewise order of their names, which is the sort order. */
typedef enum slagg_warn_kind {
    SLAGG_WARN_COVERAGE_UNKNOWN = 0,  /* a 1.0 summary or partial: coverage not recorded */
    SLAGG_WARN_GAP,
    SLAGG_WARN_LATE_NOTICE,
    SLAGG_WARN_NO_FEE,
    SLAGG_WARN_NO_RECORDS,
    SLAGG_WARN_UNCONTRACTED,
    SLAGG_WARN_UNMATCHED_FEE,
    SLAGG_WARN_KINDS
} slagg_warn_kind;

#define SLAGG_WARN_ALL ((1u << SLAGG_WARN_KINDS) - 1)

const char *slagg_warn_kind_name(slagg_warn_kind k);
/* The kinds of a --strict mask as "gap,no_fee" (every kind: "all"), for
 * messages. */
void slagg_warn_mask_text(uint32_t mask, char *out, size_t cap);
/* The kind named by s (n bytes), or -1. */
int slagg_warn_kind_parse(const char *s, size_t n);

typedef struct slagg_warning {
    slagg_warn_kind kind;
    char *detail;
    size_t len;
} slagg_warning;

typedef struct slagg_warnings {
    slagg_warning *v;        /* sorted by kind, then detail bytewise */
    size_t n, cap;
    size_t count[SLAGG_WARN_KINDS];
    int64_t *gaps;           /* the gaps, window pairs [start, end) (coverage known) */
    size_t n_gaps;
} slagg_warnings;

/* Builds every warning of f and r (r built from f with the fee table
 * named fees_path). The gaps use f->cov.gap_min. */
slagg_status slagg_warnings_build(const slagg_fleet *f, const slagg_report *r, const char *fees_path,
                                  slagg_warnings *w, slagg_err *err);
void slagg_warnings_free(slagg_warnings *w);

/* The RFC 3339 text of a window boundary (window id w, service offset
 * tz_s), without fractional seconds: "2026-03-02T10:05:00+08:00". */
void slagg_format_window_start(int64_t w, int32_t tz_s, char out[40]);

#endif

/*
 * fold_common.h - what the generic fold (core/engine/fold.c) and the shard
 * engine (core/engine/fold_shards.c) share, defined in
 * core/engine/fold_common.c, which calls neither. Not part of any API.
 */
#ifndef SLAGG_CORE_ENGINE_FOLD_COMMON_H
#define SLAGG_CORE_ENGINE_FOLD_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "core/coverage.h"
#include "core/dict.h"
#include "core/engine/fold_opts.h"
#include "core/error.h"
#include "core/fleet.h"
#include "core/maint.h"
#include "core/tables.h"

/* Contracted accounts interned in bytewise order, the overlap check and
 * the maintenance index. */
slagg_status slagg_fold_prepare(const slagg_tables *t, slagg_dict **accounts,
                                slagg_maint_index **maint, slagg_err *err);
/* f->periods: every contract row's periods up to through (and from
 * f->from when f->has_from), sorted. */
slagg_status slagg_fold_build_periods(const slagg_tables *t, const slagg_dict *d, int64_t through,
                                      slagg_fleet *f, slagg_err *err);
slagg_status slagg_fold_copy_late_maint(const slagg_tables *t, slagg_fleet *f, slagg_err *err);
slagg_status slagg_fold_copy_accounts(const slagg_dict *d, slagg_fleet *f, slagg_err *err);
/* f->cov (SPEC 4 coverage) once f->periods and f->through are set: the
 * covered windows of m (may hold no map) inside the reported range, the
 * first and last accepted instants, the --gap of o, and the names of the
 * accounts counted uncontracted (names[i], lens[i]: any order, repeats
 * allowed; copied). */
slagg_status slagg_fold_build_coverage(slagg_fleet *f, const slagg_fold_opts *o, const slagg_cov_map *m,
                                       int has_record, int64_t min_ms, int64_t max_ms,
                                       const char *const *names, const size_t *lens, size_t n_names,
                                       slagg_err *err);

/* The latest date named in the contracts: --through when no record has one. */
int64_t slagg_fold_latest_contract_day(const slagg_tables *t);

#endif

/*
 * merge.h - `slagg merge` (core/engine/merge.c): partial files streamed
 * into one fleet. Not part of any API: core/engine/job.c calls it.
 */
#ifndef SLAGG_CORE_ENGINE_MERGE_H
#define SLAGG_CORE_ENGINE_MERGE_H

#include <stddef.h>

#include "core/coverage.h"
#include "core/engine/fold_opts.h"
#include "core/error.h"
#include "core/fleet.h"
#include "core/tables.h"
#include "io/partial.h"

/* Builds f from the n partials (their meta sections read into parts, of
 * one run: the caller checked it; paths name them in messages), streaming
 * their cells through rd, under the tables t and the run's options o
 * (tz, --through, --from, --gap); cov holds every partial's coverage
 * added up. f gets no rejected rows: the caller has them. SLAGG_E_INPUT
 * when the partials disagree with the contracts or a chunk is corrupt. */
slagg_status slagg_merge_partials(const slagg_tables *t, const slagg_fold_opts *o, char *const *paths,
                                  const slagg_partial *parts, slagg_partial_reader **rd, size_t n,
                                  const slagg_cov_acc *cov, slagg_fleet *f, slagg_err *err);

#endif

/*
 * shard_out.h - the request records of a generated fleet as shards
 * (shard_out.c): records-000.shard ..., written in parallel through the
 * library's shard writer (slagg/shard.h, docs/FORMAT.md "Request-record
 * shards"), for fleets of a billion records.
 */
#ifndef SLAGG_GEN_SHARD_OUT_H
#define SLAGG_GEN_SHARD_OUT_H

#include <stdint.h>

#include "cli/gen/fleet.h"
#include "cli/gen/out_file.h"

/* Writes the shard files of f into o->out_dir with o->threads threads
 * (0: one per online CPU); the bytes do not depend on the thread count
 * (gen.h). Sets *records and adds the files to *acc. On failure the first
 * error is returned; no temporary is left, shards already closed stay. */
slagg_status slagg_gen_write_shards(const slagg_gen_fleet *f, const slagg_gen_opts *o,
                                    uint64_t *records, slagg_gen_tally *acc, slagg_err *err);

#endif

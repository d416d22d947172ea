/*
 * gen.h - the synthetic fleet behind `slagg gen`: request records,
 * contracts, fees, maintenance windows and holidays for one service month,
 * shaped so that every rule of SPEC sections 1-2 is exercised.
 *
 * Deterministic: the same options give the same bytes, on any machine
 * (integer arithmetic and xoshiro256** only, no libm, no clock, no locale).
 * The fleet design (contracts, fees, incidents, maintenance) depends on
 * --seed and --accounts only, never on --records, so a small and a large
 * run of one seed describe the same fleet.
 *
 * The generator writes files and returns a status; it never prints
 * (STYLE.md, "Names and errors"). cli/cmd_gen.c is its command line.
 *
 * It is a tool on top of libslagg, not part of it (its own static library,
 * slagg_gen, in CMakeLists.txt), split by job:
 *   rng.c          the deterministic RNG (xoshiro256**)
 *   fleet.c        the fleet design: accounts, contracts, fees, sizes, events
 *   traffic.c      what requests look like: traffic curve, background, events
 *   tables.c       contracts/fees/maintenance/holidays .csv (library writer)
 *   out_file.c     the streaming, optionally zstd, atomic file of the logs
 *   text_writer.c  the CSV / NDJSON record logs
 *   shard_out.c    the records as shards, in parallel (library shard writer)
 *   gen.c          this API: options, then the above in order
 *   opts.h         the options and their limits, which every part reads
 */
#ifndef SLAGG_GEN_GEN_H
#define SLAGG_GEN_GEN_H

#include <stdint.h>

#include "cli/gen/opts.h"
#include "core/error.h"

/* What was written, and the tiers the fleet was designed to land in for
 * its main month (the fold computes the real ones; background noise can in
 * principle move an account, the design keeps wide margins). */
typedef struct slagg_gen_result {
    uint64_t records;             /* request records written */
    uint64_t bytes;               /* bytes of all files written */
    unsigned files;               /* files written, records and tables */
    uint32_t designed_tier[4];    /* accounts designed for tier 0/10/25/50
                                     (contracted accounts only) */
    uint32_t uncontracted_accounts;
    uint32_t no_fee_periods;      /* periods left without a fee row */
    uint32_t contract_rows;
    uint32_t fee_rows;
} slagg_gen_result;

/* Defaults of SPEC/`slagg gen --help`: 200 accounts, 500000 records,
 * 2026-03, seed 1, CSV, not compressed, 2 files, +08:00, text logs,
 * threads 0. out_dir NULL. */
void slagg_gen_opts_default(slagg_gen_opts *o);

/*
 * Writes the fleet into o->out_dir: records-000.csv ... (".ndjson", plus
 * ".zst" when compressed), contracts.csv, fees.csv, maintenance.csv and
 * holidays.csv, each atomically (a hidden temporary, fsync, rename). Memory
 * stays bounded whatever o->records is (records are produced window by
 * window; the tables, O(accounts), are built in memory).
 *
 * With o->months N > 1 (text logs only): one fleet over N consecutive
 * months from o->year-o->month, records-YYYY-MM-000.csv ... per month
 * (o->records each), one contracts.csv whose full-month rows run to the
 * last month, the fees of every month's periods, every month's
 * maintenance windows and holidays (gen.c, write_months).
 *
 * With o->shards: records-000.shard ... instead (the shard writer's own
 * atomic write), file k holding one time slice of the month, the slices
 * in time order and of about equal record counts. The fleet design, the
 * tables and the records per day are those of the text logs of the same
 * options (the designed tiers hold as they do there); the records
 * themselves come from a faster, parallel generator (file k from an RNG
 * seeded by seed and k alone), so they differ from the text logs' but are
 * byte-identical for any o->threads. Memory: one shard writer block per
 * thread plus O(accounts) per thread.
 * Returns SLAGG_OK and fills *res (may be NULL); SLAGG_E_USAGE for options
 * out of range; SLAGG_E_IO / SLAGG_E_NOMEM with err->msg naming the path.
 * On failure no temporary file is left behind; files already renamed stay.
 */
slagg_status slagg_gen_write(const slagg_gen_opts *o, slagg_gen_result *res, slagg_err *err);

#endif

/*
 * opts.h - the options of `slagg gen` (cli/gen/gen.h) and their limits: a
 * header of its own because every part of the generator reads them while
 * gen.c, which calls the parts, is the API; so no part includes gen.h and
 * the generator's includes form no cycle (docs/DESIGN.md, "House").
 */
#ifndef SLAGG_GEN_OPTS_H
#define SLAGG_GEN_OPTS_H

#include <stdint.h>

#define SLAGG_GEN_MAX_ACCOUNTS 1000000u
#define SLAGG_GEN_MAX_RECORDS 100000000000ull   /* 1e11 */
#define SLAGG_GEN_MAX_FILES 1000u
#define SLAGG_GEN_MAX_THREADS 256u
#define SLAGG_GEN_MAX_MONTHS 36u
/* the shard writer's own limit (docs/FORMAT.md "Writing") */
#define SLAGG_GEN_MAX_BLOCK_RECORDS (1u << 21)

typedef enum slagg_gen_format {
    SLAGG_GEN_CSV = 0,
    SLAGG_GEN_NDJSON = 1
} slagg_gen_format;

typedef struct slagg_gen_opts {
    const char *out_dir;      /* created like `mkdir -p` */
    uint32_t accounts;        /* 1..SLAGG_GEN_MAX_ACCOUNTS */
    uint64_t records;         /* 0..SLAGG_GEN_MAX_RECORDS, exact total */
    int32_t year;             /* 1971..9998 */
    unsigned month;           /* 1..12 */
    uint64_t seed;
    slagg_gen_format format;
    int compress;             /* records files as zstd (level 3) */
    unsigned files;           /* 1..SLAGG_GEN_MAX_FILES record files; with
                                 shards also 0 = about one per 64 Mi records,
                                 at least 2 */
    int32_t tz_offset_s;      /* service time zone, seconds east of UTC */
    int shards;               /* records as shards (records-NNN.shard) instead
                                 of text logs; format must be CSV and compress
                                 0 (shards are always compressed) */
    unsigned threads;         /* shards only: 0 = one per online CPU, at most
                                 SLAGG_GEN_MAX_THREADS; never changes the bytes */
    int shard_format;         /* shards only: 0 = the writer's default (2.0), 1, 2 */
    uint32_t block_records;   /* shards only: records per block, 0 = the
                                 writer's default (262144); at most
                                 SLAGG_GEN_MAX_BLOCK_RECORDS */
    unsigned months;          /* --months: consecutive service months from
                                 year-month, 0 or 1 = one (the default, whose
                                 bytes never change); text logs only; records
                                 is then per month */
    const char *file_tag;     /* the record files' names: "records-" TAG "000.csv";
                                 NULL = "" (set by gen.c per month) */
} slagg_gen_opts;

#endif

/*
 * slagg/shard.h - public writer API for request-record shards
 * (docs/FORMAT.md, "Request-record shards").
 *
 * An API gateway links libslagg and writes shards directly instead of text
 * logs:
 *
 *     slagg_shard_writer *w;
 *     if (slagg_shard_writer_open("gw-0042.shard", NULL, &w) != SLAGG_OK) ...
 *     slagg_shard_record r = {ts_ms, "acct-17", 7, 503, SLAGG_CAUSE_PROVIDER};
 *     if (slagg_shard_writer_append(w, &r) != SLAGG_OK)
 *         fprintf(stderr, "%s\n", slagg_shard_writer_error(w));
 *     ...
 *     if (slagg_shard_writer_close(w) != SLAGG_OK) ...   // frees w either way
 *
 * Thread safety: a writer is not shared; use one writer (one file) per
 * thread. Different writers need no coordination.
 * Durability: records go to a hidden temporary file next to PATH
 * (".NAME.tmp-XXXXXX"); close() writes the index and trailer, fsyncs and
 * renames it to PATH. Until then PATH does not exist, and a crashed
 * writer's temporary has no trailer, so every reader rejects it cleanly
 * rather than misreading it. slagg_shard_writer_abort() removes it.
 */
#ifndef SLAGG_SHARD_H
#define SLAGG_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "slagg/slagg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Request causes (SPEC section 2). Pinned values: they are stored in shards. */
typedef enum slagg_cause {
    SLAGG_CAUSE_NONE = 0,       /* empty or absent */
    SLAGG_CAUSE_PROVIDER = 1,
    SLAGG_CAUSE_MAINTENANCE = 2,
    SLAGG_CAUSE_ATTACK = 3,
    SLAGG_CAUSE_CONTENT_BAN = 4,
    SLAGG_CAUSE_EXTERNAL = 5,
    SLAGG_CAUSE_CLIENT = 6,
    SLAGG_CAUSE_COUNT = 7
} slagg_cause;

typedef struct slagg_shard_record {
    int64_t ts_ms;           /* Unix milliseconds, 1970-01-01 .. 2099-12-31 */
    const char *account;     /* 1-128 bytes of UTF-8, no control characters */
    size_t account_len;
    int status;              /* 0 or 100-599 */
    slagg_cause cause;
} slagg_shard_record;

typedef struct slagg_shard_writer_opts {
    uint32_t block_records;  /* records per block; 0 = default (262144) */
    int level;               /* zstd level; 0 = default (3) */
    int format;              /* block format: 0 = default (2.0), 1 = 1.0, 2 = 2.0 */
} slagg_shard_writer_opts;

typedef struct slagg_shard_writer slagg_shard_writer;

/* Opens a writer for PATH (opts may be NULL). SLAGG_E_IO when the
 * temporary file cannot be created, SLAGG_E_NOMEM. */
slagg_status slagg_shard_writer_open(const char *path, const slagg_shard_writer_opts *opts,
                                     slagg_shard_writer **out);

/* Appends one record (copied). SLAGG_E_INPUT for a record the SPEC does
 * not allow (the writer stays usable: the record is not stored);
 * SLAGG_E_IO / SLAGG_E_NOMEM are sticky: every later call fails too. */
slagg_status slagg_shard_writer_append(slagg_shard_writer *w, const slagg_shard_record *r);
/* Appends n records; stops at the first failure and returns its status
 * (*appended, when not NULL, tells how many were stored). */
slagg_status slagg_shard_writer_append_batch(slagg_shard_writer *w, const slagg_shard_record *r,
                                             size_t n, size_t *appended);

/* The message of the last failure ("PATH: reason"), or "" */
const char *slagg_shard_writer_error(const slagg_shard_writer *w);
/* Records appended so far. */
uint64_t slagg_shard_writer_count(const slagg_shard_writer *w);

/* Flushes the last block, writes index and trailer, fsyncs, renames the
 * temporary to PATH, and frees w (also on failure, after removing the
 * temporary). */
slagg_status slagg_shard_writer_close(slagg_shard_writer *w);
/* Discards everything written and frees w. */
void slagg_shard_writer_abort(slagg_shard_writer *w);

#ifdef __cplusplus
}
#endif
#endif

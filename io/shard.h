/*
 * shard.h - reading request-record shards (docs/FORMAT.md, "Request-record
 * shards"); the writer is public (include/slagg/shard.h).
 *
 * Opening a shard reads and checks the file header, the trailer and the
 * footer (account dictionary + block index) only; blocks are read on
 * demand, each verified (XXH64 of its compressed bytes, zstd content
 * checksum, and every decoded field) before a record is returned. Any
 * mismatch is SLAGG_E_INPUT "PATH: corrupt shard: ..." naming the block.
 * No count read from the file can allocate more than the file's size
 * justifies. A shard handle is read-only after open: several threads may
 * read different blocks at once, each with its own slagg_shard_block.
 */
#ifndef SLAGG_IO_SHARD_H
#define SLAGG_IO_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "slagg/shard.h"

#define SLAGG_SHARD_MAGIC "SLAGGSHD"
#define SLAGG_SHARD_MAJOR 1
#define SLAGG_SHARD_MINOR 0

typedef struct slagg_shard slagg_shard;

typedef struct slagg_shard_block_info {
    uint64_t offset;        /* of the block header in the file */
    uint32_t records;
    uint32_t comp_size;     /* payload bytes after the block header */
    uint32_t raw_size;
    int64_t min_ts_ms, max_ts_ms;
} slagg_shard_block_info;

/* One decoded block, records sorted by (account, ts). Reusable: buffers
 * grow as needed and are freed by slagg_shard_block_free. */
typedef struct slagg_shard_block {
    uint32_t n;
    int64_t *ts_ms;
    uint32_t *account;      /* shard-local account id */
    uint16_t *status;
    uint8_t *cause;
    /* internal scratch */
    void *comp, *raw;
    size_t comp_cap, raw_cap, cap;
    void *dctx;
} slagg_shard_block;

/* 1 when the file at path starts with the shard magic (0 for "-"). */
int slagg_is_shard(const char *path);

slagg_status slagg_shard_open(const char *path, slagg_shard **out, slagg_err *err);
void slagg_shard_close(slagg_shard *s);

const char *slagg_shard_path(const slagg_shard *s);
uint32_t slagg_shard_version_minor(const slagg_shard *s);
uint64_t slagg_shard_records(const slagg_shard *s);
size_t slagg_shard_block_count(const slagg_shard *s);
const slagg_shard_block_info *slagg_shard_block_at(const slagg_shard *s, size_t i);
uint32_t slagg_shard_account_count(const slagg_shard *s);
const char *slagg_shard_account(const slagg_shard *s, uint32_t id, size_t *len);
/* Bytes of the file, and of its footer (dictionary + index), for inspect. */
uint64_t slagg_shard_file_size(const slagg_shard *s);
uint64_t slagg_shard_footer_size(const slagg_shard *s);

/* Reads, verifies and decodes block i into b. */
slagg_status slagg_shard_read_block(const slagg_shard *s, size_t i, slagg_shard_block *b,
                                    slagg_err *err);
void slagg_shard_block_free(slagg_shard_block *b);

/* Added for the writer (io/shard_writer.c) and its callers: */

/* Largest raw (decompressed) block a reader accepts; the writer keeps
 * every block below it (docs/FORMAT.md). */
#define SLAGG_SHARD_RAW_MAX (64u << 20)

/* slagg_shard_writer_open / _close that also fill err with the message
 * ("PATH: reason"), which the public API cannot return once w is gone
 * (close frees it) or never existed (open failed). err may be NULL. */
slagg_status slagg_shard_writer_open_err(const char *path, const slagg_shard_writer_opts *opts,
                                         slagg_shard_writer **out, slagg_err *err);
slagg_status slagg_shard_writer_close_err(slagg_shard_writer *w, slagg_err *err);

#endif

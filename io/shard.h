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
/* The newest format this reader reads, and what writers write by
 * default: 2.0 (docs/FORMAT.md); 1.0 is still read. */
#define SLAGG_SHARD_MAJOR 2
#define SLAGG_SHARD_MINOR 0
/* 2.0: a block's header, and the windows its head counts in (UTC
 * 5-minute windows, floor(ts / 300000)). */
#define SLAGG_SHARD_BLOCK2_HEADER 100
#define SLAGG_SHARD_WINDOW_MS 300000

typedef struct slagg_shard slagg_shard;

typedef struct slagg_shard_block_info {
    uint64_t offset;        /* of the block header in the file */
    uint32_t records;
    uint32_t comp_size;     /* payload bytes after the block header */
    uint32_t raw_size;
    int64_t min_ts_ms, max_ts_ms;
} slagg_shard_block_info;

/* The most (status, cause) pairs a block's pair table can hold. */
#define SLAGG_SHARD_PAIRS_MAX (600 * 8)
/* Records a cursor decodes at a time: small enough that a chunk's columns
 * stay in the core's L1/L2 cache while the fold reads them. */
#define SLAGG_SHARD_CHUNK 2048

/* A block decoded a chunk at a time (the fold's hot path): the block is
 * read, verified and decompressed once by slagg_shard_cursor_open; each
 * slagg_shard_cursor_next decodes the next records into the arrays below,
 * which is all a fold needs: runs of one account, a pair code per record
 * (the (status, cause) pair, from the block's pair table) and the instant.
 * Every check of slagg_shard_read_block is made; those about the whole
 * block once its last chunk is decoded. A run longer than a chunk, or
 * crossing one, comes as pieces with the same account. */
typedef struct slagg_shard_cursor {
    /* the block's pair table: code -> (status, cause) */
    uint32_t n_pairs;
    uint16_t pair_status[SLAGG_SHARD_PAIRS_MAX];
    uint8_t pair_cause[SLAGG_SHARD_PAIRS_MAX];
    /* the current chunk */
    uint32_t n;                             /* records */
    uint32_t n_runs;                        /* runs (or pieces of runs) */
    uint32_t run_account[SLAGG_SHARD_CHUNK]; /* shard-local account id */
    uint32_t run_len[SLAGG_SHARD_CHUNK];
    uint16_t code[SLAGG_SHARD_CHUNK];
    int64_t ts_ms[SLAGG_SHARD_CHUNK];
    /* internal */
    uint8_t fresh[SLAGG_SHARD_CHUNK];       /* 1 where a run starts (times restart) */
    const slagg_shard *s;
    size_t block;
    const unsigned char *rp, *cp, *tp, *end;   /* runs, codes, timestamps */
    int code16;
    /* a 2.0 block: its head, and the checks of the head against the records */
    struct slagg_shard_head *head;
    uint32_t v2_run, v2_exc, v2_cf, v2_cl, v2_gcnt, v2_gclaim;
    int64_t v2_gwin;
    uint8_t *v2_cover;
    size_t v2_cover_cap;
    uint32_t records, runs_left, run_left, cur_account, run_pos, pos;
    int64_t lo, hi, prev, seen_lo, seen_hi;
    void *comp, *raw;
    size_t comp_cap, raw_cap;
    void *dctx;
} slagg_shard_cursor;

/* One decoded block, records sorted by (account, ts). Reusable: buffers
 * grow as needed and are freed by slagg_shard_block_free. */
typedef struct slagg_shard_block {
    uint32_t n;
    int64_t *ts_ms;
    uint32_t *account;      /* shard-local account id */
    uint16_t *status;
    uint8_t *cause;
    /* internal */
    size_t cap;
    slagg_shard_cursor *cur;
} slagg_shard_block;

/* 1 when the file at path starts with the shard magic (0 for "-"). */
int slagg_is_shard(const char *path);

slagg_status slagg_shard_open(const char *path, slagg_shard **out, slagg_err *err);
void slagg_shard_close(slagg_shard *s);

/* A bound on the shard files open at once, shared by the shards opened
 * through it (SPEC 6: the number of open files never limits how many
 * inputs a run takes). A pooled shard keeps its footer in memory; its
 * file is open only while the pool has room: a block read reopens it when
 * needed (closing the least recently read one, or waiting while all
 * max_open are being read) and checks it is the same file (device, inode,
 * size), else SLAGG_E_IO. Thread-safe like a plain shard. The pool is
 * freed after every shard of it is closed. */
typedef struct slagg_shard_pool slagg_shard_pool;
slagg_status slagg_shard_pool_new(unsigned max_open, slagg_shard_pool **out, slagg_err *err);
void slagg_shard_pool_free(slagg_shard_pool *p);
/* Files reopened so far (tests). */
uint64_t slagg_shard_pool_reopens(slagg_shard_pool *p);
/* slagg_shard_open through pool (NULL: an unpooled shard, open until closed). */
slagg_status slagg_shard_open_pooled(const char *path, slagg_shard_pool *pool, slagg_shard **out,
                                     slagg_err *err);

const char *slagg_shard_path(const slagg_shard *s);
uint32_t slagg_shard_version_major(const slagg_shard *s);
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

/* Reads, verifies and decompresses block i, ready for chunks. c must be
 * zeroed before its first use; it is reusable for any block. */
slagg_status slagg_shard_cursor_open(const slagg_shard *s, size_t i, slagg_shard_cursor *c, slagg_err *err);
/* Decodes the next chunk: 1 = a chunk (c->n records), 0 = the block is
 * done and passed its whole-block checks, -1 = corrupt (err set). */
int slagg_shard_cursor_next(slagg_shard_cursor *c, slagg_err *err);
void slagg_shard_cursor_free(slagg_shard_cursor *c);

/* A 2.0 block's head (frame 0, docs/FORMAT.md "Request-record shards,
 * version 2.0"): what the sparse fold (core/engine/shard_engine_sparse.c)
 * reads of a block, and all it reads. Read and checked by
 * slagg_shard_head_read without the block's codes and times; every field
 * is within the bounds FORMAT.md gives. Reusable: buffers grow as needed,
 * freed by slagg_shard_head_free; zero it before its first use. */
typedef struct slagg_shard_head {
    uint32_t records;
    int64_t min_ts_ms, max_ts_ms;
    int64_t w0;               /* UTC window of min_ts_ms */
    uint32_t nw;              /* windows spanned: w0 .. w0 + nw - 1 */
    uint32_t n_pairs;
    uint16_t pair_status[SLAGG_SHARD_PAIRS_MAX];
    uint8_t pair_cause[SLAGG_SHARD_PAIRS_MAX];
    uint32_t ok_lo, ok_hi;    /* the OK pairs' codes: [ok_lo, ok_hi) */
    uint32_t n_runs;
    uint32_t *run_account;    /* shard-local ids, strictly increasing */
    uint32_t *run_len;
    uint32_t *run_first, *run_last;  /* records in window w0 / w0 + nw - 1 (not with no_edges) */
    int no_edges;             /* set by the caller: run_first / run_last are checked but not
                                 kept, nor an exception's seg against them (the sparse fold's
                                 pass 1, which does not use them: half the bytes it writes a
                                 run; its pass 2 and every whole-block read keep both checks) */
    uint32_t n_exc;           /* the non-OK records, in record order */
    uint32_t *exc_index;      /* record index in the block */
    uint32_t *exc_run;        /* its run */
    uint16_t *exc_code;
    uint32_t *exc_win;        /* window offset from w0 */
    uint32_t *exc_ms;         /* millisecond in the window */
    uint32_t *exc_seg;        /* records of its run in its window, in this block */
    const uint8_t *cover;     /* nw bits: window w0 + i holds a record */
    int64_t *ts;              /* slagg_shard_head_times: every record's instant */
    /* internal */
    size_t ts_cap;
    void *tcomp, *traw;
    size_t tcomp_cap, traw_cap;
    size_t run_cap, exc_cap;
    void *comp, *raw;
    size_t comp_cap, raw_cap;
    void *dctx;
} slagg_shard_head;

/* Reads and checks block i's head (a 2.0 shard's block only:
 * SLAGG_E_INTERNAL for a 1.0 shard). */
slagg_status slagg_shard_head_read(const slagg_shard *s, size_t i, slagg_shard_head *h, slagg_err *err);
void slagg_shard_head_free(slagg_shard_head *h);
/* After slagg_shard_head_read of the same block: its times into h->ts
 * (frame 2 alone, checked as 1.0's times are: inside the block's range,
 * exactly r of them, nothing after them). For the few blocks the sparse
 * fold must split by service day. */
slagg_status slagg_shard_head_times(const slagg_shard *s, size_t i, slagg_shard_head *h, slagg_err *err);

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
/* Finishes w but for its rename: the last block, index and trailer are
 * written, the temporary is fsynced and closed, and w's buffers are
 * freed. w keeps no open file (SPEC 6: `slagg pack` holds every shard
 * until its commit, and the number of open files never limits a run);
 * close then only renames it into place, abort removes it. Appending is
 * refused from then on. err may be NULL. */
slagg_status slagg_shard_writer_seal(slagg_shard_writer *w, slagg_err *err);
/* A scratch shard (io/text_shards.c: read once by the same process, then
 * removed): seal and close skip the fsyncs of the file and its directory,
 * which durability needs and a scratch file does not. Call before the
 * first append. */
void slagg_shard_writer_no_sync(slagg_shard_writer *w);

#endif

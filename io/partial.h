/*
 * partial.h - partial fold results, for folding one day's inputs on many
 * machines (docs/DISTRIBUTED.md):
 *
 *  - the tables codec: contracts, fees, maintenance and holidays as parsed
 *    rows (with their file paths and line numbers), so `slagg merge` and
 *    MPI ranks other than 0 need no table file;
 *  - the coverage codec, in partial files;
 *  - the partial file (`slagg fold --partial`, and each MPI rank's share),
 *    read back by `slagg merge` and MPI rank 0 (io/partial_file.c): format
 *    2.0, cells streamed in zstd chunks, then a meta section; versioned,
 *    little-endian, XXH64 on the header and on every chunk, fully
 *    bounds-checked like io/summary_file.c.
 *
 * Formats: docs/DISTRIBUTED.md, "The partial file".
 */
#ifndef SLAGG_IO_PARTIAL_H
#define SLAGG_IO_PARTIAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/cell.h"
#include "core/classify.h"
#include "core/coverage.h"
#include "core/error.h"
#include "core/rejects.h"
#include "io/buf.h"
#include "io/tables.h"

#define SLAGG_PARTIAL_MAGIC "SLAGGPRT"
#define SLAGG_PARTIAL_END "SLAGGEND"

/* Day numbers a table or a partial may hold: years 0000..9999
 * (io/timestamp.c parses no others), with a margin, so that corrupt days
 * never overflow the period arithmetic. */
static inline int slagg_partial_day_ok(int64_t d) { return d >= -800000LL && d <= 3000000LL; }

/* ---- coverage codec ------------------------------------------------------
 * What a fold state knows of coverage besides its counters (core/coverage.h):
 * u64 n_intervals, then per covered interval of window ids two varints, the
 * start (the first relative to SLAGG_COV_W0, the others to the previous
 * end, >= 1) and the length (>= 1); u64 n_names, then per account without
 * a contract `str` name (strictly increasing bytewise) and i64 its earliest
 * service day. Partial files and the MPI gather carry the same bytes. */

/* Appends a's coverage (a->map.bits may be NULL: nothing covered). */
void slagg_cov_encode(const slagg_cov_acc *a, slagg_buf *out);
/* Decodes one coverage codec at p (len bytes; *used gets the bytes it
 * took) and adds it into `into` (initialised). SLAGG_E_INPUT "WHAT:
 * corrupt coverage (...)" or SLAGG_E_NOMEM. */
slagg_status slagg_cov_decode_add(const void *p, size_t len, size_t *used, slagg_cov_acc *into,
                                  const char *what, slagg_err *err);

/* ---- tables codec -------------------------------------------------------- */

/* Appends the tables (paths, rows, line numbers) to out. Deterministic: the
 * same parsed tables give the same bytes, so XXH64 of them fingerprints
 * the tables a fold ran under. */
void slagg_tables_encode(const slagg_tables *t, slagg_buf *out);

/* Decodes tables written by slagg_tables_encode into t (zeroed first;
 * paths owned by t, freed by slagg_tables_free). Every row is checked as
 * the loaders would (account names, start <= end, 0 <= voucher <= fee,
 * maintenance start < end, sorted unique holidays). SLAGG_E_INPUT "WHAT:
 * corrupt tables (...)" or SLAGG_E_NOMEM. */
slagg_status slagg_tables_decode(const void *p, size_t len, slagg_tables *t, const char *what,
                                 slagg_err *err);

/* The number of distinct contracted accounts: the account ids a fold
 * under t uses are 0 .. n-1. */
uint32_t slagg_tables_account_count(const slagg_tables *t);

/* XXH64 of t's encoding (slagg_tables_encode), as a partial's meta
 * section stores it: 0 and *ok 0 when out of memory. */
uint64_t slagg_tables_hash(const slagg_tables *t, int *ok);

/* ---- input fingerprints -------------------------------------------------- */

/* XXH64 (seed 0) over the first 64 KiB of the file, then the last 64 KiB
 * (the bytes not already hashed), then its size as u64 LE. Cheap for any
 * size; two partials holding one input are refused by `slagg merge`.
 * SLAGG_E_IO "PATH: reason" when unreadable. */
#define SLAGG_FINGERPRINT_SPAN 65536
slagg_status slagg_input_fingerprint(const char *path, uint64_t *size, uint64_t *fp,
                                     slagg_err *err);

/* ---- the partial file (format 2.0; io/partial_file.c) ---------------------
 * Written as a stream by `fold --partial` while the engine finalises its
 * windows, read back by `slagg merge` as a stream: neither side holds the
 * cells, so both are bounded by the fleet, not the records
 * (docs/DISTRIBUTED.md, "The partial file"). */

#define SLAGG_PARTIAL_V2_MAJOR 2
#define SLAGG_PARTIAL_V2_MINOR 0

typedef struct slagg_partial_input {
    char *path;      /* as given to fold (after directory expansion) */
    uint64_t size, fingerprint;
} slagg_partial_input;

/* A period's class totals, keyed by (account, first day): the same period
 * in the merge's fleet whatever --through it settles on. */
typedef struct slagg_partial_period {
    uint32_t account;
    int64_t start;
    uint64_t cls[SLAGG_CLASS_COUNT];
} slagg_partial_period;

typedef struct slagg_partial {
    int32_t tz_s;
    int has_through;
    int64_t through;                   /* --through (when given) */
    uint64_t max_rejects;
    uint64_t tables_hash;              /* XXH64 of the encoded tables */
    slagg_tables tables;
    uint32_t n_accounts;               /* distinct accounts of tables' contracts (the reader's) */
    slagg_partial_input *inputs;
    size_t n_inputs;
    uint64_t records_read, rejected;
    int has_record;
    int64_t max_ms, min_ms;
    slagg_rejects rejects;             /* rows[i].file indexes inputs */
    uint32_t gap_min, strict;          /* --gap, --strict */
    int has_from;                      /* --from */
    int64_t from;
    uint64_t before_from;
    /* what the partial's own fold settled (its through: o's, or its
     * latest record's day, <= the merge's) */
    int64_t own_through;
    uint64_t uncontracted, after_through;
    slagg_partial_period *periods;     /* sorted by (account, start), no all-zero one */
    size_t n_periods;
    uint64_t n_cells, n_tail;          /* cells in the stream and in the tail */
} slagg_partial;

/* The writer: open, cells in (window, account) order (the main stream,
 * strictly increasing across calls), then tail cells (any order: sorted
 * and summed here, the overflow's leftovers), then commit with the rest. */
typedef struct slagg_partial_writer slagg_partial_writer;

slagg_status slagg_partial_writer_open(const char *path, uint32_t n_accounts, slagg_partial_writer **w,
                                       slagg_err *err);
slagg_status slagg_partial_writer_cells(slagg_partial_writer *w, const slagg_cell *c, size_t n, slagg_err *err);
slagg_status slagg_partial_writer_tail(slagg_partial_writer *w, slagg_cell *c, size_t n, slagg_err *err);
/* Writes the meta section from p (its settings, inputs, counters,
 * rejects and periods; n_cells, n_tail and tables_hash are the writer's)
 * with the tables t and the coverage (cov: the window map, and every
 * account counted uncontracted as a name whose day is at most
 * own_through), fsyncs, renames into place and frees w. *bytes gets the
 * file's size. */
slagg_status slagg_partial_writer_commit(slagg_partial_writer *w, const slagg_partial *p, const slagg_tables *t,
                                         const slagg_cov_acc *cov, uint64_t *bytes, slagg_err *err);
/* Removes the unfinished file and frees w (NULL is fine). */
void slagg_partial_writer_discard(slagg_partial_writer *w);

/* The reader: opens path and reads and validates everything but the
 * cells into p, adding its coverage into cov_into (initialised);
 * then slagg_partial_reader_next streams the cells, checking each.
 * SLAGG_E_INPUT "PATH: not an intact slagg partial: reason" when corrupt,
 * truncated or of another major version; SLAGG_E_IO when unreadable. */
typedef struct slagg_partial_reader slagg_partial_reader;

slagg_status slagg_partial_reader_open(const char *path, slagg_partial *p, slagg_cov_acc *cov_into,
                                       slagg_partial_reader **r, slagg_err *err);
/* The same, for a partial whose tables the caller holds (an MPI rank's,
 * written under rank 0's tables): when the file's tables hash is
 * known_hash, they are checked against it but not decoded (p->tables stays
 * empty; p->n_accounts is n_accounts, the tables' account count); else
 * they are decoded, as above. */
slagg_status slagg_partial_reader_open_known(const char *path, uint64_t known_hash, uint32_t n_accounts,
                                             slagg_partial *p, slagg_cov_acc *cov_into, slagg_partial_reader **r,
                                             slagg_err *err);
/* The next cell of the main stream (tail = 0) or of the tail (tail = 1,
 * after the main stream's end): 1; 0 at its end; -1 with err set. */
int slagg_partial_reader_next(slagg_partial_reader *r, int tail, slagg_cell *c, slagg_err *err);
/* Every tail cell of the file (sorted by (window, account), malloc'd,
 * NULL when none), without touching the main stream's position: a merge
 * reads all tails first, then streams the main cells beside them.
 * 0, or -1 with err set. */
int slagg_partial_reader_tail(slagg_partial_reader *r, slagg_cell **cells, size_t *n, slagg_err *err);
void slagg_partial_reader_close(slagg_partial_reader *r);
void slagg_partial_free(slagg_partial *p);

#endif

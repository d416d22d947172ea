/*
 * records.h - request records from a log file: CSV or NDJSON, plain or
 * zstd-compressed (SPEC section 3, "Request records").
 *
 * The format is told by content: NDJSON when the first non-blank byte of
 * the (decompressed) stream is '{', else CSV with a header line. The reader
 * validates every field; a row that cannot be used is returned as a reject
 * with its line and a reason, never guessed at. Columns other than ts /
 * ts_ms, account, status and cause are skipped and never stored.
 */
#ifndef SLAGG_IO_RECORDS_H
#define SLAGG_IO_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "core/classify.h"
#include "core/error.h"
#include "core/kernels/text.h"

#define SLAGG_ACCOUNT_MAX 128
/* Accepted record instants: [1970-01-01T00:00Z, 2100-01-01T00:00Z). */
#define SLAGG_TS_MIN_MS 0LL
#define SLAGG_TS_MAX_MS 4102444800000LL

typedef enum slagg_record_format {
    SLAGG_FORMAT_CSV = 1,
    SLAGG_FORMAT_NDJSON = 2
} slagg_record_format;

typedef struct slagg_record {
    int64_t ts_ms;          /* Unix milliseconds, floored */
    const char *account;    /* 1-128 bytes of valid UTF-8, no control chars;
                               valid until the next call */
    uint32_t account_len;
    int32_t status;         /* 0 or 100-599 (others are rejected) */
    slagg_cause cause;
} slagg_record;

typedef struct slagg_reject {
    uint64_t line;          /* 1-based line of the rejected row */
    char reason[256];       /* e.g. "status 600 is not 0 or 100-599" */
} slagg_reject;

typedef struct slagg_record_reader slagg_record_reader;

/* Opens path ("-" = stdin), detects compression and format, and for CSV
 * reads and checks the header: it needs `account`, `status` and exactly one
 * of `ts` / `ts_ms`; `cause` is optional. Errors (SLAGG_E_INPUT, message
 * "PATH:1: ..."): empty input, missing or duplicate required column;
 * SLAGG_E_IO: cannot open/read. */
slagg_status slagg_record_reader_open(const char *path, slagg_record_reader **out,
                                      slagg_err *err);

/* What slagg_record_reader_next found. */
typedef enum slagg_record_next {
    SLAGG_RECORD_FAILED = -1,   /* a fatal error (I/O, corrupt compression): err set, naming the file */
    SLAGG_RECORD_END = 0,       /* end of input */
    SLAGG_RECORD_OK = 1,        /* *rec filled */
    SLAGG_RECORD_REJECTED = 2   /* the row was rejected, *rej filled: the caller counts it and goes on */
} slagg_record_next;

/* Next record (see slagg_record_next). */
slagg_record_next slagg_record_reader_next(slagg_record_reader *r, slagg_record *rec,
                                           slagg_reject *rej, slagg_err *err);

/* ---- pieces: one big plain file read by several threads (io/pack.c) ----
 *
 * The reader of a file's start (slagg_record_reader_open) tells the
 * layout; each further piece opens at a line start with it and reads the
 * records whose first line starts before its limit. A piece's start is
 * only a guess (the byte after an LF, which in CSV may lie inside a quoted
 * field), so the caller keeps a piece's records only once the piece
 * before it, read from a start known to be true, stopped exactly there
 * (slagg_record_reader_stop), and reads the piece again from there when
 * not: no record or reject of a wrong guess ever counts (issue 13). */
typedef struct slagg_record_layout {
    slagg_record_format fmt;
    size_t ncols, need, col_ts, col_account, col_status, col_cause;
    int ts_is_ms;
} slagg_record_layout;

/* The layout of r (opened from the file's start), and 1 when the file can
 * be read in pieces (a file, not standard input; a .zst one only at its
 * frames' starts, io/pack.c), else 0. */
int slagg_record_reader_layout(const slagg_record_reader *r, slagg_record_layout *out);
/* Sets the limit of a reader opened from the start of its file: no record
 * whose first line starts at or past file offset limit is returned. */
void slagg_record_reader_set_limit(slagg_record_reader *r, uint64_t limit);
/* Where a piece starts. Offsets are of the text (the decompressed
 * stream of a .zst): the file is read from byte raw of the file (a zstd
 * frame's start when zstd), which is text offset base; skip bytes are
 * dropped from there, so the piece's first line starts at base + skip. */
typedef struct slagg_record_at {
    uint64_t raw;
    int zstd;
    uint64_t base, skip;
} slagg_record_at;

/* Opens a piece of path (at: a line start past the file's start) with the
 * layout of its first piece, reading up to text offset limit (UINT64_MAX:
 * to the end). Its line numbers count from 1 at its start: the caller
 * adds the lines before it. */
slagg_status slagg_record_reader_open_piece(const char *path, const slagg_record_layout *lay,
                                            const slagg_record_at *at, uint64_t limit,
                                            slagg_record_reader **out, slagg_err *err);
/* After the reader returned SLAGG_RECORD_END: the offset of the line start
 * at which it stopped (at or past its limit), or UINT64_MAX when it read
 * to the end of the file (or skipped the rest of it as one reject), and the
 * physical lines it consumed (LFs, from its start to where it stopped). */
void slagg_record_reader_stop(const slagg_record_reader *r, uint64_t *stopped_at, uint64_t *lines);

/* The NDJSON line pre-scan r uses (a kernel's json_plain, core/kernels/
 * text.h), so a forced ISA (SLAGG_FORCE_ISA) reaches it too; by default the
 * best this CPU runs. No record depends on it. */
void slagg_record_reader_set_scan(slagg_record_reader *r, slagg_json_plain_fn scan);

const char *slagg_record_reader_name(const slagg_record_reader *r);
slagg_record_format slagg_record_reader_format(const slagg_record_reader *r);
/* Compressed bytes consumed so far (for progress reports). */
uint64_t slagg_record_reader_raw_bytes(const slagg_record_reader *r);
void slagg_record_reader_close(slagg_record_reader *r);

/* Validates an account name (1-128 bytes, UTF-8, no control characters).
 * Returns NULL when valid, else a static reason. Shared with the tables. */
const char *slagg_account_check(const char *s, size_t n);

#endif

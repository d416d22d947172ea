/*
 * csv.h - streaming RFC 4180 reader, used for request logs and for every
 * table (contracts, fees, maintenance, holidays).
 *
 * - Fields may be quoted ("a,b", "say ""hi""", embedded CR/LF inside
 *   quotes); records end at LF or CRLF; a UTF-8 BOM at the start is skipped.
 * - Completely empty lines are skipped (they are not records).
 * - A malformed record (a stray quote, text after a closing quote, an
 *   unterminated quote at end of input, a NUL byte, a bare CR, more than
 *   SLAGG_CSV_MAX_FIELDS fields, a record longer than SLAGG_CSV_MAX_RECORD
 *   bytes) is returned as ONE row with row->malformed set to the reason.
 *   Memory is bounded by SLAGG_CSV_MAX_RECORD.
 *
 * Resynchronisation (SPEC section 6: "A rejected row never hides or
 * creates other records ... the reader does not resume inside it (if it
 * cannot find the next record boundary for certain, the rest of that file
 * is one reject)"). The reader resumes only where the malformed record
 * certainly ends, i.e. where every reading of the bad byte agrees:
 * - Certain: a NUL byte (junk content in whatever state it is met), too
 *   many fields, a record too long (limits, not syntax). The quoting state
 *   is still known, so the reader follows the RFC 4180 states through the
 *   rest of the record, storing nothing, to the LF that ends it outside
 *   quotes (an embedded LF inside a quoted field is not an end), and the
 *   next record starts there.
 * - Not certain: a stray quote in an unquoted field (RFC 4180 makes it
 *   literal, but writers that do not double quotes, or that open quotes
 *   mid-field as PostgreSQL's COPY does, mean a quoted section by it), text
 *   after a closing quote (the quote may have been an undoubled literal:
 *   then the field is still open), a bare CR outside quotes (it may be a
 *   classic Mac line end: then a record starts right after it), and the end
 *   of input inside quotes. The next LF may then lie inside a field, so no
 *   later byte is certainly a record start: the rest of the input is read
 *   (and discarded) as part of this one row, which then has
 *   row->rest_skipped set, and the next call returns 0.
 * - A certain case that meets an uncertain one while its end is sought
 *   (e.g. a quoted field that passes the size limit and never closes, the
 *   case of issue 11 item 1) becomes uncertain; the reason then reads
 *   "A, then B" (e.g. "record longer than 1048576 bytes, then unterminated
 *   quote").
 * So no record is ever read from bytes of a rejected row: the row's bytes
 * run from its first byte to the end of its record or of the input.
 */
#ifndef SLAGG_IO_CSV_H
#define SLAGG_IO_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "io/source.h"

#define SLAGG_CSV_MAX_RECORD (1u << 20)  /* 1 MiB */
#define SLAGG_CSV_MAX_FIELDS 4096

typedef struct slagg_csv slagg_csv;

typedef struct slagg_csv_row {
    size_t nfields;
    const char *const *fields;  /* each NUL-terminated (quotes removed);
                                   valid until the next call */
    const size_t *lens;         /* byte length of each field */
    uint64_t line;              /* 1-based line where the record starts */
    const char *malformed;      /* NULL, or the reason (valid until the next
                                   call) */
    int rest_skipped;           /* malformed with no certain record boundary
                                   after it: the rest of the input was
                                   consumed as part of this row (csv.h) */
} slagg_csv_row;

/* Opens path (see slagg_source_open) for CSV reading. */
slagg_status slagg_csv_open(const char *path, slagg_csv **out, slagg_err *err);
/* Wraps an open source; the reader takes ownership of src, also on failure. */
slagg_status slagg_csv_from_source(slagg_source *src, slagg_csv **out, slagg_err *err);

/* Reads the next record: 1 = a row (possibly malformed), 0 = end of input,
 * -1 = error (I/O or corrupt compression; err names the file). */
int slagg_csv_next(slagg_csv *c, slagg_csv_row *row, slagg_err *err);

/* Reads a piece of a plain file (io/pack.c splits big logs between
 * threads): base is the file offset of the first byte the source delivers
 * (a piece opened mid-file: no BOM is looked for there), and no record
 * that starts on a line at or past offset limit is returned: at the first
 * such line start met between records, slagg_csv_next returns 0 and
 * slagg_csv_stopped_at tells the offset. */
void slagg_csv_set_range(slagg_csv *c, uint64_t base, uint64_t limit);
/* Where a reader with a limit stopped: the offset of that line start, or
 * UINT64_MAX when it read to the end of the input (or has not stopped). */
uint64_t slagg_csv_stopped_at(const slagg_csv *c);
/* The number of the next line (1 + the LFs consumed so far). */
uint64_t slagg_csv_next_line(const slagg_csv *c);

const char *slagg_csv_name(const slagg_csv *c);
/* A header row as "time,account,status" for a message about a missing
 * column (issue 15), cut with "..." to fit cap bytes; the caller's
 * message writer escapes control characters (SPEC 6). */
void slagg_csv_header_text(const slagg_csv_row *row, char *out, size_t cap);
void slagg_csv_close(slagg_csv *c);

#endif

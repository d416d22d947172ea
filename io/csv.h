/*
 * csv.h - streaming RFC 4180 reader, used for request logs and for every
 * table (contracts, fees, maintenance, holidays).
 *
 * - Fields may be quoted ("a,b", "say ""hi""", embedded CR/LF inside
 *   quotes); records end at LF or CRLF; a UTF-8 BOM at the start is skipped.
 * - Completely empty lines are skipped (they are not records).
 * - A malformed record (a stray quote, text after a closing quote, an
 *   unterminated quote at end of input, a NUL byte, a record longer than
 *   SLAGG_CSV_MAX_RECORD bytes) is returned with row->malformed set to the
 *   reason; the reader then resumes at the next line, so one bad row never
 *   hides the rest. Memory is bounded by SLAGG_CSV_MAX_RECORD.
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
    const char *malformed;      /* NULL, or a static reason string */
} slagg_csv_row;

/* Opens path (see slagg_source_open) for CSV reading. */
slagg_status slagg_csv_open(const char *path, slagg_csv **out, slagg_err *err);
/* Wraps an open source; the reader takes ownership of src, also on failure. */
slagg_status slagg_csv_from_source(slagg_source *src, slagg_csv **out, slagg_err *err);

/* Reads the next record: 1 = a row (possibly malformed), 0 = end of input,
 * -1 = error (I/O or corrupt compression; err names the file). */
int slagg_csv_next(slagg_csv *c, slagg_csv_row *row, slagg_err *err);

const char *slagg_csv_name(const slagg_csv *c);
void slagg_csv_close(slagg_csv *c);

#endif

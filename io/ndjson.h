/*
 * ndjson.h - private to io/: the NDJSON object-line parser used by
 * io/records.c (SPEC section 3: "one JSON object a line; `status` a number,
 * `cause` absent or a string; other keys, nested or not, ignored"), and the
 * push-back hook records.c needs to sniff the format before handing the
 * stream to the CSV reader.
 */
#ifndef SLAGG_IO_NDJSON_H
#define SLAGG_IO_NDJSON_H

#include <stddef.h>
#include <stdint.h>

#include "core/kernels/text.h"
#include "core/error.h"

/* Length (1-4) of the well-formed UTF-8 sequence at p[0..avail), with its
 * code point in *cp; 0 when ill-formed (overlong, surrogate, > U+10FFFF,
 * truncated, stray continuation byte). Shared with slagg_account_check. */
size_t slagg_utf8_next(const unsigned char *p, size_t avail, uint32_t *cp);

typedef enum slagg_json_kind {
    SLAGG_JSON_ABSENT = 0,
    SLAGG_JSON_STRING,
    SLAGG_JSON_NUMBER,
    SLAGG_JSON_TRUE,
    SLAGG_JSON_FALSE,
    SLAGG_JSON_NULL,
    SLAGG_JSON_OBJECT,
    SLAGG_JSON_ARRAY
} slagg_json_kind;

/* One top-level value. For a string, p/n are the decoded bytes (escapes
 * resolved, may contain NUL from \u0000); for a number, its text, and
 * is_int is 1 when it has neither a fraction nor an exponent. */
typedef struct slagg_json_value {
    slagg_json_kind kind;
    const char *p;
    size_t n;
    int is_int;
} slagg_json_value;

/* The keys a request record uses; absent ones have kind SLAGG_JSON_ABSENT. */
typedef struct slagg_ndjson_record {
    slagg_json_value ts, ts_ms, account, status, cause;
} slagg_ndjson_record;

/* Parses line[0..n) as one JSON object (RFC 8259; UTF-8 checked, nesting
 * limited to SLAGG_JSON_MAX_DEPTH) followed only by whitespace. Strings are
 * decoded in place, so line is modified and the values point into it.
 * Keys other than ts, ts_ms, account, status and cause are validated and
 * skipped. Returns 0, or -1 with a printable reason in reason[cap] (bad
 * JSON, not an object, a duplicate used key). */
int slagg_ndjson_parse(char *line, size_t n, slagg_ndjson_record *rec, char *reason,
                       size_t cap);
/* The same, with the line pre-scan scan (core/kernels/text.h: a kernel's
 * json_plain; NULL: every line takes the byte path). slagg_ndjson_parse
 * uses the best kernel this CPU runs; the result is the same for any. */
int slagg_ndjson_parse_scan(char *line, size_t n, slagg_json_plain_fn scan, slagg_ndjson_record *rec,
                            char *reason, size_t cap);

#define SLAGG_JSON_MAX_DEPTH 256

#endif

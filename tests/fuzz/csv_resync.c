/*
 * csv_resync.c - fuzzes the CSV reader's resynchronisation after a
 * malformed record (io/csv.h "Resynchronisation"; SPEC section 6: "A
 * rejected row never hides or creates other records ... the reader does
 * not resume inside it (if it cannot find the next record boundary for
 * certain, the rest of that file is one reject)"; issue 11 item 1).
 *
 * The fuzzer's bytes drive a generator that writes a CSV document of
 * segments and, beside it, the rows the reader must return:
 * - good records: fields of a plain alphabet, unquoted, empty or quoted
 *   (with , CR LF and "" inside), ending in LF, CRLF or the end of input;
 * - malformed records whose end is certain: a NUL byte, more than 4096
 *   fields, a record over 1 MiB (at most one per input): one reject each,
 *   and the reader goes on after the record's real end;
 * - malformed records whose end is not certain: a stray quote, text after
 *   a closing quote, a bare CR (mid-record or at its start), an
 *   unterminated quote: one reject with rest_skipped, and nothing after it
 *   (the generator still writes good records after it; none may come out).
 * Every content byte of a malformed record is the marker '#' (record-like
 * lines "#,#,#" included), which good records never hold.
 *
 * Checks (FUZZ_CHECK aborts):
 * - the rows are exactly the expected ones, in order: fields and lengths
 *   of each good record, line and reason of each reject, rest_skipped;
 *   so the count identity holds: accepted + rejected = rows read =
 *   expected goods + expected rejects;
 * - no accepted row holds a marker or a NUL (nothing from inside a
 *   rejected span), independently of the expectation;
 * - the fuzzer's raw bytes, read as CSV too: lines strictly increase, a
 *   malformed row has no fields, a rest_skipped row is the last, fields
 *   are NUL-terminated without NULs inside.
 */
#include "fuzz_common.h"

#include "io/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEGMENTS 48
#define MAX_ROWS (MAX_SEGMENTS + 1)
#define MAX_FIELDS_GOOD 6

typedef struct gen {
    const uint8_t *in;
    size_t n, pos;
    char *doc;
    size_t len, cap;
    uint64_t line;   /* line of the next byte written */
} gen;

typedef struct want_row {
    uint64_t line;
    const char *reason;   /* NULL: a good record */
    int rest;
    size_t nf;
    size_t off[MAX_FIELDS_GOOD], flen[MAX_FIELDS_GOOD];   /* into vals */
} want_row;

static char vals[MAX_ROWS * MAX_FIELDS_GOOD * 16];
static size_t vals_len;

static unsigned next(gen *g) { return g->pos < g->n ? g->in[g->pos++] : 0; }
static int more(const gen *g) { return g->pos < g->n; }

static void put(gen *g, const void *p, size_t k)
{
    if (g->len + k > g->cap) {
        size_t cap = g->cap ? g->cap : 4096;
        while (cap < g->len + k) cap *= 2;
        char *nd = realloc(g->doc, cap);
        FUZZ_CHECK(nd != NULL);
        g->doc = nd;
        g->cap = cap;
    }
    memcpy(g->doc + g->len, p, k);
    for (size_t i = 0; i < k; i++) g->line += ((const char *)p)[i] == '\n';
    g->len += k;
}
static void putc1(gen *g, char c) { put(g, &c, 1); }
static void puts1(gen *g, const char *s) { put(g, s, strlen(s)); }

/* One good record; its decoded fields go to w. Returns 0 when it ended at
 * the end of input (nothing may follow). */
static int good_record(gen *g, want_row *w)
{
    static const char plain[] = "abcxyz019 ;:.'=-";   /* no , " CR LF # NUL */
    static const char quoted[] = "ab ,\n\r\"q";       /* " written doubled */
    w->line = g->line;
    w->reason = NULL;
    w->rest = 0;
    w->nf = 1 + next(g) % MAX_FIELDS_GOOD;
    for (size_t f = 0; f < w->nf; f++) {
        if (f) putc1(g, ',');
        unsigned kind = next(g) % 3, k = next(g) % 8;
        w->off[f] = vals_len;
        if (w->nf == 1 && kind == 1) kind = 0;          /* not an empty line */
        if (w->nf == 1 && kind == 0 && k == 0) k = 1;
        if (kind == 2) putc1(g, '"');
        for (unsigned i = 0; i < k; i++) {
            char c = kind == 2 ? quoted[next(g) % (sizeof quoted - 1)]
                               : plain[next(g) % (sizeof plain - 1)];
            if (kind == 2 && c == '"') putc1(g, '"');
            if (kind != 1) {
                putc1(g, c);
                vals[vals_len++] = c;
            }
        }
        if (kind == 2) putc1(g, '"');
        w->flen[f] = vals_len - w->off[f];
    }
    unsigned end = next(g) % 8;
    if (end == 0 && !more(g)) return 0;   /* last record, no line end */
    puts1(g, end == 1 ? "\r\n" : "\n");
    return 1;
}

/* Record-like marked text: "#,#,#" lines. */
static void marked_lines(gen *g, unsigned k)
{
    for (unsigned i = 0; i < k; i++) puts1(g, "#,#,#\n");
}

/* A malformed record whose end is certain; returns its reason. */
static const char *certain_bad(gen *g, unsigned op, int *long_done)
{
    /* a 1 MiB record costs a few ms: one in eight op-2 segments, once */
    if (op == 2 && !*long_done && next(g) % 8 != 0) op = 0;
    if (op == 0 || (op == 2 && *long_done)) {   /* NUL byte */
        unsigned where = next(g) % 3;
        if (where == 0) {                      /* at an unquoted field's start */
            put(g, "#,\0##,#", 7);
        } else if (where == 1) {               /* right after an opening quote */
            put(g, "#,\"\0#\n", 6);
            marked_lines(g, next(g) % 3);
            puts1(g, "#\"\"#\",#");
        } else {                               /* inside an unquoted field */
            put(g, "##\0#,\"#\n#,#\n\"", 13);
        }
        puts1(g, "\n");
        return "NUL byte";
    }
    if (op == 1) {   /* more than 4096 fields, then maybe a quoted field */
        unsigned extra = 1 + next(g) % 3;
        for (unsigned i = 0; i < SLAGG_CSV_MAX_FIELDS + extra; i++) puts1(g, "#,");
        if (next(g) & 1) {
            puts1(g, "\"#\n");
            marked_lines(g, next(g) % 3);
            puts1(g, "\"");
        } else {
            puts1(g, "#");
        }
        puts1(g, next(g) & 1 ? "\r\n" : "\n");
        return "more than 4096 fields";
    }
    /* a record over SLAGG_CSV_MAX_RECORD bytes, quoted or not */
    *long_done = 1;
    size_t body = SLAGG_CSV_MAX_RECORD + 1 + next(g) * 16;
    int quoted = next(g) & 1;
    if (quoted) puts1(g, "#,\"");
    size_t start = g->len, every = 1 + next(g) % 64;   /* record-like lines inside */
    for (size_t i = 0; g->len - start < body; i++) {
        if (quoted && i % (every * 64) == 0) puts1(g, "\n#,#,#\n\"\"");
        else puts1(g, "################");
    }
    if (quoted) puts1(g, "\"");
    puts1(g, "\n");
    return "record longer than 1048576 bytes";
}

/* A malformed record whose end is not certain; returns its reason. */
static const char *uncertain_bad(gen *g, unsigned op, int *stop)
{
    switch (op) {
    case 0:
        puts1(g, "#,#\"#\n");
        marked_lines(g, next(g) % 3);
        return "stray quote in unquoted field";
    case 1:
        puts1(g, "\"#\"#,#\n");
        marked_lines(g, next(g) % 3);
        return "text after closing quote";
    case 2:
        puts1(g, next(g) & 1 ? "#\r#,#\n" : "\r#,#\n");
        return "bare CR (not followed by LF)";
    default:
        puts1(g, "#,\"#\n");
        marked_lines(g, next(g) % 3);
        puts1(g, "#");
        *stop = 1;   /* nothing may follow: it would close the quote */
        return "unterminated quote";
    }
}

static int has_marker(const slagg_csv_row *row)
{
    for (size_t i = 0; i < row->nfields; i++)
        if (memchr(row->fields[i], '#', row->lens[i]) || memchr(row->fields[i], '\0', row->lens[i]))
            return 1;
    return 0;
}

static void structured(const uint8_t *data, size_t size)
{
    static want_row want[MAX_ROWS];
    size_t nwant = 0;
    int long_done = 0, stopped = 0, hidden = 0;
    gen g = {data, size, 0, NULL, 0, 0, 1};
    vals_len = 0;
    for (int seg = 0; seg < MAX_SEGMENTS && more(&g) && !stopped; seg++) {
        unsigned op = next(&g) % 16;
        want_row tmp, *w = hidden ? &tmp : &want[nwant];
        size_t vals_mark = vals_len;
        if (op < 9) {
            if (!good_record(&g, w)) stopped = 1;
        } else {
            memset(w, 0, sizeof *w);
            w->line = g.line;
            if (op < 12) {
                w->reason = certain_bad(&g, op - 9, &long_done);
            } else {
                w->reason = uncertain_bad(&g, op - 12, &stopped);
                w->rest = 1;
            }
        }
        if (hidden) vals_len = vals_mark;   /* inside the rest-of-file reject */
        else nwant++;
        if (w->rest) hidden = 1;
    }
    if (g.len == 0) {
        free(g.doc);
        return;
    }

    const char *path = fuzz_file(g.doc, g.len);
    free(g.doc);
    slagg_csv *c = NULL;
    slagg_err err;
    memset(&err, 0, sizeof err);
    FUZZ_CHECK(slagg_csv_open(path, &c, &err) == SLAGG_OK);
    size_t got = 0, accepted = 0, rejected = 0;
    for (;;) {
        slagg_csv_row row;
        int k = slagg_csv_next(c, &row, &err);
        FUZZ_CHECK(k >= 0);   /* a memfd never fails to read */
        if (k == 0) break;
        FUZZ_CHECK(got < nwant);   /* no row beyond the expected: none created */
        const want_row *w = &want[got++];
        FUZZ_CHECK(row.line == w->line);
        if (row.malformed) {
            rejected++;
            FUZZ_CHECK(w->reason != NULL);
            FUZZ_CHECK(strcmp(row.malformed, w->reason) == 0);
            FUZZ_CHECK(row.rest_skipped == w->rest);
            FUZZ_CHECK(row.nfields == 0);
        } else {
            accepted++;
            FUZZ_CHECK(!has_marker(&row));   /* nothing read from a rejected span */
            FUZZ_CHECK(w->reason == NULL);
            FUZZ_CHECK(row.nfields == w->nf);
            for (size_t f = 0; f < w->nf; f++) {
                FUZZ_CHECK(row.lens[f] == w->flen[f]);
                FUZZ_CHECK(memcmp(row.fields[f], vals + w->off[f], w->flen[f]) == 0);
                FUZZ_CHECK(row.fields[f][row.lens[f]] == '\0');
            }
        }
    }
    /* the count identity: every expected row came out, nothing else */
    FUZZ_CHECK(got == nwant);
    FUZZ_CHECK(accepted + rejected == got);
    slagg_csv_close(c);
}

/* The raw bytes as CSV: what holds for any input. */
static void raw(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size);
    slagg_csv *c = NULL;
    slagg_err err;
    memset(&err, 0, sizeof err);
    FUZZ_CHECK(slagg_csv_open(path, &c, &err) == SLAGG_OK);
    uint64_t last = 0;
    int ended_by_rest = 0;
    for (;;) {
        slagg_csv_row row;
        int k = slagg_csv_next(c, &row, &err);
        FUZZ_CHECK(k >= 0);
        if (k == 0) break;
        FUZZ_CHECK(!ended_by_rest);   /* a rest-of-file reject is the last row */
        FUZZ_CHECK(row.line > last);
        last = row.line;
        if (row.malformed) {
            FUZZ_CHECK(row.nfields == 0);
            FUZZ_CHECK(row.malformed[0] != '\0');
            ended_by_rest = row.rest_skipped;
        } else {
            FUZZ_CHECK(row.nfields >= 1);
            for (size_t f = 0; f < row.nfields; f++) {
                FUZZ_CHECK(row.fields[f][row.lens[f]] == '\0');
                FUZZ_CHECK(memchr(row.fields[f], '\0', row.lens[f]) == NULL);
            }
        }
    }
    slagg_csv_row end;
    FUZZ_CHECK(slagg_csv_next(c, &end, &err) == 0);   /* the end is sticky */
    slagg_csv_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    structured(data, size);
    raw(data, size);
    return 0;
}

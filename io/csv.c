/*
 * csv.c - streaming RFC 4180 reader (SPEC section 3: "UTF-8 CSV with a
 * header line (RFC 4180 quoting)").
 *
 * A byte-at-a-time state machine over a fixed input buffer. The decoded
 * record (fields back to back, each NUL-terminated) lives in one buffer
 * that grows on demand up to SLAGG_CSV_MAX_RECORD + 1 bytes: a record is
 * at most SLAGG_CSV_MAX_RECORD raw bytes, and the decoded fields plus their
 * NULs never outgrow the raw bytes plus one. Beyond that the record is
 * reported malformed and the rest of it is scanned without being stored
 * (csv_skip_record), so memory is bounded whatever the input. Where a
 * malformed record's end cannot be told for certain, the rest of the
 * input is one reject (csv.h "Resynchronisation", SPEC section 6).
 */
#include "io/csv.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

#define CSV_IBUF (64u * 1024u)
#define CSV_REC_INIT 4096u
#define CSV_FIELDS_INIT 16u

struct slagg_csv {
    slagg_source *src;
    unsigned char *ibuf;
    size_t ipos, ilen;
    int eof;
    int started;          /* BOM check done */
    int done;             /* end of input returned */
    char *rec;            /* decoded fields, NUL-terminated */
    size_t rec_cap, rec_len;
    size_t *offs, *lens;  /* per field: offset in rec, length */
    const char **ptrs;
    size_t fcap;
    uint64_t line;        /* line number of the next byte */
    char why[96];         /* a combined reason ("A, then B") */
    /* a piece of a file (slagg_csv_set_range): the file offset of the first
     * byte the source delivers, bytes it has delivered, the offset from
     * which no record starts, and where the reader stopped */
    uint64_t base, got, limit, stop_at;
};

enum csv_state {
    CSV_REC_START,   /* nothing of the record read yet */
    CSV_REC_CR,      /* a CR at record start (maybe an empty CRLF line) */
    CSV_FIELD_START,
    CSV_UNQUOTED,
    CSV_QUOTED,
    CSV_QUOTE_SEEN,  /* a '"' inside a quoted field: end or escaped quote */
    CSV_CR           /* a CR after a field: must be followed by LF */
};

slagg_status slagg_csv_from_source(slagg_source *src, slagg_csv **out, slagg_err *err)
{
    *out = NULL;
    slagg_csv *c = slagg_calloc(1, sizeof *c);
    if (!c) {
        slagg_status st = slagg_err_set(err, SLAGG_E_NOMEM, "%s: out of memory",
                                        slagg_source_name(src));
        slagg_source_close(src);
        return st;
    }
    c->src = src;
    c->line = 1;
    c->limit = UINT64_MAX;
    c->stop_at = UINT64_MAX;
    c->ibuf = slagg_malloc(CSV_IBUF + 1);   /* + the fast path's sentinel */
    c->rec_cap = CSV_REC_INIT;
    c->rec = slagg_malloc(c->rec_cap);
    c->fcap = CSV_FIELDS_INIT;
    c->offs = slagg_calloc(c->fcap, sizeof *c->offs);
    c->lens = slagg_calloc(c->fcap, sizeof *c->lens);
    c->ptrs = slagg_calloc(c->fcap, sizeof *c->ptrs);
    if (!c->ibuf || !c->rec || !c->offs || !c->lens || !c->ptrs) {
        slagg_status st = slagg_err_set(err, SLAGG_E_NOMEM, "%s: out of memory",
                                        slagg_source_name(src));
        slagg_csv_close(c);
        return st;
    }
    *out = c;
    return SLAGG_OK;
}

slagg_status slagg_csv_open(const char *path, slagg_csv **out, slagg_err *err)
{
    slagg_source *src;
    *out = NULL;
    slagg_status st = slagg_source_open(path, &src, err);
    if (st != SLAGG_OK) return st;
    return slagg_csv_from_source(src, out, err);
}

/* Refills the input buffer (appending after ilen). Returns 1 when bytes
 * arrived, 0 at end of input, -1 on error. */
static int csv_fill(slagg_csv *c, slagg_err *err)
{
    if (c->eof) return 0;
    if (c->ipos == c->ilen) c->ipos = c->ilen = 0;
    ssize_t n = slagg_source_read(c->src, c->ibuf + c->ilen, CSV_IBUF - c->ilen, err);
    if (n < 0) return -1;
    if (n == 0) {
        c->eof = 1;
        return 0;
    }
    c->ilen += (size_t)n;
    c->got += (uint64_t)n;
    return 1;
}

/* The file offset of the next unread byte. */
static uint64_t csv_offset(const slagg_csv *c) { return c->base + c->got - (c->ilen - c->ipos); }

/* At a line start outside any record: 1 (the reader stops, done) when
 * the line starts at or past the limit, so no record from there on is
 * this piece's. */
static int csv_at_limit(slagg_csv *c)
{
    if (c->limit == UINT64_MAX) return 0;
    uint64_t at = csv_offset(c);
    if (at < c->limit) return 0;
    c->stop_at = at;
    c->done = 1;
    return 1;
}

void slagg_csv_set_range(slagg_csv *c, uint64_t base, uint64_t limit)
{
    c->base = base;
    c->limit = limit;
    if (base > 0) c->started = 1;   /* mid-file: no BOM there */
}

uint64_t slagg_csv_stopped_at(const slagg_csv *c) { return c->stop_at; }

uint64_t slagg_csv_next_line(const slagg_csv *c) { return c->line; }

/* Next input byte, -1 at end of input, -2 on error. */
static inline int csv_byte(slagg_csv *c, slagg_err *err)
{
    if (c->ipos == c->ilen) {
        int r = csv_fill(c, err);
        if (r <= 0) return r == 0 ? -1 : -2;
    }
    return c->ibuf[c->ipos++];
}

/* Appends one decoded byte; the caller has checked the record size, so
 * growth stops at SLAGG_CSV_MAX_RECORD + 1. */
static int csv_put(slagg_csv *c, char b, slagg_err *err)
{
    if (c->rec_len == c->rec_cap) {
        size_t cap = c->rec_cap * 2;
        if (cap > SLAGG_CSV_MAX_RECORD + 1) cap = SLAGG_CSV_MAX_RECORD + 1;
        char *p = cap > c->rec_cap ? slagg_realloc(c->rec, cap) : NULL;
        if (!p) {
            slagg_err_set(err, SLAGG_E_NOMEM, "%s: out of memory", slagg_source_name(c->src));
            return -1;
        }
        c->rec = p;
        c->rec_cap = cap;
    }
    c->rec[c->rec_len++] = b;
    return 0;
}

/* Bytes that end a run of plain field content: bit 0 outside quotes
 * (, " LF CR NUL), bit 1 inside quotes (" LF NUL; LF only for line counting). */
static const unsigned char csv_special[256] = {
    [0] = 3, ['\n'] = 3, ['\r'] = 1, [','] = 1, ['"'] = 3,
};

/* Fast path: appends the run of plain content bytes at the read position
 * (state CSV_UNQUOTED when quoted == 0, CSV_QUOTED when 1), stopping short
 * of the record size limit so the byte loop reports it. */
static int csv_run(slagg_csv *c, int quoted, size_t *raw, slagg_err *err)
{
    const unsigned char mask = quoted ? 2 : 1;
    const unsigned char *p = c->ibuf + c->ipos, *e = c->ibuf + c->ilen, *q = p;
    while (q < e && !(csv_special[*q] & mask)) q++;
    size_t n = (size_t)(q - p);
    if (n > SLAGG_CSV_MAX_RECORD - *raw) n = SLAGG_CSV_MAX_RECORD - *raw;
    if (n == 0) return 0;
    if (c->rec_cap - c->rec_len < n) {
        size_t cap = c->rec_cap;
        while (cap - c->rec_len < n) cap *= 2;
        if (cap > SLAGG_CSV_MAX_RECORD + 1) cap = SLAGG_CSV_MAX_RECORD + 1;
        char *nb = slagg_realloc(c->rec, cap);
        if (!nb) {
            slagg_err_set(err, SLAGG_E_NOMEM, "%s: out of memory", slagg_source_name(c->src));
            return -1;
        }
        c->rec = nb;
        c->rec_cap = cap;
    }
    memcpy(c->rec + c->rec_len, p, n);
    c->rec_len += n;
    c->ipos += n;
    *raw += n;
    return 0;
}

/* Ends the field that started at rec offset start: 0, -1 on error, or 1
 * when the record has too many fields. */
static int csv_end_field(slagg_csv *c, size_t *nf, size_t start, slagg_err *err)
{
    if (*nf == SLAGG_CSV_MAX_FIELDS) return 1;
    if (*nf == c->fcap) {
        size_t cap = c->fcap * 2;
        if (cap > SLAGG_CSV_MAX_FIELDS) cap = SLAGG_CSV_MAX_FIELDS;
        size_t *o = slagg_reallocarray(c->offs, cap, sizeof *o);
        if (o) c->offs = o;
        size_t *l = o ? slagg_reallocarray(c->lens, cap, sizeof *l) : NULL;
        if (l) c->lens = l;
        const char **p = l ? slagg_reallocarray((void *)c->ptrs, cap, sizeof *p) : NULL;
        if (!p) {
            slagg_err_set(err, SLAGG_E_NOMEM, "%s: out of memory", slagg_source_name(c->src));
            return -1;
        }
        c->ptrs = p;
        c->fcap = cap;
    }
    c->offs[*nf] = start;
    c->lens[*nf] = c->rec_len - start;
    (*nf)++;
    return csv_put(c, '\0', err);
}

/* Reads and discards the rest of the input, so the source still sees every
 * byte (a corrupt zstd frame further on is still reported, and whatever
 * the source counts covers the whole file). 0 at the end, -1 on error. */
static int csv_drain(slagg_csv *c, slagg_err *err)
{
    for (;;) {
        c->ipos = c->ilen;
        int r = csv_fill(c, err);
        if (r <= 0) return r;
    }
}

/* csv_special without NUL: what ends a run of content while a malformed
 * record is skipped (a NUL is content there). */
static const unsigned char csv_skip_special[256] = {
    ['\n'] = 3, ['\r'] = 1, [','] = 1, ['"'] = 3,
};

/* The first byte of [p, e) special in csv_skip_special (quoted: " LF;
 * unquoted: also , CR), or e. One memchr per special byte, each bounded by
 * the nearest hit so far: libc's memchr is vectorised (and not re-
 * instrumented under the sanitizers), so a 10 GiB run of zeros inside a
 * rejected record is crossed at memory speed. */
static const unsigned char *csv_skip_words(const unsigned char *p, const unsigned char *e,
                                           int quoted)
{
    static const unsigned char stops[4] = {'"', '\n', ',', '\r'};
    const unsigned char *best = e;
    for (int k = 0; k < (quoted ? 2 : 4); k++) {
        const unsigned char *q = best > p ? memchr(p, stops[k], (size_t)(best - p)) : NULL;
        if (q) best = q;
    }
    return best;
}

#define CSV_CONTENT 256   /* csv_skip_record: a pending plain content byte */
#define CSV_NONE 257      /* csv_skip_record: no pending byte */

/* The rest of a record already known to be malformed, for certain resync
 * (csv.h): follows the RFC 4180 states from st, processing `pending`
 * first (a byte, CSV_CONTENT or CSV_NONE), storing nothing, to the LF or
 * end of input that ends the record outside quotes. Returns 0 there (the
 * next record starts at the read position), 1 when the record's end can no
 * longer be told for certain (*why: a quote error, a bare CR, or the end of
 * input inside quotes), -1 on a read error. Memory stays bounded and the
 * scan is linear whatever the record's length. */
static int csv_skip_record(slagg_csv *c, enum csv_state st, int pending, const char **why,
                           slagg_err *err)
{
    int b = pending;
    for (;;) {
        if (b == CSV_NONE) {
            if (st == CSV_QUOTED || st == CSV_UNQUOTED) {
                /* fast path over content, NULs included (a 10 GiB run of
                 * zeros is skipped at table-scan speed); LFs inside quotes
                 * are counted */
                const unsigned char mask = st == CSV_QUOTED ? 2 : 1;
                const unsigned char *p = c->ibuf + c->ipos, *e = c->ibuf + c->ilen;
                p = csv_skip_words(p, e, st == CSV_QUOTED);
                while (p < e && !(csv_skip_special[*p] & mask)) p++;
                c->ipos = (size_t)(p - c->ibuf);
            }
            b = csv_byte(c, err);
            if (b == -2) return -1;
            if (b == '\n') c->line++;
            if (b == 0) b = CSV_CONTENT;   /* already rejected; a NUL is content here */
        }
        switch (st) {
        case CSV_FIELD_START:
        case CSV_UNQUOTED:
            if (b == '\n' || b == -1) return 0;
            if (b == ',') st = CSV_FIELD_START;
            else if (b == '\r') st = CSV_CR;
            else if (b == '"' && st == CSV_FIELD_START) st = CSV_QUOTED;
            else if (b == '"') {
                *why = "stray quote in unquoted field";
                return 1;
            } else st = CSV_UNQUOTED;
            break;
        case CSV_QUOTED:
            if (b == -1) {
                *why = "unterminated quote";
                return 1;
            }
            if (b == '"') st = CSV_QUOTE_SEEN;
            break;
        case CSV_QUOTE_SEEN:
            if (b == '\n' || b == -1) return 0;
            if (b == '"') st = CSV_QUOTED;
            else if (b == ',') st = CSV_FIELD_START;
            else if (b == '\r') st = CSV_CR;
            else {
                *why = "text after closing quote";
                return 1;
            }
            break;
        case CSV_CR:
            if (b == '\n' || b == -1) return 0;
            *why = "bare CR (not followed by LF)";
            return 1;
        default:   /* CSV_REC_START / CSV_REC_CR never reach here */
            *why = "bare CR (not followed by LF)";
            return 1;
        }
        b = CSV_NONE;
    }
}

/* Skips a UTF-8 BOM at the very start of the stream (short reads
 * included). */
static int csv_start(slagg_csv *c, slagg_err *err)
{
    c->started = 1;
    while (c->ilen < 3) {
        int r = csv_fill(c, err);
        if (r < 0) return -1;
        if (r == 0) break;
    }
    if (c->ilen >= 3 && c->ibuf[0] == 0xEF && c->ibuf[1] == 0xBB && c->ibuf[2] == 0xBF)
        c->ipos = 3;
    return 0;
}

/* Fast path for the common record: a whole line in the buffer with no
 * quote, CR or NUL, at most c->fcap fields. Fills row exactly as the state
 * machine below would (fields NUL-terminated in c->rec, in order) and
 * returns 1; returns 0, consuming nothing, when the line is anything else
 * (then the state machine reads it). A sentinel LF after the buffered
 * bytes bounds the scan, so one table lookup a byte finds commas, the end
 * and the bytes that need the state machine. */
static int csv_fast(slagg_csv *c, slagg_csv_row *row)
{
    const unsigned char *p = c->ibuf + c->ipos, *e = c->ibuf + c->ilen, *q = p;
    c->ibuf[c->ilen] = '\n';
    if (*p == '\n') return 0;                  /* an empty line */
    size_t nf = 0, fcap = c->fcap;
    const unsigned char *f0 = p;
    for (;;) {
        while (!(csv_special[*q] & 1)) q++;
        unsigned char b = *q;
        if (b != ',' && b != '\n') return 0;   /* quote, CR, NUL */
        if (nf == fcap) return 0;               /* let the state machine grow the arrays */
        c->offs[nf] = (size_t)(f0 - p);
        c->lens[nf] = (size_t)(q - f0);
        nf++;
        if (b == '\n') break;
        f0 = ++q;
    }
    if (q == e) return 0;                       /* the sentinel: the line goes on past the buffer */
    size_t len = (size_t)(q - p);
    if (len + 1 > c->rec_cap) return 0;
    memcpy(c->rec, p, len);
    c->rec_len = len + 1;
    for (size_t k = 0; k < nf; k++) {
        c->rec[c->offs[k] + c->lens[k]] = '\0';
        c->ptrs[k] = c->rec + c->offs[k];
    }
    c->ipos += len + 1;
    row->line = c->line++;
    row->nfields = nf;
    row->fields = c->ptrs;
    row->lens = c->lens;
    row->malformed = NULL;
    row->rest_skipped = 0;
    return 1;
}

int slagg_csv_next(slagg_csv *c, slagg_csv_row *row, slagg_err *err)
{
    if (!c->started && csv_start(c, err) < 0) return -1;
    if (c->done) return 0;
    if (csv_at_limit(c)) return 0;
    if (c->ipos < c->ilen && csv_fast(c, row)) return 1;

    enum csv_state st = CSV_REC_START;
    size_t nf = 0, fstart = 0, raw = 0;
    uint64_t start_line = c->line;
    const char *bad = NULL;
    /* for a malformed record: whether its end can still be found for
     * certain (csv.h), and the byte to resume the scan with */
    int certain = 0, pending = CSV_NONE, ended = 0;
    int b = 0;
    c->rec_len = 0;

    for (;;) {
        if ((st == CSV_UNQUOTED || st == CSV_QUOTED) && c->ipos < c->ilen &&
            csv_run(c, st == CSV_QUOTED, &raw, err) < 0)
            return -1;
        b = csv_byte(c, err);
        if (b == -2) return -1;
        if (b == '\n') c->line++;
        if (st == CSV_REC_START || st == CSV_REC_CR) {
            if (b == -1) {
                c->done = 1;
                return 0;
            }
            if (b == '\n') {   /* an empty line (LF or CRLF): not a record */
                st = CSV_REC_START;
                start_line = c->line;
                if (csv_at_limit(c)) return 0;
                continue;
            }
            if (st == CSV_REC_CR) {
                bad = "bare CR (not followed by LF)";
                break;
            }
            if (b == '\r') {
                st = CSV_REC_CR;
                continue;
            }
            st = CSV_FIELD_START;
        }
        if (b == 0) {
            bad = "NUL byte";
            certain = 1;
            pending = CSV_CONTENT;
            break;
        }
        /* raw size: every byte but the LF that ends the record */
        if (b >= 0 && (b != '\n' || st == CSV_QUOTED) && ++raw > SLAGG_CSV_MAX_RECORD) {
            bad = "record longer than 1048576 bytes";
            certain = 1;
            pending = b;
            break;
        }
        int end_field = 0, end_record = 0;
        switch (st) {
        case CSV_FIELD_START:
        case CSV_UNQUOTED:
            if (b == ',') {
                end_field = 1;
            } else if (b == '\n' || b == -1) {
                end_field = end_record = 1;
            } else if (b == '\r') {
                end_field = 1;
                st = CSV_CR;
            } else if (b == '"') {
                if (st == CSV_UNQUOTED) {
                    bad = "stray quote in unquoted field";
                    break;
                }
                st = CSV_QUOTED;
            } else {
                if (csv_put(c, (char)b, err)) return -1;
                st = CSV_UNQUOTED;
            }
            break;
        case CSV_QUOTED:
            if (b == -1) {
                bad = "unterminated quote";
                break;
            }
            if (b == '"')
                st = CSV_QUOTE_SEEN;
            else if (csv_put(c, (char)b, err))
                return -1;
            break;
        case CSV_QUOTE_SEEN:
            if (b == '"') {
                if (csv_put(c, '"', err)) return -1;
                st = CSV_QUOTED;
            } else if (b == ',') {
                end_field = 1;
            } else if (b == '\n' || b == -1) {
                end_field = end_record = 1;
            } else if (b == '\r') {
                end_field = 1;
                st = CSV_CR;
            } else {
                bad = "text after closing quote";
            }
            break;
        case CSV_CR:
            if (b == '\n' || b == -1)
                end_record = 1;
            else
                bad = "bare CR (not followed by LF)";
            break;
        default:
            break;
        }
        if (bad) break;
        if (end_field) {
            int r = csv_end_field(c, &nf, fstart, err);
            if (r < 0) return -1;
            if (r > 0) {
                /* the field's end is known: scan on from there (or stop
                 * here when it also ended the record) */
                bad = "more than 4096 fields";
                certain = 1;
                ended = end_record;
                if (st != CSV_CR) st = CSV_FIELD_START;
                break;
            }
            fstart = c->rec_len;
            if (st != CSV_CR) st = CSV_FIELD_START;
        }
        if (end_record) {
            if (b == -1) c->done = 1;
            break;
        }
    }

    row->line = start_line;
    if (bad) {
        const char *then = NULL;
        if (certain && !ended) {
            int r = csv_skip_record(c, st, pending, &then, err);
            if (r < 0) return -1;
            certain = r == 0;
        }
        if (ended && b == -1) c->done = 1;
        row->rest_skipped = !certain;
        if (!certain) {
            /* no certain boundary: the rest of the input is this row */
            if (csv_drain(c, err) < 0) return -1;
            c->done = 1;
        }
        if (then && then != bad) {
            snprintf(c->why, sizeof c->why, "%s, then %s", bad, then);
            bad = c->why;
        }
        row->nfields = 0;
        row->fields = NULL;
        row->lens = NULL;
        row->malformed = bad;
        return 1;
    }
    for (size_t k = 0; k < nf; k++) c->ptrs[k] = c->rec + c->offs[k];
    row->nfields = nf;
    row->fields = c->ptrs;
    row->lens = c->lens;
    row->malformed = NULL;
    row->rest_skipped = 0;
    return 1;
}

const char *slagg_csv_name(const slagg_csv *c) { return slagg_source_name(c->src); }

void slagg_csv_close(slagg_csv *c)
{
    if (!c) return;
    slagg_source_close(c->src);
    slagg_free(c->ibuf);
    slagg_free(c->rec);
    slagg_free(c->offs);
    slagg_free(c->lens);
    slagg_free((void *)c->ptrs);
    slagg_free(c);
}

void slagg_csv_header_text(const slagg_csv_row *row, char *out, size_t cap)
{
    size_t at = 0;
    if (cap < 8) {
        if (cap) out[0] = '\0';
        return;
    }
    for (size_t i = 0; i < row->nfields; i++) {
        size_t n = row->lens[i] + (i > 0);
        if (at + n + 4 > cap) {   /* room for "..." and the NUL */
            memcpy(out + at, "...", 3);
            at += 3;
            break;
        }
        if (i) out[at++] = ',';
        memcpy(out + at, row->fields[i], row->lens[i]);
        at += row->lens[i];
    }
    out[at] = '\0';
}

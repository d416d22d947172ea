/*
 * records.c - request records from a log file (SPEC section 3, "Request
 * records"; section 2, "Classifying one request record" for the allowed
 * status and cause values; section 6 for rejects).
 *
 * The stream (see io/source.c for compression) is sniffed once: the first
 * non-blank byte '{' means NDJSON, anything else CSV with a header line.
 * Every field of every row is validated here; a row that fails is handed
 * back as a reject (line + printable reason) and reading goes on. Only I/O
 * errors and corrupt compression end the stream.
 */
#include "io/records.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "io/csv.h"
#include "io/ndjson.h"
#include "io/source.h"
#include "io/timestamp.h"

#define REC_IBUF (64u * 1024u)
#define REC_LBUF_INIT 4096u
#define REC_ECHO_MAX 40      /* bytes of an offending value quoted in a reason */
#define REC_NO_COL ((size_t)-1)

struct slagg_record_reader {
    slagg_record_format fmt;
    slagg_source *src;   /* NDJSON: owned; CSV: owned by csv, borrowed here */
    slagg_csv *csv;
    /* CSV columns (REC_NO_COL when absent) */
    size_t ncols, need;
    size_t col_ts, col_account, col_status, col_cause;
    int ts_is_ms;
    /* NDJSON line reader */
    unsigned char *ibuf;
    size_t ipos, ilen;
    int eof;
    char *lbuf;
    size_t lcap;
    uint64_t line;       /* number of the next physical line */
    uint64_t last_line;  /* line of the row last returned */
    /* bytes the sniff removed before the first delivered byte (a BOM, cut
     * blank lines): the file offset of the stream's first byte */
    uint64_t removed;
    /* NDJSON pieces (records.h): file offset of ibuf's first delivered
     * byte, bytes delivered, limit, where the reader stopped */
    uint64_t base, got, limit, stop_at;
    slagg_json_plain_fn scan;   /* NULL: slagg_ndjson_parse's own (the best) */
};

/* ---- helpers ---------------------------------------------------------------- */

static int rec_blank(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Quotes at most REC_ECHO_MAX bytes of s for a reason: printable ASCII as
 * is, every other byte as \xNN, "..." when cut. out needs 4*40+4 bytes. */
static void rec_echo(char out[4 * REC_ECHO_MAX + 4], const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0, m = n > REC_ECHO_MAX ? REC_ECHO_MAX : n;
    for (size_t i = 0; i < m; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F) {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    if (m < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* Fills rej and returns SLAGG_RECORD_REJECTED. */
static int rec_reject(slagg_reject *rej, uint64_t line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int rec_reject(slagg_reject *rej, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    rej->line = line;
    va_start(ap, fmt);
    vsnprintf(rej->reason, sizeof rej->reason, fmt, ap);
    va_end(ap);
    return SLAGG_RECORD_REJECTED;
}

/* Rejects with "WHAT 'value'" (value echoed safely). */
static int rec_reject_value(slagg_reject *rej, uint64_t line, const char *what, const char *s,
                            size_t n)
{
    char e[4 * REC_ECHO_MAX + 4];
    rec_echo(e, s, n);
    return rec_reject(rej, line, "%s '%s'", what, e);
}

/* "bad ts '2026-03-02T10:00:00': no UTC offset: add Z or ..." when only
 * the offset is missing (issue 15: say what to add), else "bad ts '...'". */
static int rec_reject_ts(slagg_reject *rej, uint64_t line, const char *s, size_t n)
{
    char e[4 * REC_ECHO_MAX + 4];
    if (!slagg_rfc3339_lacks_offset(s, n)) return rec_reject_value(rej, line, "bad ts", s, n);
    rec_echo(e, s, n);
    return rec_reject(rej, line, "bad ts '%s': " SLAGG_TS_OFFSET_HINT, e);
}

/* "unknown cause 'oops' (allowed: ...)": the SPEC 2 list, so the row can
 * be fixed without the SPEC at hand. */
static int rec_reject_cause(slagg_reject *rej, uint64_t line, const char *s, size_t n)
{
    char e[4 * REC_ECHO_MAX + 4];
    rec_echo(e, s, n);
    return rec_reject(rej, line,
                      "unknown cause '%s' (allowed: empty, provider, maintenance, attack, content_ban, external, client)", e);
}

const char *slagg_account_check(const char *s, size_t n)
{
    if (n == 0) return "empty account";
    if (n > SLAGG_ACCOUNT_MAX) return "account longer than 128 bytes";
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F) return "control character in account";
        if (c < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t len = slagg_utf8_next((const unsigned char *)s + i, n - i, &cp);
        if (len == 0) return "account is not valid UTF-8";
        if (cp >= 0x80 && cp <= 0x9F) return "control character in account";
        i += len;
    }
    return NULL;
}

/* ---- opening: sniffing and the CSV header ------------------------------------ */

/* Reads the stream until its first non-blank byte (a UTF-8 BOM at the start
 * is dropped), then pushes everything read back so the format reader sees
 * it from the start. Blank space beyond SLAGG_CSV_MAX_RECORD bytes is
 * dropped a whole line at a time and counted in *dropped_lines (*dropped
 * set). Returns SLAGG_OK and *first, or an error. */
static slagg_status rec_sniff(slagg_source *src, unsigned char *first, uint64_t *dropped_lines,
                              int *dropped, uint64_t *removed, slagg_err *err)
{
    const char *name = slagg_source_name(src);
    size_t cap = REC_IBUF, len = 0, scan = 0;
    int eof = 0, bom_done = 0;
    unsigned char *pre = slagg_malloc(cap);
    if (!pre) return slagg_err_set(err, SLAGG_E_NOMEM, "%s: out of memory", name);
    *dropped_lines = 0;
    *dropped = 0;
    *removed = 0;
    for (;;) {
        if (len == cap) {   /* everything so far is blank */
            if (cap < SLAGG_CSV_MAX_RECORD) {
                unsigned char *p = slagg_realloc(pre, cap * 2);
                if (!p) {
                    slagg_free(pre);
                    return slagg_err_set(err, SLAGG_E_NOMEM, "%s: out of memory", name);
                }
                pre = p;
                cap *= 2;
            } else {
                unsigned char *lf = NULL;
                for (size_t k = len; k > 0; k--)
                    if (pre[k - 1] == '\n') {
                        lf = pre + k - 1;
                        break;
                    }
                if (!lf) {
                    slagg_free(pre);
                    return slagg_err_set(err, SLAGG_E_INPUT,
                                         "%s: a blank line longer than %u bytes", name,
                                         SLAGG_CSV_MAX_RECORD);
                }
                size_t cut = (size_t)(lf - pre) + 1;
                for (size_t k = 0; k < cut; k++) *dropped_lines += pre[k] == '\n';
                memmove(pre, pre + cut, len - cut);
                len -= cut;
                scan = len;
                *dropped = 1;
                *removed += cut;
            }
        }
        ssize_t n = slagg_source_read(src, pre + len, cap - len, err);
        if (n < 0) {
            slagg_free(pre);
            return err->code;
        }
        if (n == 0) eof = 1;
        len += (size_t)n;
        if (!bom_done) {
            if (len < 3 && !eof) continue;
            if (len >= 3 && pre[0] == 0xEF && pre[1] == 0xBB && pre[2] == 0xBF) {
                memmove(pre, pre + 3, len - 3);
                len -= 3;
                *removed += 3;
            }
            bom_done = 1;
        }
        while (scan < len && rec_blank(pre[scan])) scan++;
        if (scan < len) break;
        if (eof) {
            slagg_free(pre);
            return slagg_err_set(err, SLAGG_E_INPUT, "%s: empty input (no header line)", name);
        }
    }
    *first = pre[scan];
    if (scan == 0 && len >= 8 && memcmp(pre, "SLAGGSHD", 8) == 0) {
        /* a shard is read by seeking to its index, which a pipe cannot do */
        slagg_free(pre);
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s: a slagg shard cannot be read from a pipe or standard input; "
                             "give its path", name);
    }
    slagg_status st = slagg_source_unread(src, pre, len, err);
    slagg_free(pre);
    return st;
}

/* Reads and checks the CSV header: account, status, exactly one of ts /
 * ts_ms, optional cause, each at most once. */
static slagg_status rec_csv_header(slagg_record_reader *r, slagg_err *err)
{
    const char *name = slagg_csv_name(r->csv);
    slagg_csv_row row;
    int got = slagg_csv_next(r->csv, &row, err);
    if (got < 0) return err->code;
    if (got == 0) return slagg_err_set(err, SLAGG_E_INPUT, "%s: empty input (no header line)", name);
    unsigned long long hl = (unsigned long long)row.line;
    if (row.malformed)
        return slagg_err_set(err, SLAGG_E_INPUT, "%s:%llu: bad header: %s", name, hl,
                             row.malformed);
    static const char *const cols[] = {"ts", "ts_ms", "account", "status", "cause"};
    size_t at[5] = {REC_NO_COL, REC_NO_COL, REC_NO_COL, REC_NO_COL, REC_NO_COL};
    for (size_t i = 0; i < row.nfields; i++) {
        for (size_t k = 0; k < 5; k++) {
            if (strcmp(row.fields[i], cols[k]) != 0 || row.lens[i] != strlen(cols[k])) continue;
            if (at[k] != REC_NO_COL)
                return slagg_err_set(err, SLAGG_E_INPUT, "%s:%llu: duplicate column '%s'",
                                     name, hl, cols[k]);
            at[k] = i;
        }
    }
    if (at[0] != REC_NO_COL && at[1] != REC_NO_COL)
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s:%llu: both 'ts' and 'ts_ms' columns (need exactly one)", name,
                             hl);
    const char *missing = at[0] == REC_NO_COL && at[1] == REC_NO_COL ? "'ts' (or 'ts_ms')"
                          : at[2] == REC_NO_COL                      ? "'account'"
                          : at[3] == REC_NO_COL                      ? "'status'"
                                                                     : NULL;
    if (missing) {
        /* issue 15: the header found and the one wanted, so a renamed
         * column ("time") is seen at once */
        char found[256];
        slagg_csv_header_text(&row, found, sizeof found);
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s:%llu: missing column %s (found: %s; want ts or ts_ms, account, status, optional cause)",
                             name, hl, missing, found);
    }
    r->ts_is_ms = at[0] == REC_NO_COL;
    r->col_ts = r->ts_is_ms ? at[1] : at[0];
    r->col_account = at[2];
    r->col_status = at[3];
    r->col_cause = at[4];
    r->ncols = row.nfields;
    r->need = 0;
    for (size_t k = 0; k < 5; k++)
        if (at[k] != REC_NO_COL && at[k] + 1 > r->need) r->need = at[k] + 1;
    return SLAGG_OK;
}

slagg_status slagg_record_reader_open(const char *path, slagg_record_reader **out,
                                      slagg_err *err)
{
    slagg_err local;
    if (!err) err = &local;
    *out = NULL;
    slagg_record_reader *r = slagg_calloc(1, sizeof *r);
    if (!r) return slagg_err_set(err, SLAGG_E_NOMEM, "%s: out of memory", path);
    slagg_status st = slagg_source_open(path, &r->src, err);
    if (st != SLAGG_OK) {
        slagg_free(r);
        return st;
    }
    unsigned char first = 0;
    uint64_t dropped_lines = 0;
    int dropped = 0;
    r->limit = r->stop_at = UINT64_MAX;
    st = rec_sniff(r->src, &first, &dropped_lines, &dropped, &r->removed, err);
    if (st != SLAGG_OK) goto fail;
    r->base = r->removed;
    if (first == '{') {
        r->fmt = SLAGG_FORMAT_NDJSON;
        r->line = 1 + dropped_lines;
        r->ibuf = slagg_malloc(REC_IBUF);
        r->lcap = REC_LBUF_INIT;
        r->lbuf = slagg_malloc(r->lcap);
        if (!r->ibuf || !r->lbuf) {
            st = slagg_err_set(err, SLAGG_E_NOMEM, "%s: out of memory", path);
            goto fail;
        }
    } else {
        r->fmt = SLAGG_FORMAT_CSV;
        if (dropped) {
            /* the CSV reader counts lines from the start of the stream */
            st = slagg_err_set(err, SLAGG_E_INPUT,
                               "%s: more than %u bytes of blank lines before the header",
                               slagg_source_name(r->src), SLAGG_CSV_MAX_RECORD);
            goto fail;
        }
        slagg_source *src = r->src;
        st = slagg_csv_from_source(src, &r->csv, err);
        if (st != SLAGG_OK) {
            r->src = NULL;   /* closed by slagg_csv_from_source */
            goto fail;
        }
        st = rec_csv_header(r, err);
        if (st != SLAGG_OK) goto fail;
    }
    *out = r;
    return SLAGG_OK;
fail:
    slagg_record_reader_close(r);
    return st;
}

/* ---- CSV rows ---------------------------------------------------------------- */

/* Checks ts/account/status/cause of a CSV row (SPEC section 3). */
static int rec_csv_next(slagg_record_reader *r, slagg_record *rec, slagg_reject *rej,
                        slagg_err *err)
{
    slagg_csv_row row;
    int got = slagg_csv_next(r->csv, &row, err);
    if (got <= 0) return got;
    uint64_t line = row.line;
    r->last_line = line;
    if (row.malformed)   /* SPEC 6: says when the rest of the file went with it */
        return rec_reject(rej, line, "%s%s", row.malformed,
                          row.rest_skipped ? "; the rest of the file is skipped (no certain "
                                             "record boundary after it)"
                                           : "");
    if (row.nfields < r->need || row.nfields > r->ncols)
        return rec_reject(rej, line, "expected %zu fields, got %zu", r->ncols, row.nfields);

    const char *s = row.fields[r->col_ts];
    size_t n = row.lens[r->col_ts];
    if (r->ts_is_ms ? slagg_parse_unix_ms(s, n, &rec->ts_ms) : slagg_parse_ts(s, n, &rec->ts_ms))
        return r->ts_is_ms ? rec_reject_value(rej, line, "bad ts_ms", s, n) : rec_reject_ts(rej, line, s, n);

    s = row.fields[r->col_account];
    n = row.lens[r->col_account];
    const char *why = slagg_account_check(s, n);
    if (why) return rec_reject(rej, line, "%s", why);
    rec->account = s;
    rec->account_len = (uint32_t)n;

    s = row.fields[r->col_status];
    n = row.lens[r->col_status];
    int status = 0;
    if (n < 1 || n > 3) return rec_reject_value(rej, line, "bad status", s, n);
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return rec_reject_value(rej, line, "bad status", s, n);
        status = status * 10 + (s[i] - '0');
    }
    if (!slagg_http_status_allowed(status))
        return rec_reject(rej, line, "status %d is not 0 or 100-599", status);
    rec->status = status;

    rec->cause = SLAGG_CAUSE_NONE;
    if (r->col_cause != REC_NO_COL && r->col_cause < row.nfields) {
        s = row.fields[r->col_cause];
        n = row.lens[r->col_cause];
        if (slagg_cause_parse(s, n, &rec->cause)) return rec_reject_cause(rej, line, s, n);
    }
    return SLAGG_RECORD_OK;
}

/* ---- NDJSON lines ------------------------------------------------------------ */

/* Next physical line (without its LF) into *p / *n, its number in *lineno.
 * A line over SLAGG_CSV_MAX_RECORD bytes is skipped to its end and flagged
 * in *too_long (nothing of it is kept). Returns 1, 0 at the end, -1. */
static int rec_line(slagg_record_reader *r, char **p, size_t *n, uint64_t *lineno,
                    int *too_long, slagg_err *err)
{
    size_t ll = 0;
    int got = 0, over = 0;
    *lineno = r->line;
    if (r->limit != UINT64_MAX) {   /* a piece (records.h): at a line start */
        if (r->stop_at != UINT64_MAX) return 0;
        uint64_t at = r->base + r->got - (r->ilen - r->ipos);
        if (at >= r->limit) {
            r->stop_at = at;
            return 0;
        }
    }
    for (;;) {
        if (r->ipos == r->ilen) {
            ssize_t k = r->eof ? 0 : slagg_source_read(r->src, r->ibuf, REC_IBUF, err);
            if (k < 0) return -1;
            r->got += (uint64_t)k;
            if (k == 0) {
                r->eof = 1;
                if (!got) return 0;
                r->line++;   /* a last line without LF */
                break;
            }
            r->ipos = 0;
            r->ilen = (size_t)k;
        }
        got = 1;
        unsigned char *b = r->ibuf + r->ipos;
        unsigned char *lf = memchr(b, '\n', r->ilen - r->ipos);
        size_t chunk = lf ? (size_t)(lf - b) : r->ilen - r->ipos;
        if (lf && ll == 0 && !over) {   /* whole line in the buffer: no copy */
            r->ipos += chunk + 1;
            r->line++;
            *p = (char *)b;
            *n = chunk;
            *too_long = 0;
            return 1;
        }
        if (!over) {
            if (ll + chunk > SLAGG_CSV_MAX_RECORD) {
                over = 1;
            } else {
                if (ll + chunk > r->lcap) {
                    size_t cap = r->lcap;
                    while (cap < ll + chunk) cap *= 2;
                    if (cap > SLAGG_CSV_MAX_RECORD) cap = SLAGG_CSV_MAX_RECORD;
                    char *nb = slagg_realloc(r->lbuf, cap);
                    if (!nb) {
                        slagg_err_set(err, SLAGG_E_NOMEM, "%s: out of memory",
                                      slagg_source_name(r->src));
                        return -1;
                    }
                    r->lbuf = nb;
                    r->lcap = cap;
                }
                memcpy(r->lbuf + ll, b, chunk);
                ll += chunk;
            }
        }
        r->ipos += chunk;
        if (lf) {
            r->ipos++;
            r->line++;
            break;
        }
    }
    *p = r->lbuf;
    *n = over ? 0 : ll;
    *too_long = over;
    return 1;
}

/* Status of an NDJSON record: an integer JSON number in 0 or 100-599. */
static int rec_nd_status(const slagg_json_value *v, uint64_t line, slagg_reject *rej,
                         int32_t *status)
{
    if (v->kind != SLAGG_JSON_NUMBER) return rec_reject(rej, line, "status must be a number");
    if (!v->is_int) return rec_reject_value(rej, line, "status must be an integer, got", v->p, v->n);
    const char *s = v->p;
    size_t n = v->n, i = s[0] == '-' ? 1 : 0;
    int val = 0;
    /* more than 3 digits or a minus sign (but "-0") can never be allowed */
    if (n - i > 3 || (i == 1 && !(n == 2 && s[1] == '0'))) {
        char e[4 * REC_ECHO_MAX + 4];
        rec_echo(e, s, n);
        return rec_reject(rej, line, "status %s is not 0 or 100-599", e);
    }
    for (; i < n; i++) val = val * 10 + (s[i] - '0');
    if (!slagg_http_status_allowed(val))
        return rec_reject(rej, line, "status %d is not 0 or 100-599", val);
    *status = val;
    return 1;
}

/* One NDJSON object line (SPEC section 3). */
static int rec_nd_next(slagg_record_reader *r, slagg_record *rec, slagg_reject *rej,
                       slagg_err *err)
{
    for (;;) {
        char *p;
        size_t n;
        uint64_t line;
        int too_long;
        int got = rec_line(r, &p, &n, &line, &too_long, err);
        if (got <= 0) return got;
        r->last_line = line;
        if (too_long)
            return rec_reject(rej, line, "line longer than %u bytes", SLAGG_CSV_MAX_RECORD);
        size_t i = 0;
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r')) i++;
        if (i == n) continue;   /* a blank line */

        slagg_ndjson_record j;
        if (r->scan ? slagg_ndjson_parse_scan(p, n, r->scan, &j, rej->reason, sizeof rej->reason)
                    : slagg_ndjson_parse(p, n, &j, rej->reason, sizeof rej->reason)) {
            rej->line = line;
            return SLAGG_RECORD_REJECTED;
        }
        if (j.account.kind == SLAGG_JSON_ABSENT) return rec_reject(rej, line, "missing 'account'");
        if (j.status.kind == SLAGG_JSON_ABSENT) return rec_reject(rej, line, "missing 'status'");
        if (j.ts.kind == SLAGG_JSON_ABSENT && j.ts_ms.kind == SLAGG_JSON_ABSENT)
            return rec_reject(rej, line, "missing 'ts' (or 'ts_ms')");
        if (j.ts.kind != SLAGG_JSON_ABSENT && j.ts_ms.kind != SLAGG_JSON_ABSENT)
            return rec_reject(rej, line, "both 'ts' and 'ts_ms' (need exactly one)");

        if (j.ts.kind == SLAGG_JSON_STRING) {
            if (slagg_parse_ts(j.ts.p, j.ts.n, &rec->ts_ms)) return rec_reject_ts(rej, line, j.ts.p, j.ts.n);
        } else if (j.ts.kind == SLAGG_JSON_NUMBER) {
            if (slagg_parse_unix_seconds(j.ts.p, j.ts.n, &rec->ts_ms))
                return rec_reject_value(rej, line, "bad ts", j.ts.p, j.ts.n);
        } else if (j.ts.kind != SLAGG_JSON_ABSENT) {
            return rec_reject(rej, line, "ts must be a string or a number");
        } else if ((j.ts_ms.kind == SLAGG_JSON_NUMBER && j.ts_ms.is_int) ||
                   j.ts_ms.kind == SLAGG_JSON_STRING) {
            if (slagg_parse_unix_ms(j.ts_ms.p, j.ts_ms.n, &rec->ts_ms))
                return rec_reject_value(rej, line, "bad ts_ms", j.ts_ms.p, j.ts_ms.n);
        } else {
            return rec_reject(rej, line, "ts_ms must be an integer or a string of digits");
        }

        if (j.account.kind != SLAGG_JSON_STRING)
            return rec_reject(rej, line, "account must be a string");
        const char *why = slagg_account_check(j.account.p, j.account.n);
        if (why) return rec_reject(rej, line, "%s", why);
        rec->account = j.account.p;
        rec->account_len = (uint32_t)j.account.n;

        int st = rec_nd_status(&j.status, line, rej, &rec->status);
        if (st != 1) return st;

        rec->cause = SLAGG_CAUSE_NONE;
        if (j.cause.kind != SLAGG_JSON_ABSENT) {
            if (j.cause.kind != SLAGG_JSON_STRING)
                return rec_reject(rej, line, "cause must be a string");
            if (slagg_cause_parse(j.cause.p, j.cause.n, &rec->cause))
                return rec_reject_cause(rej, line, j.cause.p, j.cause.n);
        }
        return SLAGG_RECORD_OK;
    }
}

/* ---- the public reader ------------------------------------------------------- */

slagg_record_next slagg_record_reader_next(slagg_record_reader *r, slagg_record *rec, slagg_reject *rej,
                                           slagg_err *err)
{
    slagg_err local;
    if (!err) err = &local;
    int got = r->fmt == SLAGG_FORMAT_CSV ? rec_csv_next(r, rec, rej, err)
                                         : rec_nd_next(r, rec, rej, err);
    /* A stray far-future (or pre-1970) stamp would otherwise set the default
     * --through and open thousands of periods: such a row is rejected. */
    if (got == SLAGG_RECORD_OK && (rec->ts_ms < SLAGG_TS_MIN_MS || rec->ts_ms >= SLAGG_TS_MAX_MS)) {
        rej->line = r->last_line;
        snprintf(rej->reason, sizeof rej->reason,
                 "ts out of range (must be from 1970-01-01 to 2099-12-31 UTC)");
        return SLAGG_RECORD_REJECTED;
    }
    return (slagg_record_next)got;
}

int slagg_record_reader_layout(const slagg_record_reader *r, slagg_record_layout *out)
{
    memset(out, 0, sizeof *out);
    out->fmt = r->fmt;
    out->ncols = r->ncols;
    out->need = r->need;
    out->col_ts = r->col_ts;
    out->col_account = r->col_account;
    out->col_status = r->col_status;
    out->col_cause = r->col_cause;
    out->ts_is_ms = r->ts_is_ms;
    return !slagg_source_is_stdin(r->src);
}

void slagg_record_reader_set_limit(slagg_record_reader *r, uint64_t limit)
{
    r->limit = limit;
    if (r->csv) slagg_csv_set_range(r->csv, r->removed, limit);
}

/* Reads and drops n bytes of src (a piece's partial first line). */
static slagg_status rec_skip(slagg_source *src, uint64_t n, slagg_err *err)
{
    unsigned char buf[16384];
    while (n > 0) {
        ssize_t k = slagg_source_read(src, buf, n < sizeof buf ? (size_t)n : sizeof buf, err);
        if (k < 0) return err->code;
        if (k == 0) break;   /* the file shrank: the piece is empty */
        n -= (uint64_t)k;
    }
    return SLAGG_OK;
}

slagg_status slagg_record_reader_open_piece(const char *path, const slagg_record_layout *lay,
                                            const slagg_record_at *at, uint64_t limit,
                                            slagg_record_reader **out, slagg_err *err)
{
    *out = NULL;
    slagg_record_reader *r = slagg_calloc(1, sizeof *r);
    if (!r) return slagg_err_set(err, SLAGG_E_NOMEM, "%s: out of memory", path);
    slagg_status st = slagg_source_open_at(path, at->raw, at->zstd, &r->src, err);
    if (st == SLAGG_OK) st = rec_skip(r->src, at->skip, err);
    if (st != SLAGG_OK) {
        slagg_source_close(r->src);
        slagg_free(r);
        return st;
    }
    uint64_t start = at->base + at->skip;
    r->fmt = lay->fmt;
    r->ncols = lay->ncols;
    r->need = lay->need;
    r->col_ts = lay->col_ts;
    r->col_account = lay->col_account;
    r->col_status = lay->col_status;
    r->col_cause = lay->col_cause;
    r->ts_is_ms = lay->ts_is_ms;
    r->line = 1;
    r->base = r->removed = start;
    r->limit = limit;
    r->stop_at = UINT64_MAX;
    if (r->fmt == SLAGG_FORMAT_NDJSON) {
        r->ibuf = slagg_malloc(REC_IBUF);
        r->lcap = REC_LBUF_INIT;
        r->lbuf = slagg_malloc(r->lcap);
        if (!r->ibuf || !r->lbuf) {
            slagg_record_reader_close(r);
            return slagg_err_set(err, SLAGG_E_NOMEM, "%s: out of memory", path);
        }
    } else {
        slagg_source *src = r->src;
        r->src = NULL;
        st = slagg_csv_from_source(src, &r->csv, err);
        if (st != SLAGG_OK) {
            slagg_free(r);
            return st;
        }
        r->src = src;
        slagg_csv_set_range(r->csv, start, limit);
    }
    *out = r;
    return SLAGG_OK;
}

void slagg_record_reader_stop(const slagg_record_reader *r, uint64_t *stopped_at, uint64_t *lines)
{
    if (r->csv) {
        *stopped_at = slagg_csv_stopped_at(r->csv);
        *lines = slagg_csv_next_line(r->csv) - 1;
    } else {
        *stopped_at = r->stop_at;
        *lines = r->line - 1;
    }
}

void slagg_record_reader_set_scan(slagg_record_reader *r, slagg_json_plain_fn scan) { r->scan = scan; }

const char *slagg_record_reader_name(const slagg_record_reader *r)
{
    return slagg_source_name(r->src);
}

slagg_record_format slagg_record_reader_format(const slagg_record_reader *r) { return r->fmt; }

uint64_t slagg_record_reader_raw_bytes(const slagg_record_reader *r)
{
    return slagg_source_raw_bytes(r->src);
}

void slagg_record_reader_close(slagg_record_reader *r)
{
    if (!r) return;
    if (r->csv)
        slagg_csv_close(r->csv);   /* closes the source too */
    else
        slagg_source_close(r->src);
    slagg_free(r->ibuf);
    slagg_free(r->lbuf);
    slagg_free(r);
}

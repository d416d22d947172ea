/*
 * tables.c - loaders for contracts, fees, maintenance windows, holidays.
 * Every row is checked; the first bad one fails with file, line and reason.
 */
#include "io/tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/calendar.h"
#include "core/money.h"
#include "core/period.h"
#include "io/csv.h"
#include "io/records.h"
#include "io/timestamp.h"

#define MAX_COLS 4

/* A header-mapped CSV table: cols[i] is the field index of wanted[i], or -1. */
typedef struct table {
    slagg_csv *csv;
    const char *path;
    int cols[MAX_COLS];
    size_t ncols;
    size_t header_fields;
    int money;           /* fees: amounts, so a thousands separator is named (thousands()) */
} table;

/* Opens path and maps the wanted column names (NULL-terminated, the first
 * n_required of them must be present). */
static slagg_status table_open(table *t, const char *path, const char *const *wanted,
                               size_t n_required, slagg_err *err)
{
    slagg_csv_row row;
    memset(t, 0, sizeof *t);
    t->path = path;
    slagg_status st = slagg_csv_open(path, &t->csv, err);
    if (st != SLAGG_OK) return st;
    int r = slagg_csv_next(t->csv, &row, err);
    if (r < 0) return err->code;
    if (r == 0) return slagg_err_set(err, SLAGG_E_INPUT, "%s: empty file (no header line)", path);
    if (row.malformed)
        return slagg_err_set(err, SLAGG_E_INPUT, "%s:%llu: bad header: %s", path,
                             (unsigned long long)row.line, row.malformed);
    t->header_fields = row.nfields;
    for (t->ncols = 0; wanted[t->ncols]; t->ncols++) {
        size_t k = t->ncols;
        t->cols[k] = -1;
        for (size_t f = 0; f < row.nfields; f++) {
            if (strcmp(row.fields[f], wanted[k]) == 0) {
                if (t->cols[k] >= 0)
                    return slagg_err_set(err, SLAGG_E_INPUT, "%s:%llu: column '%s' appears twice",
                                         path, (unsigned long long)row.line, wanted[k]);
                t->cols[k] = (int)f;
            }
        }
        if (t->cols[k] < 0 && k < n_required) {
            /* issue 15: the header found and the one wanted */
            char found[256], want[96] = "";
            slagg_csv_header_text(&row, found, sizeof found);
            for (size_t w = 0, at = 0; wanted[w] && at < sizeof want; w++) {
                int n = snprintf(want + at, sizeof want - at, "%s%s%s", w ? ", " : "", w >= n_required ? "optional " : "",
                                 wanted[w]);
                if (n > 0) at += (size_t)n;
            }
            return slagg_err_set(err, SLAGG_E_INPUT,
                                 "%s:%llu: missing column '%s' in the header (found: %s; want %s)", path,
                                 (unsigned long long)row.line, wanted[k], found, want);
        }
    }
    return SLAGG_OK;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return n > 0;
}

/* A row of a money table with `extra` fields too many: when fields
 * k..k+extra read as one amount split at thousands separators
 * ("5", "500.99"), writes that amount without them into out and returns
 * 1 (issue 15: "5,500.99" is not "expected 4 fields, got 5" to a person). */
static int thousands(const slagg_csv_row *row, size_t extra, char *out, size_t cap)
{
    for (size_t k = 0; k + extra < row->nfields; k++) {
        const char *const *f = row->fields + k;
        const size_t *len = row->lens + k;
        if (len[0] > 3 || !all_digits(f[0], len[0])) continue;
        size_t i = 1;
        for (; i <= extra; i++) {
            const char *dot = memchr(f[i], '.', len[i]);
            size_t d = dot ? (size_t)(dot - f[i]) : len[i];
            if (d != 3 || !all_digits(f[i], 3)) break;
            if (dot && (i < extra || len[i] - d < 2 || len[i] - d > 3 || !all_digits(dot + 1, len[i] - d - 1))) break;
        }
        if (i <= extra) continue;
        size_t at = 0;
        for (i = 0; i <= extra && at + len[i] < cap; i++) {
            memcpy(out + at, f[i], len[i]);
            at += len[i];
        }
        out[at] = '\0';
        return 1;
    }
    return 0;
}

/* Next data row: 1 with fields mapped, 0 at the end, -1 on error. */
static int table_next(table *t, slagg_csv_row *row, const char *f[MAX_COLS],
                      size_t len[MAX_COLS], slagg_err *err)
{
    int r = slagg_csv_next(t->csv, row, err);
    if (r <= 0) return r;
    if (row->malformed) {
        slagg_err_set(err, SLAGG_E_INPUT, "%s:%llu: %s", t->path,
                      (unsigned long long)row->line, row->malformed);
        return -1;
    }
    if (row->nfields != t->header_fields) {
        char amount[64];
        if (t->money && row->nfields > t->header_fields &&
            thousands(row, row->nfields - t->header_fields, amount, sizeof amount))
            slagg_err_set(err, SLAGG_E_INPUT,
                          "%s:%llu: expected %zu fields, got %zu: amounts are written without thousands "
                          "separators: %s",
                          t->path, (unsigned long long)row->line, t->header_fields, row->nfields, amount);
        else
            slagg_err_set(err, SLAGG_E_INPUT, "%s:%llu: expected %zu fields, got %zu", t->path,
                          (unsigned long long)row->line, t->header_fields, row->nfields);
        return -1;
    }
    for (size_t k = 0; k < t->ncols; k++) {
        f[k] = t->cols[k] >= 0 ? row->fields[t->cols[k]] : "";
        len[k] = t->cols[k] >= 0 ? row->lens[t->cols[k]] : 0;
    }
    return 1;
}

static void table_close(table *t)
{
    if (t->csv) slagg_csv_close(t->csv);
    t->csv = NULL;
}

/* Grows *arr (of *n elements of size sz) by one zeroed element. */
static void *push(void **arr, size_t *n, size_t *cap, size_t sz)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        void *p = slagg_reallocarray(*arr, nc, sz);
        if (!p) return NULL;
        *arr = p;
        *cap = nc;
    }
    void *e = (char *)*arr + (*n)++ * sz;
    memset(e, 0, sz);
    return e;
}

/* Echo a field in a message: at most 40 bytes, printable ASCII only. */
static const char *shown(const char *s, size_t n, char buf[48])
{
    size_t j = 0;
    for (size_t i = 0; i < n && j < 40; i++)
        buf[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (n > 40) { buf[j++] = '.'; buf[j++] = '.'; buf[j++] = '.'; }
    buf[j] = '\0';
    return buf;
}

static slagg_status bad(slagg_err *err, const table *t, const slagg_csv_row *row,
                        const char *what, const char *s, size_t n)
{
    char b[48];
    return slagg_err_set(err, SLAGG_E_INPUT, "%s:%llu: %s '%s'", t->path,
                         (unsigned long long)row->line, what, shown(s, n, b));
}

/* bad() for an RFC 3339 field, saying what to add when only the offset
 * is missing (issue 15). */
static slagg_status bad_time(slagg_err *err, const table *t, const slagg_csv_row *row, const char *what,
                             const char *s, size_t n)
{
    char b[48];
    if (!slagg_rfc3339_lacks_offset(s, n)) return bad(err, t, row, what, s, n);
    return slagg_err_set(err, SLAGG_E_INPUT, "%s:%llu: %s '%s' (" SLAGG_TS_OFFSET_HINT ")", t->path,
                         (unsigned long long)row->line, what, shown(s, n, b));
}

/* A date field (SPEC 3: YYYY-MM-DD) into *day; dates after 2099-12-31
 * are refused with their own reason (SPEC 6), so no later sum or claim
 * year can wrap. col names the column in the message. */
static slagg_status table_date(slagg_err *err, const table *t, const slagg_csv_row *row,
                               const char *col, const char *s, size_t n, int64_t *day)
{
    char what[64], b[48];
    int r = slagg_parse_input_date(s, n, day);
    if (r == 0) return SLAGG_OK;
    if (r == -2)
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s:%llu: %s '%s' is after " SLAGG_LAST_DAY_TEXT
                             ": dates after " SLAGG_LAST_DAY_TEXT " are not supported (SPEC 6)",
                             t->path, (unsigned long long)row->line, col, shown(s, n, b));
    snprintf(what, sizeof what, "%s is not a date YYYY-MM-DD:", col);
    return bad(err, t, row, what, s, n);
}

/* A maintenance instant past 2099-12-31 UTC (the bound of record
 * instants, io/records.h) is refused like a table date (SPEC 6); an end,
 * exclusive, may be 2100-01-01T00:00Z itself. */
static slagg_status table_instant_bound(slagg_err *err, const table *t, const slagg_csv_row *row,
                                        const char *col, const char *s, size_t n, int64_t ms,
                                        int is_end)
{
    char b[48];
    if (is_end ? ms <= SLAGG_TS_MAX_MS : ms < SLAGG_TS_MAX_MS) return SLAGG_OK;
    return slagg_err_set(err, SLAGG_E_INPUT,
                         "%s:%llu: %s '%s' is after " SLAGG_LAST_DAY_TEXT
                         " UTC: dates after " SLAGG_LAST_DAY_TEXT " are not supported (SPEC 6)",
                         t->path, (unsigned long long)row->line, col, shown(s, n, b));
}

slagg_status slagg_load_contracts(slagg_tables *tb, const char *path, slagg_err *err)
{
    static const char *const cols[] = {"account", "start", "end", NULL};
    table t;
    slagg_csv_row row;
    const char *f[MAX_COLS];
    size_t len[MAX_COLS];
    size_t cap = tb->n_contracts;
    int r;
    if (!path) return SLAGG_OK;
    tb->contracts_path = path;
    slagg_status st = table_open(&t, path, cols, 3, err);
    while (st == SLAGG_OK && (r = table_next(&t, &row, f, len, err)) != 0) {
        if (r < 0) { st = err->code; break; }
        const char *why = slagg_account_check(f[0], len[0]);
        int64_t start, end = SLAGG_DAY_OPEN;
        if (why) { st = slagg_err_set(err, SLAGG_E_INPUT, "%s:%llu: account: %s", path, (unsigned long long)row.line, why); break; }
        if ((st = table_date(err, &t, &row, "start", f[1], len[1], &start)) != SLAGG_OK) break;
        if (len[2] && (st = table_date(err, &t, &row, "end", f[2], len[2], &end)) != SLAGG_OK) break;
        if (end < start) { st = bad(err, &t, &row, "end is before start:", f[2], len[2]); break; }
        slagg_contract_in *c = push((void **)&tb->contracts, &tb->n_contracts, &cap, sizeof *c);
        if (!c || !(c->account = slagg_strndup(f[0], len[0]))) { st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory"); break; }
        c->account_len = (uint32_t)len[0];
        c->start = start;
        c->end = end;
        c->line = row.line;
    }
    table_close(&t);
    return st;
}

static int fee_key_cmp(const void *a, const void *b)
{
    const slagg_fee_in *x = *(const slagg_fee_in *const *)a, *y = *(const slagg_fee_in *const *)b;
    size_t n = x->account_len < y->account_len ? x->account_len : y->account_len;
    int c = memcmp(x->account, y->account, n);
    if (c) return c;
    if (x->account_len != y->account_len) return x->account_len < y->account_len ? -1 : 1;
    if (x->period_start != y->period_start) return x->period_start < y->period_start ? -1 : 1;
    return x->line < y->line ? -1 : (x->line > y->line);
}

slagg_status slagg_load_fees(slagg_tables *tb, const char *path, slagg_err *err)
{
    static const char *const cols[] = {"account", "period_start", "fee", "voucher_paid", NULL};
    table t;
    slagg_csv_row row;
    const char *f[MAX_COLS];
    size_t len[MAX_COLS];
    size_t cap = tb->n_fees;
    int r;
    if (!path) return SLAGG_OK;
    tb->fees_path = path;
    slagg_status st = table_open(&t, path, cols, 4, err);
    t.money = 1;
    while (st == SLAGG_OK && (r = table_next(&t, &row, f, len, err)) != 0) {
        if (r < 0) { st = err->code; break; }
        const char *why = slagg_account_check(f[0], len[0]);
        int64_t day, fee, voucher;
        if (why) { st = slagg_err_set(err, SLAGG_E_INPUT, "%s:%llu: account: %s", path, (unsigned long long)row.line, why); break; }
        if ((st = table_date(err, &t, &row, "period_start", f[1], len[1], &day)) != SLAGG_OK) break;
        if (slagg_money_parse(f[2], len[2], &fee, &why)) {
            char b[48];
            st = slagg_err_set(err, SLAGG_E_INPUT, "%s:%llu: fee '%s': %s", path, (unsigned long long)row.line, shown(f[2], len[2], b), why);
            break;
        }
        if (slagg_money_parse(f[3], len[3], &voucher, &why)) {
            char b[48];
            st = slagg_err_set(err, SLAGG_E_INPUT, "%s:%llu: voucher_paid '%s': %s", path, (unsigned long long)row.line, shown(f[3], len[3], b), why);
            break;
        }
        if (voucher > fee) { st = slagg_err_set(err, SLAGG_E_INPUT, "%s:%llu: voucher_paid is larger than fee", path, (unsigned long long)row.line); break; }
        slagg_fee_in *e = push((void **)&tb->fees, &tb->n_fees, &cap, sizeof *e);
        if (!e || !(e->account = slagg_strndup(f[0], len[0]))) { st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory"); break; }
        e->account_len = (uint32_t)len[0];
        e->period_start = day;
        e->fee = fee;
        e->voucher_paid = voucher;
        e->line = row.line;
    }
    table_close(&t);
    if (st != SLAGG_OK || tb->n_fees < 2) return st;
    /* Two rows for one period would make the credit ambiguous. */
    const slagg_fee_in **idx = slagg_calloc(tb->n_fees, sizeof *idx);
    if (!idx) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (size_t i = 0; i < tb->n_fees; i++) idx[i] = &tb->fees[i];
    qsort(idx, tb->n_fees, sizeof *idx, fee_key_cmp);
    for (size_t i = 1; i < tb->n_fees; i++) {
        const slagg_fee_in *a = idx[i - 1], *b = idx[i];
        if (a->account_len == b->account_len && a->period_start == b->period_start &&
            memcmp(a->account, b->account, a->account_len) == 0) {
            char d[11];
            slagg_format_date(a->period_start, d);
            st = slagg_err_set(err, SLAGG_E_INPUT, "%s:%llu: second fee row for account '%.*s' period %s (first at line %llu)",
                               path, (unsigned long long)b->line, (int)(a->account_len > 64 ? 64 : a->account_len), a->account, d,
                               (unsigned long long)a->line);
            break;
        }
    }
    slagg_free(idx);
    return st;
}

slagg_status slagg_load_maintenance(slagg_tables *tb, const char *path, slagg_err *err)
{
    static const char *const cols[] = {"start", "end", "scope", "notice_at", NULL};
    table t;
    slagg_csv_row row;
    const char *f[MAX_COLS];
    size_t len[MAX_COLS];
    size_t cap = tb->n_maint;
    int r;
    if (!path) return SLAGG_OK;
    tb->maintenance_path = path;
    slagg_status st = table_open(&t, path, cols, 3, err);
    while (st == SLAGG_OK && (r = table_next(&t, &row, f, len, err)) != 0) {
        if (r < 0) { st = err->code; break; }
        int64_t s, e, notice = INT64_MIN;
        if (slagg_parse_rfc3339(f[0], len[0], &s)) { st = bad_time(err, &t, &row, "start is not an RFC 3339 time:", f[0], len[0]); break; }
        if (slagg_parse_rfc3339(f[1], len[1], &e)) { st = bad_time(err, &t, &row, "end is not an RFC 3339 time:", f[1], len[1]); break; }
        if ((st = table_instant_bound(err, &t, &row, "start", f[0], len[0], s, 0)) != SLAGG_OK ||
            (st = table_instant_bound(err, &t, &row, "end", f[1], len[1], e, 1)) != SLAGG_OK)
            break;
        if (e <= s) { st = bad(err, &t, &row, "end is not after start:", f[1], len[1]); break; }
        int all = len[2] == 1 && f[2][0] == '*';
        const char *why = all ? NULL : slagg_account_check(f[2], len[2]);
        if (why) { st = slagg_err_set(err, SLAGG_E_INPUT, "%s:%llu: scope: %s", path, (unsigned long long)row.line, why); break; }
        if (len[3] && slagg_parse_rfc3339(f[3], len[3], &notice)) { st = bad_time(err, &t, &row, "notice_at is not an RFC 3339 time:", f[3], len[3]); break; }
        if (len[3] && (st = table_instant_bound(err, &t, &row, "notice_at", f[3], len[3], notice, 0)) != SLAGG_OK) break;
        slagg_maint_in *m = push((void **)&tb->maint, &tb->n_maint, &cap, sizeof *m);
        if (!m) { st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory"); break; }
        m->start_ms = s;
        m->end_ms = e;
        m->all = all;
        m->late = notice > s;
        m->line = row.line;
        m->scope_len = (uint32_t)len[2];
        m->scope = slagg_strndup(f[2], len[2]);
        m->raw_start = slagg_strndup(f[0], len[0]);
        m->raw_end = slagg_strndup(f[1], len[1]);
        m->raw_notice = slagg_strndup(f[3], len[3]);
        if (!m->scope || !m->raw_start || !m->raw_end || !m->raw_notice) { st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory"); break; }
    }
    table_close(&t);
    return st;
}

static int day_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

slagg_status slagg_load_holidays(slagg_tables *tb, const char *path, slagg_err *err)
{
    static const char *const cols[] = {"date", "kind", NULL};
    table t;
    slagg_csv_row row;
    const char *f[MAX_COLS];
    size_t len[MAX_COLS];
    size_t caph = tb->n_holidays, capw = tb->n_workdays;
    int r;
    if (!path) return SLAGG_OK;
    tb->holidays_path = path;
    slagg_status st = table_open(&t, path, cols, 2, err);
    /* lines of each date, to name both lines of a duplicate */
    int64_t *lines = NULL;
    size_t nlines = 0, caplines = 0;
    while (st == SLAGG_OK && (r = table_next(&t, &row, f, len, err)) != 0) {
        if (r < 0) { st = err->code; break; }
        int64_t day, *slot;
        if ((st = table_date(err, &t, &row, "date", f[0], len[0], &day)) != SLAGG_OK) break;
        int is_hol = len[1] == 7 && memcmp(f[1], "holiday", 7) == 0;
        int is_work = len[1] == 7 && memcmp(f[1], "workday", 7) == 0;
        if (!is_hol && !is_work) { st = bad(err, &t, &row, "kind must be 'holiday' or 'workday', not", f[1], len[1]); break; }
        slot = is_hol ? push((void **)&tb->holidays, &tb->n_holidays, &caph, sizeof *slot)
                      : push((void **)&tb->workdays, &tb->n_workdays, &capw, sizeof *slot);
        int64_t *pair = push((void **)&lines, &nlines, &caplines, 2 * sizeof *pair);
        if (!slot || !pair) { st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory"); break; }
        *slot = day;
        pair[0] = day;
        pair[1] = (int64_t)row.line;
    }
    table_close(&t);
    if (st == SLAGG_OK && nlines > 1) {
        qsort(lines, nlines, 2 * sizeof *lines, day_cmp); /* by day; ties: any order */
        for (size_t i = 1; i < nlines; i++) {
            if (lines[2 * i] == lines[2 * i - 2]) {
                char d[11];
                int64_t l1 = lines[2 * i - 2 + 1], l2 = lines[2 * i + 1];
                slagg_format_date(lines[2 * i], d);
                st = slagg_err_set(err, SLAGG_E_INPUT, "%s:%lld: date %s is listed twice (also line %lld)", path,
                                   (long long)(l1 > l2 ? l1 : l2), d, (long long)(l1 > l2 ? l2 : l1));
                break;
            }
        }
    }
    slagg_free(lines);
    if (st == SLAGG_OK) {
        if (tb->n_holidays) qsort(tb->holidays, tb->n_holidays, sizeof *tb->holidays, day_cmp);
        if (tb->n_workdays) qsort(tb->workdays, tb->n_workdays, sizeof *tb->workdays, day_cmp);
    }
    return st;
}

void slagg_tables_free(slagg_tables *t)
{
    for (size_t i = 0; i < t->n_contracts; i++) slagg_free(t->contracts[i].account);
    for (size_t i = 0; i < t->n_fees; i++) slagg_free(t->fees[i].account);
    for (size_t i = 0; i < t->n_maint; i++) {
        slagg_free(t->maint[i].scope);
        slagg_free(t->maint[i].raw_start);
        slagg_free(t->maint[i].raw_end);
        slagg_free(t->maint[i].raw_notice);
    }
    slagg_free(t->contracts);
    slagg_free(t->fees);
    slagg_free(t->maint);
    slagg_free(t->holidays);
    slagg_free(t->workdays);
    for (int i = 0; i < 4; i++) slagg_free(t->owned[i]);
    memset(t, 0, sizeof *t);
}

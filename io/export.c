/*
 * export.c - finance.csv, finance.jsonl and summary.json (SPEC section 4).
 * Both finance files come from one field list, so they cannot disagree.
 */
#include "io/export.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/calendar.h"
#include "core/exact.h"
#include "core/money.h"
#include "core/warnings.h"
#include "io/generation.h"
#include "io/output.h"
#include "io/summary_file.h"
#include "io/timestamp.h"

enum kind { K_STR, K_NUM, K_BOOL };  /* how a value is written in JSON */

typedef struct field {
    const char *name;
    enum kind kind;
    char text[48];   /* the CSV text; empty = empty field / JSON null */
    const char *ptr; /* for long values (the account): used instead of text */
    size_t len;
} field;

#define N_FIELDS 18

static void set_textn(field *f, const char *name, enum kind k, const char *s, size_t n)
{
    f->name = name;
    f->kind = k;
    f->ptr = NULL;
    memcpy(f->text, s, n);
    f->text[n] = '\0';
    f->len = n;
}

static void set_text(field *f, const char *name, enum kind k, const char *s)
{
    set_textn(f, name, k, s, strlen(s));
}

static void set_u64(field *f, const char *name, uint64_t v)
{
    char t[24];
    int i = 23;
    t[23] = '\0';
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    set_textn(f, name, K_NUM, t + i, (size_t)(23 - i));
}

static void set_date(field *f, const char *name, int64_t day)
{
    char d[11];
    slagg_format_date(day, d);
    set_textn(f, name, K_STR, d, 10);   /* YYYY-MM-DD */
}

static void set_money(field *f, const char *name, int has, int64_t fen)
{
    char m[24] = "";
    if (has) slagg_money_format(fen, m);
    set_text(f, name, K_STR, m);
}

/* The 18 fields of one finance row, in header order. */
static void row_fields(const slagg_fleet *fl, const slagg_row *row, field out[N_FIELDS])
{
    const slagg_period_agg *p = row->p;
    char avail[16];
    out[0].name = "account";
    out[0].kind = K_STR;
    out[0].ptr = fl->accounts[p->account];
    out[0].len = fl->account_len[p->account];
    set_date(&out[1], "period_start", p->span.start);
    set_date(&out[2], "period_end", p->span.end);
    set_u64(&out[3], "days", (uint64_t)row->days);
    set_u64(&out[4], "windows", row->windows);
    set_u64(&out[5], "valid_requests", row->valid);
    set_u64(&out[6], "error_requests", row->errors);
    set_u64(&out[7], "excluded_requests", row->excluded);
    set_u64(&out[8], "error_windows", p->error_windows);
    slagg_format_availability(row->unavail_ppm, avail);
    set_text(&out[9], "availability_pct", K_STR, avail);
    set_u64(&out[10], "tier_pct", (uint64_t)row->tier_pct);
    set_money(&out[11], "fee", row->has_fee, row->fee);
    set_money(&out[12], "voucher_paid", row->has_fee, row->voucher_paid);
    set_money(&out[13], "credit", row->has_credit, row->credit);
    set_text(&out[14], "credit_capped", K_BOOL, row->has_credit && row->capped ? "true" : "false");
    set_text(&out[15], "state", K_STR, slagg_state_name(row->state));
    set_date(&out[16], "claim_opens", row->claim_opens);
    set_date(&out[17], "claim_deadline", row->claim_deadline);
}

static const char *fval(const field *f, size_t *n)
{
    *n = f->len;
    return f->ptr ? f->ptr : f->text;
}

/* After the first rows (from offset at, `done` of them): room for the
 * rest at their mean size and an eighth more. */
#define ROWS_SAMPLE 256
static void reserve_like(slagg_buf *b, size_t at, size_t done, size_t rows)
{
    size_t per = (b->len - at) / done + 1;
    if (per > SIZE_MAX / 2 / rows) return;   /* the appends will say so */
    slagg_buf_reserve(b, (rows - done) * per + (rows - done) * per / 8);
}

/* finance.csv rows [lo, hi) (header not included). */
static void csv_rows(const slagg_fleet *f, const slagg_report *r, size_t lo, size_t hi, slagg_buf *out)
{
    field fs[N_FIELDS];
    size_t at = out->len;
    for (size_t i = lo; i < hi; i++) {
        if (i - lo == ROWS_SAMPLE) reserve_like(out, at, i - lo, hi - lo);
        row_fields(f, &r->rows[i], fs);
        for (int k = 0; k < N_FIELDS; k++) {
            size_t n;
            const char *s = fval(&fs[k], &n);
            if (k) slagg_buf_put(out, ",", 1);
            /* the account is the row's one text field (SPEC 4 spreadsheet
             * safety); the others are dates, numbers and words slagg writes */
            if (k == 0) slagg_buf_csv_text(out, s, n);
            else slagg_buf_csv_field(out, s, n);
        }
        slagg_buf_put(out, "\n", 1);
    }
}

void slagg_format_finance_csv(const slagg_fleet *f, const slagg_report *r, slagg_buf *out)
{
    slagg_buf_puts(out, SLAGG_FINANCE_HEADER "\n");
    csv_rows(f, r, 0, r->n_rows, out);
}

/* finance.jsonl rows [lo, hi). */
static void jsonl_rows(const slagg_fleet *f, const slagg_report *r, size_t lo, size_t hi, slagg_buf *out)
{
    field fs[N_FIELDS];
    /* each key as JSON once ("name":), not escaped again on every row */
    slagg_buf keys[N_FIELDS];
    memset(keys, 0, sizeof keys);
    if (hi > lo) row_fields(f, &r->rows[lo], fs);
    for (int k = 0; hi > lo && k < N_FIELDS; k++) {
        slagg_buf_json_str(&keys[k], fs[k].name, strlen(fs[k].name));
        slagg_buf_put(&keys[k], ":", 1);
        if (slagg_buf_failed(&keys[k])) out->failed = 1;
    }
    size_t at = out->len;
    for (size_t i = lo; i < hi && !slagg_buf_failed(out); i++) {
        if (i - lo == ROWS_SAMPLE) reserve_like(out, at, i - lo, hi - lo);
        row_fields(f, &r->rows[i], fs);
        slagg_buf_put(out, "{", 1);
        for (int k = 0; k < N_FIELDS; k++) {
            size_t n;
            const char *s = fval(&fs[k], &n);
            if (k) slagg_buf_put(out, ",", 1);
            slagg_buf_put(out, keys[k].data, keys[k].len);
            if (n == 0) slagg_buf_puts(out, "null");
            else if (fs[k].kind == K_STR) slagg_buf_json_str(out, s, n);
            else slagg_buf_put(out, s, n);
        }
        slagg_buf_put(out, "}\n", 2);
    }
    for (int k = 0; k < N_FIELDS; k++) slagg_buf_free(&keys[k]);
}

void slagg_format_finance_jsonl(const slagg_fleet *f, const slagg_report *r, slagg_buf *out)
{
    jsonl_rows(f, r, 0, r->n_rows, out);
}

/* A text field of the rejects file: control characters escaped (SPEC 6),
 * then spreadsheet-safe (SPEC 4). */
static void rejects_text(slagg_buf *b, const char *s)
{
    slagg_buf e = {0};
    slagg_buf_escaped(&e, s, strlen(s));
    if (slagg_buf_failed(&e)) b->failed = 1;
    else slagg_buf_csv_text(b, e.data ? e.data : "", e.len);
    slagg_buf_free(&e);
}

void slagg_format_rejects_csv(const char *const *inputs, const slagg_rejects *rj, slagg_buf *b)
{
    slagg_buf_puts(b, "file,line,reason\n");
    for (size_t i = 0; i < rj->n; i++) {
        rejects_text(b, inputs[rj->rows[i].file]);
        slagg_buf_printf(b, ",%llu,", (unsigned long long)rj->rows[i].line);
        rejects_text(b, rj->rows[i].reason);
        slagg_buf_put(b, "\n", 1);
    }
    if (rj->total > rj->n)
        slagg_buf_printf(b, ",,\"%llu more rejected rows not listed (at most --max-rejects + %d are kept per input)\"\n",
                         (unsigned long long)(rj->total - rj->n), SLAGG_REJECTS_KEEP);
}

static void key_u64(slagg_buf *b, const char *key, uint64_t v)
{
    slagg_buf_printf(b, "  \"%s\": ", key);
    slagg_buf_u64(b, v);
    slagg_buf_puts(b, ",\n");
}

static void json_kv_str(slagg_buf *b, const char *key, const char *s, int last)
{
    slagg_buf_printf(b, "\"%s\": ", key);
    slagg_buf_json_str(b, s ? s : "", s ? strlen(s) : 0);
    if (!last) slagg_buf_puts(b, ", ");
}

/* The last two keys of summary.json (SPEC 4): "coverage" (null when the
 * compact summary it comes from predates it) and "warnings". */
static void format_coverage(const slagg_fleet *f, const slagg_report *r, const char *fees_path,
                            slagg_buf *b)
{
    slagg_warnings w;
    slagg_err err;
    char x[40], y[40];
    if (slagg_warnings_build(f, r, fees_path, &w, &err) != SLAGG_OK) {
        b->failed = 1;   /* out of memory: reported by the caller's check */
        return;
    }
    const slagg_coverage *c = &f->cov;
    if (!c->known) {
        slagg_buf_puts(b, "  \"coverage\": null,\n");
    } else {
        slagg_buf_puts(b, "  \"coverage\": {\"first_record\": ");
        for (int k = 0; k < 2; k++) {
            if (k) slagg_buf_puts(b, ", \"last_record\": ");
            if (!c->has_record) {
                slagg_buf_puts(b, "null");
                continue;
            }
            slagg_format_rfc3339(k ? c->last_ms : c->first_ms, f->tz_s, x);
            slagg_buf_printf(b, "\"%s\"", x);
        }
        slagg_buf_puts(b, ", \"gaps\": [");
        for (size_t i = 0; i < w.n_gaps; i++) {
            slagg_format_window_start(w.gaps[2 * i], f->tz_s, x);
            slagg_format_window_start(w.gaps[2 * i + 1], f->tz_s, y);
            slagg_buf_printf(b, "%s{\"start\": \"%s\", \"end\": \"%s\"}", i ? ", " : "", x, y);
        }
        slagg_buf_puts(b, "]},\n");
    }
    slagg_buf_puts(b, "  \"warnings\": [");
    for (size_t i = 0; i < w.n; i++) {
        slagg_buf_printf(b, "%s{\"kind\": \"%s\", \"detail\": ", i ? ", " : "",
                         slagg_warn_kind_name(w.v[i].kind));
        slagg_buf_json_str(b, w.v[i].detail, w.v[i].len);
        slagg_buf_puts(b, "}");
    }
    slagg_buf_puts(b, "]\n");
    slagg_warnings_free(&w);
}

void slagg_format_summary_json(const slagg_fleet *f, const slagg_report *r,
                               const char *fees_path, slagg_buf *b)
{
    const uint64_t *c = r->cls;
    char total[SLAGG_MONEY_TOTAL_CHARS], day[11], tz[8];
    slagg_buf_puts(b, "{\n");
    key_u64(b, "records_read", f->records_read);
    key_u64(b, "ok", c[SLAGG_CLASS_OK]);
    key_u64(b, "error", c[SLAGG_CLASS_ERROR]);
    key_u64(b, "lost_provider", c[SLAGG_CLASS_LOST]);
    key_u64(b, "not_received", c[SLAGG_CLASS_NOT_RECEIVED]);
    slagg_buf_printf(b,
                     "  \"excluded\": {\"maintenance\": %llu, \"attack\": %llu, \"content_ban\": "
                     "%llu, \"external\": %llu, \"client\": %llu},\n",
                     (unsigned long long)(c[SLAGG_CLASS_EXCL_MAINTENANCE] + c[SLAGG_CLASS_EXCL_MAINT_LOST]),
                     (unsigned long long)c[SLAGG_CLASS_EXCL_ATTACK],
                     (unsigned long long)c[SLAGG_CLASS_EXCL_CONTENT_BAN],
                     (unsigned long long)c[SLAGG_CLASS_EXCL_EXTERNAL],
                     (unsigned long long)c[SLAGG_CLASS_EXCL_CLIENT]);
    key_u64(b, "uncontracted", f->uncontracted);
    key_u64(b, "before_from", f->before_from);   /* SPEC 4: always present, 0 without --from */
    key_u64(b, "after_through", f->after_through);
    key_u64(b, "rejected", f->rejected);
    key_u64(b, "accounts", r->accounts);
    slagg_buf_printf(b, "  \"periods\": {\"final\": %llu, \"in_progress\": %llu, \"no_fee\": %llu},\n",
                     (unsigned long long)r->periods[SLAGG_STATE_FINAL],
                     (unsigned long long)r->periods[SLAGG_STATE_IN_PROGRESS],
                     (unsigned long long)r->periods[SLAGG_STATE_NO_FEE]);
    slagg_buf_printf(b, "  \"tiers\": {\"0\": %llu, \"10\": %llu, \"25\": %llu, \"50\": %llu},\n",
                     (unsigned long long)r->tiers[0], (unsigned long long)r->tiers[1],
                     (unsigned long long)r->tiers[2], (unsigned long long)r->tiers[3]);
    slagg_money_format_total(r->total_credit, total);
    slagg_buf_printf(b, "  \"total_credit\": \"%s\",\n", total);

    slagg_buf_puts(b, "  \"late_notice_maintenance\": [");
    for (size_t i = 0; i < f->n_late; i++) {
        const slagg_late_maint *l = &f->late[i];
        slagg_buf_puts(b, i ? ", {" : "{");
        json_kv_str(b, "file", l->file, 0);
        slagg_buf_printf(b, "\"line\": %llu, ", (unsigned long long)l->line);
        json_kv_str(b, "start", l->start, 0);
        json_kv_str(b, "end", l->end, 0);
        json_kv_str(b, "scope", l->scope, 0);
        json_kv_str(b, "notice_at", l->notice_at, 1);
        slagg_buf_puts(b, "}");
    }
    slagg_buf_puts(b, "],\n");

    slagg_buf_puts(b, "  \"unmatched_fees\": [");
    for (size_t i = 0; i < r->n_unmatched; i++) {
        const slagg_fee_in *fe = r->unmatched[i];
        slagg_buf_puts(b, i ? ", {" : "{");
        json_kv_str(b, "file", fees_path, 0);
        slagg_buf_printf(b, "\"line\": %llu, \"account\": ", (unsigned long long)fe->line);
        slagg_buf_json_str(b, fe->account, fe->account_len);
        slagg_format_date(fe->period_start, day);
        slagg_buf_printf(b, ", \"period_start\": \"%s\"}", day);
    }
    slagg_buf_puts(b, "],\n");

    slagg_format_date(f->through, day);
    slagg_format_tz(f->tz_s, tz);
    slagg_buf_printf(b, "  \"through\": \"%s\",\n  \"tz\": \"%s\",\n", day, tz);
    format_coverage(f, r, fees_path, b);
    slagg_buf_puts(b, "}\n");
}

/* The outputs formatted on every thread (the serial floor of a fold on
 * many cores: 0.27 s of one core at 100 k accounts, two thirds of it
 * finance.jsonl): both finance files in row slices, one task each, and
 * one task for summary.json and availability.slagg; each task into its
 * own buffer, the slices then joined in row order, so the bytes are
 * those of one thread. */
#define OUT_SLICES_MAX 64
#define OUT_SLICE_MIN_ROWS 4096

typedef struct out_job {
    const slagg_fleet *f;
    const slagg_tables *t;
    const slagg_report *r;
    size_t n_slices;                  /* per finance file */
    slagg_buf csv[OUT_SLICES_MAX], jsonl[OUT_SLICES_MAX];
    slagg_buf *summary, *encoded;
    slagg_status enc_st;
    slagg_err enc_err;
    atomic_size_t next;
} out_job;

static void out_task(out_job *o, size_t k)
{
    size_t n = o->r->n_rows, s = o->n_slices;
    if (k == 0) {
        slagg_format_summary_json(o->f, o->r, o->t->fees_path, o->summary);
        o->enc_st = slagg_summary_encode(o->f, o->t, o->encoded, &o->enc_err);
        return;
    }
    k--;
    int js = k < s;   /* jsonl first: its slices are the longest */
    size_t q = js ? k : k - s;
    size_t lo = n / s * q + (q < n % s ? q : n % s), hi = lo + n / s + (q < n % s);
    if (js) {
        jsonl_rows(o->f, o->r, lo, hi, &o->jsonl[q]);
        return;
    }
    if (q == 0) slagg_buf_puts(&o->csv[0], SLAGG_FINANCE_HEADER "\n");
    csv_rows(o->f, o->r, lo, hi, &o->csv[q]);
}

static void *out_worker(void *arg)
{
    out_job *o = arg;
    for (size_t k; (k = atomic_fetch_add(&o->next, 1)) < 1 + 2 * o->n_slices;) out_task(o, k);
    return NULL;
}

/* The slices joined into out (empty), freeing them: one slice is moved,
 * not copied. */
static void join_slices(slagg_buf *out, slagg_buf *sl, size_t n)
{
    if (n == 1) {
        *out = sl[0];
        memset(&sl[0], 0, sizeof sl[0]);
        return;
    }
    size_t total = out->len;
    for (size_t i = 0; i < n; i++) {
        if (slagg_buf_failed(&sl[i])) out->failed = 1;
        total += sl[i].len;
    }
    slagg_buf_reserve(out, total - out->len);
    for (size_t i = 0; i < n; i++) {
        if (sl[i].len) slagg_buf_put(out, sl[i].data, sl[i].len);
        slagg_buf_free(&sl[i]);
    }
}

slagg_status slagg_write_outputs(const char *dir, const slagg_fleet *f, const slagg_tables *t,
                                 const slagg_report *r, unsigned threads, const slagg_provenance *prov,
                                 const slagg_commit_opts *co, slagg_err *err)
{
    slagg_buf bufs[4];
    slagg_gen_file files[4];
    memset(bufs, 0, sizeof bufs);
    out_job *o = slagg_calloc(1, sizeof *o);
    if (!o) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    o->f = f;
    o->t = t;
    o->r = r;
    o->summary = &bufs[2];
    o->encoded = &bufs[3];
    size_t nt = threads ? threads : 1;
    if (nt > OUT_SLICES_MAX) nt = OUT_SLICES_MAX;
    o->n_slices = r->n_rows / OUT_SLICE_MIN_ROWS < nt ? r->n_rows / OUT_SLICE_MIN_ROWS : nt;
    if (o->n_slices == 0) o->n_slices = 1;
    atomic_init(&o->next, 0);
    pthread_t tids[OUT_SLICES_MAX];
    size_t started = 0;
    for (; started + 1 < nt && started < 2 * o->n_slices; started++)
        if (pthread_create(&tids[started], NULL, out_worker, o) != 0) break;
    out_worker(o);
    for (size_t i = 0; i < started; i++) pthread_join(tids[i], NULL);
    join_slices(&bufs[0], o->csv, o->n_slices);
    join_slices(&bufs[1], o->jsonl, o->n_slices);
    slagg_status st = o->enc_st;
    if (st != SLAGG_OK) *err = o->enc_err;
    slagg_free(o);
    for (size_t i = 0; st == SLAGG_OK && i < 4; i++) {
        if (slagg_buf_failed(&bufs[i])) st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        files[i] = (slagg_gen_file){slagg_generation_names[i], bufs[i].data ? bufs[i].data : "", bufs[i].len};
    }
    if (st == SLAGG_OK) st = slagg_mkdir_p(dir, err);
    if (st == SLAGG_OK) st = slagg_generation_commit(dir, files, 4, prov, co, err);
    for (size_t i = 0; i < 4; i++) slagg_buf_free(&bufs[i]);
    return st;
}

/*
 * summary_file.c - writer and validating reader of the compact availability
 * summary. Layout (docs/FORMAT.md):
 *   0  "SLAGGSUM"   8  u16 major, u16 minor   12 u32 flags (0)
 *   16 u64 raw payload size   24 u64 compressed size
 *   32 u64 header hash (XXH64 of bytes 0..31, seed 0)
 *   40 one zstd frame with content checksum (the payload)
 *   .. "SLAGGEND"
 * All integers little-endian.
 */
#include "io/summary_file.h"

#include "io/blob.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zstd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/alloc.h"
#include "core/calendar.h"
#include "core/money.h"
#include "core/dict.h"
#include "core/coverage.h"
#include "io/records.h"

/* zstd level 1: written once a fold, on the main thread after the fold's
 * threads are done; at 100 k accounts (23.6 MB of payload) level 9 took
 * 0.77 s of a 6.3 s fold for 2.84 MB, level 1 0.06 s for 2.96 MB
 * (bench/RESULTS.md, "the fold's serial tail"). Readers do not care. */
static const slagg_blob_kind summary_kind = {"summary", SLAGG_SUMMARY_MAGIC, SLAGG_SUMMARY_END,
                                             SLAGG_SUMMARY_MAJOR, SLAGG_SUMMARY_MINOR, 1};
/* Day numbers a date YYYY-MM-DD can give (years 0000-9999): anything else
 * in a summary is corruption, and checking it first keeps the period
 * arithmetic below from overflowing (found by tests/fuzz/summary_payload.c). */
#define DAY_MIN (-719528LL)   /* 0000-01-01 */
#define DAY_MAX 2932896LL     /* 9999-12-31 */
static int day_ok(int64_t d) { return d >= DAY_MIN && d <= DAY_MAX; }

/* Section 8 (minor 1, docs/FORMAT.md): coverage. Intervals as varints:
 * the first start relative to the reported range's first window, each
 * later start relative to the previous end (>= 1: intervals are maximal),
 * then the length (>= 1). */
static void encode_coverage(const slagg_fleet *f, slagg_buf *p)
{
    const slagg_coverage *c = &f->cov;
    int64_t lo, hi, at;
    slagg_buf_le32(p, c->known ? 1 : 0);
    if (!c->known) return;
    slagg_buf_le32(p, c->gap_min);
    slagg_buf_le32(p, c->has_record ? 1 : 0);
    slagg_buf_le64(p, (uint64_t)(c->has_record ? c->first_ms : 0));
    slagg_buf_le64(p, (uint64_t)(c->has_record ? c->last_ms : 0));
    slagg_coverage_range(f, &lo, &hi);
    slagg_buf_le64(p, c->n_iv);
    at = lo;
    for (size_t i = 0; i < c->n_iv; i++) {
        slagg_buf_varint(p, (uint64_t)(c->iv[2 * i] - at));
        slagg_buf_varint(p, (uint64_t)(c->iv[2 * i + 1] - c->iv[2 * i]));
        at = c->iv[2 * i + 1];
    }
    slagg_buf_le64(p, c->n_unc);
    for (size_t i = 0; i < c->n_unc; i++) slagg_buf_str(p, c->unc[i], c->unc_len[i]);
}

slagg_status slagg_summary_encode(const slagg_fleet *f, const slagg_tables *t, slagg_buf *out,
                                  slagg_err *err)
{
    slagg_buf p = {0};
    slagg_buf_le32(&p, (uint32_t)f->tz_s);
    slagg_buf_le64(&p, (uint64_t)f->through);
    slagg_buf_le64(&p, f->records_read);
    slagg_buf_le64(&p, f->rejected);
    slagg_buf_le64(&p, f->uncontracted);
    slagg_buf_le64(&p, f->after_through);
    slagg_buf_le32(&p, f->n_accounts);
    for (uint32_t i = 0; i < f->n_accounts; i++) slagg_buf_str(&p, f->accounts[i], f->account_len[i]);
    slagg_buf_le64(&p, f->n_periods);
    for (size_t i = 0; i < f->n_periods; i++) {
        const slagg_period_agg *a = &f->periods[i];
        slagg_buf_le32(&p, a->account);
        slagg_buf_le64(&p, (uint64_t)a->span.start);
        slagg_buf_le64(&p, (uint64_t)a->span.end);
        slagg_buf_le64(&p, (uint64_t)a->span.counted_end);
        slagg_buf_le32(&p, (uint32_t)a->span.in_progress);
        for (int k = 0; k < SLAGG_CLASS_COUNT; k++) slagg_buf_le64(&p, a->cls[k]);
        slagg_buf_le64(&p, a->win_count);
    }
    slagg_buf_le64(&p, f->n_win);
    for (size_t i = 0; i < f->n_periods; i++) {
        const slagg_period_agg *a = &f->periods[i];
        for (uint64_t w = a->win_off; w < a->win_off + a->win_count; w++) {
            slagg_buf_le32(&p, f->win[w]);
            slagg_buf_le64(&p, f->ev[w].e);
            slagg_buf_le64(&p, f->ev[w].v);
        }
    }
    slagg_buf_le64(&p, f->n_late);
    for (size_t i = 0; i < f->n_late; i++) {
        const slagg_late_maint *l = &f->late[i];
        slagg_buf_opt_str(&p, l->file);
        slagg_buf_le64(&p, l->line);
        slagg_buf_opt_str(&p, l->start);
        slagg_buf_opt_str(&p, l->end);
        slagg_buf_opt_str(&p, l->scope);
        slagg_buf_opt_str(&p, l->notice_at);
    }
    slagg_buf_opt_str(&p, t->fees_path);
    slagg_buf_le64(&p, t->n_fees);
    for (size_t i = 0; i < t->n_fees; i++) {
        const slagg_fee_in *fe = &t->fees[i];
        slagg_buf_str(&p, fe->account, fe->account_len);
        slagg_buf_le64(&p, (uint64_t)fe->period_start);
        slagg_buf_le64(&p, (uint64_t)fe->fee);
        slagg_buf_le64(&p, (uint64_t)fe->voucher_paid);
        slagg_buf_le64(&p, fe->line);
    }
    slagg_buf_opt_str(&p, t->holidays_path);
    slagg_buf_le64(&p, t->n_holidays);
    for (size_t i = 0; i < t->n_holidays; i++) slagg_buf_le64(&p, (uint64_t)t->holidays[i]);
    slagg_buf_le64(&p, t->n_workdays);
    for (size_t i = 0; i < t->n_workdays; i++) slagg_buf_le64(&p, (uint64_t)t->workdays[i]);
    encode_coverage(f, &p);
    /* section 9 (minor 2): --from and before_from (SPEC 2) */
    slagg_buf_le32(&p, f->has_from ? 1 : 0);
    slagg_buf_le64(&p, (uint64_t)(f->has_from ? f->from : 0));
    slagg_buf_le64(&p, f->before_from);
    if (slagg_buf_failed(&p)) {
        slagg_buf_free(&p);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }

    slagg_status st = slagg_blob_seal(&summary_kind, &p, out, err);
    slagg_buf_free(&p);
    return st;
}

/* ---- reading ------------------------------------------------------------- */

static slagg_status corrupt(slagg_err *err, const char *path, const char *why)
{
    return slagg_err_set(err, SLAGG_E_INPUT, "%s: not an intact slagg summary: %s", path, why);
}

/* Section 8, checked against the periods and through read before it. */
static slagg_status parse_coverage(const char *path, slagg_rd *r, slagg_fleet *f, slagg_err *err)
{
    slagg_coverage *c = &f->cov;
    uint32_t known = slagg_rd_u32(r);
    if (r->bad || known > 1) return corrupt(err, path, "bad coverage section");
    if (!known) return SLAGG_OK;
    c->gap_min = slagg_rd_u32(r);
    uint32_t has = slagg_rd_u32(r);
    c->first_ms = (int64_t)slagg_rd_u64(r);
    c->last_ms = (int64_t)slagg_rd_u64(r);
    c->has_record = has == 1;
    if (r->bad || c->gap_min < 1 || c->gap_min > SLAGG_GAP_MAX || has > 1 ||
        (has ? c->first_ms < SLAGG_TS_MIN_MS || c->last_ms >= SLAGG_TS_MAX_MS || c->first_ms > c->last_ms
             : c->first_ms != 0 || c->last_ms != 0))
        return corrupt(err, path, "bad coverage record");
    int64_t lo, hi;
    slagg_coverage_range(f, &lo, &hi);
    uint64_t n = slagg_rd_count(r, 2);
    if (r->bad || n > (uint64_t)(hi - lo)) return corrupt(err, path, "bad coverage interval count");
    c->iv = slagg_calloc(n ? n : 1, 2 * sizeof *c->iv);
    if (!c->iv) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    int64_t at = lo;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t skip = slagg_rd_varint(r), len = slagg_rd_varint(r);
        if (r->bad || (i && skip == 0) || len == 0 || skip > (uint64_t)(hi - at) ||
            len > (uint64_t)(hi - at) - skip)
            return corrupt(err, path, "bad coverage interval");
        c->iv[2 * i] = at + (int64_t)skip;
        c->iv[2 * i + 1] = at = c->iv[2 * i] + (int64_t)len;
        c->n_iv++;
    }
    uint64_t nu = slagg_rd_count(r, 5);
    if (r->bad) return corrupt(err, path, "bad uncontracted count");
    c->unc = slagg_calloc(nu ? nu : 1, sizeof *c->unc);
    c->unc_len = slagg_calloc(nu ? nu : 1, sizeof *c->unc_len);
    if (!c->unc || !c->unc_len) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (uint64_t i = 0; i < nu; i++) {
        c->unc[i] = slagg_rd_str(r, &c->unc_len[i], 0);
        if (r->bad) return corrupt(err, path, r->bad == 2 ? "out of memory" : "truncated payload");
        c->n_unc++;
        if (slagg_account_check(c->unc[i], c->unc_len[i]) ||
            (i && slagg_name_cmp(c->unc[i - 1], c->unc_len[i - 1], c->unc[i], c->unc_len[i]) >= 0))
            return corrupt(err, path, "bad uncontracted account");
    }
    c->known = 1;
    return SLAGG_OK;
}

static slagg_status parse_payload(const char *path, slagg_rd *r, slagg_fleet *f, slagg_tables *t,
                                  unsigned minor, slagg_err *err)
{
    f->tz_s = (int32_t)slagg_rd_u32(r);
    f->through = (int64_t)slagg_rd_u64(r);
    f->records_read = slagg_rd_u64(r);
    f->rejected = slagg_rd_u64(r);
    f->uncontracted = slagg_rd_u64(r);
    f->after_through = slagg_rd_u64(r);
    uint32_t na = slagg_rd_u32(r);
    if (!r->bad && !day_ok(f->through)) return corrupt(err, path, "bad through day");
    if (r->bad || na > r->left / 4) return corrupt(err, path, "bad account count");
    f->accounts = slagg_calloc(na ? na : 1, sizeof *f->accounts);
    f->account_len = slagg_calloc(na ? na : 1, sizeof *f->account_len);
    if (!f->accounts || !f->account_len) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    f->n_accounts = na;
    for (uint32_t i = 0; i < na && !r->bad; i++) {
        f->accounts[i] = slagg_rd_str(r, &f->account_len[i], 0);
        if (r->bad) break;
        if (slagg_account_check(f->accounts[i], f->account_len[i]))
            return corrupt(err, path, "bad account name");
        if (i && slagg_name_cmp(f->accounts[i - 1], f->account_len[i - 1], f->accounts[i],
                                      f->account_len[i]) >= 0)
            return corrupt(err, path, "accounts out of order");
    }
    const size_t period_size = 4 + 8 * 3 + 4 + 8 * SLAGG_CLASS_COUNT + 8;
    uint64_t np = slagg_rd_count(r, period_size);
    if (r->bad) return corrupt(err, path, "bad period count");
    f->periods = slagg_calloc(np ? np : 1, sizeof *f->periods);
    if (!f->periods) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    f->n_periods = np;
    uint64_t win_total = 0;
    for (uint64_t i = 0; i < np && !r->bad; i++) {
        slagg_period_agg *a = &f->periods[i];
        a->account = slagg_rd_u32(r);
        a->span.start = (int64_t)slagg_rd_u64(r);
        a->span.end = (int64_t)slagg_rd_u64(r);
        a->span.counted_end = (int64_t)slagg_rd_u64(r);
        a->span.in_progress = (int)slagg_rd_u32(r);
        for (int k = 0; k < SLAGG_CLASS_COUNT; k++) a->cls[k] = slagg_rd_u64(r);
        a->win_count = slagg_rd_u64(r);
        a->error_windows = a->win_count;
        a->win_off = win_total;
        if (r->bad) break;
        if (!day_ok(a->span.start) || !day_ok(a->span.end) || !day_ok(a->span.counted_end))
            return corrupt(err, path, "bad period record");
        int64_t days = a->span.counted_end - a->span.start + 1;
        if (a->account >= na || days < 1 || days > 31 || a->span.end < a->span.counted_end ||
            a->span.end - a->span.start > 30 || a->span.in_progress != (a->span.end > a->span.counted_end) ||
            a->win_count > (uint64_t)days * SLAGG_WINDOWS_PER_DAY)
            return corrupt(err, path, "bad period record");
        if (i && (f->periods[i - 1].account > a->account ||
                  (f->periods[i - 1].account == a->account && f->periods[i - 1].span.end >= a->span.start)))
            return corrupt(err, path, "periods out of order");
        win_total += a->win_count;
    }
    uint64_t nw = slagg_rd_count(r, 20);
    if (r->bad || nw != win_total) return corrupt(err, path, "bad window count");
    f->ev = slagg_calloc(nw ? nw : 1, sizeof *f->ev);
    f->win = slagg_calloc(nw ? nw : 1, sizeof *f->win);
    if (!f->ev || !f->win) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    f->n_win = nw;
    for (uint64_t i = 0, p = 0; i < nw && !r->bad; i++) {
        while (p < np && i >= f->periods[p].win_off + f->periods[p].win_count) p++;
        f->win[i] = slagg_rd_u32(r);
        f->ev[i].e = slagg_rd_u64(r);
        f->ev[i].v = slagg_rd_u64(r);
        const slagg_period_agg *a = &f->periods[p];
        uint64_t limit = (uint64_t)(a->span.counted_end - a->span.start + 1) * SLAGG_WINDOWS_PER_DAY;
        if (!r->bad && (f->ev[i].e == 0 || f->ev[i].e > f->ev[i].v || f->win[i] >= limit ||
                        (i > a->win_off && f->win[i] <= f->win[i - 1])))
            return corrupt(err, path, "bad window record");
    }
    uint64_t nl = slagg_rd_count(r, 8 + 5 * 4);
    if (r->bad) return corrupt(err, path, "bad maintenance count");
    f->late = slagg_calloc(nl ? nl : 1, sizeof *f->late);
    if (!f->late) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (uint64_t i = 0; i < nl && !r->bad; i++) {
        slagg_late_maint *l = &f->late[f->n_late++];
        l->file = slagg_rd_str(r, NULL, 1);
        l->line = slagg_rd_u64(r);
        l->start = slagg_rd_str(r, NULL, 1);
        l->end = slagg_rd_str(r, NULL, 1);
        l->scope = slagg_rd_str(r, NULL, 1);
        l->notice_at = slagg_rd_str(r, NULL, 1);
    }
    t->owned[0] = slagg_rd_str(r, NULL, 1);
    t->fees_path = t->owned[0];
    uint64_t nfee = slagg_rd_count(r, 4 + 32);
    if (r->bad) return corrupt(err, path, "bad fee count");
    t->fees = slagg_calloc(nfee ? nfee : 1, sizeof *t->fees);
    if (!t->fees) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (uint64_t i = 0; i < nfee && !r->bad; i++) {
        slagg_fee_in *fe = &t->fees[t->n_fees++];
        fe->account = slagg_rd_str(r, &fe->account_len, 0);
        fe->period_start = (int64_t)slagg_rd_u64(r);
        fe->fee = (int64_t)slagg_rd_u64(r);
        fe->voucher_paid = (int64_t)slagg_rd_u64(r);
        fe->line = slagg_rd_u64(r);
        if (!r->bad && (fe->fee < 0 || fe->fee > SLAGG_MONEY_MAX_FEN || fe->voucher_paid < 0 ||
                        fe->voucher_paid > fe->fee))
            return corrupt(err, path, "bad fee record");
    }
    t->owned[1] = slagg_rd_str(r, NULL, 1);
    t->holidays_path = t->owned[1];
    uint64_t nh = slagg_rd_count(r, 8);
    t->holidays = slagg_calloc(nh ? nh : 1, sizeof *t->holidays);
    if (!t->holidays) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (uint64_t i = 0; i < nh && !r->bad; i++) t->holidays[t->n_holidays++] = (int64_t)slagg_rd_u64(r);
    uint64_t nwd = slagg_rd_count(r, 8);
    t->workdays = slagg_calloc(nwd ? nwd : 1, sizeof *t->workdays);
    if (!t->workdays) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (uint64_t i = 0; i < nwd && !r->bad; i++) t->workdays[t->n_workdays++] = (int64_t)slagg_rd_u64(r);
    if (r->bad == 2) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    if (r->bad) return corrupt(err, path, "truncated payload");
    /* 1.0 files end here: their coverage is unknown (f->cov.known 0) */
    slagg_status st;
    f->format_minor = minor;
    if (minor >= 1 && (st = parse_coverage(path, r, f, err)) != SLAGG_OK) return st;
    /* section 9 (minor 2): --from; older files had none and counted no
     * record before_from */
    if (minor >= 2) {
        uint32_t hf = slagg_rd_u32(r);
        f->has_from = hf == 1;
        f->from = (int64_t)slagg_rd_u64(r);
        f->before_from = slagg_rd_u64(r);
        if (r->bad) return corrupt(err, path, "truncated payload");
        if (hf > 1 || (f->has_from ? !day_ok(f->from) || slagg_month_first(f->from) != f->from : f->from != 0) ||
            (!f->has_from && f->before_from) || f->before_from > f->records_read)
            return corrupt(err, path, "bad --from section");
        for (size_t i = 0; f->has_from && i < f->n_periods; i++)
            if (f->periods[i].span.start < f->from) return corrupt(err, path, "a period starts before --from");
    }
    /* a newer minor may add sections after the ones this reader knows */
    if (r->left && minor <= SLAGG_SUMMARY_MINOR) return corrupt(err, path, "bytes after the payload");
    for (size_t i = 1; i < t->n_holidays; i++)
        if (t->holidays[i] <= t->holidays[i - 1]) return corrupt(err, path, "holidays out of order");
    for (size_t i = 1; i < t->n_workdays; i++)
        if (t->workdays[i] <= t->workdays[i - 1]) return corrupt(err, path, "workdays out of order");
    return SLAGG_OK;
}

slagg_status slagg_summary_read(const char *path, slagg_fleet *f, slagg_tables *t, slagg_err *err)
{
    unsigned char *raw = NULL;
    size_t raw_n = 0;
    memset(f, 0, sizeof *f);
    memset(t, 0, sizeof *t);
    unsigned minor = 0;
    slagg_status st = slagg_blob_open_v(&summary_kind, path, &raw, &raw_n, &minor, err);
    if (st != SLAGG_OK) return st;
    slagg_rd r = {raw, raw_n, 0};
    st = parse_payload(path, &r, f, t, minor, err);
    slagg_free(raw);
    if (st != SLAGG_OK) {
        slagg_fleet_free(f);
        slagg_tables_free(t);
    }
    return st;
}

/*
 * partial.c - bucket codec (MPI's exchange), coverage codec, tables codec
 * and input fingerprints (io/partial.h; bytes in docs/DISTRIBUTED.md). The
 * partial file itself is io/partial_file.c.
 */
#include "io/partial.h"

#include "io/blob.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zstd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/alloc.h"
#include "core/calendar.h"
#include "core/dict.h"
#include "core/money.h"
#include "core/period.h"
#include "core/warnings.h"
#include "io/mem.h"
#include "io/records.h"

/* ---- bounds-checked reading --------------------------------------------- */

static int day_ok(int64_t d) { return slagg_partial_day_ok(d); }

/* ---- coverage codec ------------------------------------------------------ */

typedef struct unk_ref {
    const char *s;
    size_t n;
    int64_t day;
} unk_ref;

static int unk_ref_cmp(const void *pa, const void *pb)
{
    const unk_ref *a = pa, *b = pb;
    return slagg_name_cmp(a->s, a->n, b->s, b->n);
}

void slagg_cov_encode(const slagg_cov_acc *a, slagg_buf *out)
{
    int64_t *iv = NULL;
    size_t n = 0;
    if (a->map.bits &&
        slagg_cov_map_intervals(&a->map, SLAGG_COV_W0, SLAGG_COV_W0 + (int64_t)SLAGG_COV_NW, &iv, &n) != 0) {
        out->failed = 1;
        return;
    }
    slagg_buf_le64(out, n);
    int64_t at = SLAGG_COV_W0;
    for (size_t i = 0; i < n; i++) {
        slagg_buf_varint(out, (uint64_t)(iv[2 * i] - at));
        slagg_buf_varint(out, (uint64_t)(iv[2 * i + 1] - iv[2 * i]));
        at = iv[2 * i + 1];
    }
    slagg_free(iv);
    /* names in bytewise order, so the bytes do not depend on the threads */
    uint32_t nu = a->unk ? slagg_dict_count(a->unk) : 0;
    unk_ref *ord = slagg_calloc(nu ? nu : 1, sizeof *ord);
    if (!ord) {
        out->failed = 1;
        return;
    }
    for (uint32_t i = 0; i < nu; i++) {
        ord[i].s = slagg_dict_name(a->unk, i, &ord[i].n);
        ord[i].day = a->unk_day[i];
    }
    qsort(ord, nu, sizeof *ord, unk_ref_cmp);
    slagg_buf_le64(out, nu);
    for (uint32_t i = 0; i < nu; i++) {
        slagg_buf_str(out, ord[i].s, ord[i].n);
        slagg_buf_le64(out, (uint64_t)ord[i].day);
    }
    slagg_free(ord);
}

static slagg_status bad_cov(slagg_err *err, const char *what, const char *why)
{
    return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt coverage (%s)", what, why);
}

slagg_status slagg_cov_decode_add(const void *p, size_t len, size_t *used, slagg_cov_acc *into,
                                  const char *what, slagg_err *err)
{
    slagg_rd r = {p, len, 0};
    uint64_t n = slagg_rd_count(&r, 2);
    if (r.bad) return bad_cov(err, what, "bad interval count");
    const int64_t end = SLAGG_COV_W0 + (int64_t)SLAGG_COV_NW;
    int64_t at = SLAGG_COV_W0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t skip = slagg_rd_varint(&r), l = slagg_rd_varint(&r);
        if (r.bad || (i && skip == 0) || l == 0 || skip > (uint64_t)(end - at) || l > (uint64_t)(end - at) - skip)
            return bad_cov(err, what, "bad interval");
        int64_t a = at + (int64_t)skip;
        slagg_cov_mark_range(&into->map, a, a + (int64_t)l);
        at = a + (int64_t)l;
    }
    uint64_t nu = slagg_rd_count(&r, 4 + 1 + 8);
    if (r.bad) return bad_cov(err, what, "bad name count");
    char *prev = NULL;
    uint32_t prev_len = 0;
    slagg_status st = SLAGG_OK;
    for (uint64_t i = 0; st == SLAGG_OK && i < nu; i++) {
        uint32_t nl;
        char *s = slagg_rd_str(&r, &nl, 0);
        int64_t day = (int64_t)slagg_rd_u64(&r);
        if (r.bad == 2) st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        else if (r.bad) st = bad_cov(err, what, "truncated");
        else if (slagg_account_check(s, nl) || day < SLAGG_COV_DAY_FIRST || day > SLAGG_COV_DAY_LAST ||
                 (prev && slagg_name_cmp(prev, prev_len, s, nl) >= 0))
            st = bad_cov(err, what, "bad name");
        else if (slagg_cov_note_unknown(into, s, nl, day) != 0)
            st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        slagg_free(prev);
        prev = s;
        prev_len = nl;
    }
    slagg_free(prev);
    if (st == SLAGG_OK) *used = len - r.left;
    return st;
}

/* ---- tables codec -------------------------------------------------------- */

void slagg_tables_encode(const slagg_tables *t, slagg_buf *out)
{
    slagg_buf_opt_str(out, t->contracts_path);
    slagg_buf_le64(out, t->n_contracts);
    for (size_t i = 0; i < t->n_contracts; i++) {
        const slagg_contract_in *c = &t->contracts[i];
        slagg_buf_str(out, c->account, c->account_len);
        slagg_buf_le64(out, (uint64_t)c->start);
        slagg_buf_le64(out, (uint64_t)c->end);
        slagg_buf_le64(out, c->line);
    }
    slagg_buf_opt_str(out, t->fees_path);
    slagg_buf_le64(out, t->n_fees);
    for (size_t i = 0; i < t->n_fees; i++) {
        const slagg_fee_in *f = &t->fees[i];
        slagg_buf_str(out, f->account, f->account_len);
        slagg_buf_le64(out, (uint64_t)f->period_start);
        slagg_buf_le64(out, (uint64_t)f->fee);
        slagg_buf_le64(out, (uint64_t)f->voucher_paid);
        slagg_buf_le64(out, f->line);
    }
    slagg_buf_opt_str(out, t->maintenance_path);
    slagg_buf_le64(out, t->n_maint);
    for (size_t i = 0; i < t->n_maint; i++) {
        const slagg_maint_in *m = &t->maint[i];
        slagg_buf_le64(out, (uint64_t)m->start_ms);
        slagg_buf_le64(out, (uint64_t)m->end_ms);
        slagg_buf_str(out, m->scope, m->scope_len);
        slagg_buf_le32(out, (uint32_t)((m->all ? 1 : 0) | (m->late ? 2 : 0)));
        slagg_buf_le64(out, m->line);
        slagg_buf_opt_str(out, m->raw_start);
        slagg_buf_opt_str(out, m->raw_end);
        slagg_buf_opt_str(out, m->raw_notice);
    }
    slagg_buf_opt_str(out, t->holidays_path);
    slagg_buf_le64(out, t->n_holidays);
    for (size_t i = 0; i < t->n_holidays; i++) slagg_buf_le64(out, (uint64_t)t->holidays[i]);
    slagg_buf_le64(out, t->n_workdays);
    for (size_t i = 0; i < t->n_workdays; i++) slagg_buf_le64(out, (uint64_t)t->workdays[i]);
}

static slagg_status bad_tables(slagg_err *err, const char *what, const char *why)
{
    return slagg_err_set(err, SLAGG_E_INPUT, "%s: corrupt tables (%s)", what, why);
}

/* Reads a path into t->owned[k]; *dst points at it (NULL when absent). */
static void get_path(slagg_rd *r, slagg_tables *t, int k, const char **dst)
{
    t->owned[k] = slagg_rd_str(r, NULL, 1);
    *dst = t->owned[k];
}

static int sorted_unique(const int64_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!day_ok(d[i]) || (i && d[i] <= d[i - 1])) return 0;
    return 1;
}

static slagg_status decode_tables(slagg_rd *r, slagg_tables *t, const char *what, slagg_err *err)
{
    get_path(r, t, 0, &t->contracts_path);
    uint64_t n = slagg_rd_count(r, 4 + 24);
    if (r->bad) goto out;
    t->contracts = slagg_calloc(n ? n : 1, sizeof *t->contracts);
    if (!t->contracts) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (uint64_t i = 0; i < n && !r->bad; i++) {
        slagg_contract_in *c = &t->contracts[t->n_contracts++];
        c->account = slagg_rd_str(r, &c->account_len, 0);
        c->start = (int64_t)slagg_rd_u64(r);
        c->end = (int64_t)slagg_rd_u64(r);
        c->line = slagg_rd_u64(r);
        if (r->bad) break;
        if (slagg_account_check(c->account, c->account_len) || !day_ok(c->start) ||
            (c->end != SLAGG_DAY_OPEN && (!day_ok(c->end) || c->end < c->start)))
            return bad_tables(err, what, "bad contract row");
    }
    get_path(r, t, 1, &t->fees_path);
    n = slagg_rd_count(r, 4 + 32);
    if (r->bad) goto out;
    t->fees = slagg_calloc(n ? n : 1, sizeof *t->fees);
    if (!t->fees) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (uint64_t i = 0; i < n && !r->bad; i++) {
        slagg_fee_in *f = &t->fees[t->n_fees++];
        f->account = slagg_rd_str(r, &f->account_len, 0);
        f->period_start = (int64_t)slagg_rd_u64(r);
        f->fee = (int64_t)slagg_rd_u64(r);
        f->voucher_paid = (int64_t)slagg_rd_u64(r);
        f->line = slagg_rd_u64(r);
        if (r->bad) break;
        if (slagg_account_check(f->account, f->account_len) || !day_ok(f->period_start) ||
            f->fee < 0 || f->fee > SLAGG_MONEY_MAX_FEN || f->voucher_paid < 0 ||
            f->voucher_paid > f->fee)
            return bad_tables(err, what, "bad fee row");
    }
    get_path(r, t, 2, &t->maintenance_path);
    n = slagg_rd_count(r, 16 + 4 + 4 + 8 + 12);
    if (r->bad) goto out;
    t->maint = slagg_calloc(n ? n : 1, sizeof *t->maint);
    if (!t->maint) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (uint64_t i = 0; i < n && !r->bad; i++) {
        slagg_maint_in *m = &t->maint[t->n_maint++];
        m->start_ms = (int64_t)slagg_rd_u64(r);
        m->end_ms = (int64_t)slagg_rd_u64(r);
        m->scope = slagg_rd_str(r, &m->scope_len, 0);
        uint32_t flags = slagg_rd_u32(r);
        m->line = slagg_rd_u64(r);
        m->raw_start = slagg_rd_str(r, NULL, 0);
        m->raw_end = slagg_rd_str(r, NULL, 0);
        m->raw_notice = slagg_rd_str(r, NULL, 0);
        if (r->bad) break;
        m->all = (flags & 1) != 0;
        m->late = (flags & 2) != 0;
        int star = m->scope_len == 1 && m->scope[0] == '*';
        if (flags > 3 || m->end_ms <= m->start_ms || star != m->all ||
            (!star && slagg_account_check(m->scope, m->scope_len)))
            return bad_tables(err, what, "bad maintenance row");
    }
    get_path(r, t, 3, &t->holidays_path);
    n = slagg_rd_count(r, 8);
    if (r->bad) goto out;
    t->holidays = slagg_calloc(n ? n : 1, sizeof *t->holidays);
    if (!t->holidays) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (uint64_t i = 0; i < n && !r->bad; i++) t->holidays[t->n_holidays++] = (int64_t)slagg_rd_u64(r);
    n = slagg_rd_count(r, 8);
    if (r->bad) goto out;
    t->workdays = slagg_calloc(n ? n : 1, sizeof *t->workdays);
    if (!t->workdays) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (uint64_t i = 0; i < n && !r->bad; i++) t->workdays[t->n_workdays++] = (int64_t)slagg_rd_u64(r);
    if (!r->bad && (!sorted_unique(t->holidays, t->n_holidays) ||
                    !sorted_unique(t->workdays, t->n_workdays)))
        return bad_tables(err, what, "holidays out of order");
out:
    if (r->bad == 2) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    if (r->bad) return bad_tables(err, what, "truncated");
    return SLAGG_OK;
}

slagg_status slagg_tables_decode(const void *p, size_t len, slagg_tables *t, const char *what,
                                 slagg_err *err)
{
    slagg_rd r = {p, len, 0};
    memset(t, 0, sizeof *t);
    slagg_status st = decode_tables(&r, t, what, err);
    if (st == SLAGG_OK && r.left) st = bad_tables(err, what, "bytes after the tables");
    if (st != SLAGG_OK) slagg_tables_free(t);
    return st;
}

uint32_t slagg_tables_account_count(const slagg_tables *t)
{
    slagg_dict *d = slagg_dict_new();
    if (!d) return 0;
    for (size_t i = 0; i < t->n_contracts; i++)
        slagg_dict_intern(d, t->contracts[i].account, t->contracts[i].account_len);
    uint32_t n = slagg_dict_count(d);
    slagg_dict_free(d);
    return n;
}

uint64_t slagg_tables_hash(const slagg_tables *t, int *ok)
{
    slagg_buf b = {0};
    slagg_tables_encode(t, &b);
    *ok = !slagg_buf_failed(&b);
    uint64_t h = *ok ? (uint64_t)XXH64(b.data, b.len, 0) : 0;
    slagg_buf_free(&b);
    return h;
}

/* ---- input fingerprints -------------------------------------------------- */

slagg_status slagg_input_fingerprint(const char *path, uint64_t *size, uint64_t *fp, slagg_err *err)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    unsigned char *buf = NULL;
    slagg_status st = SLAGG_OK;
    if (!f) return slagg_err_set(err, slagg_open_status(errno), "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return slagg_err_set(err, SLAGG_E_IO, "%s: not a regular file", path);
    }
    uint64_t n = (uint64_t)sb.st_size;
    /* head, tail and size side by side, hashed in one call */
    buf = slagg_malloc(2 * SLAGG_FINGERPRINT_SPAN + 8);
    if (!buf) {
        fclose(f);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    size_t used = 0;
    uint64_t head = n < SLAGG_FINGERPRINT_SPAN ? n : SLAGG_FINGERPRINT_SPAN;
    uint64_t tail_at = n > 2 * SLAGG_FINGERPRINT_SPAN ? n - SLAGG_FINGERPRINT_SPAN : head;
    if (fread(buf, 1, (size_t)head, f) != head) st = slagg_err_set(err, SLAGG_E_IO, "%s: read error", path);
    used = (size_t)head;
    if (st == SLAGG_OK && tail_at < n) {
        size_t k = (size_t)(n - tail_at);
        if (fseeko(f, (off_t)tail_at, SEEK_SET) != 0 || fread(buf + used, 1, k, f) != k)
            st = slagg_err_set(err, SLAGG_E_IO, "%s: read error", path);
        used += k;
    }
    slagg_le64_store(buf + used, n);
    used += 8;
    *size = n;
    *fp = (uint64_t)XXH64(buf, used, 0);
    slagg_free(buf);
    fclose(f);
    return st;
}

/*
 * warnings.c - summary.json's `warnings` (core/warnings.h, SPEC section 4;
 * the detail of each kind: docs/RULES.md, "Warnings"). Formats instants
 * with core/calendar.c, the one RFC 3339 writer.
 */
#include "core/warnings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/calendar.h"
#include "core/dict.h"

static const char *const kind_names[SLAGG_WARN_KINDS] = {
    "coverage_unknown", "gap", "late_notice", "no_fee", "no_records", "uncontracted", "unmatched_fee",
};

const char *slagg_warn_kind_name(slagg_warn_kind k)
{
    return (unsigned)k < SLAGG_WARN_KINDS ? kind_names[k] : "?";
}

void slagg_warn_mask_text(uint32_t mask, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = '\0';
    if ((mask & SLAGG_WARN_ALL) == SLAGG_WARN_ALL) {
        snprintf(out, cap, "all");
        return;
    }
    for (int k = 0; k < SLAGG_WARN_KINDS; k++) {
        if (!(mask & (1u << k))) continue;
        int n = snprintf(out + at, cap - at, "%s%s", at ? "," : "", kind_names[k]);
        if (n < 0 || (size_t)n >= cap - at) break;
        at += (size_t)n;
    }
}

int slagg_warn_kind_parse(const char *s, size_t n)
{
    for (int k = 0; k < SLAGG_WARN_KINDS; k++)
        if (strlen(kind_names[k]) == n && memcmp(kind_names[k], s, n) == 0) return k;
    return -1;
}

void slagg_format_window_start(int64_t w, int32_t tz_s, char out[40])
{
    slagg_format_rfc3339(w * SLAGG_MS_PER_WINDOW - (int64_t)tz_s * 1000, tz_s, out);
    /* "....T10:05:00.000+08:00": a boundary is a whole minute, drop ".000" */
    char *dot = strchr(out, '.');
    if (dot) memmove(dot, dot + 4, strlen(dot + 4) + 1);
}

/* Appends one warning: detail = the concatenation of the parts (each a
 * pointer and a length). 0, or -1 when out of memory. */
static int add(slagg_warnings *w, slagg_warn_kind k, const char *const *parts, const size_t *lens, int np)
{
    size_t n = 0;
    for (int i = 0; i < np; i++) n += lens[i];
    if (w->n == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 16;
        slagg_warning *p = slagg_reallocarray(w->v, nc, sizeof *p);
        if (!p) return -1;
        w->v = p;
        w->cap = nc;
    }
    char *d = slagg_malloc(n + 1);
    if (!d) return -1;
    size_t at = 0;
    for (int i = 0; i < np; i++) {
        memcpy(d + at, parts[i], lens[i]);
        at += lens[i];
    }
    d[n] = '\0';
    w->v[w->n++] = (slagg_warning){k, d, n};
    w->count[k]++;
    return 0;
}

static int add_text(slagg_warnings *w, slagg_warn_kind k, const char *s)
{
    const char *p[1] = {s};
    size_t l[1] = {strlen(s)};
    return add(w, k, p, l, 1);
}

static int warn_cmp(const void *pa, const void *pb)
{
    const slagg_warning *a = pa, *b = pb;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    return slagg_name_cmp(a->detail, a->len, b->detail, b->len);
}

slagg_status slagg_warnings_build(const slagg_fleet *f, const slagg_report *r, const char *fees_path,
                                  slagg_warnings *w, slagg_err *err)
{
    char a[40], b[40], tmp[96];
    int bad = 0;
    memset(w, 0, sizeof *w);
    const slagg_coverage *c = &f->cov;
    if (!c->known) {
        bad |= add_text(w, SLAGG_WARN_COVERAGE_UNKNOWN,
                        "coverage not recorded (a summary or partial of format 1.0): "
                        "gaps, no_records and uncontracted are unknown");
    } else {
        if (slagg_coverage_gaps(f, c->gap_min, &w->gaps, &w->n_gaps) != 0) bad = 1;
        for (size_t i = 0; !bad && i < w->n_gaps; i++) {
            int64_t s = w->gaps[2 * i], e = w->gaps[2 * i + 1];
            slagg_format_window_start(s, f->tz_s, a);
            slagg_format_window_start(e, f->tz_s, b);
            snprintf(tmp, sizeof tmp, "%s .. %s (%lld min)", a, b, (long long)((e - s) * 5));
            bad |= add_text(w, SLAGG_WARN_GAP, tmp);
        }
        if (!c->has_record) bad |= add_text(w, SLAGG_WARN_NO_RECORDS, "no accepted record in the inputs");
        for (size_t i = 0; !bad && i < c->n_unc; i++) {
            const char *p[1] = {c->unc[i]};
            size_t l[1] = {c->unc_len[i]};
            bad |= add(w, SLAGG_WARN_UNCONTRACTED, p, l, 1);
        }
    }
    for (size_t i = 0; !bad && i < f->n_late; i++) {
        const slagg_late_maint *m = &f->late[i];
        char line[32];
        snprintf(line, sizeof line, ":%llu ", (unsigned long long)m->line);
        const char *p[9] = {m->file ? m->file : "maintenance", line, m->scope ? m->scope : "", " ",
                            m->start ? m->start : "", " .. ", m->end ? m->end : "", " notice ",
                            m->notice_at ? m->notice_at : ""};
        size_t l[9];
        for (int k = 0; k < 9; k++) l[k] = strlen(p[k]);
        bad |= add(w, SLAGG_WARN_LATE_NOTICE, p, l, 9);
    }
    for (size_t i = 0; !bad && i < r->n_rows; i++) {
        const slagg_row *row = &r->rows[i];
        if (row->state != SLAGG_STATE_NO_FEE) continue;
        char day[12] = " ";
        slagg_format_date(row->p->span.start, day + 1);
        const char *p[2] = {f->accounts[row->p->account], day};
        size_t l[2] = {f->account_len[row->p->account], strlen(day)};
        bad |= add(w, SLAGG_WARN_NO_FEE, p, l, 2);
    }
    for (size_t i = 0; !bad && i < r->n_unmatched; i++) {
        const slagg_fee_in *fe = r->unmatched[i];
        char line[32], day[12] = " ";
        snprintf(line, sizeof line, ":%llu ", (unsigned long long)fe->line);
        slagg_format_date(fe->period_start, day + 1);
        const char *p[4] = {fees_path ? fees_path : "fees", line, fe->account, day};
        size_t l[4] = {strlen(p[0]), strlen(line), fe->account_len, strlen(day)};
        bad |= add(w, SLAGG_WARN_UNMATCHED_FEE, p, l, 4);
    }
    if (bad) {
        slagg_warnings_free(w);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    if (w->n) qsort(w->v, w->n, sizeof *w->v, warn_cmp);   /* never qsort(NULL, 0): UB */
    return SLAGG_OK;
}

void slagg_warnings_free(slagg_warnings *w)
{
    for (size_t i = 0; i < w->n; i++) slagg_free(w->v[i].detail);
    slagg_free(w->v);
    slagg_free(w->gaps);
    memset(w, 0, sizeof *w);
}

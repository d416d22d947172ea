/*
 * text_writer.c - CSV and NDJSON request logs of a generated fleet
 * (text_writer.h).
 *
 * The month's records are spread over its 5-minute windows exactly (the
 * floor of the cumulative share of the traffic weights: traffic.h), so
 * the files hold exactly --records rows, in time order, window after
 * window. Within a window the accounts are drawn by size (plus the
 * records account-scoped events give their account), shuffled, and given
 * sorted milliseconds; the records are formatted by hand into the output
 * buffer, as a billion-record log must not cost a printf per field.
 */
#include "cli/gen/text_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/gen/rng.h"
#include "cli/gen/traffic.h"
#include "core/alloc.h"
#include "core/calendar.h"
#include "core/classify.h"

/* ---- formatting by hand (the inner loop never calls printf) ---------------- */

static inline char *put_u64(char *p, uint64_t v)
{
    char t[20];
    int k = 0;
    do {
        t[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k) *p++ = t[--k];
    return p;
}

static inline char *put_2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

static inline char *put_hex64(char *p, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        p[i] = hex[v & 15];
        v >>= 4;
    }
    return p + 16;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

typedef struct text_scratch {
    uint32_t *acct;
    uint32_t *ms;
    size_t cap;
} text_scratch;

static slagg_status scratch_grow(text_scratch *s, size_t n, slagg_err *err)
{
    if (n <= s->cap) return SLAGG_OK;
    size_t cap = s->cap ? s->cap : 256;
    while (cap < n) cap *= 2;
    uint32_t *a = slagg_reallocarray(s->acct, cap, sizeof *a);
    if (!a) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    s->acct = a;
    uint32_t *m = slagg_reallocarray(s->ms, cap, sizeof *m);
    if (!m) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    s->ms = m;
    s->cap = cap;
    return SLAGG_OK;
}

/* Writes windows [w_begin, w_end) of the month into one open records file.
 * cum_before is the cumulative traffic weight before w_begin; wtotal the
 * month's; the window's record count is the floor of its cumulative share
 * of o->records (slagg_gen_records_before), so all files together hold
 * exactly o->records. */
static slagg_status write_windows(slagg_gen_out *out, const slagg_gen_fleet *f, const slagg_gen_opts *o,
                                  slagg_gen_rng *r, const char *tz, int64_t w_begin, int64_t w_end,
                                  uint64_t *cum_before, uint64_t wtotal, text_scratch *sc,
                                  uint64_t *written, slagg_err *err)
{
    const int ndjson = o->format == SLAGG_GEN_NDJSON;
    /* the cause column: the library's names (core/classify.h) */
    const char *cause_name[SLAGG_CAUSE_COUNT];
    size_t cause_len[SLAGG_CAUSE_COUNT];
    for (int c = 0; c < SLAGG_CAUSE_COUNT; c++) {
        cause_name[c] = slagg_cause_name((slagg_cause)c);
        cause_len[c] = strlen(cause_name[c]);
    }
    const slagg_gen_event *act[SLAGG_GEN_MAX_EVENTS];
    for (int64_t w = w_begin; w < w_end; w++) {
        uint64_t c0 = *cum_before, c1 = c0 + slagg_gen_window_weight(f, w);
        *cum_before = c1;
        uint64_t n = slagg_gen_records_before(o->records, c1, wtotal) -
                     slagg_gen_records_before(o->records, c0, wtotal);
        if (n == 0) continue;
        slagg_status st = scratch_grow(sc, n, err);
        if (st != SLAGG_OK) return st;

        size_t nact = 0;
        for (size_t k = 0; k < f->n_ev; k++)
            if (w >= f->ev[k].w0 && w < f->ev[k].w1) act[nact++] = &f->ev[k];

        int64_t day = f->first + w / SLAGG_WINDOWS_PER_DAY;
        size_t k = 0;
        for (size_t e = 0; e < nact; e++)
            if (act[e]->account >= 0)
                for (unsigned j = 0; j < act[e]->force && k < n; j++)
                    sc->acct[k++] = (uint32_t)act[e]->account;
        while (k < n) sc->acct[k++] = slagg_gen_draw_account(r, f, day);
        for (size_t i = n; i > 1; i--) {
            size_t j = (size_t)slagg_gen_rng_below(r, i);
            uint32_t t = sc->acct[i - 1];
            sc->acct[i - 1] = sc->acct[j];
            sc->acct[j] = t;
        }
        for (size_t i = 0; i < n; i++) sc->ms[i] = (uint32_t)slagg_gen_rng_below(r, 300000);
        qsort(sc->ms, n, sizeof *sc->ms, cmp_u32);

        /* "YYYY-MM-DDTHH:M" is shared by the window: its minutes are
         * m0..m0+4 with m0 a multiple of 5, so the tens digit is fixed. */
        char prefix[16];
        unsigned minute = (unsigned)(w % SLAGG_WINDOWS_PER_DAY) * 5;
        slagg_format_date(day, prefix);
        prefix[10] = 'T';
        put_2(prefix + 11, minute / 60);
        prefix[13] = ':';
        prefix[14] = (char)('0' + minute % 60 / 10);
        const unsigned unit0 = minute % 10;

        for (size_t i = 0; i < n; i++) {
            st = slagg_gen_out_room(out, 512, err);
            if (st != SLAGG_OK) return st;
            uint32_t a = sc->acct[i];
            const slagg_gen_account *ac = &f->acc[a];
            slagg_gen_rec rec;
            slagg_gen_decide(r, f, act, nact, a, &rec);
            uint64_t id = slagg_gen_rng_next(r);
            char *p = out->buf + out->len;
            if (ndjson) {
                memcpy(p, "{\"ts\":\"", 7);
                p += 7;
            }
            unsigned ms = sc->ms[i];
            memcpy(p, prefix, 15);
            p += 15;
            *p++ = (char)('0' + unit0 + ms / 60000);
            *p++ = ':';
            p = put_2(p, ms / 1000 % 60);
            *p++ = '.';
            *p++ = (char)('0' + ms % 1000 / 100);
            p = put_2(p, ms % 100);
            memcpy(p, tz, 6);
            p += 6;
            if (ndjson) {
                memcpy(p, "\",\"account\":\"", 13);
                p += 13;
                memcpy(p, ac->name, ac->name_len);
                p += ac->name_len;
                memcpy(p, "\",\"status\":", 11);
                p += 11;
                p = put_u64(p, rec.status);
                if (rec.cause != C_NONE) {
                    memcpy(p, ",\"cause\":\"", 10);
                    p += 10;
                    memcpy(p, cause_name[rec.cause], cause_len[rec.cause]);
                    p += cause_len[rec.cause];
                    *p++ = '"';
                }
                memcpy(p, ",\"req\":{\"id\":\"", 14);
                p += 14;
                p = put_hex64(p, id);
                memcpy(p, "\",\"ip\":\"10.", 11);
                p += 11;
                p = put_u64(p, (id >> 8) & 255);
                *p++ = '.';
                p = put_u64(p, (id >> 16) & 255);
                *p++ = '.';
                p = put_u64(p, 1 + (id >> 24) % 254);
                memcpy(p, "\"}}\n", 4);
                p += 4;
            } else {
                *p++ = ',';
                memcpy(p, ac->name, ac->name_len);
                p += ac->name_len;
                *p++ = ',';
                p = put_u64(p, rec.status);
                *p++ = ',';
                memcpy(p, cause_name[rec.cause], cause_len[rec.cause]);
                p += cause_len[rec.cause];
                *p++ = ',';
                p = put_hex64(p, id);
                *p++ = '\n';
            }
            out->len = (size_t)(p - out->buf);
        }
        *written += n;
    }
    return SLAGG_OK;
}

/* One RNG stream (2) through the month, file after file, so the records
 * do not depend on how the month is split into files. */
slagg_status slagg_gen_write_logs(const slagg_gen_fleet *f, const slagg_gen_opts *o,
                                  const char *tz, uint64_t *records, slagg_gen_tally *acc,
                                  slagg_err *err)
{
    slagg_status st = SLAGG_OK;
    uint64_t wtotal = 0;
    for (int64_t w = 0; w < f->windows; w++) wtotal += slagg_gen_window_weight(f, w);
    slagg_gen_rng rng;
    slagg_gen_rng_seed(&rng, o->seed, 2);
    text_scratch sc = {NULL, NULL, 0};
    uint64_t cum = 0;
    const char *ext = o->format == SLAGG_GEN_NDJSON ? (o->compress ? ".ndjson.zst" : ".ndjson")
                                                     : (o->compress ? ".csv.zst" : ".csv");
    for (unsigned i = 0; i < o->files && st == SLAGG_OK; i++) {
        char name[64];
        snprintf(name, sizeof name, "records-%s%03u%s", o->file_tag ? o->file_tag : "", i, ext);
        slagg_gen_out out;
        st = slagg_gen_out_open(&out, o->out_dir, name, o->compress, err);
        if (st != SLAGG_OK) break;
        if (o->format == SLAGG_GEN_CSV) st = slagg_gen_out_puts(&out, "ts,account,status,cause,request_id\n", err);
        int64_t w0 = f->windows * (int64_t)i / o->files, w1 = f->windows * (int64_t)(i + 1) / o->files;
        if (st == SLAGG_OK)
            st = write_windows(&out, f, o, &rng, tz, w0, w1, &cum, wtotal, &sc, records, err);
        if (st != SLAGG_OK) {
            slagg_gen_out_discard(&out);
            break;
        }
        st = slagg_gen_out_commit(&out, acc, err);
    }
    slagg_free(sc.acct);
    slagg_free(sc.ms);
    return st;
}

/*
 * test_reliability.c - "counters cannot overflow" (docs/RELIABILITY.md):
 * an account-window with more than 2^32 requests must fold correctly. A
 * test cannot write 4 billion records, so each piece that carries a count
 * is tested with values above 2^32: the fold's bucket counters
 * (core/buckets.h), the exact tier arithmetic (core/exact.h), the compact
 * summary round trip (io/summary_file.h), and the shard reader's record
 * count (io/shard.h). Also the regression inputs the fuzzers found.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/alloc.h"
#include "core/buckets.h"
#include "core/classify.h"
#include "core/exact.h"
#include "core/fleet.h"
#include "io/buf.h"
#include "io/shard.h"
#include "io/summary_file.h"
#include "io/tables.h"

#define TWO32 (UINT64_C(1) << 32)

static char tmpdir[64];

static void setup(void)
{
    strcpy(tmpdir, "/tmp/slagg-rel-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(counters, .init = setup, .fini = teardown);

/* ---- core/buckets.h ------------------------------------------------------- */

Test(counters, bucket_counter_above_2_32)
{
    slagg_buckets b;
    cr_assert_eq(slagg_buckets_init(&b), 0);
    uint64_t *c = slagg_buckets_get(&b, 7, 123456);
    cr_assert_not_null(c);
    c[SLAGG_CLASS_OK] += TWO32 + 5;
    c[SLAGG_CLASS_ERROR] += TWO32 - 1;
    /* more records arrive one by one, the 2^32 boundary is crossed */
    for (int i = 0; i < 3; i++) {
        c = slagg_buckets_get(&b, 7, 123456);
        c[SLAGG_CLASS_ERROR]++;
    }
    /* other buckets in between (the table may grow and move entries) */
    for (int64_t w = 0; w < 5000; w++) cr_assert_not_null(slagg_buckets_get(&b, 1, w));
    c = slagg_buckets_get(&b, 7, 123456);
    cr_assert_eq(c[SLAGG_CLASS_OK], TWO32 + 5);
    cr_assert_eq(c[SLAGG_CLASS_ERROR], TWO32 + 2);
    cr_assert_eq(slagg_agg_valid(c), 2 * TWO32 + 7);
    cr_assert_eq(slagg_agg_error(c), TWO32 + 2);
    slagg_buckets_free(&b);
}

Test(counters, bucket_merge_above_2_32)
{
    slagg_buckets a, b;
    cr_assert_eq(slagg_buckets_init(&a), 0);
    cr_assert_eq(slagg_buckets_init(&b), 0);
    slagg_buckets_get(&a, 3, -5)[SLAGG_CLASS_LOST] = TWO32 + 5;
    slagg_buckets_get(&b, 3, -5)[SLAGG_CLASS_LOST] = TWO32 + 5;
    slagg_buckets_get(&b, 3, -5)[SLAGG_CLASS_EXCL_ATTACK] = 3 * TWO32;
    slagg_buckets_get(&b, 4, 0)[SLAGG_CLASS_OK] = UINT64_C(1) << 62;
    cr_assert_eq(slagg_buckets_merge(&a, &b), 0);
    cr_assert_eq(slagg_buckets_merge(&a, &b), 0);   /* twice: 3 x */
    size_t n = slagg_buckets_sort(&a);
    cr_assert_eq(n, 2);
    cr_assert_eq(a.slot[0].account, 3);
    cr_assert_eq(a.slot[0].window, -5);
    cr_assert_eq(a.slot[0].cls[SLAGG_CLASS_LOST], 3 * (TWO32 + 5));
    cr_assert_eq(a.slot[0].cls[SLAGG_CLASS_EXCL_ATTACK], 6 * TWO32);
    cr_assert_eq(a.slot[1].cls[SLAGG_CLASS_OK], UINT64_C(2) << 62);
    slagg_buckets_free(&a);
    slagg_buckets_free(&b);
}

/* ---- core/exact.h ---------------------------------------------------------- */

Test(counters, exact_rates_with_counts_above_2_32)
{
    uint64_t u;
    /* one window at exactly 1/2, e and v above 2^32, in a 30-day month:
     * u = ceil(10^6 * 0.5 / 8640) = ceil(57.87...) = 58 */
    slagg_ev half = {TWO32 + 1, 2 * (TWO32 + 1)};
    cr_assert_eq(slagg_unavail_ppm(&half, 1, 8640, &u), SLAGG_OK);
    cr_assert_eq(u, 58);
    /* every request of the only window failed */
    slagg_ev all = {UINT64_C(1) << 40, UINT64_C(1) << 40};
    cr_assert_eq(slagg_unavail_ppm(&all, 1, 1, &u), SLAGG_OK);
    cr_assert_eq(u, 1000000);
    /* a huge V with one error: a tiny rate, never 0 (u rounds up) */
    slagg_ev tiny = {1, UINT64_MAX};
    cr_assert_eq(slagg_unavail_ppm(&tiny, 1, 8928, &u), SLAGG_OK);
    cr_assert_eq(u, 1);
}

/* 864 windows at exactly 1/100 in a 30-day month is exactly 99.90 %
 * (tier 0); one more error in one window puts it a hair below (tier 10).
 * With e and v above 2^32 the fixed-point bounds straddle and the exact
 * fallback decides. */
Test(counters, exact_boundary_with_counts_above_2_32)
{
    static slagg_ev w[864];
    uint64_t u;
    for (size_t i = 0; i < 864; i++) {
        w[i].e = UINT64_C(3) * TWO32 + 7;
        w[i].v = 100 * w[i].e;
    }
    cr_assert_eq(slagg_unavail_ppm(w, 864, 8640, &u), SLAGG_OK);
    cr_assert_eq(u, 1000);
    cr_assert_eq(slagg_tier_pct(u), 0);
    int cmp = 2;
    cr_assert_eq(slagg_ratesum_cmp(w, 864, 864, 100, &cmp), SLAGG_OK);
    cr_assert_eq(cmp, 0);
    w[500].e += 1;
    cr_assert_eq(slagg_unavail_ppm(w, 864, 8640, &u), SLAGG_OK);
    cr_assert_eq(u, 1001);
    cr_assert_eq(slagg_tier_pct(u), 10);
    cr_assert_eq(slagg_ratesum_cmp(w, 864, 864, 100, &cmp), SLAGG_OK);
    cr_assert_eq(cmp, 1);
}

/* ---- io/summary_file.h: counts above 2^32 survive the round trip ----------- */

Test(counters, summary_round_trip_above_2_32)
{
    slagg_fleet f;
    memset(&f, 0, sizeof f);
    f.tz_s = 8 * 3600;
    f.through = 20543;   /* 2026-03-31 */
    f.records_read = 10 * TWO32 + 11;
    f.rejected = 0;
    f.uncontracted = TWO32 + 1;
    f.after_through = TWO32 + 2;
    f.n_accounts = 1;
    f.accounts = slagg_calloc(1, sizeof *f.accounts);
    f.account_len = slagg_calloc(1, sizeof *f.account_len);
    f.accounts[0] = slagg_strndup("big", 3);
    f.account_len[0] = 3;
    f.n_periods = 1;
    f.periods = slagg_calloc(1, sizeof *f.periods);
    slagg_period_agg *a = &f.periods[0];
    a->span.start = 20513;   /* 2026-03-01 */
    a->span.end = a->span.counted_end = 20543;
    for (int k = 0; k < SLAGG_CLASS_COUNT; k++) a->cls[k] = TWO32 + (uint64_t)k;
    a->win_count = a->error_windows = 1;
    f.n_win = 1;
    f.ev = slagg_calloc(1, sizeof *f.ev);
    f.win = slagg_calloc(1, sizeof *f.win);
    f.ev[0].e = 5 * TWO32 + 3;
    f.ev[0].v = 7 * TWO32 + 9;
    f.win[0] = 100;
    slagg_tables t;
    memset(&t, 0, sizeof t);
    slagg_buf buf;
    memset(&buf, 0, sizeof buf);
    slagg_err err;
    memset(&err, 0, sizeof err);
    cr_assert_eq(slagg_summary_encode(&f, &t, &buf, &err), SLAGG_OK, "%s", err.msg);
    char path[128];
    snprintf(path, sizeof path, "%s/a.slagg", tmpdir);
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(buf.data, 1, buf.len, fp), buf.len);
    fclose(fp);
    slagg_fleet g;
    slagg_tables u;
    cr_assert_eq(slagg_summary_read(path, &g, &u, &err), SLAGG_OK, "%s", err.msg);
    cr_assert_eq(g.records_read, f.records_read);
    cr_assert_eq(g.uncontracted, f.uncontracted);
    cr_assert_eq(g.after_through, f.after_through);
    cr_assert_eq(g.n_periods, 1);
    for (int k = 0; k < SLAGG_CLASS_COUNT; k++) cr_assert_eq(g.periods[0].cls[k], TWO32 + (uint64_t)k);
    cr_assert_eq(g.n_win, 1);
    cr_assert_eq(g.ev[0].e, f.ev[0].e);
    cr_assert_eq(g.ev[0].v, f.ev[0].v);
    slagg_fleet_free(&g);
    slagg_tables_free(&u);
    slagg_fleet_free(&f);
    slagg_buf_free(&buf);
}

/* ---- io/shard.h: the record count is 64-bit ------------------------------- */

static void write_shard(const char *path, size_t n)
{
    slagg_shard_writer *w;
    slagg_shard_writer_opts o = {4, 0, 0};   /* 4 records a block */
    cr_assert_eq(slagg_shard_writer_open(path, &o, &w), SLAGG_OK);
    for (size_t i = 0; i < n; i++) {
        slagg_shard_record r = {1772323200000LL + (int64_t)i, i % 2 ? "a" : "b", 1, 200,
                                SLAGG_CAUSE_NONE};
        cr_assert_eq(slagg_shard_writer_append(w, &r), SLAGG_OK);
    }
    cr_assert_eq(slagg_shard_writer_count(w), n);
    cr_assert_eq(slagg_shard_writer_close(w), SLAGG_OK);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp);
    fseek(fp, 0, SEEK_END);
    *n = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *d = malloc(*n);
    cr_assert_eq(fread(d, 1, *n, fp), *n);
    fclose(fp);
    return d;
}

static void spit(const char *path, const unsigned char *d, size_t n)
{
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(d, 1, n, fp), n);
    fclose(fp);
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* A trailer whose n_records is the true count plus 2^32 (hash fixed up so
 * only the count is wrong) must be refused: a reader that kept 32 bits of
 * it would accept the file and report the wrong total. */
Test(counters, shard_record_count_is_not_truncated_to_32_bits)
{
    char path[128];
    snprintf(path, sizeof path, "%s/s.shard", tmpdir);
    write_shard(path, 10);
    slagg_shard *s;
    slagg_err err;
    memset(&err, 0, sizeof err);
    cr_assert_eq(slagg_shard_open(path, &s, &err), SLAGG_OK, "%s", err.msg);
    cr_assert_eq(slagg_shard_records(s), 10);
    cr_assert_eq(slagg_shard_block_count(s), 3);
    slagg_shard_close(s);

    size_t n;
    unsigned char *d = slurp(path, &n);
    unsigned char *t = d + n - 64;
    cr_assert_eq(get64(t + 32), 10);
    put64(t + 32, TWO32 + 10);
    put64(t + 48, XXH64(t, 48, 0));
    spit(path, d, n);
    free(d);
    cr_assert_eq(slagg_shard_open(path, &s, &err), SLAGG_E_INPUT, "a count of 2^32 + 10 was accepted");
    cr_assert(strstr(err.msg, path) != NULL, "%s", err.msg);
}

/* ---- regressions found by the fuzzers (tests/fuzz/corpus/.../regress-*) ---- */

/* tests/fuzz/summary_payload.c: a period whose start day is near INT64_MIN
 * made the reader compute counted_end - start + 1 with signed overflow
 * (UBSan: io/summary_file.c "bad period record" check). Now every day
 * number is range-checked first and the file is refused as corrupt. */
Test(counters, summary_with_absurd_period_days_is_corrupt_not_ub)
{
    static const int64_t bad_days[][3] = {
        {INT64_MIN + 20513, 20543, 20543},      /* start: the fuzzer's case */
        {20513, INT64_MAX, 20543},              /* end */
        {20513, 20543, INT64_MIN},              /* counted_end */
        {-9223372036854755295LL, 3355443200LL, 3355443200LL},
    };
    for (size_t c = 0; c < sizeof bad_days / sizeof bad_days[0]; c++) {
        slagg_fleet f;
        memset(&f, 0, sizeof f);
        f.through = 20543;
        f.n_accounts = 1;
        f.accounts = slagg_calloc(1, sizeof *f.accounts);
        f.account_len = slagg_calloc(1, sizeof *f.account_len);
        f.accounts[0] = slagg_strndup("a", 1);
        f.account_len[0] = 1;
        f.n_periods = 1;
        f.periods = slagg_calloc(1, sizeof *f.periods);
        f.periods[0].span.start = bad_days[c][0];
        f.periods[0].span.end = bad_days[c][1];
        f.periods[0].span.counted_end = bad_days[c][2];
        slagg_tables t;
        memset(&t, 0, sizeof t);
        slagg_buf buf;
        memset(&buf, 0, sizeof buf);
        slagg_err err;
        memset(&err, 0, sizeof err);
        cr_assert_eq(slagg_summary_encode(&f, &t, &buf, &err), SLAGG_OK, "%s", err.msg);
        char path[128];
        snprintf(path, sizeof path, "%s/bad.slagg", tmpdir);
        spit(path, (const unsigned char *)buf.data, buf.len);
        slagg_fleet g;
        slagg_tables u;
        cr_assert_eq(slagg_summary_read(path, &g, &u, &err), SLAGG_E_INPUT, "case %zu", c);
        cr_assert(strstr(err.msg, "bad period record") != NULL, "case %zu: %s", c, err.msg);
        slagg_fleet_free(&f);
        slagg_buf_free(&buf);
    }
}

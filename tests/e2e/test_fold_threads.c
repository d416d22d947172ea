/*
 * test_fold_threads.c - "Results are identical (byte for byte) whatever
 * the thread count, shard order or number of processes" (SPEC 2), checked
 * on a generated fleet of 160,000 records; plus an independent count of
 * what the export must say, computed here while generating the records.
 *
 * Fleet: 8 contracted accounts and one uncontracted ("nobody"), March and
 * April 2026 (+ a few records on May 1-2, after --through 2026-04-30),
 * traffic only in the first 4 hours of each day so windows hold ~6
 * requests and many have mixed rates.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#define NREC 160000
#define NDAYS 63   /* 2026-03-01 .. 2026-05-02 */
#define NWIN 48    /* windows used per day: 00:00 .. 03:55 */
#define NACCT 9
/* 2026-03-01T00:00:00+08:00: 2026-03-01 is day 20454 + 59 = 20513 since
 * the epoch; 20513 * 86400 - 8 * 3600. */
#define MAR1_LOCAL 1772294400LL

static const char *accts[NACCT] = {"acct-00", "acct-01", "acct-02", "acct-03",
                                   "acct-04", "acct-05", "Zed",
                                   "\xc3\xa9mile", "nobody"};

/* Contract rows as day indexes (0 = 03-01, 31 = 04-01, 60 = 04-30) and
 * the periods they give up to --through 2026-04-30. */
typedef struct period {
    int acct;
    int first, last; /* day indexes, inclusive */
    const char *csv_prefix; /* account,period_start,period_end,days,windows */
} period;

static const period periods[] = {
    {6, 0, 30, "Zed,2026-03-01,2026-03-31,31,8928"},
    {6, 35, 60, "Zed,2026-04-05,2026-04-30,26,7488"},
    {0, 0, 30, "acct-00,2026-03-01,2026-03-31,31,8928"},
    {0, 31, 60, "acct-00,2026-04-01,2026-04-30,30,8640"},
    {1, 0, 30, "acct-01,2026-03-01,2026-03-31,31,8928"},
    {1, 31, 60, "acct-01,2026-04-01,2026-04-30,30,8640"},
    {2, 0, 30, "acct-02,2026-03-01,2026-03-31,31,8928"},
    {2, 31, 60, "acct-02,2026-04-01,2026-04-30,30,8640"},
    {3, 9, 30, "acct-03,2026-03-10,2026-03-31,22,6336"},
    {3, 31, 60, "acct-03,2026-04-01,2026-04-30,30,8640"},
    {4, 0, 30, "acct-04,2026-03-01,2026-03-31,31,8928"},
    {4, 31, 60, "acct-04,2026-04-01,2026-04-30,30,8640"},
    {5, 14, 30, "acct-05,2026-03-15,2026-03-31,17,4896"},
    {5, 31, 50, "acct-05,2026-04-01,2026-04-20,20,5760"},
    {7, 0, 30, "\xc3\xa9mile,2026-03-01,2026-03-31,31,8928"},
    {7, 31, 60, "\xc3\xa9mile,2026-04-01,2026-04-30,30,8640"},
};
#define NPER (sizeof periods / sizeof periods[0])

#define CONTRACTS "account,start,end\n"                                      \
    "acct-00,2026-03-01,2026-04-30\nacct-01,2026-03-01,2026-04-30\n"          \
    "acct-02,2026-03-01,2026-04-30\nacct-03,2026-03-10,\n"                    \
    "acct-04,2026-03-01,2026-04-30\nacct-05,2026-03-15,2026-04-20\n"          \
    "Zed,2026-03-01,2026-03-31\nZed,2026-04-05,2026-04-30\n"                  \
    "\xc3\xa9mile,2026-03-01,2026-04-30\n"

typedef struct fleet {
    h_buf all;      /* one CSV with every record */
    h_buf part[3];  /* CSV, NDJSON, CSV (to be zstd-compressed) */
    /* per account, day, window: V and E */
    unsigned short v[NACCT][NDAYS][NWIN], e[NACCT][NDAYS][NWIN];
    long excl[NACCT][NDAYS];
    long ok, error, lost, not_received, attack, external, uncontracted, after;
} fleet;

static int period_of(int acct, int day)
{
    for (size_t i = 0; i < NPER; i++)
        if (periods[i].acct == acct && day >= periods[i].first && day <= periods[i].last)
            return (int)i;
    return -1;
}

static uint64_t rng_state = 88172645463325252ULL;
static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

static void fmt_ts(char *out, size_t n, long long epoch, int ms, int form)
{
    struct tm tm;
    time_t t = (time_t)epoch;
    if (form == 0) {
        t += 8 * 3600;
        gmtime_r(&t, &tm);
        snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+08:00",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, ms);
    } else if (form == 1) {
        gmtime_r(&t, &tm);
        snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    } else {
        snprintf(out, n, "%lld.%03d", epoch, ms);
    }
}

static fleet *make_fleet(void)
{
    fleet *f = calloc(1, sizeof *f);
    cr_assert_not_null(f);
    rng_state = 88172645463325252ULL;
    h_buf_printf(&f->all, "ts,account,status,cause,request_id\n");
    h_buf_printf(&f->part[0], "ts,account,status,cause\n");
    h_buf_printf(&f->part[2], "request_id,cause,account,ts,status\n");
    for (int i = 0; i < NREC; i++) {
        int a = (int)(rnd() % NACCT);
        int day = (int)(rnd() % (NDAYS * 16));
        day = day < NDAYS * 16 - 40 ? day % 61 : 61 + day % 2; /* few in May */
        int w = (int)(rnd() % NWIN);
        int sec = (int)(rnd() % 300);
        int ms = (int)(rnd() % 1000);
        int k = (int)(rnd() % 100);
        int status;
        const char *cause = "";
        if (k < 85) status = 200;
        else if (k < 90) status = 404;
        else if (k < 95) status = 500;
        else if (k < 96) { status = 503; cause = "provider"; }
        else if (k < 97) { status = 0; cause = "provider"; }
        else if (k < 98) status = 0;
        else if (k < 99) { status = 502; cause = "attack"; }
        else { status = 504; cause = "external"; }

        long long epoch = MAR1_LOCAL + (long long)day * 86400 + w * 300 + sec;
        char ts[64];
        fmt_ts(ts, sizeof ts, epoch, ms, i % 3);
        h_buf_printf(&f->all, "%s,%s,%d,%s,req-%d\n", ts, accts[a], status, cause, i);
        if (i % 3 == 0)
            h_buf_printf(&f->part[0], "%s,%s,%d,%s\n", ts, accts[a], status, cause);
        else if (i % 3 == 1) {
            char ts8[64];
            fmt_ts(ts8, sizeof ts8, epoch, ms, 0);
            h_buf_printf(&f->part[1],
                         "{\"ts\":\"%s\",\"account\":\"%s\",\"status\":%d%s%s%s,\"n\":%d}\n",
                         ts8, accts[a], status, *cause ? ",\"cause\":\"" : "",
                         cause, *cause ? "\"" : "", i);
        } else
            h_buf_printf(&f->part[2], "req-%d,%s,%s,%s,%d\n", i, cause, accts[a], ts, status);

        /* the expected classification (SPEC 2 order) */
        if (day > 60) { f->after++; continue; }
        if (period_of(a, day) < 0) { f->uncontracted++; continue; }
        if (status == 0 && !*cause) { f->not_received++; continue; }
        f->v[a][day][w]++;
        if (status >= 500 && !strcmp(cause, "attack")) { f->attack++; f->excl[a][day]++; }
        else if (status >= 500 && !strcmp(cause, "external")) { f->external++; f->excl[a][day]++; }
        else if (status == 0) { f->lost++; f->e[a][day][w]++; }
        else if (status >= 500) { f->error++; f->e[a][day][w]++; }
        else f->ok++;
    }
    return f;
}

static void free_fleet(fleet *f)
{
    h_buf_free(&f->all);
    for (int i = 0; i < 3; i++)
        h_buf_free(&f->part[i]);
    free(f);
}

static void write_parts(const char *d, fleet *f)
{
    h_write(d, "p0.csv", f->part[0].data);
    h_write(d, "p1.ndjson", f->part[1].data);
    size_t cap = ZSTD_compressBound(f->part[2].len);
    char *z = malloc(cap);
    size_t zn = ZSTD_compress(z, cap, f->part[2].data, f->part[2].len, 1);
    cr_assert(!ZSTD_isError(zn));
    h_write_bytes(d, "p2.zst", z, zn);
    free(z);
}

/* Checks out/finance.csv against the counts taken while generating:
 * valid, error, excluded, error windows exactly; availability and tier
 * from a long double sum of rates unless it lies within 1e-9 of a cut. */
static void check_oracle(const char *d, const char *out, fleet *f)
{
    char *path = h_fmt("%s/finance.csv", out);
    char *csv = h_read_in(d, path, NULL);
    char *line = strchr(csv, '\n');
    cr_assert_not_null(line);
    line++;
    for (size_t i = 0; i < NPER; i++) {
        const period *p = &periods[i];
        long valid = 0, err = 0, excl = 0, ew = 0;
        long double s = 0;
        for (int day = p->first; day <= p->last; day++) {
            excl += f->excl[p->acct][day];
            for (int w = 0; w < NWIN; w++) {
                valid += f->v[p->acct][day][w];
                err += f->e[p->acct][day][w];
                if (f->e[p->acct][day][w]) {
                    ew++;
                    s += (long double)f->e[p->acct][day][w] / f->v[p->acct][day][w];
                }
            }
        }
        long n = 288L * (p->last - p->first + 1);
        char *want = h_fmt("%s,%ld,%ld,%ld,%ld,", p->csv_prefix, valid, err, excl, ew);
        cr_assert(strncmp(line, want, strlen(want)) == 0,
                  "finance row %zu: expected to start with\n%s\ngot\n%.*s", i, want,
                  (int)(strchr(line, '\n') - line), line);
        const char *avail = line + strlen(want);
        long double pct = 100.0L - 100.0L * s / n;
        long double x = pct * 10000.0L;
        if (fabsl(x - roundl(x)) > 1e-6L) {
            long t = (long)floorl(x);
            char *a = h_fmt("%ld.%04ld,", t / 10000, t % 10000);
            cr_assert(strncmp(avail, a, strlen(a)) == 0, "row %zu availability: want %s in\n%.*s",
                      i, a, (int)(strchr(line, '\n') - line), line);
            free(a);
        }
        const char *tierp = strchr(avail, ',') + 1;
        int tier = s <= 0.001L * n ? 0 : s <= 0.01L * n ? 10 : s <= 0.05L * n ? 25 : 50;
        long double cuts[] = {0.001L * n, 0.01L * n, 0.05L * n};
        bool near = false;
        for (int c = 0; c < 3; c++)
            near = near || fabsl(s - cuts[c]) < 1e-9L;
        if (!near)
            cr_assert_eq(atoi(tierp), tier, "row %zu tier: want %d in\n%.*s", i, tier,
                         (int)(strchr(line, '\n') - line), line);
        free(want);
        line = strchr(line, '\n');
        cr_assert_not_null(line);
        line++;
    }
    cr_assert_str_eq(line, "", "extra finance rows:\n%s", line);
    char *sum_path = h_fmt("%s/summary.json", out);
    char *sum = h_read_in(d, sum_path, NULL);
    cr_assert_eq(h_json_int(sum, "records_read"), NREC);
    cr_assert_eq(h_json_int(sum, "ok"), f->ok);
    cr_assert_eq(h_json_int(sum, "error"), f->error);
    cr_assert_eq(h_json_int(sum, "lost_provider"), f->lost);
    cr_assert_eq(h_json_int(sum, "not_received"), f->not_received);
    cr_assert_eq(h_json_int(sum, "attack"), f->attack);
    cr_assert_eq(h_json_int(sum, "external"), f->external);
    cr_assert_eq(h_json_int(sum, "uncontracted"), f->uncontracted);
    cr_assert_eq(h_json_int(sum, "after_through"), f->after);
    cr_assert_eq(h_json_int(sum, "accounts"), 8);
    free(sum);
    free(sum_path);
    free(csv);
    free(path);
}

static void assert_same_outputs(const char *d, const char *a, const char *b,
                                bool with_binary)
{
    static const char *names[] = {"finance.csv", "finance.jsonl", "summary.json",
                                  "availability.slagg"};
    for (size_t i = 0; i < (with_binary ? 4u : 3u); i++) {
        char *pa = h_fmt("%s/%s/%s", d, a, names[i]);
        char *pb = h_fmt("%s/%s/%s", d, b, names[i]);
        cr_assert(h_same_file(pa, pb), "%s/%s and %s/%s differ", a, names[i], b, names[i]);
        free(pa);
        free(pb);
    }
}

Test(fold_threads, same_bytes_whatever_the_thread_count, .timeout = 600)
{
    char *d = h_tmpdir();
    fleet *f = make_fleet();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "all.csv", f->all.data);
    static const char *const runs[][16] = {
        {"fold", "--out", "t1", "--contracts", "c.csv", "--through", "2026-04-30",
         "--threads", "1", "all.csv", NULL},
        {"fold", "--out", "tdef", "--contracts", "c.csv", "--through", "2026-04-30",
         "all.csv", NULL},
        {"fold", "--out", "t2", "--contracts", "c.csv", "--through", "2026-04-30",
         "--threads", "2", "all.csv", NULL},
        {"fold", "--out", "t7", "--contracts", "c.csv", "--through", "2026-04-30",
         "--threads", "7", "all.csv", NULL},
    };
    for (size_t i = 0; i < 4; i++) {
        h_result r = h_run(d, NULL, 0, runs[i]);
        h_assert_code(r, 0);
        h_result_free(&r);
    }
    check_oracle(d, "t1", f);
    assert_same_outputs(d, "t1", "tdef", true);
    assert_same_outputs(d, "t1", "t2", true);
    assert_same_outputs(d, "t1", "t7", true);
    free_fleet(f);
    h_rmtree(d);
}

/* The same records split over three inputs of three kinds (CSV with
 * other columns, NDJSON, zstd CSV with columns in another order), given
 * in two different orders: the text outputs match the one-file run. */
Test(fold_threads, same_bytes_whatever_the_input_split_and_order, .timeout = 600)
{
    char *d = h_tmpdir();
    fleet *f = make_fleet();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "all.csv", f->all.data);
    write_parts(d, f);
    static const char *const runs[][16] = {
        {"fold", "--out", "one", "--contracts", "c.csv", "--through", "2026-04-30",
         "all.csv", NULL},
        {"fold", "--out", "split1", "--contracts", "c.csv", "--through", "2026-04-30",
         "p2.zst", "p0.csv", "p1.ndjson", NULL},
        {"fold", "--out", "split2", "--contracts", "c.csv", "--through", "2026-04-30",
         "--threads", "1", "p1.ndjson", "p2.zst", "p0.csv", NULL},
    };
    for (size_t i = 0; i < 3; i++) {
        h_result r = h_run(d, NULL, 0, runs[i]);
        h_assert_code(r, 0);
        h_result_free(&r);
    }
    check_oracle(d, "one", f);
    assert_same_outputs(d, "one", "split1", false);
    assert_same_outputs(d, "one", "split2", false);
    free_fleet(f);
    h_rmtree(d);
}

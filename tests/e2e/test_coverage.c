/*
 * test_coverage.c - summary.json's `coverage` and `warnings`, `--gap` and
 * `--strict` (SPEC 4, 5; issue 11 item 9): a fold never succeeds silently
 * on missing data.
 *
 * The day fleet (most tests): contract a,2026-03-02,2026-03-02, --through
 * 2026-03-02, tz +08:00. Account a has one record in every 5-minute window
 * k of the day (at 00:05k + 1 min) except these empty runs:
 *   [10:00, 11:00)  windows 120..131, 12 windows
 *   [14:00, 14:55)  windows 168..178, 11 windows
 *   [16:00, 16:10)  windows 192, 193,  2 windows
 *   [18:00, 18:10)  windows 216, 217,  2 windows, but `ghost` (no
 *                   contract: uncontracted, still an accepted record) has
 *                   one at 18:07, so only [18:00, 18:05) stays empty.
 * Boundaries: window 0's record is at 00:00:00.250 (first_record), 119's
 * at 09:59:59.999 (still the 09:55 window), 132's at 11:00:00.000 (the
 * 11:00 window); window 144's is a status-0 `client` record (not_received:
 * accepted, so it covers its window). One more record of a on 03-03 09:00
 * is after_through: accepted, so it is last_record; and rej.csv holds one
 * rejected row at 10:30 (status 999), which covers nothing.
 * a: 288 - 12 - 11 - 2 - 2 = 261 records in the day: 260 ok, 1
 * not_received. records_read = 261 + ghost + after_through + rejected = 264.
 * Gaps need ceil(gap / 5) windows: --gap 60 -> 12: [10:00, 11:00) only
 * (11 is not enough); --gap 55 -> 11: + [14:00, 14:55); --gap 7 -> 2:
 * + [16:00, 16:10); --gap 5 -> 1: + [18:00, 18:05); --gap 61 -> 13: none.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

static const char *const outs[] = {"finance.csv", "finance.jsonl", "summary.json", "availability.slagg"};

#define DAY_CONTRACTS "account,start,end\na,2026-03-02,2026-03-02\n"
#define GAP_10 "{\"start\": \"2026-03-02T10:00:00+08:00\", \"end\": \"2026-03-02T11:00:00+08:00\"}"
#define GAP_14 "{\"start\": \"2026-03-02T14:00:00+08:00\", \"end\": \"2026-03-02T14:55:00+08:00\"}"
#define GAP_16 "{\"start\": \"2026-03-02T16:00:00+08:00\", \"end\": \"2026-03-02T16:10:00+08:00\"}"
#define GAP_18 "{\"start\": \"2026-03-02T18:00:00+08:00\", \"end\": \"2026-03-02T18:05:00+08:00\"}"
#define W_GAP_10 "{\"kind\": \"gap\", \"detail\": \"2026-03-02T10:00:00+08:00 .. 2026-03-02T11:00:00+08:00 (60 min)\"}"
#define W_GAP_14 "{\"kind\": \"gap\", \"detail\": \"2026-03-02T14:00:00+08:00 .. 2026-03-02T14:55:00+08:00 (55 min)\"}"
#define W_GAP_16 "{\"kind\": \"gap\", \"detail\": \"2026-03-02T16:00:00+08:00 .. 2026-03-02T16:10:00+08:00 (10 min)\"}"
#define W_GAP_18 "{\"kind\": \"gap\", \"detail\": \"2026-03-02T18:00:00+08:00 .. 2026-03-02T18:05:00+08:00 (5 min)\"}"
#define W_GHOST "{\"kind\": \"uncontracted\", \"detail\": \"ghost\"}"
#define DAY_FIRST_LAST "{\"first_record\": \"2026-03-02T00:00:00.250+08:00\", " \
                       "\"last_record\": \"2026-03-03T09:00:00.000+08:00\", "

static int empty_window(int k)
{
    return (k >= 120 && k <= 131) || (k >= 168 && k <= 178) || k == 192 || k == 193 || k == 216 ||
           k == 217;
}

/* The day fleet's records (not the rejected row), one per line, as
 * (ts, account, status, cause), in time order. */
typedef struct rec {
    char ts[40];
    const char *account;
    int status;
    const char *cause;
} rec;

static size_t day_records(rec *out)
{
    size_t n = 0;
    for (int k = 0; k < 288; k++) {
        if (empty_window(k)) continue;
        rec *r = &out[n++];
        int h = k / 12, m = k % 12 * 5 + 1;
        if (k == 0) snprintf(r->ts, sizeof r->ts, "2026-03-02T00:00:00.250+08:00");
        else if (k == 119) snprintf(r->ts, sizeof r->ts, "2026-03-02T09:59:59.999+08:00");
        else if (k == 132) snprintf(r->ts, sizeof r->ts, "2026-03-02T11:00:00.000+08:00");
        else snprintf(r->ts, sizeof r->ts, "2026-03-02T%02d:%02d:00+08:00", h, m);
        r->account = "a";
        r->status = k == 144 ? 0 : 200;
        r->cause = k == 144 ? "client" : "";
    }
    rec *g = &out[n++];
    snprintf(g->ts, sizeof g->ts, "2026-03-02T18:07:00+08:00");
    g->account = "ghost";
    g->status = 200;
    g->cause = "";
    rec *l = &out[n++];
    snprintf(l->ts, sizeof l->ts, "2026-03-03T09:00:00+08:00");
    l->account = "a";
    l->status = 200;
    l->cause = "";
    return n;
}

/* Writes the day fleet: c.csv, rej.csv, r.csv (all records), r.ndjson (the
 * same as NDJSON), and r1.csv .. r3.csv (the records dealt round-robin). */
static char *day_fleet(void)
{
    char *d = h_tmpdir();
    rec rs[300];
    size_t n = day_records(rs);
    cr_assert_eq(n, 263, "test bug: %zu records", n);
    h_write(d, "c.csv", DAY_CONTRACTS);
    h_write(d, "rej.csv", "ts,account,status\n2026-03-02T10:30:00+08:00,a,999\n");
    h_buf csv = {0}, nd = {0}, part[3] = {{0}};
    h_buf_printf(&csv, "ts,account,status,cause\n");
    for (int p = 0; p < 3; p++) h_buf_printf(&part[p], "ts,account,status,cause\n");
    for (size_t i = 0; i < n; i++) {
        h_buf_printf(&csv, "%s,%s,%d,%s\n", rs[i].ts, rs[i].account, rs[i].status, rs[i].cause);
        h_buf_printf(&part[i % 3], "%s,%s,%d,%s\n", rs[i].ts, rs[i].account, rs[i].status, rs[i].cause);
        if (*rs[i].cause)
            h_buf_printf(&nd, "{\"ts\":\"%s\",\"account\":\"%s\",\"status\":%d,\"cause\":\"%s\"}\n", rs[i].ts,
                         rs[i].account, rs[i].status, rs[i].cause);
        else
            h_buf_printf(&nd, "{\"ts\":\"%s\",\"account\":\"%s\",\"status\":%d}\n", rs[i].ts, rs[i].account,
                         rs[i].status);
    }
    h_write(d, "r.csv", csv.data);
    h_write(d, "r.ndjson", nd.data);
    for (int p = 0; p < 3; p++) {
        char *name = h_fmt("r%d.csv", p + 1);
        h_write(d, name, part[p].data);
        free(name);
        h_buf_free(&part[p]);
    }
    h_buf_free(&csv);
    h_buf_free(&nd);
    return d;
}

static h_summary day_summary(int rejected, const char *coverage, const char *warnings)
{
    h_summary s = {.records_read = 263 + rejected, .ok = 260, .not_received = 1, .uncontracted = 1,
                   .after_through = 1, .rejected = rejected, .accounts = 1, .final = 1, .tier0 = 1,
                   .through = "2026-03-02", .coverage = coverage, .warnings = warnings};
    return s;
}

static void same_outputs(const char *d, const char *a, const char *b)
{
    for (size_t i = 0; i < 4; i++) {
        char *pa = h_fmt("%s/%s/%s", d, a, outs[i]), *pb = h_fmt("%s/%s/%s", d, b, outs[i]);
        cr_assert(h_same_file(pa, pb), "%s differs: %s vs %s", outs[i], a, b);
        free(pa);
        free(pb);
    }
}

#define DAY_FOLD(out, ...) \
    h_slagg(d, NULL, "fold", "--quiet", "--out", out, "--contracts", "c.csv", "--through", "2026-03-02", \
            __VA_ARGS__, NULL)

/* ---- the figures ---------------------------------------------------------- */

/* A header-only input: exit 0 as before, but summary.json says there was
 * no record and the whole month is one gap (stderr too). Old code: no
 * coverage, no warning, nothing on stderr. */
Test(coverage, header_only_input_is_one_gap_and_no_records)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\na,2026-03-01,2026-03-31\n");
    h_write(d, "empty.csv", "ts,account,status\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "empty.csv", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.err, "slagg: warning: no_records: no accepted record in the inputs\n"), "%s", r.err);
    cr_assert(h_contains(r.err, "slagg: warning: gap: 2026-03-01T00:00:00+08:00 .. 2026-04-01T00:00:00+08:00 "
                                "(44640 min)\n"),
              "%s", r.err);
    cr_assert(h_contains(r.out, "  warnings: gap 1, no_records 1 (listed in summary.json)\n"), "%s", r.out);
    h_result_free(&r);
    h_summary s = {.accounts = 1, .final = 1, .tier0 = 1, .through = "2026-03-31",
                   .coverage = "{\"first_record\": null, \"last_record\": null, \"gaps\": [{\"start\": "
                               "\"2026-03-01T00:00:00+08:00\", \"end\": \"2026-04-01T00:00:00+08:00\"}]}",
                   .warnings = "[{\"kind\": \"gap\", \"detail\": \"2026-03-01T00:00:00+08:00 .. "
                               "2026-04-01T00:00:00+08:00 (44640 min)\"}, {\"kind\": \"no_records\", "
                               "\"detail\": \"no accepted record in the inputs\"}]"};
    h_assert_summary(d, "out", &s);
    h_rmtree(d);
}

/* Half a month of records, --through the month's end: one gap from the
 * window after the last record to 24:00 of --through. */
Test(coverage, half_a_month_ends_in_a_gap_to_the_end_of_through)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\na,2026-03-01,2026-03-31\n");
    h_buf b = {0};
    h_buf_printf(&b, "ts,account,status\n");
    for (int day = 1; day <= 15; day++)
        for (int k = 0; k < 288; k++) {
            if (day == 15 && k == 287)
                h_buf_printf(&b, "2026-03-15T23:57:30.250+08:00,a,200\n");
            else
                h_buf_printf(&b, "2026-03-%02dT%02d:%02d:00+08:00,a,200\n", day, k / 12, k % 12 * 5 + 1);
        }
    h_write(d, "half.csv", b.data);
    h_buf_free(&b);
    h_result r = h_slagg(d, NULL, "fold", "--quiet", "--out", "out", "--contracts", "c.csv", "--through",
                         "2026-03-31", "half.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    h_summary s = {.records_read = 4320, .ok = 4320, .accounts = 1, .final = 1, .tier0 = 1,
                   .through = "2026-03-31",
                   .coverage = "{\"first_record\": \"2026-03-01T00:01:00.000+08:00\", \"last_record\": "
                               "\"2026-03-15T23:57:30.250+08:00\", \"gaps\": [{\"start\": "
                               "\"2026-03-16T00:00:00+08:00\", \"end\": \"2026-04-01T00:00:00+08:00\"}]}",
                   .warnings = "[{\"kind\": \"gap\", \"detail\": \"2026-03-16T00:00:00+08:00 .. "
                               "2026-04-01T00:00:00+08:00 (23040 min)\"}]"};
    h_assert_summary(d, "out", &s);
    h_rmtree(d);
}

/* The day fleet: exact gaps at each threshold, rejected rows covering
 * nothing, uncontracted and not_received records covering their windows,
 * after_through as last_record. */
Test(coverage, gap_threshold_is_ceil_of_gap_over_5_windows)
{
    char *d = day_fleet();
    static const struct {
        const char *gap, *gaps, *warnings;
    } cases[] = {
        {NULL, "[" GAP_10 "]", "[" W_GAP_10 ", " W_GHOST "]"},
        {"60", "[" GAP_10 "]", "[" W_GAP_10 ", " W_GHOST "]"},
        {"61", "[]", "[" W_GHOST "]"},
        {"55", "[" GAP_10 ", " GAP_14 "]", "[" W_GAP_10 ", " W_GAP_14 ", " W_GHOST "]"},
        {"51", "[" GAP_10 ", " GAP_14 "]", "[" W_GAP_10 ", " W_GAP_14 ", " W_GHOST "]"},
        {"50", "[" GAP_10 ", " GAP_14 "]", "[" W_GAP_10 ", " W_GAP_14 ", " W_GHOST "]"},
        {"7", "[" GAP_10 ", " GAP_14 ", " GAP_16 "]", "[" W_GAP_10 ", " W_GAP_14 ", " W_GAP_16 ", " W_GHOST "]"},
        {"5", "[" GAP_10 ", " GAP_14 ", " GAP_16 ", " GAP_18 "]",
         "[" W_GAP_10 ", " W_GAP_14 ", " W_GAP_16 ", " W_GAP_18 ", " W_GHOST "]"},
        {"1", "[" GAP_10 ", " GAP_14 ", " GAP_16 ", " GAP_18 "]",
         "[" W_GAP_10 ", " W_GAP_14 ", " W_GAP_16 ", " W_GAP_18 ", " W_GHOST "]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = h_fmt("o%zu", i);
        h_result r = cases[i].gap ? DAY_FOLD(out, "--max-rejects", "1", "--gap", cases[i].gap, "r.csv", "rej.csv")
                                  : DAY_FOLD(out, "--max-rejects", "1", "r.csv", "rej.csv");
        h_assert_code(r, 0);
        h_result_free(&r);
        char *cov = h_fmt(DAY_FIRST_LAST "\"gaps\": %s}", cases[i].gaps);
        h_summary s = day_summary(1, cov, cases[i].warnings);
        h_assert_summary(d, out, &s);
        free(cov);
        free(out);
    }
    h_rmtree(d);
}

/* The same records in any files, formats, order, threads, engines (the
 * shard engine: both ring layouts, the flat loop and the run path, blocks
 * of a few windows and of the whole day), partials and ranks: the same
 * bytes, and the exact coverage above. */
Test(coverage, identical_for_any_split_format_engine_and_process, .timeout = 280)
{
    char *d = day_fleet();
    const char *cov = DAY_FIRST_LAST "\"gaps\": [" GAP_10 ", " GAP_14 ", " GAP_16 "]}";
    const char *warn = "[" W_GAP_10 ", " W_GAP_14 ", " W_GAP_16 ", " W_GHOST "]";
    h_result r = DAY_FOLD("one", "--gap", "7", "--max-rejects", "1", "r.csv", "rej.csv");
    h_assert_code(r, 0);
    h_result_free(&r);
    h_summary s = day_summary(1, cov, warn);
    h_assert_summary(d, "one", &s);
    r = DAY_FOLD("nd", "--gap", "7", "--max-rejects", "1", "rej.csv", "r.ndjson");
    h_assert_code(r, 0);
    h_result_free(&r);
    same_outputs(d, "one", "nd");
    static const char *const threads[] = {"1", "2", "4"};
    for (size_t i = 0; i < 3; i++) {
        char *out = h_fmt("split%s", threads[i]);
        r = DAY_FOLD(out, "--gap", "7", "--max-rejects", "1", "--threads", threads[i], "r3.csv", "rej.csv",
                     "r1.csv", "r2.csv");
        h_assert_code(r, 0);
        h_result_free(&r);
        same_outputs(d, "one", out);
        free(out);
    }
    /* partials of any split, merged */
    r = h_slagg(d, NULL, "fold", "--quiet", "--partial", "p1.part", "--contracts", "c.csv", "--through",
                "2026-03-02", "--gap", "7", "--max-rejects", "1", "r2.csv", "rej.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "fold", "--quiet", "--partial", "p2.part", "--contracts", "c.csv", "--through",
                "2026-03-02", "--gap", "7", "--max-rejects", "1", "r1.csv", "r3.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "merge", "--quiet", "--out", "merged", "p2.part", "p1.part", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    same_outputs(d, "one", "merged");

    /* shards (no rejected row there: they hold accepted records only) */
    r = DAY_FOLD("csv0", "--gap", "7", "r.csv");
    h_assert_code(r, 0);
    h_result_free(&r);
    s = day_summary(0, cov, warn);
    h_assert_summary(d, "csv0", &s);
    static const char *const blocks[] = {"16", "4096"};
    static const char *const layouts[][2] = {{"account", NULL}, {"window", NULL}, {"window", "1"}};
    for (size_t b = 0; b < 2; b++) {
        char *sd = h_fmt("shards%s", blocks[b]);
        r = h_slagg(d, NULL, "pack", "--quiet", "--out", sd, "--block-records", blocks[b], "r1.csv", "r2.csv",
                    "r3.csv", NULL);
        h_assert_code(r, 0);
        h_result_free(&r);
        for (size_t l = 0; l < 3; l++)
            for (int t = 1; t <= 3; t += 2) {
                char *out = h_fmt("sh%s-%zu-%d", blocks[b], l, t);
                char *th = h_fmt("%d", t);
                setenv("SLAGG_RING_LAYOUT", layouts[l][0], 1);
                if (layouts[l][1]) setenv("SLAGG_NO_FLAT", "1", 1);
                r = DAY_FOLD(out, "--gap", "7", "--threads", th, sd);
                unsetenv("SLAGG_RING_LAYOUT");
                unsetenv("SLAGG_NO_FLAT");
                h_assert_code(r, 0);
                h_result_free(&r);
                same_outputs(d, "csv0", out);
                free(out);
                free(th);
            }
        free(sd);
    }

    /* mpirun -np 2, when this slagg has MPI */
    r = h_slagg("/", NULL, "--version", NULL);
    int with_mpi = h_contains(r.out, "mpirun support: yes");
    h_result_free(&r);
    if (with_mpi && access("/usr/bin/mpirun", X_OK) == 0) {
        setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 1);
        setenv("OMPI_MCA_btl_base_warn_component_unused", "0", 1);
        setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 1);
        const char *argv[] = {"/usr/bin/mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2", SLAGG_BIN,
                              "fold", "--quiet", "--out", "mpi", "--contracts", "c.csv", "--through",
                              "2026-03-02", "--gap", "7", "--max-rejects", "1", "--threads", "1", "r1.csv",
                              "r2.csv", "r3.csv", "rej.csv", NULL};
        r = h_exec(d, argv);
        h_assert_code(r, 0);
        h_result_free(&r);
        same_outputs(d, "one", "mpi");
    } else {
        cr_log_info("mpirun or MPI support missing: the MPI case was not run");
    }
    h_rmtree(d);
}

/* Accounts counted uncontracted are named, sorted bytewise: one without a
 * contract, a contracted one outside its period; one seen only after
 * --through is after_through, not named. Both engines. */
Test(coverage, uncontracted_accounts_are_named)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\na,2026-03-01,2026-03-31\nb,2026-03-10,2026-03-31\n");
    h_write(d, "r.csv", "ts,account,status\n"
                        "2026-03-01T00:00:30+08:00,a,200\n"
                        "2026-03-05T12:00:00+08:00,b,200\n"
                        "2026-03-05T12:00:10+08:00,ghost,200\n"
                        "2026-03-05T13:00:00+08:00,Ghost,200\n"
                        "2026-04-02T00:00:00+08:00,zz-late,200\n");
    h_result r = h_slagg(d, NULL, "fold", "--quiet", "--out", "out", "--contracts", "c.csv", "--through",
                         "2026-03-31", "r.csv", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.err, "slagg: warning: uncontracted: Ghost\nslagg: warning: uncontracted: b\n"
                                "slagg: warning: uncontracted: ghost\n"),
              "%s", r.err);
    h_result_free(&r);
    /* covered: 03-01 00:00, 03-05 12:00 and 13:00; [12:05, 13:00) is 11
     * windows, under the 12 of --gap 60; zz-late's 04-02 is past the range */
    h_summary s = {
        .records_read = 5, .ok = 1, .uncontracted = 3, .after_through = 1, .accounts = 2, .final = 2,
        .tier0 = 2, .through = "2026-03-31",
        .coverage = "{\"first_record\": \"2026-03-01T00:00:30.000+08:00\", \"last_record\": "
                    "\"2026-04-02T00:00:00.000+08:00\", \"gaps\": [{\"start\": \"2026-03-01T00:05:00+08:00\", "
                    "\"end\": \"2026-03-05T12:00:00+08:00\"}, {\"start\": \"2026-03-05T13:05:00+08:00\", "
                    "\"end\": \"2026-04-01T00:00:00+08:00\"}]}",
        .warnings = "[{\"kind\": \"gap\", \"detail\": \"2026-03-01T00:05:00+08:00 .. 2026-03-05T12:00:00+08:00 "
                    "(6475 min)\"}, {\"kind\": \"gap\", \"detail\": \"2026-03-05T13:05:00+08:00 .. "
                    "2026-04-01T00:00:00+08:00 (38095 min)\"}, {\"kind\": \"uncontracted\", \"detail\": "
                    "\"Ghost\"}, {\"kind\": \"uncontracted\", \"detail\": \"b\"}, {\"kind\": \"uncontracted\", "
                    "\"detail\": \"ghost\"}]"};
    h_assert_summary(d, "out", &s);
    r = h_slagg(d, NULL, "pack", "--quiet", "--out", "sh", "--block-records", "2", "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    for (int l = 0; l < 2; l++) {
        setenv("SLAGG_RING_LAYOUT", l ? "window" : "account", 1);
        r = h_slagg(d, NULL, "fold", "--quiet", "--out", l ? "shw" : "sha", "--contracts", "c.csv", "--through",
                    "2026-03-31", "sh", NULL);
        unsetenv("SLAGG_RING_LAYOUT");
        h_assert_code(r, 0);
        h_result_free(&r);
        same_outputs(d, "out", l ? "shw" : "sha");
    }
    h_rmtree(d);
}

/* ---- stderr and stdout ----------------------------------------------------- */

/* At most 10 warnings of a kind on stderr, then a count; summary.json
 * lists all 12. */
Test(coverage, stderr_shows_ten_of_a_kind_then_a_count)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", DAY_CONTRACTS);
    h_buf b = {0};
    h_buf_printf(&b, "ts,account,status\n");
    for (int h = 0; h < 24; h += 2) h_buf_printf(&b, "2026-03-02T%02d:00:00+08:00,a,200\n", h);
    h_write(d, "r.csv", b.data);
    h_buf_free(&b);
    h_result r = DAY_FOLD("out", "r.csv");
    h_assert_code(r, 0);
    size_t lines = 0;
    for (const char *p = r.err; (p = strstr(p, "slagg: warning: gap: ")); p++) lines++;
    cr_assert_eq(lines, 10, "%s", r.err);
    cr_assert(h_contains(r.err, "slagg: warning: gap: 2026-03-02T18:05:00+08:00 .. 2026-03-02T20:00:00+08:00 "
                                "(115 min)\nslagg: warning: ... and 2 more gap warnings (summary.json lists "
                                "them all)\n"),
              "%s", r.err);
    h_result_free(&r);
    char *sum = h_read_in(d, "out/summary.json", NULL);
    char *w = h_json_raw(sum, "warnings");
    size_t n = 0;
    for (const char *p = w; (p = strstr(p, "\"kind\": \"gap\"")); p++) n++;
    cr_assert_eq(n, 12, "%s", w);
    cr_assert(h_contains(w, "2026-03-02T22:05:00+08:00 .. 2026-03-03T00:00:00+08:00 (115 min)"), "%s", w);
    free(w);
    free(sum);
    h_rmtree(d);
}

/* The stdout summary names the tables the credits were computed under
 * (leaving --maintenance out changes credits), and the warning counts. */
Test(coverage, stdout_names_the_tables_used)
{
    char *d = day_fleet();
    h_write(d, "f.csv", "account,period_start,fee,voucher_paid\na,2026-03-02,10.00,0.00\n");
    h_write(d, "m.csv", "start,end,scope,notice_at\n");
    h_write(d, "h.csv", "date,kind\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "o1", "--contracts", "c.csv", "--through", "2026-03-02",
                         "--fees", "f.csv", "--maintenance", "m.csv", "--holidays", "h.csv", "r.csv", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.out, "\n  tables: contracts c.csv, fees f.csv, maintenance m.csv, holidays h.csv\n"
                                "  warnings: gap 1, uncontracted 1 (listed in summary.json)\n"
                                "  wrote o1/finance.csv"),
              "%s", r.out);
    h_result_free(&r);
    r = h_slagg(d, NULL, "fold", "--out", "o2", "--contracts", "c.csv", "--through", "2026-03-02", "--gap",
                "61", "r1.csv", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.out, "\n  tables: contracts c.csv, fees (none: periods with a tier have no credit, "
                                "state no_fee), maintenance (none: no maintenance exclusions), holidays (none: "
                                "claim windows count Mon-Fri only)\n"),
              "%s", r.out);
    h_result_free(&r);
    h_rmtree(d);
}

/* ---- --strict and --gap ------------------------------------------------------ */

/* --strict: every warning is an input error, exit 2, and DIR keeps the
 * previous run's files byte for byte (or gets none). */
Test(coverage, strict_fails_with_exit_2_and_writes_nothing)
{
    char *d = day_fleet();
    h_write(d, "empty.csv", "ts,account,status\n");
    h_result r = DAY_FOLD("fresh", "--strict", "empty.csv");
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "slagg: --strict: failing on 2 warnings (gap 1, no_records 1); nothing "
                                "written\n"),
              "%s", r.err);
    h_result_free(&r);
    h_assert_no_outputs(d, "fresh");
    /* a previous export stays */
    r = DAY_FOLD("out", "r.csv");
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_exec(d, (const char *const[]){"/bin/cp", "-r", "out", "keep", NULL});
    h_assert_code(r, 0);
    h_result_free(&r);
    r = DAY_FOLD("out", "--strict", "r1.csv");
    h_assert_code(r, 2);
    h_result_free(&r);
    same_outputs(d, "keep", "out");
    /* --strict=KIND: only those kinds; the day fleet has a gap and an
     * uncontracted account, no fee warning */
    r = DAY_FOLD("out", "--strict=no_fee,unmatched_fee", "r.csv");
    h_assert_code(r, 0);
    h_result_free(&r);
    r = DAY_FOLD("out2", "--strict=no_fee,gap", "r.csv");
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "slagg: --strict=gap,no_fee: failing on 1 warning (gap 1); nothing written\n"),
              "%s", r.err);
    h_result_free(&r);
    h_assert_no_outputs(d, "out2");
    r = DAY_FOLD("out2", "--strict=uncontracted", "--gap", "61", "r.csv");
    h_assert_code(r, 2);
    h_result_free(&r);
    r = DAY_FOLD("out2", "--strict=gap", "--gap", "61", "r.csv");
    h_assert_code(r, 0);
    h_result_free(&r);
    /* a partial keeps --strict: merge applies it */
    r = h_slagg(d, NULL, "fold", "--quiet", "--partial", "p.part", "--contracts", "c.csv", "--through",
                "2026-03-02", "--strict=gap", "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "merge", "--quiet", "--out", "m", "p.part", NULL);
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "--strict=gap: failing on 1 warning (gap 1)"), "%s", r.err);
    h_result_free(&r);
    h_assert_no_outputs(d, "m");
    h_rmtree(d);
}

Test(coverage, bad_strict_and_gap_values_are_usage_errors)
{
    char *d = day_fleet();
    h_result r = DAY_FOLD("out", "--strict=gap,bogus", "r.csv");
    h_assert_code(r, 1);
    cr_assert(h_contains(r.err, "unknown warning kind 'bogus'; kinds: coverage_unknown, gap, late_notice, "
                                "no_fee, no_records, uncontracted, unmatched_fee"),
              "%s", r.err);
    h_result_free(&r);
    static const char *const bad_strict[] = {"--strict=", "--strict=gap,", "--strict=,gap"};
    for (size_t i = 0; i < 3; i++) {
        r = DAY_FOLD("out", bad_strict[i], "r.csv");
        h_assert_code(r, 1);
        h_result_free(&r);
    }
    static const char *const bad_gap[] = {"0", "44641", "-5", "1.5", "x", ""};
    for (size_t i = 0; i < 6; i++) {
        r = DAY_FOLD("out", "--gap", bad_gap[i], "r.csv");
        h_assert_code(r, 1);
        cr_assert(h_contains(r.err, "is not a number of minutes from 1 to 44640"), "%s", r.err);
        h_result_free(&r);
    }
    h_assert_no_outputs(d, "out");
    r = DAY_FOLD("out", "--gap", "44640", "r.csv");
    h_assert_code(r, 0);
    h_result_free(&r);
    /* no input at all stays a usage error, --strict or not */
    r = h_slagg(d, NULL, "fold", "--out", "none", "--contracts", "c.csv", "--strict", NULL);
    h_assert_code(r, 1);
    h_result_free(&r);
    h_rmtree(d);
}

/* ---- export and the compact summary ----------------------------------------- */

/* Export fleet: a and b on 2026-03-02; a has a record in every window but
 * [10:00, 11:00) and [15:00, 15:05); b 30 failed windows 00:00..02:25
 * (tier 50). f1.csv has a's fee only: b is no_fee. */
static char *export_fleet(void)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\na,2026-03-02,2026-03-02\nb,2026-03-02,2026-03-02\n");
    h_buf b = {0};
    h_buf_printf(&b, "ts,account,status\n");
    for (int k = 0; k < 288; k++) {
        if ((k >= 120 && k <= 131) || k == 180) continue;
        h_buf_printf(&b, "2026-03-02T%02d:%02d:00+08:00,a,200\n", k / 12, k % 12 * 5 + 1);
    }
    for (int k = 0; k < 30; k++) h_buf_printf(&b, "2026-03-02T%02d:%02d:00+08:00,b,500\n", k / 12, k % 12 * 5 + 2);
    h_write(d, "r.csv", b.data);
    h_buf_free(&b);
    h_write(d, "f1.csv", "account,period_start,fee,voucher_paid\na,2026-03-02,100.00,0.00\n");
    h_write(d, "f2.csv", "account,period_start,fee,voucher_paid\na,2026-03-02,100.00,0.00\n"
                         "b,2026-03-02,200.00,0.00\nzz,2026-03-02,1.00,0.00\n");
    h_result r = h_slagg(d, NULL, "fold", "--quiet", "--out", "out", "--contracts", "c.csv", "--fees", "f1.csv",
                         "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    return d;
}

#define EXP_COV "{\"first_record\": \"2026-03-02T00:01:00.000+08:00\", \"last_record\": " \
                "\"2026-03-02T23:56:00.000+08:00\", \"gaps\": [" GAP_10 "]}"

/* export shows the stored coverage and recomputes the fee warnings with
 * the fees it uses; --gap recomputes the gaps from the stored windows. */
Test(coverage, export_keeps_coverage_and_recomputes_fee_warnings)
{
    char *d = export_fleet();
    h_summary s = {.records_read = 305, .ok = 275, .error = 30, .accounts = 2, .final = 1, .no_fee = 1,
                   .tier0 = 1, .tier50 = 1, .through = "2026-03-02", .coverage = EXP_COV,
                   .warnings = "[" W_GAP_10 ", {\"kind\": \"no_fee\", \"detail\": \"b 2026-03-02\"}]"};
    h_assert_summary(d, "out", &s);
    h_result r = h_slagg(d, NULL, "export", "--out", "e1", "out/availability.slagg", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    char *a = h_path(d, "out/summary.json"), *b = h_path(d, "e1/summary.json");
    cr_assert(h_same_file(a, b), "export with the stored fees gives another summary.json");
    free(a);
    free(b);
    r = h_slagg(d, NULL, "export", "--out", "e2", "--fees", "f2.csv", "out/availability.slagg", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.err, "slagg: warning: unmatched_fee: f2.csv:4 zz 2026-03-02\n"), "%s", r.err);
    h_result_free(&r);
    s.no_fee = 0;
    s.final = 2;
    s.total_credit = "100.00";
    s.unmatched = "[{\"file\": \"f2.csv\", \"line\": 4, \"account\": \"zz\", \"period_start\": \"2026-03-02\"}]";
    s.warnings = "[" W_GAP_10 ", {\"kind\": \"unmatched_fee\", \"detail\": \"f2.csv:4 zz 2026-03-02\"}]";
    h_assert_summary(d, "e2", &s);
    r = h_slagg(d, NULL, "export", "--out", "e3", "--fees", "f2.csv", "--gap", "5", "out/availability.slagg", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    s.coverage = "{\"first_record\": \"2026-03-02T00:01:00.000+08:00\", \"last_record\": "
                 "\"2026-03-02T23:56:00.000+08:00\", \"gaps\": [" GAP_10 ", {\"start\": \"2026-03-02T15:00:00+08:00\", "
                 "\"end\": \"2026-03-02T15:05:00+08:00\"}]}";
    s.warnings = "[" W_GAP_10 ", {\"kind\": \"gap\", \"detail\": \"2026-03-02T15:00:00+08:00 .. "
                 "2026-03-02T15:05:00+08:00 (5 min)\"}, {\"kind\": \"unmatched_fee\", \"detail\": "
                 "\"f2.csv:4 zz 2026-03-02\"}]";
    h_assert_summary(d, "e3", &s);
    /* --strict on export: the stored gap fails it, before anything is written */
    r = h_slagg(d, NULL, "export", "--out", "e4", "--strict=gap", "out/availability.slagg", NULL);
    h_assert_code(r, 2);
    h_result_free(&r);
    cr_assert(h_missing(d, "e4/summary.json"));
    r = h_slagg(d, NULL, "inspect", "out/availability.slagg", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.out, "format 1.2, intact"), "%s", r.out);
    cr_assert(h_contains(r.out, "  coverage: records 2026-03-02T00:01:00.000+08:00 .. 2026-03-02T23:56:00.000+08:00, "
                                "1 gap of 60 min or more, 0 uncontracted accounts\n"),
              "%s", r.out);
    h_result_free(&r);
    h_rmtree(d);
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* A summary written by a slagg of format 1.0 (the 1.2 payload less its
 * last two sections, docs/FORMAT.md; for this fleet the bytes made here were
 * checked to equal those the 1.0 writer, commit af14198, wrote) is still
 * read: its coverage is unknown and summary.json says so rather than
 * invent it. */
Test(coverage, summary_of_format_1_0_is_read_with_coverage_unknown)
{
    char *d = export_fleet();
    size_t n;
    char *path = h_path(d, "out/availability.slagg");
    unsigned char *f = (unsigned char *)h_read(path, &n);
    uint64_t raw_n = 0, comp_n = 0;
    for (int i = 7; i >= 0; i--) raw_n = raw_n << 8 | f[16 + i];
    for (int i = 7; i >= 0; i--) comp_n = comp_n << 8 | f[24 + i];
    cr_assert_eq(f[8] | f[9] << 8, 1);
    cr_assert_eq(f[10] | f[11] << 8, 2, "expected minor 2");
    unsigned char *raw = malloc(raw_n);
    cr_assert_eq(ZSTD_decompress(raw, raw_n, f + 40, comp_n), raw_n);
    /* section 8 here: u32 known 1, u32 gap 60, u32 has 1, i64 first, i64
     * last, u64 3 intervals of 2 one-byte varints, u64 0 names: 50 bytes;
     * then section 9 (minor 2, --from): u32 0, i64 0, u64 0: 20 bytes */
    static const unsigned char no_from[20] = {0};
    cr_assert(memcmp(raw + raw_n - 20, no_from, 20) == 0, "section 9 is not where this test expects it");
    size_t cut = raw_n - 70;
    static const unsigned char head[] = {1, 0, 0, 0, 60, 0, 0, 0, 1, 0, 0, 0};
    cr_assert(memcmp(raw + cut, head, sizeof head) == 0, "section 8 is not where this test expects it");
    cr_assert_eq(raw[cut + 28], 3, "three intervals");
    size_t cap = ZSTD_compressBound(cut);
    unsigned char *o = malloc(40 + cap + 8);
    /* as io/blob.c writes it: level 9, content size and checksum */
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 9);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
    size_t cn = ZSTD_compress2(cc, o + 40, cap, raw, cut);
    ZSTD_freeCCtx(cc);
    cr_assert(!ZSTD_isError(cn));
    memcpy(o, "SLAGGSUM", 8);
    put32(o + 8, 1);   /* 1.0 */
    put32(o + 12, 0);
    put64(o + 16, cut);
    put64(o + 24, cn);
    put64(o + 32, XXH64(o, 32, 0));
    memcpy(o + 40 + cn, "SLAGGEND", 8);
    h_write_bytes(d, "old.slagg", o, 40 + cn + 8);
    free(o);
    free(raw);
    free(f);
    free(path);
    h_result r = h_slagg(d, NULL, "inspect", "old.slagg", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.out, "format 1.0, intact") && h_contains(r.out, "  coverage: not recorded (format 1.0)\n"),
              "%s", r.out);
    h_result_free(&r);
    r = h_slagg(d, NULL, "export", "--out", "e", "--fees", "f2.csv", "old.slagg", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    h_summary s = {.records_read = 305, .ok = 275, .error = 30, .accounts = 2, .final = 2, .tier0 = 1,
                   .tier50 = 1, .through = "2026-03-02", .total_credit = "100.00",
                   .unmatched = "[{\"file\": \"f2.csv\", \"line\": 4, \"account\": \"zz\", \"period_start\": "
                                "\"2026-03-02\"}]",
                   .coverage = "null",
                   .warnings = "[{\"kind\": \"coverage_unknown\", \"detail\": \"coverage not recorded (a summary "
                               "or partial of format 1.0): gaps, no_records and uncontracted are unknown\"}, "
                               "{\"kind\": \"unmatched_fee\", \"detail\": \"f2.csv:4 zz 2026-03-02\"}]"};
    h_assert_summary(d, "e", &s);
    /* the finance files are those of the 1.1 summary */
    r = h_slagg(d, NULL, "export", "--out", "e11", "--fees", "f2.csv", "out/availability.slagg", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    char *x = h_path(d, "e/finance.csv"), *y = h_path(d, "e11/finance.csv");
    cr_assert(h_same_file(x, y));
    free(x);
    free(y);
    r = h_slagg(d, NULL, "export", "--out", "e5", "--strict", "old.slagg", NULL);
    h_assert_code(r, 2);
    h_result_free(&r);
    r = h_slagg(d, NULL, "export", "--out", "e6", "--fees", "f2.csv", "--strict=gap,no_fee", "old.slagg", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    h_rmtree(d);
}

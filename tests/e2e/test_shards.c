/*
 * test_shards.c - shards end to end (issue 3): log -> pack -> cat gives the
 * same records; fold on shards gives byte-identical outputs to fold on the
 * logs; every corruption fails cleanly (exit 2, file named, no export); a
 * rejected row makes pack write no shard.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A small generated fleet in d: records-000.csv, records-001.csv, tables. */
static void make_fleet(const char *d)
{
    h_result r = h_slagg(d, NULL, "gen", "--out", "fleet", "--records", "30000", "--accounts",
                         "24", "--files", "2", "--seed", "7", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
}

static h_result fold_into(const char *d, const char *out, const char *in1, const char *in2)
{
    return h_slagg(d, NULL, "fold", "--quiet", "--out", out, "--contracts", "fleet/contracts.csv",
                   "--fees", "fleet/fees.csv", "--maintenance", "fleet/maintenance.csv",
                   "--holidays", "fleet/holidays.csv", in1, in2, NULL);
}

static void assert_same_outputs(const char *d, const char *a, const char *b)
{
    static const char *const names[] = {"finance.csv", "finance.jsonl", "summary.json",
                                        "availability.slagg"};
    for (size_t i = 0; i < 4; i++) {
        char *pa = h_fmt("%s/%s/%s", d, a, names[i]), *pb = h_fmt("%s/%s/%s", d, b, names[i]);
        cr_assert(h_same_file(pa, pb), "%s differs between %s and %s", names[i], a, b);
        free(pa);
        free(pb);
    }
}

static int line_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The data lines of a CSV text (header dropped), keeping only the first
 * four fields, sorted. Returns the count; *lines point into text. */
static size_t sorted_records(char *text, char ***lines)
{
    size_t n = 0, cap = 1024;
    char **v = malloc(cap * sizeof *v);
    char *p = strchr(text, '\n');
    cr_assert_not_null(p);
    p++;
    while (*p) {
        char *e = strchr(p, '\n');
        cr_assert_not_null(e);
        *e = '\0';
        /* cut at the 4th comma (gen's request_id column) */
        char *c = p;
        for (int k = 0; k < 4 && c; k++) c = strchr(k ? c + 1 : c, ',');
        if (c) *c = '\0';
        if (n == cap) v = realloc(v, (cap *= 2) * sizeof *v);
        v[n++] = p;
        p = e + 1;
    }
    qsort(v, n, sizeof *v, line_cmp);
    *lines = v;
    return n;
}

Test(shards, pack_cat_round_trip)
{
    char *d = h_tmpdir();
    make_fleet(d);
    h_result r = h_slagg(d, NULL, "pack", "--quiet", "--out", "shards", "--block-records", "4096",
                         "fleet/records-000.csv", "fleet/records-001.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    cr_assert(!h_missing(d, "shards/records-000.shard") && !h_missing(d, "shards/records-001.shard"));

    r = h_slagg(d, NULL, "cat", "shards/records-000.shard", "shards/records-001.shard", NULL);
    h_assert_code(r, 0);
    cr_assert(strncmp(r.out, "ts,account,status,cause\n", 24) == 0, "cat header: %.60s", r.out);
    char *a = h_read_in(d, "fleet/records-000.csv", NULL), *b = h_read_in(d, "fleet/records-001.csv", NULL);
    char *both = h_fmt("%s%s", a, strchr(b, '\n') + 1);
    char **want, **got;
    size_t nw = sorted_records(both, &want), ng = sorted_records(r.out, &got);
    cr_assert_eq(nw, 30000);
    cr_assert_eq(ng, nw, "cat gave %zu records, the logs hold %zu", ng, nw);
    for (size_t i = 0; i < nw; i++)
        cr_assert_str_eq(got[i], want[i], "record %zu differs", i);
    /* the request_id column never reaches a shard */
    cr_assert(!h_contains(r.out, "request_id"));
    free(want);
    free(got);
    free(a);
    free(b);
    free(both);
    h_result_free(&r);
    h_rmtree(d);
}

Test(shards, fold_on_shards_equals_fold_on_logs)
{
    char *d = h_tmpdir();
    make_fleet(d);
    h_result r = h_slagg(d, NULL, "pack", "--quiet", "--out", "shards", "fleet/records-000.csv",
                         "fleet/records-001.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = fold_into(d, "from-logs", "fleet/records-000.csv", "fleet/records-001.csv");
    h_assert_code(r, 0);
    h_result_free(&r);
    /* a directory of shards */
    r = h_slagg(d, NULL, "fold", "--quiet", "--out", "from-shards", "--contracts", "fleet/contracts.csv",
                "--fees", "fleet/fees.csv", "--maintenance", "fleet/maintenance.csv",
                "--holidays", "fleet/holidays.csv", "shards", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    assert_same_outputs(d, "from-logs", "from-shards");
    /* a shard mixed with a log, in the other order, one thread */
    r = h_slagg(d, NULL, "fold", "--quiet", "--threads", "1", "--out", "mixed", "--contracts",
                "fleet/contracts.csv", "--fees", "fleet/fees.csv", "--maintenance",
                "fleet/maintenance.csv", "--holidays", "fleet/holidays.csv",
                "shards/records-001.shard", "fleet/records-000.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    assert_same_outputs(d, "from-logs", "mixed");
    h_rmtree(d);
}

/* Damages a copy of a good shard and checks fold, cat and inspect all
 * refuse it: exit 2, the file named, and no export written. */
static void check_refused(const char *d, const char *name, const char *what)
{
    h_result r = fold_into(d, "bad-out", name, "fleet/records-001.csv");
    cr_assert_eq(r.code, 2, "%s: fold exit %d, stderr:\n%s", what, r.code, r.err);
    h_assert_slagg_msg(r);
    cr_assert(h_contains(r.err, name), "%s: message does not name %s:\n%s", what, name, r.err);
    h_assert_no_outputs(d, "bad-out");
    h_result_free(&r);
    r = h_slagg(d, NULL, "inspect", name, NULL);
    cr_assert_eq(r.code, 2, "%s: inspect exit %d, out:\n%s", what, r.code, r.out);
    h_result_free(&r);
    r = h_slagg(d, NULL, "cat", name, NULL);
    cr_assert_eq(r.code, 2, "%s: cat exit %d", what, r.code);
    h_result_free(&r);
}

Test(shards, every_corruption_fails_cleanly)
{
    char *d = h_tmpdir();
    make_fleet(d);
    h_result r = h_slagg(d, NULL, "pack", "--quiet", "--out", "shards", "--block-records", "8192",
                         "fleet/records-000.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "inspect", "shards/records-000.shard", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.out, "intact"), "inspect:\n%s", r.out);
    h_result_free(&r);

    size_t n;
    char *good = h_read_in(d, "shards/records-000.shard", &n);
    cr_assert_gt(n, 200);
    /* (offset, region): file header, first block header, first block
     * payload, a later block, footer (index), trailer */
    const size_t where[][1] = {{10}, {32 + 6}, {32 + 48 + 20}, {n / 2}, {n - 64 - 8}, {n - 30}};
    const char *region[] = {"header", "block header", "block payload", "later block", "footer", "trailer"};
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        char *bad = malloc(n);
        memcpy(bad, good, n);
        bad[where[i][0]] ^= 0x5a;
        h_write_bytes(d, "bad.shard", bad, n);
        check_refused(d, "bad.shard", region[i]);
        free(bad);
    }
    h_write_bytes(d, "bad.shard", good, n - 1);
    check_refused(d, "bad.shard", "truncated by one byte");
    h_write_bytes(d, "bad.shard", good, n / 2);
    check_refused(d, "bad.shard", "truncated by half");
    h_write_bytes(d, "bad.shard", good, 20);
    check_refused(d, "bad.shard", "only the header");
    free(good);
    h_rmtree(d);
}

Test(shards, rejected_row_means_no_shard)
{
    char *d = h_tmpdir();
    h_write(d, "log.csv", "ts,account,status\n2026-03-02T10:00:00+08:00,a,200\n"
                          "2026-03-02T10:00:01+08:00,a,999\n");
    h_result r = h_slagg(d, NULL, "pack", "--out", "s", "log.csv", NULL);
    h_assert_code(r, 2);
    h_assert_slagg_msg(r);
    cr_assert(h_contains(r.err, "log.csv:3:"), "stderr:\n%s", r.err);
    cr_assert(h_missing(d, "s/log.shard"));
    h_result_free(&r);
    r = h_slagg(d, NULL, "pack", "--quiet", "--max-rejects", "1", "--out", "s", "log.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "cat", "--format", "ndjson", "s/log.shard", NULL);
    h_assert_code(r, 0);
    cr_assert_str_eq(r.out, "{\"ts\":\"2026-03-02T10:00:00.000+08:00\",\"account\":\"a\",\"status\":200}\n");
    h_result_free(&r);
    h_rmtree(d);
}

Test(shards, shard_on_stdin_is_refused_with_a_reason)
{
    char *d = h_tmpdir();
    h_write(d, "log.csv", "ts,account,status\n2026-03-02T10:00:00+08:00,a,200\n");
    h_write(d, "c.csv", "account,start,end\na,2026-03-01,2026-03-31\n");
    h_result r = h_slagg(d, NULL, "pack", "--quiet", "--out", "s", "log.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    size_t n;
    char *shard = h_read_in(d, "s/log.shard", &n);
    r = h_run(d, shard, n, (const char *const[]){"fold", "--out", "o", "--contracts", "c.csv", "-", NULL});
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "shard"), "stderr:\n%s", r.err);
    h_assert_no_outputs(d, "o");
    free(shard);
    h_result_free(&r);
    h_rmtree(d);
}

/*
 * test_engine.c - the shard engine (core/engine/fold_shards.c, shard_engine_*.c) against the
 * generic fold: byte-identical outputs whatever the block size (ring path
 * or overflow path), ring layout (SLAGG_RING_LAYOUT) and loop
 * (SLAGG_NO_FLAT), thread count, kernel (SLAGG_FORCE_ISA), --through
 * (after_through, in_progress) and ring spills (SLAGG_TEST_SPILL_LIMIT);
 * the sparse fold of 2.0 shards (shard_engine_sparse.c) against both, and
 * 1.0 shards of the same records.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const outs[] = {"finance.csv", "finance.jsonl", "summary.json", "availability.slagg"};

static void fleet(const char *d, const char *blocks)
{
    h_result r = h_slagg(d, NULL, "gen", "--out", "fleet", "--records", "60000", "--accounts", "40",
                         "--files", "3", "--seed", "11", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "pack", "--quiet", "--out", "shards", "--block-records", blocks,
                "fleet/records-000.csv", "fleet/records-001.csv", "fleet/records-002.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
}

static void fold(const char *d, const char *out, const char *threads, const char *through)
{
    h_result r;
    if (through)
        r = h_slagg(d, NULL, "fold", "--quiet", "--threads", threads, "--through", through, "--out", out,
                    "--contracts", "fleet/contracts.csv", "--fees", "fleet/fees.csv", "--maintenance",
                    "fleet/maintenance.csv", "--holidays", "fleet/holidays.csv", "shards", NULL);
    else
        r = h_slagg(d, NULL, "fold", "--quiet", "--threads", threads, "--out", out, "--contracts",
                    "fleet/contracts.csv", "--fees", "fleet/fees.csv", "--maintenance",
                    "fleet/maintenance.csv", "--holidays", "fleet/holidays.csv", "shards", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
}

static void same(const char *d, const char *a, const char *b)
{
    for (size_t i = 0; i < 4; i++) {
        char *pa = h_fmt("%s/%s/%s", d, a, outs[i]), *pb = h_fmt("%s/%s/%s", d, b, outs[i]);
        cr_assert(h_same_file(pa, pb), "%s differs: %s vs %s", outs[i], a, b);
        free(pa);
        free(pb);
    }
}

static void engines_agree(const char *blocks)
{
    char *d = h_tmpdir();
    fleet(d, blocks);
    setenv("SLAGG_ENGINE", "generic", 1);
    fold(d, "generic", "2", NULL);
    fold(d, "generic-t", "1", "2026-03-20");
    unsetenv("SLAGG_ENGINE");
    /* 2.0 shards: the sparse fold */
    fold(d, "fast1", "1", NULL);
    fold(d, "fast2", "2", NULL);
    fold(d, "fast3", "3", NULL);
    same(d, "generic", "fast1");
    same(d, "generic", "fast2");
    same(d, "generic", "fast3");
    /* an earlier --through: in_progress periods and after_through records */
    fold(d, "fast-t", "2", "2026-03-20");
    same(d, "generic-t", "fast-t");
    /* the rest: the ring engine (2.0 shards read whole, as 1.0 ones) */
    setenv("SLAGG_NO_SPARSE", "1", 1);
    fold(d, "ring2", "2", NULL);
    fold(d, "ring2-t", "2", "2026-03-20");
    same(d, "generic", "ring2");
    same(d, "generic-t", "ring2-t");
    char *sum = h_read_in(d, "fast-t/summary.json", NULL);
    cr_assert(h_json_int(sum, "after_through") > 0, "no after_through records:\n%s", sum);
    free(sum);
    /* both ring layouts, and window-major chunks forced through the run
     * path (SLAGG_NO_FLAT) instead of the flat loop */
    static const char *const layouts[][3] = {{"account", NULL, "lay-account"},
                                             {"window", NULL, "lay-window"},
                                             {"window", "1", "lay-window-runs"}};
    for (size_t i = 0; i < 3; i++) {
        setenv("SLAGG_RING_LAYOUT", layouts[i][0], 1);
        if (layouts[i][1]) setenv("SLAGG_NO_FLAT", layouts[i][1], 1);
        fold(d, layouts[i][2], "2", NULL);
        char *lt = h_fmt("%s-t", layouts[i][2]);
        fold(d, lt, "3", "2026-03-20");
        unsetenv("SLAGG_RING_LAYOUT");
        unsetenv("SLAGG_NO_FLAT");
        same(d, "generic", layouts[i][2]);
        same(d, "generic-t", lt);
        free(lt);
    }
    /* every ring spilled to the u64 overflow table after 100 records */
    setenv("SLAGG_TEST_SPILL_LIMIT", "100", 1);
    fold(d, "spill", "2", NULL);
    setenv("SLAGG_RING_LAYOUT", "window", 1);
    fold(d, "spill-w", "2", NULL);
    setenv("SLAGG_RING_LAYOUT", "account", 1);
    fold(d, "spill-a", "2", NULL);
    unsetenv("SLAGG_RING_LAYOUT");
    unsetenv("SLAGG_TEST_SPILL_LIMIT");
    same(d, "generic", "spill");
    same(d, "generic", "spill-w");
    same(d, "generic", "spill-a");
    /* each kernel this CPU runs */
    static const char *const isas[] = {"scalar", "avx2", "avx512", "neon"};
    for (size_t i = 0; i < 4; i++) {
        setenv("SLAGG_FORCE_ISA", isas[i], 1);
        h_result r = h_slagg(d, NULL, "fold", "--quiet", "--out", isas[i], "--contracts",
                             "fleet/contracts.csv", "--fees", "fleet/fees.csv", "--maintenance",
                             "fleet/maintenance.csv", "--holidays", "fleet/holidays.csv", "shards", NULL);
        unsetenv("SLAGG_FORCE_ISA");
        if (r.code == 1 && h_contains(r.err, "SLAGG_FORCE_ISA")) {
            cr_log_info("kernel %s not available here: %s", isas[i], r.err);
            h_result_free(&r);
            continue;
        }
        h_assert_code(r, 0);
        h_result_free(&r);
        same(d, "generic", isas[i]);
    }
    unsetenv("SLAGG_NO_SPARSE");
    /* the same records as 1.0 shards */
    h_result r = h_slagg(d, NULL, "pack", "--quiet", "--out", "shards1", "--shard-format", "1", "--block-records",
                         blocks, "shards", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "inspect", "shards1/records-000.shard", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.out, "format 1.0"), "%s", r.out);
    h_result_free(&r);
    r = h_slagg(d, NULL, "fold", "--quiet", "--out", "v1", "--contracts", "fleet/contracts.csv", "--fees",
                "fleet/fees.csv", "--maintenance", "fleet/maintenance.csv", "--holidays", "fleet/holidays.csv",
                "shards1", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    same(d, "generic", "v1");
    h_rmtree(d);
}

/* Runs a fold of `in` with --tz tz (NULL: the default) into out. */
static void fold_tz(const char *d, const char *out, const char *tz, const char *in)
{
    h_result r = tz ? h_slagg(d, NULL, "fold", "--quiet", "--tz", tz, "--threads", "2", "--out", out, "--contracts",
                              "fleet/contracts.csv", "--maintenance", "fleet/maintenance.csv", in, NULL)
                    : h_slagg(d, NULL, "fold", "--quiet", "--threads", "2", "--out", out, "--contracts",
                              "fleet/contracts.csv", "--maintenance", "fleet/maintenance.csv", in, NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
}

/* Shards whose blocks overlap in time (each log split in two, by line,
 * both halves covering the whole month): the sparse fold's pass 2 then
 * reads windows inside blocks from the times, not only the edge counts.
 * At +05:45 (whole windows) it still folds sparse; at +05:47 (not whole
 * windows) it takes the ring engine; both equal the generic fold. */
Test(engine, sparse_fold_of_overlapping_shards_and_any_time_zone, .timeout = 600)
{
    char *d = h_tmpdir();
    h_result r = h_slagg(d, NULL, "gen", "--out", "fleet", "--records", "40000", "--accounts", "30", "--files", "2",
                         "--seed", "5", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    for (int f = 0; f < 2; f++) {
        char *in = h_fmt("%s/fleet/records-00%d.csv", d, f);
        char *text = h_read(in, NULL);
        char *half[2] = {h_fmt("%s", ""), h_fmt("%s", "")};
        size_t cap[2] = {strlen(text) + 1, strlen(text) + 1}, len[2] = {0, 0};
        half[0] = realloc(half[0], cap[0]);
        half[1] = realloc(half[1], cap[1]);
        char *line = text, *nl;
        for (int k = 0; (nl = strchr(line, '\n')); k++, line = nl + 1) {
            size_t n = (size_t)(nl - line) + 1;
            for (int h = 0; h < 2; h++)
                if (k == 0 || (k & 1) == h) {   /* the header to both */
                    memcpy(half[h] + len[h], line, n);
                    len[h] += n;
                }
        }
        for (int h = 0; h < 2; h++) {
            half[h][len[h]] = '\0';
            char *name = h_fmt("split/part-%d-%d.csv", f, h);
            if (f == 0 && h == 0) {
                char *sd = h_fmt("%s/split", d);
                cr_assert_eq(mkdir(sd, 0755), 0);
                free(sd);
            }
            h_write(d, name, half[h]);
            free(name);
            free(half[h]);
        }
        free(text);
        free(in);
    }
    r = h_slagg(d, NULL, "pack", "--quiet", "--out", "shards", "--block-records", "700", "split", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    static const char *const tzs[] = {NULL, "+05:45", "+05:47"};
    for (int i = 0; i < 3; i++) {
        setenv("SLAGG_ENGINE", "generic", 1);
        fold_tz(d, "generic", tzs[i], "split");
        unsetenv("SLAGG_ENGINE");
        fold_tz(d, "sparse", tzs[i], "shards");
        setenv("SLAGG_NO_SPARSE", "1", 1);
        fold_tz(d, "ring", tzs[i], "shards");
        unsetenv("SLAGG_NO_SPARSE");
        same(d, "generic", "sparse");
        same(d, "generic", "ring");
        char *cmd = h_fmt("rm -rf '%s/generic' '%s/sparse' '%s/ring'", d, d, d);
        cr_assert_eq(system(cmd), 0);
        free(cmd);
    }
    h_rmtree(d);
}

/* 512-record blocks cover minutes: the ring path */
Test(engine, ring_path_equals_generic) { engines_agree("512"); }

/* 262144-record blocks cover weeks of this small fleet: the overflow path */
Test(engine, overflow_path_equals_generic) { engines_agree("262144"); }

/* A forced layout that does not exist is a usage error, not a silent
 * fallback: a benchmark must not measure what it did not ask for. */
Test(engine, unknown_ring_layout_is_refused)
{
    char *d = h_tmpdir();
    fleet(d, "512");
    setenv("SLAGG_RING_LAYOUT", "diagonal", 1);
    h_result r = h_slagg(d, NULL, "fold", "--quiet", "--out", "out", "--contracts", "fleet/contracts.csv",
                         "shards", NULL);
    unsetenv("SLAGG_RING_LAYOUT");
    h_assert_code(r, 1);
    cr_assert(h_contains(r.err, "SLAGG_RING_LAYOUT") && h_contains(r.err, "diagonal"), "%s", r.err);
    h_result_free(&r);
    h_rmtree(d);
}

/*
 * test_engine.c - the shard engine (core/engine/fold_shards.c, shard_engine_*.c) against the
 * generic fold: byte-identical outputs whatever the block size (ring path
 * or overflow path), ring layout (SLAGG_RING_LAYOUT) and loop
 * (SLAGG_NO_FLAT), thread count, kernel (SLAGG_FORCE_ISA), --through
 * (after_through, in_progress) and ring spills (SLAGG_TEST_SPILL_LIMIT).
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    fold(d, "fast1", "1", NULL);
    fold(d, "fast2", "2", NULL);
    fold(d, "fast3", "3", NULL);
    same(d, "generic", "fast1");
    same(d, "generic", "fast2");
    same(d, "generic", "fast3");
    /* an earlier --through: in_progress periods and after_through records */
    fold(d, "fast-t", "2", "2026-03-20");
    same(d, "generic-t", "fast-t");
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

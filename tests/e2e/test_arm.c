/*
 * test_arm.c - issue 6 (docs/ARM.md): on aarch64 the NEON kernel is the
 * one chosen at run time, it matches the scalar kernel on the cases that
 * stress its 16-record steps, and the binary's outputs are the same with
 * SLAGG_FORCE_ISA=neon, =scalar and no setting. On x86-64 the same file
 * checks that the best supported kernel is chosen and that neon is
 * refused (not built there). `./run test-arm` runs it under qemu-aarch64.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/kernels/fold.h"

Test(arm, best_kernel_is_chosen_at_run_time)
{
    unsetenv("SLAGG_FORCE_ISA");
    const slagg_kernel *k = NULL;
    slagg_err err = {0};
    cr_assert_eq(slagg_kernel_select(&k, &err), SLAGG_OK, "%s", err.msg);
    int n;
    const slagg_kernel *all = slagg_kernels_all(&n);
    int first = -1;
    for (int i = 0; i < n && first < 0; i++)
        if (slagg_kernel_supported(&all[i])) first = i;
    cr_assert_geq(first, 0);
    cr_assert_str_eq(k->name, all[first].name);
#if defined(__aarch64__)
    cr_assert_str_eq(k->name, "neon", "aarch64 must run the NEON kernel, got %s", k->name);
#endif
}

static void check_case(const slagg_kernel *k, const uint32_t *rel, const uint8_t *fl, size_t n,
                       uint32_t base, uint32_t mask, const char *what)
{
    static uint32_t ve1[2 * 4096], ve2[2 * 4096];
    for (size_t i = 0; i < 2 * 4096; i++) ve1[i] = ve2[i] = (uint32_t)(i * 2654435761u);
    slagg_fold_run_scalar(rel, fl, n, ve1, base, mask, 2);
    k->run(rel, fl, n, ve2, base, mask, 2);
    size_t used = 2 * ((size_t)mask + 1);
    for (size_t i = 0; i < used; i++)
        cr_assert_eq(ve1[i], ve2[i], "kernel %s differs from scalar (%s, n %zu, slot %zu, %s): %u != %u",
                     k->name, what, n, i / 2, i % 2 ? "E" : "V", ve2[i], ve1[i]);
}

/* Window boundaries at every lane of a 16-record step, runs of every
 * length around the vector widths, the last window of a day, a ring that
 * wraps, and every flag value. */
Test(arm, simd_kernels_match_scalar_on_lane_edges)
{
    int n_k;
    const slagg_kernel *ks = slagg_kernels_all(&n_k);
    int tested = 0;
    enum { MAXN = 1200 };
    static uint32_t rel[MAXN];
    static uint8_t fl[MAXN];
    for (int ki = 0; ki < n_k; ki++) {
        const slagg_kernel *k = &ks[ki];
        if (!strcmp(k->name, "scalar") || !slagg_kernel_supported(k)) continue;
        tested++;
        static const size_t lens[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, 100, 255, 256, 257, 1024, 1199};
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            size_t n = lens[li];
            /* a boundary after record b (b = 0..n): windows 3 then 4 */
            for (size_t b = 0; b <= n && b < 70; b++) {
                for (size_t i = 0; i < n; i++) {
                    rel[i] = i < b ? 3u * 300000u + (uint32_t)i : 4u * 300000u + (uint32_t)i;
                    fl[i] = (uint8_t)((i * 7 + b) % 4);
                }
                check_case(k, rel, fl, n, 5, 63, "one boundary");
            }
            /* a new window every r records */
            for (size_t r = 1; r <= 20; r++) {
                for (size_t i = 0; i < n; i++) {
                    rel[i] = (uint32_t)(i / r) * 300000u + 299999u * (i % r == r - 1);
                    fl[i] = (uint8_t)(i % 3 == 0 ? 3 : 1);
                }
                check_case(k, rel, fl, n, 4000, 4095, "window every r records");
            }
            /* the end of the day, a ring of 8 windows that wraps, all errors */
            for (size_t i = 0; i < n; i++) {
                rel[i] = 86400000u - 1u - (uint32_t)(n - 1 - i) * 1000u;
                fl[i] = 3;
            }
            check_case(k, rel, fl, n, 290, 511, "end of day");
            for (size_t i = 0; i < n; i++) {
                rel[i] = (uint32_t)(i * 7 / 16) * 300000u;
                fl[i] = (uint8_t)(i & 3);
            }
            if (n == 0 || (rel[n - 1] / 300000u) <= 1023) check_case(k, rel, fl, n, 1020, 1023, "ring wraps");
        }
    }
#if defined(__aarch64__)
    cr_assert_geq(tested, 1, "no NEON kernel tested on aarch64");
#endif
}

static void fold_isa(const char *d, const char *isa, const char *out, int expect)
{
    if (isa) setenv("SLAGG_FORCE_ISA", isa, 1);
    else unsetenv("SLAGG_FORCE_ISA");
    h_result r = h_slagg(d, NULL, "fold", "--quiet", "--out", out, "--contracts", "fleet/contracts.csv",
                         "--fees", "fleet/fees.csv", "--maintenance", "fleet/maintenance.csv",
                         "--holidays", "fleet/holidays.csv", "shards", NULL);
    unsetenv("SLAGG_FORCE_ISA");
    h_assert_code(r, expect);
    if (expect == 1) cr_assert(h_contains(r.err, "SLAGG_FORCE_ISA"), "%s", r.err);
    h_result_free(&r);
}

Test(arm, binary_outputs_same_for_every_kernel, .timeout = 600)
{
    char *d = h_tmpdir();
    h_result r = h_slagg(d, NULL, "gen", "--out", "fleet", "--records", "40000", "--accounts", "30",
                         "--seed", "6", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "pack", "--quiet", "--out", "shards", "--block-records", "2048",
                "fleet/records-000.csv", "fleet/records-001.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    fold_isa(d, NULL, "default", 0);
    fold_isa(d, "scalar", "scalar", 0);
#if defined(__aarch64__)
    fold_isa(d, "neon", "neon", 0);
    static const char *const outs[] = {"finance.csv", "finance.jsonl", "summary.json", "availability.slagg"};
    for (size_t i = 0; i < 4; i++) {
        char *a = h_fmt("%s/scalar/%s", d, outs[i]);
        char *b = h_fmt("%s/neon/%s", d, outs[i]);
        char *c = h_fmt("%s/default/%s", d, outs[i]);
        cr_assert(h_same_file(a, b), "%s: neon differs from scalar", outs[i]);
        cr_assert(h_same_file(a, c), "%s: default kernel differs from scalar", outs[i]);
        free(a);
        free(b);
        free(c);
    }
#else
    fold_isa(d, "neon", "neon", 1);
#endif
    h_rmtree(d);
}

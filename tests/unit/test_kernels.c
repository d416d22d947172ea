/*
 * test_kernels.c - every fold kernel this CPU can run gives exactly what
 * the scalar kernel gives, and the reciprocal division is exact over its
 * whole domain (core/kernels/fold.h).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/kernels/fold.h"

Test(kernels, reciprocal_division_exact_below_2_27)
{
    for (uint32_t x = 0; x < (1u << 27); x++)
        if (slagg_div300k(x) != x / 300000u) cr_assert_fail("x=%u: %u != %u", x, slagg_div300k(x), x / 300000u);
}

Test(kernels, scalar_kernel_by_hand)
{
    /* windows 0, 0, 1, 63 of a ring based at slot 60 (mask 63) */
    uint32_t rel[] = {0, 299999, 300000, 63u * 300000u + 5};
    uint8_t fl[] = {1, 3, 1, 3};
    uint32_t ve[128] = {0};
    slagg_fold_run_scalar(rel, fl, 4, ve, 60, 63);
    cr_assert_eq(ve[2 * 60], 2);
    cr_assert_eq(ve[2 * 60 + 1], 1);
    cr_assert_eq(ve[2 * 61], 1);
    cr_assert_eq(ve[2 * 61 + 1], 0);
    cr_assert_eq(ve[2 * ((60 + 63) & 63)], 1);
    cr_assert_eq(ve[2 * ((60 + 63) & 63) + 1], 1);
    uint32_t sum = 0;
    for (int i = 0; i < 64; i++) sum += ve[2 * i];
    cr_assert_eq(sum, 4);
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Random sorted runs: dense (many records a window), sparse, and runs
 * whose length is not a multiple of any vector width. */
Test(kernels, every_supported_kernel_matches_scalar)
{
    int n_k;
    const slagg_kernel *ks = slagg_kernels_all(&n_k);
    int tested = 0;
    for (int k = 0; k < n_k; k++) {
        if (!slagg_kernel_supported(&ks[k])) {
            cr_log_info("kernel %s: not supported by this CPU, skipped", ks[k].name);
            continue;
        }
        tested++;
        for (int round = 0; round < 400; round++) {
            size_t n = (size_t)(next_rand() % 3000);
            uint32_t *rel = malloc((n + 1) * sizeof *rel);
            uint8_t *fl = malloc(n + 1);
            uint32_t density = 1 + (uint32_t)(next_rand() % 200000);
            uint32_t x = (uint32_t)(next_rand() % 300000);
            for (size_t i = 0; i < n; i++) {
                x += (uint32_t)(next_rand() % density);
                if (x >= 86400000u) x = 86400000u - 1;
                rel[i] = x;
                fl[i] = (uint8_t)(next_rand() % 3 == 0 ? 1 : next_rand() % 4 == 0 ? 3 : next_rand() % 2);
            }
            uint32_t ve1[1024], ve2[1024];
            for (int i = 0; i < 1024; i++) ve1[i] = ve2[i] = (uint32_t)i * 7;
            uint32_t base = (uint32_t)(next_rand() % 512);
            slagg_fold_run_scalar(rel, fl, n, ve1, base, 511);
            ks[k].run(rel, fl, n, ve2, base, 511);
            cr_assert(memcmp(ve1, ve2, sizeof ve1) == 0,
                      "kernel %s differs from scalar (round %d, n %zu)", ks[k].name, round, n);
            free(rel);
            free(fl);
        }
    }
    cr_assert_geq(tested, 1);
}

Test(kernels, force_isa_selects_or_refuses)
{
    const slagg_kernel *k;
    slagg_err err = {0};
    setenv("SLAGG_FORCE_ISA", "scalar", 1);
    cr_assert_eq(slagg_kernel_select(&k, &err), SLAGG_OK);
    cr_assert_str_eq(k->name, "scalar");
    setenv("SLAGG_FORCE_ISA", "sse9", 1);
    cr_assert_eq(slagg_kernel_select(&k, &err), SLAGG_E_USAGE);
    cr_assert(strstr(err.msg, "sse9") != NULL, "%s", err.msg);
    unsetenv("SLAGG_FORCE_ISA");
    cr_assert_eq(slagg_kernel_select(&k, &err), SLAGG_OK);
    cr_assert(slagg_kernel_supported(k));
}

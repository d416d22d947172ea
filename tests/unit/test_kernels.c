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
    slagg_fold_run_scalar(rel, fl, 4, ve, 60, 63, 2);
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

Test(kernels, scalar_kernel_window_major_cells)
{
    /* account 2 of a window-major ring of 5 accounts and 8 windows: the
     * cells of window slot s are at 2 * (s * 5 + 2); base slot 6, so
     * windows 0, 1, 2 land in slots 6, 7, 0 (the ring wraps) */
    uint32_t rel[] = {10, 20, 300000, 600000, 600001};
    uint8_t fl[] = {3, 1, 0, 1, 3};
    uint32_t ve[2 * 5 * 8] = {0};
    slagg_fold_run_scalar(rel, fl, 5, ve + 2 * 2, 6, 7, 2 * 5);
    cr_assert_eq(ve[2 * (6 * 5 + 2)], 2);
    cr_assert_eq(ve[2 * (6 * 5 + 2) + 1], 1);
    cr_assert_eq(ve[2 * (7 * 5 + 2)], 0);
    cr_assert_eq(ve[2 * (0 * 5 + 2)], 2);
    cr_assert_eq(ve[2 * (0 * 5 + 2) + 1], 1);
    uint32_t sum = 0;
    for (int i = 0; i < 2 * 5 * 8; i++) sum += ve[i];
    cr_assert_eq(sum, 6, "nothing else is touched");
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
            /* even rounds: an account-major row (stride 2, 512 windows);
             * odd rounds: account 3's cells of a window-major ring of 7
             * accounts (stride 14, 128 windows) */
            uint32_t ve1[2048], ve2[2048];
            for (int i = 0; i < 2048; i++) ve1[i] = ve2[i] = (uint32_t)i * 7;
            uint32_t mask = round % 2 ? 127 : 511;
            size_t stride = round % 2 ? 14 : 2, off = round % 2 ? 6 : 0;
            uint32_t base = (uint32_t)(next_rand() % (mask + 1));
            slagg_fold_run_scalar(rel, fl, n, ve1 + off, base, mask, stride);
            ks[k].run(rel, fl, n, ve2 + off, base, mask, stride);
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
    /* the library reads no environment: the name is the job's isa option */
    setenv("SLAGG_FORCE_ISA", "sse9", 1);
    cr_assert_eq(slagg_kernel_select(&k, &err), SLAGG_OK);
    unsetenv("SLAGG_FORCE_ISA");
    cr_assert_eq(slagg_kernel_pick("scalar", &k, &err), SLAGG_OK);
    cr_assert_str_eq(k->name, "scalar");
    cr_assert_eq(slagg_kernel_pick("sse9", &k, &err), SLAGG_E_USAGE);
    cr_assert(strstr(err.msg, "sse9") != NULL, "%s", err.msg);
    cr_assert_eq(slagg_kernel_pick(NULL, &k, &err), SLAGG_OK);
    cr_assert(slagg_kernel_supported(k));
}

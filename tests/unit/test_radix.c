/*
 * test_radix.c - core/radix.c: the stable LSD radix sort the shard
 * writer's blocks and the sparse fold's cells are sorted with.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/radix.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Sorts n keys made by mk and checks the order and the stability (equal
 * keys keep their input order, their payload being the input index). */
static void check(uint32_t n, uint64_t (*mk)(uint32_t))
{
    uint64_t *k = malloc((n + 1) * sizeof *k), *tk = malloc((n + 1) * sizeof *tk), *orig = malloc((n + 1) * sizeof *orig);
    uint32_t *p = malloc((n + 1) * sizeof *p), *tp = malloc((n + 1) * sizeof *tp);
    cr_assert(k && tk && p && tp && orig);
    for (uint32_t i = 0; i < n; i++) {
        orig[i] = k[i] = mk(i);
        p[i] = i;
    }
    uint64_t *k0 = k, *tk0 = tk;
    uint32_t *p0 = p, *tp0 = tp;
    slagg_radix_sort(&k, &p, &tk, &tp, n);
    for (uint32_t i = 0; i < n; i++) {
        cr_assert_eq(k[i], orig[p[i]], "key %u is not its payload's", i);
        if (i) {
            cr_assert(k[i - 1] <= k[i], "keys %u, %u out of order", i - 1, i);
            if (k[i - 1] == k[i]) cr_assert(p[i - 1] < p[i], "equal keys %u, %u swapped", i - 1, i);
        }
    }
    free(k == k0 ? k0 : tk0);
    free(k == k0 ? tk0 : k0);
    free(p == p0 ? p0 : tp0);
    free(p == p0 ? tp0 : p0);
    free(orig);
}

static uint64_t any(uint32_t i) { (void)i; return next(); }
/* few distinct keys: the stability matters */
static uint64_t few(uint32_t i) { (void)i; return next() % 5 << 40 | 7; }
/* digits that never change (every pass but two skipped), descending */
static uint64_t skipped(uint32_t i) { return 0xab000000000000cdULL | (uint64_t)(60000 - i) << 16; }
/* the sparse fold's key: (window offset, account) */
static uint64_t cell(uint32_t i) { return (uint64_t)(next() % 8928) << 32 | (uint32_t)(i * 2654435761u % 100000); }
static uint64_t same(uint32_t i) { (void)i; return 42; }

Test(radix, random_keys) { check(100000, any); }
Test(radix, few_distinct_keys_stay_in_input_order) { check(50000, few); }
Test(radix, constant_digits_skipped) { check(60000, skipped); }
Test(radix, cell_keys) { check(70000, cell); }
Test(radix, all_equal_and_empty)
{
    check(1000, same);
    check(0, same);
    check(1, any);
}

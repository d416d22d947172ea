/*
 * kernels/fold.h - the histogram kernel of the shard fold, one
 * implementation per instruction set (fold_scalar.c, fold_avx2.c,
 * fold_avx512.c, fold_neon.c), chosen once at run time by core/cpu.c.
 *
 * A kernel folds one run of records of one account (sorted by time, as
 * shards store them) into that account's cells of the window ring:
 *   w = rel_ms[i] / 300000       window offset from the day's first window
 *   c = stride * ((base_slot + w) & mask)
 *   ve[c]     += flags[i] & 1    (valid)
 *   ve[c + 1] += flags[i] >> 1   (error)
 * V and E of a window sit side by side: one cache line, one miss. stride
 * is the distance between two windows' cells of one account: 2 when the
 * ring is account-major, 2 x accounts when it is window-major (see
 * fold_shards.c "Ring layout").
 * Preconditions: rel_ms ascending and below one day (86,400,000 ms: the
 * caller folds a run one service-time day at a time, rel_ms counting from
 * the day's start and base_slot being the day's first window in the ring),
 * rel_ms[n-1] / 300000 <= mask (records beyond the ring go elsewhere),
 * counters cannot overflow (the caller spills rings before 2^32).
 * The division by 300000 is a multiply by a reciprocal that fits 32 bits,
 * so SIMD lanes can use a 32x32->64 multiply: for x < 2^27,
 * x / 300000 == (x * 0x6FD91D9) >> 45 (checked for every x < 2^27 by
 * tests/unit/test_kernels.c).
 */
#ifndef SLAGG_CORE_KERNELS_FOLD_H
#define SLAGG_CORE_KERNELS_FOLD_H

#include <stddef.h>
#include <stdint.h>

#define SLAGG_DIV300K_MUL 0x6FD91D9ULL
#define SLAGG_DIV300K_SHIFT 45

static inline uint32_t slagg_div300k(uint32_t x)
{
    return (uint32_t)(((uint64_t)x * SLAGG_DIV300K_MUL) >> SLAGG_DIV300K_SHIFT);
}

/* The scalar step every kernel shares: sums stay in registers while the
 * window stays the same, and go to the ring when it changes. */
typedef struct slagg_fold_acc {
    uint32_t cur;          /* the window being summed */
    uint64_t v, e;
} slagg_fold_acc;

static inline void slagg_fold_flush(slagg_fold_acc *a, uint32_t *ve, uint32_t base_slot, uint32_t mask,
                                    size_t stride)
{
    size_t cell = stride * ((base_slot + a->cur) & mask);
    ve[cell] += (uint32_t)a->v;
    ve[cell + 1] += (uint32_t)a->e;
    a->v = a->e = 0;
}

static inline void slagg_fold_step(slagg_fold_acc *a, uint32_t w, uint8_t flag, uint32_t *ve,
                                   uint32_t base_slot, uint32_t mask, size_t stride)
{
    if (w != a->cur) {
        slagg_fold_flush(a, ve, base_slot, mask, stride);
        a->cur = w;
    }
    a->v += flag & 1u;
    a->e += flag >> 1;
}

typedef void (*slagg_fold_run_fn)(const uint32_t *rel_ms, const uint8_t *flags, size_t n,
                                  uint32_t *ve, uint32_t base_slot, uint32_t mask, size_t stride);

void slagg_fold_run_scalar(const uint32_t *rel_ms, const uint8_t *flags, size_t n, uint32_t *ve,
                           uint32_t base_slot, uint32_t mask, size_t stride);
#if defined(SLAGG_HAVE_X86_KERNELS)
void slagg_fold_run_avx2(const uint32_t *rel_ms, const uint8_t *flags, size_t n, uint32_t *ve,
                           uint32_t base_slot, uint32_t mask, size_t stride);
void slagg_fold_run_avx512(const uint32_t *rel_ms, const uint8_t *flags, size_t n, uint32_t *ve,
                           uint32_t base_slot, uint32_t mask, size_t stride);
#endif
#if defined(SLAGG_HAVE_NEON_KERNELS)
void slagg_fold_run_neon(const uint32_t *rel_ms, const uint8_t *flags, size_t n, uint32_t *ve,
                           uint32_t base_slot, uint32_t mask, size_t stride);
#endif

#endif

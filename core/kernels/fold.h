/*
 * kernels/fold.h - the kernels of the shard fold (docs/DESIGN.md "The
 * shard engine"), chosen once at run time by core/cpu.c. Two loops, one
 * table entry (slagg_kernel) holding one of each:
 *
 *   the flat kernel, slagg_fold_flat_<isa> (fold_flat_scalar.c): a whole
 *     chunk of a window-major ring inside one service day and inside the
 *     ring, record by record across its runs. It folds nearly every
 *     record of a fleet whose blocks span a few windows (the benchmark
 *     fleet): the hot path. Only a scalar version exists; every entry of
 *     the table points at it, so SLAGG_FORCE_ISA does not change it (yet).
 *   the run kernel, slagg_fold_run_<isa> (fold_scalar.c, fold_avx2.c,
 *     fold_avx512.c, fold_neon.c): one day segment of one account's run,
 *     for account-major rings and for chunks the flat kernel cannot take
 *     (crossing a day or the ring). SLAGG_FORCE_ISA picks among these.
 *
 * A run kernel folds one run of records of one account (sorted by time, as
 * shards store them) into that account's cells of the window ring:
 *   w = rel_ms[i] / 300000       window offset from the day's first window
 *   c = stride * ((base_slot + w) & mask)
 *   ve[c]     += flags[i] & 1    (valid)
 *   ve[c + 1] += flags[i] >> 1   (error)
 * V and E of a window sit side by side: one cache line, one miss. stride
 * is the distance between two windows' cells of one account: 2 when the
 * ring is account-major, 2 x (accounts + 1) when it is window-major (see
 * core/engine/shard_engine.h "Ring layout").
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

struct slagg_maint_index;

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


/* The flat kernel's chunk: plain arrays and numbers, nothing of the
 * engine. Records [0, n) lie in one service day (instants from day_ms on,
 * below day_ms + 86,400,000) and inside the ring; they are runs of one
 * account each, sorted by time within a run.
 *   w    = (ts_ms[j] - day_ms) / 300000     window offset in the day
 *   r    = the run of record j: the largest ridx[0..j] (ridx[j] = r where
 *          run r starts, 0 elsewhere)
 *   a, p = run_acc[r], run_p[r]             ring column, class-table row
 *   c    = code_cls[code[j]]; SLAGG_CLASS_BY_MAINT (core/classify.h):
 *          slagg_classify(pair_status, pair_cause, a < n_accounts &&
 *          slagg_maint_contains(maint, a, ts_ms[j]))
 *   ve[2 * (((base_slot + w) & mask) * row + a)]     += cls_flags[c] & 1
 *   ve[2 * (((base_slot + w) & mask) * row + a) + 1] += cls_flags[c] >> 1
 *   ptot[p * SLAGG_CLASS_COUNT + c]++
 *   when cls_flags[c] & 2 and a < n_accounts: (a, w) appended to
 *          err_acc/err_win, unless the last entry is the same.
 * Column n_accounts of the ring and row n_periods of ptot are the sinks
 * for uncontracted runs (never finalised), so the loop has no branch for
 * them. run_acc and run_p hold SLAGG_FOLD_FLAT_AHEAD entries past n_runs
 * (what the prefetches read). Counters cannot overflow (the caller spills
 * rings before 2^32). */
#define SLAGG_FOLD_FLAT_AHEAD 8
typedef struct slagg_fold_flat_args {
    /* the chunk */
    uint32_t n, n_runs;
    const int64_t *ts_ms;             /* [n] UTC instants */
    const uint16_t *code;             /* [n] pair codes */
    const uint32_t *run_len;          /* [n_runs] */
    const uint32_t *ridx;             /* [n] run marks, as above */
    const uint32_t *run_acc, *run_p;  /* [n_runs + SLAGG_FOLD_FLAT_AHEAD] */
    /* the block's pairs and the classes */
    const uint16_t *pair_status;      /* [pair code] */
    const uint8_t *pair_cause;        /* [pair code] a slagg_cause */
    const uint8_t *code_cls;          /* [pair code] slagg_class_of_pair() */
    const uint8_t *cls_flags;         /* [SLAGG_CLASS_COUNT] 1 valid | 2 error */
    const struct slagg_maint_index *maint;
    uint32_t n_accounts;
    /* the ring (window-major) and the day */
    int64_t day_ms;                   /* UTC instant of the service day's start */
    uint32_t base_slot, mask;         /* the day's first window's ring slot; ring - 1 */
    size_t row;                       /* cells in a window row: n_accounts + 1 */
    uint32_t w_lo;                    /* the coverage mask's first window (offset in the day) */
    /* out: added to */
    uint32_t *ve;                     /* the ring: [ring][row][V, E] */
    uint64_t *ptot;                   /* [n_periods + 1][SLAGG_CLASS_COUNT] */
    /* out: set */
    uint32_t *run_nok;                /* [n_runs] scratch: a run's records not of class OK */
    uint32_t *err_acc, *err_win;      /* [n] cells an error went to (account, window offset) */
    uint32_t n_err;                   /* entries of err_acc/err_win */
    uint64_t covm;                    /* bit (w - w_lo) & 63 for every record's w */
} slagg_fold_flat_args;

typedef void (*slagg_fold_flat_fn)(slagg_fold_flat_args *a);

void slagg_fold_flat_scalar(slagg_fold_flat_args *a);

#endif

#include "core/cpu.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif
#if defined(__aarch64__)
#include <sys/auxv.h>
#endif

/* One entry per instruction set: its run kernel, its flat kernel, its
 * code scans and its NDJSON line pre-scan. Only a scalar flat kernel exists so far, so every entry
 * names it; a faster one replaces it in its entry (core/kernels/fold.h). */
static const slagg_kernel kernels[] = {
#if defined(SLAGG_HAVE_X86_KERNELS)
    {"avx512", slagg_fold_run_avx512, slagg_fold_flat_scalar, slagg_scan8_avx512, slagg_scan16_avx512, slagg_json_plain_avx512},
    {"avx2", slagg_fold_run_avx2, slagg_fold_flat_scalar, slagg_scan8_avx2, slagg_scan16_avx2, slagg_json_plain_avx2},
#endif
#if defined(SLAGG_HAVE_NEON_KERNELS)
    {"neon", slagg_fold_run_neon, slagg_fold_flat_scalar, slagg_scan8_neon, slagg_scan16_neon, slagg_json_plain_neon},
#endif
    {"scalar", slagg_fold_run_scalar, slagg_fold_flat_scalar, slagg_scan8_scalar, slagg_scan16_scalar, slagg_json_plain_scalar},
};

const slagg_kernel *slagg_kernels_all(int *n)
{
    *n = (int)(sizeof kernels / sizeof kernels[0]);
    return kernels;
}

#if defined(__x86_64__) || defined(_M_X64)
static unsigned long long xgetbv0(void)
{
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

/* bit 0: avx2 usable, bit 1: avx512 (F, BW, VL) usable */
static int x86_features(void)
{
    unsigned a, b, c, d;
    int f = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx) return 0;
    unsigned long long xcr0 = xgetbv0();
    int ymm = (xcr0 & 0x6) == 0x6, zmm = (xcr0 & 0xe6) == 0xe6;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int avx2 = (b >> 5) & 1, bmi2 = (b >> 8) & 1;
    int avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1, avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
    if (ymm && avx2 && bmi2) f |= 1;
    if (zmm && (f & 1) && avx512f && avx512bw && avx512vl && avx512dq) f |= 2;
    return f;
}
#endif

int slagg_kernel_supported(const slagg_kernel *k)
{
    if (strcmp(k->name, "scalar") == 0) return 1;
#if defined(__x86_64__) || defined(_M_X64)
    /* Threads (pack's workers open writers, which pick a kernel) may ask at
     * once: every one computes the same value, so a relaxed atomic is enough. */
    static _Atomic int cache = -1;
    int feats = atomic_load_explicit(&cache, memory_order_relaxed);
    if (feats < 0) {
        feats = x86_features();
        atomic_store_explicit(&cache, feats, memory_order_relaxed);
    }
    if (strcmp(k->name, "avx2") == 0) return (feats & 1) != 0;
    if (strcmp(k->name, "avx512") == 0) return (feats & 2) != 0;
#endif
#if defined(__aarch64__)
    if (strcmp(k->name, "neon") == 0) return (getauxval(AT_HWCAP) & HWCAP_ASIMD) != 0;
#endif
    return 0;
}

slagg_status slagg_kernel_pick(const char *force, const slagg_kernel **out, slagg_err *err)
{
    int n;
    const slagg_kernel *all = slagg_kernels_all(&n);
    for (int i = 0; i < n; i++) {
        if (force && *force && strcmp(force, all[i].name) != 0) continue;
        if (!slagg_kernel_supported(&all[i])) {
            if (force && *force) return slagg_err_set(err, SLAGG_E_USAGE, "%s: this CPU cannot run it", force);
            continue;
        }
        *out = &all[i];
        return SLAGG_OK;
    }
    return slagg_err_set(err, SLAGG_E_USAGE, "%s: unknown or not built here (scalar, avx2, avx512, neon)",
                         force ? force : "");
}

slagg_status slagg_kernel_select(const slagg_kernel **out, slagg_err *err)
{
    return slagg_kernel_pick(NULL, out, err);
}

/*
 * cpu.h - instruction-set detection, done once, and the fold kernel
 * dispatch table (docs/DESIGN.md "Kernels").
 *
 * x86-64: cpuid for the feature bits *and* xgetbv for the OS having
 * enabled the YMM/ZMM state; aarch64: getauxval(AT_HWCAP). The table lists
 * kernels in priority order; the first the CPU can run wins, unless the
 * job's isa option (the CLI's SLAGG_FORCE_ISA=scalar|avx2|avx512|neon)
 * names one (an unavailable one is an error, so a benchmark never silently
 * measures the wrong kernel). The library reads no environment.
 */
#ifndef SLAGG_CORE_CPU_H
#define SLAGG_CORE_CPU_H

#include "core/error.h"
#include "core/kernels/fold.h"
#include "core/kernels/scan.h"
#include "core/kernels/text.h"

/* The kernels of one instruction set (core/kernels/fold.h says which loop
 * is which). */
typedef struct slagg_kernel {
    const char *name;        /* "scalar", "avx2", "avx512", "neon" */
    slagg_fold_run_fn run;   /* a day segment of one account's run */
    slagg_fold_flat_fn flat; /* a window-major chunk inside one day (scalar in every entry for now) */
    slagg_scan8_fn scan8;    /* the non-OK codes of a 2.0 block (core/kernels/scan.h), u8 codes */
    slagg_scan16_fn scan16;  /* ... u16 codes */
    slagg_json_plain_fn json_plain;  /* an NDJSON line's pre-scan (core/kernels/text.h) */
} slagg_kernel;

/* Every kernel compiled in, in priority order; *n gets the count. */
const slagg_kernel *slagg_kernels_all(int *n);
/* 1 when this CPU (and OS) can run kernel k. */
int slagg_kernel_supported(const slagg_kernel *k);
/* The kernel to use: the one named force (NULL or "": the best supported).
 * SLAGG_E_USAGE "NAME: reason" when force names an unknown or unsupported one. */
slagg_status slagg_kernel_pick(const char *force, const slagg_kernel **out, slagg_err *err);
/* The best supported kernel: slagg_kernel_pick(NULL, ...). */
slagg_status slagg_kernel_select(const slagg_kernel **out, slagg_err *err);

#endif

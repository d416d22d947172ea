/*
 * kernels/scan.h - the code-scan kernels of shard format 2.0 (docs/FORMAT.md
 * "Request-record shards, version 2.0"), one file per instruction set
 * (scan_scalar.c, scan_avx2.c, scan_avx512.c, scan_neon.c), chosen with the
 * fold kernels by core/cpu.c (slagg_kernel.scan8 / scan16).
 *
 * A block's pair table is sorted by (status, cause), so its OK pairs
 * (status 100-499, core/classify.h) are one range of codes [lo, lo + span).
 * A scan lists the records outside that range, the non-OK ones: 0.15 % of
 * the benchmark fleet's records. The writer builds a block's exceptions
 * from it, the reader checks a block's exceptions against its codes with
 * it. Most 32- or 64-byte strides hold no exception, so the SIMD loops
 * test a whole stride with one compare and move on.
 *
 *   out[k] = i for every i < n with (code[i] - lo) mod 2^bits >= span, in
 *   increasing order; returns k. out must hold n entries.
 */
#ifndef SLAGG_CORE_KERNELS_SCAN_H
#define SLAGG_CORE_KERNELS_SCAN_H

#include <stddef.h>
#include <stdint.h>

typedef size_t (*slagg_scan8_fn)(const uint8_t *code, size_t n, uint8_t lo, uint8_t span, uint32_t *out);
typedef size_t (*slagg_scan16_fn)(const uint16_t *code, size_t n, uint16_t lo, uint16_t span, uint32_t *out);

size_t slagg_scan8_scalar(const uint8_t *code, size_t n, uint8_t lo, uint8_t span, uint32_t *out);
size_t slagg_scan16_scalar(const uint16_t *code, size_t n, uint16_t lo, uint16_t span, uint32_t *out);
#if defined(SLAGG_HAVE_X86_KERNELS)
size_t slagg_scan8_avx2(const uint8_t *code, size_t n, uint8_t lo, uint8_t span, uint32_t *out);
size_t slagg_scan16_avx2(const uint16_t *code, size_t n, uint16_t lo, uint16_t span, uint32_t *out);
size_t slagg_scan8_avx512(const uint8_t *code, size_t n, uint8_t lo, uint8_t span, uint32_t *out);
size_t slagg_scan16_avx512(const uint16_t *code, size_t n, uint16_t lo, uint16_t span, uint32_t *out);
#endif
#if defined(SLAGG_HAVE_NEON_KERNELS)
size_t slagg_scan8_neon(const uint8_t *code, size_t n, uint8_t lo, uint8_t span, uint32_t *out);
size_t slagg_scan16_neon(const uint16_t *code, size_t n, uint16_t lo, uint16_t span, uint32_t *out);
#endif

#endif

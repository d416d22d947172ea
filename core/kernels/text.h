/*
 * kernels/text.h - the NDJSON line pre-scan (io/ndjson.c), one file per
 * instruction set (text_scalar.c, text_avx2.c, text_avx512.c,
 * text_neon.c), chosen with the fold kernels by core/cpu.c
 * (slagg_kernel.json_plain).
 *
 * Nearly every line of a request log is plain: printable ASCII, no
 * escape. For such a line every JSON string is its bytes between two
 * quotes, so the parser finds a string's end in the line's quote bitmap
 * instead of scanning the string (docs/DESIGN.md "Text inputs"). A line
 * that is not plain is parsed byte by byte, as before: the scan only
 * decides which path, never what a line means.
 *
 *   For a line s[0..n), n <= SLAGG_JSON_LINE_MAX: returns 1 when no byte
 *   is below 0x20, from 0x80, or '\\', and then bit i % 64 of quotes[i /
 *   64] is set exactly where s[i] == '"' (bits from n on are 0); returns 0
 *   otherwise (quotes then undefined). Reads s[0..n) only.
 */
#ifndef SLAGG_CORE_KERNELS_TEXT_H
#define SLAGG_CORE_KERNELS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define SLAGG_JSON_LINE_MAX 1024   /* longer lines take the byte path */

typedef int (*slagg_json_plain_fn)(const unsigned char *s, size_t n, uint64_t *quotes);

int slagg_json_plain_scalar(const unsigned char *s, size_t n, uint64_t *quotes);
#if defined(SLAGG_HAVE_X86_KERNELS)
int slagg_json_plain_avx2(const unsigned char *s, size_t n, uint64_t *quotes);
int slagg_json_plain_avx512(const unsigned char *s, size_t n, uint64_t *quotes);
#endif
#if defined(SLAGG_HAVE_NEON_KERNELS)
int slagg_json_plain_neon(const unsigned char *s, size_t n, uint64_t *quotes);
#endif

#endif

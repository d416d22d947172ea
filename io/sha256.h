/*
 * sha256.h - SHA-256 (FIPS 180-4), self-contained, for the generation
 * manifest (SPEC 4 "One generation": each file's SHA-256, the tables'
 * SHA-256 and the run_id). Not used for anything secret: no constant-time
 * promise beyond what the plain algorithm gives.
 */
#ifndef SLAGG_IO_SHA256_H
#define SLAGG_IO_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define SLAGG_SHA256_LEN 32
#define SLAGG_SHA256_HEX 65 /* 64 hex digits + NUL */

typedef struct slagg_sha256 {
    uint32_t h[8];
    uint64_t len;           /* bytes hashed so far */
    unsigned char blk[64];
    size_t n;               /* bytes waiting in blk */
} slagg_sha256_ctx;

void slagg_sha256_init(slagg_sha256_ctx *c);
void slagg_sha256_update(slagg_sha256_ctx *c, const void *data, size_t n);
void slagg_sha256_final(slagg_sha256_ctx *c, unsigned char out[SLAGG_SHA256_LEN]);

/* One call: the digest of n bytes. */
void slagg_sha256(const void *data, size_t n, unsigned char out[SLAGG_SHA256_LEN]);

/* The compression function: SHA-NI (io/sha256_shani.c) where the CPU has
 * it, else the portable one; slagg_sha256_set_hw(0) forces the portable
 * one and (1) the SHA-NI one where available (tests). slagg_sha256_hw():
 * 1 when SHA-NI is used. */
void slagg_sha256_set_hw(int on);
int slagg_sha256_hw(void);

/* Lower-case hex of a digest, NUL-terminated. */
void slagg_sha256_hex(const unsigned char d[SLAGG_SHA256_LEN], char out[SLAGG_SHA256_HEX]);

/* The digest of a whole file, read once in 64 KiB pieces. SLAGG_E_IO
 * "PATH: reason" when it cannot be opened or read. */
slagg_status slagg_sha256_file(const char *path, unsigned char out[SLAGG_SHA256_LEN],
                               uint64_t *size, slagg_err *err);

#endif

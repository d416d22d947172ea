/*
 * summary_payload.c - fuzzes the compact summary's payload parser behind
 * its checksums: the input is the raw (uncompressed) payload of
 * docs/FORMAT.md; this harness compresses it and writes a well-formed
 * header (sizes, XXH64) and end marker around it, so every mutation
 * reaches parse_payload in io/summary_file.c.
 */
#define FUZZ_SUMMARY_NO_MAIN 1
#include "summary.c"

#include <zstd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ZSTD_CCtx *cc;
    if (!cc) cc = ZSTD_createCCtx();
    size_t cap = ZSTD_compressBound(size);
    unsigned char *f = malloc(40 + cap + 8);
    FUZZ_CHECK(f);
    ZSTD_CCtx_reset(cc, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 1);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
    size_t cn = ZSTD_compress2(cc, f + 40, cap, data, size);
    FUZZ_CHECK(!ZSTD_isError(cn));
    memcpy(f, "SLAGGSUM", 8);
    fuzz_put32(f + 8, 1);   /* major 1, minor 0 */
    fuzz_put32(f + 12, 0);  /* flags */
    fuzz_put64(f + 16, size);
    fuzz_put64(f + 24, cn);
    fuzz_put64(f + 32, XXH64(f, 32, 0));
    memcpy(f + 40 + cn, "SLAGGEND", 8);
    fuzz_read_summary(fuzz_file(f, 40 + cn + 8));
    free(f);
    return 0;
}

/*
 * shard_payload.c - fuzzes the shard decoder behind the checksums. The
 * input is not a file but the parts checksums would otherwise protect:
 *
 *   u32 records | i64 min_ts_ms | i64 max_ts_ms   (the block header fields)
 *   u16 D | D bytes: the footer's dictionary (u32 n_accounts + entries)
 *   the rest: one raw (uncompressed) block
 *
 * This harness compresses the block and the footer, computes every XXH64
 * and writes a well-formed envelope (file header, block header, footer
 * index entry equal to it, trailer), so each mutation reaches the footer
 * and block decoders of io/shard_reader.c and not just a checksum check.
 */
#define FUZZ_SHARD_NO_MAIN 1
#include "shard.c"

#include <zstd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

static size_t compress(ZSTD_CCtx *cc, const void *src, size_t n, unsigned char **out)
{
    size_t cap = ZSTD_compressBound(n);
    *out = malloc(cap ? cap : 1);
    FUZZ_CHECK(*out);
    ZSTD_CCtx_reset(cc, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 1);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
    size_t got = ZSTD_compress2(cc, *out, cap, src, n);
    FUZZ_CHECK(!ZSTD_isError(got));
    return got;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ZSTD_CCtx *cc;
    if (!cc) cc = ZSTD_createCCtx();
    if (size < 22) return 0;
    uint32_t records = fuzz_get32(data);
    uint64_t min_ts = fuzz_get64(data + 4), max_ts = fuzz_get64(data + 12);
    size_t dlen = (size_t)data[20] | (size_t)data[21] << 8;
    if (dlen > size - 22) return 0;
    const uint8_t *dict = data + 22, *raw = dict + dlen;
    size_t raw_n = size - 22 - dlen;

    unsigned char *bcomp, *fcomp;
    size_t bn = compress(cc, raw, raw_n, &bcomp);

    /* footer raw: dictionary, n_blocks = 1, the index entry */
    size_t fraw_n = dlen + 8 + 36;
    unsigned char *fraw = malloc(fraw_n);
    FUZZ_CHECK(fraw);
    memcpy(fraw, dict, dlen);
    unsigned char *ix = fraw + dlen;
    fuzz_put64(ix, 1);
    fuzz_put64(ix + 8, 32);
    fuzz_put32(ix + 16, records);
    fuzz_put32(ix + 20, (uint32_t)bn);
    fuzz_put32(ix + 24, (uint32_t)raw_n);
    fuzz_put64(ix + 28, min_ts);
    fuzz_put64(ix + 36, max_ts);
    size_t fn = compress(cc, fraw, fraw_n, &fcomp);

    size_t total = 32 + 48 + bn + fn + 64;
    unsigned char *f = calloc(1, total);
    FUZZ_CHECK(f);
    memcpy(f, "SLAGGSHD", 8);
    fuzz_put16(f + 8, 1);
    fuzz_put16(f + 10, 0);
    fuzz_put64(f + 24, XXH64(f, 24, 0));
    unsigned char *h = f + 32;
    memcpy(h, "BLK1", 4);
    fuzz_put32(h + 4, records);
    fuzz_put64(h + 8, min_ts);
    fuzz_put64(h + 16, max_ts);
    fuzz_put32(h + 24, (uint32_t)bn);
    fuzz_put32(h + 28, (uint32_t)raw_n);
    fuzz_put64(h + 32, XXH64(bcomp, bn, 0));
    fuzz_put64(h + 40, XXH64(h, 40, 0));
    memcpy(h + 48, bcomp, bn);
    uint64_t foff = 32 + 48 + bn;
    memcpy(f + foff, fcomp, fn);
    unsigned char *t = f + foff + fn;
    fuzz_put64(t, foff);
    fuzz_put64(t + 8, fn);
    fuzz_put64(t + 16, fraw_n);
    fuzz_put64(t + 24, 1);
    fuzz_put64(t + 32, records);
    fuzz_put64(t + 40, XXH64(fcomp, fn, 0));
    fuzz_put64(t + 48, XXH64(t, 48, 0));
    memcpy(t + 56, "SLAGGEND", 8);

    fuzz_read_shard(fuzz_file(f, total));
    free(f);
    free(fraw);
    free(bcomp);
    free(fcomp);
    return 0;
}

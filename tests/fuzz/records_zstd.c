/*
 * records_zstd.c - the record reader (records.c's checks) on the input
 * compressed with zstd, so mutations exercise the streaming decompression
 * path of io/source.c and the format sniffing after it, with content the
 * fuzzer controls. The first input byte picks a frame split: 0 = one
 * frame, else the rest is cut into two concatenated frames there.
 */
#define FUZZ_RECORDS_NO_MAIN 1
#include "records.c"

#include <zstd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t split = data[0] ? (size_t)data[0] % size : 0;
    data++;
    size--;
    if (split > size) split = size;
    size_t cap = ZSTD_compressBound(size) + 64;
    unsigned char *c = malloc(cap);
    FUZZ_CHECK(c);
    size_t n1 = ZSTD_compress(c, cap, data, split ? split : size, 1);
    FUZZ_CHECK(!ZSTD_isError(n1));
    size_t n = n1;
    if (split) {
        size_t n2 = ZSTD_compress(c + n1, cap - n1, data + split, size - split, 1);
        FUZZ_CHECK(!ZSTD_isError(n2));
        n += n2;
    }
    fuzz_records_plain(c, n);
    free(c);
    return 0;
}

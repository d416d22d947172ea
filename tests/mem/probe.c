/*
 * probe.c - io/mem.h on a big-endian target, without running one
 * (tests/mem/byte_order.sh): every check_* folds, at -O2, to `return 1`
 * when the header gives the bytes docs/FORMAT.md fixes, whatever the
 * target's byte order. Compiled freestanding: string.h is
 * tests/mem/include/string.h.
 */
#include "io/mem.h"

static const unsigned char le[8] = {0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01};

/* the 8 bytes at p, first byte most significant, by shifts only */
#define BYTES(o)                                                                                        \
    ((uint64_t)(o)[0] << 56 | (uint64_t)(o)[1] << 48 | (uint64_t)(o)[2] << 40 | (uint64_t)(o)[3] << 32 | \
     (uint64_t)(o)[4] << 24 | (uint64_t)(o)[5] << 16 | (uint64_t)(o)[6] << 8 | (uint64_t)(o)[7])

int check_le16_load(void) { return slagg_le16_load(le) == 0xcdef; }
int check_le32_load(void) { return slagg_le32_load(le) == 0x89abcdefu; }
int check_le64_load(void) { return slagg_le64_load(le) == 0x0123456789abcdefULL; }
int check_le16_store(void)
{
    unsigned char o[8] = {0};
    slagg_le16_store(o, 0xcdef);
    return BYTES(o) == 0xefcd000000000000ULL;
}
int check_le32_store(void)
{
    unsigned char o[8] = {0};
    slagg_le32_store(o, 0x89abcdefu);
    return BYTES(o) == 0xefcdab8900000000ULL;
}
int check_le64_store(void)
{
    unsigned char o[8];
    slagg_le64_store(o, 0x0123456789abcdefULL);
    return BYTES(o) == 0xefcdab8967452301ULL;
}
int check_varint_decode_fast(void)
{
    static const unsigned char v[8] = {0xac, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint64_t x = 0;
    return slagg_varint_decode_fast(v, &x) == 2 && x == 300;
}
int check_varint_decode_fast8(void)
{
    static const unsigned char v[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    uint64_t x = 0;
    return slagg_varint_decode_fast(v, &x) == 8 && x == (1ULL << 56) - 1;
}

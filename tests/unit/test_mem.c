/*
 * test_mem.c - io/mem.h, the one byte-order and varint header of every
 * codec: fixed-width integers against hand-written byte arrays (little-
 * endian for the slagg files, docs/FORMAT.md; big-endian for SHA-256,
 * FIPS 180-4), unsigned LEB128 at every length boundary (docs/FORMAT.md
 * "varint is unsigned LEB128 ... at most 10 bytes"), truncated and
 * over-long varints, the shard cursor's 8-byte decoder, zigzag
 * (docs/DISTRIBUTED.md "The bucket stream"), and the buffer and bounded
 * reader that wrap them (io/buf.h, io/blob.h).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "io/blob.h"
#include "io/buf.h"
#include "io/mem.h"

/* ---- fixed width --------------------------------------------------------- */

Test(mem, le_loads_read_least_significant_byte_first)
{
    /* one byte before each value: the loads need no alignment */
    static const unsigned char b16[] = {0xee, 0x34, 0x12};
    static const unsigned char b32[] = {0xee, 0x78, 0x56, 0x34, 0x12};
    static const unsigned char b64[] = {0xee, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01};
    cr_assert_eq(slagg_le16_load(b16 + 1), 0x1234);
    cr_assert_eq(slagg_le32_load(b32 + 1), 0x12345678u);
    cr_assert_eq(slagg_le64_load(b64 + 1), UINT64_C(0x0123456789abcdef));
    static const unsigned char ff[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
    cr_assert_eq(slagg_le16_load(ff), 0xffff);
    cr_assert_eq(slagg_le32_load(ff), 0xffffffffu);
    cr_assert_eq(slagg_le64_load(ff), UINT64_C(0xfeffffffffffffff));
}

/* Stores v with `fn` at offset 1 of a buffer of 0xaa and checks exactly
 * `want` lands there and nothing around it changes. */
static void check_store(const unsigned char *got, const unsigned char *want, size_t n)
{
    cr_assert_eq(got[0], 0xaa, "byte before the value written");
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(got[1 + i], want[i], "byte %zu: 0x%02x, want 0x%02x", i, got[1 + i], want[i]);
    cr_assert_eq(got[1 + n], 0xaa, "byte after the value written");
}

Test(mem, le_stores_write_exactly_their_width)
{
    unsigned char b[16];
    memset(b, 0xaa, sizeof b);
    slagg_le16_store(b + 1, 0x1234);
    check_store(b, (const unsigned char[]){0x34, 0x12}, 2);
    memset(b, 0xaa, sizeof b);
    slagg_le32_store(b + 1, 0x12345678u);
    check_store(b, (const unsigned char[]){0x78, 0x56, 0x34, 0x12}, 4);
    memset(b, 0xaa, sizeof b);
    slagg_le64_store(b + 1, UINT64_C(0x0123456789abcdef));
    check_store(b, (const unsigned char[]){0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01}, 8);
    memset(b, 0xaa, sizeof b);
    slagg_le64_store(b + 1, 1);
    check_store(b, (const unsigned char[]){1, 0, 0, 0, 0, 0, 0, 0}, 8);
}

Test(mem, be_words_read_and_write_most_significant_byte_first)
{
    /* FIPS 180-4: "abc" padded starts with the word 0x61626380 */
    static const unsigned char w[] = {0xee, 0x61, 0x62, 0x63, 0x80};
    cr_assert_eq(slagg_be32_load(w + 1), 0x61626380u);
    unsigned char b[16];
    memset(b, 0xaa, sizeof b);
    slagg_be32_store(b + 1, 0xba7816bfu);   /* first word of SHA-256("abc") */
    check_store(b, (const unsigned char[]){0xba, 0x78, 0x16, 0xbf}, 4);
    memset(b, 0xaa, sizeof b);
    slagg_be64_store(b + 1, 24);   /* the bit length of "abc" */
    check_store(b, (const unsigned char[]){0, 0, 0, 0, 0, 0, 0, 24}, 8);
}

Test(mem, buf_appends_little_endian)
{
    slagg_buf b = {0};
    slagg_buf_le32(&b, 0x12345678u);
    slagg_buf_le64(&b, UINT64_C(0x0123456789abcdef));
    cr_assert(!slagg_buf_failed(&b));
    static const unsigned char want[] = {0x78, 0x56, 0x34, 0x12, 0xef, 0xcd, 0xab,
                                         0x89, 0x67, 0x45, 0x23, 0x01};
    cr_assert_eq(b.len, sizeof want);
    cr_assert_eq(memcmp(b.data, want, sizeof want), 0);
    slagg_buf_free(&b);
}

/* ---- varints ------------------------------------------------------------- */

typedef struct {
    uint64_t v;
    unsigned n;
    unsigned char bytes[SLAGG_VARINT_MAX];
} vcase;

/* Every length boundary, encoded by hand: 7 bits a byte, lowest first. */
static const vcase cases[] = {
    {0, 1, {0x00}},
    {1, 1, {0x01}},
    {127, 1, {0x7f}},
    {128, 2, {0x80, 0x01}},
    {300, 2, {0xac, 0x02}},
    {(1u << 14) - 1, 2, {0xff, 0x7f}},
    {1u << 14, 3, {0x80, 0x80, 0x01}},
    {(UINT64_C(1) << 21) - 1, 3, {0xff, 0xff, 0x7f}},
    {UINT64_C(1) << 21, 4, {0x80, 0x80, 0x80, 0x01}},
    {(UINT64_C(1) << 28) - 1, 4, {0xff, 0xff, 0xff, 0x7f}},
    {UINT64_C(1) << 28, 5, {0x80, 0x80, 0x80, 0x80, 0x01}},
    {UINT64_C(0xffffffff), 5, {0xff, 0xff, 0xff, 0xff, 0x0f}},
    {(UINT64_C(1) << 35) - 1, 5, {0xff, 0xff, 0xff, 0xff, 0x7f}},
    {UINT64_C(1) << 35, 6, {0x80, 0x80, 0x80, 0x80, 0x80, 0x01}},
    {(UINT64_C(1) << 42) - 1, 6, {0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
    {UINT64_C(1) << 42, 7, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}},
    {(UINT64_C(1) << 49) - 1, 7, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
    {UINT64_C(1) << 49, 8, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}},
    {(UINT64_C(1) << 56) - 1, 8, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
    {UINT64_C(1) << 56, 9, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}},
    {(UINT64_C(1) << 63) - 1, 9, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
    {UINT64_C(1) << 63, 10, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}},
    {UINT64_MAX, 10, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
};
#define N_CASES (sizeof cases / sizeof cases[0])

Test(mem, varint_put_writes_the_hand_encoded_bytes)
{
    for (size_t i = 0; i < N_CASES; i++) {
        unsigned char b[SLAGG_VARINT_MAX + 1];
        memset(b, 0xaa, sizeof b);
        size_t n = slagg_varint_put(b, cases[i].v);
        cr_assert_eq(n, cases[i].n, "%llu: %zu bytes, want %u", (unsigned long long)cases[i].v, n,
                     cases[i].n);
        cr_assert_eq(memcmp(b, cases[i].bytes, n), 0, "%llu: wrong bytes", (unsigned long long)cases[i].v);
        cr_assert_eq(b[n], 0xaa, "%llu: wrote past its length", (unsigned long long)cases[i].v);
    }
}

Test(mem, varint_get_reads_exactly_its_bytes)
{
    for (size_t i = 0; i < N_CASES; i++) {
        /* followed by a byte that would continue nothing: it must not be read */
        unsigned char b[SLAGG_VARINT_MAX + 1];
        memcpy(b, cases[i].bytes, cases[i].n);
        b[cases[i].n] = 0x05;
        uint64_t v = 12345;
        size_t n = slagg_varint_get(b, b + cases[i].n + 1, &v);
        cr_assert_eq(n, cases[i].n, "%llu: took %zu bytes, want %u", (unsigned long long)cases[i].v, n,
                     cases[i].n);
        cr_assert_eq(v, cases[i].v, "%llu: read %llu", (unsigned long long)cases[i].v,
                     (unsigned long long)v);
        /* and with end right after it */
        v = 12345;
        cr_assert_eq(slagg_varint_get(b, b + cases[i].n, &v), cases[i].n);
        cr_assert_eq(v, cases[i].v);
    }
}

Test(mem, varint_get_refuses_a_truncated_one)
{
    for (size_t i = 0; i < N_CASES; i++) {
        /* every proper prefix ends on a byte with the high bit set (or is empty) */
        for (unsigned k = 0; k < cases[i].n; k++) {
            uint64_t v = 12345;
            cr_assert_eq(slagg_varint_get(cases[i].bytes, cases[i].bytes + k, &v), 0,
                         "%llu cut to %u bytes was accepted", (unsigned long long)cases[i].v, k);
            cr_assert_eq(v, 12345, "a refused varint wrote its output");
        }
    }
}

Test(mem, varint_get_refuses_an_over_long_one)
{
    uint64_t v = 12345;
    /* eleven bytes: the tenth still continues */
    static const unsigned char eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    cr_assert_eq(slagg_varint_get(eleven, eleven + sizeof eleven, &v), 0);
    /* ten bytes whose tenth holds bits beyond 64 */
    static const unsigned char bit64[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02};
    cr_assert_eq(slagg_varint_get(bit64, bit64 + sizeof bit64, &v), 0);
    static const unsigned char top[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    cr_assert_eq(slagg_varint_get(top, top + sizeof top, &v), 0);
    /* ten bytes whose tenth is 1 with the continuation bit */
    static const unsigned char cont[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00};
    cr_assert_eq(slagg_varint_get(cont, cont + sizeof cont, &v), 0);
    cr_assert_eq(v, 12345);
}

Test(mem, varint_get_accepts_non_minimal_within_ten_bytes)
{
    /* every slagg reader always has (docs/FORMAT.md sets only the 10-byte bound) */
    static const unsigned char zero2[] = {0x80, 0x00};
    static const unsigned char one10[] = {0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    uint64_t v = 12345;
    cr_assert_eq(slagg_varint_get(zero2, zero2 + 2, &v), 2);
    cr_assert_eq(v, 0);
    cr_assert_eq(slagg_varint_get(one10, one10 + 10, &v), 10);
    cr_assert_eq(v, 1);
}

Test(mem, varint_decode_fast_agrees_up_to_eight_bytes)
{
    for (size_t i = 0; i < N_CASES; i++) {
        /* 8 readable bytes at least; what follows has every high bit set,
         * so a decoder that looked past the varint's end would see it */
        unsigned char b[16];
        memset(b, 0xff, sizeof b);
        memcpy(b, cases[i].bytes, cases[i].n);
        uint64_t v = 12345;
        unsigned n = slagg_varint_decode_fast(b, &v);
        if (cases[i].n <= 8) {
            cr_assert_eq(n, cases[i].n, "%llu: %u bytes, want %u", (unsigned long long)cases[i].v, n,
                         cases[i].n);
            cr_assert_eq(v, cases[i].v, "%llu: read %llu", (unsigned long long)cases[i].v,
                         (unsigned long long)v);
        } else {
            cr_assert_eq(n, 0, "%llu: a %u-byte varint is the slow path's", (unsigned long long)cases[i].v,
                         cases[i].n);
            cr_assert_eq(v, 12345);
        }
    }
    static const unsigned char none[8] = {0x80, 0x81, 0xff, 0x80, 0x80, 0x90, 0xa0, 0xc0};
    uint64_t v = 12345;
    cr_assert_eq(slagg_varint_decode_fast(none, &v), 0);
    cr_assert_eq(v, 12345);
}

/* splitmix64: spread values of every length for the round trips */
static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

Test(mem, varint_round_trips_every_length)
{
    uint64_t s = 3;
    for (int i = 0; i < 100000; i++) {
        uint64_t v = next_rand(&s) >> (next_rand(&s) % 64);
        unsigned char b[16];
        memset(b, 0xff, sizeof b);
        size_t n = slagg_varint_put(b, v);
        /* the length is the number of 7-bit groups */
        size_t want = 1;
        for (uint64_t x = v >> 7; x; x >>= 7) want++;
        cr_assert_eq(n, want);
        uint64_t got = 0;
        cr_assert_eq(slagg_varint_get(b, b + n, &got), n);
        cr_assert_eq(got, v);
        unsigned fast = slagg_varint_decode_fast(b, &got);
        cr_assert_eq(fast, n <= 8 ? n : 0);
        cr_assert_eq(got, v);
    }
}

Test(mem, buf_varint_and_bounded_reader)
{
    slagg_buf b = {0};
    for (size_t i = 0; i < N_CASES; i++) slagg_buf_varint(&b, cases[i].v);
    cr_assert(!slagg_buf_failed(&b));
    size_t at = 0;
    for (size_t i = 0; i < N_CASES; i++) {
        cr_assert_eq(memcmp(b.data + at, cases[i].bytes, cases[i].n), 0);
        at += cases[i].n;
    }
    cr_assert_eq(b.len, at);
    slagg_rd r = {(const unsigned char *)b.data, b.len, 0};
    for (size_t i = 0; i < N_CASES; i++) cr_assert_eq(slagg_rd_varint(&r), cases[i].v);
    cr_assert_eq(r.left, 0);
    cr_assert_eq(r.bad, 0);
    /* past the end: bad, and 0 from then on */
    cr_assert_eq(slagg_rd_varint(&r), 0);
    cr_assert_eq(r.bad, 1);
    slagg_buf_free(&b);

    /* truncated inside a varint: bad, 0, and a later read stays 0 */
    static const unsigned char cut[] = {0x80, 0x80};
    slagg_rd t = {cut, sizeof cut, 0};
    cr_assert_eq(slagg_rd_varint(&t), 0);
    cr_assert_eq(t.bad, 1);
    /* over-long */
    static const unsigned char eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    slagg_rd o = {eleven, sizeof eleven, 0};
    cr_assert_eq(slagg_rd_varint(&o), 0);
    cr_assert_eq(o.bad, 1);
    /* an earlier out-of-memory mark (2) is kept */
    slagg_rd m = {eleven, sizeof eleven, 2};
    cr_assert_eq(slagg_rd_varint(&m), 0);
    cr_assert_eq(m.bad, 2);
    /* fixed width through the same reader */
    static const unsigned char le[] = {0x78, 0x56, 0x34, 0x12, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, 0x07};
    slagg_rd f = {le, sizeof le, 0};
    cr_assert_eq(slagg_rd_u32(&f), 0x12345678u);
    cr_assert_eq(slagg_rd_u64(&f), UINT64_C(0x0123456789abcdef));
    cr_assert_eq(slagg_rd_u32(&f), 0);   /* one byte left */
    cr_assert_eq(f.bad, 1);
}

/* ---- zigzag -------------------------------------------------------------- */

Test(mem, zigzag_interleaves_signs)
{
    static const struct {
        int64_t s;
        uint64_t u;
    } z[] = {{0, 0},
             {-1, 1},
             {1, 2},
             {-2, 3},
             {2, 4},
             {-64, 127},
             {64, 128},
             {INT64_MAX, UINT64_MAX - 1},
             {INT64_MIN, UINT64_MAX}};
    for (size_t i = 0; i < sizeof z / sizeof z[0]; i++) {
        cr_assert_eq(slagg_zigzag_encode(z[i].s), z[i].u, "zigzag(%lld)", (long long)z[i].s);
        cr_assert_eq(slagg_zigzag_decode(z[i].u), z[i].s, "unzigzag(%llu)", (unsigned long long)z[i].u);
    }
}

/*
 * sha256_shani.c - the SHA-256 compression function with the x86 SHA
 * extensions (SHA-NI: sha256rnds2, sha256msg1, sha256msg2), for the
 * manifest's hashes of the tables and the outputs (io/sha256.c chooses it
 * at run time when cpuid says SHA, SSSE3 and SSE4.1 are there). The same
 * digest as the portable one (tests/unit/test_sha256.c compares them).
 *
 * The state is kept as the instructions want it: ABEF and CDGH. Each group
 * of 4 rounds adds the constants to 4 schedule words and runs two
 * sha256rnds2; the schedule's later words come 4 at a time from msg1 (the
 * sigma0 part) and msg2 (the sigma1 part) over a ring of 4 registers.
 */
#include "io/sha256.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

extern const uint32_t slagg_sha256_k[64];
void slagg_sha256_blocks_shani(uint32_t h[8], const unsigned char *p, size_t n_blocks);

__attribute__((target("sha,ssse3,sse4.1"))) void slagg_sha256_blocks_shani(uint32_t h[8], const unsigned char *p,
                                                                       size_t n_blocks)
{
    const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)&h[0]), 0xB1);   /* CDAB */
    __m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)&h[4]), 0x1B);    /* EFGH */
    __m128i s0 = _mm_alignr_epi8(tmp, s1, 8);      /* ABEF */
    s1 = _mm_blend_epi16(s1, tmp, 0xF0);           /* CDGH */
    for (; n_blocks; n_blocks--, p += 64) {
        const __m128i abef = s0, cdgh = s1;
        __m128i m[4];
        for (int j = 0; j < 4; j++) m[j] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * j)), mask);
        for (int g = 0; g < 16; g++) {
            const __m128i cur = m[g & 3];
            __m128i msg = _mm_add_epi32(cur, _mm_loadu_si128((const __m128i *)(const void *)&slagg_sha256_k[4 * g]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
            if (g >= 3 && g <= 14)   /* words 4(g+1)..: finish block g + 1 */
                m[(g + 1) & 3] = _mm_sha256msg2_epu32(
                    _mm_add_epi32(m[(g + 1) & 3], _mm_alignr_epi8(cur, m[(g - 1) & 3], 4)), cur);
            msg = _mm_shuffle_epi32(msg, 0x0E);
            s0 = _mm_sha256rnds2_epu32(s0, s1, msg);
            if (g >= 1 && g <= 12)   /* start block g + 3 from blocks g - 1 and g */
                m[(g - 1) & 3] = _mm_sha256msg1_epu32(m[(g - 1) & 3], cur);
        }
        s0 = _mm_add_epi32(s0, abef);
        s1 = _mm_add_epi32(s1, cdgh);
    }
    tmp = _mm_shuffle_epi32(s0, 0x1B);             /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xB1);              /* DCHG */
    s0 = _mm_blend_epi16(tmp, s1, 0xF0);           /* DCBA */
    s1 = _mm_alignr_epi8(s1, tmp, 8);              /* HGFE */
    _mm_storeu_si128((__m128i *)(void *)&h[0], s0);
    _mm_storeu_si128((__m128i *)(void *)&h[4], s1);
}
#endif

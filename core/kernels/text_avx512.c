/*
 * text_avx512.c - the NDJSON line pre-scan (kernels/text.h), compiled
 * with -mavx512bw for this file only: 64 bytes a compare, one mask word
 * of the quote bitmap each; the tail is a masked load, its lanes past
 * the line left out of both masks.
 */
#include <immintrin.h>
#include <string.h>

#include "core/kernels/text.h"

int slagg_json_plain_avx512(const unsigned char *s, size_t n, uint64_t *quotes)
{
    const __m512i sp = _mm512_set1_epi8(0x20), bs = _mm512_set1_epi8('\\'), qu = _mm512_set1_epi8('"');
    for (size_t i = 0; i < n; i += 64) {
        __mmask64 live = n - i >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << (n - i)) - 1);
        const __m512i b = _mm512_maskz_loadu_epi8(live, s + i);
        __mmask64 bad = (_mm512_cmplt_epi8_mask(b, sp) | _mm512_cmpeq_epi8_mask(b, bs)) & live;
        if (bad) return 0;
        quotes[i >> 6] = _mm512_cmpeq_epi8_mask(b, qu) & live;
    }
    return 1;
}

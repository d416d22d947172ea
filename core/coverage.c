/*
 * coverage.c - the window map and the names of accounts without a
 * contract (core/coverage.h; docs/DESIGN.md "Coverage and warnings").
 */
#include "core/coverage.h"

#include <string.h>

#include "core/alloc.h"

int slagg_cov_map_init(slagg_cov_map *m)
{
    m->bits = slagg_calloc(SLAGG_COV_WORDS, sizeof *m->bits);
    m->lo = SLAGG_COV_WORDS;
    m->hi = 0;
    return m->bits ? 0 : -1;
}

void slagg_cov_map_free(slagg_cov_map *m)
{
    slagg_free(m->bits);
    memset(m, 0, sizeof *m);
}

void slagg_cov_mark_mask(slagg_cov_map *m, int64_t w0, uint64_t mask)
{
    /* rare: a bit of the mask outside the map (no accepted record is) */
    while (mask) {
        int64_t w = w0 + __builtin_ctzll(mask);
        uint64_t i = (uint64_t)(w - SLAGG_COV_W0);
        if (i >= SLAGG_COV_NW) {
            mask &= mask - 1;
            continue;
        }
        /* the bits of mask that fall in this word, in one OR */
        size_t k = (size_t)(i >> 6);
        unsigned sh = (unsigned)(i & 63);
        uint64_t part = mask >> (w - w0);   /* bit 0 = window w */
        m->bits[k] |= part << sh;
        slagg_cov_touch(m, k);
        unsigned taken = 64 - sh;            /* windows w .. w + taken - 1 are in word k */
        int64_t done = (w - w0) + taken;
        mask = done >= 64 ? 0 : mask & ~((1ULL << done) - 1);
    }
}

void slagg_cov_mark_range(slagg_cov_map *m, int64_t a, int64_t b)
{
    if (a < SLAGG_COV_W0) a = SLAGG_COV_W0;
    if (b > SLAGG_COV_W0 + (int64_t)SLAGG_COV_NW) b = SLAGG_COV_W0 + (int64_t)SLAGG_COV_NW;
    while (a < b) {
        uint64_t i = (uint64_t)(a - SLAGG_COV_W0);
        size_t k = (size_t)(i >> 6);
        unsigned sh = (unsigned)(i & 63);
        uint64_t n = (uint64_t)(b - a) < 64 - sh ? (uint64_t)(b - a) : 64 - sh;
        uint64_t bits = n == 64 ? ~0ULL : ((1ULL << n) - 1) << sh;
        m->bits[k] |= bits;
        slagg_cov_touch(m, k);
        a += (int64_t)n;
    }
}

void slagg_cov_map_or(slagg_cov_map *dst, const slagg_cov_map *src)
{
    for (size_t k = src->lo; k < src->hi; k++) dst->bits[k] |= src->bits[k];
    if (src->lo < src->hi) {
        slagg_cov_touch(dst, src->lo);
        slagg_cov_touch(dst, src->hi - 1);
    }
}

static int iv_push(int64_t **iv, size_t *n, size_t *cap, int64_t a, int64_t b)
{
    if (*n && (*iv)[2 * *n - 1] == a) {   /* adjacent: extend */
        (*iv)[2 * *n - 1] = b;
        return 0;
    }
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        int64_t *p = slagg_reallocarray(*iv, nc, 2 * sizeof *p);
        if (!p) return -1;
        *iv = p;
        *cap = nc;
    }
    (*iv)[2 * *n] = a;
    (*iv)[2 * *n + 1] = b;
    (*n)++;
    return 0;
}

int slagg_cov_map_intervals(const slagg_cov_map *m, int64_t a, int64_t b, int64_t **iv, size_t *n)
{
    size_t cap = 0;
    *iv = NULL;
    *n = 0;
    if (a < SLAGG_COV_W0) a = SLAGG_COV_W0;
    if (b > SLAGG_COV_W0 + (int64_t)SLAGG_COV_NW) b = SLAGG_COV_W0 + (int64_t)SLAGG_COV_NW;
    if (a >= b || !m->bits || m->lo >= m->hi) return 0;
    /* only the touched words can hold a bit */
    int64_t lo = SLAGG_COV_W0 + (int64_t)m->lo * 64, hi = SLAGG_COV_W0 + (int64_t)m->hi * 64;
    if (a < lo) a = lo;
    if (b > hi) b = hi;
    int64_t w = a;
    while (w < b) {
        uint64_t i = (uint64_t)(w - SLAGG_COV_W0);
        uint64_t word = m->bits[i >> 6] >> (i & 63);   /* bit 0 = window w */
        unsigned left = 64 - (unsigned)(i & 63);        /* windows of this word from w on */
        if ((int64_t)left > b - w) {
            left = (unsigned)(b - w);
            word &= (1ULL << left) - 1;
        }
        if (word == 0) {
            w += left;
            continue;
        }
        unsigned z = (unsigned)__builtin_ctzll(word);    /* first marked */
        uint64_t ones = ~(word >> z);                    /* its run's end */
        unsigned run = ones ? (unsigned)__builtin_ctzll(ones) : 64 - z;
        if (z + run > left) run = left - z;
        if (iv_push(iv, n, &cap, w + z, w + z + run) != 0) {
            slagg_free(*iv);
            *iv = NULL;
            *n = 0;
            return -1;
        }
        w += z + run;
    }
    return 0;
}

int slagg_cov_acc_init(slagg_cov_acc *a)
{
    memset(a, 0, sizeof *a);
    if (slagg_cov_map_init(&a->map) != 0 || !(a->unk = slagg_dict_new())) {
        slagg_cov_acc_free(a);
        return -1;
    }
    return 0;
}

void slagg_cov_acc_free(slagg_cov_acc *a)
{
    slagg_cov_map_free(&a->map);
    slagg_dict_free(a->unk);
    slagg_free(a->unk_day);
    memset(a, 0, sizeof *a);
}

int slagg_cov_note_unknown(slagg_cov_acc *a, const char *name, size_t len, int64_t day)
{
    uint32_t before = slagg_dict_count(a->unk);
    uint32_t id = slagg_dict_intern(a->unk, name, len);
    if (id == SLAGG_DICT_NONE) return -1;
    if (id >= a->unk_cap) {
        size_t nc = a->unk_cap ? a->unk_cap * 2 : 64;
        int64_t *p = slagg_reallocarray(a->unk_day, nc, sizeof *p);
        if (!p) return -1;
        a->unk_day = p;
        a->unk_cap = nc;
    }
    if (id == before || day < a->unk_day[id]) a->unk_day[id] = day;
    return 0;
}

int slagg_cov_acc_merge(slagg_cov_acc *dst, const slagg_cov_acc *src)
{
    slagg_cov_map_or(&dst->map, &src->map);
    uint32_t n = src->unk ? slagg_dict_count(src->unk) : 0;
    for (uint32_t i = 0; i < n; i++) {
        size_t len;
        const char *s = slagg_dict_name(src->unk, i, &len);
        if (slagg_cov_note_unknown(dst, s, len, src->unk_day[i]) != 0) return -1;
    }
    return 0;
}

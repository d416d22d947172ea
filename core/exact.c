/*
 * exact.c - exact availability (SPEC section 2 "Windows, availability,
 * tiers": "Tier decisions are exact").
 *
 * S = sum e_i / v_i over the windows with errors. Two ways to know S:
 *  - fast path: each e/v as a 64.64 fixed-point number, rounded down and up,
 *    summed in unsigned __int128. lo <= S * 2^64 <= hi, and hi - lo <= count,
 *    so the bounds almost always pin u = ceil(10^6 S / N) to one integer;
 *  - exact fallback, when they do not (typically because S / N sits exactly
 *    on a ppm boundary, as in 864 windows at 1/100 over 30 days): S as
 *    I + p/q with p < q, p and q arbitrary-precision integers, and the
 *    boundary decided by comparing cross products.
 * Nothing here prints, aborts or uses floating point.
 */
#include "core/exact.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

typedef unsigned __int128 u128;

#define PPM 1000000u
/* The fast path needs 10^6 * count * 2^64 < 2^128: 10^6 < 2^20, so
 * count < 2^44 is enough. Larger counts (never seen in practice: 2^44
 * windows is 256 TiB of input) go straight to the exact path. */
#define FAST_MAX_COUNT ((uint64_t)1 << 44)

/* ---- a tiny unsigned bignum: little-endian u64 limbs ---------------------- */

typedef struct bn {
    uint64_t *d;
    size_t n;    /* limbs in use; 0 means the value 0; d[n-1] != 0 */
    size_t cap;
} bn;

static void bn_free(bn *b)
{
    slagg_free(b->d);
    b->d = NULL;
    b->n = b->cap = 0;
}

static slagg_status bn_reserve(bn *b, size_t n)
{
    if (n <= b->cap) return SLAGG_OK;
    size_t cap = b->cap ? b->cap : 4;
    while (cap < n) cap *= 2;
    uint64_t *d = slagg_reallocarray(b->d, cap, sizeof *d);
    if (!d) return SLAGG_E_NOMEM;
    b->d = d;
    b->cap = cap;
    return SLAGG_OK;
}

static slagg_status bn_set_u64(bn *b, uint64_t v)
{
    slagg_status st = bn_reserve(b, 1);
    if (st != SLAGG_OK) return st;
    b->d[0] = v;
    b->n = v != 0;
    return SLAGG_OK;
}

static slagg_status bn_copy(bn *dst, const bn *src)
{
    slagg_status st = bn_reserve(dst, src->n ? src->n : 1);
    if (st != SLAGG_OK) return st;
    if (src->n) memcpy(dst->d, src->d, src->n * sizeof *src->d);
    dst->n = src->n;
    return SLAGG_OK;
}

/* b *= m */
static slagg_status bn_mul_u64(bn *b, uint64_t m)
{
    if (m == 0 || b->n == 0) {
        b->n = 0;
        return SLAGG_OK;
    }
    slagg_status st = bn_reserve(b, b->n + 1);
    if (st != SLAGG_OK) return st;
    uint64_t carry = 0;
    for (size_t i = 0; i < b->n; i++) {
        u128 t = (u128)b->d[i] * m + carry;
        b->d[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
    if (carry) b->d[b->n++] = carry;
    return SLAGG_OK;
}

/* out = a * b (schoolbook; out is neither a nor b) */
static slagg_status bn_mul(bn *out, const bn *a, const bn *b)
{
    if (a->n == 0 || b->n == 0) return bn_set_u64(out, 0);
    slagg_status st = bn_reserve(out, a->n + b->n);
    if (st != SLAGG_OK) return st;
    memset(out->d, 0, (a->n + b->n) * sizeof *out->d);
    for (size_t i = 0; i < a->n; i++) {
        uint64_t carry = 0;
        for (size_t j = 0; j < b->n; j++) {
            u128 t = (u128)a->d[i] * b->d[j] + out->d[i + j] + carry;
            out->d[i + j] = (uint64_t)t;
            carry = (uint64_t)(t >> 64);
        }
        out->d[i + b->n] = carry;
    }
    out->n = a->n + b->n;
    while (out->n && out->d[out->n - 1] == 0) out->n--;
    return SLAGG_OK;
}

/* a += b */
static slagg_status bn_add(bn *a, const bn *b)
{
    size_t n = a->n > b->n ? a->n : b->n;
    slagg_status st = bn_reserve(a, n + 1);
    if (st != SLAGG_OK) return st;
    for (size_t i = a->n; i < n; i++) a->d[i] = 0;
    uint64_t carry = 0;
    for (size_t i = 0; i < n; i++) {
        u128 t = (u128)a->d[i] + (i < b->n ? b->d[i] : 0) + carry;
        a->d[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
    a->n = n;
    if (carry) a->d[a->n++] = carry;
    return SLAGG_OK;
}

/* a -= b; requires a >= b. */
static void bn_sub(bn *a, const bn *b)
{
    uint64_t borrow = 0;
    for (size_t i = 0; i < a->n; i++) {
        uint64_t bi = i < b->n ? b->d[i] : 0;
        uint64_t r = a->d[i] - bi - borrow;
        borrow = (a->d[i] < bi) || (a->d[i] - bi < borrow);
        a->d[i] = r;
    }
    while (a->n && a->d[a->n - 1] == 0) a->n--;
}

static int bn_cmp(const bn *a, const bn *b)
{
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    for (size_t i = a->n; i-- > 0;) {
        if (a->d[i] != b->d[i]) return a->d[i] < b->d[i] ? -1 : 1;
    }
    return 0;
}

/* b /= m (m > 0); returns the remainder. */
static uint64_t bn_divmod_u64(bn *b, uint64_t m)
{
    uint64_t rem = 0;
    for (size_t i = b->n; i-- > 0;) {
        u128 cur = ((u128)rem << 64) | b->d[i];
        b->d[i] = (uint64_t)(cur / m);
        rem = (uint64_t)(cur % m);
    }
    while (b->n && b->d[b->n - 1] == 0) b->n--;
    return rem;
}

/* b mod m without changing b. */
static uint64_t bn_mod_u64(const bn *b, uint64_t m)
{
    uint64_t rem = 0;
    for (size_t i = b->n; i-- > 0;) rem = (uint64_t)((((u128)rem << 64) | b->d[i]) % m);
    return rem;
}

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* ---- preconditions and the fixed-point bounds ------------------------------ */

static bool windows_valid(const slagg_ev *w, size_t count)
{
    if (count && !w) return false;
    for (size_t i = 0; i < count; i++) {
        if (w[i].e == 0 || w[i].e > w[i].v) return false;
    }
    return true;
}

/* lo <= S * 2^64 <= hi, from floor and ceil of each e * 2^64 / v (each at
 * most 2^64 because e <= v). Needs count < FAST_MAX_COUNT (no overflow). */
static void fixed_bounds(const slagg_ev *w, size_t count, u128 *lo, u128 *hi)
{
    u128 l = 0, h = 0;
    for (size_t i = 0; i < count; i++) {
        u128 num = (u128)w[i].e << 64;
        u128 q = num / w[i].v;
        l += q;
        h += q + (num % w[i].v != 0);
    }
    *lo = l;
    *hi = h;
}

/* ceil(10^6 * x / (n * 2^64)) for x <= count * 2^64, count < 2^44: 10^6 * x
 * stays below 2^128, and ceil(ceil(a / b) / c) = ceil(a / (b c)). */
static uint64_t ppm_ceil(u128 x, uint64_t n)
{
    u128 y = x * PPM;
    uint64_t top = (uint64_t)(y >> 64) + ((uint64_t)y != 0);
    return top / n + (top % n != 0);
}

/* ---- the exact rational S = whole + p / q ---------------------------------- */

typedef struct ratsum {
    uint64_t whole;  /* integer part of S (S <= count) */
    bn p, q;         /* fractional part p / q, 0 <= p < q */
} ratsum;

static void ratsum_free(ratsum *r)
{
    bn_free(&r->p);
    bn_free(&r->q);
}

static int cmp_by_v(const void *a, const void *b)
{
    const slagg_ev *x = a, *y = b;
    return (x->v > y->v) - (x->v < y->v);
}

/* Adds the fraction r / v (0 < r < v) to the fractional part, keeping q the
 * least common multiple of the denominators seen so far: with g = gcd(q, v),
 * p/q + r/v = (p * (v/g) + r * (q/g)) / (q * (v/g)). Since both parts are
 * below 1, at most one unit carries into whole. */
static slagg_status ratsum_add_frac(ratsum *s, uint64_t r, uint64_t v, bn *tmp)
{
    uint64_t g = gcd_u64(v, bn_mod_u64(&s->q, v));
    uint64_t m = v / g;
    slagg_status st;
    if ((st = bn_copy(tmp, &s->q)) != SLAGG_OK) return st;
    bn_divmod_u64(tmp, g);
    if ((st = bn_mul_u64(tmp, r)) != SLAGG_OK) return st;
    if ((st = bn_mul_u64(&s->p, m)) != SLAGG_OK) return st;
    if ((st = bn_mul_u64(&s->q, m)) != SLAGG_OK) return st;
    if ((st = bn_add(&s->p, tmp)) != SLAGG_OK) return st;
    if (bn_cmp(&s->p, &s->q) >= 0) {
        bn_sub(&s->p, &s->q);
        s->whole++;
    }
    return SLAGG_OK;
}

/* Builds S exactly. Each e/v is first reduced by gcd(e, v); windows are then
 * sorted by denominator so that equal denominators are summed in 128 bits
 * and enter the bignum once (a month of windows at 1/100 costs one bignum
 * step). The result does not depend on the order of w. */
static slagg_status ratsum_build(const slagg_ev *w, size_t count, ratsum *s)
{
    memset(s, 0, sizeof *s);
    slagg_status st = bn_set_u64(&s->q, 1);
    if (st != SLAGG_OK) return st;
    if (count == 0) return SLAGG_OK;

    slagg_ev *red = slagg_reallocarray(NULL, count, sizeof *red);
    if (!red) return SLAGG_E_NOMEM;
    for (size_t i = 0; i < count; i++) {
        uint64_t g = gcd_u64(w[i].e, w[i].v);
        red[i].e = w[i].e / g;
        red[i].v = w[i].v / g;
    }
    qsort(red, count, sizeof *red, cmp_by_v);

    bn tmp = {0};
    for (size_t i = 0; i < count && st == SLAGG_OK;) {
        uint64_t v = red[i].v;
        u128 sum = 0;  /* < count * 2^64: fits */
        for (; i < count && red[i].v == v; i++) sum += red[i].e;
        s->whole += (uint64_t)(sum / v);  /* total <= count: no overflow */
        uint64_t r = (uint64_t)(sum % v);
        if (r == 0) continue;
        uint64_t g = gcd_u64(r, v);
        st = ratsum_add_frac(s, r / g, v / g, &tmp);
    }
    bn_free(&tmp);
    slagg_free(red);
    return st;
}

/* *out = (whole * q + p) * mul, the numerator of S * mul over q. */
static slagg_status ratsum_scaled_num(const ratsum *s, uint64_t mul, bn *out)
{
    slagg_status st;
    if ((st = bn_copy(out, &s->q)) != SLAGG_OK) return st;
    if ((st = bn_mul_u64(out, s->whole)) != SLAGG_OK) return st;
    if ((st = bn_add(out, &s->p)) != SLAGG_OK) return st;
    return bn_mul_u64(out, mul);
}

/* *out = q * a * b */
static slagg_status ratsum_scaled_den(const ratsum *s, uint64_t a, uint64_t b, bn *out)
{
    slagg_status st;
    if ((st = bn_copy(out, &s->q)) != SLAGG_OK) return st;
    if ((st = bn_mul_u64(out, a)) != SLAGG_OK) return st;
    return bn_mul_u64(out, b);
}

/* ---- public ------------------------------------------------------------------ */

/* u is the least integer k with 10^6 S <= k N. The fast-path bounds give
 * k_lo <= u <= k_hi; when they differ, a binary search over [k_lo, k_hi]
 * with exact comparisons 10^6 (whole q + p) <= k N q settles it. */
slagg_status slagg_unavail_ppm(const slagg_ev *w, size_t count, uint64_t n_windows,
                               uint64_t *unavail_ppm)
{
    if (!unavail_ppm || n_windows == 0 || count > n_windows || !windows_valid(w, count))
        return SLAGG_E_INTERNAL;

    uint64_t k_lo = 0, k_hi = PPM;  /* S <= count <= N, so u <= 10^6 */
    if ((uint64_t)count < FAST_MAX_COUNT) {
        u128 lo, hi;
        fixed_bounds(w, count, &lo, &hi);
        k_lo = ppm_ceil(lo, n_windows);
        k_hi = ppm_ceil(hi, n_windows);
        if (k_hi > PPM) k_hi = PPM;
        if (k_lo == k_hi) {
            *unavail_ppm = k_lo;
            return SLAGG_OK;
        }
    }

    ratsum s;
    bn lhs = {0}, rhs = {0};
    slagg_status st = ratsum_build(w, count, &s);
    if (st == SLAGG_OK) st = ratsum_scaled_num(&s, PPM, &lhs);
    while (st == SLAGG_OK && k_lo < k_hi) {
        uint64_t mid = k_lo + (k_hi - k_lo) / 2;
        st = ratsum_scaled_den(&s, mid, n_windows, &rhs);
        if (st != SLAGG_OK) break;
        if (bn_cmp(&lhs, &rhs) <= 0) k_hi = mid;
        else k_lo = mid + 1;
    }
    if (st == SLAGG_OK) *unavail_ppm = k_lo;
    bn_free(&lhs);
    bn_free(&rhs);
    ratsum_free(&s);
    return st;
}

/* Bounds first: S * 2^64 lies in [lo, hi] and num/den * 2^64 in [tlo, thi];
 * disjoint intervals decide. Otherwise cross-multiply exactly:
 * (whole q + p) den  vs  num q. */
slagg_status slagg_ratesum_cmp(const slagg_ev *w, size_t count, uint64_t num,
                               uint64_t den, int *cmp)
{
    if (!cmp || den == 0 || !windows_valid(w, count)) return SLAGG_E_INTERNAL;

    if ((uint64_t)count < FAST_MAX_COUNT) {
        u128 lo, hi;
        fixed_bounds(w, count, &lo, &hi);
        /* num/den = tq + tr/den; tq * 2^64 + 2^64 only overflows when
         * tq = 2^64 - 1, i.e. den = 1, where tr = 0. */
        uint64_t tq = num / den, tr = num % den;
        u128 frac = ((u128)tr << 64);
        u128 tlo = ((u128)tq << 64) + frac / den;
        u128 thi = tlo + (frac % den != 0);
        if (hi < tlo) {
            *cmp = -1;
            return SLAGG_OK;
        }
        if (lo > thi) {
            *cmp = 1;
            return SLAGG_OK;
        }
    }

    ratsum s;
    bn lhs = {0}, rhs = {0};
    slagg_status st = ratsum_build(w, count, &s);
    if (st == SLAGG_OK) st = ratsum_scaled_num(&s, den, &lhs);
    if (st == SLAGG_OK) st = ratsum_scaled_den(&s, num, 1, &rhs);
    if (st == SLAGG_OK) *cmp = bn_cmp(&lhs, &rhs);
    bn_free(&lhs);
    bn_free(&rhs);
    ratsum_free(&s);
    return st;
}

/* A < pct_num / (100 pct_den)  <=>  1 - S / N < pct_num / (100 pct_den)
 *  <=>  S > N (100 pct_den - pct_num) / (100 pct_den): one exact
 * comparison of S with a rational (slagg_ratesum_cmp, the tiers' own). */
slagg_status slagg_avail_below(const slagg_ev *w, size_t count, uint64_t n_windows,
                               uint64_t pct_num, uint64_t pct_den, int *below)
{
    uint64_t den, num;
    if (!below || pct_den == 0 || n_windows == 0 || __builtin_mul_overflow(pct_den, 100, &den) ||
        __builtin_mul_overflow(den, n_windows, &num))
        return SLAGG_E_INTERNAL;
    if (pct_num >= den) {  /* PCT >= 100: below unless S = 0 (A = 100), or always when above */
        int cmp = 0;
        slagg_status st = slagg_ratesum_cmp(w, count, 0, 1, &cmp);
        if (st == SLAGG_OK) *below = pct_num > den || cmp > 0;
        return st;
    }
    num = (den - pct_num) * n_windows;  /* <= den * n_windows: fits */
    int cmp = 0;
    slagg_status st = slagg_ratesum_cmp(w, count, num, den, &cmp);
    if (st == SLAGG_OK) *below = cmp > 0;
    return st;
}

/* S1 / N1 vs S2 / N2  <=>  S1 N2 vs S2 N1. Fast path: the 64.64 bounds of
 * each S times the other N (below 2^128 while counts and N stay below
 * 2^32); disjoint intervals decide. Else the exact rationals:
 * (w1 q1 + p1) q2 N2  vs  (w2 q2 + p2) q1 N1. */
slagg_status slagg_unavail_cmp(const slagg_ev *w1, size_t c1, uint64_t n1, const slagg_ev *w2,
                               size_t c2, uint64_t n2, int *cmp)
{
    if (!cmp || n1 == 0 || n2 == 0 || !windows_valid(w1, c1) || !windows_valid(w2, c2))
        return SLAGG_E_INTERNAL;
    const uint64_t lim = (uint64_t)1 << 32;
    if ((uint64_t)c1 < lim && (uint64_t)c2 < lim && n1 < lim && n2 < lim) {
        u128 lo1, hi1, lo2, hi2;
        fixed_bounds(w1, c1, &lo1, &hi1);
        fixed_bounds(w2, c2, &lo2, &hi2);
        if (hi1 * n2 < lo2 * n1) {
            *cmp = -1;
            return SLAGG_OK;
        }
        if (lo1 * n2 > hi2 * n1) {
            *cmp = 1;
            return SLAGG_OK;
        }
    }
    ratsum s1, s2;
    bn a = {0}, b = {0}, lhs = {0}, rhs = {0};
    slagg_status st = ratsum_build(w1, c1, &s1);
    slagg_status st2 = ratsum_build(w2, c2, &s2);
    if (st == SLAGG_OK) st = st2;
    if (st == SLAGG_OK) st = ratsum_scaled_num(&s1, n2, &a);  /* (w1 q1 + p1) N2 */
    if (st == SLAGG_OK) st = bn_mul(&lhs, &a, &s2.q);
    if (st == SLAGG_OK) st = ratsum_scaled_num(&s2, n1, &b);  /* (w2 q2 + p2) N1 */
    if (st == SLAGG_OK) st = bn_mul(&rhs, &b, &s1.q);
    if (st == SLAGG_OK) *cmp = bn_cmp(&lhs, &rhs);
    bn_free(&a);
    bn_free(&b);
    bn_free(&lhs);
    bn_free(&rhs);
    ratsum_free(&s1);
    ratsum_free(&s2);
    return st;
}

/* x * m as 192 bits: *hi the top 64, *lo the low 128. */
static void mul_128_64(u128 x, uint64_t m, uint64_t *hi, u128 *lo)
{
    u128 l = (u128)(uint64_t)x * m;
    u128 h = (u128)(uint64_t)(x >> 64) * m + (l >> 64);
    *lo = (h << 64) | (uint64_t)l;
    *hi = (uint64_t)(h >> 64);
}

/* e1 / (v1 n1) vs e2 / (v2 n2)  <=>  e1 v2 n2 vs e2 v1 n1 */
int slagg_share_cmp(uint64_t e1, uint64_t v1, uint64_t n1, uint64_t e2, uint64_t v2, uint64_t n2)
{
    uint64_t ah, bh;
    u128 al, bl;
    mul_128_64((u128)e1 * v2, n2, &ah, &al);
    mul_128_64((u128)e2 * v1, n1, &bh, &bl);
    if (ah != bh) return ah < bh ? -1 : 1;
    return (al > bl) - (al < bl);
}

/* X = num mul < 2^96 and Y = den1 den2 < 2^128: the integer part X / Y,
 * then six digits of the remainder R < Y, R <= X, so 10^6 R < 2^116. */
void slagg_format_trunc6(uint64_t num, uint32_t mul, uint64_t den1, uint64_t den2,
                         char out[SLAGG_TRUNC6_CHARS])
{
    u128 x = (u128)num * mul, y = (u128)den1 * den2;
    if (y == 0) x = 0, y = 1;
    u128 ip = x / y, fr = (x % y) * 1000000u / y;
    char tmp[SLAGG_TRUNC6_CHARS];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(ip % 10));
        ip /= 10;
    } while (ip);
    char *o = out;
    while (n) *o++ = tmp[--n];
    *o++ = '.';
    for (uint64_t p = 100000, f = (uint64_t)fr; p; p /= 10) *o++ = (char)('0' + (int)(f / p % 10));
    *o = '\0';
}

/* SLA credit table: A >= 99.90 % <=> u <= 1000, and so on. */
int slagg_tier_pct(uint64_t unavail_ppm)
{
    if (unavail_ppm <= 1000) return 0;
    if (unavail_ppm <= 10000) return 10;
    if (unavail_ppm <= 50000) return 25;
    return 50;
}

/* Writes (10^6 - u) / 10^4 with exactly 4 decimals: availability truncated
 * toward zero, so the printed figure never contradicts the tier. u above
 * 10^6 (impossible for valid windows) prints as "0.0000". */
void slagg_format_availability(uint64_t unavail_ppm, char out[16])
{
    uint64_t a = unavail_ppm >= PPM ? 0 : PPM - unavail_ppm;
    unsigned ip = (unsigned)(a / 10000), fp = (unsigned)(a % 10000);
    char *o = out;
    if (ip >= 100) *o++ = (char)('0' + ip / 100);
    if (ip >= 10) *o++ = (char)('0' + ip / 10 % 10);
    *o++ = (char)('0' + ip % 10);
    *o++ = '.';
    *o++ = (char)('0' + fp / 1000);
    *o++ = (char)('0' + fp / 100 % 10);
    *o++ = (char)('0' + fp / 10 % 10);
    *o++ = (char)('0' + fp % 10);
    *o = '\0';
}

/*
 * rng.h - the generator's deterministic random numbers: xoshiro256**
 * (Blackman & Vigna) seeded through splitmix64. Integer arithmetic only,
 * so a seed gives the same stream on every machine; the fleet's bytes
 * depend on nothing else (gen.h).
 *
 * Draw order is part of the output: a caller that draws two numbers for
 * one statement draws them into variables first, in a fixed order (C
 * leaves the order of argument evaluation open, and gcc's differs between
 * x86-64 and aarch64: docs/ARM.md).
 */
#ifndef SLAGG_GEN_RNG_H
#define SLAGG_GEN_RNG_H

#include <stdint.h>

typedef struct slagg_gen_rng {
    uint64_t s[4];
} slagg_gen_rng;

/* Seeds stream `stream` of seed: different streams of one seed are
 * independent (the fleet design, the text logs and each shard file each
 * take their own). */
void slagg_gen_rng_seed(slagg_gen_rng *r, uint64_t seed, uint64_t stream);

static inline uint64_t slagg_gen_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* The next 64 random bits. Inline: the record loops draw per record. */
static inline uint64_t slagg_gen_rng_next(slagg_gen_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = slagg_gen_rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = slagg_gen_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n); n == 0 gives 0. The modulo bias (< n / 2^64) is
 * irrelevant for synthetic data and keeps the stream portable. */
static inline uint64_t slagg_gen_rng_below(slagg_gen_rng *r, uint64_t n)
{
    return n ? slagg_gen_rng_next(r) % n : 0;
}

#endif

/*
 * hash.h - the one hash function of the hash tables (dict.c, buckets.c):
 * a 64-bit multiply-xorshift mixer (splitmix64 finaliser) over words.
 * Not for security; inputs are our own keys.
 */
#ifndef SLAGG_CORE_HASH_H
#define SLAGG_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t slagg_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static inline uint64_t slagg_hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = slagg_mix64(h ^ w);
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    return slagg_mix64(h ^ w ^ ((uint64_t)n << 56));
}

#endif

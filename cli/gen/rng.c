/*
 * rng.c - seeding of the generator's xoshiro256** streams (rng.h).
 */
#include "cli/gen/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The four words of the state from splitmix64 over seed mixed with the
 * stream number (an odd multiplier, so streams never coincide for one
 * seed): the seeding xoshiro's authors recommend. */
void slagg_gen_rng_seed(slagg_gen_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

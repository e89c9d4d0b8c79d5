/* rng.h - splitmix64: seeds, visiting orders and gap tables, all computed
 * before the threads start (the hot loops draw no random numbers). */
#ifndef PTEAR_RNG_H
#define PTEAR_RNG_H

#include <stdint.h>

static inline uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A seed for stream `i` of `seed` (reader 3's order, control 5, ...). */
static inline uint64_t rng_derive(uint64_t seed, uint64_t i)
{
    uint64_t s = seed ^ (0xd1342543de82ef95ull * (i + 1));
    return splitmix64(&s);
}

/* Uniform in [0, n) for n >= 1, without a division in the common case. */
static inline uint32_t rng_below(uint64_t *state, uint32_t n)
{
    return (uint32_t)(((splitmix64(state) >> 32) * (uint64_t)n) >> 32);
}

#endif

/* pte.h - the states a writer installs and how a read is classified.
 * Shared with the Rust ptear (docs/json-schema.md, "Encoding of installed
 * states"): state k (a u32, never 0) is
 *     low(k)  = PRESENT | ((k mod P) << 1)     PRESENT = bit 0, as x86 PAE
 *     high(k) = fmix32(k)                      a bijection, fmix32(0) = 0
 * so a read (lo, hi) with lo present was really installed iff
 * k = fmix32^-1(hi) is not 0 and low(k) == lo. */
#ifndef PTEAR_PTE_H
#define PTEAR_PTE_H

#include <stdint.h>

#define PTE_PRESENT 1u

/* One page-table entry split in two halves, low at offset 0, 8-byte aligned
 * like a PAE pte_t ({ pte_low, pte_high } on little-endian x86). */
struct pte_pair {
    uint32_t low;
    uint32_t high;
} __attribute__((aligned(8)));

/* murmur3's 32-bit finaliser. */
static inline uint32_t fmix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

/* Its inverse: 0x7ed1b41d and 0xa5cb9243 are the inverses of the two
 * multipliers mod 2^32; x ^= x >> 13 is undone by x ^= (x >> 13) ^ (x >> 26). */
static inline uint32_t fmix32_inv(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x7ed1b41du;
    h ^= (h >> 13) ^ (h >> 26);
    h *= 0xa5cb9243u;
    h ^= h >> 16;
    return h;
}

/* The low period P (1 ..= 2^31), with a mask when it is a power of two so
 * that classifying a read needs no division (SH-4 has no divide insn). */
struct pte_enc {
    uint32_t period;
    uint32_t mask;
    int pow2;
};

static inline struct pte_enc pte_enc_make(uint32_t period)
{
    struct pte_enc e;
    e.period = period;
    e.pow2 = (period & (period - 1)) == 0;
    e.mask = period - 1;
    return e;
}

static inline uint32_t pte_low(const struct pte_enc *e, uint32_t k)
{
    return PTE_PRESENT | ((e->pow2 ? (k & e->mask) : (k % e->period)) << 1);
}

static inline uint32_t pte_high(uint32_t k)
{
    return fmix32(k);
}

/* The state after k: k + 1, skipping 0 on wrap-around. */
static inline uint32_t pte_next_state(uint32_t k)
{
    return k == UINT32_MAX ? 1u : k + 1;
}

enum pte_class { PTE_VALID, PTE_NOT_PRESENT, PTE_TORN };

static inline enum pte_class pte_classify(const struct pte_enc *e, uint32_t lo, uint32_t hi)
{
    uint32_t k;
    if (!(lo & PTE_PRESENT))
        return PTE_NOT_PRESENT;
    k = fmix32_inv(hi);
    return (k != 0 && pte_low(e, k) == lo) ? PTE_VALID : PTE_TORN;
}

/* For a torn read: the high halves of the installed states nearest to
 * fmix32^-1(hi) (at or below it, and above it) whose low half is lo.
 * Writes 0, 1 or 2 values to out[], in increasing k, and returns how many. */
int pte_valid_high(const struct pte_enc *e, uint32_t lo, uint32_t hi, uint32_t out[2]);

/* Known-answer checks of the encoding (selftest). NULL if fine, else what
 * failed. */
const char *pte_selfcheck(void);

#endif

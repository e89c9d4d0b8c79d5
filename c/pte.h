/* pte.h - one split page-table entry and the writers' install counters.
 * The encoding itself (layouts, L(j), H(h, q), classes, consequences) is
 * layout.h, docs/layouts.md's contract. */
#ifndef PTEAR_PTE_H
#define PTEAR_PTE_H

#include <stdint.h>
#include "layout.h"

/* One page-table entry split in two halves, low at offset 0, 8-byte aligned
 * like a PAE pte_t ({ pte_low, pte_high } on little-endian x86). */
struct pte_pair {
    uint32_t low;
    uint32_t high;
} __attribute__((aligned(8)));

/* --writers-per-entry N > 1: an entry's page-table lock and the writer
 * state it protects, one per pair in a mapping of their own (the kernel's
 * split PTL lives in the page-table page's struct ptdesc, not in the
 * entry's cache line). `installed`: the entry holds E(j, h) (1) or was
 * cleared (0); whichever writer of the group takes the lock does the
 * entry's next step. 16 bytes, 16-aligned, as the Rust tool's Ptl. */
struct pte_ptl {
    uint32_t lock;                  /* 0 free, 1 held: spin_lock() in protocol.h */
    uint32_t j, h;                  /* the entry's install counters (below) */
    uint32_t installed;
} __attribute__((aligned(16)));

/* Install number t of a pair as the two counters j = t mod P and
 * h = t mod N; every pair starts at t = 1. Stepped by one per clear +
 * install cycle, with no division (SH-4 has none). */
static inline uint32_t pte_first_j(const struct pte_enc *e)
{
    return e->period == 1 ? 0 : 1;
}

static inline uint32_t pte_first_h(const struct pte_enc *e)
{
    return e->states == 1 ? 0 : 1;
}

static inline void pte_step(const struct pte_enc *e, uint32_t *j, uint32_t *h)
{
    uint32_t nj = *j + 1;
    *j = nj == e->period ? 0 : nj;
    *h = (*h + 1) & (e->states - 1);
}

#endif

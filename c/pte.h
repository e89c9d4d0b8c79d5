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

/* ---- the writer's entry, stepped ----
 * The Rust engine's Round and Encoding::step (src/engine/hammer.rs,
 * src/pte/encoding.rs), for writer_loop() (hammer_internal.h): while
 * neither j nor h wraps, E(next) is E(now) with one more in the j field
 * and one more in the h field, xor the flags' flip (even j's flags to odd
 * j's and back): two adds and two xors a round, where pte_step() then
 * pte_L() and pte_H() are a compare, a mask, two shifts and two table
 * look-ups (on sh4 the writer reached 0.57-0.61 of the bookkeeping-free C
 * loop's cycles/s with them: BENCHMARKS.md, "The sh4 C port against the C
 * loop for sh4"). An add never carries into a flag: no layout's flags
 * share bits with its fields (L and H are field | flags, so field +
 * flags), and as long as j + 1 < P and h + 1 < N the fields do not wrap.
 * When one would, the round is computed in full from (j, h), as
 * Round::advance does. */
struct pte_step {
    uint32_t add_lo, add_hi;        /* 1 in the j field; 1 in the h field, 0 when N = 1 (h stays 0) */
    uint32_t flip_lo, flip_hi;      /* low_flags[0] ^ low_flags[1], high_flags[0] ^ high_flags[1] */
};

static inline struct pte_step pte_step_of(const struct pte_enc *e)
{
    struct pte_step s;
    s.add_lo = 1u << e->low_shift;
    s.add_hi = e->states > 1 ? 1u << e->high_shift : 0;
    s.flip_lo = e->low_flags[0] ^ e->low_flags[1];
    s.flip_hi = e->high_flags[0] ^ e->high_flags[1];
    return s;
}

/* How many installs after E(j, h) the step gives: those before j reaches
 * P or h reaches N (Encoding::steps_before_wrap); h never wraps when N = 1. */
static inline uint32_t pte_steps_before_wrap(const struct pte_enc *e, uint32_t j, uint32_t h)
{
    const uint32_t jl = e->period - 1u - j, hl = e->states > 1 ? e->states - 1u - h : UINT32_MAX;
    return jl < hl ? jl : hl;
}

/* What a writer's round installs, and how far it may step. Where Round
 * keeps the state of the last full computation and the steps taken since
 * (two counters), this keeps the state the step reaches when `left` is 0
 * (computed with `left`, no wrap in between): one counter a round, as
 * Round's, and nothing to add up at the wrap. */
struct pte_round {
    uint32_t lo, hi;                /* E(j, h) of this round's install */
    uint32_t left;                  /* rounds after this one whose entry is this one's stepped */
    uint32_t wj, wh;                /* (j, h) of the round where left is 0 */
};

/* The round that installs E(j, h), computed in full (Round::new). */
static inline struct pte_round pte_round_at(const struct pte_enc *e, uint32_t j, uint32_t h)
{
    struct pte_round r;
    r.lo = pte_L(e, j);
    r.hi = pte_H(e, h, j & 1);
    r.left = pte_steps_before_wrap(e, j, h);
    r.wj = j + r.left;
    r.wh = (h + r.left) & (e->states - 1u);     /* h + left < N; 0 when N = 1 */
    return r;
}

/* E(j + 1, h + 1) from E(j, h) while neither wraps (Step::after). */
static inline __attribute__((always_inline)) void pte_entry_step(const struct pte_step *s, uint32_t *lo, uint32_t *hi)
{
    *lo = (*lo + s->add_lo) ^ s->flip_lo;
    *hi = (*hi + s->add_hi) ^ s->flip_hi;
}

/* The next round (Round::advance with ZERO): stepped while it may be,
 * else, at a wrap of j or h, in full from the state after (wj, wh). */
static inline __attribute__((always_inline)) void pte_round_next(const struct pte_enc *e, const struct pte_step *s,
                                                                 struct pte_round *r)
{
    if (__builtin_expect(r->left != 0, 1)) {
        r->left--;
        pte_entry_step(s, &r->lo, &r->hi);
    } else {
        uint32_t j = r->wj, h = r->wh;
        pte_step(e, &j, &h);
        *r = pte_round_at(e, j, h);
    }
}

#endif

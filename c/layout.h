/* layout.h - the entries the writers install, per page-table layout, and
 * what a read (lo, hi) is: docs/layouts.md, the contract the Rust engine
 * (src/pte/layout.rs) implements too. `ptear list --json` prints the table
 * below.
 *
 * Install number t = 1, 2, ... of a pair puts E(j, h) there, with
 * j = t mod P (P = --low-period) and h = t mod N (N = the layout's states):
 *     L(j)    = (j << low_shift) | low_flags[j & 1]
 *     H(h, q) = ((h + high_add) << high_shift) | high_flags[q]    q = j & 1
 * Even j is a data page (writable, not executable), odd j a text page.
 *
 * Everything here is O(1) with no division (SH-4 has no divide insn): the
 * hot loops use pte_valid() inline, all else is for wrong values, on cold
 * paths. */
#ifndef PTEAR_LAYOUT_H
#define PTEAR_LAYOUT_H

#include <stdint.h>

/* In the table's order (docs/layouts.md, `ptear list --json` layouts). */
enum layout_id { LAYOUT_X86_PAE, LAYOUT_X86_PAE_NOHIGHMEM, LAYOUT_MIPS, LAYOUT_SH_X2TLB, LAYOUT_N };

/* How pfn / writable / exec are read off (lo, hi): the table's last rows. */
enum layout_decode {
    DECODE_X86,     /* pfn lo >> 12 | (hi & 0xfff) << 20; writable lo & 0x2 (RW); exec !(hi & NX) */
    DECODE_MIPS,    /* pfn (hi >> 6) & 0xffffff; writable hi & 0x4 (D); exec: none (no RI/XI) */
    DECODE_SH,      /* pfn lo >> 12; writable hi & 0x200 (UW); exec hi & 0x100 (UX) */
};

struct layout {
    const char *name, *help;
    uint32_t present;
    uint32_t low_shift, low_bits;
    uint32_t low_flags[2];          /* [data, text]: [j even, j odd] */
    uint32_t high_shift, high_bits;
    uint32_t states;                /* N, a power of two */
    uint32_t high_add;
    uint32_t high_flags[2];         /* [data, text] */
    uint32_t nx_mask, perm_mask;    /* in the high half */
    uint32_t max_low_period;
    enum layout_decode decode;
};

/* Sources: arch/x86/include/asm/pgtable_types.h, page_32_types.h,
 * pgtable-3level.h; arch/mips/include/asm/pgtable-bits.h (the 64-bit
 * phys, non-XPA MIPS32 enum) and pgtable.h pfn_pte(); arch/sh/include/asm/
 * pgtable_32.h. MIPS's real low half holds only protection bits: ptear hides
 * j in bits 13-31, which the kernel leaves 0. */
static const struct layout layout_table[LAYOUT_N] = {
    [LAYOUT_X86_PAE] = {
        "x86-pae", "i386 PAE with HIGHMEM64G: PFN bits 20-31 and NX in the high half",
        0x1u, 12, 20, { 0x67u, 0x25u },         /* P RW USER A D | P USER A */
        0, 12, 2048, 1, { 0x80000000u, 0 },     /* PFN bits 20-31 (pages at 4 GiB and up), NX */
        0x80000000u, 0, 1u << 20, DECODE_X86,
    },
    [LAYOUT_X86_PAE_NOHIGHMEM] = {
        "x86-pae-nohighmem", "i386 PAE without HIGHMEM64G: only NX in the high half",
        0x1u, 12, 20, { 0x67u, 0x25u },
        0, 12, 1, 0, { 0x80000000u, 0 },
        0x80000000u, 0, 1u << 20, DECODE_X86,
    },
    [LAYOUT_MIPS] = {
        "mips", "MIPS32 64-bit phys (non-XPA): PFN and V/D in the high half (EntryLo)",
        0x40u, 13, 19, { 0x75eu, 0x25au },      /* V D C=3 PRESENT WRITE A M | V C=3 PRESENT A */
        6, 24, 1u << 20, 1, { 0x1eu, 0x1au },   /* EntryLo PFN (never 0); C=3 D V | C=3 V */
        0, 0x6u, 1u << 19, DECODE_MIPS,
    },
    [LAYOUT_SH_X2TLB] = {
        "sh-x2tlb", "SH-4A X2TLB: PFN in the low half, extended permissions in the high half",
        0x100u, 12, 20, { 0x50cu, 0x508u },     /* PRESENT A C D | PRESENT A C */
        0, 0, 1, 0, { 0x3600u, 0x2d00u },       /* UR UW KR KW | UR UX KR KX (EPR) */
        0, 0x3f00u, 1u << 20, DECODE_SH,
    },
};

/* The consequences of a wrong value, in this bit order (the report's). */
enum {
    CONS_WRONG_PAGE = 1, CONS_PFN_ZERO = 2, CONS_NX_LOST = 4, CONS_NX_GAINED = 8,
    CONS_WRONG_PERMISSIONS = 16, CONS_NO_PERMISSIONS = 32,
};
#define CONS_N 6
static const char *const cons_names[CONS_N] = {
    "wrong_page", "pfn_zero", "nx_lost", "nx_gained", "wrong_permissions", "no_permissions",
};

enum pte_class { PTE_NOT_PRESENT, PTE_VALID, PTE_TRANSIENT, PTE_MIXED };

/* One run's encoding: a layout, P and whether the writer profile has
 * half-cleared states, with the masks precomputed. The hot loops keep a
 * copy in locals. */
struct pte_enc {
    uint32_t present;
    uint32_t low_shift, low_mask, low_keep;     /* keep: every bit outside the j field */
    uint32_t low_flags[2];
    uint32_t high_shift, high_mask, high_add, high_keep;
    uint32_t high_flags[2];
    uint32_t period;                /* P */
    uint32_t states;                /* N */
    uint32_t gmask;                 /* gcd(P, N) - 1 */
    int half_cleared;
    enum layout_id id;
};

static inline struct pte_enc pte_enc_make(enum layout_id id, uint32_t period, int half_cleared)
{
    const struct layout *l = &layout_table[id];
    struct pte_enc e;
    uint32_t g = period & (~period + 1u);       /* the largest power of two dividing P */
    e.present = l->present;
    e.low_shift = l->low_shift;
    e.low_mask = (1u << l->low_bits) - 1u;
    e.low_keep = ~(e.low_mask << l->low_shift);
    e.low_flags[0] = l->low_flags[0];
    e.low_flags[1] = l->low_flags[1];
    e.high_shift = l->high_shift;
    e.high_mask = (1u << l->high_bits) - 1u;
    e.high_keep = ~(e.high_mask << l->high_shift);
    e.high_add = l->high_add;
    e.high_flags[0] = l->high_flags[0];
    e.high_flags[1] = l->high_flags[1];
    e.period = period;
    e.states = l->states;
    e.gmask = (g < l->states ? g : l->states) - 1u;    /* N is a power of two */
    e.half_cleared = half_cleared;
    e.id = id;
    return e;
}

static inline uint32_t pte_L(const struct pte_enc *e, uint32_t j)
{
    return (j << e->low_shift) | e->low_flags[j & 1];
}

static inline uint32_t pte_H(const struct pte_enc *e, uint32_t h, uint32_t q)
{
    return ((h + e->high_add) << e->high_shift) | e->high_flags[q];
}

/* j and h as a read shows them (h wraps below 0 to a huge u32). */
static inline uint32_t pte_j(const struct pte_enc *e, uint32_t lo)
{
    return (lo >> e->low_shift) & e->low_mask;
}

static inline uint32_t pte_h(const struct pte_enc *e, uint32_t hi)
{
    return ((hi >> e->high_shift) & e->high_mask) - e->high_add;
}

static inline int pte_low_ok(const struct pte_enc *e, uint32_t lo)
{
    uint32_t j = pte_j(e, lo);
    return j < e->period && lo == pte_L(e, j);
}

static inline int pte_page_ok(const struct pte_enc *e, uint32_t j, uint32_t h)
{
    return h < e->states && ((j ^ h) & e->gmask) == 0;
}

/* The hot loops' test, for a present lo: is (lo, hi) an installed entry?
 * j decoded, lo compared with L(j); h decoded, hi compared with H(h, j & 1);
 * then the ranges and the residue (one compare each, no division). As the
 * flags of every layout lie outside its j and h fields, lo == L(j) is
 * (lo & low_keep) == low_flags[j & 1] and hi == H(h, q) is
 * (hi & high_keep) == high_flags[q] (the fields equal themselves): no
 * shift back. */
static inline __attribute__((always_inline)) int pte_valid(const struct pte_enc *e, uint32_t lo, uint32_t hi)
{
    const uint32_t j = pte_j(e, lo), h = pte_h(e, hi), q = j & 1;
    return (lo & e->low_keep) == e->low_flags[q] && (hi & e->high_keep) == e->high_flags[q] && j < e->period &&
           h < e->states && ((j ^ h) & e->gmask) == 0;
}

/* docs/layouts.md, "Classifying a read". */
static inline enum pte_class pte_classify(const struct pte_enc *e, uint32_t lo, uint32_t hi)
{
    int low_ok;
    if (!(lo & e->present))
        return PTE_NOT_PRESENT;
    if (pte_valid(e, lo, hi))
        return PTE_VALID;
    low_ok = pte_low_ok(e, lo);
    if (low_ok && hi == 0 && e->half_cleared)
        return PTE_TRANSIENT;
    return PTE_MIXED;
}

/* pfn / writable / exec of (lo, hi), as the architecture reads them. */
struct pte_decoded {
    int present;
    uint64_t pfn;
    int writable;
    int exec;                       /* 1, 0, or -1: the layout has no exec bit (null) */
};

static inline uint64_t pte_pfn(enum layout_id id, uint32_t lo, uint32_t hi)
{
    switch (layout_table[id].decode) {
    case DECODE_MIPS:
        return (hi >> 6) & 0xffffffu;
    case DECODE_SH:
        return lo >> 12;
    default:
        return (uint64_t)(lo >> 12) | (uint64_t)(hi & 0xfffu) << 20;
    }
}

static inline struct pte_decoded pte_decode(const struct pte_enc *e, uint32_t lo, uint32_t hi)
{
    struct pte_decoded d;
    d.present = (lo & e->present) != 0;
    d.pfn = pte_pfn(e->id, lo, hi);
    switch (layout_table[e->id].decode) {
    case DECODE_MIPS:
        d.writable = (hi & 0x4u) != 0;
        d.exec = -1;
        break;
    case DECODE_SH:
        d.writable = (hi & 0x200u) != 0;
        d.exec = (hi & 0x100u) != 0;
        break;
    default:
        d.writable = (lo & 0x2u) != 0;
        d.exec = !(hi & 0x80000000u);
        break;
    }
    return d;
}

/* The consequences of a wrong value (docs/layouts.md): compared with the
 * entries installed with its low half. A low half that was never installed
 * has no entry with it, so its page is always one "no entry with this low
 * maps" (wrong_page or pfn_zero): every wrong value gets at least one. */
static inline uint32_t pte_consequences(const struct pte_enc *e, uint32_t lo, uint32_t hi)
{
    const struct layout *l = &layout_table[e->id];
    const uint32_t j = pte_j(e, lo), q = j & 1;
    const int page_ok = pte_low_ok(e, lo) && pte_page_ok(e, j, pte_h(e, hi));
    uint32_t c = 0;
    if (!page_ok)
        c |= pte_pfn(e->id, lo, hi) != 0 ? CONS_WRONG_PAGE : CONS_PFN_ZERO;
    if (l->nx_mask) {
        const int want = (l->high_flags[q] & l->nx_mask) != 0, got = (hi & l->nx_mask) != 0;
        if (want && !got)
            c |= CONS_NX_LOST;
        if (!want && got)
            c |= CONS_NX_GAINED;
    }
    if (l->perm_mask) {
        const uint32_t want = l->high_flags[q] & l->perm_mask, got = hi & l->perm_mask;
        if (got != want && got != 0)
            c |= CONS_WRONG_PERMISSIONS;
        if (got == 0 && want != 0)
            c |= CONS_NO_PERMISSIONS;
    }
    return c;
}

/* valid_high of a torn sample: when the low half was installed, the one
 * high installed with it whose h is the nearest at or below the value's h
 * (h' = h - ((h - j) & gmask), plus g if that wraps below 0; j & gmask when
 * h >= N): writes H(h', j & 1) to *out and returns 1; else 0. */
static inline int pte_valid_high(const struct pte_enc *e, uint32_t lo, uint32_t hi, uint32_t *out)
{
    uint32_t j, h, hp, d;
    if (!(lo & e->present) || !pte_low_ok(e, lo))
        return 0;
    j = pte_j(e, lo);
    h = pte_h(e, hi);
    if (h >= e->states) {
        hp = j & e->gmask;
    } else {
        d = (h - j) & e->gmask;
        hp = d > h ? h - d + e->gmask + 1u : h - d;
    }
    *out = pte_H(e, hp, j & 1);
    return 1;
}

/* Known-answer checks of the encoding (selftest, pte.c). NULL if fine,
 * else what failed. */
const char *pte_selfcheck(void);

#endif

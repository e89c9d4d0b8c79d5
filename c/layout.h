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
 * --clear-to protnone adds x86's PROT_NONE entries PN(j, h) (the PN
 * family: page frame inverted, PROTNONE for PRESENT); --level pmd takes
 * the x86 PAE layouts' PMD row (layout_at()).
 *
 * Everything here is O(1) with no division (SH-4 has no divide insn): the
 * hot loops use pte_valid() inline, all else is for wrong values, on cold
 * paths. */
#ifndef PTEAR_LAYOUT_H
#define PTEAR_LAYOUT_H

#include <stdint.h>

/* In the table's order (docs/layouts.md, `ptear list --json` layouts). */
enum layout_id { LAYOUT_X86_PAE, LAYOUT_X86_PAE_NOHIGHMEM, LAYOUT_MIPS, LAYOUT_SH_X2TLB, LAYOUT_N };

/* The page-table level a run's entries live at (--level): the PTE's rows
 * below, or an x86 PAE huge-page PMD (2 MiB), which only x86-pae and
 * x86-pae-nohighmem have (docs/layouts.md, "The PMD level"). */
enum pte_level { LEVEL_PTE, LEVEL_PMD, LEVEL_N };

/* How pfn / writable / exec are read off (lo, hi): the table's last rows. */
enum layout_decode {
    DECODE_X86,     /* pfn lo >> 12 | (hi & 0xfffff) << 20; writable lo & 0x2 (RW); exec !(hi & NX) */
    DECODE_MIPS,    /* pfn (hi >> 6) & 0xffffff; writable hi & 0x4 (D); exec: none (no RI/XI) */
    DECODE_SH,      /* pfn lo >> 12; writable hi & 0x200 (UW); exec hi & 0x100 (UX) */
};

struct layout {
    const char *name, *help;
    uint32_t present;
    uint32_t low_shift, low_bits;
    uint32_t low_flags[2];          /* [data, text]: [j even, j odd] */
    uint32_t high_shift, high_bits;
    /* the high half's page-frame field as the kernel masks it (x86:
     * PTE_PFN_MASK's high half, 20 bits), at least high_bits: h and the
     * pfn are decoded from all of it, PROT_NONE inverts all of it */
    uint32_t pfn_high_bits;
    uint32_t states;                /* N, a power of two */
    uint32_t high_add;
    uint32_t high_flags[2];         /* [data, text] */
    uint32_t nx_mask, perm_mask;    /* in the high half */
    uint32_t max_low_period;
    enum layout_decode decode;
    /* What a cleared entry becomes (--clear-to, docs/layouts.md): x86's
     * _PAGE_PROTNONE (0: the layout has none) and the low flags a
     * PROT_NONE entry keeps [data, text]; the fixed swap entry S and
     * migration entry M, {low, high}. */
    uint32_t protnone;
    uint32_t protnone_low_flags[2];
    uint32_t swap[2], migration[2];
    /* --level pmd: what differs from the PTE row (pmd.exists 0: none) */
    struct layout_pmd {
        int exists;
        uint32_t low_shift, low_bits;
        uint32_t low_flags[2];
        uint32_t max_low_period;
    } pmd;
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
        0, 12, 20, 2048, 1, { 0x80000000u, 0 }, /* PFN bits 20-31 (pages at 4 GiB and up; PTE_PFN_MASK: 20 bits), NX */
        0x80000000u, 0, 1u << 20, DECODE_X86,
        0x100u, { 0x160u, 0x120u },             /* _PAGE_PROTNONE; A D PROTNONE | A PROTNONE */
        { 0xfffffc00u, 0x07ffffffu },           /* swap type 0, offset 1 (L1TF: offset inverted) */
        { 0xbffffc00u, 0xf7ffffffu },           /* type 30, offset 0x200001: the page of E(1, 1) */
        { 1, 21, 11, { 0xe7u, 0xa5u }, 2048 },  /* PMD: PSE, page frame from bit 21 */
    },
    [LAYOUT_X86_PAE_NOHIGHMEM] = {
        "x86-pae-nohighmem", "i386 PAE without HIGHMEM64G: only NX in the high half",
        0x1u, 12, 20, { 0x67u, 0x25u },
        0, 12, 20, 1, 0, { 0x80000000u, 0 },
        0x80000000u, 0, 1u << 20, DECODE_X86,
        0x100u, { 0x160u, 0x120u },
        { 0xfffffc00u, 0x07ffffffu },
        { 0xfffffc00u, 0xf7ffffffu },           /* type 30, offset 1: the page of E(1, 0) */
        { 1, 21, 11, { 0xe7u, 0xa5u }, 2048 },
    },
    [LAYOUT_MIPS] = {
        "mips", "MIPS32 64-bit phys (non-XPA): PFN and V/D in the high half (EntryLo)",
        0x40u, 13, 19, { 0x75eu, 0x25au },      /* V D C=3 PRESENT WRITE A M | V C=3 PRESENT A */
        6, 24, 24, 1u << 20, 1, { 0x1eu, 0x1au }, /* EntryLo PFN (never 0); C=3 D V | C=3 V */
        0, 0x6u, 1u << 19, DECODE_MIPS,
        0, { 0, 0 },                            /* no PROTNONE bit */
        { 0, 0x80u },                           /* non-XPA: high = type << 2 | offset << 7 */
        { 0, 0x178u },                          /* type 30, offset 2 */
        { 0, 0, 0, { 0, 0 }, 0 },               /* MIPS32's PMD is folded: 32 bits */
    },
    [LAYOUT_SH_X2TLB] = {
        "sh-x2tlb", "SH-4A X2TLB: PFN in the low half, extended permissions in the high half",
        0x100u, 12, 20, { 0x50cu, 0x508u },     /* PRESENT A C D | PRESENT A C */
        0, 0, 0, 1, 0, { 0x3600u, 0x2d00u },    /* UR UW KR KW | UR UX KR KX (EPR) */
        0, 0x3f00u, 1u << 20, DECODE_SH,
        0, { 0, 0 },
        { 0, 0x20u },                           /* X2TLB: high = type | offset << 5 */
        { 0, 0x3eu },                           /* type 30, offset 1 */
        { 0, 0, 0, { 0, 0 }, 0 },               /* its PMD's high half is always 0 */
    },
};

/* The row of a run: the layout at its --level (the PMD's low_shift,
 * low_bits, low_flags and max_low_period over the PTE row; a layout
 * without a PMD keeps its PTE row, which the command line never lets a
 * run use at --level pmd). */
static inline struct layout layout_at(enum layout_id id, enum pte_level level)
{
    struct layout l = layout_table[id];
    if (level == LEVEL_PMD && l.pmd.exists) {
        l.low_shift = l.pmd.low_shift;
        l.low_bits = l.pmd.low_bits;
        l.low_flags[0] = l.pmd.low_flags[0];
        l.low_flags[1] = l.pmd.low_flags[1];
        l.max_low_period = l.pmd.max_low_period;
    }
    return l;
}

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

/* The two families of installed entries (docs/layouts.md, "Classifying
 * with PROT_NONE entries and cleared entries"): E, the entries with the
 * present bit, and PN, x86's PROT_NONE entries (present bit clear,
 * _PAGE_PROTNONE set, page-frame bits inverted). Each has its xor masks
 * and flags: E (0, 0, low_flags, high_flags), PN (inv_low, inv_high,
 * protnone_low_flags, [0, 0]). */
enum pte_family { FAM_NONE = -1, FAM_E = 0, FAM_PN = 1 };

/* One run's encoding: a layout at a level, P, whether the writer profile
 * has half-cleared states and the high half that stands next to a low in
 * them (transient_high), with the masks precomputed. The hot loops keep a
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
    uint32_t transient_high;        /* with half_cleared: {installed low, this} stood in memory */
    uint32_t protnone;              /* 0: no PN family */
    uint32_t inv_low, inv_high;     /* PN: PTE_PFN_MASK's bits, inverted (x86's L1TF flip) */
    uint32_t pn_low_flags[2];       /* PN's [data, text]; its high flags are [0, 0] */
    uint32_t nx_mask, perm_mask;
    enum layout_decode decode;
    enum layout_id id;
    enum pte_level level;
};

/* The encoding of (layout, level, P), for a writer profile with or without
 * half-cleared states, whose such states have `transient_high` as their
 * high half (config.h writer_transient_high()). */
static inline struct pte_enc pte_enc_make_at(enum layout_id id, enum pte_level level, uint32_t period,
                                             int half_cleared, uint32_t transient_high)
{
    const struct layout l = layout_at(id, level);
    struct pte_enc e;
    uint32_t g = period & (~period + 1u);       /* the largest power of two dividing P */
    e.present = l.present;
    e.low_shift = l.low_shift;
    e.low_mask = (uint32_t)((1ull << l.low_bits) - 1u);
    e.low_keep = ~(e.low_mask << l.low_shift);
    e.low_flags[0] = l.low_flags[0];
    e.low_flags[1] = l.low_flags[1];
    e.high_shift = l.high_shift;
    e.high_mask = (uint32_t)((1ull << l.pfn_high_bits) - 1u);     /* the whole field */
    e.high_keep = ~(e.high_mask << l.high_shift);
    e.high_add = l.high_add;
    e.high_flags[0] = l.high_flags[0];
    e.high_flags[1] = l.high_flags[1];
    e.period = period;
    e.states = l.states;
    e.gmask = (g < l.states ? g : l.states) - 1u;     /* N is a power of two */
    e.half_cleared = half_cleared;
    e.transient_high = transient_high;
    e.protnone = l.protnone;
    /* inv_low = (2^low_bits - 1) << low_shift, inv_high = (2^pfn_high_bits
     * - 1) << high_shift: 64-bit math, as a width may be 0 (and a field
     * may reach bit 31) */
    e.inv_low = (uint32_t)(((1ull << l.low_bits) - 1u) << l.low_shift);
    e.inv_high = e.high_mask << l.high_shift;
    e.pn_low_flags[0] = l.protnone_low_flags[0];
    e.pn_low_flags[1] = l.protnone_low_flags[1];
    e.nx_mask = l.nx_mask;
    e.perm_mask = l.perm_mask;
    e.decode = l.decode;
    e.id = id;
    e.level = level;
    return e;
}

/* The PTE level, with {L(j), 0} as the half-cleared state (--clear-to zero). */
static inline struct pte_enc pte_enc_make(enum layout_id id, uint32_t period, int half_cleared)
{
    return pte_enc_make_at(id, LEVEL_PTE, period, half_cleared, 0);
}

/* ---- one family: f is FAM_E or FAM_PN (a constant where it matters) ---- */

static inline uint32_t pte_xor_low(const struct pte_enc *e, int f)
{
    return f == FAM_PN ? e->inv_low : 0;
}

static inline uint32_t pte_xor_high(const struct pte_enc *e, int f)
{
    return f == FAM_PN ? e->inv_high : 0;
}

static inline uint32_t pte_low_flags_f(const struct pte_enc *e, int f, uint32_t q)
{
    return f == FAM_PN ? e->pn_low_flags[q] : e->low_flags[q];
}

static inline uint32_t pte_high_flags_f(const struct pte_enc *e, int f, uint32_t q)
{
    return f == FAM_PN ? 0 : e->high_flags[q];
}

/* L_f(j) = ((j << low_shift) ^ xor_low) | low_flags_f[j & 1] */
static inline uint32_t pte_L_f(const struct pte_enc *e, int f, uint32_t j)
{
    return ((j << e->low_shift) ^ pte_xor_low(e, f)) | pte_low_flags_f(e, f, j & 1);
}

/* H_f(h, q) = (((h + high_add) << high_shift) ^ xor_high) | high_flags_f[q] */
static inline uint32_t pte_H_f(const struct pte_enc *e, int f, uint32_t h, uint32_t q)
{
    return (((h + e->high_add) << e->high_shift) ^ pte_xor_high(e, f)) | pte_high_flags_f(e, f, q);
}

/* j and h as a read shows them in family f (h wraps below 0 to a huge u32). */
static inline uint32_t pte_j_f(const struct pte_enc *e, int f, uint32_t lo)
{
    return ((lo ^ pte_xor_low(e, f)) >> e->low_shift) & e->low_mask;
}

static inline uint32_t pte_h_f(const struct pte_enc *e, int f, uint32_t hi)
{
    return (((hi ^ pte_xor_high(e, f)) >> e->high_shift) & e->high_mask) - e->high_add;
}

static inline int pte_low_ok_f(const struct pte_enc *e, int f, uint32_t lo)
{
    uint32_t j = pte_j_f(e, f, lo);
    return j < e->period && lo == pte_L_f(e, f, j);
}

static inline int pte_page_ok(const struct pte_enc *e, uint32_t j, uint32_t h)
{
    return h < e->states && ((j ^ h) & e->gmask) == 0;
}

/* Is (lo, hi) an installed entry of family f? j decoded, lo compared with
 * L_f(j); h decoded, hi compared with H_f(h, j & 1); then the ranges and
 * the residue (one compare each, no division). As the flags of every
 * layout lie outside its j and h fields, lo == L_f(j) is ((lo ^ xor_low)
 * & low_keep) == low_flags_f[j & 1] and hi == H_f(h, q) is ((hi ^
 * xor_high) & high_keep) == high_flags_f[q] (the fields equal
 * themselves): no shift back. PN's xor_high is wider than the h field
 * (PTE_PFN_MASK's high half), so the xor comes before the mask. With f a
 * constant FAM_E (pte_valid) the xors are of 0 and fold away. */
static inline __attribute__((always_inline)) int pte_valid_f(const struct pte_enc *e, int f, uint32_t lo,
                                                             uint32_t hi)
{
    const uint32_t j = pte_j_f(e, f, lo), h = pte_h_f(e, f, hi), q = j & 1;
    return ((lo ^ pte_xor_low(e, f)) & e->low_keep) == pte_low_flags_f(e, f, q) &&
           ((hi ^ pte_xor_high(e, f)) & e->high_keep) == pte_high_flags_f(e, f, q) &&
           j < e->period && h < e->states && ((j ^ h) & e->gmask) == 0;
}

/* The family of a read: E if the present bit is set, else PN if the
 * layout has PROTNONE and it is set, else none (not present, as x86's
 * pte_present() says). */
static inline int pte_family(const struct pte_enc *e, uint32_t lo)
{
    if (lo & e->present)
        return FAM_E;
    if (lo & e->protnone)
        return FAM_PN;
    return FAM_NONE;
}

/* ---- family E: the PTE/PMD entries E(j, h) the writers install ---- */

static inline uint32_t pte_L(const struct pte_enc *e, uint32_t j)
{
    return pte_L_f(e, FAM_E, j);
}

static inline uint32_t pte_H(const struct pte_enc *e, uint32_t h, uint32_t q)
{
    return pte_H_f(e, FAM_E, h, q);
}

static inline uint32_t pte_j(const struct pte_enc *e, uint32_t lo)
{
    return pte_j_f(e, FAM_E, lo);
}

static inline uint32_t pte_h(const struct pte_enc *e, uint32_t hi)
{
    return pte_h_f(e, FAM_E, hi);
}

static inline int pte_low_ok(const struct pte_enc *e, uint32_t lo)
{
    return pte_low_ok_f(e, FAM_E, lo);
}

/* The hot loops' test, for a present lo: is (lo, hi) an installed E? */
static inline __attribute__((always_inline)) int pte_valid(const struct pte_enc *e, uint32_t lo, uint32_t hi)
{
    return pte_valid_f(e, FAM_E, lo, hi);
}

/* ... and for a lo with PROTNONE and no present bit: an installed PN? */
static inline __attribute__((always_inline)) int pte_valid_pn(const struct pte_enc *e, uint32_t lo, uint32_t hi)
{
    return pte_valid_f(e, FAM_PN, lo, hi);
}

/* PN(j, h) = pte_modify(E(j, h), PAGE_NONE) (x86 layouts only): the page
 * frame inverted (flip_protnone_guard), ACCESSED and DIRTY kept, PROTNONE
 * in place of PRESENT, RW, USER and NX. */
static inline uint32_t pte_PN_L(const struct pte_enc *e, uint32_t j)
{
    return pte_L_f(e, FAM_PN, j);
}

static inline uint32_t pte_PN_H(const struct pte_enc *e, uint32_t h)
{
    return pte_H_f(e, FAM_PN, h, 0);
}

/* docs/layouts.md, "Classifying with PROT_NONE entries and cleared
 * entries". */
static inline enum pte_class pte_classify(const struct pte_enc *e, uint32_t lo, uint32_t hi)
{
    const int f = pte_family(e, lo);
    if (f == FAM_NONE)
        return PTE_NOT_PRESENT;
    if (pte_valid_f(e, f, lo, hi))
        return PTE_VALID;
    if (pte_low_ok_f(e, f, lo) && hi == e->transient_high && e->half_cleared)
        return PTE_TRANSIENT;
    return PTE_MIXED;
}

/* pfn / writable / exec of (lo, hi), as the architecture reads them. */
struct pte_decoded {
    int present;                    /* pte_present(): the present bit, or (x86) PROTNONE */
    int protnone;                   /* PROTNONE without the present bit */
    uint64_t pfn;
    int writable;
    int exec;                       /* 1, 0, or -1: the layout has no exec bit (null) */
};

/* pte_pfn(): on x86 a value that is not 0 and has no present bit has its
 * page-frame bits inverted back first (protnone_mask(), pgtable-invert.h),
 * with the masks of the run's level. */
static inline uint64_t pte_pfn(const struct pte_enc *e, uint32_t lo, uint32_t hi)
{
    switch (e->decode) {
    case DECODE_MIPS:
        return (hi >> 6) & 0xffffffu;
    case DECODE_SH:
        return lo >> 12;
    default:
        if (!(lo & e->present) && (lo | hi) != 0) {
            lo ^= e->inv_low;
            hi ^= e->inv_high;
        }
        return (uint64_t)(lo >> 12) | (uint64_t)(hi & e->high_mask) << 20;
    }
}

static inline struct pte_decoded pte_decode(const struct pte_enc *e, uint32_t lo, uint32_t hi)
{
    struct pte_decoded d;
    d.present = (lo & (e->present | e->protnone)) != 0;
    d.protnone = (lo & e->protnone) != 0 && !(lo & e->present);
    d.pfn = pte_pfn(e, lo, hi);
    switch (e->decode) {
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
 * entries of its family installed with its low half (a PN low's entries
 * have no NX and no permissions in the high half). A low half that was
 * never installed has no entry with it, so its page is always one "no
 * entry with this low maps" (wrong_page or pfn_zero): every wrong value
 * gets at least one. */
static inline uint32_t pte_consequences(const struct pte_enc *e, uint32_t lo, uint32_t hi)
{
    const int f = pte_family(e, lo) == FAM_PN ? FAM_PN : FAM_E;
    const uint32_t j = pte_j_f(e, f, lo), q = j & 1, hf = pte_high_flags_f(e, f, q);
    const int page_ok = pte_low_ok_f(e, f, lo) && pte_page_ok(e, j, pte_h_f(e, f, hi));
    uint32_t c = 0;
    if (!page_ok)
        c |= pte_pfn(e, lo, hi) != 0 ? CONS_WRONG_PAGE : CONS_PFN_ZERO;
    if (e->nx_mask) {
        const int want = (hf & e->nx_mask) != 0, got = (hi & e->nx_mask) != 0;
        if (want && !got)
            c |= CONS_NX_LOST;
        if (!want && got)
            c |= CONS_NX_GAINED;
    }
    if (e->perm_mask) {
        const uint32_t want = hf & e->perm_mask, got = hi & e->perm_mask;
        if (got != want && got != 0)
            c |= CONS_WRONG_PERMISSIONS;
        if (got == 0 && want != 0)
            c |= CONS_NO_PERMISSIONS;
    }
    return c;
}

/* valid_high of a torn sample: when the low half was installed (in its
 * family), the one high installed with it whose h is the nearest at or
 * below the value's h (h' = h - ((h - j) & gmask), plus g if that wraps
 * below 0; j & gmask when h >= N): writes H_f(h', j & 1) to *out and
 * returns 1; else 0. */
static inline int pte_valid_high(const struct pte_enc *e, uint32_t lo, uint32_t hi, uint32_t *out)
{
    const int f = pte_family(e, lo);
    uint32_t j, h, hp, d;
    if (f == FAM_NONE || !pte_low_ok_f(e, f, lo))
        return 0;
    j = pte_j_f(e, f, lo);
    h = pte_h_f(e, f, hi);
    if (h >= e->states) {
        hp = j & e->gmask;
    } else {
        d = (h - j) & e->gmask;
        hp = d > h ? h - d + e->gmask + 1u : h - d;
    }
    *out = pte_H_f(e, f, hp, j & 1);
    return 1;
}

/* Known-answer checks of the encoding (selftest, pte.c). NULL if fine,
 * else what failed. */
const char *pte_selfcheck(void);

#endif

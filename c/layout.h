/* layout.h - the entries the writers install, per page-table layout, and
 * what a read (lo, hi) is: docs/layouts.md, the contract the Rust engine
 * (src/pte/layout.rs) implements too. The table itself (layout_table) is
 * generated from src/pte/layout.rs into generated.h; `ptear list --json`
 * prints it.
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

/* enum layout_id, enum pte_level, struct layout and layout_table: generated
 * from src/pte/layout.rs (tests/c_header.rs), with the kernel headers each
 * row comes from. */
#include "generated.h"

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
    /* how pfn, writable and exec are read off (lo, hi): struct layout's */
    uint32_t pfn_in_low, pfn_high_pos, write_low, write_high, exec_high, pfn_inverted;
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
    e.pfn_in_low = l.pfn_in_low;
    e.pfn_high_pos = l.pfn_high_pos;
    e.write_low = l.write_low;
    e.write_high = l.write_high;
    e.exec_high = l.exec_high;
    e.pfn_inverted = l.pfn_inverted_when_not_present;
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
 * with the masks of the run's level; then the low half's bits 12-31 (x86,
 * SH) and the high half's page-frame field (x86: PFN bits 20-31; MIPS:
 * EntryLo's PFN from bit 6, pte_pfn() of pgtable.h), as src/pte/encoding.rs
 * Encoding::decode reads them. */
static inline uint64_t pte_pfn(const struct pte_enc *e, uint32_t lo, uint32_t hi)
{
    if (e->pfn_inverted && !(lo & e->present) && (lo | hi) != 0) {
        lo ^= e->inv_low;
        hi ^= e->inv_high;
    }
    return (uint64_t)(e->pfn_in_low ? lo >> 12 : 0) | (uint64_t)((hi >> e->high_shift) & e->high_mask)
                                                             << e->pfn_high_pos;
}

/* writable: x86's _PAGE_RW in the low half, MIPS's D or SH's
 * _PAGE_EXT_USER_WRITE in the high; exec: not NX (x86), SH's
 * _PAGE_EXT_USER_EXEC, or none (MIPS: no RI/XI here). */
static inline struct pte_decoded pte_decode(const struct pte_enc *e, uint32_t lo, uint32_t hi)
{
    struct pte_decoded d;
    d.present = (lo & (e->present | e->protnone)) != 0;
    d.protnone = (lo & e->protnone) != 0 && !(lo & e->present);
    d.pfn = pte_pfn(e, lo, hi);
    d.writable = (lo & e->write_low) != 0 || (hi & e->write_high) != 0;
    d.exec = e->nx_mask ? !(hi & e->nx_mask) : e->exec_high ? (hi & e->exec_high) != 0 : -1;
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

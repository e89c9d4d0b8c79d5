/* pte.c - known-answer checks of the encoding of layout.h (selftest). */
#include "pte.h"

/* The entries E(j, h) below are known answers of the encoding's formula
 * (docs/layouts.md); S and M, and each layout's largest low period, are
 * the generated table's own (generated.h, from src/pte/layout.rs). */
const char *pte_selfcheck(void)
{
    const struct layout *x86 = &layout_table[LAYOUT_X86_PAE];
    const uint32_t *S = x86->swap, *M = x86->migration;
    const struct pte_enc pae = pte_enc_make(LAYOUT_X86_PAE, x86->max_low_period, 0);
    const struct pte_enc pae_hc = pte_enc_make(LAYOUT_X86_PAE, x86->max_low_period, 1);
    const struct pte_enc pae2 = pte_enc_make(LAYOUT_X86_PAE, 2, 0);
    const struct pte_enc noh =
        pte_enc_make(LAYOUT_X86_PAE_NOHIGHMEM, layout_table[LAYOUT_X86_PAE_NOHIGHMEM].max_low_period, 0);
    const struct pte_enc mips = pte_enc_make(LAYOUT_MIPS, layout_table[LAYOUT_MIPS].max_low_period, 1);
    const struct pte_enc sh = pte_enc_make(LAYOUT_SH_X2TLB, layout_table[LAYOUT_SH_X2TLB].max_low_period, 1);
    const struct pte_enc pmd = pte_enc_make_at(LAYOUT_X86_PAE, LEVEL_PMD, x86->pmd.max_low_period, 0, 0);
    const struct pte_enc pae_swap = pte_enc_make_at(LAYOUT_X86_PAE, LEVEL_PTE, x86->max_low_period, 1, S[1]);
    struct pte_decoded d;
    uint32_t v, j, h, t;

    if (pte_L(&pae, 1) != 0x1025u || pte_H(&pae, 1, 1) != 0x2u)
        return "x86-pae E(1, 1) is not {0x1025, 0x2}";
    if (pte_L(&pae, 2) != 0x2067u || pte_H(&pae, 2, 0) != 0x80000003u)
        return "x86-pae E(2, 2) is not {0x2067, 0x80000003}";
    if (pte_L(&noh, 1) != 0x1025u || pte_H(&noh, 0, 1) != 0 || pte_H(&noh, 0, 0) != 0x80000000u)
        return "x86-pae-nohighmem E(1, 0) is not {0x1025, 0}";
    if (pte_L(&mips, 1) != 0x225au || pte_H(&mips, 1, 1) != 0x9au || pte_H(&mips, 2, 0) != 0xdeu)
        return "mips E(1, 1) is not {0x225a, 0x9a}";
    if (pte_L(&sh, 1) != 0x1508u || pte_H(&sh, 0, 1) != 0x2d00u || pte_L(&sh, 2) != 0x250cu)
        return "sh-x2tlb E(1, 0) is not {0x1508, 0x2d00}";
    for (t = 1, j = pte_first_j(&pae2), h = pte_first_h(&pae2); t < 5000; t++, pte_step(&pae2, &j, &h))
        if (j != t % 2 || h != t % x86->states ||
            pte_classify(&pae2, pte_L(&pae2, j), pte_H(&pae2, h, j & 1)) != PTE_VALID)
            return "x86-pae with P = 2: install t is not a valid E(t mod 2, t mod N)";
    if (pte_classify(&pae, 0, 0x2u) != PTE_NOT_PRESENT)
        return "a not-present low half is not not-present";
    if (pte_classify(&pae, 0x1025u, 0) != PTE_MIXED || pte_classify(&pae_hc, 0x1025u, 0) != PTE_TRANSIENT)
        return "x86-pae (L(1), 0) is not mixed (documented) and transient (with half-cleared states)";
    if (pte_classify(&noh, 0x1025u, 0) != PTE_VALID || pte_classify(&noh, 0x2067u, 0) != PTE_MIXED)
        return "x86-pae-nohighmem (L(1), 0) is not valid or (L(2), 0) not mixed";
    if (pte_classify(&pae2, 0x1025u, 0x3u) != PTE_MIXED || pte_classify(&pae2, 0x1025u, 0x4u) != PTE_VALID)
        return "x86-pae with P = 2: (L(1), H(2, 1)) is not mixed or (L(1), H(3, 1)) not valid";
    if (pte_consequences(&mips, 0x225au, 0) != (CONS_PFN_ZERO | CONS_NO_PERMISSIONS))
        return "mips (L(1), 0) is not pfn_zero + no_permissions";
    if (pte_consequences(&pae, 0x2067u, 0) != (CONS_WRONG_PAGE | CONS_NX_LOST))
        return "x86-pae (L(2), 0) is not wrong_page + nx_lost";
    if (pte_consequences(&noh, 0x1025u, 0x80000000u) != CONS_NX_GAINED)
        return "x86-pae-nohighmem (L(1), NX) is not nx_gained";
    if (pte_consequences(&sh, 0x1508u, 0x3600u) != CONS_WRONG_PERMISSIONS)
        return "sh-x2tlb (L(1), H(0, 0)) is not wrong_permissions";
    if (pte_valid_high(&pae2, 0x1025u, 0x3u, &v) != 1 || v != 0x2u)
        return "valid_high of x86-pae P = 2 (L(1), H(2, 1)) is not [H(1, 1)] = [0x2]";
    if (pte_valid_high(&pae, 0x1025u, 0, &v) != 1 || v != 0x2u)
        return "valid_high of x86-pae (L(1), 0) is not [H(1, 1)] = [0x2]";
    if (pte_valid_high(&pae, 0, 0x2u, &v) != 0)
        return "valid_high of a not-present value is not []";
    d = pte_decode(&pae, 0x1025u, 0x2u);
    if (!d.present || d.pfn != 0x200001u || d.writable || d.exec != 1)
        return "decode of x86-pae {0x1025, 0x2} is not present, pfn 0x200001, read-only, exec";
    d = pte_decode(&mips, 0x225au, 0x9au);
    if (!d.present || d.pfn != 2 || d.writable || d.exec != -1)
        return "decode of mips {0x225a, 0x9a} is not present, pfn 2, read-only, exec null";
    /* --clear-to protnone: PN(j, h) = pte_modify(E(j, h), PAGE_NONE) */
    if (pte_PN_L(&pae, 1) != 0xffffe120u || pte_PN_H(&pae, 1) != 0xffffdu)
        return "x86-pae PN(1, 1) is not {0xffffe120, 0xffffd}";
    if (pte_PN_L(&pae, 2) != 0xffffd160u || pte_PN_H(&pae, 2) != 0xffffcu)
        return "x86-pae PN(2, 2) is not {0xffffd160, 0xffffc}";
    if (pte_classify(&pae, 0xffffe120u, 0xffffdu) != PTE_VALID || pte_classify(&pae_hc, 0xffffd160u, 0xffffcu) != PTE_VALID)
        return "x86-pae PN(1, 1) or PN(2, 2) is not valid";
    if (pte_classify(&pae_hc, 0xffffe120u, 0) != PTE_TRANSIENT || pte_classify(&pae, 0xffffe120u, 0) != PTE_MIXED)
        return "x86-pae {PN low, 0} is not transient (high-first clear) and mixed (documented)";
    if (pte_classify(&pae, S[0], S[1]) != PTE_NOT_PRESENT || pte_classify(&pae, M[0], M[1]) != PTE_NOT_PRESENT)
        return "x86-pae S or M is not not-present";
    if (pte_classify(&pae_swap, 0x1025u, S[1]) != PTE_TRANSIENT || pte_classify(&pae_swap, 0x1025u, 0) != PTE_MIXED)
        return "x86-pae unordered with swap: {L(1), S high} is not transient or {L(1), 0} not mixed";
    if (pte_consequences(&pae, 0x2067u, S[1]) != (CONS_WRONG_PAGE | CONS_NX_LOST))
        return "x86-pae (L(2), S high) is not wrong_page + nx_lost";
    if (pte_consequences(&pae, 0xffffe120u, 0x80000002u) != (CONS_WRONG_PAGE | CONS_NX_GAINED))
        return "x86-pae (PN(1, 1) low, NX high) is not wrong_page + nx_gained";
    d = pte_decode(&pae, 0xffffd160u, 0xffffcu);
    if (!d.present || !d.protnone || d.pfn != ((3u << 20) | 2u))
        return "decode of x86-pae PN(2, 2) is not present, protnone, pfn (3 << 20) | 2 (E(2, 2)'s)";
    d = pte_decode(&pae, 0x2067u, 0x80000003u);
    if (!d.present || d.protnone || d.pfn != ((3u << 20) | 2u))
        return "decode of x86-pae E(2, 2) is not present, not protnone, pfn (3 << 20) | 2";
    /* --level pmd */
    if (pte_L(&pmd, 1) != 0x2000a5u || pte_H(&pmd, 1, 1) != 0x2u || pte_L(&pmd, 2) != 0x4000e7u)
        return "x86-pae PMD E(1, 1) at P = 2048 is not {0x2000a5, 0x2}";
    if (pte_classify(&pmd, 0x2000a5u, 0x2u) != PTE_VALID || pte_classify(&pmd, 0x1025u, 0x2u) != PTE_MIXED)
        return "x86-pae PMD E(1, 1) is not valid or the PTE's L(1) not mixed";
    return 0;
}

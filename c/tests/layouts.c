/* layouts.c - known-answer and property checks of the encoding of
 * layout.h against docs/layouts.md, for every layout:
 *   - the writers' counters give E(t mod P, t mod N) for install t, and
 *     every such entry classifies valid (both parities; P in 1, 2, 3, 1024,
 *     the layout's max), with valid_high of it none needed;
 *   - {L(j), 0} is transient with a half-clearing writer and mixed without
 *     (except where it is valid: x86-pae-nohighmem, odd j);
 *   - mixes {L(a), H(b)} of two installs follow the detection rule: caught
 *     iff a and b differ in parity or, where the high half carries page
 *     bits, h_b is not a (mod g); an undetected mix is an installed entry;
 *   - every wrong value has at least one consequence; under
 *     x86-pae-nohighmem only nx_lost / nx_gained; mips {L(j), 0} has
 *     pfn_zero; valid_high is an installed entry's high, at or below;
 *   - the same at --level pmd for the layouts with a PMD row;
 *   - --clear-to protnone (x86 layouts): every installed PN state is the
 *     contract's formula and valid, decodes as present + protnone with
 *     E's pfn; {PN low, 0} transient/mixed; PN mixes by the rule;
 *   - --clear-to swap/migration: S and M (generated.h's, from
 *     src/pte/layout.rs, whose values the kernel engine's differential
 *     checks against a real kernel) are not present; a present low with their high is mixed (documented) or
 *     transient (unordered), with the contract's consequences;
 *   - pte_selfcheck() (the selftest's known answers) passes;
 *   - the writer's stepped entry (pte.h pte_round_next(), hammer_internal.h's
 *     writer loop) is E(j, h) at every round, wraps of j and h included,
 *     for every layout and level and P in 1, 2, 3, 1024, the max.
 * Plain C, division allowed here (the hot loops have none). Prints an ok or
 * FAIL line per check and layout; exit 0 if all passed. Built by
 * `c/build.sh ARCH tests` as target/c/layouts-ARCH. */
#include <stdio.h>
#include <string.h>

#include "../pte.h"

static int failures;
static unsigned long checks;

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        checks++;                                                           \
        if (!(cond)) {                                                      \
            if (++failures <= 40) {                                         \
                printf("FAIL  %s: %s: ", where, #cond);                     \
                printf(__VA_ARGS__);                                        \
                printf("\n");                                               \
            }                                                               \
        }                                                                   \
    } while (0)

/* a small deterministic generator (splitmix64's output step) */
static uint64_t rng = 0x243f6a8885a308d3ull;
static uint64_t rnd(uint64_t below)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return below ? z % below : 0;
}

/* the entry of install t, computed with division (the reference) */
static void entry_of(const struct pte_enc *e, uint64_t t, uint32_t *lo, uint32_t *hi, uint32_t *j, uint32_t *h)
{
    *j = (uint32_t)(t % e->period);
    *h = (uint32_t)(t % e->states);
    *lo = pte_L(e, *j);
    *hi = pte_H(e, *h, *j & 1);
}

static uint32_t gcd32(uint32_t a, uint32_t b)
{
    while (b) {
        uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* A wrong value's consequences, as the rules of docs/layouts.md say for
 * this layout. */
static void check_wrong(const char *where, const struct pte_enc *e, uint32_t lo, uint32_t hi)
{
    uint32_t c = pte_consequences(e, lo, hi), v = 0;
    const int f = pte_family(e, lo);
    CHECK(c != 0, "{0x%08x, 0x%08x} has no consequence", lo, hi);
    /* the writers' E highs hold only NX there (not S's, M's or PN's) */
    if (e->id == LAYOUT_X86_PAE_NOHIGHMEM && (lo & e->present) && (hi & ~e->nx_mask) == 0)
        CHECK(c == CONS_NX_LOST || c == CONS_NX_GAINED, "nohighmem {0x%08x, 0x%08x}: consequences 0x%x", lo, hi, c);
    if (e->id == LAYOUT_MIPS && hi == 0)
        CHECK((c & CONS_PFN_ZERO) != 0, "mips {0x%08x, 0}: no pfn_zero (0x%x)", lo, c);
    if (f != FAM_NONE && pte_low_ok_f(e, f, lo)) {
        uint32_t j = pte_j_f(e, f, lo), h = pte_h_f(e, f, hi), hp, vl;
        CHECK(pte_valid_high(e, lo, hi, &v) == 1, "{0x%08x, 0x%08x}: no valid_high", lo, hi);
        hp = pte_h_f(e, f, v);
        vl = pte_valid_f(e, f, lo, v);
        CHECK(vl, "valid_high 0x%08x of {0x%08x, 0x%08x} is not installed with that low", v, lo, hi);
        if (h < e->states)
            CHECK(hp <= h ? h - hp <= e->gmask : hp <= e->gmask,
                  "valid_high h' %u of h %u (g %u) is not the nearest at or below", hp, h, e->gmask + 1);
        else
            CHECK(hp == (j & e->gmask), "valid_high h' %u of h >= N, j %u", hp, j);
    }
}

static void check_layout(enum layout_id id, enum pte_level level)
{
    const struct layout row = layout_at(id, level);
    const struct layout *l = &row;
    const uint32_t max = l->max_low_period;
    const uint32_t periods[] = { 1, 2, 3, 1024, max };
    const int page_bits = l->high_bits > 0 && l->states > 1;
    char where[96];
    size_t pi;
    int bad = failures;
    unsigned long valid = 0, mixes = 0, caught = 0, zeros = 0;

    for (pi = 0; pi < sizeof periods / sizeof periods[0]; pi++) {
        const uint32_t P = periods[pi];
        const struct pte_enc doc = pte_enc_make_at(id, level, P, 0, 0), hc = pte_enc_make_at(id, level, P, 1, 0);
        const uint32_t g = gcd32(P, l->states);
        uint32_t j = pte_first_j(&doc), h = pte_first_h(&doc), lo, hi, rj, rh, n;
        uint64_t t, starts[4];
        size_t si;

        snprintf(where, sizeof where, "%s%s, P = %u", l->name, level == LEVEL_PMD ? " (pmd)" : "", P);
        CHECK(doc.gmask + 1 == g, "gmask %u, gcd(P, N) = %u", doc.gmask, g);
        /* installs 1..20000 through the writer's counters, and around
         * where j and h wrap */
        starts[0] = 1;
        starts[1] = P > 5 ? P - 5 : 1;
        starts[2] = l->states > 5 ? (uint64_t)l->states - 5 : 1;
        starts[3] = (uint64_t)P * l->states > 5 ? (uint64_t)P * l->states - 5 : 1;    /* both wrap */
        for (si = 0; si < 4; si++) {
            t = starts[si];
            j = (uint32_t)(t % P);
            h = (uint32_t)(t % l->states);
            for (n = 0; n < (si ? 64u : 20000u); n++, t++) {
                entry_of(&doc, t, &lo, &hi, &rj, &rh);
                CHECK(j == rj && h == rh, "install %llu: counters (%u, %u), want (%u, %u)", (unsigned long long)t,
                      j, h, rj, rh);
                CHECK(pte_L(&doc, j) == lo && pte_H(&doc, h, j & 1) == hi, "install %llu", (unsigned long long)t);
                CHECK((lo & l->present) && pte_valid(&doc, lo, hi) && pte_classify(&doc, lo, hi) == PTE_VALID &&
                      pte_classify(&hc, lo, hi) == PTE_VALID,
                      "E(%u, %u) = {0x%08x, 0x%08x} is not valid", j, h, lo, hi);
                CHECK(pte_classify(&doc, 0, hi) == PTE_NOT_PRESENT && pte_classify(&doc, lo & ~l->present, hi) ==
                      PTE_NOT_PRESENT, "E(%u, %u) without present is not not-present", j, h);
                valid++;
                /* {L(j), 0}: transient with half-cleared states, else mixed,
                 * unless it is an entry (nohighmem, odd j) */
                if (hi == 0) {
                    CHECK(id == LAYOUT_X86_PAE_NOHIGHMEM && (j & 1), "E(%u, %u) has high 0", j, h);
                } else {
                    CHECK(pte_classify(&hc, lo, 0) == PTE_TRANSIENT, "{L(%u), 0} is not transient", j);
                    CHECK(pte_classify(&doc, lo, 0) == PTE_MIXED, "{L(%u), 0} is not mixed (documented)", j);
                    check_wrong(where, &doc, lo, 0);
                    {
                        static const uint32_t want[LAYOUT_N][2] = {
                            [LAYOUT_X86_PAE] = { CONS_WRONG_PAGE | CONS_NX_LOST, CONS_WRONG_PAGE },
                            [LAYOUT_X86_PAE_NOHIGHMEM] = { CONS_NX_LOST, 0 },
                            [LAYOUT_MIPS] = { CONS_PFN_ZERO | CONS_NO_PERMISSIONS, CONS_PFN_ZERO | CONS_NO_PERMISSIONS },
                            [LAYOUT_SH_X2TLB] = { CONS_NO_PERMISSIONS, CONS_NO_PERMISSIONS },
                        };
                        uint32_t w = want[id][j & 1];
                        if (id == LAYOUT_X86_PAE && j == 0)
                            w = (w & ~(uint32_t)CONS_WRONG_PAGE) | CONS_PFN_ZERO;   /* L(0): pfn 0 */
                        CHECK(pte_consequences(&doc, lo, 0) == w, "{L(%u), 0}: consequences 0x%x, want 0x%x", j,
                              pte_consequences(&doc, lo, 0), w);
                    }
                    zeros++;
                }
                if (id == LAYOUT_X86_PAE_NOHIGHMEM && (j & 1))
                    CHECK(pte_classify(&hc, lo, 0) == PTE_VALID, "nohighmem {L(%u), 0} is not valid", j);
                pte_step(&doc, &j, &h);
            }
        }
        /* mixes of two installs: the low of t_a with the high of t_b */
        for (n = 0; n < 50000; n++) {
            const uint64_t span = 3 * (uint64_t)P * l->states;
            uint64_t ta = 1 + rnd(n & 1 ? 64 : span), tb;
            uint32_t la, ha, ja, hja, lb, hb, jb, hjb;
            int detected;
            /* near each other half the time (what a stalled reader sees) */
            tb = n & 2 ? ta + 1 + rnd(2 * (uint64_t)g + 4) : 1 + rnd(span);
            entry_of(&doc, ta, &la, &ha, &ja, &hja);
            entry_of(&doc, tb, &lb, &hb, &jb, &hjb);
            (void)ha;
            (void)lb;
            detected = ((ja ^ jb) & 1) || (page_bits && (hjb % g) != (ja % g));
            CHECK((pte_classify(&doc, la, hb) == PTE_MIXED) == detected,
                  "{L(%u), H(%u, %u)}: classified %d, detected %d", ja, hjb, jb & 1, pte_classify(&doc, la, hb),
                  detected);
            /* with half-cleared states a detected mix whose high is 0 (the
             * text high of x86-pae-nohighmem) is the value {L(j), 0}, which
             * does stand in memory: transient (the class is the value's) */
            CHECK(pte_classify(&hc, la, hb) == (!detected ? PTE_VALID : hb == 0 ? PTE_TRANSIENT : PTE_MIXED),
                  "{L(%u), H(%u, %u)} with half-cleared states: %d", ja, hjb, jb & 1, pte_classify(&hc, la, hb));
            if (detected) {
                const uint32_t c = pte_consequences(&doc, la, hb);
                const uint32_t parity = l->nx_mask ? (CONS_NX_LOST | CONS_NX_GAINED) : CONS_WRONG_PERMISSIONS;
                if ((ja ^ jb) & 1)
                    CHECK((c & parity) != 0, "{L(%u), H(%u, %u)}: parity differs, consequences 0x%x", ja, hjb,
                          jb & 1, c);
                if (page_bits && (hjb % g) != (ja % g))
                    CHECK((c & (CONS_WRONG_PAGE | CONS_PFN_ZERO)) != 0, "{L(%u), H(%u, %u)}: page, consequences 0x%x",
                          ja, hjb, jb & 1, c);
                check_wrong(where, &doc, la, hb);
                caught++;
            } else {
                /* an undetected mix equals an installed entry E(ja, hjb) */
                CHECK(hb == pte_H(&doc, hjb, ja & 1) && ((ja ^ hjb) & doc.gmask) == 0,
                      "undetected {L(%u), H(%u)} is no entry", ja, hjb);
            }
            mixes++;
        }
    }
    if (failures == bad)
        printf("ok    %s%s: %lu installs valid, %lu {L(j), 0} transient/mixed, %lu mixes (%lu detected) as the "
               "rule says, each wrong value with consequences and valid_high\n",
               l->name, level == LEVEL_PMD ? " (pmd)" : "", valid, zeros, mixes, caught);
}

/* --clear-to protnone (x86 layouts): PN(j, h) of every install t is the
 * contract's formula, classifies valid (PN family) under every writer,
 * decodes as present, protnone and E(j, h)'s pfn; {PN low, 0} is
 * transient with the high-first clear (transient_high 0) and mixed under
 * documented; a PN low with a data page's NX high is nx_gained; mixes of
 * two PN entries follow the detection rule of their family (no parity in
 * the high: only the page bits tell). */
static void check_protnone(enum layout_id id)
{
    const struct layout *l = &layout_table[id];
    const uint32_t periods[] = { 1, 2, 3, 1024, l->max_low_period };
    const uint32_t inv_low = (uint32_t)(((1ull << l->low_bits) - 1) << l->low_shift);
    const uint32_t inv_high = (uint32_t)(((1ull << l->pfn_high_bits) - 1) << l->high_shift);
    const int page_bits = l->high_bits > 0 && l->states > 1;
    char where[96];
    size_t pi;
    int bad = failures;
    unsigned long valid = 0, zeros = 0, mixes = 0, caught = 0;

    for (pi = 0; pi < sizeof periods / sizeof periods[0]; pi++) {
        const uint32_t P = periods[pi];
        const struct pte_enc doc = pte_enc_make_at(id, LEVEL_PTE, P, 0, 0), hc = pte_enc_make_at(id, LEVEL_PTE, P, 1, 0);
        const uint32_t g = gcd32(P, l->states);
        uint64_t t;
        uint32_t n;

        snprintf(where, sizeof where, "%s protnone, P = %u", l->name, P);
        for (t = 1; t < 20000; t++) {
            uint32_t lo, hi, j, h, plo, phi, v;
            struct pte_decoded d, de;
            entry_of(&doc, t, &lo, &hi, &j, &h);
            plo = pte_PN_L(&doc, j);
            phi = pte_PN_H(&doc, h);
            CHECK(plo == (((j << l->low_shift) ^ inv_low) | l->protnone_low_flags[j & 1]) &&
                  phi == (((h + l->high_add) << l->high_shift) ^ inv_high),
                  "PN(%u, %u) = {0x%08x, 0x%08x} is not the formula", j, h, plo, phi);
            CHECK(!(plo & l->present) && (plo & l->protnone), "PN(%u, %u) low 0x%08x: present or no PROTNONE", j, h,
                  plo);
            CHECK(pte_classify(&doc, plo, phi) == PTE_VALID && pte_classify(&hc, plo, phi) == PTE_VALID &&
                  pte_valid_pn(&doc, plo, phi) && !pte_valid(&doc, plo, phi),
                  "PN(%u, %u) = {0x%08x, 0x%08x} is not valid", j, h, plo, phi);
            d = pte_decode(&doc, plo, phi);
            de = pte_decode(&doc, lo, hi);
            CHECK(d.present && d.protnone && !de.protnone && de.present && d.pfn == de.pfn && !d.writable,
                  "decode of PN(%u, %u): present %d protnone %d pfn 0x%llx, E's 0x%llx", j, h, d.present, d.protnone,
                  (unsigned long long)d.pfn, (unsigned long long)de.pfn);
            CHECK(pte_classify(&doc, plo & ~l->protnone, phi) == PTE_NOT_PRESENT,
                  "PN(%u, %u) without PROTNONE is not not-present", j, h);
            valid++;
            /* {PN low, 0}: what the high-first clear of PN leaves */
            CHECK(phi != 0, "PN(%u, %u) has high 0", j, h);
            CHECK(pte_classify(&hc, plo, 0) == PTE_TRANSIENT && pte_classify(&doc, plo, 0) == PTE_MIXED,
                  "{PN(%u) low, 0} is not transient (high-first) and mixed (documented)", j);
            CHECK(pte_valid_high(&doc, plo, 0, &v) == 1 && pte_valid_pn(&doc, plo, v),
                  "valid_high of {PN(%u) low, 0} is not an installed PN high", j);
            check_wrong(where, &doc, plo, 0);
            zeros++;
            /* a PN low with a data page's high (NX): the PN entries have none */
            CHECK((pte_consequences(&doc, plo, pte_H(&doc, h, 0)) & CONS_NX_GAINED) != 0,
                  "{PN(%u) low, H(%u, data)}: no nx_gained", j, h);
        }
        for (n = 0; n < 50000; n++) {
            const uint64_t span = 3 * (uint64_t)P * l->states;
            uint64_t ta = 1 + rnd(n & 1 ? 64 : span), tb = n & 2 ? ta + 1 + rnd(2 * (uint64_t)g + 4) : 1 + rnd(span);
            uint32_t la, ha, ja, hja, lb, hb, jb, hjb, plo, phi;
            int detected;
            entry_of(&doc, ta, &la, &ha, &ja, &hja);
            entry_of(&doc, tb, &lb, &hb, &jb, &hjb);
            plo = pte_PN_L(&doc, ja);
            phi = pte_PN_H(&doc, hjb);
            detected = page_bits && (hjb % g) != (ja % g);
            CHECK(pte_classify(&doc, plo, phi) == (detected ? PTE_MIXED : PTE_VALID) &&
                  pte_classify(&hc, plo, phi) == (detected ? PTE_MIXED : PTE_VALID),
                  "{PN(%u) low, PN(%u) high}: classified %d, detected %d", ja, hjb, pte_classify(&doc, plo, phi),
                  detected);
            if (detected) {
                CHECK((pte_consequences(&doc, plo, phi) & (CONS_WRONG_PAGE | CONS_PFN_ZERO)) != 0,
                      "{PN(%u) low, PN(%u) high}: no page consequence", ja, hjb);
                check_wrong(where, &doc, plo, phi);
                caught++;
            }
            /* the E low of one install with the PN high of another, and
             * the other way round: whatever they are, a wrong one has
             * consequences and a valid one is an installed entry */
            if (pte_classify(&doc, la, phi) != PTE_VALID)
                check_wrong(where, &doc, la, phi);
            if (pte_classify(&doc, plo, hb) != PTE_VALID)
                check_wrong(where, &doc, plo, hb);
            else
                CHECK(pte_valid_pn(&doc, plo, hb), "{PN(%u) low, H} valid but not a PN", ja);
            mixes++;
        }
    }
    if (failures == bad)
        printf("ok    %s: %lu PN installs valid, present, protnone, E's pfn; %lu {PN low, 0} transient/mixed; %lu PN "
               "mixes (%lu detected) as the rule says\n", l->name, valid, zeros, mixes, caught);
}

/* --clear-to swap and migration, every layout: S and M are not present
 * (nor PN); a present low next to S's or M's high
 * is mixed under documented, transient under unordered with that
 * --clear-to (the install over S or M stores the low first) and {L(j), 0}
 * then mixed; the consequences the contract names. */
static void check_cleared(enum layout_id id)
{
    const struct layout *l = &layout_table[id];
    const uint32_t P = l->max_low_period;
    const struct pte_enc doc = pte_enc_make(id, P, 0);
    char where[96];
    int bad = failures, k;
    unsigned long n = 0;

    for (k = 0; k < 2; k++) {
        const uint32_t *x = k ? l->migration : l->swap;
        const char *name = k ? "migration" : "swap";
        /* unordered with this --clear-to: {L, S/M high} stands */
        const struct pte_enc un = pte_enc_make_at(id, LEVEL_PTE, P, 1, x[1]);
        uint64_t t;
        snprintf(where, sizeof where, "%s %s", l->name, name);
        CHECK(!(x[0] & l->present) && !(x[0] & l->protnone), "low 0x%08x is present or PROTNONE", x[0]);
        CHECK(pte_classify(&doc, x[0], x[1]) == PTE_NOT_PRESENT && pte_classify(&un, x[0], x[1]) == PTE_NOT_PRESENT &&
              pte_classify(&doc, x[0], 0) == PTE_NOT_PRESENT, "{0x%08x, 0x%08x} is not not-present", x[0], x[1]);
        for (t = 1; t < 5000; t++) {
            uint32_t lo, hi, j, h, c;
            entry_of(&doc, t, &lo, &hi, &j, &h);
            CHECK(pte_classify(&doc, lo, x[1]) == PTE_MIXED, "{L(%u), high 0x%08x} is not mixed (documented)", j,
                  x[1]);
            CHECK(pte_classify(&un, lo, x[1]) == PTE_TRANSIENT, "{L(%u), high 0x%08x} is not transient (unordered)",
                  j, x[1]);
            if (!(id == LAYOUT_X86_PAE_NOHIGHMEM && (j & 1)))
                CHECK(pte_classify(&un, lo, 0) == PTE_MIXED, "{L(%u), 0} is not mixed (unordered, %s)", j, name);
            check_wrong(where, &doc, lo, x[1]);
            c = pte_consequences(&doc, lo, x[1]);
            if (l->nx_mask)             /* a page far above RAM; type 0 (swap) has no NX */
                CHECK((c & CONS_WRONG_PAGE) && (k || (j & 1) || (c & CONS_NX_LOST)),
                      "{L(%u), high 0x%08x}: consequences 0x%x", j, x[1], c);
            else if (id == LAYOUT_SH_X2TLB || !k)
                CHECK(c & CONS_NO_PERMISSIONS, "{L(%u), high 0x%08x}: no no_permissions (0x%x)", j, x[1], c);
            n++;
        }
    }
    if (failures == bad)
        printf("ok    %s: S and M not present; %lu {L, S/M high} mixed (documented), transient "
               "(unordered over S/M), with their consequences\n", l->name, n);
}

/* The writer's stepped entry (pte.h pte_round_next(), what writer_loop()
 * of hammer_internal.h installs with --clear-to zero) against the full
 * computation (pte_step(), then pte_L() and pte_H()) at every round: from
 * install 2 as the loop starts, for at least STEP_ROUNDS rounds and the
 * whole cycle of states (lcm(P, N) rounds) where it is at most
 * STEP_CYCLE_MAX, so every (j, h) the writer installs on all but the
 * longest cycles (mips with P = 3); then from a few installs before j
 * wraps, h wraps and both do (each started in full, as after a wrap). Both
 * paths must be taken: stepped rounds (but with P = 1, whose every round
 * wraps) and wraps. */
#define STEP_ROUNDS 300000u
#define STEP_CYCLE_MAX (1u << 21)

static void check_writer_step(enum layout_id id, enum pte_level level)
{
    const struct layout row = layout_at(id, level);
    const struct layout *l = &row;
    const uint32_t periods[] = { 1, 2, 3, 1024, l->max_low_period };
    char where[96];
    size_t pi;
    int bad = failures;
    unsigned long rounds = 0, stepped = 0, wraps = 0;

    for (pi = 0; pi < sizeof periods / sizeof periods[0]; pi++) {
        const uint32_t P = periods[pi];
        const struct pte_enc e = pte_enc_make_at(id, level, P, 0, 0);
        const struct pte_step st = pte_step_of(&e);
        const uint64_t cycle = (uint64_t)P * l->states / gcd32(P, l->states);
        uint64_t starts[4], t, n, len;
        unsigned long stepped_p = 0, wraps_p = 0;
        size_t si;

        snprintf(where, sizeof where, "%s%s writer step, P = %u", l->name, level == LEVEL_PMD ? " (pmd)" : "", P);
        starts[0] = 2;                                      /* the loop's first install */
        starts[1] = P > 5 ? P - 5 : 2;                      /* j wraps */
        starts[2] = l->states > 5 ? (uint64_t)l->states - 5 : 2;    /* h wraps */
        starts[3] = cycle > 5 ? cycle - 5 : 2;              /* both wrap */
        for (si = 0; si < 4; si++) {
            uint32_t j, h, lo, hi, rj, rh;
            struct pte_round r;
            len = si ? 64 : cycle <= STEP_CYCLE_MAX && cycle > STEP_ROUNDS ? cycle : STEP_ROUNDS;
            t = starts[si];
            j = (uint32_t)(t % P);
            h = (uint32_t)(t % l->states);
            if (si == 0) {                                  /* as writer_loop() starts */
                j = pte_first_j(&e);
                h = pte_first_h(&e);
                pte_step(&e, &j, &h);
            }
            r = pte_round_at(&e, j, h);
            for (n = 0; n < len; n++, t++) {
                entry_of(&e, t, &lo, &hi, &rj, &rh);        /* and with division, now and then */
                if (n % 4096 == 0 || n < 8)
                    CHECK(rj == j && rh == h && r.lo == lo && r.hi == hi,
                          "install %llu: {0x%08x, 0x%08x} at (%u, %u), want E(%u, %u) = {0x%08x, 0x%08x}",
                          (unsigned long long)t, r.lo, r.hi, j, h, rj, rh, lo, hi);
                CHECK(r.lo == pte_L(&e, j) && r.hi == pte_H(&e, h, j & 1),
                      "install %llu: stepped {0x%08x, 0x%08x}, E(%u, %u) = {0x%08x, 0x%08x}", (unsigned long long)t,
                      r.lo, r.hi, j, h, pte_L(&e, j), pte_H(&e, h, j & 1));
                CHECK(r.left == pte_steps_before_wrap(&e, j, h), "install %llu: %u steps left at (%u, %u), want %u",
                      (unsigned long long)t, r.left, j, h, pte_steps_before_wrap(&e, j, h));
                if (r.left)
                    stepped_p++;
                else
                    wraps_p++;
                pte_round_next(&e, &st, &r);
                pte_step(&e, &j, &h);
                rounds++;
            }
        }
        CHECK(stepped_p > 0 || P == 1, "never stepped");
        CHECK(wraps_p > 0, "never wrapped");
        stepped += stepped_p;
        wraps += wraps_p;
    }
    if (failures == bad)
        printf("ok    %s%s: the writer's stepped entry is E(j, h) in all %lu rounds (%lu stepped, %lu computed in "
               "full at a wrap)\n", l->name, level == LEVEL_PMD ? " (pmd)" : "", rounds, stepped, wraps);
}

int main(void)
{
    const char *where = "pte_selfcheck";
    const char *bad = pte_selfcheck();
    int i;
    CHECK(bad == NULL, "%s", bad ? bad : "");
    if (!bad)
        printf("ok    pte_selfcheck: the selftest's known answers\n");
    for (i = 0; i < LAYOUT_N; i++)
        check_layout((enum layout_id)i, LEVEL_PTE);
    for (i = 0; i < LAYOUT_N; i++)
        if (layout_table[i].pmd.exists)
            check_layout((enum layout_id)i, LEVEL_PMD);
    for (i = 0; i < LAYOUT_N; i++)
        if (layout_table[i].protnone)
            check_protnone((enum layout_id)i);
    for (i = 0; i < LAYOUT_N; i++)
        check_cleared((enum layout_id)i);
    for (i = 0; i < LAYOUT_N; i++)
        check_writer_step((enum layout_id)i, LEVEL_PTE);
    for (i = 0; i < LAYOUT_N; i++)
        if (layout_table[i].pmd.exists)
            check_writer_step((enum layout_id)i, LEVEL_PMD);
    printf("%lu checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}

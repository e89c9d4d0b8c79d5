/* hammer_internal.h - what the files of the hot loops share, private to
 * them: hammer_reader.c (the readers), hammer_writer.c and
 * hammer_writer_kvm.c (one writer per entry; hammer_writer()) and
 * hammer_writer_ptl.c (the page-table-lock loop of --writers-per-entry).
 * engine.c includes hammer.h only; of the c/tests programs, samples.c
 * includes this file for the reader's cold paths below, retry_histogram.c
 * hammer_reader.c whole.
 *
 * The loops allocate nothing, make no system call and take no lock but
 * --writers-per-entry's page-table locks (their own copy of the writer
 * loop; the loop of one writer per entry has none). Counters live in local
 * variables and are published through a seqlock (seqlock.h) every few
 * thousand reads or cycles. Each loop is compiled once per (kind, barrier,
 * gap on/off) so that none of the three is a run-time test between two
 * accesses, and no loop divides (SH-4 has no divide instruction).
 *
 * The copies are in four files so that they compile in parallel
 * (c/build.sh starts every file of a program at once): one hammer.c of
 * them all took 15-22 s of gcc -O2 on x86-64, and every build waited for
 * it; each of the four takes 3-6 s, every other file under 0.5 s. The
 * files split the copies by loop and, for one writer per entry, by
 * kvm-count's clear counter, never by barrier: gcc merges copies that came
 * out the same (x86-pae's pmd copies, which no barrier changes) only
 * within a file. A loop's cold paths are static functions of its own
 * file. So the split changed no instruction of a loop (c/README.md). */
#ifndef PTEAR_HAMMER_INTERNAL_H
#define PTEAR_HAMMER_INTERNAL_H

#include <stdint.h>

#include "hammer.h"
#include "protocol.h"
#include "seqlock.h"

#define STOP_CHECK_READS    32u     /* reads between two looks at the stop flag */
#define STOP_CHECK_CYCLES   16u     /* writer cycles between two looks at the stop flag */

/* ---- the reader's cold paths (hammer_reader.c, tests/samples.c) ---- */

/* Here and below: static, so that a loop calls the cold paths of its own
 * file, as in one hammer.c (gcc then knows which registers each call
 * keeps); `unused`, as the files that include this call only some. */

/* What the hot loop keeps in registers; mixed, transient and the
 * consequences are counted in rc->live by reader_wrong(). */
struct reader_regs {
    uint64_t reads, np, retries, recheck, caught;
};

/* The kept wrong values, when there were new wrong values since their last
 * publication (a kept value may have been replaced). Before the counters:
 * a main thread that sees a torn count sees samples at least as new. */
static void reader_publish_samples(struct reader_ctx *rc)
{
    const uint32_t head[2] = { rc->keep.n, 0 };
    const uint64_t torn = rc->live.mixed + rc->live.transient;
    if (torn == rc->samples_torn)
        return;
    rc->samples_torn = torn;
    seq_publish2(&rc->sseq, rc->spub, head, sizeof head, rc->keep.s, rc->keep.n * sizeof rc->keep.s[0]);
}

static __attribute__((noinline, cold, unused)) void reader_publish(struct reader_ctx *rc,
                                                                   const struct reader_regs *x)
{
    reader_publish_samples(rc);
    rc->live.reads = x->reads;
    rc->live.torn = rc->live.mixed + rc->live.transient;
    rc->live.not_present = x->np + rc->timed.np;        /* the loop's reads and the timed ones */
    rc->live.retries = x->retries + rc->timed.retries;
    rc->live.fallback_recheck = x->recheck + rc->timed.recheck;
    rc->live.caught = x->caught + rc->timed.caught;
    seq_publish(&rc->seq, rc->pub, &rc->live, reader_stats_used(rc->live.n_rare));
}

/* Nanoseconds since the run's start, in integers (run_ctx.h, mono_now_ns:
 * sh4's double to 64-bit conversion cannot be trusted). */
static uint64_t run_ns(const struct reader_ctx *rc)
{
    const int64_t t = mono_now_ns() - rc->sh->t0_ns;
    return t > 0 ? (uint64_t)t : 0;
}

/* An accepted read that is not an installed entry: its class,
 * consequences and family counted (and the time of the reader's first),
 * and the value kept whole if samples.h's sample_slot() keeps it (the
 * clock is read only then). */
static __attribute__((noinline, cold, unused)) void reader_wrong(struct reader_ctx *rc, uint32_t pair,
                                                                 uint32_t lo, uint32_t hi, uint32_t retries)
{
    const struct pte_enc *e = &rc->sh->enc;
    struct reader_stats *s = &rc->live;
    const uint32_t c = pte_consequences(e, lo, hi);
    const int transient = pte_classify(e, lo, hi) == PTE_TRANSIENT;
    const enum sample_family fam = sample_family_of(e, lo, hi);
    const uint64_t nth = s->mixed + s->transient;
    struct sample_raw *v;
    uint32_t k;
    if (transient)
        s->transient++;
    else
        s->mixed++;
    for (k = 0; k < CONS_N; k++)
        if (c & (1u << k))
            s->cons[k]++;
    s->families[fam]++;
    v = sample_slot(&rc->keep, sample_key(transient, fam, c), nth);
    if (v || nth == 0) {
        const uint64_t t = run_ns(rc);
        if (nth == 0)
            s->first_torn_ns = t;
        if (v) {
            v->t_ns = t;
            v->pair = pair;
            v->low = lo;
            v->high = hi;
            v->retries = retries;
            v->family = (uint8_t)fam;
        }
    }
}

/* ---- the writers (hammer_writer.c, _kvm.c, _ptl.c) ---- */

/* The writer profiles' stores. At --level pmd documented and unordered
 * are their PTE selves (pmd_clear() is pte_clear()'s moves) and x86-pae
 * and x86-pae@2.6-4.18 are kinds of their own: set_pmd is a 64-bit
 * exchange in both (protocol.h). */
enum wkind {
    WK_DOCUMENTED, WK_X86_PAE, WK_X86_PAE_V26, WK_HIGH_FIRST, WK_UNORDERED, WK_X86_PAE_PMD, WK_X86_PAE_V26_PMD, WK_N
};

typedef void (*writer_fn)(struct writer_ctx *);

/* F(kind) for every writer kind this build has, in the order the copies
 * and tables of hammer_writer.c, hammer_writer_kvm.c and
 * hammer_writer_ptl.c are written: the 64-bit exchanges only where
 * protocol.h has them. */
#define FOR_EACH_WK_32(F) F(WK_DOCUMENTED) F(WK_HIGH_FIRST) F(WK_UNORDERED) F(WK_X86_PAE_V26)
#if defined(PTEAR_HAS_ATOMIC64)
#define FOR_EACH_WK(F) FOR_EACH_WK_32(F) F(WK_X86_PAE) F(WK_X86_PAE_PMD) F(WK_X86_PAE_V26_PMD)
#else
#define FOR_EACH_WK(F) FOR_EACH_WK_32(F)
#endif

/* The tables of hammer_writer_kvm.c and hammer_writer_ptl.c, for
 * hammer_writer() (hammer_writer.c). Hidden: i686's position-independent
 * code reaches them GOT-relative, as the static tables of one hammer.c. */
extern const writer_fn writer_kvm_fns[WK_N][BAR_NEFF][2] __attribute__((visibility("hidden")));
extern const writer_fn writer_ptl_fns[WK_N][BAR_NEFF][2][2] __attribute__((visibility("hidden")));

/* One writer per entry: its cycles are its clears and its installs. */
static __attribute__((noinline, cold, unused)) void writer_publish(struct writer_ctx *wc, uint64_t cycles)
{
    const struct writer_counts c = { cycles, cycles };
    seq_publish(&wc->seq, wc->pub, &c, sizeof c);
}

/* The profile's clear and install of one entry, for both writer loops. */
static PTEAR_ALWAYS_INLINE void writer_clear(struct pte_pair *ptep, const enum wkind kind, const enum bar_eff b,
                                             const int gap, struct gap_stream *g)
{
    if (kind == WK_HIGH_FIRST) {
        mips_pte_clear(ptep, b, gap, g);    /* == sh_pte_clear */
    } else if (kind == WK_X86_PAE_V26) {
        ptep_get_and_clear_v26(ptep, gap, g);
    } else if (kind == WK_X86_PAE_V26_PMD) {
        pmdp_get_and_clear_v26(ptep, gap, g);
    } else if (kind == WK_X86_PAE || kind == WK_X86_PAE_PMD) {
#if defined(PTEAR_HAS_ATOMIC64)
        if (kind == WK_X86_PAE_PMD)
            pmdp_get_and_clear(ptep);
        else
            ptep_get_and_clear(ptep);
#else
        __builtin_unreachable();            /* refused when the command line is checked */
#endif
    } else {
        pte_clear(ptep, b, gap, g);
    }
}

static PTEAR_ALWAYS_INLINE void writer_install(struct pte_pair *ptep, uint32_t lo, uint32_t hi,
                                               const enum wkind kind, const enum bar_eff b, const int gap,
                                               struct gap_stream *g)
{
    if (kind == WK_UNORDERED) {
        set_pte_unordered(ptep, lo, hi, gap, g);
    } else if (kind == WK_X86_PAE_PMD || kind == WK_X86_PAE_V26_PMD) {
#if defined(PTEAR_HAS_ATOMIC64)
        if (kind == WK_X86_PAE_PMD)
            set_pmd(ptep, lo, hi);
        else
            set_pmd_v26(ptep, lo, hi);
#else
        (void)lo;
        (void)hi;
        __builtin_unreachable();            /* refused when the command line is checked */
#endif
    } else {
        set_pte(ptep, lo, hi, b, gap, g);
    }
}

/* --clear-to: what a writer puts in the slot after a clear (the cleared
 * entry's PN, or the run's fixed S or M), as the run's constants. */
struct clear_target {
    enum clear_to ct;
    uint32_t lo, hi;                /* S or M (swap, migration) */
};

static inline struct clear_target clear_target_of(const struct run_shared *sh)
{
    const struct layout *l = &layout_table[sh->cfg->layout];
    struct clear_target c = { sh->cfg->clear_to, 0, 0 };
    if (c.ct == CLEAR_TO_SWAP) {
        c.lo = l->swap[0];
        c.hi = l->swap[1];
    } else if (c.ct == CLEAR_TO_MIGRATION) {
        c.lo = l->migration[0];
        c.hi = l->migration[1];
    }
    return c;
}

/* Writer w (its group, with one writer per entry) owns the pairs i with
 * i % writers == w and cycles round-robin
 * over them: clear, then install the next entry. Every pair starts at
 * install number 1 and each cycle adds one, so in round n every owned pair
 * goes from install n+1 to n+2: the writer keeps the two counters j and h
 * of that install number once for all its pairs. With `count` (only for
 * --reader kvm-count, its own copy of the loop) the pair's clear counter
 * is bumped after every clear, as KVM's count_spte_clear() does.
 * --clear-to (docs/layouts.md) puts more steps in a cycle: swap and
 * migration install S or M after the clear (E_t+1 then goes over it),
 * protnone installs PN_t, the PROT_NONE form of the entry just cleared,
 * and clears it again (two clears, two counter bumps). `other` is a
 * constant (writer_loop_ct() below): 0 for --clear-to zero, whose cycle
 * then has no test for it at all (on x86-64 the same instructions as
 * before --clear-to existed); with 1, which clear target it is costs one
 * test per cycle, the same way every time.
 * The round's entry: with --clear-to zero it is stepped (pte_round_next(),
 * pte.h: two adds and two xors, and a full computation only where j or h
 * wraps), as the Rust writer's Round::advance and Encoding::step do
 * (src/engine/hammer.rs); a full pte_step() + pte_L() + pte_H() every
 * round held the sh4 writer at 0.57-0.61 of the bookkeeping-free C loop's
 * cycles/s (BENCHMARKS.md). With the other targets the round is computed
 * in full from j and h as in Rust (!ZERO), whose PN_t needs them too. */
static PTEAR_ALWAYS_INLINE void writer_loop(struct writer_ctx *wc, const enum wkind kind, const enum bar_eff b,
                                            const int gap, const int count, const int other)
{
    struct run_shared *const sh = wc->sh;
    struct pte_pair *const pairs = sh->pairs;
    uint32_t *const side = sh->side;
    const struct pte_enc enc = sh->enc;
    const uint32_t npairs = sh->cfg->pairs, stride = sh->cfg->writers, first = wc->group;
    const int one = first + stride >= npairs;   /* this writer has one pair */
    const uint32_t *const stop = &sh->stop;
    const uint32_t batch = gap ? 1 : STOP_CHECK_CYCLES;
    const uint32_t step = wc->publish_step;
    struct gap_stream g = { wc->gap_table, 0 };
    const struct clear_target ct = clear_target_of(sh);
    const struct pte_step st = pte_step_of(&enc);
    uint32_t p = first, j = pte_first_j(&enc), h = pte_first_h(&enc);
    uint32_t xlo = ct.lo, xhi = ct.hi;      /* S, M, or PN of the entries this round clears */
    uint64_t cycles = 0, next_pub = step;
    struct pte_round r;                     /* E of the round's install (r.lo, r.hi), and its steps */

    if (other && ct.ct == CLEAR_TO_PROTNONE) {
        xlo = pte_PN_L(&enc, j);
        xhi = pte_PN_H(&enc, h);
    }
    pte_step(&enc, &j, &h);                 /* install 2 */
    r = pte_round_at(&enc, j, h);
    while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
        uint32_t i;
        if (!other && !gap && one && r.left >= batch) {
            /* The common case, one pair and no wrap in this batch: the
             * same cycles as the loop below with no test of the pair index
             * or of `left` in them, as the Rust writer's cycle_chunk has
             * (src/engine/hammer.rs). Under qemu-sh4 each guest
             * instruction costs its translation, so the four stores and
             * their barriers are most of what is left. */
            struct pte_pair *const ptep = &pairs[first];
            uint32_t lo = r.lo, hi = r.hi;
            for (i = 0; i < batch; i++) {
                writer_clear(ptep, kind, b, gap, &g);
                if (count)
                    count_spte_clear(&side[first], b);
                writer_install(ptep, lo, hi, kind, b, gap, &g);
                pte_entry_step(&st, &lo, &hi);
            }
            r.lo = lo;
            r.hi = hi;
            r.left -= batch;
            cycles += batch;
            goto publish;
        }
        for (i = 0; i < batch; i++) {
            struct pte_pair *const ptep = &pairs[p];
            writer_clear(ptep, kind, b, gap, &g);
            if (count)
                count_spte_clear(&side[p], b);
            if (other) {
                writer_install(ptep, xlo, xhi, kind, b, gap, &g);       /* S, M or PN_t */
                if (ct.ct == CLEAR_TO_PROTNONE) {
                    writer_clear(ptep, kind, b, gap, &g);
                    if (count)
                        count_spte_clear(&side[p], b);
                }
            }
            writer_install(ptep, r.lo, r.hi, kind, b, gap, &g);
            cycles++;
            p += stride;
            if (p >= npairs) {
                p = first;
                if (!other) {
                    pte_round_next(&enc, &st, &r);  /* Round::advance: stepped, or in full at a wrap */
                } else {
                    if (ct.ct == CLEAR_TO_PROTNONE) {
                        xlo = pte_PN_L(&enc, j);
                        xhi = pte_PN_H(&enc, h);
                    }
                    pte_step(&enc, &j, &h);
                    r.lo = pte_L(&enc, j);
                    r.hi = pte_H(&enc, h, j & 1);
                }
            }
        }
    publish:
        if (cycles >= next_pub) {
            writer_publish(wc, cycles);
            next_pub = cycles + step;
        }
    }
    writer_publish(wc, cycles);
}

/* The loop of --clear-to zero and the loop of the others, in one copy. */
static PTEAR_ALWAYS_INLINE void writer_loop_ct(struct writer_ctx *wc, const enum wkind kind, const enum bar_eff b,
                                               const int gap, const int count)
{
    if (wc->sh->cfg->clear_to == CLEAR_TO_ZERO)
        writer_loop(wc, kind, b, gap, count, 0);
    else
        writer_loop(wc, kind, b, gap, count, 1);
}

#endif

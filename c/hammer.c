/* hammer.c - the reader and writer hot loops.
 *
 * They allocate nothing, make no system call and take no lock but
 * --writers-per-entry's page-table locks (their own copy of the writer
 * loop; the loop of one writer per entry has none). Counters live in local
 * variables and are published through a seqlock (seqlock.h) every few
 * thousand reads. The fast path of a read is the accessor, then
 * pte_valid() inline (j decoded and compared with L(j), h decoded and
 * compared with H(h, j & 1)); a wrong value (its class, consequences,
 * family and, if samples.h keeps it, the whole value) and reads with 256 or
 * more retries go to cold paths. Each loop is compiled once per (kind, barrier,
 * gap on/off) so that none of the three is a run-time test between two
 * accesses, and no loop divides (SH-4 has no divide instruction). One read
 * in LATENCY_EVERY_* (latclock.h) is timed, by an out-of-line copy of the
 * read between two chunks (reader_timed()), into the reader's
 * read-latency histogram (latency.h). */
#include <stdint.h>

#include "hammer.h"
#include "latclock.h"
#include "latency.h"
#include "protocol.h"
#include "seqlock.h"

#define STOP_CHECK_READS    32u     /* reads between two looks at the stop flag */
#define STOP_CHECK_CYCLES   16u

/* ---- readers ---------------------------------------------------------- */

enum rkind { RK_LOCKLESS, RK_ONCE, RK_ATOMIC64, RK_GUP_FAST, RK_KVM_COUNT, RK_N };

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

static __attribute__((noinline, cold)) void reader_publish(struct reader_ctx *rc, const struct reader_regs *x)
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
static __attribute__((noinline, cold)) void reader_wrong(struct reader_ctx *rc, uint32_t pair, uint32_t lo,
                                                         uint32_t hi, uint32_t retries)
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

/* A read whose low half has PROTNONE and no present bit (x86, --clear-to
 * protnone): an installed PN entry, or a wrong value. A call, not inline:
 * with the PN test inline, x86-64 gcc 12 moved the whole present-entry
 * test of the loop into its .cold section; this way the loop keeps the
 * code it had (the not-present branch gains one test). */
static __attribute__((noinline)) void reader_protnone(struct reader_ctx *rc, uint32_t pair, uint32_t lo, uint32_t hi,
                                                      uint32_t retries)
{
    if (__builtin_expect(!pte_valid_pn(&rc->sh->enc, lo, hi), 0))
        reader_wrong(rc, pair, lo, hi, retries);
}

/* A read that needed r >= 256 retries: its exact count in rare[], kept
 * sorted by retry count (binary search; a new count is inserted in place,
 * as the Rust tool's RareRetries does), or, when the table is full and r is
 * new, an overflow counted at the largest power of two <= r. */
static __attribute__((noinline, cold)) void reader_rare(struct reader_stats *s, uint32_t r)
{
    uint32_t lo = 0, hi = s->n_rare, i;
    if (r > s->max_retries)
        s->max_retries = r;
    while (lo < hi) {                   /* first slot with retries >= r */
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->rare[mid].retries < r)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->n_rare && s->rare[lo].retries == r) {
        s->rare[lo].count++;
        return;
    }
    if (s->n_rare < PTEAR_RARE_SLOTS) {
        for (i = s->n_rare; i > lo; i--)
            s->rare[i] = s->rare[i - 1];
        s->rare[lo].retries = r;
        s->rare[lo].count = 1;
        s->n_rare++;
        return;
    }
    s->pow2[31 - __builtin_clz(r)]++;
    s->inexact++;
}

/* What every read of a reader's loop uses, fixed for the run. */
struct reader_env {
    struct pte_pair *pairs;
    uint32_t *side;
    struct pte_enc enc;
    const uint32_t *order;
    uint32_t norder;
    uint64_t quota;
    const uint32_t *stop;
    uint64_t *retried;
};

static PTEAR_ALWAYS_INLINE void reader_env_of(struct reader_ctx *rc, struct reader_env *env)
{
    struct run_shared *const sh = rc->sh;
    env->pairs = sh->pairs;
    env->side = sh->side;
    env->enc = sh->enc;
    env->order = rc->order;
    env->norder = rc->norder;
    env->quota = rc->quota;
    env->stop = &sh->stop;
    env->retried = rc->live.retried;
}

/* What a reader's loop changes from one read to the next (in registers in
 * the loop: its address never leaves the inlined code). */
struct reader_run {
    uint32_t pos;                   /* in order[] */
    struct gap_stream g;
    uint64_t reads, np, retries, recheck, caught;
};

/* A timed read's ns into the reader's histogram (latency.h's index), as
 * two u32 halves so that the main thread can copy them on every arch: an
 * increment stores the low half only, unless it carries (once in 2^32 of
 * one count), which stores both inside the lat_seq seqlock. lat_top: one
 * past the highest index used, so that a copy stops there. */
static void reader_latency(struct reader_ctx *rc, uint64_t ns)
{
    const uint32_t i = lat_index(ns);
    uint32_t *const w = &rc->lat_words[2 * i];
    const uint32_t lo = __atomic_load_n(&w[0], __ATOMIC_RELAXED);
    if (__builtin_expect(lo != UINT32_MAX, 1)) {
        __atomic_store_n(&w[0], lo + 1, __ATOMIC_RELAXED);
    } else {
        const uint32_t v = __atomic_load_n(&rc->lat_seq, __ATOMIC_RELAXED);
        __atomic_store_n(&rc->lat_seq, v + 1, __ATOMIC_RELAXED);
        smp_mb_runtime();
        __atomic_store_n(&w[0], 0, __ATOMIC_RELAXED);
        __atomic_store_n(&w[1], __atomic_load_n(&w[1], __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
        smp_mb_runtime();
        __atomic_store_n(&rc->lat_seq, v + 2, __ATOMIC_RELAXED);
    }
    if (i >= rc->lat_top)
        __atomic_store_n(&rc->lat_top, i + 1, __ATOMIC_RELAXED);
}

/* gup-fast after a present ptep_get_lockless(), timed (clk >= 0): the
 * reference, the gap, the re-check and the reference dropped, as the Rust
 * engine's GupFast::read, then the second stamp; classified after it. */
static PTEAR_ALWAYS_INLINE void reader_gup_timed(struct reader_ctx *rc, const struct reader_env *env,
                                                 struct reader_run *s, uint32_t idx, uint32_t lo, uint32_t hi,
                                                 uint32_t r, const enum bar_eff b, const int gap,
                                                 const enum lat_clock_kind clk, struct lat_stamp *t1)
{
    uint32_t *const ref = &env->side[idx];
    int same;
    gup_ref_get(ref, b);
    if (gap)
        gap_spin(&s->g);
    same = gup_recheck(&env->pairs[idx], lo, hi, gap, &s->g);
    gup_ref_put(ref);
    lat_stamp(t1, clk);
    if (__builtin_expect(!same, 0)) {
        s->recheck++;
        if (!pte_valid(&env->enc, lo, hi))
            s->caught++;
    } else if (__builtin_expect(!pte_valid(&env->enc, lo, hi), 0)) {
        reader_wrong(rc, idx, lo, hi, r);
    }
}

/* One read: the next pair, the read protocol, classified and counted.
 * clk < 0: untimed (the loop's reads); else one of a timed read's copies
 * (reader_timed()), with the two stamps around the protocol only (its
 * loads, barriers, retries and reader gaps; for gup-fast also the
 * reference, re-check and release). 1 when *stop was set while it retried: the
 * read is dropped (untimed, uncounted), the reader must stop. The caller
 * counts the read. */
static PTEAR_ALWAYS_INLINE int reader_read(struct reader_ctx *rc, const struct reader_env *env, struct reader_run *s,
                                           const enum rkind kind, const enum bar_eff b, const int gap, const int clk)
{
    const uint32_t idx = env->order[s->pos];
    struct pte_pair *const ptep = &env->pairs[idx];
    const struct pte_enc *const enc = &env->enc;
    const enum lat_clock_kind ck = clk > 0 ? LAT_CLOCK_RDTSC : LAT_CLOCK_GETTIME;
    struct lat_stamp t0, t1;
    uint32_t lo, hi, r = 0;
    if (++s->pos == env->norder)
        s->pos = 0;
    if (clk >= 0)
        lat_stamp(&t0, ck);
    if (kind == RK_ONCE) {
        ptep_get_once(ptep, &lo, &hi, b, gap, &s->g);
    } else if (kind == RK_ATOMIC64) {
#if defined(PTEAR_HAS_ATOMIC64)
        pte_load_atomic64(ptep, &lo, &hi);
#else
        __builtin_unreachable();    /* refused when the command line is checked */
#endif
    } else if (kind == RK_KVM_COUNT) {
        if (!kvm_get_spte_lockless(ptep, &env->side[idx], &lo, &hi, &r, b, gap, &s->g, env->stop))
            return 1;
    } else if (!ptep_get_lockless(ptep, &lo, &hi, &r, b, gap, &s->g, env->stop)) {
        return 1;
    }
    if (clk >= 0 && kind != RK_GUP_FAST)
        lat_stamp(&t1, ck);
    if (!(lo & enc->present)) {
        /* not present, or (x86, --clear-to protnone) a PROT_NONE
         * entry, which pte_present() calls present: classified as
         * the entries are, but for gup-fast, which refuses it
         * (pte_protnone(): a fallback, counted with the others).
         * The PN test is here only: nothing on a present read
         * (the call: see reader_protnone()). */
        if (kind != RK_GUP_FAST && (lo & enc->protnone)) {
            reader_protnone(rc, idx, lo, hi, r);
        } else {
            if (clk >= 0 && kind == RK_GUP_FAST)
                lat_stamp(&t1, ck);         /* gup-fast's fallback: no reference taken */
            s->np++;                        /* gup-fast: fallback_not_present */
        }
    } else if (kind != RK_GUP_FAST) {
        /* the fast path: an installed entry (probability 1 as far
         * as the compiler knows, so the test stays in the loop and
         * only the call goes to the cold section) */
        if (__builtin_expect_with_probability(!pte_valid(enc, lo, hi), 0, 1.0))
            reader_wrong(rc, idx, lo, hi, r);
    } else if (clk >= 0) {
        reader_gup_timed(rc, env, s, idx, lo, hi, r, b, gap, ck, &t1);
    } else {
        uint32_t *const ref = &env->side[idx];
        gup_ref_get(ref, b);
        if (gap)                            /* a slow reader: stalled holding the reference */
            gap_spin(&s->g);
        if (__builtin_expect(!gup_recheck(ptep, lo, hi, gap, &s->g), 0)) {
            gup_ref_put(ref);
            s->recheck++;                   /* fallback_recheck */
            if (!pte_valid(enc, lo, hi))
                s->caught++;
        } else {
            if (__builtin_expect(!pte_valid(enc, lo, hi), 0))
                reader_wrong(rc, idx, lo, hi, r);   /* slipped */
            gup_ref_put(ref);
        }
    }
    /* r is the constant 0 for once and atomic64: all of this folds away */
    if (__builtin_expect(r != 0, 0)) {
        if (__builtin_expect(r < PTEAR_EXACT_RETRIES, 1))
            env->retried[r]++;
        else
            reader_rare(&rc->live, r);
        s->retries += r;
    }
    if (clk >= 0)
        reader_latency(rc, lat_ns(&rc->sh->lat, &t0, &t1, ck));
    return 0;
}

/* A timed read, out of the loop (noinline, see READER_TIMED), and the
 * next one's turn set; clk: LAT_CLOCK_RDTSC or LAT_CLOCK_GETTIME, a
 * constant. It changes nothing that the loop keeps in registers: it walks
 * the reader's order with a cursor of its own (rc->lat_pos, from the
 * loop's start), takes its gaps from a table position of its own and
 * puts its counts in rc->timed, so the loop's code for its own reads
 * stays what it was (gcc 12 for sh4 laid the loop out worse when the call
 * moved the loop's position). The loop counts the read. 1: the read was
 * dropped (*stop was set while it retried), the reader must stop. */
static PTEAR_ALWAYS_INLINE int reader_timed(struct reader_ctx *rc, const enum rkind kind, const enum bar_eff b,
                                            const int gap, const int clk)
{
    struct reader_env env;
    struct reader_run s = { rc->lat_pos, { rc->gap_table, rc->lat_gap_pos }, 0, 0, 0, 0, 0 };
    reader_env_of(rc, &env);
    rc->lat_next += rc->sh->lat.every;
    if (reader_read(rc, &env, &s, kind, b, gap, clk))
        return 1;
    rc->lat_pos = s.pos;
    rc->lat_gap_pos = s.g.pos;
    rc->timed.np += s.np;
    rc->timed.retries += s.retries;
    rc->timed.recheck += s.recheck;
    rc->timed.caught += s.caught;
    return 0;
}

typedef int (*reader_timed_fn)(struct reader_ctx *);

/* Before each chunk of reads, one compare with next_event, as the loop
 * had for its publications: when the reader's reads reach rc->lat_next, a
 * timed read (tf, out of line) goes first and lat_next moves on by the
 * clock's interval; when they reach next_pub, the counters are published.
 * Nothing per read, and no value more in registers in the loop (with a
 * separate test of lat_next, gcc 12 for sh4 spilled the gap table's
 * pointer: 6-27% more instructions per read with a reader gap). A chunk
 * after a timed read has one read more; with a reader gap, where a chunk
 * is one read, the timed read (or publication) takes the chunk's place:
 * the next chunk comes after one more look at the stop flag. */
static PTEAR_ALWAYS_INLINE void reader_loop(struct reader_ctx *rc, const enum rkind kind, const enum bar_eff b,
                                            const int gap, const reader_timed_fn tf)
{
    struct reader_env env;
    const uint32_t batch = gap ? 1 : STOP_CHECK_READS;
    const uint32_t step = rc->publish_step;
    uint64_t next_pub = step, next_event = 0;
    struct reader_run s = { rc->start, { rc->gap_table, 0 }, 0, 0, 0, 0, 0 };
    struct reader_regs x;

    reader_env_of(rc, &env);
    rc->lat_next = rc->sh->lat.every ? 0 : UINT64_MAX;
    rc->lat_pos = rc->start;
    if (env.quota == 0)
        goto out;
    for (;;) {
        uint32_t i;
        if (__atomic_load_n(env.stop, __ATOMIC_RELAXED))
            break;
        if (__builtin_expect(s.reads >= next_event, 0)) {
            if (s.reads >= rc->lat_next) {
                if (tf(rc))
                    goto out;
                if (++s.reads == env.quota)
                    goto out;
            }
            if (s.reads >= next_pub) {
                x = (struct reader_regs){ s.reads, s.np, s.retries, s.recheck, s.caught };
                reader_publish(rc, &x);
                next_pub = s.reads + step;
            }
            next_event = next_pub < rc->lat_next ? next_pub : rc->lat_next;
            if (gap)
                continue;
        }
        for (i = 0; i < batch; i++) {
            if (reader_read(rc, &env, &s, kind, b, gap, -1))
                goto out;
            if (++s.reads == env.quota)
                goto out;
        }
    }
out:
    x = (struct reader_regs){ s.reads, s.np, s.retries, s.recheck, s.caught };
    reader_publish(rc, &x);
}

/* One copy of the loop per (reader, barrier, gap) with all three constant,
 * and of its timed read per clock this arch has (x86: rdtsc, used when
 * the CPU has SSE2, and clock_gettime; elsewhere clock_gettime only). */
typedef void (*reader_fn)(struct reader_ctx *);
#define READER_TIMED(K, B, G, C) \
    static __attribute__((noinline)) int rt_##K##_##B##_##G##_##C(struct reader_ctx *rc) \
    { return reader_timed(rc, K, B, G, C); }
#if defined(LAT_HAS_TSC)
#define READER_GAP_FN(K, B, G) \
    READER_TIMED(K, B, G, 0) READER_TIMED(K, B, G, 1) \
    static void rd_##K##_##B##_##G(struct reader_ctx *rc) \
    { reader_loop(rc, K, B, G, rc->sh->lat.kind == LAT_CLOCK_RDTSC ? rt_##K##_##B##_##G##_1 : rt_##K##_##B##_##G##_0); }
#else
#define READER_GAP_FN(K, B, G) \
    READER_TIMED(K, B, G, 0) \
    static void rd_##K##_##B##_##G(struct reader_ctx *rc) { reader_loop(rc, K, B, G, rt_##K##_##B##_##G##_0); }
#endif
#define READER_FNS(K, B) READER_GAP_FN(K, B, 0) READER_GAP_FN(K, B, 1)
#define READER_ROW(kind, b) [b] = { rd_##kind##_##b##_0, rd_##kind##_##b##_1 },
FOR_EACH_BAR_EFF(READER_FNS, RK_LOCKLESS)
FOR_EACH_BAR_EFF(READER_FNS, RK_ONCE)
FOR_EACH_BAR_EFF(READER_FNS, RK_GUP_FAST)
FOR_EACH_BAR_EFF(READER_FNS, RK_KVM_COUNT)
#if defined(PTEAR_HAS_ATOMIC64)
FOR_EACH_BAR_EFF(READER_FNS, RK_ATOMIC64)
#endif
static const reader_fn reader_fns[RK_N][BAR_NEFF][2] = {
    [RK_LOCKLESS] = { FOR_EACH_BAR_EFF(READER_ROW, RK_LOCKLESS) },
    [RK_ONCE] = { FOR_EACH_BAR_EFF(READER_ROW, RK_ONCE) },
    [RK_GUP_FAST] = { FOR_EACH_BAR_EFF(READER_ROW, RK_GUP_FAST) },
    [RK_KVM_COUNT] = { FOR_EACH_BAR_EFF(READER_ROW, RK_KVM_COUNT) },
#if defined(PTEAR_HAS_ATOMIC64)
    [RK_ATOMIC64] = { FOR_EACH_BAR_EFF(READER_ROW, RK_ATOMIC64) },
#endif
};

void hammer_reader(struct reader_ctx *rc)
{
    const struct run_shared *sh = rc->sh;
    static const enum rkind kinds[READER_NKINDS] = {
        [READER_LOCKLESS] = RK_LOCKLESS, [READER_ONCE] = RK_ONCE, [READER_ATOMIC64] = RK_ATOMIC64,
        [READER_GUP_FAST] = RK_GUP_FAST, [READER_KVM_COUNT] = RK_KVM_COUNT,
    };
    reader_fns[kinds[sh->cfg->reader]][sh->bar.eff][sh->cfg->reader_gap != 0](rc);
}

/* ---- writers ---------------------------------------------------------- */

/* The writer profiles' stores. At --level pmd documented and unordered
 * are their PTE selves (pmd_clear() is pte_clear()'s moves) and x86-pae
 * and x86-pae@2.6-4.18 are kinds of their own: set_pmd is a 64-bit
 * exchange in both (protocol.h). */
enum wkind {
    WK_DOCUMENTED, WK_X86_PAE, WK_X86_PAE_V26, WK_HIGH_FIRST, WK_UNORDERED, WK_X86_PAE_PMD, WK_X86_PAE_V26_PMD, WK_N
};

/* One writer per entry: its cycles are its clears and its installs. */
static __attribute__((noinline, cold)) void writer_publish(struct writer_ctx *wc, uint64_t cycles)
{
    const struct writer_counts c = { cycles, cycles };
    seq_publish(&wc->seq, wc->pub, &c, sizeof c);
}

static __attribute__((noinline, cold)) void writer_ptl_publish(struct writer_ctx *wc, uint64_t clears,
                                                               uint64_t installs)
{
    const struct writer_counts c = { clears, installs };
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

/* One copy per (writer, barrier, gap, count). */
typedef void (*writer_fn)(struct writer_ctx *);
#define WRITER_FNS(kind, b) \
    static void wr_##kind##_##b##_0(struct writer_ctx *wc) { writer_loop_ct(wc, kind, b, 0, 0); } \
    static void wr_##kind##_##b##_1(struct writer_ctx *wc) { writer_loop_ct(wc, kind, b, 1, 0); } \
    static void wr_##kind##_##b##_0c(struct writer_ctx *wc) { writer_loop_ct(wc, kind, b, 0, 1); } \
    static void wr_##kind##_##b##_1c(struct writer_ctx *wc) { writer_loop_ct(wc, kind, b, 1, 1); }
#define WRITER_ROW(kind, b) [b] = { { wr_##kind##_##b##_0, wr_##kind##_##b##_0c }, \
                                    { wr_##kind##_##b##_1, wr_##kind##_##b##_1c } },
FOR_EACH_BAR_EFF(WRITER_FNS, WK_DOCUMENTED)
FOR_EACH_BAR_EFF(WRITER_FNS, WK_HIGH_FIRST)
FOR_EACH_BAR_EFF(WRITER_FNS, WK_UNORDERED)
FOR_EACH_BAR_EFF(WRITER_FNS, WK_X86_PAE_V26)
#if defined(PTEAR_HAS_ATOMIC64)
FOR_EACH_BAR_EFF(WRITER_FNS, WK_X86_PAE)
FOR_EACH_BAR_EFF(WRITER_FNS, WK_X86_PAE_PMD)
FOR_EACH_BAR_EFF(WRITER_FNS, WK_X86_PAE_V26_PMD)
#endif
static const writer_fn writer_fns[WK_N][BAR_NEFF][2][2] = {
    [WK_DOCUMENTED] = { FOR_EACH_BAR_EFF(WRITER_ROW, WK_DOCUMENTED) },
    [WK_HIGH_FIRST] = { FOR_EACH_BAR_EFF(WRITER_ROW, WK_HIGH_FIRST) },
    [WK_UNORDERED] = { FOR_EACH_BAR_EFF(WRITER_ROW, WK_UNORDERED) },
    [WK_X86_PAE_V26] = { FOR_EACH_BAR_EFF(WRITER_ROW, WK_X86_PAE_V26) },
#if defined(PTEAR_HAS_ATOMIC64)
    [WK_X86_PAE] = { FOR_EACH_BAR_EFF(WRITER_ROW, WK_X86_PAE) },
    [WK_X86_PAE_PMD] = { FOR_EACH_BAR_EFF(WRITER_ROW, WK_X86_PAE_PMD) },
    [WK_X86_PAE_V26_PMD] = { FOR_EACH_BAR_EFF(WRITER_ROW, WK_X86_PAE_V26_PMD) },
#endif
};

/* --writers-per-entry N > 1: one of the N threads of a group, which take
 * turns on each of the group's pairs as CPUs that zap and re-install the
 * same entry do (B zaps, C installs, D zaps and installs: the ABA of a
 * reader that reads low, high, low). Round-robin over the group's pairs:
 * take the entry's page-table lock (sh->ptl[p]), do its next step (clear
 * it if installed, else install the state after the one it held), drop
 * the lock. Which thread does which step is up to who gets the lock, so
 * every pair keeps its own j and h, under its lock. With `count` the clear
 * bumps the pair's clear counter, under the lock as KVM's under mmu_lock.
 * With --clear-to other than zero the clear step also installs S, M or
 * PN(j, h) of the entry it cleared, and with protnone the install step
 * first clears that PN (and bumps the counter). The Rust tool's
 * writer_ptl (src/engine/hammer.rs). */
static PTEAR_ALWAYS_INLINE void writer_ptl_loop(struct writer_ctx *wc, const enum wkind kind, const enum bar_eff b,
                                                const int gap, const int count)
{
    struct run_shared *const sh = wc->sh;
    struct pte_pair *const pairs = sh->pairs;
    struct pte_ptl *const ptls = sh->ptl;
    uint32_t *const side = sh->side;
    const struct pte_enc enc = sh->enc;
    const uint32_t npairs = sh->cfg->pairs, stride = sh->cfg->writers, first = wc->group;
    const uint32_t *const stop = &sh->stop;
    const uint32_t batch = gap ? 1 : STOP_CHECK_CYCLES;
    const uint32_t step = wc->publish_step;
    struct gap_stream g = { wc->gap_table, 0 };
    const struct clear_target ct = clear_target_of(sh);
    uint32_t p = first;
    uint64_t clears = 0, installs = 0, next_pub = step;

    while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
        uint32_t i;
        for (i = 0; i < batch; i++) {
            struct pte_pair *const ptep = &pairs[p];
            struct pte_ptl *const ptl = &ptls[p];
            spin_lock(&ptl->lock);
            if (ptl->installed) {
                writer_clear(ptep, kind, b, gap, &g);
                if (count)
                    count_spte_clear(&side[p], b);
                if (__builtin_expect(ct.ct != CLEAR_TO_ZERO, 0)) {
                    if (ct.ct == CLEAR_TO_PROTNONE)
                        writer_install(ptep, pte_PN_L(&enc, ptl->j), pte_PN_H(&enc, ptl->h), kind, b, gap, &g);
                    else
                        writer_install(ptep, ct.lo, ct.hi, kind, b, gap, &g);
                }
                ptl->installed = 0;
                clears++;
            } else {
                uint32_t j = ptl->j, h = ptl->h;
                if (__builtin_expect(ct.ct == CLEAR_TO_PROTNONE, 0)) {
                    writer_clear(ptep, kind, b, gap, &g);           /* PN(j, h) */
                    if (count)
                        count_spte_clear(&side[p], b);
                }
                pte_step(&enc, &j, &h);
                writer_install(ptep, pte_L(&enc, j), pte_H(&enc, h, j & 1), kind, b, gap, &g);
                ptl->j = j;
                ptl->h = h;
                ptl->installed = 1;
                installs++;
            }
            spin_unlock(&ptl->lock);
            p += stride;
            if (p >= npairs)
                p = first;
        }
        if (clears + installs >= next_pub) {
            writer_ptl_publish(wc, clears, installs);
            next_pub = clears + installs + step;
        }
    }
    writer_ptl_publish(wc, clears, installs);
}

/* Its own copy per (writer, barrier, gap, count), as the loop above. */
#define WRITER_PTL_FNS(kind, b) \
    static void wp_##kind##_##b##_0(struct writer_ctx *wc) { writer_ptl_loop(wc, kind, b, 0, 0); } \
    static void wp_##kind##_##b##_1(struct writer_ctx *wc) { writer_ptl_loop(wc, kind, b, 1, 0); } \
    static void wp_##kind##_##b##_0c(struct writer_ctx *wc) { writer_ptl_loop(wc, kind, b, 0, 1); } \
    static void wp_##kind##_##b##_1c(struct writer_ctx *wc) { writer_ptl_loop(wc, kind, b, 1, 1); }
#define WRITER_PTL_ROW(kind, b) [b] = { { wp_##kind##_##b##_0, wp_##kind##_##b##_0c }, \
                                        { wp_##kind##_##b##_1, wp_##kind##_##b##_1c } },
FOR_EACH_BAR_EFF(WRITER_PTL_FNS, WK_DOCUMENTED)
FOR_EACH_BAR_EFF(WRITER_PTL_FNS, WK_HIGH_FIRST)
FOR_EACH_BAR_EFF(WRITER_PTL_FNS, WK_UNORDERED)
FOR_EACH_BAR_EFF(WRITER_PTL_FNS, WK_X86_PAE_V26)
#if defined(PTEAR_HAS_ATOMIC64)
FOR_EACH_BAR_EFF(WRITER_PTL_FNS, WK_X86_PAE)
FOR_EACH_BAR_EFF(WRITER_PTL_FNS, WK_X86_PAE_PMD)
FOR_EACH_BAR_EFF(WRITER_PTL_FNS, WK_X86_PAE_V26_PMD)
#endif
static const writer_fn writer_ptl_fns[WK_N][BAR_NEFF][2][2] = {
    [WK_DOCUMENTED] = { FOR_EACH_BAR_EFF(WRITER_PTL_ROW, WK_DOCUMENTED) },
    [WK_HIGH_FIRST] = { FOR_EACH_BAR_EFF(WRITER_PTL_ROW, WK_HIGH_FIRST) },
    [WK_UNORDERED] = { FOR_EACH_BAR_EFF(WRITER_PTL_ROW, WK_UNORDERED) },
    [WK_X86_PAE_V26] = { FOR_EACH_BAR_EFF(WRITER_PTL_ROW, WK_X86_PAE_V26) },
#if defined(PTEAR_HAS_ATOMIC64)
    [WK_X86_PAE] = { FOR_EACH_BAR_EFF(WRITER_PTL_ROW, WK_X86_PAE) },
    [WK_X86_PAE_PMD] = { FOR_EACH_BAR_EFF(WRITER_PTL_ROW, WK_X86_PAE_PMD) },
    [WK_X86_PAE_V26_PMD] = { FOR_EACH_BAR_EFF(WRITER_PTL_ROW, WK_X86_PAE_V26_PMD) },
#endif
};

void hammer_writer(struct writer_ctx *wc)
{
    const struct run_shared *sh = wc->sh;
    enum writer_kind w = sh->cfg->writer;
    const int pmd = sh->cfg->level == LEVEL_PMD;
    enum wkind kind = w == WRITER_UNORDERED ? WK_UNORDERED
                    : (w == WRITER_MIPS || w == WRITER_SH) ? WK_HIGH_FIRST
                    : w == WRITER_X86_PAE ? (pmd ? WK_X86_PAE_PMD : WK_X86_PAE)
                    : w == WRITER_X86_PAE_V26 ? (pmd ? WK_X86_PAE_V26_PMD : WK_X86_PAE_V26)
                    : WK_DOCUMENTED;        /* documented at pmd: set_pmd and pmd_clear are set_pte's and pte_clear's moves */
    const writer_fn (*fns)[BAR_NEFF][2][2] = sh->ptl ? writer_ptl_fns : writer_fns;
    fns[kind][sh->bar.eff][sh->cfg->writer_gap != 0][sh->cfg->reader == READER_KVM_COUNT](wc);
}

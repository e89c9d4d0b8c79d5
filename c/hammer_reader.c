/* hammer_reader.c - the reader hot loops: one copy of reader_loop() per
 * (kind, barrier, gap on/off), each with an out-of-line copy of its read
 * for the timed reads, the cold paths they call (with hammer_internal.h's)
 * and hammer_reader(), which picks the copy.
 *
 * The fast path of a read is the accessor, then pte_valid() inline (j
 * decoded and compared with L(j), h decoded and compared with H(h, j & 1));
 * a wrong value (its class, consequences, family and, if samples.h keeps
 * it, the whole value) and reads with 256 or more retries go to cold
 * paths. One read in LATENCY_EVERY_* (latclock.h) is timed, by an
 * out-of-line copy of the read between two chunks (reader_timed()), into
 * the reader's read-latency histogram (latency.h).
 * c/tests/retry_histogram.c includes this file whole, with a gap of its
 * own. */
#include "hammer_internal.h"
#include "latclock.h"
#include "latency.h"

enum rkind { RK_LOCKLESS, RK_ONCE, RK_ATOMIC64, RK_GUP_FAST, RK_KVM_COUNT, RK_N };

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

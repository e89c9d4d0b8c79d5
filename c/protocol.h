/* protocol.h - the split-PTE accessors, named as the kernel names them.
 *
 * Every access to a half is a volatile 32-bit load or store (READ_ONCE /
 * WRITE_ONCE). The barrier `b` and the gap switch `gap` are compile-time
 * constants in every caller (the hammer_*.c files instantiate one loop per
 * combination), so with gap == 0 nothing at all sits between an access and
 * its barrier. */
#ifndef PTEAR_PROTOCOL_H
#define PTEAR_PROTOCOL_H

#include <stdint.h>
#include "barrier.h"
#include "gap.h"
#include "pte.h"

#define READ_ONCE32(x)      (*(const volatile uint32_t *)&(x))
#define WRITE_ONCE32(x, v)  (*(volatile uint32_t *)&(x) = (v))

/* mm/gup.c / include/linux/pgtable.h, ptep_get_lockless() for
 * CONFIG_GUP_GET_PXX_LOW_HIGH:
 *     do {
 *         pte.pte_low = ptep->pte_low;   smp_rmb();
 *         pte.pte_high = ptep->pte_high; smp_rmb();
 *     } while (unlikely(pte.pte_low != ptep->pte_low));
 * [reader gap] marks where ptear may stall the reader (an interrupt, a
 * preemption). Counts retries. Returns 0 only if *stop became set while the
 * loop kept retrying (checked every 256 retries): the read is then dropped. */
static PTEAR_ALWAYS_INLINE int ptep_get_lockless(struct pte_pair *ptep, uint32_t *lo_out, uint32_t *hi_out,
                                                  uint32_t *retries, const enum bar_eff b, const int gap,
                                                  struct gap_stream *g, const uint32_t *stop)
{
    uint32_t lo, hi, r = 0;
    for (;;) {
        lo = READ_ONCE32(ptep->low);
        smp_rmb(b);
        if (gap)
            gap_spin(g);
        hi = READ_ONCE32(ptep->high);
        smp_rmb(b);
        if (gap)
            gap_spin(g);
        if (__builtin_expect(READ_ONCE32(ptep->low) == lo, 1))
            break;
        r++;
        if ((r & 255) == 0 && __atomic_load_n(stop, __ATOMIC_RELAXED))
            return 0;
    }
    *lo_out = lo;
    *hi_out = hi;
    *retries = r;
    return 1;
}

/* arch/x86/kvm/mmu/mmu.c __get_spte_lockless() (the 32-bit one, under
 * #else of CONFIG_X86_64): the pair's clear counter guards the read, since
 * KVM's writers may clear an entry and install the same low again:
 *     retry:
 *         count = sp->clear_spte_count;        smp_rmb();
 *         spte.spte_low = orig->spte_low;      smp_rmb();
 *         spte.spte_high = orig->spte_high;    smp_rmb();
 *         if (unlikely(spte.spte_low != orig->spte_low ||
 *               count != sp->clear_spte_count))
 *             goto retry;
 * `count` is the pair's word of the side table, bumped by the writers'
 * count_spte_clear() below. The reader gaps sit where ptep_get_lockless()
 * has them. Counts retries; returns 0 only if *stop became set while it
 * kept retrying (the read is then dropped). */
static PTEAR_ALWAYS_INLINE int kvm_get_spte_lockless(struct pte_pair *ptep, const uint32_t *count_p,
                                                     uint32_t *lo_out, uint32_t *hi_out, uint32_t *retries,
                                                     const enum bar_eff b, const int gap, struct gap_stream *g,
                                                     const uint32_t *stop)
{
    uint32_t count, lo, hi, r = 0;
    for (;;) {
        count = READ_ONCE32(*count_p);
        smp_rmb(b);
        lo = READ_ONCE32(ptep->low);
        smp_rmb(b);
        if (gap)
            gap_spin(g);
        hi = READ_ONCE32(ptep->high);
        smp_rmb(b);
        if (gap)
            gap_spin(g);
        if (__builtin_expect(READ_ONCE32(ptep->low) == lo && READ_ONCE32(*count_p) == count, 1))
            break;
        r++;
        if ((r & 255) == 0 && __atomic_load_n(stop, __ATOMIC_RELAXED))
            return 0;
    }
    *lo_out = lo;
    *hi_out = hi;
    *retries = r;
    return 1;
}

/* arch/x86/kvm/mmu/mmu.c count_spte_clear(), called after every clear
 * (__update_clear_spte_fast/slow):
 *     smp_wmb();  sp->clear_spte_count++;
 * The pair has one writer at a time (KVM: mmu_lock held; with
 * --writers-per-entry, the page-table lock), so a plain load and a
 * WRITE_ONCE store. */
static PTEAR_ALWAYS_INLINE void count_spte_clear(uint32_t *count_p, const enum bar_eff b)
{
    smp_wmb(b);
    WRITE_ONCE32(*count_p, READ_ONCE32(*count_p) + 1);
}

/* --writers-per-entry: spin_lock() on the entry's page-table lock (struct
 * pte_ptl): an acquiring compare-and-swap 0 -> 1, the arch's atomics as
 * the qspinlock fast path (x86 `lock cmpxchg`) and the MIPS ticket lock
 * (ll/sc) use, spinning on plain loads with cpu_relax() while it is held.
 * On sh4, gcc 12 (-m4, -matomic-model=soft-gusa, its default for
 * sh4-linux) emits the CAS inline as a gUSA sequence, checked in the
 * objdump of hammer.o: `mova 1f,r0; mov r15,r1; mov #-8,r15; mov.l @Rn,Rx;
 * cmp/eq Rx,Ry; bf 1f; mov.l Rz,@Rn; 1: mov r1,r15`, then bf to the spin.
 * No libatomic call, no movli.l/movco.l, no synco (as gup_ref_get's add
 * below); spin_unlock()'s release store is a plain mov.l. The kernel's
 * SH-4A arch_spin_lock()/arch_spin_unlock() (asm/spinlock-llsc.h:
 * movli.l/movco.l, then a plain mov.l) have no synco either, so no fence
 * is added. gUSA is atomic against preemption on one CPU (qemu-sh4 runs
 * it as a host atomic), not between the CPUs of an SMP SH-4A, where this
 * lock would not exclude. */
static PTEAR_ALWAYS_INLINE void spin_lock(uint32_t *lock)
{
    for (;;) {
        uint32_t unlocked = 0;
        if (__builtin_expect(__atomic_compare_exchange_n(lock, &unlocked, 1u, 1, __ATOMIC_ACQUIRE,
                                                         __ATOMIC_RELAXED), 1))
            return;
        while (__atomic_load_n(lock, __ATOMIC_RELAXED) != 0)
            arch_cpu_relax();
    }
}

/* spin_unlock(): a releasing store of 0. */
static PTEAR_ALWAYS_INLINE void spin_unlock(uint32_t *lock)
{
    __atomic_store_n(lock, 0u, __ATOMIC_RELEASE);
}

/* mm/gup.c gup_fast_pte_range(), after ptep_get_lockless() gave a present
 * pte: try_grab_folio_fast() takes a reference (folio_ref_try_add(), a
 * fully ordered atomic increment of the folio's refcount), here the pair's
 * word of the side table (its own mapping: another cache line). gcc's
 * __atomic on sh4 is the soft-gusa sequence, which has no synco; the
 * kernel's SH-4A atomic ops end in one, so the run's fence follows it
 * there (nothing on SH-4, where the barrier is a compiler barrier). */
static PTEAR_ALWAYS_INLINE void gup_ref_get(uint32_t *ref, const enum bar_eff b)
{
    __atomic_fetch_add(ref, 1u, __ATOMIC_SEQ_CST);
#if defined(__sh__)
    smp_rmb(b);
#else
    (void)b;
#endif
}

/* gup_put_folio() on a failed re-check, or the caller's unpin after an
 * accepted read: the reference dropped again, so the word stays bounded. */
static PTEAR_ALWAYS_INLINE void gup_ref_put(uint32_t *ref)
{
    __atomic_fetch_sub(ref, 1u, __ATOMIC_SEQ_CST);
}

/* gup_fast_pte_range()'s re-check, `pte_val(pte) != pte_val(ptep_get(ptep))`
 * with ptep_get() = READ_ONCE(*ptep) of the 64-bit pte_t: two 32-bit loads,
 * the HIGH word first and then the low one (what i686 gcc 12 -O2 emits for
 * a volatile 64-bit load: the pointer register is reused for the low word,
 * so it is loaded last); no barrier, no retry. [reader gap] between them:
 * the stall a vCPU preemption makes. 1 if the entry still reads (lo, hi). */
static PTEAR_ALWAYS_INLINE int gup_recheck(struct pte_pair *ptep, uint32_t lo, uint32_t hi, const int gap,
                                           struct gap_stream *g)
{
    uint32_t hi2, lo2;
    hi2 = READ_ONCE32(ptep->high);
    if (gap)
        gap_spin(g);
    lo2 = READ_ONCE32(ptep->low);
    return lo2 == lo && hi2 == hi;
}

/* The known-broken control: the two halves once each, in order, no
 * re-check (what a plain READ_ONCE/ptep_get() of a 64-bit pte_t amounts to
 * on a 32-bit CPU). */
static PTEAR_ALWAYS_INLINE void ptep_get_once(struct pte_pair *ptep, uint32_t *lo_out, uint32_t *hi_out,
                                              const enum bar_eff b, const int gap, struct gap_stream *g)
{
    uint32_t lo, hi;
    lo = READ_ONCE32(ptep->low);
    smp_rmb(b);
    if (gap)
        gap_spin(g);
    hi = READ_ONCE32(ptep->high);
    *lo_out = lo;
    *hi_out = hi;
}

/* set_pte(): arch/x86/include/asm/pgtable-3level.h native_set_pte(),
 * arch/mips/include/asm/pgtable.h set_pte(), arch/sh/include/asm/
 * pgtable_32.h set_pte(): high half first, smp_wmb(), then the low half,
 * which holds PRESENT, so no reader sees the new low with the old high. */
static PTEAR_ALWAYS_INLINE void set_pte(struct pte_pair *ptep, uint32_t lo, uint32_t hi,
                                        const enum bar_eff b, const int gap, struct gap_stream *g)
{
    WRITE_ONCE32(ptep->high, hi);
    smp_wmb(b);
    if (gap)
        gap_spin(g);
    WRITE_ONCE32(ptep->low, lo);
}

/* The broken control: the low half (PRESENT) first, no barrier at all. */
static PTEAR_ALWAYS_INLINE void set_pte_unordered(struct pte_pair *ptep, uint32_t lo, uint32_t hi,
                                                  const int gap, struct gap_stream *g)
{
    WRITE_ONCE32(ptep->low, lo);
    if (gap)
        gap_spin(g);
    WRITE_ONCE32(ptep->high, hi);
}

/* pte_clear() as the reader's comment documents it and as x86 PAE does it
 * (pgtable-3level.h native_pte_clear()): low = 0 (not present) first,
 * smp_wmb(), then high = 0. */
static PTEAR_ALWAYS_INLINE void pte_clear(struct pte_pair *ptep, const enum bar_eff b, const int gap,
                                          struct gap_stream *g)
{
    WRITE_ONCE32(ptep->low, 0);
    smp_wmb(b);
    if (gap)
        gap_spin(g);
    WRITE_ONCE32(ptep->high, 0);
}

/* arch/mips/include/asm/pgtable.h pte_clear(): builds a null pte and calls
 * set_pte(), so the HIGH half is cleared first while low still says
 * present: a reader can accept (old low, 0). */
static PTEAR_ALWAYS_INLINE void mips_pte_clear(struct pte_pair *ptep, const enum bar_eff b, const int gap,
                                               struct gap_stream *g)
{
    set_pte(ptep, 0, 0, b, gap, g);
}

/* arch/sh/include/asm/pgtable_32.h: pte_clear(mm, addr, xp) is
 * set_pte_at(mm, addr, xp, __pte(0)): high first, as on MIPS. */
static PTEAR_ALWAYS_INLINE void sh_pte_clear(struct pte_pair *ptep, const enum bar_eff b, const int gap,
                                             struct gap_stream *g)
{
    set_pte(ptep, 0, 0, b, gap, g);
}

/* --writer x86-pae@2.6-4.18's clear: native_ptep_get_and_clear() (SMP) of
 * x86 PAE kernels up to v4.18 (include/asm-i386/pgtable-3level.h, then
 * arch/x86/include/asm/pgtable-3level.h; v4.19 made it one 64-bit exchange,
 * "x86/pae: use 64 bit atomic xchg function in native_ptep_get_and_clear"):
 *     res.pte_low = xchg(&ptep->pte_low, 0);    (a full barrier)
 *     res.pte_high = ptep->pte_high;
 *     ptep->pte_high = 0;
 * The low half (PRESENT) goes first, atomically: the documented order.
 * src/pte/write.rs ptep_get_and_clear_v26 does the same. */
static PTEAR_ALWAYS_INLINE void ptep_get_and_clear_v26(struct pte_pair *ptep, const int gap, struct gap_stream *g)
{
    (void)__atomic_exchange_n(&ptep->low, 0u, __ATOMIC_SEQ_CST);
    if (gap)
        gap_spin(g);
    (void)READ_ONCE32(ptep->high);
    WRITE_ONCE32(ptep->high, 0);
}

/* --level pmd, --writer documented's clear: arch/x86/include/asm/
 * pgtable-3level.h native_pmd_clear() (pmd_clear): the low half first,
 * smp_wmb(), then the high half; the same moves as pte_clear(). */
static PTEAR_ALWAYS_INLINE void pmd_clear(struct pte_pair *pmdp, const enum bar_eff b, const int gap,
                                          struct gap_stream *g)
{
    pte_clear(pmdp, b, gap, g);
}

/* --level pmd, --writer x86-pae@2.6-4.18's clear: native_pmdp_get_and_clear()
 * (SMP) of arch/x86/include/asm/pgtable-3level.h up to v6.1:
 *     res.pmd_low = xchg(&orig->pmd_low, 0);
 *     res.pmd_high = orig->pmd_high;
 *     orig->pmd_high = 0;
 * the same moves as ptep_get_and_clear_v26() above. */
static PTEAR_ALWAYS_INLINE void pmdp_get_and_clear_v26(struct pte_pair *pmdp, const int gap, struct gap_stream *g)
{
    ptep_get_and_clear_v26(pmdp, gap, g);
}

#if defined(PTEAR_HAS_ATOMIC64)
/* pxx_xchg64() of arch/x86/include/asm/pgtable-3level.h (v6.2+; before
 * that arch_atomic64_xchg, and set_64bit() for set_pmd up to v4.18): the
 * whole entry exchanged with (lo, hi) in one atomic step,
 *     _o = *_p;  do { } while (!try_cmpxchg64(_p, &_o, (_val)));
 * x86-64: `xchg` of the u64 (implicitly locked, a full barrier); i686: a
 * `lock cmpxchg8b` retry loop starting from the current value, each failed
 * attempt loading the value it found into edx:eax (as
 * ptep_get_and_clear() below, with the new value in ecx:ebx). */
static PTEAR_ALWAYS_INLINE void pxx_xchg64(struct pte_pair *ptep, uint32_t lo, uint32_t hi)
{
#if defined(__x86_64__)
    uint64_t v = (uint64_t)lo | (uint64_t)hi << 32;
    __asm__ __volatile__("xchgq %0, (%1)" : "+r"(v) : "r"(ptep) : "memory");
#else
    uint32_t olo = READ_ONCE32(ptep->low), ohi = READ_ONCE32(ptep->high);
    __asm__ __volatile__("1:\n\tlock; cmpxchg8b (%%edi)\n\tjnz 1b"
                         : "+a"(olo), "+d"(ohi)
                         : "D"(ptep), "b"(lo), "c"(hi)
                         : "memory", "cc");
#endif
}

/* --level pmd, --writer x86-pae's install: native_set_pmd() of
 * arch/x86/include/asm/pgtable-3level.h, pxx_xchg64(pmd, pmdp, pmd): no
 * reader sees half of it. */
static PTEAR_ALWAYS_INLINE void set_pmd(struct pte_pair *pmdp, uint32_t lo, uint32_t hi)
{
    pxx_xchg64(pmdp, lo, hi);
}

/* --level pmd, --writer x86-pae@2.6-4.18's install: native_set_pmd() of
 * include/asm-i386/pgtable-3level.h and arch/x86/include/asm/
 * pgtable-3level.h to v4.18, set_64bit((unsigned long long *)pmdp,
 * native_pmd_val(pmd)): cmpxchg_32.h's `lock cmpxchg8b` loop, a 64-bit
 * exchange. */
static PTEAR_ALWAYS_INLINE void set_pmd_v26(struct pte_pair *pmdp, uint32_t lo, uint32_t hi)
{
    pxx_xchg64(pmdp, lo, hi);
}

/* --level pmd, --writer x86-pae's clear: pmdp_huge_get_and_clear() ->
 * native_pmdp_get_and_clear() of arch/x86/include/asm/pgtable-3level.h
 * (v6.2+), pxx_xchg64(pmd, pmdp, 0ULL): one 64-bit exchange with 0. */
static PTEAR_ALWAYS_INLINE void pmdp_get_and_clear(struct pte_pair *pmdp)
{
    pxx_xchg64(pmdp, 0, 0);
}

/* --reader atomic64: one 64-bit atomic load of the whole entry, what a
 * 64-bit kernel's ptep_get() is; the reference the split reader is measured
 * against. Copies the Rust tool's asm (src/arch/x86.rs pte_load_atomic64). */
static PTEAR_ALWAYS_INLINE void pte_load_atomic64(struct pte_pair *ptep, uint32_t *lo_out, uint32_t *hi_out)
{
#if defined(__x86_64__)
    /* A plain aligned 8-byte mov is single-copy atomic (Intel SDM vol. 3,
     * 9.1.1): both halves come from one moment. The "m" input tells the
     * compiler the pair is read; volatile keeps one load per read. */
    uint64_t v;
    __asm__ __volatile__("movq (%1), %0" : "=r"(v) : "r"(ptep), "m"(*ptep));
    *lo_out = (uint32_t)v;
    *hi_out = (uint32_t)(v >> 32);
#else
    /* i686: `lock cmpxchg8b` with edx:eax = ecx:ebx = 0, the trick of
     * arch/x86/include/asm/atomic64_32.h (arch_atomic64_read via
     * atomic64_read_cx8 in atomic64_cx8_32.S): it either fails and loads the
     * current value into edx:eax, or finds 0 and stores 0 back; both leave
     * memory unchanged and read the 8 bytes atomically. */
    uint32_t lo = 0, hi = 0;
    __asm__ __volatile__("lock; cmpxchg8b (%%edi)"
                         : "+a"(lo), "+d"(hi)
                         : "D"(ptep), "b"(0u), "c"(0u)
                         : "memory", "cc");
    *lo_out = lo;
    *hi_out = hi;
#endif
}

/* --writer x86-pae's clear: native_ptep_get_and_clear() (SMP) of
 * arch/x86/include/asm/pgtable-3level.h: the whole entry is exchanged with
 * 0 in one atomic step, so no reader can see a half-cleared entry. Copies
 * the Rust tool's asm (src/arch/x86.rs ptep_get_and_clear). */
static PTEAR_ALWAYS_INLINE void ptep_get_and_clear(struct pte_pair *ptep)
{
#if defined(__x86_64__)
    /* `xchg` with memory is implicitly locked: a full barrier and one
     * atomic 8-byte swap with 0. */
    uint64_t v = 0;
    __asm__ __volatile__("xchgq %0, (%1)" : "+r"(v) : "r"(ptep) : "memory");
#else
    /* i686: arch_atomic64_xchg (atomic64_32.h, atomic64_cx8_32.S xchg): a
     * `lock cmpxchg8b` retry loop. Each failed attempt loads the current
     * value into edx:eax and tries again; the one that succeeds swaps in
     * ecx:ebx = 0 atomically. */
    uint32_t lo = READ_ONCE32(ptep->low), hi = READ_ONCE32(ptep->high);
    __asm__ __volatile__("1:\n\tlock; cmpxchg8b (%%edi)\n\tjnz 1b"
                         : "+a"(lo), "+d"(hi)
                         : "D"(ptep), "b"(0u), "c"(0u)
                         : "memory", "cc");
#endif
}
#endif

#endif

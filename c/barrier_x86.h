/* barrier_x86.h - x86 and x86-64 (i686 and x86_64 builds).
 * Mirrors arch/x86/include/asm/barrier.h. x86 is TSO: loads are not
 * reordered with loads nor stores with stores, so the kernel's smp_rmb() and
 * smp_wmb() are barrier() only; smp_mb() needs a locked instruction. The
 * mandatory barriers mb()/rmb()/wmb() are mfence/lfence/sfence (SSE2, SSE2,
 * SSE): ptear offers them as --barrier mfence and lfence-sfence, to measure
 * what the stronger barriers cost; barrier.c checks CPUID before any is used. */
#ifndef PTEAR_BARRIER_X86_H
#define PTEAR_BARRIER_X86_H

/* x86 has a 64-bit atomic load and exchange: --reader atomic64 and
 * --writer x86-pae exist (protocol.h). */
#define PTEAR_HAS_ATOMIC64 1

#if defined(__x86_64__)
/* __smp_mb() on x86-64: a locked add to the word just below the stack
 * pointer. Any locked instruction is a full barrier (orders earlier stores
 * before later loads, the one reordering TSO allows) and is cheaper than
 * mfence; -4(%rsp) is in the red zone, so nothing live is touched. */
static inline __attribute__((always_inline)) void arch_fence(void)
{
    __asm__ __volatile__("lock; addl $0,-4(%%rsp)" ::: "memory", "cc");
}
#define ARCH_FENCE_TEXT "lock; addl $0,-4(%rsp)"
#else
/* __smp_mb() on x86-32, same instruction on %esp. Works on every i386+
 * (no SSE2 needed, unlike mfence: a Pentium III has none). */
static inline __attribute__((always_inline)) void arch_fence(void)
{
    __asm__ __volatile__("lock; addl $0,-4(%%esp)" ::: "memory", "cc");
}
#define ARCH_FENCE_TEXT "lock; addl $0,-4(%esp)"
#endif

/* __mb(): `mfence` (SSE2). Every load and store before it is globally
 * visible before any after it. asm/barrier.h: #define __mb()
 * asm volatile("mfence":::"memory") (x86-64; alternative() on x86-32). */
static inline __attribute__((always_inline)) void x86_mfence(void)
{
    __asm__ __volatile__("mfence" ::: "memory");
}

/* __rmb(): `lfence` (SSE2). Loads before it complete before loads after it
 * (it also waits for earlier instructions to finish executing). */
static inline __attribute__((always_inline)) void x86_lfence(void)
{
    __asm__ __volatile__("lfence" ::: "memory");
}

/* __wmb(): `sfence` (SSE). Stores before it are globally visible before
 * stores after it (matters only for weakly ordered non-temporal stores). */
static inline __attribute__((always_inline)) void x86_sfence(void)
{
    __asm__ __volatile__("sfence" ::: "memory");
}

/* cpu_relax() (asm/vdso/processor.h rep_nop()): `pause`, encoded as
 * rep; nop, which every x86 runs. */
static inline __attribute__((always_inline)) void arch_cpu_relax(void)
{
    __asm__ __volatile__("rep; nop" ::: "memory");
}

#endif

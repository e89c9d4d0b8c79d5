/* barrier_x86.h - x86 and x86-64 (i686 and x86_64 builds).
 * Mirrors arch/x86/include/asm/barrier.h. x86 is TSO: loads are not
 * reordered with loads nor stores with stores, so the kernel's smp_rmb() and
 * smp_wmb() are barrier() only; smp_mb() needs a locked instruction. */
#ifndef PTEAR_BARRIER_X86_H
#define PTEAR_BARRIER_X86_H

#if defined(__x86_64__)
#define ARCH_NAME "x86_64"
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
#define ARCH_NAME "x86"
/* __smp_mb() on x86-32, same instruction on %esp. Works on every i386+
 * (no SSE2 needed, unlike mfence: a Pentium III has none). */
static inline __attribute__((always_inline)) void arch_fence(void)
{
    __asm__ __volatile__("lock; addl $0,-4(%%esp)" ::: "memory", "cc");
}
#define ARCH_FENCE_TEXT "lock; addl $0,-4(%esp)"
#endif

#endif

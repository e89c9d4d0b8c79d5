/* barrier_mips.h - MIPS32 (mipsel build).
 * Mirrors arch/mips/include/asm/barrier.h and asm/sync.h: with
 * CONFIG_WEAK_ORDERING (SMP cores that reorder: 1004K, interAptiv, Octeon...)
 * smp_mb(), smp_rmb() and smp_wmb() all become __SYNC(full, ...), a `sync`
 * with stype 0. Without it they are barrier() only; ptear models the weakly
 * ordered case, which is the one where the barrier matters. */
#ifndef PTEAR_BARRIER_MIPS_H
#define PTEAR_BARRIER_MIPS_H

#define ARCH_NAME "mips"
/* `sync` (stype 0): every load and store before it completes before any
 * after it (a full barrier). Wrapped in .set mips2 like the kernel's
 * __SYNC_insn so that it assembles whatever -march the file is built for. */
static inline __attribute__((always_inline)) void arch_fence(void)
{
    __asm__ __volatile__(".set push\n\t.set mips2\n\tsync\n\t.set pop" ::: "memory");
}
#define ARCH_FENCE_TEXT "sync"

#endif

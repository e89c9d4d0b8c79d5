/* barrier_sh.h - SuperH (sh4 build, runs on SH-4 and SH-4A).
 * Mirrors arch/sh/include/asm/barrier.h: on SH-4A (CONFIG_CPU_SH4A) mb(),
 * rmb(), wmb() and the smp_ ones are `synco`; SH-4 and older have no
 * synco (it is an illegal instruction there) and use barrier() only. The
 * binary is built for plain SH-4 (-m4), so it decides at start which of the
 * two the CPU is (barrier.c) and never executes synco on SH-4. */
#ifndef PTEAR_BARRIER_SH_H
#define PTEAR_BARRIER_SH_H

/* No 64-bit atomic load or exchange: --reader atomic64 and --writer x86-pae
 * are refused with this reason. */
#define PTEAR_NO_ATOMIC64 "SuperH has no 64-bit atomic load or exchange"
/* `synco` (SH-4A, opcode 0x00ab): data accesses before it complete before
 * any after it; the kernel's __mb()/__rmb()/__wmb() on SH-4A. */
static inline __attribute__((always_inline)) void arch_fence(void)
{
    __asm__ __volatile__("synco" ::: "memory");
}
#define ARCH_FENCE_TEXT "synco"

/* cpu_relax(): barrier() on SuperH (asm/processor.h), so nothing but a
 * compiler barrier. */
static inline __attribute__((always_inline)) void arch_cpu_relax(void)
{
    __asm__ __volatile__("" ::: "memory");
}

#endif

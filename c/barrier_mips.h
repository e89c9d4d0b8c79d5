/* barrier_mips.h - MIPS32 (mipsel build).
 * Mirrors arch/mips/include/asm/barrier.h and asm/sync.h: with
 * CONFIG_WEAK_ORDERING (SMP cores that reorder: 1004K, interAptiv, Octeon...)
 * smp_mb(), smp_rmb() and smp_wmb() all become __SYNC(full, ...), a `sync`
 * with stype 0. Without it they are barrier() only; ptear models the weakly
 * ordered case, which is the one where the barrier matters. */
#ifndef PTEAR_BARRIER_MIPS_H
#define PTEAR_BARRIER_MIPS_H

/* No 64-bit atomic load or exchange: --reader atomic64 and --writer x86-pae
 * are refused with this reason (src/arch/mips.rs NO_ATOMIC64). */
#define PTEAR_NO_ATOMIC64 "MIPS32 has no 64-bit atomic load or exchange (no lld/scd)"

/* `sync` (stype 0): every load and store before it completes before any
 * after it (a full barrier). Wrapped in .set mips2 like the kernel's
 * __SYNC_insn so that it assembles whatever -march the file is built for. */
static inline __attribute__((always_inline)) void arch_fence(void)
{
    __asm__ __volatile__(".set push\n\t.set mips2\n\tsync\n\t.set pop" ::: "memory");
}
#define ARCH_FENCE_TEXT "sync"

/* `sync 0x13` (stype RMB): orders loads against loads only; asm/sync.h's
 * __SYNC(rmb, ...) form, which Linux itself uses only on Octeon. Right for
 * the reader, not for the writer (--barrier sync-rmb uses it for both).
 * .set mips32: the lowest ISA whose sync encoding has the stype field (the
 * kernel uses MIPS_ISA_LEVEL_RAW there). Cores before MIPS32r2 treat an
 * unknown stype as `sync 0`. */
static inline __attribute__((always_inline)) void mips_sync_rmb(void)
{
    __asm__ __volatile__(".set push\n\t.set mips32\n\tsync 0x13\n\t.set pop" ::: "memory");
}

/* `sync 0x04` (stype WMB): orders stores against stores only, what Octeon's
 * kernel uses for wmb(). Right for the writer, not for the reader. */
static inline __attribute__((always_inline)) void mips_sync_wmb(void)
{
    __asm__ __volatile__(".set push\n\t.set mips32\n\tsync 0x04\n\t.set pop" ::: "memory");
}

/* cpu_relax(): barrier() on MIPS (asm/vdso/processor.h; only Loongson 3
 * makes it more), so nothing but a compiler barrier. */
static inline __attribute__((always_inline)) void arch_cpu_relax(void)
{
    __asm__ __volatile__("" ::: "memory");
}

#endif

/* barrier.h - the barriers ptear puts between the two halves of a PTE.
 *
 * An option (--barrier kernel|full|...) is resolved once, at start, into a
 * struct barrier_choice: an effective barrier (enum bar_eff) plus the text
 * of the report. The hot loops are compiled once per effective barrier, so
 * choosing costs nothing while reading.
 *   BAR_NONE          nothing at all between the accesses
 *   BAR_COMPILER      barrier(): asm volatile("" ::: "memory")
 *   BAR_FENCE         the architecture's full fence (arch_fence(), from
 *                     barrier_x86.h, barrier_mips.h or barrier_sh.h)
 *   x86:  BAR_MFENCE  mfence for both;  BAR_LFENCE_SFENCE  lfence / sfence
 *   MIPS: BAR_SYNC_RMB  sync 0x13 for both;  BAR_SYNC_WMB  sync 0x04 for both
 */
#ifndef PTEAR_BARRIER_H
#define PTEAR_BARRIER_H

#include <stddef.h>
#include "config.h"
#include "cpuprobe.h"

#define PTEAR_ALWAYS_INLINE inline __attribute__((always_inline))

/* include/linux/compiler.h: barrier(). Stops the compiler from moving memory
 * accesses across it; emits no instruction. */
#define barrier() __asm__ __volatile__("" ::: "memory")

#if defined(__x86_64__) || defined(__i386__)
#include "barrier_x86.h"
#elif defined(__mips__)
#include "barrier_mips.h"
#elif defined(__sh__)
#include "barrier_sh.h"
#else
#error "ptear's C port supports x86, x86-64, MIPS and SuperH only"
#endif

enum bar_eff {
    BAR_NONE, BAR_COMPILER, BAR_FENCE,
#if defined(__x86_64__) || defined(__i386__)
    BAR_MFENCE, BAR_LFENCE_SFENCE,
#elif defined(__mips__)
    BAR_SYNC_RMB, BAR_SYNC_WMB,
#endif
    BAR_NEFF
};

/* X(arg, eff) for every effective barrier of this build: how the hot loops
 * (hammer_internal.h) are instantiated once per barrier. */
#if defined(__x86_64__) || defined(__i386__)
#define FOR_EACH_BAR_EFF(X, arg) \
    X(arg, BAR_NONE) X(arg, BAR_COMPILER) X(arg, BAR_FENCE) X(arg, BAR_MFENCE) X(arg, BAR_LFENCE_SFENCE)
#elif defined(__mips__)
#define FOR_EACH_BAR_EFF(X, arg) \
    X(arg, BAR_NONE) X(arg, BAR_COMPILER) X(arg, BAR_FENCE) X(arg, BAR_SYNC_RMB) X(arg, BAR_SYNC_WMB)
#else
#define FOR_EACH_BAR_EFF(X, arg) X(arg, BAR_NONE) X(arg, BAR_COMPILER) X(arg, BAR_FENCE)
#endif

/* smp_rmb()/smp_wmb() as the run resolved them. `e` is a compile-time
 * constant in every caller (the hot loops), so each folds to a single
 * instruction or to nothing. */
static PTEAR_ALWAYS_INLINE void smp_rmb(const enum bar_eff e)
{
    if (e == BAR_FENCE)
        arch_fence();
    else if (e == BAR_COMPILER)
        barrier();
#if defined(__x86_64__) || defined(__i386__)
    else if (e == BAR_MFENCE)
        x86_mfence();
    else if (e == BAR_LFENCE_SFENCE)
        x86_lfence();
#elif defined(__mips__)
    else if (e == BAR_SYNC_RMB)
        mips_sync_rmb();
    else if (e == BAR_SYNC_WMB)
        mips_sync_wmb();
#endif
}

static PTEAR_ALWAYS_INLINE void smp_wmb(const enum bar_eff e)
{
    if (e == BAR_FENCE)
        arch_fence();
    else if (e == BAR_COMPILER)
        barrier();
#if defined(__x86_64__) || defined(__i386__)
    else if (e == BAR_MFENCE)
        x86_mfence();
    else if (e == BAR_LFENCE_SFENCE)
        x86_sfence();
#elif defined(__mips__)
    else if (e == BAR_SYNC_RMB)
        mips_sync_rmb();
    else if (e == BAR_SYNC_WMB)
        mips_sync_wmb();
#endif
}

/* What a --barrier kind is in this build on this CPU: the text of the
 * report and of `ptear list --json` (the Rust tool's words, src/arch/),
 * and why the CPU cannot run it (NULL if it can). */
struct barrier_info {
    enum barrier_kind kind;
    enum bar_eff eff;
    const char *detail;
    const char *unavailable;
};

/* 1 and *out filled if this build has `kind`, else 0. */
int barrier_info_get(enum barrier_kind kind, struct barrier_info *out);

/* --barrier as the run carries it, resolved once before any thread starts. */
struct barrier_choice {
    enum barrier_kind kind;
    enum bar_eff eff;
    char detail[128];               /* config.barrier_detail */
};

/* Decide what `kind` becomes on this CPU. Returns 0, or -1 with a one-line
 * reason in err (a usage error: the barrier does not exist here). */
int barrier_resolve(enum barrier_kind kind, struct barrier_choice *out, char *err, size_t errlen);

/* One line of the plain `ptear list` for `kind`, or NULL if this build has
 * no such barrier at all. */
const char *barrier_describe(enum barrier_kind kind, char *buf, size_t len);

/* A full fence for cold paths (the seqlock that publishes counters). Uses the
 * arch fence only where this CPU has one (never synco on SH-4). */
void smp_mb_runtime(void);

/* SuperH only: does this CPU have synco, and how was that found out. */
int cpu_has_synco(void);
const char *cpu_synco_method(void);

#endif

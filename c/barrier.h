/* barrier.h - the barriers ptear puts between the two halves of a PTE.
 *
 * An option (--barrier kernel|full|synco|compiler|none) is resolved once, at
 * start, into one of three effective barriers; the hot loops are compiled
 * once per effective barrier, so choosing costs nothing while reading.
 *   BAR_NONE      nothing at all between the accesses
 *   BAR_COMPILER  barrier(): asm volatile("" ::: "memory")
 *   BAR_FENCE     the architecture's fence instruction (arch_fence(), from
 *                 barrier_x86.h, barrier_mips.h or barrier_sh.h)
 */
#ifndef PTEAR_BARRIER_H
#define PTEAR_BARRIER_H

#include <stddef.h>
#include "config.h"

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

enum bar_eff { BAR_NONE, BAR_COMPILER, BAR_FENCE };

/* smp_rmb()/smp_wmb()/smp_mb() as the run resolved them. `e` is a
 * compile-time constant in every caller (see engine.c), so this folds to a
 * single instruction or to nothing. */
static PTEAR_ALWAYS_INLINE void ptear_barrier(const enum bar_eff e)
{
    if (e == BAR_FENCE)
        arch_fence();
    else if (e == BAR_COMPILER)
        barrier();
}
#define smp_rmb(e) ptear_barrier(e)
#define smp_wmb(e) ptear_barrier(e)

struct barrier_choice {
    enum bar_eff eff;
    char detail[128];               /* config.barrier_detail */
};

/* Decide what `kind` becomes on this CPU. Returns 0, or -1 with a one-line
 * reason in err (a usage error: the barrier does not exist here). */
int barrier_resolve(enum barrier_kind kind, struct barrier_choice *out, char *err, size_t errlen);

/* One line of `ptear list` for `kind`, or NULL if this build has no such
 * barrier at all (synco outside SuperH). */
const char *barrier_describe(enum barrier_kind kind, char *buf, size_t len);

/* A full fence for cold paths (the seqlock that publishes counters). Uses the
 * arch fence only where this CPU has one (never synco on SH-4). */
void smp_mb_runtime(void);

/* SuperH only: does this CPU have synco, and how was that found out. */
int cpu_has_synco(void);
const char *cpu_synco_method(void);

#endif

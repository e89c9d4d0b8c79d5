/* latclock.h - the clock of the sampled read-latency histogram (latency.h):
 * which one, how often a read is timed, and the two time stamps around a
 * timed read (hammer_reader.c's reader_timed()).
 *
 * x86 (x86_64, and i686 with SSE2): `lfence; rdtsc`, ticks turned into ns
 * with a TSC frequency measured once per process against CLOCK_MONOTONIC
 * (lat_clock_get()). Everywhere else (sh4, mipsel, i686 without SSE2):
 * clock_gettime(CLOCK_MONOTONIC) before and after, which costs far more
 * (a vDSO call at best, a system call under qemu-user), hence the sparser
 * sampling. The Rust engine uses the same clocks and the same constants. */
#ifndef PTEAR_LATCLOCK_H
#define PTEAR_LATCLOCK_H

#include <stdint.h>
#include <time.h>

#include "barrier.h"

/* One read in this many is timed (per reader; checked once per chunk of
 * reads, see hammer_reader.c). The only place these are set. */
#define LATENCY_EVERY_RDTSC     1024u
#define LATENCY_EVERY_CLOCK     4096u

#if defined(__x86_64__) || defined(__i386__)
#define LAT_HAS_TSC 1
#endif

enum lat_clock_kind { LAT_CLOCK_GETTIME, LAT_CLOCK_RDTSC };

/* A run's choice (run_ctx.h struct run_shared). All zero: no read is
 * timed (the c/tests programs that drive the reader themselves). */
struct lat_clock {
    enum lat_clock_kind kind;
    uint32_t every;                 /* 0: none timed */
    double ns_per_tick;             /* rdtsc: measured by lat_clock_get() */
};

/* The report's read_latency.clock. */
static inline const char *lat_clock_name(enum lat_clock_kind k)
{
    return k == LAT_CLOCK_RDTSC ? "rdtsc" : "clock_gettime";
}

/* The process's clock, chosen (and the TSC measured, about 5 ms) at the
 * first call; later calls return the same. Main thread only. */
void lat_clock_get(struct lat_clock *c);

/* A time stamp: TSC ticks or a CLOCK_MONOTONIC time. */
struct lat_stamp {
    uint64_t tsc;
    struct timespec ts;
};

#if defined(LAT_HAS_TSC)
/* `lfence; rdtsc`. rdtsc alone may execute before earlier instructions
 * have completed; lfence does not start until every earlier instruction
 * has completed locally, so before the second stamp the timed read's loads
 * (and barriers, and retries) are done. Later loads may still start before
 * this rdtsc executes (Intel SDM, RDTSC), which can only shorten the
 * interval by a few cycles. The memory clobber keeps the compiler from
 * moving the read's loads across either stamp. */
static PTEAR_ALWAYS_INLINE uint64_t lat_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return (uint64_t)hi << 32 | lo;
}
#endif

/* A stamp of clock k (a compile-time constant in every caller). */
static PTEAR_ALWAYS_INLINE void lat_stamp(struct lat_stamp *s, const enum lat_clock_kind k)
{
#if defined(LAT_HAS_TSC)
    if (k == LAT_CLOCK_RDTSC) {
        s->tsc = lat_rdtsc();
        return;
    }
#endif
    (void)k;
    clock_gettime(CLOCK_MONOTONIC, &s->ts);
    barrier();                      /* (the call is one already; the read's loads stay inside) */
}

/* Rust's `x.round() as u64` (llround) for 0 <= x < 2^63, without libm:
 * x - trunc(x) is exact there. Only the rdtsc clock (x86, whose libgcc
 * converts doubles to u64 correctly) uses it. */
static inline uint64_t lat_round_u64(double x)
{
    uint64_t n;
    if (!(x > 0))
        return 0;
    if (x >= 9223372036854775808.0)
        return UINT64_MAX;
    n = (uint64_t)x;
    return n + (x - (double)n >= 0.5);
}

/* ns between two stamps: ticks * ns_per_tick rounded, or the timespec
 * difference; 0 if negative (a thread migrated between two CPUs whose
 * TSCs differ; CLOCK_MONOTONIC never goes back). */
static inline uint64_t lat_ns(const struct lat_clock *c, const struct lat_stamp *a, const struct lat_stamp *b,
                              const enum lat_clock_kind k)
{
    int64_t d;
#if defined(LAT_HAS_TSC)
    if (k == LAT_CLOCK_RDTSC) {
        d = (int64_t)(b->tsc - a->tsc);     /* < 0: moved to a CPU whose TSC is behind */
        return d > 0 ? lat_round_u64((double)d * c->ns_per_tick) : 0;
    }
#else
    (void)c;
    (void)k;
#endif
    d = ((int64_t)b->ts.tv_sec - (int64_t)a->ts.tv_sec) * 1000000000 + ((int64_t)b->ts.tv_nsec - a->ts.tv_nsec);
    return d > 0 ? (uint64_t)d : 0;
}

#endif

/* latclock.c - choosing the read-latency clock once per process and, for
 * rdtsc, measuring the TSC's frequency (latclock.h). */
#include "latclock.h"
#include "cpuprobe.h"

#if defined(LAT_HAS_TSC)
#define CALIBRATE_NS 5000000           /* spin this long reading both clocks */

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ns per TSC tick: CLOCK_MONOTONIC and the TSC read together at the start
 * and again after about CALIBRATE_NS of spinning, dns / dticks as a
 * double. Once, before any reader runs. */
static double tsc_ns_per_tick(void)
{
    const int64_t n0 = mono_ns();
    const uint64_t t0 = lat_rdtsc();
    int64_t n1;
    uint64_t t1;
    do {
        n1 = mono_ns();
        t1 = lat_rdtsc();
    } while (n1 - n0 < CALIBRATE_NS);
    return t1 > t0 ? (double)(n1 - n0) / (double)(t1 - t0) : 0.0;
}
#endif

void lat_clock_get(struct lat_clock *c)
{
    static struct lat_clock chosen;
    static int done;
    if (!done) {
        chosen.kind = LAT_CLOCK_GETTIME;
        chosen.every = LATENCY_EVERY_CLOCK;
#if defined(LAT_HAS_TSC)
        {
            int sse, sse2;
            cpuprobe_x86_sse(&sse, &sse2);
            if (sse2) {                 /* lfence is SSE2 */
                chosen.ns_per_tick = tsc_ns_per_tick();
                if (chosen.ns_per_tick > 0) {
                    chosen.kind = LAT_CLOCK_RDTSC;
                    chosen.every = LATENCY_EVERY_RDTSC;
                }
            }
        }
#endif
        done = 1;
    }
    *c = chosen;
}

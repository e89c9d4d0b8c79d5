/* c_loop.c - the hammer loop with no bookkeeping: the reference the engine's
 * lockless reads/s are measured against (benches/c_loop.rs, BENCHMARKS.md
 * "Against a hand-written C loop").
 *
 * The shape of `ptear run --reader lockless --writer documented --barrier
 * kernel --readers 1 --writers 1 --pairs 1 --cpus A,B` on x86 (and of the C
 * port's, c/, on SH-4A: benches/c_loop_sh4.sh), and nothing else: one
 * 8-byte aligned pair {u32 low, high} in mmap(MAP_SHARED | MAP_ANONYMOUS)
 * memory; a writer pinned to CPU A clears it (low = 0, smp_wmb, high = 0)
 * and installs the next value (high, smp_wmb, low); a reader pinned to CPU
 * B runs ptep_get_lockless() (low, smp_rmb, high, smp_rmb, re-check low).
 * Both look at the stop flag every 64 operations with a relaxed load, as
 * src/engine/hammer.rs does (CHUNK). x86 smp_rmb and smp_wmb are barrier():
 * asm volatile("" ::: "memory"); SuperH's (built with __sh__) are SH-4A's
 * `synco`, as arch/sh/include/asm/barrier.h on CONFIG_CPU_SH4A and
 * c/barrier_sh.h, so the sh build runs on SH-4A only (qemu-sh4's default
 * CPU, sh7785; synco is illegal on SH-4). The reader keeps no statistics:
 * it counts reads in a local and folds each value into another (printed,
 * so the loads stay live). No classification, no retry count.
 *
 *     c_loop SECONDS CPU_A CPU_B [WRITER [READER]]
 *
 * WRITER is the store sequence of one of ptear's writers, written out:
 *   documented   pte_clear (low, smp_wmb, high), set_pte (high, smp_wmb, low)
 *                (the default; also ptear's `mips` and `sh` installs)
 *   high-first   mips/sh pte_clear: high, smp_wmb, low; set_pte as above
 *   unordered    pte_clear as documented; install low, then high
 *   x86-pae      ptep_get_and_clear: a 64-bit exchange with 0 (x86-64
 *                `xchg`, i686 a `lock cmpxchg8b` loop, as ptear's); set_pte
 *   x86-pae@2.6-4.18  the old PAE clear: xchg of the low half with 0,
 *                load the high, store high 0; set_pte
 * On SuperH: documented, high-first (ptear's `sh`) and unordered; the two
 * x86 PAE clears are refused.
 *
 * READER adds one piece of ptear's reader at a time (BENCHMARKS.md, "Same
 * loops, other rates"), to see which of them changes how the two threads
 * share the line:
 *   plain      the loop above, no bookkeeping (the default: the reference)
 *   classify   ptear's branches on the value: not present counted, a present
 *              value compared with the last one, retries summed
 *   timed      classify, and one read in 1024 timed between two
 *              `lfence; rdtsc; lfence` (x86 only), as ptear's latency sampling
 *   publish    classify, and the counts published through a seqlock every
 *              64 chunks, as ptear's mailbox
 *   branchless the same exact check without a branch on the value: not
 *              present counted with arithmetic, and every present value
 *              tested with arithmetic for being an entry this writer
 *              installs (high == low >> 1, bit 31 aside); a branch only
 *              for a value that fails, which the documented writer never
 *              publishes. Shows whether the branches or the work on the
 *              loaded values cost the reads.
 * Each is its own copy of the loop (reader_loop, inlined with the variant a
 * constant), so `plain` is the same code as without the argument.
 *
 * prints one line: reads_per_s=... writer_cycles_per_s=... reads=...
 * cycles=... elapsed_s=... fold=... not_present_share=... (0 with `plain`,
 * which does not look)
 *
 * Build: gcc -O2 -pthread (x86-64); i686-linux-gnu-gcc -O2 -static -pthread;
 * sh4: benches/c_loop_sh4.sh, which uses c/build.sh's sh4 compiler and flags:
 * sh4-linux-gnu-gcc -std=c11 -O2 -Wall -Wextra -Werror -static -pthread
 * (gcc's default -m4, as the port: the assembler takes synco) -B$R/lib
 * -L$R/lib -isystem $R/include, R = target/sh4-sysroot/usr/sh4-linux-gnu,
 * plus c/build.sh's -fplugin when the compiler has the sh_treg_combine bug
 * (c/README.md): the stop flag's test is a zero test of a loaded value. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define CHUNK 64u /* operations between two looks at the stop flag */

#define barrier() __asm__ __volatile__("" ::: "memory")
#if defined(__sh__)
/* SH-4A: the kernel's __rmb()/__wmb() (and the smp_ ones) are synco */
#define smp_rmb() __asm__ __volatile__("synco" ::: "memory")
#define smp_wmb() __asm__ __volatile__("synco" ::: "memory")
#else
#define smp_rmb() barrier() /* x86: TSO, compiler barrier only */
#define smp_wmb() barrier()
#endif

struct pair {
    uint32_t low, high;
} __attribute__((aligned(8)));

/* Its own cache line: read by both threads, written once by main. */
static uint32_t stop_flag __attribute__((aligned(64)));

enum mode { DOCUMENTED, HIGH_FIRST, UNORDERED, XCHG64, XCHG_LOW };

struct job {
    volatile struct pair *p;
    enum mode mode;
    int variant; /* the reader's: enum reader_variant */
    int cpu;
    uint64_t count;       /* reads or cycles, written once at the end */
    uint64_t not_present; /* the reader's, but for `plain` */
    uint32_t fold;
} __attribute__((aligned(64)));

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
        fprintf(stderr, "c_loop: cannot pin to CPU %d\n", cpu);
        exit(1);
    }
}

static int stopped(void)
{
    return __atomic_load_n(&stop_flag, __ATOMIC_RELAXED) != 0;
}

/* The 64-bit exchange with 0 of ptep_get_and_clear (x86 PAE). */
static inline void xchg64_zero(volatile struct pair *p)
{
#if defined(__x86_64__)
    uint64_t v = 0;
    __asm__ __volatile__("xchgq %0, %1" : "+r"(v), "+m"(*(volatile uint64_t *)p) : : "memory");
#elif defined(__i386__)
    uint32_t lo = p->low, hi = p->high; /* the first guess, as pxx_xchg64 */
    __asm__ __volatile__("1: lock cmpxchg8b %0\n\tjnz 1b"
                         : "+m"(*(volatile uint64_t *)p), "+a"(lo), "+d"(hi)
                         : "b"(0), "c"(0)
                         : "memory", "cc");
#else
    (void)p; /* no 64-bit exchange (SuperH): main refuses x86-pae */
    abort();
#endif
}

/* One clear and install of `mode`, the next entry's halves given. */
static inline void cycle(volatile struct pair *p, enum mode mode, uint32_t high, uint32_t low)
{
    switch (mode) {
    case HIGH_FIRST: /* mips/sh pte_clear: high first */
        p->high = 0;
        smp_wmb();
        p->low = 0;
        break;
    case XCHG64:
        xchg64_zero(p);
        break;
    case XCHG_LOW: /* 2.6-4.18: xchg(&pte_low, 0); high = pte_high; pte_high = 0 */
        __atomic_exchange_n(&p->low, 0, __ATOMIC_SEQ_CST);
        (void)p->high;
        p->high = 0;
        break;
    default: /* pte_clear, the documented order */
        p->low = 0;
        smp_wmb();
        p->high = 0;
    }
    if (mode == UNORDERED) {
        p->low = low;
        p->high = high;
    } else { /* set_pte: high, smp_wmb, low (PRESENT last) */
        p->high = high;
        smp_wmb();
        p->low = low;
    }
}

/* The writer's loop for one mode. Inlined into writer() once per mode with
 * `mode` a constant, so each loop holds only its own stores: with the
 * mode tested inside one shared loop, i686 gcc -O2 ran out of registers
 * (the x86-pae case's cmpxchg8b takes four) and kept the next low half
 * on the stack, a store and a reload every cycle of every mode, and the
 * documented writer ran at half the cycles/s of x86-64's. */
static inline __attribute__((always_inline)) uint64_t writer_loop(volatile struct pair *p, enum mode mode)
{
    uint32_t k = 1;
    uint64_t cycles = 0;
    while (!stopped()) {
        for (unsigned n = 0; n < CHUNK; n++) {
            k++;
            cycle(p, mode, k, (k << 1) | 1);
        }
        cycles += CHUNK;
    }
    return cycles;
}

static void *writer(void *arg)
{
    struct job *j = arg;
    volatile struct pair *p = j->p;
    pin(j->cpu);
    switch (j->mode) {
    case HIGH_FIRST:
        j->count = writer_loop(p, HIGH_FIRST);
        break;
    case UNORDERED:
        j->count = writer_loop(p, UNORDERED);
        break;
    case XCHG64:
        j->count = writer_loop(p, XCHG64);
        break;
    case XCHG_LOW:
        j->count = writer_loop(p, XCHG_LOW);
        break;
    default:
        j->count = writer_loop(p, DOCUMENTED);
    }
    return NULL;
}

enum reader_variant { PLAIN, CLASSIFY, TIMED, PUBLISH, BRANCHLESS };

/* Where `publish` puts its counts (read by nobody: the stores are the point). */
static struct {
    uint32_t seq;
    uint64_t reads, not_present;
} published __attribute__((aligned(64)));

static inline uint32_t rdtsc_fenced(void)
{
#if defined(__i386__) || defined(__x86_64__)
    uint32_t lo, hi;
    __asm__ __volatile__("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
    return lo ^ hi;
#else
    abort(); /* main refuses `timed` off x86 */
#endif
}

static inline __attribute__((always_inline)) void reader_loop(struct job *j, volatile struct pair *p,
                                                              const enum reader_variant v)
{
    uint64_t reads = 0, np = 0, chunks = 0;
    uint32_t fold = 0, last_lo = 0, last_hi = 0, tick = 0;
    while (!stopped()) {
        for (unsigned n = 0; n < CHUNK; n++) {
            uint32_t lo, hi, r = (uint32_t)-1;
            if (v == TIMED && (++tick & 1023) == 0) {
                fold += rdtsc_fenced();
                lo = p->low;
                smp_rmb();
                hi = p->high;
                fold += rdtsc_fenced();
            }
            do { /* ptep_get_lockless */
                r++;
                lo = p->low;
                smp_rmb();
                hi = p->high;
                smp_rmb();
            } while (__builtin_expect(lo != p->low, 0));
            if (v == PLAIN) {
                fold += lo ^ hi;
                continue;
            }
            fold += r;
            if (v == BRANCHLESS) {
                np += ~lo & 1;
                /* lo & 1: present; the xor: not {k, k << 1 | 1} */
                uint32_t bad = lo & (uint32_t)((((lo >> 1) ^ hi) & 0x7fffffffu) != 0);
                if (__builtin_expect(bad, 0)) {
                    last_lo = lo; /* kept live: the fold prints it */
                    last_hi = hi;
                }
                continue;
            }
            if (!(lo & 1)) {
                np++;
            } else if (lo != last_lo || hi != last_hi) {
                last_lo = lo;
                last_hi = hi;
            }
        }
        reads += CHUNK;
        if (v == PUBLISH && (++chunks & 63) == 0) {
            __atomic_store_n(&published.seq, published.seq + 1, __ATOMIC_RELAXED);
            __atomic_thread_fence(__ATOMIC_RELEASE);
            published.reads = reads;
            published.not_present = np;
            __atomic_thread_fence(__ATOMIC_RELEASE);
            __atomic_store_n(&published.seq, published.seq + 1, __ATOMIC_RELAXED);
        }
    }
    j->count = reads;
    j->not_present = np;
    j->fold = fold + last_lo + last_hi;
}

static void *reader(void *arg)
{
    struct job *j = arg;
    volatile struct pair *p = j->p;
    pin(j->cpu);
    switch (j->variant) {
    case CLASSIFY:
        reader_loop(j, p, CLASSIFY);
        break;
    case TIMED:
        reader_loop(j, p, TIMED);
        break;
    case PUBLISH:
        reader_loop(j, p, PUBLISH);
        break;
    case BRANCHLESS:
        reader_loop(j, p, BRANCHLESS);
        break;
    default:
        reader_loop(j, p, PLAIN);
    }
    return NULL;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 6) {
        fprintf(stderr, "usage: c_loop SECONDS CPU_A CPU_B [WRITER [READER]]\n");
        return 2;
    }
    static const char *const modes[] = { "documented", "high-first", "unordered", "x86-pae",
                                         "x86-pae@2.6-4.18" };
    enum mode mode = DOCUMENTED;
    static const char *const variants[] = { "plain", "classify", "timed", "publish", "branchless" };
    int variant = PLAIN;
    if (argc == 6) {
        unsigned v = 0;
        while (v < sizeof variants / sizeof *variants && strcmp(argv[5], variants[v]) != 0)
            v++;
        if (v == sizeof variants / sizeof *variants) {
            fprintf(stderr, "c_loop: no reader %s (plain, classify, timed, publish, branchless)\n", argv[5]);
            return 2;
        }
        variant = (int)v;
    }
#if !defined(__i386__) && !defined(__x86_64__)
    if (variant == TIMED) {
        fprintf(stderr, "c_loop: reader timed uses rdtsc: x86 only\n");
        return 2;
    }
#endif
    if (argc >= 5) {
        unsigned m = 0;
        while (m < sizeof modes / sizeof *modes && strcmp(argv[4], modes[m]) != 0)
            m++;
        if (m == sizeof modes / sizeof *modes) {
            fprintf(stderr, "c_loop: no writer %s\n", argv[4]);
            return 2;
        }
        mode = (enum mode)m;
    }
#if defined(__sh__)
    if (mode == XCHG64 || mode == XCHG_LOW) {
        fprintf(stderr,
                "c_loop: writer %s is an x86 PAE clear, which no SuperH kernel has; on SuperH: documented, "
                "high-first, unordered\n",
                argv[4]);
        return 2;
    }
#endif
    double secs = atof(argv[1]);
    if (!(secs > 0)) {
        fprintf(stderr, "c_loop: bad duration %s\n", argv[1]);
        return 2;
    }
    void *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        perror("c_loop: mmap");
        return 1;
    }
    volatile struct pair *p = mem; /* page aligned, so 8-byte aligned */
    p->high = 1;                   /* installed state 1, as the engine starts */
    p->low = 3;

    static struct job w, r;
    w.p = r.p = p;
    w.mode = mode;
    r.variant = variant;
    w.cpu = atoi(argv[2]);
    r.cpu = atoi(argv[3]);
    pthread_t tw, tr;
    double t0 = now(); /* as the engine: the clock starts before the threads */
    if (pthread_create(&tw, NULL, writer, &w) != 0 || pthread_create(&tr, NULL, reader, &r) != 0) {
        fprintf(stderr, "c_loop: cannot start threads\n");
        return 1;
    }
    struct timespec d = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };
    while (nanosleep(&d, &d) != 0) {
    }
    __atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
    double elapsed = now() - t0; /* as the engine: measured at the stop */
    pthread_join(tw, NULL);
    pthread_join(tr, NULL);
    printf("reads_per_s=%.0f writer_cycles_per_s=%.0f reads=%llu cycles=%llu elapsed_s=%.6f fold=%u "
           "not_present_share=%.3f\n",
           (double)r.count / elapsed, (double)w.count / elapsed, (unsigned long long)r.count,
           (unsigned long long)w.count, elapsed, (unsigned)r.fold,
           r.count ? (double)r.not_present / (double)r.count : 0.0);
    return 0;
}

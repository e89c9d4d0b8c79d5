/* run_ctx.h - what the hammer threads (hammer_*.c) and the collection of
 * results (collect.c) both work on: the state every thread of a run shares,
 * a reader's counters and each thread's context. engine.c fills these in
 * and drives both; neither includes engine.c's own state or functions. */
#ifndef PTEAR_RUN_CTX_H
#define PTEAR_RUN_CTX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "barrier.h"
#include "config.h"
#include "gap.h"
#include "latclock.h"
#include "pte.h"
#include "samples.h"

#define CACHELINE 64

/* What every thread of one run reads: set before the threads are let go
 * (t0 too: under the start gate's mutex), read-only afterwards, except
 * `stop`, which the main thread (or the last reader to meet its --reads
 * quota) sets once. */
struct run_shared {
    struct pte_pair *pairs;
    uint32_t *side;                 /* gup-fast, kvm-count: one u32 per pair, its own mapping; else NULL */
    struct pte_enc enc;
    const struct config *cfg;
    struct barrier_choice bar;      /* --barrier, resolved once */
    double t0;                      /* CLOCK_MONOTONIC when the gate opened */
    int64_t t0_ns;                  /* the same, in ns (samples' times: see run_ns) */
    struct pte_ptl *ptl;            /* --writers-per-entry > 1: one lock per pair, its own mapping; else NULL */
    struct lat_clock lat;           /* the read-latency clock; lat.every 0: no read is timed */
    uint32_t stop __attribute__((aligned(CACHELINE)));
    char pad_[CACHELINE];
};

/* A retry count >= PTEAR_EXACT_RETRIES and how many reads had it. */
struct rare_retry {
    uint32_t retries;
    uint32_t pad_;
    uint64_t count;
};

/* A reader's counters. The hot loop keeps reads/not_present/retries (and
 * gup-fast's fallbacks) in registers and touches retried[] only for a read
 * that retried; a wrong value is counted (class, consequences, family, the
 * time of the first) on a cold path, straight into these; torn = mixed +
 * transient. A count
 * >= 256 goes to rare[] on a cold path (no allocation: the table is part of
 * this struct, allocated before the run). A count new when rare[] is full is
 * an overflow: counted in pow2[floor(log2 r)] and in inexact. Published
 * through the seqlock up to rare[n_rare] (seqlock.h). */
struct reader_stats {
    uint64_t reads, torn, not_present, retries;     /* reads, torn first: collect_progress() */
    uint64_t mixed, transient;      /* the accepted wrong values by class */
    uint64_t cons[CONS_N];          /* ... by consequence (layout.h bit order) */
    uint64_t fallback_recheck;      /* gup-fast: the re-check differed */
    uint64_t caught;                /* gup-fast: ... and the first value was wrong */
    uint64_t inexact;               /* reads counted in pow2[], not exactly */
    uint32_t max_retries;           /* the largest count >= 256 seen (exact) */
    uint32_t n_rare, pad_[2];       /* (retried[] where it was: the loops' code unchanged) */
    uint64_t retried[PTEAR_EXACT_RETRIES];  /* [r]: reads with exactly r retries, 1 <= r < 256 */
    uint64_t pow2[32];              /* overflow reads by the largest power of two <= r */
    uint64_t families[SFAM_N];      /* the wrong values by family (samples.h order) */
    uint64_t first_torn_ns;         /* with torn > 0: when the first was read, since t0 */
    struct rare_retry rare[PTEAR_RARE_SLOTS];   /* ascending retries */
};

/* bytes of a reader_stats that hold data: the fixed part and rare[0..n) */
#define READER_STATS_FIXED offsetof(struct reader_stats, rare)
static inline size_t reader_stats_used(uint32_t n_rare)
{
    return READER_STATS_FIXED + (size_t)n_rare * sizeof(struct rare_retry);
}

/* What a reader publishes of its kept wrong values (samples.h): the
 * header, then s[0..n). Through a seqlock of its own (seq_publish2): a slot
 * can be replaced, so the main thread copies them, as the counters. */
struct sample_pub {
    uint32_t n, pad_;
    struct sample_raw s[SAMPLES_MAX];
};
#define SAMPLE_PUB_HEAD offsetof(struct sample_pub, s)

struct reader_ctx {
    /* set up before the thread starts, read-only afterwards */
    struct run_shared *sh;
    uint32_t index;
    int cpu;
    const uint32_t *order;
    uint32_t norder, start;
    uint64_t quota;                 /* --reads share; UINT64_MAX without --reads */
    uint32_t publish_step;
    uint32_t *lat_words;            /* the read-latency histogram: LAT_COUNTS_LEN counts as (low, high) u32 pairs */
    uint32_t gap_table[GAP_TABLE_SIZE];
    /* the thread's own */
    struct reader_stats live;
    struct sample_keeper keep;      /* the kept wrong values (reader_wrong, cold) */
    uint64_t samples_torn;          /* torn when keep.s was last published */
    int pinned;
    int pin_errno;                  /* non-zero: the kernel refused the pin */
    double t_end;
    uint32_t done;
    uint64_t lat_next;              /* the reader's reads when it times its next read (hammer_reader.c) */
    struct reader_timed_counts {    /* what its timed reads counted (the loop's registers have the rest) */
        uint64_t np, retries, recheck, caught;
    } timed;
    uint32_t lat_pos;               /* the timed reads' place in order[] */
    uint32_t lat_gap_pos;           /* ... and in gap_table */
    uint32_t lat_seq;               /* odd while a count of lat_words carries into its high half */
    uint32_t lat_top;               /* one past the highest index of lat_words used */
    /* shared with the main thread */
    uint32_t seq __attribute__((aligned(CACHELINE)));
    uint32_t pub[sizeof(struct reader_stats) / 4] __attribute__((aligned(CACHELINE)));
    uint32_t sseq __attribute__((aligned(CACHELINE)));     /* the kept values: sseq/spub */
    uint32_t spub[sizeof(struct sample_pub) / 4] __attribute__((aligned(CACHELINE)));
} __attribute__((aligned(CACHELINE)));

/* What a writer thread publishes: the entries it cleared and installed
 * (with one writer per entry both are its clear + install cycles). */
struct writer_counts {
    uint64_t clears, installs;
};

struct writer_ctx {
    struct run_shared *sh;
    uint32_t group;                 /* index / writers_per_entry: it writes pairs group, group + writers, ... */
    int cpu;
    uint32_t publish_step;
    uint32_t gap_table[GAP_TABLE_SIZE];
    int pinned;
    int pin_errno;                  /* non-zero: the kernel refused the pin */
    uint32_t index;                 /* writer thread index (placement order) */
    uint32_t seq __attribute__((aligned(CACHELINE)));
    uint32_t pub[sizeof(struct writer_counts) / 4] __attribute__((aligned(CACHELINE)));
} __attribute__((aligned(CACHELINE)));

/* CLOCK_MONOTONIC in ns, in integers: sh4's double to 64-bit integer
 * conversion (libgcc's __fixdfdi/__fixunsdfdi, as run under qemu-sh4)
 * returned multiples of 2^32 (0.123456e9 gave 4294967296), so no time
 * that must be exact goes through a double. */
static inline int64_t mono_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif

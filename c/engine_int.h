/* engine_int.h - what engine.c (set-up, main loop), hammer.c (the
 * reader and writer threads) and collect.c (results) share: the per-thread
 * state and the engine. Not used outside the engine. */
#ifndef PTEAR_ENGINE_INT_H
#define PTEAR_ENGINE_INT_H

#include <pthread.h>
#include <stdint.h>

#include "engine.h"
#include "gap.h"
#include "pte.h"
#include "report.h"

#define HIST_EXACT          256u    /* retries 0..255 counted in a plain array */
#define HIST_OVER           64u     /* distinct larger retry counts kept exactly */
#define STOP_CHECK_READS    32u     /* reads between two looks at the stop flag */
#define STOP_CHECK_CYCLES   16u
#define PUBLISH_READS       4096u
#define PUBLISH_CYCLES      1024u
#define OWN_ORDER_MAX       65536u  /* pairs up to which each reader gets its own order */
#define THREAD_STACK        (128u * 1024u)
#define CACHELINE           64

struct hist_over {
    uint32_t retries;
    uint32_t pad;
    uint64_t count;
};

/* A reader's counters; published whole through the seqlock. */
struct reader_stats {
    uint64_t reads, torn, not_present, retries;
    uint64_t hist[HIST_EXACT];
    struct hist_over over[HIST_OVER];
    uint64_t pow2[32];              /* retries past a full over[]: by floor(log2) */
    uint32_t n_over, n_samples;
};

struct torn_raw {
    uint32_t pair, low, high, retries;
    double t_s;
};

struct engine;

struct reader_ctx {
    /* set up before the thread starts, read-only afterwards */
    struct engine *eng;
    uint32_t index;
    int cpu;
    const uint32_t *order;
    uint32_t norder, start;
    uint64_t quota;
    uint32_t publish_step;
    uint32_t gap_table[GAP_TABLE_SIZE];
    /* the thread's own */
    struct reader_stats live;
    struct torn_raw samples[TORN_SAMPLES_MAX];  /* immutable once counted in n_samples */
    int pinned;
    int pin_errno;                  /* non-zero: the kernel refused the pin */
    double t_end;
    uint32_t done;
    /* shared with the main thread */
    uint32_t seq __attribute__((aligned(CACHELINE)));
    uint32_t pub[sizeof(struct reader_stats) / 4] __attribute__((aligned(CACHELINE)));
} __attribute__((aligned(CACHELINE)));

struct writer_ctx {
    struct engine *eng;
    uint32_t index;
    int cpu;
    uint32_t publish_step;
    uint32_t gap_table[GAP_TABLE_SIZE];
    int pinned;
    int pin_errno;                  /* non-zero: the kernel refused the pin */
    uint32_t seq __attribute__((aligned(CACHELINE)));
    uint32_t pub[2] __attribute__((aligned(CACHELINE)));
} __attribute__((aligned(CACHELINE)));

struct engine {
    const struct config *cfg;
    struct barrier_choice bar;
    struct pte_enc enc;
    struct pte_pair *pairs;
    size_t map_len;
    uint32_t stop __attribute__((aligned(CACHELINE)));
    char pad_[CACHELINE];
    pthread_mutex_t gate_mu;
    pthread_cond_t gate_cv;
    int gate;                       /* 0 wait, 1 go, -1 abort */
    uint32_t arrived;               /* threads waiting at the gate */
    double t0;
    struct reader_ctx **rd;
    struct writer_ctx **wr;
    uint32_t *shared_order;
    uint32_t **own_orders;
};

/* engine.c */
int pin_self(int cpu, int *pin_errno);
int gate_wait(struct engine *e);
int all_readers_done(struct engine *e);
/* hammer.c: thread entry points, argument a reader_ctx / writer_ctx */
void *reader_main(void *arg);
void *writer_main(void *arg);
/* collect.c: fill res from what the threads published; final: after join */
int engine_collect(struct engine *e, const struct host_info *host, struct results *res, int final,
                   int interrupted);

#endif

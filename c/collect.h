/* collect.h - turning what the hammer threads published into a struct
 * results (a report), during the run (checkpoints, the progress line) and
 * after it. engine.c calls these with its threads' contexts. */
#ifndef PTEAR_COLLECT_H
#define PTEAR_COLLECT_H

#include <stdint.h>

#include "hostinfo.h"
#include "report.h"
#include "run_ctx.h"

struct collect_src {
    const struct run_shared *sh;
    const struct host_info *host;
    struct reader_ctx *const *rd;   /* cfg->readers of them */
    struct writer_ctx *const *wr;   /* config_writer_threads(cfg) of them */
};

/* Fill res from the last publications. final: after every thread was
 * joined (elapsed ends at the last reader's end), else a checkpoint.
 * 0, or -1 when memory ran out (res is then empty). */
int collect_results(const struct collect_src *src, struct results *res, int final, int interrupted);

/* Reads and torn reads so far, over all readers (the progress line). */
void collect_progress(const struct collect_src *src, uint64_t *reads, uint64_t *torn);

/* The counts a run's until hook looks at (engine.h struct engine_until),
 * summed over the readers. */
struct collect_totals {
    uint64_t reads, torn, mixed, transient, caught;
};

/* The readers' counts so far, as collect_progress() does it: only the
 * front of each reader's published counters, on the stack; no allocation. */
void collect_totals(const struct collect_src *src, struct collect_totals *t);

#endif

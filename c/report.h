/* report.h - the outcome of a run, and its text and JSON (ptear/1) forms. */
#ifndef PTEAR_REPORT_H
#define PTEAR_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include "barrier.h"
#include "config.h"
#include "hostinfo.h"
#include "json.h"
#include "latclock.h"
#include "latency.h"
#include "layout.h"
#include "samples.h"

#define TORN_SAMPLES_MAX PTEAR_MAX_SAMPLES

struct torn_sample {
    uint32_t reader, pair, low, high, retries;
    int nvalid;                     /* 0 or 1 (docs/layouts.md, valid_high) */
    uint32_t valid_high[1];
    enum pte_class cls;             /* PTE_MIXED or PTE_TRANSIENT */
    uint32_t cons;                  /* consequence bits (layout.h) */
    struct pte_decoded dec;
    enum sample_family family;
    enum sample_chosen chosen;      /* how its reader kept it */
    double t_s;
};

struct reader_result {
    uint64_t reads, torn, mixed, transient;
    double reads_per_s;
};

/* One writer thread (index: its place in writers[], as in placement). */
struct writer_result {
    uint32_t group;                 /* index / writers_per_entry */
    uint64_t clears, installs;
};

struct hist_entry {
    uint32_t retries;
    uint64_t count;
};

struct thread_place {
    int is_writer;
    uint32_t index;
    int cpu;                        /* -1: none asked for */
    int pinned;
};

struct results {
    const struct config *cfg;
    const struct host_info *host;
    struct barrier_choice bar;
    int complete, interrupted;
    double elapsed_s;
    uint64_t reads, torn, not_present, retries, writer_cycles;    /* writer_cycles: the writers' installs */
    uint64_t mixed, transient;      /* torn = mixed + transient */
    uint64_t cons[CONS_N];          /* accepted wrong values showing each consequence */
    uint64_t families[SFAM_N];      /* ... by family (samples.h) */
    uint64_t fallback_recheck, caught;  /* gup-fast only (cfg->reader) */
    uint64_t inexact_retry_reads;   /* reads put in the histogram at a power of two */
    int has_first_torn;
    double first_torn_s;
    uint32_t nreaders;
    struct reader_result *readers;
    uint32_t nwriters;              /* writer threads: writers x writers_per_entry */
    struct writer_result *writers;
    size_t nhist;
    struct hist_entry *hist;        /* ascending retries, no zero counts */
    uint32_t p50, p99, pmax;        /* pmax: the exact largest retry count */
    enum lat_clock_kind lat_clock;  /* read_latency: the clock, */
    uint32_t lat_every;             /* ... one read in this many timed, */
    struct lat_summary lat;         /* ... the readers' histograms added up */
    int nsamples;                   /* samples by kind (samples.h), by (t_s, reader) */
    struct torn_sample samples[TORN_SAMPLES_MAX];
    int placement_requested, placement_granted;
    uint32_t nthreads;
    struct thread_place *threads;   /* writers first */
};

void results_free(struct results *r);
const char *results_verdict(const struct results *r);

/* The "tool" object (name, version, implementation) of every document. */
void report_json_tool(struct json *j);
/* The ptear/1 object, into an emitter; key NULL at the top level or in an
 * array, "report" when selftest nests it. */
void report_json(struct json *j, const char *key, const struct results *r);
/* The whole document as a string (malloc'd). */
char *report_json_string(const struct results *r);
void report_text(FILE *f, const struct results *r);

#endif

/* config.h - the options of one ptear run, the limits that bound them and
 * the names shared by the command line, the reports and `ptear list`
 * (generated.h: made from the Rust definitions). */
#ifndef PTEAR_CONFIG_H
#define PTEAR_CONFIG_H

#include <stdint.h>
#include "generated.h"
#include "layout.h"

#define PTEAR_NAME          "ptear"
/* PTEAR_VERSION comes from Cargo.toml's [package] version: build.sh passes
 * it with -DPTEAR_VERSION="\"x.y.z\"". */
#ifndef PTEAR_VERSION
#error "PTEAR_VERSION is not defined: build with c/build.sh (it reads Cargo.toml)"
#endif
#define PTEAR_IMPLEMENTATION "c"

/* The limits shared with the Rust tool (PTEAR_MAX_THREADS, _PAIRS, _GAP,
 * _LOW_PERIOD, _DURATION_S, _SAMPLES, PTEAR_KIND_FIRST, _EXACT_RETRIES,
 * _RARE_SLOTS), the kinds (enum reader_kind, writer_kind, barrier_kind,
 * clear_to) and their names are generated.h's (through layout.h). */
#define PTEAR_MAX_CPU_LIST  4096u            /* entries of --cpus once expanded */

enum out_format { FORMAT_TEXT, FORMAT_JSON };
enum expect_kind { EXPECT_NONE, EXPECT_CLEAN, EXPECT_TORN };

struct config {
    enum reader_kind reader;
    enum writer_kind writer;
    enum barrier_kind barrier;
    uint32_t readers, writers, pairs;
    uint32_t writers_per_entry;     /* writer threads per group (--writers: groups); 1: no page-table locks */
    int has_duration;
    double duration_s;
    int has_reads;
    uint64_t reads;
    enum layout_id layout;          /* --layout, or the writer profile's */
    enum clear_to clear_to;         /* --clear-to (default zero) */
    enum pte_level level;           /* --level (default pte): the layout's row is layout_at(layout, level) */
    uint32_t low_period;            /* resolved: --low-period or the row's max_low_period */
    uint32_t writer_gap, reader_gap;
    uint64_t seed;
    int has_cpus;
    uint32_t ncpus;                 /* length of cpus[] (expanded, in order) */
    int *cpus;
    int has_checkpoint;
    double checkpoint_s;
    const char *json_path;          /* NULL if not set */
    enum out_format format;
    enum expect_kind expect;
    int quiet;
};

/* The writer profiles (docs/layouts.md): the layout each one defaults to
 * (generated.h writer_layout), and whether its own store order puts
 * {L(j), 0} in memory between two stores (mips, sh: the high-first clear;
 * unordered: the low-first install), which makes such a value `transient`
 * rather than `mixed` (writer_half_cleared_by). */
static inline enum layout_id writer_default_layout(enum writer_kind w)
{
    return writer_layout[w];
}

/* Writer threads in all: group g is threads g*N .. g*N+N-1 (placed first,
 * in that order) and owns pairs g, g + writers, ... */
static inline uint32_t config_writer_threads(const struct config *c)
{
    return c->writers * c->writers_per_entry;
}

static inline int writer_half_cleared(enum writer_kind w)
{
    return writer_half_cleared_by[w] != HALF_CLEARED_NEVER;   /* not x86-pae@2.6-4.18: low first */
}

/* The high half next to an installed low in the half-cleared states of the
 * writer profile (docs/layouts.md, transient_high): 0 for the high-first
 * clear of mips and sh (of E and of PN alike); for unordered, whose
 * install stores the low first, the high of what the install lands on:
 * S's or M's with swap and migration, else 0 (after a clear). Meaningless
 * for the writers without half-cleared states (0). */
static inline uint32_t writer_transient_high(enum writer_kind w, enum clear_to ct, enum layout_id id)
{
    if (writer_half_cleared_by[w] != HALF_CLEARED_LOW_INSTALLED_FIRST)
        return 0;
    return ct == CLEAR_TO_SWAP ? layout_table[id].swap[1] : ct == CLEAR_TO_MIGRATION ? layout_table[id].migration[1] : 0;
}

/* The encoding of a run (layout.h) from its options. */
static inline struct pte_enc config_enc(const struct config *c)
{
    return pte_enc_make_at(c->layout, c->level, c->low_period, writer_half_cleared(c->writer),
                           writer_transient_high(c->writer, c->clear_to, c->layout));
}

#endif

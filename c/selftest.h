/* selftest.h - `ptear selftest`: the control set every implementation runs. */
#ifndef PTEAR_SELFTEST_H
#define PTEAR_SELFTEST_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "config.h"

/* One control: src/selftest.rs Control, field for field. */
struct control {
    const char *name;
    enum reader_kind reader;
    enum writer_kind writer;
    enum barrier_kind barrier;
    int layout;             /* an enum layout_id, or -1: the writer's (null in ptear list --json) */
    uint32_t low_period;    /* 0: the layout's max_low_period, null in ptear list --json */
    uint32_t writer_gap, reader_gap;
    int expect_torn;
    int expect_class;       /* PTE_MIXED or PTE_TRANSIENT: that class > 0 and the other 0; 0: none */
    int expect_caught;      /* gup-fast: totals.gup_fast.caught > 0 */
    int needs_two_cpus;     /* see src/selftest.rs, Control::needs_two_cpus */
    int needs_atomic64;     /* one of ATOMIC64_CONTROLS: only where the arch has one */
    enum clear_to clear_to; /* --clear-to */
    enum pte_level level;   /* --level */
};

/* This build's full control list (CONTROLS, then ATOMIC64_CONTROLS on x86),
 * in order; control i runs with seed + i. */
const struct control *selftest_controls(size_t *n);

/* exit status: 0 if every control behaved, 1 if not, 2/3 as for run */
int cmd_selftest(const struct cli *c);

#endif

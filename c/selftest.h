/* selftest.h - `ptear selftest`: the control set every implementation runs. */
#ifndef PTEAR_SELFTEST_H
#define PTEAR_SELFTEST_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "config.h"

/* struct control (src/selftest.rs Control, field for field) and the
 * table's rows are generated.h's, through config.h. */

/* This build's full control list (CONTROLS, then ATOMIC64_CONTROLS on x86),
 * in order; control i runs with seed + i. */
const struct control *selftest_controls(size_t *n);

/* exit status: 0 if every control behaved, 1 if not, 2/3 as for run */
int cmd_selftest(const struct cli *c);

#endif

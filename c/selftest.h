/* selftest.h - `ptear selftest`: the control set every implementation runs. */
#ifndef PTEAR_SELFTEST_H
#define PTEAR_SELFTEST_H

#include "cli.h"

/* exit status: 0 if every control behaved, 1 if not, 2/3 as for run */
int cmd_selftest(const struct cli *c);

#endif

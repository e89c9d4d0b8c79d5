/* cli.h - the command line: `ptear [run] [options]`, `ptear selftest
 * [-d D] [--json PATH] [--quiet] [--seed N] [--format text|ktap]`, `ptear list [--json]`,
 * `--help`, `--version`. */
#ifndef PTEAR_CLI_H
#define PTEAR_CLI_H

#include <stddef.h>
#include <stdio.h>
#include "config.h"

enum command { CMD_RUN, CMD_SELFTEST, CMD_LIST, CMD_HELP, CMD_VERSION };

struct cli {
    enum command cmd;
    struct config cfg;              /* run: complete and validated */
    uint64_t pairs_arg;             /* run: --pairs as given (cfg.pairs is a u32) */
    const char *json_path;          /* selftest */
    int quiet;                      /* selftest */
    int selftest_ktap;              /* selftest --format ktap: KTAP on stdout, no text */
    uint64_t seed;                  /* selftest: given or random */
    double selftest_duration_s;     /* selftest -d: each control's length (default 2 s) */
    int list_json;                  /* list --json */
};

/* 0, or 2 with ONE line (no "ptear: error: " prefix, no newline) in err.
 * Everything that can be checked before a thread starts is checked here,
 * except what --barrier means on this CPU (barrier_resolve). */
int cli_parse(int argc, char **argv, struct cli *out, char *err, size_t errlen);
void cli_usage(FILE *f);
/* a seed from getrandom(GRND_NONBLOCK), else from the clocks and the pid;
 * never blocks */
uint64_t cli_random_seed(void);
/* parse a duration: 500ms, 5s, 2m, 1h or plain seconds. 0, or < 0 (see
 * cli.c) */
int parse_duration(const char *s, double *out);
/* the unit part of a duration (for messages; a static buffer) */
const char *parse_duration_unit(const char *s);

#endif

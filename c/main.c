/* main.c - ptear, C port: dispatch the command, run, report, exit status.
 * 0 clean, 1 torn (or --expect not met), 2 usage error, 3 runtime failure. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "barrier.h"
#include "cli.h"
#include "engine.h"
#include "hostinfo.h"
#include "json.h"
#include "list.h"
#include "report.h"
#include "selftest.h"

/* What the compiler built for, from its predefined macros (build.sh passes
 * no -march: each cross compiler's default). */
#if defined(__x86_64__)
#if defined(__AVX512F__)
#define TARGET_CPU "x86-64-v4"
#elif defined(__AVX2__)
#define TARGET_CPU "x86-64-v3"
#elif defined(__SSE4_2__)
#define TARGET_CPU "x86-64-v2"
#else
#define TARGET_CPU "x86-64"
#endif
#elif defined(__i386__)
#if defined(__i686__)
#define TARGET_CPU "i686"             /* i686-linux-gnu-gcc's default -march */
#elif defined(__i586__)
#define TARGET_CPU "i586"
#elif defined(__i486__)
#define TARGET_CPU "i486"
#else
#define TARGET_CPU "i386"
#endif
#elif defined(__mips__)
#if defined(_MIPS_ARCH)
#define TARGET_CPU _MIPS_ARCH          /* "mips32r2": gcc's -march as a string */
#else
#define TARGET_CPU "mips"
#endif
#elif defined(__sh__)
#if defined(__SH4A__)
#define TARGET_CPU "sh4a"
#elif defined(__SH4__)
#define TARGET_CPU "sh4"
#else
#define TARGET_CPU "sh"
#endif
#endif

static int cmd_run(const struct config *cfg)
{
    struct barrier_choice bar;
    struct host_info host;
    struct results res;
    char err[512];
    int rc, torn;

    if (barrier_resolve(cfg->barrier, &bar, err, sizeof err) != 0) {
        fprintf(stderr, "ptear: error: %s\n", err);
        return 2;
    }
    host_info_get(&host);
    signals_install();
    rc = engine_run(cfg, &bar, &host, &res, err, sizeof err);
    if (rc) {
        /* the same words as the Rust ptear: exit 2 is the user's, 3 the machine's */
        fprintf(stderr, "ptear: %s: %s\n", rc == 3 ? "runtime failure" : "error", err);
        return rc;
    }
    if (cfg->format == FORMAT_JSON || cfg->json_path) {
        char *text = report_json_string(&res);
        if (!text) {
            fprintf(stderr, "ptear: runtime failure: out of memory building the JSON report\n");
            results_free(&res);
            return 3;
        }
        if (cfg->format == FORMAT_JSON)
            fputs(text, stdout);
        if (cfg->json_path && write_file_atomic(cfg->json_path, text, err, sizeof err) != 0) {
            if (cfg->format != FORMAT_JSON)
                report_text(stdout, &res);
            fprintf(stderr, "ptear: runtime failure: JSON report not written: %s\n", err);
            free(text);
            results_free(&res);
            return 3;
        }
        free(text);
    }
    if (cfg->format == FORMAT_TEXT)
        report_text(stdout, &res);
    fflush(stdout);
    torn = res.torn > 0;
    results_free(&res);
    if (cfg->expect == EXPECT_CLEAN)
        return torn ? 1 : 0;
    if (cfg->expect == EXPECT_TORN)
        return torn ? 0 : 1;
    return torn ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct cli c;
    char err[512];
    int rc;

    setvbuf(stderr, NULL, _IONBF, 0);
    /* A reader that closes stdout early (`ptear run | head -3`) must not
     * end the run: with SIGPIPE ignored a write there fails with EPIPE,
     * which stdio keeps to itself, and the command goes on to write its
     * --json file and exit with its outcome, as the Rust ptear does
     * (src/cli/stdout.rs). */
    signal(SIGPIPE, SIG_IGN);
    (void)cpu_has_synco();          /* SuperH: decide before any thread exists */
    if (cli_parse(argc, argv, &c, err, sizeof err) != 0) {
        fprintf(stderr, "ptear: error: %s\n", err);
        return 2;
    }
    switch (c.cmd) {
    case CMD_HELP:
        cli_usage(stdout);
        return 0;
    case CMD_VERSION:
        printf("ptear %s (c; %s; target-cpu %s)\n", PTEAR_VERSION, ARCH_NAME, TARGET_CPU);
        return 0;
    case CMD_LIST:
        return cmd_list(c.list_json);
    case CMD_SELFTEST:
        return cmd_selftest(&c);
    case CMD_RUN:
        break;
    }
    rc = cmd_run(&c.cfg);
    free(c.cfg.cpus);
    return rc;
}

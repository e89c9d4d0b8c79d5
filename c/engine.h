/* engine.h - one run: the shared mapping, the hammer threads, stopping,
 * progress and checkpoints. */
#ifndef PTEAR_ENGINE_H
#define PTEAR_ENGINE_H

#include <stddef.h>
#include "barrier.h"
#include "config.h"
#include "hostinfo.h"
#include "report.h"

struct collect_totals;      /* collect.h */

/* A rule that may end a run before its duration: the selftest's, which
 * ends a control that must tear once it has shown its outcome
 * (src/selftest.rs UntilShown, Control::shown). The main thread asks it
 * about every 50 ms, as the Rust monitor's tick does: not at every nap,
 * since each look copies the readers' counters from the cache lines they
 * publish to. */
struct engine_until {
    /* 1: end the run now, as its duration would (not interrupted). t: the
     * readers' counts so far; elapsed_s: time since the threads started. */
    int (*done)(const struct collect_totals *t, double elapsed_s, void *arg);
    void *arg;
    int ended;                      /* out: done() ended the run */
};

/* Run cfg (already validated) and fill res. Returns 0, or 3 (runtime
 * failure: mmap refused, pthread_create failed, ...) with the cause in err.
 * res->interrupted is set if SIGINT/SIGTERM stopped the run. */
int engine_run(const struct config *cfg, const struct barrier_choice *bar, const struct host_info *host,
               struct results *res, char *err, size_t errlen);

/* engine_run, also ended by `until` (NULL: none; `run` has none). */
int engine_run_until(const struct config *cfg, const struct barrier_choice *bar, const struct host_info *host,
                     struct engine_until *until, struct results *res, char *err, size_t errlen);

/* SIGINT/SIGTERM: the first sets a flag that stops the current run (its
 * report is still printed); a second one calls _exit(130). */
void signals_install(void);
int signals_received(void);

#endif

/* engine.h - one run: the shared mapping, the hammer threads, stopping,
 * progress and checkpoints. */
#ifndef PTEAR_ENGINE_H
#define PTEAR_ENGINE_H

#include <stddef.h>
#include "barrier.h"
#include "config.h"
#include "hostinfo.h"
#include "report.h"

/* Run cfg (already validated) and fill res. Returns 0, or 3 (runtime
 * failure: mmap refused, pthread_create failed, ...) with the cause in err.
 * res->interrupted is set if SIGINT/SIGTERM stopped the run. */
int engine_run(const struct config *cfg, const struct barrier_choice *bar, const struct host_info *host,
               struct results *res, char *err, size_t errlen);

/* SIGINT/SIGTERM: the first sets a flag that stops the current run (its
 * report is still printed); a second one calls _exit(130). */
void signals_install(void);
int signals_received(void);

#endif

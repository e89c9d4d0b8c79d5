/* hammer.h - the hot loops of one reader and one writer thread. engine.c
 * starts the threads, pins them, waits at the start gate and then calls
 * these; they return once sh->stop is set (or the reader met its quota),
 * with the final counters published. */
#ifndef PTEAR_HAMMER_H
#define PTEAR_HAMMER_H

#include "run_ctx.h"

void hammer_reader(struct reader_ctx *rc);
void hammer_writer(struct writer_ctx *wc);

#endif

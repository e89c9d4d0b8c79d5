/* gap.h - --reader-gap / --writer-gap: a spin of about N iterations, each
 * use drawn from a table of values N +- 50% filled with the seed before the
 * run, so the hot loop does one table load and no RNG work. */
#ifndef PTEAR_GAP_H
#define PTEAR_GAP_H

#include <stdint.h>
#include "barrier.h"

#define GAP_TABLE_SIZE 1024u        /* a power of two */

struct gap_stream {
    const uint32_t *table;
    uint32_t pos;
};

static PTEAR_ALWAYS_INLINE void gap_spin(struct gap_stream *g)
{
    uint32_t n = g->table[g->pos];
    g->pos = (g->pos + 1) & (GAP_TABLE_SIZE - 1);
    while (n--)
        __asm__ __volatile__("");   /* keeps the empty loop; no memory clobber */
}

/* Fill table[GAP_TABLE_SIZE] with values uniform in [gap - gap/2, gap + gap/2]. */
void gap_table_fill(uint32_t *table, uint32_t gap, uint64_t seed);

#endif

/* gap.c - filling a gap table before the run. */
#include "gap.h"
#include "rng.h"

void gap_table_fill(uint32_t *table, uint32_t gap, uint64_t seed)
{
    uint64_t s = seed;
    uint32_t i, lo = gap - gap / 2, span = 2 * (gap / 2) + 1;
    for (i = 0; i < GAP_TABLE_SIZE; i++)
        table[i] = lo + rng_below(&s, span);
}

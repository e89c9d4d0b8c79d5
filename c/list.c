/* list.c - `ptear list`: every reader, writer and barrier of this build,
 * one line each, as they behave on this CPU. */
#include <stdio.h>

#include "barrier.h"
#include "list.h"

int cmd_list(void)
{
    static const char *const readers[][2] = {
        { "lockless", "ptep_get_lockless(): low, smp_rmb, high, smp_rmb, again until low is unchanged (retries counted)" },
        { "once", "low, smp_rmb, high, no re-check: a known-broken control" },
    };
    static const char *const writers[][2] = {
        { "documented", "set_pte: high, smp_wmb, low; pte_clear: low = 0, smp_wmb, high = 0 (what the reader assumes; x86 PAE)" },
        { "mips", "set_pte as documented; pte_clear = set_pte(0): high = 0 first, then low (arch/mips pgtable.h)" },
        { "sh", "set_pte as documented; pte_clear = set_pte(0): high = 0 first, then low (arch/sh pgtable_32.h)" },
        { "unordered", "install: low, then high, no barrier; clear as documented: a known-broken control" },
    };
    char buf[256];
    size_t i;
    for (i = 0; i < sizeof readers / sizeof readers[0]; i++)
        printf("reader   %-11s %s\n", readers[i][0], readers[i][1]);
    for (i = 0; i < sizeof writers / sizeof writers[0]; i++)
        printf("writer   %-11s %s\n", writers[i][0], writers[i][1]);
    for (i = 0; i <= BARRIER_NONE; i++) {
        const char *d = barrier_describe((enum barrier_kind)i, buf, sizeof buf);
        if (d)
            printf("barrier  %-11s %s\n", barrier_names[i], d);
    }
    return 0;
}

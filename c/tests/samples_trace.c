/* tests/samples_trace.c - samples.c driven by a trace, for the cross-engine
 * test in tests/c_port.rs: the Rust engine's src/engine/samples.rs and
 * this file's output must be the same text for the same trace and seed.
 *
 *   samples_trace SEED READERS < TRACE
 * TRACE: lines "reader key t_ns", one wrong value each (key: sample_key()).
 * Prints each reader's kept values in slot order ("kept R NTH CHOSEN"),
 * then the report's merge ("merged R NTH"). Built by tests/c_port.rs with
 * the host's cc; nothing else uses it. */
#include <stdio.h>
#include <stdlib.h>

#include "../samples.h"

int main(int argc, char **argv)
{
    uint64_t seed, t, *nth;
    uint32_t nr, r, key, i, n = 0, nout, *idx, out[SAMPLES_MAX];
    struct sample_keeper *k;
    struct sample_item *items;
    static struct sample_merge_ws ws;

    if (argc != 3)
        return 2;
    seed = strtoull(argv[1], 0, 10);
    nr = (uint32_t)strtoul(argv[2], 0, 10);
    k = calloc(nr, sizeof *k);
    nth = calloc(nr, sizeof *nth);
    items = calloc((size_t)nr * SAMPLES_MAX, sizeof *items);
    idx = calloc((size_t)nr * SAMPLES_MAX, sizeof *idx);
    if (!k || !nth || !items || !idx)
        return 3;
    for (r = 0; r < nr; r++)
        sample_keeper_init(&k[r], seed, r);
    while (scanf("%u %u %llu", &r, &key, (unsigned long long *)&t) == 3) {
        struct sample_raw v = { 0 };
        if (r >= nr)
            return 2;
        v.key = key;
        v.nth = nth[r]++;
        v.t_ns = t;
        sample_offer(&k[r], &v);
    }
    for (r = 0; r < nr; r++)
        for (i = 0; i < k[r].n; i++) {
            printf("kept %u %llu %s\n", r, (unsigned long long)k[r].s[i].nth,
                   sample_chosen_names[k[r].s[i].chosen]);
            items[n].s = k[r].s[i];
            items[n++].reader = r;
        }
    nout = samples_merge(items, n, seed, &ws, idx, out);
    for (i = 0; i < nout; i++)
        printf("merged %u %llu\n", items[out[i]].reader, (unsigned long long)items[out[i]].s.nth);
    return 0;
}

/* tests/latency.c - feeds values to the read-latency histogram of
 * latency.c and prints what a report would show, so that tests/c_port.rs
 * can compare it with the Rust crate hdrhistogram 7 on the same values.
 *
 * stdin: whitespace-separated u64 values (ns); a `|` starts the next
 * histogram. stdout, one line per histogram and then one for all of them
 * added together (lat_add(), as collect.c merges the readers'):
 *     h0 SAMPLES P50 P90 P99 P999 MAX
 *     ...
 *     merged SAMPLES P50 P90 P99 P999 MAX
 * Built by tests/c_port.rs with the host's cc (only latency.c besides
 * this file); c/build.sh ARCH tests builds it as target/c/latency-ARCH. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../latency.h"

static void print_summary(const char *name, const uint64_t *counts)
{
    struct lat_summary s;
    lat_summarize(counts, &s);
    printf("%s %llu %llu %llu %llu %llu %llu\n", name, (unsigned long long)s.samples, (unsigned long long)s.p50,
           (unsigned long long)s.p90, (unsigned long long)s.p99, (unsigned long long)s.p999,
           (unsigned long long)s.max);
}

int main(void)
{
    uint64_t *cur = calloc(LAT_COUNTS_LEN, sizeof *cur), *all = calloc(LAT_COUNTS_LEN, sizeof *all);
    char tok[64], name[32];
    unsigned n = 0;

    if (!cur || !all) {
        fprintf(stderr, "latency: out of memory\n");
        return 1;
    }
    for (;;) {
        int got = scanf("%63s", tok);
        if (got != 1 || strcmp(tok, "|") == 0) {
            snprintf(name, sizeof name, "h%u", n++);
            print_summary(name, cur);
            lat_add(all, cur);
            memset(cur, 0, LAT_COUNTS_LEN * sizeof *cur);
            if (got != 1)
                break;
        } else {
            char *end;
            unsigned long long v;
            errno = 0;
            v = strtoull(tok, &end, 10);
            if (errno || *end || tok[0] == '-') {
                fprintf(stderr, "latency: not a u64: %s\n", tok);
                return 1;
            }
            lat_record(cur, (uint64_t)v);
        }
    }
    print_summary("merged", all);
    free(cur);
    free(all);
    return 0;
}

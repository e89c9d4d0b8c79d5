/* latency.h - the sampled read-latency histogram of a report
 * ("read_latency", docs/json-schema.md): the bucket layout and the
 * percentile arithmetic of the Rust crate hdrhistogram 7, for
 * Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3) filled with
 * saturating_record(), which is what the Rust engine uses, so that both
 * engines report the same numbers for the same values (tests/c_port.rs
 * feeds both and compares, through c/tests/latency.c).
 *
 * HdrHistogram's log-linear layout with these bounds: unit_magnitude 0
 * (lowest discernible value 1), 3 significant figures need single-unit
 * resolution up to 2 * 10^3, so sub_bucket_count is the next power of two,
 * 2048 (half: 1024, its magnitude 10). Bucket b holds the values
 * [1024 << b, 2048 << b) in 1024 steps of 2^b (bucket 0 also holds 0..1023
 * in steps of 1). buckets_to_cover(60e9): 2048 << 25 > 60e9, so 26 buckets
 * and (26 + 1) * 1024 = 27648 counts; the counts of bucket b > 0 start at
 * (b + 1) * 1024 (the crate's index_for()).
 *
 * Freestanding (<stdint.h>, <string.h>: memcpy only), as samples.c is:
 * tests/c_port.rs compiles c/tests/latency.c with it alone. The clock and
 * the sampling are latclock.h's, the histograms of a run hammer_reader.c's
 * and collect.c's. */
#ifndef PTEAR_LATENCY_H
#define PTEAR_LATENCY_H

#include <stdint.h>

#define LAT_HIGHEST             60000000000ull  /* ns: the highest trackable value, 60 s */
#define LAT_SUB_BUCKET_MAG      11u             /* log2(sub_bucket_count) */
#define LAT_SUB_HALF_MAG        10u             /* log2(sub_bucket_half_count) */
#define LAT_SUB_HALF            1024u           /* sub_bucket_half_count */
#define LAT_BUCKETS             26u             /* bucket_count for LAT_HIGHEST */
#define LAT_COUNTS_LEN          ((LAT_BUCKETS + 1) * LAT_SUB_HALF)      /* 27648 */

/* What a report shows of a histogram: its count and the crate's
 * value_at_quantile(0.5, 0.9, 0.99, 0.999) and max(); all 0 when empty. */
struct lat_summary {
    uint64_t samples, p50, p90, p99, p999, max;
};

/* The count index of value v as saturating_record(v) puts it: the crate's
 * index_for(v), or the index of LAT_HIGHEST when that is past the counts
 * (values up to 2048 << 25 - 1 beyond 60e9 still have a count of their own,
 * as in the crate). */
uint32_t lat_index(uint64_t v);

/* The lowest and the highest value counted at index i (value_for(i) and
 * highest_equivalent(value_for(i))). */
uint64_t lat_lowest_at(uint32_t i);
uint64_t lat_highest_at(uint32_t i);

/* saturating_record(v) into counts[LAT_COUNTS_LEN]. */
void lat_record(uint64_t *counts, uint64_t v);

/* add(): dst[i] += src[i] (same layout on both sides). */
void lat_add(uint64_t *dst, const uint64_t *src);

/* The crate's value_at_quantile(q) of counts[LAT_COUNTS_LEN] holding
 * `total` values. */
uint64_t lat_value_at_quantile(const uint64_t *counts, uint64_t total, double q);

/* samples, the four percentiles and max() of counts[LAT_COUNTS_LEN]. */
void lat_summarize(const uint64_t *counts, struct lat_summary *s);

#endif

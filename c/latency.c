/* latency.c - hdrhistogram 7's layout and percentiles for the read-latency
 * histogram (latency.h has the layout and the crate's names). Every
 * function here follows one of the crate's (src/lib.rs) line by line. */
#include <string.h>

#include "latency.h"

/* floor(log2(v)) for v > 0, from 32-bit counts of leading zeros: on
 * 32-bit targets __builtin_clzll would be a libgcc call, and ptear trusts
 * only the few helpers of bookworm's sh4 libgcc that it checked
 * (c/README.md). */
static uint32_t log2_u64(uint64_t v)
{
    const uint32_t hi = (uint32_t)(v >> 32);
    return hi ? 63u - (uint32_t)__builtin_clz(hi) : 31u - (uint32_t)__builtin_clz((uint32_t)v);
}

/* bucket_for(): leading_zero_count_base (64 - 0 - 11 = 53) minus the
 * leading zeros of v | sub_bucket_mask (2047), i.e. how many powers of two
 * v is above the largest value of bucket 0. */
static uint32_t bucket_for(uint64_t v)
{
    return log2_u64(v | ((1ull << LAT_SUB_BUCKET_MAG) - 1)) - (LAT_SUB_BUCKET_MAG - 1);
}

/* index_for(): bucket b's counts start at (b + 1) << 10; sub_bucket_for()
 * is v >> b, in [1024, 2048) for b > 0 (bucket 0: [0, 2048), using the
 * half below too). */
static uint32_t index_for(uint64_t v)
{
    const uint32_t b = bucket_for(v);
    const uint32_t sub = (uint32_t)(v >> b);
    return ((b + 1) << LAT_SUB_HALF_MAG) + sub - LAT_SUB_HALF;
}

/* record_n_inner() with clamp: a value whose index is past the counts is
 * recorded as highest_trackable_value (no value is below the lowest
 * discernible one, 1: 0 has index 0). */
uint32_t lat_index(uint64_t v)
{
    const uint32_t i = index_for(v);
    return i < LAT_COUNTS_LEN ? i : index_for(LAT_HIGHEST);
}

/* value_for(i): the bucket is i / 1024 - 1 (-1: the lower half of bucket
 * 0), the sub-bucket i % 1024 + 1024 (less 1024 in that lower half). */
static void loc_of(uint32_t i, uint32_t *bucket, uint32_t *sub)
{
    const uint32_t hb = i >> LAT_SUB_HALF_MAG;
    *sub = (i & (LAT_SUB_HALF - 1)) + LAT_SUB_HALF;
    if (hb == 0) {
        *sub -= LAT_SUB_HALF;
        *bucket = 0;
    } else {
        *bucket = hb - 1;
    }
}

uint64_t lat_lowest_at(uint32_t i)
{
    uint32_t b, sub;
    loc_of(i, &b, &sub);
    return (uint64_t)sub << b;             /* value_from_loc() */
}

/* highest_equivalent(): lowest_equivalent + equivalent_range (1 << bucket)
 * - 1; value_for(i) is in bucket b itself (its sub-bucket is >= 1024 for
 * b > 0), so the range is 1 << b. */
uint64_t lat_highest_at(uint32_t i)
{
    uint32_t b, sub;
    loc_of(i, &b, &sub);
    return ((uint64_t)sub << b) + ((1ull << b) - 1);
}

void lat_record(uint64_t *counts, uint64_t v)
{
    counts[lat_index(v)]++;
}

/* add() of two histograms of the same layout: the counts summed index by
 * index (the crate saturates; 2^64 samples are out of reach). */
void lat_add(uint64_t *dst, const uint64_t *src)
{
    uint32_t i;
    for (i = 0; i < LAT_COUNTS_LEN; i++)
        dst[i] += src[i];
}

/* Rust's `x.ceil() as u64` (saturating: NaN and x <= 0 give 0), from the
 * bits of the double: no libm, and no double to 64-bit integer conversion,
 * which is a libgcc call on 32-bit targets and wrong in bookworm's sh4
 * libgcc (__fixunsdfdi, c/README.md). */
static uint64_t ceil_u64(double x)
{
    uint64_t bits, mant;
    int e;
    memcpy(&bits, &x, sizeof bits);
    e = (int)((bits >> 52) & 0x7ff);
    if ((bits >> 63) || (bits << 1) == 0)
        return 0;                           /* negative, -0 or 0 (also NaN with the sign bit) */
    if (e == 0x7ff)
        return (bits & ((1ull << 52) - 1)) ? 0 : UINT64_MAX;   /* NaN, inf */
    if (e == 0)
        return 1;                           /* subnormal: 0 < x < 1 */
    mant = (bits & ((1ull << 52) - 1)) | (1ull << 52);
    e -= 1075;                              /* x = mant * 2^e */
    if (e >= 0)
        return e > 11 ? UINT64_MAX : mant << e;    /* mant < 2^53: fits while e <= 11 */
    if (e <= -54)
        return 1;                           /* 0 < x < 1 */
    return (mant >> -e) + ((mant & ((1ull << -e) - 1)) != 0);
}

/* value_at_quantile(): the quantile capped at 1, count_at_quantile =
 * ceil(q * total) as a double product, at least 1, then the first index at
 * which the running sum of counts reaches it, reported as its highest
 * equivalent value (its lowest for q == 0); 0 if the sum never does (an
 * empty histogram). The crate sums in chunks of 8 first, which finds the
 * same index. The product is a double rounded once on every target: the
 * assignment rounds even with x87 excess precision (C11, -std=c11), and for
 * totals below 2^40 no product of these quantiles lies within a 64-bit
 * ulp of a double's midpoint next to an integer, so i686's double rounding
 * cannot move the ceiling (checked: i686 x87, x86-64 and Rust give the
 * same ceilings for all four quantiles and every total below 2^25 and
 * 2^22 totals from 2^40; sh4 under qemu: below 2^20 and 2^18 from 2^40). */
uint64_t lat_value_at_quantile(const uint64_t *counts, uint64_t total, double q)
{
    uint64_t need, cum = 0;
    double fractional;
    uint32_t i;
    if (q > 1.0)
        q = 1.0;
    fractional = q * (double)total;
    need = ceil_u64(fractional);
    if (need == 0)
        need = 1;
    for (i = 0; i < LAT_COUNTS_LEN; i++) {
        cum += counts[i];
        if (cum >= need)
            return q == 0.0 ? lat_lowest_at(i) : lat_highest_at(i);
    }
    return 0;
}

/* max(): highest_equivalent(max_value), max_value being the largest value
 * recorded (after clamping), 0 when nothing (or only 0) was: the highest
 * equivalent of the last non-zero count. add() keeps the same (it updates
 * max_value with the other's max(), whose highest equivalent is itself). */
void lat_summarize(const uint64_t *counts, struct lat_summary *s)
{
    uint32_t i;
    memset(s, 0, sizeof *s);
    for (i = 0; i < LAT_COUNTS_LEN; i++) {
        s->samples += counts[i];
        if (counts[i])
            s->max = lat_highest_at(i);
    }
    s->p50 = lat_value_at_quantile(counts, s->samples, 0.5);
    s->p90 = lat_value_at_quantile(counts, s->samples, 0.9);
    s->p99 = lat_value_at_quantile(counts, s->samples, 0.99);
    s->p999 = lat_value_at_quantile(counts, s->samples, 0.999);
}

/* samples.h - which wrong values a reader keeps whole, and which of all
 * readers' kept values a report shows: samples by kind (docs/json-schema.md,
 * "torn_samples"; the Rust engine's src/engine/stats.rs and
 * src/report/build.rs do the same).
 *
 * A wrong value's kind is (class, family, consequences). Each reader keeps
 * at most SAMPLES_MAX values: the first SAMPLES_KIND_FIRST of each kind
 * ("first_of_kind"), then a seeded reservoir sample of the rest
 * ("reservoir"). A report takes the first of every kind, then the second,
 * ... (up to SAMPLES_KIND_FIRST), then fills up from what is left with a
 * seeded shuffle. So a run whose first 64 wrong values are copies of one
 * still shows every kind it saw (up to 64 kinds per reader).
 *
 * Freestanding (only <stdint.h> and <string.h>, no allocation, no I/O, no
 * floating point): a kernel module includes it too. Everything here runs on
 * cold paths (a wrong value, a report), never per read. */
#ifndef PTEAR_SAMPLES_H
#define PTEAR_SAMPLES_H

#include <stdint.h>

#include "layout.h"

#define SAMPLES_MAX         64u     /* values kept per reader and per report */
#define SAMPLES_KIND_FIRST  4u      /* first values of each kind kept as such */
#define SAMPLES_KINDS       64u     /* kinds a reader tells apart (its kind table) */
#define SAMPLES_KEYS        512u    /* distinct kind keys: 1 + 2 + 6 bits */

/* 64-bit remainder: the kernel of a 32-bit CPU has no % for u64 (it has
 * div64_u64_rem); a module defines this before including samples.h. */
#ifndef SAMPLES_MOD64
#define SAMPLES_MOD64(a, b) ((uint64_t)(a) % (uint64_t)(b))
#endif

/* The family of a wrong value, in the report's order (totals.families,
 * torn_samples[].family). */
enum sample_family { SFAM_ENTRY, SFAM_PROTNONE, SFAM_SWAP, SFAM_MIGRATION, SFAM_N };
extern const char *const sample_family_names[SFAM_N];

/* How a kept value was chosen (torn_samples[].chosen). */
enum sample_chosen { SCHOSEN_FIRST_OF_KIND, SCHOSEN_RESERVOIR };
extern const char *const sample_chosen_names[2];

/* protnone: PROTNONE without the present bit in the low half (x86
 * layouts); else swap / migration: the high half of the layout's fixed
 * swap / migration entry; else entry. */
static inline enum sample_family sample_family_of(const struct pte_enc *e, uint32_t lo, uint32_t hi)
{
    const struct layout *l = &layout_table[e->id];
    if ((lo & e->protnone) && !(lo & e->present))
        return SFAM_PROTNONE;
    if (hi == l->swap[1])
        return SFAM_SWAP;
    if (hi == l->migration[1])
        return SFAM_MIGRATION;
    return SFAM_ENTRY;
}

/* The kind key: class (0 mixed, 1 transient) | family << 1 | consequences << 3. */
static inline uint32_t sample_key(int transient, enum sample_family fam, uint32_t cons)
{
    return (transient ? 1u : 0u) | (uint32_t)fam << 1 | cons << 3;
}

/* One kept wrong value. t_ns: since the run's start; nth: its index among
 * the reader's wrong values (0 for the first), which is also the order the
 * reader kept them in. 40 bytes, a multiple of 4 (published as words). */
struct sample_raw {
    uint64_t t_ns;
    uint64_t nth;
    uint32_t pair, low, high, retries;
    uint32_t key;
    uint8_t family, chosen;         /* enum sample_family, enum sample_chosen */
    uint16_t pad_;
};

struct sample_kind {
    uint32_t key;
    uint32_t offered;               /* values offered as its firsts (at most SAMPLES_KIND_FIRST:
                                     * later ones are "the rest" even after a first was evicted) */
    uint32_t kept;                  /* of those, still kept */
};

/* A reader's samples: the kept values in slots 0..n-1 (a slot can be
 * replaced: the reader publishes copies, never this), the kind table and the
 * reservoir's state. Zero it, then sample_keeper_init(). */
struct sample_keeper {
    uint64_t rng;                   /* splitmix64 state */
    uint64_t rest_seen;             /* values that were none of their kind's first */
    uint32_t n, n_kinds;
    uint32_t n_res, pad_;           /* of the n, those kept as reservoir */
    struct sample_kind kinds[SAMPLES_KINDS];
    struct sample_raw s[SAMPLES_MAX];
};

/* seed: the run's (--seed); reader: its index. */
void sample_keeper_init(struct sample_keeper *k, uint64_t seed, uint32_t reader);

/* The slot a wrong value of kind `key` (its nth wrong value) goes to, with
 * key, nth and chosen already written and the kind's bookkeeping done (an
 * evicted value's too); the caller fills in the rest (its time, taken only
 * for a value kept). NULL: not kept. */
struct sample_raw *sample_slot(struct sample_keeper *k, uint32_t key, uint64_t nth);

/* sample_slot() and a copy of v (all but chosen) into the slot; 1 if kept. */
int sample_offer(struct sample_keeper *k, const struct sample_raw *v);

/* ---- a report's samples: the merge over all readers ---- */

struct sample_item {
    struct sample_raw s;
    uint32_t reader;
    uint16_t rank, fidx;            /* filled by samples_merge() */
    uint32_t taken;
};

struct sample_merge_ws {
    uint16_t rank[SAMPLES_KEYS];    /* kind key -> order of its earliest sample */
    uint16_t count[SAMPLES_KEYS];   /* first_of_kind values of the key seen so far */
    uint32_t byrank[SAMPLES_KEYS];
};

/* Chooses at most SAMPLES_MAX of items[0..n) (every reader's kept values,
 * with their reader): the r-th first_of_kind value by time of each kind,
 * kinds in the order of their earliest value, r = 1..SAMPLES_KIND_FIRST;
 * then the rest by a partial Fisher-Yates shuffle seeded with `seed`.
 * idx: scratch of n entries. Writes the chosen indices into out, by
 * (t_ns, reader, nth), and returns how many. */
uint32_t samples_merge(struct sample_item *items, uint32_t n, uint64_t seed, struct sample_merge_ws *ws,
                       uint32_t *idx, uint32_t out[SAMPLES_MAX]);

#endif

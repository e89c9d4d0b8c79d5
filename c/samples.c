/* samples.c - samples by kind: what a reader keeps (sample_slot, on the
 * cold path of a wrong value) and what a report shows (samples_merge).
 * samples.h says how; freestanding, as samples.h says why. */
#include <stdint.h>
#include <string.h>

#include "rng.h"
#include "samples.h"

const char *const sample_family_names[SFAM_N] = { "entry", "protnone", "swap", "migration" };
const char *const sample_chosen_names[2] = { "first_of_kind", "reservoir" };

#define READER_STREAM   0xA5A5000000000000ull
#define MERGE_STREAM    0x53414D504C455300ull   /* "SAMPLES\0" */
#define NO_RANK         0xffffu
#define NO_ITEM         0xffffffffu

void sample_keeper_init(struct sample_keeper *k, uint64_t seed, uint32_t reader)
{
    memset(k, 0, sizeof *k);
    k->rng = seed ^ (READER_STREAM | reader);
}

/* The slot of the i-th reservoir value (slot order), i < their number. */
static uint32_t reservoir_slot(const struct sample_keeper *k, uint64_t i)
{
    uint32_t s;
    for (s = 0; s < k->n; s++)
        if (k->s[s].chosen == SCHOSEN_RESERVOIR && i-- == 0)
            return s;
    return 0;                       /* not reached */
}

static struct sample_kind *kind_of(struct sample_keeper *k, uint32_t key)
{
    uint32_t i;
    for (i = 0; i < k->n_kinds; i++)
        if (k->kinds[i].key == key)
            return &k->kinds[i];
    return 0;
}

static struct sample_raw *fill(struct sample_raw *s, uint32_t key, uint64_t nth, enum sample_chosen chosen)
{
    memset(s, 0, sizeof *s);
    s->key = key;
    s->nth = nth;
    s->chosen = (uint8_t)chosen;
    return s;
}

/* A first_of_kind value when all slots are full: a uniformly chosen
 * reservoir value's slot; without one, the newest-kept value of the kind
 * with the most kept (the first such in table order) if that is more than
 * 1; else none (-1). The evicted first's kind counts one less. */
static int64_t evict_for_first(struct sample_keeper *k)
{
    uint32_t i, s, best = 0, slot = NO_ITEM;
    if (k->n_res > 0) {
        s = reservoir_slot(k, SAMPLES_MOD64(splitmix64(&k->rng), k->n_res));
        k->n_res--;                 /* (the slot becomes a first_of_kind) */
        return s;
    }
    for (i = 1; i < k->n_kinds; i++)
        if (k->kinds[i].kept > k->kinds[best].kept)
            best = i;
    if (k->n_kinds == 0 || k->kinds[best].kept <= 1)
        return -1;
    for (s = 0; s < k->n; s++)
        if (k->s[s].key == k->kinds[best].key && (slot == NO_ITEM || k->s[s].nth > k->s[slot].nth))
            slot = s;
    k->kinds[best].kept--;
    return slot;
}

struct sample_raw *sample_slot(struct sample_keeper *k, uint32_t key, uint64_t nth)
{
    struct sample_kind *kind = kind_of(k, key);
    if (!kind && k->n_kinds < SAMPLES_KINDS) {
        kind = &k->kinds[k->n_kinds++];
        kind->key = key;
        kind->offered = 0;
        kind->kept = 0;
    }
    if (kind && kind->offered < SAMPLES_KIND_FIRST) {
        int64_t slot;
        kind->offered++;
        if (k->n < SAMPLES_MAX) {
            slot = k->n++;
        } else {
            slot = evict_for_first(k);
            if (slot < 0)
                return 0;           /* dropped: every kind kept holds one value */
        }
        kind->kept++;
        return fill(&k->s[slot], key, nth, SCHOSEN_FIRST_OF_KIND);
    }
    /* the rest: reservoir sampling over the values that were no first */
    k->rest_seen++;
    if (k->n < SAMPLES_MAX) {
        k->n_res++;
        return fill(&k->s[k->n++], key, nth, SCHOSEN_RESERVOIR);
    }
    if (k->n_res > 0) {
        uint64_t j = SAMPLES_MOD64(splitmix64(&k->rng), k->rest_seen);
        if (j < k->n_res)
            return fill(&k->s[reservoir_slot(k, j)], key, nth, SCHOSEN_RESERVOIR);
    }
    return 0;
}

int sample_offer(struct sample_keeper *k, const struct sample_raw *v)
{
    struct sample_raw *s = sample_slot(k, v->key, v->nth);
    uint8_t chosen;
    if (!s)
        return 0;
    chosen = s->chosen;
    *s = *v;
    s->chosen = chosen;
    return 1;
}

/* ---- the merge ---- */

/* (t_ns, reader, nth): a total order over all readers' kept values */
static int item_before(const struct sample_item *a, const struct sample_item *b)
{
    if (a->s.t_ns != b->s.t_ns)
        return a->s.t_ns < b->s.t_ns;
    if (a->reader != b->reader)
        return a->reader < b->reader;
    return a->s.nth < b->s.nth;
}

/* heapsort of idx[0..n) by item_before (no qsort, no allocation) */
static void sift(uint32_t *idx, uint32_t root, uint32_t n, const struct sample_item *items)
{
    for (;;) {
        uint32_t c = 2 * root + 1, t;
        if (c >= n)
            return;
        if (c + 1 < n && item_before(&items[idx[c]], &items[idx[c + 1]]))
            c++;
        if (!item_before(&items[idx[root]], &items[idx[c]]))
            return;
        t = idx[root];
        idx[root] = idx[c];
        idx[c] = t;
        root = c;
    }
}

static void sort_idx(uint32_t *idx, uint32_t n, const struct sample_item *items)
{
    uint32_t i, t;
    for (i = n / 2; i-- > 0;)
        sift(idx, i, n, items);
    for (i = n; i-- > 1;) {
        t = idx[0];
        idx[0] = idx[i];
        idx[i] = t;
        sift(idx, 0, i, items);
    }
}

uint32_t samples_merge(struct sample_item *items, uint32_t n, uint64_t seed, struct sample_merge_ws *ws,
                       uint32_t *idx, uint32_t out[SAMPLES_MAX])
{
    uint32_t p, r, nk = 0, left = SAMPLES_MAX, m, take, nout = 0;
    uint64_t rng = seed ^ MERGE_STREAM;

    /* 1. by time; each kind ranked by its earliest value, each first_of_kind
     * value numbered within its kind (fidx, SAMPLES_KIND_FIRST and up: not
     * taken in the rounds) */
    for (p = 0; p < n; p++)
        idx[p] = p;
    sort_idx(idx, n, items);
    for (p = 0; p < SAMPLES_KEYS; p++) {
        ws->rank[p] = NO_RANK;
        ws->count[p] = 0;
    }
    for (p = 0; p < n; p++) {
        struct sample_item *it = &items[idx[p]];
        uint32_t key = it->s.key % SAMPLES_KEYS;
        if (ws->rank[key] == NO_RANK)
            ws->rank[key] = (uint16_t)nk++;
        it->rank = ws->rank[key];
        it->taken = 0;
        if (it->s.chosen == SCHOSEN_FIRST_OF_KIND) {
            it->fidx = ws->count[key];
            if (ws->count[key] < SAMPLES_KIND_FIRST)
                ws->count[key]++;
        } else {
            it->fidx = SAMPLES_KIND_FIRST;
        }
    }
    /* 2. rounds: the (r+1)-th first of each kind, kinds in rank order */
    for (r = 0; r < SAMPLES_KIND_FIRST && left > 0; r++) {
        uint32_t k;
        for (k = 0; k < nk; k++)
            ws->byrank[k] = NO_ITEM;
        for (p = 0; p < n; p++)
            if (items[idx[p]].fidx == r)
                ws->byrank[items[idx[p]].rank] = idx[p];
        for (k = 0; k < nk && left > 0; k++)
            if (ws->byrank[k] != NO_ITEM) {
                items[ws->byrank[k]].taken = 1;
                left--;
            }
    }
    /* 3. the rest, in time order, by a partial Fisher-Yates shuffle */
    for (p = 0, m = 0; p < n; p++)
        if (!items[idx[p]].taken)
            idx[m++] = idx[p];
    take = left < m ? left : m;
    for (p = 0; p < take; p++) {
        uint32_t k = p + (uint32_t)SAMPLES_MOD64(splitmix64(&rng), m - p), t = idx[p];
        idx[p] = idx[k];
        idx[k] = t;
        items[idx[p]].taken = 1;
    }
    /* 4. what was taken, by (t, reader) */
    for (p = 0; p < n && nout < SAMPLES_MAX; p++)
        if (items[p].taken)
            out[nout++] = p;
    sort_idx(out, nout, items);
    return nout;
}

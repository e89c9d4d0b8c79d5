/* tests/samples.c - samples by kind (samples.h), the counterpart of the
 * Rust engine's tests of src/engine/stats.rs and src/report/build.rs.
 *
 * 1. samples.c alone: a reader's keeping (sample_offer) and the report's
 *    merge (samples_merge), with wrong values made up here: 100 of one
 *    kind then 1 of another; one kind only; more than 16 kinds; more kinds
 *    than the kind table; the same seed twice; the reservoir's spread.
 * 2. the port's own reader_wrong() and reader_publish() (this file
 *    includes hammer_internal.h, where they are, not the loops) on two
 *    readers, then collect_results() and the ptear/1 report: a run whose
 *    first 64 wrong values are one value still shows a sample of each kind
 *    it saw; totals.families; first_torn_s.
 * 3. the same reader path on a thread of its own, replacing kept values
 *    while the main thread collects reports (as checkpoints do): no sample
 *    is ever a mix of two.
 *
 *   samples-ARCH [R.json]
 * writes 2.'s report where asked (c/test.sh checks it with Python too).
 * Prints an ok or FAIL line per check group; exit 0 if all passed. Built
 * by `c/build.sh ARCH tests`. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../hammer_internal.h" /* reader_wrong(), reader_publish(): the real cold paths */

#include "../collect.h"
#include "../hostinfo.h"
#include "../report.h"

static int failures;

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        if (!(cond)) {                                                      \
            failures++;                                                     \
            printf("FAIL  %s: %s: ", name, #cond);                          \
            printf(__VA_ARGS__);                                            \
            printf("\n");                                                   \
        }                                                                   \
    } while (0)

#define KEY_A sample_key(0, SFAM_ENTRY, CONS_WRONG_PAGE)
#define KEY_B sample_key(1, SFAM_PROTNONE, CONS_WRONG_PAGE)

/* offers the nth value of kind key at time t_ns = 1000 * (nth + 1) */
static int offer(struct sample_keeper *k, uint32_t key, uint64_t nth)
{
    struct sample_raw v;
    memset(&v, 0, sizeof v);
    v.key = key;
    v.nth = nth;
    v.t_ns = 1000 * (nth + 1);
    v.pair = (uint32_t)nth;
    v.family = (uint8_t)((key >> 1) & 3);
    return sample_offer(k, &v);
}

static uint32_t count(const struct sample_keeper *k, uint32_t key, int chosen)
{
    uint32_t s, n = 0;
    for (s = 0; s < k->n; s++)
        n += k->s[s].key == key && (chosen < 0 || k->s[s].chosen == chosen);
    return n;
}

/* merges the keepers' values (reader i: ks[i]); the chosen into got */
static uint32_t merge(struct sample_keeper *const *ks, uint32_t nk, uint64_t seed, struct sample_item *items,
                      struct sample_raw *got, uint32_t *reader)
{
    static struct sample_merge_ws ws;
    static uint32_t idx[16 * SAMPLES_MAX];
    uint32_t out[SAMPLES_MAX], i, s, n = 0, m;
    for (i = 0; i < nk; i++)
        for (s = 0; s < ks[i]->n; s++) {
            items[n].s = ks[i]->s[s];
            items[n++].reader = i;
        }
    m = samples_merge(items, n, seed, &ws, idx, out);
    for (i = 0; i < m; i++) {
        got[i] = items[out[i]].s;
        reader[i] = items[out[i]].reader;
    }
    return m;
}

static uint32_t count_raw(const struct sample_raw *s, uint32_t n, uint32_t key)
{
    uint32_t i, c = 0;
    for (i = 0; i < n; i++)
        c += s[i].key == key;
    return c;
}

static void part1(void)
{
    static struct sample_keeper k, k2, k3;
    static struct sample_item items[16 * SAMPLES_MAX];
    struct sample_keeper *ks[3];
    struct sample_raw got[SAMPLES_MAX];
    uint32_t reader[SAMPLES_MAX], m, i, s;
    uint64_t nth;

    {
        const char *name = "100 of kind A, then 1 of kind B";
        int bad = failures, sorted = 1;
        sample_keeper_init(&k, 7, 0);
        for (nth = 0; nth < 100; nth++)
            offer(&k, KEY_A, nth);
        CHECK(k.n == 64 && count(&k, KEY_A, SCHOSEN_FIRST_OF_KIND) == 4, "n %u, A first %u", k.n,
              count(&k, KEY_A, SCHOSEN_FIRST_OF_KIND));
        CHECK(offer(&k, KEY_B, 100) == 1, "B not kept");
        CHECK(k.n == 64, "%u kept", k.n);
        CHECK(count(&k, KEY_B, SCHOSEN_FIRST_OF_KIND) == 1, "B first %u", count(&k, KEY_B, SCHOSEN_FIRST_OF_KIND));
        CHECK(count(&k, KEY_A, SCHOSEN_FIRST_OF_KIND) == 4 && count(&k, KEY_A, SCHOSEN_RESERVOIR) == 59,
              "A: %u first, %u reservoir", count(&k, KEY_A, SCHOSEN_FIRST_OF_KIND),
              count(&k, KEY_A, SCHOSEN_RESERVOIR));
        for (s = 0; s < k.n; s++)
            if (k.s[s].key == KEY_A && k.s[s].chosen == SCHOSEN_FIRST_OF_KIND)
                CHECK(k.s[s].nth < 4, "A first_of_kind value %llu is not one of A's first 4",
                      (unsigned long long)k.s[s].nth);
        ks[0] = &k;
        m = merge(ks, 1, 7, items, got, reader);
        CHECK(m == 64 && count_raw(got, m, KEY_A) == 63 && count_raw(got, m, KEY_B) == 1,
              "report: %u samples, A %u, B %u", m, count_raw(got, m, KEY_A), count_raw(got, m, KEY_B));
        for (i = 1; i < m; i++)
            sorted &= got[i - 1].t_ns <= got[i].t_ns;
        CHECK(sorted, "the report's samples are not in time order");
        if (failures == bad)
            printf("ok    %s: 64 kept (A: its first 4 as first_of_kind + 59 reservoir; B: 1 first_of_kind); "
                   "the report has both\n", name);
    }
    {
        const char *name = "one kind only";
        int bad = failures, late = 0;
        sample_keeper_init(&k, 11, 0);
        for (nth = 0; nth < 1000; nth++)
            offer(&k, KEY_A, nth);
        CHECK(k.n == 64 && count(&k, KEY_A, SCHOSEN_FIRST_OF_KIND) == 4 && count(&k, KEY_A, SCHOSEN_RESERVOIR) == 60,
              "n %u: %u first, %u reservoir", k.n, count(&k, KEY_A, SCHOSEN_FIRST_OF_KIND),
              count(&k, KEY_A, SCHOSEN_RESERVOIR));
        for (s = 0; s < k.n; s++) {
            if (k.s[s].chosen == SCHOSEN_FIRST_OF_KIND)
                CHECK(k.s[s].nth < 4, "first_of_kind %llu", (unsigned long long)k.s[s].nth);
            else
                CHECK(k.s[s].nth >= 4, "reservoir %llu", (unsigned long long)k.s[s].nth);
            late += k.s[s].nth >= 64;
        }
        CHECK(late > 0, "the reservoir kept only the first 64 values");
        CHECK(k.rest_seen == 996, "rest_seen %llu", (unsigned long long)k.rest_seen);
        if (failures == bad)
            printf("ok    %s: 1000 values, 4 first_of_kind + 60 reservoir (%d from after the 64th)\n", name, late);
    }
    {
        const char *name = "the same seed twice";
        int bad = failures;
        sample_keeper_init(&k2, 11, 0);
        for (nth = 0; nth < 1000; nth++)
            offer(&k2, KEY_A, nth);
        CHECK(memcmp(&k, &k2, sizeof k) == 0, "two keepers with seed 11 differ");
        sample_keeper_init(&k2, 12, 0);
        for (nth = 0; nth < 1000; nth++)
            offer(&k2, KEY_A, nth);
        CHECK(memcmp(k.s, k2.s, sizeof k.s) != 0, "seeds 11 and 12 kept the same values");
        sample_keeper_init(&k2, 11, 1);
        for (nth = 0; nth < 1000; nth++)
            offer(&k2, KEY_A, nth);
        CHECK(memcmp(k.s, k2.s, sizeof k.s) != 0, "readers 0 and 1 of seed 11 kept the same values");
        if (failures == bad)
            printf("ok    %s: the same values kept; another seed or reader index: others\n", name);
    }
    {
        const char *name = "more than 16 kinds";
        int bad = failures;
        uint32_t kind, rr;
        for (rr = 0; rr < 2; rr++) {    /* kind after kind, then round-robin */
            sample_keeper_init(&k, 3, 0);
            for (nth = 0; nth < 20 * 10; nth++) {
                kind = rr ? (uint32_t)(nth % 20) : (uint32_t)(nth / 10);
                offer(&k, kind << 3, nth);
            }
            CHECK(k.n == 64, "%u kept", k.n);
            for (s = 0, i = 0; s < k.n; s++)
                i += k.s[s].chosen == SCHOSEN_RESERVOIR;
            CHECK(i == k.n_res && i < 60, "%u reservoir values, n_res %u", i, k.n_res);
            for (kind = 0; kind < 20; kind++)
                CHECK(count(&k, kind << 3, -1) >= 1, "%s: kind %u has no sample", rr ? "round-robin" : "in turn",
                      kind);
            ks[0] = &k;
            m = merge(ks, 1, 3, items, got, reader);
            for (kind = 0; kind < 20; kind++)
                CHECK(count_raw(got, m, kind << 3) >= 1, "report: kind %u has no sample", kind);
        }
        /* 70 kinds, one value each: the table holds 64; the 64 kept are its
         * kinds' one each; the 6 more go to the (empty) reservoir: dropped */
        sample_keeper_init(&k, 3, 0);
        for (nth = 0; nth < 70; nth++)
            offer(&k, (uint32_t)nth, nth);
        CHECK(k.n == 64 && k.n_kinds == 64 && k.rest_seen == 6, "70 kinds: n %u, kinds %u, rest %llu", k.n,
              k.n_kinds, (unsigned long long)k.rest_seen);
        for (kind = 0; kind < 64; kind++)
            CHECK(count(&k, kind, SCHOSEN_FIRST_OF_KIND) == 1, "70 kinds: kind %u", kind);
        if (failures == bad)
            printf("ok    %s: 20 kinds, 10 values each, in turn and round-robin: every kind kept and reported; "
                   "70 kinds: the first 64 kept once each\n", name);
    }
    {
        const char *name = "the merge over readers";
        int bad = failures, sorted = 1;
        /* reader 0: 100 of A first; reader 1: B and 30 kinds after it; reader 2: A again */
        sample_keeper_init(&k, 5, 0);
        sample_keeper_init(&k2, 5, 1);
        sample_keeper_init(&k3, 5, 2);
        for (nth = 0; nth < 100; nth++)
            offer(&k, KEY_A, nth);
        for (nth = 0; nth < 62; nth++)
            offer(&k2, nth < 2 ? KEY_B : (uint32_t)(nth / 2 + 8) << 3, 100 + nth);
        for (nth = 0; nth < 64; nth++)
            offer(&k3, KEY_A, 200 + nth);
        ks[0] = &k;
        ks[1] = &k2;
        ks[2] = &k3;
        m = merge(ks, 3, 5, items, got, reader);
        CHECK(m == 64, "%u samples", m);
        /* 32 kinds (A the earliest, then B, then the 30): round 1 takes one
         * of each, round 2 another: 64, nothing left for rounds 3 and 4 or
         * the shuffle (reader 2's A, all later, stays out) */
        CHECK(count_raw(got, m, KEY_A) == 2 && count_raw(got, m, KEY_B) == 2, "A %u, B %u",
              count_raw(got, m, KEY_A), count_raw(got, m, KEY_B));
        for (i = 0; i < 30; i++)
            CHECK(count_raw(got, m, (i + 9) << 3) == 2, "kind %u: %u", (i + 9) << 3, count_raw(got, m, (i + 9) << 3));
        for (i = 0; i < m; i++)
            CHECK(reader[i] < 2 && got[i].chosen == SCHOSEN_FIRST_OF_KIND, "sample %u: reader %u, chosen %u", i,
                  reader[i], got[i].chosen);
        for (i = 1; i < m; i++)
            sorted &= got[i - 1].t_ns < got[i].t_ns ||
                      (got[i - 1].t_ns == got[i].t_ns && reader[i - 1] <= reader[i]);
        CHECK(sorted, "not in (t, reader) order");
        if (failures == bad)
            printf("ok    %s: 3 readers, 32 kinds: every kind in the report, by (t, reader)\n", name);
    }
    {
        /* one kind, 1000 values, 400 seeds: how often each quarter of the
         * 996 values after the 4 firsts is kept; uniform: 1/4 of 400 x 60 =
         * 6000 each, sd about 67, allowed 5% (300) */
        const char *name = "the reservoir's spread";
        int bad = failures;
        uint64_t q[4] = { 0, 0, 0, 0 }, seed;
        for (seed = 0; seed < 400; seed++) {
            sample_keeper_init(&k, seed * 7919 + 1, 0);
            for (nth = 0; nth < 1000; nth++)
                offer(&k, KEY_A, nth);
            for (s = 0; s < k.n; s++)
                if (k.s[s].chosen == SCHOSEN_RESERVOIR)
                    q[(k.s[s].nth - 4) / 249]++;
        }
        for (i = 0; i < 4; i++)
            CHECK(q[i] > 5700 && q[i] < 6300, "quarter %u kept %llu times (want about 6000)", i,
                  (unsigned long long)q[i]);
        if (failures == bad)
            printf("ok    %s: quarters kept %llu, %llu, %llu, %llu times of 24000\n", name,
                   (unsigned long long)q[0], (unsigned long long)q[1], (unsigned long long)q[2],
                   (unsigned long long)q[3]);
    }
}

/* ---- 2. and 3.: through the reader's cold paths and collect.c ---- */

static struct config cfg;
static struct run_shared sh;
static struct host_info host;

static struct reader_ctx *new_reader(uint32_t i)
{
    struct reader_ctx *rc = NULL;
    if (posix_memalign((void **)&rc, CACHELINE, sizeof *rc) != 0)
        exit(1);
    memset(rc, 0, sizeof *rc);
    rc->sh = &sh;
    rc->index = i;
    rc->cpu = -1;
    sample_keeper_init(&rc->keep, cfg.seed, i);
    return rc;
}

static void setup(uint32_t readers)
{
    char err[256];
    memset(&cfg, 0, sizeof cfg);
    cfg.reader = READER_LOCKLESS;
    cfg.writer = WRITER_MIPS;      /* half-cleared states: {L, 0} and {PN low, 0} are transient */
    cfg.barrier = BARRIER_KERNEL;
    cfg.readers = readers;
    cfg.writers = cfg.writers_per_entry = cfg.pairs = 1;
    cfg.has_duration = 1;
    cfg.duration_s = 1;
    cfg.layout = LAYOUT_X86_PAE;
    cfg.clear_to = CLEAR_TO_PROTNONE;
    cfg.low_period = PTEAR_MAX_LOW_PERIOD;
    cfg.seed = 42;
    cfg.quiet = 1;
    memset(&sh, 0, sizeof sh);
    sh.enc = config_enc(&cfg);
    sh.cfg = &cfg;
    if (barrier_resolve(cfg.barrier, &sh.bar, err, sizeof err) != 0)
        exit(1);
    sh.t0 = mono_now();
}

static int collect(struct reader_ctx **rd, struct results *res, int final)
{
    static struct writer_ctx wc;
    struct writer_ctx *wp = &wc;
    struct collect_src src;
    memset(&wc, 0, sizeof wc);
    wc.sh = &sh;
    wc.cpu = -1;
    src.sh = &sh;
    src.host = &host;
    src.rd = rd;
    src.wr = &wp;
    return collect_results(&src, res, final, 0);
}

static void publish(struct reader_ctx *rc, uint64_t reads)
{
    struct reader_regs x = { reads, 0, 0, 0, 0 };
    reader_publish(rc, &x);
}

/* (after setup(2): its values are made with the run's encoding) */
static void part2(const char *path)
{
    const char *name = "reader_wrong, two readers, a report";
    const struct pte_enc *e = &sh.enc;
    struct reader_ctx *rd[2];
    struct results res;
    uint32_t i, seen[SFAM_N] = { 0, 0, 0, 0 }, kinds = 0, firsts = 0;
    int bad = failures;
    /* the kinds: A {L(1), 0} transient entry; B {PN L(2), 0} transient
     * protnone; C {L(2), S high} mixed swap; D {L(1), M high} mixed
     * migration; E {L(2), H(7, 0)} mixed entry */
    const uint32_t A[2] = { pte_L(e, 1), 0 }, B[2] = { pte_PN_L(e, 2), 0 },
                   C[2] = { pte_L(e, 2), layout_table[LAYOUT_X86_PAE].swap[1] },
                   D[2] = { pte_L(e, 1), layout_table[LAYOUT_X86_PAE].migration[1] },
                   E[2] = { pte_L(e, 2), pte_H(e, 7, 0) };
    const uint32_t *vals[5] = { A, B, C, D, E };
    uint32_t fam_of[5] = { SFAM_ENTRY, SFAM_PROTNONE, SFAM_SWAP, SFAM_MIGRATION, SFAM_ENTRY };
    char *text;

    rd[0] = new_reader(0);
    rd[1] = new_reader(1);
    for (i = 0; i < 5; i++)
        CHECK(sample_family_of(e, vals[i][0], vals[i][1]) == fam_of[i] &&
              pte_classify(e, vals[i][0], vals[i][1]) == (i < 2 ? PTE_TRANSIENT : PTE_MIXED),
              "value %u is not of its family and class", i);
    /* reader 0: 200 of A, then B; reader 1 (later): C, D, E, then A */
    for (i = 0; i < 200; i++)
        reader_wrong(rd[0], 0, A[0], A[1], 0);
    reader_wrong(rd[0], 0, B[0], B[1], 0);
    publish(rd[0], 1000);
    for (i = 0; i < 3; i++)
        reader_wrong(rd[1], 0, vals[2 + i][0], vals[2 + i][1], 0);
    reader_wrong(rd[1], 0, A[0], A[1], 0);
    publish(rd[1], 500);
    rd[0]->t_end = rd[1]->t_end = mono_now();
    if (collect(rd, &res, 1) != 0) {
        printf("FAIL  %s: collect_results: out of memory\n", name);
        failures++;
        return;
    }
    CHECK(res.torn == 205 && res.transient == 202 && res.mixed == 3, "torn %llu transient %llu mixed %llu",
          (unsigned long long)res.torn, (unsigned long long)res.transient, (unsigned long long)res.mixed);
    CHECK(res.families[SFAM_ENTRY] == 202 && res.families[SFAM_PROTNONE] == 1 && res.families[SFAM_SWAP] == 1 &&
              res.families[SFAM_MIGRATION] == 1,
          "families %llu %llu %llu %llu", (unsigned long long)res.families[0], (unsigned long long)res.families[1],
          (unsigned long long)res.families[2], (unsigned long long)res.families[3]);
    CHECK(res.nsamples == 64, "%d samples", res.nsamples);
    for (i = 0; i < (uint32_t)res.nsamples; i++) {
        const struct torn_sample *s = &res.samples[i];
        seen[s->family]++;
        firsts += s->chosen == SCHOSEN_FIRST_OF_KIND;
        CHECK(s->family == sample_family_of(e, s->low, s->high), "sample %u: family %d", i, s->family);
        CHECK(i == 0 || res.samples[i - 1].t_s <= s->t_s, "sample %u out of time order", i);
    }
    for (i = 0; i < 5; i++) {
        uint32_t j, n = 0;
        for (j = 0; j < (uint32_t)res.nsamples; j++)
            n += res.samples[j].low == vals[i][0] && res.samples[j].high == vals[i][1];
        CHECK(n >= 1, "kind %u has no sample in the report", i);
        kinds += n >= 1;
    }
    /* A: reader 0's 4 firsts and reader 1's 1 (rounds take 4), B, C, D, E */
    CHECK(firsts >= 8, "%u first_of_kind samples", firsts);
    CHECK(res.has_first_torn && res.first_torn_s <= res.samples[0].t_s && res.first_torn_s >= 0,
          "first_torn_s %g, first sample %g", res.first_torn_s, res.samples[0].t_s);
    text = report_json_string(&res);
    CHECK(text && strstr(text, "\"families\": {") && strstr(text, "\"family\": \"protnone\"") &&
              strstr(text, "\"chosen\": \"first_of_kind\"") && strstr(text, "\"chosen\": \"reservoir\""),
          "the JSON lacks families, family or chosen");
    if (text && path) {
        char err[512];
        if (write_file_atomic(path, text, err, sizeof err) != 0) {
            printf("FAIL  %s: %s\n", name, err);
            failures++;
        }
    }
    free(text);
    if (failures == bad)
        printf("ok    %s: 200 copies of one value first, then 4 more kinds: all %u in the report's 64 (%u "
               "first_of_kind); families entry %u, protnone %u, swap %u, migration %u in the samples\n",
               name, kinds, firsts, seen[0], seen[1], seen[2], seen[3]);
    results_free(&res);
    free(rd[0]);
    free(rd[1]);
}

/* 3.: value i of the stream: pair i, retries i, and halves that depend on i */
static void value_of(const struct pte_enc *e, uint32_t i, uint32_t *lo, uint32_t *hi)
{
    *lo = (i % 3) ? pte_L(e, 1 + (i & 1)) : pte_PN_L(e, 2 + (i & 1));
    *hi = (i % 5) ? pte_H(e, 100 + (i % 1000), 0) : 0;
}

static struct reader_ctx *hot;
static volatile int hot_stop;
static uint32_t hot_made;

static void *hot_reader(void *arg)
{
    uint32_t i, lo, hi;
    (void)arg;
    for (i = 0; !__atomic_load_n(&hot_stop, __ATOMIC_RELAXED); i++) {
        /* a fresh keeper every 256 values: its slots fill and are replaced
         * all the time (a long run's reservoir replaces ever more rarely) */
        if ((i & 255) == 0)
            sample_keeper_init(&hot->keep, i, 0);
        value_of(&sh.enc, i, &lo, &hi);
        reader_wrong(hot, i, lo, hi, i);
        publish(hot, i + 1);        /* every value: copies race with publications all the time */
    }
    publish(hot, i);
    hot_made = i;
    return 0;
}

static void part3(void)
{
    const char *name = "kept values replaced while reports are made";
    struct reader_ctx *rd[1];
    struct results res;
    pthread_t t;
    uint32_t reports = 0, checked = 0, i, lo, hi;
    int bad = failures;
    double until;

    setup(1);
    hot = rd[0] = new_reader(0);
    hot_stop = 0;
    if (pthread_create(&t, NULL, hot_reader, NULL) != 0) {
        printf("FAIL  %s: pthread_create\n", name);
        failures++;
        return;
    }
    until = mono_now() + 0.5;
    while (mono_now() < until) {
        if (collect(rd, &res, 0) != 0)
            break;
        reports++;
        for (i = 0; i < (uint32_t)res.nsamples; i++) {
            const struct torn_sample *s = &res.samples[i];
            value_of(&sh.enc, s->pair, &lo, &hi);
            CHECK(s->retries == s->pair && s->low == lo && s->high == hi, "report %u, sample %u: pair %u retries %u "
                  "{0x%08x, 0x%08x}, want {0x%08x, 0x%08x}", reports, i, s->pair, s->retries, s->low, s->high, lo,
                  hi);
            checked++;
        }
        CHECK(res.nsamples <= 64 && (res.torn == 0 || res.nsamples > 0), "torn %llu, %d samples",
              (unsigned long long)res.torn, res.nsamples);
        results_free(&res);
        if (failures - bad > 5)
            break;
    }
    __atomic_store_n(&hot_stop, 1, __ATOMIC_RELAXED);
    pthread_join(t, NULL);
    hot->t_end = mono_now();
    if (collect(rd, &res, 1) == 0) {
        CHECK(res.torn == hot_made && res.nsamples > 0, "final: torn %llu of %u, %d samples",
              (unsigned long long)res.torn, hot_made, res.nsamples);
        results_free(&res);
    }
    CHECK(reports > 0, "no report made");
    if (failures == bad)
        printf("ok    %s: %u values, %u reports with %u samples, each whole\n", name, hot_made, reports, checked);
    free(rd[0]);
}

int main(int argc, char **argv)
{
    host_info_get(&host);
    part1();
    setup(2);
    part2(argc > 1 ? argv[1] : NULL);
    part3();
    return failures ? 1 : 0;
}

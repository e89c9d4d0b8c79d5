/* collect.c - turning what the threads published into a struct results:
 * totals, the merged retry histogram and its percentiles, the read-latency
 * histograms added up (latency.h), the torn samples (by kind: samples.h),
 * the placement of the threads. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "seqlock.h"

static int cmp_hist(const void *a, const void *b)
{
    const struct hist_entry *x = a, *y = b;
    return x->retries < y->retries ? -1 : x->retries > y->retries;
}

_Static_assert(PTEAR_MAX_SAMPLES == SAMPLES_MAX && PTEAR_KIND_FIRST == SAMPLES_KIND_FIRST,
               "config.h's sample limits are samples.h's");

/* The smallest r such that the reads with <= r retries are at least
 * ceil(pct% of total); 0 without reads. Exact integer arithmetic. */
static uint32_t percentile(const struct hist_entry *h, size_t n, uint64_t total, unsigned pct)
{
    uint64_t need = total / 100 * pct + ((total % 100) * pct + 99) / 100, cum = 0;
    size_t i;
    if (total == 0)
        return 0;
    for (i = 0; i < n; i++) {
        cum += h[i].count;
        if (cum >= need)
            return h[i].retries;
    }
    return n ? h[n - 1].retries : 0;
}

/* A consistent copy of what reader rc published: the fixed part and its
 * rare-retry entries, under one sequence number. */
static void snapshot_reader(const struct reader_ctx *rc, struct reader_stats *st)
{
    uint32_t a;
    do {
        a = seq_read_begin(&rc->seq);
        seq_copy_out(rc->pub, st, 0, READER_STATS_FIXED);
        if (st->n_rare > PTEAR_RARE_SLOTS)  /* torn: the check below retries */
            st->n_rare = 0;
        seq_copy_out(rc->pub, st, READER_STATS_FIXED, reader_stats_used(st->n_rare) - READER_STATS_FIXED);
    } while (seq_read_retry(&rc->seq, a));
}

/* A consistent copy of reader rc's kept wrong values (they can be
 * replaced while it runs): their number. */
static uint32_t snapshot_samples(const struct reader_ctx *rc, struct sample_pub *p)
{
    uint32_t a;
    do {
        a = seq_read_begin(&rc->sseq);
        seq_copy_out(rc->spub, p, 0, SAMPLE_PUB_HEAD);
        if (p->n > SAMPLES_MAX)             /* torn: the check below retries */
            p->n = 0;
        seq_copy_out(rc->spub, p, SAMPLE_PUB_HEAD, p->n * sizeof p->s[0]);
    } while (seq_read_retry(&rc->sseq, a));
    return p->n;
}

void collect_progress(const struct collect_src *src, uint64_t *reads, uint64_t *torn)
{
    uint32_t i;
    *reads = *torn = 0;
    for (i = 0; i < src->sh->cfg->readers; i++) {
        uint64_t w[2];          /* reads, torn: the first two u64 of reader_stats */
        seq_snapshot(&src->rd[i]->seq, src->rd[i]->pub, w, sizeof w);
        *reads += w[0];
        *torn += w[1];
    }
}

/* The front of struct reader_stats up to `caught` (every field there a
 * u64): what collect_totals() copies of each reader's publication, about
 * 100 bytes rather than the whole struct with its histograms. */
#define TOTALS_WORDS (offsetof(struct reader_stats, caught) / sizeof(uint64_t) + 1)
#define AT(field) (offsetof(struct reader_stats, field) / sizeof(uint64_t))
_Static_assert(offsetof(struct reader_stats, caught) % sizeof(uint64_t) == 0, "reader_stats: u64s up to caught");

void collect_totals(const struct collect_src *src, struct collect_totals *t)
{
    uint32_t i;
    memset(t, 0, sizeof *t);
    for (i = 0; i < src->sh->cfg->readers; i++) {
        uint64_t w[TOTALS_WORDS];
        seq_snapshot(&src->rd[i]->seq, src->rd[i]->pub, w, sizeof w);
        t->reads += w[AT(reads)];
        t->torn += w[AT(torn)];
        t->mixed += w[AT(mixed)];
        t->transient += w[AT(transient)];
        t->caught += w[AT(caught)];
    }
}
#undef AT

/* Appends one histogram entry, growing the array; -1 when memory runs out
 * (the caller fails the whole collection rather than report a histogram
 * with entries missing). */
static int hist_push(struct results *res, size_t *n, size_t *cap, uint32_t retries, uint64_t count)
{
    if (*n == *cap) {
        struct hist_entry *p = realloc(res->hist, 2 * *cap * sizeof *p);
        if (!p)
            return -1;
        res->hist = p;
        *cap *= 2;
    }
    res->hist[*n].retries = retries;
    res->hist[(*n)++].count = count;
    return 0;
}

/* The scratch of one collection, all allocated before anything is read. */
struct collect_ws {
    struct reader_stats *st;        /* one reader's snapshot at a time */
    struct sample_pub *pub;         /* ... and its kept wrong values */
    struct sample_merge_ws *merge;
    struct sample_item *all;        /* every reader's kept values: nsamp of them */
    uint32_t *idx;                  /* samples_merge()'s scratch */
    uint32_t nsamp;
    uint64_t first_ns;              /* the earliest first wrong value, UINT64_MAX: none */
    uint32_t *lat_copy;             /* one reader's read-latency words (2 x LAT_COUNTS_LEN) */
    uint64_t *lat_sum;              /* ... every reader's counts added (LAT_COUNTS_LEN) */
    size_t nhist, cap;              /* res->hist: entries, room */
    uint64_t exact[PTEAR_EXACT_RETRIES];    /* reads by retry count < 256, over all readers */
};

static void ws_free(struct collect_ws *w)
{
    if (!w)
        return;
    free(w->st);
    free(w->merge);
    free(w->pub);
    free(w->all);
    free(w->idx);
    free(w->lat_copy);
    free(w->lat_sum);
    free(w);
}

/* res's header and arrays, and the scratch; NULL when memory ran out. */
static struct collect_ws *collect_alloc(const struct collect_src *src, struct results *res, int final,
                                        int interrupted)
{
    const struct config *cfg = src->sh->cfg;
    uint32_t nr = cfg->readers, nw = config_writer_threads(cfg);
    struct collect_ws *w = calloc(1, sizeof *w);

    memset(res, 0, sizeof *res);
    res->cfg = cfg;
    res->host = src->host;
    res->bar = src->sh->bar;
    res->complete = final;
    res->interrupted = interrupted;
    res->nreaders = nr;
    res->readers = calloc(nr, sizeof *res->readers);
    res->nwriters = nw;
    res->writers = calloc(nw, sizeof *res->writers);
    res->nthreads = cfg->readers + nw;
    res->threads = calloc(res->nthreads, sizeof *res->threads);
    if (!w)
        return NULL;
    w->cap = PTEAR_EXACT_RETRIES + 64;
    w->first_ns = UINT64_MAX;
    res->hist = malloc(w->cap * sizeof *res->hist);
    w->merge = malloc(sizeof *w->merge);
    w->pub = malloc(sizeof *w->pub);
    w->st = malloc(sizeof *w->st);
    w->all = malloc((size_t)nr * SAMPLES_MAX * sizeof *w->all);
    w->idx = malloc((size_t)nr * SAMPLES_MAX * sizeof *w->idx);
    w->lat_copy = malloc(2 * (size_t)LAT_COUNTS_LEN * sizeof *w->lat_copy);
    w->lat_sum = calloc(LAT_COUNTS_LEN, sizeof *w->lat_sum);
    if (!w->st || !w->merge || !w->pub || !res->readers || !res->writers || !res->hist || !res->threads || !w->all
        || !w->idx || !w->lat_copy || !w->lat_sum) {
        ws_free(w);
        return NULL;
    }
    return w;
}

/* After the run: up to the last reader's end; at a checkpoint: until now. */
static double collect_elapsed(const struct collect_src *src, int final)
{
    double t_end = 0, e;
    uint32_t i;
    if (final) {
        for (i = 0; i < src->sh->cfg->readers; i++)
            if (src->rd[i]->t_end > t_end)
                t_end = src->rd[i]->t_end;
        e = t_end - src->sh->t0;
    } else {
        e = mono_now() - src->sh->t0;
    }
    return e < 0 ? 0 : e;
}

/* Reader rc's read-latency counts (hammer_reader.c reader_latency())
 * added to w->lat_sum: the words up to lat_top copied under lat_seq, which
 * moves only when a count carries into its high half, so the copy is
 * retried at most once in 2^32 samples of one count; a copy made while the
 * reader runs may lack its latest samples, never has a torn count. */
static void collect_latency(const struct reader_ctx *rc, struct collect_ws *w)
{
    uint32_t a, top, i;
    if (!rc->lat_words)
        return;                     /* (a test's reader without one) */
    do {
        a = seq_read_begin(&rc->lat_seq);
        top = __atomic_load_n(&rc->lat_top, __ATOMIC_RELAXED);
        if (top > LAT_COUNTS_LEN)
            top = LAT_COUNTS_LEN;
        seq_copy_out(rc->lat_words, w->lat_copy, 0, (size_t)top * 8);
    } while (seq_read_retry(&rc->lat_seq, a));
    for (i = 0; i < top; i++)
        w->lat_sum[i] += (uint64_t)w->lat_copy[2 * i + 1] << 32 | w->lat_copy[2 * i];
}

/* Reader i's snapshot into the totals, its own line, the histogram's
 * pieces and the pool of kept wrong values. -1 when memory ran out. */
static int collect_reader(const struct reader_ctx *rc, uint32_t i, struct results *res, struct collect_ws *w)
{
    struct reader_stats *st = w->st;
    uint64_t retried = 0;
    uint32_t k;
    snapshot_reader(rc, st);
    collect_latency(rc, w);
    res->reads += st->reads;
    res->torn += st->torn;
    res->not_present += st->not_present;
    res->retries += st->retries;
    res->inexact_retry_reads += st->inexact;
    res->mixed += st->mixed;
    res->transient += st->transient;
    for (k = 0; k < CONS_N; k++)
        res->cons[k] += st->cons[k];
    for (k = 0; k < SFAM_N; k++)
        res->families[k] += st->families[k];
    if (st->torn > 0 && st->first_torn_ns < w->first_ns)
        w->first_ns = st->first_torn_ns;
    res->fallback_recheck += st->fallback_recheck;
    res->caught += st->caught;
    res->readers[i].reads = st->reads;
    res->readers[i].torn = st->torn;
    res->readers[i].mixed = st->mixed;
    res->readers[i].transient = st->transient;
    res->readers[i].reads_per_s = res->elapsed_s > 0 ? (double)st->reads / res->elapsed_s : 0.0;
    if (st->max_retries > res->pmax)
        res->pmax = st->max_retries;
    for (k = 1; k < PTEAR_EXACT_RETRIES; k++) {
        w->exact[k] += st->retried[k];
        retried += st->retried[k];
        if (st->retried[k] && k > res->pmax)
            res->pmax = k;
    }
    for (k = 0; k < st->n_rare; k++) {
        retried += st->rare[k].count;
        if (hist_push(res, &w->nhist, &w->cap, st->rare[k].retries, st->rare[k].count) != 0)
            return -1;
    }
    for (k = 0; k < 32; k++) {
        if (!st->pow2[k])
            continue;
        retried += st->pow2[k];
        if (hist_push(res, &w->nhist, &w->cap, 1u << k, st->pow2[k]) != 0)
            return -1;
    }
    w->exact[0] += st->reads >= retried ? st->reads - retried : 0;   /* reads with no retry */
    /* (samples published before the counters: as new as these at least) */
    snapshot_samples(rc, w->pub);
    for (k = 0; k < w->pub->n; k++) {
        w->all[w->nsamp].s = w->pub->s[k];
        w->all[w->nsamp++].reader = i;
    }
    return 0;
}

/* The exact counts joined to the rare and overflow entries, sorted, equal
 * retry counts summed; then p50 and p99. -1 when memory ran out. */
static int collect_histogram(struct results *res, struct collect_ws *w)
{
    size_t s;
    uint32_t i;
    for (i = 0; i < PTEAR_EXACT_RETRIES; i++) {
        if (!w->exact[i])
            continue;
        if (hist_push(res, &w->nhist, &w->cap, i, w->exact[i]) != 0)
            return -1;
    }
    qsort(res->hist, w->nhist, sizeof *res->hist, cmp_hist);
    for (s = 0, i = 0; s < w->nhist; s++) {         /* sum the counts of equal retry counts */
        if (i > 0 && res->hist[i - 1].retries == res->hist[s].retries)
            res->hist[i - 1].count += res->hist[s].count;
        else
            res->hist[i++] = res->hist[s];
    }
    res->nhist = i;
    res->p50 = percentile(res->hist, res->nhist, res->reads, 50);
    res->p99 = percentile(res->hist, res->nhist, res->reads, 99);
    return 0;
}

/* The report's samples (samples_merge over every reader's kept values),
 * each classified and decoded again from its two halves; first_torn_s. */
static void collect_samples(const struct run_shared *sh, struct results *res, struct collect_ws *w)
{
    uint32_t out[SAMPLES_MAX], nout, i;

    nout = samples_merge(w->all, w->nsamp, sh->cfg->seed, w->merge, w->idx, out);
    for (i = 0; i < nout; i++) {
        const struct sample_item *it = &w->all[out[i]];
        const struct sample_raw *raw = &it->s;
        struct torn_sample *ts = &res->samples[i];
        ts->reader = it->reader;
        ts->pair = raw->pair;
        ts->low = raw->low;
        ts->high = raw->high;
        ts->retries = raw->retries;
        ts->t_s = (double)raw->t_ns * 1e-9;
        ts->nvalid = pte_valid_high(&sh->enc, raw->low, raw->high, &ts->valid_high[0]);
        ts->cls = pte_classify(&sh->enc, raw->low, raw->high);
        ts->cons = pte_consequences(&sh->enc, raw->low, raw->high);
        ts->dec = pte_decode(&sh->enc, raw->low, raw->high);
        ts->family = raw->family < SFAM_N ? (enum sample_family)raw->family : SFAM_ENTRY;
        ts->chosen = raw->chosen == SCHOSEN_RESERVOIR ? SCHOSEN_RESERVOIR : SCHOSEN_FIRST_OF_KIND;
    }
    res->nsamples = (int)nout;
    if (w->first_ns != UINT64_MAX) {
        res->has_first_torn = 1;
        res->first_torn_s = (double)w->first_ns * 1e-9;
    }
}

/* The writers' counts and where every thread ran (writers first). */
static void collect_threads(const struct collect_src *src, struct results *res)
{
    uint32_t i, t, nw = res->nwriters;

    for (i = 0; i < nw; i++) {         /* writer_cycles: installs, each after a clear */
        struct writer_counts c;
        seq_snapshot(&src->wr[i]->seq, src->wr[i]->pub, &c, sizeof c);
        res->writers[i].group = src->wr[i]->group;
        res->writers[i].clears = c.clears;
        res->writers[i].installs = c.installs;
        res->writer_cycles += c.installs;
    }
    res->placement_requested = src->sh->cfg->has_cpus;
    res->placement_granted = 1;
    for (t = 0; t < res->nthreads; t++) {
        struct thread_place *p = &res->threads[t];
        p->is_writer = t < nw;
        p->index = p->is_writer ? t : t - nw;
        p->cpu = p->is_writer ? src->wr[p->index]->cpu : src->rd[p->index]->cpu;
        /* each thread set its pinned flag before arriving at the gate */
        p->pinned = p->is_writer ? src->wr[p->index]->pinned : src->rd[p->index]->pinned;
        if (p->cpu >= 0 && !p->pinned)
            res->placement_granted = 0;
    }
}

int collect_results(const struct collect_src *src, struct results *res, int final, int interrupted)
{
    struct collect_ws *w = collect_alloc(src, res, final, interrupted);
    uint32_t i;

    if (!w)
        goto oom;
    res->elapsed_s = collect_elapsed(src, final);
    for (i = 0; i < src->sh->cfg->readers; i++)
        if (collect_reader(src->rd[i], i, res, w) != 0)
            goto oom;
    if (collect_histogram(res, w) != 0)
        goto oom;
    res->lat_clock = src->sh->lat.kind;
    res->lat_every = src->sh->lat.every;
    lat_summarize(w->lat_sum, &res->lat);
    collect_samples(src->sh, res, w);
    collect_threads(src, res);
    ws_free(w);
    return 0;

oom:
    ws_free(w);
    results_free(res);
    return -1;
}

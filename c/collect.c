/* collect.c - turning what the threads published into a struct results:
 * totals, the merged retry histogram and its percentiles, the torn samples
 * (by kind: samples.h), the placement of the threads. */
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

int collect_results(const struct collect_src *src, struct results *res, int final, int interrupted)
{
    const struct run_shared *sh = src->sh;
    const struct config *cfg = sh->cfg;
    uint32_t i, t, nr = cfg->readers, nw = config_writer_threads(cfg);
    uint64_t exact[PTEAR_EXACT_RETRIES];
    size_t nhist = 0, cap = PTEAR_EXACT_RETRIES + 64, s;
    uint32_t nsamp = 0, out[SAMPLES_MAX], nout;
    struct sample_item *all = NULL;
    uint32_t *idx = NULL;
    struct sample_merge_ws *ws = malloc(sizeof *ws);
    struct sample_pub *pub = malloc(sizeof *pub);
    struct reader_stats *st = malloc(sizeof *st);
    double t_end = 0;
    uint64_t first_ns = UINT64_MAX;

    memset(res, 0, sizeof *res);
    res->cfg = cfg;
    res->host = src->host;
    res->bar = sh->bar;
    res->complete = final;
    res->interrupted = interrupted;
    res->nreaders = nr;
    res->readers = calloc(nr, sizeof *res->readers);
    res->hist = malloc(cap * sizeof *res->hist);
    res->nwriters = nw;
    res->writers = calloc(nw, sizeof *res->writers);
    res->nthreads = cfg->readers + nw;
    res->threads = calloc(res->nthreads, sizeof *res->threads);
    all = malloc((size_t)nr * SAMPLES_MAX * sizeof *all);
    idx = malloc((size_t)nr * SAMPLES_MAX * sizeof *idx);
    if (!st || !ws || !pub || !res->readers || !res->writers || !res->hist || !res->threads || !all || !idx)
        goto oom;
    memset(exact, 0, sizeof exact);

    if (final) {
        for (i = 0; i < nr; i++)
            if (src->rd[i]->t_end > t_end)
                t_end = src->rd[i]->t_end;
        res->elapsed_s = t_end - sh->t0;
    } else {
        res->elapsed_s = mono_now() - sh->t0;
    }
    if (res->elapsed_s < 0)
        res->elapsed_s = 0;

    for (i = 0; i < nr; i++) {
        const struct reader_ctx *rc = src->rd[i];
        uint64_t retried = 0;
        uint32_t k;
        snapshot_reader(rc, st);
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
        if (st->torn > 0 && st->first_torn_ns < first_ns)
            first_ns = st->first_torn_ns;
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
            exact[k] += st->retried[k];
            retried += st->retried[k];
            if (st->retried[k] && k > res->pmax)
                res->pmax = k;
        }
        for (k = 0; k < st->n_rare; k++) {
            retried += st->rare[k].count;
            if (hist_push(res, &nhist, &cap, st->rare[k].retries, st->rare[k].count) != 0)
                goto oom;
        }
        for (k = 0; k < 32; k++) {
            if (!st->pow2[k])
                continue;
            retried += st->pow2[k];
            if (hist_push(res, &nhist, &cap, 1u << k, st->pow2[k]) != 0)
                goto oom;
        }
        exact[0] += st->reads >= retried ? st->reads - retried : 0;   /* reads with no retry */
        /* (samples published before the counters: as new as these at least) */
        snapshot_samples(rc, pub);
        for (k = 0; k < pub->n; k++) {
            all[nsamp].s = pub->s[k];
            all[nsamp++].reader = i;
        }
    }
    for (i = 0; i < PTEAR_EXACT_RETRIES; i++) {
        if (!exact[i])
            continue;
        if (hist_push(res, &nhist, &cap, i, exact[i]) != 0)
            goto oom;
    }
    qsort(res->hist, nhist, sizeof *res->hist, cmp_hist);
    for (s = 0, i = 0; s < nhist; s++) {            /* sum the counts of equal retry counts */
        if (i > 0 && res->hist[i - 1].retries == res->hist[s].retries)
            res->hist[i - 1].count += res->hist[s].count;
        else
            res->hist[i++] = res->hist[s];
    }
    res->nhist = i;
    res->p50 = percentile(res->hist, res->nhist, res->reads, 50);
    res->p99 = percentile(res->hist, res->nhist, res->reads, 99);

    nout = samples_merge(all, nsamp, cfg->seed, ws, idx, out);
    for (i = 0; i < nout; i++) {
        const struct sample_item *it = &all[out[i]];
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
    if (first_ns != UINT64_MAX) {
        res->has_first_torn = 1;
        res->first_torn_s = (double)first_ns * 1e-9;
    }

    for (i = 0; i < nw; i++) {         /* writer_cycles: installs, each after a clear */
        struct writer_counts c;
        seq_snapshot(&src->wr[i]->seq, src->wr[i]->pub, &c, sizeof c);
        res->writers[i].group = src->wr[i]->group;
        res->writers[i].clears = c.clears;
        res->writers[i].installs = c.installs;
        res->writer_cycles += c.installs;
    }
    res->placement_requested = cfg->has_cpus;
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
    free(st);
    free(ws);
    free(pub);
    free(all);
    free(idx);
    return 0;

oom:
    free(st);
    free(ws);
    free(pub);
    free(all);
    free(idx);
    results_free(res);
    return -1;
}

/* collect.c - turning what the threads published into a struct results:
 * totals, the merged retry histogram and its percentiles, the first torn
 * samples by time, the placement of the threads. */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "seqlock.h"

static int cmp_hist(const void *a, const void *b)
{
    const struct hist_entry *x = a, *y = b;
    return x->retries < y->retries ? -1 : x->retries > y->retries;
}

static int cmp_sample(const void *a, const void *b)
{
    const struct torn_sample *x = a, *y = b;
    if (x->t_s != y->t_s)
        return x->t_s < y->t_s ? -1 : 1;
    return x->reader < y->reader ? -1 : x->reader > y->reader;
}

static uint32_t percentile(const struct hist_entry *h, size_t n, uint64_t total, unsigned pct)
{
    uint64_t need = (total * pct + 99) / 100, cum = 0;     /* nearest rank */
    size_t i;
    if (need == 0)
        need = 1;
    for (i = 0; i < n; i++) {
        cum += h[i].count;
        if (cum >= need)
            return h[i].retries;
    }
    return n ? h[n - 1].retries : 0;
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

int engine_collect(struct engine *e, const struct host_info *host, struct results *res, int final,
                          int interrupted)
{
    const struct config *cfg = e->cfg;
    uint32_t i, t, nr = cfg->readers;
    uint64_t exact[HIST_EXACT];
    size_t nhist = 0, cap = HIST_EXACT + 32, nsamp = 0, s;
    struct torn_sample *all = NULL;
    struct reader_stats *st = malloc(sizeof *st);
    double t_end = 0;

    memset(res, 0, sizeof *res);
    res->cfg = cfg;
    res->host = host;
    res->bar = e->bar;
    res->complete = final;
    res->interrupted = interrupted;
    res->nreaders = nr;
    res->readers = calloc(nr, sizeof *res->readers);
    res->hist = malloc(cap * sizeof *res->hist);
    res->nthreads = cfg->readers + cfg->writers;
    res->threads = calloc(res->nthreads, sizeof *res->threads);
    all = malloc((size_t)nr * TORN_SAMPLES_MAX * sizeof *all);
    if (!st || !res->readers || !res->hist || !res->threads || !all) {
        free(st);
        free(all);
        results_free(res);
        return -1;
    }
    memset(exact, 0, sizeof exact);

    if (final) {
        for (i = 0; i < nr; i++)
            if (e->rd[i]->t_end > t_end)
                t_end = e->rd[i]->t_end;
        res->elapsed_s = t_end - e->t0;
    } else {
        res->elapsed_s = mono_now() - e->t0;
    }
    if (res->elapsed_s < 0)
        res->elapsed_s = 0;

    for (i = 0; i < nr; i++) {
        struct reader_ctx *rc = e->rd[i];
        uint32_t k;
        seq_snapshot(&rc->seq, rc->pub, st, sizeof *st);
        res->reads += st->reads;
        res->torn += st->torn;
        res->not_present += st->not_present;
        res->retries += st->retries;
        res->readers[i].reads = st->reads;
        res->readers[i].torn = st->torn;
        res->readers[i].reads_per_s = res->elapsed_s > 0 ? (double)st->reads / res->elapsed_s : 0.0;
        for (k = 0; k < HIST_EXACT; k++)
            exact[k] += st->hist[k];
        for (k = 0; k < st->n_over && k < HIST_OVER; k++) {
            if (hist_push(res, &nhist, &cap, st->over[k].retries, st->over[k].count) != 0)
                goto oom;
        }
        for (k = 0; k < 32; k++) {
            if (!st->pow2[k])
                continue;
            if (hist_push(res, &nhist, &cap, 1u << k, st->pow2[k]) != 0)
                goto oom;
        }
        for (k = 0; k < st->n_samples && k < TORN_SAMPLES_MAX; k++) {
            struct torn_sample *ts = &all[nsamp++];
            const struct torn_raw *raw = &rc->samples[k];
            ts->reader = i;
            ts->pair = raw->pair;
            ts->low = raw->low;
            ts->high = raw->high;
            ts->retries = raw->retries;
            ts->t_s = raw->t_s;
            ts->nvalid = pte_valid_high(&e->enc, raw->low, raw->high, ts->valid_high);
        }
    }
    for (i = 0; i < HIST_EXACT; i++) {
        if (!exact[i])
            continue;
        if (hist_push(res, &nhist, &cap, i, exact[i]) != 0)
            goto oom;
    }
    qsort(res->hist, nhist, sizeof *res->hist, cmp_hist);
    for (s = 0, i = 0; s < nhist; s++) {            /* merge equal retry counts */
        if (i > 0 && res->hist[i - 1].retries == res->hist[s].retries)
            res->hist[i - 1].count += res->hist[s].count;
        else
            res->hist[i++] = res->hist[s];
    }
    res->nhist = i;
    res->p50 = percentile(res->hist, res->nhist, res->reads, 50);
    res->p99 = percentile(res->hist, res->nhist, res->reads, 99);
    res->pmax = res->nhist ? res->hist[res->nhist - 1].retries : 0;

    qsort(all, nsamp, sizeof *all, cmp_sample);
    res->nsamples = (int)(nsamp < TORN_SAMPLES_MAX ? nsamp : TORN_SAMPLES_MAX);
    memcpy(res->samples, all, (size_t)res->nsamples * sizeof *all);
    if (nsamp) {
        res->has_first_torn = 1;
        res->first_torn_s = all[0].t_s;
    }

    for (i = 0; i < cfg->writers; i++) {
        uint64_t c;
        seq_snapshot(&e->wr[i]->seq, e->wr[i]->pub, &c, sizeof c);
        res->writer_cycles += c;
    }
    res->placement_requested = cfg->has_cpus;
    res->placement_granted = 1;
    for (t = 0; t < res->nthreads; t++) {
        struct thread_place *p = &res->threads[t];
        p->is_writer = t < cfg->writers;
        p->index = p->is_writer ? t : t - cfg->writers;
        p->cpu = p->is_writer ? e->wr[p->index]->cpu : e->rd[p->index]->cpu;
        /* each thread set its pinned flag before arriving at the gate */
        p->pinned = p->is_writer ? e->wr[p->index]->pinned : e->rd[p->index]->pinned;
        if (p->cpu >= 0 && !p->pinned)
            res->placement_granted = 0;
    }
    free(st);
    free(all);
    return 0;

oom:
    free(st);
    free(all);
    results_free(res);
    return -1;
}


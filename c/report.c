/* report.c - the text report and the JSON report (schema ptear/1, see
 * docs/json-schema.md: every key always present, null where noted). */
#include <stdlib.h>
#include <string.h>

#include "report.h"

void results_free(struct results *r)
{
    free(r->readers);
    free(r->writers);
    free(r->hist);
    free(r->threads);
    r->readers = NULL;
    r->writers = NULL;
    r->hist = NULL;
    r->threads = NULL;
}

const char *results_verdict(const struct results *r)
{
    return r->torn > 0 ? "torn" : "clean";
}

static double per_s(uint64_t n, double s)
{
    return s > 0 ? (double)n / s : 0.0;
}

/* "tool": the same object in every document ptear writes (ptear/1 and
 * ptear-list/1). */
void report_json_tool(struct json *j)
{
    json_obj_begin(j, "tool");
    json_str(j, "name", PTEAR_NAME);
    json_str(j, "version", PTEAR_VERSION);
    json_str(j, "implementation", PTEAR_IMPLEMENTATION);
    json_obj_end(j);
}

static void json_host(struct json *j, const struct host_info *h)
{
    json_obj_begin(j, "host");
    json_str(j, "arch", h->arch);
    json_str(j, "os", "linux");
    json_str(j, "kernel", h->kernel);
    json_str(j, "cpu_model", h->cpu_model);
    json_int(j, "cpus", h->cpus);
    json_int(j, "page_size", h->page_size);
    json_bool(j, "emulated", h->emulated);
    json_str_or_null(j, "emulation_note", h->emulated ? h->emulation_note : NULL);
    json_str_or_null(j, "vm", h->vm[0] ? h->vm : NULL);
    json_obj_end(j);
}

static void json_config(struct json *j, const struct results *r)
{
    const struct config *c = r->cfg;
    uint32_t i;

    json_obj_begin(j, "config");
    json_str(j, "reader", reader_names[c->reader]);
    json_str(j, "writer", writer_names[c->writer]);
    json_str(j, "barrier", barrier_names[c->barrier]);
    json_str(j, "barrier_detail", r->bar.detail);
    json_u64(j, "readers", c->readers);
    json_u64(j, "writers", c->writers);
    json_u64(j, "writers_per_entry", c->writers_per_entry);
    json_u64(j, "pairs", c->pairs);
    if (c->has_duration)
        json_f64(j, "duration_s", c->duration_s);
    else
        json_null(j, "duration_s");
    if (c->has_reads)
        json_u64(j, "reads", c->reads);
    else
        json_null(j, "reads");
    json_u64(j, "low_period", c->low_period);
    json_u64(j, "writer_gap", c->writer_gap);
    json_u64(j, "reader_gap", c->reader_gap);
    json_u64(j, "seed", c->seed);
    if (c->has_cpus) {
        json_arr_begin(j, "cpus");
        for (i = 0; i < c->ncpus; i++)
            json_int(j, NULL, c->cpus[i]);
        json_arr_end(j);
    } else {
        json_null(j, "cpus");
    }
    if (c->has_checkpoint)
        json_f64(j, "checkpoint_s", c->checkpoint_s);
    else
        json_null(j, "checkpoint_s");
    json_str(j, "layout", layout_table[c->layout].name);
    json_str(j, "clear_to", clear_to_names[c->clear_to]);
    json_str(j, "level", level_names[c->level]);
    json_obj_end(j);
}

static void json_placement(struct json *j, const struct results *r)
{
    uint32_t i;

    json_obj_begin(j, "placement");
    json_bool(j, "requested", r->placement_requested);
    json_bool(j, "granted", r->placement_granted);
    json_arr_begin(j, "threads");
    for (i = 0; i < r->nthreads; i++) {
        const struct thread_place *p = &r->threads[i];
        json_obj_begin(j, NULL);
        json_str(j, "role", p->is_writer ? "writer" : "reader");
        json_u64(j, "index", p->index);
        if (p->cpu >= 0)
            json_int(j, "cpu", p->cpu);
        else
            json_null(j, "cpu");
        json_bool(j, "pinned", p->pinned);
        json_obj_end(j);
    }
    json_arr_end(j);
    json_obj_end(j);
}

/* totals.gup_fast: null for every other reader. */
static void json_gup_fast(struct json *j, const struct results *r)
{
    if (r->cfg->reader != READER_GUP_FAST) {
        json_null(j, "gup_fast");
        return;
    }
    json_obj_begin(j, "gup_fast");
    json_u64(j, "accepted", r->reads - r->not_present - r->fallback_recheck);
    json_u64(j, "fallback_not_present", r->not_present);
    json_u64(j, "fallback_recheck", r->fallback_recheck);
    json_u64(j, "first_wrong", r->caught + r->torn);
    json_u64(j, "caught", r->caught);
    json_u64(j, "slipped", r->torn);
    json_obj_end(j);
}

static void json_totals(struct json *j, const struct results *r)
{
    size_t k;

    json_obj_begin(j, "totals");
    json_u64(j, "reads", r->reads);
    json_u64(j, "torn", r->torn);
    json_u64(j, "not_present", r->not_present);
    json_u64(j, "retries", r->retries);
    json_u64(j, "inexact_retry_reads", r->inexact_retry_reads);
    json_f64(j, "elapsed_s", r->elapsed_s);
    json_f64(j, "reads_per_s", per_s(r->reads, r->elapsed_s));
    json_u64(j, "writer_cycles", r->writer_cycles);
    json_f64(j, "writer_cycles_per_s", per_s(r->writer_cycles, r->elapsed_s));
    if (r->has_first_torn)
        json_f64(j, "first_torn_s", r->first_torn_s);
    else
        json_null(j, "first_torn_s");
    json_u64(j, "mixed", r->mixed);
    json_u64(j, "transient", r->transient);
    json_obj_begin(j, "consequences");
    for (k = 0; k < CONS_N; k++)
        json_u64(j, cons_names[k], r->cons[k]);
    json_obj_end(j);
    json_obj_begin(j, "families");
    for (k = 0; k < SFAM_N; k++)
        json_u64(j, sample_family_names[k], r->families[k]);
    json_obj_end(j);
    json_gup_fast(j, r);
    json_obj_end(j);
}

/* "readers" and "writers": one object per thread. */
static void json_threads(struct json *j, const struct results *r)
{
    uint32_t i;

    json_arr_begin(j, "readers");
    for (i = 0; i < r->nreaders; i++) {
        json_obj_begin(j, NULL);
        json_u64(j, "index", i);
        json_u64(j, "reads", r->readers[i].reads);
        json_f64(j, "reads_per_s", r->readers[i].reads_per_s);
        json_u64(j, "torn", r->readers[i].torn);
        json_u64(j, "mixed", r->readers[i].mixed);
        json_u64(j, "transient", r->readers[i].transient);
        json_obj_end(j);
    }
    json_arr_end(j);

    json_arr_begin(j, "writers");
    for (i = 0; i < r->nwriters; i++) {
        json_obj_begin(j, NULL);
        json_u64(j, "index", i);
        json_u64(j, "group", r->writers[i].group);
        json_u64(j, "clears", r->writers[i].clears);
        json_u64(j, "installs", r->writers[i].installs);
        json_obj_end(j);
    }
    json_arr_end(j);
}

/* "retry_histogram" and "retry_percentiles". */
static void json_retries(struct json *j, const struct results *r)
{
    size_t k;

    json_arr_begin(j, "retry_histogram");
    for (k = 0; k < r->nhist; k++) {
        json_obj_begin(j, NULL);
        json_u64(j, "retries", r->hist[k].retries);
        json_u64(j, "count", r->hist[k].count);
        json_obj_end(j);
    }
    json_arr_end(j);

    json_obj_begin(j, "retry_percentiles");
    json_u64(j, "p50", r->p50);
    json_u64(j, "p99", r->p99);
    json_u64(j, "max", r->pmax);
    json_obj_end(j);
}

/* "read_latency": the sampled reads' histogram (latency.h), its clock
 * (latclock.h) and sampling interval; every percentile 0 without samples. */
static void json_latency(struct json *j, const struct results *r)
{
    json_obj_begin(j, "read_latency");
    json_str(j, "clock", lat_clock_name(r->lat_clock));
    json_u64(j, "sampled_every", r->lat_every);
    json_u64(j, "samples", r->lat.samples);
    json_u64(j, "p50_ns", r->lat.p50);
    json_u64(j, "p90_ns", r->lat.p90);
    json_u64(j, "p99_ns", r->lat.p99);
    json_u64(j, "p999_ns", r->lat.p999);
    json_u64(j, "max_ns", r->lat.max);
    json_obj_end(j);
}

/* One of "torn_samples". */
static void json_sample(struct json *j, const struct torn_sample *s)
{
    int v;

    json_obj_begin(j, NULL);
    json_u64(j, "reader", s->reader);
    json_u64(j, "pair", s->pair);
    json_u64(j, "low", s->low);
    json_u64(j, "high", s->high);
    json_arr_begin(j, "valid_high");
    for (v = 0; v < s->nvalid; v++)
        json_u64(j, NULL, s->valid_high[v]);
    json_arr_end(j);
    json_u64(j, "retries", s->retries);
    json_f64(j, "t_s", s->t_s);
    json_str(j, "class", s->cls == PTE_TRANSIENT ? "transient" : "mixed");
    json_arr_begin(j, "consequences");
    for (v = 0; v < CONS_N; v++)
        if (s->cons & (1u << v))
            json_str(j, NULL, cons_names[v]);
    json_arr_end(j);
    json_obj_begin(j, "decoded");
    json_bool(j, "present", s->dec.present);
    json_bool(j, "protnone", s->dec.protnone);
    json_u64(j, "pfn", s->dec.pfn);
    json_bool(j, "writable", s->dec.writable);
    if (s->dec.exec < 0)
        json_null(j, "exec");
    else
        json_bool(j, "exec", s->dec.exec);
    json_obj_end(j);
    json_str(j, "family", sample_family_names[s->family]);
    json_str(j, "chosen", sample_chosen_names[s->chosen]);
    json_obj_end(j);
}

/* Every key always present, in docs/json-schema.md's order (c/test.sh
 * checks both). */
void report_json(struct json *j, const char *key, const struct results *r)
{
    int i;

    json_obj_begin(j, key);
    json_str(j, "schema", PTEAR_SCHEMA);
    json_bool(j, "complete", r->complete);
    json_bool(j, "interrupted", r->interrupted);
    json_str(j, "verdict", results_verdict(r));
    report_json_tool(j);
    json_host(j, r->host);
    json_config(j, r);
    json_placement(j, r);
    json_totals(j, r);
    json_threads(j, r);
    json_retries(j, r);
    json_latency(j, r);
    json_arr_begin(j, "torn_samples");
    for (i = 0; i < r->nsamples; i++)
        json_sample(j, &r->samples[i]);
    json_arr_end(j);
    json_obj_end(j);
}

char *report_json_string(const struct results *r)
{
    struct json j;
    const char *text;
    char *out = NULL;
    json_init(&j);
    report_json(&j, NULL, r);
    text = json_done(&j);
    if (text)
        out = strdup(text);
    json_free(&j);
    return out;
}

/* 12345678 -> "12,345,678" */
static const char *grouped(char *buf, size_t len, uint64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v), i, o = 0;
    for (i = 0; i < n && (size_t)o + 2 < len; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = 0;
    return buf;
}

static const char *rate(char *buf, size_t len, double r)
{
    if (r >= 1e6)
        snprintf(buf, len, "%.2f M/s", r / 1e6);
    else if (r >= 1e3)
        snprintf(buf, len, "%.1f k/s", r / 1e3);
    else
        snprintf(buf, len, "%.1f /s", r);
    return buf;
}

static void hex_list(char *buf, size_t len, const struct torn_sample *s)
{
    if (s->nvalid)
        snprintf(buf, len, "0x%08x", s->valid_high[0]);
    else
        snprintf(buf, len, "none");
}

/* "wrong_page, nx_lost" */
static void cons_list(char *buf, size_t len, uint32_t cons)
{
    int v, o = 0;
    buf[0] = 0;
    for (v = 0; v < CONS_N && o >= 0 && (size_t)o < len; v++)
        if (cons & (1u << v))
            o += snprintf(buf + o, len - (size_t)o, "%s%s", o ? ", " : "", cons_names[v]);
    if (!o)
        snprintf(buf, len, "none");
}

/* The run's set-up: host, kinds, layout, threads, stop, the rest of the
 * options and where --cpus put each thread. */
static void text_config(FILE *f, const struct results *r)
{
    const struct config *c = r->cfg;
    const struct host_info *h = r->host;
    char a[64], cpus[256];
    uint32_t i;
    int o = 0;

    fprintf(f, "ptear %s (C port), %s, %s\n", PTEAR_VERSION, h->arch, h->cpu_model);
    fprintf(f, "  host:      Linux %s, %ld CPUs online, page size %ld\n", h->kernel, h->cpus, h->page_size);
    if (h->emulated)
        fprintf(f, "  emulated:  %s\n", h->emulation_note);
    if (h->vm[0])
        fprintf(f, "  vm:        %s\n", h->vm);
    fprintf(f, "  reader:    %s\n  writer:    %s\n  barrier:   %s (%s)\n", reader_names[c->reader],
            writer_names[c->writer], barrier_names[c->barrier], r->bar.detail);
    fprintf(f, "  layout:    %s (%s)\n", layout_table[c->layout].name, layout_table[c->layout].help);
    fprintf(f, "  entries:   level %s, clear to %s\n", level_names[c->level], clear_to_names[c->clear_to]);
    fprintf(f, "  threads:   %u reader%s, %u writer%s x %u per entry, %u pair%s\n", c->readers,
            c->readers == 1 ? "" : "s", c->writers, c->writers == 1 ? "" : "s", c->writers_per_entry, c->pairs,
            c->pairs == 1 ? "" : "s");
    if (c->has_duration && c->has_reads)
        fprintf(f, "  stop:      after %g s or %s reads\n", c->duration_s, grouped(a, sizeof a, c->reads));
    else if (c->has_reads)
        fprintf(f, "  stop:      after %s reads\n", grouped(a, sizeof a, c->reads));
    else
        fprintf(f, "  stop:      after %g s\n", c->duration_s);
    fprintf(f, "  low period %u, writer gap %u, reader gap %u, seed %llu\n", c->low_period, c->writer_gap,
            c->reader_gap, (unsigned long long)c->seed);
    if (c->has_cpus) {
        cpus[0] = 0;
        for (i = 0; i < r->nthreads && o >= 0 && (size_t)o < sizeof cpus; i++)
            o += snprintf(cpus + o, sizeof cpus - (size_t)o, "%s%c%u:%d%s", i ? " " : "",
                          r->threads[i].is_writer ? 'w' : 'r', r->threads[i].index, r->threads[i].cpu,
                          r->threads[i].pinned ? "" : "(not pinned)");
        fprintf(f, "  cpus:      %s%s\n", cpus, r->placement_granted ? "" : "  [some pins did not take effect]");
    }
}

/* What the run counted: reads and writer cycles (per thread where there
 * are several), wrong values by class, consequence and family, gup-fast's
 * fallbacks, the first wrong value's time. */
static void text_counts(FILE *f, const struct results *r)
{
    const struct config *c = r->cfg;
    char a[64], b[64], t[64];
    uint32_t i;

    fprintf(f, "elapsed        %.3f s\n", r->elapsed_s);
    fprintf(f, "reads          %s (%s)\n", grouped(a, sizeof a, r->reads), rate(b, sizeof b, per_s(r->reads, r->elapsed_s)));
    for (i = 0; i < r->nreaders && r->nreaders > 1; i++)
        fprintf(f, "  reader %-4u  %s (%s), %s torn (%llu mixed, %llu transient)\n", i,
                grouped(a, sizeof a, r->readers[i].reads), rate(b, sizeof b, r->readers[i].reads_per_s),
                grouped(t, sizeof t, r->readers[i].torn), (unsigned long long)r->readers[i].mixed,
                (unsigned long long)r->readers[i].transient);
    fprintf(f, "writer cycles  %s (%s)\n", grouped(a, sizeof a, r->writer_cycles),
            rate(b, sizeof b, per_s(r->writer_cycles, r->elapsed_s)));
    for (i = 0; i < r->nwriters && c->writers_per_entry > 1; i++)
        fprintf(f, "  writer %-4u  group %u: %s clears, %s installs\n", i, r->writers[i].group,
                grouped(a, sizeof a, r->writers[i].clears), grouped(b, sizeof b, r->writers[i].installs));
    fprintf(f, "not present    %s\n", grouped(a, sizeof a, r->not_present));
    fprintf(f, "torn           %s", grouped(a, sizeof a, r->torn));
    fprintf(f, " (mixed %s", grouped(a, sizeof a, r->mixed));
    fprintf(f, ", transient %s)\n", grouped(a, sizeof a, r->transient));
    for (i = 0; i < CONS_N; i++)
        if (r->cons[i])
            fprintf(f, "  %-18s %s\n", cons_names[i], grouped(a, sizeof a, r->cons[i]));
    fprintf(f, "families: ");
    for (i = 0; i < SFAM_N; i++)
        fprintf(f, "%s%s %s", i ? ", " : "", sample_family_names[i], grouped(a, sizeof a, r->families[i]));
    fprintf(f, "\n");
    if (c->reader == READER_GUP_FAST) {
        fprintf(f, "gup-fast       accepted %s", grouped(a, sizeof a, r->reads - r->not_present - r->fallback_recheck));
        fprintf(f, ", fallback: not present %s", grouped(a, sizeof a, r->not_present));
        fprintf(f, ", re-check %s\n", grouped(a, sizeof a, r->fallback_recheck));
        fprintf(f, "               first value wrong %s", grouped(a, sizeof a, r->caught + r->torn));
        fprintf(f, ": caught %s", grouped(a, sizeof a, r->caught));
        fprintf(f, ", slipped %s\n", grouped(a, sizeof a, r->torn));
    }
    if (r->has_first_torn)
        fprintf(f, "first torn at  %.6f s\n", r->first_torn_s);
}

/* The kept wrong values, two lines each: the value, then how it was kept
 * and what it decodes to. */
static void text_samples(FILE *f, const struct results *r)
{
    char a[64];
    int i;

    if (!r->nsamples)
        return;
    fprintf(f, "torn samples (%d of %s wrong reads: the first %u of each kind, then a random sample of the "
            "rest):\n", r->nsamples, grouped(a, sizeof a, r->torn), PTEAR_KIND_FIRST);
    fprintf(f, "  %10s %6s %8s %10s %10s %8s %-9s %-9s  %s\n", "t_s", "reader", "pair", "low", "high",
            "retries", "class", "family", "valid high");
    for (i = 0; i < r->nsamples; i++) {
        const struct torn_sample *s = &r->samples[i];
        char vh[64], cl[160];
        hex_list(vh, sizeof vh, s);
        cons_list(cl, sizeof cl, s->cons);
        fprintf(f, "  %10.6f %6u %8u 0x%08x 0x%08x %8u %-9s %-9s  %s\n", s->t_s, s->reader, s->pair, s->low,
                s->high, s->retries, s->cls == PTE_TRANSIENT ? "transient" : "mixed",
                sample_family_names[s->family], vh);
        fprintf(f, "  %10s %s; %s, pfn 0x%llx, %s, exec %s: %s\n", "", sample_chosen_names[s->chosen],
                s->dec.protnone ? "PROT_NONE" : s->dec.present ? "present" : "not present",
                (unsigned long long)s->dec.pfn, s->dec.writable ? "writable" : "read-only",
                s->dec.exec < 0 ? "n/a" : s->dec.exec ? "yes" : "no", cl);
    }
}

/* Retries: totals and percentiles, then the histogram as bars of up to 50
 * '#', scaled to the largest count. */
static void text_retries(FILE *f, const struct results *r)
{
    char a[64];
    uint64_t most = 0;
    size_t k;

    fprintf(f, "retries        total %s, p50 %u, p99 %u, max %u\n", grouped(a, sizeof a, r->retries), r->p50,
            r->p99, r->pmax);
    if (r->lat.samples)             /* the Rust tool prints the same line */
        fprintf(f, "  read latency   %16llu  timed 1 in %llu by %s: p50 %llu ns, p90 %llu ns, p99 %llu ns, "
                "p99.9 %llu ns, max %llu ns\n", (unsigned long long)r->lat.samples,
                (unsigned long long)r->lat_every, lat_clock_name(r->lat_clock), (unsigned long long)r->lat.p50,
                (unsigned long long)r->lat.p90, (unsigned long long)r->lat.p99, (unsigned long long)r->lat.p999,
                (unsigned long long)r->lat.max);
    if (r->inexact_retry_reads)
        fprintf(f, "               %s reads had a retry count that did not fit the %u exact slots: counted at "
                "the power of two below it\n", grouped(a, sizeof a, r->inexact_retry_reads), PTEAR_RARE_SLOTS);
    for (k = 0; k < r->nhist; k++)
        if (r->hist[k].count > most)
            most = r->hist[k].count;
    if (r->nhist) {
        fprintf(f, "retry histogram (reads per retry count):\n");
        for (k = 0; k < r->nhist; k++) {
            int bars = (int)((r->hist[k].count * 50 + most - 1) / most), x;
            fprintf(f, "  %8u | ", r->hist[k].retries);
            for (x = 0; x < bars; x++)
                fputc('#', f);
            fprintf(f, " %s\n", grouped(a, sizeof a, r->hist[k].count));
        }
    }
}

void report_text(FILE *f, const struct results *r)
{
    text_config(f, r);
    fprintf(f, "\n");
    if (r->interrupted)
        fprintf(f, "INTERRUPTED: the report covers the run up to the signal.\n");
    if (!r->complete)
        fprintf(f, "(run still going: a checkpoint)\n");
    text_counts(f, r);
    text_samples(f, r);
    text_retries(f, r);
    fprintf(f, "\nverdict: %s\n", r->torn ? "TORN (a read returned a pair that was never installed)"
                                          : "clean (no torn read)");
}

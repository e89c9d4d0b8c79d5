/* retry_histogram.c - retry counts are exact, however large: the C
 * counterpart of tests/retry_histogram.rs.
 *
 * Real threads rarely produce reads with thousands of retries, so this
 * makes them on purpose, deterministically, in one thread. It runs the
 * port's own reader: hammer_reader.c is included whole, so hammer_reader()
 * dispatches to the real reader_loop (lockless reader, --barrier kernel
 * resolved as a run resolves it, gap on) with the real ptep_get_lockless,
 * retried[]/reader_rare() counting and seqlock publication. The one
 * difference is the gap, selected at compile time in this translation unit
 * only: gap_spin() (gap.h) is replaced by stall_gap(), defined below,
 * before protocol.h is compiled. No production file has a hook.
 *
 * stall_gap() stalls the reader on the second gap of each attempt, between
 * loading the high half and re-checking the low half, and during the stall
 * clears and re-installs the entry with the port's own pte_clear() and
 * set_pte() (the next entry, whose low half differs), so the re-check
 * fails and the read goes round again. A schedule says how many stalls each
 * read suffers, so every read's retry count is known. The report is then
 * built the normal way (collect_results(): the merged histogram, totals,
 * percentiles, inexact_retry_reads; report_json_string()) and checked.
 *
 *   retry-histogram-ARCH [A.json [B.json]]
 * writes the ptear/1 report of each schedule where asked (c/test.sh checks
 * those with Python too). Prints an ok or FAIL line per schedule, and for a
 * probe that shows where the stall sits; exit 0 if all checks passed, 1 if
 * not. Built by `c/build.sh ARCH tests`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../gap.h"

/* The test's gap type: from here on, every gap_spin(g) in protocol.h (the
 * reader's two gaps, the writers' too, which never run here) is
 * stall_gap(g). gap.h's own gap_spin is already defined above and unused. */
static void stall_gap(struct gap_stream *g);
#define gap_spin(g) stall_gap(g)

#include "../hammer_reader.c"   /* the real reader loops, compiled with the gap above */

#include "../collect.h"
#include "../hostinfo.h"
#include "../report.h"

/* What the stalled reader and the "writer" that runs during its stalls
 * share: the schedule and where the reader is in it. */
static struct stall_state {
    struct pte_pair *pair;
    struct pte_enc enc;
    enum bar_eff b;
    uint32_t j, h;                  /* the installed entry E(j, h) */
    const uint32_t *schedule;
    size_t n;
    size_t read;                    /* the read being made */
    uint32_t attempt;               /* stalls it has had so far */
    uint64_t gaps;                  /* gap calls, 2 per attempt: odd after the low load, even after the high */
    uint64_t extra;                 /* gap calls past the schedule's end: a bug */
    int probe;                      /* 1 or 2: the placement probe of main()'s part 3 */
} st;

static void stall_gap(struct gap_stream *g)
{
    (void)g;
    /* ptep_get_lockless: low load, gap 1, high load, gap 2, re-check */
    const int which = (++st.gaps & 1) ? 1 : 2;
    if (st.probe) {
        /* in gap st.probe of the first read, only the high half changes
         * (to the next entry's): the re-check passes either way, and the
         * read is torn only if the high half was loaded after the change */
        if (which == st.probe && st.read == 0) {
            uint32_t j = st.j, h = st.h;
            pte_step(&st.enc, &j, &h);
            WRITE_ONCE32(st.pair->high, pte_H(&st.enc, h, j & 1));
        }
        if (which == 2)
            st.read++;
        return;
    }
    if (which == 1)
        return;                     /* gap 1, after the low load: no stall */
    if (st.read >= st.n) {
        st.extra++;
        return;
    }
    if (st.attempt < st.schedule[st.read]) {
        /* stalled between the high load and the re-check of the low half:
         * the writer clears the entry and installs the next one */
        pte_step(&st.enc, &st.j, &st.h);
        pte_clear(st.pair, st.b, 0, NULL);
        set_pte(st.pair, pte_L(&st.enc, st.j), pte_H(&st.enc, st.h, st.j & 1), st.b, 0, NULL);
        st.attempt++;
    } else {
        /* no stall: the re-check passes and this read is done */
        st.read++;
        st.attempt = 0;
    }
}

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

/* Runs one reader through `schedule` and builds its report into res. */
static int hammer(const char *name, const uint32_t *schedule, size_t n, int probe, struct results *res,
                  const struct host_info *host, struct config *cfg, struct run_shared *sh, struct pte_pair *pair)
{
    static const uint32_t order[1] = { 0 };
    struct reader_ctx *rc = NULL;
    struct writer_ctx *wc = NULL;
    struct collect_src src;
    char err[256];

    memset(cfg, 0, sizeof *cfg);
    cfg->reader = READER_LOCKLESS;
    cfg->writer = WRITER_DOCUMENTED;
    cfg->barrier = BARRIER_KERNEL;
    cfg->readers = cfg->writers = cfg->writers_per_entry = cfg->pairs = 1;
    cfg->has_reads = 1;
    cfg->reads = n;
    cfg->layout = LAYOUT_X86_PAE;
    cfg->low_period = PTEAR_MAX_LOW_PERIOD;
    cfg->reader_gap = 1;            /* the gap-on loop: where the stalls go */
    cfg->quiet = 1;

    memset(sh, 0, sizeof *sh);
    sh->pairs = pair;
    sh->enc = pte_enc_make(cfg->layout, cfg->low_period, writer_half_cleared(cfg->writer));
    sh->cfg = cfg;
    if (barrier_resolve(cfg->barrier, &sh->bar, err, sizeof err) != 0) {
        printf("FAIL  %s: --barrier kernel: %s\n", name, err);
        return -1;
    }
    if (posix_memalign((void **)&rc, CACHELINE, sizeof *rc) != 0 ||
        posix_memalign((void **)&wc, CACHELINE, sizeof *wc) != 0) {
        printf("FAIL  %s: out of memory\n", name);
        free(rc);
        return -1;
    }
    memset(rc, 0, sizeof *rc);
    memset(wc, 0, sizeof *wc);
    rc->sh = sh;
    rc->cpu = -1;
    rc->order = order;
    rc->norder = 1;
    rc->quota = n;
    rc->publish_step = 16;          /* many publications, the rare table growing between them */
    gap_table_fill(rc->gap_table, 1, 0);
    wc->sh = sh;
    wc->cpu = -1;

    memset(&st, 0, sizeof st);
    st.pair = pair;
    st.enc = sh->enc;
    st.b = sh->bar.eff;
    st.j = pte_first_j(&sh->enc);
    st.h = pte_first_h(&sh->enc);
    st.schedule = schedule;
    st.n = n;
    st.probe = probe;
    pair->low = pair->high = 0;
    set_pte(pair, pte_L(&st.enc, st.j), pte_H(&st.enc, st.h, st.j & 1), st.b, 0, NULL);

    sh->t0 = mono_now();
    hammer_reader(rc);              /* the real dispatch: lockless, the kernel barrier, gap on */
    rc->t_end = mono_now();

    src.sh = sh;
    src.host = host;
    src.rd = &rc;
    src.wr = &wc;
    if (collect_results(&src, res, 1, 0) != 0) {
        printf("FAIL  %s: collect_results: out of memory\n", name);
        free(rc);
        free(wc);
        return -1;
    }
    free(rc);
    free(wc);
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The checks both schedules share: every read made as scheduled, totals. */
static void check_common(const char *name, const uint32_t *schedule, size_t n, const struct results *res)
{
    uint64_t sum = 0, counted = 0;
    uint32_t max = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        sum += schedule[i];
        if (schedule[i] > max)
            max = schedule[i];
    }
    for (i = 0; i < res->nhist; i++)
        counted += res->hist[i].count;
    CHECK(st.read == n, "%zu of %zu scheduled reads made", st.read, n);
    CHECK(st.extra == 0, "%llu gaps after the last read", (unsigned long long)st.extra);
    CHECK(st.gaps == 2 * (n + sum), "%llu gap calls, want 2 per attempt = %llu", (unsigned long long)st.gaps,
          (unsigned long long)(2 * (n + sum)));
    CHECK(res->reads == n, "%llu reads", (unsigned long long)res->reads);
    CHECK(res->torn == 0 && res->not_present == 0, "torn %llu, not present %llu", (unsigned long long)res->torn,
          (unsigned long long)res->not_present);
    CHECK(res->retries == sum, "totals.retries %llu, want %llu", (unsigned long long)res->retries,
          (unsigned long long)sum);
    CHECK(counted == res->reads, "the histogram counts %llu reads", (unsigned long long)counted);
    CHECK(res->pmax == max, "max %u, want %u", res->pmax, max);
    CHECK(res->complete && !res->interrupted, "complete %d interrupted %d", res->complete, res->interrupted);
}

static int write_json(const char *name, const struct results *res, const char *path)
{
    char err[512];
    char *text = report_json_string(res);
    int rc;
    if (!text) {
        printf("FAIL  %s: report_json_string: out of memory\n", name);
        return -1;
    }
    rc = path ? write_file_atomic(path, text, err, sizeof err) : 0;
    if (rc)
        printf("FAIL  %s: %s\n", name, err);
    free(text);
    return rc;
}

int main(int argc, char **argv)
{
    static struct pte_pair pair;
    struct host_info host;
    struct config cfg;
    struct run_shared sh;
    struct results res;
    uint32_t *sched, *sorted;
    size_t n, i, j, nwant;
    int bad;

    host_info_get(&host);

    /* 1. 100 reads with no retry, then 1, 255, 256, 1000 (x3), 1001, 4096,
     * 70000, 3: the histogram must be exactly the schedule's. */
    {
        static const uint32_t tail[] = { 1, 255, 256, 1000, 1000, 1000, 1001, 4096, 70000, 3 };
        const char *name = "thousands of retries, exact";
        uint64_t hsum = 0;
        n = 100 + sizeof tail / sizeof tail[0];
        sched = calloc(n, sizeof *sched);
        sorted = calloc(n, sizeof *sorted);
        if (!sched || !sorted)
            return 1;
        memcpy(sched + 100, tail, sizeof tail);
        memcpy(sorted, sched, n * sizeof *sched);
        qsort(sorted, n, sizeof *sorted, cmp_u32);
        bad = failures;
        if (hammer(name, sched, n, 0, &res, &host, &cfg, &sh, &pair) != 0)
            return 1;
        check_common(name, sched, n, &res);
        /* the wanted histogram: the sorted schedule, run-length coded */
        for (i = 0, nwant = 0; i < n; i = j, nwant++) {
            for (j = i; j < n && sorted[j] == sorted[i]; j++)
                ;
            CHECK(nwant < res.nhist && res.hist[nwant].retries == sorted[i] && res.hist[nwant].count == j - i,
                  "histogram entry %zu is %u x %llu, want %u x %zu", nwant,
                  nwant < res.nhist ? res.hist[nwant].retries : 0,
                  (unsigned long long)(nwant < res.nhist ? res.hist[nwant].count : 0), sorted[i], j - i);
        }
        CHECK(res.nhist == nwant, "%zu histogram entries, want %zu", res.nhist, nwant);
        for (i = 0; i < res.nhist; i++)
            hsum += (uint64_t)res.hist[i].retries * res.hist[i].count;
        CHECK(hsum == res.retries, "sum(count * retries) %llu, totals.retries %llu", (unsigned long long)hsum,
              (unsigned long long)res.retries);
        CHECK(res.inexact_retry_reads == 0, "inexact_retry_reads %llu", (unsigned long long)res.inexact_retry_reads);
        CHECK(res.pmax == 70000 && res.p50 == 0 && res.p99 == 4096, "max %u p50 %u p99 %u", res.pmax, res.p50,
              res.p99);
        if (write_json(name, &res, argc > 1 ? argv[1] : NULL) != 0)
            failures++;
        if (failures == bad)
            printf("ok    %s: %zu reads, %zu histogram entries, max %u, p50 %u, p99 %u, retries %llu = sum(count "
                   "* retries), inexact 0\n", name, n, res.nhist, res.pmax, res.p50, res.p99,
                   (unsigned long long)res.retries);
        results_free(&res);
        free(sched);
        free(sorted);
    }

    /* 2. PTEAR_RARE_SLOTS + 6 distinct counts from 300 up: the last 6 are
     * new when the table is full and stand at their power of two (1024,
     * itself one of the exact counts), flagged inexact; counts still sum
     * to the reads, the max and totals.retries stay exact. */
    {
        const char *name = "more distinct counts than slots, inexact";
        const uint32_t last = 300 + PTEAR_RARE_SLOTS + 5;
        uint64_t hsum = 0, lost = 0;
        size_t wrong = 0;
        n = PTEAR_RARE_SLOTS + 6;
        sched = calloc(n, sizeof *sched);
        if (!sched)
            return 1;
        for (i = 0; i < n; i++)
            sched[i] = 300 + (uint32_t)i;
        bad = failures;
        if (hammer(name, sched, n, 0, &res, &host, &cfg, &sh, &pair) != 0)
            return 1;
        check_common(name, sched, n, &res);
        CHECK(res.inexact_retry_reads == 6, "inexact_retry_reads %llu", (unsigned long long)res.inexact_retry_reads);
        CHECK(res.nhist == PTEAR_RARE_SLOTS, "%zu histogram entries, want %u", res.nhist, PTEAR_RARE_SLOTS);
        for (i = 0; i < res.nhist; i++) {
            uint64_t want = res.hist[i].retries == 1024 ? 7 : 1;
            if (res.hist[i].retries != 300 + i || res.hist[i].count != want)
                wrong++;
            hsum += (uint64_t)res.hist[i].retries * res.hist[i].count;
        }
        CHECK(wrong == 0, "%zu histogram entries differ from 300..%u x 1 with 1024 x 7", wrong, last - 6);
        for (i = last - 5; i <= last; i++)
            lost += i - 1024;
        CHECK(hsum + lost == res.retries, "sum(count * retries) %llu + lost %llu, totals.retries %llu",
              (unsigned long long)hsum, (unsigned long long)lost, (unsigned long long)res.retries);
        if (write_json(name, &res, argc > 2 ? argv[2] : NULL) != 0)
            failures++;
        if (failures == bad)
            printf("ok    %s: %zu reads, inexact_retry_reads %llu, max %u, counts sum to reads\n", name, n,
                   (unsigned long long)res.inexact_retry_reads, res.pmax);
        results_free(&res);
        free(sched);
    }

    /* 3. where the stall is: a change of the high half alone in gap 2 is
     * not seen (the high half was loaded before it), the same change in
     * gap 1 is (a torn read). So gap 2, where the stalls of 1. and 2. go,
     * sits between the high load and the re-check of the low half. */
    {
        const char *name = "stall placement";
        static const uint32_t one[1] = { 0 };
        uint64_t torn[3] = { 0, 0, 0 };
        int probe;
        bad = failures;
        for (probe = 1; probe <= 2; probe++) {
            if (hammer(name, one, 1, probe, &res, &host, &cfg, &sh, &pair) != 0)
                return 1;
            torn[probe] = res.torn;
            CHECK(res.reads == 1 && res.retries == 0 && st.gaps == 2, "gap %d: %llu reads, %llu retries, %llu gaps",
                  probe, (unsigned long long)res.reads, (unsigned long long)res.retries,
                  (unsigned long long)st.gaps);
            results_free(&res);
        }
        CHECK(torn[1] == 1 && torn[2] == 0, "a high-half change in gap 1 gave %llu torn reads, in gap 2 %llu",
              (unsigned long long)torn[1], (unsigned long long)torn[2]);
        if (failures == bad)
            printf("ok    %s: a high-half change in gap 1 tears the read, in gap 2 it does not: the stalls sit "
                   "between the high load and the re-check\n", name);
    }
    return failures ? 1 : 0;
}

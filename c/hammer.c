/* hammer.c - the reader and writer threads: the hot loops.
 *
 * They allocate nothing, take no lock and make no system call. Counters
 * live in local variables and are published through a seqlock (seqlock.h)
 * every few thousand reads; torn reads beyond the first 64 per reader are
 * only counted. Each loop is compiled once per (kind, barrier, gap on/off)
 * so that none of the three is a run-time test between two accesses. */
#include <stdint.h>

#include "engine_int.h"
#include "protocol.h"
#include "seqlock.h"

/* ---- readers ---------------------------------------------------------- */

static __attribute__((noinline, cold)) void reader_publish(struct reader_ctx *rc, uint64_t reads, uint64_t torn,
                                                           uint64_t np, uint64_t retries)
{
    rc->live.reads = reads;
    rc->live.torn = torn;
    rc->live.not_present = np;
    rc->live.retries = retries;
    seq_publish(&rc->seq, rc->pub, &rc->live, sizeof rc->live);
}

static __attribute__((noinline, cold)) void reader_torn(struct reader_ctx *rc, uint32_t pair, uint32_t lo,
                                                        uint32_t hi, uint32_t retries)
{
    uint32_t n = rc->live.n_samples;
    if (n >= TORN_SAMPLES_MAX)
        return;
    rc->samples[n].pair = pair;
    rc->samples[n].low = lo;
    rc->samples[n].high = hi;
    rc->samples[n].retries = retries;
    rc->samples[n].t_s = mono_now() - rc->eng->t0;
    rc->live.n_samples = n + 1;
}

static __attribute__((noinline, cold)) void hist_over_add(struct reader_stats *s, uint32_t r)
{
    uint32_t i;
    for (i = 0; i < s->n_over; i++)
        if (s->over[i].retries == r) {
            s->over[i].count++;
            return;
        }
    if (s->n_over < HIST_OVER) {
        s->over[s->n_over].retries = r;
        s->over[s->n_over].count = 1;
        s->n_over++;
        return;
    }
    s->pow2[31 - __builtin_clz(r)]++;
}

static PTEAR_ALWAYS_INLINE void reader_loop(struct reader_ctx *rc, const int once, const enum bar_eff b,
                                            const int gap)
{
    struct engine *const e = rc->eng;
    struct pte_pair *const pairs = e->pairs;
    const struct pte_enc enc = e->enc;
    const uint32_t *const order = rc->order;
    const uint32_t norder = rc->norder;
    const uint64_t quota = rc->quota;
    const uint32_t *const stop = &e->stop;
    const uint32_t batch = gap ? 1 : STOP_CHECK_READS;
    const uint32_t step = rc->publish_step;
    uint64_t *const hist = rc->live.hist;
    struct gap_stream g = { rc->gap_table, 0 };
    uint32_t pos = rc->start;
    uint64_t reads = 0, torn = 0, np = 0, retries_sum = 0, next_pub = step;

    if (quota == 0)
        goto out;
    for (;;) {
        uint32_t i;
        if (__atomic_load_n(stop, __ATOMIC_RELAXED))
            break;
        for (i = 0; i < batch; i++) {
            const uint32_t idx = order[pos];
            struct pte_pair *const ptep = &pairs[idx];
            uint32_t lo, hi, r = 0;
            enum pte_class c;
            if (++pos == norder)
                pos = 0;
            if (once)
                ptep_get_once(ptep, &lo, &hi, b, gap, &g);
            else if (!ptep_get_lockless(ptep, &lo, &hi, &r, b, gap, &g, stop))
                goto out;
            c = pte_classify(&enc, lo, hi);
            if (c == PTE_NOT_PRESENT) {
                np++;
            } else if (__builtin_expect(c == PTE_TORN, 0)) {
                if (++torn <= TORN_SAMPLES_MAX)
                    reader_torn(rc, idx, lo, hi, r);
            }
            if (__builtin_expect(r < HIST_EXACT, 1))
                hist[r]++;
            else
                hist_over_add(&rc->live, r);
            retries_sum += r;
            if (++reads == quota)
                goto out;
        }
        if (reads >= next_pub) {
            reader_publish(rc, reads, torn, np, retries_sum);
            next_pub = reads + step;
        }
    }
out:
    reader_publish(rc, reads, torn, np, retries_sum);
}

/* One copy of the loop per (reader, barrier, gap) with all three constant. */
#define READER_FN(name, once, b, gap) \
    static void name(struct reader_ctx *rc) { reader_loop(rc, once, b, gap); }
READER_FN(rd_lockless_none_0, 0, BAR_NONE, 0)
READER_FN(rd_lockless_none_g, 0, BAR_NONE, 1)
READER_FN(rd_lockless_comp_0, 0, BAR_COMPILER, 0)
READER_FN(rd_lockless_comp_g, 0, BAR_COMPILER, 1)
READER_FN(rd_lockless_fence_0, 0, BAR_FENCE, 0)
READER_FN(rd_lockless_fence_g, 0, BAR_FENCE, 1)
READER_FN(rd_once_none_0, 1, BAR_NONE, 0)
READER_FN(rd_once_none_g, 1, BAR_NONE, 1)
READER_FN(rd_once_comp_0, 1, BAR_COMPILER, 0)
READER_FN(rd_once_comp_g, 1, BAR_COMPILER, 1)
READER_FN(rd_once_fence_0, 1, BAR_FENCE, 0)
READER_FN(rd_once_fence_g, 1, BAR_FENCE, 1)

typedef void (*reader_fn)(struct reader_ctx *);
static const reader_fn reader_fns[2][3][2] = {
    { { rd_lockless_none_0, rd_lockless_none_g }, { rd_lockless_comp_0, rd_lockless_comp_g },
      { rd_lockless_fence_0, rd_lockless_fence_g } },
    { { rd_once_none_0, rd_once_none_g }, { rd_once_comp_0, rd_once_comp_g },
      { rd_once_fence_0, rd_once_fence_g } },
};

void *reader_main(void *arg)
{
    struct reader_ctx *rc = arg;
    struct engine *e = rc->eng;
    rc->pinned = pin_self(rc->cpu, &rc->pin_errno);
    if (!gate_wait(e))
        return NULL;
    reader_fns[e->cfg->reader == READER_ONCE][e->bar.eff][e->cfg->reader_gap != 0](rc);
    rc->t_end = mono_now();
    __atomic_store_n(&rc->done, 1, __ATOMIC_RELEASE);
    /* --reads: the last reader to meet its quota stops the writers at once
     * rather than at the main thread's next look (their cycles/s would be
     * off). The fence makes sure two readers finishing together cannot both
     * miss each other's done flag. */
    smp_mb_runtime();
    if (all_readers_done(e))
        __atomic_store_n(&e->stop, 1, __ATOMIC_RELAXED);
    return NULL;
}

/* ---- writers ---------------------------------------------------------- */

enum wkind { WK_DOCUMENTED, WK_HIGH_FIRST, WK_UNORDERED };

static __attribute__((noinline, cold)) void writer_publish(struct writer_ctx *wc, uint64_t cycles)
{
    seq_publish(&wc->seq, wc->pub, &cycles, sizeof cycles);
}

/* Writer w owns the pairs i with i % writers == w and cycles round-robin
 * over them: clear, then install the next state. All its pairs go through
 * the same states, so one state number per writer is enough: in round n
 * every owned pair goes from state n+1 to n+2. */
static PTEAR_ALWAYS_INLINE void writer_loop(struct writer_ctx *wc, const enum wkind kind, const enum bar_eff b,
                                            const int gap)
{
    struct engine *const e = wc->eng;
    struct pte_pair *const pairs = e->pairs;
    const struct pte_enc enc = e->enc;
    const uint32_t npairs = e->cfg->pairs, stride = e->cfg->writers, first = wc->index;
    const uint32_t *const stop = &e->stop;
    const uint32_t batch = gap ? 1 : STOP_CHECK_CYCLES;
    const uint32_t step = wc->publish_step;
    struct gap_stream g = { wc->gap_table, 0 };
    uint32_t j = first, k = pte_next_state(1);
    uint32_t lo = pte_low(&enc, k), hi = pte_high(k);
    uint64_t cycles = 0, next_pub = step;

    while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
        uint32_t i;
        for (i = 0; i < batch; i++) {
            struct pte_pair *const ptep = &pairs[j];
            if (kind == WK_HIGH_FIRST)
                mips_pte_clear(ptep, b, gap, &g);   /* == sh_pte_clear */
            else
                pte_clear(ptep, b, gap, &g);
            if (kind == WK_UNORDERED)
                set_pte_unordered(ptep, lo, hi, gap, &g);
            else
                set_pte(ptep, lo, hi, b, gap, &g);
            cycles++;
            j += stride;
            if (j >= npairs) {
                j = first;
                k = pte_next_state(k);
                lo = pte_low(&enc, k);
                hi = pte_high(k);
            }
        }
        if (cycles >= next_pub) {
            writer_publish(wc, cycles);
            next_pub = cycles + step;
        }
    }
    writer_publish(wc, cycles);
}

#define WRITER_FN(name, kind, b, gap) \
    static void name(struct writer_ctx *wc) { writer_loop(wc, kind, b, gap); }
WRITER_FN(wr_doc_none_0, WK_DOCUMENTED, BAR_NONE, 0)
WRITER_FN(wr_doc_none_g, WK_DOCUMENTED, BAR_NONE, 1)
WRITER_FN(wr_doc_comp_0, WK_DOCUMENTED, BAR_COMPILER, 0)
WRITER_FN(wr_doc_comp_g, WK_DOCUMENTED, BAR_COMPILER, 1)
WRITER_FN(wr_doc_fence_0, WK_DOCUMENTED, BAR_FENCE, 0)
WRITER_FN(wr_doc_fence_g, WK_DOCUMENTED, BAR_FENCE, 1)
WRITER_FN(wr_hf_none_0, WK_HIGH_FIRST, BAR_NONE, 0)
WRITER_FN(wr_hf_none_g, WK_HIGH_FIRST, BAR_NONE, 1)
WRITER_FN(wr_hf_comp_0, WK_HIGH_FIRST, BAR_COMPILER, 0)
WRITER_FN(wr_hf_comp_g, WK_HIGH_FIRST, BAR_COMPILER, 1)
WRITER_FN(wr_hf_fence_0, WK_HIGH_FIRST, BAR_FENCE, 0)
WRITER_FN(wr_hf_fence_g, WK_HIGH_FIRST, BAR_FENCE, 1)
WRITER_FN(wr_un_none_0, WK_UNORDERED, BAR_NONE, 0)
WRITER_FN(wr_un_none_g, WK_UNORDERED, BAR_NONE, 1)
WRITER_FN(wr_un_comp_0, WK_UNORDERED, BAR_COMPILER, 0)
WRITER_FN(wr_un_comp_g, WK_UNORDERED, BAR_COMPILER, 1)
WRITER_FN(wr_un_fence_0, WK_UNORDERED, BAR_FENCE, 0)
WRITER_FN(wr_un_fence_g, WK_UNORDERED, BAR_FENCE, 1)

typedef void (*writer_fn)(struct writer_ctx *);
static const writer_fn writer_fns[3][3][2] = {
    { { wr_doc_none_0, wr_doc_none_g }, { wr_doc_comp_0, wr_doc_comp_g }, { wr_doc_fence_0, wr_doc_fence_g } },
    { { wr_hf_none_0, wr_hf_none_g }, { wr_hf_comp_0, wr_hf_comp_g }, { wr_hf_fence_0, wr_hf_fence_g } },
    { { wr_un_none_0, wr_un_none_g }, { wr_un_comp_0, wr_un_comp_g }, { wr_un_fence_0, wr_un_fence_g } },
};

void *writer_main(void *arg)
{
    struct writer_ctx *wc = arg;
    struct engine *e = wc->eng;
    enum wkind kind = e->cfg->writer == WRITER_UNORDERED ? WK_UNORDERED
                    : (e->cfg->writer == WRITER_MIPS || e->cfg->writer == WRITER_SH) ? WK_HIGH_FIRST
                    : WK_DOCUMENTED;
    wc->pinned = pin_self(wc->cpu, &wc->pin_errno);
    if (!gate_wait(e))
        return NULL;
    writer_fns[kind][e->bar.eff][e->cfg->writer_gap != 0](wc);
    return NULL;
}

/* engine.c - one run: the shared mapping of PTE pairs, starting the
 * threads pinned where --cpus asks and running the hot loops of hammer.h in
 * them, the main thread's loop (stop, progress line, checkpoints, the
 * selftest's until rule, with collect.c) and the signals that interrupt it. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "engine.h"
#include "hammer.h"
#include "latency.h"
#include "rng.h"

#define PUBLISH_READS       4096u   /* reads between two publications */
#define PUBLISH_CYCLES      1024u
#define OWN_ORDER_MAX       65536u  /* pairs up to which each reader gets its own order */
#define THREAD_STACK        (128u * 1024u)
#define PROGRESS_AFTER_S    3.0     /* runs this short or shorter get no progress line */
#define PROGRESS_EVERY_S    2.0
#define UNTIL_EVERY_S       0.05    /* how often an until rule is asked (engine.h) */

/* The state of one run that only this file sees. */
struct engine {
    struct run_shared sh;           /* what every thread reads */
    size_t map_len;
    size_t side_len;                /* gup-fast, kvm-count: the side table's mapping */
    size_t ptl_len;                 /* --writers-per-entry > 1: the page-table locks' mapping */
    uint32_t nwriters;              /* writer threads: writers x writers_per_entry */
    pthread_mutex_t gate_mu;
    pthread_cond_t gate_cv;
    int gate;                       /* 0 wait, 1 go, -1 abort */
    uint32_t arrived;               /* threads waiting at the gate */
    struct reader_ctx **rd;
    struct writer_ctx **wr;         /* nwriters of them, group by group */
    struct thread_start *starts;    /* one per thread: writers, then readers */
    uint32_t *shared_order;
    uint32_t **own_orders;
};

/* A thread's argument: its engine and its context. */
struct thread_start {
    struct engine *e;
    void *ctx;
};

/* ---- signals ---------------------------------------------------------- */

static volatile sig_atomic_t g_signals;

static void on_signal(int sig)
{
    (void)sig;
    if (g_signals)
        _exit(130);
    g_signals = 1;
}

void signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int signals_received(void)
{
    return g_signals != 0;
}

/* ---- thread start ----------------------------------------------------- */

static int pin_self(int cpu, int *pin_errno)
{
    cpu_set_t set, got;
    int rc;
    if (cpu < 0)
        return 0;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    if (rc != 0) {
        *pin_errno = rc;    /* e.g. EINVAL: the CPU exists but a cpuset or taskset forbids it */
        return 0;
    }
    if (pthread_getaffinity_np(pthread_self(), sizeof got, &got) != 0)
        return 0;
    return CPU_COUNT(&got) == 1 && CPU_ISSET(cpu, &got);
}

/* 1: go, 0: the run was abandoned before it started */
static int gate_wait(struct engine *e)
{
    int g;
    pthread_mutex_lock(&e->gate_mu);
    e->arrived++;
    pthread_cond_broadcast(&e->gate_cv);
    while (e->gate == 0)
        pthread_cond_wait(&e->gate_cv, &e->gate_mu);
    g = e->gate;
    pthread_mutex_unlock(&e->gate_mu);
    return g > 0;
}

/* value 1: wait until all n threads are at the gate (pinned, ready), then
 * let them go; -1: tell them to return at once */
static void gate_open(struct engine *e, int value, uint32_t n)
{
    pthread_mutex_lock(&e->gate_mu);
    while (value > 0 && e->arrived < n)
        pthread_cond_wait(&e->gate_cv, &e->gate_mu);
    if (value > 0) {
        e->sh.t0_ns = mono_now_ns();
        e->sh.t0 = (double)e->sh.t0_ns * 1e-9;
    }
    e->gate = value;
    pthread_cond_broadcast(&e->gate_cv);
    pthread_mutex_unlock(&e->gate_mu);
}

static int all_readers_done(struct engine *e)
{
    uint32_t i;
    for (i = 0; i < e->sh.cfg->readers; i++)
        if (!__atomic_load_n(&e->rd[i]->done, __ATOMIC_ACQUIRE))
            return 0;
    return 1;
}

static void *reader_thread(void *arg)
{
    struct thread_start *ts = arg;
    struct engine *e = ts->e;
    struct reader_ctx *rc = ts->ctx;
    rc->pinned = pin_self(rc->cpu, &rc->pin_errno);
    if (!gate_wait(e))
        return NULL;
    hammer_reader(rc);
    rc->t_end = mono_now();
    __atomic_store_n(&rc->done, 1, __ATOMIC_RELEASE);
    /* --reads: the last reader to meet its quota stops the writers at once
     * rather than at the main thread's next look (their cycles/s would be
     * off). The fence makes sure two readers finishing together cannot both
     * miss each other's done flag. */
    smp_mb_runtime();
    if (all_readers_done(e))
        __atomic_store_n(&e->sh.stop, 1, __ATOMIC_RELAXED);
    return NULL;
}

static void *writer_thread(void *arg)
{
    struct thread_start *ts = arg;
    struct writer_ctx *wc = ts->ctx;
    wc->pinned = pin_self(wc->cpu, &wc->pin_errno);
    if (!gate_wait(ts->e))
        return NULL;
    hammer_writer(wc);
    return NULL;
}

/* ---- set-up ----------------------------------------------------------- */

/* A random permutation of 0..n-1 (Fisher-Yates). */
static void permute(uint32_t *a, uint32_t n, uint64_t seed)
{
    uint64_t s = seed;
    uint32_t i;
    for (i = 0; i < n; i++)
        a[i] = i;
    for (i = n; i > 1; i--) {
        uint32_t j = rng_below(&s, i), t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

/* How many reads (or writer cycles) between two publications: `base`,
 * fewer when large gaps make each one slow, so that the progress line and
 * checkpoints stay current. */
static uint32_t publish_step(uint32_t gap, uint32_t base)
{
    if (gap < 1000)
        return base;
    if (gap < 100000)
        return 16;
    return 1;
}

static int cpu_for_thread(const struct config *cfg, uint32_t t)
{
    return cfg->has_cpus ? cfg->cpus[t % cfg->ncpus] : -1;
}

/* seeds for the streams derived from --seed */
enum { SEED_ORDER = 0, SEED_START = 1 << 20, SEED_RGAP = 2 << 20, SEED_WGAP = 3 << 20 };

static void engine_free(struct engine *e)
{
    uint32_t i;
    const struct config *cfg = e->sh.cfg;
    if (e->rd) {
        for (i = 0; i < cfg->readers; i++) {
            if (e->rd[i])
                free(e->rd[i]->lat_words);
            free(e->rd[i]);
        }
        free(e->rd);
    }
    if (e->wr) {
        for (i = 0; i < e->nwriters; i++)
            free(e->wr[i]);
        free(e->wr);
    }
    if (e->own_orders) {
        for (i = 0; i < cfg->readers; i++)
            free(e->own_orders[i]);
        free(e->own_orders);
    }
    free(e->shared_order);
    free(e->starts);
    if (e->sh.pairs)
        munmap(e->sh.pairs, e->map_len);
    if (e->sh.side)
        munmap(e->sh.side, e->side_len);
    if (e->sh.ptl)
        munmap(e->sh.ptl, e->ptl_len);
    pthread_mutex_destroy(&e->gate_mu);
    pthread_cond_destroy(&e->gate_cv);
}

static int fail(char *err, size_t errlen, const char *what, int errnum)
{
    snprintf(err, errlen, "%s: %s", what, strerror(errnum));
    return 3;
}

/* A table of `bytes` in an anonymous shared mapping of its own, rounded up
 * to whole pages (*len); 0, or 3 with the failure in err ("mmap of N bytes
 * ... for WHAT refused"). */
static int map_table(void **out, size_t *len, size_t bytes, long page, const char *what_for, char *err,
                     size_t errlen)
{
    char what[160];
    void *p;
    *len = (bytes + (size_t)page - 1) & ~((size_t)page - 1);
    p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        int en = errno;
        snprintf(what, sizeof what, "mmap of %zu bytes (MAP_SHARED|MAP_ANONYMOUS) %s refused", *len, what_for);
        return fail(err, errlen, what, en);
    }
    *out = p;
    return 0;
}

/* The mappings: the pairs, the side table, the page-table locks. */
static int engine_map(struct engine *e, char *err, size_t errlen)
{
    const struct config *cfg = e->sh.cfg;
    long page = sysconf(_SC_PAGESIZE);
    uint32_t i;
    char what_for[64];
    void *p;
    int rc;

    snprintf(what_for, sizeof what_for, "for %u pairs", cfg->pairs);
    rc = map_table(&p, &e->map_len, (size_t)cfg->pairs * sizeof(struct pte_pair), page, what_for, err, errlen);
    if (rc)
        return rc;
    e->sh.pairs = p;
    for (i = 0; i < cfg->pairs; i++) {      /* every pair starts as install 1 */
        const uint32_t j = pte_first_j(&e->sh.enc), h = pte_first_h(&e->sh.enc);
        e->sh.pairs[i].high = pte_H(&e->sh.enc, h, j & 1);
        e->sh.pairs[i].low = pte_L(&e->sh.enc, j);
    }
    /* gup-fast's reference counts, kvm-count's clear counters: one u32 per
     * pair in a mapping of their own (never the pair's cache line); no
     * other reader has one. */
    if (cfg->reader == READER_GUP_FAST || cfg->reader == READER_KVM_COUNT) {
        rc = map_table(&p, &e->side_len, (size_t)cfg->pairs * sizeof(uint32_t), page, "for the side table", err,
                       errlen);
        if (rc)
            return rc;
        e->sh.side = p;
    }

    /* --writers-per-entry N > 1: each pair's page-table lock and writer
     * state, in a mapping of their own, every pair installed at install 1
     * as above. With one writer per entry there is none. */
    if (cfg->writers_per_entry > 1) {
        rc = map_table(&p, &e->ptl_len, (size_t)cfg->pairs * sizeof(struct pte_ptl), page,
                       "for the page-table locks", err, errlen);
        if (rc)
            return rc;
        e->sh.ptl = p;
        for (i = 0; i < cfg->pairs; i++) {
            e->sh.ptl[i].j = pte_first_j(&e->sh.enc);
            e->sh.ptl[i].h = pte_first_h(&e->sh.enc);
            e->sh.ptl[i].installed = 1;
        }
    }
    return 0;
}

/* Reader i's context: its visiting order (its own permutation up to
 * OWN_ORDER_MAX pairs, else the shared one from a random start), its share
 * of --reads, its gap table and sample keeper. */
static int setup_reader(struct engine *e, uint32_t i, char *err, size_t errlen)
{
    const struct config *cfg = e->sh.cfg;
    struct reader_ctx *rc;
    uint64_t s = rng_derive(cfg->seed, SEED_START + i);
    if (posix_memalign((void **)&rc, CACHELINE, sizeof *rc) != 0)
        return fail(err, errlen, "allocating reader state", ENOMEM);
    memset(rc, 0, sizeof *rc);
    e->rd[i] = rc;
    rc->sh = &e->sh;
    e->starts[e->nwriters + i].e = e;
    e->starts[e->nwriters + i].ctx = rc;
    rc->index = i;
    sample_keeper_init(&rc->keep, cfg->seed, i);
    rc->cpu = cpu_for_thread(cfg, e->nwriters + i);
    rc->norder = cfg->pairs;
    if (e->own_orders) {
        e->own_orders[i] = malloc((size_t)cfg->pairs * sizeof(uint32_t));
        if (!e->own_orders[i])
            return fail(err, errlen, "allocating a visiting order", ENOMEM);
        permute(e->own_orders[i], cfg->pairs, rng_derive(cfg->seed, SEED_ORDER + 1 + i));
        rc->order = e->own_orders[i];
        rc->start = 0;
    } else {
        rc->order = e->shared_order;
        rc->start = rng_below(&s, cfg->pairs);
    }
    if (cfg->has_reads)
        rc->quota = cfg->reads / cfg->readers + (i < cfg->reads % cfg->readers ? 1 : 0);
    else
        rc->quota = UINT64_MAX;
    rc->publish_step = publish_step(cfg->reader_gap, PUBLISH_READS);
    /* the read-latency histogram (latency.h), before the run: the loop
     * allocates nothing; pages are touched only where counts land */
    rc->lat_words = calloc(2 * (size_t)LAT_COUNTS_LEN, sizeof *rc->lat_words);
    if (!rc->lat_words)
        return fail(err, errlen, "allocating a read-latency histogram", ENOMEM);
    gap_table_fill(rc->gap_table, cfg->reader_gap, rng_derive(cfg->seed, SEED_RGAP + i));
    return 0;
}

/* Writer thread i's context: its group (the pairs it writes), CPU and gap
 * table. */
static int setup_writer(struct engine *e, uint32_t i, char *err, size_t errlen)
{
    const struct config *cfg = e->sh.cfg;
    struct writer_ctx *wc;
    if (posix_memalign((void **)&wc, CACHELINE, sizeof *wc) != 0)
        return fail(err, errlen, "allocating writer state", ENOMEM);
    memset(wc, 0, sizeof *wc);
    e->wr[i] = wc;
    wc->sh = &e->sh;
    e->starts[i].e = e;
    e->starts[i].ctx = wc;
    wc->index = i;
    wc->group = i / cfg->writers_per_entry;
    wc->cpu = cpu_for_thread(cfg, i);
    wc->publish_step = publish_step(cfg->writer_gap, PUBLISH_CYCLES);
    gap_table_fill(wc->gap_table, cfg->writer_gap, rng_derive(cfg->seed, SEED_WGAP + i));
    return 0;
}

static int engine_setup(struct engine *e, char *err, size_t errlen)
{
    const struct config *cfg = e->sh.cfg;
    uint32_t i;
    int rc = engine_map(e, err, errlen);

    if (rc)
        return rc;
    e->rd = calloc(cfg->readers, sizeof *e->rd);
    e->wr = calloc(e->nwriters, sizeof *e->wr);
    e->starts = calloc((size_t)cfg->readers + e->nwriters, sizeof *e->starts);
    if (!e->rd || !e->wr || !e->starts)
        return fail(err, errlen, "allocating thread state", ENOMEM);
    if (cfg->pairs <= OWN_ORDER_MAX) {
        e->own_orders = calloc(cfg->readers, sizeof *e->own_orders);
        if (!e->own_orders)
            return fail(err, errlen, "allocating visiting orders", ENOMEM);
    } else {
        e->shared_order = malloc((size_t)cfg->pairs * sizeof(uint32_t));
        if (!e->shared_order)
            return fail(err, errlen, "allocating the visiting order", ENOMEM);
        permute(e->shared_order, cfg->pairs, rng_derive(cfg->seed, SEED_ORDER));
    }
    for (i = 0; i < cfg->readers; i++)
        if ((rc = setup_reader(e, i, err, errlen)) != 0)
            return rc;
    for (i = 0; i < e->nwriters; i++)     /* writers first: thread w is one of group w / N */
        if ((rc = setup_writer(e, i, err, errlen)) != 0)
            return rc;
    return 0;
}

/* ---- the main thread's loop ------------------------------------------- */

/* The Rust tool's text::si(): 3 significant-ish digits and a unit prefix,
 * a space after it ("12 reads/s", "1.50 M reads/s"). */
static void fmt_si(char *buf, size_t len, double v)
{
    if (v >= 1e9)
        snprintf(buf, len, "%.2f G", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, len, "%.2f M", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, len, "%.2f k", v / 1e3);
    else
        snprintf(buf, len, "%.0f ", v);
}

/* The status line on stderr, as src/cli/run.rs Progress prints it:
 * "ptear: 4/10 s  1.23 M reads/s  torn 0", the rate over the time since the
 * previous line. Rewritten in place on a terminal, plain lines otherwise. */
static void progress_line(const struct collect_src *src, double now, uint64_t *last_reads, double *last_t,
                          int tty)
{
    const struct config *cfg = src->sh->cfg;
    uint64_t reads, torn;
    double t = now - src->sh->t0;
    char rate[32], total[32], line[256];
    collect_progress(src, &reads, &torn);
    fmt_si(rate, sizeof rate,
           t > *last_t ? (double)(reads - (*last_reads < reads ? *last_reads : reads)) / (t - *last_t) : 0.0);
    if (cfg->has_duration)
        snprintf(total, sizeof total, "%.0f", cfg->duration_s);
    else
        snprintf(total, sizeof total, "-");
    snprintf(line, sizeof line, "ptear: %.0f/%s s  %sreads/s  torn %llu", t, total, rate, (unsigned long long)torn);
    if (tty)
        fprintf(stderr, "\r%s\033[K", line);
    else
        fprintf(stderr, "%s\n", line);
    fflush(stderr);
    *last_reads = reads;
    *last_t = t;
}

static void checkpoint(const struct collect_src *src)
{
    struct results r;
    char *text, err[512];
    if (collect_results(src, &r, 0, 0) != 0)
        return;
    text = report_json_string(&r);
    if (text && write_file_atomic(src->sh->cfg->json_path, text, err, sizeof err) != 0)
        fprintf(stderr, "ptear: warning: checkpoint not written: %s\n", err);
    free(text);
    results_free(&r);
}

/* After a failed start: let the started threads return, then wait for them. */
static void abandon(struct engine *e, pthread_t *tids, uint32_t started)
{
    uint32_t i;
    gate_open(e, -1, 0);
    for (i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
}

/* Start every thread (writers first); they wait at the gate. 0, or 3 with
 * the cause in err after the ones started have returned. */
static int start_threads(struct engine *e, pthread_t *tids, uint32_t nthreads, char *err, size_t errlen)
{
    pthread_attr_t attr;
    sigset_t block, old;
    uint32_t i, started = 0;
    int rc = 0;

    /* Hammer threads never take SIGINT/SIGTERM: the main thread does. */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, THREAD_STACK);
    for (i = 0; i < nthreads; i++) {
        rc = pthread_create(&tids[i], &attr, i < e->nwriters ? writer_thread : reader_thread, &e->starts[i]);
        if (rc != 0)
            break;
        started++;
    }
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (started < nthreads) {
        char what[96];
        abandon(e, tids, started);
        snprintf(what, sizeof what, "pthread_create failed for thread %u of %u", started + 1, nthreads);
        return fail(err, errlen, what, rc);
    }
    return 0;
}

/* Every thread pins itself before it reaches the gate: once all are
 * there, a refused pin is a runtime failure (exit 3), like the Rust
 * engine's, rather than a run on CPUs nobody asked for. */
static int check_pins(struct engine *e, pthread_t *tids, uint32_t nthreads, char *err, size_t errlen)
{
    uint32_t i, nw = e->nwriters;

    pthread_mutex_lock(&e->gate_mu);
    while (e->arrived < nthreads)
        pthread_cond_wait(&e->gate_cv, &e->gate_mu);
    pthread_mutex_unlock(&e->gate_mu);
    for (i = 0; i < nthreads; i++) {
        int cpu = i < nw ? e->wr[i]->cpu : e->rd[i - nw]->cpu;
        int perr = i < nw ? e->wr[i]->pin_errno : e->rd[i - nw]->pin_errno;
        if (perr) {
            char what[96];
            abandon(e, tids, nthreads);
            snprintf(what, sizeof what, "pinning a thread to CPU %d was refused", cpu);
            return fail(err, errlen, what, perr);
        }
    }
    return 0;
}

/* The main thread while the run lasts: stop at the deadline, when every
 * reader met its --reads quota, when `until` (if any) says so, or on a
 * signal; the progress line and the checkpoints meanwhile. Returns 1 if a
 * signal stopped it; *printed: a progress line was written. */
static int watch(struct engine *e, const struct collect_src *src, struct engine_until *until, int tty,
                 int *printed)
{
    const struct config *cfg = e->sh.cfg;
    int progress = !cfg->quiet && (!cfg->has_duration || cfg->duration_s > PROGRESS_AFTER_S);
    double now, deadline = 0, next_progress, next_ckpt, next_until, last_t = 0;
    uint64_t last_reads = 0;

    if (cfg->has_duration)
        deadline = e->sh.t0 + cfg->duration_s;
    next_progress = e->sh.t0 + PROGRESS_EVERY_S;
    next_until = e->sh.t0 + UNTIL_EVERY_S;
    next_ckpt = cfg->has_checkpoint ? e->sh.t0 + cfg->checkpoint_s : 0;
    for (;;) {
        double nap = 0.02;
        struct timespec ts;
        now = mono_now();
        if (signals_received())
            return 1;
        if (all_readers_done(e))
            return 0;
        if (cfg->has_duration && now >= deadline)
            return 0;
        if (until && now >= next_until) {
            struct collect_totals t;
            collect_totals(src, &t);
            if (until->done(&t, now - e->sh.t0, until->arg)) {
                until->ended = 1;   /* as the deadline would: not interrupted */
                return 0;
            }
            next_until = now + UNTIL_EVERY_S;
        }
        if (progress && now >= next_progress) {
            progress_line(src, now, &last_reads, &last_t, tty);
            *printed = 1;
            next_progress = now + PROGRESS_EVERY_S;     /* as Rust: 2 s after this line */
        }
        if (cfg->has_checkpoint && now >= next_ckpt) {
            checkpoint(src);
            while (next_ckpt <= now)
                next_ckpt += cfg->checkpoint_s;
        }
        if (cfg->has_duration && deadline - now < nap)
            nap = deadline - now;
        ts.tv_sec = 0;
        ts.tv_nsec = (long)(nap * 1e9);
        nanosleep(&ts, NULL);       /* EINTR on a signal: fine */
    }
}

int engine_run(const struct config *cfg, const struct barrier_choice *bar, const struct host_info *host,
               struct results *res, char *err, size_t errlen)
{
    return engine_run_until(cfg, bar, host, NULL, res, err, errlen);
}

int engine_run_until(const struct config *cfg, const struct barrier_choice *bar, const struct host_info *host,
                     struct engine_until *until, struct results *res, char *err, size_t errlen)
{
    struct engine e;
    pthread_t *tids;
    uint32_t i, nw = config_writer_threads(cfg), nthreads = cfg->readers + nw;
    int rc, interrupted, tty = isatty(2), printed = 0;
    struct collect_src src;

    memset(&e, 0, sizeof e);
    if (until)
        until->ended = 0;
    e.sh.cfg = cfg;
    e.nwriters = nw;
    e.sh.bar = *bar;
    e.sh.enc = config_enc(cfg);
    lat_clock_get(&e.sh.lat);       /* once per process (rdtsc: about 5 ms to measure the TSC) */
    pthread_mutex_init(&e.gate_mu, NULL);
    pthread_cond_init(&e.gate_cv, NULL);
    tids = calloc(nthreads, sizeof *tids);
    if (!tids) {
        engine_free(&e);
        return fail(err, errlen, "allocating thread handles", ENOMEM);
    }
    rc = engine_setup(&e, err, errlen);
    if (!rc)
        rc = start_threads(&e, tids, nthreads, err, errlen);
    if (!rc)
        rc = check_pins(&e, tids, nthreads, err, errlen);
    if (rc) {
        free(tids);
        engine_free(&e);
        return rc;
    }
    gate_open(&e, 1, nthreads);    /* sets t0 once every thread is ready */

    src.sh = &e.sh;
    src.host = host;
    src.rd = e.rd;
    src.wr = e.wr;
    interrupted = watch(&e, &src, until, tty, &printed);
    __atomic_store_n(&e.sh.stop, 1, __ATOMIC_RELAXED);
    for (i = 0; i < nthreads; i++)
        pthread_join(tids[i], NULL);
    free(tids);
    if (printed && tty) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    rc = collect_results(&src, res, 1, interrupted);
    engine_free(&e);
    if (rc != 0)
        return fail(err, errlen, "collecting the results", ENOMEM);
    return 0;
}

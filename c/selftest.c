/* selftest.c - the controls, 2 s each (-d D; one that must tear until it
 * has shown that, at most 10 x D), 1 writer, 1 reader, 1 pair. The same
 * table as the Rust ptear's (src/selftest.rs): three that must stay clean
 * (the correct protocol), four that must tear, each by a different known
 * way and with a known class of wrong value (mixed or transient), gup-fast
 * which must let some mixed values slip and catch others, kvm-count which
 * must stay clean where aba tears, x86-pae@2.6-4.18 which must stay clean,
 * two --clear-to controls that must tear (swap: mixed, protnone under the
 * high-first clear: transient), and on x86 three more that must stay clean
 * (the 64-bit atomic reader, the x86 PAE writer, and its PMDs). Control i
 * runs with seed + i. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barrier.h"
#include "collect.h"
#include "engine.h"
#include "hostinfo.h"
#include "json.h"
#include "pte.h"
#include "report.h"
#include "selftest.h"

/* The table (src/selftest.rs CONTROLS, then ATOMIC64_CONTROLS where the
 * arch has a 64-bit atomic), generated into generated.h. */
static const struct control controls[] = {
    PTEAR_CONTROLS
#if defined(PTEAR_HAS_ATOMIC64)
    PTEAR_ATOMIC64_CONTROLS
#endif
};
#define NCONTROLS (sizeof controls / sizeof controls[0])

const struct control *selftest_controls(size_t *n)
{
    *n = NCONTROLS;
    return controls;
}

/* Writer and reader on two different CPUs where the process may use two
 * (the Rust selftest does the same): unpinned, the scheduler may put both on
 * one core, and then no write lands inside a read, so the interleaving
 * controls cannot tear. Returns how many CPUs it filled in (0 or 2). */
static uint32_t two_cpus(int out[2])
{
    cpu_set_t allowed;
    uint32_t n = 0;
    int cpu;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return 0;
    for (cpu = 0; cpu < CPU_SETSIZE && n < 2; cpu++)
        if (CPU_ISSET(cpu, &allowed))
            out[n++] = cpu;
    return n == 2 ? 2 : 0;
}

/* A control's length as Rust prints a Duration with {:?} (the Rust
 * selftest's header): 2s, 1.5s, 300ms. */
static void fmt_duration(char *buf, size_t len, double s)
{
    if (s >= 1.0)
        snprintf(buf, len, "%gs", s);
    else if (s >= 1e-3)
        snprintf(buf, len, "%gms", s * 1e3);
    else
        snprintf(buf, len, "%gus", s * 1e6);
}

/* What a control must give, in words (src/cli/selftest_out.rs expectation). */
static void expectation(char *buf, size_t len, const struct control *k)
{
    snprintf(buf, len, "%s%s%s", k->expect_torn ? "torn" : "clean",
             k->expect_class == EXPECT_CLASS_MIXED       ? ", mixed only"
             : k->expect_class == EXPECT_CLASS_TRANSIENT ? ", transient only"
                                                         : "",
             k->expect_caught ? ", some caught by the re-check" : "");
}

/* PTEAR_BREAK_CONTROL=NAME (a test-only knob, src/cli/selftest_out.rs
 * sabotage): control NAME runs the opposite configuration, its expectation
 * unchanged, and so fails for real. A must-tear control runs the correct
 * control's configuration (clean), a must-stay-clean one the once
 * control's (tears). */
static void sabotage(const struct control *k, struct config *cfg)
{
    cfg->writer = WRITER_DOCUMENTED;
    cfg->barrier = BARRIER_KERNEL;
    cfg->layout = writer_default_layout(WRITER_DOCUMENTED);
    cfg->clear_to = CLEAR_TO_ZERO;
    cfg->level = LEVEL_PTE;
    cfg->low_period = layout_at(cfg->layout, cfg->level).max_low_period;
    cfg->writer_gap = 0;
    cfg->reader = k->expect_torn ? READER_LOCKLESS : READER_ONCE;
    cfg->reader_gap = k->expect_torn ? 0 : 100;
}

/* A control's KTAP lines (src/cli/selftest_out.rs Ktap::control): what ran
 * and what it must give, what it measured, why it failed, its result. */
static void ktap_control(size_t n, const struct control *k, const struct results *r, int pass)
{
    const struct config *cfg = r->cfg;
    char want[96], caught[48] = "";
    expectation(want, sizeof want, k);
    if (cfg->reader == READER_GUP_FAST)
        snprintf(caught, sizeof caught, ", caught %llu", (unsigned long long)r->caught);
    printf("# %s: reader %s, writer %s, barrier %s, layout %s; expect %s\n", k->name, reader_names[cfg->reader],
           writer_names[cfg->writer], barrier_names[cfg->barrier], layout_at(cfg->layout, cfg->level).name, want);
    printf("# %s: %s: %llu reads (%.0f reads/s) in %.2f s, torn %llu (mixed %llu, transient %llu%s), "
           "retries p50/p99/max %u/%u/%u\n", k->name, results_verdict(r), (unsigned long long)r->reads,
           r->elapsed_s > 0 ? (double)r->reads / r->elapsed_s : 0.0, r->elapsed_s, (unsigned long long)r->torn,
           (unsigned long long)r->mixed, (unsigned long long)r->transient, caught, r->p50, r->p99, r->pmax);
    if (!pass) {
        if (r->interrupted)
            printf("# %s: FAIL: interrupted before the end of its run\n", k->name);
        else if (r->reads == 0)
            printf("# %s: FAIL: read nothing: a run with 0 reads proves nothing\n", k->name);
        else if ((r->torn > 0) != k->expect_torn)
            printf("# %s: FAIL: expected %s, got %s (%llu torn in %llu reads)\n", k->name, want, results_verdict(r),
                   (unsigned long long)r->torn, (unsigned long long)r->reads);
        else
            printf("# %s: FAIL: expected %s, got mixed %llu, transient %llu%s\n", k->name, want,
                   (unsigned long long)r->mixed, (unsigned long long)r->transient, caught);
    }
    printf("%sok %zu %s\n", pass ? "" : "not ", n, k->name);
    fflush(stdout);
}

/* Where a class is expected, some of it and none of the other; where
 * expect_caught, gup-fast (the reader that ran) caught some
 * (src/selftest.rs Control::classes_as_expected): at the end of a run, and
 * on its counts so far (shown()). */
static int classes_as_expected(const struct control *k, enum reader_kind reader, uint64_t mixed,
                               uint64_t transient, uint64_t caught)
{
    if (k->expect_class == EXPECT_CLASS_MIXED && !(mixed > 0 && transient == 0))
        return 0;
    if (k->expect_class == EXPECT_CLASS_TRANSIENT && !(transient > 0 && mixed == 0))
        return 0;
    if (k->expect_caught && !(reader == READER_GUP_FAST && caught > 0))
        return 0;
    return 1;
}

/* The verdict as expected, its classes and catches as expected, and the
 * run read something and was not interrupted. */
static int control_passes(const struct control *k, const struct results *r)
{
    if (r->interrupted || r->reads == 0 || (r->torn > 0) != k->expect_torn)
        return 0;
    return classes_as_expected(k, r->cfg->reader, r->mixed, r->transient, r->caught);
}

/* What shown() looks at: the control, its run's config (sabotaged or not:
 * its reader says whether gup-fast catches can count) and the selftest's -d. */
struct shown_arg {
    const struct control *k;
    const struct config *cfg;
    double d;
};

/* The until rule of a control that must tear (engine.h engine_until):
 * it has shown its outcome in the counts so far, so its run ends there
 * rather than at its cap of PTEAR_TORN_CAP_FACTOR x -d. The same rule as
 * src/selftest.rs Control::shown: torn, its class and catches as it must,
 * and PTEAR_SHOWN_MIN_TORN wrong values (the class rule checked on many,
 * not on the first) or -d run. On a quiet machine that takes milliseconds;
 * under emulation on a busy host, where tears need the writer inside the
 * reader's window, the cap gives it the time. */
static int shown(const struct collect_totals *t, double elapsed_s, void *arg)
{
    const struct shown_arg *a = arg;
    return a->k->expect_torn && t->torn > 0 &&
           classes_as_expected(a->k, a->cfg->reader, t->mixed, t->transient, t->caught) &&
           (t->torn >= PTEAR_SHOWN_MIN_TORN || elapsed_s >= a->d);
}

/* PTEAR_BREAK_CONTROL from the environment: NULL when unset or empty;
 * *bad when it names no control of this build. */
static const char *break_control(int *bad)
{
    const char *broken = getenv("PTEAR_BREAK_CONTROL");
    size_t i;
    *bad = 0;
    if (!broken || !*broken)
        return NULL;
    for (i = 0; i < NCONTROLS && strcmp(controls[i].name, broken); i++)
        ;
    if (i == NCONTROLS) {
        fprintf(stderr, "ptear: error: PTEAR_BREAK_CONTROL: no control '%s' in this build\n", broken);
        *bad = 1;
        return NULL;
    }
    fprintf(stderr, "ptear: PTEAR_BREAK_CONTROL=%s: control %s runs the opposite configuration and must fail\n",
            broken, broken);
    return broken;
}

/* The KTAP header (version, plan, diagnostics) and/or the text one (the
 * machine, the seed, the encoding check, the table's heading). */
static void print_header(const struct cli *c, const struct host_info *host, const char *bad, int ktap, int quiet)
{
    char dur[32], cap[32], per[128];
    fmt_duration(dur, sizeof dur, c->selftest_duration_s);
    fmt_duration(cap, sizeof cap, c->selftest_duration_s * PTEAR_TORN_CAP_FACTOR);
    /* as src/cli/selftest.rs says it: a control that must tear runs until shown() */
    snprintf(per, sizeof per, "%s per control (one that must tear: until it has, at most %s)", dur, cap);
    if (ktap) {     /* KTAP version 1 (src/export/ktap.rs): version, plan, diagnostics */
        printf("KTAP version 1\n1..%zu\n# ptear selftest on %s (%s), seed %llu, %s (C port)\n", NCONTROLS,
               host->arch, host->cpu_model, (unsigned long long)c->seed, per);
        if (host->emulated)
            printf("# emulated: only interleaving tears can show\n");
        if (bad)
            printf("# encoding check failed: %s\n", bad);
        fflush(stdout);
    }
    if (!quiet) {
        printf("ptear selftest %s (C port), %s, %s%s\n", PTEAR_VERSION, host->arch, host->cpu_model,
               host->emulated ? " [emulated: only interleaving tears can show]" : "");
        printf("seed %llu, %s, 1 writer, 1 reader, 1 pair\n", (unsigned long long)c->seed, per);
        printf("encoding: %s\n", bad ? bad : "L, H, classify, consequences, decode and valid_high of every layout "
                                             "give the known answers");
        printf("%-13s %-9s %-11s %-9s %-17s %-8s %14s %10s %10s  %s\n", "name", "reader", "writer", "barrier",
               "expected", "observed", "reads", "mixed", "transient", "result");
        fflush(stdout);
    }
}

/* Control i's run: 1 reader, 1 writer, 1 pair on the two CPUs of pin (if
 * npin), with seed + i, for -d, or PTEAR_TORN_CAP_FACTOR x -d if it must
 * tear (it ends sooner once shown(): src/selftest.rs Control::run_for); the
 * opposite one if PTEAR_BREAK_CONTROL names it (a must-tear control then
 * stays clean, runs its whole cap and fails). */
static void control_config(struct config *cfg, const struct control *k, size_t i, const struct cli *c, int *pin,
                           uint32_t npin, const char *broken)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->reader = k->reader;
    cfg->writer = k->writer;
    cfg->barrier = k->barrier;
    cfg->readers = cfg->writers = cfg->writers_per_entry = cfg->pairs = 1;
    cfg->has_cpus = npin > 0;
    cfg->ncpus = npin;
    cfg->cpus = npin ? pin : NULL;

    cfg->has_duration = 1;
    cfg->duration_s = k->expect_torn ? c->selftest_duration_s * PTEAR_TORN_CAP_FACTOR : c->selftest_duration_s;
    cfg->layout = k->layout >= 0 ? (enum layout_id)k->layout : writer_default_layout(k->writer);
    cfg->clear_to = k->clear_to;
    cfg->level = k->level;
    cfg->low_period = k->low_period ? k->low_period : layout_at(cfg->layout, cfg->level).max_low_period;
    cfg->writer_gap = k->writer_gap;
    cfg->reader_gap = k->reader_gap;
    cfg->seed = c->seed + (uint64_t)i;     /* wrapping, as src/cli/selftest.rs */
    cfg->quiet = 1;
    if (broken && !strcmp(broken, k->name))
        sabotage(k, cfg);
}

/* A control's line of the text table. */
static void print_row(const struct control *k, const struct results *r, int pass)
{
    char want[32], caught[48] = "";
    snprintf(want, sizeof want, "%s%s%s", k->expect_torn ? "torn" : "clean",
             k->expect_class == EXPECT_CLASS_MIXED       ? " mixed"
             : k->expect_class == EXPECT_CLASS_TRANSIENT ? " transient"
                                                         : "",
             k->expect_caught ? " caught" : "");
    if (k->reader == READER_GUP_FAST)
        snprintf(caught, sizeof caught, " (caught %llu)", (unsigned long long)r->caught);
    printf("%-13s %-9s %-11s %-9s %-17s %-8s %14llu %10llu %10llu  %s%s\n", k->name, reader_names[k->reader],
           writer_names[k->writer], barrier_names[k->barrier], want, results_verdict(r),
           (unsigned long long)r->reads, (unsigned long long)r->mixed, (unsigned long long)r->transient,
           pass ? "PASS" : r->interrupted ? "FAIL (interrupted)" : "FAIL", caught);
    fflush(stdout);
}

/* ptear-selftest/1 to the --json path: the controls that ran, each with
 * whether it passed, whether shown() ended it (src/report/schema.rs
 * ControlRecord ended_when_shown: false for a run that lasted its
 * duration) and its report, and the skipped ones with the reason. 0, or -1
 * with the failure printed. */
static int write_json(const char *path, int all, const struct results *res, const int *ran, const int *pass,
                      const int *ended, const int *skipped)
{
    struct json j;
    const char *text;
    char err[512];
    size_t i;
    int wrc;
    json_init(&j);
    json_obj_begin(&j, NULL);
    json_str(&j, "schema", PTEAR_SELFTEST_SCHEMA);
    json_bool(&j, "pass", all);
    json_arr_begin(&j, "controls");
    for (i = 0; i < NCONTROLS; i++) {
        if (!ran[i])
            continue;
        json_obj_begin(&j, NULL);
        json_str(&j, "name", controls[i].name);
        json_str(&j, "expect", controls[i].expect_torn ? "torn" : "clean");
        json_bool(&j, "pass", pass[i]);
        json_bool(&j, "ended_when_shown", ended[i]);
        report_json(&j, "report", &res[i]);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_arr_begin(&j, "skipped");
    for (i = 0; i < NCONTROLS; i++) {
        if (!skipped[i])
            continue;
        json_obj_begin(&j, NULL);
        json_str(&j, "name", controls[i].name);
        json_str(&j, "reason", PTEAR_SKIP_NEEDS_TWO_CPUS);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_obj_end(&j);
    text = json_done(&j);
    wrc = text ? write_file_atomic(path, text, err, sizeof err) : -1;
    json_free(&j);
    if (wrc)
        fprintf(stderr, "ptear: runtime failure: %s\n", text ? err : "out of memory building the JSON");
    return wrc ? -1 : 0;
}

int cmd_selftest(const struct cli *c)
{
    static int pin[2];
    uint32_t npin = two_cpus(pin);
    struct host_info host;
    struct results res[NCONTROLS];
    struct config cfgs[NCONTROLS];
    int pass[NCONTROLS], ran[NCONTROLS] = { 0 }, skipped[NCONTROLS] = { 0 }, ended[NCONTROLS] = { 0 };
    int all = 1, nrun = 0, nskip = 0, npass = 0, ktap = c->selftest_ktap, quiet = c->quiet || ktap, nobreak;
    const char *broken;
    const char *bad = pte_selfcheck();
    char err[512];
    size_t i;

    host_info_get(&host);
    memset(res, 0, sizeof res);
    broken = break_control(&nobreak);
    if (nobreak)
        return 2;
    print_header(c, &host, bad, ktap, quiet);
    if (bad)
        all = 0;
    signals_install();
    for (i = 0; i < NCONTROLS; i++) {
        const struct control *k = &controls[i];
        struct barrier_choice bar;
        struct shown_arg sa = { k, &cfgs[i], c->selftest_duration_s };
        struct engine_until until = { shown, &sa, 0 };
        int rc;
        if (npin == 0 && k->needs_two_cpus) {
            /* Same rule as the Rust selftest (src/selftest.rs): on one CPU
             * an ABA tear needs two preemptions inside one read. */

            skipped[i] = 1;
            nskip++;
            if (!quiet)
                printf("%-13s skipped: %s\n", k->name, PTEAR_SKIP_NEEDS_TWO_CPUS);
            if (ktap) {
                printf("ok %zu %s # SKIP %s\n", i + 1, k->name, PTEAR_SKIP_NEEDS_TWO_CPUS);
                fflush(stdout);
            }
            continue;
        }
        control_config(&cfgs[i], k, i, c, pin, npin, broken);
        if (barrier_resolve(cfgs[i].barrier, &bar, err, sizeof err) != 0) {
            fprintf(stderr, "ptear: error: %s\n", err);
            return 2;
        }
        /* one that must stay clean runs its whole -d: no until rule */
        rc = engine_run_until(&cfgs[i], &bar, &host, k->expect_torn ? &until : NULL, &res[i], err, sizeof err);
        if (rc) {
            fprintf(stderr, "ptear: %s: %s\n", rc == 3 ? "runtime failure" : "error", err);
            return rc;
        }
        nrun++;
        ran[i] = 1;
        ended[i] = until.ended;
        pass[i] = control_passes(k, &res[i]);
        if (pass[i])
            npass++;
        else
            all = 0;
        if (!quiet)
            print_row(k, &res[i], pass[i]);
        if (ktap)
            ktap_control(i + 1, k, &res[i], pass[i]);
        if (res[i].interrupted)
            break;
    }
    if (nrun + nskip < (int)NCONTROLS)
        all = 0;
    if (ktap)
        for (i = 0; i < NCONTROLS; i++)
            if (!ran[i] && !skipped[i])
                printf("# %s: not run: the selftest was interrupted\nnot ok %zu %s\n", controls[i].name, i + 1,
                       controls[i].name);
    printf("%sselftest: %s (%d of %zu controls behaved, %d skipped on this machine%s)\n", ktap ? "# " : "",
           all ? "PASS" : "FAIL",
           npass, NCONTROLS, nskip, bad ? "; the encoding check failed" : "");

    if (c->json_path && write_json(c->json_path, all, res, ran, pass, ended, skipped) != 0)
        all = -1;
    for (i = 0; i < NCONTROLS; i++)
        results_free(&res[i]);
    return all < 0 ? 3 : all ? 0 : 1;
}

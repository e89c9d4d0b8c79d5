/* cli.c - parsing and validating the command line. Usage errors are one
 * line and are all found before any thread starts. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "barrier.h"
#include "cli.h"
#include "hostinfo.h"
#include "json.h"
#include "pte.h"
#include "rng.h"

void cli_usage(FILE *f)
{
    fprintf(f,
"ptear %s (C port) - stress the split-PTE lockless read protocol\n"
"\n"
"usage: ptear [run] [options]      hammer PTE pairs and look for torn reads\n"
"       ptear selftest [-d D] [--json PATH] [--quiet] [--seed N] [--format F]\n"
"       ptear list [--json]        readers, writers and barriers on this CPU\n"
"       ptear --help | --version\n"
"\n"
"run options (--opt value or --opt=value):\n"
"  -d, --duration D     500ms, 5s, 2m, 1h or seconds (default 5s)\n"
"      --reads N        stop after N accepted reads in total (no time limit\n"
"                       unless --duration is also given)\n"
"      --readers N      reader threads (default: online CPUs - 1, at least 1)\n"
"      --writers N      writer groups; group w owns pairs w, w+N, ... (default\n"
"                       1; at most --pairs)\n"
"      --writers-per-entry N\n"
"                       writer threads per group, taking turns on each of its\n"
"                       entries under the entry's page-table lock (default 1)\n"
"      --pairs N        PTE pairs in the shared mapping (default 1)\n"
"      --cpus LIST      pin writers, then readers, to CPUs in this order,\n"
"                       cycling: 0,1 or 0-3,6\n"
"      --reader K       lockless (ptep_get_lockless) | once (no re-check) |\n"
"                       atomic64 (one 64-bit atomic load; x86 only) |\n"
"                       gup-fast (lockless, reference, re-check high then\n"
"                       low) | kvm-count (KVM's clear counter guards it)\n"
"      --writer K       documented | x86-pae (clear = 64-bit exchange; x86\n"
"                       only) | mips | sh (clear = set_pte(0): high first) |\n"
"                       unordered (install low first, no barrier)\n"
"      --barrier K      kernel | full | compiler | none, and this arch's own:\n"
"                       mfence, lfence-sfence (x86), sync-rmb, sync-wmb\n"
"                       (MIPS), synco (SH-4A); see ptear list\n"
"      --layout L       x86-pae | x86-pae-nohighmem | mips | sh-x2tlb: the\n"
"                       entries' bits (default: the writer's; see ptear list)\n"
"      --low-period N   low half repeats every N installs, 1..the layout's\n"
"                       max (2^20, mips 2^19, at --level pmd 2^11; the default)\n"
"      --clear-to K     what stands in the slot between two installs: zero\n"
"                       (the default) | swap | migration (a fixed swap or\n"
"                       migration entry, then the next entry over it) |\n"
"                       protnone (the entry made PROT_NONE, cleared again;\n"
"                       x86 layouts only)\n"
"      --level L        pte (the default) | pmd: x86 PAE 2 MiB PMDs (layouts\n"
"                       x86-pae*, writers documented, x86-pae, x86-pae@2.6-4.18,\n"
"                       unordered; --clear-to zero only)\n"
"      --writer-gap N   spin ~N (+-50%%) iterations between a writer's stores\n"
"      --reader-gap N   spin ~N (+-50%%) iterations after each reader load\n"
"      --seed N         64-bit seed (default: random, always reported)\n"
"      --json PATH      write the ptear/1 JSON report to PATH (atomically)\n"
"      --format F       text | json (json: the report on stdout)\n"
"      --expect V       clean | torn: exit 0 if the verdict is V, else 1\n"
"      --checkpoint S   with --json: rewrite PATH every S seconds meanwhile\n"
"  -q, --quiet          no progress line\n"
"\n"
"selftest options:\n"
"  -d, --duration D     length of each control run (default 2s)\n"
"      --json PATH      keep every control run (ptear-selftest/1) in PATH\n"
"      --seed N         control i runs with seed N + i (default: random)\n"
"  -q, --quiet          print only the final verdict line\n"
"      --format F       text | ktap (KTAP version 1 on stdout: kselftest, LAVA)\n"
"\n"

"exit status: 0 clean, 1 torn (or --expect not met), 2 usage error,\n"
"3 runtime failure.\n",
            PTEAR_VERSION);
}

/* A seed without --seed, never blocking: 8 bytes from getrandom(2) with
 * GRND_NONBLOCK. If that fails for any reason (EAGAIN: the entropy pool of
 * a freshly booted old board is not ready yet, where a blocking call waits
 * for minutes; ENOSYS: kernel older than 3.17; EPERM or anything else: a
 * seccomp filter), splitmix64 over the wall clock, the monotonic clock, the
 * pid and a counter. Never opens /dev/random or /dev/urandom. The Rust tool
 * does the same (src/config.rs random_seed). */
#ifndef GRND_NONBLOCK
#define GRND_NONBLOCK 0x0001
#endif
uint64_t cli_random_seed(void)
{
    static uint64_t counter;
    struct timespec ts;
    uint64_t s, v = 0;
#if defined(SYS_getrandom)
    if (syscall(SYS_getrandom, &v, sizeof v, GRND_NONBLOCK) == (long)sizeof v)
        return v;
#endif
    clock_gettime(CLOCK_REALTIME, &ts);
    s = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    v = splitmix64(&s);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    s ^= (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    v ^= splitmix64(&s);
    s ^= (uint64_t)getpid();
    v ^= splitmix64(&s);
    s ^= ++counter;
    v ^= splitmix64(&s);
    return v;
}

/* Rust's human_bytes: "1.5 GiB" */
static void human_bytes(char *buf, size_t len, uint64_t b)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
    double v = (double)b;
    int u = 0;
    while (v >= 1024.0 && u + 1 < 6) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, len, "%.1f %s", v, units[u]);
}

/* src/config.rs check_fits: at most PTEAR_MAX_PAIRS, half the RAM and (a
 * 32-bit build) 1 GiB, each pair its 8 bytes and `extra` more (the side
 * table's word, the page-table lock: extra_bytes_per_pair() below). 0, or
 * 2 with the Rust tool's message. */
static int check_fits(uint64_t pairs, uint64_t extra, char *err, size_t errlen)
{
    long npages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    uint64_t ram = (npages > 0 && psize > 0) ? (uint64_t)npages * (uint64_t)psize : 0;
    uint64_t pair = sizeof(struct pte_pair) + extra;
    uint64_t bytes = pairs > UINT64_MAX / pair ? UINT64_MAX : pairs * pair, limit = (uint64_t)PTEAR_MAX_PAIRS * pair;
    char need[32], most[32];
    if (ram && ram / 2 < limit)       /* RAM unknown: only the fixed limits */
        limit = ram / 2;
    if (sizeof(void *) == 4 && limit > (1ull << 30))
        limit = 1ull << 30;
    if (bytes <= limit)
        return 0;
    human_bytes(need, sizeof need, bytes);
    human_bytes(most, sizeof most, limit);
    snprintf(err, errlen, "--pairs %llu needs %s of shared memory; this machine can give at most %s (%llu pairs)",
             (unsigned long long)pairs, need, most, (unsigned long long)(limit / pair));
    return 2;
}

/* src/config.rs extra_bytes_per_pair: bytes per pair beyond the entry,
 * the side table's u32 (gup-fast, kvm-count) and the page-table lock
 * (--writers-per-entry > 1). */
static uint64_t extra_bytes_per_pair(const struct config *cfg)
{
    uint64_t side = cfg->reader == READER_GUP_FAST || cfg->reader == READER_KVM_COUNT ? sizeof(uint32_t) : 0;
    return side + (cfg->writers_per_entry > 1 ? sizeof(struct pte_ptl) : 0);
}

/* ---- value parsers ---------------------------------------------------- */

static int parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        unsigned d;
        if (*s < '0' || *s > '9')
            return -1;
        d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* Where the unit starts: after the digits and dots (leading blanks skipped). */
static const char *duration_unit_start(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    while ((*s >= '0' && *s <= '9') || *s == '.')
        s++;
    return s;
}

const char *parse_duration_unit(const char *s)
{
    static char unit[32];
    size_t n;
    const char *u = duration_unit_start(s);
    while (*u == ' ' || *u == '\t')
        u++;
    n = strlen(u);
    while (n && (u[n - 1] == ' ' || u[n - 1] == '\t'))
        n--;
    snprintf(unit, sizeof unit, "%.*s", (int)n, u);
    return unit;
}

/* As src/cli/parse.rs: 500ms, 5s, 5sec, 5secs, 2m, 2min, 1h, 1.5s or plain
 * seconds, blanks around allowed. 0, -1 not a number, -2 empty, -3
 * negative, -4 unknown unit. */
int parse_duration(const char *s, double *out)
{
    double v = 0, scale, frac = 0.1;
    int digits = 0, dots = 0;
    const char *p = s, *unit;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p)
        return -2;
    if (*p == '-')
        return -3;
    unit = parse_duration_unit(s);
    if (!strcmp(unit, "") || !strcmp(unit, "s") || !strcmp(unit, "sec") || !strcmp(unit, "secs"))
        scale = 1;
    else if (!strcmp(unit, "ms"))
        scale = 1e-3;
    else if (!strcmp(unit, "m") || !strcmp(unit, "min"))
        scale = 60;
    else if (!strcmp(unit, "h"))
        scale = 3600;
    else
        return -4;
    for (; (*p >= '0' && *p <= '9') || *p == '.'; p++) {
        if (*p == '.') {
            dots++;
        } else if (dots) {
            v += (*p - '0') * frac;
            frac /= 10;
            digits++;
        } else {
            v = v * 10 + (*p - '0');
            digits++;
        }
    }
    if (!digits || dots > 1)
        return -1;
    *out = v * scale;
    return 0;
}

static void fmt_cpuset(char *buf, size_t len, const cpu_set_t *set)
{
    int c = 0, o = 0;
    buf[0] = 0;
    while (c < CPU_SETSIZE && o >= 0 && (size_t)o < len) {
        int end;
        if (!CPU_ISSET(c, set)) {
            c++;
            continue;
        }
        end = c;
        while (end + 1 < CPU_SETSIZE && CPU_ISSET(end + 1, set))
            end++;
        if (end == c)
            o += snprintf(buf + o, len - (size_t)o, "%s%d", o ? "," : "", c);
        else
            o += snprintf(buf + o, len - (size_t)o, "%s%d-%d", o ? "," : "", c, end);
        c = end + 1;
    }
}

/* "0,1" or "0-3,6" into cfg->cpus, in order; then every CPU must be in the
 * process's affinity mask. */
/* CPUs configured in this machine: 0 .. n-1 exist (online or not). */
static int configured_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_CONF);
    return n > 0 ? (int)n : 1;
}

static int parse_cpus(const char *s, struct config *cfg, char *err, size_t errlen)

{
    const char *p = s;
    cpu_set_t allowed;
    uint32_t n = 0, i;
    int *list = malloc(PTEAR_MAX_CPU_LIST * sizeof *list);
    if (!list) {
        snprintf(err, errlen, "--cpus: out of memory");
        return 2;
    }
    for (;;) {
        char item[32];
        const char *comma = strchr(p, ',');
        size_t l = comma ? (size_t)(comma - p) : strlen(p);
        char *dash;
        uint64_t a, b;
        if (l == 0 || l >= sizeof item) {
            snprintf(err, errlen, "--cpus '%s': expected a list like 0,1 or 0-3,6", s);
            goto bad;
        }
        memcpy(item, p, l);
        item[l] = 0;
        dash = strchr(item, '-');
        if (dash) {
            *dash = 0;
            if (parse_u64(item, &a) || parse_u64(dash + 1, &b) || a > b) {
                snprintf(err, errlen, "--cpus '%s': bad range in the list (expected like 0-3)", s);
                goto bad;
            }
        } else if (parse_u64(item, &a)) {
            snprintf(err, errlen, "--cpus '%s': expected a list like 0,1 or 0-3,6", s);
            goto bad;
        } else {
            b = a;
        }
        if (b >= CPU_SETSIZE) {
            snprintf(err, errlen, "--cpus: CPU %llu is beyond the %d CPUs Linux can pin to here",
                     (unsigned long long)b, CPU_SETSIZE);
            goto bad;
        }
        for (; a <= b; a++) {
            if (n == PTEAR_MAX_CPU_LIST) {
                snprintf(err, errlen, "--cpus: more than %u entries", PTEAR_MAX_CPU_LIST);
                goto bad;
            }
            list[n++] = (int)a;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    /* A CPU that does not exist is a usage error. One that exists but that
     * a taskset or cpuset forbids is the kernel refusing the pin when the
     * thread starts: a runtime failure (exit 3), as in the Rust ptear. */
    CPU_ZERO(&allowed);
    for (i = 0; i < n; i++)
        if (list[i] >= configured_cpus()) {
            if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
                char set[200];
                fmt_cpuset(set, sizeof set, &allowed);
                snprintf(err, errlen, "--cpus: CPU %d does not exist (this process may use CPUs %s)", list[i], set);
            } else {
                snprintf(err, errlen, "--cpus: CPU %d does not exist", list[i]);
            }
            goto bad;
        }
    free(cfg->cpus);
    cfg->cpus = list;
    cfg->ncpus = n;
    cfg->has_cpus = 1;
    return 0;
bad:
    free(list);
    return 2;
}

static int lookup(const char *v, const char *const *names, int n)
{
    int i;
    for (i = 0; i < n; i++)
        if (!strcmp(v, names[i]))
            return i;
    return -1;
}

/* ---- option table ----------------------------------------------------- */

enum opt_id {
    O_DURATION, O_READS, O_READERS, O_WRITERS, O_WRITERS_PER_ENTRY, O_PAIRS, O_CPUS, O_READER, O_WRITER, O_BARRIER,
    O_LAYOUT, O_LOW_PERIOD, O_WRITER_GAP, O_READER_GAP, O_SEED, O_JSON, O_FORMAT, O_EXPECT, O_CHECKPOINT,
    O_QUIET, O_HELP, O_VERSION, O_CLEAR_TO, O_LEVEL
};

struct opt {
    const char *name;
    char shortname;
    int takes_value;
    enum opt_id id;
    int in_selftest;
};

static const struct opt opts[] = {
    { "duration", 'd', 1, O_DURATION, 1 },  { "reads", 0, 1, O_READS, 0 },
    { "readers", 0, 1, O_READERS, 0 },      { "writers", 0, 1, O_WRITERS, 0 },
    { "writers-per-entry", 0, 1, O_WRITERS_PER_ENTRY, 0 },
    { "pairs", 0, 1, O_PAIRS, 0 },          { "cpus", 0, 1, O_CPUS, 0 },
    { "reader", 0, 1, O_READER, 0 },        { "writer", 0, 1, O_WRITER, 0 },
    { "barrier", 0, 1, O_BARRIER, 0 },      { "low-period", 0, 1, O_LOW_PERIOD, 0 },
    { "layout", 0, 1, O_LAYOUT, 0 },
    { "clear-to", 0, 1, O_CLEAR_TO, 0 },    { "level", 0, 1, O_LEVEL, 0 },
    { "writer-gap", 0, 1, O_WRITER_GAP, 0 }, { "reader-gap", 0, 1, O_READER_GAP, 0 },
    { "seed", 0, 1, O_SEED, 1 },            { "json", 0, 1, O_JSON, 1 },
    { "format", 0, 1, O_FORMAT, 1 },        { "expect", 0, 1, O_EXPECT, 0 },
    { "checkpoint", 0, 1, O_CHECKPOINT, 0 }, { "quiet", 'q', 0, O_QUIET, 1 },
    { "help", 'h', 0, O_HELP, 1 },          { "version", 'V', 0, O_VERSION, 1 },
};

#define ERR(...) do { snprintf(err, errlen, __VA_ARGS__); return 2; } while (0)

/* A count option: 1 ..= max */
static int count_opt(const char *name, const char *v, uint64_t max, uint32_t *out, char *err, size_t errlen)
{
    uint64_t x;
    if (parse_u64(v, &x))
        ERR("--%s '%s': expected a whole number", name, v);
    if (x == 0)
        ERR("--%s must be at least 1", name);
    if (x > max)
        ERR("--%s %s: at most %llu", name, v, (unsigned long long)max);
    *out = (uint32_t)x;
    return 0;
}

static int gap_opt(const char *name, const char *v, uint32_t *out, char *err, size_t errlen)
{
    uint64_t x;
    if (parse_u64(v, &x))
        ERR("--%s '%s': expected a whole number of spin iterations", name, v);
    if (x > PTEAR_MAX_GAP)
        ERR("--%s %s is more than %u", name, v, PTEAR_MAX_GAP);
    *out = (uint32_t)x;
    return 0;
}

/* The Rust tool's words (src/cli/parse.rs duration), after "--NAME 'V': ". */
static int duration_opt(const char *name, const char *v, double *out, char *err, size_t errlen)
{
    double d;
    int rc = parse_duration(v, &d);
    if (rc == -2)
        ERR("--%s '%s': empty duration (try 5s, 500ms, 2m, 1h)", name, v);
    if (rc == -3)
        ERR("--%s '%s': a duration cannot be negative", name, v);
    if (rc == -4)
        ERR("--%s '%s': unknown unit '%s' (use ms, s, m or h)", name, v, parse_duration_unit(v));
    if (rc)
        ERR("--%s '%s': '%s' is not a duration (try 5s, 500ms, 2m, 1h)", name, v, v);
    if (!(d > 0))
        ERR("--%s '%s': a duration must be more than zero", name, v);
    if (d > PTEAR_MAX_DURATION_S)
        ERR("--%s '%s': %s is longer than a year", name, v, v);
    *out = d;
    return 0;
}

/* --reader, --writer, --barrier, --layout, --clear-to, --level: a name
 * from the kind's table. */
static int apply_kind(struct config *cfg, enum opt_id id, const char *v, char *err, size_t errlen)
{
    int k;
    switch (id) {
    case O_READER:
        if ((k = lookup(v, reader_names, READER_NKINDS)) < 0)
            ERR("--reader '%s': expected lockless, once, atomic64, gup-fast or kvm-count", v);
#if !defined(PTEAR_HAS_ATOMIC64)
        if (k == READER_ATOMIC64)
            ERR("--reader atomic64: %s", PTEAR_NO_ATOMIC64);
#endif
        cfg->reader = (enum reader_kind)k;
        break;
    case O_WRITER:
        if ((k = lookup(v, writer_names, WRITER_NKINDS)) < 0)
            ERR("--writer '%s': expected documented, x86-pae, mips, sh or unordered", v);
        cfg->writer = (enum writer_kind)k;
        break;
    case O_BARRIER:
        if ((k = lookup(v, barrier_names, BARRIER_NKINDS)) < 0) {
            struct barrier_info bi;
            char names[160];
            int o = 0;
            for (k = 0; k < BARRIER_NKINDS; k++)
                if (barrier_info_get((enum barrier_kind)k, &bi) && o >= 0 && (size_t)o < sizeof names)
                    o += snprintf(names + o, sizeof names - (size_t)o, "%s%s", o ? ", " : "", barrier_names[k]);
            ERR("--barrier '%s': expected one of %s", v, o ? names : "");
        }
        cfg->barrier = (enum barrier_kind)k;
        break;
    case O_LAYOUT:
        for (k = 0; k < LAYOUT_N && strcmp(v, layout_table[k].name); k++)
            ;
        if (k == LAYOUT_N)
            ERR("--layout '%s': expected x86-pae, x86-pae-nohighmem, mips or sh-x2tlb", v);
        cfg->layout = (enum layout_id)k;
        break;
    case O_CLEAR_TO:
        if ((k = lookup(v, clear_to_names, CLEAR_TO_N)) < 0)
            ERR("--clear-to '%s': expected zero, swap, migration or protnone", v);
        cfg->clear_to = (enum clear_to)k;
        break;
    case O_LEVEL:
        if ((k = lookup(v, level_names, LEVEL_N)) < 0)
            ERR("--level '%s': expected pte or pmd", v);
        cfg->level = (enum pte_level)k;
        break;
    default:
        break;
    }
    return 0;
}

/* The numbers: how long, how many reads, threads and pairs, the gaps, the
 * low period, the checkpoint interval, the seed. */
static int apply_number(struct cli *c, enum opt_id id, const char *v, char *err, size_t errlen)
{
    struct config *cfg = &c->cfg;
    uint64_t x;
    int rc = 0;
    switch (id) {
    case O_DURATION:
        /* the same parser and errors for run -d and selftest -d, as the
         * Rust tool's (both parse::duration) */
        if (c->cmd == CMD_SELFTEST)
            return duration_opt("duration", v, &c->selftest_duration_s, err, errlen);
        rc = duration_opt("duration", v, &cfg->duration_s, err, errlen);
        cfg->has_duration = 1;
        break;
    case O_READS:
        if (parse_u64(v, &x))
            ERR("--reads '%s': expected a whole number", v);
        if (x == 0)
            ERR("--reads must be at least 1");
        cfg->reads = x;
        cfg->has_reads = 1;
        break;
    case O_READERS:
        return count_opt("readers", v, PTEAR_MAX_THREADS, &cfg->readers, err, errlen);
    case O_WRITERS:
        return count_opt("writers", v, PTEAR_MAX_THREADS, &cfg->writers, err, errlen);
    case O_WRITERS_PER_ENTRY:
        return count_opt("writers-per-entry", v, PTEAR_MAX_THREADS, &cfg->writers_per_entry, err, errlen);
    case O_PAIRS:
        if (parse_u64(v, &x))
            ERR("--pairs '%s': expected a whole number", v);
        if (x == 0)
            ERR("--pairs must be at least 1");
        c->pairs_arg = x;           /* checked in validate_run(), with the extra bytes per pair */
        cfg->pairs = x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;
        break;
    case O_LOW_PERIOD:
        if (parse_u64(v, &x))
            ERR("--low-period '%s': expected a whole number", v);
        if (x < 1 || x > PTEAR_MAX_LOW_PERIOD)
            ERR("--low-period %s is outside 1 ..= %u", v, PTEAR_MAX_LOW_PERIOD);
        cfg->low_period = (uint32_t)x;
        break;
    case O_WRITER_GAP:
        return gap_opt("writer-gap", v, &cfg->writer_gap, err, errlen);
    case O_READER_GAP:
        return gap_opt("reader-gap", v, &cfg->reader_gap, err, errlen);
    case O_CHECKPOINT:
        rc = duration_opt("checkpoint", v, &cfg->checkpoint_s, err, errlen);
        cfg->has_checkpoint = 1;
        break;
    case O_SEED:
        if (parse_u64(v, &x))
            ERR("--seed '%s': expected a whole number 0 ..= 18446744073709551615", v);
        cfg->seed = c->seed = x;
        break;
    default:
        break;
    }
    return rc;
}

/* What to print and where: --json, --format, --expect, --quiet, and
 * --help and --version, which end the parse. */
static int apply_output(struct cli *c, enum opt_id id, const char *v, char *err, size_t errlen)
{
    struct config *cfg = &c->cfg;
    switch (id) {
    case O_JSON:
        cfg->json_path = c->json_path = v;
        break;
    case O_FORMAT:
        if (c->cmd == CMD_SELFTEST) {   /* src/cli/args.rs SelftestFormat */
            if (!strcmp(v, "text") || !strcmp(v, "ktap"))
                c->selftest_ktap = !strcmp(v, "ktap");
            else
                ERR("--format '%s': expected text or ktap", v);
            break;
        }
        if (!strcmp(v, "text"))
            cfg->format = FORMAT_TEXT;
        else if (!strcmp(v, "json"))
            cfg->format = FORMAT_JSON;
        else
            ERR("--format '%s': expected text or json", v);
        break;
    case O_EXPECT:
        if (!strcmp(v, "clean"))
            cfg->expect = EXPECT_CLEAN;
        else if (!strcmp(v, "torn"))
            cfg->expect = EXPECT_TORN;
        else
            ERR("--expect '%s': expected clean or torn", v);
        break;
    case O_QUIET:
        cfg->quiet = c->quiet = 1;
        break;
    case O_HELP:
        c->cmd = CMD_HELP;
        break;
    case O_VERSION:
        c->cmd = CMD_VERSION;
        break;
    default:
        break;
    }
    return 0;
}

/* One option and its value; *given records which were on the command line
 * (validate_run() fills in the rest from them). */
static int apply(struct cli *c, const struct opt *o, const char *v, uint32_t *given, char *err, size_t errlen)
{
    int rc;
    switch (o->id) {
    case O_CPUS:
        rc = parse_cpus(v, &c->cfg, err, errlen);
        break;
    case O_READER:
    case O_WRITER:
    case O_BARRIER:
    case O_LAYOUT:
    case O_CLEAR_TO:
    case O_LEVEL:
        rc = apply_kind(&c->cfg, o->id, v, err, errlen);
        break;
    case O_JSON:
    case O_FORMAT:
    case O_EXPECT:
    case O_QUIET:
    case O_HELP:
    case O_VERSION:
        rc = apply_output(c, o->id, v, err, errlen);
        break;
    default:
        rc = apply_number(c, o->id, v, err, errlen);
        break;
    }
    *given |= 1u << o->id;
    return rc;
}

static int validate_run(struct cli *c, uint32_t given, char *err, size_t errlen)
{
    struct config *cfg = &c->cfg;

    /* first, as the Rust tool's RunArgs::config() (before its usize) */
    if (check_fits(c->pairs_arg, extra_bytes_per_pair(cfg), err, errlen))
        return 2;
    if (!(given & (1u << O_LAYOUT)))
        cfg->layout = writer_default_layout(cfg->writer);
    if (cfg->level == LEVEL_PMD) {
        /* docs/layouts.md, "The PMD level" */
        if (cfg->writer == WRITER_MIPS)
            ERR("--level pmd: writer mips has no PMD to tear (MIPS32 PMDs are 32 bits)");
        if (cfg->writer == WRITER_SH)
            ERR("--level pmd: writer sh has no PMD to tear (SH X2TLB's PMD high half is always 0)");
        if (cfg->layout == LAYOUT_MIPS)
            ERR("--level pmd: layout mips has no 64-bit PMD (MIPS32 PMDs are 32 bits)");
        if (cfg->layout == LAYOUT_SH_X2TLB)
            ERR("--level pmd: layout sh-x2tlb has no PMD that can tear (SH X2TLB's PMD high half is always 0)");
        if (cfg->clear_to != CLEAR_TO_ZERO)
            ERR("--level pmd takes only --clear-to zero, not %s (32-bit x86 kernels have no PMD swap or "
                "migration entries, nor PROT_NONE PMDs here)", clear_to_names[cfg->clear_to]);
    }
#if !defined(PTEAR_HAS_ATOMIC64)
    /* src/config.rs WriterKind::needs_xchg64: x86-pae clears a PTE with
     * an exchange (native_ptep_get_and_clear), both x86 profiles set a PMD
     * with one (native_set_pmd); the same words as RunConfig::check. */
    if (cfg->writer == WRITER_X86_PAE || (cfg->writer == WRITER_X86_PAE_V26 && cfg->level == LEVEL_PMD))
        ERR("--writer %s needs a 64-bit exchange for %s: %s", writer_names[cfg->writer],
            cfg->level == LEVEL_PMD ? "set_pmd" : "ptep_get_and_clear", PTEAR_NO_ATOMIC64);
#endif
    if (cfg->clear_to == CLEAR_TO_PROTNONE && layout_table[cfg->layout].protnone == 0)
        ERR("--clear-to protnone: layout %s has no PROT_NONE entry (ptear models x86's _PAGE_PROTNONE)",
            layout_table[cfg->layout].name);
    if (!(given & (1u << O_LOW_PERIOD)))
        cfg->low_period = layout_at(cfg->layout, cfg->level).max_low_period;
    else if (cfg->low_period > layout_at(cfg->layout, cfg->level).max_low_period)
        ERR("--low-period %u is more than the %u distinct low halves layout %s holds%s", cfg->low_period,
            layout_at(cfg->layout, cfg->level).max_low_period, layout_table[cfg->layout].name,
            cfg->level == LEVEL_PMD ? " at --level pmd" : "");
    if (!(given & (1u << O_READERS))) {
        long n = host_online_cpus() - 1;
        cfg->readers = (uint32_t)(n < 1 ? 1 : n > 1023 ? 1023 : n);
    }
    if (cfg->has_reads && !(given & (1u << O_DURATION)))
        cfg->has_duration = 0;      /* --reads alone: no time limit */
    if ((uint64_t)cfg->readers + (uint64_t)cfg->writers * cfg->writers_per_entry > PTEAR_MAX_THREADS)
        ERR("%u readers + %u writers x %u per entry is more than %u threads", cfg->readers, cfg->writers,
            cfg->writers_per_entry, PTEAR_MAX_THREADS);
    if (cfg->writers > cfg->pairs)
        ERR("--writers %u needs at least as many pairs (--pairs %u): each writer owns its own pairs",
            cfg->writers, cfg->pairs);
    if (cfg->has_checkpoint && !cfg->json_path)
        ERR("--checkpoint needs --json PATH (the file it rewrites)");
    if (cfg->json_path && json_path_check(cfg->json_path, err, errlen))
        return 2;
    if (!(given & (1u << O_SEED)))
        cfg->seed = cli_random_seed();
    return 0;
}

int cli_parse(int argc, char **argv, struct cli *out, char *err, size_t errlen)
{
    struct cli *c = out;
    struct config *cfg = &c->cfg;
    uint32_t given = 0;
    int i = 1;

    memset(c, 0, sizeof *c);
    c->cmd = CMD_RUN;
    c->selftest_duration_s = 2.0;   /* src/cli/args.rs SelftestArgs: default_value = "2s" */
    cfg->reader = READER_LOCKLESS;
    cfg->writer = WRITER_DOCUMENTED;
    cfg->barrier = BARRIER_KERNEL;
    cfg->writers = 1;
    cfg->writers_per_entry = 1;
    cfg->pairs = 1;
    c->pairs_arg = 1;
    cfg->has_duration = 1;
    cfg->duration_s = 5.0;
    cfg->low_period = PTEAR_MAX_LOW_PERIOD;
    cfg->format = FORMAT_TEXT;

    if (i < argc && argv[i][0] != '-') {
        if (!strcmp(argv[i], "run"))
            c->cmd = CMD_RUN;
        else if (!strcmp(argv[i], "selftest"))
            c->cmd = CMD_SELFTEST;
        else if (!strcmp(argv[i], "list"))
            c->cmd = CMD_LIST;
        else if (!strcmp(argv[i], "help"))
            c->cmd = CMD_HELP;
        else
            ERR("unknown command '%s' (commands: run, selftest, list; see ptear --help)", argv[i]);
        i++;
    }
    for (; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        const struct opt *o = NULL;
        size_t k, nlen;
        enum command sub = c->cmd;
        int rc;
        if (sub == CMD_LIST && !strcmp(a, "--json")) {     /* a flag here, not --json PATH */
            c->list_json = 1;
            continue;
        }
        if (a[0] == '-' && a[1] == '-' && a[2]) {
            const char *eq = strchr(a + 2, '=');
            nlen = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            for (k = 0; k < sizeof opts / sizeof opts[0]; k++)
                if (strlen(opts[k].name) == nlen && !strncmp(opts[k].name, a + 2, nlen))
                    o = &opts[k];
            if (!o)
                ERR("unknown option '%.*s' (see ptear --help)", (int)(nlen + 2), a);
            if (eq) {
                if (!o->takes_value)
                    ERR("--%s takes no value", o->name);
                val = eq + 1;
            }
        } else if (a[0] == '-' && a[1] && a[1] != '-') {
            for (k = 0; k < sizeof opts / sizeof opts[0]; k++)
                if (opts[k].shortname == a[1])
                    o = &opts[k];
            if (!o)
                ERR("unknown option '-%c' (see ptear --help)", a[1]);
            if (a[2]) {
                if (!o->takes_value)
                    ERR("-%c takes no value", a[1]);
                val = a + 2;
            }
        } else {
            ERR("unexpected argument '%s' (see ptear --help)", a);
        }
        if (o->takes_value && !val) {
            if (i + 1 >= argc)
                ERR("--%s needs a value", o->name);
            val = argv[++i];
        }
        if (sub == CMD_LIST && o->id != O_HELP && o->id != O_VERSION)
            ERR("ptear list takes only --json");
        if (sub == CMD_SELFTEST && !o->in_selftest)
            ERR("--%s is a run option; selftest takes -d D, --json PATH, --quiet, --seed N and --format F", o->name);
        rc = apply(c, o, val, &given, err, errlen);
        if (rc)
            return rc;
        if (c->cmd == CMD_HELP || c->cmd == CMD_VERSION)
            return 0;
    }
    if (c->cmd == CMD_RUN)
        return validate_run(c, given, err, errlen);
    if (c->cmd == CMD_SELFTEST) {
        if (c->json_path && json_path_check(c->json_path, err, errlen))
            return 2;
        if (!(given & (1u << O_SEED)))
            c->seed = cli_random_seed();
    }
    return 0;
}

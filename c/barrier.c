/* barrier.c - resolving --barrier on this CPU, and finding out (SuperH)
 * whether the CPU has synco. */
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

#include "barrier.h"
#include "hostinfo.h"

const char *const barrier_names[] = { "kernel", "full", "synco", "compiler", "none" };

#if defined(__sh__)
/* The kernel's ELF_HWCAP on SuperH is boot_cpu_data.flags; every SH-4A sets
 * CPU_HAS_LLSC (movli.l/movco.l), which no SH-4 has (arch/sh/kernel/cpu/sh4/
 * probe.c, asm/cpu-features.h). qemu-user reports the same bit per -cpu. */
#define SH_HWCAP_LLSC 0x40ul

static sigjmp_buf probe_jmp;
static void probe_sigill(int sig)
{
    (void)sig;
    siglongjmp(probe_jmp, 1);
}

/* Execute one synco under a SIGILL handler. Only safe where a real kernel
 * delivers SIGILL: qemu-user 7.2 aborts the whole process on an illegal
 * synco ("Unhandled trap: 0x180") instead, so this runs only when
 * /proc/cpuinfo says we are on real SuperH hardware. */
static int probe_synco_sigill(void)
{
    struct sigaction sa, old;
    volatile int ok = 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = probe_sigill;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGILL, &sa, &old) != 0)
        return 0;
    if (sigsetjmp(probe_jmp, 1) == 0) {
        arch_fence();
        ok = 1;
    }
    sigaction(SIGILL, &old, NULL);
    return ok;
}
#endif

static int synco_state = -1;        /* -1 unknown, 0 no, 1 yes */
static const char *synco_method = "not SuperH";

static void detect_synco(void)
{
    if (synco_state >= 0)
        return;
    synco_state = 0;
#if defined(__sh__)
    if (strcmp(host_cpuinfo_arch(), "sh") == 0) {
        synco_state = probe_synco_sigill();
        synco_method = synco_state ? "synco executed at start (SIGILL probe)"
                                   : "synco raised SIGILL at start (probe)";
    } else {
        synco_state = (getauxval(AT_HWCAP) & SH_HWCAP_LLSC) != 0;
        synco_method = synco_state
            ? "AT_HWCAP has LLSC, which only SH-4A sets (/proc/cpuinfo is not SuperH's: emulated)"
            : "AT_HWCAP lacks LLSC, so SH-4 (/proc/cpuinfo is not SuperH's: emulated)";
    }
#endif
}

int cpu_has_synco(void)
{
    detect_synco();
    return synco_state;
}

const char *cpu_synco_method(void)
{
    detect_synco();
    return synco_method;
}

void smp_mb_runtime(void)
{
    atomic_thread_fence(memory_order_seq_cst);
#if defined(__sh__)
    /* gcc emits nothing for a C11 fence when building for -m4. */
    if (cpu_has_synco())
        arch_fence();
#endif
}

static int set(struct barrier_choice *out, enum bar_eff eff, const char *detail)
{
    out->eff = eff;
    snprintf(out->detail, sizeof out->detail, "%s", detail);
    return 0;
}

int barrier_resolve(enum barrier_kind kind, struct barrier_choice *out, char *err, size_t errlen)
{
    switch (kind) {
    case BARRIER_COMPILER:
        return set(out, BAR_COMPILER, "compiler barrier only: asm volatile(\"\" ::: \"memory\")");
    case BARRIER_NONE:
        return set(out, BAR_NONE, "none: nothing between the two loads or the two stores");
    default:
        break;
    }
#if defined(__x86_64__) || defined(__i386__)
    if (kind == BARRIER_KERNEL)
        return set(out, BAR_COMPILER, "smp_rmb/smp_wmb: compiler barrier only (x86 is TSO)");
    if (kind == BARRIER_FULL)
        return set(out, BAR_FENCE, "smp_mb: " ARCH_FENCE_TEXT);
    snprintf(err, errlen, "--barrier synco: synco is a SuperH (SH-4A) instruction; this build is for %s", ARCH_NAME);
    return -1;
#elif defined(__mips__)
    if (kind == BARRIER_KERNEL)
        return set(out, BAR_FENCE, "smp_rmb/smp_wmb: sync (CONFIG_WEAK_ORDERING)");
    if (kind == BARRIER_FULL)
        return set(out, BAR_FENCE, "smp_mb: sync");
    snprintf(err, errlen, "--barrier synco: synco is a SuperH (SH-4A) instruction; this build is for mips");
    return -1;
#elif defined(__sh__)
    int has = cpu_has_synco();
    if (kind == BARRIER_KERNEL)
        return has ? set(out, BAR_FENCE, "smp_rmb/smp_wmb: synco (SH-4A)")
                   : set(out, BAR_COMPILER, "smp_rmb/smp_wmb: compiler barrier only (SH-4: no synco)");
    if (kind == BARRIER_FULL)
        return has ? set(out, BAR_FENCE, "smp_mb: synco (SH-4A)")
                   : set(out, BAR_COMPILER, "smp_mb: compiler barrier only (SH-4: no synco)");
    if (has)
        return set(out, BAR_FENCE, "synco (SH-4A)");
    snprintf(err, errlen, "--barrier synco: this CPU is SH-4, which has no synco (SH-4A only)");
    return -1;
#endif
}

const char *barrier_describe(enum barrier_kind kind, char *buf, size_t len)
{
    struct barrier_choice c;
    char err[160];
    switch (kind) {
    case BARRIER_KERNEL:
        barrier_resolve(kind, &c, err, sizeof err);
        snprintf(buf, len, "what the kernel uses for this protocol: %s", c.detail);
        return buf;
    case BARRIER_FULL:
        barrier_resolve(kind, &c, err, sizeof err);
        snprintf(buf, len, "a full barrier on both sides: %s", c.detail);
        return buf;
    case BARRIER_SYNCO:
#if defined(__sh__)
        if (cpu_has_synco())
            snprintf(buf, len, "SH-4A synco, whatever the kernel would use (this CPU has it: %s)", cpu_synco_method());
        else
            snprintf(buf, len, "SH-4A synco (not available: this CPU is SH-4; %s)", cpu_synco_method());
        return buf;
#else
        return NULL;
#endif
    case BARRIER_COMPILER:
        snprintf(buf, len, "compiler barrier only, no instruction: asm volatile(\"\" ::: \"memory\")");
        return buf;
    case BARRIER_NONE:
        snprintf(buf, len, "nothing between the loads or the stores (they stay volatile 32-bit accesses)");
        return buf;
    }
    return NULL;
}

/* barrier.c - resolving --barrier on this CPU, and finding out (SuperH)
 * whether the CPU has synco. */
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "barrier.h"
#include "cpuprobe.h"
#include "hostinfo.h"

#if defined(__sh__)
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
        synco_state = cpuprobe_sh_llsc();
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

static int info(struct barrier_info *out, enum barrier_kind kind, enum bar_eff eff, const char *detail,
                const char *unavailable)
{
    out->kind = kind;
    out->eff = eff;
    out->detail = detail;
    out->unavailable = unavailable;
    return 1;
}

/* The details are the Rust tool's (src/arch/x86.rs, mips.rs, mod.rs), word
 * for word: `ptear list --json` and config.barrier_detail must match it. */
int barrier_info_get(enum barrier_kind kind, struct barrier_info *out)
{
    switch (kind) {
    case BARRIER_COMPILER:
        return info(out, kind, BAR_COMPILER, "barrier(): compiler barrier only", NULL);
    case BARRIER_NONE:
        return info(out, kind, BAR_NONE, "no barrier between the two 32-bit accesses", NULL);
    default:
        break;
    }
#if defined(__x86_64__) || defined(__i386__)
    {
        int sse, sse2;
        const char *no_sse2 = "this CPU has no SSE2 (Pentium III or older): no mfence/lfence";
        const char *no_sse = "this CPU has no SSE: no sfence";
        cpuprobe_x86_sse(&sse, &sse2);
        switch (kind) {
        case BARRIER_KERNEL:
            return info(out, kind, BAR_COMPILER, "smp_rmb/smp_wmb: compiler barrier only (x86 is TSO)", NULL);
        case BARRIER_FULL:
            return info(out, kind, BAR_FENCE, "smp_mb: " ARCH_FENCE_TEXT, NULL);
        case BARRIER_MFENCE:
            return info(out, kind, BAR_MFENCE, "mb(): mfence for both smp_rmb and smp_wmb (SSE2)",
                        sse2 ? NULL : no_sse2);
        case BARRIER_LFENCE_SFENCE:
            return info(out, kind, BAR_LFENCE_SFENCE, "rmb() = lfence (SSE2), wmb() = sfence (SSE)",
                        !sse2 ? no_sse2 : !sse ? no_sse : NULL);
        default:
            return 0;
        }
    }
#elif defined(__mips__)
    switch (kind) {
    case BARRIER_KERNEL:
        return info(out, kind, BAR_FENCE, "smp_rmb/smp_wmb: sync (CONFIG_WEAK_ORDERING)", NULL);
    case BARRIER_FULL:
        return info(out, kind, BAR_FENCE, "smp_mb: sync", NULL);
    case BARRIER_SYNC_RMB:
        return info(out, kind, BAR_SYNC_RMB, "sync 0x13 (stype RMB) for both smp_rmb and smp_wmb", NULL);
    case BARRIER_SYNC_WMB:
        return info(out, kind, BAR_SYNC_WMB, "sync 0x04 (stype WMB) for both smp_rmb and smp_wmb", NULL);
    default:
        return 0;
    }
#elif defined(__sh__)
    {
        int has = cpu_has_synco();
        switch (kind) {
        case BARRIER_KERNEL:
            return has ? info(out, kind, BAR_FENCE, "smp_rmb/smp_wmb: synco (SH-4A)", NULL)
                       : info(out, kind, BAR_COMPILER, "smp_rmb/smp_wmb: compiler barrier only (SH-4: no synco)", NULL);
        case BARRIER_FULL:
            return has ? info(out, kind, BAR_FENCE, "smp_mb: synco (SH-4A)", NULL)
                       : info(out, kind, BAR_COMPILER, "smp_mb: compiler barrier only (SH-4: no synco)", NULL);
        case BARRIER_SYNCO:
            return info(out, kind, has ? BAR_FENCE : BAR_COMPILER, "synco (SH-4A)",
                        has ? NULL : "this CPU is SH-4, which has no synco (SH-4A only)");
        default:
            return 0;
        }
    }
#endif
}

/* Which build has a barrier this one lacks. */
static const char *owner(enum barrier_kind kind)
{
    switch (kind) {
    case BARRIER_MFENCE:
    case BARRIER_LFENCE_SFENCE:
        return "an x86 barrier (SSE/SSE2)";
    case BARRIER_SYNC_RMB:
    case BARRIER_SYNC_WMB:
        return "a MIPS barrier (sync with an stype)";
    case BARRIER_SYNCO:
        return "a SuperH (SH-4A) instruction";
    default:
        return "not a barrier of this build";
    }
}

int barrier_resolve(enum barrier_kind kind, struct barrier_choice *out, char *err, size_t errlen)
{
    struct barrier_info bi;
    if (!barrier_info_get(kind, &bi)) {
        snprintf(err, errlen, "--barrier %s: %s; this build is for %s", barrier_names[kind], owner(kind),
                 ARCH_NAME);
        return -1;
    }
    if (bi.unavailable) {
        snprintf(err, errlen, "--barrier %s: %s", barrier_names[kind], bi.unavailable);
        return -1;
    }
    out->kind = kind;
    out->eff = bi.eff;
    snprintf(out->detail, sizeof out->detail, "%s", bi.detail);
    return 0;
}

const char *barrier_describe(enum barrier_kind kind, char *buf, size_t len)
{
    struct barrier_info bi;
    if (!barrier_info_get(kind, &bi))
        return NULL;
    switch (kind) {
    case BARRIER_KERNEL:
        snprintf(buf, len, "what the kernel uses for this protocol: %s", bi.detail);
        return buf;
    case BARRIER_FULL:
        snprintf(buf, len, "a full barrier on both sides: %s", bi.detail);
        return buf;
    case BARRIER_SYNCO:
#if defined(__sh__)
        if (cpu_has_synco())
            snprintf(buf, len, "SH-4A synco, whatever the kernel would use (this CPU has it: %s)", cpu_synco_method());
        else
            snprintf(buf, len, "SH-4A synco (not available: this CPU is SH-4; %s)", cpu_synco_method());
#endif
        return buf;
    case BARRIER_COMPILER:
        snprintf(buf, len, "compiler barrier only, no instruction: asm volatile(\"\" ::: \"memory\")");
        return buf;
    case BARRIER_NONE:
        snprintf(buf, len, "nothing between the loads or the stores (they stay volatile 32-bit accesses)");
        return buf;
    default:
        snprintf(buf, len, "%s%s%s%s", bi.detail, bi.unavailable ? "  [not available: " : "",
                 bi.unavailable ? bi.unavailable : "", bi.unavailable ? "]" : "");
        return buf;
    }
}

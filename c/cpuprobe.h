/* cpuprobe.h - which architecture this build is for, and what the CPU it
 * runs on has, as the CPU itself reports it: CPUID on x86, the kernel's
 * AT_HWCAP on SuperH. A leaf, as the Rust tool's src/arch/x86.rs: it
 * includes nothing of ptear's, so that barrier.c (which barriers exist)
 * and hostinfo.c (is this an emulator) can both use it without needing
 * each other for it. */
#ifndef PTEAR_CPUPROBE_H
#define PTEAR_CPUPROBE_H

/* The report's host.arch and `ptear list --json`'s arch. */
#if defined(__x86_64__)
#define ARCH_NAME "x86_64"
#elif defined(__i386__)
#define ARCH_NAME "x86"
#elif defined(__mips__)
#define ARCH_NAME "mips"
#elif defined(__sh__)
#define ARCH_NAME "sh"
#else
#error "ptear's C port supports x86, x86-64, MIPS and SuperH only"
#endif

#if defined(__x86_64__) || defined(__i386__)
/* CPUID leaf 1, EDX: SSE (sfence) and SSE2 (mfence, lfence), 0 or 1. */
void cpuprobe_x86_sse(int *sse, int *sse2);
#endif

#if defined(__sh__)
/* AT_HWCAP has LLSC (movli.l/movco.l), which only SH-4A sets. */
int cpuprobe_sh_llsc(void);
#endif

#endif

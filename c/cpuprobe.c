/* cpuprobe.c - CPUID (x86) and AT_HWCAP (SuperH): what the CPU says it
 * has. No ptear includes but its own header (see cpuprobe.h). */
#include <sys/auxv.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "cpuprobe.h"

#if defined(__x86_64__) || defined(__i386__)
/* CPUID leaf 1, EDX: bit 25 SSE (sfence), bit 26 SSE2 (mfence, lfence).
 * Raw CPUID, as the Rust tool's is_x86_feature_detected!: a Pentium III
 * (or qemu-i386 -cpu pentium3) has SSE but no SSE2. */
void cpuprobe_x86_sse(int *sse, int *sse2)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        a = b = c = d = 0;
    *sse = (d >> 25) & 1;
    *sse2 = (d >> 26) & 1;
}
#endif

#if defined(__sh__)
/* The kernel's ELF_HWCAP on SuperH is boot_cpu_data.flags; every SH-4A sets
 * CPU_HAS_LLSC (movli.l/movco.l), which no SH-4 has (arch/sh/kernel/cpu/sh4/
 * probe.c, asm/cpu-features.h). qemu-user reports the same bit per -cpu. */
#define SH_HWCAP_LLSC 0x40ul

int cpuprobe_sh_llsc(void)
{
    return (getauxval(AT_HWCAP) & SH_HWCAP_LLSC) != 0;
}
#endif

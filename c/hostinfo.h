/* hostinfo.h - what the report says about the machine, and whether we run
 * under an emulator (qemu-user shows the host's /proc/cpuinfo). */
#ifndef PTEAR_HOSTINFO_H
#define PTEAR_HOSTINFO_H

struct host_info {
    const char *arch;               /* the binary's: x86_64, x86, mips, sh */
    char kernel[128];
    char cpu_model[256];
    long cpus;
    long page_size;
    int emulated;
    char emulation_note[512];
    char vm[128];                   /* "" or why the kernel is a QEMU full-system guest */
};

void host_info_get(struct host_info *h);
/* The architecture /proc/cpuinfo describes: "x86", "mips", "sh", "arm",
 * "riscv", "powerpc", "s390", or "" if it cannot tell. Cached. */
const char *host_cpuinfo_arch(void);
/* Online CPUs, at least 1. */
long host_online_cpus(void);

#endif

/* hostinfo.c - uname, /proc/cpuinfo and sysconf. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cpuprobe.h"
#include "hostinfo.h"

static char cpuinfo_arch[16];
static char cpuinfo_model[256];
static char cpuinfo_system_type[256];   /* MIPS "system type" */
static char cpuinfo_machine[256];       /* SuperH "machine" */
static int cpuinfo_sse2;                /* an x86 "flags" line lists sse2 */
static int cpuinfo_read;

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = 0;
    return s;
}

/* One pass over /proc/cpuinfo: the first model line (x86 "model name", MIPS
 * "cpu model", SuperH "cpu type") and which architecture the file is from,
 * told by keys only one architecture's kernel prints. */
static void read_cpuinfo(void)
{
    FILE *f;
    char line[1024];
    int x86 = 0, mips = 0, sh = 0, arm = 0, riscv = 0, ppc = 0, s390 = 0;
    if (cpuinfo_read)
        return;
    cpuinfo_read = 1;
    snprintf(cpuinfo_model, sizeof cpuinfo_model, "unknown");
    f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':'), *key, *val;
        if (!colon)
            continue;
        *colon = 0;
        key = trim(line);
        val = trim(colon + 1);
        if (!strcmp(key, "model name") || !strcmp(key, "cpu model") || !strcmp(key, "cpu type")) {
            if (!strcmp(cpuinfo_model, "unknown") && *val)
                snprintf(cpuinfo_model, sizeof cpuinfo_model, "%s", val);
        }
        if (!strcmp(key, "system type") && !cpuinfo_system_type[0])
            snprintf(cpuinfo_system_type, sizeof cpuinfo_system_type, "%s", val);
        if (!strcmp(key, "machine") && !cpuinfo_machine[0])
            snprintf(cpuinfo_machine, sizeof cpuinfo_machine, "%s", val);
        if (!strcmp(key, "flags")) {
            char *f = val, *tok;
            while ((tok = strtok_r(f, " \t", &f)) != NULL)
                if (!strcmp(tok, "sse2"))
                    cpuinfo_sse2 = 1;
        }
        if (!strcmp(key, "vendor_id") || !strcmp(key, "flags"))
            x86 = 1;
        else if (!strcmp(key, "cpu model") && strstr(val, "MIPS"))
            mips = 1;
        else if (!strcmp(key, "isa") && !strncmp(val, "mips", 4))
            mips = 1;
        else if (!strcmp(key, "cpu family") && !strncmp(val, "sh", 2))
            sh = 1;
        else if (!strcmp(key, "cpu type") && !strncmp(val, "SH", 2))
            sh = 1;
        else if (!strcmp(key, "CPU implementer") || !strcmp(key, "CPU architecture"))
            arm = 1;
        else if (!strcmp(key, "isa") && !strncmp(val, "rv", 2))
            riscv = 1;
        else if (!strcmp(key, "cpu") && (strstr(val, "POWER") || strstr(val, "PowerPC")))
            ppc = 1;
        else if (!strcmp(key, "vendor_id") && strstr(val, "IBM/S390"))
            s390 = 1;
    }
    fclose(f);
    /* s390 before x86: its cpuinfo also has a vendor_id line */
    snprintf(cpuinfo_arch, sizeof cpuinfo_arch, "%s",
             s390 ? "s390" : x86 ? "x86" : mips ? "mips" : sh ? "sh" : arm ? "arm"
             : riscv ? "riscv" : ppc ? "powerpc" : "");
}

const char *host_cpuinfo_arch(void)
{
    read_cpuinfo();
    return cpuinfo_arch;
}

long host_online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n;
}

#if defined(__x86_64__) || defined(__i386__)
/* What CPUID says of SSE2 (cpuprobe.c), to set against the kernel's
 * "flags" line. */
static int cpuid_sse2(void)
{
    int sse, sse2;
    cpuprobe_x86_sse(&sse, &sse2);
    return sse2;
}
#endif

/* Is the kernel we run on itself a QEMU full-system guest? The same three
 * tests, in the same order, as the Rust tool (src/host.rs). */
static void detect_vm(char *out, size_t len)
{
    FILE *f = fopen("/sys/class/dmi/id/sys_vendor", "r");
    char line[256];
    out[0] = 0;
    if (f) {
        int qemu = fgets(line, sizeof line, f) && !strcmp(trim(line), "QEMU");
        fclose(f);
        if (qemu) {
            snprintf(out, len, "QEMU full-system guest (DMI sys_vendor QEMU)");
            return;
        }
    }
    if (strstr(cpuinfo_system_type, "MIPS Malta")) {
        snprintf(out, len, "MIPS Malta board (qemu-system-mips's default machine)");
        return;
    }
    if (strstr(cpuinfo_machine, "RTS7751R2D"))
        snprintf(out, len, "Renesas R2D board (qemu-system-sh4's machine)");
}

void host_info_get(struct host_info *h)
{
    struct utsname u;
    const char *family;
    memset(h, 0, sizeof *h);
    h->arch = ARCH_NAME;
    snprintf(h->kernel, sizeof h->kernel, "%s", uname(&u) == 0 ? u.release : "unknown");
    read_cpuinfo();
    snprintf(h->cpu_model, sizeof h->cpu_model, "%s", cpuinfo_model);
    h->cpus = host_online_cpus();
    h->page_size = sysconf(_SC_PAGESIZE);
    family = !strcmp(h->arch, "x86_64") ? "x86" : h->arch;
    if (*cpuinfo_arch && strcmp(cpuinfo_arch, family) != 0) {
        h->emulated = 1;
        snprintf(h->emulation_note, sizeof h->emulation_note,
                 "/proc/cpuinfo describes a %s CPU but this binary is %s: running under an emulator "
                 "(qemu-user), which runs the guest threads as host threads with the host's memory "
                 "ordering. Only interleaving tears (reversed clear, ABA on the low half) can show, "
                 "not tears from hardware reordering of the loads or stores; cpu_model is the host's.",
                 cpuinfo_arch, h->arch);
#if defined(__x86_64__) || defined(__i386__)
    } else if (cpuinfo_sse2 && !cpuid_sse2()) {
        /* qemu-i386 with an old -cpu (pentium3...): the kernel's CPU has
         * SSE2, CPUID says no. As src/host.rs. */
        h->emulated = 1;
        snprintf(h->emulation_note, sizeof h->emulation_note,
                 "CPUID reports no SSE2 but the kernel's CPU has it (qemu-i386 with an old -cpu): running "
                 "under an emulator (qemu-user), which runs the guest threads as host threads with the "
                 "host's memory ordering. Only interleaving tears (reversed clear, ABA on the low half) "
                 "can show, not tears from hardware reordering of the loads or stores; cpu_model is the "
                 "host's.");
#endif
    } else {
        detect_vm(h->vm, sizeof h->vm);
    }
}

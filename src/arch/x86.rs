//! x86 and x86-64: barriers from arch/x86/include/asm/barrier.h and the
//! 64-bit exchange of arch/x86/include/asm/pgtable-3level.h.
//!
//! x86 is TSO: loads are not reordered with loads nor stores with stores, so
//! the kernel's smp_rmb/smp_wmb are compiler barriers only. The fence kinds
//! exist to measure what stronger (mandatory) barriers cost.

use super::{BarrierInfo, BarrierKind, Barriers, Compiler};
use core::arch::asm;

/// SMP `smp_rmb()`/`smp_wmb()` on x86: `barrier()` only (asm/barrier.h,
/// `#define __smp_rmb() barrier()` and `__smp_wmb() barrier()`).
pub type Kernel = Compiler;

/// `smp_mb()` = `__smp_mb()`: `asm volatile("lock; addl $0,-4(%%esp)" ::: "memory", "cc")`
/// (`-4(%rsp)` on x86-64). A locked RMW of a dead stack slot is a full
/// barrier and, unlike mfence, exists on every x86. Adding 0 leaves the slot
/// (the x86-64 red zone) unchanged, so it is safe in user space too.
pub struct Full;

impl Full {
    #[inline(always)]
    fn smp_mb() {
        // SAFETY: a locked add of 0 to the word just below the stack
        // pointer: the memory keeps its value; flags are clobbered (no
        // preserves_flags).
        unsafe {
            #[cfg(target_arch = "x86_64")]
            asm!("lock; addl $0,-4(%rsp)", options(att_syntax, nostack));
            #[cfg(target_arch = "x86")]
            asm!("lock; addl $0,-4(%esp)", options(att_syntax, nostack));
        }
    }
}

impl Barriers for Full {
    #[inline(always)]
    fn smp_rmb() {
        Self::smp_mb()
    }
    #[inline(always)]
    fn smp_wmb() {
        Self::smp_mb()
    }
}

/// `mb()` on a CPU with SSE2: `mfence` (asm/barrier.h, `#define __mb()
/// asm volatile("mfence":::"memory")`), used here for both smp_rmb and smp_wmb.
/// Pentium III and older have no mfence: checked with CPUID before use.
pub struct Mfence;

impl Barriers for Mfence {
    #[inline(always)]
    fn smp_rmb() {
        // SAFETY: mfence only orders memory; availability checked at start.
        unsafe { asm!("mfence", options(nostack, preserves_flags)) }
    }
    #[inline(always)]
    fn smp_wmb() {
        // SAFETY: as above.
        unsafe { asm!("mfence", options(nostack, preserves_flags)) }
    }
}

/// `rmb()` = `lfence` (SSE2) and `wmb()` = `sfence` (SSE): the kernel's
/// mandatory read and write barriers (asm/barrier.h `__rmb`, `__wmb`).
pub struct LfenceSfence;

impl Barriers for LfenceSfence {
    #[inline(always)]
    fn smp_rmb() {
        // SAFETY: lfence only orders loads; SSE2 checked at start.
        unsafe { asm!("lfence", options(nostack, preserves_flags)) }
    }
    #[inline(always)]
    fn smp_wmb() {
        // SAFETY: sfence only orders stores; SSE checked at start.
        unsafe { asm!("sfence", options(nostack, preserves_flags)) }
    }
}

/// What this CPU can execute, read once with raw CPUID (leaf 1).
///
/// Not `is_x86_feature_detected!`: that macro answers at compile time for
/// every feature the target enables, and Rust's i686 target enables SSE2,
/// so an i686 build would say "SSE2: yes" on a Pentium III.
#[derive(Clone, Copy, Debug)]
pub struct CpuFeatures {
    /// `sfence` (CPUID.1:EDX bit 25).
    pub sse: bool,
    /// `mfence`, `lfence` (CPUID.1:EDX bit 26).
    pub sse2: bool,
}

/// Reads CPUID leaf 1. Every CPU that runs a PAE kernel (P6 and later) and
/// every x86-64 CPU has the CPUID instruction.
pub fn cpu_features() -> CpuFeatures {
    #[cfg(target_arch = "x86")]
    use core::arch::x86::__cpuid;
    #[cfg(target_arch = "x86_64")]
    use core::arch::x86_64::__cpuid;
    // SAFETY: CPUID exists on every CPU these builds start on (i586: the P5
    // Pentium has it; older CPUs cannot run the binary's cmov-free code
    // either, but do not run PAE kernels).
    // (`__cpuid` became a safe fn in newer Rust; unsafe for rust-version.)
    #[allow(unused_unsafe)]
    let edx = unsafe { __cpuid(1) }.edx;
    CpuFeatures {
        sse: edx & (1 << 25) != 0,
        sse2: edx & (1 << 26) != 0,
    }
}

/// An i686 build is compiled for SSE2 (Rust's i686 target enables it, and
/// the compiler uses it anywhere): on a CPU without it (Pentium Pro/II/III,
/// Athlon XP) it would die with SIGILL at some later instruction. Refuse
/// at start, with the build to use instead.
pub fn check_build_runs_here() -> Result<(), String> {
    if cfg!(target_feature = "sse2") && !cpu_features().sse2 {
        return Err(if cfg!(target_arch = "x86") {
            "this build (i686) needs SSE2, which this CPU lacks (Pentium III or older): use ptear-i586".into()
        } else {
            "this build needs SSE2, which this CPU lacks".into()
        });
    }
    Ok(())
}

/// What each barrier kind is on this CPU, and whether the CPU can run it.
pub(super) fn arch_barrier_info() -> Vec<BarrierInfo> {
    let cpu = cpu_features();
    let no_sse2: super::Unavailable =
        (!cpu.sse2).then_some("this CPU has no SSE2 (Pentium III or older): no mfence/lfence");
    let no_sse: super::Unavailable = (!cpu.sse).then_some("this CPU has no SSE: no sfence");
    vec![
        BarrierInfo {
            kind: BarrierKind::Kernel,
            detail: "smp_rmb/smp_wmb: compiler barrier only (x86 is TSO)",
            unavailable: None,
        },
        BarrierInfo {
            kind: BarrierKind::Full,
            #[cfg(target_arch = "x86_64")]
            detail: "smp_mb: lock; addl $0,-4(%rsp)",
            #[cfg(target_arch = "x86")]
            detail: "smp_mb: lock; addl $0,-4(%esp)",
            unavailable: None,
        },
        BarrierInfo {
            kind: BarrierKind::Mfence,
            detail: "mb(): mfence for both smp_rmb and smp_wmb (SSE2)",
            unavailable: no_sse2,
        },
        BarrierInfo {
            kind: BarrierKind::LfenceSfence,
            detail: "rmb() = lfence (SSE2), wmb() = sfence (SSE)",
            unavailable: no_sse2.or(no_sse),
        },
    ]
}

/// This CPU has a 64-bit atomic load and exchange (`atomic64`, `x86-pae`).
pub const HAS_ATOMIC64: Result<(), &str> = Ok(());

/// One 64-bit atomic load of the 8 bytes at `p`: (low, high).
///
/// x86-64: a plain aligned 8-byte `mov` is single-copy atomic (SDM vol. 3,
/// 9.1.1). i686: `lock cmpxchg8b` with edx:eax = ecx:ebx = 0, the trick of
/// arch/x86/include/asm/atomic64_32.h (`atomic64_read` via `__atomic64_read`
/// / `atomic64_read_cx8`): it either fails and returns the current value, or
/// finds 0 and stores 0 back; both leave memory unchanged.
///
/// # Safety
/// `p` points to 8 live, 8-byte aligned bytes that are only accessed
/// atomically (an entry's two halves).
#[inline(always)]
pub unsafe fn load64(p: *const u64) -> (u32, u32) {
    #[cfg(target_arch = "x86_64")]
    {
        let v: u64;
        // SAFETY: the caller's contract.
        unsafe {
            asm!("mov {v}, qword ptr [{p}]", p = in(reg) p, v = out(reg) v,
                 options(nostack, preserves_flags, readonly))
        };
        (v as u32, (v >> 32) as u32)
    }
    #[cfg(target_arch = "x86")]
    {
        let (low, high): (u32, u32);
        // SAFETY: the caller's contract; see above.
        unsafe {
            asm!("lock cmpxchg8b qword ptr [edi]",
                 in("edi") p, in("ebx") 0u32, in("ecx") 0u32,
                 inout("eax") 0u32 => low, inout("edx") 0u32 => high,
                 options(nostack))
        };
        (low, high)
    }
}

/// Exchanges the 8 bytes at `p` with (low, high) in one atomic step: (old
/// low, old high). The primitive under the kernel's `pxx_xchg64`
/// (pgtable-3level.h): `native_ptep_get_and_clear()` and
/// `native_pmdp_get_and_clear()` (SMP) exchange with 0, `native_set_pmd()`
/// with the new entry; no reader can see half of either.
/// x86-64: `xchg` (implicitly locked). i686: `arch_atomic64_xchg`, a
/// `lock cmpxchg8b` retry loop (atomic64_32.h / atomic64_cx8_32.S `xchg`)
/// that starts from the current value, as pxx_xchg64 does.
///
/// # Safety
/// As [`load64`].
#[inline(always)]
pub unsafe fn xchg64(p: *mut u64, new_low: u32, new_high: u32) -> (u32, u32) {
    #[cfg(target_arch = "x86_64")]
    {
        let mut v: u64 = u64::from(new_low) | (u64::from(new_high) << 32);
        // SAFETY: the caller's contract.
        unsafe {
            asm!("xchg qword ptr [{p}], {v}", p = in(reg) p, v = inout(reg) v,
                 options(nostack, preserves_flags))
        };
        (v as u32, (v >> 32) as u32)
    }
    #[cfg(target_arch = "x86")]
    {
        use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
        // The first guess: the current halves (pxx_xchg64's `old = *ptr`).
        // SAFETY: the caller's contract: two live, aligned u32 atomics.
        let (mut low, mut high) = unsafe {
            (
                (*p.cast::<AtomicU32>()).load(Relaxed),
                (*p.cast::<AtomicU32>().add(1)).load(Relaxed),
            )
        };
        // SAFETY: the caller's contract. On failure cmpxchg8b loads the
        // current value into edx:eax and we try again.
        unsafe {
            asm!("2:",
                 "lock cmpxchg8b qword ptr [edi]",
                 "jnz 2b",
                 in("edi") p, in("ebx") new_low, in("ecx") new_high,
                 inout("eax") low, inout("edx") high,
                 options(nostack))
        };
        (low, high)
    }
}

/// The TSC, read in program order: `lfence; rdtsc; lfence`, the kernel's
/// `rdtsc_ordered()` (arch/x86/include/asm/msr.h) with a fence after as
/// well. The first lfence waits until every earlier instruction has
/// completed (its loads have their values), the second keeps later ones
/// from starting before the TSC is read (Intel SDM vol. 2, RDTSC). So a
/// read timed between two of these is all inside the interval. Without
/// SSE2 (i586 builds: the Pentium has a TSC but no lfence) a plain rdtsc:
/// the P5 core does not reorder loads around it.
#[inline(always)]
pub fn rdtsc_ordered() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: rdtsc reads the time-stamp counter (every CPU ptear's x86
    // builds run on has one: the Pentium introduced it, and the kernel
    // leaves CR4.TSD clear for user space); lfence only orders and is
    // used only with SSE2. No memory operand: the asm only orders.
    unsafe {
        #[cfg(target_feature = "sse2")]
        asm!("lfence", "rdtsc", "lfence", out("eax") lo, out("edx") hi, options(nostack, preserves_flags));
        #[cfg(not(target_feature = "sse2"))]
        asm!("rdtsc", out("eax") lo, out("edx") hi, options(nostack, preserves_flags));
    }
    u64::from(hi) << 32 | u64::from(lo)
}

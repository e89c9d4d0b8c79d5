//! x86 and x86-64: barriers from arch/x86/include/asm/barrier.h and the
//! 64-bit exchange of arch/x86/include/asm/pgtable-3level.h.
//!
//! x86 is TSO: loads are not reordered with loads nor stores with stores, so
//! the kernel's smp_rmb/smp_wmb are compiler barriers only. The fence kinds
//! exist to measure what stronger (mandatory) barriers cost.

use super::{BarrierInfo, BarrierKind, Barriers, Compiler};
use crate::pte::{Pair, Pte};
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

/// What each barrier kind is on this CPU, and whether the CPU can run it.
pub fn arch_barrier_info() -> Vec<BarrierInfo> {
    let sse = std::arch::is_x86_feature_detected!("sse");
    let sse2 = std::arch::is_x86_feature_detected!("sse2");
    let no_sse2: super::Unavailable =
        (!sse2).then_some("this CPU has no SSE2 (Pentium III or older): no mfence/lfence");
    let no_sse: super::Unavailable = (!sse).then_some("this CPU has no SSE: no sfence");
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

/// One 64-bit atomic load of the whole entry.
///
/// x86-64: a plain aligned 8-byte `mov` is single-copy atomic (SDM vol. 3,
/// 9.1.1). i686: `lock cmpxchg8b` with edx:eax = ecx:ebx = 0, the trick of
/// arch/x86/include/asm/atomic64_32.h (`atomic64_read` via `__atomic64_read`
/// / `atomic64_read_cx8`): it either fails and returns the current value, or
/// finds 0 and stores 0 back; both leave memory unchanged.
#[inline(always)]
pub fn pte_load_atomic64(pair: &Pair) -> Pte {
    let p = pair as *const Pair;
    #[cfg(target_arch = "x86_64")]
    {
        let v: u64;
        // SAFETY: `p` points to an 8-byte aligned, live Pair.
        unsafe {
            asm!("mov {v}, qword ptr [{p}]", p = in(reg) p, v = out(reg) v,
                 options(nostack, preserves_flags, readonly))
        };
        Pte {
            low: v as u32,
            high: (v >> 32) as u32,
        }
    }
    #[cfg(target_arch = "x86")]
    {
        let (low, high): (u32, u32);
        // SAFETY: `p` points to an 8-byte aligned, live Pair; see above.
        unsafe {
            asm!("lock cmpxchg8b qword ptr [edi]",
                 in("edi") p, in("ebx") 0u32, in("ecx") 0u32,
                 inout("eax") 0u32 => low, inout("edx") 0u32 => high,
                 options(nostack))
        };
        Pte { low, high }
    }
}

/// `native_ptep_get_and_clear()` (SMP) of pgtable-3level.h: the whole entry
/// is exchanged with 0 in one atomic step, so no reader can see a half-cleared
/// entry. x86-64: `xchg` (implicitly locked). i686: `arch_atomic64_xchg`, a
/// `lock cmpxchg8b` retry loop (atomic64_32.h / atomic64_cx8_32.S `xchg`).
#[inline(always)]
pub fn ptep_get_and_clear(pair: &Pair) -> Pte {
    let p = pair as *const Pair;
    #[cfg(target_arch = "x86_64")]
    {
        let mut v: u64 = 0;
        // SAFETY: `p` points to an 8-byte aligned, live Pair.
        unsafe {
            asm!("xchg qword ptr [{p}], {v}", p = in(reg) p, v = inout(reg) v,
                 options(nostack, preserves_flags))
        };
        Pte {
            low: v as u32,
            high: (v >> 32) as u32,
        }
    }
    #[cfg(target_arch = "x86")]
    {
        let (mut low, mut high) = (pair.load_low_relaxed(), pair.load_high_relaxed());
        // SAFETY: `p` points to an 8-byte aligned, live Pair. On failure
        // cmpxchg8b loads the current value into edx:eax and we try again.
        unsafe {
            asm!("2:",
                 "lock cmpxchg8b qword ptr [edi]",
                 "jnz 2b",
                 in("edi") p, in("ebx") 0u32, in("ecx") 0u32,
                 inout("eax") low, inout("edx") high,
                 options(nostack))
        };
        Pte { low, high }
    }
}

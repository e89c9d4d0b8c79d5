//! MIPS32: barriers from arch/mips/include/asm/barrier.h and asm/sync.h.
//!
//! With CONFIG_WEAK_ORDERING (SMP on Loongson, Octeon, BMIPS, MIPS_CPS
//! cores such as 1004K/interAptiv, P5600 with XPA) the kernel's smp_rmb,
//! smp_wmb and smp_mb are all `sync` (stype 0, a full barrier). Every block
//! raises the ISA level inside `.set push ... .set pop` as asm/sync.h's
//! `__SYNC` does, so it assembles for MIPS32r1 cores too
//! (`-C target-cpu=mips32`): `.set mips2` for plain `sync`, `.set mips32`
//! for a non-zero stype (the lowest ISA whose encoding has the field; the
//! kernel uses MIPS_ISA_LEVEL_RAW there).

use super::{BarrierInfo, BarrierKind, Barriers};
use core::arch::asm;

/// `__SYNC(full, always)`: `sync` (stype 0). Completes all earlier loads
/// and stores before any later one (MIPS32 PRA, SYNC).
#[inline(always)]
fn sync() {
    // SAFETY: a memory barrier; no registers or memory are changed.
    unsafe {
        asm!(
            ".set push",
            ".set mips2",
            "sync",
            ".set pop",
            options(nostack, preserves_flags)
        )
    }
}

/// smp_rmb/smp_wmb with CONFIG_WEAK_ORDERING: `sync`.
pub struct Kernel;

impl Barriers for Kernel {
    #[inline(always)]
    fn smp_rmb() {
        sync()
    }
    #[inline(always)]
    fn smp_wmb() {
        sync()
    }
}

/// smp_mb: also `sync`, so on MIPS `full` and `kernel` are the same
/// instruction (kept separate so the same command line works everywhere).
pub struct Full;

impl Barriers for Full {
    #[inline(always)]
    fn smp_rmb() {
        sync()
    }
    #[inline(always)]
    fn smp_wmb() {
        sync()
    }
}

/// `sync 0x13` (stype RMB, MIPS32r2+: orders loads against loads) at both
/// places. Correct for the reader; for the writer it orders nothing that
/// matters, so on weakly ordered hardware it is a control that can tear.
/// Cores before r2 treat the unknown stype as `sync 0`.
pub struct SyncRmb;

impl Barriers for SyncRmb {
    #[inline(always)]
    fn smp_rmb() {
        // SAFETY: a memory barrier only.
        unsafe {
            asm!(
                ".set push",
                ".set mips32",
                "sync 0x13",
                ".set pop",
                options(nostack, preserves_flags)
            )
        }
    }
    #[inline(always)]
    fn smp_wmb() {
        Self::smp_rmb()
    }
}

/// `sync 0x04` (stype WMB: orders stores against stores) at both places,
/// what Octeon's kernel uses for wmb. Correct for the writer, not the reader.
pub struct SyncWmb;

impl Barriers for SyncWmb {
    #[inline(always)]
    fn smp_rmb() {
        // SAFETY: a memory barrier only.
        unsafe {
            asm!(
                ".set push",
                ".set mips32",
                "sync 0x04",
                ".set pop",
                options(nostack, preserves_flags)
            )
        }
    }
    #[inline(always)]
    fn smp_wmb() {
        Self::smp_rmb()
    }
}

#[macro_export]
macro_rules! with_barriers {
    ($kind:expr, $B:ident => $body:expr) => {
        match $kind {
            $crate::config::BarrierKind::Kernel => {
                type $B = $crate::arch::Kernel;
                $body
            }
            $crate::config::BarrierKind::Full => {
                type $B = $crate::arch::Full;
                $body
            }
            $crate::config::BarrierKind::SyncRmb => {
                type $B = $crate::arch::SyncRmb;
                $body
            }
            $crate::config::BarrierKind::SyncWmb => {
                type $B = $crate::arch::SyncWmb;
                $body
            }
            $crate::config::BarrierKind::Compiler => {
                type $B = $crate::arch::Compiler;
                $body
            }
            $crate::config::BarrierKind::None => {
                type $B = $crate::arch::NoBarrier;
                $body
            }
        }
    };
}

pub fn barrier_info() -> Vec<BarrierInfo> {
    vec![
        BarrierInfo {
            kind: BarrierKind::Kernel,
            detail: "smp_rmb/smp_wmb: sync (CONFIG_WEAK_ORDERING)",
            unavailable: None,
        },
        BarrierInfo {
            kind: BarrierKind::Full,
            detail: "smp_mb: sync",
            unavailable: None,
        },
        BarrierInfo {
            kind: BarrierKind::SyncRmb,
            detail: "sync 0x13 (stype RMB) for both smp_rmb and smp_wmb",
            unavailable: None,
        },
        BarrierInfo {
            kind: BarrierKind::SyncWmb,
            detail: "sync 0x04 (stype WMB) for both smp_rmb and smp_wmb",
            unavailable: None,
        },
        BarrierInfo {
            kind: BarrierKind::Compiler,
            detail: "barrier(): compiler barrier only (a kernel without WEAK_ORDERING)",
            unavailable: None,
        },
        BarrierInfo {
            kind: BarrierKind::None,
            detail: "no barrier between the two 32-bit accesses",
            unavailable: None,
        },
    ]
}

pub const NO_ATOMIC64: &str = "MIPS32 has no 64-bit atomic load or exchange (no lld/scd)";

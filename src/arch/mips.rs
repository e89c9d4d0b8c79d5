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
/// instruction (both names exist so one command line works everywhere).
pub type Full = Kernel;

/// `sync STYPE` with a lightweight stype at both places: asm/sync.h's
/// `__SYNC(rmb|wmb, ...)` form, which Linux itself only uses on Octeon.
/// Cores before MIPS32r2 treat an unknown stype as `sync 0`.
pub struct SyncStype<const STYPE: u32>;

impl<const STYPE: u32> SyncStype<STYPE> {
    #[inline(always)]
    fn sync() {
        // SAFETY: a memory barrier; no registers or memory are changed.
        unsafe {
            asm!(
                ".set push",
                ".set mips32",
                "sync {stype}",
                ".set pop",
                stype = const STYPE,
                options(nostack, preserves_flags)
            )
        }
    }
}

impl<const STYPE: u32> Barriers for SyncStype<STYPE> {
    #[inline(always)]
    fn smp_rmb() {
        Self::sync()
    }
    #[inline(always)]
    fn smp_wmb() {
        Self::sync()
    }
}

/// `sync 0x13` (stype RMB: orders loads against loads). Right for the
/// reader; for the writer it orders nothing that matters, so on weakly
/// ordered hardware it is a control that can tear.
pub type SyncRmb = SyncStype<0x13>;
/// `sync 0x04` (stype WMB: orders stores against stores), what Octeon's
/// kernel uses for wmb. Right for the writer, not the reader.
pub type SyncWmb = SyncStype<0x04>;

pub(super) fn arch_barrier_info() -> Vec<BarrierInfo> {
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
    ]
}

/// Why `atomic64` and `x86-pae` cannot run on MIPS32 (`RunConfig::check`).
pub const NO_ATOMIC64: &str = "MIPS32 has no 64-bit atomic load or exchange (no lld/scd)";

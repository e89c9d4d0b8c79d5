//! Architectures without ptear asm yet: core fences stand in for the
//! barriers (`ptear list` says so). Acquire/release fences give at least the
//! ordering smp_rmb/smp_wmb promise, but not the kernel's exact instructions.

use super::{BarrierInfo, BarrierKind, Barriers};
use core::sync::atomic::{fence, Ordering};

/// smp_rmb/smp_wmb as core fences: an acquire fence after the loads and a
/// release fence between the stores.
pub struct Kernel;

impl Barriers for Kernel {
    #[inline(always)]
    fn smp_rmb() {
        fence(Ordering::Acquire)
    }
    #[inline(always)]
    fn smp_wmb() {
        fence(Ordering::Release)
    }
}

/// smp_mb as a sequentially consistent fence.
pub struct Full;

impl Barriers for Full {
    #[inline(always)]
    fn smp_rmb() {
        fence(Ordering::SeqCst)
    }
    #[inline(always)]
    fn smp_wmb() {
        fence(Ordering::SeqCst)
    }
}

pub(super) fn arch_barrier_info() -> Vec<BarrierInfo> {
    vec![
        BarrierInfo {
            kind: BarrierKind::Kernel,
            detail: "no ptear asm for this arch yet: core acquire/release fences",
            unavailable: None,
        },
        BarrierInfo {
            kind: BarrierKind::Full,
            detail: "no ptear asm for this arch yet: core SeqCst fence",
            unavailable: None,
        },
    ]
}

pub const NO_ATOMIC64: &str = "ptear has no 64-bit atomic asm for this architecture yet";

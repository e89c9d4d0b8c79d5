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
            detail: "no ptear asm for this arch yet: core acquire/release fences",
            unavailable: None,
        },
        BarrierInfo {
            kind: BarrierKind::Full,
            detail: "no ptear asm for this arch yet: core SeqCst fence",
            unavailable: None,
        },
        BarrierInfo {
            kind: BarrierKind::Compiler,
            detail: "barrier(): compiler barrier only",
            unavailable: None,
        },
        BarrierInfo {
            kind: BarrierKind::None,
            detail: "no barrier between the two 32-bit accesses",
            unavailable: None,
        },
    ]
}

pub const NO_ATOMIC64: &str = "ptear has no 64-bit atomic asm for this architecture yet";

//! Per-architecture barriers and 64-bit atomics, one file per architecture
//! (the layout of atomic-maybe-uninit's `src/arch`).
//!
//! Every barrier kind is a zero-sized type implementing [`Barriers`], so the
//! hammer loops are monomorphised per kind and a barrier costs exactly the
//! instructions it stands for. [`BarrierKind`] is the run-time name chosen on
//! the command line; [`with_barriers!`](crate::with_barriers) maps it to the type.

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod x86;
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
pub use x86::*;

#[cfg(any(target_arch = "mips", target_arch = "mips32r6"))]
mod mips;
#[cfg(any(target_arch = "mips", target_arch = "mips32r6"))]
pub use mips::*;

#[cfg(not(any(
    target_arch = "x86",
    target_arch = "x86_64",
    target_arch = "mips",
    target_arch = "mips32r6"
)))]
mod generic;
#[cfg(not(any(
    target_arch = "x86",
    target_arch = "x86_64",
    target_arch = "mips",
    target_arch = "mips32r6"
)))]
pub use generic::*;

/// The two barriers of the split-PTE protocol, named as in the kernel's
/// `asm/barrier.h`: `smp_rmb` orders the reader's loads, `smp_wmb` the
/// writer's stores.
pub trait Barriers {
    fn smp_rmb();
    fn smp_wmb();
}

/// `barrier()` from include/linux/compiler.h: `asm volatile("" ::: "memory")`.
/// Stops the compiler from moving memory accesses across it; emits nothing.
pub struct Compiler;

impl Barriers for Compiler {
    #[inline(always)]
    fn smp_rmb() {
        core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
    }
    #[inline(always)]
    fn smp_wmb() {
        core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
    }
}

/// Nothing at all between the accesses: the halves are still single 32-bit
/// READ_ONCE/WRITE_ONCE-like accesses, but both the compiler and the CPU may
/// reorder them (kind 4 and kind 3 tears in KERNEL-PROTOCOL.md).
pub struct NoBarrier;

impl Barriers for NoBarrier {
    #[inline(always)]
    fn smp_rmb() {}
    #[inline(always)]
    fn smp_wmb() {}
}

/// Maps a [`BarrierKind`] to its type and evaluates `$body` with `$B` bound to
/// it, so callers write one generic call and get one instantiation per kind.
/// Arch-specific kinds have `cfg`'d arms, as their enum variants do.
#[macro_export]
macro_rules! with_barriers {
    ($kind:expr, $B:ident => $body:expr) => {{
        use $crate::config::BarrierKind as K;
        match $kind {
            K::Kernel => {
                type $B = $crate::arch::Kernel;
                $body
            }
            K::Full => {
                type $B = $crate::arch::Full;
                $body
            }
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            K::Mfence => {
                type $B = $crate::arch::Mfence;
                $body
            }
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            K::LfenceSfence => {
                type $B = $crate::arch::LfenceSfence;
                $body
            }
            #[cfg(any(target_arch = "mips", target_arch = "mips32r6"))]
            K::SyncRmb => {
                type $B = $crate::arch::SyncRmb;
                $body
            }
            #[cfg(any(target_arch = "mips", target_arch = "mips32r6"))]
            K::SyncWmb => {
                type $B = $crate::arch::SyncWmb;
                $body
            }
            K::Compiler => {
                type $B = $crate::arch::Compiler;
                $body
            }
            K::None => {
                type $B = $crate::arch::NoBarrier;
                $body
            }
        }
    }};
}

/// Every barrier kind of this build: the arch's own (`arch_barrier_info`)
/// then the two every arch has.
pub fn barrier_info() -> Vec<BarrierInfo> {
    let mut all = arch_barrier_info();
    all.push(BarrierInfo {
        kind: BarrierKind::Compiler,
        detail: "barrier(): compiler barrier only",
        unavailable: None,
    });
    all.push(BarrierInfo {
        kind: BarrierKind::None,
        detail: "no barrier between the two 32-bit accesses",
        unavailable: None,
    });
    all
}

/// Why a barrier kind cannot run on this CPU, if it cannot.
pub type Unavailable = Option<&'static str>;

/// Barrier kinds the command line accepts on this build.
pub use crate::config::BarrierKind;

/// A line of `ptear list` / `barrier_detail`: what a kind becomes here.
pub struct BarrierInfo {
    pub kind: BarrierKind,
    pub detail: &'static str,
    pub unavailable: Unavailable,
}

/// Architectures without a 64-bit atomic load/exchange: `atomic64` and
/// `x86-pae` are refused by `RunConfig::check` with the arch's reason, so
/// these are never called.
#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
mod no_atomic64 {
    use crate::pte::{Pair, Pte};

    pub const HAS_ATOMIC64: Result<(), &str> = Err(super::NO_ATOMIC64);

    pub fn pte_load_atomic64(_: &Pair) -> Pte {
        unreachable!("atomic64 is refused when the config is checked")
    }

    pub fn ptep_get_and_clear(_: &Pair) -> Pte {
        unreachable!("x86-pae is refused when the config is checked")
    }
}
#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
pub use no_atomic64::*;

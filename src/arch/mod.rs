//! Per-architecture barriers and 64-bit atomics, one file per architecture
//! (the layout of atomic-maybe-uninit's `src/arch`).
//!
//! Every barrier kind is a zero-sized type implementing [`Barriers`], so the
//! hammer loops are monomorphised per kind and a barrier costs exactly the
//! instructions it stands for. [`BarrierKind`] is the run-time name chosen on
//! the command line; [`with_barriers!`](crate::with_barriers) maps it to the type.
//!
//! This module is a leaf: it depends on nothing else in the crate. What the
//! CPU can do is probed once ([`barriers`]) and a run carries the resolved
//! [`BarrierInfo`] of its choice.

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

use crate::names::{name, Name, Named};
use std::sync::OnceLock;

/// `--barrier`: what smp_rmb/smp_wmb are. Arch-specific kinds exist only on
/// builds for that arch; CPU-specific ones are checked at start. A kind's
/// discriminant is its row of [`BARRIER_NAMES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarrierKind {
    /// What the kernel uses.
    Kernel = 0,
    /// smp_mb.
    Full = 1,
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    /// mfence.
    Mfence = 2,
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    /// lfence and sfence.
    LfenceSfence = 3,
    #[cfg(any(target_arch = "mips", target_arch = "mips32r6"))]
    /// sync 0x13.
    SyncRmb = 4,
    #[cfg(any(target_arch = "mips", target_arch = "mips32r6"))]
    /// sync 0x04.
    SyncWmb = 5,
    /// A compiler barrier.
    Compiler = 7,
    /// Nothing.
    None = 8,
}

/// Every arch's `--barrier` names and help, indexed by `BarrierKind as
/// usize`: this build's kinds are some of them. Row 6, `synco`, is the C
/// port's sh4 build's only (no Rust compiler targets SuperH); it is here
/// so that the C port's table (c/generated.h) has one source too.
pub const BARRIER_NAMES: [Name; 9] = [
    name("kernel", "Linux's SMP smp_rmb/smp_wmb for this arch"),
    name("full", "the arch's smp_mb for both"),
    name("mfence", "mfence for both (SSE2)"),
    name("lfence-sfence", "lfence as rmb, sfence as wmb (SSE2)"),
    name("sync-rmb", "sync 0x13 (stype RMB) for both"),
    name("sync-wmb", "sync 0x04 (stype WMB) for both"),
    name(
        "synco",
        "synco for both (SH-4A; the C port's sh4 build only)",
    ),
    name("compiler", "compiler barrier only"),
    name("none", "nothing between the two accesses"),
];

impl Named for BarrierKind {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    const ALL: &'static [Self] = &[
        BarrierKind::Kernel,
        BarrierKind::Full,
        BarrierKind::Mfence,
        BarrierKind::LfenceSfence,
        BarrierKind::Compiler,
        BarrierKind::None,
    ];
    #[cfg(any(target_arch = "mips", target_arch = "mips32r6"))]
    const ALL: &'static [Self] = &[
        BarrierKind::Kernel,
        BarrierKind::Full,
        BarrierKind::SyncRmb,
        BarrierKind::SyncWmb,
        BarrierKind::Compiler,
        BarrierKind::None,
    ];
    #[cfg(not(any(
        target_arch = "x86",
        target_arch = "x86_64",
        target_arch = "mips",
        target_arch = "mips32r6"
    )))]
    const ALL: &'static [Self] = &[
        BarrierKind::Kernel,
        BarrierKind::Full,
        BarrierKind::Compiler,
        BarrierKind::None,
    ];
    fn row(self) -> &'static Name {
        &BARRIER_NAMES[self as usize]
    }
}

/// The two barriers of the split-PTE protocol, named as in the kernel's
/// `asm/barrier.h`: `smp_rmb` orders the reader's loads, `smp_wmb` the
/// writer's stores.
pub trait Barriers {
    /// Orders the reader's loads (between low and high, and before the re-check).
    fn smp_rmb();
    /// Orders the writer's stores (between the two halves).
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
/// reorder them (tears of kinds 4 and 3 in docs/kernel-protocol.md).
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
        use $crate::arch::BarrierKind as K;
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

/// Every barrier kind of this build, as this CPU runs it: the arch's own
/// then the two every arch has. Probed once (CPUID on x86), then shared.
pub fn barriers() -> &'static [BarrierInfo] {
    static ALL: OnceLock<Vec<BarrierInfo>> = OnceLock::new();
    ALL.get_or_init(|| {
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
    })
}

/// Resolves a `--barrier` choice on this CPU: what it becomes, or why this
/// CPU cannot run it.
pub fn choose(kind: BarrierKind) -> Result<BarrierInfo, &'static str> {
    let info = *barriers()
        .iter()
        .find(|i| i.kind == kind)
        .expect("every kind of this build has an entry");
    match info.unavailable {
        Some(why) => Err(why),
        None => Ok(info),
    }
}

/// Why a barrier kind cannot run on this CPU, if it cannot.
pub type Unavailable = Option<&'static str>;

/// A line of `ptear list`, and a run's resolved barrier: what a kind
/// becomes here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BarrierInfo {
    /// The command-line kind.
    pub kind: BarrierKind,
    /// The instructions it is on this arch and CPU.
    pub detail: &'static str,
    /// Why this CPU cannot run it, if it cannot.
    pub unavailable: Unavailable,
}

/// Whether this build can run on this CPU at all (an i686 build needs
/// SSE2): checked first thing, before any other code relies on it.
#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
pub fn check_build_runs_here() -> Result<(), String> {
    Ok(())
}

/// Architectures without a 64-bit atomic load/exchange: `atomic64` and
/// `x86-pae` are refused by `RunConfig::check` with the arch's reason, so
/// these are never called.
#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
mod no_atomic64 {
    /// Why `atomic64` and `x86-pae` cannot run here.
    pub const HAS_ATOMIC64: Result<(), &str> = Err(super::NO_ATOMIC64);

    /// Never called: refused when the config is checked.
    ///
    /// # Safety
    /// None needed; it panics.
    pub unsafe fn load64(_: *const u64) -> (u32, u32) {
        unreachable!("atomic64 is refused when the config is checked")
    }

    /// Never called: refused when the config is checked.
    ///
    /// # Safety
    /// None needed; it panics.
    pub unsafe fn xchg64(_: *mut u64, _: u32, _: u32) -> (u32, u32) {
        unreachable!("x86-pae is refused when the config is checked")
    }
}
#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
pub use no_atomic64::*;

//! What a run is asked to do, checked: the engine's input. The command line
//! (`cli`) builds it; nothing here parses text.

use clap::ValueEnum;
use std::time::Duration;

/// `--reader`: how readers assemble an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReaderKind {
    /// ptep_get_lockless: low, smp_rmb, high, smp_rmb, re-check low, retry
    Lockless,
    /// low, smp_rmb, high, no re-check (a known-broken control)
    Once,
    /// one 64-bit atomic load (x86-64: mov; i686: lock cmpxchg8b)
    Atomic64,
}

/// `--writer`: which kernel's store order writers follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WriterKind {
    /// install high, smp_wmb, low; clear low, smp_wmb, high (the reader's comment)
    Documented,
    /// native_set_pte; clear = native_ptep_get_and_clear, a 64-bit exchange
    X86Pae,
    /// MIPS32 64-bit phys: set_pte; clear = set_pte(0), high first
    Mips,
    /// SH X2TLB: set_pte; clear = set_pte(0), high first
    Sh,
    /// install low before high, no barrier (a known-broken control)
    Unordered,
}

/// `--barrier`: what smp_rmb/smp_wmb are. Arch-specific kinds exist only on
/// builds for that arch; CPU-specific ones are checked at start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BarrierKind {
    /// Linux's SMP smp_rmb/smp_wmb for this arch
    Kernel,
    /// the arch's smp_mb for both
    Full,
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    /// mfence for both (SSE2)
    Mfence,
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    /// lfence as rmb, sfence as wmb (SSE2)
    LfenceSfence,
    #[cfg(any(target_arch = "mips", target_arch = "mips32r6"))]
    /// sync 0x13 (stype RMB) for both
    SyncRmb,
    #[cfg(any(target_arch = "mips", target_arch = "mips32r6"))]
    /// sync 0x04 (stype WMB) for both
    SyncWmb,
    /// compiler barrier only
    Compiler,
    /// nothing between the two accesses
    None,
}

/// The command-line name of a value (`lockless`, `x86-pae`, ...).
pub fn name_of<T: ValueEnum>(v: T) -> String {
    v.to_possible_value()
        .map(|p| p.get_name().to_owned())
        .unwrap_or_default()
}

/// Hard limits that keep a run inside what one machine and one process can do.
pub mod limits {
    /// Threads (readers + writers) in one run.
    pub const MAX_THREADS: u64 = 1024;
    /// Pairs in the shared table: 2^27 pairs = 1 GiB.
    pub const MAX_PAIRS: u64 = 1 << 27;
    /// Spin iterations in one gap.
    pub const MAX_GAP: u64 = 100_000_000;
    /// A run longer than a year is a typo.
    pub const MAX_DURATION_S: u64 = 366 * 24 * 3600;
}

/// A checked run configuration.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub reader: ReaderKind,
    pub writer: WriterKind,
    pub barrier: BarrierKind,
    pub readers: usize,
    pub writers: usize,
    pub pairs: usize,
    /// Stop after this long (None: only a read count or a signal stops it).
    pub duration: Option<Duration>,
    /// Stop after this many reads in total.
    pub reads: Option<u64>,
    pub low_period: u32,
    pub writer_gap: u32,
    pub reader_gap: u32,
    pub seed: u64,
    /// CPUs to pin to: writers first, then readers, cycling the list.
    pub cpus: Option<Vec<usize>>,
}

impl RunConfig {
    /// Defaults of `ptear run`, with a fixed seed (the CLI draws a random one).
    pub fn new(seed: u64) -> RunConfig {
        RunConfig {
            reader: ReaderKind::Lockless,
            writer: WriterKind::Documented,
            barrier: BarrierKind::Kernel,
            readers: crate::host::online_cpus().saturating_sub(1).max(1),
            writers: 1,
            pairs: 1,
            duration: Some(Duration::from_secs(5)),
            reads: None,
            low_period: crate::pte::encoding::MAX_LOW_PERIOD,
            writer_gap: 0,
            reader_gap: 0,
            seed,
            cpus: None,
        }
    }

    /// The CPU thread `t` (writers first, then readers) is pinned to.
    pub fn cpu_for_thread(&self, t: usize) -> Option<usize> {
        self.cpus.as_ref().map(|c| c[t % c.len()])
    }

    /// Checks what can only be known on this machine and build; every `Err`
    /// is a usage error (exit 2) given before any thread starts.
    pub fn check(&self) -> Result<(), String> {
        let threads = (self.readers + self.writers) as u64;
        if threads > limits::MAX_THREADS {
            return Err(format!(
                "{} readers + {} writers is more than {} threads",
                self.readers,
                self.writers,
                limits::MAX_THREADS
            ));
        }
        if self.writers > self.pairs {
            return Err(format!(
                "--writers {} needs at least as many pairs (--pairs {}): each writer owns its own pairs",
                self.writers, self.pairs
            ));
        }
        crate::engine::memory::check_fits(self.pairs as u64)?;
        if let Some(cpus) = &self.cpus {
            crate::engine::affinity::check_cpus(cpus)?;
        }
        if self.reader == ReaderKind::Atomic64 {
            crate::arch::HAS_ATOMIC64.map_err(|why| format!("--reader atomic64: {why}"))?;
        }
        if self.writer == WriterKind::X86Pae {
            crate::arch::HAS_ATOMIC64.map_err(|why| {
                format!("--writer x86-pae needs a 64-bit exchange for ptep_get_and_clear: {why}")
            })?;
        }
        let info = crate::arch::barrier_info();
        if let Some(why) = info
            .iter()
            .find(|i| i.kind == self.barrier)
            .and_then(|i| i.unavailable)
        {
            return Err(format!("--barrier {}: {why}", name_of(self.barrier)));
        }
        Ok(())
    }

    pub fn barrier_detail(&self) -> &'static str {
        crate::arch::barrier_info()
            .into_iter()
            .find(|i| i.kind == self.barrier)
            .map_or("", |i| i.detail)
    }
}

/// A fresh seed from the OS, for runs that were not given `--seed`.
pub fn random_seed() -> u64 {
    use rand::{Rng, SeedableRng};
    rand::rngs::SmallRng::from_os_rng().random()
}

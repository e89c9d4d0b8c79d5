//! What a run is asked to do ([`RunConfig`]) and the same, checked
//! ([`CheckedConfig`]): the engine only takes the latter. The command line
//! (`cli`), `selftest` and the benchmark build a `RunConfig`; nothing here
//! parses text.

use crate::error::UsageError;
use crate::names::{name, Name, Named};
use std::time::Duration;

use crate::arch::BarrierInfo;
pub use crate::arch::BarrierKind;
use crate::pte::{ClearTo, Encoding, LayoutKind, Level, Pte};

/// `--reader`: how readers assemble an entry (names and help: [`READER_NAMES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReaderKind {
    /// The kernel's loop (ptep_get_lockless).
    Lockless,
    /// No re-check (a known-broken control).
    Once,
    /// One 64-bit atomic load.
    Atomic64,
    /// GUP-fast's read and re-check.
    GupFast,
    /// KVM's clear counter.
    KvmCount,
}

/// `--reader`'s names and help, indexed by `ReaderKind as usize`.
pub const READER_NAMES: [Name; 5] = [
    name(
        "lockless",
        "ptep_get_lockless: low, smp_rmb, high, smp_rmb, re-check low, retry",
    ),
    name(
        "once",
        "low, smp_rmb, high, no re-check (a known-broken control)",
    ),
    name(
        "atomic64",
        "one 64-bit atomic load (x86-64: mov; i686: lock cmpxchg8b)",
    ),
    name(
        "gup-fast",
        "GUP-fast: ptep_get_lockless, take a reference, re-check with ptep_get (two plain loads)",
    ),
    name(
        "kvm-count",
        "KVM's __get_spte_lockless: clear counter, low, high, retry if low or count changed",
    ),
];

impl Named for ReaderKind {
    const ALL: &'static [Self] = &[
        ReaderKind::Lockless,
        ReaderKind::Once,
        ReaderKind::Atomic64,
        ReaderKind::GupFast,
        ReaderKind::KvmCount,
    ];
    fn row(self) -> &'static Name {
        &READER_NAMES[self as usize]
    }
}

/// `--writer`: which kernel's store order writers follow (names and help:
/// [`WRITER_NAMES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriterKind {
    /// What the reader's comment assumes.
    Documented,
    /// x86 PAE from v4.19.
    X86Pae,
    /// x86 PAE up to v4.18.
    X86PaeV26,
    /// MIPS32 with 64-bit physical addresses.
    Mips,
    /// SuperH X2TLB.
    Sh,
    /// Low before high, no barrier (a known-broken control).
    Unordered,
}

/// `--writer`'s names and help, indexed by `WriterKind as usize`.
pub const WRITER_NAMES: [Name; 6] = [
    name(
        "documented",
        "install high, smp_wmb, low; clear low, smp_wmb, high (the reader's comment)",
    ),
    name(
        "x86-pae",
        "native_set_pte; clear = native_ptep_get_and_clear, a 64-bit exchange (v4.19 and later)",
    ),
    name(
        "x86-pae@2.6-4.18",
        "x86 PAE up to v4.18: set_pte; clear = xchg(low, 0), then a plain high = 0",
    ),
    name(
        "mips",
        "MIPS32 64-bit phys: set_pte; clear = set_pte(0), high first",
    ),
    name("sh", "SH X2TLB: set_pte; clear = set_pte(0), high first"),
    name(
        "unordered",
        "install low before high, no barrier (a known-broken control)",
    ),
];

impl Named for WriterKind {
    const ALL: &'static [Self] = &[
        WriterKind::Documented,
        WriterKind::X86Pae,
        WriterKind::X86PaeV26,
        WriterKind::Mips,
        WriterKind::Sh,
        WriterKind::Unordered,
    ];
    fn row(self) -> &'static Name {
        &WRITER_NAMES[self as usize]
    }
}

impl WriterKind {
    /// The layout a run with this writer uses unless `--layout` says
    /// otherwise: the profile's architecture (x86 PAE for the others).
    pub fn default_layout(self) -> LayoutKind {
        match self {
            WriterKind::Mips => LayoutKind::Mips,
            WriterKind::Sh => LayoutKind::ShX2tlb,
            WriterKind::Documented
            | WriterKind::X86Pae
            | WriterKind::X86PaeV26
            | WriterKind::Unordered => LayoutKind::X86Pae,
        }
    }

    /// What its sequences leave standing between two stores
    /// (`WriterProfile::HALF_CLEARED` of its profile; its PMD profiles
    /// are the same).
    pub fn half_cleared(self) -> crate::pte::write::HalfCleared {
        use crate::pte::write::*;
        match self {
            WriterKind::Documented => Documented::HALF_CLEARED,
            WriterKind::X86Pae => X86Pae::HALF_CLEARED,
            WriterKind::X86PaeV26 => X86PaeV26::HALF_CLEARED,
            WriterKind::Mips | WriterKind::Sh => HighFirstClear::HALF_CLEARED,
            WriterKind::Unordered => Unordered::HALF_CLEARED,
        }
    }

    /// The high half its sequences leave next to an installed low, when
    /// what stands between installs is `cleared` (docs/layouts.md,
    /// `transient_high`): 0 after a high-first clear; for a low-first
    /// install, the high of what it lands on.
    pub fn transient_high(self, cleared: Option<Pte>) -> Option<u32> {
        use crate::pte::write::HalfCleared;
        match self.half_cleared() {
            HalfCleared::Never => None,
            HalfCleared::HighZeroedFirst => Some(0),
            HalfCleared::LowInstalledFirst => Some(cleared.map_or(0, |c| c.high)),
        }
    }

    /// It has PMD stores (docs/layouts.md, "The PMD level").
    pub fn has_pmd(self) -> bool {
        !matches!(self, WriterKind::Mips | WriterKind::Sh)
    }

    /// It needs a 64-bit exchange at `level`.
    pub fn needs_xchg64(self, level: Level) -> bool {
        self == WriterKind::X86Pae || (self == WriterKind::X86PaeV26 && level == Level::Pmd)
    }
}

impl WriterKind {
    /// The kernels whose store order this profile is, and where it is
    /// written (`ptear list`); `None` for ptear's own controls.
    pub fn kernels(self) -> Option<(&'static str, &'static str)> {
        match self {
            WriterKind::Documented => Some((
                "the order the comment of ptep_get_lockless() assumes (every version)",
                "include/linux/pgtable.h",
            )),
            WriterKind::X86Pae => Some((
                "v4.19 and later: arch_atomic64_xchg to v6.1, pxx_xchg64 from v6.2 (plain stores before v6.2, WRITE_ONCE after: the same moves)",
                "arch/x86/include/asm/pgtable-3level.h",
            )),
            WriterKind::X86PaeV26 => Some((
                "the 2.6 series to v4.18 (stable trees took the 64-bit exchange in 2018)",
                "include/asm-i386/pgtable-3level.h, arch/x86/include/asm/pgtable-3level.h from 2.6.28",
            )),
            WriterKind::Mips => Some((
                "every version with 64-bit physical addresses on MIPS32",
                "arch/mips/include/asm/pgtable.h",
            )),
            WriterKind::Sh => Some((
                "every version with X2TLB",
                "arch/sh/include/asm/pgtable_32.h",
            )),
            WriterKind::Unordered => None,
        }
    }
}

impl ReaderKind {
    /// It needs the side table (one u32 per pair).
    pub fn uses_side_table(self) -> bool {
        matches!(self, ReaderKind::GupFast | ReaderKind::KvmCount)
    }
}

/// The name of a value (`lockless`, `x86-pae`, ...), owned: its enum's
/// table ([`crate::names`]).
pub fn name_of<T: Named>(v: T) -> String {
    v.name().to_owned()
}

/// Hard limits that keep a run inside what one machine and one process can
/// do. The C port's are generated from these (c/generated.h,
/// tests/c_header.rs).
pub mod limits {
    /// Threads (readers + writers) in one run.
    pub const MAX_THREADS: u64 = 1024;
    /// Pairs in the shared table: 2^27 pairs = 1 GiB.
    pub const MAX_PAIRS: u64 = 1 << 27;
    /// Spin iterations in one gap.
    pub const MAX_GAP: u64 = 100_000_000;
    /// A run longer than a year is a typo.
    pub const MAX_DURATION_S: u64 = 366 * 24 * 3600;
    /// Distinct low halves a pair can cycle through (`--low-period`), in
    /// the layout that holds the most (docs/layouts.md).
    pub const MAX_LOW_PERIOD: u32 = crate::pte::layout::MAX_LOW_PERIOD;
}

/// A run as asked for: every option, not yet checked against the limits,
/// this machine or this build.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// `--reader`.
    pub reader: ReaderKind,
    /// `--writer`.
    pub writer: WriterKind,
    /// `--barrier`.
    pub barrier: BarrierKind,
    /// Reader threads.
    pub readers: usize,
    /// Writer groups; group w owns pairs w, w + writers, ...
    pub writers: usize,
    /// Writer threads per group, taking turns on each entry under its
    /// page-table lock (1: one thread owns the entry, no lock).
    pub writers_per_entry: usize,
    /// Entries in the shared table.
    pub pairs: usize,
    /// Stop after this long (None: only a read count or a signal stops it).
    pub duration: Option<Duration>,
    /// Stop after this many reads in total.
    pub reads: Option<u64>,
    /// `--layout` (None: the writer's, [`WriterKind::default_layout`]).
    pub layout: Option<LayoutKind>,
    /// Distinct low halves each pair cycles through (None: the layout's most).
    pub low_period: Option<u32>,
    /// What stands in a pair between two installs.
    pub clear_to: ClearTo,
    /// PTEs or PMDs.
    pub level: Level,
    /// Spin iterations (±50%) between a writer's two stores.
    pub writer_gap: u32,
    /// Spin iterations (±50%) between a reader's loads.
    pub reader_gap: u32,
    /// Seed for pair orders and gaps.
    pub seed: u64,
    /// CPUs to pin to: writers first, then readers, cycling the list.
    pub cpus: Option<Vec<usize>>,
}

/// A run that passed [`RunConfig::check`], with its barrier resolved once
/// for this CPU and its layout and low period resolved into the entries
/// writers install. Derefs to the options it was made from.
#[derive(Clone, Debug)]
pub struct CheckedConfig {
    cfg: RunConfig,
    barrier: BarrierInfo,
    layout: LayoutKind,
    encoding: Encoding,
}

impl std::ops::Deref for CheckedConfig {
    type Target = RunConfig;
    fn deref(&self) -> &RunConfig {
        &self.cfg
    }
}

impl CheckedConfig {
    /// What `--barrier` became on this CPU.
    pub fn barrier_info(&self) -> BarrierInfo {
        self.barrier
    }

    /// The layout writers install (given or the writer's).
    pub fn layout(&self) -> LayoutKind {
        self.layout
    }

    /// The entries writers install and how reads are classified.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The options, to change and check again.
    pub fn into_inner(self) -> RunConfig {
        self.cfg
    }
}

fn usage(msg: String) -> UsageError {
    UsageError(msg)
}

impl RunConfig {
    /// Defaults of `ptear run`, with a fixed seed (the CLI draws a fresh one).
    pub fn new(seed: u64) -> RunConfig {
        RunConfig {
            reader: ReaderKind::Lockless,
            writer: WriterKind::Documented,
            barrier: BarrierKind::Kernel,
            readers: crate::host::online_cpus().saturating_sub(1).max(1),
            writers: 1,
            writers_per_entry: 1,
            pairs: 1,
            duration: Some(Duration::from_secs(5)),
            reads: None,
            layout: None,
            low_period: None,
            clear_to: ClearTo::Zero,
            level: Level::Pte,
            writer_gap: 0,
            reader_gap: 0,
            seed,
            cpus: None,
        }
    }

    /// Bytes per pair beyond the entry: the side table's word (GUP-fast,
    /// KVM) and the page-table lock with its state (writers per entry > 1).
    pub fn extra_bytes_per_pair(&self) -> u64 {
        let side = if self.reader.uses_side_table() { 4 } else { 0 };
        let ptl = if self.writers_per_entry > 1 {
            core::mem::size_of::<crate::pte::write::Ptl>() as u64
        } else {
            0
        };
        side + ptl
    }

    /// Writer threads in all: `writers * writers_per_entry`.
    pub fn writer_threads(&self) -> usize {
        self.writers * self.writers_per_entry
    }

    /// The CPU thread `t` (writers first, then readers) is pinned to.
    pub fn cpu_for_thread(&self, t: usize) -> Option<usize> {
        self.cpus.as_ref().map(|c| c[t % c.len()])
    }

    /// Checks every option against the limits, this machine and this
    /// build. Every `Err` is a usage error (exit 2) given before any thread
    /// starts.
    pub fn check(self) -> Result<CheckedConfig, UsageError> {
        use limits::*;
        for (name, n) in [
            ("--readers", self.readers),
            ("--writers", self.writers),
            ("--writers-per-entry", self.writers_per_entry),
            ("--pairs", self.pairs),
        ] {
            if n == 0 {
                return Err(usage(format!("{name} must be at least 1")));
            }
        }
        let threads = (self.readers as u64)
            .saturating_add((self.writers as u64).saturating_mul(self.writers_per_entry as u64));
        if threads > MAX_THREADS {
            return Err(usage(format!(
                "{} readers + {} writers x {} per entry is more than {MAX_THREADS} threads",
                self.readers, self.writers, self.writers_per_entry
            )));
        }
        if self.writers > self.pairs {
            return Err(usage(format!(
                "--writers {} needs at least as many pairs (--pairs {}): each writer owns its own pairs",
                self.writers, self.pairs
            )));
        }
        check_fits(self.pairs as u64, self.extra_bytes_per_pair())?;
        let layout = self.layout.unwrap_or(self.writer.default_layout());
        let row = self.check_level_and_clear_to(layout)?;
        let max = row.max_low_period();
        let low_period = self.low_period.unwrap_or(max);
        if low_period == 0 {
            return Err(usage("--low-period must be at least 1".into()));
        }
        if low_period > max {
            return Err(usage(format!(
                "--low-period {low_period} is more than the {max} distinct low halves layout {} holds",
                name_of(layout)
            )));
        }
        // What stands between installs, as the transient rule needs it: the
        // same entry for every state except PN, whose high a low-first
        // install never lands on (a clear comes first).
        let cleared = row.fixed_cleared_entry(self.clear_to);
        let encoding = Encoding::with(row, low_period, self.writer.transient_high(cleared))
            .expect("low period checked against the layout");
        for (name, g) in [
            ("--writer-gap", self.writer_gap),
            ("--reader-gap", self.reader_gap),
        ] {
            if u64::from(g) > MAX_GAP {
                return Err(usage(format!("{name} {g} is more than {MAX_GAP}")));
            }
        }
        match self.duration {
            Some(d) if d.is_zero() => {
                return Err(usage("a duration must be more than zero".into()))
            }
            Some(d) if d.as_secs_f64() > MAX_DURATION_S as f64 => {
                return Err(usage(format!("{d:?} is longer than a year")))
            }
            None if self.reads.is_none() => {
                return Err(usage("a run needs a duration or a read count".into()))
            }
            _ => {}
        }
        if self.reads == Some(0) {
            return Err(usage("--reads must be at least 1".into()));
        }
        if let Some(cpus) = &self.cpus {
            if cpus.is_empty() {
                return Err(usage("--cpus is empty".into()));
            }
            crate::affinity::check_cpus(cpus).map_err(usage)?;
        }
        if self.reader == ReaderKind::Atomic64 {
            crate::arch::HAS_ATOMIC64.map_err(|why| usage(format!("--reader atomic64: {why}")))?;
        }
        if self.writer.needs_xchg64(self.level) {
            crate::arch::HAS_ATOMIC64.map_err(|why| {
                usage(format!(
                    "--writer {} needs a 64-bit exchange for {}: {why}",
                    name_of(self.writer),
                    match self.level {
                        Level::Pte => "ptep_get_and_clear",
                        Level::Pmd => "set_pmd",
                    }
                ))
            })?;
        }
        let barrier = crate::arch::choose(self.barrier)
            .map_err(|why| usage(format!("--barrier {}: {why}", name_of(self.barrier))))?;
        Ok(CheckedConfig {
            cfg: self,
            barrier,
            layout,
            encoding,
        })
    }
}

impl RunConfig {
    /// The layout's row at `--level`, refusing what that level or
    /// `--clear-to` cannot model (docs/layouts.md).
    fn check_level_and_clear_to(
        &self,
        layout: LayoutKind,
    ) -> Result<&'static crate::pte::layout::Layout, UsageError> {
        let row = layout.at(self.level).ok_or_else(|| {
            usage(format!(
                "--level pmd: layout {} has no 64-bit PMD that can tear ({})",
                name_of(layout),
                match layout {
                    LayoutKind::Mips => "MIPS32 PMDs are 32 bits",
                    _ => "SH X2TLB's PMD high half is always 0",
                }
            ))
        })?;
        if self.level == Level::Pmd {
            if !self.writer.has_pmd() {
                return Err(usage(format!(
                    "--level pmd: --writer {} has no PMD store order (its PMDs are 32 bits or never tear)",
                    name_of(self.writer)
                )));
            }
            if self.clear_to != ClearTo::Zero {
                return Err(usage(format!(
                    "--level pmd takes only --clear-to zero (32-bit x86 kernels have no PMD {} entries)",
                    name_of(self.clear_to)
                )));
            }
        }
        if self.clear_to == ClearTo::Protnone && row.protnone == 0 {
            return Err(usage(format!(
                "--clear-to protnone: layout {} has no PROT_NONE entry (ptear models x86's _PAGE_PROTNONE)",
                name_of(layout)
            )));
        }
        Ok(row)
    }
}

/// Refuses a table this machine cannot give: more than MAX_PAIRS, more than
/// half the RAM, or (32-bit) more than a quarter of the address space;
/// `extra`: bytes per pair beyond the entry (side table, page-table locks).
pub fn check_fits(pairs: u64, extra: u64) -> Result<(), UsageError> {
    let pair = core::mem::size_of::<crate::pte::Pair>() as u64 + extra;
    let bytes = pairs.saturating_mul(pair);
    let ram = crate::host::physical_memory();
    let mut limit = (ram / 2).min(limits::MAX_PAIRS * pair);
    if cfg!(target_pointer_width = "32") {
        limit = limit.min(1 << 30);
    }
    if bytes > limit {
        return Err(usage(format!(
            "--pairs {pairs} needs {} of shared memory; this machine can give at most {} ({} pairs)",
            human_bytes(bytes),
            human_bytes(limit),
            limit / pair
        )));
    }
    Ok(())
}

/// `1.5 GiB`: a byte count for messages.
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(f: impl FnOnce(&mut RunConfig)) -> String {
        let mut c = RunConfig::new(0);
        f(&mut c);
        c.check().expect_err("must be refused").0
    }

    #[test]
    fn check_refuses_what_clap_would_have() {
        assert!(refused(|c| c.readers = 0).contains("--readers"));
        assert!(refused(|c| c.writers = 0).contains("--writers"));
        assert!(refused(|c| c.pairs = 0).contains("--pairs"));
        assert!(refused(|c| c.low_period = Some(0)).contains("--low-period"));
        assert!(refused(|c| c.low_period = Some(u32::MAX)).contains("--low-period"));
        let mips = refused(|c| {
            c.layout = Some(LayoutKind::Mips);
            c.low_period = Some(1 << 20)
        });
        assert_eq!(
            mips,
            "--low-period 1048576 is more than the 524288 distinct low halves layout mips holds"
        );
        assert!(refused(|c| c.writer_gap = u32::MAX).contains("--writer-gap"));
        assert!(refused(|c| c.duration = Some(Duration::ZERO)).contains("more than zero"));
        assert!(
            refused(|c| c.duration = Some(Duration::from_secs(u64::from(u32::MAX))))
                .contains("longer than a year")
        );
        assert!(refused(|c| c.duration = None).contains("duration or a read count"));
        assert!(refused(|c| c.reads = Some(0)).contains("--reads"));
        assert!(refused(|c| c.cpus = Some(vec![])).contains("--cpus"));
    }

    #[test]
    fn the_defaults_pass() {
        let c = RunConfig::new(7).check().expect("defaults are valid");
        assert_eq!(c.barrier_info().kind, BarrierKind::Kernel);
        assert_eq!(c.seed, 7);
        assert_eq!(c.layout(), LayoutKind::X86Pae);
        assert_eq!(c.encoding().low_period(), 1 << 20);
    }
}

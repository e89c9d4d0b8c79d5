//! `ptear/1`: the JSON report, and `ptear-selftest/1` and `ptear-list/1`
//! around it. Fields may be added within a schema version; renaming,
//! removing or changing the meaning of one bumps the version (see
//! docs/json-schema.md, which documents every field; tests/schema_doc.rs
//! keeps the two in step). Reader, writer and barrier are strings, not
//! enums, so reports of other builds (the sh4 C port's `synco`) read back
//! too. Fields added after a version's first release carry
//! `#[serde(default)]`, so older files still read.

use crate::host::Host;
use serde::{Deserialize, Serialize};

/// The `schema` value of a run report.
pub const SCHEMA: &str = "ptear/1";
/// The `schema` value of a `selftest --json` file.
pub const SELFTEST_SCHEMA: &str = "ptear-selftest/1";
/// The `schema` value of `ptear list --json`.
pub const LIST_SCHEMA: &str = "ptear-list/1";

/// One run: what was asked, where it ran, what it measured.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// False in a `--checkpoint` file written while the run goes on.
    pub complete: bool,
    /// Stopped by SIGINT or SIGTERM before its duration or read count.
    pub interrupted: bool,
    /// `torn` if any accepted read was never installed, else `clean`.
    pub verdict: Verdict,
    /// Which program wrote the report.
    pub tool: Tool,
    /// The machine it ran on.
    pub host: Host,
    /// Every option of the run, the seed included.
    pub config: ConfigRecord,
    /// Where each thread was asked to run and whether it did.
    pub placement: Placement,
    /// Counts over all threads.
    pub totals: Totals,
    /// Per reader thread.
    pub readers: Vec<ReaderRecord>,
    /// Per writer thread (absent in files written before the field existed).
    #[serde(default)]
    pub writers: Vec<WriterRecord>,
    /// Reads per retry count, ascending, zero counts left out; the counts
    /// sum to `totals.reads`.
    pub retry_histogram: Vec<RetryBucket>,
    /// p50, p99 and max of retries per read, from `retry_histogram`.
    pub retry_percentiles: Percentiles,
    /// How long a read took: one read in `sampled_every` timed, all
    /// readers merged (docs/json-schema.md, "read_latency"). Absent in
    /// the kernel engine's reports (it does not time reads) and in files
    /// written before the field existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_latency: Option<ReadLatencyRecord>,
    /// Up to 64 torn reads: the first 4 of each kind (class, family,
    /// consequences), then a seeded random sample of the rest; by time.
    pub torn_samples: Vec<TornRecord>,
    /// The kernel engine's facts (`--engine kernel`); absent in the
    /// reports of the Rust and C engines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<KernelRecord>,
}

/// What only a kernel-engine run has: which kernel code ran (docs/kernel-engine.md).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct KernelRecord {
    /// The release of the headers the module was built against (UTS_RELEASE).
    pub headers_release: String,
    /// The release of the kernel it ran in (`uname -r`).
    pub running_release: String,
    /// The module file loaded.
    pub module: String,
    /// Each read ran with interrupts off (local_irq_save), as gup_fast does.
    pub irqs_off: bool,
    /// Whose code the writer ran: `kernel: ...` or `ptear: ...` (a control).
    pub writer_source: String,
    /// The kernel function the reader ran.
    pub reader_source: String,
    /// Always false: the kernel's ptep_get_lockless has no retry counter,
    /// so `totals.retries` is 0 and `retry_histogram` is empty.
    pub retries_counted: bool,
}

/// A run's (or a control's expected) outcome.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No accepted read was torn.
    Clean,
    /// At least one accepted read was torn.
    Torn,
}

impl crate::names::Named for Verdict {
    const ALL: &'static [Self] = &[Verdict::Clean, Verdict::Torn];
    fn row(self) -> &'static crate::names::Name {
        const NAMES: [crate::names::Name; 2] = [
            crate::names::name("clean", "No accepted read was torn"),
            crate::names::name("torn", "At least one accepted read was torn"),
        ];
        &NAMES[self as usize]
    }
}

/// The program that wrote a report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Tool {
    /// Always `ptear`.
    pub name: String,
    /// The package version (Cargo.toml; the C port is built with the same).
    pub version: String,
    /// `rust`, or `c` for the C port.
    pub implementation: String,
}

impl Tool {
    /// This build: the Rust engine of this package version.
    pub fn this() -> Tool {
        Tool {
            name: "ptear".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            implementation: "rust".into(),
        }
    }
}

/// Every option of a run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConfigRecord {
    /// `--reader` name.
    pub reader: String,
    /// `--writer` name.
    pub writer: String,
    /// `--barrier` name.
    pub barrier: String,
    /// The instructions the barrier became on this CPU.
    pub barrier_detail: String,
    /// Reader threads.
    pub readers: usize,
    /// Writer groups (`--writers`).
    pub writers: usize,
    /// Writer threads per group, taking turns on each entry under its lock.
    #[serde(default = "one")]
    pub writers_per_entry: usize,
    /// Entries in the table.
    pub pairs: usize,
    /// `--duration` in seconds, `null` when the run had none.
    pub duration_s: Option<f64>,
    /// `--reads`, `null` when not given.
    pub reads: Option<u64>,
    /// `--low-period`, resolved (the layout's most when not given).
    pub low_period: u32,
    /// `--layout`, resolved (the writer's when not given).
    #[serde(default)]
    pub layout: String,
    /// `--clear-to`: what stands in a pair between two installs.
    #[serde(default = "zero")]
    pub clear_to: String,
    /// `--level`: `pte` or `pmd`.
    #[serde(default = "pte")]
    pub level: String,
    /// `--writer-gap`.
    pub writer_gap: u32,
    /// `--reader-gap`.
    pub reader_gap: u32,
    /// The seed (given or drawn): repeat the run with `--seed`.
    pub seed: u64,
    /// `--cpus` expanded in order, `null` when not given.
    pub cpus: Option<Vec<usize>>,
    /// `--checkpoint` in seconds, `null` when not given.
    pub checkpoint_s: Option<f64>,
}

/// Where threads were asked to run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Placement {
    /// `--cpus` was given.
    pub requested: bool,
    /// Every pin asked for took effect (`true` when none was asked).
    pub granted: bool,
    /// One entry per thread, writers first.
    pub threads: Vec<ThreadRecord>,
}

/// One thread's placement.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ThreadRecord {
    /// `writer` or `reader`.
    pub role: crate::engine::Role,
    /// Index among threads of its role.
    pub index: usize,
    /// The CPU asked for, `null` if none.
    pub cpu: Option<usize>,
    /// The kernel reports the thread runs on exactly that CPU.
    pub pinned: bool,
}

/// Counts over all threads.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Totals {
    /// Reads accepted by all readers.
    pub reads: u64,
    /// Accepted reads whose pair never existed as an installed entry.
    pub torn: u64,
    /// Accepted reads whose low half says not present (valid whatever high holds).
    pub not_present: u64,
    /// Sum of retries over all reads, exact (lockless reader only; 0 otherwise).
    pub retries: u64,
    /// Reads whose retry count the histogram holds only as its power of
    /// two (a reader saw more than 1024 distinct counts >= 256); 0 means
    /// `retry_histogram` is exact.
    #[serde(default)]
    pub inexact_retry_reads: u64,
    /// Seconds the run lasted.
    pub elapsed_s: f64,
    /// `reads / elapsed_s`.
    pub reads_per_s: f64,
    /// Installs done by all writers, each after a clear: their clear +
    /// install cycles.
    pub writer_cycles: u64,
    /// `writer_cycles / elapsed_s`.
    pub writer_cycles_per_s: f64,
    /// Seconds from start to the first torn read, `null` if none.
    pub first_torn_s: Option<f64>,
    /// Torn reads whose halves never stood together in the slot.
    #[serde(default)]
    pub mixed: u64,
    /// Torn reads whose value stood in the slot between two writer stores.
    #[serde(default)]
    pub transient: u64,
    /// Torn reads per consequence (a read counts in each that applies).
    #[serde(default)]
    pub consequences: ConsequenceCounts,
    /// Torn reads per family: which entries the wrong value looks like
    /// (each read in exactly one; they sum to `torn`).
    #[serde(default)]
    pub families: FamilyCounts,
    /// The GUP-fast reader's counts, `null` for other readers.
    #[serde(default)]
    pub gup_fast: Option<GupFastRecord>,
}

/// Torn reads per family (`ValueFamily`): a PROT_NONE low, the swap or
/// migration entry's high beside a present low, or else an entry's.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct FamilyCounts {
    /// A low of the installed entries.
    pub entry: u64,
    /// A PROT_NONE low (PROTNONE without PRESENT: x86).
    pub protnone: u64,
    /// The swap entry's high half.
    pub swap: u64,
    /// The migration entry's high half.
    pub migration: u64,
}

impl FamilyCounts {
    /// From counts in `ValueFamily::ALL` order.
    pub fn from_array(c: [u64; 4]) -> FamilyCounts {
        let [entry, protnone, swap, migration] = c;
        FamilyCounts {
            entry,
            protnone,
            swap,
            migration,
        }
    }

    /// (name, count) in `ValueFamily::ALL` order.
    pub fn named(&self) -> [(&'static str, u64); 4] {
        [
            ("entry", self.entry),
            ("protnone", self.protnone),
            ("swap", self.swap),
            ("migration", self.migration),
        ]
    }
}

/// Torn reads per consequence (docs/layouts.md).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConsequenceCounts {
    /// A page no entry with that low maps.
    pub wrong_page: u64,
    /// Page frame 0.
    pub pfn_zero: u64,
    /// Executable where the entry is not.
    pub nx_lost: u64,
    /// Not executable where the entry is.
    pub nx_gained: u64,
    /// Another entry's permissions.
    pub wrong_permissions: u64,
    /// No permissions (fails closed).
    pub no_permissions: u64,
}

impl ConsequenceCounts {
    /// From counts in `Consequences` bit order.
    pub fn from_bits(c: [u64; 6]) -> ConsequenceCounts {
        let [wrong_page, pfn_zero, nx_lost, nx_gained, wrong_permissions, no_permissions] = c;
        ConsequenceCounts {
            wrong_page,
            pfn_zero,
            nx_lost,
            nx_gained,
            wrong_permissions,
            no_permissions,
        }
    }

    /// (name, count) in `Consequences` bit order.
    pub fn named(&self) -> [(&'static str, u64); 6] {
        let n = crate::pte::Consequences::NAMES;
        [
            (n[0], self.wrong_page),
            (n[1], self.pfn_zero),
            (n[2], self.nx_lost),
            (n[3], self.nx_gained),
            (n[4], self.wrong_permissions),
            (n[5], self.no_permissions),
        ]
    }
}

/// What GUP-fast did with the values it read (docs/layouts.md).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct GupFastRecord {
    /// Reads whose value GUP-fast used: `reads - fallback_not_present - fallback_recheck`.
    pub accepted: u64,
    /// Reads that fell back because the value was not present.
    pub fallback_not_present: u64,
    /// Reads that fell back because the re-check saw another value.
    pub fallback_recheck: u64,
    /// Reads whose first value was wrong: `caught + slipped`.
    pub first_wrong: u64,
    /// Wrong first values the re-check caught.
    pub caught: u64,
    /// Wrong values accepted (= `totals.torn`).
    pub slipped: u64,
}

/// One reader thread.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReaderRecord {
    /// Reader index.
    pub index: usize,
    /// Reads it accepted.
    pub reads: u64,
    /// Its reads per second.
    pub reads_per_s: f64,
    /// Its torn reads.
    pub torn: u64,
    /// Of those, mixed.
    #[serde(default)]
    pub mixed: u64,
    /// Of those, transient.
    #[serde(default)]
    pub transient: u64,
}

fn one() -> usize {
    1
}

fn zero() -> String {
    "zero".into()
}

fn pte() -> String {
    "pte".into()
}

/// One writer thread.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct WriterRecord {
    /// Writer thread index (`placement.threads` order).
    pub index: usize,
    /// Its group: it writes pairs `group`, `group + config.writers`, ...
    pub group: usize,
    /// Installed entries it took away (`--clear-to protnone`'s second
    /// clear, just before an install, is not counted).
    pub clears: u64,
    /// Entries it installed.
    pub installs: u64,
}

/// One bar of the retry histogram.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct RetryBucket {
    /// Retries of a read.
    pub retries: u64,
    /// Reads that needed exactly that many.
    pub count: u64,
}

/// Percentiles of retries per read. pN is the smallest retry count r such
/// that at least ceil(N% of reads) reads needed r or fewer (0 without reads).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Percentiles {
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Largest retry count of any read.
    pub max: u64,
}

/// The timed reads: quantiles of HdrHistogram's log-linear buckets (1 ns
/// to 60 s, 3 significant figures), each the highest value of its bucket.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReadLatencyRecord {
    /// What timed them: `rdtsc` (x86: `lfence; rdtsc`, ticks converted
    /// with a frequency calibrated against CLOCK_MONOTONIC) or
    /// `clock_gettime` (CLOCK_MONOTONIC).
    pub clock: String,
    /// One read in this many was timed.
    pub sampled_every: u64,
    /// Reads timed.
    pub samples: u64,
    /// Median, ns (0 without samples).
    pub p50_ns: u64,
    /// 90th percentile, ns.
    pub p90_ns: u64,
    /// 99th percentile, ns.
    pub p99_ns: u64,
    /// 99.9th percentile, ns.
    pub p999_ns: u64,
    /// Longest timed read, ns.
    pub max_ns: u64,
}

/// One torn read.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TornRecord {
    /// Reader index.
    pub reader: usize,
    /// Entry index.
    pub pair: usize,
    /// The accepted low half.
    pub low: u32,
    /// The accepted high half.
    pub high: u32,
    /// The high installed with that low nearest the value's page state
    /// (docs/layouts.md); empty if the low was never installed.
    pub valid_high: Vec<u32>,
    /// The read's retries.
    pub retries: u32,
    /// Seconds since the run started.
    pub t_s: f64,
    /// `mixed` or `transient`.
    #[serde(default)]
    pub class: String,
    /// Its consequences, in the order of `totals.consequences`.
    #[serde(default)]
    pub consequences: Vec<String>,
    /// The fields the layout's architecture reads from it.
    #[serde(default)]
    pub decoded: Option<DecodedRecord>,
    /// Which entries it looks like (`totals.families`' names).
    #[serde(default)]
    pub family: String,
    /// Why it was kept: `first_of_kind` or `reservoir` (empty in files
    /// written before samples were chosen by kind: the first 64 by time).
    #[serde(default)]
    pub chosen: String,
    /// Kernel engine only: installs of this entry that completed while the
    /// read ran (the writer's count after the read minus before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installs_during: Option<u64>,
}

/// An entry's fields as its architecture reads them.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DecodedRecord {
    /// What pte_present() says: the present bit, or on x86 PROTNONE.
    pub present: bool,
    /// PROTNONE without the present bit (an x86 PROT_NONE entry).
    #[serde(default)]
    pub protnone: bool,
    /// The page frame number.
    pub pfn: u64,
    /// Writable.
    pub writable: bool,
    /// Executable, `null` where the layout has no such bit.
    pub exec: Option<bool>,
}

/// `ptear selftest --json`: every control run, with its full report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SelftestRecord {
    /// Always [`SELFTEST_SCHEMA`].
    pub schema: String,
    /// Every control that ran behaved and none was cut short.
    pub pass: bool,
    /// The controls that ran.
    pub controls: Vec<ControlRecord>,
    /// Controls this machine cannot run meaningfully (absent in files
    /// written before the field existed).
    #[serde(default)]
    pub skipped: Vec<SkippedRecord>,
}

/// A control that was not run here.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SkippedRecord {
    /// Control name.
    pub name: String,
    /// Why it cannot show its outcome on this machine.
    pub reason: String,
}

/// A control that ran.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ControlRecord {
    /// Control name.
    pub name: String,
    /// The verdict it must give.
    pub expect: Verdict,
    /// It gave that verdict, was not interrupted, and read something.
    pub pass: bool,
    /// A control that must tear ended as soon as it had shown its outcome
    /// (selftest::Control::shown), before its `report.config.duration_s`
    /// (TORN_CAP_FACTOR × `-d` for such a control). False for a run that
    /// lasted its duration, and in files written before the field existed.
    #[serde(default)]
    pub ended_when_shown: bool,
    /// Its full run report.
    pub report: Report,
}

/// `ptear list --json` (`ptear-list/1`): what this build offers on this
/// CPU, its limits and its control table. The C port prints the same
/// document; tests/c_port.rs compares the two.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ListRecord {
    /// Always [`LIST_SCHEMA`].
    pub schema: String,
    /// Which program this is.
    pub tool: Tool,
    /// As `host.arch` of a report: x86_64, x86, mips, sh.
    pub arch: String,
    /// `--reader` kinds.
    pub readers: Vec<KindRecord>,
    /// `--writer` kinds.
    pub writers: Vec<KindRecord>,
    /// `--barrier` kinds of this build.
    pub barriers: Vec<BarrierRecord>,
    /// The hard limits of a run.
    pub limits: LimitsRecord,
    /// The selftest controls of this build.
    pub controls: Vec<ControlSpec>,
    /// The `--layout` table (docs/layouts.md).
    #[serde(default)]
    pub layouts: Vec<LayoutRecord>,
}

/// One row of the layout table.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LayoutRecord {
    /// The command-line name.
    pub name: String,
    /// What it models.
    pub help: String,
    /// The present bit of the low half.
    pub present: u32,
    /// Where j sits in the low half.
    pub low_shift: u32,
    /// Its width.
    pub low_bits: u32,
    /// Low flags of a data page and a text page.
    pub low_flags: [u32; 2],
    /// Where the page-frame bits sit in the high half.
    pub high_shift: u32,
    /// Their width.
    pub high_bits: u32,
    /// The high half's page-frame field as the kernel masks it, from
    /// `high_shift` (0 in files written before it was added).
    #[serde(default)]
    pub pfn_high_bits: u32,
    /// Distinct page-frame values h.
    pub states: u32,
    /// Added to h before it is stored.
    pub high_add: u32,
    /// High flags of a data page and a text page.
    pub high_flags: [u32; 2],
    /// NX in the high half.
    pub nx_mask: u32,
    /// Permission bits in the high half.
    pub perm_mask: u32,
    /// The largest `--low-period`.
    pub max_low_period: u32,
    /// `_PAGE_PROTNONE` in the low half, 0 where the layout has none.
    #[serde(default)]
    pub protnone: u32,
    /// Low flags of a PROT_NONE data page and text page.
    #[serde(default)]
    pub protnone_low_flags: [u32; 2],
    /// The swap entry `--clear-to swap` leaves: [low, high].
    #[serde(default)]
    pub swap: [u32; 2],
    /// The migration entry `--clear-to migration` leaves: [low, high].
    #[serde(default)]
    pub migration: [u32; 2],
    /// The `--level pmd` row (what differs from the PTE row), `null` where
    /// the layout has no PMD that can tear.
    #[serde(default)]
    pub pmd: Option<PmdRecord>,
}

/// A layout's huge-page PMD row: the fields that differ from its PTE row.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PmdRecord {
    /// Where j sits in the low half.
    pub low_shift: u32,
    /// Its width.
    pub low_bits: u32,
    /// Low flags of a data page and a text page.
    pub low_flags: [u32; 2],
    /// The largest `--low-period` at this level.
    pub max_low_period: u32,
}

/// A reader or writer kind.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct KindRecord {
    /// The command-line name.
    pub name: String,
    /// What it does.
    pub help: String,
    /// `null`, or why this build or CPU cannot run it (the usage error's text).
    pub unavailable: Option<String>,
    /// Writers: the kernels whose store order it is, `null` for ptear's own
    /// controls and for readers.
    #[serde(default)]
    pub kernels: Option<String>,
    /// Writers: the kernel source file(s) it follows, `null` likewise.
    #[serde(default)]
    pub source: Option<String>,
}

/// A barrier kind.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BarrierRecord {
    /// The command-line name.
    pub name: String,
    /// The instructions it is on this arch and CPU.
    pub detail: String,
    /// `null`, or why this CPU cannot run it.
    pub unavailable: Option<String>,
}

/// The hard limits of a run (and two sizes of the report's tables).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LimitsRecord {
    /// Readers + writers.
    pub max_threads: u64,
    /// `--pairs`.
    pub max_pairs: u64,
    /// `--writer-gap`, `--reader-gap`.
    pub max_gap: u64,
    /// `--low-period`.
    pub max_low_period: u64,
    /// `--duration`, in seconds.
    pub max_duration_s: u64,
    /// Torn samples kept in a report.
    pub max_samples: u64,
    /// Samples of each kind kept as its first before the rest are drawn at
    /// random (0 in files written before samples were chosen by kind).
    #[serde(default)]
    pub kind_first: u64,
    /// Retry counts below this are counted in an array.
    pub exact_retries: u64,
    /// Distinct larger retry counts one reader keeps exactly.
    pub rare_retry_slots: u64,
}

/// One selftest control.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ControlSpec {
    /// Control name.
    pub name: String,
    /// `--reader`.
    pub reader: String,
    /// `--writer`.
    pub writer: String,
    /// `--barrier`.
    pub barrier: String,
    /// `--low-period`, `null` for the default.
    pub low_period: Option<u32>,
    /// `--writer-gap`.
    pub writer_gap: u32,
    /// `--reader-gap`.
    pub reader_gap: u32,
    /// The verdict it must give.
    pub expect: Verdict,
    /// Skipped (with the reason) where the process may use only one CPU.
    pub needs_two_cpus: bool,
    /// Exists only where the arch has a 64-bit atomic.
    pub needs_atomic64: bool,
    /// `--layout`, `null` for the writer's.
    #[serde(default)]
    pub layout: Option<String>,
    /// `--clear-to`.
    #[serde(default = "zero")]
    pub clear_to: String,
    /// `--level`.
    #[serde(default = "pte")]
    pub level: String,
    /// `mixed` or `transient`: that class > 0 and the other 0; `null`: no rule.
    #[serde(default)]
    pub expect_class: Option<String>,
    /// GUP-fast's re-check must catch some wrong values.
    #[serde(default)]
    pub expect_caught: bool,
}

//! The engine: maps the table, starts writers and readers on their CPUs,
//! watches the clock and the signal flag, and returns a [`Measurement`].
//! It knows nothing of the command line or of output formats.

pub mod gap;
pub mod hammer;
pub mod latency;
pub mod mailbox;
pub mod memory;
pub mod samples;
pub mod stats;

use crate::affinity;
use crate::arch::{Barriers, Compiler};
use crate::config::{CheckedConfig, ReaderKind, WriterKind};
pub use crate::error::RuntimeError;
use crate::pte::read::{Atomic64, GupFast, KvmCount, Lockless, Once, ReadProtocol};
use crate::pte::write::{
    self, Documented, HighFirstClear, Unordered, WriterProfile, X86Pae, X86PaePmd, X86PaeV26,
    X86PaeV26Pmd,
};
use crate::pte::{ClearTo, Level, NoGap};
use gap::SpinGap;
use hammer::{PairOrder, ReaderCtx, WriterCounts, WriterCtx};
use mailbox::Mailbox;
use memory::{PteTable, PtlTable, SideTable};
use samples::SampleKeeper;
use stats::ReaderStats;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Hammer threads do no deep calls; a small stack lets a run have many.
const THREAD_STACK: usize = 256 * 1024;
/// How often the monitor wakes to look at the clock and the signal flag.
const MONITOR_TICK: Duration = Duration::from_millis(50);
/// Seed streams: thread t (writers first) draws from stream t (a writer's
/// gaps, a reader's pair order) and a reader's gaps from READER_GAPS + t,
/// so no two uses share a stream.
const READER_GAPS: u64 = 1 << 32;

/// A hammer thread's job (`writer` or `reader` in a report).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Clears and installs entries.
    Writer,
    /// Reads entries with the chosen protocol.
    Reader,
}

/// Where one thread was asked to run, and whether it does.
#[derive(Clone, Debug)]
pub struct ThreadPlacement {
    /// Writer or reader.
    pub role: Role,
    /// Index among threads of its role.
    pub index: usize,
    /// The CPU asked for (`--cpus`), if any.
    pub cpu: Option<usize>,
    /// The kernel reports the thread runs on exactly that CPU.
    pub pinned: bool,
}

/// What a run measured, raw: the report module turns it into a report.
#[derive(Clone)]
pub struct Measurement {
    /// How long the run lasted.
    pub elapsed: Duration,
    /// Each reader's counts.
    pub readers: Vec<ReaderStats>,
    /// What each writer thread did (with one writer per entry, clears =
    /// installs = its clear + install cycles).
    pub writers: Vec<WriterCounts>,
    /// Where each thread ran, writers first.
    pub placement: Vec<ThreadPlacement>,
    /// Stopped by a signal before its duration or read count.
    pub interrupted: bool,
    /// False for a snapshot taken while the run goes on.
    pub complete: bool,
}

/// Told about the run about every MONITOR_TICK by the monitor thread;
/// `snapshot` gives the counts published so far (a few thousand operations
/// stale at most). Progress lines and checkpoints are observers; so is the
/// selftest's rule that ends a control once it has shown its outcome
/// (selftest::UntilShown), which is why `tick` may end the run.
pub trait Observer {
    /// Called from the monitor thread; `snapshot` is cheap enough to call
    /// each tick but need not be. `Break` ends the run there, as its
    /// duration would (not interrupted).
    fn tick(&mut self, elapsed: Duration, snapshot: &dyn Fn() -> Measurement) -> ControlFlow<()>;
}

impl Observer for () {
    fn tick(&mut self, _: Duration, _: &dyn Fn() -> Measurement) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

/// SplitMix64: derives independent per-thread seeds from the run's seed.
fn split_seed(seed: u64, stream: u64) -> u64 {
    crate::seed::splitmix64(seed.wrapping_add(stream.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
}

/// Runs `cfg` (already checked) until its duration, its read count, or
/// `interrupt` (set by the signal handler): map the tables, start the
/// writers, then the readers, watch, join.
pub fn run(
    cfg: &CheckedConfig,
    interrupt: &AtomicBool,
    observer: &mut dyn Observer,
) -> Result<Measurement, RuntimeError> {
    let tables = Tables::map(cfg)?;
    let reader_boxes: Vec<_> = (0..cfg.readers)
        .map(|_| Mailbox::new(ReaderStats::new(0)))
        .collect();
    let writer_boxes: Vec<_> = (0..cfg.writer_threads())
        .map(|_| Mailbox::new(WriterCounts::default()))
        .collect();
    let run = Coordination::new(cfg);
    let (readers, writers, watched) = crossbeam::thread::scope(|s| {
        let writers = spawn_writers(s, cfg, &tables, &run, &writer_boxes);
        let readers = spawn_readers(s, cfg, &tables, &run, &reader_boxes);
        let watched = watch(cfg, &run, interrupt, observer, &reader_boxes, &writer_boxes);
        let readers: Vec<ReaderStats> = readers
            .into_iter()
            .map(|h| h.join().expect("reader panicked"))
            .collect();
        let writers: Vec<WriterCounts> = writers
            .into_iter()
            .map(|h| h.join().expect("writer panicked"))
            .collect();
        (readers, writers, watched)
    })
    .expect("a hammer thread panicked");

    if let Some(msg) = run.failure.into_inner().unwrap() {
        return Err(RuntimeError(msg));
    }
    Ok(Measurement {
        elapsed: watched.elapsed,
        readers,
        writers,
        placement: run.placement.into_inner().unwrap(),
        interrupted: watched.interrupted,
        complete: true,
    })
}

/// The run's shared memory: the entries (each holding entry 1 before any
/// thread starts), the side words and the page-table locks.
struct Tables {
    pairs: PteTable,
    side: SideTable,
    ptl: PtlTable,
}

impl Tables {
    fn map(cfg: &CheckedConfig) -> Result<Tables, RuntimeError> {
        let enc = cfg.encoding();
        let refused = |what: &str, bytes: usize, e: std::io::Error| {
            RuntimeError(format!(
                "mmap of {} for {} {what} refused: {e}",
                crate::config::human_bytes(bytes as u64 * cfg.pairs as u64),
                cfg.pairs
            ))
        };
        let pairs = PteTable::map(cfg.pairs).map_err(|e| refused("pairs", 8, e))?;
        let side_words = if cfg.reader.uses_side_table() {
            cfg.pairs
        } else {
            0
        };
        let side = SideTable::map(side_words).map_err(|e| refused("side words", 4, e))?;
        let locks = if cfg.writers_per_entry > 1 {
            cfg.pairs
        } else {
            0
        };
        let ptl = PtlTable::map(locks).map_err(|e| refused("page-table locks", 16, e))?;
        let first = enc.first();
        for pair in pairs.pairs() {
            write::set_pte::<_, Compiler, _>(pair, enc.entry(first), &mut NoGap);
        }
        for lock in ptl.as_slice() {
            lock.j.store(first.j, Relaxed);
            lock.h.store(first.h, Relaxed);
            lock.installed.store(1, Relaxed);
        }
        Ok(Tables { pairs, side, ptl })
    }
}

/// What the hammer threads and the monitor share besides the tables.
struct Coordination<'c> {
    cfg: &'c CheckedConfig,
    /// Set once: the run must end.
    stop: AtomicBool,
    /// The first runtime failure of any thread.
    failure: Mutex<Option<String>>,
    readers_done: AtomicUsize,
    /// With --reads, the last reader to reach its quota ends the run there,
    /// so writers stop and the elapsed time is not padded to the monitor's
    /// next tick.
    quota_reached_at: Mutex<Option<Duration>>,
    placement: Mutex<Vec<ThreadPlacement>>,
    start: Instant,
}

impl<'c> Coordination<'c> {
    fn new(cfg: &'c CheckedConfig) -> Coordination<'c> {
        let placement = (0..cfg.writer_threads())
            .map(|i| (Role::Writer, i))
            .chain((0..cfg.readers).map(|i| (Role::Reader, i)))
            .enumerate()
            .map(|(t, (role, index))| ThreadPlacement {
                role,
                index,
                cpu: cfg.cpu_for_thread(t),
                pinned: false,
            })
            .collect();
        Coordination {
            cfg,
            stop: AtomicBool::new(false),
            failure: Mutex::new(None),
            readers_done: AtomicUsize::new(0),
            quota_reached_at: Mutex::new(None),
            placement: Mutex::new(placement),
            start: Instant::now(),
        }
    }

    /// Records the first failure and stops the run.
    fn fail(&self, msg: String) {
        self.failure.lock().unwrap().get_or_insert(msg);
        self.stop.store(true, Relaxed);
    }

    /// Pins the calling thread (thread `t`, writers first) as planned;
    /// false (and the run fails) if refused.
    fn pin(&self, t: usize) -> bool {
        let Some(cpu) = self.cfg.cpu_for_thread(t) else {
            return true;
        };
        match affinity::pin_current_thread(cpu) {
            Ok(pinned) => {
                self.placement.lock().unwrap()[t].pinned = pinned;
                true
            }
            Err(e) => {
                self.fail(format!(
                    "pinning a thread to CPU {cpu} was refused: {e} (a cpuset allows only CPUs {})",
                    affinity::format_cpu_list(&affinity::allowed_cpus())
                ));
                false
            }
        }
    }

    /// A reader finished: the last one with a --reads quota ends the run.
    fn reader_done(&self) {
        let last = self.readers_done.fetch_add(1, Relaxed) + 1 == self.cfg.readers;
        if last && self.cfg.reads.is_some() && !self.stop.swap(true, Relaxed) {
            *self.quota_reached_at.lock().unwrap() = Some(self.start.elapsed());
        }
    }
}

type Scope<'env> = crossbeam::thread::Scope<'env>;
type Handle<'scope, T> = crossbeam::thread::ScopedJoinHandle<'scope, T>;

/// Starts the writer threads; stops at the first that cannot start.
fn spawn_writers<'scope, 'env>(
    s: &'scope Scope<'env>,
    cfg: &'env CheckedConfig,
    tables: &'env Tables,
    run: &'env Coordination<'env>,
    boxes: &'env [Mailbox<WriterCounts>],
) -> Vec<Handle<'scope, WriterCounts>> {
    let enc = cfg.encoding();
    let mut writers = Vec::new();
    for (w, mailbox) in boxes.iter().enumerate() {
        // Thread w is one of the writers_per_entry threads of group g,
        // which owns pairs g, g + writers, ...
        let g = w / cfg.writers_per_entry;
        let mine = |n: usize| (g..n).step_by(cfg.writers);
        let (side, ptl) = (tables.side.as_slice(), tables.ptl.as_slice());
        let ctx = WriterCtx {
            pairs: mine(cfg.pairs).map(|i| &tables.pairs.pairs()[i]).collect(),
            side: mine(side.len()).map(|i| &side[i]).collect(),
            ptl: mine(ptl.len()).map(|i| &ptl[i]).collect(),
            encoding: enc,
            clear_to: cfg.clear_to,
            stop: &run.stop,
            mailbox,
        };
        let seed = split_seed(cfg.seed, w as u64);
        let spawned = s
            .builder()
            .name(format!("ptear-writer-{w}"))
            .stack_size(THREAD_STACK)
            .spawn(move |_| {
                if run.pin(w) {
                    run_writer(cfg, ctx, seed)
                } else {
                    WriterCounts::default()
                }
            });
        match spawned {
            Ok(h) => writers.push(h),
            Err(e) => {
                run.fail(format!("cannot start writer thread {w}: {e}"));
                break;
            }
        }
    }
    writers
}

/// Starts the reader threads (none once the run failed); stops at the
/// first that cannot start.
fn spawn_readers<'scope, 'env>(
    s: &'scope Scope<'env>,
    cfg: &'env CheckedConfig,
    tables: &'env Tables,
    run: &'env Coordination<'env>,
    boxes: &'env [Mailbox<ReaderStats>],
) -> Vec<Handle<'scope, ReaderStats>> {
    let per_reader = cfg
        .reads
        .map(|n| (n / cfg.readers as u64, n % cfg.readers as u64));
    let mut readers = Vec::new();
    for (r, mailbox) in boxes.iter().enumerate() {
        if run.stop.load(Relaxed) {
            break;
        }
        let stream = (cfg.writer_threads() + r) as u64;
        let ctx = ReaderCtx {
            index: r,
            pairs: tables.pairs.pairs(),
            side: tables.side.as_slice(),
            encoding: cfg.encoding(),
            order: PairOrder::new(cfg.pairs, split_seed(cfg.seed, stream)),
            quota: per_reader.map_or(u64::MAX, |(q, rem)| q + u64::from((r as u64) < rem)),
            stop: &run.stop,
            start: run.start,
            mailbox,
            samples_seed: SampleKeeper::reader_seed(cfg.seed, r),
        };
        let seed = split_seed(cfg.seed, READER_GAPS + stream);
        let spawned = s
            .builder()
            .name(format!("ptear-reader-{r}"))
            .stack_size(THREAD_STACK)
            .spawn(move |_| {
                let stats = if run.pin(cfg.writer_threads() + r) {
                    run_reader(cfg, ctx, seed)
                } else {
                    ReaderStats::new(0)
                };
                run.reader_done();
                stats
            });
        match spawned {
            Ok(h) => readers.push(h),
            Err(e) => {
                run.fail(format!("cannot start reader thread {r}: {e}"));
                break;
            }
        }
    }
    readers
}

/// How the monitor saw the run end.
struct Watched {
    elapsed: Duration,
    interrupted: bool,
}

/// The monitor: ticks the observer until the duration, the read quota, a
/// failure, the observer or `interrupt` ends the run, then stops the threads.
fn watch(
    cfg: &CheckedConfig,
    run: &Coordination<'_>,
    interrupt: &AtomicBool,
    observer: &mut dyn Observer,
    reader_boxes: &[Mailbox<ReaderStats>],
    writer_boxes: &[Mailbox<WriterCounts>],
) -> Watched {
    let start = run.start;
    let snapshot = || Measurement {
        elapsed: start.elapsed(),
        readers: reader_boxes.iter().map(Mailbox::read).collect(),
        writers: writer_boxes.iter().map(Mailbox::read).collect(),
        placement: run.placement.lock().unwrap().clone(),
        interrupted: false,
        complete: false,
    };
    let deadline = cfg.duration.map(|d| start + d);
    let mut interrupted = false;
    loop {
        let now = Instant::now();
        if interrupt.load(Relaxed) {
            interrupted = true;
            break;
        }
        if run.stop.load(Relaxed) || deadline.is_some_and(|d| now >= d) {
            break;
        }
        if observer.tick(now - start, &snapshot).is_break() {
            break;
        }
        let left = deadline.map_or(MONITOR_TICK, |d| d - now);
        std::thread::sleep(left.min(MONITOR_TICK));
    }
    run.stop.store(true, Relaxed);
    let elapsed = run
        .quota_reached_at
        .lock()
        .unwrap()
        .unwrap_or_else(|| start.elapsed());
    Watched {
        elapsed,
        interrupted,
    }
}

fn run_writer(cfg: &CheckedConfig, ctx: WriterCtx<'_>, seed: u64) -> WriterCounts {
    fn go<W: WriterProfile, B: Barriers>(
        ctx: WriterCtx<'_>,
        gap: u32,
        seed: u64,
        count: bool,
    ) -> WriterCounts {
        let zero = ctx.clear_to == ClearTo::Zero;
        match (count, zero) {
            (false, true) => go_with::<W, B, false, true>(ctx, gap, seed),
            (true, true) => go_with::<W, B, true, true>(ctx, gap, seed),
            (false, false) => go_with::<W, B, false, false>(ctx, gap, seed),
            (true, false) => go_with::<W, B, true, false>(ctx, gap, seed),
        }
    }
    fn go_with<W: WriterProfile, B: Barriers, const COUNT: bool, const ZERO: bool>(
        ctx: WriterCtx<'_>,
        gap: u32,
        seed: u64,
    ) -> WriterCounts {
        use hammer::{writer, writer_ptl};
        // writer_ptl only with ZERO false: its general path (clear_to
        // tested at run time) is right for `--clear-to zero` too, and
        // beside a page-table lock and an entry computed in full every
        // step the test costs nothing measurable (writer cycles/s with
        // `--writers-per-entry 2`, 8 alternated runs: medians 16.2 M with
        // a copy per ZERO, 16.6 M without). The 140 copies it saves were
        // 4% of the library's LLVM IR (`cargo llvm-lines`).
        match (gap, ctx.ptl.is_empty()) {
            (0, true) => writer::<W, B, _, COUNT, ZERO>(ctx, &mut NoGap),
            (g, true) => writer::<W, B, _, COUNT, ZERO>(ctx, &mut SpinGap::new(g, seed)),
            (0, false) => writer_ptl::<W, B, _, COUNT, false>(ctx, &mut NoGap),
            (g, false) => writer_ptl::<W, B, _, COUNT, false>(ctx, &mut SpinGap::new(g, seed)),
        }
    }
    let (gap, count) = (cfg.writer_gap, cfg.reader == ReaderKind::KvmCount);
    let pmd = cfg.level == Level::Pmd;
    crate::with_barriers!(cfg.barrier, B => match (cfg.writer, pmd) {
        // pmd_clear and set_pmd of `documented` and `unordered` are their
        // PTE stores (docs/layouts.md, "The PMD level").
        (WriterKind::Documented, _) => go::<Documented, B>(ctx, gap, seed, count),
        (WriterKind::X86Pae, false) => go::<X86Pae, B>(ctx, gap, seed, count),
        (WriterKind::X86Pae, true) => go::<X86PaePmd, B>(ctx, gap, seed, count),
        (WriterKind::X86PaeV26, false) => go::<X86PaeV26, B>(ctx, gap, seed, count),
        (WriterKind::X86PaeV26, true) => go::<X86PaeV26Pmd, B>(ctx, gap, seed, count),
        // Refused at --level pmd by RunConfig::check.
        (WriterKind::Mips | WriterKind::Sh, _) => go::<HighFirstClear, B>(ctx, gap, seed, count),
        (WriterKind::Unordered, _) => go::<Unordered, B>(ctx, gap, seed, count),
    })
}

fn run_reader(cfg: &CheckedConfig, ctx: ReaderCtx<'_>, seed: u64) -> ReaderStats {
    fn go<R: ReadProtocol, B: Barriers>(ctx: ReaderCtx<'_>, gap: u32, seed: u64) -> ReaderStats {
        match gap {
            0 => hammer::reader::<R, B, _>(ctx, &mut NoGap),
            g => hammer::reader::<R, B, _>(ctx, &mut SpinGap::new(g, seed)),
        }
    }
    crate::with_barriers!(cfg.barrier, B => match cfg.reader {
        ReaderKind::Lockless => go::<Lockless, B>(ctx, cfg.reader_gap, seed),
        ReaderKind::Once => go::<Once, B>(ctx, cfg.reader_gap, seed),
        ReaderKind::Atomic64 => go::<Atomic64, B>(ctx, cfg.reader_gap, seed),
        ReaderKind::GupFast => go::<GupFast, B>(ctx, cfg.reader_gap, seed),
        ReaderKind::KvmCount => go::<KvmCount, B>(ctx, cfg.reader_gap, seed),
    })
}

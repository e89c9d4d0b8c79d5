//! The control set of `ptear selftest`: configurations whose outcome is
//! known. Correct ones must stay clean, known-broken ones must tear; a
//! detector that stays silent on a broken one, or fires on a correct one,
//! fails the selftest. The C port (c/) runs the same table, generated
//! from this one (c/generated.h, tests/c_header.rs).

use crate::config::{BarrierKind, CheckedConfig, ReaderKind, RunConfig, WriterKind};
use crate::engine::{Measurement, Observer};
use crate::pte::{ClearTo, LayoutKind, Level, WrongClass};
use crate::report::{Report, Totals, Verdict};
use std::ops::ControlFlow;
use std::time::Duration;

/// A control that must tear may run this many times `-d` at most: it ends
/// as soon as it has shown its outcome ([`Control::shown`]), so on a quiet
/// machine it takes milliseconds, and on a busy one it has time to. Its
/// tears need the writer to run inside the reader's window; under a
/// full-system guest each vCPU is a host thread, and with the host's CPUs
/// shared with other work, `aba` and `gup-fast` read 0 wrong values in 3 s
/// where a quiet host shows thousands (README "Suite time").
pub const TORN_CAP_FACTOR: u32 = 10;

/// How long a control that must tear may run when the selftest's `-d` is `d`.
pub fn torn_cap(d: Duration) -> Duration {
    d.saturating_mul(TORN_CAP_FACTOR)
}

/// A control that must tear has shown its outcome once it has this many
/// wrong values (and the class and catches it must), or has run its `-d`.
/// Enough that its class rule (every wrong value of one class) is checked
/// on many, not on the first.
pub const SHOWN_MIN_TORN: u64 = 1000;

/// A configuration whose outcome is known.
pub struct Control {
    /// Its name.
    pub name: &'static str,
    /// `--reader`.
    pub reader: ReaderKind,
    /// `--writer`.
    pub writer: WriterKind,
    /// `--barrier`.
    pub barrier: BarrierKind,
    /// `--layout` (None: the writer's).
    pub layout: Option<LayoutKind>,
    /// `--clear-to`.
    pub clear_to: ClearTo,
    /// `--level`.
    pub level: Level,
    /// `--low-period` (None: the default).
    pub low_period: Option<u32>,
    /// `--writer-gap`.
    pub writer_gap: u32,
    /// `--reader-gap`.
    pub reader_gap: u32,
    /// The verdict it must give.
    pub expect: Verdict,
    /// The class its wrong values must all be (None: no rule).
    pub expect_class: Option<WrongClass>,
    /// GUP-fast's re-check must catch some wrong values.
    pub expect_caught: bool,
    /// Its outcome needs writer and reader running at once: an ABA tear
    /// needs the writer to run twice inside one read, which on one CPU takes
    /// two preemptions inside one read and essentially never happens
    /// (measured: 0 tears under `taskset -c 0`, natively and under qemu).
    /// The other broken controls need one preemption inside a window and
    /// still tear on one CPU.
    pub needs_two_cpus: bool,
}

const fn control(
    name: &'static str,
    reader: ReaderKind,
    writer: WriterKind,
    barrier: BarrierKind,
    (low_period, writer_gap, reader_gap): (Option<u32>, u32, u32),
    expect: Verdict,
) -> Control {
    Control {
        name,
        reader,
        writer,
        barrier,
        layout: None,
        clear_to: ClearTo::Zero,
        level: Level::Pte,
        low_period,
        writer_gap,
        reader_gap,
        expect,
        expect_class: match expect {
            Verdict::Torn => Some(WrongClass::Mixed),
            Verdict::Clean => None,
        },
        expect_caught: false,
        needs_two_cpus: false,
    }
}

/// A known-broken control whose wrong values a writer's own order puts in memory.
const fn transient(c: Control) -> Control {
    Control {
        expect_class: Some(WrongClass::Transient),
        ..c
    }
}

use BarrierKind::{Full, Kernel};
use ReaderKind::{GupFast, KvmCount, Lockless, Once};
use Verdict::{Clean, Torn};
use WriterKind::{Documented, Mips, Unordered};

/// The table (README "selftest"). Gaps on the broken controls widen their
/// race windows so they tear within the run even under emulation.
pub const CONTROLS: &[Control] = &[
    control("correct", Lockless, Documented, Kernel, (None, 0, 0), Clean),
    control(
        "correct-gaps",
        Lockless,
        Documented,
        Kernel,
        (None, 200, 200),
        Clean,
    ),
    control(
        "correct-full",
        Lockless,
        Documented,
        Full,
        (None, 0, 0),
        Clean,
    ),
    control("once", Once, Documented, Kernel, (None, 0, 100), Torn),
    transient(control(
        "unordered",
        Lockless,
        Unordered,
        Kernel,
        (None, 100, 0),
        Torn,
    )),
    transient(control(
        "high-first",
        Lockless,
        Mips,
        Kernel,
        (None, 200, 0),
        Torn,
    )),
    Control {
        needs_two_cpus: true,
        ..control(
            "aba",
            Lockless,
            Documented,
            Kernel,
            (Some(2), 0, 1000),
            Torn,
        )
    },
    // Today's PAE kernels keep only NX in the high half: GUP-fast's
    // re-check, two plain loads, matches a mixed value whenever the writer
    // has installed an entry of the same parity by then.
    Control {
        needs_two_cpus: true,
        layout: Some(LayoutKind::X86PaeNohighmem),
        expect_caught: true,
        ..control(
            "gup-fast",
            GupFast,
            Documented,
            Kernel,
            (Some(2), 0, 1000),
            Torn,
        )
    },
    control(
        "kvm-count",
        KvmCount,
        Documented,
        Kernel,
        (Some(2), 0, 1000),
        Clean,
    ),
    // x86 PAE up to v6.1: its clear exchanges the low half first, the
    // documented order, so the lockless reader stays clean.
    control(
        "x86-pae@2.6-4.18",
        Lockless,
        WriterKind::X86PaeV26,
        Kernel,
        (None, 200, 200),
        Clean,
    ),
    // A present low read with the swap entry's high (type 0, offset
    // inverted: PFN bits all ones) is a page far above RAM.
    Control {
        clear_to: ClearTo::Swap,
        ..control("swap", Once, Documented, Kernel, (None, 0, 100), Torn)
    },
    // The high-first clear of a PROT_NONE entry leaves {PN low, 0}, which
    // x86's pte_present() calls present.
    Control {
        layout: Some(LayoutKind::X86Pae),
        clear_to: ClearTo::Protnone,
        ..transient(control(
            "protnone",
            Lockless,
            Mips,
            Kernel,
            (None, 200, 0),
            Torn,
        ))
    },
];

/// Controls that need a 64-bit atomic: only where the arch has one.
pub const ATOMIC64_CONTROLS: &[Control] = &[
    control(
        "atomic64",
        ReaderKind::Atomic64,
        Documented,
        Kernel,
        (None, 0, 0),
        Clean,
    ),
    control(
        "x86-pae",
        Lockless,
        WriterKind::X86Pae,
        Kernel,
        (None, 0, 0),
        Clean,
    ),
    // Huge-page PMDs as v6.2 writes them: set_pmd and
    // pmdp_huge_get_and_clear are 64-bit exchanges.
    Control {
        level: Level::Pmd,
        ..control(
            "pmd",
            Lockless,
            WriterKind::X86Pae,
            Kernel,
            (None, 0, 0),
            Clean,
        )
    },
];

impl Control {
    /// It needs a 64-bit atomic load or exchange (see ATOMIC64_CONTROLS).
    pub fn needs_atomic64(&self) -> bool {
        self.reader == ReaderKind::Atomic64 || self.writer.needs_xchg64(self.level)
    }

    /// It gave the outcome it must: verdict, class and GUP-fast catches
    /// (reading something and running to the end are the caller's rules).
    pub fn behaved(&self, r: &Report) -> bool {
        r.verdict == self.expect && self.classes_as_expected(&r.totals)
    }

    /// Its class rule and GUP-fast catches hold in `t`.
    fn classes_as_expected(&self, t: &Totals) -> bool {
        let class_ok = match self.expect_class {
            None => true,
            Some(WrongClass::Mixed) => t.mixed > 0 && t.transient == 0,
            Some(WrongClass::Transient) => t.transient > 0 && t.mixed == 0,
        };
        let caught_ok = !self.expect_caught || t.gup_fast.is_some_and(|g| g.caught > 0);
        class_ok && caught_ok
    }

    /// How long its run may last when the selftest gives `-d` as `d`: `d`
    /// for a control that must stay clean (its outcome is its whole run),
    /// TORN_CAP_FACTOR × `d` for one that must tear (it ends sooner, once
    /// [`shown`](Control::shown)). The C port computes the same.
    pub fn run_for(&self, d: Duration) -> Duration {
        match self.expect {
            Verdict::Clean => d,
            Verdict::Torn => torn_cap(d),
        }
    }

    /// A control that must tear has shown its outcome in `t` (the totals so
    /// far): torn, its class and catches as it must, and SHOWN_MIN_TORN
    /// wrong values or `d` run. Never for one that must stay clean.
    pub fn shown(&self, t: &Totals, d: Duration) -> bool {
        self.expect == Verdict::Torn
            && t.torn > 0
            && self.classes_as_expected(t)
            && (t.torn >= SHOWN_MIN_TORN || t.elapsed_s >= d.as_secs_f64())
    }

    /// Why this control cannot show its outcome on a machine where the
    /// process may use `cpus` CPUs, if it cannot.
    pub fn cannot_run_here(&self, cpus: usize) -> Option<String> {
        (self.needs_two_cpus && cpus < 2).then(|| {
            "needs 2 CPUs: on one CPU an ABA tear needs two preemptions inside one read".to_owned()
        })
    }
}

/// Every control this build can run.
pub fn controls() -> Vec<&'static Control> {
    let atomic = if crate::arch::HAS_ATOMIC64.is_ok() {
        ATOMIC64_CONTROLS
    } else {
        &[]
    };
    CONTROLS.iter().chain(atomic).collect()
}

/// The observer of a control's run that ends it once it has shown its
/// outcome ([`Control::shown`]); `d` is the selftest's `-d`.
pub struct UntilShown<'a> {
    /// The control.
    pub control: &'a Control,
    /// Its checked configuration (for the totals).
    pub cfg: &'a CheckedConfig,
    /// The selftest's `-d`.
    pub d: Duration,
    /// Set when it ended the run.
    pub ended: bool,
}

impl Observer for UntilShown<'_> {
    fn tick(&mut self, elapsed: Duration, snapshot: &dyn Fn() -> Measurement) -> ControlFlow<()> {
        // `shown` is never true for a control that must stay clean: skip
        // the snapshot (a copy of every reader's counts) for those.
        if self.control.expect != Verdict::Torn {
            return ControlFlow::Continue(());
        }
        let t = crate::report::build::totals(self.cfg, &snapshot(), elapsed.as_secs_f64());
        self.ended = self.control.shown(&t, self.d);
        if self.ended {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

impl Control {
    /// One writer, one reader, one pair, pinned to two different CPUs
    /// where the process may use two. Unpinned, the scheduler may put both
    /// on one core, and then no writer runs inside a reader's window: an
    /// interleaving control that cannot tear (measured: i686 `aba` gave 0
    /// tears in 3 M reads unpinned on a loaded 2-CPU machine, 40% pinned).
    pub fn config(&self, seed: u64, duration: Duration) -> RunConfig {
        let mut cfg = RunConfig::new(seed);
        let cpus = crate::affinity::allowed_cpus();
        if cpus.len() >= 2 {
            cfg.cpus = Some(cpus[..2].to_vec());
        }
        cfg.reader = self.reader;
        cfg.writer = self.writer;
        cfg.barrier = self.barrier;
        cfg.readers = 1;
        cfg.writers = 1;
        cfg.duration = Some(duration);
        cfg.layout = self.layout;
        cfg.clear_to = self.clear_to;
        cfg.level = self.level;
        cfg.low_period = self.low_period;
        cfg.writer_gap = self.writer_gap;
        cfg.reader_gap = self.reader_gap;
        cfg
    }
}

//! `ptear selftest --engine kernel`: the controls the kernel engine can
//! run, each run twice in the same machine, by the kernel (the module) and
//! by the model (this binary's engine) with the same configuration: a
//! differential, same verdict and same classes; and the kernel's encodings
//! against ptear's layouts ([`super::encodings`]).

use super::{encodings, results, KernelOptions};
use crate::config::{BarrierKind, ReaderKind, WriterKind};
use crate::pte::{ClearTo, LayoutKind, Level, WrongClass};
use crate::report::{ControlRecord, Report, SelftestRecord, Verdict};
use crate::selftest::Control;
use serde::Serialize;

#[allow(clippy::too_many_arguments)]
const fn k(
    name: &'static str,
    reader: ReaderKind,
    writer: WriterKind,
    layout: Option<LayoutKind>,
    clear_to: ClearTo,
    writer_gap: u32,
    expect: Verdict,
    expect_class: Option<WrongClass>,
) -> Control {
    Control {
        name,
        reader,
        writer,
        barrier: BarrierKind::Kernel,
        layout,
        clear_to,
        level: Level::Pte,
        low_period: None,
        writer_gap,
        reader_gap: 0,
        expect,
        expect_class,
        expect_caught: false,
        needs_two_cpus: true,
    }
}

use ReaderKind::{GupFast, Lockless, Once};
use Verdict::{Clean, Torn};
use WriterKind::{Documented, Mips, Unordered, X86Pae};
use WrongClass::{Mixed, Transient};

/// The kernel engine's controls (docs/kernel-engine.md). No reader gaps:
/// the kernel's readers are inline functions with no place for one. Every
/// one runs a writer on one CPU and a reader on another (kthreads bound to
/// them), hence `needs_two_cpus`. The low half never repeats (`--low-period`
/// is the layout's most, 2^20), so the kernel's own pairs must stay clean.
///
/// Margins (3 s per control in the TCG guest of ci/system.sh, 2 vCPUs on
/// the 2-CPU host while other work loaded it): the transient controls tore
/// 0.5-1.4 M times (unordered, high-first) and gup-fast's 0.3-2.0 M; the
/// mixed ones, which need both vCPUs running at the same instant, are
/// thin on a busy host: once 3 (host load 9) and 108 (load 6), swap 20 and
/// 353, pmd 299 and 3. Each needs 1; at load 8-9 two of four runs of the
/// target failed one control (once or gup-fast's caught: docs/kernel-engine.md).
pub const CONTROLS: &[Control] = &[
    // the kernel's set_pte + pte_clear against ptep_get_lockless
    k(
        "correct",
        Lockless,
        Documented,
        None,
        ClearTo::Zero,
        0,
        Clean,
        None,
    ),
    // the kernel's set_pte + ptep_get_and_clear (a cmpxchg8b exchange)
    k(
        "x86-pae",
        Lockless,
        X86Pae,
        None,
        ClearTo::Zero,
        0,
        Clean,
        None,
    ),
    // ptep_get: READ_ONCE of the 64-bit entry, two loads and no re-check
    k(
        "once",
        Once,
        Documented,
        None,
        ClearTo::Zero,
        0,
        Torn,
        Some(Mixed),
    ),
    // the kernel's PROT_NONE round trip (ptep_modify_prot_start/commit as
    // change_pte_range does it: pte_clear, set_pte of pte_modify(..,
    // PAGE_NONE), and back): every entry, PN included, valid to ptear
    k(
        "protnone",
        Lockless,
        Documented,
        None,
        ClearTo::Protnone,
        0,
        Clean,
        None,
    ),
    // ptep_get between the kernel's clear and a swap entry's install
    k(
        "swap",
        Once,
        Documented,
        None,
        ClearTo::Swap,
        0,
        Torn,
        Some(Mixed),
    ),
    // ptear's low-first install (not the kernel's order): {new low, 0}
    k(
        "unordered",
        Lockless,
        Unordered,
        None,
        ClearTo::Zero,
        100,
        Torn,
        Some(Transient),
    ),
    // ptear's high-first clear (MIPS/SH's, not x86's): {old low, 0}
    k(
        "high-first",
        Lockless,
        Mips,
        Some(LayoutKind::X86Pae),
        ClearTo::Zero,
        200,
        Torn,
        Some(Transient),
    ),
    // gup_pte_range's re-check sends most of those values to the slow path
    Control {
        expect_caught: true,
        ..k(
            "gup-fast",
            GupFast,
            Unordered,
            None,
            ClearTo::Zero,
            100,
            Torn,
            Some(Transient),
        )
    },
    // huge PMDs: the kernel's set_pmd and pmdp_huge_get_and_clear, read by
    // pmd_read_atomic (6.1: the low half, then the high one, no re-check)
    Control {
        level: Level::Pmd,
        ..k(
            "pmd",
            Once,
            X86Pae,
            None,
            ClearTo::Zero,
            0,
            Torn,
            Some(Mixed),
        )
    },
];

/// The classes a report's wrong values have.
pub fn classes(r: &Report) -> Vec<&'static str> {
    let mut c = Vec::new();
    if r.totals.mixed > 0 {
        c.push("mixed");
    }
    if r.totals.transient > 0 {
        c.push("transient");
    }
    c
}

/// The differential: the two engines gave the same verdict and the same
/// classes; Err says how they differ.
pub fn agree(kernel: &Report, model: &Report) -> Result<(), String> {
    if kernel.verdict != model.verdict || classes(kernel) != classes(model) {
        return Err(format!(
            "kernel {:?} {:?}, model {:?} {:?}",
            kernel.verdict,
            classes(kernel),
            model.verdict,
            classes(model)
        ));
    }
    Ok(())
}

/// One control's two runs compared.
#[derive(Clone, Debug, Serialize)]
pub struct DiffRecord {
    /// Control name.
    pub name: String,
    /// The kernel's verdict.
    pub kernel: Verdict,
    /// The model's verdict.
    pub model: Verdict,
    /// The kernel's classes of wrong values.
    pub kernel_classes: Vec<&'static str>,
    /// The model's.
    pub model_classes: Vec<&'static str>,
    /// Same verdict and classes.
    pub agree: bool,
}

/// One tolerated encoding difference and how many vectors showed it
/// (`ptear-selftest/1` keeps the type; none is tolerated today).
#[derive(Clone, Debug, Serialize)]
pub struct KnownRecord {
    /// Vector kind.
    pub kind: &'static str,
    /// Why it differs.
    pub why: &'static str,
    /// Vectors that differ so.
    pub vectors: usize,
}

/// The kernel's encodings against ptear's layouts.
#[derive(Clone, Debug, Serialize)]
pub struct EncodingsRecord {
    /// Every vector equal.
    pub pass: bool,
    /// What was found.
    pub summary: String,
    /// Vectors compared.
    pub vectors: usize,
    /// The tolerated differences: always empty (a vector passes only when
    /// equal), kept within the schema version.
    pub known: Vec<KnownRecord>,
}

/// The `--json` file of `selftest --engine kernel`: `ptear-selftest/1`
/// (its `controls` are the kernel's runs) with the model's runs, the
/// differential and the encodings added.
#[derive(Clone, Debug, Serialize)]
pub struct KernelSelftestRecord {
    /// The usual selftest record.
    #[serde(flatten)]
    pub base: SelftestRecord,
    /// Always `kernel`.
    pub engine: String,
    /// The model's run of each control.
    pub model: Vec<ControlRecord>,
    /// Kernel against model, per control.
    pub differential: Vec<DiffRecord>,
    /// The kernel's encodings against ptear's layouts.
    pub encodings: EncodingsRecord,
}

/// Compares the kernel's encodings (the module's `encodings` file).
pub fn encodings_record(text: &str) -> EncodingsRecord {
    let checked = results::parse_encodings(text).and_then(|l| encodings::check(&l));
    match checked {
        Err(e) => EncodingsRecord {
            pass: false,
            summary: e,
            vectors: 0,
            known: vec![],
        },
        Ok(c) => {
            let v = encodings::verdict(&c);
            EncodingsRecord {
                pass: v.is_ok(),
                summary: v.unwrap_or_else(|e| e),
                vectors: c.len(),
                known: vec![],
            }
        }
    }
}

/// Reads the kernel's encodings: the module loaded for a 1 ms run.
pub fn read_encodings(opts: &KernelOptions) -> Result<String, crate::error::Error> {
    let loaded = super::module::Loaded::load(&opts.module, "duration_ms=1 irqs_off=1")?;
    let text = loaded.read("encodings");
    drop(loaded);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(verdict: Verdict, mixed: u64, transient: u64) -> Report {
        let mut cfg = crate::config::RunConfig::new(1);
        cfg.readers = 1;
        cfg.duration = Some(std::time::Duration::from_millis(1));
        let c = cfg.check().unwrap();
        let m = crate::engine::Measurement {
            elapsed: std::time::Duration::from_secs(1),
            readers: vec![],
            writers: vec![],
            placement: vec![],
            interrupted: false,
            complete: true,
        };
        let mut r = crate::report::build(&c, &Default::default(), &crate::host::detect(), &m);
        r.verdict = verdict;
        r.totals.mixed = mixed;
        r.totals.transient = transient;
        r
    }

    #[test]
    fn the_differential_fires_on_another_verdict_or_class_only() {
        assert!(agree(&rep(Clean, 0, 0), &rep(Clean, 0, 0)).is_ok());
        assert!(agree(&rep(Torn, 5, 0), &rep(Torn, 900, 0)).is_ok());
        assert!(agree(&rep(Torn, 5, 0), &rep(Clean, 0, 0)).is_err());
        assert!(agree(&rep(Torn, 0, 5), &rep(Torn, 5, 0)).is_err());
        assert!(agree(&rep(Torn, 1, 5), &rep(Torn, 0, 5)).is_err());
    }

    #[test]
    fn the_controls_are_ones_the_kernel_engine_accepts() {
        for c in CONTROLS {
            let cfg = c.config(1, std::time::Duration::from_secs(1));
            assert!(super::super::check_supported(&cfg).is_ok(), "{}", c.name);
        }
    }

    #[test]
    fn unreadable_encodings_fail() {
        assert!(!encodings_record("").pass);
        assert!(!encodings_record("enc entry x86-pae 1 1 zz 0 0 0\n").pass);
    }
}

//! What `ptear selftest` prints besides its text table: KTAP on stdout
//! (`--format ktap`), a JUnit file (`--junit`), and the test-only
//! `PTEAR_BREAK_CONTROL` that makes one control misbehave for real.

use super::args::SelftestArgs;
use super::stdout::out;
use crate::config::{name_of, BarrierKind, ReaderKind, RunConfig, WriterKind};
use crate::error::{runtime, usage, Error};
use crate::export::junit::{self, Case, CaseOutcome};
use crate::export::ktap::{self, Outcome};
use crate::export::matrix;
use crate::export::text::si;
use crate::pte::{ClearTo, Level};
use crate::report::{ControlRecord, Report, SkippedRecord, Verdict};
use crate::selftest::Control;

/// What a control must give, in words: `torn, mixed only, some caught`.
pub fn expectation(c: &Control) -> String {
    let mut s = name_of(c.expect);
    if let Some(class) = c.expect_class {
        s += &format!(", {} only", class.name());
    }
    if c.expect_caught {
        s += ", some caught by the re-check";
    }
    s
}

/// What a control ran (its report's configuration: `PTEAR_BREAK_CONTROL`
/// changes it) and what it must give, in words.
pub fn describe(c: &Control, r: &Report) -> String {
    let k = &r.config;
    format!(
        "reader {}, writer {}, barrier {}, layout {}; expect {}",
        k.reader,
        k.writer,
        k.barrier,
        k.layout,
        expectation(c)
    )
}

/// What a run gave, in one line.
pub fn outcome(r: &Report) -> String {
    let t = &r.totals;
    let caught = t
        .gup_fast
        .map_or(String::new(), |g| format!(", caught {}", g.caught));
    format!(
        "{}: {} reads ({}reads/s) in {:.2} s, torn {} (mixed {}, transient {}{caught}), retries p50/p99/max {}/{}/{}",
        name_of(r.verdict),
        t.reads,
        si(t.reads_per_s),
        t.elapsed_s,
        t.torn,
        t.mixed,
        t.transient,
        r.retry_percentiles.p50,
        r.retry_percentiles.p99,
        r.retry_percentiles.max
    )
}

/// Why a control that did not pass failed (None: it passed).
pub fn why_failed(c: &Control, r: &Report, pass: bool) -> Option<String> {
    if pass {
        return None;
    }
    let t = &r.totals;
    Some(if r.interrupted {
        "interrupted before the end of its run".into()
    } else if t.reads == 0 {
        "read nothing: a run with 0 reads proves nothing".into()
    } else if r.verdict != c.expect {
        format!(
            "expected {}, got {} ({} torn in {} reads)",
            expectation(c),
            name_of(r.verdict),
            t.torn,
            t.reads
        )
    } else {
        format!(
            "expected {}, got mixed {}, transient {}{}",
            expectation(c),
            t.mixed,
            t.transient,
            t.gup_fast
                .map_or(String::new(), |g| format!(", caught {}", g.caught))
        )
    })
}

/// `PTEAR_BREAK_CONTROL=NAME` in the environment (a test-only knob, for
/// tests of what a failing selftest prints; an environment variable, so
/// that no option, completion or man page offers it): control NAME runs
/// the opposite configuration while its expectation stays. A must-tear
/// control runs the `correct` control's configuration (lockless reader,
/// documented writer, kernel barrier, the writer's layout and every
/// default: clean), a must-stay-clean one the `once` control's (no
/// re-check, reader gap 100: tears, even on one CPU). The run is real;
/// only its configuration is the wrong one, and the KTAP diagnostics and
/// JUnit output show the configuration that ran.
pub fn sabotage(c: &Control, cfg: &mut RunConfig) {
    cfg.writer = WriterKind::Documented;
    cfg.barrier = BarrierKind::Kernel;
    cfg.layout = None;
    cfg.clear_to = ClearTo::Zero;
    cfg.level = Level::Pte;
    cfg.low_period = None;
    cfg.writer_gap = 0;
    (cfg.reader, cfg.reader_gap) = match c.expect {
        Verdict::Torn => (ReaderKind::Lockless, 0),
        Verdict::Clean => (ReaderKind::Once, 100),
    };
}

/// The control `PTEAR_BREAK_CONTROL` names, if set (said on stderr),
/// checked against the control set.
pub fn break_control(controls: &[&Control]) -> Result<Option<String>, String> {
    let Some(n) = std::env::var("PTEAR_BREAK_CONTROL")
        .ok()
        .filter(|n| !n.is_empty())
    else {
        return Ok(None);
    };
    if !controls.iter().any(|c| c.name == n) {
        return Err(format!(
            "PTEAR_BREAK_CONTROL: no control '{n}' in this build (controls: {})",
            controls
                .iter()
                .map(|c| c.name)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    eprintln!(
        "ptear: PTEAR_BREAK_CONTROL={n}: control {n} runs the opposite configuration and must fail"
    );
    Ok(Some(n))
}

/// `--junit FILE` must be writable before anything runs.
pub fn check_junit_path(args: &SelftestArgs) -> Result<(), Error> {
    if let Some(path) = &args.junit {
        crate::export::json::check_writable(path)
            .map_err(|e| usage(format!("cannot write --junit file {}: {e}", path.display())))?;
    }
    Ok(())
}

/// Seconds since the epoch (a JUnit suite's `timestamp`).
pub fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// KTAP on stdout, a line at a time, each flushed: a board farm reading
/// the console sees every result when its control ends.
pub struct Ktap {
    on: bool,
}

impl Ktap {
    /// Prints the header when `on`: version, plan, what runs.
    pub fn start(on: bool, plan: usize, about: &str) -> Ktap {
        let k = Ktap { on };
        k.put(&(ktap::header(plan) + &ktap::diag(about)));
        k
    }

    fn put(&self, s: &str) {
        if self.on {
            out!("{s}");
        }
    }

    /// Control `n` (from 1) was skipped.
    pub fn skipped(&self, n: usize, s: &SkippedRecord) {
        self.put(&ktap::result(n, &s.name, &Outcome::Skip(s.reason.clone())));
    }

    /// Control `n` (from 1) ran.
    pub fn control(&self, n: usize, c: &Control, rec: &ControlRecord) {
        let mut lines = vec![describe(c, &rec.report), outcome(&rec.report)];
        lines.extend(why_failed(c, &rec.report, rec.pass).map(|why| format!("FAIL: {why}")));
        self.case(n, c.name, &lines, rec.pass);
    }

    /// Test `n` (from 1) named `name` ran: its diagnostic lines (each
    /// prefixed with the name), then its result.
    pub fn case(&self, n: usize, name: &str, lines: &[String], pass: bool) {
        let mut s = String::new();
        for l in lines {
            s += &ktap::diag(&format!("{name}: {l}"));
        }
        let o = if pass { Outcome::Ok } else { Outcome::NotOk };
        s += &ktap::result(n, name, &o);
        self.put(&s);
    }

    /// Tests `n` (from 1) that never ran (an interrupted selftest), by name.
    pub fn not_run(&self, rest: &[(usize, &str)]) {
        let mut s = String::new();
        for (n, name) in rest {
            s += &ktap::diag(&format!("{name}: {NOT_RUN}"));
            s += &ktap::result(*n, name, &Outcome::NotOk);
        }
        self.put(&s);
    }

    /// A diagnostic line.
    pub fn diag(&self, text: &str) {
        self.put(&ktap::diag(text));
    }
}

/// The matrix table of a selftest's runs.
pub fn table(records: &[ControlRecord]) -> String {
    let rows: Vec<matrix::Row<'_>> = records
        .iter()
        .map(|r| matrix::Row {
            name: r.name.clone(),
            expect: Some(r.expect),
            report: &r.report,
        })
        .collect();
    matrix::text(&rows)
}

/// The tests after the first `ran` of `names`, numbered from 1: those an
/// interrupt kept from running.
pub fn not_run<'a>(names: &[&'a str], ran: usize) -> Vec<(usize, &'a str)> {
    names
        .iter()
        .enumerate()
        .skip(ran)
        .map(|(i, n)| (i + 1, *n))
        .collect()
}

/// Writes a `--junit` file (or any output file), replacing it whole.
pub fn write(path: &std::path::Path, bytes: &[u8]) -> Result<(), Error> {
    crate::export::file::replace(path, bytes)
        .map_err(|e| runtime(format!("cannot write {}: {e}", path.display())))
}

/// Why a test of the set has no result.
pub const NOT_RUN: &str = "not run: the selftest was interrupted";

/// The JUnit document of a selftest: one testcase per control of the set,
/// in table order (a control an interrupt kept from running fails).
pub fn junit(
    controls: &[&Control],
    records: &[ControlRecord],
    skipped: &[SkippedRecord],
    arch: &str,
    started: u64,
) -> String {
    let cases = junit_cases(controls, &format!("ptear.selftest.{arch}"), skipped, |c| {
        records.iter().find(|r| r.name == c.name).map(|r| {
            let o = match why_failed(c, &r.report, r.pass) {
                None => CaseOutcome::Passed,
                Some(why) => CaseOutcome::Failed(why),
            };
            let out = format!("{}\n{}\n", describe(c, &r.report), outcome(&r.report));
            (r.report.totals.elapsed_s, o, out)
        })
    });
    junit::render(
        &format!("ptear selftest ({arch})"),
        started,
        &junit::hostname(),
        &cases,
    )
}

/// One JUnit testcase per control of the set, in table order: `ran` gives
/// a control's seconds, outcome and output; otherwise it was skipped, or
/// an interrupt kept it from running (it fails).
pub fn junit_cases(
    controls: &[&Control],
    classname: &str,
    skipped: &[SkippedRecord],
    ran: impl Fn(&Control) -> Option<(f64, CaseOutcome, String)>,
) -> Vec<Case> {
    controls
        .iter()
        .map(|c| {
            let (time_s, outcome, output) =
                ran(c).unwrap_or_else(|| match skipped.iter().find(|s| s.name == c.name) {
                    Some(s) => (0.0, CaseOutcome::Skipped(s.reason.clone()), String::new()),
                    None => (0.0, CaseOutcome::Failed(NOT_RUN.into()), String::new()),
                });
            Case {
                name: c.name.into(),
                classname: classname.into(),
                time_s,
                outcome,
                output,
            }
        })
        .collect()
}

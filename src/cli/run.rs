//! `ptear run`: check the arguments, run the engine with a progress line and
//! checkpoints, then print and write the report.

use super::args::{Format, RunArgs};
use super::status_line::StatusLine;
use super::stdout::out;
use crate::config::CheckedConfig;
use crate::engine::{self, Measurement, Observer};
use crate::error::{exit, runtime, Error};
use crate::export::{json, text};
use crate::host::{self, Host};
use crate::report::{self, build::RecordedOptions, Report, Verdict};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Duration;

/// Runs shorter than this get no progress line.
const PROGRESS_AFTER: Duration = Duration::from_secs(3);
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// `ptear run`: the exit status of its outcome (0 / 1), or why it failed.
pub fn run(args: &RunArgs) -> Result<i32, Error> {
    if let Some(opts) = super::kernel::options(&args.kernel)? {
        return super::kernel::run(args, &opts);
    }
    let cfg = args.config()?.check()?;
    let interrupt = super::prepare(args.json.as_deref())?;

    let extra = RecordedOptions {
        checkpoint_s: args.checkpoint.map(|d| d.as_secs_f64()),
    };
    let host = host::detect();
    let long = cfg.duration.is_none_or(|d| d > PROGRESS_AFTER);
    let mut observer = RunObserver {
        progress: (!args.quiet && long).then(|| Progress::new(cfg.duration)),
        checkpoint: args
            .checkpoint
            .zip(args.json.clone())
            .map(|(every, path)| Checkpoint {
                every,
                path,
                next: every,
                warned: false,
            }),
        cfg: &cfg,
        extra: &extra,
        host: &host,
    };
    let measured = engine::run(&cfg, &interrupt, &mut observer);
    if let Some(p) = &mut observer.progress {
        p.finish();
    }
    let m = measured?;
    let report = report::build(&cfg, &extra, &host, &m);
    match args.format {
        Format::Text => out!("{}", text::render(&report)),
        Format::Json => out!("{}", json::to_string(&report)),
    }
    if let Some(path) = &args.json {
        json::write_atomic(path, &report)
            .map_err(|e| runtime(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(outcome(&report, args.expect))
}

/// 0 clean / 1 torn, or with --expect: 0 when the verdict matches, 1 when not.
pub fn outcome(report: &Report, expect: Option<Verdict>) -> i32 {
    match (expect, report.verdict) {
        (Some(e), v) if e == v => exit::CLEAN,
        (Some(_), _) => exit::TORN,
        (None, Verdict::Clean) => exit::CLEAN,
        (None, Verdict::Torn) => exit::TORN,
    }
}

struct RunObserver<'a> {
    progress: Option<Progress>,
    checkpoint: Option<Checkpoint>,
    cfg: &'a CheckedConfig,
    extra: &'a RecordedOptions,
    host: &'a Host,
}

impl Observer for RunObserver<'_> {
    fn tick(&mut self, elapsed: Duration, snapshot: &dyn Fn() -> Measurement) -> ControlFlow<()> {
        let progress_due = self.progress.as_ref().is_some_and(|p| elapsed >= p.next);
        let checkpoint_due = self.checkpoint.as_ref().is_some_and(|c| elapsed >= c.next);
        if !progress_due && !checkpoint_due {
            return ControlFlow::Continue(());
        }
        let m = snapshot();
        if let (true, Some(p)) = (progress_due, &mut self.progress) {
            p.show(&m);
        }
        if let (true, Some(c)) = (checkpoint_due, &mut self.checkpoint) {
            c.write(&report::build(self.cfg, self.extra, self.host, &m), elapsed);
        }
        ControlFlow::Continue(())
    }
}

/// The run's status line: elapsed of total, reads/s since the last one,
/// torn so far, every PROGRESS_EVERY of the run.
struct Progress {
    total: Option<Duration>,
    next: Duration,
    line: StatusLine,
    last: Option<(f64, u64)>,
}

impl Progress {
    fn new(total: Option<Duration>) -> Progress {
        Progress {
            total,
            next: PROGRESS_EVERY,
            line: StatusLine::new(false, Duration::ZERO),
            last: None,
        }
    }

    fn show(&mut self, m: &Measurement) {
        let t = m.elapsed.as_secs_f64();
        let reads: u64 = m.readers.iter().map(|r| r.reads).sum();
        let torn: u64 = m.readers.iter().map(|r| r.torn).sum();
        let (t0, r0) = self.last.unwrap_or((0.0, 0));
        let rate = if t > t0 {
            (reads - r0.min(reads)) as f64 / (t - t0)
        } else {
            0.0
        };
        self.last = Some((t, reads));
        let total = self
            .total
            .map_or("-".into(), |d| format!("{:.0}", d.as_secs_f64()));
        let line = format!(
            "ptear: {t:.0}/{total} s  {}reads/s  torn {torn}",
            text::si(rate)
        );
        self.line.show(&line);
        self.next = m.elapsed + PROGRESS_EVERY;
    }

    fn finish(&mut self) {
        self.line.finish();
    }
}

/// `--checkpoint SECS`: the JSON file, rewritten atomically while the run
/// goes on (`complete: false`), so a crash keeps what was measured.
struct Checkpoint {
    every: Duration,
    path: PathBuf,
    next: Duration,
    warned: bool,
}

impl Checkpoint {
    fn write(&mut self, report: &Report, elapsed: Duration) {
        if let Err(e) = json::write_atomic(&self.path, report) {
            if !self.warned {
                eprintln!(
                    "ptear: warning: checkpoint to {} failed: {e}",
                    self.path.display()
                );
                self.warned = true;
            }
        }
        self.next = elapsed + self.every;
    }
}

//! `ptear sweep`: runs a grid of knob values as child runs, prints the
//! table, draws the plot, writes `ptear-sweep/1`.

use super::hunt::{FixedArgs, TrialArgs};
use super::parse;
use super::status_line::StatusLine;
use super::stdout::{out, outln};
use crate::error::{exit, runtime, usage, Error};
use crate::export::sweep::{panels, table};
use crate::sweep::{self, SweepRecord, Vary, SWEEP_SCHEMA};
use crate::trial::{Runner, Trial};
use clap::{value_parser, Args};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// `ptear sweep`'s options.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// A knob and its values: NAME=V1,V2,... (reader-gap, writer-gap, pairs,
    /// readers, writers, low-period); repeat for a grid, the first is the x axis
    #[arg(long, required = true, value_parser = sweep::parse_vary, value_name = "NAME=V,...")]
    pub vary: Vec<Vary>,
    /// Length of each run
    #[arg(short, long, default_value = "1s", value_parser = parse::duration, value_name = "D")]
    pub duration: Duration,
    /// Runs per point
    #[arg(long, default_value_t = 3, value_parser = value_parser!(u32).range(1..=100), value_name = "N")]
    pub repeat: u32,
    /// Draw tears/s and reads/s against the first knob into this SVG file
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// How runs go, the seed, the --json file, the progress line
    #[command(flatten)]
    pub trials: TrialArgs,
    /// Options every run gets
    #[command(flatten)]
    pub fixed: FixedArgs,
}

/// `ptear sweep`.
pub fn sweep(args: &SweepArgs) -> Result<i32, Error> {
    let grid = sweep::grid(&args.vary).map_err(usage)?;
    let fixed = args.fixed.to_args();
    check(args, &fixed)?;
    let super::hunt::Started {
        runner,
        interrupt,
        seed,
        mut progress,
    } = args.trials.start()?;
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    eprintln!(
        "ptear sweep: seed {seed}, {} points x {} runs of {:.1} s, run by {}",
        grid.len(),
        args.repeat,
        args.duration.as_secs_f64(),
        runner.exec().unwrap_or("this ptear")
    );
    let mut points = Vec::new();
    let mut host = None;
    for (n, values) in grid.iter().enumerate() {
        let point = Point {
            n,
            of: grid.len(),
            values,
        };
        let trials = match run_point(
            args,
            &fixed,
            &point,
            &runner,
            &interrupt,
            &mut rng,
            &mut progress,
        ) {
            Ok(t) => t,
            Err(e) => {
                progress.finish();
                return Err(e);
            }
        };
        if let Some((_, t)) = trials.first() {
            host.get_or_insert_with(|| t.report.host.clone());
            points.push(sweep::point(values.clone(), &trials));
        }
        if interrupt.load(Ordering::Relaxed) {
            break;
        }
    }
    progress.finish();
    let rec = SweepRecord {
        schema: SWEEP_SCHEMA.into(),
        tool: crate::report::schema::Tool::this(),
        seed,
        exec: runner.exec().map(str::to_owned),
        fixed: fixed.clone(),
        vary: args.vary.clone(),
        duration_s: args.duration.as_secs_f64(),
        repeat: args.repeat,
        interrupted: interrupt.load(Ordering::Relaxed),
        points,
    };
    out!("{}", table(&rec));
    outln!("seed {seed}");
    write(args, &rec, host)?;
    Ok(exit::CLEAN)
}

/// A `--vary`'d option that is also given, and an unwritable `--plot`
/// file, are usage errors before anything runs.
fn check(args: &SweepArgs, fixed: &[String]) -> Result<(), Error> {
    for v in &args.vary {
        if fixed.iter().any(|a| *a == v.name.flag()) {
            return Err(usage(format!(
                "--{} is both given and varied (--vary {}=...)",
                v.name, v.name
            )));
        }
    }
    if let Some(p) = &args.plot {
        crate::export::json::check_writable(p)
            .map_err(|e| usage(format!("cannot write --plot file {}: {e}", p.display())))?;
    }
    Ok(())
}

/// Point `n` (from 0) of `of`: its values, one per `--vary`.
struct Point<'a> {
    n: usize,
    of: usize,
    values: &'a [u64],
}

/// The `--repeat` runs of one point, each with a fresh seed from `rng`;
/// fewer when interrupted (a run that was interrupted is dropped).
fn run_point(
    args: &SweepArgs,
    fixed: &[String],
    p: &Point<'_>,
    runner: &Runner,
    interrupt: &AtomicBool,
    rng: &mut SmallRng,
    progress: &mut StatusLine,
) -> Result<Vec<(u64, Trial)>, Error> {
    let mut run_args = fixed.to_vec();
    for (v, x) in args.vary.iter().zip(p.values) {
        run_args.push(v.name.flag());
        run_args.push(x.to_string());
    }
    let desc: Vec<String> = args
        .vary
        .iter()
        .zip(p.values)
        .map(|(v, x)| format!("{}={x}", v.name))
        .collect();
    let mut trials = Vec::new();
    for r in 0..args.repeat {
        if interrupt.load(Ordering::Relaxed) {
            break;
        }
        progress.show(&format!(
            "ptear sweep: point {}/{} run {}/{}  {}",
            p.n + 1,
            p.of,
            r + 1,
            args.repeat,
            desc.join(" ")
        ));
        let s = rng.random::<u64>();
        let t = runner.run(&run_args, args.duration, s)?;
        if t.report.interrupted {
            break;
        }
        trials.push((s, t));
    }
    Ok(trials)
}

/// `--plot` and `--json`.
fn write(
    args: &SweepArgs,
    rec: &SweepRecord,
    host: Option<crate::host::Host>,
) -> Result<(), Error> {
    let fixed = &rec.fixed;
    if let Some(path) = &args.plot {
        let on = host.map_or(String::new(), |h| {
            format!(" on {} {} ({} CPUs)", h.arch, h.cpu_model, h.cpus)
        });
        let title = format!(
            "ptear sweep {}{on}, {} x {:.1} s per point",
            if fixed.is_empty() {
                "(defaults)".into()
            } else {
                fixed.join(" ")
            },
            args.repeat,
            args.duration.as_secs_f64()
        );
        crate::export::plot::write_svg(path, &title, &panels(rec))
            .map_err(|e| runtime(format!("cannot write {}: {e}", path.display())))?;
    }
    if let Some(path) = &args.trials.json {
        crate::export::json::write_atomic(path, rec)
            .map_err(|e| runtime(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}

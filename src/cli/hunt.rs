//! `ptear hunt`: the options, the progress line and the printed result of
//! a search (the search itself is [`crate::hunt`]).

use super::parse;
use super::status_line::StatusLine;
use super::stdout::{out, outln};
use crate::error::{exit, runtime, Error};
use crate::export::hunt::{rate, render, table};
use crate::hunt::space::Space;
use crate::hunt::{self, HuntRecord, Plan, Status, HUNT_SCHEMA};
use crate::pte::{ClearTo, Level};
use crate::report::Verdict;
use crate::trial::Runner;
use clap::{value_parser, Args};
use std::path::PathBuf;
use std::time::Duration;

/// The `ptear run` options hunt and sweep pass to every trial. Reader,
/// writer and barrier are names, checked by the binary that runs them (an
/// `--exec` binary may offer others, such as the C port's `synco`).
#[derive(Args, Debug, Clone, Default)]
pub struct FixedArgs {
    /// --reader for every trial (lockless, once, atomic64, gup-fast, kvm-count)
    #[arg(long, value_name = "NAME")]
    pub reader: Option<String>,
    /// --writer for every trial (documented, x86-pae, mips, sh, unordered)
    #[arg(long, value_name = "NAME")]
    pub writer: Option<String>,
    /// --barrier for every trial (see `ptear list`)
    #[arg(long, value_name = "NAME")]
    pub barrier: Option<String>,
    /// --layout for every trial (see `ptear list`)
    #[arg(long, value_name = "NAME")]
    pub layout: Option<String>,
    /// --low-period for every trial
    #[arg(long, value_parser = value_parser!(u32).range(1..), value_name = "N")]
    pub low_period: Option<u32>,
    /// --clear-to for every trial (zero, swap, migration, protnone)
    #[arg(long, value_name = "NAME")]
    pub clear_to: Option<String>,
    /// --level for every trial (pte, pmd)
    #[arg(long, value_name = "NAME")]
    pub level: Option<String>,
    /// --writers for every trial
    #[arg(long, value_parser = value_parser!(u64).range(1..), value_name = "N")]
    pub writers: Option<u64>,
    /// --readers for every trial (not searched then)
    #[arg(long, value_parser = value_parser!(u64).range(1..), value_name = "N")]
    pub readers: Option<u64>,
    /// --pairs for every trial (not searched then)
    #[arg(long, value_parser = value_parser!(u64).range(1..), value_name = "N")]
    pub pairs: Option<u64>,
    /// --cpus for every trial (placement not searched then)
    #[arg(long, value_parser = parse::cpu_list, value_name = "LIST")]
    pub cpus: Option<parse::CpuList>,
    /// --writer-gap for every trial (not searched then)
    #[arg(long, value_name = "N")]
    pub writer_gap: Option<u32>,
    /// --reader-gap for every trial (not searched then)
    #[arg(long, value_name = "N")]
    pub reader_gap: Option<u32>,
}

impl FixedArgs {
    /// The options as `ptear run` arguments, in a fixed order.
    pub fn to_args(&self) -> Vec<String> {
        let mut a = Vec::new();
        let mut opt = |name: &str, v: Option<String>| {
            if let Some(v) = v {
                a.push(format!("--{name}"));
                a.push(v);
            }
        };
        opt("reader", self.reader.clone());
        opt("writer", self.writer.clone());
        opt("barrier", self.barrier.clone());
        opt("layout", self.layout.clone());
        opt("low-period", self.low_period.map(|v| v.to_string()));
        opt("clear-to", self.clear_to.clone());
        opt("level", self.level.clone());
        opt("writers", self.writers.map(|v| v.to_string()));
        opt("readers", self.readers.map(|v| v.to_string()));
        opt("pairs", self.pairs.map(|v| v.to_string()));
        opt(
            "cpus",
            self.cpus
                .as_ref()
                .map(|c| crate::affinity::format_cpu_list(&c.0)),
        );
        opt("writer-gap", self.writer_gap.map(|v| v.to_string()));
        opt("reader-gap", self.reader_gap.map(|v| v.to_string()));
        a
    }
}

/// What hunt and sweep share: how each trial runs, the seed, where the
/// result goes, the progress line.
#[derive(Args, Debug)]
pub struct TrialArgs {
    /// Run trials with this command instead of this executable, split on
    /// whitespace (e.g. 'qemu-mipsel target/bin/ptear-mipsel')
    #[arg(long, value_name = "PREFIX", allow_hyphen_values = true)]
    pub exec: Option<String>,
    /// Seed of the search and of every trial [default: random; always printed]
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Also write the result (ptear-hunt/1, ptear-sweep/1) to this file
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// No progress line
    #[arg(short, long)]
    pub quiet: bool,
}

/// What a hunt or sweep starts with.
pub struct Started {
    /// Runs the trials.
    pub runner: Runner,
    /// Set on SIGINT / SIGTERM.
    pub interrupt: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The seed of the search (given, or drawn).
    pub seed: u64,
    /// The progress line.
    pub progress: StatusLine,
}

impl TrialArgs {
    /// Before the first trial: the runner, the --json file checked, signals
    /// caught, the seed drawn, the progress line.
    pub fn start(&self) -> Result<Started, Error> {
        Ok(Started {
            runner: Runner::new(self.exec.as_deref())?,
            interrupt: super::prepare(self.json.as_deref())?,
            seed: self.seed.unwrap_or_else(crate::seed::fresh_seed),
            progress: StatusLine::new(self.quiet, Duration::from_secs(2)),
        })
    }
}

/// `ptear hunt`'s options.
#[derive(Args, Debug)]
pub struct HuntArgs {
    /// Wall-clock budget of each hunt
    #[arg(long, default_value = "20s", value_parser = parse::duration, value_name = "D")]
    pub budget: Duration,
    /// How trials run, the seed, the --json file, the progress line
    #[command(flatten)]
    pub trials: TrialArgs,
    /// The options that fix part of the configuration (the rest is searched)
    #[command(flatten)]
    pub fixed: FixedArgs,
}

fn space(fixed: &FixedArgs) -> Space {
    Space::new(
        &crate::affinity::allowed_cpus(),
        fixed.cpus.is_some(),
        fixed.writer_gap.is_some(),
        fixed.reader_gap.is_some(),
        fixed.pairs.is_some(),
        fixed.readers.is_some(),
    )
}

/// The hunts to run: the options given, or with no reader, writer,
/// barrier or low period given, each broken selftest control in turn.
fn plans(args: &HuntArgs, seed: u64) -> Vec<Plan> {
    let f = &args.fixed;
    let one = f.reader.is_some()
        || f.writer.is_some()
        || f.barrier.is_some()
        || f.layout.is_some()
        || f.low_period.is_some()
        || f.clear_to.is_some()
        || f.level.is_some();
    if one {
        return vec![Plan {
            control: None,
            fixed: f.to_args(),
            space: space(f),
            budget: args.budget,
            seed,
        }];
    }
    crate::selftest::controls()
        .into_iter()
        .filter(|c| c.expect == Verdict::Torn)
        .enumerate()
        .map(|(i, c)| {
            let mut cf = f.clone();
            cf.reader = Some(crate::config::name_of(c.reader));
            cf.writer = Some(crate::config::name_of(c.writer));
            cf.barrier = Some(crate::config::name_of(c.barrier));
            cf.layout = c.layout.map(crate::config::name_of);
            cf.low_period = c.low_period;
            // Only what differs from `run`'s defaults, so the pasted
            // command stays short.
            cf.clear_to = (c.clear_to != ClearTo::Zero).then(|| crate::config::name_of(c.clear_to));
            cf.level = (c.level != Level::Pte).then(|| crate::config::name_of(c.level));
            Plan {
                control: Some(c.name.to_owned()),
                fixed: cf.to_args(),
                space: space(&cf),
                budget: args.budget,
                seed: crate::seed::splitmix64(seed.wrapping_add(i as u64)),
            }
        })
        .collect()
}

/// `ptear hunt`.
pub fn hunt(args: &HuntArgs) -> Result<i32, Error> {
    let super::hunt::Started {
        runner,
        interrupt,
        seed,
        mut progress,
    } = args.trials.start()?;
    let plans = plans(args, seed);
    eprintln!(
        "ptear hunt: seed {seed}, budget {:.1} s per hunt, {} hunt(s), trials run by {}",
        args.budget.as_secs_f64(),
        plans.len(),
        runner.exec().unwrap_or("this ptear")
    );
    let mut results = Vec::new();
    for plan in &plans {
        let label = plan
            .control
            .as_deref()
            .map_or(String::new(), |c| format!(" {c}"));
        let budget = plan.budget.as_secs_f64();
        let mut show = |s: &Status| {
            let best = s.best.map_or("none yet".into(), |(r, k)| {
                format!("best {} ({})", rate(r), k.short())
            });
            progress.show(&format!(
                "ptear hunt{label}: {:.0}/{budget:.0} s  {}  trial {}  {best}",
                s.elapsed_s, s.phase, s.trials
            ));
        };
        let r = hunt::hunt(&runner, plan, &interrupt, &mut show);
        progress.finish();
        let r = r?;
        if plans.len() == 1 {
            out!("{}", render(&r));
        } else {
            eprint!("{}", render(&r));
        }
        results.push(r);
        if interrupt.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
    }
    if plans.len() > 1 {
        out!("{}", table(&results));
    }
    let interrupted = interrupt.load(std::sync::atomic::Ordering::Relaxed);
    if interrupted {
        outln!("interrupted: the best so far, from the search's runs");
    }
    outln!("seed {seed}");
    if let Some(path) = &args.trials.json {
        let rec = HuntRecord {
            schema: HUNT_SCHEMA.into(),
            tool: crate::report::schema::Tool::this(),
            seed,
            budget_s: args.budget.as_secs_f64(),
            exec: runner.exec().map(str::to_owned),
            interrupted,
            hunts: results,
        };
        crate::export::json::write_atomic(path, &rec)
            .map_err(|e| runtime(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(exit::CLEAN)
}

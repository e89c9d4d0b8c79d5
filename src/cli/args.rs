//! The command line, declared with clap. Conversion to a checked
//! `RunConfig` lives in `RunArgs::config`.

use super::parse;
use crate::config::limits::MAX_LOW_PERIOD;
use crate::config::limits::{MAX_GAP, MAX_THREADS};
use crate::config::{BarrierKind, ReaderKind, RunConfig, WriterKind};
use crate::error::UsageError;
use crate::pte::{ClearTo, LayoutKind, Level};
use crate::report::Verdict;
use clap::{value_parser, Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// `ptear [run options] | ptear COMMAND ...`.
#[derive(Parser, Debug)]
#[command(
    name = "ptear",
    version = super::VERSION,
    about = "Hammers split 64-bit page-table entries the way 32-bit kernels read and write them, and counts torn reads",
    args_conflicts_with_subcommands = true,
    allow_negative_numbers = true,
    after_help = "With no subcommand, ptear runs `ptear run` with the options given (default: 5 s).\nExit status: 0 clean, 1 torn (or --expect not met), 2 usage error, 3 runtime failure."
)]
pub struct Cli {
    /// The subcommand (none: `run`).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `run`'s options, when no subcommand is given.
    #[command(flatten)]
    pub run: RunArgs,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run writers and readers and report torn reads (the default)
    Run(RunArgs),
    /// List the readers, writers and barriers this build supports on this CPU
    List(ListArgs),
    /// Run the control set: correct configurations must stay clean, broken ones must tear
    Selftest(SelftestArgs),
    /// Show JSON reports again: one as a full report, several as a matrix table
    Report(ReportArgs),
    /// Search the knobs not given for the highest rate of torn reads on this machine
    Hunt(super::hunt::HuntArgs),
    /// Run a grid of knob values and tabulate (and plot) tears/s and reads/s
    Sweep(super::sweep::SweepArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(CompletionsArgs),
    /// Print the man page, ptear(1), in roff
    Man,
}

/// `--format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable report
    #[default]
    Text,
    /// The ptear/1 JSON report
    Json,
}

/// `--engine`: where the writers and readers run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// This program's threads, running ptear's copies of the kernel's accessors
    #[default]
    Model,
    /// Kernel threads in kmod/'s module, running the kernel's own inline accessors (32-bit x86 PAE kernels; root)
    Kernel,
}

/// The kernel engine's own options (docs/kernel-engine.md).
#[derive(Args, Debug, Clone)]
pub struct KernelArgs {
    /// Where the writers and readers run
    #[arg(long, value_enum, default_value_t = Engine::Model)]
    pub engine: Engine,
    /// --engine kernel: the module to load [default: /lib/modules/RELEASE/extra/ptear_kmod.ko]
    #[arg(long, value_name = "PATH")]
    pub module: Option<PathBuf>,
    /// --engine kernel: leave interrupts on during each read (default: off, as gup_fast)
    #[arg(long)]
    pub irqs_on: bool,
}

/// `ptear list`'s options.
#[derive(Args, Debug)]
pub struct ListArgs {
    /// Print ptear-list/1 JSON: kinds, limits and the control table
    #[arg(long)]
    pub json: bool,
}

/// `ptear completions`'s options.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `ptear run`'s options.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Stop after this long: 500ms, 5s, 2m, 1h [default: 5s, or no limit with --reads]
    #[arg(short, long, value_parser = parse::duration, allow_hyphen_values = true, value_name = "D")]
    pub duration: Option<Duration>,
    /// Stop after this many accepted reads in total
    #[arg(long, value_parser = value_parser!(u64).range(1..), allow_negative_numbers = true, value_name = "N")]
    pub reads: Option<u64>,
    /// Reader threads [default: online CPUs - 1, at least 1]
    #[arg(long, value_parser = value_parser!(u64).range(1..=MAX_THREADS), allow_negative_numbers = true, value_name = "N")]
    pub readers: Option<u64>,
    /// Writer groups; each owns every N-th pair
    #[arg(long, default_value_t = 1, value_parser = value_parser!(u64).range(1..=MAX_THREADS), allow_negative_numbers = true, value_name = "N")]
    pub writers: u64,
    /// Writer threads per group: they take turns on each entry under its page-table lock
    #[arg(long, default_value_t = 1, value_parser = value_parser!(u64).range(1..=MAX_THREADS), allow_negative_numbers = true, value_name = "N")]
    pub writers_per_entry: u64,
    /// Entries (8-byte {low, high} pairs) in the shared table
    #[arg(long, default_value_t = 1, value_parser = value_parser!(u64).range(1..), allow_negative_numbers = true, value_name = "N")]
    pub pairs: u64,
    /// Pin writers, then readers, to these CPUs in order, cycling (e.g. 0,1 or 0-3)
    #[arg(long, value_parser = parse::cpu_list, value_name = "LIST")]
    pub cpus: Option<parse::CpuList>,
    /// Read protocol
    #[arg(long, value_enum, default_value_t = ReaderKind::Lockless)]
    pub reader: ReaderKind,
    /// Writer store order
    #[arg(long, value_enum, default_value_t = WriterKind::Documented)]
    pub writer: WriterKind,
    /// What smp_rmb/smp_wmb are
    #[arg(long, value_enum, default_value_t = BarrierKind::Kernel)]
    pub barrier: BarrierKind,
    /// Entry format: where present, page frame and permissions sit [default: the writer's arch]
    #[arg(long, value_enum)]
    pub layout: Option<LayoutKind>,
    /// Distinct low halves a pair cycles through (small values reproduce the ABA tear) [default: the layout's most]
    #[arg(long, value_parser = value_parser!(u32).range(1..=MAX_LOW_PERIOD as i64), allow_negative_numbers = true, value_name = "N")]
    pub low_period: Option<u32>,
    /// What stands in a pair between two installs (docs/layouts.md)
    #[arg(long, value_enum, default_value_t = ClearTo::Zero)]
    pub clear_to: ClearTo,
    /// Which entry writers update and readers read: PTEs, or x86 PAE huge-page PMDs
    #[arg(long, value_enum, default_value_t = Level::Pte)]
    pub level: Level,
    /// Spin iterations (±50%) between a writer's two stores
    #[arg(long, default_value_t = 0, value_parser = value_parser!(u32).range(0..=MAX_GAP as i64), allow_negative_numbers = true, value_name = "N")]
    pub writer_gap: u32,
    /// Spin iterations (±50%) between a reader's loads
    #[arg(long, default_value_t = 0, value_parser = value_parser!(u32).range(0..=MAX_GAP as i64), allow_negative_numbers = true, value_name = "N")]
    pub reader_gap: u32,
    /// Seed for pair order and gaps [default: random; always reported]
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    pub seed: Option<u64>,
    /// Also write the JSON report (ptear/1) to this file, atomically
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Report format on stdout
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 0 when the verdict is this, 1 when not
    #[arg(long, value_enum)]
    pub expect: Option<Verdict>,
    /// Rewrite the --json file every SECS while running
    #[arg(long, value_parser = parse::duration, allow_hyphen_values = true, value_name = "SECS")]
    pub checkpoint: Option<Duration>,
    /// No progress line on stderr
    #[arg(short, long)]
    pub quiet: bool,
    /// The engine and its options.
    #[command(flatten)]
    pub kernel: KernelArgs,
}

/// `ptear selftest`'s options.
#[derive(Args, Debug)]
pub struct SelftestArgs {
    /// Keep every control run (ptear-selftest/1) in this file
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Length of each control run
    #[arg(short, long, default_value = "2s", value_parser = parse::duration, value_name = "D")]
    pub duration: Duration,
    /// Seed for the control runs [default: random; always reported]
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    pub seed: Option<u64>,
    /// Print only the verdict table
    #[arg(short, long)]
    pub quiet: bool,
    /// Output on stdout: the text table, or KTAP (the kernel's test format)
    #[arg(long, value_enum, default_value_t = SelftestFormat::Text)]
    pub format: SelftestFormat,
    /// Also write a JUnit XML report, one testcase per control, to this file
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// The engine and its options.
    #[command(flatten)]
    pub kernel: KernelArgs,
}

/// `ptear selftest --format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum SelftestFormat {
    /// The text table and verdict
    #[default]
    Text,
    /// KTAP version 1 (Documentation/dev-tools/ktap.rst): kselftest, LAVA, KernelCI
    Ktap,
}

/// `ptear report`'s options.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// JSON files written by ptear run --json or ptear selftest --json
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// A Markdown matrix table (for a CI job summary)
    #[arg(long)]
    pub markdown: bool,
    /// Also draw every run's retry histogram into this SVG file
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

impl RunArgs {
    /// The engine configuration these arguments ask for (not yet checked
    /// against the machine: see `RunConfig::check`).
    pub fn config(&self) -> Result<RunConfig, UsageError> {
        let seed = self.seed.unwrap_or_else(crate::seed::fresh_seed);
        let mut cfg = RunConfig::new(seed);
        cfg.reader = self.reader;
        cfg.writers_per_entry = self.writers_per_entry as usize;
        // Before the usize conversion, which would wrap on 32-bit.
        crate::config::check_fits(self.pairs, cfg.extra_bytes_per_pair())?;
        cfg.writer = self.writer;
        cfg.barrier = self.barrier;
        if let Some(r) = self.readers {
            cfg.readers = r as usize;
        }
        cfg.writers = self.writers as usize;
        cfg.pairs = self.pairs as usize;
        cfg.reads = self.reads;
        cfg.duration = match (self.duration, self.reads) {
            (Some(d), _) => Some(d),
            (None, Some(_)) => None,
            (None, None) => cfg.duration,
        };
        cfg.layout = self.layout;
        cfg.low_period = self.low_period;
        cfg.clear_to = self.clear_to;
        cfg.level = self.level;
        cfg.writer_gap = self.writer_gap;
        cfg.reader_gap = self.reader_gap;
        cfg.cpus = self.cpus.clone().map(|c| c.0);
        if self.checkpoint.is_some() && self.json.is_none() {
            return Err(UsageError(
                "--checkpoint needs --json PATH (the file it rewrites)".into(),
            ));
        }
        Ok(cfg)
    }
}

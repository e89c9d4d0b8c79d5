//! `ptear-hunt/1`: what `ptear hunt --json` writes (docs/json-schema.md),
//! around the `ptear/1` configuration of each configuration found. The
//! search that fills it is [`crate::hunt`].

use super::{ConfigRecord, Tool};
use serde::{Deserialize, Serialize};

/// The `schema` value of `ptear hunt --json`.
pub const HUNT_SCHEMA: &str = "ptear-hunt/1";

/// `ptear hunt --json`: every hunt of one invocation.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct HuntRecord {
    /// Always [`HUNT_SCHEMA`].
    pub schema: String,
    /// The program that hunted.
    pub tool: Tool,
    /// The hunt's seed (`--seed`).
    pub seed: u64,
    /// The budget of each hunt, in seconds.
    pub budget_s: f64,
    /// The `--exec` prefix, `null` for this executable.
    pub exec: Option<String>,
    /// Stopped by SIGINT or SIGTERM.
    pub interrupted: bool,
    /// One per hunt: one, or one per broken control.
    pub hunts: Vec<HuntResult>,
}

/// One hunt's outcome.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct HuntResult {
    /// The selftest control hunted, `null` for a hunt of the options given.
    pub control: Option<String>,
    /// The options every trial had (not searched).
    pub fixed: Vec<String>,
    /// Trials run.
    pub trials: u64,
    /// Seconds the hunt took.
    pub elapsed_s: f64,
    /// The best configuration, `null` if no trial finished.
    pub best: Option<Found>,
    /// The next best configurations, best first.
    pub runners_up: Vec<Found>,
}

/// A configuration and its measured rate.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Found {
    /// A ready-to-paste `ptear run ...` command.
    pub command: String,
    /// The searched options (the command's options beyond `fixed`).
    pub args: Vec<String>,
    /// Torn reads per second: the mean of `runs`.
    pub tears_per_s: f64,
    /// A 95% interval of the mean (Student t), `[lo, hi]`.
    pub interval: [f64; 2],
    /// Torn reads per second of each run counted.
    pub runs: Vec<f64>,
    /// The writers' cycles per second of each run counted, as `runs`.
    #[serde(default)]
    pub writer_cycles_per_s: Vec<f64>,
    /// Confirmation runs not counted (the host slowed, see
    /// [`crate::hunt::slowed::split_slowed`]), in run order.
    #[serde(default)]
    pub set_aside: Vec<RunRate>,
    /// Seconds of each counted run.
    pub run_s: f64,
    /// `runs` are confirmation runs at the end of the hunt (the best: its
    /// fresh runs after the choice; a runner-up: the runs that ranked the
    /// best three); false: the search's runs of this point.
    pub confirmed: bool,
    /// The configuration of the last run, as the child reported it.
    pub config: ConfigRecord,
}

/// One run's rates.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunRate {
    /// Torn reads per second (`totals.torn / totals.elapsed_s`).
    pub tears_per_s: f64,
    /// The writers' cycles per second (`totals.writer_cycles_per_s`).
    pub writer_cycles_per_s: f64,
}

/// What `set_aside` means: a slowed run's writer made under this share of the best writer
/// cycles/s seen at the same point ...
pub const SLOWED_WRITER: f64 = 0.7;
/// ... and it tore under this share of the median of the point's runs at
/// full speed (their writer at [`SLOWED_WRITER`] of the best or more).
pub const SLOWED_TEARS: f64 = 0.25;

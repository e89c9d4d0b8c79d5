//! `ptear-sweep/1`: what `ptear sweep --json` writes (docs/json-schema.md).
//! The grid and the summaries that fill it are [`crate::sweep`].

use super::Tool;
use crate::knob::Knob;
use serde::{Deserialize, Serialize};

/// The `schema` value of `ptear sweep --json`.
pub const SWEEP_SCHEMA: &str = "ptear-sweep/1";

/// One `--vary NAME=V1,V2,...`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vary {
    /// The knob (serialized as its option without `--`).
    pub name: Knob,
    /// Its values, in the order given.
    pub values: Vec<u64>,
}

/// `ptear sweep --json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SweepRecord {
    /// Always [`SWEEP_SCHEMA`].
    pub schema: String,
    /// The program that swept.
    pub tool: Tool,
    /// The sweep's seed: every run's seed comes from it.
    pub seed: u64,
    /// The `--exec` prefix, `null` for this executable.
    pub exec: Option<String>,
    /// The options every run had.
    pub fixed: Vec<String>,
    /// The knobs varied, in order (the first is the plot's x axis).
    pub vary: Vec<Vary>,
    /// Seconds of each run.
    pub duration_s: f64,
    /// Runs per point.
    pub repeat: u32,
    /// Stopped by SIGINT or SIGTERM.
    pub interrupted: bool,
    /// The points measured, in grid order.
    pub points: Vec<Point>,
}

/// One grid point, over its runs.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Point {
    /// The knobs' values, in `vary` order.
    pub values: Vec<u64>,
    /// Torn reads per second: all runs' torn over all runs' seconds.
    pub tears_per_s: f64,
    /// Accepted reads per second, likewise.
    pub reads_per_s: f64,
    /// Torn reads, all runs.
    pub torn: u64,
    /// Accepted reads, all runs.
    pub reads: u64,
    /// Seconds, all runs.
    pub elapsed_s: f64,
    /// Retries per read of all runs' reads: median.
    pub retries_p50: u64,
    /// 99th percentile.
    pub retries_p99: u64,
    /// Largest.
    pub retries_max: u64,
    /// Mean over the runs that tore of the time to their first tear, `null` if none did.
    pub first_torn_s: Option<f64>,
    /// Each run.
    pub runs: Vec<RunSummary>,
}

/// One run of a point.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunSummary {
    /// Its seed.
    pub seed: u64,
    /// Torn reads.
    pub torn: u64,
    /// Accepted reads.
    pub reads: u64,
    /// Seconds.
    pub elapsed_s: f64,
    /// Time to its first tear, `null` if none.
    pub first_torn_s: Option<f64>,
}

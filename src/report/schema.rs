//! `ptear/1`: the JSON report. Fields may be added within ptear/1; renaming,
//! removing or changing the meaning of one bumps the schema (see
//! docs/json-schema.md). Reader, writer and barrier are strings, not enums,
//! so reports of other builds (the sh4 C port's `synco`) read back too.

use crate::host::Host;
use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "ptear/1";
pub const SELFTEST_SCHEMA: &str = "ptear-selftest/1";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Report {
    pub schema: String,
    pub complete: bool,
    pub interrupted: bool,
    pub verdict: Verdict,
    pub tool: Tool,
    pub host: Host,
    pub config: ConfigRecord,
    pub placement: Placement,
    pub totals: Totals,
    pub readers: Vec<ReaderRecord>,
    pub retry_histogram: Vec<RetryBucket>,
    pub retry_percentiles: Percentiles,
    pub torn_samples: Vec<TornRecord>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Clean,
    Torn,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Tool {
    pub name: String,
    pub version: String,
    pub implementation: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConfigRecord {
    pub reader: String,
    pub writer: String,
    pub barrier: String,
    pub barrier_detail: String,
    pub readers: usize,
    pub writers: usize,
    pub pairs: usize,
    pub duration_s: Option<f64>,
    pub reads: Option<u64>,
    pub low_period: u32,
    pub writer_gap: u32,
    pub reader_gap: u32,
    pub seed: u64,
    pub cpus: Option<Vec<usize>>,
    pub checkpoint_s: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Placement {
    pub requested: bool,
    pub granted: bool,
    pub threads: Vec<ThreadRecord>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ThreadRecord {
    pub role: String,
    pub index: usize,
    pub cpu: Option<usize>,
    pub pinned: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Totals {
    pub reads: u64,
    pub torn: u64,
    pub not_present: u64,
    pub retries: u64,
    pub elapsed_s: f64,
    pub reads_per_s: f64,
    pub writer_cycles: u64,
    pub writer_cycles_per_s: f64,
    pub first_torn_s: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReaderRecord {
    pub index: usize,
    pub reads: u64,
    pub reads_per_s: f64,
    pub torn: u64,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct RetryBucket {
    pub retries: u64,
    pub count: u64,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Percentiles {
    pub p50: u64,
    pub p99: u64,
    pub max: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TornRecord {
    pub reader: usize,
    pub pair: usize,
    pub low: u32,
    pub high: u32,
    pub valid_high: Vec<u32>,
    pub retries: u32,
    pub t_s: f64,
}

/// `ptear selftest --json`: every control run, with its full report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SelftestRecord {
    pub schema: String,
    pub pass: bool,
    pub controls: Vec<ControlRecord>,
    /// Controls this machine cannot run meaningfully (absent in files
    /// written before the field existed).
    #[serde(default)]
    pub skipped: Vec<SkippedRecord>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SkippedRecord {
    pub name: String,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ControlRecord {
    pub name: String,
    pub expect: Verdict,
    pub pass: bool,
    pub report: Report,
}

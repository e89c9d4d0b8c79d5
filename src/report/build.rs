//! Measurement + configuration + host -> Report.

use super::schema::*;
use crate::config::{name_of, RunConfig};
use crate::engine::{Measurement, Role};
use crate::host::Host;
use crate::pte::Encoding;
use hdrhistogram::Histogram;

/// Options that are not the engine's but belong in the record.
#[derive(Clone, Debug, Default)]
pub struct Extra {
    pub checkpoint_s: Option<f64>,
}

fn per_s(n: u64, secs: f64) -> f64 {
    if secs > 0.0 {
        n as f64 / secs
    } else {
        0.0
    }
}

pub fn build(cfg: &RunConfig, extra: &Extra, host: &Host, m: &Measurement) -> Report {
    let enc = Encoding::new(cfg.low_period).expect("checked");
    let secs = m.elapsed.as_secs_f64();
    let sum =
        |f: fn(&crate::engine::stats::ReaderStats) -> u64| m.readers.iter().map(f).sum::<u64>();
    let torn = sum(|r| r.torn);

    // Exact per-reader counts merged into one histogram (off the hot path).
    let mut merged: Histogram<u64> = Histogram::new(3).expect("3 significant digits");
    let mut counts = std::collections::BTreeMap::<u64, u64>::new();
    for r in &m.readers {
        for (retries, n) in r.retry_counts() {
            *counts.entry(retries).or_default() += n;
            merged.saturating_record_n(retries, n);
        }
    }
    let max = m
        .readers
        .iter()
        .map(|r| u64::from(r.max_retries()))
        .max()
        .unwrap_or(0);

    let mut samples: Vec<_> = m
        .readers
        .iter()
        .flat_map(|r| r.samples.iter().copied())
        .collect();
    samples.sort_by_key(|s| s.at);
    samples.truncate(crate::engine::stats::MAX_SAMPLES);

    let threads: Vec<ThreadRecord> = m
        .placement
        .iter()
        .map(|p| ThreadRecord {
            role: match p.role {
                Role::Writer => "writer".into(),
                Role::Reader => "reader".into(),
            },
            index: p.index,
            cpu: p.cpu,
            pinned: p.pinned,
        })
        .collect();
    let writer_cycles = m.writer_cycles.iter().sum();

    Report {
        schema: SCHEMA.into(),
        complete: m.complete,
        interrupted: m.interrupted,
        verdict: if torn > 0 {
            Verdict::Torn
        } else {
            Verdict::Clean
        },
        tool: Tool {
            name: "ptear".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            implementation: "rust".into(),
        },
        host: host.clone(),
        config: ConfigRecord {
            reader: name_of(cfg.reader),
            writer: name_of(cfg.writer),
            barrier: name_of(cfg.barrier),
            barrier_detail: cfg.barrier_detail().into(),
            readers: cfg.readers,
            writers: cfg.writers,
            pairs: cfg.pairs,
            duration_s: cfg.duration.map(|d| d.as_secs_f64()),
            reads: cfg.reads,
            low_period: cfg.low_period,
            writer_gap: cfg.writer_gap,
            reader_gap: cfg.reader_gap,
            seed: cfg.seed,
            cpus: cfg.cpus.clone(),
            checkpoint_s: extra.checkpoint_s,
        },
        placement: Placement {
            requested: cfg.cpus.is_some(),
            granted: threads.iter().all(|t| t.cpu.is_none() || t.pinned),
            threads,
        },
        totals: Totals {
            reads: sum(|r| r.reads),
            torn,
            not_present: sum(|r| r.not_present),
            retries: sum(|r| r.retries),
            elapsed_s: secs,
            reads_per_s: per_s(sum(|r| r.reads), secs),
            writer_cycles,
            writer_cycles_per_s: per_s(writer_cycles, secs),
            first_torn_s: m
                .readers
                .iter()
                .filter_map(|r| r.first_torn)
                .min()
                .map(|d| d.as_secs_f64()),
        },
        readers: m
            .readers
            .iter()
            .enumerate()
            .map(|(index, r)| ReaderRecord {
                index,
                reads: r.reads,
                reads_per_s: per_s(r.reads, secs),
                torn: r.torn,
            })
            .collect(),
        retry_histogram: counts
            .into_iter()
            .map(|(retries, count)| RetryBucket { retries, count })
            .collect(),
        retry_percentiles: Percentiles {
            p50: merged.value_at_quantile(0.5),
            p99: merged.value_at_quantile(0.99),
            max,
        },
        torn_samples: samples
            .into_iter()
            .map(|s| TornRecord {
                reader: s.reader,
                pair: s.pair,
                low: s.pte.low,
                high: s.pte.high,
                valid_high: enc.valid_highs(s.pte),
                retries: s.retries,
                t_s: s.at.as_secs_f64(),
            })
            .collect(),
    }
}

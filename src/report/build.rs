//! Measurement + configuration + host -> Report.

use super::schema::*;
use super::stats::{per_s, retry_percentile as percentile};
use crate::config::ReaderKind;
use crate::config::{name_of, CheckedConfig};
use crate::engine::latency::{Clock, ReadLatency};
use crate::engine::Measurement;
use crate::host::Host;

/// Options that are not the engine's but belong in the record.
#[derive(Clone, Debug, Default)]
pub struct RecordedOptions {
    /// `--checkpoint` in seconds.
    pub checkpoint_s: Option<f64>,
}

/// The report of a run of `cfg` on `host` that measured `m`.
pub fn build(cfg: &CheckedConfig, extra: &RecordedOptions, host: &Host, m: &Measurement) -> Report {
    let enc = cfg.encoding();
    let secs = m.elapsed.as_secs_f64();
    let totals = totals(cfg, m, secs);
    let (retry_percentiles, retry_histogram) = retries(m);
    let samples = crate::engine::samples::merge(m.readers.iter().map(|r| &r.samples), cfg.seed);
    Report {
        schema: SCHEMA.into(),
        complete: m.complete,
        interrupted: m.interrupted,
        verdict: if totals.torn > 0 {
            Verdict::Torn
        } else {
            Verdict::Clean
        },
        tool: Tool::this(),
        host: host.clone(),
        config: ConfigRecord {
            reader: name_of(cfg.reader),
            writer: name_of(cfg.writer),
            barrier: name_of(cfg.barrier),
            barrier_detail: cfg.barrier_info().detail.into(),
            readers: cfg.readers,
            writers: cfg.writers,
            writers_per_entry: cfg.writers_per_entry,
            pairs: cfg.pairs,
            duration_s: cfg.duration.map(|d| d.as_secs_f64()),
            reads: cfg.reads,
            low_period: enc.low_period(),
            layout: name_of(cfg.layout()),
            clear_to: name_of(cfg.clear_to),
            level: name_of(cfg.level),
            writer_gap: cfg.writer_gap,
            reader_gap: cfg.reader_gap,
            seed: cfg.seed,
            cpus: cfg.cpus.clone(),
            checkpoint_s: extra.checkpoint_s,
        },
        placement: placement(cfg, m),
        totals,
        readers: m
            .readers
            .iter()
            .enumerate()
            .map(|(index, r)| ReaderRecord {
                index,
                reads: r.reads,
                reads_per_s: per_s(r.reads, secs),
                torn: r.torn,
                mixed: r.mixed,
                transient: r.transient,
            })
            .collect(),
        writers: m
            .writers
            .iter()
            .enumerate()
            .map(|(index, w)| WriterRecord {
                index,
                group: index / cfg.writers_per_entry,
                clears: w.clears,
                installs: w.installs,
            })
            .collect(),
        retry_percentiles,
        read_latency: Some(read_latency(m)),
        retry_histogram,
        torn_samples: samples
            .into_iter()
            .map(|k| torn_record(&enc, &k.sample, k.chosen.name()))
            .collect(),
        kernel: None,
    }
}

/// The readers' timed reads, merged.
fn read_latency(m: &Measurement) -> ReadLatencyRecord {
    let mut all = ReadLatency::new();
    for r in &m.readers {
        all.add(&r.latency);
    }
    let s = all.summary();
    let clock = Clock::get();
    ReadLatencyRecord {
        clock: clock.name().into(),
        sampled_every: clock.every(),
        samples: s.samples,
        p50_ns: s.p50,
        p90_ns: s.p90,
        p99_ns: s.p99,
        p999_ns: s.p999,
        max_ns: s.max,
    }
}

/// Where each thread ran.
fn placement(cfg: &CheckedConfig, m: &Measurement) -> Placement {
    let threads: Vec<ThreadRecord> = m
        .placement
        .iter()
        .map(|p| ThreadRecord {
            role: p.role,
            index: p.index,
            cpu: p.cpu,
            pinned: p.pinned,
        })
        .collect();
    Placement {
        requested: cfg.cpus.is_some(),
        granted: threads.iter().all(|t| t.cpu.is_none() || t.pinned),
        threads,
    }
}

/// The readers' and writers' counts, summed (also alone: the selftest looks
/// at them every tick of a control's run, selftest::UntilShown).
pub fn totals(cfg: &CheckedConfig, m: &Measurement, secs: f64) -> Totals {
    let sum =
        |f: fn(&crate::engine::stats::ReaderStats) -> u64| m.readers.iter().map(f).sum::<u64>();
    let torn = sum(|r| r.torn);
    let writer_cycles = m.writers.iter().map(|w| w.installs).sum();
    Totals {
        reads: sum(|r| r.reads),
        torn,
        not_present: sum(|r| r.not_present),
        retries: sum(|r| r.retries),
        inexact_retry_reads: sum(|r| r.inexact_retry_reads()),
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
        mixed: sum(|r| r.mixed),
        transient: sum(|r| r.transient),
        consequences: ConsequenceCounts::from_bits(std::array::from_fn(|b| {
            m.readers.iter().map(|r| r.consequences[b]).sum()
        })),
        families: FamilyCounts::from_array(std::array::from_fn(|f| {
            m.readers.iter().map(|r| r.families[f]).sum()
        })),
        gup_fast: (cfg.reader == ReaderKind::GupFast).then(|| {
            let (np, recheck, caught) = (
                sum(|r| r.not_present),
                sum(|r| r.fallback_recheck),
                sum(|r| r.caught),
            );
            GupFastRecord {
                accepted: sum(|r| r.reads) - np - recheck,
                fallback_not_present: np,
                fallback_recheck: recheck,
                first_wrong: caught + torn,
                caught,
                slipped: torn,
            }
        }),
    }
}

/// The readers' exact retry counts merged (off the hot path): the
/// percentiles and the histogram.
fn retries(m: &Measurement) -> (Percentiles, Vec<RetryBucket>) {
    let mut merged = std::collections::BTreeMap::<u64, u64>::new();
    for r in &m.readers {
        for (retries, n) in r.retry_counts() {
            *merged.entry(retries).or_default() += n;
        }
    }
    let counts: Vec<(u64, u64)> = merged.into_iter().collect();
    let max = m
        .readers
        .iter()
        .map(|r| u64::from(r.max_retries()))
        .max()
        .unwrap_or(0);
    let percentiles = Percentiles {
        p50: percentile(&counts, 0.5),
        p99: percentile(&counts, 0.99),
        max,
    };
    let histogram = counts
        .into_iter()
        .map(|(retries, count)| RetryBucket { retries, count })
        .collect();
    (percentiles, histogram)
}

/// One kept wrong value, with what the layout says of it.
fn torn_record(
    enc: &crate::pte::Encoding,
    s: &crate::engine::stats::TornSample,
    chosen: &str,
) -> TornRecord {
    let d = enc.decode(s.pte);
    TornRecord {
        reader: s.reader,
        pair: s.pair,
        low: s.pte.low,
        high: s.pte.high,
        valid_high: enc.valid_high(s.pte),
        retries: s.retries,
        t_s: s.at.as_secs_f64(),
        class: s.wrong.class.name().into(),
        consequences: s
            .wrong
            .consequences
            .names()
            .into_iter()
            .map(String::from)
            .collect(),
        decoded: Some(DecodedRecord {
            present: d.present,
            protnone: d.protnone,
            pfn: d.pfn,
            writable: d.writable,
            exec: d.exec,
        }),
        family: s.wrong.family.name().into(),
        chosen: chosen.into(),
        installs_during: None,
    }
}

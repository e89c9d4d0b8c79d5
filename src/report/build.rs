//! Measurement + configuration + host -> Report.

use super::schema::*;
use crate::config::ReaderKind;
use crate::config::{name_of, CheckedConfig};
use crate::engine::{Measurement, Role};
use crate::host::Host;

/// Options that are not the engine's but belong in the record.
#[derive(Clone, Debug, Default)]
pub struct Extra {
    /// `--checkpoint` in seconds.
    pub checkpoint_s: Option<f64>,
}

/// The smallest retry count r such that at least ceil(q * reads) reads
/// needed r or fewer; `counts` ascending. 0 without reads.
fn percentile(counts: &[(u64, u64)], q: f64) -> u64 {
    let total: u64 = counts.iter().map(|c| c.1).sum();
    let rank = ((q * total as f64).ceil() as u64).max(1);
    let mut seen = 0;
    for &(retries, n) in counts {
        seen += n;
        if seen >= rank {
            return retries;
        }
    }
    0
}

fn per_s(n: u64, secs: f64) -> f64 {
    if secs > 0.0 {
        n as f64 / secs
    } else {
        0.0
    }
}

/// The report of a run of `cfg` on `host` that measured `m`.
pub fn build(cfg: &CheckedConfig, extra: &Extra, host: &Host, m: &Measurement) -> Report {
    let enc = cfg.encoding();
    let secs = m.elapsed.as_secs_f64();
    let sum =
        |f: fn(&crate::engine::stats::ReaderStats) -> u64| m.readers.iter().map(f).sum::<u64>();
    let torn = sum(|r| r.torn);

    // Exact per-reader counts merged (off the hot path).
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

    let samples = crate::engine::samples::merge(m.readers.iter().map(|r| &r.samples), cfg.seed);

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
    let writer_cycles = m.writers.iter().map(|w| w.installs).sum();

    Report {
        schema: SCHEMA.into(),
        complete: m.complete,
        interrupted: m.interrupted,
        verdict: if torn > 0 {
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
        retry_percentiles: Percentiles {
            p50: percentile(&counts, 0.5),
            p99: percentile(&counts, 0.99),
            max,
        },
        retry_histogram: counts
            .into_iter()
            .map(|(retries, count)| RetryBucket { retries, count })
            .collect(),
        torn_samples: samples
            .into_iter()
            .map(|k| (k.sample, k.chosen))
            .map(|(s, chosen)| TornRecord {
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
                decoded: Some({
                    let d = enc.decode(s.pte);
                    DecodedRecord {
                        present: d.present,
                        protnone: d.protnone,
                        pfn: d.pfn,
                        writable: d.writable,
                        exec: d.exec,
                    }
                }),
                family: s.wrong.family.name().into(),
                chosen: chosen.name().into(),
                installs_during: None,
            })
            .collect(),
        kernel: None,
    }
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_are_exact_ranks() {
        let h = [(0, 98), (3, 1), (1000, 1)];
        assert_eq!(percentile(&h, 0.5), 0);
        assert_eq!(percentile(&h, 0.98), 0);
        assert_eq!(percentile(&h, 0.99), 3);
        assert_eq!(percentile(&h, 1.0), 1000);
        assert_eq!(percentile(&[], 0.5), 0);
        assert_eq!(percentile(&[(7, 1)], 0.5), 7);
    }
}

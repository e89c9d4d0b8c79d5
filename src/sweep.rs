//! `ptear sweep`: a grid of knob values, each point a few short child runs
//! (see [`crate::trial`]), summarised as tears/s, reads/s, retry
//! percentiles and time to the first tear: the `--vary` grid and the
//! summaries. Its JSON, `ptear-sweep/1`, is [`crate::report::sweep_schema`];
//! its table and plot panels [`crate::export::sweep`].

use crate::knob::Knob;
use crate::report::stats::{per_s, retry_percentile};
pub use crate::report::sweep_schema::{Point, RunSummary, SweepRecord, Vary, SWEEP_SCHEMA};
use crate::report::SCHEMA;
use crate::trial::Trial;
use std::collections::BTreeMap;

/// Most values one `--vary` may list, and most points in a grid.
pub const MAX_VALUES: usize = 64;
/// Most points in a grid.
pub const MAX_POINTS: usize = 1000;

/// Parses `NAME=V1,V2,...` (one line of error for clap).
pub fn parse_vary(s: &str) -> Result<Vary, String> {
    let (name, list) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}' is not NAME=V1,V2,... (e.g. reader-gap=0,100,1000)"))?;
    let name = name.trim();
    let Some(knob) = Knob::from_name(name) else {
        let all: Vec<&str> = Knob::ALL.iter().map(|k| k.name()).collect();
        return Err(format!("cannot vary '{name}' (one of: {})", all.join(", ")));
    };
    let mut values = Vec::new();
    for v in list.split(',') {
        let v = v.trim();
        let n: u64 = v
            .parse()
            .map_err(|_| format!("'{v}' in {name}= is not a non-negative integer"))?;
        if values.contains(&n) {
            return Err(format!("{name}={n} is listed twice"));
        }
        values.push(n);
    }
    if values.len() > MAX_VALUES {
        return Err(format!("{name}= has more than {MAX_VALUES} values"));
    }
    Ok(Vary { name: knob, values })
}

/// Every point of the grid, the first knob varying fastest.
pub fn grid(vary: &[Vary]) -> Result<Vec<Vec<u64>>, String> {
    for (i, v) in vary.iter().enumerate() {
        if vary[..i].iter().any(|w| w.name == v.name) {
            return Err(format!("--vary {} is given twice", v.name));
        }
    }
    let total = vary
        .iter()
        .try_fold(1usize, |acc, v| acc.checked_mul(v.values.len()))
        .unwrap_or(usize::MAX);
    if total > MAX_POINTS {
        return Err(format!(
            "the grid has {total} points, more than {MAX_POINTS}"
        ));
    }
    let mut out: Vec<Vec<u64>> = vec![vec![]];
    for v in vary.iter().rev() {
        out = out
            .into_iter()
            .flat_map(|rest| {
                v.values.iter().map(move |&x| {
                    let mut p = vec![x];
                    p.extend(&rest);
                    p
                })
            })
            .collect();
    }
    // The first knob varies fastest, each in the order given.
    let order = |p: &Vec<u64>| {
        p.iter()
            .zip(vary)
            .map(|(x, v)| v.values.iter().position(|y| y == x).unwrap_or(0))
            .rev()
            .collect::<Vec<_>>()
    };
    out.sort_by_key(order);
    Ok(out)
}

/// The summary of one point's trials.
pub fn point(values: Vec<u64>, trials: &[(u64, Trial)]) -> Point {
    let mut hist = BTreeMap::new();
    let (mut torn, mut reads, mut secs) = (0, 0, 0.0);
    let mut firsts = Vec::new();
    let mut runs = Vec::new();
    for (seed, t) in trials {
        let r = &t.report;
        debug_assert_eq!(r.schema, SCHEMA);
        torn += r.totals.torn;
        reads += r.totals.reads;
        secs += r.totals.elapsed_s;
        for b in &r.retry_histogram {
            *hist.entry(b.retries).or_insert(0) += b.count;
        }
        firsts.extend(r.totals.first_torn_s);
        runs.push(RunSummary {
            seed: *seed,
            torn: r.totals.torn,
            reads: r.totals.reads,
            elapsed_s: r.totals.elapsed_s,
            first_torn_s: r.totals.first_torn_s,
        });
    }
    let counts: Vec<(u64, u64)> = hist.iter().map(|(&r, &n)| (r, n)).collect();
    Point {
        values,
        tears_per_s: per_s(torn, secs),
        reads_per_s: per_s(reads, secs),
        torn,
        reads,
        elapsed_s: secs,
        retries_p50: retry_percentile(&counts, 0.5),
        retries_p99: retry_percentile(&counts, 0.99),
        retries_max: hist.keys().next_back().copied().unwrap_or(0),
        first_torn_s: (!firsts.is_empty())
            .then(|| firsts.iter().sum::<f64>() / firsts.len() as f64),
        runs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let v = parse_vary("reader-gap=0,10,100").unwrap();
        assert_eq!(v.values, vec![0, 10, 100]);
        for bad in [
            "reader-gap",
            "gap=1",
            "reader-gap=",
            "reader-gap=1,,2",
            "reader-gap=-1",
            "reader-gap=1,1",
            "reader-gap=x",
        ] {
            assert!(parse_vary(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn grid_order_first_fastest() {
        let a = parse_vary("reader-gap=0,10").unwrap();
        let b = parse_vary("writer-gap=5,1").unwrap();
        let g = grid(&[a.clone(), b]).unwrap();
        assert_eq!(g, vec![vec![0, 5], vec![10, 5], vec![0, 1], vec![10, 1]]);
        assert!(grid(&[a.clone(), a]).is_err());
    }
}

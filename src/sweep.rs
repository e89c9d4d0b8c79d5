//! `ptear sweep`: a grid of knob values, each point a few short child runs
//! (see [`crate::hunt::trial`]), summarised as tears/s, reads/s, retry
//! percentiles and time to the first tear; `ptear-sweep/1` in JSON.

use crate::export::plot::{Panel, Series};
use crate::hunt::trial::Trial;
use crate::knob::Knob;
use crate::report::stats::{per_s, retry_percentile};
use crate::report::{Tool, SCHEMA};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `schema` value of `ptear sweep --json`.
pub const SWEEP_SCHEMA: &str = "ptear-sweep/1";

/// Most values one `--vary` may list, and most points in a grid.
pub const MAX_VALUES: usize = 64;
/// Most points in a grid.
pub const MAX_POINTS: usize = 1000;

/// One `--vary NAME=V1,V2,...`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vary {
    /// The knob (serialized as its option without `--`).
    pub name: Knob,
    /// Its values, in the order given.
    pub values: Vec<u64>,
}

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

/// The table: one row per point.
pub fn table(rec: &SweepRecord) -> String {
    use crate::export::text::si;
    use std::fmt::Write;
    let mut o = String::new();
    for v in &rec.vary {
        let _ = write!(o, "{:>12} ", v.name);
    }
    let _ = writeln!(
        o,
        "{:>12} {:>12} {:>8} {:>8} {:>8} {:>12}",
        "torn/s", "reads/s", "ret p50", "ret p99", "ret max", "first tear"
    );
    for p in &rec.points {
        for x in &p.values {
            let _ = write!(o, "{x:>12} ");
        }
        let _ = writeln!(
            o,
            "{:>12} {:>12} {:>8} {:>8} {:>8} {:>12}",
            si(p.tears_per_s).trim_end(),
            si(p.reads_per_s).trim_end(),
            p.retries_p50,
            p.retries_p99,
            p.retries_max,
            p.first_torn_s.map_or("-".into(), |t| format!("{:.4} s", t))
        );
    }
    o
}

/// The two panels of the plot: tears/s and reads/s against the first
/// knob, one line per combination of the others' values.
pub fn panels(rec: &SweepRecord) -> Vec<Panel> {
    let Some(x) = rec.vary.first() else {
        return Vec::new();
    };
    let mut lines: Vec<(Vec<u64>, Vec<&Point>)> = Vec::new();
    for p in &rec.points {
        let rest = p.values[1..].to_vec();
        match lines.iter_mut().find(|(r, _)| *r == rest) {
            Some((_, v)) => v.push(p),
            None => lines.push((rest, vec![p])),
        }
    }
    let label = |rest: &[u64]| {
        if rest.is_empty() {
            "all runs".to_owned()
        } else {
            rest.iter()
                .zip(&rec.vary[1..])
                .map(|(v, k)| format!("{}={v}", k.name))
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    // A run's own rate: the band around a point's line is its runs' spread.
    let per_run = |p: &Point, f: &dyn Fn(&RunSummary) -> u64| -> (f64, f64) {
        p.runs
            .iter()
            .map(|r| per_s(f(r), r.elapsed_s))
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            })
    };
    type Of<'a> = &'a dyn Fn(&RunSummary) -> u64;
    let make = |title: &str, y: &str, f: &dyn Fn(&Point) -> f64, of: Of<'_>| Panel {
        title: title.to_owned(),
        x_label: x.name.to_string(),
        y_label: y.to_owned(),
        series: lines
            .iter()
            .enumerate()
            .map(|(i, (rest, pts))| Series {
                label: label(rest),
                colour: i,
                points: pts.iter().map(|p| (p.values[0] as f64, f(p))).collect(),
                band: if rec.repeat > 1 {
                    pts.iter()
                        .map(|p| {
                            let (lo, hi) = per_run(p, of);
                            (p.values[0] as f64, lo, hi)
                        })
                        .collect()
                } else {
                    Vec::new()
                },
            })
            .collect(),
        own_axes: false,
    };
    vec![
        make(
            "torn reads per second (band: the repeats' min to max)",
            "tears/s",
            &|p| p.tears_per_s,
            &|r| r.torn,
        ),
        make(
            "accepted reads per second (band: the repeats' min to max)",
            "reads/s",
            &|p| p.reads_per_s,
            &|r| r.reads,
        ),
    ]
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

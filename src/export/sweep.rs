//! `ptear sweep`'s text table and plot panels, from its `ptear-sweep/1`
//! record.

use super::plot::{Panel, Series};
use crate::report::stats::per_s;
use crate::report::sweep_schema::{Point, RunSummary, SweepRecord};

/// The table: one row per point.
pub fn table(rec: &SweepRecord) -> String {
    use super::text::si;
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

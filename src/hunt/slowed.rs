//! The slowed-run statistics of a hunt's confirmation: which runs the
//! host slowed (set aside, see [`split_slowed`]), the median, and a mean's
//! 95% interval.

use crate::report::hunt_schema::{RunRate, SLOWED_TEARS, SLOWED_WRITER};

/// The median of `xs` (0 for none).
pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Splits confirmation runs of a point into those counted and those set
/// aside, each in run order; `point` is every run made there, search
/// runs included. A run is set aside when both its writer made under
/// [`SLOWED_WRITER`] of the most of any run at the point and it tore under
/// [`SLOWED_TEARS`] of the median of the point's full-speed runs: the
/// machine, not the race, changed. Either alone is no evidence: unpinned
/// runs' writer rates spread 163-478 M cycles/s with tears within 3x of
/// each other, and few tears is also just noise at low counts. The
/// full-speed runs, not the runs judged, set the yardstick, so a host that
/// stays slowed for the whole confirmation is still seen (qemu-mipsel,
/// BENCHMARKS.md: one run of 508 k, then four of 1 k). If that would
/// leave none counted, the judged runs are their own yardstick (the
/// fastest of them is always counted).
pub fn split_slowed(judged: &[RunRate], point: &[RunRate]) -> (Vec<RunRate>, Vec<RunRate>) {
    match split_by(judged, point) {
        (counted, _) if counted.is_empty() => split_by(judged, judged),
        split => split,
    }
}

fn split_by(judged: &[RunRate], point: &[RunRate]) -> (Vec<RunRate>, Vec<RunRate>) {
    let best = point
        .iter()
        .map(|r| r.writer_cycles_per_s)
        .fold(0.0, f64::max);
    let full: Vec<f64> = point
        .iter()
        .filter(|r| r.writer_cycles_per_s >= SLOWED_WRITER * best)
        .map(|r| r.tears_per_s)
        .collect();
    let yardstick = SLOWED_TEARS * median(&full);
    judged
        .iter()
        .partition(|r| r.writer_cycles_per_s >= SLOWED_WRITER * best || r.tears_per_s >= yardstick)
}

/// How a finalist ranks: the slowest and the mean tears/s of its runs
/// not set aside.
pub fn finalist_score(runs: &[RunRate], point: &[RunRate]) -> (f64, f64) {
    let tears: Vec<f64> = split_slowed(runs, point)
        .0
        .iter()
        .map(|r| r.tears_per_s)
        .collect();
    (
        tears.iter().copied().fold(f64::INFINITY, f64::min),
        interval(&tears).0,
    )
}

/// Mean and 95% interval (Student t) of `xs`.
pub fn interval(xs: &[f64]) -> (f64, [f64; 2]) {
    let n = xs.len();
    if n == 0 {
        return (0.0, [0.0, 0.0]);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return (mean, [mean, mean]);
    }
    const T: [f64; 9] = [12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26];
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = T.get(n - 2).copied().unwrap_or(1.96);
    let half = t * (var / n as f64).sqrt();
    (mean, [(mean - half).max(0.0), mean + half])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(interval(&[]), (0.0, [0.0, 0.0]));
        assert_eq!(interval(&[4.0]), (4.0, [4.0, 4.0]));
        let (m, [lo, hi]) = interval(&[1.0, 2.0, 3.0]);
        assert!((m - 2.0).abs() < 1e-12);
        assert!((hi - m - 4.30 / 3f64.sqrt()).abs() < 1e-9 && lo < m);
    }

    fn runs(v: &[(f64, f64)]) -> Vec<RunRate> {
        v.iter()
            .map(|&(t, w)| RunRate {
                tears_per_s: t * 1e3,
                writer_cycles_per_s: w * 1e6,
            })
            .collect()
    }

    #[test]
    fn slowed_runs_are_set_aside() {
        // Measured (BENCHMARKS.md): one x86-64 ABA point's confirmation
        // runs, k tears/s and M writer cycles/s, one in the slow state.
        let r = runs(&[(1.4, 195.0), (404.0, 390.0), (418.0, 400.0), (402.0, 380.0)]);
        let (counted, aside) = split_slowed(&r, &r);
        assert_eq!(aside, r[..1]);
        assert_eq!(counted, r[1..]);
    }

    #[test]
    fn a_host_slowed_for_the_whole_confirmation_is_seen() {
        // Measured under qemu-mipsel: the search's runs at full speed, then
        // the confirmation's, the host slowed after the first (k tears/s,
        // M writer cycles/s).
        let search = runs(&[
            (1100.0, 72.0),
            (1230.0, 73.0),
            (1190.0, 72.0),
            (980.0, 71.0),
        ]);
        let confirm = runs(&[(508.3, 50.0), (0.8, 35.0), (0.9, 35.0), (1.0, 34.0)]);
        let point: Vec<RunRate> = search.iter().chain(&confirm).copied().collect();
        let (counted, aside) = split_slowed(&confirm, &point);
        assert_eq!(counted, confirm[..1]);
        assert_eq!(aside, confirm[1..]);
        // Judged by themselves they would all count: the median is slow.
        assert!(split_slowed(&confirm, &confirm).1.is_empty());
        // Slowed throughout: then the confirmation is its own yardstick, and
        // of the runs slowed further still only those are set aside.
        let confirm = runs(&[(60.0, 210.0), (0.0, 94.0), (57.0, 215.0), (61.0, 212.0)]);
        let search = runs(&[(270.0, 450.0), (265.0, 458.0)]);
        let point: Vec<RunRate> = search.iter().chain(&confirm).copied().collect();
        let (counted, aside) = split_slowed(&confirm, &point);
        assert_eq!(aside, confirm[1..2]);
        assert_eq!(counted.len(), 3);
    }

    #[test]
    fn normal_spread_is_counted() {
        // Measured: an unpinned ABA point's runs, the writer's rate spread
        // 3x by placement while tears stayed within 3x.
        let r = runs(&[
            (115.5, 289.0),
            (138.7, 422.0),
            (88.1, 478.0),
            (58.4, 214.0),
            (91.2, 163.0),
        ]);
        assert_eq!(split_slowed(&r, &r), (r.clone(), vec![]));
        // Few tears at full writer speed: noise, not a slowed host.
        let r = runs(&[(0.0, 400.0), (0.002, 398.0), (0.01, 401.0)]);
        assert_eq!(split_slowed(&r, &r).1, vec![]);
        // No tears at all: nothing to compare.
        let r = runs(&[(0.0, 100.0), (0.0, 400.0)]);
        assert_eq!(split_slowed(&r, &r).1, vec![]);
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }
}

//! SVG charts (plotters, SVG backend, no system libraries): line charts of
//! one or more panels sharing an x axis. An axis whose positive values span
//! two decades or more is logarithmic; zeros then sit one decade below the
//! smallest positive value, on a tick labelled `0`.

use plotters::prelude::*;
use std::path::Path;

/// One line: a label for the legend and its points (x, y).
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Points, in drawing order.
    pub points: Vec<(f64, f64)>,
}

/// One chart of the figure.
#[derive(Clone, Debug)]
pub struct Panel {
    /// Title above the chart.
    pub title: String,
    /// The x axis' name.
    pub x_label: String,
    /// The y axis' name.
    pub y_label: String,
    /// Its lines.
    pub series: Vec<Series>,
}

/// How values map to a chart coordinate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scale {
    /// Coordinate = value, over `[lo, hi]`.
    Linear {
        /// Lowest coordinate.
        lo: f64,
        /// Highest coordinate.
        hi: f64,
    },
    /// Coordinate = log10(value), zeros at `zero`, over `[zero or lo, hi]`.
    Log {
        /// Exponent of the lowest decade shown.
        lo: f64,
        /// Exponent of the highest decade shown.
        hi: f64,
        /// Where zeros are drawn, when there are any.
        zero: Option<f64>,
    },
}

impl Scale {
    /// The scale for these values: logarithmic when the positive ones span
    /// two decades or more.
    pub fn of(values: &[f64]) -> Scale {
        let pos: Vec<f64> = values
            .iter()
            .copied()
            .filter(|v| *v > 0.0 && v.is_finite())
            .collect();
        let has_zero = values.iter().any(|v| *v <= 0.0);
        let (mn, mx) = pos
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
        if pos.is_empty() {
            return Scale::Linear { lo: 0.0, hi: 1.0 };
        }
        if mx / mn >= 100.0 {
            let lo = mn.log10().floor();
            let hi = mx.log10().ceil().max(lo + 1.0);
            let zero = has_zero.then_some(lo - 1.0);
            return Scale::Log {
                lo: zero.unwrap_or(lo),
                hi,
                zero,
            };
        }
        let lo = if has_zero || mn < mx * 0.5 {
            0.0
        } else {
            mn * 0.9
        };
        let hi = if mx > lo { mx * 1.08 } else { lo + 1.0 };
        Scale::Linear { lo, hi }
    }

    /// The chart coordinate of `v`.
    pub fn map(&self, v: f64) -> f64 {
        match *self {
            Scale::Linear { .. } => v,
            Scale::Log { zero, lo, .. } => {
                if v > 0.0 {
                    v.log10()
                } else {
                    zero.unwrap_or(lo)
                }
            }
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        match *self {
            Scale::Linear { lo, hi } => lo..hi,
            Scale::Log { lo, hi, .. } => lo - 0.05..hi + 0.05,
        }
    }

    fn ticks(&self) -> usize {
        match *self {
            Scale::Linear { .. } => 6,
            Scale::Log { lo, hi, .. } => (hi - lo) as usize + 1,
        }
    }

    /// The label of coordinate `c`: the value, `0` at the zero position,
    /// nothing between decades.
    pub fn label(&self, c: f64) -> String {
        match *self {
            Scale::Linear { .. } => number(c),
            Scale::Log { zero, .. } => {
                if zero.is_some_and(|z| (c - z).abs() < 0.02) {
                    "0".into()
                } else if (c - c.round()).abs() < 0.02 {
                    number(10f64.powi(c.round() as i32))
                } else {
                    String::new()
                }
            }
        }
    }

    /// Whether the scale is logarithmic.
    pub fn is_log(&self) -> bool {
        matches!(self, Scale::Log { .. })
    }
}

/// `1.5k`, `20M`, `0.01`: short, for tick labels.
pub fn number(v: f64) -> String {
    let a = v.abs();
    let (d, suffix) = match a {
        a if a >= 1e9 => (1e9, "G"),
        a if a >= 1e6 => (1e6, "M"),
        a if a >= 1e3 => (1e3, "k"),
        _ => (1.0, ""),
    };
    let x = v / d;
    let s = if a == 0.0 {
        "0".to_owned()
    } else if a < 1e-3 {
        format!("{v:.0e}")
    } else if a < 1.0 {
        format!("{}", (v * 1000.0).round() / 1000.0)
    } else if (x - x.round()).abs() < 1e-9 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    };
    format!("{s}{suffix}")
}

/// A colour per series, distinguishable and dark enough on white.
pub fn colour(i: usize) -> RGBColor {
    const C: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
        RGBColor(255, 127, 14),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(23, 190, 207),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
    ];
    C[i % C.len()]
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Draws `panels` one above the other into an SVG file at `path`, with
/// `title` above them. Each series is one polyline of stroke width 2 (axes
/// and grid lines have width 1), with markers and a legend entry.
pub fn write_svg(path: &Path, title: &str, panels: &[Panel]) -> std::io::Result<()> {
    let svg = render_svg(title, panels).map_err(|e| std::io::Error::other(e.to_string()))?;
    super::file::replace(path, svg.as_bytes())
}

/// The SVG text of [`write_svg`].
pub fn render_svg(title: &str, panels: &[Panel]) -> Result<String, Box<dyn std::error::Error>> {
    let mut out = String::new();
    let height = 60 + 440 * panels.len().max(1) as u32;
    {
        let root = SVGBackend::with_string(&mut out, (1000, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(title, ("sans-serif", 22))?;
        let areas = root.split_evenly((panels.len().max(1), 1));
        for (panel, area) in panels.iter().zip(areas.iter()) {
            draw_panel(area, panel)?;
        }
        root.present()?;
    }
    Ok(out)
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    p: &Panel,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let xs: Vec<f64> = p
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|q| q.0))
        .collect();
    let ys: Vec<f64> = p
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|q| q.1))
        .collect();
    let (sx, sy) = (Scale::of(&xs), Scale::of(&ys));
    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(sx.range(), sy.range())?;
    let x_desc = format!("{}{}", p.x_label, if sx.is_log() { " (log)" } else { "" });
    let y_desc = format!("{}{}", p.y_label, if sy.is_log() { " (log)" } else { "" });
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(sx.ticks().max(2) * if sx.is_log() { 1 } else { 2 })
        .y_labels(sy.ticks().max(2) * if sy.is_log() { 1 } else { 2 })
        .x_label_formatter(&|c| sx.label(*c))
        .y_label_formatter(&|c| sy.label(*c))
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 15))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.12))
        .draw()?;
    for (i, s) in p.series.iter().enumerate() {
        let c = colour(i);
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .map(|&(x, y)| (sx.map(x), sy.map(y)))
            .collect();
        chart
            .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))?
            .label(s.label.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 4), (x + 16, y + 4)], c.filled()));
        chart.draw_series(pts.iter().map(|&q| Circle::new(q, 3, c.filled())))?;
    }
    if !p.series.is_empty() {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .label_font(("sans-serif", 13))
            .draw()?;
    }
    Ok(())
}

/// The label of a run's histogram: name, arch, CPU, reader, writer, barrier.
pub fn run_label(name: &str, r: &crate::report::Report) -> String {
    let c = &r.config;
    let cpu: String = r.host.cpu_model.chars().take(32).collect();
    format!(
        "{name}: {} {cpu} | {} / {} / {}",
        r.host.arch, c.reader, c.writer, c.barrier
    )
}

/// `ptear report --plot`: every run's retry histogram (share of reads by
/// retries per read, log scales), one line per run. `files` are the input
/// files and their runs: files of one run each share one chart; when a
/// file holds several (a selftest file: one arch's controls), each file
/// gets its own chart.
pub fn histograms(
    path: &Path,
    files: &[(String, Vec<(String, &crate::report::Report)>)],
) -> std::io::Result<()> {
    let series = |runs: &[(String, &crate::report::Report)]| -> Vec<Series> {
        runs.iter()
            .map(|(name, r)| {
                let total: u64 = r.retry_histogram.iter().map(|b| b.count).sum();
                Series {
                    label: run_label(name, r),
                    points: r
                        .retry_histogram
                        .iter()
                        .filter(|b| b.count > 0)
                        .map(|b| (b.retries as f64, b.count as f64 / total.max(1) as f64))
                        .collect(),
                }
            })
            .collect()
    };
    let panel = |title: String, s: Vec<Series>| Panel {
        title,
        x_label: "retries of a read".into(),
        y_label: "share of reads".into(),
        series: s,
    };
    let n: usize = files.iter().map(|f| f.1.len()).sum();
    let panels: Vec<Panel> = if files.iter().all(|f| f.1.len() <= 1) {
        let all: Vec<(String, &crate::report::Report)> =
            files.iter().flat_map(|f| f.1.iter().cloned()).collect();
        vec![panel("retries per accepted read".into(), series(&all))]
    } else {
        files
            .iter()
            .map(|(file, runs)| {
                let host = runs.first().map_or(String::new(), |(_, r)| {
                    format!(": {} {}", r.host.arch, r.host.cpu_model)
                });
                panel(format!("{file}{host}"), series(runs))
            })
            .collect()
    };
    write_svg(
        path,
        &format!("ptear retry histograms, {n} run(s)"),
        &panels,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales() {
        assert!(!Scale::of(&[1.0, 2.0, 3.0]).is_log());
        let s = Scale::of(&[0.0, 10.0, 100.0, 10000.0]);
        assert_eq!(
            s,
            Scale::Log {
                lo: 0.0,
                hi: 4.0,
                zero: Some(0.0)
            }
        );
        assert_eq!(s.map(0.0), 0.0);
        assert_eq!(s.label(0.0), "0");
        assert_eq!(s.label(3.0), "1k");
        assert_eq!(s.label(2.5), "");
        assert_eq!(number(1500.0), "1.5k");
        assert_eq!(number(0.01), "0.01");
    }

    #[test]
    fn one_polyline_per_series() {
        let panel = Panel {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: (0..3)
                .map(|i| Series {
                    label: format!("s{i}"),
                    points: if i == 2 {
                        vec![(0.0, 1.0)]
                    } else {
                        vec![(0.0, 1.0), (10.0, 100.0 * i as f64), (1000.0, 5.0)]
                    },
                })
                .collect(),
        };
        let svg = render_svg("title", &[panel]).unwrap();
        assert_eq!(svg.matches(r#"stroke-width="2""#).count(), 3);
    }
}

//! SVG charts (plotters, SVG backend, no system libraries): line charts of
//! one or more panels sharing an x axis. An axis whose positive values span
//! two decades or more is logarithmic; zeros then sit one decade below the
//! smallest positive value, on a tick labelled `0`.

use plotters::prelude::*;
use std::path::Path;

/// One line: a label for the legend, its colour and its points (x, y),
/// with an optional band around it (x, low, high: the repeats' spread).
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Index into the palette ([`colour`]): the same index is the same
    /// colour in every panel of a page, and one legend entry.
    pub colour: usize,
    /// Points, in drawing order.
    pub points: Vec<(f64, f64)>,
    /// A band drawn under the line, filled: (x, low, high), in x order;
    /// empty for none.
    pub band: Vec<(f64, f64, f64)>,
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
    /// Its own axes, whatever the page shares (a panel of other units).
    pub own_axes: bool,
}

/// A page of small multiples: panels in a grid, read row by row, one
/// legend for all of them below the grid (never over the data).
#[derive(Clone, Debug)]
pub struct Page {
    /// Above everything.
    pub title: String,
    /// The charts.
    pub panels: Vec<Panel>,
    /// Panels per row.
    pub columns: usize,
    /// Every panel gets the same x range (the union of theirs).
    pub share_x: bool,
    /// Every panel gets the same y range.
    pub share_y: bool,
    /// The legend: (label, palette index), in order.
    pub legend: Vec<(String, usize)>,
}

/// Pixels: page width for one column, each further column's, a panel's
/// height in a one-column and a several-column grid, a legend row, the title.
const WIDTH_1: u32 = 1000;
const COLUMN_W: u32 = 340;
const PANEL_H_1: u32 = 380;
const PANEL_H: u32 = 270;
const LEGEND_ROW: u32 = 20;
const LEGEND_COL_W: u32 = 330;
const TITLE_H: u32 = 40;

impl Page {
    /// The page's size in pixels.
    pub fn size(&self) -> (u32, u32) {
        let n = self.panels.len().max(1);
        let cols = self.columns.clamp(1, n) as u32;
        let rows = n.div_ceil(cols as usize) as u32;
        let width = WIDTH_1.max(cols * COLUMN_W);
        // Many rows get shorter panels: the grid stays within about 1600 px.
        let panel_h = match cols {
            1 => PANEL_H_1,
            _ => PANEL_H.min((1600 / rows).max(170)),
        };
        (width, TITLE_H + rows * panel_h + self.legend_height(width))
    }

    /// Legend columns: as many as fit labels of the longest one's length
    /// (about 7 px a character at 13 px), whole labels where they fit.
    fn legend_columns(&self, width: u32) -> usize {
        let longest = self.legend.iter().map(|l| l.0.chars().count()).max();
        let col = (longest.unwrap_or(0) as u32 * 7 + 40).clamp(LEGEND_COL_W, width);
        (width / col).max(1) as usize
    }

    fn legend_height(&self, width: u32) -> u32 {
        if self.legend.is_empty() {
            return 0;
        }
        let rows = self.legend.len().div_ceil(self.legend_columns(width)) as u32;
        16 + rows * LEGEND_ROW
    }
}

/// `text` cut to `n` characters, with an ellipsis when cut.
fn fit(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(n.saturating_sub(1)).collect();
    s.push('…');
    s
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

/// A colour per palette index: ten strong colours, then ten lighter
/// ones, then again.
pub fn colour(i: usize) -> RGBColor {
    const C: [RGBColor; 20] = [
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
        RGBColor(120, 170, 220),
        RGBColor(240, 130, 120),
        RGBColor(130, 210, 110),
        RGBColor(190, 160, 220),
        RGBColor(250, 180, 100),
        RGBColor(190, 150, 140),
        RGBColor(240, 170, 210),
        RGBColor(120, 210, 220),
        RGBColor(180, 180, 180),
        RGBColor(210, 210, 120),
    ];
    C[i % C.len()]
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Draws `panels` one above the other into an SVG file at `path`, with
/// `title` above them and one legend below (the series' labels, by colour).
/// Each series is one polyline of stroke width 2 (axes and grid lines
/// have width 1), with markers.
pub fn write_svg(path: &Path, title: &str, panels: &[Panel]) -> std::io::Result<()> {
    let svg = render_svg(title, panels).map_err(|e| std::io::Error::other(e.to_string()))?;
    super::file::replace(path, svg.as_bytes())
}

/// The legend of these panels: each colour once, with its first label.
pub fn legend_of(panels: &[Panel]) -> Vec<(String, usize)> {
    let mut legend: Vec<(String, usize)> = Vec::new();
    for s in panels.iter().flat_map(|p| &p.series) {
        if !legend.iter().any(|(_, c)| *c == s.colour) {
            legend.push((s.label.clone(), s.colour));
        }
    }
    legend
}

/// The SVG text of [`write_svg`]: a one-column page, each panel its own axes.
pub fn render_svg(title: &str, panels: &[Panel]) -> Result<String, Box<dyn std::error::Error>> {
    render_page(&Page {
        title: title.to_owned(),
        panels: panels.to_vec(),
        columns: 1,
        share_x: false,
        share_y: false,
        legend: legend_of(panels),
    })
}

/// Writes a page into an SVG file.
pub fn write_page(path: &Path, page: &Page) -> std::io::Result<()> {
    let svg = render_page(page).map_err(|e| std::io::Error::other(e.to_string()))?;
    super::file::replace(path, svg.as_bytes())
}

/// Every x of these panels' points and bands.
fn xs_of(ps: &[&Panel]) -> Vec<f64> {
    let s = ps.iter().flat_map(|p| &p.series);
    s.flat_map(|s| {
        s.points
            .iter()
            .map(|q| q.0)
            .chain(s.band.iter().map(|b| b.0))
    })
    .collect()
}

/// Every y of these panels' points and bands.
fn ys_of(ps: &[&Panel]) -> Vec<f64> {
    let s = ps.iter().flat_map(|p| &p.series);
    s.flat_map(|s| {
        let band = s.band.iter().flat_map(|b| [b.1, b.2]);
        s.points.iter().map(|q| q.1).chain(band)
    })
    .collect()
}

/// The SVG text of a page ([`Page`]).
pub fn render_page(page: &Page) -> Result<String, Box<dyn std::error::Error>> {
    let mut out = String::new();
    let (width, height) = page.size();
    let n = page.panels.len().max(1);
    let cols = page.columns.clamp(1, n);
    let rows = n.div_ceil(cols);
    let every: Vec<&Panel> = page.panels.iter().filter(|p| !p.own_axes).collect();
    let (gx, gy) = (Scale::of(&xs_of(&every)), Scale::of(&ys_of(&every)));
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let (top, rest) = root.split_vertically(TITLE_H);
        top.draw(&Text::new(
            fit(&page.title, (width / 10) as usize),
            (14, 12),
            ("sans-serif", 19).into_font(),
        ))?;
        let panel_h = (height - TITLE_H - page.legend_height(width)) / rows as u32;
        let (grid, legend) = rest.split_vertically(panel_h * rows as u32);
        let areas = grid.split_evenly((rows, cols));
        for (i, (panel, area)) in page.panels.iter().zip(areas.iter()).enumerate() {
            let sx = if page.share_x && !panel.own_axes {
                gx
            } else {
                Scale::of(&xs_of(&[panel]))
            };
            let sy = if page.share_y && !panel.own_axes {
                gy
            } else {
                Scale::of(&ys_of(&[panel]))
            };
            // Axis names on the bottom panel of each column and the left column.
            let below = i + cols >= page.panels.len();
            let chars = (width as usize / cols) / 8;
            draw_panel(
                area,
                panel,
                (sx, sy),
                (
                    below || cols == 1 || panel.own_axes,
                    i % cols == 0 || panel.own_axes,
                ),
                chars,
            )?;
        }
        let lc = page.legend_columns(width);
        let col_w = width as i32 / lc as i32;
        for (k, (label, c)) in page.legend.iter().enumerate() {
            let (x, y) = (
                14 + (k % lc) as i32 * col_w,
                10 + (k / lc) as i32 * LEGEND_ROW as i32,
            );
            let c = colour(*c);
            legend.draw(&Rectangle::new([(x, y + 3), (x + 18, y + 11)], c.filled()))?;
            legend.draw(&Text::new(
                fit(label, (col_w as usize - 30) / 7),
                (x + 24, y),
                ("sans-serif", 13).into_font(),
            ))?;
        }
        root.present()?;
    }
    Ok(out)
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    p: &Panel,
    (sx, sy): (Scale, Scale),
    (x_name, y_name): (bool, bool),
    chars: usize,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .caption(fit(&p.title, chars), ("sans-serif", 15))
        .margin(8)
        .margin_right(16)
        .x_label_area_size(if x_name { 40 } else { 24 })
        .y_label_area_size(if y_name { 62 } else { 44 })
        .build_cartesian_2d(sx.range(), sy.range())?;
    let x_desc = format!("{}{}", p.x_label, if sx.is_log() { " (log)" } else { "" });
    let y_desc = format!("{}{}", p.y_label, if sy.is_log() { " (log)" } else { "" });
    let mut mesh = chart.configure_mesh();
    if x_name {
        mesh.x_desc(x_desc);
    }
    if y_name {
        mesh.y_desc(y_desc);
    }
    mesh.x_labels(sx.ticks().max(2) * if sx.is_log() { 1 } else { 2 })
        .y_labels(sy.ticks().max(2) * if sy.is_log() { 1 } else { 2 })
        .x_label_formatter(&|c| sx.label(*c))
        .y_label_formatter(&|c| sy.label(*c))
        .label_style(("sans-serif", 12))
        .axis_desc_style(("sans-serif", 13))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.12))
        .draw()?;
    for s in &p.series {
        let c = colour(s.colour);
        if s.band.len() >= 2 {
            let upper = s.band.iter().map(|&(x, _, hi)| (sx.map(x), sy.map(hi)));
            let lower = s
                .band
                .iter()
                .rev()
                .map(|&(x, lo, _)| (sx.map(x), sy.map(lo)));
            let outline: Vec<(f64, f64)> = upper.chain(lower).collect();
            chart.draw_series(std::iter::once(Polygon::new(outline, c.mix(0.22).filled())))?;
        }
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .map(|&(x, y)| (sx.map(x), sy.map(y)))
            .collect();
        chart.draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))?;
        chart.draw_series(pts.iter().map(|&q| Circle::new(q, 2, c.filled())))?;
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

/// Where a report ran: `native`, `emulated` (qemu-user) or `system` (a
/// full-system guest), as `ptear report`'s matrix says.
fn env_of(r: &crate::report::Report) -> &'static str {
    if r.host.emulated {
        "emulated"
    } else if r.host.vm.is_some() {
        "system"
    } else {
        "native"
    }
}

/// Adds `series` to the panel titled `title`, or to a new one after the
/// others: a retry histogram, or with `latency` a read-latency tail.
fn add_to(panels: &mut Vec<Panel>, title: &str, series: Series, latency: bool) {
    match panels.iter_mut().find(|p| p.title == title) {
        Some(p) => p.series.push(series),
        None => panels.push(Panel {
            title: title.to_owned(),
            x_label: if latency { "ns" } else { "retries of a read" }.into(),
            y_label: if latency {
                "share of timed reads slower"
            } else {
                "share of reads"
            }
            .into(),
            series: vec![series],
            own_axes: latency,
        }),
    }
}

/// A run's read latency as its tail: at p50, p90, p99, p99.9 the share
/// of timed reads slower (1 - quantile), at the max one read in `samples`.
fn latency_series(label: &str, colour: usize, l: &crate::report::ReadLatencyRecord) -> Series {
    let points = vec![
        (l.p50_ns as f64, 0.5),
        (l.p90_ns as f64, 0.1),
        (l.p99_ns as f64, 0.01),
        (l.p999_ns as f64, 0.001),
        (l.max_ns as f64, 1.0 / l.samples as f64),
    ];
    Series {
        label: label.to_owned(),
        colour,
        points,
        band: Vec::new(),
    }
}

/// `ptear report --plot`: every run's retry histogram (share of reads by
/// retries per read, log scales) on one page of small multiples with
/// shared axes. A panel per control (the runs of selftest files) or per
/// machine (arch, CPU, implementation, environment: single-run files), a
/// line per input file, in the file's colour in every panel, one legend
/// below the grid: the suite's selftest files are about 15 control panels
/// in 4 or 5 columns, a screen or so tall. Beside each, on its own axes,
/// the runs' read latency (a line per file: the share of timed reads
/// slower than each quantile).
pub fn histograms(
    path: &Path,
    files: &[(String, Vec<(String, &crate::report::Report)>)],
) -> std::io::Result<()> {
    let mut panels: Vec<Panel> = Vec::new();
    let mut legend = Vec::new();
    for (fi, (file, runs)) in files.iter().enumerate() {
        let Some((_, first)) = runs.first() else {
            continue;
        };
        let stem = Path::new(file)
            .file_stem()
            .map_or(file.clone(), |s| s.to_string_lossy().into_owned());
        let cpu: String = first.host.cpu_model.chars().take(24).collect();
        let (h, k) = (&first.host, &first.config);
        let (imp, env) = (&first.tool.implementation, env_of(first));
        // A selftest file's line is the machine it ran on (its panels are
        // its controls); a single run's is its configuration (its panel is
        // the machine: the runs of one arch, implementation and place).
        let several = runs.len() > 1;
        let label = if several {
            format!("{stem}: {} {cpu} ({imp}, {env})", h.arch)
        } else {
            format!(
                "{stem}: {} / {} / {} ({})",
                k.reader, k.writer, k.barrier, h.arch
            )
        };
        legend.push((label.clone(), fi));
        for (name, r) in runs {
            let key = match name.rsplit_once(':') {
                Some((_, control)) if several => control.to_owned(),
                _ => format!("runs on {} {cpu} ({imp}, {env})", r.host.arch),
            };
            let total: u64 = r.retry_histogram.iter().map(|b| b.count).sum();
            let series = Series {
                label: label.clone(),
                colour: fi,
                points: r
                    .retry_histogram
                    .iter()
                    .filter(|b| b.count > 0)
                    .map(|b| (b.retries as f64, b.count as f64 / total.max(1) as f64))
                    .collect(),
                band: Vec::new(),
            };
            add_to(&mut panels, &key, series, false);
            if let Some(l) = r.read_latency.as_ref().filter(|l| l.samples > 0) {
                add_to(
                    &mut panels,
                    &format!("{key}: read latency"),
                    latency_series(&label, fi, l),
                    true,
                );
            }
        }
    }
    let n: usize = files.iter().map(|f| f.1.len()).sum();
    let what = match (
        files.iter().any(|f| f.1.len() > 1),
        files.iter().any(|f| f.1.len() == 1),
    ) {
        (true, true) => "a panel per control (selftest files) or machine (runs)",
        (true, false) => "a panel per control",
        _ => "a panel per machine",
    };
    let page = Page {
        title: format!(
            "ptear retry histograms: {n} run(s) from {} file(s), {what}, a line per file",
            files.len()
        ),
        columns: (panels.len() as f64).sqrt().ceil().clamp(1.0, 6.0) as usize,
        panels,
        share_x: true,
        share_y: true,
        legend,
    };
    write_page(path, &page)
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
                    colour: i,
                    band: Vec::new(),
                    points: if i == 2 {
                        vec![(0.0, 1.0)]
                    } else {
                        vec![(0.0, 1.0), (10.0, 100.0 * i as f64), (1000.0, 5.0)]
                    },
                })
                .collect(),
            own_axes: false,
        };
        let svg = render_svg("title", &[panel]).unwrap();
        assert_eq!(svg.matches(r#"stroke-width="2""#).count(), 3);
    }
}

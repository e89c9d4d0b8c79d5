//! `ptear report` with several runs: one row per run, as an aligned text
//! table or a Markdown table (for a CI job summary). `slipped` is GUP-fast's
//! wrong values that passed its re-check (`-` for other readers); `read ns`
//! the timed reads' latency (`-` for the kernel engine, which times none).

use super::text::si;
use crate::report::{Report, Verdict};

/// A run and what to call it (file name or selftest control).
pub struct Row<'a> {
    /// File stem, or `file:control`.
    pub name: String,
    /// A selftest control's expected verdict.
    pub expect: Option<Verdict>,
    /// The run.
    pub report: &'a Report,
}

const COLUMNS: usize = 20;

const HEADER: [&str; COLUMNS] = [
    "run",
    "arch",
    "cpu",
    "env",
    "kernel",
    "impl",
    "reader",
    "writer",
    "barrier",
    "layout",
    "reads/s",
    "torn",
    "mixed",
    "transient",
    "slipped",
    "first torn",
    "retry p50/p99/max",
    "read ns p50/p99/max",
    "expected",
    "ok",
];

/// Where a run happened: under a user-mode emulator (qemu-user, the host's
/// kernel), on a full-system QEMU guest's own kernel, or natively.
pub fn env(host: &crate::host::Host) -> &'static str {
    if host.emulated {
        "emulated"
    } else if host.vm.is_some() {
        "system"
    } else {
        "native"
    }
}

fn cells(row: &Row<'_>) -> [String; COLUMNS] {
    let r = row.report;
    let name = |v: Verdict| match v {
        Verdict::Clean => "clean",
        Verdict::Torn => "torn",
    };
    let p = &r.retry_percentiles;
    [
        row.name.clone(),
        r.host.arch.clone(),
        r.host.cpu_model.clone(),
        env(&r.host).into(),
        r.host.kernel.clone(),
        r.tool.implementation.clone(),
        r.config.reader.clone(),
        r.config.writer.clone(),
        r.config.barrier.clone(),
        r.config.layout.clone(),
        si(r.totals.reads_per_s).trim_end().to_owned(),
        r.totals.torn.to_string(),
        r.totals.mixed.to_string(),
        r.totals.transient.to_string(),
        r.totals
            .gup_fast
            .map_or("-".into(), |g| g.slipped.to_string()),
        r.totals
            .first_torn_s
            .map_or("-".into(), |s| format!("{s:.4} s")),
        format!("{}/{}/{}", p.p50, p.p99, p.max),
        r.read_latency
            .as_ref()
            .filter(|l| l.samples > 0)
            .map_or("-".into(), |l| {
                format!("{}/{}/{}", l.p50_ns, l.p99_ns, l.max_ns)
            }),
        row.expect.map_or("-".into(), |e| name(e).into()),
        match row.expect {
            None => "-".into(),
            Some(e) if e == r.verdict => "yes".into(),
            Some(_) => "NO".into(),
        },
    ]
}

/// An aligned text table.
pub fn text(rows: &[Row<'_>]) -> String {
    let body: Vec<[String; COLUMNS]> = rows.iter().map(cells).collect();
    let mut width = HEADER.map(str::len);
    for row in &body {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(width)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        parts.join("  ").trim_end().to_owned() + "\n"
    };
    let mut out = line(&HEADER.map(String::from));
    for row in &body {
        out += &line(row);
    }
    out
}

/// A Markdown table (for a CI job summary).
pub fn markdown(rows: &[Row<'_>]) -> String {
    let line = |cells: &[String]| {
        format!(
            "| {} |\n",
            cells
                .iter()
                .map(|c| c.replace('|', "\\|"))
                .collect::<Vec<_>>()
                .join(" | ")
        )
    };
    let mut out = line(&HEADER.map(String::from));
    out += &line(&HEADER.map(|_| "---".to_string()));
    for row in rows {
        out += &line(&cells(row));
    }
    out
}

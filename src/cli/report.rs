//! `ptear report FILE...`: a report again, or a matrix of many.

use super::args::ReportArgs;
use super::stdout::out;
use crate::error::{exit, usage, Error};
use crate::export::{matrix, text};
use crate::report::{Report, SelftestRecord, SCHEMA, SELFTEST_SCHEMA};
use std::path::Path;

/// The runs in one file: a `ptear/1` report, or every control of a
/// `ptear-selftest/1` file.
fn load(path: &Path) -> Result<Vec<(String, Option<crate::report::Verdict>, Report)>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let bad = |e: serde_json::Error| format!("{} is not a ptear report: {e}", path.display());
    let value: serde_json::Value = serde_json::from_str(&text).map_err(bad)?;
    let stem = path
        .file_stem()
        .map_or(String::new(), |s| s.to_string_lossy().into_owned());
    match value.get("schema").and_then(|s| s.as_str()) {
        Some(SCHEMA) => Ok(vec![(
            stem,
            None,
            serde_json::from_value(value).map_err(bad)?,
        )]),
        Some(SELFTEST_SCHEMA) => {
            let st: SelftestRecord = serde_json::from_value(value).map_err(bad)?;
            Ok(st
                .controls
                .into_iter()
                .map(|c| (format!("{stem}:{}", c.name), Some(c.expect), c.report))
                .collect())
        }
        Some(other) => Err(format!(
            "{}: schema {other} is not one this ptear reads ({SCHEMA}, {SELFTEST_SCHEMA})",
            path.display()
        )),
        None => Err(format!(
            "{} has no \"schema\" key: not a ptear report",
            path.display()
        )),
    }
}

/// `ptear report FILE...`.
pub fn report(args: &ReportArgs) -> Result<i32, Error> {
    let mut runs = Vec::new();
    let mut per_file = Vec::new();
    for f in &args.files {
        let loaded = load(f).map_err(usage)?;
        per_file.push((f.display().to_string(), loaded.len()));
        runs.extend(loaded);
    }
    if let Some(path) = &args.plot {
        let mut groups = Vec::new();
        let mut at = 0;
        for (file, n) in per_file {
            let reports: Vec<(String, &Report)> = runs[at..at + n]
                .iter()
                .map(|(name, _, r)| (name.clone(), r))
                .collect();
            groups.push((file, reports));
            at += n;
        }
        crate::export::plot::histograms(path, &groups)
            .map_err(|e| crate::error::runtime(format!("cannot write {}: {e}", path.display())))?;
    }
    if runs.len() == 1 && !args.markdown {
        out!("{}", text::render(&runs[0].2));
        return Ok(exit::CLEAN);
    }
    let rows: Vec<matrix::Row<'_>> = runs
        .iter()
        .map(|(name, expect, report)| matrix::Row {
            name: name.clone(),
            expect: *expect,
            report,
        })
        .collect();
    out!(
        "{}",
        if args.markdown {
            matrix::markdown(&rows)
        } else {
            matrix::text(&rows)
        }
    );
    Ok(exit::CLEAN)
}

//! Checks of the selftest reports the per-arch matrix of ci/test.sh leaves
//! in target/reports/, read with the crate's own schema types: the Rust and
//! C port differential, the classes every arch and engine finds, the
//! emulation flag. Each needs files the matrix makes, named by environment
//! variables, so each is marked ignored (a plain `cargo test` lists it) and
//! fails without them; ci/test.sh runs each with `-- --ignored --exact`.

mod common;
use common::input;
use ptear::names::Named;
use ptear::report::{ControlRecord, SelftestRecord, Verdict, SELFTEST_SCHEMA};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A `ptear-selftest/1` file, or a failure naming it.
fn selftest(path: &Path) -> SelftestRecord {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let d: SelftestRecord = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not a ptear-selftest/1 file: {e}", path.display()));
    assert_eq!(d.schema, SELFTEST_SCHEMA, "{}", path.display());
    d
}

/// The options that make a control what it is: two tables that agree on
/// these run the same controls.
fn control_config(c: &ControlRecord) -> serde_json::Value {
    let k = &c.report.config;
    serde_json::json!({
        "reader": k.reader, "writer": k.writer, "barrier": k.barrier, "layout": k.layout,
        "clear_to": k.clear_to, "level": k.level, "low_period": k.low_period,
        "writer_gap": k.writer_gap, "reader_gap": k.reader_gap, "readers": k.readers,
        "writers": k.writers, "pairs": k.pairs,
    })
}

/// Rust and the C port, built for the same arch, reach the same verdict on
/// every control both run (seven at least), and run the same control under
/// each name. `PTEAR_RUST_JSON`, `PTEAR_C_JSON`: their `selftest --json`
/// files.
#[test]
#[ignore = "needs PTEAR_RUST_JSON and PTEAR_C_JSON (ci/test.sh's differential runs it)"]
fn differential_of_ptear_rust_json_and_ptear_c_json() {
    let rust = selftest(Path::new(&input(
        "PTEAR_RUST_JSON",
        "the Rust binary's selftest --json file",
    )));
    let c = selftest(Path::new(&input(
        "PTEAR_C_JSON",
        "the C port's selftest --json file, same arch",
    )));
    let by_name = |d: &SelftestRecord| -> BTreeMap<String, ControlRecord> {
        d.controls
            .iter()
            .map(|c| (c.name.clone(), c.clone()))
            .collect()
    };
    let (rv, cv) = (by_name(&rust), by_name(&c));
    let common: Vec<&String> = rv.keys().filter(|n| cv.contains_key(*n)).collect();
    assert!(common.len() >= 7, "too few common controls: {common:?}");
    let verdict = |m: &BTreeMap<String, ControlRecord>, n: &str| m[n].report.verdict.name();
    println!(
        "differential: {}",
        common
            .iter()
            .map(|n| format!("{n}={}", verdict(&rv, n)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let diff: Vec<String> = common
        .iter()
        .filter(|n| verdict(&rv, n) != verdict(&cv, n))
        .map(|n| format!("{n}: rust {} c {}", verdict(&rv, n), verdict(&cv, n)))
        .collect();
    assert!(diff.is_empty(), "Rust and C disagree: {diff:?}");
    let odd: Vec<String> = common
        .iter()
        .filter(|n| control_config(&rv[**n]) != control_config(&cv[**n]))
        .map(|n| {
            format!(
                "{n}: rust {} c {}",
                control_config(&rv[*n]),
                control_config(&cv[*n])
            )
        })
        .collect();
    assert!(
        odd.is_empty(),
        "Rust and C run different controls under the same name: {odd:?}"
    );
}

/// What a control found: its verdict, and which of mixed, transient and
/// GUP-fast's caught are non-zero.
type Signature = (Verdict, bool, bool, bool);

fn signature(c: &ControlRecord) -> Signature {
    let t = &c.report.totals;
    (
        c.report.verdict,
        t.mixed > 0,
        t.transient > 0,
        t.gup_fast.is_some_and(|g| g.caught > 0),
    )
}

/// Every `ptear-selftest/1` file in `PTEAR_SELFTEST_DIR` (the matrix's
/// target/reports/: each arch, Rust and C port) finds the same classes on
/// each control they share (nine controls at least), and in each, every
/// wrong value is counted in exactly one family.
#[test]
#[ignore = "needs PTEAR_SELFTEST_DIR (ci/test.sh's matrix runs it)"]
fn same_classes_in_ptear_selftest_dir() {
    let dir = PathBuf::from(input(
        "PTEAR_SELFTEST_DIR",
        "the directory of the matrix's selftest JSON files",
    ));
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    // control -> file -> signature
    let mut seen: BTreeMap<String, BTreeMap<String, Signature>> = BTreeMap::new();
    let mut files = 0;
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        if v["schema"] != SELFTEST_SCHEMA {
            continue;
        }
        files += 1;
        let d = selftest(path);
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        for c in &d.controls {
            let t = &c.report.totals;
            let f = t.families;
            assert_eq!(
                f.entry + f.protnone + f.swap + f.migration,
                t.torn,
                "{} {}: families {f:?} vs torn {}",
                path.display(),
                c.name,
                t.torn
            );
            seen.entry(c.name.clone())
                .or_default()
                .insert(stem.clone(), signature(c));
        }
    }
    for (n, v) in &seen {
        let sigs: BTreeSet<String> = v.values().map(|s| format!("{s:?}")).collect();
        println!(
            "  {n:<12} (verdict, mixed, transient, caught) = {sigs:?} on {} runs",
            v.len()
        );
    }
    assert!(
        seen.len() >= 9,
        "too few controls in {files} selftest files in {}: {:?}",
        dir.display(),
        seen.keys().collect::<Vec<_>>()
    );
    let bad: Vec<String> = seen
        .iter()
        .filter(|(_, v)| {
            v.values()
                .map(|s| format!("{s:?}"))
                .collect::<BTreeSet<_>>()
                .len()
                > 1
        })
        .map(|(n, v)| format!("{n}: {v:?}"))
        .collect();
    assert!(bad.is_empty(), "arches disagree: {bad:?}");
}

/// A selftest run under an emulator says so: `PTEAR_SELFTEST_JSON` is its
/// `selftest --json` file, and its first control's host is `emulated`.
#[test]
#[ignore = "needs PTEAR_SELFTEST_JSON (ci/test.sh's matrix runs it)"]
fn emulation_flagged_in_ptear_selftest_json() {
    let path = input(
        "PTEAR_SELFTEST_JSON",
        "a selftest --json file made under an emulator",
    );
    let d = selftest(Path::new(&path));
    let first = d
        .controls
        .first()
        .unwrap_or_else(|| panic!("{path}: no control ran"));
    assert!(
        first.report.host.emulated,
        "{path}: not flagged as emulated"
    );
}

//! hunt, sweep and the SVG plots, through the real binary (short budgets).

mod common;
use common::*;
use ptear::report::{HuntRecord, HUNT_SCHEMA};
use ptear::report::{SweepRecord, SWEEP_SCHEMA};

/// The series of a plot: its polylines of width 2 (axes and grid are width 1).
fn polylines(svg: &str) -> usize {
    let doc = roxmltree::Document::parse(svg).expect("the file parses as XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.tag_name().name() == "polyline" && n.attribute("stroke-width") == Some("2"))
        .count()
}

#[test]
fn hunt_on_a_tiny_budget_returns_a_valid_configuration_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("hunt.json");
    let out = run(&[
        "hunt",
        "--writer",
        "mips",
        "--budget",
        "2s",
        "--seed",
        "7",
        "-q",
        "--json",
        json.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("seed 7"), "{stdout}");
    let rec: HuntRecord =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).expect("ptear-hunt/1");
    assert_eq!(rec.schema, HUNT_SCHEMA);
    assert_eq!(rec.seed, 7);
    let h = &rec.hunts[0];
    assert!(h.trials >= 3, "{} trials", h.trials);
    let best = h.best.as_ref().expect("a best configuration");
    assert_eq!(best.config.writer, "mips");
    assert!(best.command.starts_with("ptear run --writer mips"));
    assert!(stdout.contains(&best.command), "{stdout}");
    assert!(best.interval[0] <= best.tears_per_s && best.tears_per_s <= best.interval[1]);
    // The command, pasted (but shorter), is a valid run.
    let mut args: Vec<&str> = best.command.split_whitespace().skip(1).collect();
    let d = args.iter().position(|a| *a == "-d").unwrap();
    args[d + 1] = "0.2s";
    args.extend(["--format", "json", "-q"]);
    let out = run(&args);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{:?}", out);
    assert_eq!(stdout_json(&out)["config"]["writer"], "mips");
}

#[test]
fn a_failing_child_is_a_runtime_failure() {
    for exec in ["/nonexistent/ptear", "false"] {
        let out = run(&["hunt", "--writer", "mips", "--budget", "1s", "--exec", exec]);
        assert_eq!(out.status.code(), Some(3), "{exec}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.lines()
                .last()
                .unwrap()
                .starts_with("ptear: runtime failure:"),
            "{err}"
        );
    }
    // A usage error in the child is one (its line).
    let out = run(&["hunt", "--writer", "bogus", "--budget", "1s", "-q"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.lines().last().unwrap().starts_with("ptear: error:"),
        "{err}"
    );
}

#[test]
fn sweep_rejects_bad_grids_with_one_line() {
    for bad in [
        vec!["--vary", "reader-gap"],
        vec!["--vary", "gap=1,2"],
        vec!["--vary", "reader-gap="],
        vec!["--vary", "reader-gap=1,,2"],
        vec!["--vary", "reader-gap=-5"],
        vec!["--vary", "reader-gap=1,1"],
        vec!["--vary", "reader-gap=1", "--vary", "reader-gap=2"],
        vec!["--vary", "reader-gap=1,2", "--reader-gap", "5"],
        vec!["--vary", "pairs=1,2", "--repeat", "0"],
        vec![],
    ] {
        let mut args = vec!["sweep"];
        args.extend(&bad);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{bad:?}: {err}");
        assert!(err.starts_with("ptear: error: "), "{bad:?}: {err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn sweep_table_json_and_plot_agree() {
    let dir = tempfile::tempdir().unwrap();
    let (svg, json) = (dir.path().join("s.svg"), dir.path().join("s.json"));
    let out = run(&[
        "sweep",
        "--vary",
        "reader-gap=0,100",
        "--vary",
        "writer-gap=0,50",
        "--writer",
        "mips",
        "-d",
        "0.05s",
        "--repeat",
        "2",
        "-q",
        "--plot",
        svg.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let rec: SweepRecord = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(rec.schema, SWEEP_SCHEMA);
    assert_eq!(rec.points.len(), 4);
    assert_eq!(rec.points[1].values, vec![100, 0]);
    assert!(rec.points.iter().all(|p| p.runs.len() == 2));
    assert!(rec.points.iter().map(|p| p.reads).sum::<u64>() > 0);
    // Two panels (tears/s, reads/s), one line per writer gap each.
    assert_eq!(polylines(&std::fs::read_to_string(&svg).unwrap()), 4);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1 + 4 + 1, "{stdout}");
}

#[test]
fn report_plot_has_one_series_per_input() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, writer) in ["documented", "mips", "unordered"].iter().enumerate() {
        let f = dir.path().join(format!("r{i}.json"));
        // --reads, not -d: a loaded machine may give a short run no reads.
        let out = run(&[
            "run",
            "--reads",
            "200000",
            "--writer",
            writer,
            "--writer-gap",
            "100",
            "-q",
            "--json",
            f.to_str().unwrap(),
        ]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
        files.push(f);
    }
    let svg = dir.path().join("h.svg");
    let mut args = vec!["report", "--plot", svg.to_str().unwrap()];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&svg).unwrap();
    // A retry histogram per input, and beside its panel its read latency.
    assert_eq!(polylines(&text), 2 * 3);
    for w in ["documented", "mips", "unordered"] {
        assert!(text.contains(&format!("/ {w} /")), "no label for {w}");
    }
}

/// The section of docs/json-schema.md under `heading`: its json example
/// and the keys of its table's first column.
fn doc_example_and_keys(heading: &str) -> (String, Vec<String>) {
    let doc = schema_doc();
    let sec = doc_section(&doc, heading);
    let example = sec
        .split("```json")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    (example.to_owned(), table_keys(sec))
}

#[test]
fn the_hunt_and_sweep_schemas_are_documented() {
    let (ex, keys) = doc_example_and_keys("## `ptear-hunt/1`");
    let rec: HuntRecord = serde_json::from_str(&ex).expect("hunt example parses");
    assert_eq!(rec.schema, HUNT_SCHEMA);
    let (ex2, keys2) = doc_example_and_keys("## `ptear-sweep/1`");
    let rec2: SweepRecord = serde_json::from_str(&ex2).expect("sweep example parses");
    assert_eq!(rec2.schema, SWEEP_SCHEMA);
    // Every key of the examples has a row (itself or an ancestor).
    for (v, keys) in [
        (serde_json::to_value(&rec).unwrap(), keys),
        (serde_json::to_value(&rec2).unwrap(), keys2),
    ] {
        for k in key_set(&v) {
            let mut p = k.as_str();
            let ok = loop {
                if keys.iter().any(|d| d == p || *d == format!("{p}.*")) {
                    break true;
                }
                match p.rsplit_once('.') {
                    Some((parent, _)) => p = parent,
                    None => break false,
                }
            };
            assert!(ok, "{k} has no row");
        }
    }
}

#[test]
fn sigint_stops_a_hunt_with_the_best_so_far() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("hunt.json");
    let child = ptear()
        .args([
            "hunt", "--writer", "mips", "--budget", "60s", "-q", "--json",
        ])
        .arg(&json)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // SAFETY: kill on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let start = std::time::Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(start.elapsed().as_secs_f64() < 10.0);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("interrupted"), "{stdout}");
    let rec: HuntRecord = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(rec.interrupted);
    assert!(rec.hunts[0].best.is_some());
}

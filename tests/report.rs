//! `ptear report` and `ptear selftest --json`: reports read back.

mod common;
use common::*;

#[test]
fn one_report_prints_again_and_several_make_a_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    for (p, extra) in [
        (&a, vec![]),
        (&b, vec!["--reader", "once", "--reader-gap", "100"]),
    ] {
        let mut args = vec![
            "run",
            "-d",
            "1s",
            "-q",
            "--readers",
            "1",
            "--json",
            p.to_str().unwrap(),
        ];
        args.extend(extra);
        run(&args);
    }
    let one = run(&["report", a.to_str().unwrap()]);
    assert_eq!(one.status.code(), Some(0));
    let text = String::from_utf8_lossy(&one.stdout);
    assert!(
        text.contains("verdict: clean") && text.contains("retries per read"),
        "{text}"
    );

    let md = run(&[
        "report",
        "--markdown",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    let md = String::from_utf8_lossy(&md.stdout);
    let lines: Vec<&str> = md.lines().collect();
    assert_eq!(lines.len(), 4, "header, rule, one row per run:\n{md}");
    assert!(lines[0].starts_with("| run | arch |"));
    assert!(lines[3].contains("| once |"), "{md}");

    let txt = run(&["report", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&txt.stdout).lines().count(), 3);
}

#[test]
fn selftest_passes_and_its_json_reads_back_as_a_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("selftest.json");
    let out = run(&[
        "selftest",
        "-d",
        "700ms",
        "--quiet",
        "--json",
        path.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let s = file_json(&path);
    assert_eq!(s["schema"], "ptear-selftest/1");
    assert_eq!(s["pass"], true);
    let controls = s["controls"].as_array().unwrap();
    assert!(controls.len() >= 7);
    for c in controls {
        assert_eq!(c["report"]["verdict"], c["expect"], "{}", c["name"]);
        assert_eq!(c["report"]["schema"], "ptear/1");
    }
    let md = run(&["report", "--markdown", path.to_str().unwrap()]);
    assert_eq!(
        String::from_utf8_lossy(&md.stdout).lines().count(),
        2 + controls.len()
    );
}

//! `ptear report` and `ptear selftest --json`: reports read back.

mod common;
use common::*;
use ptear::report::ControlRecord;
use std::time::Duration;

/// A control of a `ptear-selftest/1` file, read with the crate's type.
fn record(c: &serde_json::Value) -> ControlRecord {
    serde_json::from_value(c.clone()).expect("a ControlRecord")
}

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
    // 700 ms per control, pinned: the weakest broken control, `aba`,
    // measured 815 and 2628 torn in 700 ms on x86-64; needs 1.
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
        control_ran(&record(c), Duration::from_millis(700), "selftest.json");
        // Each passed, so each that must tear has shown it before its cap.
        if c["expect"] == "torn" {
            assert_eq!(c["ended_when_shown"], true, "{}", c["name"]);
        }
    }
    let md = run(&["report", "--markdown", path.to_str().unwrap()]);
    assert_eq!(
        String::from_utf8_lossy(&md.stdout).lines().count(),
        2 + controls.len()
    );
}

#[test]
fn a_control_that_must_tear_ends_once_shown_and_a_broken_one_at_its_cap() {
    // `once` broken for real (PTEAR_BREAK_CONTROL: the lockless reader) stays
    // clean: it runs its whole cap, 10 × 200 ms, and fails; every other
    // control passes, those that must tear (margins: the
    // selftest_passes_... test above) ending once they have shown it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.json");
    let out = ptear()
        .env("PTEAR_BREAK_CONTROL", "once")
        .args(["selftest", "-d", "200ms", "--quiet", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let s = file_json(&path);
    for c in s["controls"].as_array().unwrap() {
        assert_eq!(c["pass"], c["name"] != "once", "{c}");
        control_ran(&record(c), Duration::from_millis(200), "broken.json");
    }
}

#[test]
fn on_one_cpu_the_aba_control_is_skipped_not_failed() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one-cpu.json");
    let mut cmd = ptear();
    // 0.7 s per control: on one CPU `once` and `swap` tear the least
    // (`taskset -c 0 ptear selftest -d 700ms`, three runs each, 2026-12-06:
    // `once` 22-32 torn on x86-64 quiet, 22-50 beside two busy loops, 26-39
    // on i686; `swap` 54-65; the other broken controls 10^4-10^5), where
    // one is needed; a control that must tear may run until it has, up to
    // 7 s. At 1.5 s this test took 15 s, the longest of its file.
    cmd.args(["selftest", "-d", "700ms", "--json", path.to_str().unwrap()]);

    // SAFETY: sched_setaffinity only, in the child before exec.
    unsafe {
        cmd.pre_exec(|| {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(0, &mut set);
            if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("aba           skipped: needs 2 CPUs"),
        "{text}"
    );
    let s = file_json(&path);
    assert_eq!(s["skipped"][0]["name"], "aba");
    assert!(s["controls"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["name"] != "aba"));
    // The other broken controls still tear on one CPU: one preemption in
    // the window is enough.
    for c in s["controls"].as_array().unwrap() {
        assert_eq!(c["report"]["verdict"], c["expect"], "{}", c["name"]);
    }
}

//! Ctrl-C, SIGTERM and crashes: nothing measured is lost.

mod common;
use common::*;
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

fn spawn(args: &[&str]) -> Child {
    ptear()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ptear starts")
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
}

fn wait_within(child: &mut Child, limit: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("ptear did not exit within {limit:?} of the signal");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn interrupted_run_keeps_the_report(sig: i32) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    let mut child = spawn(&[
        "run",
        "-d",
        "60s",
        "--readers",
        "1",
        "--json",
        path.to_str().unwrap(),
    ]);
    // Start-up takes ~1 ms here: 1 s leaves the run well under way. The
    // stop (a monitor tick of 50 ms, threads joined) took < 0.1 s
    // measured; 2 s is the limit.
    std::thread::sleep(Duration::from_millis(1000));
    signal(&child, sig);
    let status = wait_within(&mut child, Duration::from_secs(2));
    assert_eq!(status.code(), Some(0), "a clean interrupted run exits 0");
    let r = file_json(&path);
    assert_eq!(r["interrupted"], true);
    assert_eq!(r["complete"], true);
    assert!(u(&r["totals"]["reads"]) > 0);
    assert!(r["totals"]["elapsed_s"].as_f64().unwrap() < 30.0);
    let out = child.wait_with_output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("(interrupted)"),
        "the text report is printed too"
    );
}

#[test]
fn sigint_stops_the_run_and_writes_the_full_report() {
    interrupted_run_keeps_the_report(libc::SIGINT);
}

#[test]
fn sigterm_does_the_same() {
    interrupted_run_keeps_the_report(libc::SIGTERM);
}

#[test]
fn a_second_sigint_exits_at_once() {
    // A huge reader gap (10^8 iterations, 30 to 100 ms measured) keeps the
    // reader inside one read for tens of ms, so
    // the graceful stop the first SIGINT starts is still going when the
    // second arrives 10 ms later (signals sent back to back would merge).
    // If the graceful stop ever wins the race, try again: it must lose at
    // least once in three, and whenever it wins it must have exited 0.
    let mut codes = Vec::new();
    for _ in 0..3 {
        let mut child = spawn(&[
            "run",
            "-d",
            "60s",
            "--readers",
            "1",
            "--reader-gap",
            "100000000",
        ]);
        std::thread::sleep(Duration::from_millis(500));
        signal(&child, libc::SIGINT);
        std::thread::sleep(Duration::from_millis(10));
        signal(&child, libc::SIGINT);
        let code = wait_within(&mut child, Duration::from_secs(2)).code();
        codes.push(code);
        if code == Some(130) {
            break;
        }
        assert_eq!(code, Some(0), "{codes:?}");
    }
    assert_eq!(codes.last(), Some(&Some(130)), "128 + SIGINT: {codes:?}");
}

#[test]
fn sigint_takes_effect_within_a_gap_even_with_huge_gaps() {
    let args = [
        "run",
        "-d",
        "60s",
        "--readers",
        "1",
        "--reader-gap",
        "100000000",
        "--writer-gap",
        "100000000",
    ];
    let mut child = spawn(&args);
    std::thread::sleep(Duration::from_millis(500));
    signal(&child, libc::SIGINT);
    let status = wait_within(&mut child, Duration::from_secs(2));
    assert_eq!(status.code(), Some(0));
}

#[test]
fn checkpoints_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.json");
    let mut child = spawn(&[
        "run",
        "-d",
        "60s",
        "--readers",
        "1",
        "--checkpoint",
        "1",
        "--json",
        path.to_str().unwrap(),
    ]);
    // Checkpoints at 1 s and 2 s: at 2.6 s one exists with 1.6 s to
    // spare, and a second may be mid-write (the rename keeps it whole).
    std::thread::sleep(Duration::from_millis(2600));
    child.kill().unwrap(); // SIGKILL: no handler runs
    child.wait().unwrap();
    let r = file_json(&path);
    assert_eq!(r["schema"], "ptear/1");
    assert_eq!(
        r["complete"], false,
        "a checkpoint says the run was still going"
    );
    assert!(u(&r["totals"]["reads"]) > 0);
    assert!(r["totals"]["elapsed_s"].as_f64().unwrap() >= 1.0);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left: {leftovers:?}");
}

#[test]
fn progress_lines_on_long_runs_and_none_with_quiet() {
    // Lines at 2 s and 4 s of a 4.5 s run: 0.5 s to spare for the second
    // (the monitor wakes every 50 ms).
    let out = run(&["run", "-d", "4500ms", "--readers", "1"]);
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines.len() >= 2, "a line every 2 s: {err}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("ptear: ") && l.contains("reads/s") && l.contains("torn 0")),
        "{err}"
    );
    assert!(
        lines[0].contains("/5 s") || lines[0].contains("/4 s"),
        "elapsed/total: {err}"
    );
    // Long enough for a line at 2 s (runs over 3 s get them), which
    // --quiet must hold back.
    let quiet = run(&["run", "-d", "3200ms", "--readers", "1", "--quiet"]);
    assert!(quiet.stderr.is_empty());
    let short = run(&["run", "-d", "1s", "--readers", "1"]);
    assert!(short.stderr.is_empty(), "short runs stay quiet");
}

/// A reader that closes stdout early (`ptear selftest | head -3`) ends
/// neither a run nor a selftest: the report file is written and the exit
/// status is the outcome's (tests/c_port.rs has the C port's).
#[test]
fn a_closed_stdout_loses_nothing() {
    let r = closed_stdout(&mut ptear(), &["run", "-d", "200ms", "--format", "json"]);
    assert_eq!(r["schema"], "ptear/1");
    let r = closed_stdout(&mut ptear(), &["selftest", "-d", "100ms"]);
    assert_eq!(r["schema"], "ptear-selftest/1");
    let r = closed_stdout(
        &mut ptear(),
        &["selftest", "-d", "100ms", "--format", "ktap"],
    );
    assert_eq!(r["schema"], "ptear-selftest/1");
}

//! Helpers for tests that run the real `ptear` binary (the one cargo built
//! for the target under test: x86-64, or i686 with --target).
#![allow(dead_code)]

pub mod seccomp;

use ptear::report::{ControlRecord, Verdict};
use ptear::selftest::{SHOWN_MIN_TORN, TORN_CAP_FACTOR};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

pub fn ptear() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ptear"))
}

pub fn run(args: &[&str]) -> Output {
    ptear().args(args).output().expect("ptear runs")
}

pub fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

pub fn file_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("report file exists");
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON ({e}): {text}", path.display()))
}

/// Runs `ptear run --format json -q ARGS` and returns (exit code, report).
pub fn run_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["run", "--format", "json", "-q"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().expect("exited"), stdout_json(&out))
}

/// The value of `var`, an input a test marked `#[ignore]` needs (ci/test.sh
/// sets it and runs the test with `--ignored --exact`): without it the
/// test fails, saying what to set, rather than pass having checked nothing.
pub fn input(var: &str, what: &str) -> String {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => v,
        _ => panic!(
            "{var} is not set: this test needs it ({what}); the script that runs it (ci/test.sh, ci/system.sh or c/test.sh) sets it"
        ),
    }
}

pub fn u(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("not an unsigned integer: {v}"))
}

/// Dotted key paths of a JSON value, but for those holding an object (a
/// container such as `host` needs no row of its own; its keys do). Array
/// elements add no component.
pub fn key_set(v: &Value) -> std::collections::BTreeSet<String> {
    fn walk(v: &Value, prefix: &str, out: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    if !v.is_object() {
                        out.insert(p.clone());
                    }
                    walk(v, &p, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|e| walk(e, prefix, out)),
            _ => {}
        }
    }
    let mut s = std::collections::BTreeSet::new();
    walk(v, "", &mut s);
    s
}

/// Runs `cmd run --reads 1000 --json FIFO` with a reader on the FIFO and
/// returns the report that came through it, after checking the exit
/// status, that the FIFO is still one and that no temporary file was left.
pub fn json_through_a_fifo(cmd: &mut Command) -> Value {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(&fifo).unwrap())
    };
    let out = cmd
        .args(["run", "--reads", "1000", "--readers", "1", "-q", "--json"])
        .arg(&fifo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // Before joining the reader: had the FIFO been renamed over, the
    // reader would wait in open() for ever.
    let ft = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(ft.is_fifo(), "still a FIFO, not replaced by a file");
    let left = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(left, 1, "no temporary left");
    let text = reader.join().unwrap();
    serde_json::from_str(&text).expect("the report came through the FIFO")
}

/// Runs `cmd ARGS... --json FILE` with stdout a pipe whose reader has
/// already gone (as `| head -0` leaves it: every write fails with EPIPE),
/// and checks that the command finished anyway: no panic, its `--json`
/// report written, and the exit status of the outcome that report holds
/// (README, "Exit status": a run 1 if torn, a selftest 1 if a control
/// misbehaved, else 0). The status is checked against the report, not
/// against 0: the outcome of a 100 ms selftest is timing. With the
/// suite's two busy loops beside it, one of tests/signals.rs's three
/// commands once exited 1 with nothing on stderr (a clean-clone run,
/// 2026-12-06): most likely a control that must tear not showing its
/// tears within its 1 s cap on a loaded machine. That is the selftest's
/// margin, which tests/report.rs (`selftest_passes_...`) and the matrix
/// check with theirs, not what this checks.
pub fn closed_stdout(cmd: &mut Command, args: &[&str]) -> Value {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0i32; 2];
    // SAFETY: pipe(2) fills two descriptors we then own.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both are open and ours; the read end is closed at once.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let out = cmd
        .args(args)
        .arg("--json")
        .arg(&json)
        .stdout(std::process::Stdio::from(write))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
    assert!(json.exists(), "the report was written: {out:?}");
    let report = file_json(&json);
    let failed = match report["schema"].as_str() {
        Some("ptear-selftest/1") => report["pass"] != true,
        Some("ptear/1") => report["verdict"] == "torn",
        other => panic!("not a report: schema {other:?}"),
    };
    assert_eq!(out.status.code(), Some(i32::from(failed)), "{out:?}");
    report
}

/// docs/json-schema.md.
pub fn schema_doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json-schema.md")).unwrap()
}

/// The part of `doc` after `marker` (a heading, or a table's header) up to
/// the next `## ` heading.
pub fn doc_section<'a>(doc: &'a str, marker: &str) -> &'a str {
    let after = doc.split(marker).nth(1).expect("section");
    after.split("\n## ").next().unwrap()
}

/// The keys a section's tables document: backticked names in the first
/// column, split at ", " (`readers`, `writers` share a row).
pub fn table_keys(section: &str) -> Vec<String> {
    section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .flat_map(|l| {
            l.split('|')
                .nth(1)
                .unwrap()
                .split(", ")
                .map(|k| k.trim().trim_matches('`').to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// How long control `c` of a selftest run with `-d d` ran (src/selftest.rs
/// Control::run_for, Control::shown): one that must stay clean for `d`,
/// never ended early; one that must tear (and did: the caller checks that
/// each passed, and a failed one ran its whole cap) up to TORN_CAP_FACTOR × `d`, ended as soon as it had shown
/// its outcome, which it had then: SHOWN_MIN_TORN wrong values or `d` run.
/// The one way such a control passes without being ended so: its first
/// tears published only after the last look, at the end of its cap.
pub fn control_ran(c: &ControlRecord, d: Duration, path: &str) {
    let (t, n) = (&c.report.totals, &c.name);
    let torn = c.expect == Verdict::Torn;
    let run_for = if torn { d * TORN_CAP_FACTOR } else { d };
    let cap = run_for.as_secs_f64();
    assert_eq!(c.report.config.duration_s, Some(cap), "{path}: {n}");
    if !torn {
        assert!(
            !c.ended_when_shown,
            "{path}: {n} must stay clean but ended when shown"
        );
        assert!(t.elapsed_s >= cap, "{path}: {n} ran {} s", t.elapsed_s);
        return;
    }
    assert!(
        c.ended_when_shown || t.elapsed_s >= cap,
        "{path}: {n} passed in {} s of its {cap} s but did not end when shown",
        t.elapsed_s
    );
    if c.ended_when_shown {
        assert!(c.pass, "{path}: {n} ended when shown but failed");
        assert!(
            (t.torn >= SHOWN_MIN_TORN || t.elapsed_s >= d.as_secs_f64()) && t.elapsed_s < cap,
            "{path}: {n} ended when shown at {} s with {} torn (-d {d:?}, cap {cap} s)",
            t.elapsed_s,
            t.torn
        );
    }
}

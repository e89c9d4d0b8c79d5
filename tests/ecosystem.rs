//! What ptear gives the kernel's test ecosystem: KTAP from selftest
//! (checked by ci/ktap.py, the grammar the matrix checks every arch's
//! output with), JUnit XML from selftest and from ci/test.sh's checks
//! (ci/junit.py), `--version`'s commit.

mod common;
use common::*;
use std::process::{Command, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Runs ci/ktap.py over `text` (extra args first); its exit code and output.
fn ktap_check(text: &str, args: &[&str]) -> (i32, String) {
    use std::io::Write;
    let mut child = Command::new("python3")
        .arg(format!("{ROOT}/ci/ktap.py"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The number of controls this build runs (ptear-list/1).
fn controls() -> usize {
    let out = run(&["list", "--json"]);
    stdout_json(&out)["controls"].as_array().unwrap().len()
}

/// A JUnit document checked against the schema's required elements and
/// attributes (testsuites > testsuite > testcase; name, tests, failures,
/// errors, skipped, time; counts that match the cases). Returns each
/// case's (name, "passed" | "failure" | "skipped", its failure message).
fn junit_cases(xml: &str) -> Vec<(String, &'static str, String)> {
    let doc = roxmltree::Document::parse(xml).expect("JUnit file parses as XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let num = |n: roxmltree::Node, a: &str| -> f64 {
        n.attribute(a)
            .unwrap_or_else(|| panic!("<{}> has no {a}", n.tag_name().name()))
            .parse::<f64>()
            .unwrap_or_else(|e| panic!("<{}> {a}: {e}", n.tag_name().name()))
    };
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert!(!suites.is_empty(), "no <testsuite>");
    let mut all = Vec::new();
    let mut totals = [0.0; 4];
    for s in suites {
        assert!(
            !s.attribute("name").unwrap_or("").is_empty(),
            "testsuite name"
        );
        let cases: Vec<_> = s
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let count = |tag: &str| {
            cases
                .iter()
                .filter(|c| c.children().any(|e| e.has_tag_name(tag)))
                .count() as f64
        };
        assert_eq!(num(s, "tests"), cases.len() as f64, "tests");
        assert_eq!(num(s, "failures"), count("failure"), "failures");
        assert_eq!(num(s, "errors"), count("error"), "errors");
        assert_eq!(num(s, "skipped"), count("skipped"), "skipped");
        assert!(num(s, "time") >= 0.0);
        for (i, k) in ["tests", "failures", "errors", "skipped"]
            .iter()
            .enumerate()
        {
            totals[i] += num(s, k);
        }
        for c in cases {
            let name = c.attribute("name").expect("testcase name");
            assert!(!name.is_empty());
            assert!(c.attribute("classname").is_some_and(|n| !n.is_empty()));
            assert!(num(c, "time") >= 0.0);
            let fail = c.children().find(|e| e.has_tag_name("failure"));
            let skip = c.children().any(|e| e.has_tag_name("skipped"));
            let (status, msg) = match fail {
                Some(f) => {
                    let m = f.attribute("message").expect("failure message");
                    assert!(!m.is_empty(), "{name}: an empty failure message");
                    ("failure", m.to_owned())
                }
                None if skip => ("skipped", String::new()),
                None => ("passed", String::new()),
            };
            all.push((name.to_owned(), status, msg));
        }
    }
    for (i, k) in ["tests", "failures", "errors", "skipped"]
        .iter()
        .enumerate()
    {
        assert_eq!(num(root, k), totals[i], "testsuites {k}");
    }
    all
}

#[test]
fn selftest_ktap_passes_the_grammar_and_junit_has_a_case_per_control() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("j.xml");
    let out = run(&[
        "selftest",
        "-d",
        "200ms",
        "--format",
        "ktap",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    let (code, msg) = ktap_check(&text, &[]);
    assert_eq!(code, 0, "{msg}\n{text}");
    let n = controls();
    assert!(text.lines().nth(1) == Some(&format!("1..{n}")), "{text}");
    // KTAP alone on stdout; the exit status is selftest's own.
    let not_ok = text.lines().filter(|l| l.starts_with("not ok ")).count();
    assert_eq!(
        out.status.code(),
        Some(if not_ok == 0 { 0 } else { 1 }),
        "{text}"
    );
    let cases = junit_cases(&std::fs::read_to_string(&junit).unwrap());
    assert_eq!(cases.len(), n);
    assert_eq!(
        cases.iter().filter(|c| c.1 == "failure").count(),
        not_ok,
        "{cases:?}"
    );
}

#[test]
fn a_control_that_misbehaves_prints_not_ok_and_exits_1() {
    // PTEAR_BREAK_CONTROL runs the control with the opposite configuration for
    // real: `once` (must tear) reads with the lockless reader and stays
    // clean, `correct` (must stay clean) reads with no re-check and tears.
    for (name, n) in [("once", 4), ("correct", 1)] {
        let dir = tempfile::tempdir().unwrap();
        let junit = dir.path().join("j.xml");
        let out = ptear()
            .env("PTEAR_BREAK_CONTROL", name)
            .args(["selftest", "-d", "300ms", "--format", "ktap", "--junit"])
            .arg(&junit)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(
            text.lines().any(|l| l == format!("not ok {n} {name}")),
            "{text}"
        );
        let (code, msg) = ktap_check(&text, &["--expect-fail", name]);
        assert_eq!(code, 0, "{msg}\n{text}");
        assert!(
            text.contains(&format!("# {name}: FAIL: expected ")),
            "{text}"
        );
        let cases = junit_cases(&std::fs::read_to_string(&junit).unwrap());
        let case = cases.iter().find(|c| c.0 == name).unwrap();
        assert_eq!(case.1, "failure", "{cases:?}");
        assert!(case.2.starts_with("expected "), "{case:?}");
    }
    let out = ptear()
        .env("PTEAR_BREAK_CONTROL", "nonesuch")
        .arg("selftest")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_ktap_checker_rejects_what_is_not_ktap() {
    let good = "KTAP version 1\n1..3\n# hello\nok 1 a\nnot ok 2 b\nok 3 c # SKIP no CPU\n";
    assert_eq!(ktap_check(good, &[]).0, 0);
    assert_eq!(ktap_check(good, &["--expect-fail", "b"]).0, 0);
    assert_eq!(ktap_check(good, &["--expect-fail", "a"]).0, 1);
    for bad in [
        "1..1\nok 1 a\n",                             // no version line
        "KTAP version 1\n1..2\nok 1 a\n",             // plan says 2
        "KTAP version 1\nok 1 a\n",                   // no plan
        "KTAP version 1\n1..1\nok 2 a\n",             // numbering
        "KTAP version 1\n1..1\nok 1 a # MAYBE\n",     // unknown directive
        "KTAP version 1\n1..1\nok 1 a\nstray text\n", // not a KTAP line
        "KTAP version 1\nok 1 a\n1..1\n1..1\n",       // two plans
    ] {
        assert_eq!(ktap_check(bad, &[]).0, 1, "accepted: {bad:?}");
    }
}

#[test]
fn ci_junit_has_a_testcase_per_check_with_its_time() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(
        &log,
        "building\nexpected exit 2, got 0 <&>\nsome trailing line\n",
    )
    .unwrap();
    let results = dir.path().join("results");
    std::fs::write(
        &results,
        format!(
            "ok\t12.5\tcargo fmt\t\tlint\nFAILED\t3.25\tselftest mipsel\t{}\tselftest mipsel (qemu-mipsel)\nok\t0.1\tactionlint\n",
            log.display()
        ),
    )
    .unwrap();
    let xml = dir.path().join("ci.xml");
    let st = Command::new("python3")
        .arg(format!("{ROOT}/ci/junit.py"))
        .args([&results, &xml])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let text = std::fs::read_to_string(&xml).unwrap();
    let cases = junit_cases(&text);
    let names: Vec<&str> = cases.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, ["cargo fmt", "selftest mipsel", "actionlint"]);
    assert_eq!(cases[1].1, "failure");
    assert_eq!(cases[1].2, "expected exit 2, got 0 <&>");
    assert!(text.contains(r#"time="3.250""#), "{text}");
    assert!(
        text.contains(r#"classname="ci/test.sh: selftest mipsel (qemu-mipsel)""#),
        "{text}"
    );
}

#[test]
fn version_names_the_commit() {
    let out = run(&["--version"]);
    let v = String::from_utf8_lossy(&out.stdout);
    let head = Command::new("git")
        .args(["-C", ROOT, "rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let want = match std::env::var("PTEAR_COMMIT") {
        Ok(c) if !c.is_empty() => c,
        _ => head.unwrap_or_else(|| "unknown".into()),
    };
    assert!(v.trim_end().ends_with(&format!("; commit {want})")), "{v}");
}

/// The SVG's size in pixels (its width and height attributes).
fn svg_size(svg: &str) -> (u32, u32) {
    let doc = roxmltree::Document::parse(svg).expect("the plot parses as XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let px = |a| root.attribute(a).unwrap().parse::<u32>().unwrap();
    (px("width"), px("height"))
}

#[test]
fn report_plot_of_60_files_is_one_page_of_small_multiples() {
    use ptear::report::{ControlRecord, Report, SelftestRecord, Verdict, SELFTEST_SCHEMA};
    // 20 real short runs, three configurations, and 40 selftest files of
    // 12 controls each written through the crate's types from those runs'
    // reports (as 40 boards of a farm would send): one panel per control
    // and one for the runs' machine, a line per file, one legend below.
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut reports: Vec<Report> = Vec::new();
    for i in 0..20 {
        let writer = ["documented", "mips", "unordered"][i % 3];
        let f = dir.path().join(format!("r{i:02}.json"));
        let out = run(&[
            "run",
            "--reads",
            "20000",
            "--readers",
            "1",
            "--writer",
            writer,
            "-q",
            "--json",
            f.to_str().unwrap(),
        ]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
        reports.push(serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap());
        files.push(f);
    }
    for b in 0..40 {
        let controls = (0..12)
            .map(|k| ControlRecord {
                name: format!("control-{k}"),
                expect: Verdict::Clean,
                pass: true,
                ended_when_shown: false,
                report: reports[(b + k) % reports.len()].clone(),
            })
            .collect();
        let rec = SelftestRecord {
            schema: SELFTEST_SCHEMA.into(),
            pass: true,
            controls,
            skipped: Vec::new(),
        };
        let f = dir.path().join(format!("board{b:02}.json"));
        std::fs::write(&f, serde_json::to_string(&rec).unwrap()).unwrap();
        files.push(f);
    }
    let svg = dir.path().join("m.svg");
    let mut args = vec!["report", "--plot", svg.to_str().unwrap()];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = std::fs::read_to_string(&svg).unwrap();
    let (w, h) = svg_size(&text);
    // At most a screen or two (a chart of 440 px per selftest file was
    // 17660 px here, and 27340 px for the suite's 221 runs).
    assert!(h <= 1800 && w <= 2100, "{w} x {h} px");
    let doc = roxmltree::Document::parse(&text).unwrap();
    let lines = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke-width") == Some("2"))
        .count();
    // Each run's retry histogram, and its read latency in the panel beside.
    assert_eq!(lines, 2 * (20 + 40 * 12), "two lines per run");
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    // The single runs share their machine's panel; each is a legend entry
    // with its configuration. The arch is the binary's (`x86` for the i686
    // build the suite also tests).
    let arch = &reports[0].host.arch;
    let panel = format!("runs on {arch} ");
    assert!(texts.iter().any(|t| t.starts_with(&panel)), "{texts:?}");
    for w in ["documented", "mips", "unordered"] {
        let entry = format!("lockless / {w} / kernel ({arch})");
        assert!(
            texts.iter().any(|t| t.ends_with(&entry)),
            "no legend for {w}"
        );
    }
    assert!(texts.contains(&"control-11"), "no panel for control-11");
    // Each file once in the legend.
    for file in ["r07: ", "board39: "] {
        assert_eq!(texts.iter().filter(|t| t.starts_with(file)).count(), 1);
    }
}

/// The C port for this test's arch (c/build.sh, as tests/c_port.rs builds it).
fn c_port() -> std::path::PathBuf {
    let arch = if cfg!(target_arch = "x86") {
        "i686"
    } else {
        "x86_64"
    };
    let out = Command::new("bash")
        .arg(format!("{ROOT}/c/build.sh"))
        .arg(arch)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "c/build.sh {arch}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!("{ROOT}/target/c/ptear-c-{arch}").into()
}

#[test]
fn the_c_port_prints_the_same_ktap() {
    let c = c_port();
    let out = Command::new(&c)
        .args(["selftest", "-d", "200ms", "--format", "ktap"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let (code, msg) = ktap_check(&text, &[]);
    assert_eq!(code, 0, "{msg}\n{text}");
    assert_eq!(
        text.lines().nth(1),
        Some(format!("1..{}", controls()).as_str())
    );
    let not_ok = text.lines().filter(|l| l.starts_with("not ok ")).count();
    assert_eq!(
        out.status.code(),
        Some(if not_ok == 0 { 0 } else { 1 }),
        "{text}"
    );
    // A control broken for real: not ok, exit 1.
    let out = Command::new(&c)
        .env("PTEAR_BREAK_CONTROL", "once")
        .args(["selftest", "-d", "200ms", "--format", "ktap"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.lines().any(|l| l == "not ok 4 once"), "{text}");
    assert_eq!(ktap_check(&text, &["--expect-fail", "once"]).0, 0, "{text}");
}

//! `ptear run` end to end: the detector fires on known-broken
//! configurations and stays silent on correct ones, and the JSON report
//! has the ptear/1 keys with consistent numbers.
//!
//! Timing: every test that needs a tear within its run says the rate
//! measured on the project's 2-CPU machine (3 runs each with
//! `ptear run --format json`, x86-64 and the i686 build, unpinned unless the
//! test pins, while other work ran) and so its margin. With two busy loops
//! beside them (`ci/test.sh loaded`, load 5-6 on 2 CPUs) every test here
//! passed; the rates that fall most are those that need writer and reader
//! running at once: the pinned ABA tear to about 1 k in 2 s, `once` to
//! about 100 (tests/classes.rs lists the loaded figures).

mod common;
use common::*;

#[test]
fn documented_writer_and_lockless_reader_stay_clean_over_millions_of_reads() {
    let (code, r) = run_json(&["--reads", "3000000", "--readers", "1", "--seed", "1"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["verdict"], "clean");
    assert_eq!(
        u(&r["totals"]["reads"]),
        3_000_000,
        "the read count stops the run exactly"
    );
    assert_eq!(u(&r["totals"]["torn"]), 0);
    assert!(u(&r["totals"]["writer_cycles"]) > 0);
}

// Measured: 13.5 M to 16.8 M torn in 3 s (x86-64), 10.4 M to 16.4 M
// (i686); the test needs 1: a margin of over 10^6.
#[test]
fn high_first_clear_tears_with_a_writer_gap() {
    let (code, r) = run_json(&[
        "-d",
        "3s",
        "--writer",
        "mips",
        "--writer-gap",
        "200",
        "--readers",
        "1",
    ]);
    assert_eq!(r["verdict"], "torn", "{r}");
    assert_eq!(code, 1, "exit 1 when torn");
    // The signature of kind-1 tears: an old present low with the new high
    // 0, a value that stood in memory (transient, not mixed), which MIPS
    // reads as page 0 with no V/D bits.
    let s = &r["torn_samples"][0];
    assert_eq!(u(&s["high"]), 0, "{s}");
    assert_eq!(u(&s["low"]) & 0x40, 0x40, "MIPS _PAGE_PRESENT");
    assert_eq!(s["class"], "transient");
    assert_eq!(r["config"]["layout"], "mips");
    let t = &r["totals"];
    assert_eq!(u(&t["mixed"]), 0, "{t}");
    assert_eq!(u(&t["transient"]), u(&t["torn"]));
    assert_eq!(u(&t["consequences"]["pfn_zero"]), u(&t["torn"]));
}

// Measured: 15.9 M to 22.9 M torn in 3 s (x86-64), 16.8 M to 22.5 M
// (i686); needs 1.
#[test]
fn sh_writer_tears_like_mips() {
    let (_, r) = run_json(&[
        "-d",
        "3s",
        "--writer",
        "sh",
        "--writer-gap",
        "200",
        "--readers",
        "1",
    ]);
    assert_eq!(r["verdict"], "torn", "{r}");
}

// Measured: 0.15 M to 1.3 M torn in 3 s (x86-64), 0.17 M to 0.36 M
// (i686); the spread is the scheduler (reader and writer sharing a core
// tear less); needs 1.
#[test]
fn once_reader_tears() {
    // Pinned apart where two CPUs are allowed: under load (other tests,
    // a build) an unpinned pair sharing one core once gave 0 tears in 3 s.
    let cpus = ptear::affinity::allowed_cpus();
    let pin = (cpus.len() >= 2).then(|| format!("{},{}", cpus[0], cpus[1]));
    let mut args = vec![
        "-d",
        "3s",
        "--reader",
        "once",
        "--readers",
        "1",
        "--expect",
        "torn",
    ];
    if let Some(p) = &pin {
        args.extend(["--cpus", p.as_str()]);
    }
    let (code, r) = run_json(&args);
    assert_eq!(code, 0, "--expect torn is met: {}", r["totals"]);
    assert!(u(&r["totals"]["torn"]) > 0);
    assert!(r["totals"]["first_torn_s"].as_f64().unwrap() > 0.0);
}

// Measured: 14.8 M to 20.0 M torn in 3 s (x86-64), 9.1 M to 20.7 M
// (i686); needs 1.
#[test]
fn unordered_writer_tears() {
    let (_, r) = run_json(&[
        "-d",
        "3s",
        "--writer",
        "unordered",
        "--writer-gap",
        "100",
        "--readers",
        "1",
    ]);
    assert_eq!(r["verdict"], "torn", "{r}");
}

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
#[test]
fn x86_pae_tears_only_through_aba_with_a_slow_reader() {
    let (_, clean) = run_json(&["-d", "2s", "--writer", "x86-pae", "--readers", "1"]);
    assert_eq!(clean["verdict"], "clean", "{}", clean["totals"]);
    // ABA needs the writer running during the reader's read: pinned to
    // two CPUs (unpinned, a loaded scheduler may share one core between
    // them and then it cannot tear; on one CPU it cannot either).
    // Measured pinned: 20 k to 47 k torn in 3 s (x86-64), 29 k to 64 k
    // (i686); needs 1.
    let cpus = ptear::affinity::allowed_cpus();
    assert!(
        cpus.len() >= 2,
        "the ABA tear needs two CPUs; this process may use {cpus:?}"
    );
    let pin = format!("{},{}", cpus[0], cpus[1]);
    let (_, aba) = run_json(&[
        "-d",
        "3s",
        "--writer",
        "x86-pae",
        "--low-period",
        "2",
        "--reader-gap",
        "5000",
        "--readers",
        "1",
        "--cpus",
        &pin,
    ]);

    assert_eq!(aba["verdict"], "torn", "{}", aba["totals"]);
    // ABA: the re-check saw a later entry with the same low half, so the
    // accepted high (another state's, or 0 read while the entry was
    // cleared) never went with that low. x86-pae's clear is one 64-bit
    // exchange, so no other tear is possible here.
    for s in aba["torn_samples"].as_array().unwrap() {
        assert_eq!(u(&s["low"]) & 1, 1, "{s}");
        assert!(!s["valid_high"].as_array().unwrap().is_empty(), "{s}");
    }
}

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
#[test]
fn atomic64_reader_is_clean_with_the_documented_writer_but_not_the_high_first_clear() {
    // One 64-bit load cannot split an entry, so against the documented
    // order it never tears.
    let (_, r) = run_json(&[
        "-d",
        "2s",
        "--reader",
        "atomic64",
        "--writer",
        "documented",
        "--writer-gap",
        "200",
        "--readers",
        "1",
    ]);
    assert_eq!(r["verdict"], "clean", "{}", r["totals"]);
    // But MIPS/SH's clear stores high = 0 while low still says present: the
    // writer itself publishes a half-cleared entry, which a 64-bit load
    // reads whole. The reader protocol cannot fix a writer-side tear.
    // Measured: 10.1 M to 17.2 M torn in 2 s (x86-64), 5.1 M to 8.8 M
    // (i686); needs 1.
    let (_, r) = run_json(&[
        "-d",
        "2s",
        "--reader",
        "atomic64",
        "--writer",
        "mips",
        "--writer-gap",
        "200",
        "--readers",
        "1",
    ]);
    assert_eq!(r["verdict"], "torn", "{}", r["totals"]);
    assert_eq!(u(&r["torn_samples"][0]["high"]), 0);
}

#[test]
fn expect_not_met_exits_1() {
    let (code, r) = run_json(&["-d", "1s", "--readers", "1", "--expect", "torn"]);
    assert_eq!(r["verdict"], "clean");
    assert_eq!(code, 1);
}

#[test]
fn json_report_has_the_schema_keys_and_consistent_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    let out = run(&[
        "run",
        "-d",
        "1s",
        "-q",
        "--readers",
        "1",
        "--seed",
        "42",
        "--json",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let r = file_json(&path);
    for key in [
        "schema",
        "tool",
        "host",
        "config",
        "totals",
        "retry_histogram",
        "torn_samples",
        "verdict",
        "interrupted",
        "complete",
        "placement",
        "readers",
        "retry_percentiles",
    ] {
        assert!(r.get(key).is_some(), "missing {key}");
    }
    assert_eq!(r["schema"], "ptear/1");
    assert_eq!(r["tool"]["name"], "ptear");
    assert_eq!(r["tool"]["version"], env!("CARGO_PKG_VERSION"));
    for key in ["arch", "os", "kernel", "cpu_model", "cpus"] {
        assert!(r["host"].get(key).is_some(), "missing host.{key}");
    }
    for key in [
        "reads",
        "torn",
        "not_present",
        "retries",
        "elapsed_s",
        "reads_per_s",
        "writer_cycles",
        "first_torn_s",
    ] {
        assert!(r["totals"].get(key).is_some(), "missing totals.{key}");
    }
    assert_eq!(u(&r["config"]["seed"]), 42, "the seed is reported");
    assert_eq!(r["config"]["reader"], "lockless");
    assert!(r["totals"]["first_torn_s"].is_null());
    assert_eq!(r["interrupted"], false);
    let hist = r["retry_histogram"].as_array().unwrap();
    let sum: u64 = hist.iter().map(|b| u(&b["count"])).sum();
    assert_eq!(
        sum,
        u(&r["totals"]["reads"]),
        "histogram counts sum to the reads"
    );
    let retries: u64 = hist.iter().map(|b| u(&b["count"]) * u(&b["retries"])).sum();
    assert_eq!(retries, u(&r["totals"]["retries"]));
    // The text report on stdout says the same.
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("verdict: clean"), "{text}");
}

#[test]
fn torn_samples_are_capped_and_sorted() {
    let (_, r) = run_json(&[
        "-d",
        "2s",
        "--writer",
        "mips",
        "--writer-gap",
        "50",
        "--readers",
        "1",
    ]);
    let samples = r["torn_samples"].as_array().unwrap();
    // Measured: 14.5 M to 15.4 M torn in 2 s (x86-64), 1.1 M to 6.0 M
    // (i686); needs 65.
    assert!(u(&r["totals"]["torn"]) > 64, "{}", r["totals"]);
    assert_eq!(samples.len(), 64);
    let times: Vec<f64> = samples.iter().map(|s| s["t_s"].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(times[0], r["totals"]["first_torn_s"].as_f64().unwrap());
}

#[test]
fn many_pairs_and_writers() {
    let (code, r) = run_json(&[
        "--reads",
        "2000000",
        "--pairs",
        "4096",
        "--writers",
        "2",
        "--readers",
        "2",
    ]);
    assert_eq!(code, 0, "{}", r["totals"]);
    assert_eq!(u(&r["totals"]["reads"]), 2_000_000);
    assert_eq!(r["readers"].as_array().unwrap().len(), 2);
}

#[test]
fn pinning_is_reported() {
    let (_, r) = run_json(&["-d", "500ms", "--readers", "1", "--cpus", "0"]);
    assert_eq!(r["placement"]["requested"], true);
    assert_eq!(r["placement"]["granted"], true, "{}", r["placement"]);
    let threads = r["placement"]["threads"].as_array().unwrap();
    assert_eq!(threads.len(), 2);
    assert!(threads.iter().all(|t| t["cpu"] == 0 && t["pinned"] == true));
}

#[test]
fn no_subcommand_runs_with_defaults() {
    let out = run(&["-d", "500ms"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("verdict: clean"));
}

#[test]
fn list_names_every_reader_writer_and_barrier() {
    let out = run(&["list"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for name in [
        "lockless",
        "once",
        "atomic64",
        "documented",
        "x86-pae",
        "mips",
        "sh",
        "unordered",
        "kernel",
        "full",
        "compiler",
        "none",
    ] {
        assert!(
            text.lines()
                .any(|l| l.split_whitespace().nth(1) == Some(name)),
            "{name} missing:\n{text}"
        );
    }
}

#[test]
fn completions_and_the_man_page_come_from_the_command_line_definition() {
    let bash = run(&["completions", "bash"]);
    assert_eq!(bash.status.code(), Some(0));
    let bash = String::from_utf8_lossy(&bash.stdout);
    assert!(
        bash.contains("--low-period") && bash.contains("selftest"),
        "{bash}"
    );
    let man = run(&["man"]);
    assert_eq!(man.status.code(), Some(0));
    let man = String::from_utf8_lossy(&man.stdout);
    assert!(
        man.starts_with(".ie") && man.contains(".TH ptear 1"),
        "{man}"
    );
    assert!(man.contains("reader\\-gap"), "every option is in the page");
}

#[test]
fn version_says_what_the_binary_was_built_for() {
    let out = run(&["--version"]);
    let v = String::from_utf8_lossy(&out.stdout);
    let want = format!(
        "ptear {} (rust; {}; target-cpu ",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH
    );
    assert!(v.starts_with(&want), "{v}");
}

/// `--json` onto a path that is not a regular file (a FIFO here; `/dev/null`
/// or `/dev/stdout` in use) writes into it: renaming a temporary file over
/// it would replace the node with a regular file (as root, `/dev/null`
/// would then keep whatever is written to it). The C port: tests/c_port.rs.
#[test]
fn json_onto_a_fifo_writes_into_it_and_leaves_the_fifo() {
    let r = json_through_a_fifo(&mut ptear());
    assert_eq!(r["schema"], "ptear/1");
}

/// The read latency is the read's own time: a reader slowed on purpose
/// (`--reader-gap`, spins between the two halves) shows a median that
/// grows with the gap. Measured (2 vCPUs, idle): gap 0: p50 18 ns; 1000:
/// 567 ns; 4000: 2117 ns (3.7x of 1000). The bounds below (2.5x to 6x,
/// and far above gap 0) leave room for a busy machine: preemption moves
/// the tail, a median of hundreds of samples hardly.
///
/// What does move a median is the speed the host gives the vCPU, which
/// changes from one second to the next (BENCHMARKS.md, "The host moves
/// the two vCPUs"): in a whole-suite run with two busy loops beside it
/// (2026-12-06, i686), gap 1000 ran at p50 1322 ns and the 1 s run after
/// it, gap 4000, at 2835 ns: 2.14x. So the two gaps run in three
/// alternated pairs of 700 ms, and the median of the pairs' own ratios is
/// checked: one pair that straddles a change of speed cannot decide it.
/// Timed reads: one in 1024; gap 4000 gave 21 in 300 ms beside a loaded
/// suite, 70 for gap 1000, and 52-98 in 700 ms (`ptear run -d 700ms
/// --reader-gap 4000 --seed 7 --format json`, `read_latency.samples`), so
/// 700 ms and at least 30.
#[test]
fn a_slowed_reader_shows_a_proportionally_higher_median_latency() {
    let p50 = |gap: &str| {
        let (_, r) = run_json(&["-d", "700ms", "--reader-gap", gap, "--seed", "7"]);
        let l = &r["read_latency"];
        assert!(u(&l["samples"]) >= 30, "too few timed reads: {l}");
        assert!(
            u(&l["p50_ns"]) <= u(&l["p90_ns"]) && u(&l["p999_ns"]) <= u(&l["max_ns"]),
            "{l}"
        );
        u(&l["p50_ns"]) as f64
    };
    let fast = p50("0");
    let pairs: Vec<(f64, f64)> = (0..3).map(|_| (p50("1000"), p50("4000"))).collect();
    let middle = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[1]
    };
    let slow = middle(pairs.iter().map(|p| p.0).collect());
    assert!(
        slow > 5.0 * fast,
        "gap 1000: p50 {slow} ns against {fast} ns without"
    );
    let ratio = middle(pairs.iter().map(|p| p.1 / p.0).collect());
    assert!(
        (2.5..6.0).contains(&ratio),
        "gap 4000 against 1000: median of the pairs' p50 ratios {ratio:.2}, want about 4; \
         pairs (gap 1000, gap 4000) in ns: {pairs:?}"
    );
}

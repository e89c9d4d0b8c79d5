//! The Rust engine and the C port (c/) are one tool in two languages: the
//! same kinds, limits, control table, version, JSON keys, progress line and
//! selftest seeds. This test builds the C port for the same architecture as
//! the Rust binary under test (x86_64 with the host gcc, i686 with
//! i686-linux-gnu-gcc from ci/setup.sh), runs both, and fails on any
//! difference, on any machine with a C compiler, not only in the cross
//! differential of ci/test.sh.

mod common;
use common::seccomp::{filter_getrandom, Getrandom};
use common::*;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

#[cfg(target_arch = "x86_64")]
const C_ARCH: &str = "x86_64";
#[cfg(target_arch = "x86")]
const C_ARCH: &str = "i686";

/// Builds the C port once per test process (c/build.sh), or fails with
/// what is missing.
fn c_port() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let out = Command::new("bash")
            .arg(root.join("c/build.sh"))
            .arg(C_ARCH)
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "c/build.sh {C_ARCH} failed (a C compiler for {C_ARCH} is needed: run ci/setup.sh): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        root.join(format!("target/c/ptear-c-{C_ARCH}"))
    })
}

fn both(args: &[&str]) -> (Output, Output) {
    let r = run(args);
    let c = Command::new(c_port())
        .args(args)
        .output()
        .expect("C port runs");
    (r, c)
}

#[test]
fn list_json_is_the_same_document() {
    let (r, c) = both(&["list", "--json"]);
    let (mut r, mut c) = (stdout_json(&r), stdout_json(&c));
    assert_eq!(r["tool"]["implementation"], "rust");
    assert_eq!(c["tool"]["implementation"], "c");
    r["tool"]["implementation"] = Value::Null;
    c["tool"]["implementation"] = Value::Null;
    // Kinds, limits, control table, version, arch: all of it.
    for key in [
        "tool", "arch", "readers", "writers", "barriers", "limits", "controls",
    ] {
        assert_eq!(
            r[key], c[key],
            "ptear-list/1 `{key}` differs between Rust and C"
        );
    }
    assert_eq!(r, c);
}

#[test]
fn versions_agree() {
    let (r, c) = both(&["--version"]);
    let (r, c) = (
        String::from_utf8_lossy(&r.stdout),
        String::from_utf8_lossy(&c.stdout),
    );
    let want = |implementation: &str| {
        format!(
            "ptear {} ({implementation}; {}; target-cpu ",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::ARCH
        )
    };
    assert!(r.starts_with(&want("rust")), "{r}");
    assert!(c.starts_with(&want("c")), "{c}");
}

#[test]
fn reports_have_the_same_keys() {
    // A run that tears, so that the samples' keys are compared too: the
    // high-first clear made 0.5 M (loaded) to 8 M transient values a second
    // here; 300 ms needs 1.
    let args = [
        "run",
        "-d",
        "300ms",
        "--writer",
        "mips",
        "--writer-gap",
        "200",
        "--format",
        "json",
        "-q",
        "--seed",
        "3",
    ];
    let (r, c) = both(&args);
    let (r, c) = (stdout_json(&r), stdout_json(&c));
    for report in [&r, &c] {
        assert!(u(&report["totals"]["torn"]) > 0, "{}", report["totals"]);
    }
    assert_eq!(
        key_set(&r),
        key_set(&c),
        "ptear/1 keys differ between Rust and C"
    );
    assert_eq!(r["config"]["seed"], c["config"]["seed"]);
}

#[test]
fn selftest_runs_the_same_controls_with_the_same_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let (rp, cp) = (dir.path().join("r.json"), dir.path().join("c.json"));
    // The largest seed: control i runs with seed + i, wrapping.
    let seed = u64::MAX.to_string();
    let go = |cmd: &mut Command, path: &PathBuf| {
        let out = cmd
            .args(["selftest", "-q", "-d", "200ms", "--seed", &seed, "--json"])
            .arg(path)
            .output()
            .unwrap();
        assert!(out.status.code().is_some(), "{out:?}");
        file_json(path)
    };
    let r = go(&mut ptear(), &rp);
    let c = go(&mut Command::new(c_port()), &cp);
    let keys = [
        "reader",
        "writer",
        "barrier",
        "barrier_detail",
        "low_period",
        "writer_gap",
        "reader_gap",
        "readers",
        "writers",
        "pairs",
        "seed",
        "duration_s",
    ];
    let controls = |d: &Value| -> Vec<(String, Vec<Value>)> {
        d["controls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                let cfg = &x["report"]["config"];
                (
                    x["name"].as_str().unwrap().to_owned(),
                    keys.iter().map(|k| cfg[*k].clone()).collect(),
                )
            })
            .collect()
    };
    let (rc, cc) = (controls(&r), controls(&c));
    assert_eq!(rc, cc, "Rust and C run different controls");
    assert_eq!(u(&r["controls"][0]["report"]["config"]["seed"]), u64::MAX);
    assert_eq!(u(&r["controls"][1]["report"]["config"]["seed"]), 0);
}

#[test]
fn progress_lines_have_the_same_shape() {
    // A run longer than 3 s shows a line every 2 s on stderr.
    let args = ["run", "-d", "3.2s", "--readers", "1"];
    let (r, c) = both(&args);
    let shape = |o: &Output| -> Vec<String> {
        String::from_utf8_lossy(&o.stderr)
            .lines()
            .map(|l| {
                // Numbers become N: the rate and counts differ run to run.
                let mut out = String::new();
                let mut in_num = false;
                for ch in l.chars() {
                    if ch.is_ascii_digit() || (in_num && ch == '.') {
                        if !in_num {
                            out.push('N');
                        }
                        in_num = true;
                    } else {
                        in_num = false;
                        out.push(ch);
                    }
                }
                out
            })
            .collect()
    };
    let (rs, cs) = (shape(&r), shape(&c));
    assert_eq!(rs.len(), 1, "one progress line in 3.2 s: {rs:?}");
    let unit = |l: &str| {
        l.replace(" kreads", " reads")
            .replace(" Mreads", " reads")
            .replace(" Greads", " reads")
    };
    assert_eq!(unit(&rs[0]), "ptear: N/N s  N reads/s  torn N");
    assert_eq!(unit(&rs[0]), unit(&cs[0]), "Rust {rs:?} vs C {cs:?}");
}

#[test]
fn the_c_port_never_waits_for_entropy_either() {
    let mut seeds = Vec::new();
    for _ in 0..2 {
        let mut cmd = Command::new(c_port());
        cmd.args(["run", "--reads", "10000", "--format", "json", "-q"]);
        filter_getrandom(&mut cmd, Getrandom::PoolNotReady);
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        seeds.push(u(&stdout_json(&out)["config"]["seed"]));
    }
    assert_ne!(seeds[0], seeds[1]);
    // Not vacuous: the C port does call getrandom.
    let mut cmd = Command::new(c_port());
    cmd.args(["run", "--reads", "10000", "-q"]);
    filter_getrandom(&mut cmd, Getrandom::KillAny);
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(cmd.output().unwrap().status.signal(), Some(libc::SIGSYS));
}

/// The C port, too, writes `--json` into a special file instead of
/// renaming over it (tests/run.rs has the Rust engine's).
#[test]
fn json_onto_a_fifo_writes_into_it_and_leaves_the_fifo() {
    let r = json_through_a_fifo(&mut Command::new(c_port()));
    assert_eq!(r["tool"]["implementation"], "c");
}

/// The C port, too, finishes a run and a selftest whose stdout was
/// closed, and writes their reports (tests/signals.rs has the Rust one's).
#[test]
fn a_closed_stdout_loses_nothing() {
    let r = closed_stdout(
        &mut Command::new(c_port()),
        &["run", "-d", "200ms", "--format", "json"],
    );
    assert_eq!(r["tool"]["implementation"], "c");
    let r = closed_stdout(&mut Command::new(c_port()), &["selftest", "-d", "100ms"]);
    assert_eq!(r["schema"], "ptear-selftest/1");
    let r = closed_stdout(
        &mut Command::new(c_port()),
        &["selftest", "-d", "100ms", "--format", "ktap"],
    );
    assert_eq!(r["schema"], "ptear-selftest/1");
}

/// Samples by kind are one algorithm in both engines: the same trace of
/// wrong values (kinds, readers, times) and seed make the same kept values
/// per reader, in the same slots, and the same report samples. The C side
/// is c/samples.c driven by c/tests/samples_trace.c (built here with the
/// host's cc); the trace has few and many kinds, a reservoir that fills and
/// is drawn from, and more than 16 kinds so that firsts are evicted.
#[test]
fn samples_by_kind_are_the_same_in_both_engines() {
    use ptear::engine::samples::{merge, SampleKeeper, TornSample};
    use ptear::pte::{Consequences, Pte, ValueFamily, Wrong, WrongClass};
    use std::io::Write;
    use std::time::Duration;

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bin = root.join("target/c/samples-trace");
    let out = Command::new("cc")
        .args(["-O1", "-o"])
        .arg(&bin)
        .arg(root.join("c/tests/samples_trace.c"))
        .arg(root.join("c/samples.c"))
        .output()
        .expect("cc runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let wrong = |key: u16| Wrong {
        class: if key & 1 == 1 {
            WrongClass::Transient
        } else {
            WrongClass::Mixed
        },
        family: ValueFamily::ALL[usize::from(key >> 1 & 3)],
        consequences: Consequences((key >> 3) as u8),
    };
    for (seed, readers, values, kinds) in [
        (1u64, 1usize, 50u64, 2u16),
        (7, 2, 5000, 3),
        (9, 3, 3000, 40),
    ] {
        // A deterministic trace: half the values of a skewed kind (k about
        // twice as common as k + 1), half of any kind.
        let mut x = seed;
        let trace: Vec<(usize, u16, u64)> = (0..values)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let k = if x >> 63 == 1 {
                    ((x >> 33).trailing_ones() as u16).min(kinds - 1)
                } else {
                    (x >> 40) as u16 % kinds
                };
                let key = (k & 1) | (k >> 1 & 3) << 1 | (k >> 3) << 3 | 0x100;
                ((x >> 20) as usize % readers, key, i * 1000 + (x >> 50))
            })
            .collect();
        let mut seen: Vec<u16> = trace.iter().map(|v| v.1).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), usize::from(kinds), "every kind is in the trace");
        let mut keepers: Vec<SampleKeeper> = (0..readers)
            .map(|r| SampleKeeper::new(SampleKeeper::reader_seed(seed, r)))
            .collect();
        for &(r, key, t) in &trace {
            keepers[r].offer(TornSample {
                reader: r,
                pair: 0,
                pte: Pte::NONE,
                wrong: wrong(key),
                retries: 0,
                at: Duration::from_nanos(t),
            });
        }
        let mut rust = String::new();
        for (r, k) in keepers.iter().enumerate() {
            for e in k.kept() {
                rust += &format!("kept {r} {} {}\n", e.nth, e.chosen.name());
            }
        }
        for e in merge(&keepers, seed) {
            rust += &format!("merged {} {}\n", e.sample.reader, e.nth);
        }

        let mut child = Command::new(&bin)
            .args([seed.to_string(), readers.to_string()])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("samples-trace runs");
        let mut input = String::new();
        for &(r, key, t) in &trace {
            input += &format!("{r} {key} {t}\n");
        }
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let c = String::from_utf8(out.stdout).unwrap();
        if kinds == 3 {
            assert!(rust.contains("reservoir"), "the trace fills a reservoir");
        }
        assert_eq!(
            rust, c,
            "seed {seed}, {readers} readers, {values} values, {kinds} kinds"
        );
    }
}

/// The read-latency histogram of both engines: the C port's (c/latency.c,
/// driven by c/tests/latency.c, built here with the host's cc) against the
/// crate the Rust engine uses, hdrhistogram 7 with the same bounds, filled
/// with `saturating_record` and merged with `add`. Every set is one run
/// of the C program, its histograms separated by `|`; each histogram's
/// count, p50, p90, p99, p99.9 and max, and those of their sum, must be
/// the crate's.
#[test]
fn read_latency_percentiles_are_the_crates() {
    use hdrhistogram::Histogram;
    use std::io::Write;

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bin = root.join("target/c/latency-hdr");
    std::fs::create_dir_all(root.join("target/c")).unwrap();
    let out = Command::new("cc")
        .args(["-O2", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&bin)
        .arg(root.join("c/tests/latency.c"))
        .arg(root.join("c/latency.c"))
        .output()
        .expect("cc runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let new = || Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap();
    let line = |name: &str, h: &Histogram<u64>| {
        format!(
            "{name} {} {} {} {} {} {}\n",
            h.len(),
            h.value_at_quantile(0.5),
            h.value_at_quantile(0.9),
            h.value_at_quantile(0.99),
            h.value_at_quantile(0.999),
            h.max()
        )
    };
    // A seeded generator: values spread evenly over the powers of two up
    // to 2^k (so every bucket gets some), some of them 0.
    let random = |seed: u64, n: usize, k: u32| -> Vec<u64> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let e = (x >> 58) as u32 % (k + 1);
                if e == 0 {
                    0
                } else {
                    (x >> 11) & ((1u64 << e) - 1)
                }
            })
            .collect()
    };
    let mut edges: Vec<u64> = vec![
        1, 2, 3, 1023, 1024, 1025, 2047, 2048, 2049, 2050, 4095, 4096, 4097,
    ];
    for p in 0..=11 {
        edges.push(10u64.pow(p));
        edges.push(10u64.pow(p) - 1);
    }
    edges.extend([
        59_999_999_999,
        60_000_000_000,
        60_000_000_001,
        60_028_878_847,
        60_028_878_848,
        (1 << 36) - 1,
        1 << 36,
        1 << 40,
        u64::MAX - 1,
        u64::MAX,
    ]);
    let sets: Vec<(&str, Vec<Vec<u64>>)> = vec![
        ("empty", vec![vec![]]),
        ("one value", vec![vec![12_345]]),
        ("zero", vec![vec![0]]),
        ("zeros and ones", vec![vec![0, 0, 0, 1, 1]]),
        ("1 ns to 60 s and beyond", vec![edges.clone()]),
        ("ten values", vec![(1..=10).map(|v| v * 1000).collect()]),
        (
            "a thousand and one",
            vec![(0..1001).map(|v| v * 7 + 3).collect()],
        ),
        ("random up to 2^40", vec![random(1, 100_000, 40)]),
        ("random up to 2^63", vec![random(2, 50_000, 63)]),
        ("random, small", vec![random(3, 20_000, 14)]),
        (
            "two merged",
            vec![random(4, 30_000, 20), random(5, 10_000, 36)],
        ),
        (
            "an empty one merged",
            vec![vec![], edges, random(6, 1000, 12)],
        ),
    ];
    for (what, hists) in sets {
        let mut rust = String::new();
        let mut all = new();
        let mut input = String::new();
        for (i, values) in hists.iter().enumerate() {
            let mut h = new();
            for &v in values {
                h.saturating_record(v);
            }
            rust += &line(&format!("h{i}"), &h);
            all.add(&h).unwrap();
            if i > 0 {
                input += " | ";
            }
            input += &values
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(" ");
        }
        rust += &line("merged", &all);

        let mut child = Command::new(&bin)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("latency-hdr runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{what}");
        assert_eq!(rust, String::from_utf8(out.stdout).unwrap(), "{what}");
    }
}

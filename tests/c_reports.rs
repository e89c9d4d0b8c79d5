//! Checks of the JSON files c/test.sh has the C port's sh4 build write
//! (under qemu-sh4), read with the crate's own schema types, and with each
//! object's keys in the schema's order. Each needs the files c/test.sh
//! writes, named by environment variables, so each is marked ignored (a
//! plain `cargo test` lists it) and fails without them; c/test.sh runs each
//! with `-- --ignored --exact`.

mod common;
use common::{control_ran, input};
use ptear::report::{ListRecord, Report, LIST_SCHEMA, SCHEMA};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::path::Path;
use std::time::Duration;

/// A JSON value with each object's keys in the order of the text (the
/// crate's `serde_json` keeps none): what "every key, in order" checks.
#[derive(Debug)]
enum Ordered {
    Leaf,
    Arr(Vec<Ordered>),
    Obj(Vec<(String, Ordered)>),
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
            fn visit_str<E>(self, _: &str) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Ordered, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = s.next_element()? {
                    v.push(x);
                }
                Ok(Ordered::Arr(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Ordered, A::Error> {
                let mut v = Vec::new();
                while let Some((k, x)) = m.next_entry::<String, Ordered>()? {
                    v.push((k, x));
                }
                Ok(Ordered::Obj(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl Ordered {
    fn get(&self, key: &str) -> &Ordered {
        match self {
            Ordered::Obj(v) => v
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, x)| x)
                .unwrap_or_else(|| panic!("no key {key}")),
            _ => panic!("not an object where {key} was looked up"),
        }
    }
    fn keys(&self) -> Vec<&str> {
        match self {
            Ordered::Obj(v) => v.iter().map(|(k, _)| k.as_str()).collect(),
            _ => panic!("not an object"),
        }
    }
    fn items(&self) -> &[Ordered] {
        match self {
            Ordered::Arr(v) => v,
            _ => panic!("not an array"),
        }
    }
}

/// A file's text, or a failure naming the variable that named it.
fn read(var: &str, what: &str) -> (String, String) {
    let path = input(var, what);
    let text = std::fs::read_to_string(Path::new(&path))
        .unwrap_or_else(|e| panic!("{var}={path}: cannot read: {e}"));
    (path, text)
}

fn parse<'a, T: Deserialize<'a>>(path: &str, text: &'a str) -> T {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `list --json` of the sh4 build (`PTEAR_C_LIST`) on the CPU
/// `PTEAR_C_CPU` (sh7785, SH-4A, or sh7750r, SH-4): ptear-list/1 for this
/// build, every key in order, and the tables of the x86_64 build
/// (`PTEAR_C_LIST_X86_64`; tests/c_port.rs checks those equal the Rust
/// tool's), less the controls that need a 64-bit atomic: both come from
/// c/generated.h, so this checks the sh4 build uses them.
#[test]
#[ignore = "needs PTEAR_C_LIST, PTEAR_C_LIST_X86_64 and PTEAR_C_CPU (c/test.sh runs it)"]
fn c_list_json_in_ptear_c_list() {
    let (path, text) = read("PTEAR_C_LIST", "the sh4 build's list --json");
    let (xpath, xtext) = read("PTEAR_C_LIST_X86_64", "the x86_64 build's list --json");
    let cpu = input("PTEAR_C_CPU", "sh7785 or sh7750r");
    let sh4a = cpu == "sh7785";
    let o: Ordered = parse(&path, &text);
    let d: ListRecord = parse(&path, &text);
    let x: ListRecord = parse(&xpath, &xtext);
    assert_eq!(
        o.keys(),
        [
            "schema", "tool", "arch", "readers", "writers", "barriers", "limits", "controls",
            "layouts"
        ],
        "{path}"
    );
    assert_eq!((d.schema.as_str(), d.arch.as_str()), (LIST_SCHEMA, "sh"));
    assert_eq!(o.get("tool").keys(), ["name", "version", "implementation"]);
    assert_eq!(
        (
            d.tool.name.as_str(),
            d.tool.version.as_str(),
            d.tool.implementation.as_str()
        ),
        ("ptear", env!("CARGO_PKG_VERSION"), "c"),
        "{path}: tool"
    );
    let no64 = Some("SuperH has no 64-bit atomic load or exchange");
    let avail = |v: &[ptear::report::KindRecord]| -> Vec<(String, Option<String>)> {
        v.iter()
            .map(|k| (k.name.clone(), k.unavailable.clone()))
            .collect()
    };
    let want = |v: &[(&str, Option<&str>)]| -> Vec<(String, Option<String>)> {
        v.iter()
            .map(|(n, u)| (n.to_string(), u.map(str::to_owned)))
            .collect()
    };
    assert_eq!(
        avail(&d.readers),
        want(&[
            ("lockless", None),
            ("once", None),
            ("atomic64", no64),
            ("gup-fast", None),
            ("kvm-count", None)
        ])
    );
    assert_eq!(
        avail(&d.writers),
        want(&[
            ("documented", None),
            ("x86-pae", no64),
            ("x86-pae@2.6-4.18", None),
            ("mips", None),
            ("sh", None),
            ("unordered", None)
        ])
    );
    let barriers: Vec<&str> = d.barriers.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(barriers, ["kernel", "full", "synco", "compiler", "none"]);
    for k in ["readers", "writers"] {
        for r in o.get(k).items() {
            assert_eq!(
                r.keys(),
                ["name", "help", "unavailable", "kernels", "source"],
                "{k}"
            );
        }
    }
    let kernels: Vec<bool> = d.writers.iter().map(|w| w.kernels.is_none()).collect();
    assert_eq!(kernels, [false, false, false, false, false, true]);
    for b in o.get("barriers").items() {
        assert_eq!(b.keys(), ["name", "detail", "unavailable"]);
    }
    let synco = &d.barriers[2].unavailable;
    assert_eq!(synco.is_none(), sh4a, "synco on {cpu}: {synco:?}");
    assert_eq!(
        o.get("limits").keys(),
        [
            "max_threads",
            "max_pairs",
            "max_gap",
            "max_low_period",
            "max_duration_s",
            "max_samples",
            "kind_first",
            "exact_retries",
            "rare_retry_slots"
        ]
    );
    for c in o.get("controls").items() {
        assert_eq!(
            c.keys(),
            [
                "name",
                "reader",
                "writer",
                "barrier",
                "low_period",
                "writer_gap",
                "reader_gap",
                "expect",
                "needs_two_cpus",
                "needs_atomic64",
                "layout",
                "clear_to",
                "level",
                "expect_class",
                "expect_caught"
            ]
        );
    }
    let x_controls: Vec<_> = x
        .controls
        .iter()
        .filter(|c| !c.needs_atomic64)
        .cloned()
        .collect();
    assert_eq!(
        d.controls, x_controls,
        "the controls, not the x86_64 build's"
    );
    assert_eq!(d.layouts, x.layouts, "the layouts, not the x86_64 build's");
    assert_eq!(d.limits, x.limits, "the limits, not the x86_64 build's");
    // and every field, those the schema types leave out included
    let (dv, xv): (serde_json::Value, serde_json::Value) =
        (parse(&path, &text), parse(&xpath, &xtext));
    for k in ["layouts", "limits"] {
        assert_eq!(dv[k], xv[k], "{k}: not the x86_64 build's");
    }
    let xc: Vec<&serde_json::Value> = xv["controls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["needs_atomic64"] != true)
        .collect();
    assert_eq!(
        dv["controls"]
            .as_array()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        xc,
        "controls"
    );
    let names = |v: &[ptear::report::KindRecord]| {
        v.iter()
            .map(|k| {
                (
                    k.name.clone(),
                    k.help.clone(),
                    k.kernels.clone(),
                    k.source.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&d.readers), names(&x.readers), "readers");
    assert_eq!(names(&d.writers), names(&x.writers), "writers");
}

/// `run --reads 200001 --readers 2 --format json` of the sh4 build
/// (`PTEAR_C_REPORT`): exactly that many reads, split 100001 + 100000, no
/// time limit.
#[test]
#[ignore = "needs PTEAR_C_REPORT (c/test.sh runs it)"]
fn c_reads_run_in_ptear_c_report() {
    let (path, text) = read(
        "PTEAR_C_REPORT",
        "the report of run --reads 200001 --readers 2",
    );
    let d: Report = parse(&path, &text);
    assert_eq!(d.schema, SCHEMA);
    assert_eq!(d.totals.reads, 200001, "{path}: totals.reads");
    let mut split: Vec<u64> = d.readers.iter().map(|r| r.reads).collect();
    split.sort();
    assert_eq!(split, [100000, 100001], "{path}: each reader's reads");
    assert_eq!(
        (d.config.duration_s, d.config.reads),
        (None, Some(200001)),
        "{path}: config"
    );
}

/// `run -d 60s --checkpoint 1 --json F` of the sh4 build, stopped by
/// SIGINT: `PTEAR_C_CHECKPOINT` is F taken while it ran (complete false),
/// `PTEAR_C_REPORT` the file it left (complete and interrupted, cut
/// short, the checkpoint recorded).
#[test]
#[ignore = "needs PTEAR_C_CHECKPOINT and PTEAR_C_REPORT (c/test.sh runs it)"]
fn c_checkpoint_in_ptear_c_checkpoint() {
    let (mpath, mtext) = read("PTEAR_C_CHECKPOINT", "the --json file copied mid-run");
    let (path, text) = read("PTEAR_C_REPORT", "the --json file after SIGINT");
    let mid: Report = parse(&mpath, &mtext);
    assert!(!mid.complete, "{mpath}: complete mid-run");
    let d: Report = parse(&path, &text);
    assert!(
        d.complete && d.interrupted,
        "{path}: complete {}, interrupted {}",
        d.complete,
        d.interrupted
    );
    assert!(
        d.totals.elapsed_s < 10.0,
        "{path}: {} s",
        d.totals.elapsed_s
    );
    assert_eq!(d.config.checkpoint_s, Some(1.0), "{path}: checkpoint_s");
}

/// The consequence and family names, in the schema's order: the crate's own.
const CONS: [&str; 6] = ptear::pte::Consequences::NAMES;
const FAMILIES: [&str; 4] = ["entry", "protnone", "swap", "migration"];

/// The port's tables (its `list --json`, `PTEAR_PORT_LIST`: c/generated.h,
/// made from the Rust definitions, so no copy of them here).
struct Port {
    list: ListRecord,
}

impl Port {
    fn load() -> Port {
        let (path, text) = read("PTEAR_PORT_LIST", "the sh4 build's list --json");
        Port {
            list: parse(&path, &text),
        }
    }
    fn layout(&self, name: &str) -> &ptear::report::LayoutRecord {
        self.list
            .layouts
            .iter()
            .find(|l| l.name == name)
            .unwrap_or_else(|| panic!("layout {name} is not the port's"))
    }
    fn controls(&self) -> Vec<String> {
        self.list.controls.iter().map(|c| c.name.clone()).collect()
    }
    /// docs/layouts.md: the high next to an installed low in the
    /// half-cleared state of the unordered writer with --clear-to swap or
    /// migration; 0 otherwise.
    fn transient_high(&self, cf: &ptear::report::ConfigRecord) -> u32 {
        if cf.writer != "unordered" {
            return 0;
        }
        let l = self.layout(&cf.layout);
        match cf.clear_to.as_str() {
            "swap" => l.swap[1],
            "migration" => l.migration[1],
            _ => 0,
        }
    }
}

fn sorted_keys(o: &Ordered) -> Vec<&str> {
    let mut k = o.keys();
    k.sort();
    k
}

/// ptear/1: every key of docs/json-schema.md in order, and what the C
/// port must put there. `o`: the report's keys in order; `v`: it as JSON
/// (to tell a float); `d`: it read with the crate's types.
fn check_c(o: &Ordered, v: &serde_json::Value, d: &Report, w: &str, arch: &str, port: &Port) {
    assert_eq!(
        o.keys(),
        [
            "schema",
            "complete",
            "interrupted",
            "verdict",
            "tool",
            "host",
            "config",
            "placement",
            "totals",
            "readers",
            "writers",
            "retry_histogram",
            "retry_percentiles",
            "read_latency",
            "torn_samples"
        ],
        "{w}: top-level keys"
    );
    let sub: [(&str, &[&str]); 7] = [
        ("tool", &["name", "version", "implementation"]),
        (
            "host",
            &[
                "arch",
                "os",
                "kernel",
                "cpu_model",
                "cpus",
                "page_size",
                "emulated",
                "emulation_note",
                "vm",
            ],
        ),
        (
            "config",
            &[
                "reader",
                "writer",
                "barrier",
                "barrier_detail",
                "readers",
                "writers",
                "writers_per_entry",
                "pairs",
                "duration_s",
                "reads",
                "low_period",
                "writer_gap",
                "reader_gap",
                "seed",
                "cpus",
                "checkpoint_s",
                "layout",
                "clear_to",
                "level",
            ],
        ),
        ("placement", &["requested", "granted", "threads"]),
        (
            "totals",
            &[
                "reads",
                "torn",
                "not_present",
                "retries",
                "inexact_retry_reads",
                "elapsed_s",
                "reads_per_s",
                "writer_cycles",
                "writer_cycles_per_s",
                "first_torn_s",
                "mixed",
                "transient",
                "consequences",
                "families",
                "gup_fast",
            ],
        ),
        ("retry_percentiles", &["p50", "p99", "max"]),
        (
            "read_latency",
            &[
                "clock",
                "sampled_every",
                "samples",
                "p50_ns",
                "p90_ns",
                "p99_ns",
                "p999_ns",
                "max_ns",
            ],
        ),
    ];
    for (s, keys) in sub {
        assert_eq!(o.get(s).keys(), keys, "{w}: {s} keys");
    }
    assert_eq!(d.schema, SCHEMA, "{w}");
    assert!(
        d.tool.implementation == "c" && d.tool.name == "ptear",
        "{w}: tool"
    );
    assert_eq!(d.host.arch, arch, "{w}: host.arch");
    let t = &d.totals;
    let torn = if t.torn > 0 { "torn" } else { "clean" };
    assert_eq!(ptear::names::Named::name(d.verdict), torn, "{w}: verdict");
    assert!(
        v["totals"]["elapsed_s"].is_f64(),
        "{w}: elapsed_s not a float"
    );
    for th in o.get("placement").get("threads").items() {
        assert_eq!(sorted_keys(th), ["cpu", "index", "pinned", "role"], "{w}");
    }
    let cf = &d.config;
    let l = port.layout(&cf.layout);
    assert!(
        ["zero", "swap", "migration", "protnone"].contains(&cf.clear_to.as_str()),
        "{w}: clear_to"
    );
    assert!(["pte", "pmd"].contains(&cf.level.as_str()), "{w}: level");
    let maxp = if cf.level == "pmd" {
        l.pmd.as_ref().expect("a PMD layout").max_low_period
    } else {
        l.max_low_period
    };
    assert!((1..=maxp).contains(&cf.low_period), "{w}: low_period");
    assert_eq!(
        t.torn,
        t.mixed + t.transient,
        "{w}: torn is not mixed + transient"
    );
    let tot = o.get("totals");
    assert_eq!(tot.get("consequences").keys(), CONS, "{w}");
    let c = serde_json::to_value(t.consequences).unwrap();
    let cons: Vec<u64> = CONS.iter().map(|k| c[k].as_u64().unwrap()).collect();
    // each wrong value counts once in every consequence that applies, and has one at least
    assert!(cons.iter().all(|&x| x <= t.torn), "{w}: consequences");
    assert!(
        cons.iter().sum::<u64>() >= t.torn,
        "{w}: a wrong value without a consequence"
    );
    // every wrong value in exactly one family
    assert_eq!(tot.get("families").keys(), FAMILIES, "{w}");
    let f = t.families;
    let fams = [f.entry, f.protnone, f.swap, f.migration];
    assert_eq!(
        fams.iter().sum::<u64>(),
        t.torn,
        "{w}: families do not sum to torn"
    );
    match (&t.gup_fast, cf.reader == "gup-fast") {
        (Some(g), true) => {
            assert_eq!(
                tot.get("gup_fast").keys(),
                [
                    "accepted",
                    "fallback_not_present",
                    "fallback_recheck",
                    "first_wrong",
                    "caught",
                    "slipped"
                ],
                "{w}"
            );
            assert!(
                g.fallback_not_present == t.not_present && g.slipped == t.torn,
                "{w}: gup_fast"
            );
            assert_eq!(g.first_wrong, g.caught + g.slipped, "{w}");
            assert_eq!(
                g.accepted + g.fallback_not_present + g.fallback_recheck,
                t.reads,
                "{w}"
            );
            assert!(g.caught <= g.fallback_recheck, "{w}");
        }
        (g, gup) => assert!(!gup && g.is_none(), "{w}: gup_fast {g:?}"),
    }
    for r in o.get("readers").items() {
        assert_eq!(
            sorted_keys(r),
            [
                "index",
                "mixed",
                "reads",
                "reads_per_s",
                "torn",
                "transient"
            ],
            "{w}"
        );
    }
    for r in &d.readers {
        assert_eq!(r.torn, r.mixed + r.transient, "{w}");
    }
    // one record per writer thread, group by group; writer_cycles: their installs
    let n = cf.writers_per_entry;
    assert_eq!(d.writers.len(), cf.writers * n, "{w}: writers");
    for wr in o.get("writers").items() {
        assert_eq!(wr.keys(), ["index", "group", "clears", "installs"], "{w}");
    }
    for (i, x) in d.writers.iter().enumerate() {
        assert!(x.index == i && x.group == i / n, "{w}: writer {i}");
        assert!(n > 1 || x.clears == x.installs, "{w}: writer {i}");
    }
    let installs: u64 = d.writers.iter().map(|x| x.installs).sum();
    assert_eq!(installs, t.writer_cycles, "{w}");
    let roles: Vec<String> = v["placement"]["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["role"].as_str().unwrap().to_owned())
        .collect();
    let mut want = vec!["writer".to_owned(); d.writers.len()];
    want.extend(vec!["reader".to_owned(); d.readers.len()]);
    assert_eq!(roles, want, "{w}: placement");
    let sum = |f: fn(&ptear::report::ReaderRecord) -> u64| d.readers.iter().map(f).sum::<u64>();
    assert_eq!(sum(|r| r.mixed), t.mixed, "{w}");
    assert_eq!(sum(|r| r.transient), t.transient, "{w}");
    let h = &d.retry_histogram;
    let count: u64 = h.iter().map(|e| e.count).sum();
    assert_eq!(count, t.reads, "{w}: histogram does not sum to reads");
    if t.inexact_retry_reads == 0 {
        let r: u64 = h.iter().map(|e| e.count * e.retries).sum();
        assert_eq!(r, t.retries, "{w}: retries not exact");
        let max = h.last().map_or(0, |e| e.retries);
        assert_eq!(d.retry_percentiles.max, max, "{w}");
    }
    assert!(
        h.iter().all(|e| e.count > 0) && h.windows(2).all(|p| p[0].retries <= p[1].retries),
        "{w}: histogram"
    );
    check_samples(o, d, w, port);
}

/// The torn samples of a C port report (part of [`check_c`]).
fn check_samples(o: &Ordered, d: &Report, w: &str, port: &Port) {
    let (t, cf) = (&d.totals, &d.config);
    let l = port.layout(&cf.layout);
    let samples = &d.torn_samples;
    assert!(samples.len() <= 64, "{w}");
    for s in o.get("torn_samples").items() {
        assert_eq!(
            s.keys(),
            [
                "reader",
                "pair",
                "low",
                "high",
                "valid_high",
                "retries",
                "t_s",
                "class",
                "consequences",
                "decoded",
                "family",
                "chosen"
            ],
            "{w}"
        );
        assert_eq!(
            s.get("decoded").keys(),
            ["present", "protnone", "pfn", "writable", "exec"],
            "{w}"
        );
    }
    let fams = t.families;
    let count = |f: &str| match f {
        "entry" => fams.entry,
        "protnone" => fams.protnone,
        "swap" => fams.swap,
        "migration" => fams.migration,
        _ => 0,
    };
    for s in samples {
        // every low a writer stores was installed: one valid high, never more
        assert!(
            s.valid_high.len() == 1 && s.valid_high[0] != s.high,
            "{w}: {s:?}"
        );
        assert!(["mixed", "transient"].contains(&s.class.as_str()), "{w}");
        assert!(
            s.class == "mixed" || s.high == port.transient_high(cf),
            "{w}: {s:?}"
        );
        let in_order: Vec<&str> = CONS
            .iter()
            .copied()
            .filter(|c| s.consequences.iter().any(|x| x == c))
            .collect();
        assert!(
            !s.consequences.is_empty() && s.consequences == in_order,
            "{w}: {s:?}"
        );
        let dec = s.decoded.as_ref().expect("decoded");
        assert!(dec.present, "{w}: {s:?}");
        assert!(!dec.protnone || cf.clear_to == "protnone", "{w}: {s:?}");
        assert_eq!(dec.exec.is_none(), cf.layout == "mips", "{w}: {s:?}");
        let pfn_zero = s.consequences.iter().any(|c| c == "pfn_zero");
        assert!(!pfn_zero || dec.pfn == 0, "{w}: {s:?}");
        // samples by kind (c/samples.h): the family of the value, and how its reader kept it
        assert!(
            ["first_of_kind", "reservoir"].contains(&s.chosen.as_str()),
            "{w}"
        );
        let fam = if dec.protnone {
            "protnone"
        } else if s.high == l.swap[1] {
            "swap"
        } else if s.high == l.migration[1] {
            "migration"
        } else {
            "entry"
        };
        assert!(s.family == fam && count(fam) > 0, "{w}: {s:?}");
    }
    let ts: Vec<(f64, usize)> = samples.iter().map(|s| (s.t_s, s.reader)).collect();
    assert!(
        ts.windows(2).all(|p| p[0] <= p[1]),
        "{w}: samples not by (t_s, reader)"
    );
    // each reader keeps its first 64 wrong values at least (then replaces
    // some): a report has 64 samples, or all of them
    assert_eq!(samples.len() as u64, t.torn.min(64), "{w}: samples");
    if let Some(s) = samples.first() {
        assert!(t.first_torn_s.is_some_and(|f| f <= s.t_s), "{w}");
    }
    if t.torn > 0 {
        assert!(!samples.is_empty() && t.first_torn_s.is_some(), "{w}");
    }
}

/// A ptear/1 file: its keys in order, as JSON, and typed.
fn load_report(path: &str, text: &str) -> (Ordered, serde_json::Value, Report) {
    (parse(path, text), parse(path, text), parse(path, text))
}

/// A `ptear-selftest/1` file of the C port, run with `-d dur`: every
/// control ran and passed, in the order `want`, each a full ptear/1 report
/// of `arch` that `check_c` accepts, run for as long as `control_ran` says.
fn check_selftest(
    path: &str,
    text: &str,
    want: &[String],
    arch: &str,
    port: &Port,
    dur: Duration,
) -> Report {
    let o: Ordered = parse(path, text);
    let v: serde_json::Value = parse(path, text);
    let d: ptear::report::SelftestRecord = parse(path, text);
    assert_eq!(d.schema, ptear::report::SELFTEST_SCHEMA, "{path}");
    let names: Vec<&String> = d.controls.iter().map(|c| &c.name).collect();
    assert_eq!(names, want.iter().collect::<Vec<_>>(), "{path}: controls");
    let bad: Vec<&String> = d
        .controls
        .iter()
        .filter(|c| !c.pass)
        .map(|c| &c.name)
        .collect();
    assert!(bad.is_empty() && d.pass, "{path}: failed: {bad:?}");
    for (i, c) in d.controls.iter().enumerate() {
        let oc = &o.get("controls").items()[i];
        assert_eq!(
            oc.keys(),
            ["name", "expect", "pass", "ended_when_shown", "report"],
            "{path}"
        );
        control_ran(c, dur, path);
        check_c(
            oc.get("report"),
            &v["controls"][i]["report"],
            &c.report,
            &c.name,
            arch,
            port,
        );
    }
    d.controls[0].report.clone()
}

/// A report of the C port's sh4 build that c/test.sh made
/// (`PTEAR_C_REPORT`), checked key by key as ptear/1 (`check_c`) and then
/// as `PTEAR_C_KIND` says: `run` (section 6: clean, complete, emulated,
/// its options), `torn` (7: torn, with samples), `selftest-sh7785` and
/// `selftest-sh7750r` (3: ptear-selftest/1, every control of the port's
/// table, -d 1s (up to 10 s for one that must tear: `control_ran`), with
/// its layout, clear-to and level), `selftest-short`
/// (3: -d 300ms), `selftest-native` (3b: the x86_64 build, -d 500ms). Its
/// summary for c/test.sh's ok line on stdout, after `c_reports: `.
#[test]
#[ignore = "needs PTEAR_C_REPORT, PTEAR_C_KIND and PTEAR_PORT_LIST (c/test.sh runs it)"]
fn c_report_in_ptear_c_report() {
    let port = Port::load();
    let (path, text) = read("PTEAR_C_REPORT", "a report of the C port");
    let kind = input(
        "PTEAR_C_KIND",
        "run, torn, selftest-CPU, selftest-short or selftest-native",
    );
    let controls = port.controls();
    let summary = match kind.as_str() {
        "run" | "torn" => {
            let (o, v, d) = load_report(&path, &text);
            check_c(&o, &v, &d, &kind, "sh", &port);
            let t = &d.totals;
            // Times of wrong reads fall inside the run: the sh4 build once
            // put every one at 4.29 s (2^32 ns) of a 1 s run, from sh4's
            // double to 64-bit integer conversion (c/run_ctx.h, mono_now_ns).
            let inside = |s: f64| (0.0..=t.elapsed_s + 0.05).contains(&s);
            assert!(
                t.first_torn_s.is_none_or(inside),
                "{kind}: first_torn_s {:?} past elapsed_s {}",
                t.first_torn_s,
                t.elapsed_s
            );
            for x in &d.torn_samples {
                assert!(
                    inside(x.t_s),
                    "{kind}: a sample at {} s, past elapsed_s {}",
                    x.t_s,
                    t.elapsed_s
                );
            }
            if kind == "torn" {
                assert!(
                    ptear::names::Named::name(d.verdict) == "torn" && !d.torn_samples.is_empty(),
                    "{path}: not torn, or no samples"
                );
                String::new()
            } else {
                assert!(d.complete && !d.interrupted && d.verdict == ptear::report::Verdict::Clean);
                assert!(
                    d.host.emulated
                        && d.host
                            .emulation_note
                            .as_deref()
                            .is_some_and(|n| !n.is_empty()),
                    "{path}: not flagged as emulated"
                );
                let cf = &d.config;
                assert!(
                    cf.readers == 2 && cf.pairs == 64 && cf.reads.is_none(),
                    "{path}: {cf:?}"
                );
                assert!(t.reads > 0 && t.writer_cycles > 0, "{path}: {t:?}");
                assert!(
                    0.9 < t.elapsed_s && t.elapsed_s < 1.5,
                    "{path}: elapsed_s {}",
                    t.elapsed_s
                );
                format!("{:.2} M reads/s", t.reads_per_s / 1e6)
            }
        }
        "selftest-sh7785" | "selftest-sh7750r" => {
            let d: ptear::report::SelftestRecord = parse(&path, &text);
            // -d 1s: duration_s 1 for a control that must stay clean, 10 for one that must tear
            check_selftest(&path, &text, &controls, "sh", &port, Duration::from_secs(1));
            // each control ran as the port's table says: its layout (or the
            // writer's arch's, README "Entries look like the
            // architecture's"), clear-to, level
            for (c, spec) in d.controls.iter().zip(&port.list.controls) {
                let arch_layout = match spec.writer.as_str() {
                    "mips" => "mips",
                    "sh" => "sh-x2tlb",
                    _ => "x86-pae",
                };
                let layout = spec.layout.as_deref().unwrap_or(arch_layout);
                let cf = &c.report.config;
                assert_eq!(
                    (cf.layout.as_str(), cf.clear_to.as_str(), cf.level.as_str()),
                    (layout, spec.clear_to.as_str(), spec.level.as_str()),
                    "{}",
                    c.name
                );
            }
            let g = d.controls[7]
                .report
                .totals
                .gup_fast
                .expect("gup-fast's counts");
            format!("gup-fast caught {}, slipped {}", g.caught, g.slipped)
        }
        "selftest-short" => {
            let d: ptear::report::SelftestRecord = parse(&path, &text);
            check_selftest(
                &path,
                &text,
                &controls,
                "sh",
                &port,
                Duration::from_millis(300),
            );
            // each stopped when it should: its duration (0.3 s, or 3 s for
            // one that must tear), or before once it had shown its outcome
            for c in &d.controls {
                let (r, cap) = (&c.report, c.report.config.duration_s.unwrap());
                assert!(
                    r.totals.elapsed_s < cap + 0.7,
                    "{}: {} s of {cap} s",
                    c.name,
                    r.totals.elapsed_s
                );
            }
            "PASS".into()
        }
        "selftest-native" => {
            let d: ptear::report::SelftestRecord = parse(&path, &text);
            let mut want = controls.clone();
            want.extend(["atomic64", "x86-pae", "pmd"].map(String::from));
            check_selftest(
                &path,
                &text,
                &want,
                "x86_64",
                &port,
                Duration::from_millis(500),
            );
            let cf = &d.controls.last().unwrap().report.config;
            let pmd = port.layout("x86-pae").pmd.as_ref().unwrap().max_low_period;
            assert_eq!(
                (
                    cf.writer.as_str(),
                    cf.level.as_str(),
                    cf.clear_to.as_str(),
                    cf.low_period
                ),
                ("x86-pae", "pmd", "zero", pmd),
                "the last control"
            );
            let g = d.controls[7]
                .report
                .totals
                .gup_fast
                .expect("gup-fast's counts");
            format!("PASS; gup-fast caught {}, slipped {}", g.caught, g.slipped)
        }
        k => panic!(
            "PTEAR_C_KIND={k}: not one of run, torn, selftest-CPU, selftest-short, selftest-native"
        ),
    };
    println!("c_reports: {summary}");
}

/// The consequences that are not zero, `name count, ...` (the tail of
/// c/test.sh's ok lines).
fn nonzero(c: &ptear::report::ConsequenceCounts) -> String {
    let v = serde_json::to_value(c).unwrap();
    let nz: Vec<String> = CONS
        .iter()
        .filter(|k| v[**k].as_u64().unwrap() > 0)
        .map(|k| format!("{k} {}", v[*k]))
        .collect();
    if nz.is_empty() {
        String::new()
    } else {
        format!("; {}", nz.join(", "))
    }
}

/// The retry histogram test's two reports (c/tests/retry_histogram.c):
/// the exact schedule's and the one past the exact slots.
fn check_hist(a: &Report, b: &Report) {
    for (d, w) in [(a, "exact"), (b, "inexact")] {
        let c = &d.config;
        assert_eq!(
            (
                c.reader.as_str(),
                c.writer.as_str(),
                c.barrier.as_str(),
                c.readers
            ),
            ("lockless", "documented", "kernel", 1),
            "{w}"
        );
        assert!(d.totals.torn == 0 && d.totals.not_present == 0, "{w}");
    }
    let hist = |d: &Report| -> std::collections::BTreeMap<u64, u64> {
        d.retry_histogram
            .iter()
            .map(|e| (e.retries, e.count))
            .collect()
    };
    let mut sched: Vec<u64> = vec![0; 100];
    sched.extend([1, 255, 256, 1000, 1000, 1000, 1001, 4096, 70000, 3]);
    let mut want = std::collections::BTreeMap::new();
    for r in &sched {
        *want.entry(*r).or_insert(0) += 1;
    }
    let t = &a.totals;
    assert_eq!(hist(a), want, "exact: histogram");
    let sum = |d: &Report| {
        d.retry_histogram
            .iter()
            .map(|e| e.retries * e.count)
            .sum::<u64>()
    };
    assert!(
        sum(a) == t.retries && t.retries == sched.iter().sum::<u64>(),
        "exact: {t:?}"
    );
    assert!(
        t.reads == sched.len() as u64 && t.inexact_retry_reads == 0,
        "exact: {t:?}"
    );
    let p = &a.retry_percentiles;
    assert_eq!(
        (p.p50, p.p99, p.max),
        (0, 4096, 70000),
        "exact: percentiles"
    );
    let sched: Vec<u64> = (300..300 + 1024 + 6).collect();
    let mut want: std::collections::BTreeMap<u64, u64> =
        (300..300 + 1024).map(|r| (r, 1)).collect();
    *want.get_mut(&1024).unwrap() += 6;
    let t = &b.totals;
    assert_eq!(hist(b), want, "inexact: histogram");
    let count: u64 = b.retry_histogram.iter().map(|e| e.count).sum();
    assert!(
        t.inexact_retry_reads == 6 && t.reads == sched.len() as u64 && count == t.reads,
        "inexact: {t:?}"
    );
    assert_eq!(
        b.retry_percentiles.max,
        *sched.last().unwrap(),
        "inexact: max"
    );
    let lost: u64 = sched[sched.len() - 6..].iter().map(|r| r - 1024).sum();
    assert!(
        sum(b) + lost == t.retries && t.retries == sched.iter().sum::<u64>(),
        "inexact: {t:?}"
    );
}

/// The samples-by-kind test's report (c/tests/samples.c).
fn check_samples_test(d: &Report) {
    let (t, smp) = (&d.totals, &d.torn_samples);
    let f = t.families;
    assert_eq!(
        (f.entry, f.protnone, f.swap, f.migration),
        (202, 1, 1, 1),
        "families"
    );
    assert_eq!((t.torn, t.transient, t.mixed), (205, 202, 3), "totals");
    let kinds: std::collections::BTreeSet<(u32, u32)> =
        smp.iter().map(|s| (s.low, s.high)).collect();
    assert!(
        smp.len() == 64 && kinds.len() == 5,
        "samples: {} of {} kinds",
        smp.len(),
        kinds.len()
    );
    let fams: std::collections::BTreeSet<&str> = smp.iter().map(|s| s.family.as_str()).collect();
    assert_eq!(
        fams.into_iter().collect::<Vec<_>>(),
        ["entry", "migration", "protnone", "swap"]
    );
    let chosen: std::collections::BTreeSet<&str> = smp.iter().map(|s| s.chosen.as_str()).collect();
    assert_eq!(
        chosen.into_iter().collect::<Vec<_>>(),
        ["first_of_kind", "reservoir"]
    );
}

/// docs/layouts.md in short runs (c/test.sh 3b): the class of each
/// writer's wrong values, the consequences, the readers that consume a
/// value. `mode`: a, b, c-lockless, c-kvm-count, c-gup-fast, d.
fn check_behave(d: &Report, mode: &str, port: &Port) -> String {
    let (cf, t) = (&d.config, &d.totals);
    let c = &t.consequences;
    let mut out = format!(
        "reads {}, torn {} (mixed {}, transient {})",
        t.reads, t.torn, t.mixed, t.transient
    );
    let cfg = (cf.writer.as_str(), cf.layout.as_str(), cf.low_period);
    match mode {
        "a" => {
            assert_eq!(cfg, ("mips", "mips", port.layout("mips").max_low_period));
            assert!(t.transient > 0 && t.mixed == 0 && c.pfn_zero > 0, "{t:?}");
        }
        "b" => {
            let want = ("once", "x86-pae", port.layout("x86-pae").max_low_period);
            assert_eq!(
                (cf.reader.as_str(), cf.layout.as_str(), cf.low_period),
                want
            );
            assert!(t.mixed > 0 && t.transient == 0, "{t:?}");
        }
        "c-lockless" => assert!(t.mixed > 0, "{t:?}"),
        "c-kvm-count" => {
            assert!(
                t.reads > 0 && t.mixed == 0 && t.transient == 0 && t.retries > 0,
                "{t:?}"
            );
            out += &format!(", retries {}", t.retries);
        }
        "c-gup-fast" => {
            let g = t.gup_fast.expect("gup-fast's counts");
            assert!(g.caught > 0, "{g:?}");
            out += &format!(
                "; gup-fast: first value wrong {} = caught {} + slipped {}; accepted {}, fallback not present {}, re-check {}",
                g.first_wrong, g.caught, g.slipped, g.accepted, g.fallback_not_present, g.fallback_recheck
            );
        }
        "d" => {
            assert_eq!(cf.layout, "x86-pae-nohighmem");
            let others = c.wrong_page + c.pfn_zero + c.wrong_permissions + c.no_permissions;
            assert!(others == 0, "{c:?}");
            assert!(
                c.nx_lost + c.nx_gained >= t.torn && t.torn > 0,
                "{c:?} {t:?}"
            );
        }
        m => panic!("behave mode {m}"),
    }
    out + &nonzero(c)
}

/// --clear-to and --level (c/test.sh 3d). `mode`: swap, protnone, pmd.
fn check_clear(d: &Report, mode: &str, port: &Port) -> String {
    let (cf, t, smp) = (&d.config, &d.totals, &d.torn_samples);
    let mut out = format!(
        "reads {}, mixed {}, transient {}",
        t.reads, t.mixed, t.transient
    );
    let x86 = port.layout("x86-pae");
    match mode {
        "swap" => {
            let got = (
                cf.reader.as_str(),
                cf.writer.as_str(),
                cf.layout.as_str(),
                cf.clear_to.as_str(),
                cf.level.as_str(),
            );
            assert_eq!(got, ("once", "documented", "x86-pae", "swap", "pte"));
            assert!(t.mixed > 0 && t.transient == 0, "{t:?}");
            let s = smp.iter().filter(|x| x.high == x86.swap[1]).count();
            out += &format!(
                "; families.swap {}; {s} of {} samples with the swap entry high",
                t.families.swap,
                smp.len()
            );
        }
        "protnone" => {
            let got = (cf.writer.as_str(), cf.layout.as_str(), cf.clear_to.as_str());
            assert_eq!(got, ("mips", "x86-pae", "protnone"));
            assert!(t.transient > 0 && t.mixed == 0, "{t:?}");
            let dec = |x: &ptear::report::TornRecord| x.decoded.expect("decoded");
            assert!(smp.iter().any(|x| dec(x).protnone || dec(x).present));
            let pn: Vec<_> = smp.iter().filter(|x| dec(x).protnone).collect();
            assert!(pn
                .iter()
                .all(|x| x.class == "transient" && x.high == 0 && !dec(x).writable));
            // counted, not fished for in samples: PROT_NONE values in totals.families
            assert!(t.families.protnone > 0, "{:?}", t.families);
            // and, as the first of their kind, in the samples
            assert!(!pn.is_empty(), "no PROT_NONE sample");
            out += &format!(
                "; families.protnone {}; {} of {} samples PROT_NONE",
                t.families.protnone,
                pn.len(),
                smp.len()
            );
        }
        "pmd" => {
            let p = x86.pmd.as_ref().expect("x86-pae has PMDs");
            let got = (
                cf.reader.as_str(),
                cf.writer.as_str(),
                cf.layout.as_str(),
                cf.level.as_str(),
                cf.low_period,
            );
            assert_eq!(
                got,
                ("once", "documented", "x86-pae", "pmd", p.max_low_period)
            );
            assert!(t.mixed > 0 && t.transient == 0, "{t:?}");
            // flags (with PSE) below low_shift
            let mask = (1u32 << p.low_shift) - 1;
            assert!(smp.iter().all(|x| p.low_flags.contains(&(x.low & mask))
                && (x.low >> p.low_shift) < p.max_low_period));
        }
        m => panic!("clear mode {m}"),
    }
    out + &nonzero(&t.consequences)
}

/// --writers-per-entry 2 with the ABA knobs (c/test.sh 3c); `mixed`: the
/// reader and a writer had two CPUs, so mixed values are required.
fn check_wpe(d: &Report, mixed: bool) -> String {
    let (cf, t, w) = (&d.config, &d.totals, &d.writers);
    let got = (cf.writers, cf.writers_per_entry, cf.readers, cf.low_period);
    assert_eq!(got, (1, 2, 1, 2), "config");
    let ig: Vec<(usize, usize)> = w.iter().map(|x| (x.index, x.group)).collect();
    assert_eq!(ig, [(0, 0), (1, 0)], "writers");
    assert!(w.iter().all(|x| x.clears > 0 && x.installs > 0), "{w:?}");
    let clears: u64 = w.iter().map(|x| x.clears).sum();
    let installs: u64 = w.iter().map(|x| x.installs).sum();
    assert!(
        clears.abs_diff(installs) <= 1 && installs == t.writer_cycles,
        "{clears} {installs} {}",
        t.writer_cycles
    );
    let roles: Vec<String> = d
        .placement
        .threads
        .iter()
        .map(|p| {
            serde_json::to_value(p.role)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(roles, ["writer", "writer", "reader"], "placement");
    assert_eq!(t.transient, 0, "{t:?}");
    assert!(!mixed || t.mixed > 0, "no mixed value: {t:?}");
    let each: Vec<String> = w
        .iter()
        .map(|x| {
            format!(
                "writer {}: {} clears, {} installs",
                x.index, x.clears, x.installs
            )
        })
        .collect();
    format!(
        "mixed {} in {:.1} s; {}",
        t.mixed,
        t.elapsed_s,
        each.join("; ")
    )
}

/// A report of a C port run or test program that c/test.sh made
/// (`PTEAR_C_REPORT`, for `hist` also `PTEAR_C_REPORT_B`), of the build
/// for `PTEAR_C_ARCH` (sh or x86_64), checked key by key as ptear/1
/// (`check_c`) and then as `PTEAR_C_KIND` says: `hist` (2), `samples`
/// (2), `behave-MODE` (3b), `wpe-0`/`wpe-1` (3c; 1: mixed values
/// required), `clear-MODE` (3d). Its summary on stdout after `c_reports: `.
#[test]
#[ignore = "needs PTEAR_C_REPORT, PTEAR_C_KIND, PTEAR_C_ARCH and PTEAR_PORT_LIST (c/test.sh runs it)"]
fn c_behaviour_in_ptear_c_report() {
    let port = Port::load();
    let (path, text) = read("PTEAR_C_REPORT", "a report of the C port");
    let kind = input(
        "PTEAR_C_KIND",
        "hist, samples, behave-MODE, wpe-0, wpe-1 or clear-MODE",
    );
    let arch = input("PTEAR_C_ARCH", "the build's host.arch: sh or x86_64");
    let (o, v, d) = load_report(&path, &text);
    let w = kind.split('-').next().unwrap();
    let w = match w {
        "hist" => "exact",
        "behave" | "clear" => &kind[w.len() + 1..],
        "wpe" => "writers-per-entry",
        _ => w,
    };
    check_c(&o, &v, &d, w, &arch, &port);
    let summary = match kind.split_once('-') {
        None if kind == "hist" => {
            let (bpath, btext) = read("PTEAR_C_REPORT_B", "the inexact schedule's report");
            let (bo, bv, b) = load_report(&bpath, &btext);
            check_c(&bo, &bv, &b, "inexact", &arch, &port);
            check_hist(&d, &b);
            String::new()
        }
        None if kind == "samples" => {
            check_samples_test(&d);
            String::new()
        }
        Some(("behave", mode)) => check_behave(&d, mode, &port),
        Some(("clear", mode)) => check_clear(&d, mode, &port),
        Some(("wpe", m)) => check_wpe(&d, m == "1"),
        _ => panic!(
            "PTEAR_C_KIND={kind}: not hist, samples, behave-MODE, wpe-0, wpe-1 or clear-MODE"
        ),
    };
    println!("c_reports: {summary}");
}

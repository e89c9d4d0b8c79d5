//! Checks of the JSON files c/test.sh has the C port's sh4 build write
//! (under qemu-sh4), read with the crate's own schema types, and with each
//! object's keys in the schema's order. Each needs the files c/test.sh
//! writes, named by environment variables, so each is marked ignored (a
//! plain `cargo test` lists it) and fails without them; c/test.sh runs each
//! with `-- --ignored --exact`.

mod common;
use common::input;
use ptear::report::{ListRecord, Report, LIST_SCHEMA, SCHEMA};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::path::Path;

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

//! docs/json-schema.md is the interface's documentation: its examples must
//! be real (they parse into the report types and their torn sample agrees
//! with the encoding) and its key tables must name every key a real report
//! has, so a field added to the code without its documentation fails here.

mod common;
use common::*;
use ptear::config::WriterKind;
use ptear::names::Named;
use ptear::pte::{Class, Encoding, LayoutKind, Pte};
use ptear::report::{ListRecord, Report};
use serde_json::Value;
use std::collections::BTreeSet;

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json-schema.md"))
        .expect("docs/json-schema.md")
}

/// The ```json blocks of the document, in order.
fn json_blocks(doc: &str) -> Vec<String> {
    doc.split("```json")
        .skip(1)
        .map(|b| b.split("```").next().unwrap().to_owned())
        .collect()
}

/// The keys a table documents (`config.*` covers every key under config).
fn documented(doc: &str, heading: &str) -> BTreeSet<String> {
    table_keys(doc_section(doc, heading)).into_iter().collect()
}

/// Every key path is documented itself or under a documented ancestor (an
/// array such as `torn_samples` whose row describes its elements' keys).
fn undocumented(keys: &BTreeSet<String>, doc_keys: &BTreeSet<String>) -> Vec<String> {
    keys.iter()
        .filter(|k| {
            let mut p = k.as_str();
            loop {
                if doc_keys.contains(p) || doc_keys.contains(&format!("{p}.*")) {
                    return false;
                }
                match p.rsplit_once('.') {
                    Some((parent, _)) => p = parent,
                    None => return true,
                }
            }
        })
        .cloned()
        .collect()
}

#[test]
fn the_report_example_is_a_real_report_and_its_torn_sample_is_right() {
    let blocks = json_blocks(&doc());
    let example: Report = serde_json::from_str(&blocks[0]).expect("example parses as ptear/1");
    let c = &example.config;
    let layout = LayoutKind::from_name(&c.layout).unwrap();
    let writer = WriterKind::from_name(&c.writer).unwrap();
    let enc = Encoding::with(layout.layout(), c.low_period, writer.transient_high(None)).unwrap();
    assert!(!example.torn_samples.is_empty());
    for s in &example.torn_samples {
        let pte = Pte {
            low: s.low,
            high: s.high,
        };
        assert_eq!(
            enc.classify(pte),
            Class::Wrong,
            "the example's sample is torn"
        );
        let wrong = enc.wrong(pte);
        assert_eq!(s.class, wrong.class.name());
        assert_eq!(s.consequences, wrong.consequences.names());
        assert_eq!(s.family, wrong.family.name());
        let d = enc.decode(pte);
        let shown = s.decoded.unwrap();
        assert_eq!(
            (shown.present, shown.pfn, shown.writable, shown.exec),
            (d.present, d.pfn, d.writable, d.exec)
        );
        assert_eq!(s.valid_high, enc.valid_high(pte), "valid_high of {pte:?}");
    }
}

#[test]
fn every_key_of_a_real_report_is_in_the_example_and_the_table() {
    let doc = doc();
    let example: Value = serde_json::from_str(&json_blocks(&doc)[0]).unwrap();
    // The example has exactly the keys the report type writes (its torn
    // sample included)...
    let typed: Report = serde_json::from_value(example.clone()).unwrap();
    let written = serde_json::to_value(&typed).unwrap();
    assert_eq!(key_set(&example), key_set(&written), "example vs Report");
    // ...and a real run writes no key the example lacks (it may have no
    // torn sample, so it is a subset).
    // gup-fast: the only reader whose report has every key (`gup_fast`).
    let (_, real) = run_json(&["--reads", "100000", "--seed", "1", "--reader", "gup-fast"]);
    let extra: Vec<_> = key_set(&real)
        .difference(&key_set(&example))
        .cloned()
        .collect();
    assert!(
        extra.is_empty(),
        "real report keys not in the example: {extra:?}"
    );
    let missing = undocumented(&key_set(&example), &documented(&doc, "| key | meaning |"));
    assert!(
        missing.is_empty(),
        "ptear/1 keys without a row: {missing:?}"
    );
}

#[test]
fn the_list_example_is_a_real_list_and_every_key_is_documented() {
    let doc = doc();
    let blocks = json_blocks(&doc);
    let example = blocks.last().unwrap();
    let _: ListRecord = serde_json::from_str(example).expect("example parses as ptear-list/1");
    let out = run(&["list", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let real = stdout_json(&out);
    let example: Value = serde_json::from_str(example).unwrap();
    assert_eq!(key_set(&example), key_set(&real), "example vs real list");
    let missing = undocumented(&key_set(&real), &documented(&doc, "## `ptear-list/1`"));
    assert!(
        missing.is_empty(),
        "ptear-list/1 keys without a row: {missing:?}"
    );
}

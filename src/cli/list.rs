//! `ptear list`: what this build can do on this CPU.

use crate::arch;
use crate::config::{name_of, BarrierKind, ReaderKind, RunConfig, WriterKind};
use clap::ValueEnum;

fn help<T: ValueEnum>(v: T) -> String {
    v.to_possible_value()
        .and_then(|p| p.get_help().map(|h| h.to_string()))
        .unwrap_or_default()
}

pub fn list() -> i32 {
    let mut out = String::new();
    let refusal = |f: &dyn Fn(&mut RunConfig)| {
        let mut cfg = RunConfig::new(0);
        cfg.readers = 1;
        f(&mut cfg);
        cfg.check().err()
    };
    let line = |out: &mut String, what: &str, name: String, desc: String, why: Option<String>| {
        let state = why.map_or(String::new(), |w| format!("  [not available: {w}]"));
        out.push_str(&format!("{what:<8} {name:<14} {desc}{state}\n"));
    };
    for r in ReaderKind::value_variants() {
        line(
            &mut out,
            "reader",
            name_of(*r),
            help(*r),
            refusal(&|c| c.reader = *r),
        );
    }
    for w in WriterKind::value_variants() {
        line(
            &mut out,
            "writer",
            name_of(*w),
            help(*w),
            refusal(&|c| c.writer = *w),
        );
    }
    for info in arch::barrier_info() {
        let kind: BarrierKind = info.kind;
        line(
            &mut out,
            "barrier",
            name_of(kind),
            info.detail.to_owned(),
            info.unavailable.map(str::to_owned),
        );
    }
    print!("{out}");
    crate::cli::exit::CLEAN
}

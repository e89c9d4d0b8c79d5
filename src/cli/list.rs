//! `ptear list`: what this build can do on this CPU, as text or as
//! `ptear-list/1` JSON (kinds, limits, the control table: the document the
//! C port must print identically, tests/c_port.rs).

use super::args::ListArgs;
use super::stdout::out;
use crate::config::{limits, name_of, ReaderKind, WriterKind};
use crate::engine::samples::KIND_FIRST;
use crate::engine::stats::{EXACT_RETRIES, MAX_SAMPLES, RARE_RETRY_SLOTS};
use crate::error::{exit, Error};
use crate::export::json;
use crate::names::Named;
use crate::pte::{ClearTo, LayoutKind, Level};
use crate::report::{
    BarrierRecord, ControlSpec, KindRecord, LayoutRecord, LimitsRecord, ListRecord, PmdRecord,
    Tool, LIST_SCHEMA,
};

fn help<T: Named>(v: T) -> String {
    v.help().to_owned()
}

/// Every value of a kind, with why this build cannot run it (the arch's
/// reason, without the option's name: the C port words it the same).
fn kinds<T: Named>(unavailable: fn(T) -> Option<&'static str>) -> Vec<KindRecord> {
    T::ALL
        .iter()
        .map(|&k| KindRecord {
            name: name_of(k),
            help: help(k),
            unavailable: unavailable(k).map(str::to_owned),
            kernels: None,
            source: None,
        })
        .collect()
}

/// The `ptear-list/1` document of this build on this CPU.
pub fn record() -> ListRecord {
    ListRecord {
        schema: LIST_SCHEMA.into(),
        tool: Tool::this(),
        arch: std::env::consts::ARCH.into(),
        readers: kinds(|k| match k {
            ReaderKind::Atomic64 => crate::arch::HAS_ATOMIC64.err(),
            _ => None,
        }),
        writers: kinds(|k| match k {
            WriterKind::X86Pae => crate::arch::HAS_ATOMIC64.err(),
            _ => None,
        })
        .into_iter()
        .zip(WriterKind::ALL)
        .map(|(rec, k)| KindRecord {
            kernels: k.kernels().map(|(v, _)| v.to_owned()),
            source: k.kernels().map(|(_, f)| f.to_owned()),
            ..rec
        })
        .collect(),
        barriers: crate::arch::barriers()
            .iter()
            .map(|b| BarrierRecord {
                name: name_of(b.kind),
                detail: b.detail.into(),
                unavailable: b.unavailable.map(str::to_owned),
            })
            .collect(),
        limits: LimitsRecord {
            max_threads: limits::MAX_THREADS,
            max_pairs: limits::MAX_PAIRS,
            max_gap: limits::MAX_GAP,
            max_low_period: u64::from(limits::MAX_LOW_PERIOD),
            max_duration_s: limits::MAX_DURATION_S,
            max_samples: MAX_SAMPLES as u64,
            kind_first: KIND_FIRST as u64,
            exact_retries: EXACT_RETRIES as u64,
            rare_retry_slots: RARE_RETRY_SLOTS as u64,
        },
        controls: crate::selftest::controls()
            .into_iter()
            .map(|c| ControlSpec {
                name: c.name.into(),
                reader: name_of(c.reader),
                writer: name_of(c.writer),
                barrier: name_of(c.barrier),
                low_period: c.low_period,
                writer_gap: c.writer_gap,
                reader_gap: c.reader_gap,
                expect: c.expect,
                needs_two_cpus: c.needs_two_cpus,
                needs_atomic64: c.needs_atomic64(),
                layout: c.layout.map(name_of),
                clear_to: name_of(c.clear_to),
                level: name_of(c.level),
                expect_class: c.expect_class.map(|k| k.name().into()),
                expect_caught: c.expect_caught,
            })
            .collect(),
        layouts: LayoutKind::ALL
            .iter()
            .map(|&k| {
                let l = k.layout();
                LayoutRecord {
                    name: name_of(k),
                    help: help(k),
                    present: l.present,
                    low_shift: l.low_shift,
                    low_bits: l.low_bits,
                    low_flags: l.low_flags,
                    high_shift: l.high_shift,
                    high_bits: l.high_bits,
                    pfn_high_bits: l.pfn_high_bits,
                    states: l.states,
                    high_add: l.high_add,
                    high_flags: l.high_flags,
                    nx_mask: l.nx_mask,
                    perm_mask: l.perm_mask,
                    max_low_period: l.max_low_period(),
                    protnone: l.protnone,
                    protnone_low_flags: l.protnone_low_flags,
                    swap: l.swap,
                    migration: l.migration,
                    pmd: k.at(Level::Pmd).map(|p| PmdRecord {
                        low_shift: p.low_shift,
                        low_bits: p.low_bits,
                        low_flags: p.low_flags,
                        max_low_period: p.max_low_period(),
                    }),
                }
            })
            .collect(),
    }
}

/// `ptear list [--json]`.
pub fn list(args: &ListArgs) -> Result<i32, Error> {
    let r = record();
    if args.json {
        out!("{}", json::to_string(&r));
        return Ok(exit::CLEAN);
    }
    let mut text = String::new();
    let line = |out: &mut String, what: &str, name: &str, desc: &str, why: &Option<String>| {
        let state = why
            .as_ref()
            .map_or(String::new(), |w| format!("  [not available: {w}]"));
        out.push_str(&format!("{what:<8} {name:<17} {desc}{state}\n"));
    };
    for k in &r.readers {
        line(&mut text, "reader", &k.name, &k.help, &k.unavailable);
    }
    for k in &r.writers {
        line(&mut text, "writer", &k.name, &k.help, &k.unavailable);
        if let (Some(v), Some(f)) = (&k.kernels, &k.source) {
            text.push_str(&format!("{:<27}kernels: {v}; {f}\n", ""));
        }
    }
    for b in &r.barriers {
        line(&mut text, "barrier", &b.name, &b.detail, &b.unavailable);
    }
    for l in &r.layouts {
        line(&mut text, "layout", &l.name, &l.help, &None);
        if let Some(p) = &l.pmd {
            text.push_str(&format!(
                "{:<27}--level pmd: huge-page PMDs, page frame from bit {}, at most {} low halves\n",
                "", p.low_shift, p.max_low_period
            ));
        }
    }
    for &to in ClearTo::ALL {
        line(&mut text, "clear-to", &name_of(to), &help(to), &None);
    }
    out!("{text}");
    Ok(exit::CLEAN)
}

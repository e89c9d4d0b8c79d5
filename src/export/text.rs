//! The human report: configuration, rates, tears and the retry histogram as
//! a bar chart.

use crate::engine::Role;
use crate::report::{Report, Verdict};
use std::fmt::Write;

const BAR: usize = 40;

/// `12.34 M`: a rate with an SI prefix and a trailing space before the unit.
pub fn si(v: f64) -> String {
    match v {
        v if v >= 1e9 => format!("{:.2} G", v / 1e9),
        v if v >= 1e6 => format!("{:.2} M", v / 1e6),
        v if v >= 1e3 => format!("{:.2} k", v / 1e3),
        v => format!("{v:.0} "),
    }
}

/// The human-readable report.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    header(&mut o, r);
    totals(&mut o, r);
    retry_histogram(&mut o, r);
    torn_samples(&mut o, r);
    let verdict = match r.verdict {
        Verdict::Clean => "clean: no torn read",
        Verdict::Torn => "TORN: readers accepted entries that were never installed",
    };
    let _ = writeln!(o, "\nverdict: {verdict}");
    o
}

/// What ran where: tool, host, configuration, placement.
fn header(o: &mut String, r: &Report) {
    let c = &r.config;
    let h = &r.host;
    let _ = writeln!(
        o,
        "ptear {} ({}) on {} {}, {} CPUs: {}",
        r.tool.version, r.tool.implementation, h.arch, h.kernel, h.cpus, h.cpu_model
    );
    if let Some(note) = &h.emulation_note {
        let _ = writeln!(o, "  emulated: {note}");
    }
    let stop = match (c.duration_s, c.reads) {
        (Some(d), Some(n)) => format!("{d} s or {n} reads"),
        (Some(d), None) => format!("{d} s"),
        (None, Some(n)) => format!("{n} reads"),
        (None, None) => "until interrupted".into(),
    };
    let _ = writeln!(
        o,
        "  reader {}  writer {}  barrier {} ({})",
        c.reader, c.writer, c.barrier, c.barrier_detail
    );
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let writers = match c.writers_per_entry {
        1 => plural(c.writers, "writer", "writers"),
        n => format!(
            "{} of {n} writers taking turns",
            plural(c.writers, "group", "groups")
        ),
    };
    let _ = writeln!(
        o,
        "  {}, {writers}, {}, layout {} ({}s, cleared to {}), low period {}, writer gap {}, reader gap {}, seed {}, stop after {stop}",
        plural(c.readers, "reader", "readers"),
        plural(c.pairs, "pair", "pairs"),
        c.layout,
        c.level,
        c.clear_to,
        c.low_period,
        c.writer_gap,
        c.reader_gap,
        c.seed
    );
    if r.placement.requested {
        let pins: Vec<String> = r
            .placement
            .threads
            .iter()
            .map(|p| {
                format!(
                    "{}{}->{}{}",
                    match p.role {
                        Role::Writer => "w",
                        Role::Reader => "r",
                    },
                    p.index,
                    p.cpu.map_or("-".into(), |c| c.to_string()),
                    if p.pinned { "" } else { "(not pinned)" }
                )
            })
            .collect();
        let _ = writeln!(
            o,
            "  placement: {} ({})",
            pins.join(" "),
            if r.placement.granted {
                "granted"
            } else {
                "NOT granted"
            }
        );
    }
}

/// The counts: reads, writer cycles, retries, GUP-fast, torn and why.
fn totals(o: &mut String, r: &Report) {
    let c = &r.config;
    let t = &r.totals;
    let state = match (r.complete, r.interrupted) {
        (false, _) => " (checkpoint: run still going)",
        (true, true) => " (interrupted)",
        _ => "",
    };
    let _ = writeln!(o, "\nelapsed {:.3} s{state}", t.elapsed_s);
    let _ = writeln!(
        o,
        "  reads          {:>16}  ({}reads/s)",
        t.reads,
        si(t.reads_per_s)
    );
    for rd in &r.readers {
        let _ = writeln!(
            o,
            "    reader {:<4}   {:>16}  ({}reads/s, {} torn: {} mixed, {} transient)",
            rd.index,
            rd.reads,
            si(rd.reads_per_s),
            rd.torn,
            rd.mixed,
            rd.transient
        );
    }
    let _ = writeln!(
        o,
        "  writer cycles  {:>16}  ({}cycles/s)",
        t.writer_cycles,
        si(t.writer_cycles_per_s)
    );
    if c.writers_per_entry > 1 {
        for w in &r.writers {
            let _ = writeln!(
                o,
                "    writer {:<4}   group {}: {} clears, {} installs",
                w.index, w.group, w.clears, w.installs
            );
        }
    }
    let _ = writeln!(o, "  not present    {:>16}", t.not_present);
    let _ = writeln!(
        o,
        "  retries        {:>16}  (p50 {}, p99 {}, max {})",
        t.retries, r.retry_percentiles.p50, r.retry_percentiles.p99, r.retry_percentiles.max
    );
    if let Some(l) = r.read_latency.as_ref().filter(|l| l.samples > 0) {
        let _ = writeln!(
            o,
            "  read latency   {:>16}  timed 1 in {} by {}: p50 {} ns, p90 {} ns, p99 {} ns, p99.9 {} ns, max {} ns",
            l.samples, l.sampled_every, l.clock, l.p50_ns, l.p90_ns, l.p99_ns, l.p999_ns, l.max_ns
        );
    }
    if let Some(g) = &t.gup_fast {
        let _ = writeln!(
            o,
            "  gup-fast       {:>16} accepted, fell back {} (not present) + {} (re-check)",
            g.accepted, g.fallback_not_present, g.fallback_recheck
        );
        let _ = writeln!(
            o,
            "                 {:>16} wrong first values: {} caught by the re-check, {} slipped through",
            g.first_wrong, g.caught, g.slipped
        );
    }
    let _ = writeln!(
        o,
        "  torn           {:>16}  ({} mixed: halves never together; {} transient: stood in memory)",
        t.torn, t.mixed, t.transient
    );
    for (name, n) in t.consequences.named() {
        if n > 0 {
            let _ = writeln!(o, "    {:<14} {:>16}", name.replace('_', "-"), n);
        }
    }
    let families: Vec<String> = t
        .families
        .named()
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    if !families.is_empty() {
        let _ = writeln!(o, "    families       {}", families.join(", "));
    }
    if let Some(first) = t.first_torn_s {
        let _ = writeln!(o, "  first torn at  {first:>14.6} s");
    }
}

/// Retries per read, bars on a log scale.
fn retry_histogram(o: &mut String, r: &Report) {
    if r.retry_histogram.is_empty() {
        return;
    }
    let _ = writeln!(o, "\nretries per read");
    let most = r
        .retry_histogram
        .iter()
        .map(|b| b.count)
        .max()
        .unwrap_or(1)
        .max(1);
    for b in &r.retry_histogram {
        // Log scale: 0 retries dwarfs the rest by orders of magnitude.
        let len = ((b.count as f64).ln_1p() / (most as f64).ln_1p() * BAR as f64).round() as usize;
        let _ = writeln!(
            o,
            "  {:>6} | {:<BAR$} {}",
            b.retries,
            "#".repeat(len.max(1)),
            b.count
        );
    }
    let _ = writeln!(o, "  (bars on a log scale)");
}

/// The torn samples' table.
fn torn_samples(o: &mut String, r: &Report) {
    let t = &r.totals;
    if r.torn_samples.is_empty() {
        return;
    }
    // Files written before samples were chosen by kind say nothing of
    // it: theirs are the first by time.
    let how = if r.torn_samples.iter().any(|s| !s.chosen.is_empty()) {
        "the first 4 of each kind, then a random sample of the rest"
    } else {
        "the first by time"
    };
    let _ = writeln!(
        o,
        "\ntorn samples ({} of {} wrong reads: {how})",
        r.torn_samples.len(),
        t.torn
    );
    let _ = writeln!(
        o,
        "  {:>10}  {:>6} {:>8}  {:>10}  {:>10}  {:>10}  {:>7}  {:<9}  {:<9}  {:<32}  consequences",
        "t (s)",
        "reader",
        "pair",
        "low",
        "high",
        "valid high",
        "retries",
        "class",
        "family",
        "decoded"
    );
    for s in &r.torn_samples {
        let valid: Vec<String> = s.valid_high.iter().map(|v| format!("{v:#010x}")).collect();
        let decoded = s.decoded.map_or(String::new(), |d| {
            format!(
                "{} pfn {:#x} {} {}",
                if d.present { "P" } else { "-" },
                d.pfn,
                if d.writable { "rw" } else { "ro" },
                match d.exec {
                    Some(true) => "exec",
                    Some(false) => "nx",
                    None => "",
                }
            )
        });
        let _ = writeln!(
            o,
            "  {:>10.6}  {:>6} {:>8}  {:#010x}  {:#010x}  {:>10}  {:>7}  {:<9}  {:<9}  {:<32}  {}",
            s.t_s,
            s.reader,
            s.pair,
            s.low,
            s.high,
            valid.join(","),
            s.retries,
            s.class,
            s.family,
            decoded,
            s.consequences.join(" ").replace('_', "-")
        );
    }
}

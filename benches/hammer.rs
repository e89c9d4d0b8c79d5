//! The hammer loop's speed: reads/s of one reader per read protocol against
//! the default (documented) writer, 1 pair, writer and reader pinned to two
//! different CPUs. Each figure is the median (and range) of 5 runs of 2 s,
//! the cases alternated round by round.
//!
//!     cargo bench --bench hammer                  # x86-64
//!     ci/bench.sh                                 # x86-64 and i686, as in BENCHMARKS.md
//!
//! A benchmark, not a test: it asserts nothing and prints a table.

use ptear::affinity;
use ptear::config::{name_of, BarrierKind, ReaderKind, RunConfig};
use ptear::engine;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

const RUNS: usize = 5;
const EACH: Duration = Duration::from_secs(2);

/// "median (min-max)" in millions.
fn spread(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    let m = |x: f64| x / 1e6;
    format!(
        "{:.1} M ({:.1}-{:.1})",
        m(v[v.len() / 2]),
        m(v[0]),
        m(v[v.len() - 1])
    )
}

fn main() {
    // `cargo bench` passes --bench; a filter argument selects protocols.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let cpus = affinity::allowed_cpus();
    let host = ptear::host::detect();
    println!(
        "ptear hammer benchmark: {} on {} ({} CPUs), {} runs of {:?}, median (min-max)",
        host.arch, host.cpu_model, host.cpus, RUNS, EACH
    );
    if cpus.len() < 2 {
        println!("(only one CPU allowed: writer and reader share it)");
    }
    println!(
        "{:<10} {:<10} {:>26} {:>26} {:>10}",
        "reader", "barrier", "reads/s/reader (min-max)", "writer cycles/s (min-max)", "retries"
    );
    let cases = [
        (ReaderKind::Lockless, BarrierKind::Kernel),
        (ReaderKind::Lockless, BarrierKind::Full),
        (ReaderKind::Once, BarrierKind::Kernel),
        (ReaderKind::Atomic64, BarrierKind::Kernel),
        (ReaderKind::KvmCount, BarrierKind::Kernel),
        (ReaderKind::GupFast, BarrierKind::Kernel),
    ];
    let stop = AtomicBool::new(false);
    let mut runnable = Vec::new();
    for (reader, barrier) in cases {
        if !filter.is_empty() && !filter.iter().any(|f| name_of(reader).contains(f.as_str())) {
            continue;
        }
        let mut cfg = RunConfig::new(1);
        cfg.reader = reader;
        cfg.barrier = barrier;
        cfg.readers = 1;
        cfg.duration = Some(EACH);
        cfg.cpus = (cpus.len() >= 2).then(|| cpus[..2].to_vec());
        match cfg.check() {
            Ok(cfg) => runnable.push(cfg),
            Err(why) => println!(
                "{:<10} {:<10} skipped: {why}",
                name_of(reader),
                name_of(barrier)
            ),
        }
    }
    // Rounds outside, cases inside: every case sees the same stretches of
    // a shared machine's noise, so their ratios are fair.
    let mut got = vec![(Vec::new(), Vec::new(), 0u64); runnable.len()];
    for _ in 0..RUNS {
        for (cfg, (reads, cycles, retries)) in runnable.iter().zip(&mut got) {
            let m = engine::run(cfg, &stop, &mut ()).expect("run");
            let secs = m.elapsed.as_secs_f64();
            reads.push(m.readers[0].reads as f64 / secs);
            cycles.push(m.writers[0].installs as f64 / secs);
            *retries += m.readers[0].retries;
        }
    }
    for (cfg, (reads, cycles, retries)) in runnable.iter().zip(got) {
        println!(
            "{:<10} {:<10} {:>26} {:>26} {:>10}",
            name_of(cfg.reader),
            name_of(cfg.barrier),
            spread(reads),
            spread(cycles),
            retries
        );
    }
}

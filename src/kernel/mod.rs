//! The kernel engine (`--engine kernel`, docs/kernel-engine.md): the run
//! happens inside the kernel, in kmod/'s module, whose writers and readers
//! are the kernel's own inline accessors compiled from its headers. This
//! side loads the module with the run's options as parameters
//! (finit_module), waits, reads its debugfs results, unloads it (also on
//! SIGINT/SIGTERM: the run is stopped through its control file first, so
//! nothing is lost) and turns the results into the usual [`Measurement`],
//! so the report is the `ptear/1` report of the other engines.

pub mod encodings;
pub mod module;
pub mod results;
pub mod selftest;

use crate::config::{BarrierKind, CheckedConfig, ReaderKind, RunConfig, WriterKind};
use crate::engine::samples::{Kept, SampleKeeper};
use crate::engine::stats::{ReaderStats, TornSample};
use crate::engine::{hammer::WriterCounts, Measurement, Role, ThreadPlacement};
use crate::error::{usage, Error, UsageError};
use crate::host::Host;
use crate::pte::{ClearTo, LayoutKind, Level};
use crate::report::{self, build::RecordedOptions, KernelRecord, Report};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// How the kernel engine runs, beyond the run's configuration.
#[derive(Clone, Debug)]
pub struct KernelOptions {
    /// The module file (kmod/ptear_kmod.ko built for the running kernel).
    pub module: PathBuf,
    /// Each read with interrupts off, as gup_fast (default).
    pub irqs_off: bool,
}

/// Where `make modules_install` puts an external module, and so where
/// `--module` looks by default: /lib/modules/RELEASE/extra/ptear_kmod.ko.
pub fn default_module_path() -> PathBuf {
    let release = crate::host::detect().kernel;
    Path::new("/lib/modules")
        .join(release)
        .join("extra")
        .join("ptear_kmod.ko")
}

/// The kernel function each reader kind runs.
pub fn reader_source(r: ReaderKind) -> &'static str {
    match r {
        ReaderKind::Once => "kernel: ptep_get (READ_ONCE, no re-check)",
        ReaderKind::GupFast => {
            "kernel: ptep_get_lockless, then gup_pte_range's re-check pte_val(pte) != pte_val(ptep_get(ptep))"
        }
        _ => "kernel: ptep_get_lockless",
    }
}

/// The options of `cfg` the kernel engine cannot do: a usage error naming
/// the first, with why.
pub fn check_supported(cfg: &RunConfig) -> Result<(), UsageError> {
    let no = |opt: &str, why: &str| Err(UsageError(format!("{opt}: {why} (--engine kernel)")));
    if !matches!(
        cfg.reader,
        ReaderKind::Lockless | ReaderKind::Once | ReaderKind::GupFast
    ) {
        return no(
            &format!("--reader {}", crate::config::name_of(cfg.reader)),
            "the kernel has no such reader; the kernel engine runs lockless (ptep_get_lockless), once (ptep_get) and gup-fast",
        );
    }
    if cfg.writer == WriterKind::X86PaeV26 {
        return no(
            "--writer x86-pae@2.6-4.18",
            "that is an old kernel's clear; the module runs the clear of the headers it was built against (x86-pae)",
        );
    }
    if cfg.barrier != BarrierKind::Kernel {
        return no(
            "--barrier",
            "the kernel's accessors carry their own smp_rmb/smp_wmb, as compiled",
        );
    }
    let layout = cfg.layout.unwrap_or(cfg.writer.default_layout());
    if !matches!(layout, LayoutKind::X86Pae | LayoutKind::X86PaeNohighmem) {
        let opt = match cfg.layout {
            Some(_) => "--layout".to_owned(),
            None => format!(
                "--writer {} (its default --layout {})",
                crate::config::name_of(cfg.writer),
                crate::config::name_of(layout)
            ),
        };
        return no(
            &opt,
            "the kernel's pfn_pte builds x86 PAE entries: give --layout x86-pae or x86-pae-nohighmem",
        );
    }
    if cfg.level == Level::Pmd {
        // set_pmd, pmd_clear / pmdp_huge_get_and_clear; the module refuses
        // --reader lockless where the headers have no pmdp_get_lockless
        // (before v6.2), naming it.
        if cfg.reader == ReaderKind::GupFast {
            return no(
                "--reader gup-fast at --level pmd",
                "the kernel engine has no PMD re-check",
            );
        }
        if !matches!(
            cfg.writer,
            WriterKind::Documented | WriterKind::X86Pae | WriterKind::Unordered
        ) {
            return no(
                "--writer at --level pmd",
                "the kernel engine's PMD writers are documented (set_pmd, pmd_clear), x86-pae (set_pmd, pmdp_huge_get_and_clear) and unordered",
            );
        }
    }
    if cfg.writers != 1 || cfg.writers_per_entry != 1 {
        return no(
            if cfg.writers != 1 {
                "--writers"
            } else {
                "--writers-per-entry"
            },
            "the module runs one writer kthread",
        );
    }
    if cfg.reader_gap != 0 {
        return no(
            "--reader-gap",
            "the kernel's readers are inline functions with no place for a gap",
        );
    }
    if cfg.writer_gap != 0 && matches!(cfg.writer, WriterKind::Documented | WriterKind::X86Pae) {
        return no(
            "--writer-gap",
            "the kernel's writers are inline functions with no place for a gap (ptear's own writers mips, sh and unordered take one)",
        );
    }
    Ok(())
}

/// The kernel must keep its entries in two halves: a 64-bit kernel (or a
/// non-x86 one, for which the module is not built) is refused before
/// loading; a 32-bit kernel without PAE is refused by the module.
pub fn check_kernel() -> Result<(), UsageError> {
    let machine = uname_machine();
    let x86_32 = matches!(machine.as_str(), "i386" | "i486" | "i586" | "i686");
    if x86_32 {
        return Ok(());
    }
    Err(UsageError(format!(
        "--engine kernel: this kernel ({machine}) {}: nothing split to test (the module needs a 32-bit x86 PAE kernel)",
        if machine == "x86_64" {
            "reads its 8-byte pte_t as one word"
        } else {
            "is not x86: the module builds x86 PAE entries"
        }
    )))
}

fn uname_machine() -> String {
    // SAFETY: uname fills the struct it is given.
    unsafe {
        let mut u: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut u) != 0 {
            return "unknown".into();
        }
        std::ffi::CStr::from_ptr(u.machine.as_ptr())
            .to_string_lossy()
            .into_owned()
    }
}

/// The module's parameters for `cfg` (kmod/ptear_kmod.c, its enums are
/// c/config.h's and c/layout.h's).
pub fn params(cfg: &CheckedConfig, opts: &KernelOptions) -> String {
    let reader = match cfg.reader {
        ReaderKind::Lockless => 0,
        ReaderKind::Once => 1,
        ReaderKind::Atomic64 => 2,
        ReaderKind::GupFast => 3,
        ReaderKind::KvmCount => 4,
    };
    let writer = match cfg.writer {
        WriterKind::Documented => 0,
        WriterKind::X86Pae => 1,
        WriterKind::X86PaeV26 => 2,
        WriterKind::Mips => 3,
        WriterKind::Sh => 4,
        WriterKind::Unordered => 5,
    };
    let layout = match cfg.layout() {
        LayoutKind::X86Pae => 0,
        LayoutKind::X86PaeNohighmem => 1,
        LayoutKind::Mips => 2,
        LayoutKind::ShX2tlb => 3,
    };
    let clear_to = match cfg.clear_to {
        ClearTo::Zero => 0,
        ClearTo::Swap => 1,
        ClearTo::Migration => 2,
        ClearTo::Protnone => 3,
    };
    let level = match cfg.level {
        Level::Pte => 0,
        Level::Pmd => 1,
    };
    let cpus = placement_cpus(cfg)
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(",");
    format!(
        "reader={reader} writer={writer} layout={layout} clear_to={clear_to} level={level} low_period={} pairs={} readers={} \
         cpus={cpus} duration_ms={} reads={} writer_gap={} seed={} irqs_off={}",
        cfg.encoding().low_period(),
        cfg.pairs,
        cfg.readers,
        cfg.duration.map_or(0, |d| d.as_millis().max(1)),
        cfg.reads.unwrap_or(0),
        cfg.writer_gap,
        cfg.seed,
        u8::from(opts.irqs_off)
    )
}

/// The CPU of the writer, then of each reader: `--cpus` cycled, or the
/// CPUs this process may use, in order, cycled (kthreads are always bound).
fn placement_cpus(cfg: &CheckedConfig) -> Vec<usize> {
    let list = cfg
        .cpus
        .clone()
        .unwrap_or_else(crate::affinity::allowed_cpus);
    let list = if list.is_empty() { vec![0] } else { list };
    (0..=cfg.readers).map(|t| list[t % list.len()]).collect()
}

/// What the run measured, and the module's facts.
pub struct KernelRun {
    /// The counts, as the other engines give them.
    pub measurement: Measurement,
    /// The module's results as it printed them.
    pub results: results::Results,
}

/// Runs `cfg` in the kernel until its duration, its reads, or `interrupt`.
pub fn run(
    cfg: &CheckedConfig,
    opts: &KernelOptions,
    interrupt: &AtomicBool,
) -> Result<KernelRun, Error> {
    let params = params(cfg, opts);
    let loaded = module::Loaded::load(&opts.module, &params)?;
    if let Some(why) = loaded.refused()? {
        return Err(usage(format!(
            "--engine kernel: the module refused the run: {why}"
        )));
    }
    // The module ends the run by itself at its duration; this waits, and on
    // SIGINT/SIGTERM (or a run far past its duration) tells it to stop.
    let deadline = cfg.duration.map(|d| d + Duration::from_secs(60));
    let interrupted = loaded.wait(interrupt, deadline)?;
    let text = loaded.read("results")?;
    let r = results::parse(&text).map_err(crate::error::runtime)?;
    drop(loaded); // unloads
    if !r.done {
        return Err(crate::error::runtime(
            "the module's run did not finish (its state never said done)",
        ));
    }
    Ok(KernelRun {
        measurement: measurement(cfg, &r, interrupted),
        results: r,
    })
}

/// The module's results as a [`Measurement`]: counts and classes are the
/// module's (the C port's classifier); each sample's class and consequences
/// are this build's encoding of the same value (the report builder's).
pub fn measurement(cfg: &CheckedConfig, r: &results::Results, interrupted: bool) -> Measurement {
    let enc = cfg.encoding();
    let mut readers = Vec::new();
    for (i, rd) in r.readers.iter().enumerate() {
        let mut s = ReaderStats::new(SampleKeeper::reader_seed(cfg.seed, i));
        s.reads = rd.reads;
        s.not_present = rd.not_present;
        s.mixed = rd.mixed;
        s.transient = rd.transient;
        s.torn = rd.mixed + rd.transient;
        s.consequences = rd.consequences;
        s.fallback_recheck = rd.recheck;
        s.caught = rd.caught;
        s.first_torn = (s.torn > 0).then(|| Duration::from_nanos(rd.first_torn_ns));
        s.families = rd.families;
        // What the module's keeper (c/samples.c, the C port's code) kept;
        // each value classified again by this build's encoding.
        s.samples = SampleKeeper::restore(
            r.samples
                .iter()
                .filter(|x| x.reader == i)
                .map(|x| Kept {
                    sample: TornSample {
                        reader: i,
                        pair: x.pair,
                        pte: x.pte,
                        wrong: enc.wrong(x.pte),
                        retries: 0,
                        at: Duration::from_nanos(x.t_ns),
                    },
                    chosen: x.chosen,
                    nth: x.nth,
                })
                .collect(),
        );
        readers.push(s);
    }
    let mut placement = vec![ThreadPlacement {
        role: Role::Writer,
        index: 0,
        cpu: Some(r.writer.0),
        pinned: true,
    }];
    placement.extend(r.readers.iter().enumerate().map(|(i, rd)| ThreadPlacement {
        role: Role::Reader,
        index: i,
        cpu: Some(rd.cpu),
        pinned: true,
    }));
    Measurement {
        elapsed: Duration::from_nanos(r.elapsed_ns),
        readers,
        writers: vec![WriterCounts {
            installs: r.writer.1,
            clears: r.writer.2,
        }],
        placement,
        interrupted,
        complete: true,
    }
}

/// The `ptear/1` report of a kernel run: the report builder's, with the
/// implementation `kernel`, the `kernel` facts, each sample's span, and no
/// retry histogram (the kernel's ptep_get_lockless counts no retries) or
/// read latency.
pub fn report(cfg: &CheckedConfig, opts: &KernelOptions, host: &Host, run: &KernelRun) -> Report {
    let mut rep = report::build(cfg, &RecordedOptions::default(), host, &run.measurement);
    let r = &run.results;
    rep.tool.implementation = "kernel".into();
    rep.retry_histogram.clear();
    // The module does not time its reads.
    rep.read_latency = None;
    rep.kernel = Some(KernelRecord {
        headers_release: r.headers_release.clone(),
        running_release: r.running_release.clone(),
        module: opts.module.display().to_string(),
        irqs_off: r.irqs_off,
        writer_source: r.writer_source.clone(),
        reader_source: if r.reader_source.is_empty() {
            reader_source(cfg.reader).into()
        } else {
            r.reader_source.clone()
        },
        retries_counted: false,
    });
    for t in &mut rep.torn_samples {
        t.installs_during = r
            .samples
            .iter()
            .find(|s| {
                s.reader == t.reader
                    && s.pair == t.pair
                    && s.pte.low == t.low
                    && s.pte.high == t.high
                    && (Duration::from_nanos(s.t_ns).as_secs_f64() - t.t_s).abs() < 1e-9
            })
            .map(|s| s.installs_during());
    }
    rep
}

/// The text lines the kernel engine adds under the usual text report.
pub fn text_lines(rep: &Report) -> String {
    let Some(k) = &rep.kernel else {
        return String::new();
    };
    let mut s = format!(
        "kernel engine: module {} built for {} (running {}), reads with interrupts {}\n  writer: {}\n  reader: {}\n  retries: not counted (the kernel's ptep_get_lockless has no counter)\n",
        k.module,
        k.headers_release,
        k.running_release,
        if k.irqs_off { "off" } else { "on" },
        k.writer_source,
        k.reader_source
    );
    let spans: Vec<String> = rep
        .torn_samples
        .iter()
        .filter_map(|t| t.installs_during.map(|n| n.to_string()))
        .collect();
    if !spans.is_empty() {
        s += &format!(
            "  installs during each torn sample's read: {}\n",
            spans.join(" ")
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> RunConfig {
        let mut c = RunConfig::new(7);
        c.readers = 1;
        c.duration = Some(Duration::from_secs(1));
        c
    }

    #[test]
    fn options_the_kernel_cannot_do_are_named() {
        type Set = Box<dyn Fn(&mut RunConfig)>;
        let cases: Vec<(&str, Set)> = vec![
            (
                "--reader kvm-count",
                Box::new(|c| c.reader = ReaderKind::KvmCount),
            ),
            (
                "--reader atomic64",
                Box::new(|c| c.reader = ReaderKind::Atomic64),
            ),
            (
                "--writer x86-pae@2.6-4.18",
                Box::new(|c| c.writer = WriterKind::X86PaeV26),
            ),
            ("--barrier", Box::new(|c| c.barrier = BarrierKind::Full)),
            ("--layout", Box::new(|c| c.layout = Some(LayoutKind::Mips))),
            (
                "--writer sh (its default --layout sh-x2tlb)",
                Box::new(|c| c.writer = WriterKind::Sh),
            ),
            (
                "--reader gup-fast at --level pmd",
                Box::new(|c| {
                    c.level = Level::Pmd;
                    c.reader = ReaderKind::GupFast
                }),
            ),
            (
                "--writer at --level pmd",
                Box::new(|c| {
                    c.level = Level::Pmd;
                    c.writer = WriterKind::Mips;
                    c.layout = Some(LayoutKind::X86Pae)
                }),
            ),
            ("--writers", Box::new(|c| c.writers = 2)),
            ("--writers-per-entry", Box::new(|c| c.writers_per_entry = 2)),
            ("--reader-gap", Box::new(|c| c.reader_gap = 10)),
            ("--writer-gap", Box::new(|c| c.writer_gap = 10)),
        ];
        for (opt, set) in cases {
            let mut c = cfg();
            set(&mut c);
            let e = check_supported(&c).unwrap_err().0;
            assert!(e.starts_with(opt), "{opt}: {e}");
        }
    }

    #[test]
    fn what_the_kernel_can_do_passes() {
        assert!(check_supported(&cfg()).is_ok());
        let mut c = cfg();
        c.writer = WriterKind::Unordered;
        c.writer_gap = 100;
        c.reader = ReaderKind::GupFast;
        assert!(check_supported(&c).is_ok());
        let mut c = cfg();
        c.writer = WriterKind::Mips;
        c.layout = Some(LayoutKind::X86Pae);
        c.clear_to = ClearTo::Swap;
        assert!(check_supported(&c).is_ok());
        let mut c = cfg();
        c.level = Level::Pmd;
        c.reader = ReaderKind::Once;
        c.writer = WriterKind::X86Pae;
        assert!(check_supported(&c).is_ok());
    }

    #[test]
    fn params_name_the_c_enums() {
        let mut c = cfg();
        c.reader = ReaderKind::GupFast;
        c.writer = WriterKind::Unordered;
        c.clear_to = ClearTo::Swap;
        c.cpus = Some(vec![1, 0]);
        c.readers = 2;
        let p = params(
            &c.check().unwrap(),
            &KernelOptions {
                module: "m.ko".into(),
                irqs_off: false,
            },
        );
        for want in [
            "reader=3 ",
            "writer=5 ",
            "layout=0 ",
            "clear_to=1 ",
            "level=0 ",
            "low_period=1048576 ",
            "cpus=1,0,1 ",
            "duration_ms=1000 ",
            "seed=7 ",
            "irqs_off=0",
        ] {
            assert!(p.contains(want), "{want} in {p}");
        }
    }

    #[test]
    fn the_results_become_a_report_with_spans() {
        let text = "schema ptear-kmod/2\nheaders_release 6.1.0-50-686-pae\nrunning_release 6.1.0-50-686-pae\n\
pte_bytes 8\nsplit 1\nstate done\nirqs_off 1\nwriter_source kernel: set_pte, pte_clear\nelapsed_ns 2000000000\n\
writer 0 100 100\nreader 0 1 1000 10 1 0 0 0 5000 1 0 1 0 0 0\n\
families 0 1 0 0 0\nsample 0 0 8229 2147483650 5000 41 43 first_of_kind 0\nend\n";
        let r = results::parse(text).unwrap();
        let c = cfg().check().unwrap();
        let run = KernelRun {
            measurement: measurement(&c, &r, false),
            results: r,
        };
        let opts = KernelOptions {
            module: "m.ko".into(),
            irqs_off: true,
        };
        let rep = report(&c, &opts, &crate::host::detect(), &run);
        assert_eq!(rep.tool.implementation, "kernel");
        assert_eq!(rep.totals.torn, 1);
        assert_eq!(rep.totals.mixed, 1);
        assert!(rep.retry_histogram.is_empty());
        assert_eq!(rep.torn_samples.len(), 1);
        // 8229 = 0x2025: j = 2 with a text page's flags: never installed
        assert_eq!(rep.torn_samples[0].class, "mixed");
        assert_eq!(rep.torn_samples[0].installs_during, Some(2));
        assert_eq!(rep.totals.families.entry, 1);
        assert_eq!(rep.torn_samples[0].chosen, "first_of_kind");
        assert!(rep.kernel.as_ref().unwrap().irqs_off);
        assert!(text_lines(&rep).contains("installs during each torn sample's read: 2"));
    }
}

//! `ptear run --engine kernel` and `ptear selftest --engine kernel`: the
//! command-line side of the kernel engine (src/kernel/ does the work).

use super::args::{Engine, Format, KernelArgs, RunArgs, SelftestArgs};
use crate::config::name_of;
use crate::error::{exit, runtime, usage, Error};
use crate::export::{json, matrix, text};
use crate::kernel::{self, selftest as kst, KernelOptions};
use crate::report::{
    self, build::Extra, ControlRecord, SelftestRecord, SkippedRecord, SELFTEST_SCHEMA,
};
use std::io::Write;

/// The kernel engine's options when `--engine kernel`; None for the model.
/// Its own options without it are a usage error.
pub fn options(a: &KernelArgs) -> Result<Option<KernelOptions>, Error> {
    if a.engine == Engine::Model {
        if a.module.is_some() {
            return Err(usage("--module: only with --engine kernel"));
        }
        if a.irqs_on {
            return Err(usage("--irqs-on: only with --engine kernel"));
        }
        return Ok(None);
    }
    kernel::check_kernel()?;
    Ok(Some(KernelOptions {
        module: a.module.clone().unwrap_or_else(kernel::default_module_path),
        irqs_off: !a.irqs_on,
    }))
}

/// `ptear run --engine kernel`.
pub fn run(args: &RunArgs, opts: &KernelOptions) -> Result<i32, Error> {
    if args.checkpoint.is_some() {
        return Err(usage(
            "--checkpoint: the kernel engine's results are read once, at the end (--engine kernel)",
        ));
    }
    let cfg = args.config()?;
    kernel::check_supported(&cfg)?;
    let cfg = cfg.check()?;
    let interrupt = super::prepare(args.json.as_deref())?;
    let host = crate::host::detect();
    let run = kernel::run(&cfg, opts, &interrupt)?;
    let rep = kernel::report(&cfg, opts, &host, &run);
    match args.format {
        Format::Text => print!("{}{}", text::render(&rep), kernel::text_lines(&rep)),
        Format::Json => print!("{}", json::to_string(&rep)),
    }
    let _ = std::io::stdout().flush();
    if let Some(path) = &args.json {
        json::write_atomic(path, &rep)
            .map_err(|e| runtime(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(super::run::outcome(&rep, args.expect))
}

/// `ptear selftest --engine kernel`: each control by the kernel and by the
/// model, the differential, and the kernel's encodings.
pub fn selftest(args: &SelftestArgs, opts: &KernelOptions) -> Result<i32, Error> {
    let interrupt = super::prepare(args.json.as_deref())?;
    let host = crate::host::detect();
    let seed = args.seed.unwrap_or_else(crate::seed::fresh_seed);
    if !args.quiet {
        println!(
            "ptear selftest --engine kernel on {} ({}), seed {seed}, {:?} per control and engine, module {}",
            host.kernel,
            host.cpu_model,
            args.duration,
            opts.module.display()
        );
    }
    let cpus = crate::affinity::allowed_cpus().len();
    let (mut records, mut model, mut diff, mut skipped) = (vec![], vec![], vec![], vec![]);
    for (i, c) in kst::CONTROLS.iter().enumerate() {
        if let Some(reason) = c.cannot_run_here(cpus) {
            skipped.push(SkippedRecord {
                name: c.name.into(),
                reason,
            });
            continue;
        }
        let cfg = c
            .config(seed.wrapping_add(i as u64), args.duration)
            .check()
            .map_err(|why| usage(format!("control {}: {why}", c.name)))?;
        let krun = kernel::run(&cfg, opts, &interrupt)?;
        let krep = kernel::report(&cfg, opts, &host, &krun);
        let m = crate::engine::run(&cfg, &interrupt, &mut ())?;
        let mrep = report::build(&cfg, &Extra::default(), &host, &m);
        let ran = |r: &report::Report| !r.interrupted && r.totals.reads > 0;
        let k_ok = c.behaved(&krep) && ran(&krep);
        let m_ok = c.behaved(&mrep) && ran(&mrep);
        let agree = kst::agree(&krep, &mrep);
        let pass = k_ok && m_ok && agree.is_ok();
        if !args.quiet {
            println!(
                "  {:<10} {:<9} {:<10} expect {:<5} kernel {:>11} reads {:>9} torn {:<9}  model {:>11} reads {:>9} torn {:<9}  {}",
                c.name,
                name_of(c.reader),
                name_of(c.writer),
                name_of(c.expect),
                krep.totals.reads,
                krep.totals.torn,
                kst::classes(&krep).join("+"),
                mrep.totals.reads,
                mrep.totals.torn,
                kst::classes(&mrep).join("+"),
                match (&agree, k_ok, m_ok) {
                    (Ok(()), true, true) => "PASS".to_owned(),
                    (Err(e), _, _) => format!("FAIL: engines differ: {e}"),
                    (_, false, _) => "FAIL: the kernel's run did not behave".to_owned(),
                    (_, _, false) => "FAIL: the model's run did not behave".to_owned(),
                }
            );
        }
        diff.push(kst::DiffRecord {
            name: c.name.into(),
            kernel: krep.verdict,
            model: mrep.verdict,
            kernel_classes: kst::classes(&krep),
            model_classes: kst::classes(&mrep),
            agree: agree.is_ok(),
        });
        records.push(ControlRecord {
            name: c.name.into(),
            expect: c.expect,
            pass,
            report: krep,
        });
        model.push(ControlRecord {
            name: c.name.into(),
            expect: c.expect,
            pass: m_ok,
            report: mrep,
        });
        if interrupt.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
    }
    let enc = kst::encodings_record(&kst::read_encodings(opts)?);
    let pass = records.iter().all(|r| r.pass)
        && records.len() + skipped.len() == kst::CONTROLS.len()
        && enc.pass;
    let rows: Vec<matrix::Row<'_>> = records
        .iter()
        .map(|r| matrix::Row {
            name: r.name.clone(),
            expect: Some(r.expect),
            report: &r.report,
        })
        .collect();
    println!("\n{}", matrix::text(&rows));
    println!(
        "encodings: {}: {}",
        if enc.pass { "PASS" } else { "FAIL" },
        enc.summary
    );
    println!(
        "selftest --engine kernel: {}",
        if pass {
            "PASS: every control behaved in both engines, the engines agree, the encodings match"
        } else {
            "FAIL"
        }
    );
    if let Some(path) = &args.json {
        let record = kst::KernelSelftestRecord {
            base: SelftestRecord {
                schema: SELFTEST_SCHEMA.into(),
                pass,
                controls: records,
                skipped,
            },
            engine: "kernel".into(),
            model,
            differential: diff,
            encodings: enc,
        };
        json::write_atomic(path, &record)
            .map_err(|e| runtime(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(if pass { exit::CLEAN } else { exit::TORN })
}

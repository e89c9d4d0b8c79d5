//! `ptear selftest`: runs the control set, prints a verdict table.

use super::args::SelftestArgs;
use crate::config::name_of;
use crate::error::{exit, runtime, usage, Error};
use crate::export::{json, matrix};
use crate::report::{
    self, build::Extra, ControlRecord, SelftestRecord, SkippedRecord, SELFTEST_SCHEMA,
};

use crate::selftest::controls;

/// `ptear selftest`: 0 if every control behaved, else 1; or why it failed.
pub fn selftest(args: &SelftestArgs) -> Result<i32, Error> {
    if let Some(opts) = super::kernel::options(&args.kernel)? {
        return super::kernel::selftest(args, &opts);
    }
    let interrupt = super::prepare(args.json.as_deref())?;

    let host = crate::host::detect();
    let seed = args.seed.unwrap_or_else(crate::seed::fresh_seed);
    if !args.quiet {
        println!(
            "ptear selftest on {} ({}), seed {seed}, {:?} per control",
            host.arch, host.cpu_model, args.duration
        );
        if let Some(note) = &host.emulation_note {
            println!("  emulated: {note}");
        }
    }
    let cpus = crate::affinity::allowed_cpus().len();
    let mut records = Vec::new();
    let mut skipped = Vec::new();
    for (i, c) in controls().into_iter().enumerate() {
        if let Some(reason) = c.cannot_run_here(cpus) {
            if !args.quiet {
                println!("  {:<13} skipped: {reason}", c.name);
            }
            skipped.push(SkippedRecord {
                name: c.name.into(),
                reason,
            });
            continue;
        }
        // Control i runs with seed + i (the C port derives it the same way).
        let cfg = c
            .config(seed.wrapping_add(i as u64), args.duration)
            .check()
            .map_err(|why| usage(format!("control {}: {why}", c.name)))?;
        let m = crate::engine::run(&cfg, &interrupt, &mut ())?;
        let report = report::build(&cfg, &Extra::default(), &host, &m);
        // A control that read nothing proved nothing.
        let pass = c.behaved(&report) && !report.interrupted && report.totals.reads > 0;
        if !args.quiet {
            println!(
                "  {:<13} {:<9} {:<11} {:<9} expect {:<5}  {:>12} reads  {:>9} torn  {}",
                c.name,
                name_of(c.reader),
                name_of(c.writer),
                name_of(c.barrier),
                name_of(c.expect),
                report.totals.reads,
                report.totals.torn,
                if pass { "PASS" } else { "FAIL" }
            );
        }
        records.push(ControlRecord {
            name: c.name.into(),
            expect: c.expect,
            pass,
            report,
        });
        if interrupt.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
    }
    let pass = records.iter().all(|r| r.pass) && records.len() + skipped.len() == controls().len();
    let rows: Vec<matrix::Row<'_>> = records
        .iter()
        .map(|r| matrix::Row {
            name: r.name.clone(),
            expect: Some(r.expect),
            report: &r.report,
        })
        .collect();
    println!("\n{}", matrix::text(&rows));
    let verdict = match (pass, skipped.len()) {
        (false, _) => "FAIL".to_owned(),
        (true, 0) => "PASS: every control behaved".to_owned(),
        (true, n) => format!("PASS: every control run behaved ({n} skipped on this machine)"),
    };
    println!("selftest: {verdict}");

    if let Some(path) = &args.json {
        let record = SelftestRecord {
            schema: SELFTEST_SCHEMA.into(),
            pass,
            controls: records,
            skipped,
        };
        json::write_atomic(path, &record)
            .map_err(|e| runtime(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(if pass { exit::CLEAN } else { exit::TORN })
}

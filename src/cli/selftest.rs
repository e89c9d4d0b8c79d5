//! `ptear selftest`: runs the control set, prints a verdict table.

use super::args::{SelftestArgs, SelftestFormat};
use super::selftest_out as out;
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
    out::check_junit_path(args)?;
    let broken = out::break_control(&controls()).map_err(usage)?;
    let started = out::now_s();
    // --format ktap: KTAP alone on stdout, none of the text.
    let text = args.format == SelftestFormat::Text;

    let host = crate::host::detect();
    let seed = args.seed.unwrap_or_else(crate::seed::fresh_seed);
    let about = format!(
        "ptear selftest on {} ({}), seed {seed}, {:?} per control",
        host.arch, host.cpu_model, args.duration
    );
    let emulated = host.emulation_note.as_ref();
    let diag = about.clone() + &emulated.map_or(String::new(), |n| format!("\nemulated: {n}"));
    let ktap = out::Ktap::start(!text, controls().len(), &diag);
    if !args.quiet && text {
        println!("{about}");
        if let Some(note) = &host.emulation_note {
            println!("  emulated: {note}");
        }
    }
    let cpus = crate::affinity::allowed_cpus().len();
    let mut records = Vec::new();
    let mut skipped = Vec::new();
    for (i, c) in controls().into_iter().enumerate() {
        if let Some(reason) = c.cannot_run_here(cpus) {
            if !args.quiet && text {
                println!("  {:<13} skipped: {reason}", c.name);
            }
            skipped.push(SkippedRecord {
                name: c.name.into(),
                reason,
            });
            ktap.skipped(i + 1, &skipped[skipped.len() - 1]);
            continue;
        }
        // Control i runs with seed + i (the C port derives it the same way).
        let mut cfg = c.config(seed.wrapping_add(i as u64), args.duration);
        if broken.as_deref() == Some(c.name) {
            out::sabotage(c, &mut cfg);
        }
        let cfg = cfg
            .check()
            .map_err(|why| usage(format!("control {}: {why}", c.name)))?;
        let m = crate::engine::run(&cfg, &interrupt, &mut ())?;
        let report = report::build(&cfg, &Extra::default(), &host, &m);
        // A control that read nothing proved nothing.
        let pass = c.behaved(&report) && !report.interrupted && report.totals.reads > 0;
        if !args.quiet && text {
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
        ktap.control(i + 1, c, &records[records.len() - 1]);
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
    if text {
        println!("\n{}", matrix::text(&rows));
    }
    let verdict = match (pass, skipped.len()) {
        (false, _) => "FAIL".to_owned(),
        (true, 0) => "PASS: every control behaved".to_owned(),
        (true, n) => format!("PASS: every control run behaved ({n} skipped on this machine)"),
    };
    if text {
        println!("selftest: {verdict}");
    } else {
        let ran = records.len() + skipped.len();
        let rest: Vec<(usize, _)> = controls()
            .into_iter()
            .enumerate()
            .skip(ran)
            .map(|(i, c)| (i + 1, c.name))
            .collect();
        ktap.not_run(&rest);
        ktap.diag(&format!("selftest: {verdict}"));
    }
    if let Some(path) = &args.junit {
        let xml = out::junit(&controls(), &records, &skipped, &host.arch, started);
        crate::export::file::replace(path, xml.as_bytes())
            .map_err(|e| runtime(format!("cannot write {}: {e}", path.display())))?;
    }

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

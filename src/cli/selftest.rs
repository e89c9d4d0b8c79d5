//! `ptear selftest`: runs the control set, prints a verdict table.

use super::args::{SelftestArgs, SelftestFormat};
use super::selftest_out;
use crate::config::name_of;
use crate::error::{exit, runtime, usage, Error};
use crate::export::json;
use crate::report::{
    self, build::RecordedOptions, ControlRecord, SelftestRecord, SkippedRecord, SELFTEST_SCHEMA,
};

use super::stdout::outln;
use crate::selftest::{controls, torn_cap, Control, UntilShown};

/// `ptear selftest`: 0 if every control behaved, else 1; or why it failed.
pub fn selftest(args: &SelftestArgs) -> Result<i32, Error> {
    if let Some(opts) = super::kernel::options(&args.kernel)? {
        return super::kernel::selftest(args, &opts);
    }
    let interrupt = super::prepare(args.json.as_deref())?;
    selftest_out::check_junit_path(args)?;
    let broken = selftest_out::break_control(&controls()).map_err(usage)?;
    let started = selftest_out::now_s();
    // --format ktap: KTAP alone on stdout, none of the text.
    let text = args.format == SelftestFormat::Text;

    let host = crate::host::detect();
    let seed = args.seed.unwrap_or_else(crate::seed::fresh_seed);
    let about = format!(
        "ptear selftest on {} ({}), seed {seed}, {:?} per control (one that must tear: until it has, at most {:?})",
        host.arch,
        host.cpu_model,
        args.duration,
        torn_cap(args.duration)
    );
    let emulated = host.emulation_note.as_ref();
    let diag = about.clone() + &emulated.map_or(String::new(), |n| format!("\nemulated: {n}"));
    let ktap = selftest_out::Ktap::start(!text, controls().len(), &diag);
    if !args.quiet && text {
        outln!("{about}");
        if let Some(note) = &host.emulation_note {
            outln!("  emulated: {note}");
        }
    }
    let run = Run {
        args,
        text,
        seed,
        broken: broken.as_deref(),
        host: &host,
        ktap: &ktap,
    };
    let (records, skipped) = run.controls(&interrupt)?;
    let pass = records.iter().all(|r| r.pass) && records.len() + skipped.len() == controls().len();
    if text {
        outln!("\n{}", selftest_out::table(&records));
    }
    let verdict = match (pass, skipped.len()) {
        (false, _) => "FAIL".to_owned(),
        (true, 0) => "PASS: every control behaved".to_owned(),
        (true, n) => format!("PASS: every control run behaved ({n} skipped on this machine)"),
    };
    if text {
        outln!("selftest: {verdict}");
    } else {
        let names: Vec<&str> = controls().iter().map(|c| c.name).collect();
        ktap.not_run(&selftest_out::not_run(
            &names,
            records.len() + skipped.len(),
        ));
        ktap.diag(&format!("selftest: {verdict}"));
    }
    if let Some(path) = &args.junit {
        let xml = selftest_out::junit(&controls(), &records, &skipped, &host.arch, started);
        selftest_out::write(path, xml.as_bytes())?;
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

/// One selftest's settings, for running its controls.
struct Run<'a> {
    args: &'a SelftestArgs,
    text: bool,
    seed: u64,
    broken: Option<&'a str>,
    host: &'a crate::host::Host,
    ktap: &'a selftest_out::Ktap,
}

impl Run<'_> {
    /// Every control in turn (until an interrupt): the runs, and the
    /// controls this machine cannot run.
    fn controls(
        &self,
        interrupt: &std::sync::atomic::AtomicBool,
    ) -> Result<(Vec<ControlRecord>, Vec<SkippedRecord>), Error> {
        let cpus = crate::affinity::allowed_cpus().len();
        let quiet = self.args.quiet || !self.text;
        let (mut records, mut skipped) = (Vec::new(), Vec::new());
        for (i, c) in controls().into_iter().enumerate() {
            if let Some(reason) = c.cannot_run_here(cpus) {
                if !quiet {
                    outln!("  {:<13} skipped: {reason}", c.name);
                }
                skipped.push(SkippedRecord {
                    name: c.name.into(),
                    reason,
                });
                self.ktap.skipped(i + 1, &skipped[skipped.len() - 1]);
                continue;
            }
            let rec = self.control(i, c, interrupt)?;
            if !quiet {
                outln!(
                    "  {:<13} {:<9} {:<11} {:<9} expect {:<5}  {:>12} reads  {:>9} torn  {}",
                    c.name,
                    name_of(c.reader),
                    name_of(c.writer),
                    name_of(c.barrier),
                    name_of(c.expect),
                    rec.report.totals.reads,
                    rec.report.totals.torn,
                    if rec.pass { "PASS" } else { "FAIL" }
                );
            }
            self.ktap.control(i + 1, c, &rec);
            records.push(rec);
            if interrupt.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
        }
        Ok((records, skipped))
    }

    /// Control `i`'s run, judged.
    fn control(
        &self,
        i: usize,
        c: &Control,
        interrupt: &std::sync::atomic::AtomicBool,
    ) -> Result<ControlRecord, Error> {
        // Control i runs with seed + i (the C port derives it the same way).
        // One that must tear runs until it has (up to TORN_CAP_FACTOR × -d).
        let d = self.args.duration;
        let mut cfg = c.config(self.seed.wrapping_add(i as u64), c.run_for(d));
        if self.broken == Some(c.name) {
            selftest_out::sabotage(c, &mut cfg);
        }
        let cfg = cfg
            .check()
            .map_err(|why| usage(format!("control {}: {why}", c.name)))?;
        let mut until = UntilShown {
            control: c,
            cfg: &cfg,
            d,
            ended: false,
        };
        let m = crate::engine::run(&cfg, interrupt, &mut until)?;
        let report = report::build(&cfg, &RecordedOptions::default(), self.host, &m);
        // A control that read nothing proved nothing.
        let pass = c.behaved(&report) && !report.interrupted && report.totals.reads > 0;
        Ok(ControlRecord {
            name: c.name.into(),
            expect: c.expect,
            pass,
            ended_when_shown: until.ended,
            report,
        })
    }
}

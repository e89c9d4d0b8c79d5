//! `ptear run --engine kernel` and `ptear selftest --engine kernel`: the
//! command-line side of the kernel engine (src/kernel/ does the work).

use super::args::{Engine, Format, KernelArgs, RunArgs, SelftestArgs, SelftestFormat};
use super::selftest_out;
use super::stdout::{out, outln};
use crate::config::name_of;
use crate::error::{exit, runtime, usage, Error};
use crate::export::junit::{self, Case, CaseOutcome};
use crate::export::{json, text};
use crate::kernel::{self, selftest as kst, KernelOptions};
use crate::report::{
    self, build::RecordedOptions, ControlRecord, SelftestRecord, SkippedRecord, SELFTEST_SCHEMA,
};
use crate::selftest::{Control, UntilShown};

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
        Format::Text => out!("{}{}", text::render(&rep), kernel::text_lines(&rep)),
        Format::Json => out!("{}", json::to_string(&rep)),
    }
    if let Some(path) = &args.json {
        json::write_atomic(path, &rep)
            .map_err(|e| runtime(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(super::run::outcome(&rep, args.expect))
}

/// One control's two runs, judged.
struct Judged {
    record: ControlRecord,
    model: ControlRecord,
    diff: kst::DiffRecord,
    /// Why it failed (None: it passed).
    why: Option<String>,
}

/// Runs control `i` by the kernel and by the model, and judges the pair.
fn run_control(
    i: usize,
    c: &Control,
    seed: u64,
    args: &SelftestArgs,
    opts: &KernelOptions,
    host: &crate::host::Host,
    interrupt: &std::sync::atomic::AtomicBool,
) -> Result<Judged, Error> {
    let check = |d| {
        c.config(seed.wrapping_add(i as u64), d)
            .check()
            .map_err(|why| usage(format!("control {}: {why}", c.name)))
    };
    // The module runs its -d; the model, as `ptear selftest` does, until a
    // control that must tear has (up to TORN_CAP_FACTOR × -d).
    let cfg = check(args.duration)?;
    let krun = kernel::run(&cfg, opts, interrupt)?;
    let krep = kernel::report(&cfg, opts, host, &krun);
    let model_cfg = check(c.run_for(args.duration))?;
    let mut until = UntilShown {
        control: c,
        cfg: &model_cfg,
        d: args.duration,
        ended: false,
    };
    let m = crate::engine::run(&model_cfg, interrupt, &mut until)?;
    let mrep = report::build(&model_cfg, &RecordedOptions::default(), host, &m);
    let ran = |r: &report::Report| !r.interrupted && r.totals.reads > 0;
    let k_ok = c.behaved(&krep) && ran(&krep);
    let m_ok = c.behaved(&mrep) && ran(&mrep);
    let agree = kst::agree(&krep, &mrep);
    let why = match (&agree, k_ok, m_ok) {
        (Ok(()), true, true) => None,
        (Err(e), _, _) => Some(format!("engines differ: {e}")),
        (_, false, _) => Some(format!(
            "the kernel's run: {}",
            selftest_out::why_failed(c, &krep, false).unwrap_or_default()
        )),
        (_, _, false) => Some(format!(
            "the model's run: {}",
            selftest_out::why_failed(c, &mrep, false).unwrap_or_default()
        )),
    };
    let diff = kst::DiffRecord {
        name: c.name.into(),
        kernel: krep.verdict,
        model: mrep.verdict,
        kernel_classes: kst::classes(&krep),
        model_classes: kst::classes(&mrep),
        agree: agree.is_ok(),
    };
    let record = |pass, ended_when_shown, report| ControlRecord {
        name: c.name.into(),
        expect: c.expect,
        pass,
        ended_when_shown,
        report,
    };
    Ok(Judged {
        record: record(why.is_none(), false, krep),
        model: record(m_ok, until.ended, mrep),
        diff,
        why,
    })
}

/// The table line of a judged control.
fn text_line(c: &Control, j: &Judged) -> String {
    let (k, m) = (&j.record.report, &j.model.report);
    format!(
        "  {:<10} {:<9} {:<10} expect {:<5} kernel {:>11} reads {:>9} torn {:<9}  model {:>11} reads {:>9} torn {:<9}  {}",
        c.name,
        name_of(c.reader),
        name_of(c.writer),
        name_of(c.expect),
        k.totals.reads,
        k.totals.torn,
        kst::classes(k).join("+"),
        m.totals.reads,
        m.totals.torn,
        kst::classes(m).join("+"),
        j.why.as_ref().map_or("PASS".to_owned(), |w| format!("FAIL: {w}"))
    )
}

/// The KTAP diagnostics of a judged control.
fn ktap_lines(c: &Control, j: &Judged) -> Vec<String> {
    let mut l = vec![
        selftest_out::describe(c, &j.record.report),
        format!("kernel: {}", selftest_out::outcome(&j.record.report)),
        format!("model: {}", selftest_out::outcome(&j.model.report)),
    ];
    l.extend(j.why.as_ref().map(|w| format!("FAIL: {w}")));
    l
}

/// The name of the last test: the kernel's encodings against ptear's.
const ENCODINGS: &str = "encodings";

/// `ptear selftest --engine kernel`: each control by the kernel and by the
/// model, the differential, and the kernel's encodings (one more test in
/// KTAP and JUnit, after the controls).
pub fn selftest(args: &SelftestArgs, opts: &KernelOptions) -> Result<i32, Error> {
    let interrupt = super::prepare(args.json.as_deref())?;
    selftest_out::check_junit_path(args)?;
    let started = selftest_out::now_s();
    let text = args.format == SelftestFormat::Text;
    let host = crate::host::detect();
    let seed = args.seed.unwrap_or_else(crate::seed::fresh_seed);
    let about = format!(
        "ptear selftest --engine kernel on {} ({}), seed {seed}, {:?} per control and engine, module {}",
        host.kernel,
        host.cpu_model,
        args.duration,
        opts.module.display()
    );
    let ktap = selftest_out::Ktap::start(!text, kst::CONTROLS.len() + 1, &about);
    if !args.quiet && text {
        outln!("{about}");
    }
    let cpus = crate::affinity::allowed_cpus().len();
    let (mut judged, mut skipped) = (Vec::<(&Control, Judged)>::new(), vec![]);
    for (i, c) in kst::CONTROLS.iter().enumerate() {
        if let Some(reason) = c.cannot_run_here(cpus) {
            skipped.push(SkippedRecord {
                name: c.name.into(),
                reason,
            });
            ktap.skipped(i + 1, &skipped[skipped.len() - 1]);
            continue;
        }
        let j = run_control(i, c, seed, args, opts, &host, &interrupt)?;
        if !args.quiet && text {
            outln!("{}", text_line(c, &j));
        }
        ktap.case(i + 1, c.name, &ktap_lines(c, &j), j.why.is_none());
        judged.push((c, j));
        if interrupt.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
    }
    let enc = kst::encodings_record(&kst::read_encodings(opts)?);
    let all_ran = judged.len() + skipped.len() == kst::CONTROLS.len();
    let pass = judged.iter().all(|(_, j)| j.why.is_none()) && all_ran && enc.pass;
    let verdict = if pass {
        "PASS: every control behaved in both engines, the engines agree, the encodings match"
    } else {
        "FAIL"
    };
    let enc_line = format!(
        "{}: {}",
        if enc.pass { "PASS" } else { "FAIL" },
        enc.summary
    );
    if text {
        let records: Vec<ControlRecord> = judged.iter().map(|(_, j)| j.record.clone()).collect();
        outln!("\n{}", selftest_out::table(&records));
        outln!("{ENCODINGS}: {enc_line}");
        outln!("selftest --engine kernel: {verdict}");
    } else {
        let names: Vec<&str> = kst::CONTROLS.iter().map(|c| c.name).collect();
        ktap.not_run(&selftest_out::not_run(&names, judged.len() + skipped.len()));
        ktap.case(kst::CONTROLS.len() + 1, ENCODINGS, &[enc_line], enc.pass);
        ktap.diag(&format!("selftest --engine kernel: {verdict}"));
    }
    if let Some(path) = &args.junit {
        selftest_out::write(path, junit(&judged, &skipped, &enc, started).as_bytes())?;
    }
    if let Some(path) = &args.json {
        let (records, (model, differential)) = judged
            .into_iter()
            .map(|(_, j)| (j.record, (j.model, j.diff)))
            .unzip();
        let record = kst::KernelSelftestRecord {
            base: SelftestRecord {
                schema: SELFTEST_SCHEMA.into(),
                pass,
                controls: records,
                skipped,
            },
            engine: "kernel".into(),
            model,
            differential,
            encodings: enc,
        };
        json::write_atomic(path, &record)
            .map_err(|e| runtime(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(if pass { exit::CLEAN } else { exit::TORN })
}

/// The JUnit document: one testcase per control (in table order: a
/// control an interrupt kept from running fails), then the encodings.
fn junit(
    judged: &[(&Control, Judged)],
    skipped: &[SkippedRecord],
    enc: &kst::EncodingsRecord,
    started: u64,
) -> String {
    let classname = "ptear.selftest.kernel";
    let controls: Vec<&Control> = kst::CONTROLS.iter().collect();
    let mut cases = selftest_out::junit_cases(&controls, classname, skipped, |c| {
        judged.iter().find(|(k, _)| k.name == c.name).map(|(_, j)| {
            let o = j
                .why
                .clone()
                .map_or(CaseOutcome::Passed, CaseOutcome::Failed);
            let t = j.record.report.totals.elapsed_s + j.model.report.totals.elapsed_s;
            (t, o, ktap_lines(c, j).join("\n") + "\n")
        })
    });
    cases.push(Case {
        name: ENCODINGS.into(),
        classname: classname.into(),
        time_s: 0.0,
        outcome: if enc.pass {
            CaseOutcome::Passed
        } else {
            CaseOutcome::Failed(enc.summary.clone())
        },
        output: format!("{}\n", enc.summary),
    });
    junit::render(
        "ptear selftest --engine kernel",
        started,
        &junit::hostname(),
        &cases,
    )
}

//! ci/system.sh's reading back of one VM's serial console (ci/system-init.sh
//! prints the markers): each block the guest printed into
//! target/system/out/TARGET/, the reports into target/reports/, one
//! `ok: TARGET: ...` / `FAILED: TARGET: ...` line per check, then the
//! timings by the host's clock. The reports are read with the crate's own
//! schema types. Marked ignored (a plain `cargo test` lists it); ci/system.sh
//! runs it with `-- --ignored --exact` and the inputs in PTEAR_SYSTEM_*;
//! without them it fails.
//!
//! KINDS (`NAME:KIND`): selftest (exit 0, pass, ran on this kernel with SMP
//! CPUs; with a JUnit block, its KTAP and JUnit too), run (exit 0, clean,
//! complete, seed reported), no-mfence (`list` marks mfence not
//! available), needs-sse2 (exit 2, one line on stderr: SSE2, ptear-i586).

mod common;
use common::input;
use ptear::report::{Report, SelftestRecord, Verdict, SELFTEST_SCHEMA};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the guest printed, by marker.
#[derive(Default)]
struct Console {
    info: BTreeMap<String, String>,
    blocks: BTreeMap<String, Vec<String>>,
    /// name -> (exit status, seconds by the guest's clock), in order.
    status: Vec<(String, i32, f64)>,
    done: bool,
}

/// `===PTEAR-KIND[ ARG]===` at the end of `line` (the firmware's last line
/// may precede a marker without a newline): its kind and argument.
fn marker(line: &str) -> Option<(&str, Option<&str>)> {
    let body = line.strip_suffix("===")?;
    let mut from = 0;
    while let Some(i) = body[from..].find("===PTEAR-") {
        let rest = &body[from + i + "===PTEAR-".len()..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let (kind, tail) = rest.split_at(end);
        if !kind.is_empty() {
            if tail.is_empty() {
                return Some((kind, None));
            }
            if let Some(arg) = tail.strip_prefix(' ') {
                return Some((kind, Some(arg)));
            }
        }
        from += i + 1;
    }
    None
}

/// A kernel message that slipped into a block: `[  12.345678] ...`.
fn is_kmsg(line: &str) -> bool {
    let Some(rest) = line.strip_prefix('[') else {
        return false;
    };
    let rest = rest.trim_start();
    let Some((num, _)) = rest.split_once("] ") else {
        return false;
    };
    let Some((a, b)) = num.split_once('.') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    digits(a) && digits(b)
}

fn read_console(log: &Path) -> Console {
    let bytes = std::fs::read(log).unwrap_or_else(|e| panic!("cannot read {}: {e}", log.display()));
    let text = String::from_utf8_lossy(&bytes).replace('\r', "");
    let mut c = Console::default();
    let mut cur: Option<String> = None;
    for line in text.split('\n') {
        let m = marker(line);
        match (m, &cur) {
            (Some(("END", arg)), Some(name)) if arg == Some(name.as_str()) => cur = None,
            // (a kernel message that slipped into a block is left out)
            (_, Some(name)) if !is_kmsg(line) => {
                c.blocks.get_mut(name).unwrap().push(line.to_owned());
            }
            (Some(("BEGIN", Some(arg))), None) => {
                cur = Some(arg.to_owned());
                c.blocks.insert(arg.to_owned(), Vec::new());
            }
            (Some(("INFO", Some(arg))), None) => {
                let (k, v) = arg.split_once(' ').unwrap_or((arg, ""));
                c.info.insert(k.to_owned(), v.to_owned());
            }
            (Some(("STATUS", Some(arg))), None) => {
                let f: Vec<&str> = arg.split(' ').collect();
                assert_eq!(f.len(), 4, "a STATUS marker of 4 fields: {line:?}");
                let (up0, up1): (f64, f64) = (f[2].parse().unwrap(), f[3].parse().unwrap());
                c.status.retain(|(n, _, _)| n != f[0]);
                c.status
                    .push((f[0].to_owned(), f[1].parse().unwrap(), up1 - up0));
            }
            (Some(("DONE", _)), None) => c.done = true,
            _ => {}
        }
    }
    for v in c.blocks.values_mut() {
        if v.last().is_some_and(|l| l.is_empty()) {
            v.pop(); // the guest's empty line before the end marker
        }
    }
    c
}

/// The inputs, and where the outputs go.
struct Vm {
    target: String,
    release: String,
    smp: usize,
    root: PathBuf,
    console: Console,
}

impl Vm {
    fn block(&self, name: &str) -> &[String] {
        self.console.blocks.get(name).map_or(&[], |v| v.as_slice())
    }

    /// The NAME.json block, kept in `dest` (under target/reports/), parsed.
    fn report<T: serde::de::DeserializeOwned>(&self, name: &str, dest: &str) -> Result<T, String> {
        let text = self.block(&format!("{name}.json")).join("\n");
        if text.is_empty() {
            return Err("no JSON report printed".into());
        }
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("the JSON report: {e}"))?;
        let path = self.root.join("target/reports").join(dest);
        std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap() + "\n")
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        serde_json::from_value(v).map_err(|e| format!("the JSON report: {e}"))
    }

    fn on_this_kernel(&self, r: &Report) -> Result<(), String> {
        let booted = self.console.info.get("kernel");
        if Some(&r.host.kernel) != booted {
            return Err(format!(
                "report's kernel {:?}, booted {booted:?}",
                r.host.kernel
            ));
        }
        if r.host.cpus != self.smp {
            return Err(format!(
                "report sees {} CPUs, the VM has {}",
                r.host.cpus, self.smp
            ));
        }
        Ok(())
    }

    /// NAME.out is KTAP (ci/ktap.py) with `n` results, all ok.
    fn ktap_ok(&self, name: &str, n: usize) -> Result<(), String> {
        let file = self
            .root
            .join(format!("target/system/out/{}/{name}.out", self.target));
        let out = Command::new("python3")
            .arg(self.root.join("ci/ktap.py"))
            .arg(&file)
            .output()
            .map_err(|e| format!("cannot run ci/ktap.py: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let want = format!("ktap: {n} tests: ");
        let all_ok = text.starts_with(&want) && text.contains(", 0 not ok,");
        if !out.status.success() || !all_ok {
            return Err(format!(
                "KTAP: expected {n} results, all ok: {}",
                text.lines().take(3).collect::<Vec<_>>().join("; ")
            ));
        }
        Ok(())
    }

    /// NAME.xml is JUnit with one testcase per name in `cases`, no
    /// failures; kept as target/reports/system-TARGET.junit.xml.
    fn junit_ok(&self, name: &str, cases: &[String]) -> Result<(), String> {
        let text = self.block(&format!("{name}.xml")).join("\n");
        let path = self
            .root
            .join(format!("target/reports/system-{}.junit.xml", self.target));
        std::fs::write(&path, format!("{text}\n")).map_err(|e| e.to_string())?;
        let doc = roxmltree::Document::parse(&text).map_err(|e| format!("JUnit: {e}"))?;
        let mut got: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|n| n.attribute("name").unwrap_or("").to_owned())
            .collect();
        let mut want = cases.to_vec();
        got.sort();
        want.sort();
        if got != want {
            return Err(format!("JUnit testcases {got:?}, expected {want:?}"));
        }
        let suite = doc
            .descendants()
            .find(|n| n.has_tag_name("testsuite"))
            .ok_or("JUnit: no testsuite")?;
        let (tests, failures) = (suite.attribute("tests"), suite.attribute("failures"));
        if tests != Some(cases.len().to_string().as_str()) || failures != Some("0") {
            return Err(format!("JUnit suite tests={tests:?} failures={failures:?}"));
        }
        Ok(())
    }

    /// selftest: exit 0, pass, every control on this kernel; what to add
    /// to the check's line.
    fn selftest(&self, name: &str, st: i32) -> Result<String, String> {
        let out = self.block(&format!("{name}.out"));
        let err = self.block(&format!("{name}.err"));
        let tail = last(out, 3)
            .iter()
            .chain(last(err, 3))
            .cloned()
            .collect::<Vec<_>>()
            .join(" | ");
        let json = format!("{name}.json");
        if !self.console.blocks.contains_key(&json) && st != 0 {
            return Err(format!("exit {st}, no report: {tail}"));
        }
        let d: SelftestRecord = self.report(name, &format!("system-{}.json", self.target))?;
        let bad: Vec<String> = d
            .controls
            .iter()
            .filter(|c| !c.pass)
            .map(|c| {
                let t = &c.report.totals;
                format!(
                    "{} expected {}, got {} ({} torn in {} reads, {} retries)",
                    c.name,
                    verdict(c.expect),
                    verdict(c.report.verdict),
                    t.torn,
                    t.reads,
                    t.retries
                )
            })
            .collect();
        if !(st == 0 && d.schema == SELFTEST_SCHEMA && d.pass) {
            let why = if bad.is_empty() { tail } else { bad.join("; ") };
            return Err(format!("exit {st}, pass {}: {why}", d.pass));
        }
        for c in &d.controls {
            self.on_this_kernel(&c.report)?;
        }
        let mut what = String::new();
        if self.console.blocks.contains_key(&format!("{name}.xml")) {
            // --format ktap --junit (the kernel engine's)
            self.ktap_ok(name, d.controls.len() + d.skipped.len() + 1)?;
            let cases: Vec<String> = d
                .controls
                .iter()
                .map(|c| c.name.clone())
                .chain(d.skipped.iter().map(|s| s.name.clone()))
                .chain(["encodings".to_owned()])
                .collect();
            self.junit_ok(name, &cases)?;
            what += ", KTAP and JUnit";
        }
        let skipped: Vec<String> = d
            .skipped
            .iter()
            .map(|s| format!("{} ({})", s.name, s.reason))
            .collect();
        what += &format!(" ({} controls", d.controls.len());
        if !skipped.is_empty() {
            what += &format!("; skipped: {}", skipped.join(", "));
        }
        Ok(what + ")")
    }

    /// run: exit 0, clean, complete, not interrupted, on this kernel.
    fn run(&self, name: &str, st: i32) -> Result<String, String> {
        let err = self.block(&format!("{name}.err"));
        if st != 0 {
            return Err(format!("exit {st}: {}", last(err, 3).join(" | ")));
        }
        // run -> system-TARGET-run.json, c-run -> system-TARGET-c-run.json
        let d: Report = self.report(name, &format!("system-{}-{name}.json", self.target))?;
        if !(d.verdict == Verdict::Clean && d.complete && !d.interrupted) {
            return Err(format!(
                "verdict {}, complete {}, interrupted {}",
                verdict(d.verdict),
                d.complete,
                d.interrupted
            ));
        }
        // (the seed is a u64 of the schema: a report without one does not parse)
        self.on_this_kernel(&d)?;
        Ok(format!(
            " ({} reads, seed {})",
            d.totals.reads, d.config.seed
        ))
    }

    /// One check: its line's text, and the outcome.
    fn check(&self, name: &str, kind: &str, st: i32, secs: f64) -> Result<String, String> {
        if st == 137 {
            return Err(format!(
                "killed after {secs:.0} s (the guest's timeout for this check): hung"
            ));
        }
        let out = self.block(&format!("{name}.out"));
        let err = self.block(&format!("{name}.err"));
        match kind {
            "selftest" => self.selftest(name, st),
            "run" => self.run(name, st),
            "no-mfence" => {
                if st != 0 {
                    return Err(format!("exit {st}: {}", last(err, 3).join(" | ")));
                }
                let row = out
                    .iter()
                    .find(|l| {
                        l.strip_prefix("barrier")
                            .filter(|r| r.starts_with(char::is_whitespace))
                            .and_then(|r| r.trim_start().strip_prefix("mfence"))
                            .is_some_and(|r| r.starts_with(char::is_whitespace))
                    })
                    .ok_or("no mfence row in `list`")?;
                if !row.contains("[not available:") {
                    return Err(format!("mfence listed as available: {row:?}"));
                }
                Ok(String::new())
            }
            "needs-sse2" => {
                let lines: Vec<&String> = err.iter().filter(|l| !l.is_empty()).collect();
                let one = lines.len() == 1
                    && lines[0].to_lowercase().contains("sse2")
                    && lines[0].contains("ptear-i586");
                if st != 2 || !one {
                    let shown: Vec<&str> = lines
                        .iter()
                        .skip(lines.len().saturating_sub(3))
                        .map(|s| s.as_str())
                        .collect();
                    return Err(format!(
                        "exit {st} with {} line(s) on stderr: {:?}",
                        lines.len(),
                        shown.join(" | ")
                    ));
                }
                Ok(String::new())
            }
            _ => panic!("unknown KIND {kind} (selftest, run, no-mfence, needs-sse2)"),
        }
    }
}

fn last(v: &[String], n: usize) -> &[String] {
    &v[v.len().saturating_sub(n)..]
}

fn verdict(v: Verdict) -> &'static str {
    ptear::names::Named::name(v)
}

/// What a check of `kind` says when it passes.
fn what(name: &str, kind: &str) -> String {
    match kind {
        "selftest" => "selftest".into(),
        "run" if name == "c-run" => "C port: run -d 1s is clean".into(),
        "run" => "run -d 1s is clean".into(),
        "no-mfence" => "list marks mfence not available".into(),
        "needs-sse2" => {
            "ptear-i686 refuses a CPU without SSE2 (exit 2, one line naming ptear-i586)".into()
        }
        _ => panic!("unknown KIND {kind} (selftest, run, no-mfence, needs-sse2)"),
    }
}

/// The host's stamps of the guest's markers (LOG's .times file): the
/// time line.
fn timings(vm: &Vm, times: &Path, t0: f64) -> String {
    let text = std::fs::read_to_string(times)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", times.display()));
    let mut stamps: BTreeMap<(String, String), f64> = BTreeMap::new();
    for line in text.lines() {
        let (ts, text) = line.split_once(' ').unwrap_or((line, ""));
        let Ok(ts) = ts.parse::<f64>() else { continue };
        let key = if let Some(r) = text.strip_prefix("===PTEAR-") {
            let end = r
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(r.len());
            let arg = r[end..].strip_prefix(' ').and_then(|a| a.split(' ').next());
            (end > 0).then(|| (r[..end].to_owned(), arg.unwrap_or("").to_owned()))
        } else if let Some(r) = text.strip_prefix("=== check ") {
            r.split_once(':')
                .filter(|(n, _)| !n.is_empty() && !n.contains(char::is_whitespace))
                .map(|(n, _)| ("CHECK".to_owned(), n.to_owned()))
        } else if text.starts_with("===HOST-EXIT") {
            Some(("HOST-EXIT".to_owned(), String::new()))
        } else {
            None
        };
        if let Some(k) = key {
            stamps.entry(k).or_insert(ts);
        }
    }
    let at = |k: &str, a: &str| stamps.get(&(k.to_owned(), a.to_owned())).copied();
    let mut t = Vec::new();
    if let Some(s) = at("INFO", "kernel") {
        t.push(format!("boot to init {:.1} s", s - t0));
    }
    for (n, _, _) in &vm.console.status {
        if let (Some(a), Some(b)) = (at("CHECK", n), at("STATUS", n)) {
            t.push(format!("{n} {:.1} s", b - a));
        }
    }
    if let (Some(a), Some(b)) = (at("DONE", ""), at("HOST-EXIT", "")) {
        t.push(format!("power-off {:.1} s", b - a));
    }
    if let Some(b) = at("HOST-EXIT", "") {
        t.push(format!("VM total {:.1} s", b - t0));
    }
    // The VM's vCPUs are host threads: when other work holds the host's CPUs
    // they take turns, and a control that needs two CPUs at once (aba) can
    // miss; then its retries are near 0 too.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    t.push(format!(
        "host load average {}",
        load.split_whitespace().next().unwrap_or("?")
    ));
    t.join(", ")
}

/// One VM's console read back: PTEAR_SYSTEM_TARGET, PTEAR_SYSTEM_LOG (its
/// LOG.times beside it), PTEAR_SYSTEM_T0 (the host's time at boot),
/// PTEAR_SYSTEM_RELEASE (the kernel it must boot), PTEAR_SYSTEM_SMP (the
/// CPUs it must see), PTEAR_SYSTEM_KINDS (`NAME:KIND ...`).
#[test]
#[ignore = "needs PTEAR_SYSTEM_* naming a VM's log (ci/system.sh runs it)"]
fn system_vm_log_in_ptear_system_log() {
    let target = input("PTEAR_SYSTEM_TARGET", "the ci/system.sh target");
    let log = PathBuf::from(input("PTEAR_SYSTEM_LOG", "the VM's serial log, TARGET.log"));
    let t0: f64 = input("PTEAR_SYSTEM_T0", "the host's clock at boot")
        .parse()
        .expect("PTEAR_SYSTEM_T0 is seconds");
    let release = input("PTEAR_SYSTEM_RELEASE", "the kernel release booted");
    let smp: usize = input("PTEAR_SYSTEM_SMP", "the VM's CPUs")
        .parse()
        .expect("PTEAR_SYSTEM_SMP is a number");
    let kinds = input("PTEAR_SYSTEM_KINDS", "NAME:KIND of each check");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out_dir = root.join(format!("target/system/out/{target}"));
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::create_dir_all(root.join("target/reports")).unwrap();
    let console = read_console(&log);
    for (k, v) in &console.blocks {
        let text = if v.is_empty() {
            String::new()
        } else {
            v.join("\n") + "\n"
        };
        std::fs::write(out_dir.join(k), text).unwrap();
    }
    let vm = Vm {
        target,
        release,
        smp,
        root,
        console,
    };
    // A line of its own: the harness's own output never shares it.
    println!();
    let mut results = Vec::new();
    let mut result = |ok: bool, what: &str, why: &str| {
        results.push(ok);
        if ok {
            println!("ok: {}: {what}", vm.target);
        } else {
            println!("FAILED: {}: {what}: {why}", vm.target);
        }
    };
    let kernel = vm.console.info.get("kernel");
    let booted = kernel.is_some();
    let why = match kernel {
        None => "never reached init".to_owned(),
        Some(k) => format!("booted {k:?}, expected {:?}", vm.release),
    };
    result(
        kernel == Some(&vm.release),
        &format!("boots {} to init", vm.release),
        &why,
    );
    if booted {
        let cpus = vm.console.info.get("cpus");
        result(
            cpus == Some(&vm.smp.to_string()),
            &format!("{} CPU(s) online", vm.smp),
            &format!("{cpus:?} online, expected {}", vm.smp),
        );
    }
    for spec in kinds.split_whitespace() {
        let (name, kind) = spec
            .split_once(':')
            .unwrap_or_else(|| panic!("{spec}: not NAME:KIND"));
        let w = what(name, kind);
        let Some(&(_, st, secs)) = vm.console.status.iter().find(|(n, _, _)| n == name) else {
            result(
                false,
                &w,
                "no exit status: the VM died or timed out before this check finished (see the log)",
            );
            continue;
        };
        match vm.check(name, kind, st, secs) {
            Ok(more) => result(true, &format!("{w}{more}"), ""),
            Err(why) => result(false, &w, &why),
        }
    }
    if booted && !vm.console.done {
        result(
            false,
            "init ran every check",
            "no ===PTEAR-DONE=== (the guest died or timed out)",
        );
    }
    let times = log.with_extension("times");
    println!("time: {}: {}", vm.target, timings(&vm, &times, t0));
    if booted {
        let i = |k: &str| vm.console.info.get(k).map_or("None", |s| s.as_str());
        println!(
            "info: {}: {}, {} x {}, entropy_avail at init {}",
            vm.target,
            i("kernel"),
            i("cpus"),
            i("cpu"),
            i("entropy_avail")
        );
    }
    let failed = results.iter().filter(|ok| !**ok).count();
    assert_eq!(failed, 0, "{failed} check(s) of {} failed", vm.target);
}

//! One trial: a child `ptear run ... --format json -q`, by default this
//! executable, or any ptear binary behind an `--exec` prefix (qemu-user, the
//! C port, ssh to a board). Hunt and sweep drive the engine only through
//! its command line and its `ptear/1` report.

use crate::error::{runtime, usage, Error};
use crate::report::stats::per_s;
use crate::report::{Report, SCHEMA};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How to start a ptear binary: a program and the arguments before `run`.
#[derive(Clone, Debug)]
pub struct Runner {
    argv: Vec<String>,
    exec: Option<String>,
}

/// What one trial measured.
#[derive(Clone, Debug)]
pub struct Trial {
    /// The child's report.
    pub report: Report,
    /// Wall-clock seconds from spawn to exit (start-up included).
    pub wall_s: f64,
}

impl Trial {
    /// Torn reads per second: `totals.torn / totals.elapsed_s`.
    pub fn tears_per_s(&self) -> f64 {
        per_s(self.report.totals.torn, self.report.totals.elapsed_s)
    }
}

impl Runner {
    /// `--exec 'PREFIX'` split on whitespace, or this executable.
    pub fn new(exec: Option<&str>) -> Result<Runner, Error> {
        match exec {
            Some(s) => {
                let argv: Vec<String> = s.split_whitespace().map(str::to_owned).collect();
                if argv.is_empty() {
                    return Err(usage(
                        "--exec needs a command, e.g. 'qemu-mipsel ptear-mipsel'",
                    ));
                }
                Ok(Runner {
                    argv,
                    exec: Some(s.split_whitespace().collect::<Vec<_>>().join(" ")),
                })
            }
            None => {
                let me = std::env::current_exe()
                    .map_err(|e| runtime(format!("cannot find this executable: {e}")))?;
                Ok(Runner {
                    argv: vec![me.to_string_lossy().into_owned()],
                    exec: None,
                })
            }
        }
    }

    /// The `--exec` prefix as given (normalised), `None` for this executable.
    pub fn exec(&self) -> Option<&str> {
        self.exec.as_deref()
    }

    /// How a user starts the same binary: the `--exec` prefix, or `ptear`.
    pub fn program(&self) -> &str {
        self.exec.as_deref().unwrap_or("ptear")
    }

    /// Runs `PREFIX run ARGS -d D --seed S --format json -q` and reads its
    /// report. Exit 0 and 1 (clean, torn) are results; 2 is a usage error
    /// (the child's line); anything else, or output that is not a ptear/1
    /// report, is a runtime failure.
    pub fn run(&self, args: &[String], duration: Duration, seed: u64) -> Result<Trial, Error> {
        let start = Instant::now();
        let out = Command::new(&self.argv[0])
            .args(&self.argv[1..])
            .arg("run")
            .args(args)
            .args(["-d", &format!("{:.3}s", duration.as_secs_f64())])
            .args(["--seed", &seed.to_string(), "--format", "json", "-q"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| runtime(format!("cannot start {}: {e}", self.argv[0])))?;
        let wall_s = start.elapsed().as_secs_f64();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = stderr
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("no message")
            .to_owned();
        match out.status.code() {
            Some(0 | 1) => {}
            Some(2) => {
                return Err(usage(
                    Error::usage_from_child(&line)
                        + &format!(" (from: {} run {})", self.program(), args.join(" ")),
                ))
            }
            Some(c) => {
                return Err(runtime(format!(
                    "trial `{} run {}` failed (exit {c}): {line}",
                    self.program(),
                    args.join(" ")
                )))
            }
            None => {
                return Err(runtime(format!(
                    "trial `{} run {}` was killed by a signal: {line}",
                    self.program(),
                    args.join(" ")
                )))
            }
        }
        let report: Report = serde_json::from_slice(&out.stdout).map_err(|e| {
            runtime(format!(
                "trial `{} run {}` printed no ptear/1 report: {e}",
                self.program(),
                args.join(" ")
            ))
        })?;
        if report.schema != SCHEMA {
            return Err(runtime(format!(
                "trial printed schema {}, not {SCHEMA}",
                report.schema
            )));
        }
        Ok(Trial { report, wall_s })
    }
}

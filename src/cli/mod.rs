//! The command line: parses arguments, runs a command, maps outcomes to
//! exit statuses. `main` is one call to [`main`].

pub mod args;
mod list;
pub mod parse;
mod report;
mod run;
mod selftest;

use args::{Cli, Command};
use clap::Parser;

/// Exit statuses (README, "Exit status").
pub mod exit {
    pub const CLEAN: i32 = 0;
    pub const TORN: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const RUNTIME: i32 = 3;
}

/// A usage error: one line on stderr, exit 2, before any thread starts.
pub(crate) fn usage(msg: impl std::fmt::Display) -> i32 {
    eprintln!("ptear: error: {msg}");
    exit::USAGE
}

/// A runtime failure: one line with the cause, exit 3.
pub(crate) fn runtime(msg: impl std::fmt::Display) -> i32 {
    eprintln!("ptear: runtime failure: {msg}");
    exit::RUNTIME
}

/// What `run` and `selftest` do before any thread starts: check that the
/// `--json` file can be written (a usage error if not) and catch SIGINT and
/// SIGTERM. `Err` carries the exit status, the message already printed.
pub(crate) fn prepare(
    json: Option<&std::path::Path>,
) -> Result<std::sync::Arc<std::sync::atomic::AtomicBool>, i32> {
    if let Some(path) = json {
        crate::export::json::check_writable(path)
            .map_err(|e| usage(format!("cannot write --json file {}: {e}", path.display())))?;
    }
    crate::signals::install().map_err(|e| runtime(format!("cannot install signal handlers: {e}")))
}

/// Folds clap's multi-line error into one line: the error and its possible
/// values, without the usage block or the "--help" hint.
fn one_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let kept: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information")
        })
        .collect();
    kept.join(" ").trim_start_matches("error: ").to_owned()
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind::*;
            return match e.kind() {
                DisplayHelp | DisplayVersion | DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = e.print();
                    exit::CLEAN
                }
                _ => usage(one_line(&e)),
            };
        }
    };
    match cli.command {
        None => run::run(&cli.run),
        Some(Command::Run(a)) => run::run(&a),
        Some(Command::List) => list::list(),
        Some(Command::Selftest(a)) => selftest::selftest(&a),
        Some(Command::Report(a)) => report::report(&a),
    }
}

//! The command line: parses arguments, runs a command, maps its outcome or
//! its [`Error`] to an exit status. `main` is one call to [`main`].

pub mod args;
mod completions;
pub mod hunt;
mod kernel;
mod list;
pub mod parse;
mod report;
mod run;
mod selftest;
mod selftest_out;
pub mod status_line;
mod stdout;
pub mod sweep;
mod values;

use crate::error::{exit, runtime, usage, Error};
use args::{Cli, Command};
use clap::Parser;

/// `ptear --version`: the package version, the implementation, what this
/// binary was built for (arch, target CPU) and the commit it was built
/// from (build.rs: `unknown` when the source had no git history).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (rust; ",
    env!("PTEAR_TARGET_ARCH"),
    "; target-cpu ",
    env!("PTEAR_TARGET_CPU"),
    "; commit ",
    env!("PTEAR_COMMIT"),
    ")"
);

/// What `run` and `selftest` do before any thread starts: check that the
/// `--json` file can be written (a usage error if not) and catch SIGINT and
/// SIGTERM.
pub(crate) fn prepare(
    json: Option<&std::path::Path>,
) -> Result<std::sync::Arc<std::sync::atomic::AtomicBool>, Error> {
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

/// Runs the command line; returns the exit status.
pub fn main() -> i32 {
    // First, before anything relies on it: an i686 build on a CPU without
    // SSE2 would die with SIGILL somewhere later.
    if let Err(why) = crate::arch::check_build_runs_here() {
        eprintln!("{}", usage(why));
        return exit::USAGE;
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind::*;
            return match e.kind() {
                DisplayHelp | DisplayVersion | DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = e.print();
                    exit::CLEAN
                }
                _ => {
                    eprintln!("{}", usage(one_line(&e)));
                    exit::USAGE
                }
            };
        }
    };
    let outcome = match cli.command {
        None => run::run(&cli.run),
        Some(Command::Run(a)) => run::run(&a),
        Some(Command::List(a)) => list::list(&a),
        Some(Command::Selftest(a)) => selftest::selftest(&a),
        Some(Command::Report(a)) => report::report(&a),
        Some(Command::Hunt(a)) => hunt::hunt(&a),
        Some(Command::Sweep(a)) => sweep::sweep(&a),
        Some(Command::Completions(a)) => completions::completions(&a),
        Some(Command::Man) => completions::man(),
    };
    outcome.unwrap_or_else(|e| {
        eprintln!("{e}");
        e.exit_status()
    })
}

//! `ptear completions SHELL` and `ptear man`: generated from the clap
//! definition, so they always match the options (README "Install").

use super::args::{Cli, CompletionsArgs};
use super::stdout::out;
use crate::error::{exit, runtime, Error};
use clap::CommandFactory;

/// Prints the completion script for a shell.
pub fn completions(args: &CompletionsArgs) -> Result<i32, Error> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "ptear", &mut out);
    out!("{}", String::from_utf8_lossy(&out));
    Ok(exit::CLEAN)
}

/// Prints the man page (roff), ptear(1).
pub fn man() -> Result<i32, Error> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| runtime(format!("cannot render the man page: {e}")))?;
    out!("{}", String::from_utf8_lossy(&out));
    Ok(exit::CLEAN)
}

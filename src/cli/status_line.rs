//! The one status line on stderr that `run`, `hunt` and `sweep` keep:
//! rewritten in place on a terminal, plain lines otherwise (serial
//! consoles, CI logs), at most one per `every`; nothing when quiet.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// A status line on stderr.
pub struct StatusLine {
    quiet: bool,
    every: Duration,
    tty: bool,
    last: Option<Instant>,
    shown: bool,
}

impl StatusLine {
    /// A status line (silent when `quiet`); off a terminal, one line per
    /// `every` at most (`Duration::ZERO`: the caller paces it).
    pub fn new(quiet: bool, every: Duration) -> StatusLine {
        StatusLine {
            quiet,
            every,
            tty: std::io::stderr().is_terminal(),
            last: None,
            shown: false,
        }
    }

    /// Shows `line`: on a terminal at once, otherwise if `every` has
    /// passed since the last one.
    pub fn show(&mut self, line: &str) {
        if self.quiet {
            return;
        }
        if self.tty {
            eprint!("\r{line}\x1b[K");
            self.shown = true;
        } else if self.last.is_none_or(|t| t.elapsed() >= self.every) {
            eprintln!("{line}");
            self.last = Some(Instant::now());
        }
    }

    /// Clears the line on a terminal.
    pub fn finish(&mut self) {
        if self.tty && self.shown {
            eprint!("\r\x1b[K");
            self.shown = false;
        }
    }
}

//! Standard output that its reader may close early (`ptear run | head -3`).
//!
//! Rust ignores SIGPIPE, so a write to a closed pipe fails with EPIPE, and
//! `print!` panics on that: the run's `--json` file was lost and the exit
//! status was a panic's. Every command (its KTAP lines, `man` and
//! `completions` too) prints through [`out!`] and [`outln!`] instead: the
//! first failed write stops the printing (silently
//! for a closed pipe, with one line on stderr for any other error), and the
//! command goes on to the end: its files are written and its exit status is
//! that of its outcome. The C port does the same by ignoring SIGPIPE
//! (c/main.c).

use std::fmt;
use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

/// Set by the first write that failed: nothing more is printed.
static STOPPED: AtomicBool = AtomicBool::new(false);

/// Writes `args` to stdout unless an earlier write failed.
pub fn write_fmt(args: fmt::Arguments<'_>) {
    if STOPPED.load(Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        STOPPED.store(true, Relaxed);
        if e.kind() != ErrorKind::BrokenPipe {
            eprintln!("ptear: stdout: {e}: nothing more is printed there");
        }
    }
}

/// `print!` that stops printing, without a panic, once stdout is closed.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::stdout::write_fmt(format_args!($($arg)*)) };
}

/// `println!` that stops printing, without a panic, once stdout is closed.
macro_rules! outln {
    () => { $crate::cli::stdout::write_fmt(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::stdout::write_fmt(format_args!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {out, outln};

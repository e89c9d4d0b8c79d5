//! `--engine kernel` from the command line, where it can be tested without
//! loading a module: on this (64-bit) kernel it must refuse with exit 2 and
//! one line saying why, and its own options need it. What the module does
//! is tested in the 686-pae guest (ci/system.sh x86-kernel).

mod common;
use common::*;

fn one_line_exit_2(args: &[&str], needle: &str) {
    let out = run(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
    assert!(err.contains(needle), "{args:?}: {needle:?} in {err}");
    assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
}

#[test]
fn a_kernel_whose_pte_t_is_one_word_is_refused() {
    // The test machines run x86_64 kernels (the i686 build too, in compat
    // mode): an 8-byte pte_t read in one load.
    let m = std::process::Command::new("uname")
        .arg("-m")
        .output()
        .unwrap();
    if String::from_utf8_lossy(&m.stdout).trim() != "x86_64" {
        eprintln!("skipped: not an x86_64 kernel");
        return;
    }
    for args in [
        &["run", "--engine", "kernel", "-d", "1s"][..],
        &["selftest", "--engine", "kernel"][..],
    ] {
        one_line_exit_2(args, "reads its 8-byte pte_t as one word");
    }
}

#[test]
fn the_kernel_engines_options_need_it() {
    one_line_exit_2(
        &["run", "--module", "x.ko"],
        "--module: only with --engine kernel",
    );
    one_line_exit_2(
        &["run", "--irqs-on"],
        "--irqs-on: only with --engine kernel",
    );
    one_line_exit_2(
        &["selftest", "--module", "x.ko"],
        "--module: only with --engine kernel",
    );
}

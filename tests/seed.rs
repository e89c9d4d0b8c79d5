//! A run with no --seed never waits for entropy (issue: ptear hung at a
//! cold boot of a 32-bit kernel, getrandom() blocking on an empty pool).
//! Under a seccomp filter standing in for that kernel (tests/common/seccomp.rs)
//! the binary must finish, report a seed, and never make a blocking call.

mod common;
use common::seccomp::{filter_getrandom, Getrandom};
use common::*;
use std::os::unix::process::ExitStatusExt;

fn seed_of(out: &std::process::Output) -> u64 {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    u(&stdout_json(out)["config"]["seed"])
}

fn run_filtered(mode: Getrandom) -> std::process::Output {
    let mut cmd = ptear();
    cmd.args(["run", "--reads", "100000", "--format", "json", "-q"]);
    filter_getrandom(&mut cmd, mode);
    cmd.output().expect("ptear runs")
}

#[test]
fn no_seed_and_no_entropy_still_runs_at_once() {
    let t = std::time::Instant::now();
    let a = seed_of(&run_filtered(Getrandom::PoolNotReady));
    let b = seed_of(&run_filtered(Getrandom::PoolNotReady));
    assert_ne!(a, b, "the fallback seed must differ run to run");
    assert!(t.elapsed().as_secs() < 30, "took {:?}", t.elapsed());
}

#[test]
fn the_filter_sees_the_call_it_stands_in_for() {
    // Not vacuous: ptear does call getrandom (it dies when any call is
    // fatal), so the runs above made every call non-blocking and took the
    // fallback when the kernel said EAGAIN.
    let out = run_filtered(Getrandom::KillAny);
    assert_eq!(out.status.signal(), Some(libc::SIGSYS), "{out:?}");
}

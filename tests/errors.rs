//! Bad input: one clear line on stderr and exit 2 before any thread starts,
//! never a panic or a backtrace.

mod common;
use common::*;

fn assert_usage_error(args: &[&str], needle: &str) {
    let out = run(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{args:?}: {err}"
    );
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line:\n{err}");
    assert!(err.starts_with("ptear: error: "), "{args:?}: {err}");
    assert!(
        err.contains(needle),
        "{args:?}: {err:?} does not say {needle:?}"
    );
    assert!(
        out.stdout.is_empty(),
        "{args:?}: ran anyway: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn zero_negative_and_absurd_counts() {
    assert_usage_error(&["run", "--readers", "0"], "--readers");
    assert_usage_error(&["run", "--readers", "-1"], "--readers");
    assert_usage_error(&["run", "--readers", "100000"], "--readers");
    assert_usage_error(&["run", "--writers", "0"], "--writers");
    assert_usage_error(&["run", "--pairs", "0"], "--pairs");
    assert_usage_error(&["run", "--pairs", "1000000000000"], "can give at most");
    assert_usage_error(
        &["run", "--readers", "1000", "--writers", "1000"],
        "threads",
    );
    assert_usage_error(
        &["run", "--writers", "3", "--pairs", "2"],
        "at least as many pairs",
    );
    assert_usage_error(&["run", "--reads", "0"], "--reads");
    assert_usage_error(&["run", "--low-period", "0"], "--low-period");
    assert_usage_error(&["run", "--low-period", "4294967295"], "--low-period");
    assert_usage_error(&["run", "--writer-gap", "-5"], "--writer-gap");
}

#[test]
fn bad_durations() {
    assert_usage_error(&["run", "-d", "5x"], "unknown unit");
    assert_usage_error(&["run", "-d", "-1s"], "negative");
    assert_usage_error(&["run", "-d", ""], "empty duration");
    assert_usage_error(&["run", "-d", "0s"], "more than zero");
    assert_usage_error(&["run", "--duration", "forever"], "duration");
}

#[test]
fn unknown_names_list_the_valid_ones() {
    assert_usage_error(
        &["run", "--reader", "twice"],
        "possible values: lockless, once, atomic64",
    );
    assert_usage_error(&["run", "--writer", "arm"], "documented");
    assert_usage_error(&["run", "--barrier", "synco"], "kernel");
    assert_usage_error(&["frobnicate"], "frobnicate");
}

#[test]
fn cpus_that_do_not_exist() {
    assert_usage_error(&["run", "--cpus", "4000"], "CPU 4000 does not exist");
    assert_usage_error(&["run", "--cpus", "0,x"], "not a CPU number");
    assert_usage_error(&["run", "--cpus", "3-1"], "empty CPU range");
}

#[test]
fn json_paths_that_cannot_be_written() {
    assert_usage_error(
        &["run", "--json", "/nonexistent-dir/r.json"],
        "cannot write --json file",
    );
    assert_usage_error(
        &["run", "--json", "/proc/ptear.json"],
        "cannot write --json file",
    );
    assert_usage_error(&["run", "--json", "/tmp"], "directory");
    assert_usage_error(
        &["selftest", "--json", "/nonexistent-dir/s.json"],
        "cannot write --json file",
    );
    assert_usage_error(&["run", "--checkpoint", "1"], "--checkpoint needs --json");
}

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
#[test]
fn barriers_of_other_arches_are_not_offered() {
    assert_usage_error(&["run", "--barrier", "sync-rmb"], "mfence");
}

#[test]
fn report_of_a_file_that_is_not_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"hello\": 1}").unwrap();
    assert_usage_error(&["report", bad.to_str().unwrap()], "not a ptear report");
    std::fs::write(&bad, "not json").unwrap();
    assert_usage_error(&["report", bad.to_str().unwrap()], "not a ptear report");
    assert_usage_error(&["report", "/nonexistent.json"], "cannot read");
}

/// Runs ptear with its address space capped (RLIMIT_AS), so the kernel
/// really refuses the mapping or the thread stacks.
fn run_with_address_space_limit(bytes: u64, args: &[&str]) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let mut cmd = ptear();
    cmd.args(args);
    // SAFETY: setrlimit is async-signal-safe; nothing else runs in the child.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.output().expect("ptear runs")
}

fn assert_runtime_failure(out: &std::process::Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.starts_with("ptear: runtime failure: ") && err.contains(needle),
        "{err}"
    );
}

#[test]
fn refused_mmap_is_a_runtime_failure() {
    // 100 M pairs = 800 MB: within this machine's RAM (so not a usage
    // error), beyond a 256 MB address space.
    let out = run_with_address_space_limit(256 << 20, &["run", "-d", "1s", "--pairs", "100000000"]);
    assert_runtime_failure(&out, "mmap");
}

#[test]
fn threads_that_cannot_start_are_a_runtime_failure() {
    // RLIMIT_NPROC makes clone() itself fail with EAGAIN. Root is exempt
    // from it, so as root the child drops to nobody first.
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    // nobody must be able to reach the binary, wherever the checkout is.
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = dir.path().join("ptear");
    std::fs::copy(env!("CARGO_BIN_EXE_ptear"), &bin).unwrap();
    let mut cmd = std::process::Command::new(&bin);
    cmd.args(["run", "-d", "1s", "--readers", "200"]);
    // SAFETY: only async-signal-safe calls in the child before exec.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 20,
                rlim_max: 20,
            };
            if libc::setrlimit(libc::RLIMIT_NPROC, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::geteuid() == 0 && (libc::setgid(65534) != 0 || libc::setuid(65534) != 0) {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().expect("ptear runs");
    assert_runtime_failure(&out, "cannot start");
}

/// A cpuset cgroup (v1) holding only CPU 0, removed when dropped.
struct CpusetOfCpu0(std::path::PathBuf);

impl CpusetOfCpu0 {
    fn create() -> Option<CpusetOfCpu0> {
        let dir = std::path::PathBuf::from(format!(
            "/sys/fs/cgroup/cpuset/ptear-test-{}",
            std::process::id()
        ));
        std::fs::create_dir(&dir).ok()?;
        let set = CpusetOfCpu0(dir);
        std::fs::write(set.0.join("cpuset.cpus"), "0").ok()?;
        std::fs::write(set.0.join("cpuset.mems"), "0").ok()?;
        Some(set)
    }
}

impl Drop for CpusetOfCpu0 {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[test]
fn a_pin_the_kernel_refuses_is_a_runtime_failure() {
    use std::os::unix::process::CommandExt;
    let cpus = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_CONF) };
    let Some(set) = (cpus >= 2).then(CpusetOfCpu0::create).flatten() else {
        // Needs root, cgroup v1's cpuset hierarchy and two CPUs.
        eprintln!("skipped: cannot create a cpuset cgroup here");
        return;
    };
    let tasks =
        std::ffi::CString::new(set.0.join("tasks").into_os_string().into_encoded_bytes()).unwrap();
    let mut cmd = ptear();
    cmd.args(["run", "-d", "1s", "--readers", "1", "--cpus", "1"]);
    // SAFETY: open/write/close only (no allocation after fork), in the child
    // before exec: "0" moves the writing process into the cpuset.
    unsafe {
        cmd.pre_exec(move || {
            let fd = libc::open(tasks.as_ptr(), libc::O_WRONLY);
            let ok = fd >= 0 && libc::write(fd, b"0".as_ptr().cast(), 1) == 1;
            if fd >= 0 {
                libc::close(fd);
            }
            if ok {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }

    let out = cmd.output().unwrap();
    assert_runtime_failure(&out, "pinning a thread to CPU 1 was refused");
    drop(set);
}

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

/// Copies an executable for a test to run. In a child process (`cp`), not
/// with std::fs::copy: the copy's write descriptor must never exist in this
/// multi-threaded test process, where another test's fork could inherit it
/// until that child execs, and exec of the copy would then fail with
/// ETXTBSY ("Text file busy") at random.
fn copy_executable(from: &str, to: &std::path::Path) {
    let st = std::process::Command::new("cp")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp runs");
    assert!(st.success(), "cp {from} {} failed", to.display());
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
    copy_executable(env!("CARGO_BIN_EXE_ptear"), &bin);
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

/// A cpuset cgroup holding only CPU 0, removed when dropped: cgroup v1's
/// cpuset hierarchy where it is mounted, else a child of the cgroup v2 root
/// with the cpuset controller enabled (Debian bookworm, GitHub runners).
struct CpusetOfCpu0 {
    dir: std::path::PathBuf,
    /// The file a pid is written to, to move that process in.
    procs: std::path::PathBuf,
}

impl CpusetOfCpu0 {
    fn create() -> Result<CpusetOfCpu0, String> {
        let name = format!("ptear-test-{}", std::process::id());
        let v1 = std::path::Path::new("/sys/fs/cgroup/cpuset");
        let attempt = |root: &std::path::Path, v2: bool| -> Result<CpusetOfCpu0, String> {
            let dir = root.join(&name);
            if v2 {
                // Children of `root` get the cpuset controller only if root
                // delegates it.
                let ctl = root.join("cgroup.subtree_control");
                std::fs::write(&ctl, "+cpuset")
                    .map_err(|e| format!("cannot enable cpuset in {}: {e}", ctl.display()))?;
            }
            std::fs::create_dir(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let set = CpusetOfCpu0 {
                procs: dir.join(if v2 { "cgroup.procs" } else { "tasks" }),
                dir,
            };
            for (file, value) in [("cpuset.cpus", "0"), ("cpuset.mems", "0")] {
                std::fs::write(set.dir.join(file), value)
                    .map_err(|e| format!("cannot write {file}: {e}"))?;
            }
            Ok(set)
        };
        if v1.join("cpuset.cpus").exists() {
            return attempt(v1, false);
        }
        let v2 = cgroup2_root().ok_or("no cgroup v1 cpuset and no cgroup v2 mount")?;
        attempt(&v2, true)
    }
}

/// Where cgroup v2 is mounted (`/sys/fs/cgroup` on a pure v2 system).
fn cgroup2_root() -> Option<std::path::PathBuf> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    mounts.lines().find_map(|l| {
        let mut f = l.split_whitespace();
        let (_, dir, fstype) = (f.next()?, f.next()?, f.next()?);
        (fstype == "cgroup2").then(|| std::path::PathBuf::from(dir))
    })
}

impl Drop for CpusetOfCpu0 {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.dir);
    }
}

// Needs root, a cpuset cgroup it may create (v1, or v2 with the cpuset
// controller delegated) and two CPUs: ci/test.sh runs it with
// --include-ignored and it must pass there; a plain `cargo test` reports it
// as ignored rather than passing without checking anything.
#[test]
#[ignore = "needs root and a cpuset cgroup (v1 or v2): ci/test.sh runs it"]
fn a_pin_the_kernel_refuses_is_a_runtime_failure() {
    use std::os::unix::process::CommandExt;
    let cpus = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_CONF) };
    assert!(cpus >= 2, "needs two CPUs, this machine has {cpus}");
    let set = CpusetOfCpu0::create().unwrap_or_else(|e| panic!("no cpuset cgroup: {e}"));
    let procs =
        std::ffi::CString::new(set.procs.clone().into_os_string().into_encoded_bytes()).unwrap();
    let mut cmd = ptear();
    cmd.args(["run", "-d", "1s", "--readers", "1", "--cpus", "1"]);
    // SAFETY: open/write/close only (no allocation after fork), in the child
    // before exec: "0" moves the writing process into the cpuset.
    unsafe {
        cmd.pre_exec(move || {
            let fd = libc::open(procs.as_ptr(), libc::O_WRONLY);
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

//! A seccomp filter for a child process that stands in for a kernel whose
//! entropy pool is not ready (a cold boot of an old board): getrandom with
//! GRND_NONBLOCK or GRND_INSECURE fails with EAGAIN, and getrandom without
//! either (which would block there) kills the process with SIGSYS, so a
//! test sees the blocking call instead of hanging on it.
#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::process::Command;

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xc000_003e; // AUDIT_ARCH_X86_64
#[cfg(target_arch = "x86")]
const AUDIT_ARCH: u32 = 0x4000_0003; // AUDIT_ARCH_I386

const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JSET_K: u16 = 0x45; // BPF_JMP | BPF_JSET | BPF_K
const RET_K: u16 = 0x06; // BPF_RET | BPF_K

fn op(code: u16, jt: u8, jf: u8, k: u32) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

/// What the filter does to getrandom.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Getrandom {
    /// Non-blocking calls fail with EAGAIN, blocking ones kill (SIGSYS).
    PoolNotReady,
    /// Every call kills: shows whether the program calls it at all.
    KillAny,
}

/// Installs the filter in `cmd`'s child before it execs.
pub fn filter_getrandom(cmd: &mut Command, mode: Getrandom) {
    // struct seccomp_data: nr at 0, arch at 4, args[2] at 32 (low word on
    // little-endian).
    let kill_any = u8::from(mode == Getrandom::KillAny);
    let prog: Vec<libc::sock_filter> = vec![
        op(LD_W_ABS, 0, 0, 4),
        op(JEQ_K, 0, 6, AUDIT_ARCH), // another ABI: allow
        op(LD_W_ABS, 0, 0, 0),
        op(JEQ_K, 0, 4, libc::SYS_getrandom as u32), // not getrandom: allow
        op(LD_W_ABS, 0, 0, 32),
        // Non-blocking: GRND_NONBLOCK or GRND_INSECURE (Rust's std uses the
        // latter for HashMap keys).
        op(
            JSET_K,
            kill_any,
            1,
            libc::GRND_NONBLOCK | libc::GRND_INSECURE,
        ),
        op(RET_K, 0, 0, libc::SECCOMP_RET_ERRNO | libc::EAGAIN as u32),
        op(RET_K, 0, 0, libc::SECCOMP_RET_KILL_PROCESS),
        op(RET_K, 0, 0, libc::SECCOMP_RET_ALLOW),
    ];
    // SAFETY: prctl only, in the child before exec; `prog` outlives the
    // call (the closure owns it) and the kernel copies the filter.
    unsafe {
        cmd.pre_exec(move || {
            let fprog = libc::sock_fprog {
                len: prog.len() as u16,
                filter: prog.as_ptr() as *mut libc::sock_filter,
            };
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                || libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    &fprog as *const libc::sock_fprog,
                ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

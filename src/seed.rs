//! Seeds for runs that were not given `--seed`. The seed only spreads pair
//! orders and gaps (it is always reported, so a run can be repeated); it is
//! no secret, so it must never wait for entropy.
//!
//! At a cold boot of an old board or a VM without an RNG device the kernel's
//! entropy pool is empty, and a blocking getrandom() (what `rand`'s OsRng
//! does, or /dev/random) waits minutes or forever: ptear started from an
//! init script would hang silently. So: getrandom(GRND_NONBLOCK), and if the
//! kernel says no for any reason (EAGAIN: pool not ready; ENOSYS: a kernel
//! older than 3.17; EPERM: a seccomp filter) a mix of the clocks, the pid
//! and a counter. The C port does the same (c/cli.c).

// AtomicU32: MIPS32 has no 64-bit atomics.
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// SplitMix64's finaliser: spreads a counter or a mix into 64 good bits.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// 8 bytes from the kernel's CSPRNG if it has them ready now, else None.
fn getrandom_nonblock() -> Option<u64> {
    let mut buf = [0u8; 8];
    // SAFETY: the kernel writes at most 8 bytes into `buf`.
    let n = unsafe {
        libc::syscall(
            libc::SYS_getrandom,
            buf.as_mut_ptr(),
            buf.len(),
            libc::GRND_NONBLOCK,
        )
    };
    (n == 8).then(|| u64::from_ne_bytes(buf))
}

fn clock_ns(clock: libc::clockid_t) -> u64 {
    // SAFETY: clock_gettime writes one timespec.
    let mut ts: libc::timespec = unsafe { core::mem::zeroed() };
    unsafe { libc::clock_gettime(clock, &mut ts) };
    (ts.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ts.tv_nsec as u64)
}

/// The fallback: wall clock, monotonic clock, pid and a per-process counter.
fn mixed() -> u64 {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    // SAFETY: getpid has no preconditions.
    let pid = unsafe { libc::getpid() } as u64;
    let mut s = splitmix64(clock_ns(libc::CLOCK_REALTIME));
    s = splitmix64(s ^ clock_ns(libc::CLOCK_MONOTONIC));
    s = splitmix64(s ^ pid);
    splitmix64(s ^ u64::from(COUNTER.fetch_add(1, Relaxed)))
}

/// A fresh seed, at once, whatever state the entropy pool is in.
pub fn fresh_seed() -> u64 {
    getrandom_nonblock().unwrap_or_else(mixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fallback_differs_call_to_call() {
        let a = mixed();
        let b = mixed();
        assert_ne!(a, b, "the counter alone must make two seeds differ");
    }
}

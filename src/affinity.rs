//! Pinning threads to CPUs (`--cpus`): sched_setaffinity on the calling
//! thread, then sched_getaffinity to see whether it took.

use std::io;

fn allowed_mask() -> io::Result<libc::cpu_set_t> {
    // SAFETY: cpu_set_t is plain data; sched_getaffinity fills it.
    unsafe {
        let mut set: libc::cpu_set_t = core::mem::zeroed();
        if libc::sched_getaffinity(0, core::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(set)
    }
}

fn cpus_in(set: &libc::cpu_set_t) -> Vec<usize> {
    (0..libc::CPU_SETSIZE as usize)
        // SAFETY: index below CPU_SETSIZE.
        .filter(|&c| unsafe { libc::CPU_ISSET(c, set) })
        .collect()
}

/// CPUs this process may run on.
pub fn allowed_cpus() -> Vec<usize> {
    allowed_mask().map(|s| cpus_in(&s)).unwrap_or_default()
}

/// Formats CPU numbers as ranges: `0-3,6`.
pub fn format_cpu_list(cpus: &[usize]) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    while i < cpus.len() {
        let mut j = i;
        while j + 1 < cpus.len() && cpus[j + 1] == cpus[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            cpus[i].to_string()
        } else {
            format!("{}-{}", cpus[i], cpus[j])
        });
        i = j + 1;
    }
    out.join(",")
}

/// CPUs configured in this machine: 0 .. n-1 exist, online or not.
fn configured_cpus() -> usize {
    // SAFETY: sysconf has no memory-safety preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_CONF) };
    if n > 0 {
        n as usize
    } else {
        1
    }
}

/// Every CPU in `--cpus` must exist: a usage error if not. Whether the
/// kernel lets a thread onto it is only known when the thread asks
/// (`pin_current_thread`): the current affinity mask is no limit (a thread
/// may widen it, as after `taskset`), a cpuset cgroup is, and a refusal
/// there is a runtime failure.
pub fn check_cpus(cpus: &[usize]) -> Result<(), String> {
    let exist = configured_cpus().min(libc::CPU_SETSIZE as usize);
    match cpus.iter().find(|&&c| c >= exist) {
        Some(c) => Err(format!(
            "--cpus: CPU {c} does not exist (this machine has CPUs 0-{}; this process runs on {})",
            exist - 1,
            format_cpu_list(&allowed_cpus())
        )),
        None => Ok(()),
    }
}

/// Pins the calling thread to `cpu`; Ok(true) when the kernel reports the
/// thread's mask is exactly that CPU afterwards.
pub fn pin_current_thread(cpu: usize) -> io::Result<bool> {
    // SAFETY: cpu_set_t is plain data; cpu < CPU_SETSIZE was checked.
    unsafe {
        let mut set: libc::cpu_set_t = core::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(0, core::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(cpus_in(&allowed_mask()?) == [cpu])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_fold_into_ranges() {
        assert_eq!(format_cpu_list(&[0, 1, 2, 3, 6]), "0-3,6");
        assert_eq!(format_cpu_list(&[1]), "1");
        assert_eq!(format_cpu_list(&[]), "");
    }

    #[test]
    fn a_cpu_beyond_the_machine_is_refused() {
        assert!(check_cpus(&[100_000]).unwrap_err().contains("CPU 100000"));
        let first = allowed_cpus()[0];
        assert!(check_cpus(&[first]).is_ok());
    }
}

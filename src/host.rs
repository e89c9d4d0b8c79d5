//! The machine a run happens on, for the report: kernel, CPU, and whether
//! this looks like emulation (qemu-user), where only interleaving tears, not
//! hardware reordering, can show (docs/kernel-protocol.md, "Emulation"), or
//! a full-system QEMU guest (`vm`). The C port detects the same way
//! (c/hostinfo.c).

use serde::{Deserialize, Serialize};

/// The machine of a report (`host` in ptear/1).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Host {
    /// The binary's architecture: x86_64, x86, mips, sh.
    pub arch: String,
    /// Always `linux`.
    pub os: String,
    /// The running kernel's release (`uname -r`).
    pub kernel: String,
    /// From /proc/cpuinfo (`model name`, `cpu model` or `cpu type`), `unknown` if absent.
    pub cpu_model: String,
    /// Online CPUs.
    pub cpus: usize,
    /// Bytes per page.
    pub page_size: u64,
    /// ptear believes it runs under a user-mode emulator (qemu-user).
    pub emulated: bool,
    /// `null`, or why `emulated` is true and what that means.
    pub emulation_note: Option<String>,
    /// `null`, or how ptear recognised that the kernel it runs on is itself
    /// a full-system QEMU guest (only looked at when not `emulated`).
    #[serde(default)]
    pub vm: Option<String>,
}

/// Online CPUs (at least 1).
pub fn online_cpus() -> usize {
    // SAFETY: sysconf has no memory-safety preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    if n > 0 {
        n as usize
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// Bytes per page.
pub fn page_size() -> u64 {
    // SAFETY: as above.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 {
        n as u64
    } else {
        4096
    }
}

/// Physical memory in bytes (0 if unknown).
pub fn physical_memory() -> u64 {
    // SAFETY: as above.
    let pages = unsafe { libc::sysconf(libc::_SC_PHYS_PAGES) };
    (pages.max(0) as u64).saturating_mul(page_size())
}

fn kernel_release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into())
}

/// The first of `model name`, `cpu model`, `cpu type`, `cpu` in cpuinfo.
fn cpu_model(cpuinfo: &str) -> String {
    ["model name", "cpu model", "cpu type", "cpu"]
        .iter()
        .find_map(|key| cpuinfo_value(cpuinfo, key))
        .map_or_else(|| "unknown".into(), str::to_owned)
}

/// The architecture family /proc/cpuinfo describes, if recognisable.
fn cpuinfo_family(cpuinfo: &str) -> Option<&'static str> {
    let has = |key: &str| {
        cpuinfo
            .lines()
            .any(|l| l.split(':').next().is_some_and(|k| k.trim() == key))
    };
    if has("vendor_id") && has("flags") {
        Some("x86")
    } else if has("isa") || cpuinfo.contains("MIPS") {
        Some("mips")
    } else if cpuinfo.contains("sh4") || cpuinfo.contains("SH-4") {
        Some("sh")
    } else if has("CPU implementer") {
        Some("arm")
    } else {
        None
    }
}

fn binary_family() -> &'static str {
    match std::env::consts::ARCH {
        "x86" | "x86_64" => "x86",
        "mips" | "mips32r6" => "mips",
        a if a.starts_with("arm") || a == "aarch64" => "arm",
        _ => "other",
    }
}

/// Why we think this is an emulator, if we do. qemu-user passes the host's
/// /proc/cpuinfo through for mips and sh guests, so a foreign family gives
/// it away; for an x86 guest, a CPU whose CPUID lacks SSE2 while the kernel
/// lists sse2 in its flags is qemu-i386 with an old `-cpu` model.
fn emulation(cpuinfo: &str) -> Option<String> {
    let note = |why: String| {
        format!("{why}: only interleaving tears can show here, not hardware reordering (the emulator is at least as strongly ordered as its host)")
    };
    if let Some(f) = cpuinfo_family(cpuinfo) {
        if f != binary_family() {
            return Some(note(format!(
                "/proc/cpuinfo describes an {f} CPU but this binary is {}",
                std::env::consts::ARCH
            )));
        }
    }
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        let kernel_sse2 = cpuinfo
            .lines()
            .any(|l| l.starts_with("flags") && l.split_whitespace().any(|f| f == "sse2"));
        if kernel_sse2 && !crate::arch::cpu_features().sse2 {
            return Some(note(
                "CPUID reports no SSE2 but the kernel's CPU has it (qemu-i386 with an old -cpu)"
                    .into(),
            ));
        }
    }
    None
}

/// The value of the first /proc/cpuinfo line whose key is `key`.
fn cpuinfo_value<'a>(cpuinfo: &'a str, key: &str) -> Option<&'a str> {
    cpuinfo.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim())
    })
}

/// A full-system QEMU guest, recognised by what its machine model shows
/// the guest kernel. `sys_vendor` is the DMI vendor string.
fn full_system_guest(cpuinfo: &str, sys_vendor: &str) -> Option<String> {
    if sys_vendor.trim() == "QEMU" {
        return Some("QEMU full-system guest (DMI sys_vendor QEMU)".into());
    }
    if cpuinfo_value(cpuinfo, "system type").is_some_and(|v| v.contains("MIPS Malta")) {
        return Some("MIPS Malta board (qemu-system-mips's default machine)".into());
    }
    if cpuinfo_value(cpuinfo, "machine").is_some_and(|v| v.contains("RTS7751R2D")) {
        return Some("Renesas R2D board (qemu-system-sh4's machine)".into());
    }
    None
}

/// Looks at this machine.
pub fn detect() -> Host {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let emulation_note = emulation(&cpuinfo);
    // Under qemu-user /sys is the host's: say nothing about a VM there.
    let vm = match emulation_note {
        Some(_) => None,
        None => full_system_guest(
            &cpuinfo,
            &std::fs::read_to_string("/sys/class/dmi/id/sys_vendor").unwrap_or_default(),
        ),
    };
    Host {
        arch: std::env::consts::ARCH.into(),
        os: std::env::consts::OS.into(),
        kernel: kernel_release(),
        cpu_model: cpu_model(&cpuinfo),
        cpus: online_cpus(),
        page_size: page_size(),
        emulated: emulation_note.is_some(),
        emulation_note,
        vm,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_models_of_each_family() {
        assert_eq!(
            cpu_model("vendor_id\t: GenuineIntel\nmodel name\t: Xeon\n"),
            "Xeon"
        );
        assert_eq!(
            cpu_model("system type\t: MT7621\ncpu model\t\t: MIPS 1004Kc V2.15\n"),
            "MIPS 1004Kc V2.15"
        );
        assert_eq!(
            cpu_model("cpu family\t: sh4a\ncpu type\t: SH7785\n"),
            "SH7785"
        );
        assert_eq!(cpu_model(""), "unknown");
    }

    #[test]
    fn full_system_guests_are_recognised() {
        assert!(full_system_guest("", "QEMU\n").unwrap().contains("DMI"));
        let malta = "system type\t\t: MIPS Malta\nmachine\t\t\t: mti,malta\ncpu model\t\t: MIPS 34Kc V0.8\n";
        assert!(full_system_guest(malta, "").unwrap().contains("Malta"));
        let r2d = "machine\t\t: RTS7751R2D\ncpu type\t: SH7751R\n";
        assert!(full_system_guest(r2d, "").unwrap().contains("R2D"));
        assert_eq!(full_system_guest("model name\t: Xeon\n", "Google"), None);
    }

    #[test]
    fn foreign_cpuinfo_means_emulation() {
        let x86 = "vendor_id\t: GenuineIntel\nflags\t\t: fpu sse sse2\nmodel name\t: Xeon\n";
        let mips = "system type\t: MT7621\ncpu model\t: MIPS 1004Kc\nisa\t\t: mips1 mips2 mips32r1 mips32r2\n";
        assert_eq!(cpuinfo_family(x86), Some("x86"));
        assert_eq!(cpuinfo_family(mips), Some("mips"));
        let foreign = if binary_family() == "x86" { mips } else { x86 };
        assert!(emulation(foreign)
            .unwrap()
            .contains("only interleaving tears"));
    }
}

//! Records what this build was compiled for, so `ptear --version` can say
//! it: the target architecture and CPU (an i686 binary needs SSE2, an i586
//! one does not; mipsel-r1 is MIPS32r1 soft-float). `-C target-cpu=` in
//! RUSTFLAGS wins; otherwise the target's default CPU. And the commit it
//! was built from (`commit()`).

use std::path::Path;
use std::process::Command;

/// The commit this source is, for `ptear --version`: `PTEAR_COMMIT` when
/// set (a build from a tarball whose maker knew it), else git's HEAD (12
/// hex digits), else `unknown` (a tarball without .git, no git installed,
/// or git refusing a repository owned by another user). Never fails the
/// build. Reruns when HEAD moves: a checkout rewrites HEAD, a commit the
/// branch's ref (or packed-refs).
fn commit() -> String {
    println!("cargo:rerun-if-env-changed=PTEAR_COMMIT");
    if let Some(c) = std::env::var("PTEAR_COMMIT").ok().filter(|c| !c.is_empty()) {
        return c;
    }
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&dir)
            .args(args)
            .output()
            .ok()?;
        let s = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        (out.status.success() && !s.is_empty()).then_some(s)
    };
    let Some(head) = git(&["rev-parse", "--short=12", "HEAD"]) else {
        return "unknown".into();
    };
    let branch = git(&["symbolic-ref", "-q", "HEAD"]);
    let mut watch = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    watch.extend(branch);
    for r in watch {
        if let Some(p) = git(&["rev-parse", "--git-path", &r]) {
            let p = Path::new(&dir).join(p);
            if p.exists() {
                println!("cargo:rerun-if-changed={}", p.display());
            }
        }
    }
    head
}

fn main() {
    println!("cargo:rustc-env=PTEAR_COMMIT={}", commit());
    println!("cargo:rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    let target = std::env::var("TARGET").unwrap_or_default();
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let mut args = flags.split('\x1f').peekable();
    let mut cpu = None;
    while let Some(a) = args.next() {
        let value = match a {
            "-C" | "--codegen" => args.next().unwrap_or(""),
            a => a.strip_prefix("-C").unwrap_or(""),
        };
        if let Some(c) = value.strip_prefix("target-cpu=") {
            cpu = Some(c.to_owned());
        }
    }
    // The defaults of rustc's target specs for the targets ptear ships.
    let default = match target.split('-').next().unwrap_or("") {
        "x86_64" => "x86-64",
        "i686" => "pentium4",
        "i586" => "pentium",
        "mipsel" | "mips" => "mips32r2",
        other => other,
    };
    let cpu = cpu.unwrap_or_else(|| default.to_owned());
    println!("cargo:rustc-env=PTEAR_TARGET={target}");
    println!("cargo:rustc-env=PTEAR_TARGET_CPU={cpu}");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    println!("cargo:rustc-env=PTEAR_TARGET_ARCH={arch}");
}

//! Records what this build was compiled for, so `ptear --version` can say
//! it: the target architecture and CPU (an i686 binary needs SSE2, an i586
//! one does not; mipsel-r1 is MIPS32r1 soft-float). `-C target-cpu=` in
//! RUSTFLAGS wins; otherwise the target's default CPU.

fn main() {
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

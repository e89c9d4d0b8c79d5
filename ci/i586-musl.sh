#!/usr/bin/env bash
# ci/i586-musl.sh: a static ptear for a real P5 Pentium (i586: no CMOV, no SSE).
#
# Why not ci/build.sh i586: that links Debian's i386 cross glibc, which is
# compiled for i686 and runs `cmov` in its static start-up, so the binary dies
# with SIGILL under `qemu-i386 -cpu pentium`. Rust has no prebuilt std for
# i586-unknown-linux-musl on the mirror here, and musl's own site is not
# reachable, so this script builds everything from sources that are:
#   1. musl: Debian bookworm's source package (deb-src via a private apt list;
#      the system's apt configuration is not touched), compiled with
#      i686-linux-gnu-gcc -march=i586 into target/i586-musl/sysroot.
#   2. libunwind.a: LLVM's libunwind from the rust-src component (what Rust's
#      own musl targets ship), compiled for i586. std links `-lunwind` on musl;
#      gcc's libgcc_eh.a would do but is compiled for i686 and contains cmov.
#   3. ptear: RUSTC_BOOTSTRAP=1 cargo -Zbuild-std (target cpu "pentium"),
#      linked by i686-linux-gnu-gcc with musl's crt files and libc.a.
# Then it checks that the binary has no cmov and no SSE register use.
#
# Idempotent: each step is skipped when its output exists (delete
# target/i586-musl to start over). Prints the binary's path on success.
# Needs: apt-get, i686-linux-gnu-gcc/binutils (gcc-i686-linux-gnu), g++ (host,
# used with -m32 for libunwind's one C++ file), rustup's rust-src component.
# Optional: qemu-i386 (qemu-user) for a smoke test under -cpu pentium.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
S=$ROOT/target/i586-musl
TRIPLE=i586-unknown-linux-musl
OUT=$S/ptear-i586-musl

die() { echo "ci/i586-musl.sh: error: $*" >&2; exit 1; }
step() { echo "i586-musl: $*" >&2; }

for tool in i686-linux-gnu-gcc i686-linux-gnu-ar i686-linux-gnu-ranlib \
    i686-linux-gnu-objdump g++ cargo rustc apt-get tar make; do
    command -v "$tool" >/dev/null ||
        die "'$tool' not found (apt-get install gcc-i686-linux-gnu g++ make; see ci/setup.sh)"
done
RUST_SRC=$(rustc --print sysroot)/lib/rustlib/src/rust
UNWIND_SRC=$RUST_SRC/src/llvm-project/libunwind
[ -d "$UNWIND_SRC/src" ] && [ -d "$RUST_SRC/library/std" ] ||
    die "rust-src component missing (rustup component add rust-src)"

mkdir -p "$S"

# 1. musl source from Debian bookworm (deb-src), via a private apt state.
if ! ls -d "$S"/src/musl-*/configure >/dev/null 2>&1; then
    step "fetching musl source (Debian bookworm deb-src)"
    rm -rf "$S/apt" "$S/src"
    mkdir -p "$S/apt/lists/partial" "$S/apt/cache/archives/partial" "$S/src"
    echo 'deb-src http://deb.debian.org/debian bookworm main' >"$S/apt/sources.list"
    apt_o=(-o "Dir::Etc::SourceList=$S/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$S/apt/lists" -o "Dir::Cache=$S/apt/cache"
        -o APT::Sandbox::User=root)
    apt-get "${apt_o[@]}" -qq update >"$S/apt.log" 2>&1 ||
        { tail -20 "$S/apt.log" >&2; die "apt-get update of the private deb-src list failed"; }
    (cd "$S/src" && apt-get "${apt_o[@]}" -qq source --download-only musl) >>"$S/apt.log" 2>&1 ||
        { tail -20 "$S/apt.log" >&2; die "apt-get source --download-only musl failed"; }
    orig=$(ls "$S"/src/musl_*.orig.tar.gz 2>/dev/null | head -1)
    [ -n "$orig" ] || die "no musl_*.orig.tar.gz downloaded (see $S/apt.log)"
    tar -C "$S/src" -xzf "$orig" || die "cannot unpack $orig"
fi
MUSL_DIR=$(ls -d "$S"/src/musl-*/ | head -1)
MUSL_DIR=${MUSL_DIR%/}

# 2. musl libc.a + crt objects, built for i586.
SYSROOT=$S/sysroot
if [ ! -f "$SYSROOT/.done" ]; then
    step "building $(basename "$MUSL_DIR") for i586 (log: $S/musl.log)"
    rm -rf "$SYSROOT" "$S/musl-build"
    mkdir -p "$S/musl-build"
    (
        cd "$S/musl-build" &&
            CC=i686-linux-gnu-gcc AR=i686-linux-gnu-ar RANLIB=i686-linux-gnu-ranlib \
                CFLAGS="-march=i586 -mtune=pentium -O2" \
                "$MUSL_DIR/configure" --target=i386 --disable-shared --prefix="$SYSROOT" &&
            make -j"$(nproc)" && make install
    ) >"$S/musl.log" 2>&1 || { tail -20 "$S/musl.log" >&2; die "musl build failed (log: $S/musl.log)"; }
    touch "$SYSROOT/.done"
fi

# 3. LLVM libunwind (from rust-src) for i586, as libunwind.a.
UNW=$S/unwind
if [ ! -f "$UNW/libunwind.a" ]; then
    step "building libunwind for i586 (log: $S/unwind.log)"
    rm -rf "$UNW"
    mkdir -p "$UNW"
    flags=(-m32 -march=i586 -mtune=pentium -O2 -nostdinc -isystem "$SYSROOT/include"
        -I"$UNWIND_SRC/include" -fstrict-aliasing -funwind-tables -fvisibility=hidden
        -fno-stack-protector -fPIC -D_LIBUNWIND_DISABLE_VISIBILITY_ANNOTATIONS
        -D_LIBUNWIND_IS_NATIVE_ONLY -DNDEBUG)
    {
        for f in UnwindLevel1.c UnwindLevel1-gcc-ext.c UnwindRegistersRestore.S UnwindRegistersSave.S; do
            i686-linux-gnu-gcc "${flags[@]}" -std=c99 -c "$UNWIND_SRC/src/$f" -o "$UNW/${f%.*}.o" || exit 1
        done
        g++ "${flags[@]}" -nostdinc++ -std=c++17 -fno-exceptions -fno-rtti \
            -c "$UNWIND_SRC/src/libunwind.cpp" -o "$UNW/libunwind.o" || exit 1
        i686-linux-gnu-ar rcs "$UNW/libunwind.a.tmp" "$UNW"/*.o || exit 1
    } >"$S/unwind.log" 2>&1 || { tail -20 "$S/unwind.log" >&2; die "libunwind build failed"; }
    mv "$UNW/libunwind.a.tmp" "$UNW/libunwind.a"
fi

# 4. Linker: i686-linux-gnu-gcc with musl's specs, minus libgcc_eh (i686 code).
mkdir -p "$S/bin"
sed 's/^libgcc.a%s %:if-exists(libgcc_eh.a%s)$/libgcc.a%s/' "$SYSROOT/lib/musl-gcc.specs" >"$S/bin/musl.specs.tmp"
grep -q 'libgcc_eh' "$S/bin/musl.specs.tmp" && die "unexpected libgcc line in musl-gcc.specs"
if cmp -s "$S/bin/musl.specs.tmp" "$S/bin/musl.specs"; then rm "$S/bin/musl.specs.tmp"
else mv "$S/bin/musl.specs.tmp" "$S/bin/musl.specs"; fi
LINKER=$S/bin/i586-musl-cc
wrapper="#!/bin/sh
exec i686-linux-gnu-gcc -march=i586 \"\$@\" -specs \"$S/bin/musl.specs\""
[ "$(cat "$LINKER" 2>/dev/null)" = "$wrapper" ] || { printf '%s\n' "$wrapper" >"$LINKER"; chmod +x "$LINKER"; }

# 5. ptear with std built from source for i586-unknown-linux-musl.
step "cargo build --target $TRIPLE -Zbuild-std (log: $S/cargo.log)"
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$S/cargo \
    CARGO_TARGET_I586_UNKNOWN_LINUX_MUSL_LINKER=$LINKER \
    CARGO_TARGET_I586_UNKNOWN_LINUX_MUSL_RUSTFLAGS="-C target-feature=+crt-static -C link-self-contained=no -L native=$UNW" \
    cargo build --release --locked --target $TRIPLE -Zbuild-std=std,panic_abort \
    >"$S/cargo.log" 2>&1 || { tail -30 "$S/cargo.log" >&2; die "cargo build failed (log: $S/cargo.log)"; }
BIN=$S/cargo/$TRIPLE/release/ptear
[ -x "$BIN" ] || die "cargo reported success but $BIN is missing"

# 6. No CMOV, no SSE registers (the only SSE instructions allowed are ptear's
#    own mfence/lfence/sfence and std_detect's cpuid/xgetbv, all CPUID-guarded).
dis=$S/ptear.dis
i686-linux-gnu-objdump -d "$BIN" >"$dis"
ncmov=$(grep -cE $'\tcmov' "$dis" || true)
nxmm=$(grep -cE '%(x|y|z)mm[0-9]' "$dis" || true)
[ "$ncmov" = 0 ] || die "$BIN has $ncmov cmov instructions (see $dis)"
[ "$nxmm" = 0 ] || die "$BIN uses SSE registers $nxmm times (see $dis)"
file_out=$(file -b "$BIN" 2>/dev/null || true)
case $file_out in *dynamic*) die "$BIN is not static: $file_out" ;; esac
if command -v qemu-i386 >/dev/null; then
    qemu-i386 -cpu pentium "$BIN" list >/dev/null 2>"$S/qemu.log" ||
        die "qemu-i386 -cpu pentium $BIN list failed (exit $?): $(cat "$S/qemu.log")"
fi
cp "$BIN" "$OUT.tmp" && mv "$OUT.tmp" "$OUT"
step "ok: static, 0 cmov, 0 SSE registers"
echo "$OUT"

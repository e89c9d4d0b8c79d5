#!/usr/bin/env bash
# ci/musl.sh ARCH: a static ptear on musl for old CPUs that Debian's cross
# glibc cannot serve. Prints the binary's path on stdout.
#   i586       a real P5 Pentium: no CMOV, no SSE. Debian's i386 cross glibc is
#              compiled for i686 and runs `cmov` in its static start-up, so
#              ci/build.sh i586 dies with SIGILL under `qemu-i386 -cpu pentium`.
#   mipsel-r1  MIPS32r1 cores, with or without an FPU (4Kc, 4Km, 4KEc, ...).
#              Debian's mipsel glibc is MIPS32r2 and hard-float: under
#              `qemu-mipsel -cpu 4Kc` (no FPU emulation in qemu-user; real
#              boards have the kernel's FPU emulator) it dies with SIGILL at
#              `sdc1` in __sigsetjmp. This builds a soft-float MIPS32r1
#              userland instead: Rust's mipsel-unknown-linux-musl (soft-float)
#              with -C target-cpu=mips32.
# Rust has no prebuilt std for either musl target here and musl's own site is
# not reachable, so everything is built from sources that are:
#   1. musl: Debian bookworm's source package (deb-src via a private apt list;
#      the system's apt configuration is not touched), fetched once into
#      the machine's cache (ci/cache.sh: musl-src) and compiled per ARCH into
#      its musl-ARCH/sysroot
#      (i586: i686-linux-gnu-gcc -march=i586; mipsel-r1: mipsel-linux-gnu-gcc
#      -march=mips32 -msoft-float).
#   2. libunwind.a: LLVM's libunwind from the rust-src component (what Rust's
#      own musl targets ship), compiled with the same flags. std links
#      `-lunwind` on musl; gcc's libgcc_eh.a would do but Debian's is built
#      for i686 (cmov) or for hard-float MIPS32r2.
#   3. ptear: RUSTC_BOOTSTRAP=1 cargo -Zbuild-std, linked by the cross gcc
#      with musl's specs file and musl's crt files and libc.a. On mipsel-r1
#      the specs also drop gcc's crtbegin/crtend and libgcc (hard-float
#      MIPS32r2 objects): compiler_builtins, built by -Zbuild-std for this
#      soft-float target, provides the soft-float and 64-bit division
#      routines musl and std call.
# Then it checks the instructions (i586: no cmov, no SSE registers;
# mipsel-r1: no FPU and no MIPS32r2-only instructions, ELF flags MIPS32 rel1
# soft-float) and runs `ptear list` under qemu-user on the old CPU if there.
#
# Idempotent: each step is skipped when its output exists (delete
# musl-ARCH or musl-src in the cache, or target/musl-ARCH for ptear's build,
# to start over).
# Needs: apt-get, tar, make, cargo/rustc with the rust-src component, and
#   i586:      gcc-i686-linux-gnu and host g++ (with -m32, for libunwind's
#              one C++ file)
#   mipsel-r1: gcc-mipsel-linux-gnu and g++-mipsel-linux-gnu
# Optional: qemu-user (qemu-i386 -cpu pentium / qemu-mipsel -cpu 4Kc).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ARCH=${1:-}

die() { echo "ci/musl.sh: error: $*" >&2; exit 1; }
step() { echo "musl-$ARCH: $*" >&2; }

case $ARCH in
    i586)
        TRIPLE=i586-unknown-linux-musl
        XP=i686-linux-gnu-             # cross tool prefix
        CXX=(g++ -m32)                 # only for libunwind.cpp
        MUSL_TARGET=i386
        ARCH_CFLAGS=(-march=i586 -mtune=pentium)
        RUST_CPU_FLAGS=""              # the target's default cpu is pentium
        PKGS="gcc-i686-linux-gnu g++"
        QEMU=(qemu-i386 -cpu pentium)
        ;;
    mipsel-r1)
        TRIPLE=mipsel-unknown-linux-musl
        XP=mipsel-linux-gnu-
        CXX=(mipsel-linux-gnu-g++)
        MUSL_TARGET=mipsel
        ARCH_CFLAGS=(-march=mips32 -msoft-float)
        # The target spec says cpu mips32r2 with features +mips32r2,+soft-float,
        # and the spec's +mips32r2 wins over target-cpu=mips32 (rel2 ELF flags,
        # ~500 ext/ins/seb/seh): -mips32r2 turns it off. rustc warns that the
        # feature is "unknown and unstable"; the warning is expected.
        RUST_CPU_FLAGS="-C target-cpu=mips32 -C target-feature=-mips32r2"
        PKGS="gcc-mipsel-linux-gnu g++-mipsel-linux-gnu"
        QEMU=(qemu-mipsel -cpu 4Kc)
        ;;
    *) die "usage: ci/musl.sh ARCH   (ARCH: i586 mipsel-r1)" ;;
esac
S=$ROOT/target/musl-$ARCH
# musl's source, libc and libunwind are kept in the machine's cache
# (ci/cache.sh): built once per machine, not per clone; the lock keeps two
# suites from building them at once.
# shellcheck source=ci/cache.sh
. "$ROOT/ci/cache.sh"
SRC=$PTEAR_CACHE/musl-src
C=$PTEAR_CACHE/musl-$ARCH
OUT=$S/ptear-$ARCH-musl
CC=${XP}gcc

for tool in "$CC" "${XP}ar" "${XP}ranlib" "${XP}objdump" "${XP}readelf" "${CXX[0]}" \
    cargo rustc apt-get tar make; do
    command -v "$tool" >/dev/null ||
        die "'$tool' not found (apt-get install $PKGS make; see ci/setup.sh)"
done
RUST_SRC=$(rustc --print sysroot)/lib/rustlib/src/rust
UNWIND_SRC=$RUST_SRC/src/llvm-project/libunwind
[ -d "$UNWIND_SRC/src" ] && [ -d "$RUST_SRC/library/std" ] ||
    die "rust-src component missing (rustup component add rust-src)"

mkdir -p "$S" "$C"
cache_lock musl

# 1. musl source from Debian bookworm (deb-src), via a private apt state.
if ! ls -d "$SRC"/musl-*/configure >/dev/null 2>&1; then
    step "fetching musl source (Debian bookworm deb-src) into $SRC"
    rm -rf "$SRC"
    mkdir -p "$SRC/apt/lists/partial" "$SRC/apt/cache/archives/partial" "$SRC/dl"
    # shellcheck source=ci/apt-mirror.sh
    . ci/apt-mirror.sh
    mirror=$(debian_mirror)
    echo "deb-src $mirror bookworm main" >"$SRC/apt/sources.list"
    apt_o=(-o "Dir::Etc::SourceList=$SRC/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$SRC/apt/lists" -o "Dir::Cache=$SRC/apt/cache"
        -o APT::Sandbox::User=root)
    apt-get "${apt_o[@]}" -qq update >"$SRC/apt.log" 2>&1 ||
        { tail -20 "$SRC/apt.log" >&2; die "apt-get update of the private deb-src list failed"; }
    (cd "$SRC/dl" && apt-get "${apt_o[@]}" -qq source --download-only musl) >>"$SRC/apt.log" 2>&1 ||
        { tail -20 "$SRC/apt.log" >&2; die "apt-get source --download-only musl failed"; }
    orig=$(ls "$SRC"/dl/musl_*.orig.tar.gz 2>/dev/null | head -1)
    [ -n "$orig" ] || die "no musl_*.orig.tar.gz downloaded (see $SRC/apt.log)"
    tar -C "$SRC" -xzf "$orig" || die "cannot unpack $orig"
fi
MUSL_DIR=$(ls -d "$SRC"/musl-*/ | head -1)
MUSL_DIR=${MUSL_DIR%/}

# 2. musl libc.a + crt objects for ARCH (out-of-tree build: the source is shared).
SYSROOT=$C/sysroot
# What the libc was built from and with: another source, compiler or flags
# builds it again.
musl_key="$(basename "$MUSL_DIR") $($CC -dumpmachine) $($CC -dumpfullversion) ${ARCH_CFLAGS[*]}"
if [ "$(cat "$SYSROOT/.done" 2>/dev/null)" != "$musl_key" ]; then
    step "building $(basename "$MUSL_DIR") (log: $S/musl.log)"
    rm -rf "$SYSROOT" "$C/unwind" "$S/musl-build"
    mkdir -p "$S/musl-build"
    (
        cd "$S/musl-build" &&
            CC=$CC AR=${XP}ar RANLIB=${XP}ranlib CFLAGS="${ARCH_CFLAGS[*]} -O2" \
                "$MUSL_DIR/configure" --target=$MUSL_TARGET --disable-shared --prefix="$SYSROOT" &&
            make -j"$(nproc)" && make install
    ) >"$S/musl.log" 2>&1 || { tail -20 "$S/musl.log" >&2; die "musl build failed (log: $S/musl.log)"; }
    printf '%s\n' "$musl_key" >"$SYSROOT/.done"
fi

# 3. LLVM libunwind (from rust-src) for ARCH, as libunwind.a.
UNW=$C/unwind
# libunwind comes with rustc's rust-src: a new toolchain builds it again.
unwind_key="$(rustc -V) $($CC -dumpmachine) $($CC -dumpfullversion) ${ARCH_CFLAGS[*]}"
if [ "$(cat "$UNW/.done" 2>/dev/null)" != "$unwind_key" ]; then
    step "building libunwind (log: $S/unwind.log)"
    rm -rf "$UNW"
    mkdir -p "$UNW"
    flags=("${ARCH_CFLAGS[@]}" -O2 -nostdinc -isystem "$SYSROOT/include"
        -I"$UNWIND_SRC/include" -fstrict-aliasing -funwind-tables -fvisibility=hidden
        -fno-stack-protector -fPIC -D_LIBUNWIND_DISABLE_VISIBILITY_ANNOTATIONS
        -D_LIBUNWIND_IS_NATIVE_ONLY -DNDEBUG)
    [ "$ARCH" = i586 ] && flags=(-m32 "${flags[@]}")
    {
        for f in UnwindLevel1.c UnwindLevel1-gcc-ext.c UnwindRegistersRestore.S UnwindRegistersSave.S; do
            "$CC" "${flags[@]}" -std=c99 -c "$UNWIND_SRC/src/$f" -o "$UNW/${f%.*}.o" || exit 1
        done
        "${CXX[@]}" "${flags[@]}" -nostdinc++ -std=c++17 -fno-exceptions -fno-rtti \
            -c "$UNWIND_SRC/src/libunwind.cpp" -o "$UNW/libunwind.o" || exit 1
        "${XP}ar" rcs "$UNW/libunwind.a.tmp" "$UNW"/*.o || exit 1
    } >"$S/unwind.log" 2>&1 || { tail -20 "$S/unwind.log" >&2; die "libunwind build failed"; }
    mv "$UNW/libunwind.a.tmp" "$UNW/libunwind.a"
    printf '%s\n' "$unwind_key" >"$UNW/.done"
fi
cache_unlock

# 4. Linker: the cross gcc with musl's specs, minus libgcc_eh (Debian's is
#    i686 or hard-float MIPS32r2 code). mipsel-r1 also drops libgcc and gcc's
#    crtbegin/crtend (hard-float MIPS32r2 objects; musl runs constructors from
#    .init_array and libunwind finds .eh_frame through PT_GNU_EH_FRAME, so
#    neither is needed); compiler_builtins resolves what libgcc would.
mkdir -p "$S/bin"
specs_in=$SYSROOT/lib/musl-gcc.specs
if [ "$ARCH" = i586 ]; then
    sed 's/^libgcc.a%s %:if-exists(libgcc_eh.a%s)$/libgcc.a%s/' "$specs_in" >"$S/bin/musl.specs.tmp"
else
    sed -e 's/^libgcc.a%s %:if-exists(libgcc_eh.a%s)$//' \
        -e 's/ crtbeginS\?.o%s//' -e 's/^crtendS\?.o%s //' "$specs_in" >"$S/bin/musl.specs.tmp"
    grep -qE 'libgcc\.a|crtbegin|crtend' "$S/bin/musl.specs.tmp" &&
        die "unexpected libgcc/crtbegin/crtend lines in $specs_in"
fi
grep -q 'libgcc_eh' "$S/bin/musl.specs.tmp" && die "unexpected libgcc line in $specs_in"
if cmp -s "$S/bin/musl.specs.tmp" "$S/bin/musl.specs"; then rm "$S/bin/musl.specs.tmp"
else mv "$S/bin/musl.specs.tmp" "$S/bin/musl.specs"; fi
LINKER=$S/bin/$ARCH-musl-cc
wrapper="#!/bin/sh
exec $CC ${ARCH_CFLAGS[*]} \"\$@\" -specs \"$S/bin/musl.specs\""
[ "$(cat "$LINKER" 2>/dev/null)" = "$wrapper" ] || { printf '%s\n' "$wrapper" >"$LINKER"; chmod +x "$LINKER"; }

# 5. ptear with std built from source for TRIPLE.
step "cargo build --target $TRIPLE -Zbuild-std (log: $S/cargo.log)"
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
TV=$(echo "$TRIPLE" | tr 'a-z-' 'A-Z_')
env RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$S/cargo" \
    "CARGO_TARGET_${TV}_LINKER=$LINKER" \
    "CARGO_TARGET_${TV}_RUSTFLAGS=-C target-feature=+crt-static -C link-self-contained=no -L native=$UNW $RUST_CPU_FLAGS" \
    cargo build --release --locked --target "$TRIPLE" -Zbuild-std=std,panic_abort \
    >"$S/cargo.log" 2>&1 || { tail -30 "$S/cargo.log" >&2; die "cargo build failed (log: $S/cargo.log)"; }
BIN=$S/cargo/$TRIPLE/release/ptear
[ -x "$BIN" ] || die "cargo reported success but $BIN is missing"

# 6. Instruction checks.
dis=$S/ptear.dis
file_out=$(file -b "$BIN" 2>/dev/null || true)
case $file_out in *dynamic*) die "$BIN is not static: $file_out" ;; esac
if [ "$ARCH" = i586 ]; then
    # No CMOV, no SSE registers (the only SSE instructions allowed are ptear's
    # own mfence/lfence/sfence and std_detect's cpuid/xgetbv, all CPUID-guarded).
    "${XP}objdump" -d "$BIN" >"$dis"
    ncmov=$(grep -cE $'\tcmov' "$dis" || true)
    nxmm=$(grep -cE '%(x|y|z)mm[0-9]' "$dis" || true)
    [ "$ncmov" = 0 ] || die "$BIN has $ncmov cmov instructions (see $dis)"
    [ "$nxmm" = 0 ] || die "$BIN uses SSE registers $nxmm times (see $dis)"
    ok="0 cmov, 0 SSE registers"
else
    # ELF flags: o32, MIPS32 (rel1), no FP ABI other than soft.
    flags=$("${XP}readelf" -h "$BIN" | sed -n 's/^ *Flags: *//p')
    case $flags in *mips32r2* | *mips32r6* | *mips64*) die "$BIN ELF flags are not MIPS32r1: $flags" ;; esac
    case $flags in *mips32*) ;; *) die "$BIN ELF flags lack mips32: $flags" ;; esac
    fpabi=$("${XP}readelf" -A "$BIN" | sed -n 's/^ *FP ABI: *//p' | head -1)
    case $fpabi in *[Ss]oft*) ;; *) die "$BIN FP ABI is not soft-float: '$fpabi'" ;; esac
    # Disassembled as MIPS32r2 (-m mips:isa32r2) so that r2-only encodings get
    # their names instead of `.word`. FPU instructions: loads/stores/moves of
    # FP registers, FP compares/branches and any FP-format mnemonic
    # (add.d, cvt.s.w, c.eq.s, madd.d ...).
    "${XP}objdump" -d -m mips:isa32r2 "$BIN" >"$dis"
    fpu_re=$'\t(lwc1|swc1|ldc1|sdc1|lwxc1|swxc1|ldxc1|sdxc1|luxc1|suxc1|mtc1|mfc1|mthc1|mfhc1|ctc1|cfc1|bc1[tf]l?|movf|movt|[a-z0-9.]+\\.(s|d|w|l|ps))([\t ]|$)'
    # MIPS32r2-only: ext, ins, seb, seh, wsbh, rotr(v), di, ei, ehb, synci,
    # jalr.hb/jr.hb, and rdhwr except `rdhwr rX,$29`: musl reads the TLS
    # pointer that way, and Linux emulates it on MIPS32r1 cores (as qemu does).
    r2_re=$'\t(ext|ins|seb|seh|wsbh|rotr|rotrv|di|ei|ehb|synci|jalr\\.hb|jr\\.hb)([\t ]|$)|\trdhwr\t[a-z0-9]+,\\$([0-9]|1[0-9]|2[0-8]|3[01])$'
    nfpu=$(grep -cE "$fpu_re" "$dis" || true)
    nr2=$(grep -cE "$r2_re" "$dis" || true)
    [ "$nfpu" = 0 ] || { grep -E "$fpu_re" "$dis" | head >&2; die "$BIN has $nfpu FPU instructions (see $dis)"; }
    [ "$nr2" = 0 ] || { grep -E "$r2_re" "$dis" | head >&2; die "$BIN has $nr2 MIPS32r2-only instructions (see $dis)"; }
    ok="MIPS32 rel1 ($flags), FP ABI $fpabi, 0 FPU and 0 MIPS32r2-only instructions"
fi
if command -v "${QEMU[0]}" >/dev/null; then
    "${QEMU[@]}" "$BIN" list >/dev/null 2>"$S/qemu.log" ||
        die "${QEMU[*]} $BIN list failed (exit $?): $(cat "$S/qemu.log")"
    ok="$ok, runs under ${QEMU[*]}"
fi
cp "$BIN" "$OUT.tmp" && mv "$OUT.tmp" "$OUT"
step "ok: static, $ok"
echo "$OUT"

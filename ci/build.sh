#!/usr/bin/env bash
# ci/build.sh ARCH...: a static ptear binary per ARCH at target/bin/ptear-ARCH.
#   x86_64     host, static glibc
#   i686       Pentium 4 and later (SSE2); runs natively on x86-64
#   i586       P5 Pentium and later without SSE2 (Pentium Pro/II/III, Athlon
#              XP: the pre-SSE2 PAE CPUs): musl, no cmov (ci/musl.sh)
#   mipsel     MIPS32r2 little-endian (tier 3: std built with -Zbuild-std)
#   mipsel-r1  any MIPS32 (r1) little-endian core, FPU or not: soft-float
#              musl (ci/musl.sh)
#   sh4        the C port (c/): no Rust compiler targets SuperH
# Recipes and why: docs/toolchains.md. Run ci/setup.sh first on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/bin

build_rust() { # ARCH TRIPLE [extra rustflags] [cargo -Z flags]
    local arch=$1 triple=$2 flags=${3:-} zflags=${4:-}
    local dir=target/cross-$arch
    # shellcheck disable=SC2086
    RUSTFLAGS="-C target-feature=+crt-static $flags" CARGO_TARGET_DIR=$dir \
        cargo build --quiet --release --locked --target "$triple" $zflags
    cp "$dir/$triple/release/ptear" "target/bin/ptear-$arch"
}

build_one() { # ARCH
    local arch=$1
    echo "build: $arch"
    case $arch in
        x86_64) build_rust x86_64 x86_64-unknown-linux-gnu ;;
        i686) build_rust i686 i686-unknown-linux-gnu ;;
        i586|mipsel-r1)
            bin=$(bash ci/musl.sh "$arch")
            cp "$bin" "target/bin/ptear-$arch" ;;
        mipsel) RUSTC_BOOTSTRAP=1 build_rust mipsel mipsel-unknown-linux-gnu "" "-Zbuild-std=std,panic_abort" ;;
        sh4) bash c/build.sh sh4 && cp target/c/ptear-c-sh4 target/bin/ptear-sh4 ;;
    esac
}

musl=() other=()
for arch in "$@"; do
    case $arch in
        i586|mipsel-r1) musl+=("$arch") ;;
        x86_64|i686|mipsel|sh4) other+=("$arch") ;;
        *) echo "ci/build.sh: unknown ARCH '$arch' (x86_64 i686 i586 mipsel mipsel-r1 sh4)" >&2; exit 2 ;;
    esac
done

# Two lanes at once: the release profile spends most of a Rust build in
# fat LTO over one codegen unit, on one CPU (x86-64: 42 of 52 s), so two
# builds side by side finish sooner (the suite's six: 348 s one after the
# other, 277 s in two lanes). The musl builds share the cache's musl-src, so
# they keep to one lane; each lane is a ci/build.sh of its own.
if [ ${#musl[@]} -gt 0 ] && [ ${#other[@]} -gt 0 ]; then
    bash "$0" "${musl[@]}" &
    lane=$!
    trap 'kill "$lane" 2>/dev/null || true' EXIT
    rc=0
    bash "$0" "${other[@]}" || rc=$?
    wait "$lane" || rc=$?
    trap - EXIT
    exit "$rc"
fi
for arch in "$@"; do
    build_one "$arch"
done

